/* t_store.h: the unit tests' store helper (tests/unit/t_store.c), apart from t.h
 * so that the tests of core/ alone need not link the store. */
#ifndef SR_TEST_T_STORE_H
#define SR_TEST_T_STORE_H
#include "store/store.h"

/* Opens (create: or creates) the store in dir; a failure fails the test. */
sr_store_t *t_open_store(const char *dir, int create);

#endif
