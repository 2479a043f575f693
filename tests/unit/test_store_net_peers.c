/* test_store_net_peers.c (part of test_store_net): the peer table
 * (store/peers.h) — records round-trip through the store, a peer's address
 * list and its record versions, the rules that keep a learned table bounded. */
#include "tests/unit/test_store_net.h"
#include <lmdb.h>

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

void peers_round_trip(void) {
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

void peer_address_list(void) {
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

void peer_table_rules(void) {
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
