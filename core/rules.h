/* rules.h: the ingest rule of docs/format.md as a pure function of an entry, the
 * author's current head and the receiver's clock. The store applies its verdict. */
#ifndef SR_RULES_H
#define SR_RULES_H
#include "core/err.h"
#include "core/entry.h"

/* An author's head: the newest entry of the branch this node follows. */
typedef struct sr_head {
  uint64_t seq; /* 0: author unknown */
  uint8_t id[SR_ID_BYTES];
  int forked;
} sr_head_t;

/* Classifies e (already decoded and verified) against h:
 *   0           e is the next entry (seq == head+1, prev == head id)
 *   SR_EFUTURE  ts more than SR_FUTURE_SLACK_MS ahead of now_ms
 *   SR_EFORKED  the author is forked and no longer replicated
 *   SR_ESEQ     seq <= head: a duplicate or a fork; the caller compares ids
 *   SR_EGAP     seq > head+1: an earlier entry is missing
 *   SR_EPREV    seq == head+1 but prev is not the head's id */
SR_MUST_USE int sr_rule_next(const sr_entry_t *e, const sr_head_t *h, uint64_t now_ms);

/* A fork proof (docs/format.md, "Forks"): two entries that anyone can check
 * with nothing else: each one is valid on its own (sr_entry_check: canonical,
 * signed by its author, its content's schema), both have the same author and
 * the same seq, and they are not the same entry (their ids differ). Decodes
 * them into a and b. Returns 0, the entry error of the first bad one, or
 * SR_EBADPROOF; why (may be NULL) says which rule failed. */
SR_MUST_USE int sr_rule_fork_proof(const uint8_t *raw1, size_t len1, const uint8_t *raw2, size_t len2, sr_entry_t *a,
                                   sr_entry_t *b, char *why, size_t whylen);

#endif
