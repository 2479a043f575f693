/* test_store_net.c: the store's pieces for the gossip daemon, on real stores
 * in temp dirs — peers, invites and relay members (store/peers.h), the
 * replication scope (store/scope.h), reading a log by seq and streaming it
 * (store/store.h), opening a store made before those databases existed, and
 * reindex leaving node state alone. */
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/peers.h"
#include "store/scope.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include "store/read.h"
#include <lmdb.h>

#define TS 1700000000000ull
#define NOW (TS + 3600 * 1000ull)

static uint64_t g_arrival = TS;

/* Ingests es[0..n) as one batch; every item must be accepted unless want_status
 * says otherwise for all of them. */
static void ingest_all(sr_store_t *st, t_entry_t *const *es, size_t n, int want_status) {
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

static void ingest1(sr_store_t *st, t_entry_t *e, int want_status) { ingest_all(st, &e, 1, want_status); }

/* a's next entry: a contact about who with state ("follow", "block", ...). */
static void contact(sr_store_t *st, t_author_t *a, const t_author_t *who, const char *state) {
  t_buf_t c;
  t_contact(&c, who->pk, state);
  t_entry_t e = t_next(a, TS + a->seq, "contact", &c);
  ingest1(st, &e, 0);
  t_entry_free(&e);
  t_buf_free(&c);
}

/* ---- peers ---- */

typedef struct {
  size_t n;
  sr_peer_rec_t recs[8];
  size_t stop_after;
} peer_q_t;

static int peer_cb(void *ctx, const sr_peer_rec_t *p) {
  peer_q_t *q = ctx;
  if (q->n < 8) q->recs[q->n] = *p;
  q->n++;
  return q->stop_after && q->n == q->stop_after ? 42 : 0;
}

static void peer_fill(sr_peer_rec_t *p, uint8_t keybyte, const char *addr) {
  memset(p, 0, sizeof(*p));
  memset(p->key, keybyte, SR_KEY_BYTES);
  if (*addr) T_CHECK(sr_peer_addr_add(p, addr) == 0);
}

static void peers_round_trip(void) {
  char dir[256];
  sr_peer_rec_t p1, p2, p3, got;
  char longv6[SR_STORE_ADDR_MAX];
  peer_q_t q = {0};
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);

  T_EQ(sr_store_peer_count(st), 0);
  /* The longest address that fits: an IPv6 literal padded by a zone id, 351 chars. */
  snprintf(longv6, sizeof(longv6), "seurone://[fe80:0000:0000:0000:0202:b3ff:fe1e:8329%%");
  while (strlen(longv6) < SR_STORE_ADDR_MAX - 1 - 1 - 6 - 1 - SR_HEX_KEY_LEN) strcat(longv6, "z");
  strcat(longv6, "]:65535/");
  for (size_t i = 0; i < SR_HEX_KEY_LEN; i++) strcat(longv6, "a");
  T_EQ(strlen(longv6), SR_STORE_ADDR_MAX - 1);

  peer_fill(&p1, 0x30, "seurone://198.51.100.7:8008/3030303030303030303030303030303030303030303030303030303030303030");
  p1.last_seen_ms = NOW;
  p1.failures = 3;
  p1.score = -17;
  p1.next_attempt_ms = UINT64_MAX;
  p1.flags = SR_PEER_MANUAL | SR_PEER_BOOTSTRAP;
  peer_fill(&p2, 0x10, longv6);
  p2.failures = UINT32_MAX;
  p2.score = INT32_MIN;
  p2.flags = SR_PEER_LEARNED;
  peer_fill(&p3, 0x20, "");
  p3.score = INT32_MAX;
  p3.flags = SR_PEER_RELAY;
  T_OK(sr_store_peer_put(st, &p1));
  T_OK(sr_store_peer_put(st, &p2));
  T_OK(sr_store_peer_put(st, &p3));
  T_EQ(sr_store_peer_count(st), 3);

  T_OK(sr_store_peer_get(st, p1.key, &got));
  T_MEMEQ(got.key, p1.key, SR_KEY_BYTES);
  T_CHECK(strcmp(got.addrs[0].address, p1.addrs[0].address) == 0);
  T_EQ(got.last_seen_ms, NOW);
  T_EQ(got.failures, 3);
  T_EQ(got.score, -17);
  T_CHECK(got.next_attempt_ms == UINT64_MAX);
  T_EQ(got.flags, SR_PEER_MANUAL | SR_PEER_BOOTSTRAP);
  T_OK(sr_store_peer_get(st, p2.key, &got));
  T_CHECK(strcmp(got.addrs[0].address, longv6) == 0);
  T_CHECK(got.failures == UINT32_MAX);
  T_EQ(got.score, INT32_MIN);
  T_OK(sr_store_peer_get(st, p3.key, &got));
  T_EQ(got.naddrs, 0);
  T_EQ(got.score, INT32_MAX);

  /* upsert: the whole record is replaced, the count stays */
  p1.failures = 0;
  p1.score = 5;
  snprintf(p1.addrs[0].address, sizeof(p1.addrs[0].address), "seurone://[2001:db8::1]:8008/%064d", 0);
  T_OK(sr_store_peer_put(st, &p1));
  T_EQ(sr_store_peer_count(st), 3);
  T_OK(sr_store_peer_get(st, p1.key, &got));
  T_EQ(got.failures, 0);
  T_EQ(got.score, 5);
  T_HAS(got.addrs[0].address, "[2001:db8::1]");

  /* foreach: key order, full records, early stop */
  T_OK(sr_store_foreach_peer(st, peer_cb, &q));
  T_EQ(q.n, 3);
  T_EQ(q.recs[0].key[0], 0x10);
  T_EQ(q.recs[1].key[0], 0x20);
  T_EQ(q.recs[2].key[0], 0x30);
  T_CHECK(strcmp(q.recs[0].addrs[0].address, longv6) == 0);
  T_EQ(q.recs[2].score, 5);
  memset(&q, 0, sizeof(q));
  q.stop_after = 2;
  T_EQ(sr_store_foreach_peer(st, peer_cb, &q), 42);
  T_EQ(q.n, 2);

  /* an address without a NUL in SR_STORE_ADDR_MAX bytes is refused */
  sr_peer_rec_t bad;
  peer_fill(&bad, 0x40, "");
  bad.naddrs = 1;
  memset(bad.addrs[0].address, 'x', sizeof(bad.addrs[0].address));
  T_EQ(sr_store_peer_put(st, &bad), SR_EINVAL);
  T_EQ(sr_store_peer_get(st, bad.key, &got), SR_ENOTFOUND);

  /* delete */
  T_OK(sr_store_peer_del(st, p3.key));
  T_EQ(sr_store_peer_del(st, p3.key), SR_ENOTFOUND);
  T_EQ(sr_store_peer_get(st, p3.key, &got), SR_ENOTFOUND);
  T_EQ(sr_store_peer_count(st), 2);

  /* survives a reopen */
  sr_store_close(st);
  st = t_open_store(dir, 0);
  T_OK(sr_store_peer_get(st, p2.key, &got));
  T_CHECK(strcmp(got.addrs[0].address, longv6) == 0);
  T_EQ(sr_store_peer_count(st), 2);
  sr_store_close(st);
  t_rmdir(dir);
}

/* ---- invites and members ---- */

typedef struct {
  size_t n;
  uint8_t keys[8][SR_KEY_BYTES];
  uint64_t joined[8];
} member_q_t;

static int member_cb(void *ctx, const uint8_t *key, uint64_t joined_ms) {
  member_q_t *q = ctx;
  if (q->n < 8) {
    memcpy(q->keys[q->n], key, SR_KEY_BYTES);
    q->joined[q->n] = joined_ms;
  }
  q->n++;
  return 0;
}

static void invites_count_down_and_add_members(void) {
  char dir[256];
  uint8_t secret[SR_INVITE_SECRET_BYTES], other[SR_INVITE_SECRET_BYTES], unknown[SR_INVITE_SECRET_BYTES] = {0};
  uint8_t m1[SR_KEY_BYTES], m2[SR_KEY_BYTES], m3[SR_KEY_BYTES];
  uint32_t uses;
  uint64_t created;
  member_q_t q = {0};
  memset(m1, 0xe1, sizeof(m1));
  memset(m2, 0xe2, sizeof(m2));
  memset(m3, 0xe3, sizeof(m3));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);

  T_EQ(sr_store_invite_create(st, 0, NOW, secret), SR_EINVAL);
  T_OK(sr_store_invite_create(st, 2, NOW, secret));
  T_OK(sr_store_invite_create(st, 1, NOW, other));
  T_CHECK(memcmp(secret, other, sizeof(secret)) != 0);
  T_OK(sr_store_invite_get(st, secret, &uses, &created));
  T_EQ(uses, 2);
  T_EQ(created, NOW);

  T_EQ(sr_store_is_member(st, m1), 0);
  T_OK(sr_store_invite_use(st, secret, m1, NOW + 1));
  T_EQ(sr_store_is_member(st, m1), 1);
  T_OK(sr_store_invite_get(st, secret, &uses, NULL));
  T_EQ(uses, 1);
  /* the same member again while uses remain: success, no use consumed */
  T_OK(sr_store_invite_use(st, secret, m1, NOW + 2));
  T_OK(sr_store_invite_get(st, secret, &uses, NULL));
  T_EQ(uses, 1);
  T_OK(sr_store_invite_use(st, secret, m2, NOW + 3));
  T_OK(sr_store_invite_get(st, secret, &uses, NULL));
  T_EQ(uses, 0);
  T_EQ(sr_store_invite_use(st, secret, m3, NOW + 4), SR_EINVITEUSED);
  T_EQ(sr_store_invite_use(st, secret, m1, NOW + 4), SR_EINVITEUSED); /* used up: even for a member */
  T_EQ(sr_store_invite_use(st, unknown, m3, NOW + 4), SR_EINVITE);
  T_EQ(sr_store_invite_get(st, unknown, &uses, NULL), SR_ENOTFOUND);
  T_EQ(sr_store_is_member(st, m3), 0);

  /* the one-use invite is independent */
  T_OK(sr_store_invite_use(st, other, m3, NOW + 5));
  T_EQ(sr_store_invite_use(st, other, m3, NOW + 6), SR_EINVITEUSED);

  /* member_add is idempotent and keeps the first joined_ms */
  T_OK(sr_store_member_add(st, m1, NOW + 100));
  T_OK(sr_store_foreach_member(st, member_cb, &q));
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

static t_author_t S, A, B, C, D, E, F, G, M1, H, I;

static void check_scope(const sr_scope_t *sc, const t_author_t *const *want, size_t n, int line) {
  if (sc->n != n) t_fail(__FILE__, line, "scope has %zu keys, want %zu", sc->n, n);
  for (size_t i = 0; i < n; i++)
    if (!sr_scope_has(sc, want[i]->pk)) t_fail(__FILE__, line, "scope lacks wanted key #%zu", i);
  for (size_t i = 1; i < sc->n; i++)
    if (memcmp(sc->keys[i - 1], sc->keys[i], SR_KEY_BYTES) >= 0) t_fail(__FILE__, line, "scope not sorted/unique");
}
#define CHECK_SCOPE(sc, ...)                                                                                           \
  do {                                                                                                                 \
    const t_author_t *w_[] = {__VA_ARGS__};                                                                            \
    check_scope((sc), w_, sizeof(w_) / sizeof(w_[0]), __LINE__);                                                       \
  } while (0)

/* A graph: S follows A and F, blocks D; A follows B and D; B follows C; D
 * follows E (E is reachable only through blocked D); F forks and follows G (G
 * only through forked F). Relay member M1 follows H and D; H follows I. */
static void init_authors(void) {
  t_author_t *all[] = {&S, &A, &B, &C, &D, &E, &F, &G, &M1, &H, &I};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) t_author_init(all[i], (uint8_t)(0x51 + i));
}

static void build_scope_graph(sr_store_t *st) {
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

static void scope_hops_blocks_forks_and_members(void) {
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
static void log_by_seq_and_stream(void) {
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

static void open_adds_missing_node_dbs(void) {
  static const char *const added[] = {"peers", "invites", "relay_members"};
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
  drop_dbs(dir, added, 3);
  for (int i = 0; i < 3; i++) T_CHECK(!db_exists(dir, added[i]));

  /* create == 0 still opens it, adding the databases; the old data is there */
  st = t_open_store(dir, 0);
  for (int i = 0; i < 3; i++) T_CHECK(db_exists(dir, added[i]));
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
  drop_dbs(dir, added, 3);
  st = t_open_store(dir, 1);
  T_EQ(sr_store_peer_get(st, p.key, &got), SR_ENOTFOUND);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 1);
  sr_store_close(st);

  /* a missing original database still means no store */
  static const char *const orig[] = {"entries"};
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

static void reindex_keeps_node_state(void) {
  char dir[256];
  sr_peer_rec_t p, got;
  uint8_t secret[SR_INVITE_SECRET_BYTES];
  uint32_t uses;
  sr_scope_t before = {0}, after = {0};
  member_q_t q = {0};
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  build_scope_graph(st);
  peer_fill(&p, 0x45, "seurone://[::1]:8008/y");
  p.score = -3;
  p.flags = SR_PEER_RELAY;
  T_OK(sr_store_peer_put(st, &p));
  T_OK(sr_store_invite_create(st, 3, NOW, secret));
  T_OK(sr_store_invite_use(st, secret, M1.pk, NOW));
  T_OK(sr_store_scope(st, S.pk, 2, 1, &before));
  CHECK_SCOPE(&before, &S, &A, &B, &M1, &H);

  T_OK(sr_store_reindex(st, NULL, NULL));

  T_OK(sr_store_peer_get(st, p.key, &got));
  T_EQ(got.score, -3);
  T_EQ(got.flags, SR_PEER_RELAY);
  T_CHECK(strcmp(got.addrs[0].address, p.addrs[0].address) == 0);
  T_EQ(sr_store_peer_count(st), 1);
  T_OK(sr_store_invite_get(st, secret, &uses, NULL));
  T_EQ(uses, 2);
  T_EQ(sr_store_is_member(st, M1.pk), 1);
  T_OK(sr_store_foreach_member(st, member_cb, &q));
  T_EQ(q.n, 1);
  T_OK(sr_store_scope(st, S.pk, 2, 1, &after));
  T_EQ(after.n, before.n);
  T_MEMEQ(after.keys, before.keys, before.n * SR_KEY_BYTES);
  sr_scope_free(&before);
  sr_scope_free(&after);
  sr_store_close(st);
  t_rmdir(dir);
}

/* A forked self is left out of the scope, but its own follows still count. */
static void scope_forked_self_still_expands(void) {
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

/* ---- a peer's address list (record version 2) ---- */

/* Writes or reads one raw value of the peers database in the store in dir
 * (closed): what an older or newer seurone wrote, byte for byte. */
static void raw_peer(const char *dir, const uint8_t *key, uint8_t *val, size_t *len, int put) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v = {put ? *len : 0, val};
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "peers", 0, &dbi));
  if (put) {
    T_OK(mdb_put(txn, dbi, &k, &v, 0));
  } else {
    T_OK(mdb_get(txn, dbi, &k, &v));
    memcpy(val, v.mv_data, v.mv_size);
    *len = v.mv_size;
  }
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
}

static const char *addr_n(int i) {
  static char buf[8][128];
  snprintf(buf[i], sizeof(buf[i]), "seurone://10.0.0.%d:8008/%064d", i, 0);
  return buf[i];
}

static void peer_address_list(void) {
  sr_peer_rec_t p, got;
  memset(&p, 0, sizeof(p));
  T_EQ(sr_peer_addr_add(&p, ""), SR_EINVAL);
  T_EQ(sr_peer_addr_add(&p, "good"), 0);
  /* the typo'd address of the issue: added after the one that worked */
  sr_peer_addr_worked(&p, 0, NOW);
  T_EQ(sr_peer_addr_add(&p, "typo"), 1);
  T_EQ(p.naddrs, 2);
  T_CHECK(!strcmp(p.addrs[0].address, "good") && p.addrs[0].last_ok_ms == NOW);
  /* untried ones: newest first, after the working ones */
  T_EQ(sr_peer_addr_add(&p, "newer"), 1);
  T_CHECK(!strcmp(p.addrs[1].address, "newer") && !strcmp(p.addrs[2].address, "typo"));
  /* known already: keeps its place and state */
  sr_peer_addr_failed(&p, 0);
  T_EQ(sr_peer_addr_add(&p, "good"), 0);
  T_EQ(p.addrs[0].failures, 1);
  T_EQ(p.naddrs, 3);
  /* the one that led to a session moves to the front, failures cleared */
  sr_peer_addr_failed(&p, 2);
  sr_peer_addr_worked(&p, 2, NOW + 1);
  T_CHECK(!strcmp(p.addrs[0].address, "typo") && p.addrs[0].failures == 0 && !strcmp(p.addrs[1].address, "good"));
  T_EQ(sr_peer_addr_find(&p, "newer"), 2);
  T_EQ(sr_peer_addr_find(&p, "none"), SR_ENOTFOUND);
  /* bounded: a full list drops the oldest never-worked address, never a working one */
  for (int i = 0; i < 5; i++) T_CHECK(sr_peer_addr_add(&p, addr_n(i)) == 2);
  T_EQ(p.naddrs, SR_PEER_ADDRS_MAX);
  T_CHECK(!strcmp(p.addrs[SR_PEER_ADDRS_MAX - 1].address, "newer"));
  T_EQ(sr_peer_addr_add(&p, addr_n(5)), 2);
  T_EQ(p.naddrs, SR_PEER_ADDRS_MAX);
  T_EQ(sr_peer_addr_find(&p, "newer"), SR_ENOTFOUND);
  T_EQ(sr_peer_addr_find(&p, "good"), 1);
  T_EQ(sr_peer_addr_find(&p, "typo"), 0);
  /* remove */
  T_OK(sr_peer_addr_remove(&p, "typo"));
  T_EQ(sr_peer_addr_remove(&p, "typo"), SR_ENOTFOUND);
  T_EQ(p.naddrs, SR_PEER_ADDRS_MAX - 1);
  T_CHECK(!strcmp(p.addrs[0].address, "good"));

  /* the whole list survives the store, in order, with each address's state */
  char dir[256];
  uint8_t raw[8192];
  size_t len;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  memset(p.key, 0x51, SR_KEY_BYTES);
  p.addrs[3].failures = 77;
  T_OK(sr_store_peer_put(st, &p));
  T_OK(sr_store_peer_get(st, p.key, &got));
  T_EQ(got.naddrs, p.naddrs);
  for (size_t i = 0; i < p.naddrs; i++) {
    T_CHECK(!strcmp(got.addrs[i].address, p.addrs[i].address));
    T_CHECK(got.addrs[i].last_ok_ms == p.addrs[i].last_ok_ms && got.addrs[i].failures == p.addrs[i].failures);
  }
  sr_store_close(st);

  /* version 3 keeps version 1's prefix: an older reader sees the best address */
  raw_peer(dir, p.key, raw, &len, 0);
  T_EQ(raw[0], 3);
  T_EQ((raw[26] << 8 | raw[27]), 4);
  T_MEMEQ(raw + 28, "good", 4);

  /* a version-1 record (one address, no per-address state) still reads */
  static const char v1addr[] = "seurone://192.0.2.9:8008/x";
  uint8_t k1[SR_KEY_BYTES];
  memset(k1, 0x52, sizeof(k1));
  memset(raw, 0, sizeof(raw));
  raw[0] = 1;
  raw[1] = SR_PEER_MANUAL;
  raw[9] = 7;  /* last_seen_ms = 7 */
  raw[13] = 2; /* failures = 2 */
  raw[27] = (uint8_t)strlen(v1addr);
  memcpy(raw + 28, v1addr, strlen(v1addr));
  len = 28 + strlen(v1addr);
  raw_peer(dir, k1, raw, &len, 1);
  /* and a version-2 record claiming more addresses than fit is not half-read */
  uint8_t k2[SR_KEY_BYTES];
  memset(k2, 0x53, sizeof(k2));
  raw[0] = 2;
  memset(raw + len, 0, 12);
  raw[len + 12] = SR_PEER_ADDRS_MAX;
  len += 13;
  raw_peer(dir, k2, raw, &len, 1);
  st = t_open_store(dir, 0);
  T_OK(sr_store_peer_get(st, k1, &got));
  T_EQ(got.naddrs, 1);
  T_CHECK(!strcmp(got.addrs[0].address, v1addr) && got.addrs[0].last_ok_ms == 0 && got.addrs[0].failures == 0);
  T_EQ(got.last_seen_ms, 7);
  T_EQ(got.failures, 2);
  T_EQ(got.flags, SR_PEER_MANUAL);
  T_EQ(sr_store_peer_get(st, k2, &got), SR_ESTORE);
  /* written back, it becomes version 3 with the same address */
  T_OK(sr_store_peer_get(st, k1, &got));
  T_OK(sr_store_peer_put(st, &got));
  sr_store_close(st);
  raw_peer(dir, k1, raw, &len, 0);
  T_EQ(raw[0], 3);
  st = t_open_store(dir, 0);
  T_OK(sr_store_peer_get(st, k1, &got));
  T_CHECK(got.naddrs == 1 && !strcmp(got.addrs[0].address, v1addr));
  sr_store_close(st);
  t_rmdir(dir);
}

/* ---- the peer table's rules (peers.h) ---- */

static void learned_fill(sr_peer_rec_t *p, uint32_t i, uint8_t source, uint64_t learned_ms) {
  char a[128];
  memset(p, 0, sizeof(*p));
  memset(p->key, 0xEE, SR_KEY_BYTES);
  p->key[0] = (uint8_t)(i >> 8), p->key[1] = (uint8_t)i; /* key order: by i */
  snprintf(a, sizeof(a), "seurone://127.0.0.1:%u/%064d", 1 + i % 1000, 0);
  T_CHECK(sr_peer_addr_add(p, a) == 0);
  p->flags = SR_PEER_LEARNED;
  p->learned_ms = learned_ms;
  memset(p->source, source, SR_KEY_BYTES);
}

typedef struct {
  size_t learned, from_a, given, worked;
  int saw[8];
} table_q_t;

static int table_cb(void *ctx, const sr_peer_rec_t *p) {
  table_q_t *q = ctx;
  if (p->key[0] < 8 && p->key[1] == 0 && p->key[2] == 0x11) q->saw[p->key[0]] = 1;
  if (p->key[2] == 0x11) return 0;
  if (!sr_peer_kept(p)) q->learned++;
  if (!sr_peer_kept(p) && p->source[0] == 0xA0) q->from_a++;
  return 0;
}

static void peer_table_rules(void) {
  char dir[256];
  sr_peer_rec_t p, got;
  size_t removed;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);

  /* what counts as kept: given by the person, or it worked */
  learned_fill(&p, 0, 0xA0, NOW);
  T_EQ(sr_peer_kept(&p), 0);
  p.flags |= SR_PEER_MANUAL;
  T_EQ(sr_peer_kept(&p), 1);
  p.flags = SR_PEER_LEARNED;
  p.addrs[0].last_ok_ms = NOW;
  T_EQ(sr_peer_kept(&p), 1);
  /* an inbound session proves a key, not an address: still learned */
  p.addrs[0].last_ok_ms = 0;
  p.last_seen_ms = NOW;
  T_EQ(sr_peer_kept(&p), 0);
  p.last_seen_ms = 0;
  /* stale: learned, never reached, older than the TTL or of unknown age */
  learned_fill(&p, 0, 0xA0, NOW);
  T_EQ(sr_peer_learned_stale(&p, NOW + SR_PEER_LEARNED_TTL_MS), 0);
  T_EQ(sr_peer_learned_stale(&p, NOW + SR_PEER_LEARNED_TTL_MS + 1), 1);
  p.learned_ms = 0;
  T_EQ(sr_peer_learned_stale(&p, NOW), 1);
  p.addrs[0].last_ok_ms = 1;
  T_EQ(sr_peer_learned_stale(&p, NOW + SR_PEER_LEARNED_TTL_MS * 10), 0);

  /* learned_ms and source survive the store (record version 3) */
  learned_fill(&p, 7, 0xA7, NOW - 5);
  T_OK(sr_store_peer_put(st, &p));
  T_OK(sr_store_peer_get(st, p.key, &got));
  T_EQ(got.learned_ms, NOW - 5);
  T_MEMEQ(got.source, p.source, SR_KEY_BYTES);
  T_OK(sr_store_peer_del(st, p.key));

  /* The poisoned table of the issue: the given and working peers (key[2] 0x11:
   * a manual one, a bootstrap one, a relay one, two learned ones that worked,
   * one with an old learned_ms), then 40 learned ones from source A, one each
   * from 400 other sources, 30 stale ones and 5 of unknown age. */
  static const uint8_t kept_flags[8] = {SR_PEER_MANUAL,
                                        SR_PEER_BOOTSTRAP,
                                        SR_PEER_RELAY | SR_PEER_MANUAL,
                                        SR_PEER_LEARNED,
                                        SR_PEER_LEARNED,
                                        SR_PEER_MANUAL,
                                        0,
                                        0};
  for (int i = 0; i < 6; i++) {
    learned_fill(&p, 0, 0xA0, i == 5 ? 1 : NOW);
    p.key[0] = (uint8_t)i, p.key[1] = 0, p.key[2] = 0x11;
    p.flags = kept_flags[i];
    if (i == 3 || i == 4) p.addrs[0].last_ok_ms = NOW - (uint64_t)i;
    T_OK(sr_store_peer_put(st, &p));
  }
  uint32_t i = 0x100;
  for (int k = 0; k < 40; k++, i++) {
    learned_fill(&p, i, 0xA0, NOW);
    T_OK(sr_store_peer_put(st, &p));
  }
  for (int k = 0; k < 400; k++, i++) {
    learned_fill(&p, i, 0, NOW);
    p.source[0] = (uint8_t)(k >> 8), p.source[1] = (uint8_t)k, p.source[2] = 0x22;
    T_OK(sr_store_peer_put(st, &p));
  }
  for (int k = 0; k < 30; k++, i++) {
    learned_fill(&p, i, 0xB0, NOW - SR_PEER_LEARNED_TTL_MS - 1);
    T_OK(sr_store_peer_put(st, &p));
  }
  for (int k = 0; k < 5; k++, i++) {
    learned_fill(&p, i, 0xC0, 0);
    T_OK(sr_store_peer_put(st, &p));
  }
  T_EQ(sr_store_peer_count(st), 6 + 40 + 400 + 30 + 5);

  T_OK(sr_store_peer_prune(st, NOW, &removed));
  table_q_t q = {0};
  T_OK(sr_store_foreach_peer(st, table_cb, &q));
  /* every kept one stays, whatever its age */
  for (int k = 0; k < 6; k++) T_EQ(q.saw[k], 1);
  /* learned: at most 8 from A, at most SR_PEER_LEARNED_MAX in all, no stale one */
  T_EQ(q.from_a, SR_PEER_LEARNED_PER_SOURCE);
  T_EQ(q.learned, SR_PEER_LEARNED_MAX);
  T_EQ(removed, 40 + 400 + 30 + 5 - SR_PEER_LEARNED_MAX);
  T_EQ(sr_store_peer_count(st), 6 + SR_PEER_LEARNED_MAX);
  learned_fill(&p, 0x100 + 40 + 400, 0xB0, 0);
  T_EQ(sr_store_peer_get(st, p.key, &got), SR_ENOTFOUND);
  /* a second prune finds nothing more to do */
  T_OK(sr_store_peer_prune(st, NOW, &removed));
  T_EQ(removed, 0);
  /* a day later every learned one that was never reached has gone; the kept stay */
  T_OK(sr_store_peer_prune(st, NOW + SR_PEER_LEARNED_TTL_MS + 1, &removed));
  T_EQ(removed, SR_PEER_LEARNED_MAX);
  T_EQ(sr_store_peer_count(st), 6);
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
  T_RUN(log_by_seq_and_stream);
  T_RUN(open_adds_missing_node_dbs);
  T_RUN(reindex_keeps_node_state);
  printf("test_store_net: %d checks passed\n", t_checks);
  return 0;
}
