/* flowreport.c: flow-report content, its noise and its combination (see
 * flowreport.h for the layout and the privacy unit).
 *
 * Invariant: a parsed or encoded report always satisfies the schema bounds, so
 * sums of up to millions of reports stay far from int64 overflow and every
 * layout check (edges increasing, lengths matching) holds wherever a report is
 * used. */
#include "core/flowreport.h"
#include "core/canon.h"
#include "core/err.h"
#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

const uint64_t sr_flowreport_edges[SR_FLOWREPORT_LAT - 1] = {50,   100,   250,   500,   1000,  2500,
                                                             5000, 10000, 30000, 60000, 300000};

void sr_flowreport_init(sr_flowreport_t *r, uint64_t period_start, uint64_t period_end, uint32_t epsilon_milli) {
  memset(r, 0, sizeof(*r));
  r->period_start = period_start;
  r->period_end = period_end;
  r->epsilon_milli = epsilon_milli;
  r->nlat = SR_FLOWREPORT_LAT;
  memcpy(r->edges, sr_flowreport_edges, sizeof(sr_flowreport_edges));
}

uint32_t sr_flowreport_lat_bucket(const sr_flowreport_t *r, uint64_t ms) {
  uint32_t i = 0;
  while (i + 1 < r->nlat && ms >= r->edges[i]) i++;
  return i;
}

void sr_flowreport_count(sr_flowreport_t *r, uint32_t hops, int64_t latency_ms) {
  r->hops[hops < SR_FLOWREPORT_HOPS - 1 ? hops : SR_FLOWREPORT_HOPS - 1]++;
  if (latency_ms < 0) {
    r->skewed++;
    latency_ms = 0;
  }
  r->latency[sr_flowreport_lat_bucket(r, (uint64_t)latency_ms)]++;
}

int64_t sr_flowreport_total(const sr_flowreport_t *r) {
  int64_t t = 0;
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) t += r->hops[i];
  return t;
}

/* ---- noise ---- */

int sr_flowreport_epsilon_parse(const char *s, uint32_t *milli) {
  uint64_t whole = 0, m = 0;
  const char *p = s;
  int digits = 0, frac = 0;
  while (isdigit((unsigned char)*p) && digits < 6) whole = whole * 10 + (uint64_t)(*p++ - '0'), digits++;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p) && frac < 3) m = m * 10 + (uint64_t)(*p++ - '0'), frac++;
    for (int f = frac; f < 3; f++) m *= 10;
  }
  m += whole * 1000;
  if (!digits || *p || (s[digits] == '.' && !frac) || m < SR_FLOWREPORT_EPS_MILLI_MIN ||
      m > SR_FLOWREPORT_EPS_MILLI_MAX)
    return SR_EINVAL;
  *milli = (uint32_t)m;
  return 0;
}

double sr_flowreport_scale(uint32_t epsilon_milli) {
  return (double)SR_FLOWREPORT_SENSITIVITY / ((double)epsilon_milli / 1000.0);
}

double sr_flowreport_uniform(void) {
  uint64_t x;
  randombytes_buf(&x, sizeof(x));
  /* 53 random bits, shifted by half a step: k + 0.5 over 2^53 is never 0 or 1,
   * so the logarithm below never sees 0. */
  return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

double sr_flowreport_laplace(double b) {
  double u = sr_flowreport_uniform() - 0.5; /* (-0.5, 0.5) */
  double a = fabs(u);
  /* Inverse CDF: -b sgn(u) ln(1 - 2|u|); 1 - 2|u| is in (0, 1]. */
  double x = -b * log(1.0 - 2.0 * a);
  return u < 0 ? -x : x;
}

static int64_t noised(int64_t v, double b) {
  double x = (double)v + sr_flowreport_laplace(b);
  /* Clamp into the schema bound: only reachable with absurd draws, and a
   * clamp is post-processing too. */
  if (x > (double)SR_FLOWREPORT_COUNT_MAX) return SR_FLOWREPORT_COUNT_MAX;
  if (x < -(double)SR_FLOWREPORT_COUNT_MAX) return -SR_FLOWREPORT_COUNT_MAX;
  return (int64_t)llround(x);
}

int sr_flowreport_noise(sr_flowreport_t *r) {
  if (r->epsilon_milli < SR_FLOWREPORT_EPS_MILLI_MIN || r->epsilon_milli > SR_FLOWREPORT_EPS_MILLI_MAX)
    return SR_EINVAL;
  double b = sr_flowreport_scale(r->epsilon_milli);
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) r->hops[i] = noised(r->hops[i], b);
  for (uint32_t i = 0; i < r->nlat; i++) r->latency[i] = noised(r->latency[i], b);
  r->skewed = noised(r->skewed, b);
  return 0;
}

/* ---- encoding ---- */

static int count_ok(int64_t v) { return v >= -SR_FLOWREPORT_COUNT_MAX && v <= SR_FLOWREPORT_COUNT_MAX; }

/* The layout and bounds parse enforces, checked on the struct. */
static int layout_ok(const sr_flowreport_t *r, char *why, size_t whylen) {
#define BAD(...)                                                                                                       \
  do {                                                                                                                 \
    if (why) snprintf(why, whylen, __VA_ARGS__);                                                                       \
    return 0;                                                                                                          \
  } while (0)
  if (r->period_start >= r->period_end) BAD("flow-report.period_start must be before period_end");
  if (r->epsilon_milli < SR_FLOWREPORT_EPS_MILLI_MIN || r->epsilon_milli > SR_FLOWREPORT_EPS_MILLI_MAX)
    BAD("flow-report.epsilon_milli must be from %d to %d", SR_FLOWREPORT_EPS_MILLI_MIN, SR_FLOWREPORT_EPS_MILLI_MAX);
  if (r->nlat < 2 || r->nlat > SR_FLOWREPORT_LAT_MAX)
    BAD("flow-report.latency_edges must hold 1 to %d edges", SR_FLOWREPORT_LAT_MAX - 1);
  for (uint32_t i = 0; i + 1 < r->nlat; i++)
    if (r->edges[i] == 0 || (i && r->edges[i] <= r->edges[i - 1]))
      BAD("flow-report.latency_edges must be positive and strictly increasing");
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++)
    if (!count_ok(r->hops[i])) BAD("flow-report.hops counts must be within +-2^40");
  for (uint32_t i = 0; i < r->nlat; i++)
    if (!count_ok(r->latency[i])) BAD("flow-report.latency_ms counts must be within +-2^40");
  if (!count_ok(r->skewed)) BAD("flow-report.skewed must be within +-2^40");
  return 1;
#undef BAD
}

static void obj_int(msgpack_object *o, int64_t v) {
  if (v >= 0) {
    o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    o->via.u64 = (uint64_t)v;
  } else {
    o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    o->via.i64 = v;
  }
}

static void obj_uint(msgpack_object *o, uint64_t v) {
  o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
  o->via.u64 = v;
}

static void kv_key(msgpack_object_kv *kv, const char *k) {
  kv->key.type = MSGPACK_OBJECT_STR;
  kv->key.via.str.ptr = k;
  kv->key.via.str.size = (uint32_t)strlen(k);
}

static void obj_array(msgpack_object *o, msgpack_object *items, uint32_t n) {
  o->type = MSGPACK_OBJECT_ARRAY;
  o->via.array.ptr = items;
  o->via.array.size = n;
}

int sr_flowreport_encode(const sr_flowreport_t *r, msgpack_sbuffer *sb) {
  msgpack_object hops[SR_FLOWREPORT_HOPS], lat[SR_FLOWREPORT_LAT_MAX], edges[SR_FLOWREPORT_LAT_MAX - 1];
  msgpack_object_kv kv[8];
  msgpack_packer pk;
  if (!layout_ok(r, NULL, 0)) return SR_EINVAL;
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) obj_int(&hops[i], r->hops[i]);
  for (uint32_t i = 0; i < r->nlat; i++) obj_int(&lat[i], r->latency[i]);
  for (uint32_t i = 0; i + 1 < r->nlat; i++) obj_uint(&edges[i], r->edges[i]);
  kv_key(&kv[0], "v"), obj_uint(&kv[0].val, SR_FLOWREPORT_VERSION);
  kv_key(&kv[1], "period_start"), obj_uint(&kv[1].val, r->period_start);
  kv_key(&kv[2], "period_end"), obj_uint(&kv[2].val, r->period_end);
  kv_key(&kv[3], "epsilon_milli"), obj_uint(&kv[3].val, r->epsilon_milli);
  kv_key(&kv[4], "hops"), obj_array(&kv[4].val, hops, SR_FLOWREPORT_HOPS);
  kv_key(&kv[5], "latency_ms"), obj_array(&kv[5].val, lat, r->nlat);
  kv_key(&kv[6], "latency_edges"), obj_array(&kv[6].val, edges, r->nlat - 1);
  kv_key(&kv[7], "skewed"), obj_int(&kv[7].val, r->skewed);
  msgpack_object root = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = 8, .ptr = kv}};
  msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
  return sr_canon_encode(&pk, &root, SR_CANON_MAX_DEPTH);
}

/* ---- parsing ---- */

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    if (why) snprintf(why, whylen, __VA_ARGS__);                                                                       \
    return SR_ECONTENT;                                                                                                \
  } while (0)

/* One integer of either family (the cursor reads unsigned only). Bytes passed
 * the canonical check, so the lengths are there. */
static int rd_int(sr_mp_t *mp, int64_t *v) {
  enum sr_mp_kind k = sr_mp_peek(mp);
  if (k == SR_MP_UINT) {
    uint64_t u;
    if (sr_mp_uint(mp, &u) || u > (uint64_t)INT64_MAX) return SR_EINVAL;
    *v = (int64_t)u;
    return 0;
  }
  if (k != SR_MP_INT) return SR_EINVAL;
  uint8_t t = *mp->p;
  if (t >= 0xe0) {
    *v = (int8_t)t;
    mp->p++;
    return 0;
  }
  int bytes = 1 << (t - 0xd0);
  uint64_t raw = 0;
  for (int i = 1; i <= bytes; i++) raw = raw << 8 | mp->p[i];
  *v = bytes == 1 ? (int8_t)raw : bytes == 2 ? (int16_t)raw : bytes == 4 ? (int32_t)raw : (int64_t)raw;
  mp->p += 1 + bytes;
  return 0;
}

/* Skips one value that must hold no binary and no string (map keys excepted):
 * what keeps a report from naming anyone, also under keys of later versions. */
static int skip_nameless(sr_mp_t *mp, int depth) {
  uint32_t n, len;
  const char *s;
  if (depth > SR_CANON_MAX_DEPTH) return SR_EINVAL;
  switch (sr_mp_peek(mp)) {
    case SR_MP_NIL:
      return sr_mp_nil(mp);
    case SR_MP_BOOL:
      mp->p++;
      return 0;
    case SR_MP_UINT:
    case SR_MP_INT:
      return sr_mp_skip(mp) ? SR_EINVAL : 0;
    case SR_MP_ARRAY:
      if (sr_mp_array(mp, &n)) return SR_EINVAL;
      for (uint32_t i = 0; i < n; i++)
        if (skip_nameless(mp, depth + 1)) return SR_EINVAL;
      return 0;
    case SR_MP_MAP:
      if (sr_mp_map(mp, &n)) return SR_EINVAL;
      for (uint32_t i = 0; i < n; i++)
        if (sr_mp_str(mp, &s, &len) || skip_nameless(mp, depth + 1)) return SR_EINVAL;
      return 0;
    default:
      return SR_EINVAL; /* bin, str (and nothing else passes the canonical check) */
  }
}

static int key_is(const char *k, uint32_t klen, const char *want) {
  return strlen(want) == klen && memcmp(k, want, klen) == 0;
}

/* An array of at most max integers into out; *n gets the count. */
static int rd_counts(sr_mp_t *mp, int64_t *out, uint32_t max, uint32_t *n) {
  if (sr_mp_array(mp, n) || *n > max) return SR_EINVAL;
  for (uint32_t i = 0; i < *n; i++)
    if (rd_int(mp, &out[i]) || !count_ok(out[i])) return SR_EINVAL;
  return 0;
}

int sr_flowreport_is_type(const char *type, size_t type_len) {
  static const char *const names[] = {SR_FLOWREPORT_TYPE, SR_FLOWREPORT_TYPE_OLD};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strlen(names[i]) == type_len && memcmp(names[i], type, type_len) == 0) return 1;
  return 0;
}

int sr_flowreport_parse(const uint8_t *buf, size_t len, sr_flowreport_t *r, char *why, size_t whylen) {
  enum { K_V, K_START, K_END, K_EPS, K_HOPS, K_LAT, K_EDGES, K_SKEWED, K_N };
  static const char *const names[K_N] = {"v",    "period_start", "period_end",    "epsilon_milli",
                                         "hops", "latency_ms",   "latency_edges", "skewed"};
  int seen[K_N] = {0};
  sr_mp_t mp;
  uint32_t n, klen, nh = 0, nl = 0, ne = 0;
  const char *k;
  uint64_t u;
  int64_t tmp[SR_FLOWREPORT_LAT_MAX + 1];

  memset(r, 0, sizeof(*r));
  if (why && whylen) why[0] = '\0';
  if (sr_canon_check(buf, len, SR_CANON_MAX_DEPTH, NULL)) FAIL("flow-report content is not canonical msgpack");
  /* A later version (v > 1) may lay its histograms out differently; refusing it
   * would stop replicating its author's whole log, so it is accepted as long as
   * it names nobody (SR_EVERSION tells the caller it is not usable as v1). */
  sr_mp_init(&mp, buf, len);
  if (sr_mp_map(&mp, &n)) FAIL("flow-report content is not a map");
  for (uint32_t i = 0; i < n; i++) {
    if (sr_mp_str(&mp, &k, &klen)) FAIL("flow-report key is not a string");
    if (!key_is(k, klen, "v") || sr_mp_peek(&mp) != SR_MP_UINT) {
      if (sr_mp_skip(&mp)) FAIL("flow-report content is malformed");
      continue;
    }
    if (sr_mp_uint(&mp, &u)) FAIL("flow-report.v must be 1");
    if (u > SR_FLOWREPORT_VERSION) {
      sr_mp_init(&mp, buf, len);
      if (skip_nameless(&mp, 1))
        FAIL("flow-report (v %llu) may hold only numbers (a report never names anyone)", (unsigned long long)u);
      return SR_EVERSION;
    }
  }
  sr_mp_init(&mp, buf, len);
  if (sr_mp_map(&mp, &n)) FAIL("flow-report content is not a map");
  for (uint32_t i = 0; i < n; i++) {
    int key = -1;
    if (sr_mp_str(&mp, &k, &klen)) FAIL("flow-report key is not a string");
    for (int j = 0; j < K_N; j++)
      if (key_is(k, klen, names[j])) key = j;
    if (key < 0) {
      if (skip_nameless(&mp, 2))
        FAIL("flow-report.%.*s may hold only numbers (a report never names anyone)", (int)klen, k);
      continue;
    }
    seen[key] = 1;
    switch (key) {
      case K_V:
        if (sr_mp_uint(&mp, &u) || u != SR_FLOWREPORT_VERSION) FAIL("flow-report.v must be 1");
        break;
      case K_START:
      case K_END:
        if (sr_mp_uint(&mp, &u)) FAIL("flow-report.%s must be a non-negative integer (ms)", names[key]);
        if (key == K_START) r->period_start = u;
        else
          r->period_end = u;
        break;
      case K_EPS:
        if (sr_mp_uint(&mp, &u) || u < SR_FLOWREPORT_EPS_MILLI_MIN || u > SR_FLOWREPORT_EPS_MILLI_MAX)
          FAIL("flow-report.epsilon_milli must be an integer from %d to %d", SR_FLOWREPORT_EPS_MILLI_MIN,
               SR_FLOWREPORT_EPS_MILLI_MAX);
        r->epsilon_milli = (uint32_t)u;
        break;
      case K_HOPS:
        if (rd_counts(&mp, tmp, SR_FLOWREPORT_HOPS + 1, &nh) || nh != SR_FLOWREPORT_HOPS)
          FAIL("flow-report.hops must be %d integers within +-2^40", SR_FLOWREPORT_HOPS);
        memcpy(r->hops, tmp, sizeof(r->hops));
        break;
      case K_LAT:
        if (rd_counts(&mp, tmp, SR_FLOWREPORT_LAT_MAX + 1, &nl) || nl < 2 || nl > SR_FLOWREPORT_LAT_MAX)
          FAIL("flow-report.latency_ms must be 2 to %d integers within +-2^40", SR_FLOWREPORT_LAT_MAX);
        memcpy(r->latency, tmp, nl * sizeof(int64_t));
        break;
      case K_EDGES:
        if (sr_mp_array(&mp, &ne) || ne < 1 || ne > SR_FLOWREPORT_LAT_MAX - 1)
          FAIL("flow-report.latency_edges must be 1 to %d positive integers", SR_FLOWREPORT_LAT_MAX - 1);
        for (uint32_t j = 0; j < ne; j++) {
          if (sr_mp_uint(&mp, &u) || u == 0 || (j && u <= r->edges[j - 1]))
            FAIL("flow-report.latency_edges must be positive integers in strictly increasing order");
          r->edges[j] = u;
        }
        break;
      case K_SKEWED:
        if (rd_int(&mp, &r->skewed) || !count_ok(r->skewed))
          FAIL("flow-report.skewed must be an integer within +-2^40");
        break;
    }
  }
  for (int j = 0; j < K_N; j++)
    if (!seen[j]) FAIL("flow-report needs %s", names[j]);
  if (nl != ne + 1) FAIL("flow-report.latency_ms must have one count more than latency_edges has edges");
  r->nlat = nl;
  if (r->period_start >= r->period_end) FAIL("flow-report.period_start must be before period_end");
  return 0;
}

/* ---- combining ---- */

void sr_flowreport_sum_init(sr_flowreport_sum_t *s) { memset(s, 0, sizeof(*s)); }

int sr_flowreport_sum_add(sr_flowreport_sum_t *s, const sr_flowreport_t *r) {
  if (s->k && (r->nlat != s->nlat || memcmp(r->edges, s->edges, (r->nlat - 1) * sizeof(uint64_t)) != 0))
    return SR_EINVAL;
  if (!s->k) {
    s->nlat = r->nlat;
    memcpy(s->edges, r->edges, sizeof(s->edges));
    s->period_start = r->period_start;
    s->period_end = r->period_end;
    s->eps_min = s->eps_max = r->epsilon_milli;
  }
  s->k++;
  if (r->period_start < s->period_start) s->period_start = r->period_start;
  if (r->period_end > s->period_end) s->period_end = r->period_end;
  if (r->epsilon_milli < s->eps_min) s->eps_min = r->epsilon_milli;
  if (r->epsilon_milli > s->eps_max) s->eps_max = r->epsilon_milli;
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) s->hops[i] += r->hops[i];
  for (uint32_t i = 0; i < r->nlat; i++) s->latency[i] += r->latency[i];
  s->skewed += r->skewed;
  double b = sr_flowreport_scale(r->epsilon_milli);
  s->var += 2.0 * b * b;
  return 0;
}

double sr_flowreport_sum_se(const sr_flowreport_sum_t *s) { return sqrt(s->var); }

double sr_flowreport_sum_se_of(const sr_flowreport_sum_t *s, size_t nbuckets) {
  return sqrt(s->var * (double)nbuckets);
}

int sr_flowreport_percentile(const int64_t *counts, size_t n, double p) {
  int64_t total = 0, cum = 0;
  for (size_t i = 0; i < n; i++) total += counts[i] > 0 ? counts[i] : 0;
  if (total <= 0) return -1;
  double want = ceil(p / 100.0 * (double)total);
  if (want < 1) want = 1;
  for (size_t i = 0; i < n; i++) {
    cum += counts[i] > 0 ? counts[i] : 0;
    if ((double)cum >= want) return (int)i;
  }
  return (int)n - 1;
}
