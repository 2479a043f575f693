/* fuzz_canon.c: libFuzzer target for the canonical codec, both directions,
 * and the entry layers (a superset of fuzz_entry's invariant).
 *
 * For any input:
 *  - sr_entry_decode/verify/sr_content_parse must not crash or leak;
 *  - when the entry decodes, re-encoding its content, its body and the entry
 *    itself with sr_canon_encode gives the same bytes (one value, one encoding,
 *    one id);
 *  - when sr_canon_check accepts the raw input as a value, re-encoding it gives
 *    the same bytes; when it refuses a value msgpack-c can read, the encoder
 *    must refuse it too or write other bytes (the gate never refuses an
 *    encoding the writer produces).
 * A violated invariant aborts, which libFuzzer reports as a crash.
 * Seeds: tests/fuzz/corpus/fuzz_entry works well. */
#include "core/core.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t be_n(const uint8_t *p, size_t k) {
  uint64_t v = 0;
  for (size_t i = 0; i < k; i++) v = v << 8 | p[i];
  return v;
}

/* A lenient walk over any MessagePack (any encodings): 1 when every container
 * count fits the bytes left and nesting stays under 32, so that msgpack-c can
 * unpack it without allocating for counts the input cannot back (it sizes
 * arrays from the header). Moves *p past the value. */
static int plausible(const uint8_t **p, const uint8_t *end, int depth) {
  uint64_t n = 0, skip = 0;
  int pairs = 0;
  if (*p >= end || depth > 32) return 0;
  uint8_t b = *(*p)++;
  size_t left = (size_t)(end - *p);
#define BE(k) (left < (k) ? (uint64_t)-1 : be_n(*p, (k)))
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return 1;
  if ((b & 0xf0) == 0x80) {
    n = b & 0x0f;
    pairs = 1;
  } else if ((b & 0xf0) == 0x90)
    n = b & 0x0f;
  else if ((b & 0xe0) == 0xa0)
    skip = b & 0x1f;
  else
    switch (b) {
      case 0xc4:
      case 0xd9:
        skip = BE(1);
        *p += 1;
        break;
      case 0xc5:
      case 0xda:
        skip = BE(2);
        *p += 2;
        break;
      case 0xc6:
      case 0xdb:
        skip = BE(4);
        *p += 4;
        break;
      case 0xc7:
        skip = BE(1) + 1;
        *p += 1;
        break;
      case 0xc8:
        skip = BE(2) + 1;
        *p += 2;
        break;
      case 0xc9:
        skip = BE(4) + 1;
        *p += 4;
        break;
      case 0xca:
        skip = 4;
        break;
      case 0xcb:
        skip = 8;
        break;
      case 0xcc:
      case 0xd0:
        skip = 1;
        break;
      case 0xcd:
      case 0xd1:
        skip = 2;
        break;
      case 0xce:
      case 0xd2:
        skip = 4;
        break;
      case 0xcf:
      case 0xd3:
        skip = 8;
        break;
      case 0xd4:
        skip = 2;
        break;
      case 0xd5:
        skip = 3;
        break;
      case 0xd6:
        skip = 5;
        break;
      case 0xd7:
        skip = 9;
        break;
      case 0xd8:
        skip = 17;
        break;
      case 0xdc:
        n = BE(2);
        *p += 2;
        break;
      case 0xdd:
        n = BE(4);
        *p += 4;
        break;
      case 0xde:
        n = BE(2);
        *p += 2;
        pairs = 1;
        break;
      case 0xdf:
        n = BE(4);
        *p += 4;
        pairs = 1;
        break;
      default:
        return 0; /* 0xc1 */
    }
#undef BE
  if (*p > end) return 0;
  if (skip) {
    if (skip > (uint64_t)(end - *p)) return 0;
    *p += skip;
    return 1;
  }
  if (n > (uint64_t)(end - *p)) return 0;
  for (uint64_t i = 0; i < n * (pairs ? 2 : 1); i++)
    if (!plausible(p, end, depth + 1)) return 0;
  return 1;
}

/* Unpacks exactly [p, p+len) and encodes it canonically into out. Returns 1
 * when msgpack-c read one whole value (then *rc is the encoder's verdict), 0
 * when msgpack-c itself cannot read it as one value. */
static int reencode(const uint8_t *p, size_t len, int depth, int *rc, msgpack_sbuffer *out) {
  msgpack_unpacked u;
  msgpack_packer pk;
  size_t off = 0;
  int whole;
  msgpack_unpacked_init(&u);
  whole = msgpack_unpack_next(&u, (const char *)p, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len;
  if (whole) {
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    *rc = sr_canon_encode(&pk, &u.data, depth);
  }
  msgpack_unpacked_destroy(&u);
  return whole;
}

/* Canonical bytes must survive unpack + encode unchanged. */
static void same_after_reencode(const char *what, const uint8_t *p, size_t len, int depth) {
  msgpack_sbuffer sb;
  int rc = 0;
  msgpack_sbuffer_init(&sb);
  if (!reencode(p, len, depth, &rc, &sb)) {
    fprintf(stderr, "%s: accepted by the gate but msgpack-c cannot read it\n", what);
    abort();
  }
  if (rc != 0 || sb.size != len || memcmp(sb.data, p, len) != 0) {
    fprintf(stderr, "%s: not a fixed point of the encoder (rc %s, %zu vs %zu bytes)\n", what, sr_errname(rc), sb.size,
            len);
    abort();
  }
  msgpack_sbuffer_destroy(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sr_entry_t e;
  sr_content_t c;
  char why[160];
  const uint8_t *q;

  if (sr_entry_decode(data, size, &e) == 0) {
    uint8_t id[SR_ID_BYTES];
    (void)sr_entry_verify(&e);
    (void)sr_content_parse(&e, &c, why, sizeof(why));
    same_after_reencode("content", e.content, e.content_len, SR_CANON_MAX_DEPTH);
    same_after_reencode("body", e.body, e.body_len, SR_CANON_MAX_DEPTH + 1);
    same_after_reencode("entry", data, size, 1);
    sr_entry_id(data, size, id); /* the id is the hash of exactly these bytes */
    if (memcmp(id, e.id, SR_ID_BYTES) != 0) abort();
  }

  /* The gate on the raw input as a value of its own. */
  int rc = sr_canon_check(data, size, SR_CANON_MAX_DEPTH, NULL);
  if (rc == 0) {
    same_after_reencode("value", data, size, SR_CANON_MAX_DEPTH);
  } else if (size <= 4096 && (q = data, plausible(&q, data + size, 1)) && q == data + size) {
    msgpack_sbuffer sb;
    int erc = 0;
    msgpack_sbuffer_init(&sb);
    if (reencode(data, size, SR_CANON_MAX_DEPTH, &erc, &sb) && erc == 0 && sb.size == size &&
        memcmp(sb.data, data, size) == 0) {
      fprintf(stderr, "the gate refused (%s) bytes the encoder writes\n", sr_errname(rc));
      abort();
    }
    msgpack_sbuffer_destroy(&sb);
  }
  return 0;
}
