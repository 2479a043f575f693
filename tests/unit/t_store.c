/* t_store.c: see t_store.h. */
#include "tests/unit/t_store.h"
#include "tests/unit/t.h"
#include "core/key.h"
#include "store/maintenance.h"

sr_store_t *t_open_store(const char *dir, int create) {
  sr_store_t *st = NULL;
  char err[512] = "";
  int rc = sr_store_open(dir, create, &st, err, sizeof(err));
  if (rc) t_fail(__FILE__, __LINE__, "sr_store_open %s: %s: %s", dir, sr_errname(rc), err);
  return st;
}

/* ---- ingest ---- */

uint64_t t_arrival = T_TS;

int t_ingest_at(sr_store_t *st, t_entry_t *const *es, size_t n, int threads, uint64_t arrival, sr_ingest_stats_t *stats,
                sr_ingest_item_t **out) {
  sr_ingest_item_t *items = calloc(n ? n : 1, sizeof(*items));
  T_CHECK(items != NULL);
  for (size_t i = 0; i < n; i++) {
    items[i].raw = es[i]->raw;
    items[i].len = es[i]->len;
    items[i].flow.received_at = arrival ? arrival : t_arrival++;
    items[i].flow.hops = 1;
    items[i].flow.from[0] = 0x99;
    items[i].flow.source = SR_SRC_PEER;
  }
  int rc = sr_store_ingest(st, items, n, threads, T_NOW, stats);
  if (out) *out = items;
  else
    free(items);
  return rc;
}

int t_ingest(sr_store_t *st, t_entry_t *const *es, size_t n, sr_ingest_stats_t *stats, sr_ingest_item_t **out) {
  return t_ingest_at(st, es, n, 1, 0, stats, out);
}

int t_ingest1(sr_store_t *st, t_entry_t *e) {
  sr_ingest_item_t *items;
  sr_ingest_stats_t s;
  T_OK(t_ingest(st, &e, 1, &s, &items));
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

char *t_snapshot(sr_store_t *st) {
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

int t_has_edge(sr_store_t *st, int kind, const uint8_t *src, const uint8_t *dst) {
  edge_q_t q = {kind, src, dst, 0, 0};
  T_OK(sr_store_foreach_edge(st, find_edge_cb, &q));
  T_CHECK(q.found <= 1);
  return q.found;
}

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
size_t t_edges_from(sr_store_t *st, const uint8_t *src) {
  out_q_t q = {src, 0};
  T_OK(sr_store_foreach_edge(st, out_cb, &q));
  return q.n;
}

static int person_cb(void *ctx, const sr_person_t *p) {
  t_person_q_t *q = ctx;
  if (memcmp(p->key, q->key, SR_KEY_BYTES) == 0) {
    q->found = 1;
    q->p = *p;
    q->p.key = NULL;
    snprintf(q->name, sizeof(q->name), "%.*s", p->name ? (int)p->name_len : 0, p->name ? p->name : "");
    /* t_find_person() returns q by value: q->name moves, so p.name only says "has a
     * name" (non-NULL) and the text is read from q.name. */
    q->p.name = p->name ? "" : NULL;
  }
  return 0;
}
t_person_q_t t_find_person(sr_store_t *st, const uint8_t *key) {
  t_person_q_t q;
  memset(&q, 0, sizeof(q));
  q.key = key;
  T_OK(sr_store_foreach_person(st, person_cb, &q));
  return q;
}

static int project_cb(void *ctx, const sr_project_t *p) {
  t_project_q_t *q = ctx;
  if (memcmp(p->id, q->id, SR_ID_BYTES) == 0) {
    q->found = 1;
    q->has_author = p->author != NULL;
    if (p->author) memcpy(q->author, p->author, SR_KEY_BYTES);
    snprintf(q->name, sizeof(q->name), "%.*s", p->name ? (int)p->name_len : 0, p->name ? p->name : "");
  }
  return 0;
}
t_project_q_t t_find_project(sr_store_t *st, const uint8_t *id) {
  t_project_q_t q;
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

int t_verify(sr_store_t *st) {
  int n = 0;
  int rc = sr_store_verify(st, report_print, &n, NULL, NULL);
  T_CHECK(rc < 0 || rc == n);
  return rc;
}

int t_log_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  t_log_q_t *q = ctx;
  if (q->n < T_LOG_Q_MAX) {
    q->seqs[q->n] = e->seq;
    memcpy(q->ids[q->n], e->id, SR_ID_BYTES);
    q->flows[q->n] = *f;
  }
  q->n++;
  return 0;
}

#define POST_TEXT_MAX 32 /* "post N" */
t_entry_t *t_chain(t_author_t *a, size_t n) {
  t_entry_t *es = calloc(n, sizeof(*es));
  char text[POST_TEXT_MAX];
  t_buf_t c;
  for (size_t i = 0; i < n; i++) {
    snprintf(text, sizeof(text), "post %zu", i + 1);
    t_share(&c, text, NULL, NULL);
    es[i] = t_next(a, T_TS + i, "share", &c);
    t_buf_free(&c);
  }
  return es;
}

void t_free_chain(t_entry_t *es, size_t n) {
  for (size_t i = 0; i < n; i++) t_entry_free(&es[i]);
  free(es);
}
