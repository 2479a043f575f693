/* t_store.c: see t_store.h. */
#include "tests/unit/t_store.h"
#include "tests/unit/t.h"

sr_store_t *t_open_store(const char *dir, int create) {
  sr_store_t *st = NULL;
  char err[512] = "";
  int rc = sr_store_open(dir, create, &st, err, sizeof(err));
  if (rc) t_fail(__FILE__, __LINE__, "sr_store_open %s: %s: %s", dir, sr_errname(rc), err);
  return st;
}
