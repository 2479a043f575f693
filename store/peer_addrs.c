/* peer_addrs.c: the order of a peer's address list (peers.h).
 *
 * Invariant: addrs[0..naddrs) holds distinct, non-empty addresses; those with
 * last_ok_ms != 0 come first, most recently worked first, then the ones never
 * known to work, most recently added first. So the dialer walks the list from
 * the front, and a full list drops its last entry.
 */
#include "store/peers.h"
#include <string.h>

int sr_peer_addr_find(const sr_peer_rec_t *p, const char *address) {
  for (size_t i = 0; i < p->naddrs; i++)
    if (strcmp(p->addrs[i].address, address) == 0) return (int)i;
  return SR_ENOTFOUND;
}

/* Moves the entry at from to to (to <= from), shifting the ones between down. */
static void move_up(sr_peer_rec_t *p, size_t from, size_t to) {
  sr_peer_addr_t a = p->addrs[from];
  memmove(&p->addrs[to + 1], &p->addrs[to], (from - to) * sizeof(p->addrs[0]));
  p->addrs[to] = a;
}

int sr_peer_addr_add(sr_peer_rec_t *p, const char *address) {
  size_t len = strlen(address), at = 0;
  int i;
  if (len == 0 || len >= SR_STORE_ADDR_MAX) return SR_EINVAL;
  if ((i = sr_peer_addr_find(p, address)) >= 0) return i;
  if (p->naddrs > SR_PEER_ADDRS_MAX) p->naddrs = SR_PEER_ADDRS_MAX;
  if (p->naddrs == SR_PEER_ADDRS_MAX) p->naddrs--; /* the last one goes */
  while (at < p->naddrs && p->addrs[at].last_ok_ms) at++;
  memset(&p->addrs[p->naddrs], 0, sizeof(p->addrs[0]));
  memcpy(p->addrs[p->naddrs].address, address, len + 1);
  move_up(p, p->naddrs++, at);
  return (int)at;
}

void sr_peer_addr_worked(sr_peer_rec_t *p, size_t i, uint64_t now_ms) {
  if (i >= p->naddrs) return;
  p->addrs[i].last_ok_ms = now_ms ? now_ms : 1;
  p->addrs[i].failures = 0;
  move_up(p, i, 0);
}

void sr_peer_addr_failed(sr_peer_rec_t *p, size_t i) {
  if (i < p->naddrs && p->addrs[i].failures < UINT32_MAX) p->addrs[i].failures++;
}

int sr_peer_addr_remove(sr_peer_rec_t *p, const char *address) {
  int i = sr_peer_addr_find(p, address);
  if (i < 0) return i;
  memmove(&p->addrs[i], &p->addrs[i + 1], (p->naddrs - (size_t)i - 1) * sizeof(p->addrs[0]));
  p->naddrs--;
  return 0;
}
