/* device_codes.c: the device_codes database (device_codes.h). */
#include "store/device_codes.h"
#include "store/store_internal.h"
#include <sodium.h>
#include <string.h>

#define VAL_FIXED (8 + 8 + 8 + SR_KEY_BYTES + 1)

/* Codes are stored under BLAKE2b-256(secret), as invites are (peers.c): the
 * store never holds what redeems them, and the lookup's timing depends only on
 * the hash. */
static void code_key(const uint8_t *secret, uint8_t out[SR_DEVICE_SECRET_BYTES]) {
  crypto_generichash(out, SR_DEVICE_SECRET_BYTES, secret, SR_DEVICE_SECRET_BYTES, NULL, 0);
}

static size_t encode(const sr_device_code_t *c, uint8_t *val) {
  size_t nl = strlen(c->name);
  sr_be64_put(val, c->created_ms);
  sr_be64_put(val + 8, c->expires_ms);
  sr_be64_put(val + 16, c->used_ms);
  memcpy(val + 24, c->device, SR_KEY_BYTES);
  val[24 + SR_KEY_BYTES] = (uint8_t)nl;
  memcpy(val + VAL_FIXED, c->name, nl);
  return VAL_FIXED + nl;
}

/* 0, or MDB_CORRUPTED for a record that does not decode. */
static int decode(const MDB_val *v, sr_device_code_t *c) {
  const uint8_t *p = v->mv_data;
  size_t nl;
  if (v->mv_size < VAL_FIXED) return MDB_CORRUPTED;
  nl = p[24 + SR_KEY_BYTES];
  if (nl > SR_DEVICE_CODE_NAME_MAX || v->mv_size != VAL_FIXED + nl) return MDB_CORRUPTED;
  memset(c, 0, sizeof(*c));
  c->created_ms = sr_be64_get(p);
  c->expires_ms = sr_be64_get(p + 8);
  c->used_ms = sr_be64_get(p + 16);
  memcpy(c->device, p + 24, SR_KEY_BYTES);
  memcpy(c->name, p + VAL_FIXED, nl);
  c->name[nl] = '\0';
  return 0;
}

typedef struct {
  const uint8_t *secret, *device;
  sr_device_code_t rec;
  uint64_t now;
  int again;
} code_arg_t;

/* Drops the records whose expiry lies more than SR_DEVICE_CODE_KEEP_MS back
 * (a person makes a code or two a year: the walk is short). */
static int prune_in(sr_store_t *st, MDB_txn *txn, uint64_t now) {
  MDB_cursor *cur;
  MDB_val k, v;
  sr_device_code_t c;
  int rc = mdb_cursor_open(txn, st->dbi[DB_DEVICE_CODES], &cur);
  if (rc) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    /* a record that does not decode redeems nothing: dropped too */
    if (decode(&v, &c) == 0 && c.expires_ms + SR_DEVICE_CODE_KEEP_MS > now) continue;
    if ((rc = mdb_cursor_del(cur, 0))) break;
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

static int create_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  code_arg_t *a = arg;
  uint8_t val[VAL_FIXED + SR_DEVICE_CODE_NAME_MAX], hk[SR_DEVICE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v = {0, val};
  int rc;
  if ((rc = prune_in(st, txn, a->now))) return rc;
  code_key(a->secret, hk);
  v.mv_size = encode(&a->rec, val);
  return mdb_put(txn, st->dbi[DB_DEVICE_CODES], &k, &v, MDB_NOOVERWRITE);
}

int sr_store_device_code_create(sr_store_t *st, const char *name, uint64_t now_ms, uint64_t ttl_ms,
                                uint8_t secret[SR_DEVICE_SECRET_BYTES]) {
  code_arg_t a = {secret, NULL, {0}, now_ms, 0};
  if (name && strlen(name) > SR_DEVICE_CODE_NAME_MAX) return SR_EINVAL;
  if (name) memcpy(a.rec.name, name, strlen(name) + 1);
  a.rec.created_ms = now_ms;
  a.rec.expires_ms = now_ms + ttl_ms;
  randombytes_buf(secret, SR_DEVICE_SECRET_BYTES);
  int rc = sr_store_write(st, create_fn, &a);
  if (rc) sodium_memzero(secret, SR_DEVICE_SECRET_BYTES);
  return rc;
}

static int use_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  code_arg_t *a = arg;
  uint8_t val[VAL_FIXED + SR_DEVICE_CODE_NAME_MAX], hk[SR_DEVICE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v;
  int rc;
  a->again = 0;
  code_key(a->secret, hk);
  if ((rc = mdb_get(txn, st->dbi[DB_DEVICE_CODES], &k, &v)) == MDB_NOTFOUND) return SR_EDEVCODE;
  if (rc || (rc = decode(&v, &a->rec))) return rc;
  if (a->rec.used_ms) {
    if (memcmp(a->rec.device, a->device, SR_KEY_BYTES)) return SR_EDEVCODEUSED;
    a->again = 1;
    return 0;
  }
  if (a->now >= a->rec.expires_ms) return SR_EDEVCODEOLD;
  a->rec.used_ms = a->now ? a->now : 1; /* 0 means unused */
  memcpy(a->rec.device, a->device, SR_KEY_BYTES);
  v.mv_data = val;
  v.mv_size = encode(&a->rec, val);
  return mdb_put(txn, st->dbi[DB_DEVICE_CODES], &k, &v, 0);
}

int sr_store_device_code_use(sr_store_t *st, const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                             const uint8_t device[SR_KEY_BYTES], uint64_t now_ms, int *again, sr_device_code_t *out) {
  code_arg_t a = {secret, device, {0}, now_ms, 0};
  int rc = sr_store_write(st, use_fn, &a);
  if (again) *again = rc == 0 && a.again;
  if (out && (rc == 0 || rc == SR_EDEVCODEUSED || rc == SR_EDEVCODEOLD)) *out = a.rec;
  return rc;
}

static int release_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  code_arg_t *a = arg;
  uint8_t val[VAL_FIXED + SR_DEVICE_CODE_NAME_MAX], hk[SR_DEVICE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v;
  int rc;
  code_key(a->secret, hk);
  if ((rc = mdb_get(txn, st->dbi[DB_DEVICE_CODES], &k, &v)) == MDB_NOTFOUND) return SR_ENOTFOUND;
  if (rc || (rc = decode(&v, &a->rec))) return rc;
  if (!a->rec.used_ms || memcmp(a->rec.device, a->device, SR_KEY_BYTES)) return SR_ENOTFOUND;
  a->rec.used_ms = 0;
  memset(a->rec.device, 0, SR_KEY_BYTES);
  v.mv_data = val;
  v.mv_size = encode(&a->rec, val);
  return mdb_put(txn, st->dbi[DB_DEVICE_CODES], &k, &v, 0);
}

int sr_store_device_code_release(sr_store_t *st, const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                                 const uint8_t device[SR_KEY_BYTES]) {
  code_arg_t a = {secret, device, {0}, 0, 0};
  return sr_store_write(st, release_fn, &a);
}

int sr_store_device_code_get(sr_store_t *st, const uint8_t secret[SR_DEVICE_SECRET_BYTES], sr_device_code_t *out) {
  MDB_txn *txn;
  uint8_t hk[SR_DEVICE_SECRET_BYTES];
  MDB_val k = {sizeof(hk), hk}, v;
  int rc, mrc;
  code_key(secret, hk);
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  mrc = mdb_get(txn, st->dbi[DB_DEVICE_CODES], &k, &v);
  if (mrc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (mrc || (mrc = decode(&v, out)))
    rc = sr_store_fail(st, "read a device code", mrc);
  sr_store_txn_abort(st, txn);
  return rc;
}
