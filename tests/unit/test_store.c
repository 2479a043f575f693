/* test_store.c: the LMDB store (store/store.h) on real stores in temp dirs:
 * ingest rules, forks, graph effects, reindex, verify, map growth, format
 * version, backup and the threaded verification phase. */
#include "core/key.h"
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include "store/read.h"
#include <lmdb.h>
#include <sys/stat.h>

#define TS 1700000000000ull
#define NOW (TS + 3600 * 1000ull)

static t_author_t A, B, C, D;
static uint64_t g_arrival = TS; /* received_at of the next item: strictly increasing */

/* Ingests es[0..n) as one batch; the items (with statuses) go to *out if not
 * NULL (caller frees). arrival: received_at for every item, or 0 for a fresh
 * increasing value per item. */
static int ingest_at(sr_store_t *st, t_entry_t *const *es, size_t n, int threads, uint64_t arrival,
                     sr_ingest_stats_t *stats, sr_ingest_item_t **out) {
  sr_ingest_item_t *items = calloc(n ? n : 1, sizeof(*items));
  T_CHECK(items != NULL);
  for (size_t i = 0; i < n; i++) {
    items[i].raw = es[i]->raw;
    items[i].len = es[i]->len;
    items[i].flow.received_at = arrival ? arrival : g_arrival++;
    items[i].flow.hops = 1;
    items[i].flow.from[0] = 0x99;
    items[i].flow.source = SR_SRC_PEER;
  }
  int rc = sr_store_ingest(st, items, n, threads, NOW, stats);
  if (out) *out = items;
  else
    free(items);
  return rc;
}

static int ingest(sr_store_t *st, t_entry_t *const *es, size_t n, sr_ingest_stats_t *stats, sr_ingest_item_t **out) {
  return ingest_at(st, es, n, 1, 0, stats, out);
}

/* Ingests one entry; returns its status. */
static int ingest1(sr_store_t *st, t_entry_t *e) {
  sr_ingest_item_t *items;
  sr_ingest_stats_t s;
  T_OK(ingest(st, &e, 1, &s, &items));
  int status = items[0].status;
  free(items);
  return status;
}

/* ---- a text picture of everything derived, for before/after comparisons ---- */

typedef struct {
  char *buf;
  size_t len;
  FILE *f;
} snap_t;

static void hexf(FILE *f, const uint8_t *b) {
  char h[2 * SR_KEY_LEN + 1];
  if (!b) {
    fputs("-", f);
    return;
  }
  sr_hex_encode(b, SR_KEY_LEN, h);
  fputs(h, f);
}

static int snap_edge(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  FILE *f = ctx;
  fprintf(f, "edge %s ", sr_edge_kind_name(kind));
  hexf(f, src);
  fputc(' ', f);
  hexf(f, dst);
  fputc('\n', f);
  return 0;
}

static int snap_person(void *ctx, const sr_person_t *p) {
  FILE *f = ctx;
  fputs("person ", f);
  hexf(f, p->key);
  fprintf(f, " name=%.*s seq=%llu forked=%d self=%d\n", p->name ? (int)p->name_len : 1, p->name ? p->name : "-",
          (unsigned long long)p->seq, p->forked, p->is_self);
  return 0;
}

static int snap_project(void *ctx, const sr_project_t *p) {
  FILE *f = ctx;
  fputs("project ", f);
  hexf(f, p->id);
  fputc(' ', f);
  hexf(f, p->author);
  fprintf(f, " %.*s\n", p->name ? (int)p->name_len : 1, p->name ? p->name : "-");
  return 0;
}

static int snap_fork(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  FILE *f = ctx;
  fputs("fork ", f);
  hexf(f, author);
  fprintf(f, " %llu ", (unsigned long long)seq);
  hexf(f, head_id);
  fputc(' ', f);
  hexf(f, fork_id);
  fputc('\n', f);
  return 0;
}

static int snap_entry(void *ctx, const sr_entry_t *e, const sr_flow_t *fl) {
  FILE *f = ctx;
  fputs("log ", f);
  hexf(f, e->author);
  fprintf(f, " %llu ", (unsigned long long)e->seq);
  hexf(f, e->id);
  fprintf(f, " at=%llu hops=%u src=%u\n", (unsigned long long)fl->received_at, fl->hops, fl->source);
  return 0;
}

static int snap_raw(void *ctx, const sr_entry_t *e, const sr_flow_t *fl) {
  FILE *f = ctx;
  (void)fl;
  fputs("entry ", f);
  hexf(f, e->id);
  fputc('\n', f);
  return 0;
}

/* Returns a malloc'd description of the store's heads, people, projects,
 * edges, forks, logs and entries. */
static char *snapshot(sr_store_t *st) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  sr_store_info_t info;
  T_CHECK(f != NULL);
  T_OK(sr_store_foreach_person(st, snap_person, f));
  T_OK(sr_store_foreach_project(st, snap_project, f));
  T_OK(sr_store_foreach_edge(st, snap_edge, f));
  T_OK(sr_store_foreach_fork(st, snap_fork, f));
  T_OK(sr_store_foreach_entry(st, NULL, snap_entry, f));
  T_OK(sr_store_foreach_raw(st, snap_raw, f));
  T_OK(sr_store_info(st, &info));
  fprintf(f, "info entries=%zu authors=%zu people=%zu projects=%zu edges=%zu forks=%zu\n", info.entries, info.authors,
          info.people, info.projects, info.edges, info.forks);
  fclose(f);
  return buf;
}

/* ---- small queries ---- */

typedef struct {
  int kind;
  const uint8_t *src, *dst;
  int found;
  size_t total;
} edge_q_t;

static int find_edge_cb(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  edge_q_t *q = ctx;
  q->total++;
  if (kind == q->kind && memcmp(src, q->src, SR_KEY_BYTES) == 0 && memcmp(dst, q->dst, SR_KEY_LEN) == 0) q->found++;
  return 0;
}

static int has_edge(sr_store_t *st, int kind, const uint8_t *src, const uint8_t *dst) {
  edge_q_t q = {kind, src, dst, 0, 0};
  T_OK(sr_store_foreach_edge(st, find_edge_cb, &q));
  T_CHECK(q.found <= 1);
  return q.found;
}

/* Edges leaving src, of any kind. */
typedef struct {
  const uint8_t *src;
  size_t n;
} out_q_t;
static int out_cb(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  out_q_t *q = ctx;
  (void)kind;
  (void)dst;
  if (memcmp(src, q->src, SR_KEY_BYTES) == 0) q->n++;
  return 0;
}
static size_t edges_from(sr_store_t *st, const uint8_t *src) {
  out_q_t q = {src, 0};
  T_OK(sr_store_foreach_edge(st, out_cb, &q));
  return q.n;
}

#define Q_NAME_MAX 64 /* the names the tests give, and more */
typedef struct {
  const uint8_t *key;
  sr_person_t p;
  char name[Q_NAME_MAX];
  int found;
} person_q_t;
static int person_cb(void *ctx, const sr_person_t *p) {
  person_q_t *q = ctx;
  if (memcmp(p->key, q->key, SR_KEY_BYTES) == 0) {
    q->found = 1;
    q->p = *p;
    q->p.key = NULL;
    snprintf(q->name, sizeof(q->name), "%.*s", p->name ? (int)p->name_len : 0, p->name ? p->name : "");
    /* person() returns q by value: q->name moves, so p.name only says "has a
     * name" (non-NULL) and the text is read from q.name. */
    q->p.name = p->name ? "" : NULL;
  }
  return 0;
}
static person_q_t person(sr_store_t *st, const uint8_t *key) {
  person_q_t q;
  memset(&q, 0, sizeof(q));
  q.key = key;
  T_OK(sr_store_foreach_person(st, person_cb, &q));
  return q;
}

typedef struct {
  const uint8_t *id;
  int found, has_author;
  uint8_t author[SR_KEY_BYTES];
  char name[Q_NAME_MAX];
} project_q_t;
static int project_cb(void *ctx, const sr_project_t *p) {
  project_q_t *q = ctx;
  if (memcmp(p->id, q->id, SR_ID_BYTES) == 0) {
    q->found = 1;
    q->has_author = p->author != NULL;
    if (p->author) memcpy(q->author, p->author, SR_KEY_BYTES);
    snprintf(q->name, sizeof(q->name), "%.*s", p->name ? (int)p->name_len : 0, p->name ? p->name : "");
  }
  return 0;
}
static project_q_t project(sr_store_t *st, const uint8_t *id) {
  project_q_t q;
  memset(&q, 0, sizeof(q));
  q.id = id;
  T_OK(sr_store_foreach_project(st, project_cb, &q));
  return q;
}

static void report_print(void *ctx, const char *problem) {
  int *n = ctx;
  (*n)++;
  fprintf(stderr, "   verify: %s\n", problem);
}

static int verify(sr_store_t *st) {
  int n = 0;
  int rc = sr_store_verify(st, report_print, &n, NULL, NULL);
  T_CHECK(rc < 0 || rc == n);
  return rc;
}

/* Entries of one author's log in order (the first LOG_Q_MAX; n counts all). */
#define LOG_Q_MAX 64
typedef struct {
  uint64_t seqs[LOG_Q_MAX];
  uint8_t ids[LOG_Q_MAX][SR_ID_BYTES];
  sr_flow_t flows[LOG_Q_MAX];
  size_t n;
} log_q_t;
static int log_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  log_q_t *q = ctx;
  if (q->n < LOG_Q_MAX) {
    q->seqs[q->n] = e->seq;
    memcpy(q->ids[q->n], e->id, SR_ID_BYTES);
    q->flows[q->n] = *f;
  }
  q->n++;
  return 0;
}

#define POST_TEXT_MAX 32 /* "post N" */
static t_entry_t *chain(t_author_t *a, size_t n) {
  t_entry_t *es = calloc(n, sizeof(*es));
  char text[POST_TEXT_MAX];
  t_buf_t c;
  for (size_t i = 0; i < n; i++) {
    snprintf(text, sizeof(text), "post %zu", i + 1);
    t_share(&c, text, NULL, NULL);
    es[i] = t_next(a, TS + i, "share", &c);
    t_buf_free(&c);
  }
  return es;
}

static void free_chain(t_entry_t *es, size_t n) {
  for (size_t i = 0; i < n; i++) t_entry_free(&es[i]);
  free(es);
}

/* ---- tests ---- */

static void store_open_missing_is_enostore(void) {
  char dir[256], sub[300], err[256] = "";
  sr_store_t *st = (sr_store_t *)1;
  t_tmpdir(dir);
  snprintf(sub, sizeof(sub), "%s/none", dir);
  T_EQ(sr_store_open(sub, 0, &st, err, sizeof(err)), SR_ENOSTORE);
  T_CHECK(st == NULL);
  T_CHECK(err[0] != '\0');
  /* an empty directory is no store either */
  T_EQ(sr_store_open(dir, 0, &st, err, sizeof(err)), SR_ENOSTORE);
  st = t_open_store(sub, 1);
  sr_store_close(st);
  T_OK(sr_store_open(sub, 0, &st, err, sizeof(err)));
  sr_store_close(st);
  t_rmdir(dir);
}

static void store_ingest_chain(void) {
  char dir[256];
  t_author_t a;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  log_q_t q = {0};
  t_entry_t *ptr[5];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x01);
  t_entry_t *es = chain(&a, 5);
  for (int i = 0; i < 5; i++) ptr[i] = &es[i];
  uint64_t first_arrival = g_arrival;
  T_OK(ingest(st, ptr, 5, &s, &items));
  T_EQ(s.accepted, 5);
  T_EQ(s.duplicates + s.forks + s.rejected, 0);
  for (int i = 0; i < 5; i++) {
    T_EQ(items[i].status, 0);
    T_MEMEQ(items[i].id, es[i].id, SR_ID_BYTES);
    T_MEMEQ(items[i].author, a.pk, SR_KEY_BYTES);
    T_EQ(items[i].seq, i + 1);
  }
  free(items);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 5);
  T_MEMEQ(h.id, es[4].id, SR_ID_BYTES);
  T_EQ(h.forked, 0);
  T_OK(sr_store_foreach_entry(st, a.pk, log_cb, &q));
  T_EQ(q.n, 5);
  for (int i = 0; i < 5; i++) {
    T_EQ(q.seqs[i], i + 1);
    T_MEMEQ(q.ids[i], es[i].id, SR_ID_BYTES);
    T_EQ(q.flows[i].received_at, first_arrival + i);
    T_EQ(q.flows[i].hops, 1);
    T_EQ(q.flows[i].source, SR_SRC_PEER);
    T_EQ(q.flows[i].from[0], 0x99);
  }
  /* entries come back byte for byte */
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_flow_t fl;
  T_OK(sr_store_get_entry(st, es[2].id, buf, sizeof(buf), &len, &fl));
  T_EQ(len, es[2].len);
  T_MEMEQ(buf, es[2].raw, len);
  T_EQ(fl.received_at, first_arrival + 2);
  T_EQ(sr_store_get_entry(st, es[2].id, buf, 10, &len, &fl), SR_ETOOBIG);
  uint8_t nope[SR_KEY_LEN] = {0};
  T_EQ(sr_store_get_entry(st, nope, buf, sizeof(buf), &len, &fl), SR_ENOTFOUND);
  /* an unknown author has head seq 0 */
  T_OK(sr_store_get_head(st, nope, &h));
  T_EQ(h.seq, 0);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, 5);
  T_EQ(info.authors, 1);
  T_EQ(info.people, 1);
  T_EQ(verify(st), 0);
  sr_store_close(st);
  free_chain(es, 5);
  t_rmdir(dir);
}

static void store_duplicates_counted(void) {
  char dir[256];
  t_author_t a;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  t_entry_t *ptr[6];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x02);
  t_entry_t *es = chain(&a, 4);
  for (int i = 0; i < 4; i++) ptr[i] = &es[i];
  T_OK(ingest(st, ptr, 3, &s, NULL));
  T_EQ(s.accepted, 3);
  uint64_t later = g_arrival + 1000;
  T_OK(ingest_at(st, ptr, 3, 1, later, &s, &items));
  T_EQ(s.accepted, 0);
  T_EQ(s.duplicates, 3);
  T_EQ(s.rejected, 0);
  for (int i = 0; i < 3; i++) {
    T_EQ(items[i].status, SR_EDUP);
    T_HAS(items[i].why, "duplicate");
  }
  free(items);
  /* the first arrival's flow is kept */
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_flow_t fl;
  T_OK(sr_store_get_entry(st, es[0].id, buf, sizeof(buf), &len, &fl));
  T_CHECK(fl.received_at < later);
  /* a duplicate inside one batch */
  ptr[0] = &es[3];
  ptr[1] = &es[3];
  ptr[2] = &es[1];
  T_OK(ingest(st, ptr, 3, &s, &items));
  T_EQ(items[0].status, 0);
  T_EQ(items[1].status, SR_EDUP);
  T_EQ(items[2].status, SR_EDUP);
  T_EQ(s.accepted, 1);
  T_EQ(s.duplicates, 2);
  free(items);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, 4);
  T_EQ(verify(st), 0);
  sr_store_close(st);
  free_chain(es, 4);
  t_rmdir(dir);
}

static void store_out_of_order_batch_applied(void) {
  char dir[256];
  t_author_t a, b;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x03);
  t_author_init(&b, 0x04);
  t_entry_t *ea = chain(&a, 5), *eb = chain(&b, 3);
  /* two authors interleaved, each reversed or shuffled */
  t_entry_t *ptr[] = {&ea[2], &eb[2], &ea[0], &ea[4], &eb[1], &ea[1], &ea[3], &eb[0]};
  T_OK(ingest(st, ptr, 8, &s, &items));
  T_EQ(s.accepted, 8);
  for (int i = 0; i < 8; i++) T_EQ(items[i].status, 0);
  free(items);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 5);
  T_MEMEQ(h.id, ea[4].id, SR_ID_BYTES);
  T_OK(sr_store_get_head(st, b.pk, &h));
  T_EQ(h.seq, 3);
  T_MEMEQ(h.id, eb[2].id, SR_ID_BYTES);
  T_EQ(verify(st), 0);
  sr_store_close(st);
  free_chain(ea, 5);
  free_chain(eb, 3);
  t_rmdir(dir);
}

static void store_gap_rejected_with_missing_seq(void) {
  char dir[256];
  t_author_t a;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x05);
  t_entry_t *es = chain(&a, 6);
  t_entry_t *ptr[] = {&es[0], &es[3], &es[2], &es[5]}; /* seq 1, 4, 3, 6: 2 and 5 missing */
  T_OK(ingest(st, ptr, 4, &s, &items));
  T_EQ(s.accepted, 1);
  T_EQ(s.rejected, 3);
  T_EQ(items[0].status, 0);
  for (int i = 1; i < 4; i++) {
    T_EQ(items[i].status, SR_EGAP);
    T_HAS(items[i].why, "seq 2 is missing");
  }
  free(items);
  T_EQ(sr_store_get_entry(st, es[2].id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 1);
  /* the gap filled in a later batch: 2..4 go in, 6 still waits for 5 */
  t_entry_t *ptr2[] = {&es[5], &es[3], &es[2], &es[1]};
  T_OK(ingest(st, ptr2, 4, &s, &items));
  T_EQ(s.accepted, 3);
  T_EQ(items[0].status, SR_EGAP);
  T_HAS(items[0].why, "seq 5 is missing");
  T_HAS(items[0].why, "up to seq 4");
  free(items);
  T_EQ(ingest1(st, &es[4]), 0);
  T_EQ(ingest1(st, &es[5]), 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 6);
  /* a new author whose first entry is seq 3 */
  t_author_t n;
  t_author_init(&n, 0x06);
  t_entry_t *en = chain(&n, 3);
  sr_ingest_item_t *it;
  t_entry_t *p3 = &en[2];
  T_OK(ingest(st, &p3, 1, &s, &it));
  T_EQ(it[0].status, SR_EGAP);
  T_HAS(it[0].why, "seq 1 is missing");
  free(it);
  T_EQ(verify(st), 0);
  sr_store_close(st);
  free_chain(es, 6);
  free_chain(en, 3);
  t_rmdir(dir);
}

static void store_wrong_prev_future_and_bad_sig(void) {
  char dir[256];
  t_author_t a;
  t_buf_t c;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  uint8_t other[SR_KEY_BYTES];
  memset(other, 0x5a, sizeof(other));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x07);
  t_entry_t *es = chain(&a, 2);
  T_EQ(ingest1(st, &es[0]), 0);
  t_about(&c, "A");
  t_entry_t wrong = t_make(&a, 2, other, TS, "about", &c);
  t_entry_t fut = t_make(&a, 2, es[0].id, NOW + SR_FUTURE_SLACK_MS + 1, "about", &c);
  t_entry_t edge = t_make(&a, 2, es[0].id, NOW + SR_FUTURE_SLACK_MS, "about", &c);
  t_entry_t badsig = t_make(&a, 3, edge.id, TS, "about", &c);
  badsig.raw[badsig.len - 3] ^= 0x10;
  t_entry_t garbage = {(uint8_t *)"\x92\xc4", 2, {0}, 0};
  t_entry_t *ptr[] = {&wrong, &fut, &garbage, &badsig, &edge};
  T_OK(ingest(st, ptr, 5, &s, &items));
  T_EQ(items[0].status, SR_EPREV);
  T_HAS(items[0].why, "prev");
  T_EQ(items[1].status, SR_EFUTURE);
  T_HAS(items[1].why, "10 minutes");
  T_EQ(items[2].status, SR_ETRUNC);
  T_CHECK(items[2].why[0] != '\0');
  T_EQ(items[3].status, SR_ESIG);
  T_EQ(items[4].status, 0); /* exactly at the slack is fine */
  T_EQ(s.accepted, 1);
  T_EQ(s.rejected, 4);
  free(items);
  /* a content schema failure is a rejection with the field named */
  t_buf_t bad;
  t_buf_init(&bad);
  t_mp_map(&bad, 1);
  t_mp_str(&bad, "who");
  t_mp_bin(&bad, other, SR_KEY_BYTES);
  t_entry_t badc = t_make(&a, 3, edge.id, TS, "contact", &bad);
  t_entry_t *pb = &badc;
  T_OK(ingest(st, &pb, 1, &s, &items));
  T_EQ(items[0].status, SR_ECONTENT);
  T_HAS(items[0].why, "state");
  free(items);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, 2);
  T_EQ(verify(st), 0);
  sr_store_close(st);
  free_chain(es, 2);
  t_entry_free(&wrong);
  t_entry_free(&fut);
  t_entry_free(&edge);
  t_entry_free(&badsig);
  t_entry_free(&badc);
  t_buf_free(&c);
  t_buf_free(&bad);
  t_rmdir(dir);
}

typedef struct {
  int n;
  uint8_t author[SR_KEY_BYTES], head[SR_ID_BYTES], fork[SR_ID_BYTES];
  uint64_t seq;
  int head_null;
} fork_q_t;
static int fork_cb(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  fork_q_t *q = ctx;
  q->n++;
  memcpy(q->author, author, SR_KEY_BYTES);
  q->seq = seq;
  q->head_null = head_id == NULL;
  if (head_id) memcpy(q->head, head_id, SR_ID_BYTES);
  memcpy(q->fork, fork_id, SR_ID_BYTES);
  return 0;
}

static void store_fork_kept_and_author_stopped(void) {
  char dir[256];
  t_author_t a;
  t_buf_t c;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  fork_q_t fq = {0};
  log_q_t lq = {0};
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x08);
  t_entry_t *es = chain(&a, 4);
  t_entry_t *ptr[] = {&es[0], &es[1], &es[2]};
  T_OK(ingest(st, ptr, 3, &s, NULL));
  t_share(&c, "the other branch", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 50, "share", &c);
  t_entry_t *pf = &f2;
  T_OK(ingest(st, &pf, 1, &s, &items));
  T_EQ(items[0].status, SR_EFORK);
  T_HAS(items[0].why, "fork");
  T_EQ(s.forks, 1);
  T_EQ(s.accepted + s.rejected + s.duplicates, 0);
  free(items);
  /* the first branch stays the head; the author is marked forked */
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 3);
  T_MEMEQ(h.id, es[2].id, SR_ID_BYTES);
  T_EQ(h.forked, 1);
  person_q_t pq = person(st, a.pk);
  T_EQ(pq.found, 1);
  T_EQ(pq.p.forked, 1);
  T_EQ(pq.p.seq, 3);
  /* the proof is kept and listed */
  T_OK(sr_store_get_entry(st, f2.id, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, f2.raw, len);
  T_OK(sr_store_foreach_fork(st, fork_cb, &fq));
  T_EQ(fq.n, 1);
  T_MEMEQ(fq.author, a.pk, SR_KEY_BYTES);
  T_EQ(fq.seq, 2);
  T_EQ(fq.head_null, 0);
  T_MEMEQ(fq.head, es[1].id, SR_ID_BYTES);
  T_MEMEQ(fq.fork, f2.id, SR_ID_BYTES);
  /* the log still follows the first branch */
  T_OK(sr_store_foreach_entry(st, a.pk, log_cb, &lq));
  T_EQ(lq.n, 3);
  T_MEMEQ(lq.ids[1], es[1].id, SR_ID_BYTES);
  /* later entries of either branch are refused; the proof again is a duplicate */
  t_entry_t f3 = t_make(&a, 3, f2.id, TS + 51, "share", &c);
  T_EQ(ingest1(st, &es[3]), SR_EFORKED);
  T_EQ(ingest1(st, &f3), SR_EFORKED);
  T_EQ(ingest1(st, &f2), SR_EDUP);
  T_EQ(ingest1(st, &es[1]), SR_EDUP);
  /* a third entry for seq 2 is not stored: the author is no longer replicated */
  t_buf_free(&c);
  t_share(&c, "third", NULL, NULL);
  t_entry_t g2 = t_make(&a, 2, es[0].id, TS + 52, "share", &c);
  T_EQ(ingest1(st, &g2), SR_EFORKED);
  T_EQ(sr_store_get_entry(st, g2.id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  /* publishing as a forked author is refused */
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[160];
  t_buf_t ab;
  t_about(&ab, "me");
  T_EQ(sr_store_publish(st, a.sk, "about", T_DATA(&ab), T_SIZE(&ab), TS, NOW, id, &seq, why, sizeof(why)), SR_EFORKED);
  T_EQ(verify(st), 0);

  /* reindex rebuilds the same picture, fork included */
  char *before = snapshot(st);
  T_OK(sr_store_reindex(st, NULL, NULL));
  char *after = snapshot(st);
  if (strcmp(before, after) != 0) fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
  T_CHECK(strcmp(before, after) == 0);
  T_EQ(verify(st), 0);
  free(before);
  free(after);
  sr_store_close(st);
  free_chain(es, 4);
  t_entry_free(&f2);
  t_entry_free(&f3);
  t_entry_free(&g2);
  t_buf_free(&c);
  t_buf_free(&ab);
  t_rmdir(dir);
}

/* Both branches of a fork in one batch with the same received_at (an import):
 * the first in the batch is the head, and a reindex must keep it so. */
static void store_fork_in_one_batch_survives_reindex(void) {
  char dir[256];
  t_author_t a;
  t_buf_t c;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  t_tmpdir(dir);
  t_author_init(&a, 0x09);
  t_entry_t *es = chain(&a, 3);
  t_share(&c, "other branch", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 9, "share", &c);
  /* whichever id sorts lower, try both batch orders */
  for (int order = 0; order < 2; order++) {
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/%d", dir, order);
    sr_store_t *s2 = t_open_store(sub, 1);
    t_entry_t *ptr0[] = {&es[0], &es[1], &es[2], &f2};
    t_entry_t *ptr1[] = {&es[0], &f2, &es[1], &es[2]};
    T_OK(ingest_at(s2, order ? ptr1 : ptr0, 4, 1, TS + 777, &s, &items));
    T_EQ(s.forks, 1);
    T_OK(sr_store_get_head(s2, a.pk, &h));
    /* order 0: e2 first, head e3; order 1: f2 first, head f2 and e3 refused */
    T_EQ(h.seq, order ? 2 : 3);
    T_MEMEQ(h.id, order ? f2.id : es[2].id, SR_ID_BYTES);
    T_EQ(h.forked, 1);
    T_EQ(verify(s2), 0);
    char *before = snapshot(s2);
    T_OK(sr_store_reindex(s2, NULL, NULL));
    char *after = snapshot(s2);
    if (strcmp(before, after) != 0) fprintf(stderr, "order %d before:\n%s\nafter:\n%s\n", order, before, after);
    T_CHECK(strcmp(before, after) == 0);
    T_EQ(verify(s2), 0);
    free(before);
    free(after);
    free(items);
    sr_store_close(s2);
  }
  free_chain(es, 3);
  t_entry_free(&f2);
  t_buf_free(&c);
  t_rmdir(dir);
}

/* Builds the social picture used by the graph tests; returns the store. */
#define BAG_MAX 64
typedef struct {
  t_entry_t e[BAG_MAX];
  size_t n;
} bag_t;
static t_entry_t *bag_add(bag_t *g, t_entry_t e) {
  T_CHECK(g->n < BAG_MAX);
  g->e[g->n] = e;
  return &g->e[g->n++];
}
static void bag_free(bag_t *g) {
  for (size_t i = 0; i < g->n; i++) t_entry_free(&g->e[i]);
}

static void store_graph_effects(void) {
  char dir[256];
  t_buf_t c;
  bag_t g = {.n = 0};
  sr_ingest_stats_t s;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_t a, b, cc, d;
  t_author_init(&a, 0x31);
  t_author_init(&b, 0x32);
  t_author_init(&cc, 0x33);
  t_author_init(&d, 0x34);

  /* profiles */
  t_about(&c, "Alice");
  T_EQ(ingest1(st, bag_add(&g, t_next(&a, TS, "about", &c))), 0);
  t_buf_free(&c);
  t_about(&c, "Alicia");
  T_EQ(ingest1(st, bag_add(&g, t_next(&a, TS, "about", &c))), 0);
  t_buf_free(&c);
  person_q_t pq = person(st, a.pk);
  T_EQ(pq.found, 1);
  T_CHECK(pq.p.name && strcmp(pq.name, "Alicia") == 0); /* the latest about wins */
  T_EQ(pq.p.seq, 2);
  char nm[SR_ENTRY_MAX + 1];
  size_t nlen = 0;
  T_OK(sr_store_get_name(st, a.pk, nm, sizeof(nm), &nlen));
  T_CHECK(strcmp(nm, "Alicia") == 0 && nlen == 6);
  T_OK(sr_store_get_name(st, a.pk, nm, 4, &nlen)); /* cut to cap, whole length told */
  T_CHECK(strcmp(nm, "Ali") == 0 && nlen == 6);
  T_EQ(sr_store_get_name(st, b.pk, nm, sizeof(nm), NULL), SR_ENOTFOUND);

  /* contacts: follow, block, unfollow; the latest by seq wins */
  t_contact(&c, b.pk, "follow");
  T_EQ(ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_FOLLOW, a.pk, b.pk), 1);
  pq = person(st, b.pk); /* named by a contact: a person with no entries */
  T_EQ(pq.found, 1);
  T_EQ(pq.p.seq, 0);
  T_CHECK(pq.p.name == NULL);
  t_contact(&c, b.pk, "block");
  T_EQ(ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_FOLLOW, a.pk, b.pk), 0);
  T_EQ(has_edge(st, SR_EDGE_BLOCK, a.pk, b.pk), 1);
  t_contact(&c, b.pk, "unfollow");
  T_EQ(ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_FOLLOW, a.pk, b.pk), 0);
  T_EQ(has_edge(st, SR_EDGE_BLOCK, a.pk, b.pk), 0);
  T_EQ(edges_from(st, a.pk), 0);
  /* out of order within a batch: seq 7 (follow) arrives before seq 6 (block) */
  t_contact(&c, cc.pk, "block");
  t_entry_t *blk = bag_add(&g, t_next(&a, TS, "contact", &c));
  t_buf_free(&c);
  t_contact(&c, cc.pk, "follow");
  t_entry_t *fol = bag_add(&g, t_next(&a, TS, "contact", &c));
  t_buf_free(&c);
  t_entry_t *pp[] = {fol, blk};
  T_OK(ingest(st, pp, 2, &s, NULL));
  T_EQ(s.accepted, 2);
  T_EQ(has_edge(st, SR_EDGE_FOLLOW, a.pk, cc.pk), 1);
  T_EQ(has_edge(st, SR_EDGE_BLOCK, a.pk, cc.pk), 0);
  /* following oneself adds no edge (self-loops are left out) */
  t_contact(&c, a.pk, "follow");
  T_EQ(ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_FOLLOW, a.pk, a.pk), 0);

  /* projects and memberships */
  t_project(&c, "River");
  t_entry_t *proj = bag_add(&g, t_next(&b, TS, "project", &c));
  t_buf_free(&c);
  T_EQ(ingest1(st, proj), 0);
  project_q_t prq = project(st, proj->id);
  T_EQ(prq.found, 1);
  T_EQ(prq.has_author, 1);
  T_MEMEQ(prq.author, b.pk, SR_KEY_BYTES);
  T_CHECK(strcmp(prq.name, "River") == 0);
  T_OK(sr_store_get_project_name(st, proj->id, nm, sizeof(nm), &nlen));
  T_CHECK(strcmp(nm, "River") == 0 && nlen == 5);
  t_membership(&c, proj->id, "member");
  T_EQ(ingest1(st, bag_add(&g, t_next(&cc, TS, "membership", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_MEMBER, cc.pk, proj->id), 1);
  t_membership(&c, proj->id, "supporter");
  T_EQ(ingest1(st, bag_add(&g, t_next(&cc, TS, "membership", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_MEMBER, cc.pk, proj->id), 0);
  T_EQ(has_edge(st, SR_EDGE_SUPPORTER, cc.pk, proj->id), 1);
  t_membership(&c, proj->id, "left");
  T_EQ(ingest1(st, bag_add(&g, t_next(&cc, TS, "membership", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_MEMBER, cc.pk, proj->id), 0);
  T_EQ(has_edge(st, SR_EDGE_SUPPORTER, cc.pk, proj->id), 0);
  T_EQ(edges_from(st, cc.pk), 0);
  /* a membership of a project whose entry this node lacks names it anyway */
  uint8_t unknown[SR_ID_BYTES];
  memset(unknown, 0x77, sizeof(unknown));
  t_membership(&c, unknown, "member");
  T_EQ(ingest1(st, bag_add(&g, t_next(&d, TS, "membership", &c))), 0);
  t_buf_free(&c);
  prq = project(st, unknown);
  T_EQ(prq.found, 1);
  T_EQ(sr_store_get_project_name(st, unknown, nm, sizeof(nm), NULL), SR_ENOTFOUND); /* named, not held */
  T_EQ(prq.has_author, 0);
  T_EQ(has_edge(st, SR_EDGE_MEMBER, d.pk, unknown), 1);

  /* a share about a project */
  t_share(&c, "we cleaned 2 km", proj->id, NULL);
  T_EQ(ingest1(st, bag_add(&g, t_next(&d, TS, "share", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_SHARE, d.pk, proj->id), 1);

  /* reshares: C's reshare arrives BEFORE B's original; D's after it */
  t_share(&c, "original words", NULL, NULL);
  t_entry_t *orig = bag_add(&g, t_next(&b, TS, "share", &c));
  t_buf_free(&c);
  t_share(&c, NULL, NULL, orig->id);
  t_entry_t *rs_c = bag_add(&g, t_next(&cc, TS, "share", &c));
  t_entry_t *rs_d = bag_add(&g, t_next(&d, TS, "share", &c));
  t_buf_free(&c);
  T_EQ(ingest1(st, rs_c), 0);
  T_EQ(has_edge(st, SR_EDGE_RESHARE, cc.pk, b.pk), 0); /* the original's author is unknown yet */
  T_EQ(ingest1(st, orig), 0);
  T_EQ(has_edge(st, SR_EDGE_RESHARE, cc.pk, b.pk), 1);
  T_EQ(ingest1(st, rs_d), 0);
  T_EQ(has_edge(st, SR_EDGE_RESHARE, d.pk, b.pk), 1);
  /* resharing one's own entry adds no edge */
  t_share(&c, NULL, NULL, orig->id);
  T_EQ(ingest1(st, bag_add(&g, t_next(&b, TS, "share", &c))), 0);
  t_buf_free(&c);
  T_EQ(has_edge(st, SR_EDGE_RESHARE, b.pk, b.pk), 0);

  /* an unknown type is stored and changes nothing in the graph */
  sr_store_info_t i1, i2;
  T_OK(sr_store_info(st, &i1));
  t_about(&c, "x");
  T_EQ(ingest1(st, bag_add(&g, t_next(&d, TS, "poll", &c))), 0);
  t_buf_free(&c);
  T_OK(sr_store_info(st, &i2));
  T_EQ(i2.entries, i1.entries + 1);
  T_EQ(i2.edges, i1.edges);
  person_q_t pd = person(st, d.pk);
  T_CHECK(pd.p.name == NULL); /* an about-shaped unknown type is no profile */

  T_EQ(verify(st), 0);
  /* the self key is a person, flagged */
  T_OK(sr_store_set_self(st, D.pk));
  uint8_t self[SR_KEY_BYTES];
  T_OK(sr_store_get_self(st, self));
  T_MEMEQ(self, D.pk, SR_KEY_BYTES);
  pq = person(st, D.pk);
  T_EQ(pq.found, 1);
  T_EQ(pq.p.is_self, 1);

  /* reindex: the same edges, heads, people, projects, forks */
  char *before = snapshot(st);
  T_HAS(before, "edge reshare");
  T_OK(sr_store_reindex(st, NULL, NULL));
  char *after = snapshot(st);
  if (strcmp(before, after) != 0) fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
  T_CHECK(strcmp(before, after) == 0);
  free(before);
  free(after);

  /* and the same picture when everything arrives in one batch, shuffled */
  char dir2[256];
  t_tmpdir(dir2);
  sr_store_t *st2 = t_open_store(dir2, 1);
  t_entry_t *all[BAG_MAX];
  for (size_t i = 0; i < g.n; i++) all[i] = &g.e[(i * 7) % g.n];
  T_CHECK(g.n % 7 != 0);
  T_OK(ingest(st2, all, g.n, &s, NULL));
  T_EQ(s.accepted, g.n);
  T_OK(sr_store_set_self(st2, D.pk));
  sr_store_info_t ia, ib;
  T_OK(sr_store_info(st, &ia));
  T_OK(sr_store_info(st2, &ib));
  T_EQ(ia.edges, ib.edges);
  T_EQ(ia.people, ib.people);
  T_EQ(ia.projects, ib.projects);
  T_EQ(has_edge(st2, SR_EDGE_RESHARE, cc.pk, b.pk), 1);
  T_EQ(has_edge(st2, SR_EDGE_FOLLOW, a.pk, cc.pk), 1);
  T_EQ(has_edge(st2, SR_EDGE_BLOCK, a.pk, cc.pk), 0);
  sr_store_close(st2);
  t_rmdir(dir2);

  sr_store_close(st);
  bag_free(&g);
  t_rmdir(dir);
}

static void store_verify_finds_damage(void) {
  char dir[256];
  t_author_t a;
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0a);
  t_entry_t *es = chain(&a, 3);
  t_entry_t *ptr[] = {&es[0], &es[1], &es[2]};
  T_OK(ingest(st, ptr, 3, NULL, NULL));
  T_EQ(verify(st), 0);
  sr_store_close(st);
  /* remove seq 2 from the log behind the store's back */
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "log", 0, &dbi));
  uint8_t key[40];
  memcpy(key, a.pk, SR_KEY_BYTES);
  memset(key + SR_KEY_BYTES, 0, 8);
  key[39] = 2;
  MDB_val k = {sizeof(key), key};
  T_OK(mdb_del(txn, dbi, &k, NULL));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 1);
  T_CHECK(verify(st) >= 2); /* the jump from 1 to 3 and the orphaned entry */
  /* reindex repairs it */
  T_OK(sr_store_reindex(st, NULL, NULL));
  T_EQ(verify(st), 0);
  sr_store_close(st);
  free_chain(es, 3);
  t_rmdir(dir);
}

static void progress_cb(void *ctx, size_t done, size_t total) {
  size_t *last = ctx;
  T_CHECK(done <= total);
  *last = done;
}

static void store_map_grows(void) {
  char dir[256];
  enum { AUTHORS = 6, PER = 500 };
  t_author_t au[AUTHORS];
  sr_ingest_stats_t s;
  t_tmpdir(dir);
  T_OK(setenv("SEURONE_MAPSIZE", "65536", 1));
  sr_store_t *st = t_open_store(dir, 1);
  unsetenv("SEURONE_MAPSIZE");
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.map_size, 65536);
  size_t total = 0;
  for (int i = 0; i < AUTHORS; i++) {
    t_author_init(&au[i], (uint8_t)(0x40 + i));
    t_entry_t *es = chain(&au[i], PER);
    t_entry_t **ptr = calloc(PER, sizeof(*ptr));
    for (int j = 0; j < PER; j++) ptr[j] = &es[j];
    T_OK(ingest(st, ptr, PER, &s, NULL));
    T_EQ(s.accepted, PER);
    total += PER;
    free(ptr);
    free_chain(es, PER);
  }
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, total);
  T_CHECK(info.map_size > 65536);
  size_t last = 0;
  T_EQ(sr_store_verify(st, NULL, NULL, progress_cb, &last), 0);
  T_EQ(last, total);
  /* a reindex also has to grow the map it works in */
  T_OK(sr_store_reindex(st, progress_cb, &last));
  T_EQ(last, total);
  T_EQ(verify(st), 0);
  /* publish onto the grown store */
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[160];
  t_buf_t c;
  t_about(&c, "six");
  T_OK(sr_store_publish(st, au[0].sk, "about", T_DATA(&c), T_SIZE(&c), TS + 10000, NOW, id, &seq, why, sizeof(why)));
  T_EQ(seq, PER + 1);
  t_buf_free(&c);
  sr_store_close(st);
  t_rmdir(dir);
}

/* A damaged head (a value of the wrong size) fails publish and ingest with
 * SR_ESTORE and a text naming the head, not LMDB's "fatal error" text of the
 * MDB_PANIC code the store once returned for it (issue 12). */
static void store_damaged_head_says_so(void) {
  char dir[256], why[160];
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  t_author_t a;
  t_buf_t c;
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  t_tmpdir(dir);
  t_author_init(&a, 0x5a);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "one");
  T_OK(sr_store_publish(st, a.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id, &seq, why, sizeof(why)));
  sr_store_close(st);
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "heads", 0, &dbi));
  MDB_val k = {SR_KEY_BYTES, a.pk}, v = {3, "bad"};
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 1);
  why[0] = '\0';
  T_EQ(sr_store_publish(st, a.sk, "about", T_DATA(&c), T_SIZE(&c), TS + 1, NOW, id, &seq, why, sizeof(why)), SR_ESTORE);
  T_HAS(sr_store_errmsg(st), "read a head");
  t_entry_t e = t_next(&a, TS + 2, "about", &c);
  sr_ingest_item_t it;
  memset(&it, 0, sizeof(it));
  it.raw = e.raw;
  it.len = e.len;
  it.flow.source = SR_SRC_PEER;
  T_EQ(sr_store_ingest(st, &it, 1, 1, NOW, NULL), SR_ESTORE);
  T_HAS(sr_store_errmsg(st), "read a head");
  t_entry_free(&e);
  t_buf_free(&c);
  sr_store_close(st);
  t_rmdir(dir);
}

static void store_other_format_version_refused(void) {
  char dir[256], err[512] = "";
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  sr_store_t *st;
  t_tmpdir(dir);
  st = t_open_store(dir, 1);
  sr_store_close(st);
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "meta", 0, &dbi));
  uint8_t v99[4] = {0, 0, 0, 99};
  MDB_val k = {6, "format"}, v = {4, v99};
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = (sr_store_t *)1;
  T_EQ(sr_store_open(dir, 0, &st, err, sizeof(err)), SR_ESTOREVER);
  T_CHECK(st == NULL);
  T_HAS(err, "version 99");
  err[0] = '\0';
  T_EQ(sr_store_open(dir, 1, &st, err, sizeof(err)), SR_ESTOREVER); /* create never overwrites it */
  T_HAS(err, "99");
  t_rmdir(dir);
}

static void store_backup_restores(void) {
  char dir[256], bdir[256], path[300], err[256];
  t_author_t a;
  t_buf_t c;
  t_tmpdir(dir);
  t_tmpdir(bdir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0b);
  t_entry_t *es = chain(&a, 20);
  t_entry_t *ptr[20];
  for (int i = 0; i < 20; i++) ptr[i] = &es[i];
  T_OK(ingest(st, ptr, 20, NULL, NULL));
  t_contact(&c, B.pk, "follow");
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[160];
  T_OK(sr_store_publish(st, A.sk, "contact", T_DATA(&c), T_SIZE(&c), TS, NOW, id, &seq, why, sizeof(why)));
  T_EQ(seq, 1);
  t_buf_free(&c);
  T_OK(sr_store_set_self(st, A.pk));
  snprintf(path, sizeof(path), "%s/data.mdb", bdir);
  T_OK(sr_store_backup(st, path));
  T_EQ(sr_store_backup(st, path), SR_EEXIST); /* never overwrites */
  char *orig = snapshot(st);
  /* a write after the backup is not in it */
  T_EQ(ingest1(st, &es[0]), SR_EDUP);
  t_about(&c, "later");
  T_OK(sr_store_publish(st, A.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id, &seq, why, sizeof(why)));
  t_buf_free(&c);
  sr_store_close(st);

  sr_store_t *copy = NULL;
  T_OK(sr_store_open(bdir, 0, &copy, err, sizeof(err)));
  char *restored = snapshot(copy);
  if (strcmp(orig, restored) != 0) fprintf(stderr, "orig:\n%s\nrestored:\n%s\n", orig, restored);
  T_CHECK(strcmp(orig, restored) == 0);
  T_HAS(restored, "self=1");
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  T_OK(sr_store_get_entry(copy, es[19].id, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, es[19].raw, len);
  T_EQ(sr_store_get_entry(copy, id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_EQ(verify(copy), 0);
  sr_store_close(copy);
  free(orig);
  free(restored);
  free_chain(es, 20);
  t_rmdir(dir);
  t_rmdir(bdir);
}

/* A messy batch: several authors, shuffled, with duplicates, a fork, gaps and
 * bad signatures. threads=1 and threads=2 must give the same statuses and store. */
static void store_threads_same_result(void) {
  enum { AUTHORS = 5, PER = 40 };
  t_author_t au[AUTHORS];
  t_entry_t *chains[AUTHORS];
  t_entry_t extra[3];
  t_entry_t *batch[AUTHORS * PER + 8];
  size_t n = 0;
  t_buf_t c;
  for (int i = 0; i < AUTHORS; i++) {
    t_author_init(&au[i], (uint8_t)(0x60 + i));
    chains[i] = chain(&au[i], PER);
    for (int j = 0; j < PER; j++)
      if (!(i == 4 && j == 20)) batch[n++] = &chains[i][j]; /* author 4 misses seq 21 */
  }
  t_share(&c, "fork!", NULL, NULL);
  extra[0] = t_make(&au[1], 10, chains[1][8].id, TS, "share", &c);
  t_buf_free(&c);
  t_share(&c, "x", NULL, NULL);
  extra[1] = t_make(&au[2], 41, chains[2][39].id, TS, "share", &c);
  extra[1].raw[extra[1].len - 1] ^= 1; /* bad signature */
  extra[2] = t_make(&au[3], 41, chains[3][39].id, NOW + 3600 * 1000ull, "share", &c);
  t_buf_free(&c);
  batch[n++] = &extra[0];
  batch[n++] = &extra[1];
  batch[n++] = &extra[2];
  batch[n++] = &chains[0][5]; /* duplicates inside the batch */
  batch[n++] = &chains[3][0];
  /* deterministic shuffle */
  uint32_t x = 12345;
  for (size_t i = n - 1; i > 0; i--) {
    x = x * 1103515245u + 12345u;
    size_t j = (x >> 8) % (i + 1);
    t_entry_t *tmp = batch[i];
    batch[i] = batch[j];
    batch[j] = tmp;
  }
  char *snaps[2];
  sr_ingest_item_t *items[2];
  sr_ingest_stats_t stats[2];
  for (int t = 0; t < 2; t++) {
    char dir[256];
    t_tmpdir(dir);
    sr_store_t *st = t_open_store(dir, 1);
    T_OK(ingest_at(st, batch, n, t + 1, TS + 5, &stats[t], &items[t]));
    snaps[t] = snapshot(st);
    T_EQ(verify(st), 0);
    sr_store_close(st);
    t_rmdir(dir);
  }
  T_EQ(stats[0].accepted, stats[1].accepted);
  T_EQ(stats[0].duplicates, 2);
  T_EQ(stats[1].duplicates, 2);
  T_EQ(stats[0].forks, 1);
  T_EQ(stats[1].forks, 1);
  T_EQ(stats[0].rejected, stats[1].rejected);
  T_CHECK(stats[0].rejected >= 19 + 1 + 1); /* author 4's seq 22..40, the bad signature, the future ts */
  for (size_t i = 0; i < n; i++) {
    if (batch[i] == &extra[1]) T_EQ(items[0][i].status, SR_ESIG);
    if (batch[i] == &extra[2]) T_EQ(items[0][i].status, SR_EFUTURE);
    if (batch[i] >= &chains[4][21] && batch[i] < &chains[4][PER]) T_EQ(items[0][i].status, SR_EGAP);
    T_EQ(items[0][i].status, items[1][i].status);
    T_CHECK(strcmp(items[0][i].why, items[1][i].why) == 0);
  }
  T_CHECK(strcmp(snaps[0], snaps[1]) == 0);
  for (int t = 0; t < 2; t++) {
    free(snaps[t]);
    free(items[t]);
  }
  for (int i = 0; i < AUTHORS; i++) free_chain(chains[i], PER);
  for (int i = 0; i < 3; i++) t_entry_free(&extra[i]);
}

static void store_publish_appends(void) {
  char dir[256], why[160];
  uint8_t id1[SR_ID_BYTES], id2[SR_ID_BYTES];
  uint64_t seq;
  t_buf_t c;
  sr_head_t h;
  log_q_t q = {0};
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "Carol");
  T_OK(sr_store_publish(st, C.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id1, &seq, why, sizeof(why)));
  T_EQ(seq, 1);
  T_OK(sr_store_publish(st, C.sk, "about", T_DATA(&c), T_SIZE(&c), TS + 1, NOW, id2, &seq, why, sizeof(why)));
  T_EQ(seq, 2);
  t_buf_free(&c);
  T_OK(sr_store_get_head(st, C.pk, &h));
  T_EQ(h.seq, 2);
  T_MEMEQ(h.id, id2, SR_ID_BYTES);
  T_OK(sr_store_foreach_entry(st, C.pk, log_cb, &q));
  T_EQ(q.n, 2);
  T_MEMEQ(q.ids[0], id1, SR_ID_BYTES);
  T_EQ(q.flows[0].source, SR_SRC_SELF);
  /* a schema violation is refused with the field named */
  t_buf_init(&c);
  t_mp_map(&c, 0);
  T_EQ(sr_store_publish(st, C.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id1, &seq, why, sizeof(why)), SR_ECONTENT);
  T_HAS(why, "name");
  t_buf_free(&c);
  T_EQ(verify(st), 0);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  t_author_init(&A, 0xa1);
  t_author_init(&B, 0xb2);
  t_author_init(&C, 0xc3);
  t_author_init(&D, 0xd4);
  T_RUN(store_open_missing_is_enostore);
  T_RUN(store_ingest_chain);
  T_RUN(store_duplicates_counted);
  T_RUN(store_out_of_order_batch_applied);
  T_RUN(store_gap_rejected_with_missing_seq);
  T_RUN(store_wrong_prev_future_and_bad_sig);
  T_RUN(store_fork_kept_and_author_stopped);
  T_RUN(store_fork_in_one_batch_survives_reindex);
  T_RUN(store_graph_effects);
  T_RUN(store_verify_finds_damage);
  T_RUN(store_map_grows);
  T_RUN(store_other_format_version_refused);
  T_RUN(store_damaged_head_says_so);
  T_RUN(store_backup_restores);
  T_RUN(store_threads_same_result);
  T_RUN(store_publish_appends);
  printf("test_store: %d checks passed\n", t_checks);
  return 0;
}
