/* test_store_net.c: the store's pieces for the gossip daemon, on real stores
 * in temp dirs — reading a log by seq and streaming it (store/store.h),
 * opening a store made before the node-state databases existed, reindex
 * leaving node state alone; the fixtures the parts share (test_store_net.h),
 * and main, which runs the tests of every part: peers (test_store_net_peers.c),
 * invites, relay members and the replication scope (test_store_net_scope.c). */
#include "tests/unit/test_store_net.h"
#include <lmdb.h>

uint64_t g_arrival = TS;

void ingest_all(sr_store_t *st, t_entry_t *const *es, size_t n, int want_status) {
  sr_ingest_item_t *items = calloc(n, sizeof(*items));
  T_CHECK(items != NULL);
  for (size_t i = 0; i < n; i++) {
    items[i].raw = es[i]->raw;
    items[i].len = es[i]->len;
    items[i].flow.received_at = g_arrival++;
    items[i].flow.hops = 2;
    items[i].flow.from[0] = 0x77;
    items[i].flow.source = SR_SRC_PEER;
  }
  T_OK(sr_store_ingest(st, items, n, 1, NOW, NULL));
  for (size_t i = 0; i < n; i++) T_EQ(items[i].status, want_status);
  free(items);
}

void ingest1(sr_store_t *st, t_entry_t *e, int want_status) { ingest_all(st, &e, 1, want_status); }

void contact(sr_store_t *st, t_author_t *a, const t_author_t *who, const char *state) {
  t_buf_t c;
  t_contact(&c, who->pk, state);
  t_entry_t e = t_next(a, TS + a->seq, "contact", &c);
  ingest1(st, &e, 0);
  t_entry_free(&e);
  t_buf_free(&c);
}

void peer_fill(sr_peer_rec_t *p, uint8_t keybyte, const char *addr) {
  memset(p, 0, sizeof(*p));
  memset(p->key, keybyte, SR_KEY_BYTES);
  if (*addr) T_CHECK(sr_peer_addr_add(p, addr) == 0);
}

int member_cb(void *ctx, const sr_member_rec_t *m) {
  member_q_t *q = ctx;
  if (q->n < 8) {
    memcpy(q->keys[q->n], m->key, SR_KEY_BYTES);
    q->joined[q->n] = m->joined_ms;
  }
  q->n++;
  return 0;
}

t_author_t S, A, B, C, D, E, F, G, M1, H, I;

void check_scope(const sr_scope_t *sc, const t_author_t *const *want, size_t n, const char *file, int line) {
  if (sc->n != n) t_fail(file, line, "scope has %zu keys, want %zu", sc->n, n);
  for (size_t i = 0; i < n; i++)
    if (!sr_scope_has(sc, want[i]->pk)) t_fail(file, line, "scope lacks wanted key #%zu", i);
  for (size_t i = 1; i < sc->n; i++)
    if (memcmp(sc->keys[i - 1], sc->keys[i], SR_KEY_BYTES) >= 0) t_fail(file, line, "scope not sorted/unique");
}

void init_authors(void) {
  t_author_t *all[] = {&S, &A, &B, &C, &D, &E, &F, &G, &M1, &H, &I};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) t_author_init(all[i], (uint8_t)(0x51 + i));
}

void build_scope_graph(sr_store_t *st) {
  init_authors();
  contact(st, &S, &A, "follow");
  contact(st, &S, &F, "follow");
  contact(st, &S, &D, "block");
  contact(st, &A, &B, "follow");
  contact(st, &A, &D, "follow");
  contact(st, &B, &C, "follow");
  contact(st, &D, &E, "follow");
  contact(st, &F, &G, "follow");
  contact(st, &M1, &H, "follow");
  contact(st, &M1, &D, "follow");
  contact(st, &H, &I, "follow");
  /* S once followed B, then unfollowed: no edge */
  contact(st, &S, &B, "follow");
  contact(st, &S, &B, "unfollow");
  /* fork F: a second seq 2 */
  uint8_t f1[SR_ID_BYTES];
  t_buf_t c;
  memcpy(f1, F.head, SR_ID_BYTES);
  t_share(&c, "first branch", NULL, NULL);
  t_entry_t f2 = t_next(&F, TS + 10, "share", &c);
  ingest1(st, &f2, 0);
  t_buf_free(&c);
  t_share(&c, "second branch", NULL, NULL);
  t_entry_t f2b = t_make(&F, 2, f1, TS + 11, "share", &c);
  ingest1(st, &f2b, SR_EFORK);
  t_entry_free(&f2b);
  t_buf_free(&c);
  t_entry_free(&f2);
}

/* ---- reading a log by seq, streaming it ---- */

/* The seqs of a stream, the first STREAM_Q_MAX of them (n counts all). */
#define STREAM_Q_MAX 64
typedef struct {
  size_t n, stop_after;
  int stop_rc;
  uint64_t seqs[STREAM_Q_MAX];
  int bytes_ok;
  const t_entry_t *es; /* es[seq-1] is the entry of seq */
} stream_q_t;

static int stream_cb(void *ctx, const uint8_t *raw, size_t len, uint64_t seq) {
  stream_q_t *q = ctx;
  if (q->n < STREAM_Q_MAX) q->seqs[q->n] = seq;
  if (seq == 0 || len != q->es[seq - 1].len || memcmp(raw, q->es[seq - 1].raw, len) != 0) q->bytes_ok = 0;
  q->n++;
  return q->stop_after && q->n == q->stop_after ? q->stop_rc : 0;
}

static void stream_from(sr_store_t *st, const t_author_t *a, const t_entry_t *es, uint64_t from, size_t max,
                        size_t stop_after, stream_q_t *q, int want_rc) {
  memset(q, 0, sizeof(*q));
  q->es = es;
  q->bytes_ok = 1;
  q->stop_after = stop_after;
  q->stop_rc = 7;
  T_EQ(sr_store_stream_log(st, a->pk, from, max, stream_cb, q), want_rc);
  T_CHECK(q->bytes_ok);
  for (size_t i = 1; i < q->n && i < STREAM_Q_MAX; i++) T_EQ(q->seqs[i], q->seqs[i - 1] + 1);
}

#define POST_TEXT_MAX 32 /* the texts of the entries below */
void log_by_seq_and_stream(void) {
  char dir[256];
  t_author_t a, b, z;
  t_entry_t es[50], bs[3];
  t_entry_t *ptr[53];
  uint8_t buf[SR_ENTRY_MAX];
  size_t len = 0;
  sr_flow_t fl;
  stream_q_t q;
  t_buf_t c;
  char text[POST_TEXT_MAX];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  /* b's key sorts right after a's in the log: streaming a must stop at a's end */
  t_author_init(&a, 0x21);
  t_author_init(&b, 0x22);
  t_author_init(&z, 0x23);
  for (size_t i = 0; i < 50; i++) {
    snprintf(text, sizeof(text), "post %zu", i + 1);
    t_share(&c, text, NULL, NULL);
    es[i] = t_next(&a, TS + i, "share", &c);
    t_buf_free(&c);
    ptr[i] = &es[i];
  }
  for (size_t i = 0; i < 3; i++) {
    t_about(&c, "b");
    bs[i] = t_next(&b, TS + i, "about", &c);
    t_buf_free(&c);
    ptr[50 + i] = &bs[i];
  }
  ingest_all(st, ptr, 53, 0);

  /* get_by_seq */
  uint64_t first_arrival = g_arrival - 53;
  T_OK(sr_store_get_by_seq(st, a.pk, 1, buf, sizeof(buf), &len, &fl));
  T_EQ(len, es[0].len);
  T_MEMEQ(buf, es[0].raw, len);
  T_EQ(fl.received_at, first_arrival);
  T_EQ(fl.hops, 2);
  T_EQ(fl.from[0], 0x77);
  T_EQ(fl.source, SR_SRC_PEER);
  T_OK(sr_store_get_by_seq(st, a.pk, 25, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, es[24].raw, es[24].len);
  T_OK(sr_store_get_by_seq(st, a.pk, 50, buf, sizeof(buf), &len, &fl));
  T_MEMEQ(buf, es[49].raw, es[49].len);
  T_EQ(fl.received_at, first_arrival + 49);
  T_EQ(sr_store_get_by_seq(st, a.pk, 51, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_EQ(sr_store_get_by_seq(st, a.pk, 0, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_EQ(sr_store_get_by_seq(st, z.pk, 1, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_EQ(sr_store_get_by_seq(st, a.pk, 1, buf, es[0].len - 1, &len, NULL), SR_ETOOBIG);
  T_OK(sr_store_get_by_seq(st, b.pk, 3, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, bs[2].raw, bs[2].len);

  /* stream_log: everything, then windows, then limits */
  stream_from(st, &a, es, 1, 1000, 0, &q, 0);
  T_EQ(q.n, 50);
  T_EQ(q.seqs[0], 1);
  T_EQ(q.seqs[49], 50);
  stream_from(st, &a, es, 0, 1000, 0, &q, 0); /* 0 is taken as 1 */
  T_EQ(q.n, 50);
  T_EQ(q.seqs[0], 1);
  stream_from(st, &a, es, 10, 5, 0, &q, 0); /* max */
  T_EQ(q.n, 5);
  T_EQ(q.seqs[0], 10);
  T_EQ(q.seqs[4], 14);
  stream_from(st, &a, es, 45, 100, 0, &q, 0); /* log end */
  T_EQ(q.n, 6);
  T_EQ(q.seqs[5], 50);
  stream_from(st, &a, es, 50, 1, 0, &q, 0);
  T_EQ(q.n, 1);
  T_EQ(q.seqs[0], 50);
  stream_from(st, &a, es, 51, 100, 0, &q, 0); /* past the end: nothing, not b's entries */
  T_EQ(q.n, 0);
  stream_from(st, &a, es, 1, 0, 0, &q, 0); /* max 0 */
  T_EQ(q.n, 0);
  stream_from(st, &a, es, 20, 100, 3, &q, 7); /* early stop returns the callback's value */
  T_EQ(q.n, 3);
  T_EQ(q.seqs[2], 22);
  stream_from(st, &z, es, 1, 100, 0, &q, 0); /* unknown author */
  T_EQ(q.n, 0);
  stream_from(st, &b, bs, 2, 100, 0, &q, 0);
  T_EQ(q.n, 2);
  T_EQ(q.seqs[1], 3);

  /* a forked author: by seq gives the head branch, never the fork proof */
  t_share(&c, "fork of 2", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 99, "share", &c);
  t_buf_free(&c);
  ingest1(st, &f2, SR_EFORK);
  T_OK(sr_store_get_by_seq(st, a.pk, 2, buf, sizeof(buf), &len, NULL));
  T_EQ(len, es[1].len);
  T_MEMEQ(buf, es[1].raw, len);
  stream_from(st, &a, es, 1, 3, 0, &q, 0);
  T_EQ(q.n, 3);
  t_entry_free(&f2);

  for (size_t i = 0; i < 50; i++) t_entry_free(&es[i]);
  for (size_t i = 0; i < 3; i++) t_entry_free(&bs[i]);
  sr_store_close(st);
  t_rmdir(dir);
}

/* ---- stores from before the node-state databases; reindex ---- */

/* Drops the named databases names[0..n) of the store in dir (deletes them),
 * through liblmdb directly. */
static void drop_dbs(const char *dir, const char *const *names, size_t n) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  for (size_t i = 0; i < n; i++) {
    T_OK(mdb_dbi_open(txn, names[i], 0, &dbi));
    T_OK(mdb_drop(txn, dbi, 1));
  }
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
}

/* 1 when the named database exists in the store in dir. */
static int db_exists(const char *dir, const char *name) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, MDB_RDONLY, 0600));
  T_OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
  int rc = mdb_dbi_open(txn, name, 0, &dbi);
  mdb_txn_abort(txn);
  mdb_env_close(env);
  T_CHECK(rc == 0 || rc == MDB_NOTFOUND);
  return rc == 0;
}

void open_adds_missing_node_dbs(void) {
  static const char *const added[] = {"peers", "invites", "relay_members", "device_codes"};
  char dir[256], err[512];
  sr_peer_rec_t p, got;
  t_author_t a;
  t_buf_t c;
  sr_head_t h;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x31);
  t_about(&c, "old");
  t_entry_t e = t_next(&a, TS, "about", &c);
  t_buf_free(&c);
  ingest1(st, &e, 0);
  sr_store_close(st);
  drop_dbs(dir, added, 4);
  for (int i = 0; i < 4; i++) T_CHECK(!db_exists(dir, added[i]));

  /* create == 0 still opens it, adding the databases; the old data is there */
  st = t_open_store(dir, 0);
  for (int i = 0; i < 4; i++) T_CHECK(db_exists(dir, added[i]));
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 1);
  T_EQ(sr_store_peer_count(st), 0);
  T_EQ(sr_store_is_member(st, a.pk), 0);
  peer_fill(&p, 0x44, "seurone://127.0.0.1:8008/x");
  T_OK(sr_store_peer_put(st, &p));
  sr_store_close(st);
  st = t_open_store(dir, 0); /* up to date now: a plain read-only open */
  T_OK(sr_store_peer_get(st, p.key, &got));
  sr_store_close(st);

  /* the same through create == 1 */
  drop_dbs(dir, added, 4);
  st = t_open_store(dir, 1);
  T_EQ(sr_store_peer_get(st, p.key, &got), SR_ENOTFOUND);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 1);
  sr_store_close(st);

  /* a missing original database still means no store */
  static const char *const orig[] = {"rows"};
  drop_dbs(dir, orig, 1);
  st = (sr_store_t *)1;
  T_EQ(sr_store_open(dir, 0, &st, err, sizeof(err)), SR_ENOSTORE);
  T_CHECK(st == NULL);
  t_entry_free(&e);
  t_rmdir(dir);

  /* and a directory that holds no store at all */
  t_tmpdir(dir);
  T_EQ(sr_store_open(dir, 0, &st, err, sizeof(err)), SR_ENOSTORE);
  t_rmdir(dir);
}

void reindex_keeps_node_state(void) {
  char dir[256];
  sr_peer_rec_t p, got;
  uint8_t secret[SR_INVITE_SECRET_BYTES];
  sr_invite_rec_t rec;
  sr_scope_t before = {0}, after = {0};
  member_q_t q = {0};
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  build_scope_graph(st);
  peer_fill(&p, 0x45, "seurone://[::1]:8008/y");
  p.score = -3;
  p.flags = SR_PEER_RELAY;
  T_OK(sr_store_peer_put(st, &p));
  T_OK(sr_store_invite_create(st, 3, NOW, 0, secret, NULL));
  T_OK(sr_store_invite_use(st, secret, M1.pk, NOW));
  T_OK(sr_store_scope(st, S.pk, 2, 1, &before));
  CHECK_SCOPE(&before, &S, &A, &B, &M1, &H);

  T_OK(sr_store_reindex(st, NULL, NULL));

  T_OK(sr_store_peer_get(st, p.key, &got));
  T_EQ(got.score, -3);
  T_EQ(got.flags, SR_PEER_RELAY);
  T_CHECK(strcmp(got.addrs[0].address, p.addrs[0].address) == 0);
  T_EQ(sr_store_peer_count(st), 1);
  T_OK(sr_store_invite_get(st, secret, &rec));
  T_EQ(rec.uses_left, 2);
  T_EQ(sr_store_is_member(st, M1.pk), 1);
  T_OK(sr_store_foreach_member(st, 0, member_cb, &q));
  T_EQ(q.n, 1);
  T_OK(sr_store_scope(st, S.pk, 2, 1, &after));
  T_EQ(after.n, before.n);
  T_MEMEQ(after.keys, before.keys, before.n * SR_KEY_BYTES);
  sr_scope_free(&before);
  sr_scope_free(&after);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  T_RUN(peers_round_trip);
  T_RUN(peer_address_list);
  T_RUN(peer_table_rules);
  T_RUN(invites_count_down_and_add_members);
  T_RUN(scope_hops_blocks_forks_and_members);
  T_RUN(scope_forked_self_still_expands);
  T_RUN(invites_expire_revoke_and_drop);
  T_RUN(members_removed_stay_out);
  T_RUN(members_and_invites_of_the_first_format);
  T_RUN(log_by_seq_and_stream);
  T_RUN(open_adds_missing_node_dbs);
  T_RUN(reindex_keeps_node_state);
  printf("test_store_net: %d checks passed\n", t_checks);
  return 0;
}
