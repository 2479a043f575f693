/* cascade.c: reshare trees (see cascade.h). One pass builds the children lists
 * (CSR), one BFS per root gives levels and breadth, and the reverse BFS order
 * gives subtree sizes, hence the Wiener index in O(n) without recursion. */
#include "core/cascade.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

uint32_t sr_cascade_distinct(uint32_t *v, uint32_t n) {
  uint32_t d = 0;
  qsort(v, n, sizeof(*v), cmp_u32);
  for (uint32_t i = 0; i < n; i++)
    if (i == 0 || v[i] != v[i - 1]) d++;
  return d;
}

void sr_cascade_free(sr_cascade_forest_t *f) {
  free(f->trees);
  free(f->order);
  free(f->tree);
  free(f->level);
  free(f->subtree);
  free(f->child_off);
  free(f->child);
  memset(f, 0, sizeof(*f));
}

/* BFS from root r over children not yet placed, appending to order at *pos;
 * fills level/tree and the tree's size, depth and breadth. width is scratch of
 * n+1 counters (one per level), zero on entry and left zero. */
static void bfs(sr_cascade_forest_t *f, uint32_t r, uint32_t t, uint32_t *pos, uint32_t *width) {
  sr_cascade_t *c = &f->trees[t];
  uint32_t head = *pos, tail = *pos;
  c->root = r;
  c->start = *pos;
  f->order[tail++] = r;
  f->tree[r] = t;
  f->level[r] = 0;
  while (head < tail) {
    uint32_t v = f->order[head++];
    width[f->level[v]]++;
    for (uint32_t k = f->child_off[v]; k < f->child_off[v + 1]; k++) {
      uint32_t w = f->child[k];
      if (f->tree[w] != SR_CASCADE_ROOT) continue; /* placed already: a duplicate link */
      f->tree[w] = t;
      f->level[w] = f->level[v] + 1;
      f->order[tail++] = w;
    }
  }
  c->size = tail - *pos;
  for (uint32_t l = 0; l < c->size && width[l]; l++) {
    c->depth = l;
    if (width[l] > c->max_breadth) c->max_breadth = width[l];
    width[l] = 0;
  }
  *pos = tail;
}

int sr_cascade_build(sr_cascade_forest_t *f, const uint32_t *parent, const uint32_t *label, uint32_t n) {
  uint32_t *par = NULL, *width = NULL, *fill = NULL, *scratch = NULL;
  int rc = SR_ENOMEM;
  memset(f, 0, sizeof(*f));
  f->n = n;
  size_t n1 = (size_t)n + 1;
  par = malloc(n1 * sizeof(*par));
  width = calloc(n1, sizeof(*width));
  fill = calloc(n1, sizeof(*fill));
  f->trees = calloc(n1, sizeof(*f->trees));
  f->order = malloc(n1 * sizeof(*f->order));
  f->tree = malloc(n1 * sizeof(*f->tree));
  f->level = calloc(n1, sizeof(*f->level));
  f->subtree = calloc(n1, sizeof(*f->subtree));
  f->child_off = calloc(n1 + 1, sizeof(*f->child_off));
  f->child = malloc(n1 * sizeof(*f->child));
  if (!par || !width || !fill || !f->trees || !f->order || !f->tree || !f->level || !f->subtree || !f->child_off ||
      !f->child)
    goto out;

  /* Children lists; a self-link or an index out of range makes a root. */
  for (uint32_t i = 0; i < n; i++) {
    par[i] = parent[i] < n && parent[i] != i ? parent[i] : SR_CASCADE_ROOT;
    if (par[i] != SR_CASCADE_ROOT) f->child_off[par[i] + 1]++;
    f->tree[i] = SR_CASCADE_ROOT; /* "not placed yet" */
  }
  for (uint32_t i = 0; i < n; i++) f->child_off[i + 1] += f->child_off[i];
  for (uint32_t i = 0; i < n; i++)
    if (par[i] != SR_CASCADE_ROOT) f->child[f->child_off[par[i]] + fill[par[i]]++] = i;

  uint32_t pos = 0, t = 0;
  for (uint32_t i = 0; i < n; i++)
    if (par[i] == SR_CASCADE_ROOT) bfs(f, i, t++, &pos, width);
  /* Whatever is left hangs off a cycle: cut the link of the first one met. */
  for (uint32_t i = 0; i < n; i++)
    if (f->tree[i] == SR_CASCADE_ROOT) {
      f->cut++;
      bfs(f, i, t++, &pos, width);
    }
  f->ntrees = t;

  /* Subtree sizes in reverse BFS order; the BFS tree is what counts (a node
   * reached twice is counted once, under the parent that reached it first). */
  for (uint32_t i = 0; i < n; i++) f->subtree[i] = 1;
  for (uint32_t k = n; k-- > 0;) {
    uint32_t v = f->order[k];
    sr_cascade_t *c = &f->trees[f->tree[v]];
    if (v == c->root) continue;
    uint32_t p = par[v];
    if (p == SR_CASCADE_ROOT || f->tree[p] != f->tree[v] || f->level[p] + 1 != f->level[v]) continue;
    f->subtree[p] += f->subtree[v];
    c->wiener += (uint64_t)f->subtree[v] * (uint64_t)(c->size - f->subtree[v]);
  }
  if (label && !(scratch = malloc(n1 * sizeof(*scratch)))) goto out;
  for (uint32_t k = 0; k < t; k++) {
    sr_cascade_t *c = &f->trees[k];
    double pairs = (double)c->size * (double)(c->size - 1) / 2.0;
    c->virality = c->size > 1 ? (double)c->wiener / pairs : 0.0;
    if (label) {
      for (uint32_t j = 0; j < c->size; j++) scratch[j] = label[f->order[c->start + j]];
      c->people = sr_cascade_distinct(scratch, c->size);
    }
  }
  rc = 0;
out:
  free(par);
  free(width);
  free(fill);
  free(scratch);
  if (rc) sr_cascade_free(f);
  return rc;
}

int64_t sr_cascade_subtree_people(const sr_cascade_forest_t *f, const uint32_t *label, uint32_t v, uint32_t extra) {
  uint32_t cap = f->subtree[v], head = 0, tail = 0;
  uint32_t *q = malloc(((size_t)cap + 2) * sizeof(*q));
  if (!q) return SR_ENOMEM;
  q[tail++] = v;
  /* Walk the BFS tree below v: children placed one level deeper in the same tree. */
  while (head < tail) {
    uint32_t u = q[head++];
    for (uint32_t k = f->child_off[u]; k < f->child_off[u + 1]; k++) {
      uint32_t w = f->child[k];
      if (f->tree[w] == f->tree[u] && f->level[w] == f->level[u] + 1 && tail < cap) q[tail++] = w;
    }
  }
  for (uint32_t i = 0; i < tail; i++) q[i] = label[q[i]];
  if (extra != SR_CASCADE_ROOT) q[tail++] = extra;
  int64_t d = sr_cascade_distinct(q, tail);
  free(q);
  return d;
}
