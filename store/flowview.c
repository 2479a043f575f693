/* flowview.c: what the flow metrics read from the store (store.h, "flow views"):
 * the reshare forest built from the reshares database, and the flow records.
 * The forest is built in ONE read transaction, so it is a consistent snapshot
 * even while a node ingests: origs (reshares keys) -> entries scan -> links. */
#include "store/store_internal.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t (*id)[SR_ID_BYTES];
  size_t n, cap;
} ids_t;

static int ids_add(ids_t *s, const uint8_t *id) {
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 256;
    void *p = realloc(s->id, nc * SR_ID_BYTES);
    if (!p) return SR_ENOMEM;
    s->id = p;
    s->cap = nc;
  }
  memcpy(s->id[s->n++], id, SR_ID_BYTES);
  return 0;
}

/* Both arrays come out of LMDB key order (memcmp order): binary search works. */
static int64_t ids_find(const uint8_t (*id)[SR_ID_BYTES], size_t stride, size_t n, const uint8_t *key) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp((const uint8_t *)id + mid * stride, key, SR_ID_BYTES);
    if (c == 0) return (int64_t)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

static int64_t node_find(const sr_share_node_t *nodes, size_t n, const uint8_t *id) {
  return ids_find((const uint8_t (*)[SR_ID_BYTES])nodes[0].id, sizeof(*nodes), n, id);
}

static int nodes_add(sr_share_node_t **nodes, size_t *n, size_t *cap) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 256;
    sr_share_node_t *p = realloc(*nodes, nc * sizeof(*p));
    if (!p) return SR_ENOMEM;
    *nodes = p;
    *cap = nc;
  }
  memset(&(*nodes)[*n], 0, sizeof(**nodes));
  (*n)++;
  return 0;
}

int sr_store_share_forest(sr_store_t *st, sr_share_node_t **out, size_t *nout) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k, v, fv;
  ids_t origs = {0};
  sr_share_node_t *nodes = NULL;
  size_t n = 0, cap = 0;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  *out = NULL;
  *nout = 0;
  if (rc) return rc;

  /* 1. Every id that some held share reshares (keys of the dupsort database). */
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_RESHARES], &cur))) goto lmdb;
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP))
    if (k.mv_size == SR_ID_BYTES) rc = ids_add(&origs, k.mv_data);
  if (rc) goto done;
  if (mrc != MDB_NOTFOUND) goto lmdb;
  mdb_cursor_close(cur);
  cur = NULL;

  /* 2. The nodes: held shares, and held entries of any type that were reshared,
   * in id order (the entries database's order). */
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_ENTRIES], &cur))) goto lmdb;
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    sr_entry_t e;
    sr_content_t c;
    int is_share;
    if (k.mv_size != SR_ID_BYTES || sr_entry_decode(v.mv_data, v.mv_size, &e) != 0) continue;
    is_share = e.type_len == 5 && memcmp(e.type, "share", 5) == 0 && sr_content_parse(&e, &c, NULL, 0) == 0;
    if (!is_share && ids_find((const uint8_t (*)[SR_ID_BYTES])origs.id, SR_ID_BYTES, origs.n, k.mv_data) < 0) continue;
    if ((rc = nodes_add(&nodes, &n, &cap))) break;
    sr_share_node_t *x = &nodes[n - 1];
    memcpy(x->id, k.mv_data, SR_ID_BYTES);
    memcpy(x->author, e.author, SR_KEY_BYTES);
    x->ts = e.ts;
    x->is_share = (uint8_t)is_share;
    x->parent = UINT32_MAX;
    if (is_share && c.has_project) {
      x->has_project = 1;
      memcpy(x->project, c.project, SR_ID_BYTES);
    }
    if (mdb_get(txn, st->dbi[DB_FLOW], &k, &fv) == 0) sr_flow_decode(fv.mv_data, fv.mv_size, &x->flow);
  }
  if (rc) goto done;
  if (mrc != MDB_NOTFOUND) goto lmdb;
  mdb_cursor_close(cur);
  cur = NULL;
  if (n > UINT32_MAX - 1) {
    rc = SR_ETOOBIG;
    goto done;
  }

  /* 3. The links, from the reshares database: child -> the entry it reshares. */
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_RESHARES], &cur))) goto lmdb;
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != SR_ID_BYTES || v.mv_size != SR_ID_BYTES + SR_KEY_BYTES) continue;
    int64_t child = n ? node_find(nodes, n, v.mv_data) : -1, orig = n ? node_find(nodes, n, k.mv_data) : -1;
    if (child < 0) continue; /* not held: nothing to hang it on */
    if (orig < 0) {
      nodes[child].orphan = 1;
      continue;
    }
    /* One parent per node (a share reshares one id); keep the first defensively. */
    if (nodes[child].parent == UINT32_MAX && orig != child) nodes[child].parent = (uint32_t)orig;
  }
  if (mrc != MDB_NOTFOUND) goto lmdb;
  goto done;
lmdb:
  rc = sr_store_fail(st, "read the reshare forest", mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  free(origs.id);
  if (rc) {
    free(nodes);
    return rc;
  }
  *out = nodes;
  *nout = n;
  return 0;
}

typedef struct {
  int (*cb)(void *ctx, const uint8_t *id, const sr_flow_t *flow);
  void *ctx;
} flow_walk_t;

static int flow_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  flow_walk_t *w = arg;
  sr_flow_t f;
  (void)st, (void)txn;
  if (k->mv_size != SR_ID_BYTES) return 0;
  sr_flow_decode(v->mv_data, v->mv_size, &f);
  return w->cb(w->ctx, k->mv_data, &f);
}

int sr_store_foreach_flow(sr_store_t *st, int (*cb)(void *ctx, const uint8_t *id, const sr_flow_t *flow), void *ctx) {
  flow_walk_t w = {cb, ctx};
  return sr_store_scan(st, DB_FLOW, NULL, "walk the flow records", flow_row, &w);
}
