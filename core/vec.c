/* vec.c: checked array growth (see vec.h). */
#include "core/vec.h"
#include <stdint.h>
#include <stdlib.h>

size_t sr_grow_cap(size_t cap, size_t first) {
  if (cap == 0) return first;
  return cap > SIZE_MAX / 2 ? 0 : cap * 2;
}

int sr_realloc_n(void **p, size_t n, size_t elem) {
  if (n == 0 || elem == 0 || n > SIZE_MAX / elem) return SR_ENOMEM;
  void *q = realloc(*p, n * elem);
  if (!q) return SR_ENOMEM;
  *p = q;
  return 0;
}

int sr_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap) return 0;
  size_t nc = *cap;
  while (nc < need) {
    nc = sr_grow_cap(nc, first ? first : 1);
    if (nc == 0) return SR_ENOMEM;
  }
  int rc = sr_realloc_n(p, nc, elem);
  if (rc == 0) *cap = nc;
  return rc;
}
