/* test_vec.c: core/vec, the checked array growth every collector uses. */
#include "core/vec.h"
#include "tests/unit/t.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void grows_by_doubling(void) {
  T_EQ(sr_grow_cap(0, 64), 64);
  T_EQ(sr_grow_cap(64, 64), 128);
  T_EQ(sr_grow_cap(SIZE_MAX / 2 + 1, 64), 0); /* doubling would wrap */

  uint32_t *v = NULL;
  size_t cap = 0;
  for (size_t i = 0; i < 1000; i++) {
    T_OK(sr_grow((void **)&v, &cap, i + 1, sizeof(*v), 16));
    T_CHECK(cap >= i + 1);
    v[i] = (uint32_t)i;
  }
  T_EQ(cap, 1024);                                      /* 16, 32, ..., 1024 */
  for (size_t i = 0; i < 1000; i++) T_EQ(v[i], i);      /* realloc kept the rows */
  T_OK(sr_grow((void **)&v, &cap, 10, sizeof(*v), 16)); /* room already */
  T_EQ(cap, 1024);
  T_OK(sr_grow((void **)&v, &cap, 5000, sizeof(*v), 16)); /* several doublings at once */
  T_EQ(cap, 8192);
  free(v);
}

static void refuses_overflow(void) {
  uint64_t *v = NULL;
  size_t cap = 0;
  T_OK(sr_grow((void **)&v, &cap, 4, sizeof(*v), 4));
  void *before = v;
  /* n * elem wraps: refused, the array and its capacity untouched */
  T_EQ(sr_grow((void **)&v, &cap, SIZE_MAX / 4, sizeof(*v), 4), SR_ENOMEM);
  T_CHECK(v == before);
  T_EQ(cap, 4);
  T_EQ(sr_realloc_n((void **)&v, SIZE_MAX / 2, 3), SR_ENOMEM);
  T_CHECK(v == before);
  T_EQ(sr_grow((void **)&v, &cap, SIZE_MAX, 1, 4), SR_ENOMEM); /* capacity doubling wraps */
  T_EQ(cap, 4);
  free(v);
}

int main(void) {
  T_RUN(grows_by_doubling);
  T_RUN(refuses_overflow);
  fprintf(stderr, "test_vec: %d checks passed\n", t_checks);
  return 0;
}
