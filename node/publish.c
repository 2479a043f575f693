/* publish.c: publishing through the running node (daemon.h, sr_node_publish).
 * The write transaction (sign, store) runs on a libuv worker so the loop goes
 * on serving sessions; back on the loop the entry is pushed to the peers that
 * want it and, for a contact, membership or device, the scope is refreshed.
 *
 * Invariant: the worker touches only the job, the store (LMDB serialises its
 * writers) and what never changes while the node runs (the secret key, the
 * config); everything else is the loop's.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/device.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sr_node_pub_t *sr_node_pub_new(const char *type, const uint8_t *content, size_t content_len,
                               void (*done)(sr_node_pub_t *j), void *arg) {
  sr_node_pub_t *j;
  if (strlen(type) > SR_TYPE_MAX || content_len > SR_ENTRY_MAX || !(j = calloc(1, sizeof(*j)))) return NULL;
  snprintf(j->type, sizeof(j->type), "%s", type);
  if (content_len) memcpy(j->content, content, content_len);
  j->content_len = content_len;
  j->done = done;
  j->arg = arg;
  return j;
}

static void pub_work(sr_node_job_t *w) {
  sr_node_pub_t *j = (sr_node_pub_t *)w;
  sr_node_t *n = w->n;
  uint64_t now;
  /* A copy publishes nothing (node/device.h); a claim since the last check
   * lets it, without a restart. */
  if (atomic_load(&n->copied)) {
    /* any failure to check refuses too: SR_ECOPIED, with what went wrong */
    if (sr_device_check_store(n->home, n->store, j->why, sizeof(j->why)) != 0) {
      j->rc = SR_ECOPIED;
      return;
    }
    atomic_store(&n->copied, 0);
  }
  /* the store's error text is kept per thread: read here, on the worker */
  if (j->prepare && (j->rc = j->prepare(j))) {
    sr_node_store_why(n, j->rc, j->why, sizeof(j->why));
    return;
  }
  now = sr_node_now_ms();
  j->rc = sr_store_publish(n->store, n->sk, j->type, j->content, j->content_len, now, now, j->id, &j->seq, j->why,
                           sizeof(j->why));
  sr_node_store_why(n, j->rc, j->why, sizeof(j->why));
  if (j->rc == 0 && sr_store_get_entry(n->store, j->id, j->raw, sizeof(j->raw), &j->raw_len, NULL) != 0)
    j->raw_len = 0; /* stored; peers get it at their next sync */
}

static void pub_finish(void *arg) {
  sr_node_pub_t *j = arg;
  j->done(j);
}

static void pub_done(sr_node_job_t *w) {
  sr_node_pub_t *j = (sr_node_pub_t *)w;
  sr_node_t *n = w->n;
  /* While stopping, gossip is shut: the entry is stored, peers get it later. */
  if (j->rc == 0 && !n->stopping) {
    if (j->raw_len) sr_gossip_publish(n->g, j->raw, j->raw_len);
    sr_web_entry(n->web, j->id, n->pk, j->type, strlen(j->type));
    /* done once the scope holds what the entry changed: a `status` after
     * the reply sees it */
    if (!strcmp(j->type, "contact") || !strcmp(j->type, "membership") || !strcmp(j->type, "device") ||
        !strcmp(j->type, "device-of")) {
      sr_node_scope_refresh(n, pub_finish, j);
      return;
    }
  }
  j->done(j);
}

int sr_node_publish(sr_node_t *n, sr_node_pub_t *j) { return sr_node_job_run(n, &j->job, pub_work, pub_done); }
