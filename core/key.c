/* key.c: the comparator and binary search over sorted 32-byte keys (key.h). */
#include "core/key.h"
#include <string.h>
#include "core/entry.h"

_Static_assert(SR_KEY_LEN == SR_KEY_BYTES && SR_KEY_LEN == SR_ID_BYTES, "a sorted key is a public key or an entry id");

int sr_key_cmp(const void *a, const void *b) { return memcmp(a, b, SR_KEY_LEN); }

int64_t sr_key_find(const void *keys, size_t n, size_t stride, const uint8_t *key) {
  const uint8_t *base = keys;
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp(base + mid * stride, key, SR_KEY_LEN);
    if (c == 0) return (int64_t)mid;
    if (c < 0) lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}
