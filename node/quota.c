/* quota.c: a relay's quotas and `seurone purge` in the running node
 * (docs/config.md, "Quotas and abuse"). The quotas are applied by the store
 * inside each ingest transaction (store/usage.h); this file hands them over
 * at start. A purge runs on a libuv worker: it rewrites every derived
 * database in one write transaction, which may take seconds on a big store,
 * and the loop keeps serving meanwhile (the ingest batches wait on LMDB's
 * writer lock, not on the loop). */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "store/usage.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one-time count of an older store's usage at open (store/usage.h): in
 * the log, so an operator whose service takes long to start sees why. */
static void backfill_progress(void *ctx, size_t done, size_t total) {
  sr_node_log(ctx, SR_LOG_INFO, "usage_count",
              "counting each author's usage (an older store, once): %zu of %zu entries", done, total);
}

void sr_node_usage_progress(sr_node_t *n) { sr_usage_backfill_progress(backfill_progress, n); }

void sr_node_quota_start(sr_node_t *n) {
  sr_quota_t q = {0, 0, 0};
  sr_usage_backfill_progress(NULL, NULL); /* the store is open: no count past here names n */
  /* Only a relay takes entries of people it does not follow; a personal
   * node's scope is its person's choice, and it is not limited. */
  if (n->relay) {
    q.entries_per_day = n->cfg.quota_entries_per_day;
    q.bytes_per_day = n->cfg.quota_bytes_per_day;
    q.bytes_total = n->cfg.quota_bytes_total;
  }
  sr_store_set_quota(n->store, &q);
}

typedef struct {
  sr_node_job_t job; /* first */
  sr_node_done_cb done;
  void *arg;
  uint8_t key[SR_KEY_BYTES];
  sr_purge_result_t res;
  int rc, undo, was;
  char why[600];
} purge_job_t;

static void purge_work(sr_node_job_t *w) {
  purge_job_t *j = (purge_job_t *)w;
  j->rc = j->undo ? sr_store_unpurge(w->n->store, j->key, &j->was)
                  : sr_store_purge(w->n->store, j->key, sr_node_now_ms(), NULL, NULL, &j->res);
  sr_node_store_why(w->n, j->rc, j->why, sizeof(j->why));
}

static void purge_done(sr_node_job_t *w) {
  purge_job_t *j = (purge_job_t *)w;
  sr_node_t *n = w->n;
  char k[17];
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++) {
    k[2 * i] = hex[j->key[i] >> 4];
    k[2 * i + 1] = hex[j->key[i] & 15];
  }
  k[16] = '\0';
  if (j->rc == 0 && j->undo) {
    sr_node_log(n, SR_LOG_INFO, "purge_undone", "%s is taken again (`purge --undo`)%s", k,
                j->was ? "" : ": it was not purged");
    if (j->was) sr_gossip_refusals_clear(n->g, j->key);
    j->done(j->arg, 0, NULL, json_pack("{s:b, s:b, s:b}", "ok", 1, "was_purged", j->was, "through_node", 1));
  } else if (j->rc) {
    sr_node_log(n, SR_LOG_ERROR, "purge_failed", "purge of %s failed, the store is unchanged: %s", k,
                j->why[0] ? j->why : sr_strerror(j->rc));
    j->done(j->arg, j->rc, j->why, NULL);
  } else {
    sr_node_log(n, SR_LOG_INFO, "purged",
                "purged %s: %llu entries (%llu bytes) removed; its entries are refused from now on", k,
                (unsigned long long)j->res.entries, (unsigned long long)j->res.bytes);
    /* what its entries said (follows, memberships) may have moved the scope */
    sr_node_scope_refresh(n, NULL, NULL);
    j->done(j->arg, 0, NULL,
            json_pack("{s:b, s:I, s:I, s:b, s:b}", "ok", 1, "entries", (json_int_t)j->res.entries, "bytes",
                      (json_int_t)j->res.bytes, "already", j->res.already, "through_node", 1));
  }
  free(j);
}

int sr_node_purge(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], int undo, sr_node_done_cb done, void *arg, char *err,
                  size_t errlen) {
  purge_job_t *j;
  if (memcmp(key, n->pk, SR_KEY_BYTES) == 0) {
    snprintf(err, errlen, "this is the node's own key: a node does not purge itself");
    return SR_EINVAL;
  }
  if (!(j = calloc(1, sizeof(*j)))) {
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  memcpy(j->key, key, SR_KEY_BYTES);
  j->undo = undo;
  j->done = done;
  j->arg = arg;
  if (!undo)
    sr_node_log(n, SR_LOG_INFO, "purge_started",
                "purging an author's entries and rebuilding the derived databases (one pass over the store)");
  if (sr_node_job_run(n, &j->job, purge_work, purge_done)) {
    free(j);
    snprintf(err, errlen, "the node could not start the purge");
    return SR_ENOMEM;
  }
  return 0;
}
