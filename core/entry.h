/* entry.h: the signed append-only log entry of docs/format.md, to the byte.
 *
 *   body  = [1, author(bin 32), seq(uint >= 1), prev(bin 32 | nil), ts(uint ms),
 *            type(str, 1..32 bytes), content(map)]
 *   entry = [body(bin), sig(bin 64)]
 *   sig   = crypto_sign_detached(body bytes, author secret key)
 *   id    = BLAKE2b-256(entry bytes)
 *
 * Both layers are canonical MessagePack (core/canon.h); an entry is at most
 * SR_ENTRY_MAX bytes; the content map nests at most 8 deep.
 */
#ifndef SR_ENTRY_H
#define SR_ENTRY_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define SR_KEY_BYTES crypto_sign_PUBLICKEYBYTES    /* 32 */
#define SR_SECRET_BYTES crypto_sign_SECRETKEYBYTES /* 64 */
#define SR_SIG_BYTES crypto_sign_BYTES             /* 64 */
#define SR_ID_BYTES 32
#define SR_HEX_KEY_LEN (2 * SR_KEY_BYTES)
#define SR_HEX_ID_LEN (2 * SR_ID_BYTES)
/* A secret key in libsodium's layout is seed | public key: sk + SR_SECRET_PK_OFFSET
 * is the public key. */
#define SR_SECRET_PK_OFFSET (SR_SECRET_BYTES - SR_KEY_BYTES)
#define SR_ENTRY_MAX 16384
#define SR_TYPE_MAX 32
#define SR_ENTRY_VERSION 1
/* Entries may not be stamped more than this far ahead of the receiver's clock. */
#define SR_FUTURE_SLACK_MS (10 * 60 * 1000)

/* A decoded entry. Every pointer points into the raw buffer handed to
 * sr_entry_decode() and is valid exactly as long as that buffer. */
typedef struct sr_entry {
  uint8_t id[SR_ID_BYTES];
  uint8_t author[SR_KEY_BYTES];
  uint64_t seq;
  uint8_t prev[SR_ID_BYTES]; /* all zero when has_prev == 0 */
  int has_prev;
  uint64_t ts;
  const char *type; /* not NUL-terminated */
  size_t type_len;
  const uint8_t *content; /* canonical msgpack map */
  size_t content_len;
  const uint8_t *body;
  size_t body_len;
  const uint8_t *sig;
  const uint8_t *raw;
  size_t raw_len;
} sr_entry_t;

/* Decodes raw canonically and computes the id. Does not check the signature.
 * Errors: SR_EENTRYSIZE, any sr_canon_check code, SR_ESHAPE, SR_EBODYSHAPE,
 * SR_EVERSION, SR_ETYPE, SR_ESEQ (seq 0), SR_EPREV (prev nil iff seq == 1 broken). */
SR_MUST_USE int sr_entry_decode(const uint8_t *raw, size_t len, sr_entry_t *e);

/* Reads only the author from raw, without the canonical checks or the id hash:
 * for routing decisions before the full check. 0, or SR_ESHAPE when raw does not
 * start like an entry (sr_entry_decode still decides whether it is one). */
SR_MUST_USE int sr_entry_peek_author(const uint8_t *raw, size_t len, uint8_t author[SR_KEY_BYTES]);

/* Verifies the signature over the body bytes: 0 or SR_ESIG. */
SR_MUST_USE int sr_entry_verify(const sr_entry_t *e);

/* Decode + verify + content schema (core/content.h) in one call: what anyone
 * holding only the entry can check. why (may be NULL) receives a detail. */
SR_MUST_USE int sr_entry_check(const uint8_t *raw, size_t len, sr_entry_t *e, char *why, size_t whylen);

/* Builds and signs an entry. content/content_len must be one canonical map
 * (e.g. from sr_canon_encode). prev is NULL exactly when seq == 1.
 * Writes at most cap bytes to out and the length to *out_len; fills *e (whose
 * pointers then point into out). Errors: SR_EINVAL, SR_ETYPE, SR_ECONTENT,
 * SR_EENTRYSIZE, SR_ETOOBIG (cap too small), SR_ENOMEM. */
SR_MUST_USE int sr_entry_create(const uint8_t sk[SR_SECRET_BYTES], uint64_t seq, const uint8_t *prev, uint64_t ts,
                                const char *type, const uint8_t *content, size_t content_len, uint8_t *out, size_t cap,
                                size_t *out_len, sr_entry_t *e);

/* The id of an encoded entry: BLAKE2b-256 of its bytes. */
void sr_entry_id(const uint8_t *raw, size_t len, uint8_t id[SR_ID_BYTES]);

#endif
