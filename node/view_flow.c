/* view_flow.c: "how did this reach me" (node/view.h): one entry's flow with
 * its reshare cascade as a tree, and a person's neighbourhood in the follow
 * graph. */
#include "node/view_internal.h"
#include "core/key.h"
#include "core/vec.h"
#include "node/entry_json.h"
#include "store/flowview.h"
#include "store/devices.h"
#include "store/read.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the cascade ---- */

/* A NODE; with st (the store holds devices), its author is the person, with
 * "device" and "device_name" (sr_json_set_author), else name is the author's. */
static json_t *cascade_node(sr_store_t *st, const sr_share_node_t *n, json_t *name) {
  json_t *o = json_pack("{s:o, s:o, s:o, s:n, s:n, s:I, s:I, s:I, s:[]}", "id", sr_json_hex(n->id, SR_ID_BYTES),
                        "author", sr_json_hex(n->author, SR_KEY_BYTES), "author_name", name, "device", "device_name",
                        "ts", (json_int_t)n->ts, "received_at", (json_int_t)n->flow.received_at, "hops",
                        (json_int_t)n->flow.hops, "children");
  /* seq 0: the forest has no seq; a revoked device's later entries are refused at ingest */
  if (o && st && sr_json_set_author(st, o, n->author, 0, NULL)) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* st when the store holds a device (then nodes name persons), else NULL. */
static sr_store_t *with_devices(sr_store_t *st, int *rc) {
  sr_personmap_t *pm = NULL;
  size_t n = 0;
  if (!(*rc = sr_store_personmap(st, &pm))) n = sr_personmap_count(pm);
  sr_personmap_free(pm);
  return n ? st : NULL;
}

/* The whole tree forest node v is in, from its root (the original, or the
 * oldest entry of the chain this node holds), as NODEs. Built without
 * recursion (a chain of reshares may be as deep as the forest is large): the
 * nodes in the forest's BFS order, each appended to its parent's "children".
 * Authors' names are read once each (x->label). */
static int cascade_tree(sr_store_t *st, const sr_flowforest_t *x, uint32_t v0, json_t **out) {
  const sr_cascade_forest_t *f = &x->f;
  const sr_cascade_t *t = &f->trees[f->tree[v0]];
  json_t **obj = calloc(x->n ? x->n : 1, sizeof(*obj)), **names = calloc(x->nkeys ? x->nkeys : 1, sizeof(*names));
  int rc = obj && names ? 0 : SR_ENOMEM;
  sr_store_t *dst = rc ? NULL : with_devices(st, &rc);
  for (uint32_t j = 0; j < t->size && !rc; j++) {
    uint32_t v = f->order[t->start + j], l = x->label[v];
    if (!names[l]) names[l] = sr_json_author_name(st, x->nodes[v].author);
    if (!names[l] || !(obj[v] = cascade_node(dst, &x->nodes[v], json_incref(names[l])))) rc = SR_ENOMEM;
    else if (j > 0 && json_array_append(json_object_get(obj[x->parent[v]], "children"), obj[v]))
      rc = SR_ENOMEM;
  }
  if (!rc) *out = json_incref(obj[t->root]);
  for (uint32_t j = 0; obj && j < t->size; j++) json_decref(obj[f->order[t->start + j]]);
  for (uint32_t l = 0; names && l < x->nkeys; l++) json_decref(names[l]);
  free(obj);
  free(names);
  return rc;
}

int sr_view_flow_entry(sr_store_t *st, const char *id, json_t **out, char *err, size_t errlen) {
  uint8_t eid[SR_ID_BYTES], buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  sr_flow_t fl;
  sr_flowforest_t x;
  json_t *o = NULL, *cascade = NULL;
  char hex[SR_HEX_KEY_LEN + 1];
  int rc;
  *out = NULL;
  if ((rc = sr_view_resolve(st, SR_FIND_ENTRY, "id", id, eid, err, errlen))) return rc;
  sr_hex_encode(eid, SR_ID_BYTES, hex);
  rc = sr_store_get_entry(st, eid, buf, sizeof(buf), &len, &fl);
  if (rc == SR_ENOTFOUND || (!rc && sr_entry_decode(buf, len, &e))) {
    snprintf(err, errlen, "this node does not hold entry %s", hex);
    return SR_ENOTFOUND;
  }
  if (rc || (rc = sr_flowforest_load(st, &x))) return sr_view_fail(st, rc, "reading the entry's flow", err, errlen);
  if (!(o = sr_json_flow_entry(&e, &fl, &x))) rc = SR_ENOMEM;
  int64_t i = sr_flowforest_index(&x, eid);
  if (!rc && i >= 0) {
    rc = cascade_tree(st, &x, (uint32_t)i, &cascade);
  } else if (!rc) {
    /* neither a share nor reshared: a tree of one */
    sr_share_node_t one = {0};
    memcpy(one.id, e.id, SR_ID_BYTES);
    memcpy(one.author, e.author, SR_KEY_BYTES);
    one.ts = e.ts;
    one.flow = fl;
    sr_store_t *dst = with_devices(st, &rc);
    if (!rc && !(cascade = cascade_node(dst, &one, sr_json_author_name(st, e.author)))) rc = SR_ENOMEM;
  }
  sr_flowforest_free(&x);
  if (rc) {
    json_decref(o);
    return sr_view_fail(st, rc, "reading the entry's cascade", err, errlen);
  }
  json_object_set_new(o, "cascade", cascade);
  *out = o;
  return 0;
}

/* ---- the neighbourhood ---- */

typedef struct {
  uint8_t key[SR_KEY_BYTES];
  int distance;
  size_t links; /* follow edges to the nodes kept before its level: the better known first */
} near_t;

typedef struct {
  near_t *v;
  size_t n, cap;
} nears_t;

static int64_t near_find(const nears_t *s, const uint8_t *key) {
  for (size_t i = 0; i < s->n; i++)
    if (memcmp(s->v[i].key, key, SR_KEY_BYTES) == 0) return (int64_t)i;
  return -1;
}

typedef struct {
  const nears_t *kept;
  nears_t *next; /* candidates of the level being found */
  int distance;
} bfs_t;

static int bfs_row(void *ctx, int kind, const uint8_t other[SR_KEY_BYTES]) {
  bfs_t *b = ctx;
  int64_t at;
  (void)kind;
  if (near_find(b->kept, other) >= 0) return 0;
  if ((at = near_find(b->next, other)) >= 0) {
    b->next->v[at].links++;
    return 0;
  }
  int rc = sr_grow((void **)&b->next->v, &b->next->cap, b->next->n + 1, sizeof(near_t), 64);
  if (rc) return rc;
  near_t *x = &b->next->v[b->next->n++];
  memcpy(x->key, other, SR_KEY_BYTES);
  x->distance = b->distance;
  x->links = 1;
  return 0;
}

static int cmp_near(const void *x, const void *y) {
  const near_t *a = x, *b = y;
  if (a->links != b->links) return a->links > b->links ? -1 : 1;
  return memcmp(a->key, b->key, SR_KEY_BYTES);
}

typedef struct {
  const nears_t *kept;
  const uint8_t *src;
  json_t *edges;
} edges_t;

static int edge_row(void *ctx, int kind, const uint8_t other[SR_KEY_BYTES]) {
  edges_t *w = ctx;
  if ((kind != SR_EDGE_FOLLOW && kind != SR_EDGE_BLOCK) || near_find(w->kept, other) < 0) return 0;
  return json_array_append_new(w->edges, json_pack("{s:o, s:o, s:s}", "src", sr_json_hex(w->src, SR_KEY_BYTES), "dst",
                                                   sr_json_hex(other, SR_KEY_BYTES), "kind", sr_edge_kind_name(kind)))
             ? SR_ENOMEM
             : 0;
}

/* The kinds of edge the picture shows, in the index's order (kind, then key). */
static const int shown[] = {SR_EDGE_FOLLOW, SR_EDGE_BLOCK};

int sr_view_neighbourhood(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, int depth, json_t **out,
                          char *err, size_t errlen) {
  uint8_t center[SR_KEY_BYTES];
  nears_t kept = {0}, next = {0};
  json_t *nodes = NULL, *edges = NULL;
  sr_known_t kn;
  int rc;
  *out = NULL;
  if (depth != 1 && depth != 2) {
    snprintf(err, errlen, "depth must be 1 or 2");
    return SR_EINVAL;
  }
  if (id && (rc = sr_view_resolve(st, SR_FIND_PERSON, "id", id, center, err, errlen))) return rc;
  if (!id) memcpy(center, self, SR_KEY_BYTES);
  if ((rc = sr_store_what_is(st, center, &kn))) return sr_view_fail(st, rc, "looking up the person", err, errlen);
  /* one node per person: a device's key is its person (store/devices.h) */
  sr_personmap_t *pm = NULL;
  if ((rc = sr_store_personmap(st, &pm))) return sr_view_fail(st, rc, "reading the neighbourhood", err, errlen);
  if (!sr_personmap_count(pm)) {
    sr_personmap_free(pm);
    pm = NULL;
  }
  const uint8_t *cp = sr_personmap_person(pm, center, 0), *sp = sr_personmap_person(pm, self, 0);
  if (cp) memcpy(center, cp, SR_KEY_BYTES);
  if (!sp) sp = self;
  if (!kn.person && !kn.authored && memcmp(center, self, SR_KEY_BYTES) != 0 && memcmp(center, sp, SR_KEY_BYTES) != 0) {
    char hex[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(center, SR_KEY_BYTES, hex);
    snprintf(err, errlen, "this node knows no person with key %s", hex);
    sr_personmap_free(pm);
    return SR_ENOTFOUND;
  }
  /* Breadth first over follow edges in both directions: a level is found
   * whole, then kept best known first until the cap, so that a cut falls on
   * the people least tied to the ones kept. */
  rc = sr_grow((void **)&kept.v, &kept.cap, 1, sizeof(near_t), 64);
  if (!rc) {
    memcpy(kept.v[0].key, center, SR_KEY_BYTES);
    kept.v[0].distance = 0;
    kept.n = 1;
  }
  for (int d = 1; d <= depth && !rc && kept.n < SR_VIEW_NEIGHBOURS_MAX; d++) {
    bfs_t b = {&kept, &next, d};
    next.n = 0;
    for (size_t i = 0; i < kept.n && !rc; i++) {
      if (kept.v[i].distance != d - 1) continue;
      for (int dir = SR_EDGES_OUT; dir <= SR_EDGES_IN && !rc; dir++) {
        sr_keyset_t o = {0};
        rc = sr_view_person_edges(st, pm, kept.v[i].key, dir, SR_EDGE_FOLLOW, &o);
        for (size_t j = 0; j < o.n && !rc; j++) rc = bfs_row(&b, SR_EDGE_FOLLOW, o.k[j]);
        sr_keyset_free(&o);
      }
    }
    if (next.n) qsort(next.v, next.n, sizeof(near_t), cmp_near);
    for (size_t i = 0; i < next.n && kept.n < SR_VIEW_NEIGHBOURS_MAX && !rc; i++) {
      if ((rc = sr_grow((void **)&kept.v, &kept.cap, kept.n + 1, sizeof(near_t), 64))) break;
      kept.v[kept.n++] = next.v[i];
    }
  }
  free(next.v);
  if (!rc && (!(nodes = json_array()) || !(edges = json_array()))) rc = SR_ENOMEM;
  for (size_t i = 0; i < kept.n && !rc; i++) {
    edges_t w = {&kept, kept.v[i].key, edges};
    sr_head_t hd; /* log_held: as PERSON's, so the picture can mark a key whose log is not here */
    if ((rc = sr_store_get_head(st, kept.v[i].key, &hd))) break;
    if (json_array_append_new(
            nodes, json_pack("{s:o, s:o, s:i, s:b, s:b}", "id", sr_json_hex(kept.v[i].key, SR_KEY_BYTES), "name",
                             pm ? sr_json_person_name(st, kept.v[i].key) : sr_json_author_name(st, kept.v[i].key),
                             "distance", kept.v[i].distance, "self", memcmp(kept.v[i].key, sp, SR_KEY_BYTES) == 0,
                             "log_held", hd.seq > 0)))
      rc = SR_ENOMEM;
    else
      /* in the index's order: kind, then the other key */
      for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]) && !rc; k++) {
        sr_keyset_t o = {0};
        rc = sr_view_person_edges(st, pm, kept.v[i].key, SR_EDGES_OUT, shown[k], &o);
        for (size_t j = 0; j < o.n && !rc; j++) rc = edge_row(&w, shown[k], o.k[j]);
        sr_keyset_free(&o);
      }
  }
  free(kept.v);
  sr_personmap_free(pm);
  if (rc) {
    json_decref(nodes);
    json_decref(edges);
    return sr_view_fail(st, rc, "reading the neighbourhood", err, errlen);
  }
  /* json_pack takes the references even when it fails */
  if (!(*out =
            json_pack("{s:o, s:o, s:o}", "center", sr_json_hex(center, SR_KEY_BYTES), "nodes", nodes, "edges", edges)))
    return sr_view_fail(st, SR_ENOMEM, "reading the neighbourhood", err, errlen);
  return 0;
}
