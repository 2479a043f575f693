/* restore.c: what the running node does about the restore stop
 * (store/restore_gate.h; docs/backup.md): it says loudly at start that a
 * restore is pending, hands each head of its own log a peer reports to the
 * store (which clears the stop once the own head has caught up with it), looks
 * again after every batch it took, logs when the stop clears, and shows it in
 * `status`. Loop thread, but the job's work (one write, the queue of small
 * writes). */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/entry_json.h"
#include "store/restore_gate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  sr_node_job_t job; /* first */
  uint8_t from[SR_KEY_BYTES];
  uint64_t seq, head;
  int rc, cleared, still;
} gate_job_t;

static void log_pending(sr_node_t *n, const char *when) {
  sr_restore_gate_t g;
  sr_head_t h;
  char msg[700];
  if (sr_store_restore_gate_get(n->store, &g) || !g.set) return;
  if (sr_store_get_head(n->store, n->pk, &h)) h.seq = 0;
  sr_restore_gate_sentence(&g, h.seq, msg, sizeof(msg));
  sr_node_log(n, SR_LOG_WARN, "restore_pending",
              "!!! RESTORED HOME: publishing waits for your own latest entry from a peer%s", when);
  sr_node_log(n, SR_LOG_WARN, "restore_pending", "!!! %s", msg);
}

static void gate_work(sr_node_job_t *w) {
  gate_job_t *j = (gate_job_t *)w;
  sr_restore_gate_t g;
  j->rc = sr_store_restore_gate_peer_head(w->n->store, j->from, j->seq, &j->cleared, &j->head);
  /* lifted meanwhile by `restore --no-other-copy` (another process) */
  j->still = j->rc == 0 && !j->cleared && sr_store_restore_gate_get(w->n->store, &g) == 0 ? g.set : 1;
}

static void gate_queue(sr_node_t *n);

static void gate_done(sr_node_job_t *w) {
  gate_job_t *j = (gate_job_t *)w;
  sr_node_t *n = w->n;
  char k[17];
  n->restore_busy = 0;
  if (j->rc)
    sr_node_log(n, SR_LOG_WARN, "restore_update_failed",
                "restore stop: the store could not be updated (%s); tried again later", sr_strerror(j->rc));
  if (j->rc == 0 && j->cleared) {
    sr_node_short_key(j->from, k);
    sr_node_log(n, SR_LOG_INFO, "restore_complete",
                "restore complete: this node holds its own log up to seq %llu, as far as peer %s holds it; "
                "publishing is allowed again",
                (unsigned long long)j->head, k);
    n->restoring = 0;
  } else if (j->rc == 0 && !j->still) {
    sr_node_log(n, SR_LOG_INFO, "restore_lifted",
                "restore stop lifted by the person (`seurone restore --no-other-copy`): publishing is allowed");
    n->restoring = 0;
  }
  free(j);
  if (n->restoring && n->restore_again) gate_queue(n);
}

/* One job at a time; a report meanwhile makes one more. */
static void gate_queue(sr_node_t *n) {
  gate_job_t *j;
  if (n->restore_busy) {
    n->restore_again = 1;
    return;
  }
  if (!(j = calloc(1, sizeof(*j)))) return; /* the next report or batch tries again */
  n->restore_again = 0;
  n->restore_busy = 1;
  memcpy(j->from, n->restore_from, SR_KEY_BYTES);
  j->seq = n->restore_want;
  sr_node_write(n, &j->job, gate_work, gate_done);
}

static void h_own_head(void *ctx, const uint8_t from[SR_KEY_BYTES], uint64_t seq) {
  sr_node_t *n = ctx;
  if (!n->restoring || seq == 0) return; /* a peer that holds nothing of the own log proves nothing */
  if (seq > n->restore_want) {
    n->restore_want = seq;
    memcpy(n->restore_from, from, SR_KEY_BYTES);
  }
  gate_queue(n);
}

void sr_node_restore_hooks(sr_gossip_hooks_t *h) { h->own_head = h_own_head; }

void sr_node_restore_start(sr_node_t *n) {
  sr_restore_gate_t g;
  n->restoring = sr_store_restore_gate_get(n->store, &g) == 0 && g.set;
  if (!n->restoring) return;
  n->restore_want = g.want;
  memcpy(n->restore_from, g.from, SR_KEY_BYTES);
  log_pending(n, " (since the restore)");
  /* stopped after catching up and before the check: looked at again now */
  if (n->restore_want) gate_queue(n);
}

void sr_node_restore_ingested(sr_node_t *n) {
  if (n->restoring && n->restore_want) gate_queue(n);
}

int sr_node_restore_status(sr_node_t *n, json_t *status) {
  sr_restore_gate_t g;
  sr_head_t h;
  json_t *v;
  if (sr_store_restore_gate_get(n->store, &g)) memset(&g, 0, sizeof(g)); /* read again at the next status */
  if (sr_store_get_head(n->store, n->pk, &h)) h.seq = 0;
  v = sr_json_restore_gate(&g, h.seq);
  return !v || json_object_set_new(status, "restore_pending", v) ? SR_ENOMEM : 0;
}
