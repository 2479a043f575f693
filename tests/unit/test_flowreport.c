/* test_flowreport.c: flow-report content (core/flowreport): buckets, the
 * encode/parse round trip and canonical form, the Laplace noise's mean and
 * variance, combining reports (exact sums without noise, error bars growing like
 * sqrt(k)), percentiles, network views and arrivals (core/flowstats), the store
 * scan over real LMDB and the config keys; main also runs the strict schema's
 * tests (also through sr_content_parse and sr_entry_create,
 * test_flowreport_schema.c). */
#include "tests/unit/test_flowreport.h"
#include "core/flowstats.h"
#include "store/store.h"
#include "store/flowstore.h"
#include "store/ingest.h"
#include "node/config.h"
#include <math.h>

sr_flowreport_t sample(void) {
  sr_flowreport_t r;
  sr_flowreport_init(&r, NOW - 3600000, NOW, 1000);
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) r.hops[i] = i * 7 - 20; /* negatives too */
  for (uint32_t i = 0; i < r.nlat; i++) r.latency[i] = (int64_t)i * 1000 - 3;
  r.hops[5] = 300000;         /* a uint32 */
  r.latency[2] = -70000;      /* an int32 */
  r.latency[3] = (1ll << 40); /* the bound, an int64 */
  r.skewed = -1;
  return r;
}

void encode(const sr_flowreport_t *r, t_buf_t *b) {
  t_buf_init(b);
  T_OK(sr_flowreport_encode(r, &b->sb));
}

static void buckets_and_counting(void) {
  sr_flowreport_t r;
  sr_flowreport_init(&r, 0, 1, 1000);
  T_EQ(r.nlat, SR_FLOWREPORT_LAT);
  T_EQ(sr_flowreport_lat_bucket(&r, 0), 0);
  T_EQ(sr_flowreport_lat_bucket(&r, 49), 0);
  T_EQ(sr_flowreport_lat_bucket(&r, 50), 1);
  T_EQ(sr_flowreport_lat_bucket(&r, 999), 4);
  T_EQ(sr_flowreport_lat_bucket(&r, 1000), 5);
  T_EQ(sr_flowreport_lat_bucket(&r, 299999), 10);
  T_EQ(sr_flowreport_lat_bucket(&r, 300000), 11);
  T_EQ(sr_flowreport_lat_bucket(&r, UINT64_MAX), 11);
  sr_flowreport_count(&r, 1, 120);     /* hops 1, [100,250) */
  sr_flowreport_count(&r, 40, 400000); /* hops 16+, >= 300000 */
  sr_flowreport_count(&r, 0, -5);      /* skew: counted as 0 ms and as skewed */
  T_EQ(r.hops[1], 1);
  T_EQ(r.hops[16], 1);
  T_EQ(r.hops[0], 1);
  T_EQ(r.latency[2], 1);
  T_EQ(r.latency[11], 1);
  T_EQ(r.latency[0], 1);
  T_EQ(r.skewed, 1);
  T_EQ(sr_flowreport_total(&r), 3);
}

static void roundtrip_and_canonical(void) {
  sr_flowreport_t r = sample(), back;
  t_buf_t b, b2;
  char why[200];
  encode(&r, &b);
  T_OK(sr_canon_check(T_DATA(&b), T_SIZE(&b), SR_CANON_MAX_DEPTH, NULL));
  T_OK(sr_flowreport_parse(T_DATA(&b), T_SIZE(&b), &back, why, sizeof(why)));
  T_EQ(back.period_start, r.period_start);
  T_EQ(back.period_end, r.period_end);
  T_EQ(back.epsilon_milli, r.epsilon_milli);
  T_EQ(back.nlat, r.nlat);
  T_MEMEQ(back.hops, r.hops, sizeof(r.hops));
  T_MEMEQ(back.latency, r.latency, r.nlat * sizeof(int64_t));
  T_MEMEQ(back.edges, r.edges, (r.nlat - 1) * sizeof(uint64_t));
  T_EQ(back.skewed, -1);
  /* one byte string per report: encoding the parsed report gives the same bytes */
  encode(&back, &b2);
  T_EQ(T_SIZE(&b2), T_SIZE(&b));
  T_MEMEQ(T_DATA(&b2), T_DATA(&b), T_SIZE(&b));
  /* and the encoder refuses what the parser would refuse */
  r.period_end = r.period_start;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  T_EQ(sr_flowreport_encode(&r, &sb), SR_EINVAL);
  r = sample();
  r.hops[0] = (1ll << 40) + 1;
  T_EQ(sr_flowreport_encode(&r, &sb), SR_EINVAL);
  msgpack_sbuffer_destroy(&sb);
  t_buf_free(&b);
  t_buf_free(&b2);
}

/* ---- noise ---- */

static void uniform_open_interval(void) {
  double lo = 1, hi = 0, sum = 0;
  for (int i = 0; i < 100000; i++) {
    double u = sr_flowreport_uniform();
    if (u < lo) lo = u;
    if (u > hi) hi = u;
    sum += u;
  }
  T_CHECK(lo > 0 && hi < 1);
  T_CHECK(fabs(sum / 100000 - 0.5) < 0.01); /* sd 0.0009: > 10 sd */
}

static void laplace_mean_and_variance(void) {
  /* b = 3 / epsilon for epsilon 1.5: b = 2, variance 2 b^2 = 8. With n = 20000 the
   * mean's sd is sqrt(8 / n) = 0.02 and the sample variance's sd is about
   * sqrt(20 b^4 / n) = 0.13 (Laplace kurtosis 6). Margins: 0.12 (6 sd) and
   * 0.8 (6 sd). A generator without noise, with the wrong scale (e.g. eps/3 or
   * 1/eps) or a one-sided one fails them. */
  const int n = 20000;
  double b = sr_flowreport_scale(1500), sum = 0, sq = 0, pos = 0;
  T_CHECK(fabs(b - 2.0) < 1e-12);
  for (int i = 0; i < n; i++) {
    double x = sr_flowreport_laplace(b);
    sum += x;
    sq += x * x;
    pos += x > 0;
  }
  double mean = sum / n, var = sq / n - mean * mean;
  fprintf(stderr, "   laplace b=2: mean %.4f (want 0 +- 0.12), variance %.3f (want 8 +- 0.8), positive %.3f\n", mean,
          var, pos / n);
  T_CHECK(fabs(mean) < 0.12);
  T_CHECK(fabs(var - 8.0) < 0.8);
  T_CHECK(fabs(pos / n - 0.5) < 0.03);

  /* The same through whole reports: noise - exact over 700 reports x 30 counts. */
  sr_flowreport_t exact = sample(), r;
  double s = 0, s2 = 0;
  int m = 0;
  for (int k = 0; k < 700; k++) {
    r = exact;
    T_OK(sr_flowreport_noise(&r));
    for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) {
      double d = (double)(r.hops[i] - exact.hops[i]);
      s += d, s2 += d * d, m++;
    }
    for (uint32_t i = 0; i < r.nlat; i++) {
      if (exact.latency[i] == (1ll << 40)) continue; /* clamped at the bound */
      double d = (double)(r.latency[i] - exact.latency[i]);
      s += d, s2 += d * d, m++;
    }
  }
  /* epsilon 1: b = 3, variance 18 (+1/12 from rounding); n ~ 20000 */
  double rm = s / m, rv = s2 / m - rm * rm;
  fprintf(stderr, "   report noise eps=1 (%d draws): mean %.4f, variance %.3f (want 18.08 +- 1.8)\n", m, rm, rv);
  T_CHECK(fabs(rm) < 0.2);
  T_CHECK(fabs(rv - 18.08) < 1.8);
  r = exact;
  r.epsilon_milli = 0;
  T_EQ(sr_flowreport_noise(&r), SR_EINVAL);
}

/* ---- combining ---- */

static void combine_exact_and_error_bars(void) {
  sr_flowreport_sum_t s1, s4, mixed;
  sr_flowreport_t r[4];
  int64_t want_h[SR_FLOWREPORT_HOPS] = {0}, want_l[SR_FLOWREPORT_LAT] = {0}, want_sk = 0;
  sr_flowreport_sum_init(&s1);
  sr_flowreport_sum_init(&s4);
  for (int k = 0; k < 4; k++) {
    /* noise off: the counts are exactly what was counted */
    sr_flowreport_init(&r[k], NOW + (uint64_t)k * 1000, NOW + (uint64_t)k * 1000 + 500, 1000);
    for (int i = 0; i < 10 + k; i++) sr_flowreport_count(&r[k], (uint32_t)(i % 5), (int64_t)i * 97 - 100);
    for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) want_h[i] += r[k].hops[i];
    for (int i = 0; i < SR_FLOWREPORT_LAT; i++) want_l[i] += r[k].latency[i];
    want_sk += r[k].skewed;
    T_OK(sr_flowreport_sum_add(&s4, &r[k]));
  }
  T_OK(sr_flowreport_sum_add(&s1, &r[0]));
  T_EQ(s4.k, 4);
  T_MEMEQ(s4.hops, want_h, sizeof(want_h));
  T_MEMEQ(s4.latency, want_l, sizeof(want_l));
  T_EQ(s4.skewed, want_sk);
  T_EQ(want_sk, 4 * 2); /* i = 0 and 1 are skewed in every report */
  int64_t tot = 0;
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) tot += s4.hops[i];
  T_EQ(tot, 10 + 11 + 12 + 13);
  T_EQ(s4.period_start, NOW);
  T_EQ(s4.period_end, NOW + 3500);
  /* se of one bucket: sqrt(k * 2 * b^2), b = 3: k=1 -> sqrt(18), k=4 -> 2 sqrt(18) */
  T_CHECK(fabs(sr_flowreport_sum_se(&s1) - sqrt(18.0)) < 1e-9);
  T_CHECK(fabs(sr_flowreport_sum_se(&s4) / sr_flowreport_sum_se(&s1) - 2.0) < 1e-9);
  T_CHECK(fabs(sr_flowreport_sum_se_of(&s4, 17) - sqrt(17.0) * sr_flowreport_sum_se(&s4)) < 1e-9);
  /* mixed epsilons: variances add */
  sr_flowreport_sum_init(&mixed);
  r[1].epsilon_milli = 500; /* b = 6 */
  T_OK(sr_flowreport_sum_add(&mixed, &r[0]));
  T_OK(sr_flowreport_sum_add(&mixed, &r[1]));
  T_CHECK(fabs(sr_flowreport_sum_se(&mixed) - sqrt(18.0 + 72.0)) < 1e-9);
  T_EQ(mixed.eps_min, 500);
  T_EQ(mixed.eps_max, 1000);
  /* another bucket layout cannot be added */
  r[2].edges[0] = 60;
  T_EQ(sr_flowreport_sum_add(&mixed, &r[2]), SR_EINVAL);
  T_EQ(mixed.k, 2);

  /* With noise on, the 95% interval of the total covers the exact total in
   * about 95% of trials (a loose check on the whole chain: noise, sum, se). */
  int covered = 0;
  for (int trial = 0; trial < 400; trial++) {
    sr_flowreport_sum_t s;
    sr_flowreport_sum_init(&s);
    for (int k = 0; k < 4; k++) {
      sr_flowreport_t x = r[0];
      T_OK(sr_flowreport_noise(&x));
      T_OK(sr_flowreport_sum_add(&s, &x));
    }
    int64_t t = 0;
    for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) t += s.hops[i];
    double half = SR_FLOWREPORT_Z95 * sr_flowreport_sum_se_of(&s, SR_FLOWREPORT_HOPS);
    covered += fabs((double)t - 40.0) <= half;
  }
  fprintf(stderr, "   95%% interval of the total covered the truth in %d of 400 trials\n", covered);
  T_CHECK(covered >= 360 && covered <= 398); /* 380 expected, sd 4.4 */
}

static void percentiles(void) {
  int64_t h[4] = {-5, 10, 0, 10};
  T_EQ(sr_flowreport_percentile(h, 4, 50), 1);
  T_EQ(sr_flowreport_percentile(h, 4, 51), 3);
  T_EQ(sr_flowreport_percentile(h, 4, 100), 3);
  T_EQ(sr_flowreport_percentile(h, 4, 1), 1);
  int64_t none[3] = {-1, 0, -7};
  T_EQ(sr_flowreport_percentile(none, 3, 50), -1);
}

/* ---- the store scan (real LMDB) ---- */

static void store_scan(void) {
  char dir[256], err[300];
  sr_store_t *st;
  t_author_t a, me;
  t_buf_t c;
  sr_ingest_item_t items[5];
  uint64_t ts[5] = {NOW - 5000, NOW - 4000, NOW - 3000, NOW - 2000, NOW - 1000};
  uint64_t recv[5] = {NOW - 4990, NOW - 3700, NOW - 3100 /* skew */, NOW - 500, NOW + 10 /* after */};
  uint32_t hops[5] = {1, 2, 3, 20, 1};
  t_entry_t e[5];
  t_tmpdir(dir);
  T_OK(sr_store_open(dir, 1, &st, err, sizeof(err)));
  t_author_init(&a, 0x21);
  t_author_init(&me, 0x22);
  memset(items, 0, sizeof(items));
  for (int i = 0; i < 5; i++) {
    t_share(&c, "hello", NULL, NULL);
    e[i] = t_next(&a, ts[i], "share", &c);
    t_buf_free(&c);
    items[i].raw = e[i].raw;
    items[i].len = e[i].len;
    items[i].flow.received_at = recv[i];
    items[i].flow.hops = hops[i];
    items[i].flow.source = i == 1 ? SR_SRC_IMPORT : SR_SRC_PEER; /* an import did not flow here */
  }
  T_OK(sr_store_ingest(st, items, 5, 1, NOW + 100000, NULL));
  for (int i = 0; i < 5; i++) T_OK(items[i].status);

  sr_flowreport_t r;
  sr_flowreport_init(&r, NOW - 6000, NOW, 1000);
  T_OK(sr_store_flow_count(st, &r));
  /* counted: 0 (hops 1, 10 ms), 2 (hops 3, skew -100 -> 0 ms), 3 (hops 20 -> 16+, 1500 ms) */
  T_EQ(sr_flowreport_total(&r), 3);
  T_EQ(r.hops[1], 1);
  T_EQ(r.hops[2], 0);
  T_EQ(r.hops[3], 1);
  T_EQ(r.hops[16], 1);
  T_EQ(r.latency[0], 2);
  T_EQ(r.latency[5], 1);
  T_EQ(r.skewed, 1);

  /* the last report's end, read back from a log */
  uint64_t end = 1;
  T_OK(sr_store_flow_last_end(st, me.pk, &end));
  T_EQ(end, 0);
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[200];
  for (int k = 0; k < 2; k++) {
    t_buf_t b;
    sr_flowreport_t x;
    sr_flowreport_init(&x, NOW - 7000 + (uint64_t)k * 1000, NOW - 6000 + (uint64_t)k * 1000, 1000);
    encode(&x, &b);
    T_OK(sr_store_publish(st, me.sk, SR_FLOWREPORT_TYPE, T_DATA(&b), T_SIZE(&b), NOW, NOW, id, &seq, why, sizeof(why)));
    t_buf_free(&b);
  }
  T_OK(sr_store_flow_last_end(st, me.pk, &end));
  T_EQ(end, NOW - 5000);
  /* a report under the type's earlier name (flow_report) still counts: after an
   * upgrade the next period starts where it ended, not one interval back */
  {
    t_buf_t b;
    sr_flowreport_t x;
    sr_flowreport_init(&x, NOW - 5000, NOW - 4000, 1000);
    encode(&x, &b);
    T_OK(sr_store_publish(st, me.sk, SR_FLOWREPORT_TYPE_OLD, T_DATA(&b), T_SIZE(&b), NOW, NOW, id, &seq, why,
                          sizeof(why)));
    t_buf_free(&b);
  }
  T_OK(sr_store_flow_last_end(st, me.pk, &end));
  T_EQ(end, NOW - 4000);
  T_EQ(sr_flowreport_is_type("flow_report", 11), 1);
  T_EQ(sr_flowreport_is_type("flow-report", 11), 1);
  T_EQ(sr_flowreport_is_type("flow-reports", 12), 0);
  T_EQ(sr_flowreport_is_type("flow", 4), 0);
  /* a bad one is refused by publish (the schema runs there too) */
  t_buf_t bad;
  t_about(&bad, "alice");
  T_EQ(
      sr_store_publish(st, me.sk, SR_FLOWREPORT_TYPE, T_DATA(&bad), T_SIZE(&bad), NOW, NOW, id, &seq, why, sizeof(why)),
      SR_ECONTENT);
  t_buf_free(&bad);
  for (int i = 0; i < 5; i++) t_entry_free(&e[i]);
  sr_store_close(st);
  t_rmdir(dir);
}

/* ---- the config keys (node/config.c) ---- */

static int load_cfg(const char *dir, const char *text, sr_config_t *cfg, char *err, size_t errlen) {
  char path[300];
  snprintf(path, sizeof(path), "%s/config", dir);
  FILE *f = fopen(path, "w");
  T_CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
  return sr_config_load(dir, cfg, err, errlen);
}

#define CFG_LINE_MAX 64 /* one "key = value" line of the tests below */
static void config_keys(void) {
  char dir[256], err[700];
  sr_config_t cfg;
  t_tmpdir(dir);
  sr_config_defaults(&cfg);
  T_EQ(cfg.flow_report, 0);
  T_EQ(cfg.flow_epsilon_milli, 1000);
  T_EQ(cfg.flow_report_interval, 3600);
  /* default: on for a relay (file or --relay), off otherwise; an explicit value wins */
  T_OK(load_cfg(dir, "hops = 2\n", &cfg, err, sizeof(err)));
  T_EQ(cfg.flow_report, 0);
  sr_config_set_relay(&cfg, 1);
  T_EQ(cfg.flow_report, 1);
  T_OK(load_cfg(dir, "relay = yes\n", &cfg, err, sizeof(err)));
  T_EQ(cfg.flow_report, 1);
  T_OK(load_cfg(dir, "relay = yes\nflow_report = no\n", &cfg, err, sizeof(err)));
  T_EQ(cfg.flow_report, 0);
  T_OK(load_cfg(dir, "flow_report = no\n", &cfg, err, sizeof(err)));
  sr_config_set_relay(&cfg, 1);
  T_EQ(cfg.flow_report, 0);
  T_OK(load_cfg(dir, "flow_report = yes\nflow_epsilon = 0.5\nflow_report_interval = 10\n", &cfg, err, sizeof(err)));
  T_EQ(cfg.flow_report, 1);
  T_EQ(cfg.flow_epsilon_milli, 500);
  T_EQ(cfg.flow_report_interval, 10);
  T_OK(load_cfg(dir, "flow_epsilon = 10\n", &cfg, err, sizeof(err)));
  T_EQ(cfg.flow_epsilon_milli, 10000);
  T_OK(load_cfg(dir, "flow_epsilon = 0.001\n", &cfg, err, sizeof(err)));
  T_EQ(cfg.flow_epsilon_milli, 1);
  const char *bad_eps[] = {"0", "0.0", "10.001", "11", "-1", "1e1", "inf", "nan", "1.", ".5", "1.0005", "abc"};
  for (size_t i = 0; i < sizeof(bad_eps) / sizeof(bad_eps[0]); i++) {
    char text[CFG_LINE_MAX];
    snprintf(text, sizeof(text), "flow_epsilon = %s\n", bad_eps[i]);
    T_EQ(load_cfg(dir, text, &cfg, err, sizeof(err)), SR_EINVAL);
    T_HAS(err, "flow_epsilon must be");
  }
  T_EQ(load_cfg(dir, "flow_report_interval = 9\n", &cfg, err, sizeof(err)), SR_EINVAL);
  T_HAS(err, "flow_report_interval");
  T_EQ(load_cfg(dir, "flow_report_interval = 604801\n", &cfg, err, sizeof(err)), SR_EINVAL);
  T_EQ(load_cfg(dir, "flow_epsilon = 1\nflow_epsilon = 2\n", &cfg, err, sizeof(err)), SR_EINVAL);
  T_HAS(err, "already set");
  t_rmdir(dir);
}

/* core/flowstats: which held reports a network view combines (the latest
 * per author, a window, another layout left out) and the arrival percentiles. */
static void flownet_and_arrivals(void) {
  sr_flowheld_t h[4];
  sr_flownet_t fn;
  memset(h, 0, sizeof(h));
  for (int i = 0; i < 4; i++) {
    memset(h[i].author, i < 3 ? 0x01 : 0x02, SR_KEY_BYTES); /* author 1: three reports; author 2: one */
    h[i].seq = (uint64_t)i + 1;
    sr_flowreport_init(&h[i].r, 1000 * (uint64_t)i, 1000 * (uint64_t)i + 1000, 1000);
    sr_flowreport_count(&h[i].r, (uint32_t)i, 10);
  }
  h[3].r.nlat = 2; /* another layout: cannot be added */
  T_OK(sr_flownet_combine(h, 4, 1, 0, &fn));
  T_EQ(fn.nused, 1);
  T_EQ(fn.used[0], 2); /* author 1's latest */
  T_EQ(fn.nodes, 1);
  T_EQ(fn.other_layout, 1);
  T_EQ(fn.total, 1);
  T_EQ(fn.pct_hops[0], 2);
  sr_flownet_free(&fn);
  T_OK(sr_flownet_combine(h, 4, 0, 1500, &fn)); /* every report ending at or after 1500 */
  T_EQ(fn.nused, 2);
  T_EQ(fn.used[0], 2);
  T_EQ(fn.used[1], 1);
  T_EQ(fn.total, 2);
  sr_flownet_free(&fn);

  sr_arrivals_t a;
  sr_arrival_stats_t st;
  memset(&a, 0, sizeof(a));
  for (uint64_t i = 1; i <= 100; i++) T_OK(sr_arrivals_add(&a, 1000, 1000 + i, (uint32_t)i % 20, 3, 1));
  T_OK(sr_arrivals_add(&a, 5000, 4000, 1, 3, 1)); /* clock skew: 0 ms */
  T_OK(sr_arrivals_add(&a, 5000, 6000, 0, 1, 0)); /* own: source only */
  sr_arrivals_stats(&a, &st);
  T_EQ(st.received, 101);
  T_EQ(st.skewed, 1);
  T_EQ(st.by_source[3], 101);
  T_EQ(st.by_source[1], 1);
  T_EQ(st.min, 0);
  T_EQ(st.max, 100);
  T_EQ(st.p50, 50);
  T_EQ(st.p90, 90);
  T_EQ(st.p99, 99);
  T_EQ(st.hops[16], 20); /* i % 20 in 16..19, five times: "16 or more" */
  sr_arrivals_free(&a);
}

int main(void) {
  T_CHECK(sodium_init() >= 0);
  T_RUN(buckets_and_counting);
  T_RUN(roundtrip_and_canonical);
  T_RUN(schema_strict);
  T_RUN(uniform_open_interval);
  T_RUN(laplace_mean_and_variance);
  T_RUN(combine_exact_and_error_bars);
  T_RUN(percentiles);
  T_RUN(flownet_and_arrivals);
  T_RUN(store_scan);
  T_RUN(config_keys);
  fprintf(stderr, "test_flowreport: %d checks passed\n", t_checks);
  return 0;
}
