/* publish.c: publishing through the running node (daemon.h, sr_node_publish).
 * The write transaction (sign, store) runs on a libuv worker so the loop goes
 * on serving sessions; back on the loop the entry is pushed to the peers that
 * want it and, for a contact or membership, the scope is refreshed.
 *
 * Invariant: the worker touches only the job, the store (LMDB serialises its
 * writers) and what never changes while the node runs (the secret key, the
 * config); everything else is the loop's.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
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

static void pub_work(uv_work_t *w) {
  sr_node_pub_t *j = w->data;
  sr_node_t *n = j->n;
  uint64_t now;
  if (j->prepare && (j->rc = j->prepare(j))) {
    if (j->rc == SR_ESTORE && !j->why[0]) snprintf(j->why, sizeof(j->why), "%s", sr_store_errmsg(n->store));
    return;
  }
  now = sr_node_now_ms();
  j->rc = sr_store_publish(n->store, n->sk, j->type, j->content, j->content_len, now, now, j->id, &j->seq, j->why,
                           sizeof(j->why));
  /* the store's error text is kept per thread: read it here, on the worker */
  if (j->rc == SR_ESTORE && !j->why[0]) snprintf(j->why, sizeof(j->why), "%s", sr_store_errmsg(n->store));
  if (j->rc == 0 && sr_store_get_entry(n->store, j->id, j->raw, sizeof(j->raw), &j->raw_len, NULL) != 0)
    j->raw_len = 0; /* stored; peers get it at their next sync */
}

static void pub_done(uv_work_t *w, int status) {
  sr_node_pub_t *j = w->data;
  sr_node_t *n = j->n;
  (void)status; /* never cancelled */
  /* While stopping, gossip is shut: the entry is stored, peers get it later. */
  if (j->rc == 0 && !n->stopping) {
    if (j->raw_len) sr_gossip_publish(n->g, j->raw, j->raw_len);
    sr_web_entry(n->web, j->id, n->pk, j->type, strlen(j->type));
    if (!strcmp(j->type, "contact") || !strcmp(j->type, "membership")) sr_node_scope_refresh(n);
  }
  j->done(j);
}

int sr_node_publish(sr_node_t *n, sr_node_pub_t *j) {
  j->n = n;
  j->req.data = j;
  if (uv_queue_work(&n->loop, &j->req, pub_work, pub_done) != 0) return SR_ENOMEM;
  return 0;
}
