/* test_store_graph.c (part of test_store): what entries make of the graph —
 * profiles, contacts, projects, memberships, shares and reshares, in any
 * arrival order, and the same picture after a reindex or from one batch. */
#include "tests/unit/test_store.h"

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

void store_graph_effects(void) {
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
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&a, TS, "about", &c))), 0);
  t_buf_free(&c);
  t_about(&c, "Alicia");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&a, TS, "about", &c))), 0);
  t_buf_free(&c);
  t_person_q_t pq = t_find_person(st, a.pk);
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
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, a.pk, b.pk), 1);
  pq = t_find_person(st, b.pk); /* named by a contact: a person with no entries */
  T_EQ(pq.found, 1);
  T_EQ(pq.p.seq, 0);
  T_CHECK(pq.p.name == NULL);
  t_contact(&c, b.pk, "block");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, a.pk, b.pk), 0);
  T_EQ(t_has_edge(st, SR_EDGE_BLOCK, a.pk, b.pk), 1);
  t_contact(&c, b.pk, "unfollow");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, a.pk, b.pk), 0);
  T_EQ(t_has_edge(st, SR_EDGE_BLOCK, a.pk, b.pk), 0);
  T_EQ(t_edges_from(st, a.pk), 0);
  /* out of order within a batch: seq 7 (follow) arrives before seq 6 (block) */
  t_contact(&c, cc.pk, "block");
  t_entry_t *blk = bag_add(&g, t_next(&a, TS, "contact", &c));
  t_buf_free(&c);
  t_contact(&c, cc.pk, "follow");
  t_entry_t *fol = bag_add(&g, t_next(&a, TS, "contact", &c));
  t_buf_free(&c);
  t_entry_t *pp[] = {fol, blk};
  T_OK(t_ingest(st, pp, 2, &s, NULL));
  T_EQ(s.accepted, 2);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, a.pk, cc.pk), 1);
  T_EQ(t_has_edge(st, SR_EDGE_BLOCK, a.pk, cc.pk), 0);
  /* following oneself adds no edge (self-loops are left out) */
  t_contact(&c, a.pk, "follow");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&a, TS, "contact", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, a.pk, a.pk), 0);

  /* projects and memberships */
  t_project(&c, "River");
  t_entry_t *proj = bag_add(&g, t_next(&b, TS, "project", &c));
  t_buf_free(&c);
  T_EQ(t_ingest1(st, proj), 0);
  t_project_q_t prq = t_find_project(st, proj->id);
  T_EQ(prq.found, 1);
  T_EQ(prq.has_author, 1);
  T_MEMEQ(prq.author, b.pk, SR_KEY_BYTES);
  T_CHECK(strcmp(prq.name, "River") == 0);
  T_OK(sr_store_get_project_name(st, proj->id, nm, sizeof(nm), &nlen));
  T_CHECK(strcmp(nm, "River") == 0 && nlen == 5);
  t_membership(&c, proj->id, "member");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&cc, TS, "membership", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_MEMBER, cc.pk, proj->id), 1);
  t_membership(&c, proj->id, "supporter");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&cc, TS, "membership", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_MEMBER, cc.pk, proj->id), 0);
  T_EQ(t_has_edge(st, SR_EDGE_SUPPORTER, cc.pk, proj->id), 1);
  t_membership(&c, proj->id, "left");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&cc, TS, "membership", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_MEMBER, cc.pk, proj->id), 0);
  T_EQ(t_has_edge(st, SR_EDGE_SUPPORTER, cc.pk, proj->id), 0);
  T_EQ(t_edges_from(st, cc.pk), 0);
  /* a membership of a project whose entry this node lacks names it anyway */
  uint8_t unknown[SR_ID_BYTES];
  memset(unknown, 0x77, sizeof(unknown));
  t_membership(&c, unknown, "member");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&d, TS, "membership", &c))), 0);
  t_buf_free(&c);
  prq = t_find_project(st, unknown);
  T_EQ(prq.found, 1);
  T_EQ(sr_store_get_project_name(st, unknown, nm, sizeof(nm), NULL), SR_ENOTFOUND); /* named, not held */
  T_EQ(prq.has_author, 0);
  T_EQ(t_has_edge(st, SR_EDGE_MEMBER, d.pk, unknown), 1);

  /* a share about a project */
  t_share(&c, "we cleaned 2 km", proj->id, NULL);
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&d, TS, "share", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_SHARE, d.pk, proj->id), 1);

  /* reshares: C's reshare arrives BEFORE B's original; D's after it */
  t_share(&c, "original words", NULL, NULL);
  t_entry_t *orig = bag_add(&g, t_next(&b, TS, "share", &c));
  t_buf_free(&c);
  t_share(&c, NULL, NULL, orig->id);
  t_entry_t *rs_c = bag_add(&g, t_next(&cc, TS, "share", &c));
  t_entry_t *rs_d = bag_add(&g, t_next(&d, TS, "share", &c));
  t_buf_free(&c);
  T_EQ(t_ingest1(st, rs_c), 0);
  T_EQ(t_has_edge(st, SR_EDGE_RESHARE, cc.pk, b.pk), 0); /* the original's author is unknown yet */
  T_EQ(t_ingest1(st, orig), 0);
  T_EQ(t_has_edge(st, SR_EDGE_RESHARE, cc.pk, b.pk), 1);
  T_EQ(t_ingest1(st, rs_d), 0);
  T_EQ(t_has_edge(st, SR_EDGE_RESHARE, d.pk, b.pk), 1);
  /* resharing one's own entry adds no edge */
  t_share(&c, NULL, NULL, orig->id);
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&b, TS, "share", &c))), 0);
  t_buf_free(&c);
  T_EQ(t_has_edge(st, SR_EDGE_RESHARE, b.pk, b.pk), 0);

  /* an unknown type is stored and changes nothing in the graph */
  sr_store_info_t i1, i2;
  T_OK(sr_store_info(st, &i1));
  t_about(&c, "x");
  T_EQ(t_ingest1(st, bag_add(&g, t_next(&d, TS, "poll", &c))), 0);
  t_buf_free(&c);
  T_OK(sr_store_info(st, &i2));
  T_EQ(i2.entries, i1.entries + 1);
  T_EQ(i2.edges, i1.edges);
  t_person_q_t pd = t_find_person(st, d.pk);
  T_CHECK(pd.p.name == NULL); /* an about-shaped unknown type is no profile */

  T_EQ(t_verify(st), 0);
  /* the self key is a person, flagged */
  T_OK(sr_store_set_self(st, D.pk));
  uint8_t self[SR_KEY_BYTES];
  T_OK(sr_store_get_self(st, self));
  T_MEMEQ(self, D.pk, SR_KEY_BYTES);
  pq = t_find_person(st, D.pk);
  T_EQ(pq.found, 1);
  T_EQ(pq.p.is_self, 1);

  /* reindex: the same edges, heads, people, projects, forks */
  char *before = t_snapshot(st);
  T_HAS(before, "edge reshare");
  T_OK(sr_store_reindex(st, NULL, NULL));
  char *after = t_snapshot(st);
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
  T_OK(t_ingest(st2, all, g.n, &s, NULL));
  T_EQ(s.accepted, g.n);
  T_OK(sr_store_set_self(st2, D.pk));
  sr_store_info_t ia, ib;
  T_OK(sr_store_info(st, &ia));
  T_OK(sr_store_info(st2, &ib));
  T_EQ(ia.edges, ib.edges);
  T_EQ(ia.people, ib.people);
  T_EQ(ia.projects, ib.projects);
  T_EQ(t_has_edge(st2, SR_EDGE_RESHARE, cc.pk, b.pk), 1);
  T_EQ(t_has_edge(st2, SR_EDGE_FOLLOW, a.pk, cc.pk), 1);
  T_EQ(t_has_edge(st2, SR_EDGE_BLOCK, a.pk, cc.pk), 0);
  sr_store_close(st2);
  t_rmdir(dir2);

  sr_store_close(st);
  bag_free(&g);
  t_rmdir(dir);
}
