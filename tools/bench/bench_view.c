/* bench_view: the web app's feed (sr_view_feed, node/view_feed.c) on a store
 * holding a feed of E shares (default 10,000) by A followed authors (default
 * 100), against a plain walk of every entry (sr_store_foreach_entry) in the
 * same run: the feed reads every log it shows (no index by time), so the
 * ratio says what building the page costs on top of that walk. Goal (issue
 * 13): the first page of a 10,000-entry feed is part of a page rendered in
 * under 200 ms.
 *
 *   bench_view [--entries E] [--authors A] [--limit L] [--repeat R]
 *
 * The store is made through the real ingest path in a temporary directory
 * (removed at the end): self follows every author; each author has an about
 * entry, and one share in ten is a reshare (with a comment) of an earlier share,
 * one in five is in a project, so items carry names, projects and reshared text
 * as a real feed's do. Timestamps are spread over a week, several shares per
 * millisecond now and then. Prints, for R runs each, the fastest and the median
 * of: the full walk (reference), the first page, a page from the middle (a
 * cursor), and the first page serialised (json_dumps, what the server sends).
 */
#include "core/core.h"
#include "core/content_build.h"
#include "node/view.h"
#include "store/ingest.h"
#include "store/read.h"
#include "store/store.h"
#include "tools/bench/bench_util.h"
#include "core/metrics.h" /* sr_metric_splitmix64 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 5000

typedef struct {
  uint8_t sk[SR_SECRET_BYTES];
  uint8_t head[SR_ID_BYTES];
  uint64_t seq;
} author_t;

static int fail(const char *what) {
  fprintf(stderr, "bench_view: %s\n", what);
  return 1;
}

/* Adds one entry of a's to the batch. */
static int add(author_t *a, uint64_t ts, const char *type, const uint8_t *c, size_t cl, uint8_t *raw,
               sr_ingest_item_t *it, uint8_t id[SR_ID_BYTES]) {
  sr_entry_t e;
  size_t len;
  if (sr_entry_create(a->sk, a->seq + 1, a->seq ? a->head : NULL, ts, type, c, cl, raw, SR_ENTRY_MAX, &len, &e))
    return 1;
  a->seq++;
  memcpy(a->head, e.id, SR_ID_BYTES);
  if (id) memcpy(id, e.id, SR_ID_BYTES);
  memset(it, 0, sizeof(*it));
  it->raw = raw;
  it->len = len;
  it->flow.source = SR_SRC_PEER;
  it->flow.hops = 1;
  it->flow.received_at = ts + 500;
  return 0;
}

static int flush(sr_store_t *st, sr_ingest_item_t *items, size_t *m, uint64_t now) {
  sr_ingest_stats_t s;
  if (!*m) return 0;
  if (sr_store_ingest(st, items, *m, 2, now, &s) || s.accepted != *m) return 1;
  *m = 0;
  return 0;
}

static int make_store(sr_store_t *st, size_t nent, size_t na, uint8_t self_pk[32]) {
  author_t *au = calloc(na + 1, sizeof(*au)), *self = &au[na];
  uint8_t(*raw)[SR_ENTRY_MAX] = malloc(BATCH * sizeof(*raw));
  uint8_t(*ids)[SR_ID_BYTES] = malloc((nent + 1) * SR_ID_BYTES), project[SR_ID_BYTES];
  sr_ingest_item_t *items = calloc(BATCH, sizeof(*items));
  uint8_t c[SR_ENTRY_MAX];
  size_t cl, m = 0;
  uint64_t rs = 13, now = bench_wall_ms(), ts0 = now - 7ull * 24 * 3600 * 1000, ts = ts0;
  uint64_t step = 2 * (6ull * 24 * 3600 * 1000) / nent + 1; /* the shares span about six days */
  if (!au || !raw || !ids || !items) return fail("out of memory");
  for (size_t i = 0; i <= na; i++) {
    uint8_t pk[32], seed[32] = {0};
    memcpy(seed, "bench_view", 10);
    memcpy(seed + 16, &i, sizeof i);
    crypto_sign_seed_keypair(pk, au[i].sk, seed);
  }
  memcpy(self_pk, self->sk + 32, 32);
  if (sr_store_set_self(st, self_pk)) return fail("set self failed");
  /* self: a name, a project, and a follow of everyone */
  if (sr_content_about("Self", "the node's owner", c, sizeof c, &cl) ||
      add(self, ts0, "about", c, cl, raw[m], &items[m], NULL))
    return fail("entry creation failed");
  m++;
  if (sr_content_project("Clean River", "Saturdays at the market", NULL, 0, NULL, c, sizeof c, &cl) ||
      add(self, ts0, "project", c, cl, raw[m], &items[m], project))
    return fail("entry creation failed");
  m++;
  for (size_t i = 0; i < na; i++) {
    if (m == BATCH && flush(st, items, &m, now)) return fail("ingest failed");
    if (sr_content_contact(au[i].sk + 32, SR_FOLLOW, c, sizeof c, &cl) ||
        add(self, ts0 + 1, "contact", c, cl, raw[m], &items[m], NULL))
      return fail("entry creation failed");
    m++;
  }
  for (size_t i = 0; i < na; i++) {
    char name[64];
    if (m == BATCH && flush(st, items, &m, now)) return fail("ingest failed");
    snprintf(name, sizeof name, "Person %zu 河流", i);
    if (sr_content_about(name, NULL, c, sizeof c, &cl) || add(&au[i], ts0 + 2, "about", c, cl, raw[m], &items[m], NULL))
      return fail("entry creation failed");
    m++;
  }
  /* the shares, interleaved across authors as sync delivers them */
  for (size_t k = 0; k < nent; k++) {
    uint64_t r = sr_metric_splitmix64(&rs);
    char text[256];
    if (m == BATCH && flush(st, items, &m, now)) return fail("ingest failed");
    ts += r % 7 == 0 ? 0 : 1 + (r >> 8) % step; /* now and then several in one millisecond */
    snprintf(text, sizeof text, "share %zu: the river clean-up is on Saturday at ten; bring gloves 🧤 (%llu)", k,
             (unsigned long long)(r >> 40));
    const uint8_t *reshare = k > 10 && r % 10 == 1 ? ids[(r >> 16) % k] : NULL;
    if (sr_content_share(text, NULL, r % 5 == 2 ? project : NULL, reshare, c, sizeof c, &cl) ||
        add(&au[(r >> 24) % na], ts, "share", c, cl, raw[m], &items[m], ids[k]))
      return fail("entry creation failed");
    m++;
  }
  if (flush(st, items, &m, now)) return fail("ingest failed");
  sodium_memzero(au, (na + 1) * sizeof(*au));
  free(au);
  free(raw);
  free(ids);
  free(items);
  return 0;
}

static int count_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  (void)e, (void)f;
  ++*(size_t *)ctx;
  return 0;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n, double ref) {
  qsort(t, (size_t)n, sizeof(*t), cmp_d);
  printf("%-40s min %8.2f ms  median %8.2f ms", what, t[0] * 1e3, t[n / 2] * 1e3);
  if (ref > 0) printf("  ratio to the walk (median) %.2f", t[n / 2] / ref);
  printf("\n");
}

int main(int argc, char **argv) {
  size_t nent = 10000, na = 100, limit = SR_VIEW_FEED_DEFAULT;
  int repeat = 20;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--entries") && i + 1 < argc) nent = bench_num("--entries", argv[++i], 1, 10000000);
    else if (!strcmp(argv[i], "--authors") && i + 1 < argc)
      na = bench_num("--authors", argv[++i], 1, 100000);
    else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
      limit = bench_num("--limit", argv[++i], 1, SR_VIEW_FEED_MAX);
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = (int)bench_num("--repeat", argv[++i], 1, 1000);
    else {
      printf(
          "usage: bench_view [--entries E] [--authors A] [--limit L] [--repeat R]\n"
          "Times the first page of a feed of E shares by A followed authors (sr_view_feed)\n"
          "against a walk of every entry (sr_store_foreach_entry), R runs each.\n");
      return strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  if (sodium_init() < 0) return fail("sodium_init failed");
  char dir[] = "/tmp/seurone-bench-view-XXXXXX", err[4096], cmd[128];
  if (!mkdtemp(dir)) return fail("mkdtemp failed");
  sr_store_t *st;
  uint8_t self[32];
  if (sr_store_open(dir, 1, &st, err, sizeof err)) return fail(err);
  double t0 = bench_now_s();
  if (make_store(st, nent, na, self)) return 1;
  fprintf(stderr, "bench_view: store of %zu shares by %zu authors made in %.1f s\n", nent, na, bench_now_s() - t0);

  double *walk = calloc((size_t)repeat, sizeof(double)), *first = calloc((size_t)repeat, sizeof(double)),
         *mid = calloc((size_t)repeat, sizeof(double)), *dump = calloc((size_t)repeat, sizeof(double));
  char cursor[200] = "";
  size_t bytes = 0, entries = 0, items = 0;
  if (!walk || !first || !mid || !dump) return fail("out of memory");
  /* a cursor from the middle of the feed: pages of limit until half way */
  for (size_t seen = 0; seen < nent / 2;) {
    json_t *p;
    if (sr_view_feed(st, self, cursor, SR_VIEW_FEED_MAX, &p, err, sizeof err)) return fail(err);
    seen += json_array_size(json_object_get(p, "items"));
    snprintf(cursor, sizeof cursor, "%s", json_string_value(json_object_get(p, "next")));
    json_decref(p);
  }
  for (int r = 0; r < repeat; r++) {
    json_t *p;
    double a = bench_now_s();
    entries = 0;
    if (sr_store_foreach_entry(st, NULL, count_cb, &entries)) return fail("walk failed");
    double b = bench_now_s();
    if (sr_view_feed(st, self, NULL, limit, &p, err, sizeof err)) return fail(err);
    double c = bench_now_s();
    char *s = json_dumps(p, JSON_COMPACT);
    double d = bench_now_s();
    items = json_array_size(json_object_get(p, "items"));
    bytes = s ? strlen(s) : 0;
    free(s);
    json_decref(p);
    double e = bench_now_s();
    if (sr_view_feed(st, self, cursor, limit, &p, err, sizeof err)) return fail(err);
    double f = bench_now_s();
    json_decref(p);
    walk[r] = b - a, first[r] = c - a - (b - a), dump[r] = d - c, mid[r] = f - e;
  }
  printf("store: %zu entries (%zu shares by %zu followed authors); page of %zu items, %zu bytes of JSON\n", entries,
         nent, na, items, bytes);
  report("walk of every entry (reference)", walk, repeat, 0);
  double ref = walk[repeat / 2];
  report("sr_view_feed, first page", first, repeat, ref);
  report("sr_view_feed, a page from the middle", mid, repeat, ref);
  report("json_dumps of the first page", dump, repeat, ref);
  printf("peak RSS %ld KiB\n", bench_status_kib("VmHWM"));
  free(walk), free(first), free(mid), free(dump);
  sr_store_close(st);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_view: could not remove %s\n", dir);
  return 0;
}
