/* test_canon.h: the parts of the test_canon program: test_canon.c (main, the
 * canonical gate and encoder) and test_canon_mp.c (the sr_mp reader). */
#ifndef SR_TEST_CANON_H
#define SR_TEST_CANON_H
#include "tests/unit/t.h"

/* test_canon_mp.c */
void mp_reader_basics(void);

#endif
