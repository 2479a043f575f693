/* flownoise.h: reading noised histograms honestly (`seurone flow network`,
 * docs/network-stats.md "Noise-aware results"). Pure: no I/O, and no secret
 * randomness — it only post-processes published numbers, which keeps the
 * differential-privacy guarantee of the reports whatever it computes.
 *
 * - Consistency: the summed noised buckets can be negative and their running
 *   total can go down, which no true histogram does. sr_flownoise_consistent
 *   fits the cumulative counts with the closest (least squares) non-decreasing,
 *   non-negative sequence (isotonic regression by pool-adjacent-violators) and
 *   returns its differences: a histogram with no negative bucket whose
 *   cumulative counts are monotone. Measured in tests/unit/test_flownoise.c
 *   against exact values.
 * - Percentiles come with a 95% interval: a parametric bootstrap that
 *   re-noises the consistent histogram with the reports' noise variance,
 *   post-processes each replicate the same way and takes the 2.5% and 97.5%
 *   quantiles of its percentile bucket. The generator is seeded, so one input
 *   always gives one answer.
 * - A percentile is marked unreliable when noise dominates the counts that
 *   decide it: fewer entries lie on its short side (beyond p99: 1% of the
 *   total) than the 95% half-width of the noise summed over the buckets on
 *   that side. */
#ifndef SR_FLOWNOISE_H
#define SR_FLOWNOISE_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

#define SR_FLOWNOISE_MAX 32         /* most buckets of one histogram (hops 17, latency up to 32) */
#define SR_FLOWNOISE_REPLICATES 400 /* bootstrap replicates per percentile */

/* out[0..n) = the consistent histogram of noisy[0..n) (n <= SR_FLOWNOISE_MAX). */
void sr_flownoise_consistent(const int64_t *noisy, size_t n, double *out);

/* Nearest-rank percentile p (0 < p <= 100) of a non-negative histogram of
 * doubles: the index of the bucket holding it, -1 when it is empty. */
int sr_flownoise_pct(const double *h, size_t n, double p);

typedef struct sr_flownoise_pct {
  int bucket;   /* from the consistent histogram; -1: empty */
  int lo, hi;   /* 95% interval of the bucket; -1 when bucket is */
  int reliable; /* 0: the noise dominates the counts that decide it */
} sr_flownoise_pct_t;

/* Percentile p of the summed noised histogram noisy[0..n), whose every bucket
 * carries noise of variance var (sr_flowreport_sum_t.var). */
void sr_flownoise_percentile(const int64_t *noisy, size_t n, double var, double p, sr_flownoise_pct_t *out);

#endif
