/* net_connrate.c: the new-connection rate limit per source address
 * (docs/protocol.md, "Connection limits"): a token bucket per IPv4 address or
 * IPv6 /64, holding a quarter of a minute's worth (at least 4) and refilled
 * at conn_rate_per_min. The handshake limits bound what is in progress at
 * once; this bounds how fast one address may come back, so a client that
 * reconnects in a loop costs an accept and a close, not a handshake. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "net/net_internal.h"
#include "core/counters.h"

/* How long between the lines that say connections were refused for it. */
#define RATE_LOG_MS 60000

static int loopback(const sr_net_conn_t *c) {
  static const uint8_t v6[16] = {[15] = 1};
  return c->src_v6 ? memcmp(c->src, v6, 16) == 0 : c->src[0] == 127;
}

static uint32_t slot_hash(const uint8_t src[8], int v6) {
  uint32_t h = 2166136261u ^ (uint32_t)v6;
  for (int i = 0; i < 8; i++) h = (h ^ src[i]) * 16777619u;
  return h;
}

int sr_net_connrate_admit(sr_net_t *n, const sr_net_conn_t *c) {
  uint32_t rate = n->cfg.conn_rate_per_min;
  uint64_t now = uv_now(n->loop);
  uint8_t src[8] = {0};
  struct sr_net_rate *b = NULL, *oldest = NULL;
  if (!rate || (loopback(c) && !n->cfg.conn_rate_loopback)) return 0;
  memcpy(src, c->src, c->src_v6 ? 8 : 4); /* an IPv6 /64 is one source */
  double cap = rate / 4.0 < 4 ? 4 : rate / 4.0;
  /* Eight slots from the hash: the source's own, else a free one, else the
   * one idle longest (a forgotten source comes back with a full bucket). */
  uint32_t h = slot_hash(src, c->src_v6);
  for (int i = 0; i < 8; i++) {
    struct sr_net_rate *s = &n->rate[(h + (uint32_t)i) % SR_NET_RATE_SLOTS];
    if (s->used && s->v6 == c->src_v6 && memcmp(s->src, src, 8) == 0) {
      b = s;
      break;
    }
    if (!oldest || !s->used || (oldest->used && s->at_ms < oldest->at_ms)) oldest = s;
  }
  if (!b) {
    b = oldest;
    memcpy(b->src, src, 8);
    b->v6 = (uint8_t)c->src_v6;
    b->used = 1;
    b->tokens = cap;
    b->at_ms = now;
  }
  b->tokens += (double)(now - b->at_ms) * rate / 60000.0;
  if (b->tokens > cap) b->tokens = cap;
  b->at_ms = now;
  if (b->tokens >= 1) {
    b->tokens -= 1;
    return 0;
  }
  n->rate_refused++;
  sr_counters_rate_limited(SR_LIMIT_CONNECTIONS);
  if (!n->rate_logged_ms || now - n->rate_logged_ms >= RATE_LOG_MS) {
    n->rate_logged_ms = now;
    sr_net_log(n, 0, SR_LOG_WARN, "conn_rate_refused",
               "refusing new connections from an address over conn_rate_per_min = %u (%llu refused so far; the "
               "address is not logged)",
               (unsigned)rate, (unsigned long long)n->rate_refused);
  }
  return SR_ECONNRATE;
}

uint64_t sr_net_conn_rate_refused(const sr_net_t *n) { return n->rate_refused; }
