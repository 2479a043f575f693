/* scope_refresh.c: the replication scope of the running node (daemon_internal.h).
 * Computing it reads the follow graph from the store (sr_store_scope,
 * store/scope.c), which grows with the graph, so it runs on a libuv worker;
 * the loop thread only swaps the finished scope in and tells gossip.
 *
 * At most one computation is in flight. One asked for meanwhile may have been
 * asked for after a write the running one began too early to see, so it sets
 * one flag and runs once the running one ends: any number of requests in that
 * time cost one more computation. A caller that must not answer before the
 * scope holds its write (a publish or import through the control socket, a
 * redeemed invite) passes a `then`, called once a computation that began after
 * the request has been swapped in (or has failed, or the node stops).
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scope_wait {
  sr_node_then_cb then;
  void *arg;
  scope_wait_t *next;
};

struct scope_job {
  sr_node_job_t job; /* first */
  sr_scope_t next;
  int rc;
  char why[300];
  scope_wait_t *waiting; /* whose then runs once this one is swapped in */
  int hops;              /* config hops when queued: a reload may change it meanwhile (node/reload.c) */
};

static void run_waiters(scope_wait_t *w) {
  while (w) {
    scope_wait_t *next = w->next;
    w->then(w->arg);
    free(w);
    w = next;
  }
}

/* Takes the waiters of the next computation, oldest first. */
static scope_wait_t *take_waiting(sr_node_t *n) {
  scope_wait_t *w = n->scope_waiting;
  n->scope_waiting = NULL;
  return w;
}

/* Swaps in next (the node owns it then); tells gossip when it changed. */
static void scope_set(sr_node_t *n, sr_scope_t *next) {
  int changed = next->n != n->scope.n || (next->n && memcmp(next->keys, n->scope.keys, next->n * SR_KEY_BYTES) != 0);
  sr_scope_free(&n->scope);
  n->scope = *next;
  memset(next, 0, sizeof(*next));
  if (changed) {
    sr_node_log(n, SR_LOG_INFO, "scope", "replicating %zu author%s", n->scope.n, n->scope.n == 1 ? "" : "s");
    /* while stopping gossip is shut */
    if (n->g && !n->stopping) sr_gossip_scope_changed(n->g);
  }
}

void sr_node_scope_load(sr_node_t *n) {
  sr_scope_t next = {0};
  if (sr_store_scope(n->store, n->pk, n->cfg.hops, n->relay, &next) != 0) {
    sr_node_log(n, SR_LOG_ERROR, "scope_failed", "could not compute the replication scope: %s",
                sr_store_errmsg(n->store));
    return;
  }
  scope_set(n, &next);
}

static void scope_work(sr_node_job_t *w) {
  scope_job_t *j = (scope_job_t *)w;
  sr_node_t *n = w->n;
  j->rc = sr_store_scope(n->store, n->pk, j->hops, n->relay, &j->next);
  sr_node_store_why(n, j->rc, j->why, sizeof(j->why));
}

static void scope_start(sr_node_t *n);

static void scope_done(sr_node_job_t *w) {
  scope_job_t *j = (scope_job_t *)w;
  sr_node_t *n = w->n;
  n->scope_job = NULL;
  if (j->rc)
    sr_node_log(n, SR_LOG_ERROR, "scope_failed", "could not compute the replication scope: %s",
                j->why[0] ? j->why : sr_strerror(j->rc));
  else
    scope_set(n, &j->next);
  sr_scope_free(&j->next);
  run_waiters(j->waiting);
  free(j);
  if (n->scope_again) scope_start(n);
}

static void scope_start(sr_node_t *n) {
  scope_job_t *j;
  int rc = SR_ENOMEM;
  n->scope_again = 0;
  if (n->stopping) { /* no one needs a new scope any more */
    run_waiters(take_waiting(n));
    return;
  }
  if ((j = calloc(1, sizeof(*j)))) {
    j->waiting = take_waiting(n);
    j->hops = n->cfg.hops;
    if ((rc = sr_node_job_run(n, &j->job, scope_work, scope_done)) == 0) {
      n->scope_job = j;
      return;
    }
    run_waiters(j->waiting);
    free(j);
  }
  sr_node_log(n, SR_LOG_ERROR, "scope_failed", "could not compute the replication scope: %s", sr_strerror(rc));
  run_waiters(take_waiting(n));
}

void sr_node_scope_refresh(sr_node_t *n, sr_node_then_cb then, void *arg) {
  if (then) {
    scope_wait_t *w = calloc(1, sizeof(*w));
    if (!w) { /* the refresh still runs; only this answer goes out before it */
      then(arg);
    } else {
      scope_wait_t **end = &n->scope_waiting;
      while (*end) end = &(*end)->next; /* few: the control clients, the invites */
      w->then = then;
      w->arg = arg;
      *end = w;
    }
  }
  if (n->scope_job) n->scope_again = 1;
  else
    scope_start(n);
}
