/* flownoise.c: consistent histograms, percentile intervals and reliability
 * (flownoise.h). */
#include "core/flownoise.h"
#include "core/flowreport.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sr_flownoise_consistent(const int64_t *noisy, size_t n, double *out) {
  double val[SR_FLOWNOISE_MAX], c = 0;
  size_t len[SR_FLOWNOISE_MAX], k = 0;
  if (n > SR_FLOWNOISE_MAX) n = SR_FLOWNOISE_MAX;
  /* Pool adjacent violators on the cumulative counts: each block holds the
   * mean of the running totals it pools, and blocks are non-decreasing. */
  for (size_t i = 0; i < n; i++) {
    c += (double)noisy[i];
    val[k] = c;
    len[k++] = 1;
    while (k > 1 && val[k - 2] > val[k - 1]) {
      double w = (double)(len[k - 2] + len[k - 1]);
      val[k - 2] = (val[k - 2] * (double)len[k - 2] + val[k - 1] * (double)len[k - 1]) / w;
      len[k - 2] += len[k - 1];
      k--;
    }
  }
  /* Clamping the monotone fit at 0 is the least-squares fit under both
   * constraints; the differences of a non-decreasing sequence from 0 are >= 0. */
  double prev = 0;
  for (size_t b = 0, i = 0; b < k; b++)
    for (size_t j = 0; j < len[b]; j++, i++) {
      double v = val[b] > 0 ? val[b] : 0;
      out[i] = v - prev > 0 ? v - prev : 0;
      prev = v > prev ? v : prev;
    }
}

int sr_flownoise_pct(const double *h, size_t n, double p) {
  double total = 0, cum = 0;
  for (size_t i = 0; i < n; i++) total += h[i];
  if (total <= 1e-9) return -1;
  double want = p / 100.0 * total;
  for (size_t i = 0; i < n; i++) {
    cum += h[i];
    if (cum >= want - 1e-9 * total) return (int)i;
  }
  return (int)n - 1;
}

/* splitmix64: a small seeded generator, enough for a bootstrap (the noise of
 * the reports themselves comes from libsodium; this only re-samples it). */
static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double laplace(uint64_t *s, double b) {
  double u = ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0 - 0.5; /* (-1/2, 1/2) */
  return u < 0 ? b * log(1 + 2 * u) : -b * log(1 - 2 * u);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return x < y ? -1 : x > y;
}

void sr_flownoise_percentile(const int64_t *noisy, size_t n, double var, double p, sr_flownoise_pct_t *out) {
  double h[SR_FLOWNOISE_MAX], r[SR_FLOWNOISE_MAX], total = 0;
  int64_t x[SR_FLOWNOISE_MAX];
  int reps[SR_FLOWNOISE_REPLICATES], m = 0;
  if (n > SR_FLOWNOISE_MAX) n = SR_FLOWNOISE_MAX;
  sr_flownoise_consistent(noisy, n, h);
  out->bucket = sr_flownoise_pct(h, n, p);
  out->lo = out->hi = -1;
  out->reliable = 0;
  if (out->bucket < 0) return;
  /* Laplace of the same variance (2 b^2 = var): exact for one report, close
   * for a sum of many (which tends to a normal of that variance). */
  double b = sqrt(var / 2);
  uint64_t seed = 0x5e1120e5eedull ^ (uint64_t)(p * 1000);
  for (size_t i = 0; i < n; i++) seed = seed * 1099511628211ull ^ (uint64_t)noisy[i];
  for (int t = 0; t < SR_FLOWNOISE_REPLICATES; t++) {
    for (size_t i = 0; i < n; i++) x[i] = (int64_t)llround(h[i] + laplace(&seed, b));
    sr_flownoise_consistent(x, n, r);
    int q = sr_flownoise_pct(r, n, p);
    if (q >= 0) reps[m++] = q;
  }
  if (m) {
    qsort(reps, (size_t)m, sizeof(int), cmp_int);
    out->lo = reps[(size_t)(0.025 * (m - 1))];
    out->hi = reps[(size_t)ceil(0.975 * (m - 1))];
    if (out->lo > out->bucket) out->lo = out->bucket; /* the interval holds the estimate */
    if (out->hi < out->bucket) out->hi = out->bucket;
  }
  /* Reliability: the entries on the percentile's short side against the noise
   * of the buckets there (at least one bucket). */
  for (size_t i = 0; i < n; i++) total += h[i];
  double side = (p >= 50 ? 100 - p : p) / 100.0 * total;
  size_t nb = p >= 50 ? n - 1 - (size_t)out->bucket : (size_t)out->bucket;
  if (nb < 1) nb = 1;
  out->reliable = side >= SR_FLOWREPORT_Z95 * sqrt(var * (double)nb);
}
