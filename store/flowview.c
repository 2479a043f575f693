/* flowview.c: what the flow metrics read from the store (store.h, "flow views"):
 * the reshare forest built from the reshares database, and the flow records.
 * The forest is built in ONE read transaction, so it is a consistent snapshot
 * even while a node ingests: origs (reshares keys) -> entries scan -> links. */
#include "store/store_internal.h"
#include "core/key.h"
#include "core/vec.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t (*id)[SR_ID_BYTES];
  size_t n, cap;
} ids_t;

static int ids_add(ids_t *s, const uint8_t *id) {
  int rc = sr_grow((void **)&s->id, &s->cap, s->n + 1, SR_ID_BYTES, 256);
  if (rc) return rc;
  memcpy(s->id[s->n++], id, SR_ID_BYTES);
  return 0;
}

/* Both arrays come out of LMDB key order (memcmp order): binary search works. */
static int64_t node_find(const sr_share_node_t *nodes, size_t n, const uint8_t *id) {
  return sr_key_find(nodes[0].id, n, sizeof(*nodes), id);
}

static int nodes_add(sr_share_node_t **nodes, size_t *n, size_t *cap) {
  int rc = sr_grow((void **)nodes, cap, *n + 1, sizeof(**nodes), 256);
  if (rc) return rc;
  memset(&(*nodes)[*n], 0, sizeof(**nodes));
  (*n)++;
  return 0;
}

int sr_store_share_forest(sr_store_t *st, sr_share_node_t **out, size_t *nout) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k, v;
  ids_t origs = {0};
  sr_share_node_t *nodes = NULL;
  size_t n = 0, cap = 0;
  sr_personmap_t *pm = NULL;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  *out = NULL;
  *nout = 0;
  if (rc) return rc;
  /* Who each key is: a device's entries count as its person's (devices.h). */
  if ((mrc = sr_store_personmap_in(st, txn, &pm))) goto lmdb;

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
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_IDS], &cur))) goto lmdb;
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    sr_entry_t e;
    sr_content_t c;
    sr_flow_t f;
    MDB_val ev;
    int is_share;
    if (k.mv_size != SR_ID_BYTES || v.mv_size != ROWID_BYTES ||
        sr_row_read(st, txn, sr_rowid_get(v.mv_data), &ev, &f) != 0 || sr_entry_decode(ev.mv_data, ev.mv_size, &e) != 0)
      continue; /* verify reports it */
    is_share = e.type_len == 5 && memcmp(e.type, "share", 5) == 0 && sr_content_parse(&e, &c, NULL, 0) == 0;
    if (!is_share && sr_key_find(origs.id, origs.n, SR_ID_BYTES, k.mv_data) < 0) continue;
    if ((rc = nodes_add(&nodes, &n, &cap))) break;
    sr_share_node_t *x = &nodes[n - 1];
    memcpy(x->id, k.mv_data, SR_ID_BYTES);
    memcpy(x->author, e.author, SR_KEY_BYTES);
    const uint8_t *person = sr_personmap_person(pm, e.author, e.seq);
    memcpy(x->person, person ? person : e.author, SR_KEY_BYTES);
    x->ts = e.ts;
    x->is_share = (uint8_t)is_share;
    x->parent = UINT32_MAX;
    if (is_share && c.has_project) {
      x->has_project = 1;
      memcpy(x->project, c.project, SR_ID_BYTES);
    }
    x->flow = f;
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
  sr_personmap_free(pm);
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

static int flow_row(sr_store_t *st, MDB_txn *txn, const uint8_t *id, const MDB_val *raw, const sr_flow_t *f,
                    void *arg) {
  flow_walk_t *w = arg;
  (void)st, (void)txn, (void)raw;
  return w->cb(w->ctx, id, f);
}

int sr_store_foreach_flow(sr_store_t *st, int (*cb)(void *ctx, const uint8_t *id, const sr_flow_t *flow), void *ctx) {
  flow_walk_t w = {cb, ctx};
  return sr_store_scan_ids(st, "walk the flow records", flow_row, &w);
}

/* ---- the forest with its cascades (flowview.h; `seurone flow`) ---- */

/* The nodes are sorted by id, their first member. */
int64_t sr_flowforest_index(const sr_flowforest_t *x, const uint8_t *id) {
  return x->n ? node_find(x->nodes, x->n, id) : -1;
}

void sr_flowforest_free(sr_flowforest_t *x) {
  sr_cascade_free(&x->f);
  free(x->nodes);
  free(x->parent);
  free(x->label);
  free(x->keys);
  memset(x, 0, sizeof(*x));
}

int sr_flowforest_load(sr_store_t *st, sr_flowforest_t *x) {
  int rc;
  memset(x, 0, sizeof(*x));
  x->self_label = SR_CASCADE_ROOT;
  int has_self = sr_store_get_self(st, x->self) == 0;
  /* A device node counts as its person, like the nodes (store/devices.h). */
  uint8_t me[SR_KEY_BYTES];
  if (has_self && (rc = sr_store_person_of(st, x->self, 0, me))) return rc;
  if (has_self) memcpy(x->self, me, SR_KEY_BYTES);
  if ((rc = sr_store_share_forest(st, &x->nodes, &x->n))) return rc;
  x->parent = malloc((x->n + 1) * sizeof(*x->parent));
  x->label = malloc((x->n + 1) * sizeof(*x->label));
  x->keys = malloc((x->n + 1) * SR_KEY_BYTES);
  if (!x->parent || !x->label || !x->keys) {
    sr_flowforest_free(x);
    return SR_ENOMEM;
  }
  size_t nk = 0;
  for (size_t i = 0; i < x->n; i++) memcpy(x->keys[nk++], x->nodes[i].person, SR_KEY_BYTES);
  if (has_self) memcpy(x->keys[nk++], x->self, SR_KEY_BYTES);
  qsort(x->keys, nk, SR_KEY_BYTES, sr_key_cmp);
  size_t u = 0;
  for (size_t i = 0; i < nk; i++)
    if (u == 0 || memcmp(x->keys[u - 1], x->keys[i], SR_KEY_BYTES)) memmove(x->keys[u++], x->keys[i], SR_KEY_BYTES);
  x->nkeys = (uint32_t)u;
  for (size_t i = 0; i < x->n; i++) {
    x->parent[i] = x->nodes[i].parent;
    x->label[i] = (uint32_t)sr_key_find(x->keys, u, SR_KEY_BYTES, x->nodes[i].person);
  }
  if (has_self) x->self_label = (uint32_t)sr_key_find(x->keys, u, SR_KEY_BYTES, x->self);
  if ((rc = sr_cascade_build(&x->f, x->parent, x->label, (uint32_t)x->n))) {
    sr_flowforest_free(x);
    return rc;
  }
  return 0;
}

/* Distinct people known to hold the entry: its author, every resharer below it
 * in its cascade (transitively), and this node. */
int64_t sr_flowforest_reach(const sr_flowforest_t *x, const uint8_t *id, const uint8_t *author, uint32_t *reshares) {
  int64_t i = sr_flowforest_index(x, id);
  if (reshares) *reshares = i >= 0 ? sr_cascade_children(&x->f, (uint32_t)i) : 0;
  if (i >= 0) return sr_cascade_subtree_people(&x->f, x->label, (uint32_t)i, x->self_label);
  return 1 + (x->self_label != SR_CASCADE_ROOT && memcmp(author, x->self, SR_KEY_BYTES) != 0);
}

int sr_flowforest_project(const sr_flowforest_t *x, const uint8_t pid[SR_ID_BYTES], sr_arrivals_t *a,
                          sr_flowproject_t *out) {
  int rc = 0;
  uint8_t *tree_seen = calloc(x->f.ntrees + 1, 1);
  uint32_t *authors = malloc((x->n + 1) * sizeof(*authors)), *members = malloc((x->n + 2) * sizeof(*members));
  size_t nshares = 0, ncasc = 0, nmembers = 0, casc_nodes = 0;
  memset(out, 0, sizeof(*out));
  if (!tree_seen || !authors || !members) rc = SR_ENOMEM;
  for (size_t i = 0; i < x->n && !rc; i++) {
    const sr_share_node_t *n = &x->nodes[i];
    if (!n->is_share || !n->has_project || memcmp(n->project, pid, SR_ID_BYTES)) continue;
    if ((rc = sr_arrivals_add(a, n->ts, n->flow.received_at, n->flow.hops, n->flow.source,
                              n->flow.source == SR_SRC_PEER)))
      break;
    authors[nshares++] = x->label[i];
    uint32_t t = x->f.tree[i];
    if (tree_seen[t]) continue;
    tree_seen[t] = 1;
    ncasc++;
    casc_nodes += x->f.trees[t].size;
    for (uint32_t j = 0; j < x->f.trees[t].size; j++)
      members[nmembers++] = x->label[x->f.order[x->f.trees[t].start + j]];
  }
  if (!rc) {
    /* distinct people: sort the labels */
    if (x->self_label != SR_CASCADE_ROOT) members[nmembers++] = x->self_label;
    out->shares = nshares;
    out->people = sr_cascade_distinct(authors, (uint32_t)nshares);
    out->cascades = ncasc;
    out->cascade_entries = casc_nodes;
    out->reach = sr_cascade_distinct(members, (uint32_t)nmembers);
  }
  free(tree_seen);
  free(authors);
  free(members);
  return rc;
}

/* ---- flow between pairs of people (sr_store_flow_pairs) ---- */

/* Observations are collected raw, then sorted by (a, b) and merged. */
typedef struct {
  sr_flowpair_t *p;
  size_t n, cap;
  const uint8_t *self; /* self's person; NULL: no identity, no transport flow */
  sr_personmap_t *pm;  /* keys to persons (store/devices.h) */
} pairs_t;

/* key's person (seq 0: a device's whole log; the edges and deliveries carry no seq). */
static const uint8_t *person(const pairs_t *ps, const uint8_t *key) {
  const uint8_t *p = ps->pm ? sr_personmap_person(ps->pm, key, 0) : NULL;
  return p ? p : key;
}

/* What one observation is: a follow edge, a reshare, an arrival from a peer. */
enum { PAIR_CONTACT, PAIR_RESHARE, PAIR_ARRIVAL };

static int pair_add(pairs_t *ps, const uint8_t *from, const uint8_t *to, int what) {
  if (memcmp(from, to, SR_KEY_BYTES) == 0) return 0; /* a person with themself is no edge */
  int rc = sr_grow((void **)&ps->p, &ps->cap, ps->n + 1, sizeof(*ps->p), 1024);
  if (rc) return rc;
  sr_flowpair_t *x = &ps->p[ps->n++];
  int fwd = memcmp(from, to, SR_KEY_BYTES) < 0;
  memset(x, 0, sizeof(*x));
  memcpy(x->a, fwd ? from : to, SR_KEY_BYTES);
  memcpy(x->b, fwd ? to : from, SR_KEY_BYTES);
  x->contact = what == PAIR_CONTACT;
  x->ab = what != PAIR_CONTACT && fwd;
  x->ba = what != PAIR_CONTACT && !fwd;
  x->reshares_ab = what == PAIR_RESHARE && fwd;
  x->reshares_ba = what == PAIR_RESHARE && !fwd;
  x->arrivals_ab = what == PAIR_ARRIVAL && fwd;
  x->arrivals_ba = what == PAIR_ARRIVAL && !fwd;
  return 0;
}

static int edge_row(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  pairs_t *ps = ctx;
  return kind == SR_EDGE_FOLLOW ? pair_add(ps, person(ps, src), person(ps, dst), PAIR_CONTACT) : 0;
}

static const uint8_t zero_key[SR_KEY_BYTES];

static int pair_flow_row(void *ctx, const uint8_t *id, const sr_flow_t *f) {
  pairs_t *ps = ctx;
  (void)id;
  if (!ps->self || f->source != SR_SRC_PEER || memcmp(f->from, zero_key, SR_KEY_BYTES) == 0) return 0;
  return pair_add(ps, person(ps, f->from), ps->self, PAIR_ARRIVAL);
}

static int cmp_pair_key(const void *x, const void *y) {
  const sr_flowpair_t *a = x, *b = y;
  int c = memcmp(a->a, b->a, SR_KEY_BYTES);
  return c ? c : memcmp(a->b, b->b, SR_KEY_BYTES);
}

static int cmp_pair_flow(const void *x, const void *y) {
  const sr_flowpair_t *a = x, *b = y;
  uint64_t ta = a->ab + a->ba, tb = b->ab + b->ba;
  if (ta != tb) return ta > tb ? -1 : 1;
  return cmp_pair_key(x, y);
}

int sr_store_flow_pairs(sr_store_t *st, sr_flowpair_t **pairs, size_t *n) {
  size_t nn = 0;
  sr_share_node_t *nodes = NULL; /* the reshare links; no trees needed here */
  uint8_t key[SR_KEY_BYTES], self[SR_KEY_BYTES];
  pairs_t ps = {0};
  *pairs = NULL;
  *n = 0;
  ps.self = sr_store_get_self(st, key) == 0 ? self : NULL;
  /* Persons, not keys: a device's follows and deliveries are its person's. */
  int rc = sr_store_personmap(st, &ps.pm);
  if (!rc && ps.self) rc = sr_store_person_of(st, key, 0, self);
  if (!rc) rc = sr_store_share_forest(st, &nodes, &nn);
  /* content level: b reshared an entry authored by a */
  for (size_t i = 0; i < nn && !rc; i++)
    if (nodes[i].parent != UINT32_MAX) rc = pair_add(&ps, nodes[nodes[i].parent].person, nodes[i].person, PAIR_RESHARE);
  free(nodes);
  if (!rc) rc = sr_store_foreach_edge(st, edge_row, &ps);
  if (!rc) rc = sr_store_foreach_flow(st, pair_flow_row, &ps);
  sr_personmap_free(ps.pm);
  if (rc) {
    free(ps.p);
    return rc;
  }
  /* merge the observations of each pair */
  size_t m = 0;
  if (ps.n) qsort(ps.p, ps.n, sizeof(*ps.p), cmp_pair_key);
  for (size_t i = 0; i < ps.n; i++) {
    if (m && cmp_pair_key(&ps.p[m - 1], &ps.p[i]) == 0) {
      ps.p[m - 1].ab += ps.p[i].ab;
      ps.p[m - 1].ba += ps.p[i].ba;
      ps.p[m - 1].reshares_ab += ps.p[i].reshares_ab;
      ps.p[m - 1].reshares_ba += ps.p[i].reshares_ba;
      ps.p[m - 1].arrivals_ab += ps.p[i].arrivals_ab;
      ps.p[m - 1].arrivals_ba += ps.p[i].arrivals_ba;
      ps.p[m - 1].contact |= ps.p[i].contact;
    } else
      ps.p[m++] = ps.p[i];
  }
  if (m) qsort(ps.p, m, sizeof(*ps.p), cmp_pair_flow);
  *pairs = ps.p;
  *n = m;
  return 0;
}
