/* rules.c: see rules.h. Kept apart from the store so tests and other
 * implementations can read the rule in one place. */
#include "core/rules.h"
#include "core/err.h"
#include <stdio.h>
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

int sr_rule_fork_proof(const uint8_t *raw1, size_t len1, const uint8_t *raw2, size_t len2, sr_entry_t *a, sr_entry_t *b,
                       char *why, size_t whylen) {
  char detail[160] = "";
  const char *bad = NULL;
  int rc = sr_entry_check(raw1, len1, a, detail, sizeof(detail));
  if (rc == 0) {
    rc = sr_entry_check(raw2, len2, b, detail, sizeof(detail));
    if (rc) bad = "the second entry";
  } else {
    bad = "the first entry";
  }
  if (rc) {
    if (why) snprintf(why, whylen, "%s is not valid: %s%s%s", bad, sr_strerror(rc), detail[0] ? ": " : "", detail);
    return rc;
  }
  if (memcmp(a->author, b->author, SR_KEY_BYTES) != 0) bad = "the two entries have different authors";
  else if (a->seq != b->seq)
    bad = "the two entries have different seqs";
  else if (memcmp(a->id, b->id, SR_ID_BYTES) == 0)
    bad = "it is one entry twice";
  if (!bad) return 0;
  if (why) snprintf(why, whylen, "not a fork proof: %s", bad);
  return SR_EBADPROOF;
}
