/* test_store.h: the parts of the test_store program (the LMDB store,
 * store/store.h, on real stores in temp dirs): test_store.c (main; opening,
 * ingest rules, the threaded verification phase, publish), test_store_forks.c,
 * test_store_forkproof.c (fork proofs from peers, the self-fork stop),
 * test_store_graph.c, test_store_maint.c (verify, map growth, damage, format
 * version, backup) and test_store_upgrade.c (format 1 upgraded, compact). The helpers they share are in t_store.h. */
#ifndef SR_TEST_STORE_H
#define SR_TEST_STORE_H
#include "core/key.h"
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include "store/read.h"

#define TS T_TS
#define NOW T_NOW

/* Identities made once by main. */
extern t_author_t A, B, C, D;

/* test_store.c */
void store_open_missing_is_enostore(void);
void store_ingest_chain(void);
void store_duplicates_counted(void);
void store_out_of_order_batch_applied(void);
void store_gap_rejected_with_missing_seq(void);
void store_wrong_prev_future_and_bad_sig(void);
void store_threads_same_result(void);
void store_publish_appends(void);
/* test_store_forks.c */
void store_fork_kept_and_author_stopped(void);
void store_fork_in_one_batch_survives_reindex(void);
/* test_store_forkproof.c */
void store_fork_proof_taken(void);
void store_fork_proof_refused(void);
void store_self_fork_stops_publishing(void);
/* test_store_graph.c */
void store_graph_effects(void);
/* test_store_maint.c */
void store_verify_finds_damage(void);
void store_map_grows(void);
void store_map_grows_while_checks_overlap(void);
void store_other_format_version_refused(void);
void store_damaged_head_says_so(void);
void store_backup_restores(void);
/* test_store_upgrade.c */
void store_upgrade_from_format1(void);

#endif
