/* boxstream.c: Box Stream encoder and incremental decoder (see boxstream.h).
 *
 * Invariant: writer and reader each own a nonce that advances by exactly one
 * per secretbox (header n, body n+1), so both ends stay in step as long as
 * every byte is delivered in order; the reader never returns plaintext that
 * failed authentication, and after an error or the goodbye it accepts nothing.
 */
#include "core/boxstream.h"

#include <string.h>
#include <sodium.h>

#include "core/err.h"

_Static_assert(SR_BOX_KEY_BYTES == crypto_secretbox_KEYBYTES && SR_BOX_NONCE_BYTES == crypto_secretbox_NONCEBYTES &&
                   SR_BOX_TAG_BYTES == crypto_secretbox_MACBYTES,
               "Box Stream is secretbox");

enum { RD_HEADER = 0, RD_BODY, RD_BYE, RD_FAILED };

void sr_box_nonce_increment(uint8_t nonce[SR_BOX_NONCE_BYTES]) {
  for (size_t i = SR_BOX_NONCE_BYTES; i-- > 0;) {
    if (++nonce[i] != 0) break;
  }
}

size_t sr_box_sealed_size(size_t len) {
  size_t boxes = (len + SR_BOX_BODY_MAX - 1) / SR_BOX_BODY_MAX;
  return len + boxes * SR_BOX_HEADER_BYTES;
}

int sr_box_writer_init(sr_box_writer_t *w, const uint8_t key[SR_BOX_KEY_BYTES],
                       const uint8_t nonce[SR_BOX_NONCE_BYTES]) {
  if (!w || !key || !nonce) return SR_EINVAL;
  if (sodium_init() < 0) return SR_ECRYPTO;
  memcpy(w->key, key, SR_BOX_KEY_BYTES);
  memcpy(w->nonce, nonce, SR_BOX_NONCE_BYTES);
  w->said_goodbye = 0;
  return 0;
}

int sr_box_writer_seal(sr_box_writer_t *w, const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap,
                       size_t *out_len) {
  int rc = 0;
  size_t off = 0, pos = 0;
  uint8_t plain[SR_BOX_HEADER_PLAIN];

  if (!w || !msg || !out || !out_len || len == 0) return SR_EINVAL;
  *out_len = 0;
  if (w->said_goodbye) return SR_EBOXCLOSED;
  if (out_cap < sr_box_sealed_size(len)) return SR_ETOOBIG;

  while (off < len) {
    size_t n = len - off > SR_BOX_BODY_MAX ? SR_BOX_BODY_MAX : len - off;
    uint8_t *hdr = out + pos;
    uint8_t *body = hdr + SR_BOX_HEADER_BYTES;
    uint8_t body_nonce[SR_BOX_NONCE_BYTES];

    memcpy(body_nonce, w->nonce, SR_BOX_NONCE_BYTES);
    sr_box_nonce_increment(body_nonce);
    /* body first: its tag goes into the header */
    if (crypto_secretbox_detached(body, plain + 2, msg + off, n, body_nonce, w->key) != 0) {
      rc = SR_ECRYPTO;
      goto cleanup;
    }
    plain[0] = (uint8_t)(n >> 8);
    plain[1] = (uint8_t)(n & 0xff);
    if (crypto_secretbox_easy(hdr, plain, sizeof plain, w->nonce, w->key) != 0) {
      rc = SR_ECRYPTO;
      goto cleanup;
    }
    sr_box_nonce_increment(w->nonce);
    sr_box_nonce_increment(w->nonce);
    off += n;
    pos += SR_BOX_HEADER_BYTES + n;
  }
  *out_len = pos;
cleanup:
  sodium_memzero(plain, sizeof plain);
  return rc;
}

int sr_box_writer_goodbye(sr_box_writer_t *w, uint8_t out[SR_BOX_GOODBYE_BYTES]) {
  static const uint8_t zeros[SR_BOX_HEADER_PLAIN];
  if (!w || !out) return SR_EINVAL;
  if (w->said_goodbye) return SR_EBOXCLOSED;
  if (crypto_secretbox_easy(out, zeros, sizeof zeros, w->nonce, w->key) != 0) return SR_ECRYPTO;
  w->said_goodbye = 1;
  return 0;
}

void sr_box_writer_wipe(sr_box_writer_t *w) {
  if (w) sodium_memzero(w, sizeof *w);
}

int sr_box_reader_init(sr_box_reader_t *r, const uint8_t key[SR_BOX_KEY_BYTES],
                       const uint8_t nonce[SR_BOX_NONCE_BYTES]) {
  if (!r || !key || !nonce) return SR_EINVAL;
  if (sodium_init() < 0) return SR_ECRYPTO;
  memset(r, 0, sizeof *r);
  memcpy(r->key, key, SR_BOX_KEY_BYTES);
  memcpy(r->nonce, nonce, SR_BOX_NONCE_BYTES);
  r->state = RD_HEADER;
  return 0;
}

static int reader_fail(sr_box_reader_t *r, int rc) {
  sodium_memzero(r->key, sizeof r->key);
  sodium_memzero(r->body, sizeof r->body);
  r->state = RD_FAILED;
  r->error = rc;
  return rc;
}

int sr_box_reader_feed(sr_box_reader_t *r, const uint8_t *in, size_t len, size_t *used, const uint8_t **msg,
                       size_t *msg_len) {
  size_t off = 0;
  if (!r || !used || !msg || !msg_len || (!in && len)) return SR_EINVAL;
  *used = 0;
  *msg = NULL;
  *msg_len = 0;

  for (;;) {
    if (r->state == RD_FAILED) return r->error;
    if (r->state == RD_BYE) {
      if (off < len) return reader_fail(r, SR_EBOXAFTERBYE);
      return SR_BOX_GOODBYE;
    }
    if (r->state == RD_HEADER) {
      uint8_t plain[SR_BOX_HEADER_PLAIN];
      size_t take = SR_BOX_HEADER_BYTES - r->have;
      if (take > len - off) take = len - off;
      memcpy(r->header + r->have, in + off, take);
      r->have += take;
      off += take;
      *used = off;
      if (r->have < SR_BOX_HEADER_BYTES) return SR_BOX_NEED;
      r->have = 0;
      if (crypto_secretbox_open_easy(plain, r->header, SR_BOX_HEADER_BYTES, r->nonce, r->key) != 0)
        return reader_fail(r, SR_EBOXAUTH);
      if (sodium_is_zero(plain, sizeof plain)) {
        r->state = RD_BYE;
        /* bytes already in this chunk after the goodbye are an error */
        if (off < len) return reader_fail(r, SR_EBOXAFTERBYE);
        return SR_BOX_GOODBYE;
      }
      r->body_len = ((size_t)plain[0] << 8) | plain[1];
      memcpy(r->body_tag, plain + 2, SR_BOX_TAG_BYTES);
      sodium_memzero(plain, sizeof plain);
      if (r->body_len == 0 || r->body_len > SR_BOX_BODY_MAX) return reader_fail(r, SR_EBOXLEN);
      sr_box_nonce_increment(r->nonce);
      r->state = RD_BODY;
      continue;
    }
    /* RD_BODY */
    {
      size_t take = r->body_len - r->have;
      if (take > len - off) take = len - off;
      memcpy(r->body + r->have, in + off, take);
      r->have += take;
      off += take;
      *used = off;
      if (r->have < r->body_len) return SR_BOX_NEED;
      if (crypto_secretbox_open_detached(r->body, r->body, r->body_tag, r->body_len, r->nonce, r->key) != 0)
        return reader_fail(r, SR_EBOXAUTH);
      sr_box_nonce_increment(r->nonce);
      r->have = 0;
      r->state = RD_HEADER;
      *msg = r->body;
      *msg_len = r->body_len;
      return SR_BOX_MSG;
    }
  }
}

int sr_box_reader_end(const sr_box_reader_t *r) {
  if (!r) return SR_EINVAL;
  switch (r->state) {
    case RD_BYE:
      return 0;
    case RD_FAILED:
      return r->error;
    case RD_BODY:
      return SR_EBOXTRUNC;
    default:
      return r->have ? SR_EBOXTRUNC : SR_EBOXNOBYE;
  }
}

void sr_box_reader_wipe(sr_box_reader_t *r) {
  if (r) sodium_memzero(r, sizeof *r);
}
