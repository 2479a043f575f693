/* peer_nearby.c: friends nearby in the peer table (daemon_internal.h): the
 * address a LAN announcement gives a friend (node/lan.c hears it), dialled
 * with a backoff of its own that leaves the peer's list of addresses and its
 * backoff alone, and forgotten when the announcements stop. Entries that exist
 * for an announcement alone are kept in memory, never in the store, and are
 * bounded apart (SR_NODE_NEARBY_MAX). Loop thread only.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include <stdio.h>
#include <string.h>

/* The next dial waits 2 s, 4 s, ... 64 s. */
void sr_node_nearby_failed(known_t *k, uint64_t now) {
  k->dialing = k->nearby_dial = 0;
  if (k->nearby_fails < 6) k->nearby_fails++;
  k->nearby_next_ms = now + ((uint64_t)TICK_MS << k->nearby_fails);
}

static void dial_nearby(sr_node_t *n, known_t *k, uint64_t now) {
  char host[SR_NET_HOST_MAX], who[17];
  uint16_t port;
  uint8_t key[SR_KEY_BYTES];
  sr_net_conn_t *c;
  if (sr_net_address_parse(k->nearby, host, sizeof(host), &port, key) != 0 ||
      sr_net_dial(&n->net, host, port, key, NULL, &c) != 0) {
    sr_node_nearby_failed(k, now);
    return;
  }
  snprintf(k->dial_addr, sizeof(k->dial_addr), "%s", k->nearby);
  k->dialing = k->nearby_dial = 1;
  sr_node_short_key(k->rec.key, who);
  sr_node_log_peer(n, SR_LOG_INFO, "dial", who, "dialing %s (nearby)", who);
}

static size_t nearby_only_count(sr_node_t *n) {
  size_t c = 0;
  for (size_t i = 0; i < n->nknown; i++) c += n->known[i].nearby_only;
  return c;
}

void sr_node_peer_nearby(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], const char *address, uint64_t until_ms,
                         uint64_t hold_ms) {
  uint64_t now = sr_node_now_ms();
  known_t *k = sr_node_known_find(n, key);
  char who[17];
  if (!k) {
    if (nearby_only_count(n) >= SR_NODE_NEARBY_MAX || !(k = sr_node_known_add(n, key, NULL, 0))) return;
    k->nearby_only = 1;
  }
  if (strcmp(k->nearby, address) != 0) {
    /* First heard, or at a new address: its own dials start afresh. */
    snprintf(k->nearby, sizeof(k->nearby), "%s", address);
    k->nearby_fails = 0;
    k->nearby_next_ms = now + hold_ms;
    sr_node_short_key(key, who);
    sr_node_log_peer(n, SR_LOG_INFO, "friend_nearby", who, "friend nearby: %s is on a local network with this node",
                     who);
  }
  k->nearby_until_ms = until_ms;
  if (k->dialing || sr_gossip_connected(n->g, key) || now < k->nearby_next_ms) return;
  dial_nearby(n, k, now);
}

void sr_node_nearby_age(sr_node_t *n, uint64_t now) {
  for (size_t i = 0; i < n->nknown;) {
    known_t *k = &n->known[i];
    if (k->nearby[0] && k->nearby_until_ms < now && !k->nearby_dial) k->nearby[0] = '\0';
    if (k->nearby_only && !k->nearby[0] && !k->dialing && !sr_gossip_connected(n->g, k->rec.key)) {
      /* Never in the store: dropped from memory alone. */
      memmove(k, k + 1, (n->nknown - i - 1) * sizeof(*k));
      n->nknown--;
      continue;
    }
    i++;
  }
}

size_t sr_node_nearby_count(sr_node_t *n, uint64_t now) {
  size_t c = 0;
  for (size_t i = 0; i < n->nknown; i++) c += n->known[i].nearby[0] && n->known[i].nearby_until_ms >= now;
  return c;
}
