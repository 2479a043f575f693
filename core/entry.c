/* entry.c: encode, decode, sign and verify entries (see entry.h).
 *
 * Invariant: sr_entry_decode() accepts exactly the bytes sr_entry_create() can
 * produce for some input, so every accepted entry has one id.
 */
#include "core/entry.h"
#include "core/canon.h"
#include "core/content.h"
#include "core/err.h"
#include <msgpack.h>
#include <string.h>

void sr_entry_id(const uint8_t *raw, size_t len, uint8_t id[SR_ID_BYTES]) {
  crypto_generichash(id, SR_ID_BYTES, raw, len, NULL, 0);
}

static int decode_body(sr_entry_t *e) {
  sr_mp_t mp;
  uint32_t n, len;
  uint64_t version;
  const uint8_t *b;
  const char *s;
  /* The body array is depth 1 and its content map depth 2, so the content may
   * nest SR_CANON_MAX_DEPTH levels below the body. */
  int rc = sr_canon_check(e->body, e->body_len, SR_CANON_MAX_DEPTH + 1, NULL);
  if (rc) return rc;
  sr_mp_init(&mp, e->body, e->body_len);
  if (sr_mp_array(&mp, &n) || n != 7) return SR_EBODYSHAPE;
  if (sr_mp_uint(&mp, &version)) return SR_EBODYSHAPE;
  if (version != SR_ENTRY_VERSION) return SR_EVERSION;
  if (sr_mp_bin(&mp, &b, &len) || len != SR_KEY_BYTES) return SR_EBODYSHAPE;
  memcpy(e->author, b, SR_KEY_BYTES);
  if (sr_mp_uint(&mp, &e->seq)) return SR_EBODYSHAPE;
  if (sr_mp_peek(&mp) == SR_MP_NIL) {
    if (sr_mp_nil(&mp)) return SR_EBODYSHAPE;
    e->has_prev = 0;
    memset(e->prev, 0, SR_ID_BYTES);
  } else {
    if (sr_mp_bin(&mp, &b, &len) || len != SR_ID_BYTES) return SR_EBODYSHAPE;
    memcpy(e->prev, b, SR_ID_BYTES);
    e->has_prev = 1;
  }
  if (sr_mp_uint(&mp, &e->ts)) return SR_EBODYSHAPE;
  if (sr_mp_str(&mp, &s, &len)) return SR_EBODYSHAPE;
  if (len == 0 || len > SR_TYPE_MAX) return SR_ETYPE;
  e->type = s;
  e->type_len = len;
  if (sr_mp_peek(&mp) != SR_MP_MAP) return SR_EBODYSHAPE;
  e->content = mp.p;
  if ((rc = sr_mp_skip(&mp))) return rc;
  e->content_len = (size_t)(mp.p - e->content);
  if (e->seq == 0) return SR_ESEQ;
  if (e->has_prev != (e->seq > 1)) return SR_EPREV;
  return 0;
}

int sr_entry_decode(const uint8_t *raw, size_t len, sr_entry_t *e) {
  sr_mp_t mp;
  uint32_t n, blen, slen;
  const uint8_t *sig;
  int rc;
  memset(e, 0, sizeof(*e));
  if (len > SR_ENTRY_MAX) return SR_EENTRYSIZE;
  if ((rc = sr_canon_check(raw, len, 1, NULL))) return rc;
  sr_mp_init(&mp, raw, len);
  if (sr_mp_array(&mp, &n) || n != 2) return SR_ESHAPE;
  if (sr_mp_bin(&mp, &e->body, &blen)) return SR_ESHAPE;
  if (sr_mp_bin(&mp, &sig, &slen) || slen != SR_SIG_BYTES) return SR_ESHAPE;
  e->body_len = blen;
  e->sig = sig;
  e->raw = raw;
  e->raw_len = len;
  if ((rc = decode_body(e))) return rc;
  sr_entry_id(raw, len, e->id);
  return 0;
}

int sr_entry_peek_author(const uint8_t *raw, size_t len, uint8_t author[SR_KEY_BYTES]) {
  sr_mp_t mp, body;
  uint32_t n, blen;
  uint64_t version;
  const uint8_t *b;
  sr_mp_init(&mp, raw, len);
  if (sr_mp_array(&mp, &n) || n != 2 || sr_mp_bin(&mp, &b, &blen)) return SR_ESHAPE;
  sr_mp_init(&body, b, blen);
  if (sr_mp_array(&body, &n) || n != 7 || sr_mp_uint(&body, &version) || sr_mp_bin(&body, &b, &blen) ||
      blen != SR_KEY_BYTES)
    return SR_ESHAPE;
  memcpy(author, b, SR_KEY_BYTES);
  return 0;
}

int sr_entry_verify(const sr_entry_t *e) {
  return crypto_sign_verify_detached(e->sig, e->body, e->body_len, e->author) == 0 ? 0 : SR_ESIG;
}

int sr_entry_check(const uint8_t *raw, size_t len, sr_entry_t *e, char *why, size_t whylen) {
  sr_content_t c;
  int rc = sr_entry_decode(raw, len, e);
  if (rc == 0) rc = sr_entry_verify(e);
  if (rc == 0) rc = sr_content_parse(e, &c, why, whylen);
  return rc;
}

int sr_entry_create(const uint8_t sk[SR_SECRET_BYTES], uint64_t seq, const uint8_t *prev, uint64_t ts, const char *type,
                    const uint8_t *content, size_t content_len, uint8_t *out, size_t cap, size_t *out_len,
                    sr_entry_t *e) {
  msgpack_sbuffer body, entry;
  msgpack_packer pk;
  uint8_t sig[SR_SIG_BYTES];
  size_t tlen = type ? strlen(type) : 0;
  int rc = 0;

  if (seq == 0 || (prev == NULL) != (seq == 1) || !content) return SR_EINVAL;
  if (tlen == 0 || tlen > SR_TYPE_MAX) return SR_ETYPE;
  if (sr_canon_check(content, content_len, SR_CANON_MAX_DEPTH, NULL) || content_len == 0 ||
      !((content[0] & 0xf0) == 0x80 || content[0] == 0xde || content[0] == 0xdf))
    return SR_ECONTENT;

  msgpack_sbuffer_init(&body);
  msgpack_sbuffer_init(&entry);
  msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
  if (msgpack_pack_array(&pk, 7) || msgpack_pack_uint64(&pk, SR_ENTRY_VERSION) || msgpack_pack_bin(&pk, SR_KEY_BYTES) ||
      msgpack_pack_bin_body(&pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES) || msgpack_pack_uint64(&pk, seq) ||
      (prev ? (msgpack_pack_bin(&pk, SR_ID_BYTES) || msgpack_pack_bin_body(&pk, prev, SR_ID_BYTES))
            : msgpack_pack_nil(&pk)) ||
      msgpack_pack_uint64(&pk, ts) || msgpack_pack_str(&pk, tlen) || msgpack_pack_str_body(&pk, type, tlen) ||
      msgpack_sbuffer_write(&body, (const char *)content, content_len)) {
    rc = SR_ENOMEM;
    goto cleanup;
  }
  if (crypto_sign_detached(sig, NULL, (const uint8_t *)body.data, body.size, sk) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  msgpack_packer_init(&pk, &entry, msgpack_sbuffer_write);
  if (msgpack_pack_array(&pk, 2) || msgpack_pack_bin(&pk, body.size) ||
      msgpack_pack_bin_body(&pk, body.data, body.size) || msgpack_pack_bin(&pk, SR_SIG_BYTES) ||
      msgpack_pack_bin_body(&pk, sig, SR_SIG_BYTES)) {
    rc = SR_ENOMEM;
    goto cleanup;
  }
  if (entry.size > SR_ENTRY_MAX) {
    rc = SR_EENTRYSIZE;
    goto cleanup;
  }
  if (entry.size > cap) {
    rc = SR_ETOOBIG;
    goto cleanup;
  }
  memcpy(out, entry.data, entry.size);
  *out_len = entry.size;
  /* Decoding what we wrote is the cheap proof that the writer stayed canonical. */
  if (e) rc = sr_entry_decode(out, entry.size, e);
cleanup:
  msgpack_sbuffer_destroy(&body);
  msgpack_sbuffer_destroy(&entry);
  return rc;
}
