/* test_flowreport.c: flow-report content (core/flowreport): buckets, the
 * encode/parse round trip and canonical form, the strict schema (also through
 * sr_content_parse and sr_entry_create), the Laplace noise's mean and variance,
 * combining reports (exact sums without noise, error bars growing like
 * sqrt(k)), percentiles, and the store scan over real LMDB. */
#include "tests/unit/t.h"
#include "core/flowreport.h"
#include "core/flowstats.h"
#include "store/store.h"
#include "store/flowstore.h"
#include "store/ingest.h"
#include "node/config.h"
#include <math.h>

#define NOW 1700000000000ull

static sr_flowreport_t sample(void) {
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

static void encode(const sr_flowreport_t *r, t_buf_t *b) {
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

/* ---- schema: mutate a valid report's object tree, re-encode canonically ---- */

static const uint8_t KEY32[SR_KEY_BYTES] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

typedef struct {
  msgpack_object_kv kv[12];
  uint32_t n;
  msgpack_object extra[8];
  msgpack_object_kv extra_kv[2];
} tree_t;

static msgpack_object *val_of(tree_t *t, const char *key) {
  for (uint32_t i = 0; i < t->n; i++)
    if (t->kv[i].key.via.str.size == strlen(key) && !memcmp(t->kv[i].key.via.str.ptr, key, strlen(key)))
      return &t->kv[i].val;
  t_fail(__FILE__, __LINE__, "no key %s", key);
}

static void set_bin32(msgpack_object *o) {
  o->type = MSGPACK_OBJECT_BIN;
  o->via.bin.ptr = (const char *)KEY32;
  o->via.bin.size = SR_KEY_BYTES;
}

static void set_str(msgpack_object *o, const char *s) {
  o->type = MSGPACK_OBJECT_STR;
  o->via.str.ptr = s;
  o->via.str.size = (uint32_t)strlen(s);
}

static void set_int(msgpack_object *o, int64_t v) {
  if (v >= 0) {
    o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    o->via.u64 = (uint64_t)v;
  } else {
    o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    o->via.i64 = v;
  }
}

static msgpack_object *add_key(tree_t *t, const char *key) {
  msgpack_object_kv *kv = &t->kv[t->n++];
  set_str(&kv->key, key);
  return &kv->val;
}

static void drop_key(tree_t *t, const char *key) {
  msgpack_object *v = val_of(t, key);
  msgpack_object_kv *kv = (msgpack_object_kv *)((char *)v - offsetof(msgpack_object_kv, val));
  *kv = t->kv[--t->n];
}

enum mut {
  M_NONE,
  M_WHO_BIN,
  M_HOPS_BIN,
  M_NESTED_BIN,
  M_NUMBERS_ONLY,
  M_NAME_STR,
  M_HOPS_16,
  M_HOPS_18,
  M_LAT_SHORT,
  M_EDGE_NEG,
  M_EDGE_ZERO,
  M_EDGE_ORDER,
  M_V2,
  M_V2_NAMED,
  M_V0,
  M_EPS_0,
  M_EPS_BIG,
  M_NO_SKEWED,
  M_PERIOD,
  M_COUNT_BIG,
  M_COUNT_NEG,
  M_EDGES_EMPTY,
  M_BIN16_EXTRA,
  M_EPS_NEG
};

/* Encodes the sample report with one mutation and returns the parser's verdict. */
static int parse_mutated(enum mut m, char *why, size_t whylen) {
  sr_flowreport_t r = sample(), out;
  t_buf_t b, c;
  msgpack_unpacked u;
  tree_t t;
  msgpack_object *v;
  msgpack_object big[40];
  encode(&r, &b);
  msgpack_unpacked_init(&u);
  T_EQ(msgpack_unpack_next(&u, (const char *)T_DATA(&b), T_SIZE(&b), NULL), MSGPACK_UNPACK_SUCCESS);
  T_EQ(u.data.type, MSGPACK_OBJECT_MAP);
  t.n = u.data.via.map.size;
  memcpy(t.kv, u.data.via.map.ptr, t.n * sizeof(msgpack_object_kv));
  switch (m) {
    case M_NONE:
      break;
    case M_WHO_BIN:
      set_bin32(add_key(&t, "who"));
      break;
    case M_HOPS_BIN:
      set_bin32(&val_of(&t, "hops")->via.array.ptr[3]);
      break;
    case M_NESTED_BIN:
    case M_NUMBERS_ONLY:
      /* extra: [1, {"a": bin32 | -3}] */
      v = add_key(&t, "extra");
      set_int(&t.extra[0], 1);
      t.extra[1].type = MSGPACK_OBJECT_MAP;
      t.extra[1].via.map.ptr = t.extra_kv;
      t.extra[1].via.map.size = 1;
      set_str(&t.extra_kv[0].key, "a");
      if (m == M_NESTED_BIN) set_bin32(&t.extra_kv[0].val);
      else
        set_int(&t.extra_kv[0].val, -3);
      v->type = MSGPACK_OBJECT_ARRAY;
      v->via.array.ptr = t.extra;
      v->via.array.size = 2;
      break;
    case M_BIN16_EXTRA:
      set_bin32(add_key(&t, "salt"));
      t.kv[t.n - 1].val.via.bin.size = 16;
      break;
    case M_NAME_STR:
      set_str(add_key(&t, "note"), "alice");
      break;
    case M_HOPS_16:
      val_of(&t, "hops")->via.array.size = 16;
      break;
    case M_HOPS_18: {
      msgpack_object *h = val_of(&t, "hops");
      memcpy(big, h->via.array.ptr, 17 * sizeof(msgpack_object));
      set_int(&big[17], 4);
      h->via.array.ptr = big;
      h->via.array.size = 18;
      break;
    }
    case M_LAT_SHORT:
      val_of(&t, "latency_ms")->via.array.size = SR_FLOWREPORT_LAT - 1;
      break;
    case M_EDGE_NEG:
      set_int(&val_of(&t, "latency_edges")->via.array.ptr[0], -50);
      break;
    case M_EDGE_ZERO:
      set_int(&val_of(&t, "latency_edges")->via.array.ptr[0], 0);
      break;
    case M_EDGE_ORDER:
      set_int(&val_of(&t, "latency_edges")->via.array.ptr[4], 100);
      break;
    case M_EDGES_EMPTY:
      val_of(&t, "latency_edges")->via.array.size = 0;
      val_of(&t, "latency_ms")->via.array.size = 1;
      break;
    case M_V2: /* a later version, with a layout of its own */
      set_int(val_of(&t, "v"), 2);
      val_of(&t, "hops")->via.array.size = 16;
      break;
    case M_V2_NAMED:
      set_int(val_of(&t, "v"), 2);
      set_str(add_key(&t, "note"), "alice");
      break;
    case M_V0:
      set_int(val_of(&t, "v"), 0);
      break;
    case M_EPS_0:
      set_int(val_of(&t, "epsilon_milli"), 0);
      break;
    case M_EPS_BIG:
      set_int(val_of(&t, "epsilon_milli"), 10001);
      break;
    case M_EPS_NEG:
      set_int(val_of(&t, "epsilon_milli"), -1000);
      break;
    case M_NO_SKEWED:
      drop_key(&t, "skewed");
      break;
    case M_PERIOD:
      set_int(val_of(&t, "period_start"), (int64_t)r.period_end);
      break;
    case M_COUNT_BIG:
      set_int(&val_of(&t, "hops")->via.array.ptr[0], (1ll << 40) + 1);
      break;
    case M_COUNT_NEG:
      set_int(&val_of(&t, "hops")->via.array.ptr[0], -(1ll << 40));
      break;
  }
  msgpack_object root = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = t.n, .ptr = t.kv}};
  t_buf_init(&c);
  T_OK(sr_canon_encode(&c.pk, &root, SR_CANON_MAX_DEPTH));
  int rc = sr_flowreport_parse(T_DATA(&c), T_SIZE(&c), &out, why, whylen);
  /* The same verdict through the content schema of an entry of this type. */
  t_author_t a;
  sr_entry_t e;
  uint8_t raw[SR_ENTRY_MAX];
  size_t len;
  char why2[200];
  sr_content_t ct;
  t_author_init(&a, 0x42);
  int erc = sr_entry_create(a.sk, 1, NULL, NOW, SR_FLOWREPORT_TYPE, T_DATA(&c), T_SIZE(&c), raw, sizeof(raw), &len, &e);
  T_OK(erc);                          /* creation checks only the canonical map; the schema is the checker's */
  if (rc == 0 || rc == SR_EVERSION) { /* a later version is kept, not interpreted */
    T_OK(sr_entry_check(raw, len, &e, why2, sizeof(why2)));
    T_OK(sr_content_parse(&e, &ct, why2, sizeof(why2)));
    T_EQ(ct.type, SR_CT_FLOW_REPORT);
  } else {
    T_EQ(sr_entry_check(raw, len, &e, why2, sizeof(why2)), SR_ECONTENT);
    T_HAS(why2, "flow-report");
  }
  msgpack_unpacked_destroy(&u);
  t_buf_free(&b);
  t_buf_free(&c);
  return rc;
}

#define ACCEPTS(m)                                                                                                     \
  do {                                                                                                                 \
    char w_[200];                                                                                                      \
    T_OK(parse_mutated((m), w_, sizeof(w_)));                                                                          \
  } while (0)
#define REJECTS(m, word)                                                                                               \
  do {                                                                                                                 \
    char w_[200];                                                                                                      \
    T_EQ(parse_mutated((m), w_, sizeof(w_)), SR_ECONTENT);                                                             \
    T_HAS(w_, (word));                                                                                                 \
  } while (0)

static void schema_strict(void) {
  ACCEPTS(M_NONE);
  ACCEPTS(M_NUMBERS_ONLY); /* a later version may add numeric keys */
  ACCEPTS(M_COUNT_NEG);
  /* never names a person: no binary (of any length) or string anywhere */
  REJECTS(M_WHO_BIN, "who");
  REJECTS(M_HOPS_BIN, "hops");
  REJECTS(M_NESTED_BIN, "extra");
  REJECTS(M_BIN16_EXTRA, "salt");
  REJECTS(M_NAME_STR, "note");
  /* lengths */
  REJECTS(M_HOPS_16, "hops");
  REJECTS(M_HOPS_18, "hops");
  REJECTS(M_LAT_SHORT, "one count more");
  REJECTS(M_EDGES_EMPTY, "latency");
  /* edges */
  REJECTS(M_EDGE_NEG, "latency_edges");
  REJECTS(M_EDGE_ZERO, "latency_edges");
  REJECTS(M_EDGE_ORDER, "increasing");
  /* scalars and bounds */
  REJECTS(M_V0, "v must be 1");
  /* a later version: valid if it names nobody (refusing it would stop
   * replicating its author), but not parsed into this layout */
  {
    char w_[200];
    T_EQ(parse_mutated(M_V2, w_, sizeof(w_)), SR_EVERSION);
  }
  REJECTS(M_V2_NAMED, "names anyone");
  REJECTS(M_EPS_0, "epsilon_milli");
  REJECTS(M_EPS_BIG, "epsilon_milli");
  REJECTS(M_EPS_NEG, "epsilon_milli");
  REJECTS(M_NO_SKEWED, "needs skewed");
  REJECTS(M_PERIOD, "before period_end");
  REJECTS(M_COUNT_BIG, "hops");
  /* bytes that are not canonical (keys out of order) are refused before anything */
  const uint8_t unsorted[] = {0x82, 0xa1, 'v', 0x01, 0xa4, 'h', 'o', 'p', 's', 0x90};
  char why[200];
  sr_flowreport_t r;
  T_EQ(sr_flowreport_parse(unsorted, sizeof(unsorted), &r, why, sizeof(why)), SR_ECONTENT);
  T_HAS(why, "canonical");
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
