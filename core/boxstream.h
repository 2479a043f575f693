/* boxstream.h: Box Stream (Secure Scuttlebutt), a pure encoder and an
 * incremental decoder. No I/O.
 *
 * Wire format, per body of 1..SR_BOX_BODY_MAX bytes:
 *   header box (34) = secretbox(len_be16 | body_tag16, nonce n)
 *   body   (len)    = secretbox ciphertext of the body, nonce n+1, tag in header
 * then the nonce is n+2. The nonce is a 24-byte big-endian counter. A longer
 * message is split into SR_BOX_BODY_MAX chunks: Box Stream carries bytes, not
 * message boundaries (the layer above frames its own messages).
 * The goodbye is a header box over 18 zero bytes; nothing may follow it.
 *
 * Keys and nonces come from the handshake (sr_shs_result_t): the writer uses
 * enc_key/enc_nonce, the reader dec_key/dec_nonce. Both structs are
 * caller-allocated, hold a copy of the key, and are erased by *_wipe().
 */
#ifndef SR_BOXSTREAM_H
#define SR_BOXSTREAM_H
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define SR_BOX_KEY_BYTES 32
#define SR_BOX_NONCE_BYTES 24
#define SR_BOX_BODY_MAX 4096   /* largest body in one box */
#define SR_BOX_TAG_BYTES 16    /* secretbox MAC */
#define SR_BOX_HEADER_PLAIN 18 /* len (2) + body tag (16) */
#define SR_BOX_HEADER_BYTES 34 /* boxed header: tag (16) + 18 */
#define SR_BOX_GOODBYE_BYTES SR_BOX_HEADER_BYTES

/* Bytes on the wire for len bytes of payload (0 for len 0). */
size_t sr_box_sealed_size(size_t len);

typedef struct {
  uint8_t key[SR_BOX_KEY_BYTES];
  uint8_t nonce[SR_BOX_NONCE_BYTES];
  int said_goodbye;
} sr_box_writer_t;

SR_MUST_USE int sr_box_writer_init(sr_box_writer_t *w, const uint8_t key[SR_BOX_KEY_BYTES],
                                   const uint8_t nonce[SR_BOX_NONCE_BYTES]);

/* Seal len (>= 1) bytes of msg into out (capacity out_cap, at least
 * sr_box_sealed_size(len)), splitting into 4096-byte bodies. Sets *out_len.
 * SR_EINVAL for len 0, SR_ETOOBIG if out_cap is short, SR_EBOXCLOSED after
 * the goodbye. msg and out must not overlap. */
SR_MUST_USE int sr_box_writer_seal(sr_box_writer_t *w, const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap,
                                   size_t *out_len);

/* Write the goodbye (SR_BOX_GOODBYE_BYTES) to out; later seals fail. */
SR_MUST_USE int sr_box_writer_goodbye(sr_box_writer_t *w, uint8_t out[SR_BOX_GOODBYE_BYTES]);

void sr_box_writer_wipe(sr_box_writer_t *w);

/* Results of sr_box_reader_feed besides negative errors. */
#define SR_BOX_NEED 0    /* all input consumed; no complete body yet */
#define SR_BOX_MSG 1     /* one body decoded: *msg, *msg_len */
#define SR_BOX_GOODBYE 2 /* peer said goodbye; the stream is over */

typedef struct {
  uint8_t key[SR_BOX_KEY_BYTES];
  uint8_t nonce[SR_BOX_NONCE_BYTES];
  int state;   /* private */
  int error;   /* sticky error, once failed */
  size_t have; /* bytes gathered of the current header/body */
  size_t body_len;
  uint8_t header[SR_BOX_HEADER_BYTES];
  uint8_t body_tag[SR_BOX_TAG_BYTES];
  uint8_t body[SR_BOX_BODY_MAX]; /* ciphertext, then plaintext */
} sr_box_reader_t;

SR_MUST_USE int sr_box_reader_init(sr_box_reader_t *r, const uint8_t key[SR_BOX_KEY_BYTES],
                                   const uint8_t nonce[SR_BOX_NONCE_BYTES]);

/* Feed any chunk of the stream (any length, including 0). Consumes bytes until
 * it completes one body or the goodbye, or runs out; *used says how many were
 * consumed, so call again with in + *used while bytes remain.
 * Returns SR_BOX_NEED, SR_BOX_MSG (*msg points into r, valid until the next
 * call on r; *msg_len in 1..4096), SR_BOX_GOODBYE, or an error:
 *   SR_EBOXAUTH      a header or body failed authentication
 *   SR_EBOXLEN       header announced length 0 (not a goodbye) or > 4096
 *   SR_EBOXAFTERBYE  bytes after the goodbye
 * Errors are sticky: later calls return the same code. */
SR_MUST_USE int sr_box_reader_feed(sr_box_reader_t *r, const uint8_t *in, size_t len, size_t *used, const uint8_t **msg,
                                   size_t *msg_len);

/* The underlying stream ended (EOF). 0 if the goodbye was received;
 * SR_EBOXTRUNC if it ended inside a box; SR_EBOXNOBYE at a box boundary
 * without goodbye; the sticky error if the reader had failed. */
SR_MUST_USE int sr_box_reader_end(const sr_box_reader_t *r);

void sr_box_reader_wipe(sr_box_reader_t *r);

/* Add 1 to a 24-byte big-endian nonce (wraps at 2^192). */
void sr_box_nonce_increment(uint8_t nonce[SR_BOX_NONCE_BYTES]);

#endif
