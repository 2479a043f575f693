/* flowreport.h: flow-report entries (docs/network-stats.md) — a node's
 * periodic aggregate of what it received from peers, with differential-privacy
 * noise, and the combination of many nodes' reports into network-wide
 * distributions with error bars. Pure: no I/O; randomness from libsodium.
 *
 * Content of type "flow-report" (docs/format.md, docs/network-stats.md):
 *   {v: 1, period_start: uint ms, period_end: uint ms, epsilon_milli: uint,
 *    hops: [17 ints], latency_ms: [N+1 ints], latency_edges: [N uints], skewed: int}
 * Counts are signed integers: noise can make a bucket negative and the value is
 * kept as it is, so that sums over many reports stay unbiased.
 * Epsilon travels as epsilon_milli (epsilon * 1000, an integer) because
 * canonical MessagePack has no floats.
 *
 * Buckets:
 *   hops:       0, 1, ..., 15, and "16 or more" (17 buckets, index = hops capped at 16)
 *   latency_ms: [0,50) [50,100) [100,250) [250,500) [500,1000) [1000,2500)
 *               [2500,5000) [5000,10000) [10000,30000) [30000,60000)
 *               [60000,300000) [300000,inf)   (12 buckets, 11 edges)
 *   skewed:     entries whose latency was negative (clock skew; counted as 0 ms
 *               in the latency histogram too, docs/format.md "Definitions")
 *
 * Privacy unit (event-level DP): one entry received from a peer during the
 * period. Adding or removing it changes one hops bucket by 1, one latency
 * bucket by 1 and skewed by at most 1, so the L1 sensitivity of the whole
 * report is SR_FLOWREPORT_SENSITIVITY = 3, and every count gets independent
 * Laplace noise of scale b = 3 / epsilon. This protects single entries, not
 * people: an author whose many entries reached the node in one period is
 * protected only at epsilon times that number (docs/network-stats.md).
 */
#ifndef SR_FLOWREPORT_H
#define SR_FLOWREPORT_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>

#define SR_FLOWREPORT_TYPE "flow-report" /* docs/format.md */
/* The name reports were first published under, before the design's name was
 * adopted. Such entries are stored as any unknown type (never schema-checked at
 * ingest, so a hostile entry of that type cannot stop its author's log), but
 * every reader of reports takes them too: after an upgrade, `flow network` still
 * counts them and the daemon's next period still starts where they ended. */
#define SR_FLOWREPORT_TYPE_OLD "flow_report"
#define SR_FLOWREPORT_VERSION 1
#define SR_FLOWREPORT_HOPS 17             /* 0..15 and 16+ */
#define SR_FLOWREPORT_LAT 12              /* latency buckets of the standard layout */
#define SR_FLOWREPORT_LAT_MAX 32          /* most latency buckets a parsed report may have */
#define SR_FLOWREPORT_SENSITIVITY 3       /* L1 sensitivity of one report, see above */
#define SR_FLOWREPORT_EPS_MILLI_MIN 1     /* epsilon 0.001 */
#define SR_FLOWREPORT_EPS_MILLI_MAX 10000 /* epsilon 10 */
/* Largest |count| a report may carry: far above any real period (2^40 entries),
 * small enough that sums of millions of reports cannot overflow int64. */
#define SR_FLOWREPORT_COUNT_MAX (1ll << 40)

/* The standard latency edges in ms (upper bounds, exclusive). */
extern const uint64_t sr_flowreport_edges[SR_FLOWREPORT_LAT - 1];

typedef struct sr_flowreport {
  uint64_t period_start, period_end; /* ms since epoch; received_at in [start, end) */
  uint32_t epsilon_milli;            /* epsilon * 1000 */
  int64_t hops[SR_FLOWREPORT_HOPS];
  uint32_t nlat; /* latency buckets (edges: nlat - 1) */
  uint64_t edges[SR_FLOWREPORT_LAT_MAX - 1];
  int64_t latency[SR_FLOWREPORT_LAT_MAX];
  int64_t skewed;
} sr_flowreport_t;

/* A report with the standard layout and all counts 0. */
void sr_flowreport_init(sr_flowreport_t *r, uint64_t period_start, uint64_t period_end, uint32_t epsilon_milli);
/* Bucket index of a latency (ms >= 0) in r's layout. */
uint32_t sr_flowreport_lat_bucket(const sr_flowreport_t *r, uint64_t ms);
/* Counts one received entry: hops as recorded, latency = received_at - ts
 * (negative: skewed, counted as 0 ms). Exact counts; noise comes after. */
void sr_flowreport_count(sr_flowreport_t *r, uint32_t hops, int64_t latency_ms);
/* Sum of the hops buckets (the report's estimate of entries received). */
int64_t sr_flowreport_total(const sr_flowreport_t *r);

/* Parses epsilon written as a decimal with at most 3 fractional digits ("1",
 * "0.5", "0.001"; no sign, exponent, inf or nan) into *milli = epsilon * 1000,
 * within [SR_FLOWREPORT_EPS_MILLI_MIN, MAX]. Returns 0 or SR_EINVAL. One rule for
 * the config key flow_epsilon and `flow report --epsilon`. */
SR_MUST_USE int sr_flowreport_epsilon_parse(const char *s, uint32_t *milli);

/* Laplace scale b = sensitivity / epsilon for an epsilon_milli. */
double sr_flowreport_scale(uint32_t epsilon_milli);
/* A uniform double in the open interval (0, 1) from randombytes_buf. */
double sr_flowreport_uniform(void);
/* One draw of Laplace(0, b) by the inverse CDF of a uniform in (0, 1). */
double sr_flowreport_laplace(double b);
/* Adds independent Laplace(0, scale(r->epsilon_milli)) noise to every count,
 * rounded to the nearest integer (post-processing: keeps the DP guarantee);
 * negative results are kept. SR_EINVAL when epsilon_milli is out of range. */
SR_MUST_USE int sr_flowreport_noise(sr_flowreport_t *r);

/* Encodes r as the canonical content map (core/canon.h) appended to sb.
 * SR_EINVAL when r breaks the schema bounds (parse would refuse it). */
SR_MUST_USE int sr_flowreport_encode(const sr_flowreport_t *r, msgpack_sbuffer *sb);
/* Checks that buf is canonical and a valid flow-report content, and fills r.
 * Strict: v == 1; every listed key present with its type and bounds; hops has
 * 17 counts; latency_edges 1..31 strictly increasing positive uints;
 * latency_ms one more count than edges; |count| <= SR_FLOWREPORT_COUNT_MAX;
 * period_start < period_end; epsilon_milli in [MIN, MAX]. A report never names
 * a person: no binary value and no string value may appear anywhere, also not
 * under unknown keys (which are otherwise allowed, for later versions).
 * Returns 0, or SR_EVERSION for a report of a later version (v > 1) that names
 * nobody — valid content, but not in this layout (r is not filled) — or
 * SR_ECONTENT with a sentence in why (why may be NULL). */
SR_MUST_USE int sr_flowreport_parse(const uint8_t *buf, size_t len, sr_flowreport_t *r, char *why, size_t whylen);
/* 1 when an entry's type (type_len bytes, not NUL-terminated) names a flow
 * report: SR_FLOWREPORT_TYPE or SR_FLOWREPORT_TYPE_OLD. */
int sr_flowreport_is_type(const char *type, size_t type_len);

/* ---- combining k reports ---- */

typedef struct sr_flowreport_sum {
  size_t k;                          /* reports combined */
  uint64_t period_start, period_end; /* earliest start, latest end */
  uint32_t eps_min, eps_max;         /* epsilon_milli range */
  int64_t hops[SR_FLOWREPORT_HOPS];
  uint32_t nlat;
  uint64_t edges[SR_FLOWREPORT_LAT_MAX - 1];
  int64_t latency[SR_FLOWREPORT_LAT_MAX];
  int64_t skewed;
  double var; /* noise variance of one summed bucket: sum over reports of 2 b_i^2 */
} sr_flowreport_sum_t;

/* Starts an empty sum; the first report added fixes the latency layout. */
void sr_flowreport_sum_init(sr_flowreport_sum_t *s);
/* Adds r. SR_EINVAL (s unchanged) when r's latency edges differ from the
 * sum's: buckets of different layouts cannot be added. */
SR_MUST_USE int sr_flowreport_sum_add(sr_flowreport_sum_t *s, const sr_flowreport_t *r);
/* Standard error of one summed bucket: sqrt(sum 2 b_i^2), which is
 * sqrt(k * 2 * b^2) when every report used the same epsilon. */
double sr_flowreport_sum_se(const sr_flowreport_sum_t *s);
/* Standard error of a sum of nbuckets summed buckets (e.g. the total). */
double sr_flowreport_sum_se_of(const sr_flowreport_sum_t *s, size_t nbuckets);
/* The 95% half-width: 1.96 standard errors. */
#define SR_FLOWREPORT_Z95 1.96
/* Nearest-rank percentile p (0 < p <= 100) of a histogram, negative buckets
 * read as 0: the index of the bucket holding it, or -1 when the clamped
 * histogram is empty. */
int sr_flowreport_percentile(const int64_t *counts, size_t n, double p);

#endif
