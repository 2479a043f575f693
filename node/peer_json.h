/* peer_json.h: one peer-table record as the JSON `seurone peers --json` prints
 * (docs/cli.md), shared by the running node and the CLI reading the store. */
#ifndef SR_NODE_PEER_JSON_H
#define SR_NODE_PEER_JSON_H
#include "store/peers.h"
#include <jansson.h>

/* "relay", "manual", "bootstrap" or "learned": the strongest source in flags. */
const char *sr_peer_source(uint8_t flags);
/* {"key", "address" (the best one, "" when none), "addresses": [{"address",
 * "last_ok" (ms, 0 never), "failures"}], "connected": false, "connected_since":
 * null, "direction": null, "entries_in": 0, "entries_out": 0, "last_seen",
 * "failures", "score", "source"}: the caller owns it and sets the live fields
 * of a connected peer. NULL when out of memory. */
json_t *sr_peer_json(const sr_peer_rec_t *p);

#endif
