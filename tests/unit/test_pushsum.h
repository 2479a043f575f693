/* test_pushsum.h: the parts of the test_pushsum program: test_pushsum.c (main,
 * the aggregation, --trace) and test_pushsum_frame.c (the frame codec). */
#ifndef SR_TEST_PUSHSUM_H
#define SR_TEST_PUSHSUM_H
#include "tests/unit/t.h"

/* test_pushsum_frame.c */
void frame_roundtrip_and_rejects(void);

#endif
