/* canon.c: the canonical MessagePack gate, reader and encoder (see canon.h).
 *
 * Invariant: sr_canon_check() accepts a byte string only if re-encoding the value
 * it holds with sr_canon_encode() gives the same bytes. The tests check both
 * directions; every rejection has its own error code.
 */
#include "core/canon.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

static uint64_t be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = v << 8 | p[i];
  return v;
}

int sr_utf8_valid(const uint8_t *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else
      return 0;
    if (len - i <= n) return 0;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += n + 1;
  }
  return 1;
}

/* One pass of the checker. The recursion is bounded by max_depth (<= 9 in use). */
typedef struct {
  const uint8_t *base, *p, *end;
  int max_depth;
} chk_t;

static int need(chk_t *c, size_t n) { return (size_t)(c->end - c->p) >= n ? 0 : SR_ETRUNC; }

static int chk_value(chk_t *c, int depth);

/* Checks a string payload of len bytes; *s receives where it starts. */
static int chk_str_body(chk_t *c, uint64_t len, const uint8_t **s) {
  if ((uint64_t)(c->end - c->p) < len) return SR_ETRUNC;
  if (!sr_utf8_valid(c->p, (size_t)len)) return SR_EUTF8;
  if (s) *s = c->p;
  c->p += len;
  return 0;
}

/* Parses a length header of a str/bin/array/map given its 1/2/4-byte size and
 * the smallest length that form may carry (below it a shorter form exists). */
static int chk_len(chk_t *c, int bytes, uint64_t min, uint64_t *len) {
  int rc = need(c, (size_t)bytes);
  if (rc) return rc;
  *len = be(c->p, bytes);
  c->p += bytes;
  return *len < min ? SR_ENONSHORT : 0;
}

/* chk_len for a value whose type byte is at `at`: a length in a longer form
 * than needed is reported there, where the value starts. */
static int chk_len_at(chk_t *c, const uint8_t *at, int bytes, uint64_t min, uint64_t *len) {
  int rc = chk_len(c, bytes, min, len);
  if (rc == SR_ENONSHORT) c->p = at;
  return rc;
}

static int chk_key(chk_t *c, const uint8_t **s, uint64_t *len) {
  int rc = need(c, 1);
  if (rc) return rc;
  uint8_t b = *c->p;
  if (b >= 0xa0 && b <= 0xbf) {
    c->p++;
    *len = b & 0x1f;
  } else if (b == 0xd9) {
    c->p++;
    if ((rc = chk_len(c, 1, 32, len))) return rc;
  } else if (b == 0xda) {
    c->p++;
    if ((rc = chk_len(c, 2, 0x100, len))) return rc;
  } else if (b == 0xdb) {
    c->p++;
    if ((rc = chk_len(c, 4, 0x10000, len))) return rc;
  } else
    return SR_EKEYTYPE;
  return chk_str_body(c, *len, s);
}

static int chk_map(chk_t *c, uint64_t n, int depth) {
  if (depth > c->max_depth) return SR_EDEPTH;
  if (n > (uint64_t)(c->end - c->p) / 2) return SR_ETRUNC; /* each pair takes >= 2 bytes */
  const uint8_t *prev = NULL;
  uint64_t prev_len = 0;
  for (uint64_t i = 0; i < n; i++) {
    const uint8_t *key, *at = c->p;
    uint64_t klen;
    int rc = chk_key(c, &key, &klen);
    if (rc) {
      if (rc == SR_EKEYTYPE) c->p = at;
      return rc;
    }
    if (prev) {
      size_t m = prev_len < klen ? (size_t)prev_len : (size_t)klen;
      int cmp = memcmp(prev, key, m);
      if (cmp == 0) cmp = prev_len < klen ? -1 : prev_len > klen ? 1 : 0;
      if (cmp == 0) {
        c->p = at;
        return SR_EKEYDUP;
      }
      if (cmp > 0) {
        c->p = at;
        return SR_EKEYORDER;
      }
    }
    prev = key;
    prev_len = klen;
    if ((rc = chk_value(c, depth + 1))) return rc;
  }
  return 0;
}

static int chk_array(chk_t *c, uint64_t n, int depth) {
  if (depth > c->max_depth) return SR_EDEPTH;
  if (n > (uint64_t)(c->end - c->p)) return SR_ETRUNC; /* each element takes >= 1 byte */
  for (uint64_t i = 0; i < n; i++) {
    int rc = chk_value(c, depth + 1);
    if (rc) return rc;
  }
  return 0;
}

static int chk_value(chk_t *c, int depth) {
  int rc = need(c, 1);
  if (rc) return rc;
  const uint8_t *at = c->p;
  uint8_t b = *c->p++;
  uint64_t len, v;
  if (b <= 0x7f || b >= 0xe0) return 0; /* fixints */
  if (b >= 0x80 && b <= 0x8f) return chk_map(c, b & 0x0f, depth);
  if (b >= 0x90 && b <= 0x9f) return chk_array(c, b & 0x0f, depth);
  if (b >= 0xa0 && b <= 0xbf) return chk_str_body(c, b & 0x1f, NULL);
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return 0;
    case 0xc1:
      c->p = at;
      return SR_ENEVERUSED;
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      static const uint64_t mins[] = {0, 0x100, 0x10000};
      int bytes = b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4;
      if ((rc = chk_len_at(c, at, bytes, mins[b - 0xc4], &len))) return rc;
      if ((uint64_t)(c->end - c->p) < len) return SR_ETRUNC;
      c->p += len;
      return 0;
    }
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      c->p = at;
      return SR_EEXT;
    case 0xca:
    case 0xcb:
      c->p = at;
      return SR_EFLOAT;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      static const uint64_t mins[] = {0x80, 0x100, 0x10000, 0x100000000ull};
      int bytes = 1 << (b - 0xcc);
      if ((rc = need(c, (size_t)bytes))) return rc;
      v = be(c->p, bytes);
      c->p += bytes;
      if (v < mins[b - 0xcc]) {
        c->p = at;
        return SR_ENONSHORT;
      }
      return 0;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      /* Signed forms are only for negative values below the next shorter form. */
      static const int64_t maxs[] = {-33, -129, -32769, -2147483649ll};
      int bytes = 1 << (b - 0xd0);
      if ((rc = need(c, (size_t)bytes))) return rc;
      v = be(c->p, bytes);
      c->p += bytes;
      int64_t s = bytes == 1 ? (int8_t)v : bytes == 2 ? (int16_t)v : bytes == 4 ? (int32_t)v : (int64_t)v;
      if (s >= 0) {
        c->p = at;
        return SR_ESIGNED;
      }
      if (s > maxs[b - 0xd0]) {
        c->p = at;
        return SR_ENONSHORT;
      }
      return 0;
    }
    case 0xd9:
    case 0xda:
    case 0xdb: {
      static const uint64_t mins[] = {32, 0x100, 0x10000};
      int bytes = b == 0xd9 ? 1 : b == 0xda ? 2 : 4;
      if ((rc = chk_len_at(c, at, bytes, mins[b - 0xd9], &len))) return rc;
      return chk_str_body(c, len, NULL);
    }
    case 0xdc:
    case 0xdd:
      if ((rc = chk_len_at(c, at, b == 0xdc ? 2 : 4, b == 0xdc ? 16 : 0x10000, &len))) return rc;
      return chk_array(c, len, depth);
    case 0xde:
    case 0xdf:
      if ((rc = chk_len_at(c, at, b == 0xde ? 2 : 4, b == 0xde ? 16 : 0x10000, &len))) return rc;
      return chk_map(c, len, depth);
  }
  return SR_EINVAL; /* unreachable: every byte value is handled above */
}

int sr_canon_check(const uint8_t *buf, size_t len, int max_depth, size_t *err_off) {
  chk_t c = {buf, buf, buf + len, max_depth};
  int rc = chk_value(&c, 1);
  if (rc == 0 && c.p != c.end) rc = SR_ETRAILING;
  if (rc && err_off) *err_off = (size_t)(c.p - buf);
  return rc;
}

/* ---- reader over checked bytes ---- */

void sr_mp_init(sr_mp_t *mp, const uint8_t *buf, size_t len) {
  mp->p = buf;
  mp->end = buf + len;
}

enum sr_mp_kind sr_mp_peek(const sr_mp_t *mp) {
  if (mp->p >= mp->end) return SR_MP_END;
  uint8_t b = *mp->p;
  if (b <= 0x7f || (b >= 0xcc && b <= 0xcf)) return SR_MP_UINT;
  if (b >= 0xe0 || (b >= 0xd0 && b <= 0xd3)) return SR_MP_INT;
  if (b <= 0x8f || b == 0xde || b == 0xdf) return SR_MP_MAP;
  if (b <= 0x9f || b == 0xdc || b == 0xdd) return SR_MP_ARRAY;
  if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) return SR_MP_STR;
  if (b >= 0xc4 && b <= 0xc6) return SR_MP_BIN;
  if (b == 0xc0) return SR_MP_NIL;
  if (b == 0xc2 || b == 0xc3) return SR_MP_BOOL;
  return SR_MP_OTHER;
}

/* Reads a header whose length field follows the type byte; checks the payload fits. */
static int rd_len(sr_mp_t *mp, int hdr, int bytes, uint64_t *len, int payload) {
  if (mp->end - mp->p < hdr + bytes) return SR_ETRUNC;
  *len = be(mp->p + hdr, bytes);
  if (payload && (uint64_t)(mp->end - mp->p - hdr - bytes) < *len) return SR_ETRUNC;
  mp->p += hdr + bytes;
  return 0;
}

/* An array or map header of the given kind: the count in the low 4 bits of a
 * fix form (up to fixmax), else in the 2 bytes after code16 or the 4 after the
 * code that follows it. */
static int rd_count(sr_mp_t *mp, enum sr_mp_kind kind, uint8_t fixmax, uint8_t code16, uint32_t *n) {
  uint64_t len;
  int rc;
  if (sr_mp_peek(mp) != kind) return mp->p >= mp->end ? SR_ETRUNC : SR_EINVAL;
  uint8_t b = *mp->p;
  if (b <= fixmax) {
    *n = b & 0x0f;
    mp->p++;
    return 0;
  }
  if ((rc = rd_len(mp, 1, b == code16 ? 2 : 4, &len, 0))) return rc;
  *n = (uint32_t)len;
  return 0;
}

int sr_mp_array(sr_mp_t *mp, uint32_t *n) { return rd_count(mp, SR_MP_ARRAY, 0x9f, 0xdc, n); }

int sr_mp_map(sr_mp_t *mp, uint32_t *n) { return rd_count(mp, SR_MP_MAP, 0x8f, 0xde, n); }

int sr_mp_str(sr_mp_t *mp, const char **s, uint32_t *slen) {
  uint64_t len;
  int rc;
  if (sr_mp_peek(mp) != SR_MP_STR) return mp->p >= mp->end ? SR_ETRUNC : SR_EINVAL;
  uint8_t b = *mp->p;
  if (b <= 0xbf) {
    len = b & 0x1f;
    if ((uint64_t)(mp->end - mp->p - 1) < len) return SR_ETRUNC;
    mp->p++;
  } else if ((rc = rd_len(mp, 1, b == 0xd9 ? 1 : b == 0xda ? 2 : 4, &len, 1))) {
    return rc;
  }
  *s = (const char *)mp->p;
  *slen = (uint32_t)len;
  mp->p += len;
  return 0;
}

int sr_mp_bin(sr_mp_t *mp, const uint8_t **bp, uint32_t *blen) {
  uint64_t len;
  int rc;
  if (sr_mp_peek(mp) != SR_MP_BIN) return mp->p >= mp->end ? SR_ETRUNC : SR_EINVAL;
  uint8_t b = *mp->p;
  if ((rc = rd_len(mp, 1, b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4, &len, 1))) return rc;
  *bp = mp->p;
  *blen = (uint32_t)len;
  mp->p += len;
  return 0;
}

int sr_mp_uint(sr_mp_t *mp, uint64_t *v) {
  if (sr_mp_peek(mp) != SR_MP_UINT) return mp->p >= mp->end ? SR_ETRUNC : SR_EINVAL;
  uint8_t b = *mp->p;
  if (b <= 0x7f) {
    *v = b;
    mp->p++;
    return 0;
  }
  int bytes = 1 << (b - 0xcc);
  if (mp->end - mp->p < 1 + bytes) return SR_ETRUNC;
  *v = be(mp->p + 1, bytes);
  mp->p += 1 + bytes;
  return 0;
}

int sr_mp_nil(sr_mp_t *mp) {
  if (sr_mp_peek(mp) != SR_MP_NIL) return mp->p >= mp->end ? SR_ETRUNC : SR_EINVAL;
  mp->p++;
  return 0;
}

int sr_mp_skip(sr_mp_t *mp) {
  /* Bytes passed the check already, so the checker itself is the fastest correct
   * way to find the end of one value. */
  chk_t c = {mp->p, mp->p, mp->end, 64};
  int rc = chk_value(&c, 1);
  if (rc) return rc;
  mp->p = c.p;
  return 0;
}

/* ---- encoder ---- */

static int key_cmp(const void *a, const void *b) {
  const msgpack_object_kv *x = a, *y = b;
  uint32_t m = x->key.via.str.size < y->key.via.str.size ? x->key.via.str.size : y->key.via.str.size;
  int cmp = m ? memcmp(x->key.via.str.ptr, y->key.via.str.ptr, m) : 0;
  if (cmp) return cmp;
  return x->key.via.str.size < y->key.via.str.size ? -1 : x->key.via.str.size > y->key.via.str.size;
}

static int enc(msgpack_packer *pk, const msgpack_object *o, int depth, int max_depth) {
  int rc = 0;
  switch (o->type) {
    case MSGPACK_OBJECT_NIL:
      return msgpack_pack_nil(pk) ? SR_ENOMEM : 0;
    case MSGPACK_OBJECT_BOOLEAN:
      return (o->via.boolean ? msgpack_pack_true(pk) : msgpack_pack_false(pk)) ? SR_ENOMEM : 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      return msgpack_pack_uint64(pk, o->via.u64) ? SR_ENOMEM : 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      return msgpack_pack_int64(pk, o->via.i64) ? SR_ENOMEM : 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      return SR_EFLOAT;
    case MSGPACK_OBJECT_EXT:
      return SR_EEXT;
    case MSGPACK_OBJECT_STR:
      if (!sr_utf8_valid((const uint8_t *)o->via.str.ptr, o->via.str.size)) return SR_EUTF8;
      if (msgpack_pack_str(pk, o->via.str.size) || msgpack_pack_str_body(pk, o->via.str.ptr, o->via.str.size))
        return SR_ENOMEM;
      return 0;
    case MSGPACK_OBJECT_BIN:
      if (msgpack_pack_bin(pk, o->via.bin.size) || msgpack_pack_bin_body(pk, o->via.bin.ptr, o->via.bin.size))
        return SR_ENOMEM;
      return 0;
    case MSGPACK_OBJECT_ARRAY:
      if (depth > max_depth) return SR_EDEPTH;
      if (msgpack_pack_array(pk, o->via.array.size)) return SR_ENOMEM;
      for (uint32_t i = 0; i < o->via.array.size && rc == 0; i++)
        rc = enc(pk, &o->via.array.ptr[i], depth + 1, max_depth);
      return rc;
    case MSGPACK_OBJECT_MAP: {
      uint32_t n = o->via.map.size;
      if (depth > max_depth) return SR_EDEPTH;
      msgpack_object_kv *kv = n ? malloc(sizeof(*kv) * n) : NULL;
      if (n && !kv) return SR_ENOMEM;
      for (uint32_t i = 0; i < n; i++) {
        kv[i] = o->via.map.ptr[i];
        if (kv[i].key.type != MSGPACK_OBJECT_STR) {
          rc = SR_EKEYTYPE;
          goto map_done;
        }
      }
      if (n > 1) qsort(kv, n, sizeof(*kv), key_cmp);
      for (uint32_t i = 1; i < n; i++)
        if (key_cmp(&kv[i - 1], &kv[i]) == 0) {
          rc = SR_EKEYDUP;
          goto map_done;
        }
      if (msgpack_pack_map(pk, n)) {
        rc = SR_ENOMEM;
        goto map_done;
      }
      for (uint32_t i = 0; i < n && rc == 0; i++) {
        rc = enc(pk, &kv[i].key, depth + 1, max_depth);
        if (rc == 0) rc = enc(pk, &kv[i].val, depth + 1, max_depth);
      }
    map_done:
      free(kv);
      return rc;
    }
  }
  return SR_EINVAL;
}

int sr_canon_encode(msgpack_packer *pk, const msgpack_object *obj, int max_depth) { return enc(pk, obj, 1, max_depth); }
