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
#define INVITE_VAL_V2_BYTES (4 + 8 + 8 + 8)
#define MEMBER_VAL_BYTES 8
#define MEMBER_VAL_V2_BYTES (8 + SR_INVITE_ID_BYTES + 8)

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
 * and the B-tree lookup's timing depends only on the hash. The invite's id
 * (what `invite list` shows and `invite revoke` takes) is the first
 * SR_INVITE_ID_BYTES of that hash: it names the invite and redeems nothing. */
static void invite_key(const uint8_t *secret, uint8_t out[SR_INVITE_SECRET_BYTES]) {
  crypto_generichash(out, SR_INVITE_SECRET_BYTES, secret, SR_INVITE_SECRET_BYTES, NULL, 0);
}

/* An invite record: the 12 bytes of the first version, then (version 2)
 * expires_ms and revoked_ms; a 12-byte one never expires and is not revoked. */
static int invite_decode(const MDB_val *k, const MDB_val *v, sr_invite_rec_t *r) {
  const uint8_t *p = v->mv_data;
  if (k->mv_size != SR_INVITE_SECRET_BYTES || v->mv_size < INVITE_VAL_BYTES) return MDB_CORRUPTED;
  memset(r, 0, sizeof(*r));
  memcpy(r->id, k->mv_data, SR_INVITE_ID_BYTES);
  r->uses_left = be32_get(p);
  r->created_ms = sr_be64_get(p + 4);
  if (v->mv_size >= INVITE_VAL_V2_BYTES) {
    r->expires_ms = sr_be64_get(p + 12);
    r->revoked_ms = sr_be64_get(p + 20);
  }
  return 0;
}

static void invite_encode(const sr_invite_rec_t *r, uint8_t out[INVITE_VAL_V2_BYTES]) {
  be32_put(out, r->uses_left);
  sr_be64_put(out + 4, r->created_ms);
  sr_be64_put(out + 12, r->expires_ms);
  sr_be64_put(out + 20, r->revoked_ms);
}

/* When an invite stopped admitting anyone for good (expired or revoked), else 0. */
static uint64_t invite_ended(const sr_invite_rec_t *r) {
  uint64_t e = r->expires_ms;
  if (r->revoked_ms && (!e || r->revoked_ms < e)) e = r->revoked_ms;
  return e;
}

typedef struct {
  const uint8_t *secret, *member, *id;
  uint32_t uses;
  uint64_t now, expires;
} invite_arg_t;

/* Drops the invites that expired or were revoked more than SR_INVITE_KEEP_MS
 * before now (a relay makes a few invites a week: the walk is short). */
static int invite_prune_in(sr_store_t *st, MDB_txn *txn, uint64_t now) {
  MDB_cursor *cur;
  MDB_val k, v;
  sr_invite_rec_t r;
  int rc = mdb_cursor_open(txn, st->dbi[DB_INVITES], &cur);
  if (rc) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    uint64_t end;
    if (invite_decode(&k, &v, &r) != 0) continue; /* not ours to judge: kept */
    if (!(end = invite_ended(&r)) || end + SR_INVITE_KEEP_MS > now) continue;
    if ((rc = mdb_cursor_del(cur, 0))) break;
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

static int invite_create_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  uint8_t val[INVITE_VAL_V2_BYTES], hk[SR_INVITE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v = {sizeof(val), val};
  sr_invite_rec_t r = {{0}, a->uses, a->now, a->expires, 0};
  int rc;
  if ((rc = invite_prune_in(st, txn, a->now))) return rc;
  invite_key(a->secret, hk);
  invite_encode(&r, val);
  return mdb_put(txn, st->dbi[DB_INVITES], &k, &v, MDB_NOOVERWRITE);
}

int sr_store_invite_create(sr_store_t *st, uint32_t uses, uint64_t now_ms, uint64_t expires_ms,
                           uint8_t secret[SR_INVITE_SECRET_BYTES], uint8_t id[SR_INVITE_ID_BYTES]) {
  if (uses == 0 || (expires_ms && expires_ms <= now_ms)) return SR_EINVAL;
  randombytes_buf(secret, SR_INVITE_SECRET_BYTES);
  invite_arg_t a = {secret, NULL, NULL, uses, now_ms, expires_ms};
  int rc = sr_store_write(st, invite_create_fn, &a);
  if (rc) sodium_memzero(secret, SR_INVITE_SECRET_BYTES);
  else if (id) {
    uint8_t hk[SR_INVITE_SECRET_BYTES];
    invite_key(secret, hk);
    memcpy(id, hk, SR_INVITE_ID_BYTES);
  }
  return rc;
}

/* A relay_members record: joined_ms (the first version ended there), then
 * (version 2) the id of the invite redeemed (zeros: unknown) and removed_ms
 * (0: a member). */
static int member_decode(const MDB_val *k, const MDB_val *v, sr_member_rec_t *m) {
  const uint8_t *p = v->mv_data;
  static const uint8_t zero[SR_INVITE_ID_BYTES];
  if (k->mv_size != SR_KEY_BYTES || v->mv_size < MEMBER_VAL_BYTES) return MDB_CORRUPTED;
  memset(m, 0, sizeof(*m));
  memcpy(m->key, k->mv_data, SR_KEY_BYTES);
  m->joined_ms = sr_be64_get(p);
  if (v->mv_size >= MEMBER_VAL_V2_BYTES) {
    memcpy(m->invite, p + 8, SR_INVITE_ID_BYTES);
    m->invite_known = memcmp(m->invite, zero, SR_INVITE_ID_BYTES) != 0;
    m->removed_ms = sr_be64_get(p + 8 + SR_INVITE_ID_BYTES);
  }
  return 0;
}

static int member_put(sr_store_t *st, MDB_txn *txn, const sr_member_rec_t *m, unsigned flags) {
  uint8_t val[MEMBER_VAL_V2_BYTES];
  MDB_val k = {SR_KEY_BYTES, (void *)m->key}, v = {sizeof(val), val};
  sr_be64_put(val, m->joined_ms);
  memcpy(val + 8, m->invite, SR_INVITE_ID_BYTES);
  sr_be64_put(val + 8 + SR_INVITE_ID_BYTES, m->removed_ms);
  return mdb_put(txn, st->dbi[DB_RELAY_MEMBERS], &k, &v, flags);
}

int sr_member_val_removed(const MDB_val *v) {
  return v->mv_size >= MEMBER_VAL_V2_BYTES && sr_be64_get((const uint8_t *)v->mv_data + 8 + SR_INVITE_ID_BYTES) != 0;
}

/* Adds key with joined_ms = now unless it is already a member (or was one). */
static int member_add_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, const uint8_t *invite, uint64_t now) {
  sr_member_rec_t m;
  memset(&m, 0, sizeof(m));
  memcpy(m.key, key, SR_KEY_BYTES);
  m.joined_ms = now;
  if (invite) memcpy(m.invite, invite, SR_INVITE_ID_BYTES);
  int rc = member_put(st, txn, &m, MDB_NOOVERWRITE);
  return rc == MDB_KEYEXIST ? 0 : rc;
}

static int invite_use_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  uint8_t val[INVITE_VAL_V2_BYTES], hk[SR_INVITE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v, mk = {SR_KEY_BYTES, (void *)a->member}, mv;
  sr_invite_rec_t r;
  int rc;
  invite_key(a->secret, hk);
  rc = mdb_get(txn, st->dbi[DB_INVITES], &k, &v);
  if (rc == MDB_NOTFOUND) return SR_EINVITE;
  if (rc) return rc;
  if ((rc = invite_decode(&k, &v, &r))) return rc;
  if (r.revoked_ms) return SR_EINVITEREVOKED;
  if (r.expires_ms && a->now >= r.expires_ms) return SR_EINVITEEXPIRED;
  if (r.uses_left == 0) return SR_EINVITEUSED;
  /* Already a member (say, a retry after a lost reply): no use consumed. A
   * member the relay removed stays out: a second invite does not undo that. */
  if ((rc = mdb_get(txn, st->dbi[DB_RELAY_MEMBERS], &mk, &mv)) == 0)
    return sr_member_val_removed(&mv) ? SR_EMEMBERREMOVED : 0;
  if (rc != MDB_NOTFOUND) return rc;
  r.uses_left--;
  invite_encode(&r, val);
  v.mv_size = sizeof(val);
  v.mv_data = val;
  if ((rc = mdb_put(txn, st->dbi[DB_INVITES], &k, &v, 0))) return rc;
  return member_add_in(st, txn, a->member, hk, a->now);
}

int sr_store_invite_use(sr_store_t *st, const uint8_t secret[SR_INVITE_SECRET_BYTES],
                        const uint8_t member[SR_KEY_BYTES], uint64_t now_ms) {
  invite_arg_t a = {secret, member, NULL, 0, now_ms, 0};
  return sr_store_write(st, invite_use_fn, &a);
}

int sr_store_invite_get(sr_store_t *st, const uint8_t secret[SR_INVITE_SECRET_BYTES], sr_invite_rec_t *out) {
  MDB_txn *txn;
  uint8_t hk[SR_INVITE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v;
  sr_invite_rec_t r;
  int rc, mrc;
  invite_key(secret, hk);
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  mrc = mdb_get(txn, st->dbi[DB_INVITES], &k, &v);
  if (mrc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (mrc || (mrc = invite_decode(&k, &v, &r)))
    rc = sr_store_fail(st, "read an invite", mrc);
  else if (out)
    *out = r;
  sr_store_txn_abort(st, txn);
  return rc;
}

typedef struct {
  int (*cb)(void *ctx, const sr_invite_rec_t *r);
  void *ctx;
} invite_scan_t;

static int invite_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  invite_scan_t *a = arg;
  sr_invite_rec_t r;
  (void)st;
  (void)txn;
  return invite_decode(k, v, &r) ? 0 : a->cb(a->ctx, &r);
}

int sr_store_foreach_invite(sr_store_t *st, int (*cb)(void *ctx, const sr_invite_rec_t *r), void *ctx) {
  invite_scan_t a = {cb, ctx};
  return sr_store_scan(st, DB_INVITES, NULL, "invites", invite_row, &a);
}

static int invite_revoke_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  uint8_t start[SR_INVITE_SECRET_BYTES] = {0}, val[INVITE_VAL_V2_BYTES];
  MDB_val k = {sizeof(start), start}, v;
  MDB_cursor *cur;
  sr_invite_rec_t r;
  int rc;
  memcpy(start, a->id, SR_INVITE_ID_BYTES);
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_INVITES], &cur))) return rc;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND ||
      (rc == 0 && (k.mv_size != SR_INVITE_SECRET_BYTES || memcmp(k.mv_data, a->id, SR_INVITE_ID_BYTES) != 0)))
    rc = SR_EINVITEID;
  else if (rc == 0 && (rc = invite_decode(&k, &v, &r)) == 0) {
    if (r.revoked_ms) rc = SR_EEXIST;
    else {
      r.revoked_ms = a->now;
      invite_encode(&r, val);
      v.mv_size = sizeof(val);
      v.mv_data = val;
      rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
    }
  }
  mdb_cursor_close(cur);
  return rc;
}

int sr_store_invite_revoke(sr_store_t *st, const uint8_t id[SR_INVITE_ID_BYTES], uint64_t now_ms) {
  invite_arg_t a = {NULL, NULL, id, 0, now_ms, 0};
  return sr_store_write(st, invite_revoke_fn, &a);
}

static int member_add_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  return member_add_in(st, txn, a->member, NULL, a->now);
}

int sr_store_member_add(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t now_ms) {
  invite_arg_t a = {NULL, key, NULL, 0, now_ms, 0};
  return sr_store_write(st, member_add_fn, &a);
}

int sr_store_member_get(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], sr_member_rec_t *out) {
  MDB_txn *txn;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  sr_member_rec_t m;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  mrc = mdb_get(txn, st->dbi[DB_RELAY_MEMBERS], &k, &v);
  if (mrc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (mrc || (mrc = member_decode(&k, &v, &m)))
    rc = sr_store_fail(st, "read a relay member", mrc);
  else if (out)
    *out = m;
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_is_member(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  sr_member_rec_t m = {0};
  int rc = sr_store_member_get(st, key, &m);
  return rc == SR_ENOTFOUND ? 0 : rc ? rc : m.removed_ms == 0;
}

static int member_remove_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  invite_arg_t *a = arg;
  MDB_val k = {SR_KEY_BYTES, (void *)a->member}, v;
  sr_member_rec_t m;
  int rc = mdb_get(txn, st->dbi[DB_RELAY_MEMBERS], &k, &v);
  if (rc == MDB_NOTFOUND) return SR_ENOTMEMBER;
  if (rc || (rc = member_decode(&k, &v, &m))) return rc;
  if (m.removed_ms) return SR_EMEMBERREMOVED;
  m.removed_ms = a->now ? a->now : 1;
  return member_put(st, txn, &m, 0);
}

int sr_store_member_remove(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t now_ms) {
  invite_arg_t a = {NULL, key, NULL, 0, now_ms, 0};
  return sr_store_write(st, member_remove_fn, &a);
}

typedef struct {
  int (*cb)(void *ctx, const sr_member_rec_t *m);
  void *ctx;
  int removed; /* list the removed ones too */
} member_scan_t;

static int member_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  member_scan_t *a = arg;
  sr_member_rec_t m;
  (void)st;
  (void)txn;
  if (member_decode(k, v, &m) || (m.removed_ms && !a->removed)) return 0;
  return a->cb(a->ctx, &m);
}

int sr_store_foreach_member(sr_store_t *st, int removed, int (*cb)(void *ctx, const sr_member_rec_t *m), void *ctx) {
  member_scan_t a = {cb, ctx, removed};
  return sr_store_scan(st, DB_RELAY_MEMBERS, NULL, "relay members", member_row, &a);
}
