/* test_flowreport.h: the parts of the test_flowreport program:
 * test_flowreport.c (main, counting, noise, combining, the store scan, config)
 * and test_flowreport_schema.c (the strict schema). */
#ifndef SR_TEST_FLOWREPORT_H
#define SR_TEST_FLOWREPORT_H
#include "tests/unit/t.h"
#include "core/flowreport.h"

#define NOW 1700000000000ull

/* A report of the hour before NOW with counts of every size and sign the
 * schema allows (negatives from the noise, a uint32, an int32, the int64 bound). */
sr_flowreport_t sample(void);
/* Encodes r into b (initialised by the call). */
void encode(const sr_flowreport_t *r, t_buf_t *b);

/* test_flowreport_schema.c */
void schema_strict(void);

#endif
