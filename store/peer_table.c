/* peer_table.c: which peers the peer table keeps (peers.h, "The rules of the
 * peer table"): the judgement on one record, shared by the store's prune and
 * the running node's table.
 */
#include "store/peers.h"
#include "core/err.h"
#include <string.h>

int sr_peer_kept(const sr_peer_rec_t *p) {
  if (p->flags & SR_PEER_GIVEN) return 1;
  /* Only a dial that led to a session counts: an inbound session proves a
   * key, not an address, and anyone can make keys that connect to us. */
  for (size_t i = 0; i < p->naddrs && i < SR_PEER_ADDRS_MAX; i++)
    if (p->addrs[i].last_ok_ms) return 1;
  return 0;
}

int sr_peer_learned_stale(const sr_peer_rec_t *p, uint64_t now_ms) {
  if (sr_peer_kept(p)) return 0;
  /* No learned_ms: written before the rules existed, when a flood could fill
   * the table; nothing vouches for it. */
  if (!p->learned_ms) return 1;
  return now_ms > p->learned_ms && now_ms - p->learned_ms > SR_PEER_LEARNED_TTL_MS;
}

int sr_peer_give(sr_peer_rec_t *p, const char *address, uint8_t flags) {
  int rc = sr_peer_addr_add(p, address);
  if (rc < 0) return rc;
  p->flags |= flags;
  p->failures = 0;        /* a person asked for it: dial at once, */
  p->next_attempt_ms = 0; /* whatever the backoff said */
  return rc;
}

int sr_store_peer_give(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], const char *address, uint8_t flags) {
  sr_peer_rec_t rec;
  int rc = sr_store_peer_get(st, key, &rec);
  if (rc == SR_ENOTFOUND) {
    memset(&rec, 0, sizeof(rec));
    memcpy(rec.key, key, SR_KEY_BYTES);
  } else if (rc) {
    return rc;
  }
  if ((rc = sr_peer_give(&rec, address, flags)) < 0) return rc;
  return sr_store_peer_put(st, &rec);
}
