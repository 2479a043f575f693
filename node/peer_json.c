/* peer_json.c: a peer record as JSON (peer_json.h). */
#include "node/peer_json.h"
#include "core/hex.h"

const char *sr_peer_source(uint8_t flags) {
  if (flags & SR_PEER_RELAY) return "relay";
  if (flags & SR_PEER_MANUAL) return "manual";
  if (flags & SR_PEER_BOOTSTRAP) return "bootstrap";
  return "learned";
}

json_t *sr_peer_json(const sr_peer_rec_t *p) {
  char hex[2 * SR_KEY_BYTES + 1];
  json_t *addrs = json_array();
  for (size_t i = 0; i < p->naddrs && i < SR_PEER_ADDRS_MAX; i++)
    json_array_append_new(addrs,
                          json_pack("{s:s, s:I, s:I}", "address", p->addrs[i].address, "last_ok",
                                    (json_int_t)p->addrs[i].last_ok_ms, "failures", (json_int_t)p->addrs[i].failures));
  sr_hex_encode(p->key, SR_KEY_BYTES, hex);
  return json_pack("{s:s, s:s, s:o, s:b, s:n, s:n, s:i, s:i, s:I, s:I, s:i, s:s, s:I}", "key", hex, "address",
                   p->naddrs ? p->addrs[0].address : "", "addresses", addrs, "connected", 0, "connected_since",
                   "direction", "entries_in", 0, "entries_out", 0, "last_seen", (json_int_t)p->last_seen_ms, "failures",
                   (json_int_t)p->failures, "score", (int)p->score, "source", sr_peer_source(p->flags), "next_attempt",
                   (json_int_t)p->next_attempt_ms);
}
