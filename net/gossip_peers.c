/* gossip_peers.c: peer exchange: the addresses a node passes on, and the
 * reachable address a peer announces for itself. */
#include "net/gossip_internal.h"
#include "core/frame.h"
#include "net/address.h"
#include <stdio.h>
#include <string.h>

/* A peer's announcement of its own reachable address: believed only when the
 * address names the peer's key (the handshake proved that key); another
 * address is a third party's, whose owner said nothing, and is ignored. Only
 * the first one of a session counts: each new address is passed on to many
 * peers, so a peer changing it in every frame would be an amplifier. */
void sr_gossip_own_address(sr_gpeer_t *p, const char *addr) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[SR_KEY_BYTES];
  if (p->announced || !p->g->h.reachable || sr_net_address_parse(addr, host, sizeof(host), &port, key) != 0) return;
  if (memcmp(key, p->key, SR_KEY_BYTES) != 0) return;
  p->announced = 1;
  p->g->h.reachable(p->g->h.ctx, p->key, addr);
}

void sr_gossip_set_reachable(sr_gossip_t *g, const char *address) {
  snprintf(g->reach_addr, sizeof(g->reach_addr), "%s", address ? address : "");
}

void sr_gossip_pass_on(sr_gossip_t *g, const uint8_t owner[SR_KEY_BYTES], const char *address) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (!p->hello || p->closing || memcmp(p->key, owner, SR_KEY_BYTES) == 0) continue;
    if (!g->h.may_share || !g->h.may_share(g->h.ctx, p->key)) continue;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    sr_gossip_send_frame(p, &sb, sr_frame_peers(&sb, &address, 1));
  }
}
