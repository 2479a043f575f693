/* test_store_net_members.c: a relay's invites (ids, expiry, revoke, the drop
 * of ended ones) and its members (the invite each redeemed, removal and the
 * scope without them), and records of the first format read as documented
 * (store/peers.h). */
#include "tests/unit/test_store_net.h"
#include <lmdb.h>
#include <sodium.h>
#include <string.h>

#define DAY (24ull * 3600 * 1000)

typedef struct {
  size_t n;
  sr_invite_rec_t r[8];
} invite_q_t;

static int invite_cb(void *ctx, const sr_invite_rec_t *r) {
  invite_q_t *q = ctx;
  if (q->n < 8) q->r[q->n] = *r;
  q->n++;
  return 0;
}

static const sr_invite_rec_t *find_invite(const invite_q_t *q, const uint8_t id[SR_INVITE_ID_BYTES]) {
  for (size_t i = 0; i < q->n && i < 8; i++)
    if (!memcmp(q->r[i].id, id, SR_INVITE_ID_BYTES)) return &q->r[i];
  return NULL;
}

void invites_expire_revoke_and_drop(void) {
  char dir[256];
  uint8_t s1[SR_INVITE_SECRET_BYTES], s2[SR_INVITE_SECRET_BYTES], s3[SR_INVITE_SECRET_BYTES];
  uint8_t id1[SR_INVITE_ID_BYTES], id2[SR_INVITE_ID_BYTES], id3[SR_INVITE_ID_BYTES], hk[SR_INVITE_SECRET_BYTES];
  uint8_t m1[SR_KEY_BYTES], m2[SR_KEY_BYTES], m3[SR_KEY_BYTES];
  sr_member_rec_t m;
  sr_invite_rec_t rec;
  invite_q_t q = {0};
  memset(m1, 0xa1, sizeof(m1));
  memset(m2, 0xa2, sizeof(m2));
  memset(m3, 0xa3, sizeof(m3));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);

  /* an expiry must lie ahead */
  T_EQ(sr_store_invite_create(st, 1, NOW, NOW, s1, id1), SR_EINVAL);
  T_OK(sr_store_invite_create(st, 2, NOW, NOW + DAY, s1, id1));
  T_OK(sr_store_invite_create(st, 1, NOW, 0, s2, id2));
  /* the id is the key's first bytes: the hash of the secret, not the secret */
  crypto_generichash(hk, sizeof(hk), s1, sizeof(s1), NULL, 0);
  T_MEMEQ(id1, hk, SR_INVITE_ID_BYTES);
  T_CHECK(memcmp(id1, s1, SR_INVITE_ID_BYTES) != 0);
  T_OK(sr_store_invite_get(st, s1, &rec));
  T_EQ(rec.expires_ms, NOW + DAY);
  T_EQ(rec.revoked_ms, 0);

  /* the member keeps the id of the invite it used */
  T_OK(sr_store_invite_use(st, s1, m1, NOW + 1));
  T_OK(sr_store_member_get(st, m1, &m));
  T_EQ(m.invite_known, 1);
  T_MEMEQ(m.invite, id1, SR_INVITE_ID_BYTES);
  T_EQ(m.joined_ms, NOW + 1);
  T_EQ(m.removed_ms, 0);
  /* expired: refused at the very ms, no use consumed, nobody added */
  T_EQ(sr_store_invite_use(st, s1, m2, NOW + DAY), SR_EINVITEEXPIRED);
  T_EQ(sr_store_is_member(st, m2), 0);
  T_OK(sr_store_invite_get(st, s1, &rec));
  T_EQ(rec.uses_left, 1);

  /* revoke by id: refused from then on; twice says so; an unknown id too */
  T_OK(sr_store_invite_revoke(st, id2, NOW + 5));
  T_EQ(sr_store_invite_revoke(st, id2, NOW + 6), SR_EEXIST);
  uint8_t none[SR_INVITE_ID_BYTES] = {0};
  T_EQ(sr_store_invite_revoke(st, none, NOW + 6), SR_EINVITEID);
  T_EQ(sr_store_invite_use(st, s2, m2, NOW + 7), SR_EINVITEREVOKED);
  T_EQ(sr_store_is_member(st, m2), 0);
  T_OK(sr_store_foreach_invite(st, invite_cb, &q));
  T_EQ(q.n, 2);
  T_EQ(find_invite(&q, id2)->revoked_ms, NOW + 5);
  T_EQ(find_invite(&q, id1)->uses_left, 1);

  /* a day after they ended, the next create drops both; a fresh one stays */
  T_OK(sr_store_invite_create(st, 1, NOW + DAY + 4, 0, s3, id3));
  q.n = 0;
  T_OK(sr_store_foreach_invite(st, invite_cb, &q));
  T_EQ(q.n, 3); /* s1 ended at NOW + DAY: not a day ago yet */
  T_OK(sr_store_invite_create(st, 1, NOW + 2 * DAY + 1, 0, s3, id3));
  q.n = 0;
  T_OK(sr_store_foreach_invite(st, invite_cb, &q));
  T_EQ(q.n, 2);
  T_CHECK(find_invite(&q, id1) == NULL && find_invite(&q, id2) == NULL);
  T_EQ(sr_store_invite_use(st, s1, m3, NOW + 2 * DAY + 2), SR_EINVITE);
  sr_store_close(st);
  t_rmdir(dir);
}

void members_removed_stay_out(void) {
  char dir[256];
  uint8_t s1[SR_INVITE_SECRET_BYTES];
  sr_scope_t sc = {0};
  sr_member_rec_t m;
  member_q_t q = {0};
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  build_scope_graph(st);
  T_OK(sr_store_invite_create(st, 5, NOW, 0, s1, NULL));
  T_OK(sr_store_invite_use(st, s1, M1.pk, NOW));
  T_OK(sr_store_invite_use(st, s1, H.pk, NOW));
  T_OK(sr_store_scope(st, S.pk, 0, 1, &sc));
  CHECK_SCOPE(&sc, &S, &M1, &H, &I); /* I: whom the member H follows */
  sr_scope_free(&sc);

  /* H removed: out of the scope, though the member M1 follows it, and its
   * follows with it */
  T_EQ(sr_store_member_remove(st, A.pk, NOW + 1), SR_ENOTMEMBER);
  T_OK(sr_store_member_remove(st, H.pk, NOW + 1));
  T_EQ(sr_store_member_remove(st, H.pk, NOW + 2), SR_EMEMBERREMOVED);
  T_EQ(sr_store_is_member(st, H.pk), 0);
  T_OK(sr_store_member_get(st, H.pk, &m));
  T_EQ(m.removed_ms, NOW + 1);
  T_OK(sr_store_scope(st, S.pk, 0, 1, &sc));
  CHECK_SCOPE(&sc, &S, &M1);
  sr_scope_free(&sc);
  /* a personal node's scope knows nothing of relay removals */
  T_OK(sr_store_scope(st, S.pk, 0, 0, &sc));
  CHECK_SCOPE(&sc, &S);
  sr_scope_free(&sc);
  /* listed only when asked for the removed ones too */
  T_OK(sr_store_foreach_member(st, 0, member_cb, &q));
  T_EQ(q.n, 1);
  q.n = 0;
  T_OK(sr_store_foreach_member(st, 1, member_cb, &q));
  T_EQ(q.n, 2);
  /* no invite admits it again, and the try uses nothing; member_add neither */
  T_EQ(sr_store_invite_use(st, s1, H.pk, NOW + 3), SR_EMEMBERREMOVED);
  T_OK(sr_store_member_add(st, H.pk, NOW + 4));
  T_EQ(sr_store_is_member(st, H.pk), 0);
  sr_invite_rec_t rec;
  T_OK(sr_store_invite_get(st, s1, &rec));
  T_EQ(rec.uses_left, 3);
  sr_store_close(st);
  t_rmdir(dir);
}

/* Records written by the first format (8-byte member, 12-byte invite) read
 * as documented: the invite unknown, not removed; no expiry, not revoked. */
void members_and_invites_of_the_first_format(void) {
  char dir[256];
  uint8_t key[SR_KEY_BYTES], hk[SR_INVITE_SECRET_BYTES], v8[8], v12[12];
  sr_member_rec_t m;
  invite_q_t q = {0};
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  memset(key, 0xb7, sizeof(key));
  memset(hk, 0xc8, sizeof(hk));
  memset(v8, 0, sizeof(v8));
  v8[7] = 42; /* joined_ms 42 */
  memset(v12, 0, sizeof(v12));
  v12[3] = 2;  /* uses_left 2 */
  v12[11] = 9; /* created_ms 9 */
  t_tmpdir(dir);
  sr_store_close(t_open_store(dir, 1));
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  MDB_val k = {sizeof(key), key}, v = {sizeof(v8), v8};
  T_OK(mdb_dbi_open(txn, "relay_members", 0, &dbi));
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  MDB_val ik = {sizeof(hk), hk}, iv = {sizeof(v12), v12};
  T_OK(mdb_dbi_open(txn, "invites", 0, &dbi));
  T_OK(mdb_put(txn, dbi, &ik, &iv, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);

  sr_store_t *st = t_open_store(dir, 0);
  T_EQ(sr_store_is_member(st, key), 1);
  T_OK(sr_store_member_get(st, key, &m));
  T_EQ(m.joined_ms, 42);
  T_EQ(m.invite_known, 0);
  T_EQ(m.removed_ms, 0);
  T_OK(sr_store_foreach_invite(st, invite_cb, &q));
  T_EQ(q.n, 1);
  T_EQ(q.r[0].uses_left, 2);
  T_EQ(q.r[0].created_ms, 9);
  T_EQ(q.r[0].expires_ms, 0);
  T_EQ(q.r[0].revoked_ms, 0);
  T_MEMEQ(q.r[0].id, hk, SR_INVITE_ID_BYTES);
  /* an old record is removed and revoked as a new one is (rewritten whole) */
  T_OK(sr_store_member_remove(st, key, NOW));
  T_EQ(sr_store_is_member(st, key), 0);
  T_OK(sr_store_invite_revoke(st, hk, NOW));
  q.n = 0;
  T_OK(sr_store_foreach_invite(st, invite_cb, &q));
  T_EQ(q.r[0].revoked_ms, NOW);
  T_EQ(q.r[0].uses_left, 2);
  sr_store_close(st);
  t_rmdir(dir);
}
