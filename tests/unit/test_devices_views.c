/* test_devices_views.c (part of test_devices): a person and its devices are
 * one person for every view: one node of the contact graph (and of the
 * metrics), its keys' newest follow state, the scope of its whole person,
 * the newest about among its keys as its name. */
#include "tests/unit/test_devices.h"
#include "core/hex.h"
#include "store/lookup.h"

#define TS T_TS

void dev_names_newest_about(void) {
  char dir[256], nm[SR_DEVICE_NAME_MAX];
  t_author_t p, d, e;
  t_buf_t c;
  size_t len;
  int found;
  t_tmpdir(dir);
  t_author_init(&p, 0xb1);
  t_author_init(&d, 0xb2);
  t_author_init(&e, 0xb3);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "Pat");
  T_OK(td_put(st, &p, TS + 10, "about", &c));
  T_OK(td_claim(st, &d, p.pk));
  t_about(&c, "Pat (laptop)");
  T_OK(td_put(st, &d, TS + 20, "about", &c));
  /* not bound yet: each key its own name */
  T_OK(sr_store_get_name(st, d.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat (laptop)") == 0);
  T_OK(sr_store_get_name(st, p.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat") == 0);
  T_OK(td_add(st, &p, d.pk, "laptop"));
  /* bound: the newest about by ts among the person's keys, for either key */
  T_OK(sr_store_get_name(st, p.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat (laptop)") == 0);
  T_OK(sr_store_get_name(st, d.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Pat (laptop)") == 0);
  /* a newer about on the identity key wins again, whatever the arrival order */
  t_about(&c, "Patricia");
  T_OK(td_put(st, &p, TS + 30, "about", &c));
  T_OK(sr_store_person_name(st, d.pk, nm, sizeof(nm), &len, &found));
  T_CHECK(found && len == 8 && memcmp(nm, "Patricia", 8) == 0);
  /* typed names find the person once, by its name, never by a device's older about */
  sr_match_t ms[4];
  size_t nm_found;
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "Patricia", 8, ms, 4, &nm_found));
  T_CHECK(nm_found == 1 && memcmp(ms[0].id, p.pk, SR_KEY_BYTES) == 0 && strcmp(ms[0].name, "Patricia") == 0);
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "Pat (laptop)", 12, ms, 4, &nm_found));
  T_EQ(nm_found, 0);
  char hx[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(d.pk, SR_KEY_BYTES, hx);
  hx[16] = '\0'; /* size: a 16-digit prefix */
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, hx, ms, 4, &nm_found));
  T_CHECK(nm_found == 1 && strcmp(ms[0].name, "Patricia") == 0); /* a device key shows its person's name */
  /* an unbound key that only claims: its own (no) name */
  T_OK(td_claim(st, &e, p.pk));
  T_OK(sr_store_person_name(st, e.pk, nm, sizeof(nm), &len, &found));
  T_EQ(found, 0);
  /* reindex keeps the about ts (people rows) */
  T_OK(sr_store_reindex(st, NULL, NULL));
  T_OK(sr_store_get_name(st, d.pk, nm, sizeof(nm), &len));
  T_CHECK(strcmp(nm, "Patricia") == 0);
  sr_store_close(st);
  t_rmdir(dir);
}

/* The node of key in g (-1: none). */
static int64_t node_of(const sr_graph_t *g, const uint8_t *key) {
  for (uint32_t i = 0; i < g->n; i++)
    if (memcmp(g->keys[i], key, SR_KEY_BYTES) == 0) return i;
  return -1;
}

static int has_edge(const sr_graph_t *g, int64_t a, int64_t b) {
  if (a < 0 || b < 0) return 0;
  for (uint64_t j = g->out_off[a]; j < g->out_off[a + 1]; j++)
    if (g->out_adj[j] == (uint32_t)b) return 1;
  return 0;
}

/* P with devices D1, D2; X and Y follow, Z is followed; one person in the graph. */
void dev_graph_one_person(void) {
  char dir[256];
  t_author_t p, d1, d2, x, y, z;
  t_buf_t c;
  t_tmpdir(dir);
  t_author_init(&p, 0xc1);
  t_author_init(&d1, 0xc2);
  t_author_init(&d2, 0xc3);
  t_author_init(&x, 0xc4);
  t_author_init(&y, 0xc5);
  t_author_init(&z, 0xc6);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "Pat");
  T_OK(td_put(st, &p, TS, "about", &c));
  T_OK(td_claim(st, &d1, p.pk));
  T_OK(td_claim(st, &d2, p.pk));
  T_OK(td_add(st, &p, d1.pk, "laptop"));
  T_OK(td_add(st, &p, d2.pk, "phone"));
  T_OK(td_contact(st, &x, p.pk, "follow", TS));   /* X -> P */
  T_OK(td_contact(st, &y, d2.pk, "follow", TS));  /* Y -> a device of P: Y -> P */
  T_OK(td_contact(st, &d1, z.pk, "follow", TS));  /* D1 -> Z: P -> Z */
  T_OK(td_contact(st, &d2, x.pk, "follow", TS));  /* D2 -> X: P -> X */
  T_OK(td_contact(st, &d1, d2.pk, "follow", TS)); /* within the person: no edge */

  sr_graph_t g;
  T_OK(sr_store_graph(st, SR_VIEW_CONTACT, &g));
  T_EQ(g.n, 4); /* P, X, Y, Z: device keys are not nodes */
  int64_t np = node_of(&g, p.pk), nx = node_of(&g, x.pk), ny = node_of(&g, y.pk), nz = node_of(&g, z.pk);
  T_CHECK(np >= 0 && nx >= 0 && ny >= 0 && nz >= 0);
  T_EQ(node_of(&g, d1.pk), -1);
  T_EQ(node_of(&g, d2.pk), -1);
  T_CHECK(g.name[np] && strcmp(g.name[np], "Pat") == 0);
  T_CHECK(has_edge(&g, nx, np) && has_edge(&g, ny, np) && has_edge(&g, np, nz) && has_edge(&g, np, nx));
  T_EQ(g.m, 4);
  /* PageRank: P holds the mass of two followers (X, Y), as one person. */
  double pr[4];
  T_CHECK(sr_metric_pagerank(&g, 0.85, 1e-10, 200, pr) > 0);
  for (int i = 0; i < 4; i++)
    if (i != np) T_CHECK(pr[np] > pr[i]);
  sr_graph_free(&g);
  /* The held node set: the same four, device keys folded; P's log is held
   * (its own and its devices'), Z is only followed. */
  T_OK(sr_store_graph_nodes(st, SR_VIEW_CONTACT, SR_NODES_HELD, &g));
  T_EQ(g.n, 4);
  T_EQ(g.m, 4);
  T_CHECK(g.held[node_of(&g, p.pk)] && g.held[node_of(&g, x.pk)] && g.held[node_of(&g, y.pk)]);
  T_CHECK(!g.held[node_of(&g, z.pk)]);
  T_EQ(node_of(&g, d1.pk), -1);
  sr_graph_free(&g);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.people, 4);
  T_EQ(info.authors, 5);

  /* The membership view: a project joined from a device is the person's. */
  t_project(&c, "River");
  t_entry_t pe = t_next(&x, TS, "project", &c);
  t_buf_free(&c);
  T_OK(t_ingest1(st, &pe));
  t_membership(&c, pe.id, "member");
  T_OK(td_put(st, &d2, TS, "membership", &c));
  T_OK(sr_store_graph(st, SR_VIEW_MEMBERSHIP, &g));
  T_EQ(g.n, 5);
  T_CHECK(has_edge(&g, node_of(&g, p.pk), node_of(&g, pe.id)));
  T_EQ(g.m, 1);
  sr_graph_free(&g);
  /* projects view: two projects of one person over two keys are linked */
  t_project(&c, "Lake");
  t_entry_t pe2 = t_next(&x, TS, "project", &c);
  t_buf_free(&c);
  T_OK(t_ingest1(st, &pe2));
  t_membership(&c, pe2.id, "supporter");
  T_OK(td_put(st, &p, TS, "membership", &c));
  T_OK(sr_store_graph(st, SR_VIEW_PROJECTS, &g));
  T_EQ(g.n, 2);
  T_CHECK(has_edge(&g, node_of(&g, pe.id), node_of(&g, pe2.id)) && g.m == 2);
  sr_graph_free(&g);
  t_entry_free(&pe);
  t_entry_free(&pe2);

  /* A revoked device: still the person's node up to upto, its later entries out. */
  td_device(&c, d1.pk, "revoke", 2, NULL);
  T_OK(td_put(st, &p, TS, "device", &c));
  T_OK(sr_store_graph(st, SR_VIEW_CONTACT, &g));
  T_EQ(g.n, 4);
  T_CHECK(has_edge(&g, node_of(&g, p.pk), node_of(&g, z.pk))); /* D1's seq 2 */
  sr_graph_free(&g);
  sr_store_close(st);
  t_rmdir(dir);
}

/* Follow state of a person: the newest contact by ts among its keys. */
void dev_graph_follow_state_newest(void) {
  char dir[256];
  t_author_t p, d, z, w;
  t_tmpdir(dir);
  t_author_init(&p, 0xd1);
  t_author_init(&d, 0xd2);
  t_author_init(&z, 0xd3);
  t_author_init(&w, 0xd4);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(td_claim(st, &d, p.pk));
  T_OK(td_add(st, &p, d.pk, NULL));
  T_OK(td_contact(st, &d, z.pk, "follow", TS + 10));
  T_OK(td_contact(st, &p, z.pk, "unfollow", TS + 20)); /* newer: P does not follow Z */
  T_OK(td_contact(st, &p, w.pk, "follow", TS + 10));
  T_OK(td_contact(st, &d, w.pk, "block", TS + 5)); /* older: P follows W */
  sr_graph_t g;
  T_OK(sr_store_graph(st, SR_VIEW_CONTACT, &g));
  int64_t np = node_of(&g, p.pk);
  T_CHECK(!has_edge(&g, np, node_of(&g, z.pk)));
  T_CHECK(has_edge(&g, np, node_of(&g, w.pk)));
  T_EQ(g.m, 1);
  sr_graph_free(&g);
  /* the same for one pair, from either key of the person */
  int state;
  T_OK(sr_store_person_contact(st, p.pk, z.pk, &state));
  T_EQ(state, SR_UNFOLLOW);
  T_OK(sr_store_person_contact(st, d.pk, w.pk, &state));
  T_EQ(state, SR_FOLLOW);
  T_OK(sr_store_person_contact(st, z.pk, p.pk, &state));
  T_EQ(state, 0);
  T_OK(td_contact(st, &z, d.pk, "block", TS)); /* a block of the device is of the person */
  T_OK(sr_store_person_contact(st, z.pk, p.pk, &state));
  T_EQ(state, SR_BLOCK);
  /* the device follows Z again, newest of all: P follows Z */
  T_OK(td_contact(st, &d, z.pk, "follow", TS + 30));
  T_OK(sr_store_graph(st, SR_VIEW_CONTACT, &g));
  np = node_of(&g, p.pk);
  T_CHECK(has_edge(&g, np, node_of(&g, z.pk)));
  T_EQ(g.m, 2);
  sr_graph_free(&g);
  sr_store_close(st);
  t_rmdir(dir);
}

/* Scope: following a person brings all its devices; a device node's self is
 * its person; blocks from any key of the person apply. */
void dev_scope_whole_person(void) {
  char dir[256];
  t_author_t s, p, d1, d2, z, b, q;
  t_tmpdir(dir);
  t_author_init(&s, 0xe1);
  t_author_init(&p, 0xe2);
  t_author_init(&d1, 0xe3);
  t_author_init(&d2, 0xe4);
  t_author_init(&z, 0xe5);
  t_author_init(&b, 0xe6);
  t_author_init(&q, 0xe7);
  sr_store_t *st = t_open_store(dir, 1);
  sr_scope_t sc;
  /* Pairing: each half alone already puts the other key in its own scope
   * (so the two logs meet), and nothing in a stranger's. */
  T_OK(td_add(st, &p, d1.pk, NULL));
  T_OK(td_claim(st, &d2, p.pk));
  T_OK(td_claim(st, &q, p.pk)); /* a claim P never certified */
  T_OK(sr_store_scope(st, p.pk, 0, 0, &sc));
  T_CHECK(sc.n == 2 && sr_scope_has(&sc, d1.pk) && !sr_scope_has(&sc, q.pk));
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, d2.pk, 0, 0, &sc));
  /* P, and D1, which P certified and whose claim is not held: any node with
   * P in scope replicates it, else its claim could never arrive (devpair) */
  T_CHECK(sc.n == 3 && sr_scope_has(&sc, p.pk) && sr_scope_has(&sc, d1.pk) && !sr_scope_has(&sc, q.pk));
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, s.pk, 2, 0, &sc));
  T_EQ(sc.n, 1);
  sr_scope_free(&sc);
  T_OK(td_claim(st, &d1, p.pk));
  T_OK(td_add(st, &p, d2.pk, NULL));
  T_OK(td_contact(st, &s, p.pk, "follow", TS));
  T_OK(td_contact(st, &d2, z.pk, "follow", TS)); /* a device's follow is the person's */
  T_OK(sr_store_scope(st, s.pk, 1, 0, &sc));
  T_EQ(sc.n, 4); /* S, P, D1, D2 */
  T_CHECK(sr_scope_has(&sc, p.pk) && sr_scope_has(&sc, d1.pk) && sr_scope_has(&sc, d2.pk));
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, s.pk, 2, 0, &sc));
  T_CHECK(sr_scope_has(&sc, z.pk) && sc.n == 5);
  sr_scope_free(&sc);

  /* The person's follow state is its keys' newest: D1 unfollows Z later than D2
   * followed it, so Z leaves the scope; D2 follows again, newest: Z is back. */
  T_OK(td_contact(st, &d1, z.pk, "unfollow", TS + 1));
  T_OK(sr_store_scope(st, s.pk, 2, 0, &sc));
  T_CHECK(!sr_scope_has(&sc, z.pk) && sc.n == 4);
  sr_scope_free(&sc);
  T_OK(td_contact(st, &d2, z.pk, "follow", TS + 2));
  T_OK(sr_store_scope(st, s.pk, 2, 0, &sc));
  T_CHECK(sr_scope_has(&sc, z.pk) && sc.n == 5);
  sr_scope_free(&sc);

  /* A device node: its self is the person; hops 1 gives the person's follows. */
  T_OK(td_contact(st, &p, q.pk, "follow", TS));
  T_OK(sr_store_scope(st, d1.pk, 1, 0, &sc));
  T_CHECK(sr_scope_has(&sc, p.pk) && sr_scope_has(&sc, d2.pk) && sr_scope_has(&sc, z.pk) && sr_scope_has(&sc, q.pk));
  T_EQ(sc.n, 5);
  sr_scope_free(&sc);
  /* A block from another key of the person (D2 blocks Q) applies at D1. */
  T_OK(td_contact(st, &d2, q.pk, "block", TS));
  T_OK(td_contact(st, &d1, b.pk, "follow", TS));
  T_OK(sr_store_scope(st, d1.pk, 1, 0, &sc));
  T_CHECK(!sr_scope_has(&sc, q.pk) && sr_scope_has(&sc, b.pk));
  sr_scope_free(&sc);
  /* A revoked device stays in scope (its log up to upto is replicated). */
  t_buf_t c;
  td_device(&c, d2.pk, "revoke", 1, NULL);
  T_OK(td_put(st, &p, TS, "device", &c));
  T_OK(sr_store_scope(st, s.pk, 1, 0, &sc));
  T_CHECK(sr_scope_has(&sc, d2.pk));
  sr_scope_free(&sc);
  /* ... and its follows after upto are gone: Z (D2's seq 2) is not reached. */
  T_OK(sr_store_scope(st, s.pk, 2, 0, &sc));
  T_CHECK(!sr_scope_has(&sc, z.pk));
  sr_scope_free(&sc);
  sr_store_close(st);
  t_rmdir(dir);
}

/* The flow statistics count persons (docs/format.md "Devices"): a cascade's
 * reach and `flow edges` see a person's devices as the person. */
void dev_flow_one_person(void) {
  char dir[256];
  t_author_t p, d1, d2, f;
  t_buf_t c;
  t_tmpdir(dir);
  t_author_init(&p, 0xd1);
  t_author_init(&d1, 0xd2);
  t_author_init(&d2, 0xd3);
  t_author_init(&f, 0xd4);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(td_claim(st, &d1, p.pk));
  T_OK(td_claim(st, &d2, p.pk));
  T_OK(td_add(st, &p, d1.pk, "laptop"));
  T_OK(td_add(st, &p, d2.pk, "phone"));
  T_OK(td_contact(st, &f, d1.pk, "follow", TS)); /* F follows a device: F -> P */
  /* F shares; the laptop reshares it; the phone reshares the laptop's reshare. */
  t_share(&c, "from F", NULL, NULL);
  t_entry_t root = t_next(&f, TS, "share", &c);
  t_buf_free(&c);
  T_OK(t_ingest1(st, &root));
  t_share(&c, NULL, NULL, root.id);
  t_entry_t r1 = t_next(&d1, TS + 1, "share", &c);
  t_buf_free(&c);
  T_OK(t_ingest1(st, &r1));
  t_share(&c, NULL, NULL, r1.id);
  t_entry_t r2 = t_next(&d2, TS + 2, "share", &c);
  t_buf_free(&c);
  T_OK(t_ingest1(st, &r2));

  sr_flowforest_t x;
  T_OK(sr_flowforest_load(st, &x));
  uint32_t reshares = 0;
  /* F, and P once (two of its devices); the store has no self */
  T_EQ(sr_flowforest_reach(&x, root.id, f.pk, &reshares), 2);
  T_EQ(reshares, 1);
  int64_t i1 = sr_flowforest_index(&x, r1.id);
  T_CHECK(i1 >= 0 && memcmp(x.nodes[i1].author, d1.pk, SR_KEY_BYTES) == 0 &&
          memcmp(x.nodes[i1].person, p.pk, SR_KEY_BYTES) == 0);
  sr_flowforest_free(&x);

  /* One pair, F and P: F's entry reshared by P (once: the phone's reshare is
   * of P's own reshare, within the person), and F follows P. */
  sr_flowpair_t *pairs = NULL;
  size_t n = 0;
  T_OK(sr_store_flow_pairs(st, &pairs, &n));
  T_EQ(n, 1);
  if (n == 1) {
    int f_first = memcmp(f.pk, p.pk, SR_KEY_BYTES) < 0;
    T_CHECK(memcmp(pairs[0].a, f_first ? f.pk : p.pk, SR_KEY_BYTES) == 0);
    T_CHECK(memcmp(pairs[0].b, f_first ? p.pk : f.pk, SR_KEY_BYTES) == 0);
    T_EQ(pairs[0].ab + pairs[0].ba, 1);
    T_EQ(f_first ? pairs[0].ab : pairs[0].ba, 1); /* from F to P */
    T_EQ(pairs[0].contact, 1);
  }
  free(pairs);
  t_entry_free(&root);
  t_entry_free(&r1);
  t_entry_free(&r2);
  sr_store_close(st);
  t_rmdir(dir);
}
