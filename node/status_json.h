/* status_json.h: what gossip reports (net/gossip.h's plain structs) as the JSON
 * `seurone status --json` prints (docs/cli.md). net/ builds no JSON: it is built
 * here, above it. */
#ifndef SR_NODE_STATUS_JSON_H
#define SR_NODE_STATUS_JSON_H
#include "net/gossip.h"
#include <jansson.h>

/* [{"key","address","direction","entries_in","entries_out","duplicates",
 * "lazy_authors","queued_bytes"}], newest session first. NULL when out of memory. */
json_t *sr_status_sessions_json(const sr_gossip_t *g);
/* The last completed epoch at the top {"epoch","leader","size_estimate","averages",
 * "rounds"} (its keys null before one completed), the current one under "running"
 * (same keys; null before the first round), "epoch_s", "interval_ms"; JSON null
 * when push-sum is off. */
json_t *sr_status_pushsum_json(const sr_gossip_t *g);

#endif
