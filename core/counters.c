/* counters.c: the process's operational counters (counters.h) and their
 * Prometheus text exposition. Invariant: every value is an atomic touched only
 * with relaxed operations, so any thread may bump or read it; the series a
 * render shows are bounded by the fixed tables here (error codes, entry
 * types, limits), never by what a peer sends. */
#include "core/counters.h"
#include "core/err.h"
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

typedef _Atomic uint64_t counter_t;

/* Upper bounds of the ingest batch histogram, in microseconds: a batch of a
 * few entries commits in well under a millisecond, a full one on a slow disk
 * takes seconds. */
static const uint64_t bucket_us[] = {250,   1000,   2500,   5000,    10000,   25000,
                                     50000, 100000, 250000, 1000000, 2500000, 10000000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

static struct {
  counter_t hs_ok, hs_failed[SR_COUNTERS_CODES];
  counter_t sessions, sessions_opened, drops[SR_COUNTERS_CODES];
  counter_t in[SR_COUNTERS_TYPES], out[SR_COUNTERS_TYPES];
  counter_t dups, rejected[SR_COUNTERS_CODES], quota[SR_COUNTERS_CODES];
  counter_t limited[SR_LIMIT_COUNT];
  counter_t bytes_in, bytes_out;
  counter_t batch_bucket[NBUCKETS], batch_count, batch_sum_ns;
  counter_t store_bytes, map_bytes;
} C;

static _Atomic(sr_counters_extra_fn) extra_fn;
static _Atomic(void *) extra_ctx;

static void add(counter_t *c, uint64_t n) { atomic_fetch_add_explicit(c, n, memory_order_relaxed); }
static uint64_t get(counter_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }
/* Index 0 holds the codes outside the table ("other"). */
static size_t code_slot(int code) { return code < 0 && code > -SR_COUNTERS_CODES ? (size_t)-code : 0; }
static size_t type_slot(int t) { return t >= 0 && t < SR_COUNTERS_TYPES ? (size_t)t : 0; }

void sr_counters_handshake_ok(void) { add(&C.hs_ok, 1); }
void sr_counters_handshake_failed(int reason) { add(&C.hs_failed[code_slot(reason)], 1); }
void sr_counters_session_up(void) {
  add(&C.sessions, 1);
  add(&C.sessions_opened, 1);
}
void sr_counters_session_down(int reason) {
  atomic_fetch_sub_explicit(&C.sessions, 1, memory_order_relaxed);
  add(&C.drops[reason ? code_slot(reason) : 0], 1);
}
void sr_counters_entry_in(int ctype) { add(&C.in[type_slot(ctype)], 1); }
void sr_counters_entry_out(int ctype) { add(&C.out[type_slot(ctype)], 1); }
void sr_counters_duplicate(void) { add(&C.dups, 1); }
void sr_counters_rejected(int reason) { add(&C.rejected[code_slot(reason)], 1); }
void sr_counters_rate_limited(enum sr_counters_limit what) {
  if ((unsigned)what < SR_LIMIT_COUNT) add(&C.limited[what], 1);
}
void sr_counters_quota_refused(int reason) { add(&C.quota[code_slot(reason)], 1); }
void sr_counters_bytes_in(uint64_t n) { add(&C.bytes_in, n); }
void sr_counters_bytes_out(uint64_t n) { add(&C.bytes_out, n); }

void sr_counters_ingest_batch(uint64_t ns) {
  uint64_t us = ns / 1000;
  /* Cumulative buckets are summed at render time: one add per batch here. */
  for (size_t i = 0; i < NBUCKETS; i++)
    if (us <= bucket_us[i]) {
      add(&C.batch_bucket[i], 1);
      break;
    }
  add(&C.batch_count, 1);
  add(&C.batch_sum_ns, ns);
}

void sr_counters_store_sizes(uint64_t file_bytes, uint64_t map_bytes) {
  atomic_store_explicit(&C.store_bytes, file_bytes, memory_order_relaxed);
  atomic_store_explicit(&C.map_bytes, map_bytes, memory_order_relaxed);
}

void sr_counters_reset(void) {
  counter_t *p = (counter_t *)&C;
  for (size_t i = 0; i < sizeof(C) / sizeof(counter_t); i++) atomic_store_explicit(&p[i], 0, memory_order_relaxed);
}

void sr_counters_set_extra(sr_counters_extra_fn fn, void *ctx) {
  atomic_store(&extra_ctx, ctx);
  atomic_store(&extra_fn, fn);
}

/* ---- rendering ---- */

typedef struct {
  char *out;
  size_t cap, len;
  int full;
} text_t;

static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_t *t, const char *fmt, ...) {
  va_list ap;
  if (t->full) return;
  va_start(ap, fmt);
  int n = vsnprintf(t->out + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= t->cap - t->len) t->full = 1;
  else
    t->len += (size_t)n;
}

static void head(text_t *t, const char *name, const char *type, const char *help) {
  put(t, "# HELP seurone_%s %s\n# TYPE seurone_%s %s\n", name, help, name, type);
}

static void one(text_t *t, const char *name, const char *type, const char *help, uint64_t v) {
  head(t, name, type, help);
  put(t, "seurone_%s %llu\n", name, (unsigned long long)v);
}

/* A counter by SR_E code: the codes seen so far (a series appears with its
 * first count, as is usual for label values not known in advance). */
static void by_code(text_t *t, const char *name, const char *help, counter_t *v, const char *zero_label) {
  head(t, name, "counter", help);
  for (size_t i = 0; i < SR_COUNTERS_CODES; i++) {
    uint64_t x = get(&v[i]);
    if (!x) continue;
    const char *label = i == 0 ? zero_label : sr_err_known(-(int)i) ? sr_errname(-(int)i) : "other";
    put(t, "seurone_%s{reason=\"%s\"} %llu\n", name, label, (unsigned long long)x);
  }
}

static void by_type(text_t *t, const char *name, const char *help, counter_t *v) {
  static const char *const names[SR_COUNTERS_TYPES] = {"other", "about",       "contact", "project",  "membership",
                                                       "share", "flow-report", "device",  "device-of"};
  head(t, name, "counter", help);
  for (size_t i = 0; i < SR_COUNTERS_TYPES; i++)
    put(t, "seurone_%s{type=\"%s\"} %llu\n", name, names[i], (unsigned long long)get(&v[i]));
}

/* us as seconds, without trailing zeros ("0.00025", "1", "2.5"). */
static void seconds(text_t *t, uint64_t us) {
  char frac[8];
  int n = snprintf(frac, sizeof frac, "%06llu", (unsigned long long)(us % 1000000));
  while (n > 0 && frac[n - 1] == '0') frac[--n] = '\0';
  put(t, n ? "%llu.%s" : "%llu", (unsigned long long)(us / 1000000), frac);
}

size_t sr_counters_render(char *out, size_t cap) {
  static const char *const limits[SR_LIMIT_COUNT] = {"frames", "duplicates", "handshakes", "connections"};
  text_t t = {out, cap, 0, cap == 0};
  if (cap) out[0] = '\0';
  one(&t, "sessions", "gauge", "Sessions up now.", get(&C.sessions));
  one(&t, "sessions_opened_total", "counter", "Sessions opened since the node started.", get(&C.sessions_opened));
  by_code(&t, "session_drops_total", "Sessions ended, by reason (SR_OK: a clean end).", C.drops, "SR_OK");
  one(&t, "handshakes_total", "counter", "Handshakes completed.", get(&C.hs_ok));
  by_code(&t, "handshakes_failed_total", "Handshakes that failed, by reason.", C.hs_failed, "other");
  by_type(&t, "entries_in_total", "Entries received from peers and taken to be stored, by entry type.", C.in);
  by_type(&t, "entries_out_total", "Entries sent to peers, by entry type.", C.out);
  one(&t, "duplicates_total", "counter", "Received entries this node already held.", get(&C.dups));
  by_code(&t, "rejected_entries_total", "Received entries the store refused, by reason.", C.rejected, "other");
  head(&t, "rate_limited_total", "counter", "Refusals by a rate limit, by limit.");
  for (int i = 0; i < SR_LIMIT_COUNT; i++)
    put(&t, "seurone_rate_limited_total{limit=\"%s\"} %llu\n", limits[i], (unsigned long long)get(&C.limited[i]));
  by_code(&t, "quota_refused_total", "Entries refused because their author is over a quota, by reason.", C.quota,
          "other");
  one(&t, "received_bytes_total", "counter", "Bytes of session messages received (after decryption).",
      get(&C.bytes_in));
  one(&t, "sent_bytes_total", "counter", "Bytes of session messages sent (before encryption).", get(&C.bytes_out));
  one(&t, "store_size_bytes", "gauge", "Size of the store's data file on disk.", get(&C.store_bytes));
  one(&t, "store_map_size_bytes", "gauge", "The store's map size (the most it can grow to before it remaps).",
      get(&C.map_bytes));
  head(&t, "ingest_batch_duration_seconds", "histogram", "Time the store took to commit a batch of received entries.");
  uint64_t cum = 0;
  for (size_t i = 0; i < NBUCKETS; i++) {
    cum += get(&C.batch_bucket[i]);
    put(&t, "seurone_ingest_batch_duration_seconds_bucket{le=\"");
    seconds(&t, bucket_us[i]);
    put(&t, "\"} %llu\n", (unsigned long long)cum);
  }
  uint64_t count = get(&C.batch_count);
  if (count < cum) count = cum; /* a batch counted in its bucket, not yet in the count */
  put(&t, "seurone_ingest_batch_duration_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)count);
  put(&t, "seurone_ingest_batch_duration_seconds_sum ");
  seconds(&t, get(&C.batch_sum_ns) / 1000);
  put(&t, "\nseurone_ingest_batch_duration_seconds_count %llu\n", (unsigned long long)count);
  sr_counters_extra_fn fn = atomic_load(&extra_fn);
  if (fn && !t.full) {
    size_t n = fn(atomic_load(&extra_ctx), out + t.len, cap - t.len);
    t.len += n < cap - t.len ? n : cap - t.len - 1;
  }
  if (t.full) {
    if (cap) out[0] = '\0';
    return 0;
  }
  out[t.len < cap ? t.len : cap - 1] = '\0';
  return t.len;
}
