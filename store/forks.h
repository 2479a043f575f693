/* forks.h: fork proofs from peers, and the self-fork stop (forks.c;
 * docs/format.md "Forks", docs/protocol.md "Fork proofs", docs/storage.md).
 *
 * A fork proof is two valid entries of one author with one seq and two ids
 * (core/rules.h, sr_rule_fork_proof): anyone can check it alone, so a node that
 * gets one from a peer marks the author forked as if it had seen both entries
 * arrive. A node that finds its own key in a fork, or an entry of its own key
 * that it did not write, sets the self-fork stop: another copy of this
 * identity (a copied or restored home) publishes, and this one publishes
 * nothing more (sr_store_publish: SR_ESELFFORK) until the person says which
 * copy to keep (sr_store_self_fork_clear). The stop is kept in the store (meta
 * "self_fork"), so a restart still refuses. */
#ifndef SR_STORE_FORKS_H
#define SR_STORE_FORKS_H
#include "core/err.h"
#include "store/store.h"

/* Why the self-fork stop was set. */
enum {
  SR_SELF_FORK_ENTRY = 1, /* a peer sent the next entry of the own log, which this node did not write */
  SR_SELF_FORK_FORK,      /* a peer sent another entry for a seq of the own log this node holds */
  SR_SELF_FORK_PROOF      /* a peer sent a fork proof of the own key */
};
/* "entry", "fork", "proof"; "unknown" for anything else. */
const char *sr_self_fork_reason_name(int reason);

typedef struct sr_self_fork {
  int set; /* 0: publishing is allowed, the rest is zero */
  int reason;
  uint64_t seq;            /* of the entry that was not this node's */
  uint64_t at_ms;          /* when it arrived */
  uint8_t id[SR_ID_BYTES]; /* its id */
  uint8_t from[SR_KEY_BYTES];
} sr_self_fork_t;

/* The stop as stored (out->set 0 when there is none). */
SR_MUST_USE int sr_store_self_fork_get(sr_store_t *st, sr_self_fork_t *out);
/* Clears it: the person chose this copy (`seurone fork keep-this`). *was (may
 * be NULL) says whether it was set. The fork itself, if the log forked, stays
 * what every node holds: a forked log still publishes nothing (SR_EFORKED). */
SR_MUST_USE int sr_store_self_fork_clear(sr_store_t *st, int *was);
/* What happened and what to do, for people, into out[cap] (out may be NULL). */
void sr_self_fork_sentence(const sr_self_fork_t *sf, char *out, size_t cap);

/* One fork proof a peer sent: raw1/raw2 (valid during the call) are filled by
 * the caller with from and received_at; the store fills the rest. status: 0
 * the author is now marked forked (the proof is stored); SR_EDUP it was
 * forked already (nothing stored); SR_EFUTURE an entry more than 10 minutes
 * ahead of now (nothing stored); an entry code (SR_ESIG, ...) or SR_EBADPROOF:
 * not a proof (nothing stored), why says what is wrong. */
typedef struct sr_fork_proof {
  const uint8_t *raw1, *raw2;
  size_t len1, len2;
  uint8_t from[SR_KEY_BYTES];
  uint64_t received_at;
  int status;
  int self_fork;                /* the proof is of this node's key and set the self-fork stop */
  uint8_t author[SR_KEY_BYTES]; /* when both entries decoded */
  uint64_t seq;
  char why[200];
  int checked; /* internal: the verdict of the checks before the transaction */
} sr_fork_proof_t;

/* Checks p[0..n) (signatures first, before the transaction) and stores the
 * good ones in one write transaction, as if their entries had come as entry
 * frames: an entry that is the next of the log joins it, one at a held seq is
 * kept as proof; a proof for a seq past the log this node holds is kept on its
 * own (both entries, listed in the forks database, docs/storage.md). 0 when the
 * transaction committed (statuses then in p), or an error and nothing stored. */
SR_MUST_USE int sr_store_fork_proofs(sr_store_t *st, sr_fork_proof_t *p, size_t n, uint64_t now_ms);

/* The proof of author's first fork, to pass on: the two entries copied into
 * buf1 and buf2 (each of cap >= SR_ENTRY_MAX bytes) and their seq.
 * SR_ENOTFOUND when this node holds no fork of author. A point read. */
SR_MUST_USE int sr_store_get_fork_proof(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint8_t *buf1, size_t *len1,
                                        uint8_t *buf2, size_t *len2, size_t cap, uint64_t *seq);

#endif
