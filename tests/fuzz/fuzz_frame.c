/* fuzz_frame: the gossip frame reader under libFuzzer. Splits the input into
 * frames as a session would and decodes each; must never crash, and a decoded
 * frame must be canonical (re-checking it cannot fail). */
#include "core/core.h"
#include "core/frame.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t off = 0;
  sr_frame_t *f = malloc(sizeof(*f));
  while (f && off < size) {
    size_t len;
    if (sr_frame_next(data + off, size - off, &len) != 0) break;
    if (sr_frame_decode(data + off, len, f) == 0 && sr_canon_check(data + off, len, 3, NULL) != 0) abort();
    off += len;
  }
  free(f);
  return 0;
}
