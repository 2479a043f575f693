/* test_entry.h: the parts of the test_entry program: test_entry.c (main, the
 * entry format, the ingest rule), test_entry_content.c (content schemas) and
 * test_entry_forkproof.c (the fork proof rule). */
#ifndef SR_TEST_ENTRY_H
#define SR_TEST_ENTRY_H
#include "tests/unit/t.h"

#define TS 1700000000000ull

/* Identities made once by main. */
extern t_author_t alice, bob;

/* test_entry_content.c */
void content_valid_each_type(void);
void content_invalid_each_kind(void);
void content_state_and_role_names(void);
/* test_entry_forkproof.c: the fork proof rule (core/rules.h) */
void fork_proof_good_and_each_refusal(void);
/* Frees the entry the content tests parsed last (main, at the end). */
void parse_free(void);

#endif
