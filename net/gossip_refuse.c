/* gossip_refuse.c: refusals (docs/protocol.md, "Refusals"). A relay that
 * refuses a valid entry before storing it (its author over a quota, purged,
 * or turned down by the write policy) keeps the session and tells the peer
 * that sent it in a refused frame, at most one per author and reason a
 * minute; the node that receives one logs it once per relay and reason, so
 * the person whose entries a relay does not take learns why. */
#include "net/gossip_internal.h"
#include "core/counters.h"
#include "core/text.h"
#include <stdio.h>
#include <string.h>

static uint64_t code_of(int status) {
  return status == SR_EQUOTA ? SR_REFUSED_QUOTA : status == SR_EPURGED ? SR_REFUSED_PURGED : SR_REFUSED_POLICY;
}

void sr_gossip_refused_count(sr_gossip_t *g, int status) {
  g->st.rejected++;
  sr_counters_quota_refused(status); /* seurone_quota_refused_total{reason}: quota, purged or policy */
  if (status == SR_EQUOTA) g->st.quota_refused++;
  else if (status == SR_EPURGED)
    g->st.purged_refused++;
  else
    g->st.policy_refused++;
}

void sr_gossip_refused_tell(sr_gpeer_t *p, astate_t *s, const sr_ingest_item_t *it) {
  uint64_t code = code_of(it->status), now = sr_gossip_now(p->g);
  msgpack_sbuffer sb;
  if (p->closing) return;
  if (s) {
    /* A write policy that could not answer is passing: its author's entries
     * are asked for again soon, not a minute later. */
    s->refused_until = now + (it->status == SR_EPOLICYDOWN ? REFUSED_RETRY_MS : REFUSED_RESEND_MS);
    s->refused_status = it->status;
  }
  if (p->refused_at && p->refused_code == code && memcmp(p->refused_author, it->e.author, SR_KEY_BYTES) == 0 &&
      now - p->refused_at < REFUSED_RESEND_MS)
    return;
  /* the operator's line: keys, never an address (once a minute per author and peer) */
  char a[17], k[17];
  sr_gossip_short_key(it->e.author, a);
  sr_gossip_short_key(p->key, k);
  sr_gossip_log(p->g, SR_LOG_INFO, "entries_refused",
                "refused entries of %s from %s from seq %llu: %s (%s); the peer is told", a, k,
                (unsigned long long)it->e.seq, sr_errname(it->status), it->why);
  memcpy(p->refused_author, it->e.author, SR_KEY_BYTES);
  p->refused_code = code;
  p->refused_at = now ? now : 1;
  msgpack_sbuffer_init(&sb);
  (void)sr_gossip_send_frame(p, &sb, sr_frame_refused(&sb, it->e.author, it->e.seq, code, it->why));
}

static const char *reason_name(uint64_t code) {
  switch (code) {
    case SR_REFUSED_QUOTA:
      return "quota";
    case SR_REFUSED_PURGED:
      return "purged";
    case SR_REFUSED_POLICY:
      return "write policy";
    default:
      return "another reason";
  }
}

void sr_gossip_take_refused(sr_gpeer_t *p, const sr_frame_t *f) {
  sr_gossip_t *g = p->g;
  char relay[SR_ENTRY_MAX + 1], text[SR_TEXT_ESCAPED_MAX(SR_FRAME_REFUSED_TEXT_MAX)], author[17], k[17];
  size_t i;
  g->st.refusals_in++;
  for (i = 0; i < g->nrefusals_logged; i++)
    if (g->refusals_logged[i].code == f->code && memcmp(g->refusals_logged[i].relay, p->key, SR_KEY_BYTES) == 0)
      return;                                             /* said once already */
  if (g->nrefusals_logged == REFUSALS_LOGGED_MAX) return; /* a flood of made-up reasons fills no log */
  memcpy(g->refusals_logged[i].relay, p->key, SR_KEY_BYTES);
  g->refusals_logged[i].code = f->code;
  g->nrefusals_logged++;
  sr_gossip_short_key(p->key, k);
  sr_gossip_short_key(f->author, author);
  /* The relay's name as this node knows it (its about entry), else its key;
   * its text goes through the escaper: it came from the network. */
  size_t nl = 0;
  if (sr_store_get_name(g->store, p->key, relay, sizeof(relay), &nl) != 0 || nl >= sizeof(relay)) relay[0] = '\0';
  char rname[200];
  sr_text_escape(relay, strlen(relay), 0, rname, sizeof(rname));
  sr_text_escape(f->reason, f->reason_len, 0, text, sizeof(text));
  int own = memcmp(f->author, g->self, SR_KEY_BYTES) == 0;
  sr_gossip_log(g, SR_LOG_WARN, "refused_by_relay",
                "relay %s%s%s%s refused %s entries%s%s from seq %llu (%s): %s; said once per relay and reason",
                rname[0] ? rname : k, rname[0] ? " (" : "", rname[0] ? k : "", rname[0] ? ")" : "",
                own ? "your" : "the", own ? "" : " of ", own ? "" : author, (unsigned long long)f->seq,
                reason_name(f->code), text[0] ? text : "no reason given");
}

void sr_gossip_refusals_clear(sr_gossip_t *g, const uint8_t author[SR_KEY_BYTES]) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    astate_t *s = sr_gossip_astate_find(p, author);
    if (!s || !s->refused_until || p->closing) continue;
    s->refused_until = 0;
    /* what it pushed meanwhile was refused unstored: asked for again */
    sr_gossip_send_note(p, author, sr_gossip_our_seq(g, author), 1);
  }
}
