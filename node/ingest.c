/* ingest.c: entries another process on this machine hands the running node
 * (`seurone import` while it runs, through the control socket). The node owns
 * the store while it runs: it stores them as the CLI would (sr_store_ingest,
 * source "import") on a libuv worker, then, back on the loop, pushes each one
 * it accepted to the peers that want its author, as gossip does after a batch
 * from a peer, and refreshes its scope when a contact or membership came in.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ingest_work(sr_node_job_t *w) {
  sr_node_ingest_t *j = (sr_node_ingest_t *)w;
  uint64_t now = sr_node_now_ms();
  for (size_t i = 0; i < j->count; i++) {
    j->items[i].flow.received_at = now;
    j->items[i].flow.source = SR_SRC_IMPORT;
  }
  /* One thread: a pool of signature checks would compete with gossip's. */
  j->rc = sr_store_ingest(w->n->store, j->items, j->count, 1, now, &j->stats);
  sr_node_store_why(w->n, j->rc, j->why, sizeof(j->why));
  if (j->rc && !j->why[0]) snprintf(j->why, sizeof(j->why), "%s", sr_strerror(j->rc));
}

static void ingest_finish(void *arg) {
  sr_node_ingest_t *j = arg;
  j->done(j);
}

static void ingest_done(sr_node_job_t *w) {
  sr_node_ingest_t *j = (sr_node_ingest_t *)w;
  sr_node_t *n = w->n;
  int contacts = 0;
  if (j->rc == 0 && !n->stopping) { /* while stopping gossip is shut: peers get them later */
    for (size_t i = 0; i < j->count; i++) {
      if (j->items[i].status != 0) continue;
      sr_gossip_publish(n->g, j->items[i].raw, j->items[i].len);
      sr_web_entry(n->web, j->items[i].id, j->items[i].author, j->items[i].e.type, j->items[i].e.type_len);
      if (sr_content_changes_scope(j->items[i].c.type)) contacts = 1;
    }
    if (j->stats.forks) sr_node_forks_found(n, j->items, j->count); /* their proofs go to the peers */
    if (j->stats.accepted)
      sr_node_log(n, SR_LOG_INFO, "import", "imported %zu entr%s from this machine", j->stats.accepted,
                  j->stats.accepted == 1 ? "y" : "ies");
    /* done once the scope holds what came in (a `status` after the reply sees it) */
    if (contacts) {
      sr_node_scope_refresh(n, ingest_finish, j);
      return;
    }
  }
  j->done(j);
}

int sr_node_ingest(sr_node_t *n, sr_node_ingest_t *j) { return sr_node_job_run(n, &j->job, ingest_work, ingest_done); }
