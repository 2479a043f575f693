/* fuzz_entry: the entry decoder and validator under libFuzzer.
 * Whatever the input, decode + verify + schema must not crash, and when an entry
 * decodes, its content re-encoded canonically must give back the same bytes
 * (the canonical invariant: one value, one encoding, one id). */
#include "core/core.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sr_entry_t e;
  sr_content_t c;
  char why[160];
  if (sr_entry_decode(data, size, &e) != 0) return 0;
  (void)sr_entry_verify(&e);
  /* The cheap author peek (used to route received entries) agrees with decode. */
  uint8_t author[SR_KEY_BYTES];
  if (sr_entry_peek_author(data, size, author) != 0 || memcmp(author, e.author, SR_KEY_BYTES) != 0) abort();
  (void)sr_content_parse(&e, &c, why, sizeof(why));

  msgpack_unpacked u;
  msgpack_unpacked_init(&u);
  size_t off = 0;
  if (msgpack_unpack_next(&u, (const char *)e.content, e.content_len, &off) != MSGPACK_UNPACK_SUCCESS) abort();
  msgpack_sbuffer sb;
  msgpack_packer pk;
  msgpack_sbuffer_init(&sb);
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  if (sr_canon_encode(&pk, &u.data, SR_CANON_MAX_DEPTH) != 0) abort();
  if (sb.size != e.content_len || memcmp(sb.data, e.content, sb.size) != 0) abort();
  msgpack_sbuffer_destroy(&sb);
  msgpack_unpacked_destroy(&u);
  return 0;
}
