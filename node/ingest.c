/* ingest.c: entries another process on this machine hands the running node
 * (`seurone import` while it runs, through the control socket). The node owns
 * the store while it runs: it stores them as the CLI would (sr_store_ingest,
 * source "import"), pushes each one it accepted to the peers that want its
 * author, as gossip does after a batch from a peer, and refreshes its scope
 * when a contact or membership came in. Loop thread only.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include <stdlib.h>
#include <string.h>

int sr_node_ingest(sr_node_t *n, sr_ingest_item_t *items, size_t count, sr_ingest_stats_t *stats) {
  uint64_t now = sr_node_now_ms();
  int contacts = 0, rc;
  for (size_t i = 0; i < count; i++) {
    items[i].flow.received_at = now;
    items[i].flow.source = SR_SRC_IMPORT;
  }
  /* One thread: the loop must not wait on a pool of signature checks. */
  if ((rc = sr_store_ingest(n->store, items, count, 1, now, stats))) return rc;
  for (size_t i = 0; i < count; i++) {
    if (items[i].status != 0) continue;
    sr_gossip_publish(n->g, items[i].raw, items[i].len);
    if (items[i].c.type == SR_CT_CONTACT || items[i].c.type == SR_CT_MEMBERSHIP) contacts = 1;
  }
  if (contacts) sr_node_scope_refresh(n);
  if (stats->accepted) sr_node_log(n, "imported %zu entr%s from this machine", stats->accepted,
                                   stats->accepted == 1 ? "y" : "ies");
  return 0;
}
