/* fuzz_boxstream.c: libFuzzer target for the incremental Box Stream reader.
 * Input: [mode][chunk][payload...].
 *   mode 0: payload is a raw stream fed to the reader in `chunk`-sized pieces;
 *   mode 1: payload is sealed (writer), fed back, must round-trip exactly;
 *   mode 2: like 1 but one byte of the sealed stream is flipped: the reader
 *           must fail and never return plaintext that differs from the input.
 * Every error must be sticky and reflected by sr_box_reader_end(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/boxstream.h"
#include "core/err.h"

static const uint8_t key[SR_BOX_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t nonce[SR_BOX_NONCE_BYTES] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};

/* Feed wire in chunks; append decoded plaintext to out (cap). Returns the
 * final rc (negative error, SR_BOX_GOODBYE, or SR_BOX_NEED). */
static int decode(sr_box_reader_t *r, const uint8_t *wire, size_t len, size_t chunk, uint8_t *out, size_t cap,
                  size_t *out_len) {
  size_t off = 0;
  int rc = SR_BOX_NEED;
  *out_len = 0;
  while (off < len || rc == SR_BOX_MSG) {
    size_t take = len - off < chunk ? len - off : chunk, used, mlen;
    const uint8_t *msg;
    rc = sr_box_reader_feed(r, wire + off, take, &used, &msg, &mlen);
    if (used > take) abort();
    off += used;
    if (rc < 0 || rc == SR_BOX_GOODBYE) break;
    if (rc == SR_BOX_MSG) {
      if (mlen == 0 || mlen > SR_BOX_BODY_MAX || *out_len + mlen > cap) abort();
      memcpy(out + *out_len, msg, mlen);
      *out_len += mlen;
    } else if (used != take) {
      abort();
    }
  }
  if (rc < 0 && sr_box_reader_end(r) != rc) abort(); /* sticky */
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sr_box_reader_t *r;
  sr_box_writer_t w;
  uint8_t *wire = NULL, *plain = NULL;
  size_t chunk, len, wire_len = 0, plain_len = 0;
  int mode, rc;

  if (size < 2 || sodium_init() < 0) return 0;
  mode = data[0] % 3;
  chunk = (size_t)data[1] * 37 + 1;
  data += 2;
  len = size - 2;
  r = malloc(sizeof *r);
  if (!r) abort();
  if (sr_box_reader_init(r, key, nonce) != 0) abort();

  if (mode == 0) {
    plain = malloc(len + 1);
    if (!plain) abort();
    rc = decode(r, data, len, chunk, plain, len, &plain_len);
    (void)rc;
    goto cleanup;
  }
  if (len == 0) goto cleanup;
  wire = malloc(sr_box_sealed_size(len) + SR_BOX_GOODBYE_BYTES);
  plain = malloc(len);
  if (!wire || !plain) abort();
  if (sr_box_writer_init(&w, key, nonce) != 0) abort();
  if (sr_box_writer_seal(&w, data, len, wire, sr_box_sealed_size(len), &wire_len) != 0) abort();
  if (sr_box_writer_goodbye(&w, wire + wire_len) != 0) abort();
  wire_len += SR_BOX_GOODBYE_BYTES;
  sr_box_writer_wipe(&w);
  if (mode == 2) wire[(data[0] * 131u + len) % wire_len] ^= (uint8_t)(1u << (len % 8));
  rc = decode(r, wire, wire_len, chunk, plain, len, &plain_len);
  if (plain_len > len || memcmp(plain, data, plain_len) != 0) abort(); /* never wrong plaintext */
  if (mode == 1 && (rc != SR_BOX_GOODBYE || plain_len != len || sr_box_reader_end(r) != 0)) abort();
  if (mode == 2 && rc >= 0) abort(); /* any flip is detected */
cleanup:
  sr_box_reader_wipe(r);
  free(r);
  free(wire);
  free(plain);
  return 0;
}
