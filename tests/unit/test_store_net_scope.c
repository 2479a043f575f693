/* test_store_net_scope.c (part of test_store_net): invites and relay members
 * (store/peers.h), and the replication scope (store/scope.h) — hops, blocks,
 * forks, members, a forked self. */
#include "tests/unit/test_store_net.h"
#include <lmdb.h>

/* ---- invites and members ---- */

void invites_count_down_and_add_members(void) {
  char dir[256];
  uint8_t secret[SR_INVITE_SECRET_BYTES], other[SR_INVITE_SECRET_BYTES], unknown[SR_INVITE_SECRET_BYTES] = {0};
  uint8_t m1[SR_KEY_BYTES], m2[SR_KEY_BYTES], m3[SR_KEY_BYTES];
  sr_invite_rec_t rec;
  member_q_t q = {0};
  memset(m1, 0xe1, sizeof(m1));
  memset(m2, 0xe2, sizeof(m2));
  memset(m3, 0xe3, sizeof(m3));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);

  T_EQ(sr_store_invite_create(st, 0, NOW, 0, secret, NULL), SR_EINVAL);
  T_OK(sr_store_invite_create(st, 2, NOW, 0, secret, NULL));
  T_OK(sr_store_invite_create(st, 1, NOW, 0, other, NULL));
  T_CHECK(memcmp(secret, other, sizeof(secret)) != 0);
  T_OK(sr_store_invite_get(st, secret, &rec));
  T_EQ(rec.uses_left, 2);
  T_EQ(rec.created_ms, NOW);
  T_EQ(rec.expires_ms, 0);

  T_EQ(sr_store_is_member(st, m1), 0);
  T_OK(sr_store_invite_use(st, secret, m1, NOW + 1));
  T_EQ(sr_store_is_member(st, m1), 1);
  T_OK(sr_store_invite_get(st, secret, &rec));
  T_EQ(rec.uses_left, 1);
  /* the same member again while uses remain: success, no use consumed */
  T_OK(sr_store_invite_use(st, secret, m1, NOW + 2));
  T_OK(sr_store_invite_get(st, secret, &rec));
  T_EQ(rec.uses_left, 1);
  T_OK(sr_store_invite_use(st, secret, m2, NOW + 3));
  T_OK(sr_store_invite_get(st, secret, &rec));
  T_EQ(rec.uses_left, 0);
  T_EQ(sr_store_invite_use(st, secret, m3, NOW + 4), SR_EINVITEUSED);
  T_EQ(sr_store_invite_use(st, secret, m1, NOW + 4), SR_EINVITEUSED); /* used up: even for a member */
  T_EQ(sr_store_invite_use(st, unknown, m3, NOW + 4), SR_EINVITE);
  T_EQ(sr_store_invite_get(st, unknown, &rec), SR_ENOTFOUND);
  T_EQ(sr_store_is_member(st, m3), 0);

  /* the one-use invite is independent */
  T_OK(sr_store_invite_use(st, other, m3, NOW + 5));
  T_EQ(sr_store_invite_use(st, other, m3, NOW + 6), SR_EINVITEUSED);

  /* member_add is idempotent and keeps the first joined_ms */
  T_OK(sr_store_member_add(st, m1, NOW + 100));
  T_OK(sr_store_foreach_member(st, 0, member_cb, &q));
  T_EQ(q.n, 3);
  T_MEMEQ(q.keys[0], m1, SR_KEY_BYTES);
  T_EQ(q.joined[0], NOW + 1);
  T_MEMEQ(q.keys[1], m2, SR_KEY_BYTES);
  T_EQ(q.joined[1], NOW + 3);
  T_MEMEQ(q.keys[2], m3, SR_KEY_BYTES);
  T_EQ(q.joined[2], NOW + 5);
  uint8_t m4[SR_KEY_BYTES];
  memset(m4, 0xe4, sizeof(m4));
  T_OK(sr_store_member_add(st, m4, NOW + 7));
  T_EQ(sr_store_is_member(st, m4), 1);
  sr_store_close(st);

  /* the store never holds a secret itself: a reader of the file cannot redeem */
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_stat ms;
  MDB_val k = {sizeof(secret), secret}, v;
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, MDB_RDONLY, 0600));
  T_OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
  T_OK(mdb_dbi_open(txn, "invites", 0, &dbi));
  T_OK(mdb_stat(txn, dbi, &ms));
  T_EQ(ms.ms_entries, 2);
  T_EQ(mdb_get(txn, dbi, &k, &v), MDB_NOTFOUND);
  mdb_txn_abort(txn);
  mdb_env_close(env);
  t_rmdir(dir);
}

/* ---- scope ---- */

void scope_hops_blocks_forks_and_members(void) {
  char dir[256];
  sr_scope_t sc = {0};
  sr_head_t h;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  build_scope_graph(st);
  T_OK(sr_store_get_head(st, F.pk, &h));
  T_EQ(h.forked, 1);

  T_EQ(sr_store_scope(st, S.pk, -1, 0, &sc), SR_EINVAL);
  T_EQ(sc.n, 0);
  T_OK(sr_store_scope(st, S.pk, 0, 0, &sc));
  CHECK_SCOPE(&sc, &S);
  T_CHECK(!sr_scope_has(&sc, A.pk));
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, S.pk, 1, 0, &sc));
  CHECK_SCOPE(&sc, &S, &A); /* F forked, D blocked, B unfollowed */
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, S.pk, 2, 0, &sc));
  CHECK_SCOPE(&sc, &S, &A, &B); /* D blocked though A follows it; G not via forked F */
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, S.pk, 3, 0, &sc));
  CHECK_SCOPE(&sc, &S, &A, &B, &C); /* E not via blocked D */
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, S.pk, 10, 0, &sc));
  CHECK_SCOPE(&sc, &S, &A, &B, &C);
  sr_scope_free(&sc);
  sr_scope_free(&sc); /* twice is harmless */

  /* relay: members and whom they follow directly, still minus blocked/forked */
  T_OK(sr_store_scope(st, S.pk, 0, 1, &sc));
  CHECK_SCOPE(&sc, &S); /* no members yet */
  sr_scope_free(&sc);
  T_OK(sr_store_member_add(st, M1.pk, NOW));
  T_OK(sr_store_member_add(st, D.pk, NOW));
  T_OK(sr_store_member_add(st, F.pk, NOW));
  T_OK(sr_store_scope(st, S.pk, 0, 1, &sc));
  CHECK_SCOPE(&sc, &S, &M1, &H); /* not I (2 hops), not D (blocked), not F/G (forked) */
  sr_scope_free(&sc);
  T_OK(sr_store_scope(st, S.pk, 2, 1, &sc));
  CHECK_SCOPE(&sc, &S, &A, &B, &M1, &H);
  sr_scope_free(&sc);
  /* relay == 0 ignores members */
  T_OK(sr_store_scope(st, S.pk, 1, 0, &sc));
  CHECK_SCOPE(&sc, &S, &A);
  sr_scope_free(&sc);

  /* another self: D's view (nobody blocked): D, E within 1 hop */
  T_OK(sr_store_scope(st, D.pk, 1, 0, &sc));
  CHECK_SCOPE(&sc, &D, &E);
  sr_scope_free(&sc);
  /* a key the store has never seen: just itself */
  T_OK(sr_store_scope(st, I.pk, 2, 0, &sc));
  CHECK_SCOPE(&sc, &I);
  sr_scope_free(&sc);

  sr_store_close(st);
  t_rmdir(dir);
}

/* A forked self is left out of the scope, but its own follows still count. */
void scope_forked_self_still_expands(void) {
  char dir[256];
  sr_scope_t sc = {0};
  t_buf_t c;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  init_authors();
  contact(st, &S, &A, "follow");
  t_share(&c, "restored from an old backup", NULL, NULL);
  t_entry_t s1b = t_make(&S, 1, NULL, TS + 5, "share", &c);
  t_buf_free(&c);
  ingest1(st, &s1b, SR_EFORK);
  T_OK(sr_store_scope(st, S.pk, 1, 0, &sc));
  CHECK_SCOPE(&sc, &A);
  sr_scope_free(&sc);
  t_entry_free(&s1b);
  sr_store_close(st);
  t_rmdir(dir);
}
