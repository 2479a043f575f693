/* key.h: sorted arrays of 32-byte keys (public keys, entry ids). Views and CLI
 * tables keep keys in memcmp order (LMDB's key order) and look them up by binary
 * search; this is the one comparator and the one search they share. */
#ifndef SR_KEY_H
#define SR_KEY_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

#define SR_KEY_LEN 32

/* memcmp order of two 32-byte keys, for qsort and bsearch: a record whose first
 * member is its key sorts by key. */
SR_MUST_USE int sr_key_cmp(const void *a, const void *b);
/* The index of key among n records of stride bytes each, sorted by the 32-byte key
 * at the start of each record (stride 32 for a plain key array), or -1 when it is
 * not there. keys may be NULL when n is 0. */
int64_t sr_key_find(const void *keys, size_t n, size_t stride, const uint8_t *key);

#endif
