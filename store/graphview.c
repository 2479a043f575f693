/* graphview.c: builds a CSR from LMDB (see graphview.h). Keys map to node ids
 * through the sorted key array: a 65,536-bucket index on the first two key bytes
 * (keys are hashes or public keys, so buckets are even) narrows each lookup to a
 * few entries before the binary search. No hash table; memory is 36 bytes a
 * node, 256 KiB per index and 8 bytes a raw edge while building. edges_out is
 * read a page of values at a time (MDB_GET_MULTIPLE; its values are fixed-size)
 * and each source key is looked up once, not once per edge: with 1M edges the
 * pass is dominated by the destination lookups. */
#include "store/graphview.h"
#include "core/key.h"
#include "core/vec.h"
#include "store/store_internal.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t (*keys)[SR_KEY_LEN]; /* a person key or a project id */
  uint8_t *kind;
  char **name;
  uint32_t n, cap;
} nodes_t;

static int add_node(nodes_t *ns, const uint8_t *key, uint8_t kind, const void *name, size_t name_len) {
  if (ns->n == ns->cap) {
    size_t ncap = sr_grow_cap(ns->cap, 1024);
    if (!ncap || ncap > UINT32_MAX || sr_realloc_n((void **)&ns->keys, ncap, SR_KEY_LEN) ||
        sr_realloc_n((void **)&ns->kind, ncap, 1) || sr_realloc_n((void **)&ns->name, ncap, sizeof(char *)))
      return SR_ENOMEM;
    ns->cap = (uint32_t)ncap;
  }
  memcpy(ns->keys[ns->n], key, SR_KEY_LEN);
  ns->kind[ns->n] = kind;
  ns->name[ns->n] = NULL;
  if (name) {
    char *s = malloc(name_len + 1);
    if (!s) return SR_ENOMEM;
    memcpy(s, name, name_len);
    s[name_len] = '\0';
    ns->name[ns->n] = s;
  }
  ns->n++;
  return 0;
}

/* Node ids follow LMDB key order within each kind (people, then projects); both
 * runs are sorted. idx_t indexes one run by the first two key bytes:
 * keys with prefix b are at [at[b], at[b + 1]). */
typedef struct {
  uint32_t at[65537];
} idx_t;

static void index_run(const nodes_t *ns, uint32_t lo, uint32_t hi, idx_t *ix) {
  uint32_t i = lo;
  for (uint32_t b = 0; b < 65536; b++) {
    while (i < hi && ((uint32_t)ns->keys[i][0] << 8 | ns->keys[i][1]) < b) i++;
    ix->at[b] = i;
  }
  ix->at[65536] = hi;
}

static int64_t find(const nodes_t *ns, const idx_t *ix, const uint8_t *key) {
  uint32_t b = (uint32_t)key[0] << 8 | key[1], lo = ix->at[b], hi = ix->at[b + 1];
  int64_t at = lo < hi ? sr_key_find(ns->keys[lo], hi - lo, SR_KEY_LEN, key) : -1;
  return at < 0 ? -1 : lo + at;
}

typedef struct {
  uint32_t *src, *dst;
  uint64_t m, cap;
} edges_t;

static int add_edge(edges_t *es, uint32_t a, uint32_t b) {
  if (es->m == es->cap) {
    size_t ncap = sr_grow_cap((size_t)es->cap, 4096);
    if (!ncap || sr_realloc_n((void **)&es->src, ncap, 4) || sr_realloc_n((void **)&es->dst, ncap, 4)) return SR_ENOMEM;
    es->cap = ncap;
  }
  es->src[es->m] = a;
  es->dst[es->m++] = b;
  return 0;
}

#define EDGE_VAL (1 + SR_KEY_LEN) /* edges_out value: kind u8 || dst key or id (MDB_DUPFIXED) */

/* ---- people with device keys (store/devices.h) ----
 * With any bound device the graph is built by the person path below: device
 * keys are not nodes, every edge end is mapped to its person, and a person's
 * follow state about a key is the newest contact (by ts; ties: the higher
 * author key) among all its keys, read from contacts (state u8 || ts u64).
 * Edges are collected as pairs, sorted and made unique, since two keys of one
 * person may name the same other person. */

static int64_t find_person(const nodes_t *ns, const idx_t *ix, const sr_personmap_t *pm, const uint8_t *key) {
  const uint8_t *p = sr_personmap_person(pm, key, 0);
  return find(ns, ix, p ? p : key);
}

/* 1 when key is a device or a person with devices: its follows are merged. */
static int multi_key(const sr_personmap_t *pm, const uint8_t *key) {
  size_t first;
  return sr_personmap_person(pm, key, 0) != NULL || sr_personmap_devices(pm, key, &first) > 0;
}

/* The follow edges of every person with devices, merged over its keys. */
static int merged_follows(sr_store_t *st, MDB_txn *txn, const sr_personmap_t *pm, const nodes_t *ns, const idx_t *pix,
                          edges_t *es) {
  uint8_t(*keys)[SR_KEY_BYTES] = NULL, (*follows)[SR_KEY_BYTES] = NULL;
  size_t cap = 0, total = sr_personmap_count(pm);
  int rc = 0;
  for (size_t i = 0; i < total && !rc;) {
    const uint8_t *person, *dev;
    size_t nk = 0, nf = 0, first, nd;
    sr_personmap_at(pm, i, NULL, &person);
    nd = sr_personmap_devices(pm, person, &first);
    i = first + nd;
    int64_t a = find(ns, pix, person);
    if (a < 0) continue;
    if ((rc = sr_grow((void **)&keys, &cap, nd + 1, SR_KEY_BYTES, 8))) break;
    memcpy(keys[nk++], person, SR_KEY_BYTES);
    for (size_t j = 0; j < nd; j++) {
      sr_personmap_at(pm, first + j, &dev, NULL);
      memcpy(keys[nk++], dev, SR_KEY_BYTES);
    }
    if ((rc = sr_store_follows_merged_in(st, txn, (const uint8_t(*)[SR_KEY_BYTES])keys, nk, &follows, &nf))) break;
    for (size_t j = 0; j < nf && !rc; j++) {
      int64_t b = find_person(ns, pix, pm, follows[j]);
      if (b >= 0) rc = add_edge(es, (uint32_t)a, (uint32_t)b);
    }
    free(follows);
    follows = NULL;
  }
  free(keys);
  if (rc && rc != SR_ENOMEM && !sr_err_known(rc)) rc = sr_store_fail(st, "walk contacts", rc);
  return rc;
}

static int cmp_pair(const void *a, const void *b) {
  const uint32_t *x = a, *y = b;
  return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] != y[1] ? (x[1] < y[1] ? -1 : 1) : 0);
}

/* Sorts es by (src, dst) and drops repeats and self-loops. */
static int unique_edges(edges_t *es) {
  uint32_t *pairs = malloc((es->m ? es->m : 1) * 2 * sizeof(uint32_t));
  uint64_t w = 0;
  if (!pairs) return SR_ENOMEM;
  for (uint64_t i = 0; i < es->m; i++) {
    pairs[2 * i] = es->src[i];
    pairs[2 * i + 1] = es->dst[i];
  }
  qsort(pairs, es->m, 2 * sizeof(uint32_t), cmp_pair);
  for (uint64_t i = 0; i < es->m; i++) {
    if (pairs[2 * i] == pairs[2 * i + 1]) continue;
    if (w && es->src[w - 1] == pairs[2 * i] && es->dst[w - 1] == pairs[2 * i + 1]) continue;
    es->src[w] = pairs[2 * i];
    es->dst[w++] = pairs[2 * i + 1];
  }
  es->m = w;
  free(pairs);
  return 0;
}

/* The projects view of people with devices: each person's projects (over all
 * its keys) joined pairwise. es holds person -> project pairs, unique. */
static int project_pairs(edges_t *es, uint32_t npeople) {
  edges_t out = {0};
  int rc = 0;
  for (uint64_t i = 0, j; i < es->m && !rc; i = j) {
    for (j = i + 1; j < es->m && es->src[j] == es->src[i]; j++) {
    }
    for (uint64_t x = i; x < j && !rc; x++)
      for (uint64_t y = i; y < j && !rc; y++)
        if (x != y) rc = add_edge(&out, es->dst[x] - npeople, es->dst[y] - npeople);
  }
  free(es->src);
  free(es->dst);
  *es = out;
  return rc;
}

/* ---- node sets (graphview.h) ---- */

/* 1 when the node holds a log of key. A person's device keys need no look:
 * a device is bound only by the person's own certificate (store/devices.h),
 * so a person with devices always has a log here. */
static int log_held(sr_store_t *st, MDB_txn *txn, const uint8_t *key) {
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  return mdb_get(txn, st->dbi[DB_HEADS], &k, &v) == 0;
}

/* 1 when some key is a member or supporter of project now (edges_in holds
 * kind || src, sorted by kind: member and supporter are one run), 0 when
 * none, or an SR_E* code. */
static int has_members(sr_store_t *st, MDB_txn *txn, const uint8_t *project) {
  MDB_cursor *cur;
  uint8_t seek[EDGE_VAL] = {SR_EDGE_MEMBER};
  MDB_val k = {SR_ID_BYTES, (void *)project}, v = {sizeof(seek), seek};
  int mrc = mdb_cursor_open(txn, st->dbi[DB_EDGES_IN], &cur), found = 0;
  if (mrc) return sr_store_fail(st, "open a cursor", mrc);
  mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
  if (mrc == 0 && v.mv_size == EDGE_VAL) {
    int kind = ((const uint8_t *)v.mv_data)[0];
    found = kind == SR_EDGE_MEMBER || kind == SR_EDGE_SUPPORTER;
  }
  mdb_cursor_close(cur);
  return mrc && mrc != MDB_NOTFOUND ? sr_store_fail(st, "read a project's members", mrc) : found;
}

/* g->held for every node; with SR_NODES_HELD, g reduced to the kept nodes
 * (ids renumbered in the same order, so each kind's run stays sorted). */
static int apply_nodeset(sr_store_t *st, MDB_txn *txn, const sr_personmap_t *pm, enum sr_view view, enum sr_nodeset set,
                         sr_graph_t *g) {
  uint8_t self[SR_KEY_BYTES];
  int has_self = sr_store_self_in(st, txn, self) == 0;
  const uint8_t *sp = has_self && pm ? sr_personmap_person(pm, self, 0) : NULL;
  uint32_t n = g->n, kept = 0, *map = NULL, *src = NULL, *dst = NULL;
  uint64_t m = 0;
  sr_graph_t out = {0};
  int rc = 0;
  if (!(g->held = calloc(n ? n : 1, 1))) return SR_ENOMEM;
  if (sp) memcpy(self, sp, SR_KEY_BYTES); /* self is a device: the observer is its person */
  for (uint32_t v = 0; v < n; v++) {
    MDB_val k = {SR_ID_BYTES, g->keys[v]}, pv;
    if (g->kind[v] == SR_NODE_PERSON) g->held[v] = (uint8_t)log_held(st, txn, g->keys[v]);
    else
      g->held[v] = mdb_get(txn, st->dbi[DB_PROJECTS], &k, &pv) == 0 && pv.mv_size >= SR_KEY_BYTES;
  }
  if (set == SR_NODES_ALL) return 0;
  if (!(map = malloc((n ? n : 1) * sizeof(*map))) || !(src = malloc((g->m ? g->m : 1) * sizeof(*src))) ||
      !(dst = malloc((g->m ? g->m : 1) * sizeof(*dst)))) {
    rc = SR_ENOMEM;
    goto done;
  }
  for (uint32_t v = 0; v < n; v++) {
    uint64_t deg = g->out_off[v + 1] - g->out_off[v] + g->in_off[v + 1] - g->in_off[v];
    int keep;
    if (g->kind[v] == SR_NODE_PROJECT) { /* in the projects view, a project with members counts */
      keep = g->held[v] || deg || (view == SR_VIEW_PROJECTS ? has_members(st, txn, g->keys[v]) : 0);
      if (keep < 0) {
        rc = keep;
        goto done;
      }
    } else if (has_self && memcmp(g->keys[v], self, SR_KEY_BYTES) == 0)
      keep = deg > 0; /* the observer: only with edges */
    else if (g->held[v])
      keep = 1;
    else { /* a key followed now by someone held, unless it is a project id */
      MDB_val k = {SR_ID_BYTES, g->keys[v]}, pv;
      keep = g->in_off[v + 1] > g->in_off[v] && mdb_get(txn, st->dbi[DB_PROJECTS], &k, &pv) != 0;
    }
    map[v] = keep ? kept++ : UINT32_MAX;
  }
  for (uint32_t v = 0; v < n; v++)
    for (uint64_t i = g->out_off[v]; map[v] != UINT32_MAX && i < g->out_off[v + 1]; i++)
      if (map[g->out_adj[i]] != UINT32_MAX) {
        src[m] = map[v];
        dst[m++] = map[g->out_adj[i]];
      }
  if ((rc = sr_graph_build(&out, kept, src, dst, m))) goto done;
  if (!(out.keys = malloc((kept ? kept : 1) * (size_t)SR_KEY_LEN)) || !(out.kind = malloc(kept ? kept : 1)) ||
      !(out.held = malloc(kept ? kept : 1)) || !(out.name = calloc(kept ? kept : 1, sizeof(char *)))) {
    rc = SR_ENOMEM;
    goto done;
  }
  for (uint32_t v = 0; v < n; v++) {
    if (map[v] == UINT32_MAX) continue;
    memcpy(out.keys[map[v]], g->keys[v], SR_KEY_LEN);
    out.kind[map[v]] = g->kind[v];
    out.held[map[v]] = g->held[v];
    out.name[map[v]] = g->name[v]; /* moved, not copied */
    g->name[v] = NULL;
  }
  sr_graph_free(g);
  *g = out;
  memset(&out, 0, sizeof(out));
done:
  sr_graph_free(&out);
  free(map);
  free(src);
  free(dst);
  return rc;
}

int sr_store_graph(sr_store_t *st, enum sr_view view, sr_graph_t *g) {
  return sr_store_graph_nodes(st, view, SR_NODES_ALL, g);
}

int sr_store_graph_nodes(sr_store_t *st, enum sr_view view, enum sr_nodeset set, sr_graph_t *g) {
  nodes_t ns = {0};
  idx_t *pix = malloc(sizeof(idx_t)), *jix = malloc(sizeof(idx_t));
  edges_t es = {0};
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k, v, nv;
  uint32_t npeople = 0;
  sr_personmap_t *pm = NULL;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  memset(g, 0, sizeof(*g));
  if (!rc && (!pix || !jix)) {
    sr_store_txn_abort(st, txn);
    rc = SR_ENOMEM;
  }
  if (rc) {
    free(pix);
    free(jix);
    return rc;
  }
  if ((mrc = sr_store_personmap_in(st, txn, &pm))) {
    rc = mrc == SR_ENOMEM ? mrc : sr_store_fail(st, "read the devices", mrc);
    goto done;
  }
  if (!sr_personmap_count(pm)) { /* no devices: every key is a person, the fast path */
    sr_personmap_free(pm);
    pm = NULL;
  }
  /* The projects view of people with devices joins projects per person: it
   * needs the people as nodes while it builds (dropped again below). */
  if (view != SR_VIEW_PROJECTS || pm) {
    mdb_cursor_open(txn, st->dbi[DB_PEOPLE], &cur);
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      if (k.mv_size != SR_KEY_BYTES) continue;
      if (pm && sr_personmap_person(pm, k.mv_data, 0)) continue; /* a device key: its person is the node */
      int has =
          (pm ? sr_store_person_name_in(st, txn, k.mv_data, &nv) : mdb_get(txn, st->dbi[DB_PROFILES], &k, &nv)) == 0;
      rc = add_node(&ns, k.mv_data, 0, has ? nv.mv_data : NULL, has ? nv.mv_size : 0);
    }
    mdb_cursor_close(cur);
    cur = NULL;
  }
  npeople = ns.n;
  if (view != SR_VIEW_CONTACT && !rc) {
    mdb_cursor_open(txn, st->dbi[DB_PROJECTS], &cur);
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      if (k.mv_size != SR_ID_BYTES) continue;
      int has = v.mv_size >= SR_KEY_BYTES; /* value: author || name */
      rc = add_node(&ns, k.mv_data, 1, has ? (const char *)v.mv_data + SR_KEY_BYTES : NULL,
                    has ? v.mv_size - SR_KEY_BYTES : 0);
    }
    mdb_cursor_close(cur);
    cur = NULL;
  }
  if (rc) goto done;
  /* Edges: one pass over edges_out, one source key at a time. For the
   * projection, a person's projects are that key's values, joined pairwise. */
  index_run(&ns, 0, npeople, pix);
  index_run(&ns, npeople, ns.n, jix);
  mdb_cursor_open(txn, st->dbi[DB_EDGES_OUT], &cur);
  {
    uint32_t *run = NULL;
    size_t nrun = 0, caprun = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
      if (k.mv_size != SR_KEY_BYTES) continue;
      int64_t a = pm ? find_person(&ns, pix, pm, k.mv_data) : view == SR_VIEW_PROJECTS ? 0 : find(&ns, pix, k.mv_data);
      if (a < 0) continue;
      /* with devices: a person's follows come from merged_follows */
      if (pm && view == SR_VIEW_CONTACT && multi_key(pm, k.mv_data)) continue;
      nrun = 0;
      /* For a key with a single value (stored without a duplicate page) LMDB's
       * GET_MULTIPLE succeeds and leaves v as NEXT_NODUP set it: that value. */
      for (int more = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE) == 0; more && !rc;
           more = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE) == 0) {
        const uint8_t *d = v.mv_data, *end = d + v.mv_size / EDGE_VAL * EDGE_VAL;
        for (; d < end && !rc; d += EDGE_VAL) {
          int kind = d[0];
          if (view == SR_VIEW_CONTACT) {
            if (kind != SR_EDGE_FOLLOW) continue;
            int64_t b = pm ? find_person(&ns, pix, pm, d + 1) : find(&ns, pix, d + 1);
            if (b >= 0) rc = add_edge(&es, (uint32_t)a, (uint32_t)b);
            continue;
          }
          if (kind != SR_EDGE_MEMBER && kind != SR_EDGE_SUPPORTER) continue;
          int64_t b = find(&ns, jix, d + 1);
          if (b < 0) continue;
          if (view == SR_VIEW_MEMBERSHIP || pm) { /* with devices: pairs joined per person below */
            rc = add_edge(&es, (uint32_t)a, (uint32_t)b);
            continue;
          }
          if ((rc = sr_grow((void **)&run, &caprun, nrun + 1, sizeof(*run), 16))) break;
          run[nrun++] = (uint32_t)(b - npeople);
        }
      }
      for (size_t x = 0; x < nrun && !rc; x++)
        for (size_t y = 0; y < nrun && !rc; y++)
          if (x != y) rc = add_edge(&es, run[x], run[y]);
    }
    free(run);
  }
  if (!rc && pm && view == SR_VIEW_CONTACT) rc = merged_follows(st, txn, pm, &ns, pix, &es);
  if (!rc && pm) rc = unique_edges(&es);
  if (!rc && pm && view == SR_VIEW_PROJECTS && !(rc = project_pairs(&es, npeople))) {
    for (uint32_t i = 0; i < npeople; i++) free(ns.name[i]);
    memmove(ns.keys, ns.keys + npeople, (size_t)(ns.n - npeople) * SR_KEY_LEN);
    memmove(ns.kind, ns.kind + npeople, ns.n - npeople);
    memmove(ns.name, ns.name + npeople, (size_t)(ns.n - npeople) * sizeof(char *));
    ns.n -= npeople;
    npeople = 0;
  }
  if (rc) goto done;
  if (view == SR_VIEW_PROJECTS) {
    /* Projects only: renumber to 0..nprojects-1 by dropping the (absent) people. */
    rc = sr_graph_build(g, ns.n - npeople, es.src, es.dst, es.m);
  } else {
    rc = sr_graph_build(g, ns.n, es.src, es.dst, es.m);
  }
  if (rc) goto done;
  g->keys = ns.keys;
  g->kind = ns.kind;
  g->name = ns.name;
  ns.keys = NULL;
  ns.kind = NULL;
  ns.name = NULL;
  ns.n = 0;
  if ((rc = apply_nodeset(st, txn, pm, view, set, g))) {
    sr_graph_free(g);
  }
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  sr_personmap_free(pm);
  for (uint32_t i = 0; i < ns.n; i++) free(ns.name[i]);
  free(ns.keys);
  free(ns.kind);
  free(ns.name);
  free(es.src);
  free(es.dst);
  free(pix);
  free(jix);
  return rc;
}
