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

#endif
