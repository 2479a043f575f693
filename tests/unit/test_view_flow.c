/* test_view_flow.c (part of test_view): how entries travel, node/view_flow.c:
 * the cascade tree of an entry through its reshares, and the neighbourhood's
 * depth and cap, on real stores. */
#include "tests/unit/test_view.h"
#include "core/content_build.h"

static char err[8192];

/* ---- the cascade ---- */

static json_t *child_by(json_t *node, const uint8_t id[SR_KEY_LEN]) {
  char h[SR_HEX_KEY_LEN + 1];
  hex(id, h);
  json_t *kids = json_object_get(node, "children");
  for (size_t i = 0; i < json_array_size(kids); i++)
    if (strcmp(jstr(json_array_get(kids, i), "id"), h) == 0) return json_array_get(kids, i);
  return NULL;
}

void test_cascade(void) {
  char dir[256], h[SR_HEX_KEY_LEN + 1];
  sr_store_t *st = fresh(dir);
  uint8_t o0[SR_KEY_LEN], r1[SR_KEY_LEN], r2[SR_KEY_LEN], r3[SR_KEY_LEN], lone[SR_KEY_LEN], orphan[SR_KEY_LEN],
      ghost[SR_KEY_LEN];
  json_t *o;
  about(st, &A, "Ana", NULL, TS);
  share(st, &B, "original", NULL, NULL, TS + 1, o0);
  share(st, &A, NULL, NULL, o0, TS + 2, r1);
  share(st, &S, "passing it on", NULL, r1, TS + 3, r2);
  share(st, &C, NULL, NULL, o0, TS + 4, r3);
  share(st, &C, "alone", NULL, NULL, TS + 5, lone);
  memset(ghost, 0x33, SR_KEY_LEN);
  share(st, &A, NULL, NULL, ghost, TS + 6, orphan);

  /* asked from a leaf, the tree comes from the original */
  hex(r2, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(o, "id"), h) == 0);
  T_CHECK(json_object_get(o, "content") == NULL); /* `flow entry --json`: no content */
  T_CHECK(json_object_get(o, "latency_ms") && json_object_get(o, "skewed"));
  T_EQ(jint(o, "reshares"), 0);
  T_EQ(jint(o, "reach"), 1); /* its author is this node, and no one reshared it */
  json_t *root = json_object_get(o, "cascade");
  hex(o0, h);
  T_CHECK(strcmp(jstr(root, "id"), h) == 0);
  T_EQ(json_array_size(json_object_get(root, "children")), 2);
  json_t *n1 = child_by(root, r1), *n3 = child_by(root, r3);
  T_CHECK(n1 && n3);
  T_CHECK(strcmp(jstr(n1, "author_name"), "Ana") == 0);
  T_EQ(json_array_size(json_object_get(n3, "children")), 0);
  T_EQ(json_array_size(json_object_get(n1, "children")), 1);
  json_t *n2 = child_by(n1, r2);
  T_CHECK(n2 != NULL);
  T_EQ(jint(n2, "ts"), TS + 3);
  T_CHECK(json_object_get(n2, "received_at") && json_object_get(n2, "hops"));
  T_EQ(json_array_size(json_object_get(n2, "children")), 0);
  json_decref(o);
  /* asked from the original: the same tree, its reach and reshares */
  hex(o0, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_EQ(jint(o, "reshares"), 2);
  T_EQ(jint(o, "reach"), 4); /* B, A, S, C */
  json_decref(o);
  /* a share no one reshared, and one of an entry not held: a tree of one */
  hex(lone, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(json_object_get(o, "cascade"), "id"), h) == 0);
  T_EQ(json_array_size(json_object_get(json_object_get(o, "cascade"), "children")), 0);
  json_decref(o);
  hex(orphan, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(json_object_get(o, "cascade"), "id"), h) == 0);
  json_decref(o);
  done(st, dir);
}

/* ---- the neighbourhood ---- */

static int has_node(json_t *nodes, const uint8_t key[SR_KEY_LEN], int distance) {
  char h[SR_HEX_KEY_LEN + 1];
  hex(key, h);
  for (size_t i = 0; i < json_array_size(nodes); i++) {
    json_t *n = json_array_get(nodes, i);
    if (strcmp(jstr(n, "id"), h) == 0) return jint(n, "distance") == distance;
  }
  return 0;
}

void test_neighbourhood(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  t_author_t P[3], Q[2];
  uint8_t z[SR_KEY_LEN], far[SR_KEY_LEN];
  json_t *o;
  for (int i = 0; i < 3; i++) t_author_init(&P[i], (uint8_t)(40 + i));
  for (int i = 0; i < 2; i++) t_author_init(&Q[i], (uint8_t)(50 + i));
  memset(far, 0x77, SR_KEY_LEN);
  contact(st, &S, P[0].pk, SR_FOLLOW, TS);
  contact(st, &S, P[1].pk, SR_FOLLOW, TS);
  contact(st, &P[2], S.pk, SR_FOLLOW, TS); /* a follower counts too */
  contact(st, &P[0], Q[0].pk, SR_FOLLOW, TS);
  contact(st, &Q[1], P[1].pk, SR_FOLLOW, TS);
  contact(st, &P[0], P[1].pk, SR_BLOCK, TS); /* an edge among kept nodes, not a path */
  contact(st, &Q[0], far, SR_FOLLOW, TS);    /* distance 3 */
  about(st, &P[0], "Pia", NULL, TS);

  T_OK(sr_view_neighbourhood(st, S.pk, NULL, 1, &o, err, sizeof(err)));
  json_t *nodes = json_object_get(o, "nodes");
  T_EQ(json_array_size(nodes), 4);
  T_CHECK(has_node(nodes, S.pk, 0) && has_node(nodes, P[0].pk, 1) && has_node(nodes, P[1].pk, 1) &&
          has_node(nodes, P[2].pk, 1));
  T_CHECK(json_is_true(json_object_get(json_array_get(nodes, 0), "self")));
  T_EQ(json_array_size(json_object_get(o, "edges")), 4); /* 3 follows + the block */
  json_decref(o);

  T_OK(sr_view_neighbourhood(st, S.pk, "Pia", 2, &o, err, sizeof(err)));
  nodes = json_object_get(o, "nodes");
  T_CHECK(has_node(nodes, P[0].pk, 0) && has_node(nodes, S.pk, 1) && has_node(nodes, Q[0].pk, 1));
  T_CHECK(has_node(nodes, P[1].pk, 2) && has_node(nodes, P[2].pk, 2) && has_node(nodes, far, 2));
  T_CHECK(!has_node(nodes, Q[1].pk, 3));
  T_EQ(json_array_size(nodes), 6);
  /* closest first */
  for (size_t i = 1; i < json_array_size(nodes); i++)
    T_CHECK(jint(json_array_get(nodes, i - 1), "distance") <= jint(json_array_get(nodes, i), "distance"));
  /* every edge joins two kept nodes */
  json_t *edges = json_object_get(o, "edges");
  for (size_t i = 0; i < json_array_size(edges); i++) {
    uint8_t s[SR_KEY_LEN], d[SR_KEY_LEN];
    T_OK(sr_hex_decode(jstr(json_array_get(edges, i), "src"), s, SR_KEY_LEN));
    T_OK(sr_hex_decode(jstr(json_array_get(edges, i), "dst"), d, SR_KEY_LEN));
    T_CHECK(has_node(nodes, s, 0) || has_node(nodes, s, 1) || has_node(nodes, s, 2));
    T_CHECK(has_node(nodes, d, 0) || has_node(nodes, d, 1) || has_node(nodes, d, 2));
  }
  json_decref(o);
  T_EQ(sr_view_neighbourhood(st, S.pk, NULL, 3, &o, err, sizeof(err)), SR_EINVAL);

  /* the cap: 200 people followed, 150 nodes kept, the center among them */
  for (int i = 0; i < 200; i++) {
    memset(z, 0, SR_KEY_LEN);
    z[0] = 0xee, z[1] = (uint8_t)i;
    contact(st, &S, z, SR_FOLLOW, TS + 1);
  }
  T_OK(sr_view_neighbourhood(st, S.pk, NULL, 2, &o, err, sizeof(err)));
  nodes = json_object_get(o, "nodes");
  T_EQ(json_array_size(nodes), SR_VIEW_NEIGHBOURS_MAX);
  T_CHECK(has_node(nodes, S.pk, 0));
  T_EQ(jint(json_array_get(nodes, SR_VIEW_NEIGHBOURS_MAX - 1), "distance"), 1);
  json_decref(o);
  done(st, dir);
}
