/* rules.c: see rules.h. Kept apart from the store so tests and other
 * implementations can read the rule in one place. */
#include "core/rules.h"
#include "core/err.h"
#include <string.h>

int sr_rule_next(const sr_entry_t *e, const sr_head_t *h, uint64_t now_ms) {
  if (e->ts > now_ms + SR_FUTURE_SLACK_MS) return SR_EFUTURE;
  if (h->forked) return SR_EFORKED;
  if (e->seq <= h->seq) return SR_ESEQ;
  if (e->seq > h->seq + 1) return SR_EGAP;
  if (e->seq == 1) return e->has_prev ? SR_EPREV : 0;
  if (!e->has_prev || memcmp(e->prev, h->id, SR_ID_BYTES) != 0) return SR_EPREV;
  return 0;
}
