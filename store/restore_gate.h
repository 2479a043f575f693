/* restore_gate.h: the restore stop (restore_gate.c; docs/backup.md, "The
 * restore stop", docs/storage.md).
 *
 * A home restored from a backup (or a paper key) holds its own log as it was
 * when the backup was made: the network may hold newer entries of it, written
 * after the backup. Were it to publish at once, its next entry would take a seq
 * another entry already has: a fork, for good. So `seurone restore` sets this
 * stop, kept in the store (meta "restore_gate", so a restart still refuses),
 * and sr_store_publish refuses (SR_ERESTORING) while it holds. It clears by
 * itself once a peer told this node its head of the own log (a note or a have,
 * docs/protocol.md) and the own head is at least that: the node then holds
 * what that peer holds, and its next entry continues the chain. The person
 * may lift it when no copy exists anywhere else (`seurone restore
 * --no-other-copy --yes`). A peer that holds nothing of the own log (head 0)
 * proves nothing and is not counted.
 *
 * While the stop holds, an entry of the own log that a peer sends is the own
 * history coming back, never another copy: store/ingest.c does not set the
 * self-fork stop for it (a next entry after a head this home wrote would
 * otherwise look like another copy's). */
#ifndef SR_STORE_RESTORE_GATE_H
#define SR_STORE_RESTORE_GATE_H
#include "core/err.h"
#include "store/store.h"

typedef struct sr_restore_gate {
  int set;                    /* 0: no restore pending, the rest is zero */
  int paper;                  /* restored from a paper key (the store started empty) */
  uint64_t at_ms;             /* when the restore was made */
  uint64_t want;              /* the highest head of the own log a peer reported (0: none yet) */
  uint8_t from[SR_KEY_BYTES]; /* the peer that reported it */
} sr_restore_gate_t;

/* Sets the stop (replacing one that is set): at_ms, paper as given. */
SR_MUST_USE int sr_store_restore_gate_set(sr_store_t *st, uint64_t at_ms, int paper);
/* The stop as stored (out->set 0 when there is none). */
SR_MUST_USE int sr_store_restore_gate_get(sr_store_t *st, sr_restore_gate_t *out);
/* Lifts it (the person said no other copy exists). *was (may be NULL): it was set. */
SR_MUST_USE int sr_store_restore_gate_clear(sr_store_t *st, int *was);
/* A peer (from) reported seq as its head of this node's own log (seq 0: only
 * look again at the own head). In one write transaction: want becomes the
 * highest seq reported, and the stop clears when the own head is at least want
 * (want >= 1). *cleared: this call cleared it; *head (may be NULL): the own
 * head's seq. Nothing happens when no stop is set. */
SR_MUST_USE int sr_store_restore_gate_peer_head(sr_store_t *st, const uint8_t from[SR_KEY_BYTES], uint64_t seq,
                                                int *cleared, uint64_t *head);
/* What is pending and what to do, for people, into out[cap]. */
void sr_restore_gate_sentence(const sr_restore_gate_t *g, uint64_t head, char *out, size_t cap);

#endif
