/* gossip_sessions.c: what the node asks of its live sessions and tells them
 * from outside the frame loop: their counts and state (status, peers), an
 * invite's answer, and the end of a key's sessions (a member removed). */
#include "net/gossip_internal.h"
#include "core/frame.h"
#include <stdio.h>
#include <string.h>

void sr_gossip_invite_answer(sr_gossip_t *g, const uint8_t key[SR_KEY_BYTES], int ok, const char *reason) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    msgpack_sbuffer sb;
    if (p->closing || memcmp(p->key, key, SR_KEY_BYTES) != 0) continue;
    msgpack_sbuffer_init(&sb);
    sr_gossip_send_frame(p, &sb, sr_frame_invite_reply(&sb, ok, reason));
  }
}

int sr_gossip_send_invite(sr_gossip_t *g, sr_gpeer_t *p, const uint8_t secret[SR_FRAME_SECRET_BYTES],
                          const char *label) {
  msgpack_sbuffer sb;
  (void)g;
  msgpack_sbuffer_init(&sb);
  return sr_gossip_send_frame(p, &sb, sr_frame_invite(&sb, secret, label));
}

void sr_gossip_stats(const sr_gossip_t *g, sr_gossip_stats_t *s) {
  *s = g->st;
  s->sessions = g->sessions;
}

size_t sr_gossip_sessions(const sr_gossip_t *g, sr_gossip_session_info_t *out, size_t max) {
  size_t n = 0;
  for (const sr_gpeer_t *p = g->peers; p; p = p->next, n++) {
    if (n >= max) continue;
    sr_gossip_session_info_t *o = &out[n];
    size_t lazy = 0;
    for (size_t i = 0; i < p->cap; i++) lazy += p->tab[i].used && p->tab[i].told && !p->tab[i].asked_eager;
    memset(o, 0, sizeof(*o));
    memcpy(o->key, p->key, SR_KEY_BYTES);
    snprintf(o->address, sizeof(o->address), "%s", p->conn->peer_name);
    o->outbound = p->outbound;
    o->entries_in = p->entries_in;
    o->entries_out = p->entries_out;
    o->duplicates = p->dups;
    o->lazy_authors = lazy;
    o->queued_bytes = sr_net_conn_queued(p->conn);
  }
  return n;
}

int sr_gossip_connected(const sr_gossip_t *g, const uint8_t key[SR_KEY_BYTES]) {
  for (const sr_gpeer_t *p = g->peers; p; p = p->next)
    if (!p->closing && p->hello && memcmp(p->key, key, SR_KEY_BYTES) == 0) return 1;
  return 0;
}

void sr_gossip_refuse_key(sr_gossip_t *g, const uint8_t key[SR_KEY_BYTES], int reason, const char *detail) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    msgpack_sbuffer sb;
    char k[17];
    if (p->closing || memcmp(p->key, key, SR_KEY_BYTES) != 0) continue;
    sr_gossip_short_key(p->key, k);
    sr_gossip_log_conn(g, SR_LOG_INFO, "session_refused", p->conn, k, reason, "dropping %s peer %s (%s): %s (%s)%s%s",
                       p->outbound ? "outbound" : "inbound", k, sr_net_conn_log_addr(p->conn), sr_errname(reason),
                       sr_strerror(reason), detail && *detail ? ": " : "", detail ? detail : "");
    /* The reason as an invite reply: an `invite accept` waiting on this
     * session shows it (node/invite.c); a running node ignores it. */
    msgpack_sbuffer_init(&sb);
    int rc = sr_gossip_send_frame(p, &sb, sr_frame_invite_reply(&sb, 0, sr_strerror(reason)));
    p->closing = 1;
    p->drop_reason = reason;
    /* Closed, not a goodbye: a clean end would have the peer come back at
     * once; a cut-off one backs off. */
    if (rc || sr_net_conn_queued(p->conn) == 0) sr_net_conn_close_logged(p->conn);
    else
      p->refusing = 1; /* on_drained closes it */
  }
}
