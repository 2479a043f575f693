/* cascade.h: reshare cascades as trees — size, depth, breadth, structural
 * virality — computed from a parent array, with no store (pure, unit-tested).
 *
 * Input: n nodes, parent[i] = index of the node i reshared, or SR_CASCADE_ROOT.
 * Every node ends up in exactly one tree. Defensive against bad input: a parent
 * index out of range counts as a root, and nodes whose parent chain never reaches
 * a root (a cycle, which content-addressed ids cannot make but a bug could) are
 * cut loose: the first of them met in index order becomes a root.
 * Everything is iterative (no recursion), O(n) except people (O(n log n)).
 *
 * Structural virality (Goel, Anderson, Hofman, Watts 2016): the mean shortest
 * path distance over all unordered pairs of nodes of the tree, 0 for one node.
 * On a tree it is W / (n(n-1)/2) with the Wiener index W = sum over edges of
 * s * (n - s), s the size of the subtree below the edge. */
#ifndef SR_CASCADE_H
#define SR_CASCADE_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

#define SR_CASCADE_ROOT UINT32_MAX

typedef struct sr_cascade {
  uint32_t root;        /* node index of the root */
  uint32_t start;       /* first position of this tree in sr_cascade_forest_t.order */
  uint32_t size;        /* nodes, root included */
  uint32_t depth;       /* most edges from the root to a node */
  uint32_t max_breadth; /* most nodes at one depth level */
  uint32_t people;      /* distinct labels (authors); 0 when no labels were given */
  uint64_t wiener;      /* sum of distances over unordered pairs */
  double virality;      /* wiener / (size(size-1)/2); 0 for size 1 */
} sr_cascade_t;

typedef struct sr_cascade_forest {
  uint32_t n, ntrees;
  sr_cascade_t *trees; /* in root index order */
  uint32_t *order;     /* BFS order, tree after tree: trees[t] holds order[start..start+size) */
  uint32_t *tree;      /* per node: its tree's index in trees */
  uint32_t *level;     /* per node: edges from its root */
  uint32_t *subtree;   /* per node: nodes in its subtree, itself included */
  uint32_t *child_off; /* children of v: child[child_off[v] .. child_off[v+1]) */
  uint32_t *child;
  uint32_t cut; /* parent links ignored to break cycles */
} sr_cascade_forest_t;

/* Builds the forest. label (may be NULL) gives each node's author as a small
 * integer; trees[t].people counts distinct labels. Returns 0 or SR_ENOMEM
 * (then f holds nothing to free). */
SR_MUST_USE int sr_cascade_build(sr_cascade_forest_t *f, const uint32_t *parent, const uint32_t *label, uint32_t n);
void sr_cascade_free(sr_cascade_forest_t *f);

/* Distinct labels over the subtree of node v (v included), plus extra unless it
 * is SR_CASCADE_ROOT: the people known to have passed v on (extra: this node).
 * Returns the count, or SR_ENOMEM. */
int64_t sr_cascade_subtree_people(const sr_cascade_forest_t *f, const uint32_t *label, uint32_t v, uint32_t extra);

/* The number of distinct values in v[0..n) (sorts v in place): people among
 * author labels. */
uint32_t sr_cascade_distinct(uint32_t *v, uint32_t n);

/* The number of direct children of node v (its direct reshares). */
static inline uint32_t sr_cascade_children(const sr_cascade_forest_t *f, uint32_t v) {
  return f->child_off[v + 1] - f->child_off[v];
}

#endif
