/* peers.c: the peers, invites and relay_members databases (peers.h).
 *
 * Invariant: every record written here has the layout peers.h documents, so a
 * reader of any later version can decode it; a record that does not decode is
 * reported as not found (get) or skipped (foreach), never half-read.
 */
#include "store/peers.h"
#include "store/store_internal.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define PEER_REC_V1 1
#define PEER_REC_V2 2
#define PEER_REC_V3 3
/* version, flags, last_seen, failures, score, next_attempt */
#define PEER_HDR_BYTES (1 + 1 + 8 + 4 + 4 + 8)
/* one address of the list: length, bytes, last_ok, failures */
#define PEER_ADDR_BYTES(alen) (2 + (alen) + 8 + 4)
/* version 3's tail: learned_ms, source */
#define PEER_V3_TAIL_BYTES (8 + SR_KEY_BYTES)
#define PEER_VAL_MAX (PEER_HDR_BYTES + 1 + SR_PEER_ADDRS_MAX * PEER_ADDR_BYTES(SR_STORE_ADDR_MAX) + PEER_V3_TAIL_BYTES)
#define INVITE_VAL_BYTES (4 + 8)
#define MEMBER_VAL_BYTES 8

static void be32_put(uint8_t *p, uint32_t v) {
  for (int i = 3; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}
static uint32_t be32_get(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes one address (bytes, or "" for an empty list) with its state at out;
 * returns the bytes written. */
static size_t addr_encode(const char *address, size_t alen, uint64_t last_ok, uint32_t failures, uint8_t *out) {
  out[0] = (uint8_t)(alen >> 8);
  out[1] = (uint8_t)alen;
  memcpy(out + 2, address, alen);
  sr_be64_put(out + 2 + alen, last_ok);
  be32_put(out + 2 + alen + 8, failures);
  return PEER_ADDR_BYTES(alen);
}

/* Encodes p into out (PEER_VAL_MAX bytes) as version 3; returns the length, 0
 * when an address is "" or has no NUL within SR_STORE_ADDR_MAX, or the list is
 * too long. */
static size_t peer_encode(const sr_peer_rec_t *p, uint8_t *out) {
  size_t off = PEER_HDR_BYTES;
  if (p->naddrs > SR_PEER_ADDRS_MAX) return 0;
  out[0] = PEER_REC_V3;
  out[1] = p->flags;
  sr_be64_put(out + 2, p->last_seen_ms);
  be32_put(out + 10, p->failures);
  be32_put(out + 14, (uint32_t)p->score);
  sr_be64_put(out + 18, p->next_attempt_ms);
  if (p->naddrs == 0) off += addr_encode("", 0, 0, 0, out + off);
  for (size_t i = 0; i < p->naddrs; i++) {
    const sr_peer_addr_t *a = &p->addrs[i];
    const char *nul = memchr(a->address, '\0', SR_STORE_ADDR_MAX);
    if (!nul || nul == a->address) return 0;
    /* the count of further addresses sits between the first and the rest */
    if (i == 1) out[off++] = (uint8_t)(p->naddrs - 1);
    off += addr_encode(a->address, (size_t)(nul - a->address), a->last_ok_ms, a->failures, out + off);
  }
  if (p->naddrs <= 1) out[off++] = 0;
  sr_be64_put(out + off, p->learned_ms);
  memcpy(out + off + 8, p->source, SR_KEY_BYTES);
  return off + PEER_V3_TAIL_BYTES;
}

/* Reads the length and bytes of one address at in[*off]; SR_ESTORE when they do
 * not fit len or the address is too long or holds a NUL. */
static int addr_decode(const uint8_t *in, size_t len, size_t *off, sr_peer_addr_t *a) {
  size_t alen;
  if (*off + 2 > len) return SR_ESTORE;
  alen = (size_t)in[*off] << 8 | in[*off + 1];
  if (alen >= SR_STORE_ADDR_MAX || *off + 2 + alen > len) return SR_ESTORE;
  if (memchr(in + *off + 2, '\0', alen)) return SR_ESTORE;
  memcpy(a->address, in + *off + 2, alen);
  a->address[alen] = '\0';
  *off += 2 + alen;
  return 0;
}

static int addr_state_decode(const uint8_t *in, size_t len, size_t *off, sr_peer_addr_t *a) {
  if (*off + 12 > len) return SR_ESTORE;
  a->last_ok_ms = sr_be64_get(in + *off);
  a->failures = be32_get(in + *off + 8);
  *off += 12;
  return 0;
}

/* Decodes a stored record of key (version 1, 2, 3, or a later one by its
 * version-3 prefix); SR_ESTORE when it is malformed. A record older than
 * version 3 reads with learned_ms 0 and no source. */
static int peer_decode(const uint8_t *key, const uint8_t *in, size_t len, sr_peer_rec_t *p) {
  size_t off = PEER_HDR_BYTES, more;
  if (len < PEER_HDR_BYTES || in[0] < PEER_REC_V1) return SR_ESTORE;
  memset(p, 0, sizeof(*p));
  memcpy(p->key, key, SR_KEY_BYTES);
  p->flags = in[1];
  p->last_seen_ms = sr_be64_get(in + 2);
  p->failures = be32_get(in + 10);
  p->score = (int32_t)be32_get(in + 14);
  p->next_attempt_ms = sr_be64_get(in + 18);
  if (addr_decode(in, len, &off, &p->addrs[0])) return SR_ESTORE;
  p->naddrs = p->addrs[0].address[0] != '\0';
  if (in[0] == PEER_REC_V1) return off == len ? 0 : SR_ESTORE;
  if (addr_state_decode(in, len, &off, &p->addrs[0]) || off >= len) return SR_ESTORE;
  more = in[off++];
  if (more > SR_PEER_ADDRS_MAX - 1 || (more && !p->naddrs)) return SR_ESTORE;
  for (size_t i = 1; i <= more; i++) {
    if (addr_decode(in, len, &off, &p->addrs[i]) || !p->addrs[i].address[0]) return SR_ESTORE;
    if (addr_state_decode(in, len, &off, &p->addrs[i])) return SR_ESTORE;
  }
  p->naddrs = (uint8_t)(p->naddrs + more);
  if (in[0] == PEER_REC_V2) return off == len ? 0 : SR_ESTORE;
  if (off + PEER_V3_TAIL_BYTES > len) return SR_ESTORE;
  p->learned_ms = sr_be64_get(in + off);
  memcpy(p->source, in + off + 8, SR_KEY_BYTES);
  off += PEER_V3_TAIL_BYTES;
  /* A newer version may append fields after these: ignore them. */
  if (in[0] == PEER_REC_V3 && off != len) return SR_ESTORE;
  return 0;
}

/* ---- peers ---- */

typedef struct {
  const uint8_t *key;
  const void *val;
  size_t len;
} put_arg_t;

static int peer_put_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  put_arg_t *a = arg;
  MDB_val k = {SR_KEY_BYTES, (void *)a->key}, v = {a->len, (void *)a->val};
  return mdb_put(txn, st->dbi[DB_PEERS], &k, &v, 0);
}

int sr_store_peer_put(sr_store_t *st, const sr_peer_rec_t *p) {
  uint8_t val[PEER_VAL_MAX];
  size_t len = peer_encode(p, val);
  if (!len) return SR_EINVAL;
  put_arg_t a = {p->key, val, len};
  return sr_store_write(st, peer_put_fn, &a);
}

int sr_store_peer_get(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], sr_peer_rec_t *p) {
  MDB_txn *txn;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  mrc = mdb_get(txn, st->dbi[DB_PEERS], &k, &v);
  if (mrc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (mrc)
    rc = sr_store_fail(st, "read a peer", mrc);
  else if (peer_decode(key, v.mv_data, v.mv_size, p))
    rc = sr_store_fail(st, "read a peer", MDB_CORRUPTED);
  sr_store_txn_abort(st, txn);
  return rc;
}

static int peer_del_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  MDB_val k = {SR_KEY_BYTES, arg};
  int rc = mdb_del(txn, st->dbi[DB_PEERS], &k, NULL);
  return rc == MDB_NOTFOUND ? SR_ENOTFOUND : rc;
}

int sr_store_peer_del(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  return sr_store_write(st, peer_del_fn, (void *)key);
}

typedef struct {
  int (*cb)(void *ctx, const sr_peer_rec_t *p);
  void *ctx;
} peer_scan_t;

static int peer_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  peer_scan_t *a = arg;
  sr_peer_rec_t p;
  (void)st;
  (void)txn;
  if (k->mv_size != SR_KEY_BYTES || peer_decode(k->mv_data, v->mv_data, v->mv_size, &p)) return 0;
  return a->cb(a->ctx, &p);
}

int sr_store_foreach_peer(sr_store_t *st, int (*cb)(void *ctx, const sr_peer_rec_t *p), void *ctx) {
  peer_scan_t a = {cb, ctx};
  return sr_store_scan(st, DB_PEERS, NULL, "peers", peer_row, &a);
}

size_t sr_store_peer_count(sr_store_t *st) {
  MDB_txn *txn;
  MDB_stat s;
  size_t n = 0;
  if (sr_store_txn_begin(st, MDB_RDONLY, &txn)) return 0;
  if (mdb_stat(txn, st->dbi[DB_PEERS], &s) == 0) n = s.ms_entries;
  sr_store_txn_abort(st, txn);
  return n;
}

typedef struct {
  uint64_t now;
  size_t removed, nlearned, nsources;
  struct {
    uint8_t key[SR_KEY_BYTES];
    uint32_t n;
  } sources[SR_PEER_LEARNED_MAX];
} prune_arg_t;

/* How many learned records of source are kept so far, counting this one; 0
 * when the bounds say it goes. */
static int prune_take(prune_arg_t *a, const uint8_t *source) {
  size_t i;
  if (a->nlearned >= SR_PEER_LEARNED_MAX) return 0;
  for (i = 0; i < a->nsources; i++)
    if (memcmp(a->sources[i].key, source, SR_KEY_BYTES) == 0) break;
  if (i == a->nsources) { /* fewer sources than learned records: always room */
    memcpy(a->sources[i].key, source, SR_KEY_BYTES);
    a->sources[i].n = 0;
    a->nsources++;
  }
  if (a->sources[i].n >= SR_PEER_LEARNED_PER_SOURCE) return 0;
  a->sources[i].n++;
  a->nlearned++;
  return 1;
}

static int peer_prune_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  prune_arg_t *a = arg;
  MDB_cursor *cur;
  MDB_val k, v;
  sr_peer_rec_t p;
  int rc;
  a->removed = a->nlearned = a->nsources = 0; /* repeatable: a retry starts over */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_PEERS], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    /* A record that does not decode is left alone, as foreach skips it. */
    if (k.mv_size != SR_KEY_BYTES || peer_decode(k.mv_data, v.mv_data, v.mv_size, &p)) continue;
    if (sr_peer_kept(&p)) continue;
    if (!sr_peer_learned_stale(&p, a->now) && prune_take(a, p.source)) continue;
    if ((rc = mdb_cursor_del(cur, 0))) break;
    a->removed++;
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int sr_store_peer_prune(sr_store_t *st, uint64_t now_ms, size_t *removed) {
  prune_arg_t *a = calloc(1, sizeof(*a));
  int rc;
  if (!a) return SR_ENOMEM;
  a->now = now_ms;
  rc = sr_store_write(st, peer_prune_fn, a);
  if (removed) *removed = rc ? 0 : a->removed;
  free(a);
  return rc;
}

/* ---- invites and relay members ---- */

/* Invites are stored under BLAKE2b-256(secret), never the secret itself: a
 * researcher reading a relay's store, or a backup of it, cannot redeem them,
 * and the B-tree lookup's timing depends only on the hash. */
static void invite_key(const uint8_t *secret, uint8_t out[SR_INVITE_SECRET_BYTES]) {
  crypto_generichash(out, SR_INVITE_SECRET_BYTES, secret, SR_INVITE_SECRET_BYTES, NULL, 0);
}

typedef struct {
  const uint8_t *secret, *member;
  uint32_t uses;
  uint64_t now;
} invite_arg_t;

static int invite_create_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  uint8_t val[INVITE_VAL_BYTES], hk[SR_INVITE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v = {sizeof(val), val};
  invite_key(a->secret, hk);
  be32_put(val, a->uses);
  sr_be64_put(val + 4, a->now);
  return mdb_put(txn, st->dbi[DB_INVITES], &k, &v, MDB_NOOVERWRITE);
}

int sr_store_invite_create(sr_store_t *st, uint32_t uses, uint64_t now_ms, uint8_t secret[SR_INVITE_SECRET_BYTES]) {
  if (uses == 0) return SR_EINVAL;
  randombytes_buf(secret, SR_INVITE_SECRET_BYTES);
  invite_arg_t a = {secret, NULL, uses, now_ms};
  int rc = sr_store_write(st, invite_create_fn, &a);
  if (rc) sodium_memzero(secret, SR_INVITE_SECRET_BYTES);
  return rc;
}

/* Adds key with joined_ms = now unless it is already a member; *added says which. */
static int member_add_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, uint64_t now, int *added) {
  uint8_t val[MEMBER_VAL_BYTES];
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v = {sizeof(val), val};
  sr_be64_put(val, now);
  int rc = mdb_put(txn, st->dbi[DB_RELAY_MEMBERS], &k, &v, MDB_NOOVERWRITE);
  *added = rc == 0;
  return rc == MDB_KEYEXIST ? 0 : rc;
}

static int invite_use_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  uint8_t val[INVITE_VAL_BYTES], hk[SR_INVITE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v, mk = {SR_KEY_BYTES, (void *)a->member}, mv;
  uint32_t uses;
  int rc, added;
  invite_key(a->secret, hk);
  rc = mdb_get(txn, st->dbi[DB_INVITES], &k, &v);
  if (rc == MDB_NOTFOUND) return SR_EINVITE;
  if (rc) return rc;
  if (v.mv_size < INVITE_VAL_BYTES) return MDB_CORRUPTED;
  memcpy(val, v.mv_data, sizeof(val));
  if ((uses = be32_get(val)) == 0) return SR_EINVITEUSED;
  /* Already a member (say, a retry after a lost reply): no use consumed. */
  if ((rc = mdb_get(txn, st->dbi[DB_RELAY_MEMBERS], &mk, &mv)) == 0) return 0;
  if (rc != MDB_NOTFOUND) return rc;
  be32_put(val, uses - 1);
  v.mv_size = sizeof(val);
  v.mv_data = val;
  if ((rc = mdb_put(txn, st->dbi[DB_INVITES], &k, &v, 0))) return rc;
  return member_add_in(st, txn, a->member, a->now, &added);
}

int sr_store_invite_use(sr_store_t *st, const uint8_t secret[SR_INVITE_SECRET_BYTES],
                        const uint8_t member[SR_KEY_BYTES], uint64_t now_ms) {
  invite_arg_t a = {secret, member, 0, now_ms};
  return sr_store_write(st, invite_use_fn, &a);
}

int sr_store_invite_get(sr_store_t *st, const uint8_t secret[SR_INVITE_SECRET_BYTES], uint32_t *uses_left,
                        uint64_t *created_ms) {
  MDB_txn *txn;
  uint8_t hk[SR_INVITE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v;
  int rc, mrc;
  invite_key(secret, hk);
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  mrc = mdb_get(txn, st->dbi[DB_INVITES], &k, &v);
  if (mrc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (mrc)
    rc = sr_store_fail(st, "read an invite", mrc);
  else if (v.mv_size < INVITE_VAL_BYTES)
    rc = sr_store_fail(st, "read an invite", MDB_CORRUPTED);
  else {
    if (uses_left) *uses_left = be32_get(v.mv_data);
    if (created_ms) *created_ms = sr_be64_get((const uint8_t *)v.mv_data + 4);
  }
  sr_store_txn_abort(st, txn);
  return rc;
}

static int member_add_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  int added;
  return member_add_in(st, txn, a->member, a->now, &added);
}

int sr_store_member_add(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t now_ms) {
  invite_arg_t a = {NULL, key, 0, now_ms};
  return sr_store_write(st, member_add_fn, &a);
}

int sr_store_is_member(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  MDB_txn *txn;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  mrc = mdb_get(txn, st->dbi[DB_RELAY_MEMBERS], &k, &v);
  rc = mrc == 0 ? 1 : mrc == MDB_NOTFOUND ? 0 : sr_store_fail(st, "read a relay member", mrc);
  sr_store_txn_abort(st, txn);
  return rc;
}

typedef struct {
  int (*cb)(void *ctx, const uint8_t *key, uint64_t joined_ms);
  void *ctx;
} member_scan_t;

static int member_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  member_scan_t *a = arg;
  (void)st;
  (void)txn;
  if (k->mv_size != SR_KEY_BYTES) return 0;
  return a->cb(a->ctx, k->mv_data, v->mv_size >= MEMBER_VAL_BYTES ? sr_be64_get(v->mv_data) : 0);
}

int sr_store_foreach_member(sr_store_t *st, int (*cb)(void *ctx, const uint8_t *key, uint64_t joined_ms), void *ctx) {
  member_scan_t a = {cb, ctx};
  return sr_store_scan(st, DB_RELAY_MEMBERS, NULL, "relay members", member_row, &a);
}
