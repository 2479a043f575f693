/* vec.h: growing a heap array by doubling, the one place the size arithmetic is
 * checked. Every module that collects rows (store views, gossip batches, CLI
 * tables) grows its arrays through here instead of its own `cap ? cap * 2 : N`. */
#ifndef SR_VEC_H
#define SR_VEC_H
#include "core/err.h"
#include <stddef.h>

/* The next capacity of a full array: first when it is empty, else twice cap.
 * Returns 0 when doubling would overflow size_t (the caller reports SR_ENOMEM). */
size_t sr_grow_cap(size_t cap, size_t first);
/* Resizes the array *p to n elements of elem bytes. Returns 0, or SR_ENOMEM when
 * n * elem overflows or realloc fails; *p is untouched (still owned by the caller)
 * on failure. */
SR_MUST_USE int sr_realloc_n(void **p, size_t n, size_t elem);
/* Makes room for need elements in the array *p of capacity *cap: when need > *cap,
 * the capacity doubles (from first) until it holds need. Returns 0, or SR_ENOMEM
 * with *p and *cap untouched. */
SR_MUST_USE int sr_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
