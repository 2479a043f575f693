/* test_cascade.c: core/cascade on hand-made trees whose answers are known by
 * hand: a chain, a star, a complete binary tree, a single node, a forest of all
 * of them, bad links (self, out of range, a cycle) and a long chain (no
 * recursion). */
#include "core/cascade.h"
#include "tests/unit/t.h"
#include <math.h>

#define R SR_CASCADE_ROOT
#define T_NEAR(a, b) T_CHECK(fabs((a) - (b)) < 1e-12)

/* The tree whose root is node r. */
static const sr_cascade_t *tree_of(const sr_cascade_forest_t *f, uint32_t r) {
  T_CHECK(r < f->n);
  const sr_cascade_t *c = &f->trees[f->tree[r]];
  T_EQ(c->root, r);
  return c;
}

static void chain_of_four(void) {
  /* 0 <- 1 <- 2 <- 3: distances 1,2,3,1,2,1 = 10 over 6 pairs */
  uint32_t parent[] = {R, 0, 1, 2}, label[] = {7, 8, 7, 9};
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, label, 4));
  T_EQ(f.ntrees, 1);
  const sr_cascade_t *c = tree_of(&f, 0);
  T_EQ(c->size, 4);
  T_EQ(c->depth, 3);
  T_EQ(c->max_breadth, 1);
  T_EQ(c->wiener, 10);
  T_NEAR(c->virality, 5.0 / 3.0);
  T_EQ(c->people, 3);
  T_EQ(f.subtree[0], 4);
  T_EQ(f.subtree[2], 2);
  T_EQ(sr_cascade_children(&f, 0), 1);
  T_EQ(sr_cascade_subtree_people(&f, label, 0, R), 3);
  T_EQ(sr_cascade_subtree_people(&f, label, 1, R), 3); /* 8, 7, 9 */
  T_EQ(sr_cascade_subtree_people(&f, label, 2, R), 2);
  T_EQ(sr_cascade_subtree_people(&f, label, 3, R), 1);
  T_EQ(sr_cascade_subtree_people(&f, label, 3, 9), 1); /* extra already there */
  T_EQ(sr_cascade_subtree_people(&f, label, 3, 4), 2);
  sr_cascade_free(&f);
}

static void star_of_five(void) {
  /* the root in the middle: 4 pairs at 1, 6 at 2 -> 16 / 10 */
  uint32_t parent[] = {1, R, 1, 1, 1}; /* the root is node 1, not node 0 */
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, NULL, 5));
  T_EQ(f.ntrees, 1);
  const sr_cascade_t *c = tree_of(&f, 1);
  T_EQ(c->size, 5);
  T_EQ(c->depth, 1);
  T_EQ(c->max_breadth, 4);
  T_EQ(c->wiener, 16);
  T_NEAR(c->virality, 1.6);
  T_EQ(c->people, 0); /* no labels given */
  T_EQ(sr_cascade_children(&f, 1), 4);
  sr_cascade_free(&f);
}

static void binary_tree_of_seven(void) {
  /* 0; 1,2 under 0; 3,4 under 1; 5,6 under 2. Edges above 1 and 2 split 3|4
   * (12 each), the leaf edges 1|6 (6 each): W = 48 over 21 pairs. */
  uint32_t parent[] = {R, 0, 0, 1, 1, 2, 2}, label[] = {0, 1, 1, 2, 2, 2, 0};
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, label, 7));
  const sr_cascade_t *c = tree_of(&f, 0);
  T_EQ(c->size, 7);
  T_EQ(c->depth, 2);
  T_EQ(c->max_breadth, 4);
  T_EQ(c->wiener, 48);
  T_NEAR(c->virality, 48.0 / 21.0);
  T_EQ(c->people, 3);
  T_EQ(f.subtree[1], 3);
  T_EQ(sr_cascade_subtree_people(&f, label, 2, R), 3); /* 1, 2, 0 */
  T_EQ(sr_cascade_subtree_people(&f, label, 1, R), 2);
  sr_cascade_free(&f);
}

static void single_node(void) {
  uint32_t parent[] = {R}, label[] = {5};
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, label, 1));
  const sr_cascade_t *c = tree_of(&f, 0);
  T_EQ(c->size, 1);
  T_EQ(c->depth, 0);
  T_EQ(c->max_breadth, 1);
  T_EQ(c->wiener, 0);
  T_NEAR(c->virality, 0.0);
  T_EQ(c->people, 1);
  sr_cascade_free(&f);
}

static void forest_mixed_and_empty(void) {
  /* two trees with interleaved indexes: 0 <- 2 <- 4 and 1 <- 3 */
  uint32_t parent[] = {R, R, 0, 1, 2};
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, NULL, 5));
  T_EQ(f.ntrees, 2);
  T_EQ(tree_of(&f, 0)->size, 3);
  T_EQ(tree_of(&f, 0)->depth, 2);
  T_EQ(tree_of(&f, 1)->size, 2);
  T_NEAR(tree_of(&f, 1)->virality, 1.0);
  T_EQ(f.tree[4], f.tree[0]);
  T_EQ(f.tree[3], f.tree[1]);
  /* trees are contiguous in order[] */
  const sr_cascade_t *a = tree_of(&f, 0);
  for (uint32_t k = 0; k < a->size; k++) T_EQ(f.tree[f.order[a->start + k]], f.tree[0]);
  sr_cascade_free(&f);
  T_OK(sr_cascade_build(&f, NULL, NULL, 0));
  T_EQ(f.ntrees, 0);
  sr_cascade_free(&f);
}

static void bad_links(void) {
  /* 0 links to itself (a root), 1 out of range (a root), 2 <-> 3 a cycle with
   * 4 hanging off 3: one link of the cycle is cut, every node lands in one tree. */
  uint32_t parent[] = {0, 99, 3, 2, 3};
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, NULL, 5));
  T_EQ(f.cut, 1);
  T_EQ(f.ntrees, 3);
  T_EQ(tree_of(&f, 0)->size, 1);
  T_EQ(tree_of(&f, 1)->size, 1);
  const sr_cascade_t *c = tree_of(&f, 2); /* 2 is met first: 2 -> 3 -> 4 */
  T_EQ(c->size, 3);
  T_EQ(c->depth, 2);
  T_EQ(c->wiener, 4);
  uint32_t total = 0;
  for (uint32_t t = 0; t < f.ntrees; t++) total += f.trees[t].size;
  T_EQ(total, 5);
  sr_cascade_free(&f);
}

static void long_chain(void) {
  /* a million-deep chain: recursion would overflow the stack */
  uint32_t n = 1000000;
  uint32_t *parent = malloc(n * sizeof(*parent)), *label = malloc(n * sizeof(*label));
  T_CHECK(parent && label);
  for (uint32_t i = 0; i < n; i++) {
    parent[i] = i ? i - 1 : R;
    label[i] = i % 1000;
  }
  sr_cascade_forest_t f;
  T_OK(sr_cascade_build(&f, parent, label, n));
  const sr_cascade_t *c = tree_of(&f, 0);
  T_EQ(c->depth, n - 1);
  T_EQ(c->max_breadth, 1);
  T_EQ(c->people, 1000);
  /* chain of n: W = (n-1)n(n+1)/6, virality (n+1)/3 */
  T_EQ(c->wiener, (uint64_t)(n - 1) * n * (n + 1) / 6);
  T_CHECK(fabs(c->virality - (n + 1) / 3.0) < 1e-6);
  sr_cascade_free(&f);
  free(parent);
  free(label);
}

int main(void) {
  T_RUN(chain_of_four);
  T_RUN(star_of_five);
  T_RUN(binary_tree_of_seven);
  T_RUN(single_node);
  T_RUN(forest_mixed_and_empty);
  T_RUN(bad_links);
  T_RUN(long_chain);
  printf("test_cascade: %d checks passed\n", t_checks);
  return 0;
}
