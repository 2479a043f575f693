/* test_devices.c (main of test_devices, see test_devices.h): the device and
 * device-of schemas, the binding rule in both arrival orders, the hostile
 * cases (a certificate by the wrong key, a device claimed by two people, a
 * chain, replayed revocations), revocation at ingest and of entries stored
 * before it, and reindex giving the same bindings. */
#include "tests/unit/test_devices.h"
#include <lmdb.h>

#define TS T_TS

void td_device(t_buf_t *b, const uint8_t dev[SR_KEY_BYTES], const char *state, long long upto, const char *name) {
  t_buf_init(b);
  t_mp_map(b, 2 + (name != NULL) + (upto >= 0));
  t_mp_str(b, "device");
  t_mp_bin(b, dev, SR_KEY_BYTES);
  if (name) {
    t_mp_str(b, "name");
    t_mp_str(b, name);
  }
  t_mp_str(b, "state");
  t_mp_str(b, state);
  if (upto >= 0) {
    t_mp_str(b, "upto");
    t_mp_uint(b, (uint64_t)upto);
  }
}

void td_device_of(t_buf_t *b, const uint8_t person[SR_KEY_BYTES]) {
  t_buf_init(b);
  t_mp_map(b, 1);
  t_mp_str(b, "person");
  t_mp_bin(b, person, SR_KEY_BYTES);
}

int td_put(sr_store_t *st, t_author_t *a, uint64_t ts, const char *type, t_buf_t *c) {
  t_entry_t e = t_next(a, ts, type, c);
  int rc = t_ingest1(st, &e);
  t_entry_free(&e);
  t_buf_free(c);
  return rc;
}

int td_contact(sr_store_t *st, t_author_t *a, const uint8_t *who, const char *state, uint64_t ts) {
  t_buf_t c;
  t_contact(&c, who, state);
  return td_put(st, a, ts, "contact", &c);
}

int td_add(sr_store_t *st, t_author_t *p, const uint8_t *dev, const char *name) {
  t_buf_t c;
  td_device(&c, dev, "add", -1, name);
  return td_put(st, p, TS, "device", &c);
}

int td_claim(sr_store_t *st, t_author_t *dev, const uint8_t *person) {
  t_buf_t c;
  td_device_of(&c, person);
  return td_put(st, dev, TS, "device-of", &c);
}

int td_person_is(sr_store_t *st, const uint8_t *key, uint64_t seq, const uint8_t *want) {
  uint8_t p[SR_KEY_BYTES];
  T_OK(sr_store_person_of(st, key, seq, p));
  return memcmp(p, want, SR_KEY_BYTES) == 0;
}

/* ---- schemas ---- */

/* The entry parse_at made last: o's pointers point into it until the next call. */
static t_entry_t parse_last;

static int parse_at(const t_author_t *a, uint64_t seq, const char *type, t_buf_t *c, sr_content_t *o, char *w) {
  uint8_t prev[SR_ID_BYTES] = {1};
  if (parse_last.raw) t_entry_free(&parse_last);
  parse_last = t_make(a, seq, seq == 1 ? NULL : prev, TS, type, c);
  sr_entry_t d;
  int rc = sr_entry_decode(parse_last.raw, parse_last.len, &d);
  w[0] = '\0';
  if (rc == 0) rc = sr_content_parse(&d, o, w, 160);
  t_buf_free(c);
  return rc;
}

#define BAD_AT(a, seq, type, c, field)                                                                                 \
  do {                                                                                                                 \
    sr_content_t o_;                                                                                                   \
    char w_[160];                                                                                                      \
    T_EQ(parse_at((a), (seq), (type), (c), &o_, w_), SR_ECONTENT);                                                     \
    T_HAS(w_, (field));                                                                                                \
  } while (0)

static void dev_schema(void) {
  t_author_t p, d;
  t_buf_t c;
  sr_content_t o;
  char w[160];
  t_author_init(&p, 0x51);
  t_author_init(&d, 0x52);

  td_device(&c, d.pk, "add", -1, "laptop");
  T_OK(parse_at(&p, 3, "device", &c, &o, w));
  T_EQ(o.type, SR_CT_DEVICE);
  T_EQ(o.state, SR_DEVICE_ADD);
  T_MEMEQ(o.device, d.pk, SR_KEY_BYTES);
  T_CHECK(o.name_len == 6 && memcmp(o.name, "laptop", 6) == 0);
  T_EQ(o.has_upto, 0);
  td_device(&c, d.pk, "add", -1, NULL);
  T_OK(parse_at(&p, 1, "device", &c, &o, w));
  T_CHECK(o.name == NULL);
  td_device(&c, d.pk, "revoke", 7, NULL);
  T_OK(parse_at(&p, 9, "device", &c, &o, w));
  T_EQ(o.state, SR_DEVICE_REVOKE);
  T_CHECK(o.has_upto && o.upto == 7);
  td_device(&c, d.pk, "revoke", 0, NULL);
  T_OK(parse_at(&p, 9, "device", &c, &o, w));
  T_CHECK(o.has_upto && o.upto == 0);
  td_device_of(&c, p.pk);
  T_OK(parse_at(&d, 1, "device-of", &c, &o, w));
  T_EQ(o.type, SR_CT_DEVICE_OF);
  T_MEMEQ(o.person, p.pk, SR_KEY_BYTES);
  T_EQ(sr_device_state_parse("revoke", 6), SR_DEVICE_REVOKE);
  T_CHECK(strcmp(sr_device_state_name(SR_DEVICE_ADD), "add") == 0);

  td_device(&c, d.pk, "remove", -1, NULL);
  BAD_AT(&p, 2, "device", &c, "device.state must be add or revoke");
  td_device(&c, d.pk, "add", 3, NULL);
  BAD_AT(&p, 2, "device", &c, "upto must be absent");
  td_device(&c, d.pk, "revoke", -1, NULL);
  BAD_AT(&p, 2, "device", &c, "upto is required");
  td_device(&c, p.pk, "add", -1, NULL);
  BAD_AT(&p, 2, "device", &c, "author's own key");
  td_device(&c, d.pk, "add", -1, "a label that is far longer than sixty-four bytes, which a device label may not be");
  BAD_AT(&p, 2, "device", &c, "at most 64 bytes");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "device");
  t_mp_bin(&c, d.pk, 31);
  t_mp_str(&c, "state");
  t_mp_str(&c, "add");
  BAD_AT(&p, 2, "device", &c, "device.device must be 32 bytes");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "state");
  t_mp_str(&c, "add");
  BAD_AT(&p, 2, "device", &c, "device needs device and state");
  t_buf_init(&c);
  t_mp_map(&c, 3);
  t_mp_str(&c, "device");
  t_mp_bin(&c, d.pk, SR_KEY_BYTES);
  t_mp_str(&c, "state");
  t_mp_str(&c, "revoke");
  t_mp_str(&c, "upto");
  t_mp_str(&c, "7");
  BAD_AT(&p, 2, "device", &c, "device.upto must be an unsigned integer");
  td_device_of(&c, p.pk);
  BAD_AT(&d, 2, "device-of", &c, "only valid as seq 1");
  td_device_of(&c, d.pk);
  BAD_AT(&d, 1, "device-of", &c, "author's own key");
  t_buf_init(&c);
  t_mp_map(&c, 0);
  BAD_AT(&d, 1, "device-of", &c, "device-of needs person");
  t_entry_free(&parse_last);
  parse_last.raw = NULL;
  /* A device-of past seq 1 is refused at ingest too: the schema sees the seq. */
  char dir[256];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(td_contact(st, &d, p.pk, "follow", TS));
  T_EQ(td_claim(st, &d, p.pk), SR_ECONTENT);
  sr_store_close(st);
  t_rmdir(dir);
}

/* ---- binding ---- */

static void check_bound(sr_store_t *st, const t_author_t *p, const t_author_t *d, const char *name) {
  sr_device_t *ds = NULL, one;
  size_t n = 0;
  int found;
  T_CHECK(td_person_is(st, d->pk, 0, p->pk));
  T_CHECK(td_person_is(st, d->pk, 5, p->pk));
  T_CHECK(td_person_is(st, p->pk, 0, p->pk));
  T_OK(sr_store_devices_of(st, p->pk, &ds, &n));
  T_EQ(n, 1);
  T_MEMEQ(ds[0].key, d->pk, SR_KEY_BYTES);
  T_MEMEQ(ds[0].person, p->pk, SR_KEY_BYTES);
  T_EQ(ds[0].bound, 1);
  T_EQ(ds[0].revoked, 0);
  T_EQ(ds[0].added_ms, TS);
  T_CHECK(strcmp(ds[0].name, name) == 0);
  free(ds);
  T_OK(sr_store_device_get(st, d->pk, &one, &found));
  T_CHECK(found && one.bound);
  sr_personmap_t *m;
  T_OK(sr_store_personmap(st, &m));
  T_EQ(sr_personmap_count(m), 1);
  T_CHECK(sr_personmap_person(m, d->pk, 0) && memcmp(sr_personmap_person(m, d->pk, 0), p->pk, SR_KEY_BYTES) == 0);
  T_CHECK(sr_personmap_person(m, p->pk, 0) == NULL);
  size_t first;
  T_EQ(sr_personmap_devices(m, p->pk, &first), 1);
  const uint8_t *k;
  sr_personmap_at(m, first, &k, NULL);
  T_MEMEQ(k, d->pk, SR_KEY_BYTES);
  sr_personmap_free(m);
}

static void dev_bind_both_orders(void) {
  for (int order = 0; order < 3; order++) {
    char dir[256];
    t_author_t p, d, q;
    t_tmpdir(dir);
    t_author_init(&p, 0x61);
    t_author_init(&d, 0x62);
    t_author_init(&q, 0x63);
    sr_store_t *st = t_open_store(dir, 1);
    /* order 2: another key's certificate came first and holds the record */
    if (order == 2) T_OK(td_add(st, &q, d.pk, "not mine"));
    T_OK(td_contact(st, &p, d.pk, "follow", TS)); /* the certificate is not seq 1 */
    if (order == 0) {
      T_OK(td_claim(st, &d, p.pk));
      T_CHECK(td_person_is(st, d.pk, 0, d.pk)); /* one half: nothing */
      T_OK(td_add(st, &p, d.pk, "laptop"));
    } else { /* the certificate first, then the claim */
      T_OK(td_add(st, &p, d.pk, "laptop"));
      T_CHECK(td_person_is(st, d.pk, 0, d.pk));
      sr_device_t *ds;
      size_t n;
      T_OK(sr_store_devices_of(st, p.pk, &ds, &n));
      T_CHECK(n == 1 && !ds[0].bound); /* listed, not bound yet */
      free(ds);
      T_OK(td_claim(st, &d, p.pk));
    }
    check_bound(st, &p, &d, "laptop");
    T_EQ(t_verify(st), 0);
    sr_store_close(st);
    t_rmdir(dir);
  }
}

/* ---- hostile ---- */

static void dev_hostile(void) {
  char dir[256];
  t_author_t p, q, d, e, f;
  t_buf_t c;
  t_tmpdir(dir);
  t_author_init(&p, 0x71);
  t_author_init(&q, 0x72);
  t_author_init(&d, 0x73);
  t_author_init(&e, 0x74);
  t_author_init(&f, 0x75);
  sr_store_t *st = t_open_store(dir, 1);

  /* Signed by the wrong key: Q certifies D, whose seq 1 names P. Before and
   * after the claim, Q's certificate binds nothing. */
  T_OK(td_add(st, &q, d.pk, "q's"));
  T_OK(td_claim(st, &d, p.pk));
  T_OK(td_add(st, &q, f.pk, NULL));
  T_CHECK(td_person_is(st, d.pk, 0, d.pk));
  sr_device_t *ds;
  size_t n;
  T_OK(sr_store_devices_of(st, q.pk, &ds, &n));
  T_EQ(n, 2);
  T_CHECK(!ds[0].bound && !ds[1].bound);
  free(ds);
  /* D's person certifies it: bound to P, Q's certificate still nothing. */
  T_OK(td_add(st, &p, d.pk, "laptop"));
  check_bound(st, &p, &d, "laptop");

  /* Claimed by two people: D's seq 1 names P; a second claim cannot exist
   * (device-of only at seq 1), and Q's certificate after binding changes nothing. */
  T_OK(td_add(st, &q, d.pk, "again"));
  check_bound(st, &p, &d, "laptop");

  /* Replayed revocation: the same revoke content in Q's log changes nothing. */
  td_device(&c, d.pk, "revoke", 0, NULL);
  T_OK(td_put(st, &q, TS, "device", &c));
  check_bound(st, &p, &d, "laptop");
  T_OK(td_contact(st, &d, q.pk, "follow", TS)); /* D's seq 2 still taken */

  /* Chain: E claims D (a device); D's certificate of E has no effect. */
  T_OK(td_claim(st, &e, d.pk));
  T_OK(td_add(st, &d, e.pk, NULL));
  T_CHECK(td_person_is(st, e.pk, 0, e.pk));
  T_OK(sr_store_devices_of(st, d.pk, &ds, &n));
  T_EQ(n, 0);
  /* F claims Q after Q's certificate: Q is no device, so F binds to Q. */
  T_OK(td_claim(st, &f, q.pk));
  T_CHECK(td_person_is(st, f.pk, 0, q.pk));

  /* Second revocation with another upto, then an add: the first wins, final. */
  td_device(&c, d.pk, "revoke", 2, NULL);
  T_OK(td_put(st, &p, TS, "device", &c));
  td_device(&c, d.pk, "revoke", 9, NULL);
  T_OK(td_put(st, &p, TS, "device", &c));
  T_OK(td_add(st, &p, d.pk, "back"));
  sr_device_t one;
  int found;
  T_OK(sr_store_device_get(st, d.pk, &one, &found));
  T_CHECK(found && one.bound && one.revoked && one.upto == 2);
  T_CHECK(strcmp(one.name, "laptop") == 0);
  T_CHECK(td_person_is(st, d.pk, 2, p.pk));
  T_CHECK(td_person_is(st, d.pk, 3, d.pk));
  T_EQ(td_contact(st, &d, p.pk, "follow", TS), SR_EREVOKED);
  /* An add after a revoke (of a key never added before) has no effect either. */
  t_author_t g;
  t_author_init(&g, 0x76);
  td_device(&c, g.pk, "revoke", 0, NULL);
  T_OK(td_put(st, &p, TS, "device", &c));
  T_OK(td_add(st, &p, g.pk, "after"));
  T_OK(td_claim(st, &g, p.pk));
  T_CHECK(td_person_is(st, g.pk, 0, g.pk));
  T_OK(sr_store_device_get(st, g.pk, &one, &found));
  T_CHECK(found && !one.bound && one.revoked && one.upto == 0 && one.added_ms == 0);
  T_EQ(td_contact(st, &g, p.pk, "follow", TS), SR_EREVOKED);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_rmdir(dir);
}

/* ---- revocation ---- */

static void dev_revoked(void) {
  char dir[256];
  t_author_t p, d, x, y;
  t_buf_t c;
  t_tmpdir(dir);
  t_author_init(&p, 0x81);
  t_author_init(&d, 0x82);
  t_author_init(&x, 0x83);
  t_author_init(&y, 0x84);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(td_claim(st, &d, p.pk));                   /* D seq 1 */
  T_OK(td_add(st, &p, d.pk, "phone"));            /* P seq 1 */
  T_OK(td_contact(st, &d, x.pk, "follow", TS));   /* D seq 2: stays P's */
  T_OK(td_contact(st, &d, y.pk, "follow", TS));   /* D seq 3: stored, then revoked */
  T_OK(td_contact(st, &d, x.pk, "unfollow", TS)); /* D seq 4: the same */
  t_about(&c, "stolen phone");
  T_OK(td_put(st, &d, TS + 9, "about", &c)); /* D seq 5 */
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, d.pk, y.pk), 1);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, d.pk, x.pk), 0);
  td_device(&c, d.pk, "revoke", 2, NULL);
  T_OK(td_put(st, &p, TS, "device", &c));
  /* The entries after upto left the graph; the one before it is back. */
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, d.pk, y.pk), 0);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, d.pk, x.pk), 1);
  char nm[SR_DEVICE_NAME_MAX];
  int found;
  size_t len;
  T_OK(sr_store_person_name(st, d.pk, nm, sizeof(nm), &len, &found));
  T_EQ(found, 0); /* the stolen phone's about is not the person's */
  sr_personmap_t *m;
  T_OK(sr_store_personmap(st, &m));
  T_CHECK(sr_personmap_person(m, d.pk, 2) != NULL && sr_personmap_person(m, d.pk, 3) == NULL);
  T_CHECK(!sr_personmap_revoked_tail(m, d.pk, 2) && sr_personmap_revoked_tail(m, d.pk, 3));
  T_CHECK(!sr_personmap_revoked_tail(m, p.pk, 9) && !sr_personmap_revoked_tail(NULL, d.pk, 3));
  sr_personmap_free(m);
  /* ... but they stay in the log (append-only). */
  sr_head_t h;
  T_OK(sr_store_get_head(st, d.pk, &h));
  T_EQ(h.seq, 5);
  /* A later entry of D is refused and never stored. */
  t_entry_t e6 = t_next(&d, TS, "contact", (t_contact(&c, y.pk, "follow"), &c));
  t_buf_free(&c);
  sr_ingest_item_t *items = NULL;
  t_entry_t *es[1] = {&e6};
  sr_ingest_stats_t s;
  T_OK(t_ingest(st, es, 1, &s, &items));
  T_EQ(items[0].status, SR_EREVOKED);
  T_HAS(items[0].why, "after its seq 2");
  T_EQ(s.rejected, 1);
  free(items);
  uint8_t buf[SR_ENTRY_MAX];
  T_EQ(sr_store_get_entry(st, e6.id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_OK(sr_store_get_head(st, d.pk, &h));
  T_EQ(h.seq, 5);
  T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, d.pk, y.pk), 0);
  t_entry_free(&e6);
  T_EQ(t_verify(st), 0);

  /* Reindex: the same picture and the same binding. */
  char *before = t_snapshot(st);
  sr_device_t b1, b2;
  T_OK(sr_store_device_get(st, d.pk, &b1, &found));
  T_OK(sr_store_reindex(st, NULL, NULL));
  char *after = t_snapshot(st);
  if (strcmp(before, after)) fprintf(stderr, "BEFORE\n%s\nAFTER\n%s\n", before, after);
  T_CHECK(strcmp(before, after) == 0);
  T_OK(sr_store_device_get(st, d.pk, &b2, &found));
  T_CHECK(found && memcmp(&b1, &b2, sizeof(b1)) == 0 && b2.revoked && b2.upto == 2);
  free(before);
  free(after);
  sr_store_close(st);
  t_rmdir(dir);
}

/* Reindex rebuilds the same bindings whatever the key order of person and
 * device (reindex replays by author): both orders, with a revocation. */
static void dev_reindex_same(void) {
  for (int seed = 0; seed < 2; seed++) {
    char dir[256];
    t_author_t p, d, q;
    t_buf_t c;
    t_tmpdir(dir);
    /* seed 0: P's key sorts first or second against D's, by the seeds */
    t_author_init(&p, seed ? 0x91 : 0x92);
    t_author_init(&d, seed ? 0x92 : 0x91);
    t_author_init(&q, 0x93);
    sr_store_t *st = t_open_store(dir, 1);
    T_OK(td_add(st, &q, d.pk, NULL));
    T_OK(td_claim(st, &d, p.pk));
    T_OK(td_contact(st, &d, q.pk, "follow", TS));
    T_OK(td_contact(st, &d, p.pk, "block", TS));
    T_OK(td_add(st, &p, d.pk, "tablet"));
    td_device(&c, d.pk, "revoke", 2, NULL);
    T_OK(td_put(st, &p, TS, "device", &c));
    char *before = t_snapshot(st);
    sr_device_t b1, b2, *l1, *l2;
    size_t n1, n2;
    int found;
    T_OK(sr_store_device_get(st, d.pk, &b1, &found));
    T_OK(sr_store_devices_of(st, q.pk, &l1, &n1));
    T_OK(sr_store_reindex(st, NULL, NULL));
    char *after = t_snapshot(st);
    T_CHECK(strcmp(before, after) == 0);
    T_OK(sr_store_device_get(st, d.pk, &b2, &found));
    T_CHECK(found && memcmp(&b1, &b2, sizeof(b1)) == 0);
    T_CHECK(b2.bound && b2.revoked && b2.upto == 2 && memcmp(b2.person, p.pk, SR_KEY_BYTES) == 0);
    T_OK(sr_store_devices_of(st, q.pk, &l2, &n2));
    T_CHECK(n1 == 1 && n2 == 1 && memcmp(l1, l2, sizeof(*l1)) == 0 && !l2[0].bound);
    T_EQ(t_has_edge(st, SR_EDGE_FOLLOW, d.pk, q.pk), 1);
    T_EQ(t_has_edge(st, SR_EDGE_BLOCK, d.pk, p.pk), 0);
    free(l1);
    free(l2);
    free(before);
    free(after);
    sr_store_close(st);
    t_rmdir(dir);
  }
}

/* A store made before the devices databases: open adds them. */
static void dev_old_store_gets_dbs(void) {
  char dir[256];
  t_author_t p, d;
  t_tmpdir(dir);
  t_author_init(&p, 0xa1);
  t_author_init(&d, 0xa2);
  sr_store_t *st = t_open_store(dir, 1);
  sr_store_close(st);
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, MDB_NOTLS, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "devices", 0, &dbi));
  T_OK(mdb_drop(txn, dbi, 1));
  T_OK(mdb_dbi_open(txn, "person_devices", MDB_DUPSORT, &dbi));
  T_OK(mdb_drop(txn, dbi, 1));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 0);
  T_OK(td_claim(st, &d, p.pk));
  T_OK(td_add(st, &p, d.pk, "old"));
  check_bound(st, &p, &d, "old");
  sr_store_close(st);
  t_rmdir(dir);
}

/* sr_store_verify checks each binding against the logs; reindex repairs it. */
static void dev_verify_checks_bindings(void) {
  char dir[256];
  t_author_t p, d, q;
  t_tmpdir(dir);
  t_author_init(&p, 0xa5);
  t_author_init(&d, 0xa6);
  t_author_init(&q, 0xa7);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(td_claim(st, &d, p.pk));
  T_OK(td_add(st, &p, d.pk, "desk"));
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  /* the record now names another person than D's seq 1 */
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val k = {SR_KEY_BYTES, d.pk}, v;
  uint8_t rec[512];
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, MDB_NOTLS, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "devices", 0, &dbi));
  T_OK(mdb_get(txn, dbi, &k, &v));
  T_CHECK(v.mv_size <= sizeof(rec));
  memcpy(rec, v.mv_data, v.mv_size);
  memcpy(rec, q.pk, SR_KEY_BYTES);
  v.mv_data = rec;
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 0);
  T_EQ(t_verify(st), 1);
  T_OK(sr_store_reindex(st, NULL, NULL));
  T_EQ(t_verify(st), 0);
  T_CHECK(td_person_is(st, d.pk, 0, p.pk));
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  T_RUN(dev_schema);
  T_RUN(dev_bind_both_orders);
  T_RUN(dev_hostile);
  T_RUN(dev_revoked);
  T_RUN(dev_reindex_same);
  T_RUN(dev_old_store_gets_dbs);
  T_RUN(dev_verify_checks_bindings);
  T_RUN(dev_names_newest_about);
  T_RUN(dev_graph_one_person);
  T_RUN(dev_flow_one_person);
  T_RUN(dev_graph_follow_state_newest);
  T_RUN(dev_scope_whole_person);
  fprintf(stderr, "ok: %d checks\n", t_checks);
  return 0;
}
