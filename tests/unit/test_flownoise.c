/* test_flownoise.c: the noise-aware reading of summed flow reports
 * (core/flownoise.h) against exact values. Histograms with known true counts
 * are noised as k reports would be (Laplace of scale 3 per report and bucket,
 * rounded: docs/network-stats.md), from a seeded generator so that every run
 * measures the same numbers; the measured errors are printed.
 *  - the consistent histogram has no negative bucket and monotone cumulative
 *    counts, and is closer to the truth (L1) than the raw counts with negatives
 *    read as 0, the reading `flow network` used before;
 *  - its percentiles are closer to the true ones (in buckets);
 *  - the case (hops all at 1 and 2, a few reports): p99 is marked
 *    unreliable; with many entries every percentile is reliable and exact;
 *  - the 95% intervals cover the true percentile bucket. */
#include "tests/unit/t.h"
#include "core/flownoise.h"
#include "core/flowreport.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng = 12345;

static double uniform(void) {
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

/* One report's noise on one bucket, as core/flowreport.c adds it. */
static int64_t noise(double b) {
  double u = uniform() - 0.5;
  return (int64_t)llround(u < 0 ? b * log(1 + 2 * u) : -b * log(1 - 2 * u));
}

static void hand_made(void) {
  int64_t x[3] = {5, -3, 4};
  double h[4];
  sr_flownoise_consistent(x, 3, h); /* cumulative 5, 2, 6 -> 3.5, 3.5, 6 */
  T_CHECK(fabs(h[0] - 3.5) < 1e-12 && fabs(h[1]) < 1e-12 && fabs(h[2] - 2.5) < 1e-12);
  int64_t y[4] = {-4, 2, 0, 7}; /* cumulative -4, -2, -2, 5 -> 0, 0, 0, 5 */
  sr_flownoise_consistent(y, 4, h);
  T_CHECK(h[0] == 0 && h[1] == 0 && h[2] == 0 && fabs(h[3] - 5) < 1e-12);
  int64_t z[4] = {1, 2, 0, 3}; /* already consistent: unchanged */
  sr_flownoise_consistent(z, 4, h);
  for (int i = 0; i < 4; i++) T_CHECK(fabs(h[i] - (double)z[i]) < 1e-12);
  double e[3] = {0, 0, 0};
  T_EQ(sr_flownoise_pct(e, 3, 50), -1);
  double f[4] = {1, 1, 1, 1};
  T_EQ(sr_flownoise_pct(f, 4, 50), 1);
  T_EQ(sr_flownoise_pct(f, 4, 99), 3);
}

typedef struct {
  double l1_raw, l1_cons, err_raw[3], err_cons[3], unreliable[3], covered[3];
} measure_t;

static const double pcts[3] = {50, 90, 99};

/* trials noisy sums of k reports of the true histogram t[0..n). */
static void measure(const int64_t *t, size_t n, int k, int trials, measure_t *m) {
  double tb[SR_FLOWNOISE_MAX], h[SR_FLOWNOISE_MAX], b = sr_flowreport_scale(1000);
  int64_t x[SR_FLOWNOISE_MAX];
  int truth[3];
  memset(m, 0, sizeof(*m));
  for (size_t i = 0; i < n; i++) tb[i] = (double)t[i];
  for (int p = 0; p < 3; p++) truth[p] = sr_flownoise_pct(tb, n, pcts[p]);
  for (int tr = 0; tr < trials; tr++) {
    for (size_t i = 0; i < n; i++) {
      x[i] = t[i];
      for (int r = 0; r < k; r++) x[i] += noise(b);
    }
    sr_flownoise_consistent(x, n, h);
    double c = 0;
    for (size_t i = 0; i < n; i++) {
      T_CHECK(h[i] >= 0); /* non-negative, so the cumulative counts are monotone */
      c += h[i];
      m->l1_raw += fabs((double)(x[i] > 0 ? x[i] : 0) - tb[i]);
      m->l1_cons += fabs(h[i] - tb[i]);
    }
    T_CHECK(c >= 0);
    for (int p = 0; p < 3; p++) {
      sr_flownoise_pct_t q;
      sr_flownoise_percentile(x, n, 2.0 * b * b * k, pcts[p], &q);
      int raw = sr_flowreport_percentile(x, n, pcts[p]);
      m->err_raw[p] += abs(raw - truth[p]);
      m->err_cons[p] += abs(q.bucket - truth[p]);
      m->unreliable[p] += !q.reliable;
      m->covered[p] += q.lo <= truth[p] && truth[p] <= q.hi;
      T_CHECK(q.lo <= q.bucket && q.bucket <= q.hi);
    }
  }
  m->l1_raw /= trials;
  m->l1_cons /= trials;
  for (int p = 0; p < 3; p++) {
    m->err_raw[p] /= trials;
    m->err_cons[p] /= trials;
    m->unreliable[p] /= trials;
    m->covered[p] /= trials;
  }
}

static void print(const char *what, const measure_t *m) {
  fprintf(stderr,
          "flownoise %s: L1 error raw %.1f -> consistent %.1f; mean |bucket error| p50 %.2f -> %.2f, p90 %.2f -> "
          "%.2f, p99 %.2f -> %.2f; unreliable p50/p90/p99 %.2f/%.2f/%.2f; 95%% interval covers %.2f/%.2f/%.2f\n",
          what, m->l1_raw, m->l1_cons, m->err_raw[0], m->err_cons[0], m->err_raw[1], m->err_cons[1], m->err_raw[2],
          m->err_cons[2], m->unreliable[0], m->unreliable[1], m->unreliable[2], m->covered[0], m->covered[1],
          m->covered[2]);
}

/* The case: 50 entries, all after 1 or 2 hops, 3 reports of epsilon 1.
 * Reading the raw sums put p99 at 11 hops. */
static void sparse_hops(void) {
  int64_t t[SR_FLOWREPORT_HOPS] = {0, 30, 20};
  measure_t m;
  measure(t, SR_FLOWREPORT_HOPS, 3, 1000, &m);
  print("hops 30+20 entries, 3 reports", &m);
  T_CHECK(m.l1_cons < 0.8 * m.l1_raw);
  for (int p = 0; p < 3; p++) T_CHECK(m.err_cons[p] < m.err_raw[p]);
  T_CHECK(m.unreliable[2] > 0.95); /* p99: noise dominates, and it says so */
  T_CHECK(m.covered[0] > 0.9);
}

/* 2,000 entries: the median is decided by 1,000 of them (reliable), p99 by 20
 * against noise of about 7 per bucket over 13 buckets (not). */
static void medium_hops(void) {
  int64_t t[SR_FLOWREPORT_HOPS] = {0, 900, 700, 400};
  measure_t m;
  measure(t, SR_FLOWREPORT_HOPS, 3, 300, &m);
  print("hops 2,000 entries, 3 reports", &m);
  T_CHECK(m.l1_cons < 0.8 * m.l1_raw);
  T_CHECK(m.unreliable[0] < 0.01 && m.err_cons[0] < 0.01);
  T_CHECK(m.unreliable[2] > 0.9);
  T_CHECK(m.err_cons[2] <= m.err_raw[2]);
}

/* Many entries: every percentile reliable, exact, and covered. */
static void dense_hops(void) {
  int64_t t[SR_FLOWREPORT_HOPS] = {0, 50000, 80000, 40000, 10000, 2000, 300, 20};
  measure_t m;
  measure(t, SR_FLOWREPORT_HOPS, 5, 300, &m);
  print("hops 182,320 entries, 5 reports", &m);
  T_CHECK(m.l1_cons <= m.l1_raw);
  for (int p = 0; p < 3; p++) {
    T_CHECK(m.unreliable[p] < 0.01);
    T_CHECK(m.err_cons[p] < 0.01);
    T_CHECK(m.covered[p] > 0.95);
  }
}

/* A latency histogram of a few hundred entries over 12 buckets. */
static void latency(void) {
  int64_t t[SR_FLOWREPORT_LAT] = {5, 10, 40, 80, 60, 30, 15, 8, 4, 2, 1, 0};
  measure_t m;
  measure(t, SR_FLOWREPORT_LAT, 2, 1000, &m);
  print("latency 255 entries, 2 reports", &m);
  T_CHECK(m.l1_cons <= m.l1_raw * 1.02); /* not worse where the histogram is dense */
  T_CHECK(m.covered[0] > 0.9 && m.covered[1] > 0.9);
}

int main(void) {
  T_RUN(hand_made);
  T_RUN(sparse_hops);
  T_RUN(medium_hops);
  T_RUN(dense_hops);
  T_RUN(latency);
  fprintf(stderr, "test_flownoise: %d checks passed\n", t_checks);
  return 0;
}
