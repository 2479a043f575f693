/* job.c: the running node's work on libuv workers (daemon_internal.h): the
 * plumbing every job shares (publish, import, the scope, the small writes),
 * and the one queue of the small writes (peer records, invites), run one at
 * a time in the order they were queued.
 *
 * Why a queue for the small writes and not a job each: two workers could
 * commit two records of one peer in either order, and the store would keep
 * the older; one at a time, the store gets them in the order the loop made
 * them, and a read-then-write (an invite's use count) never meets another.
 * The node waits for its jobs when it stops: sr_node_run's last uv_run ends
 * only once every queued job has run and its done has (no job is cancelled,
 * so a done never finds the node freed under it).
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include <stdio.h>

static void job_work(uv_work_t *w) {
  sr_node_job_t *j = w->data;
  j->work(j);
}

static void write_next(sr_node_t *n);

static void job_done(uv_work_t *w, int status) {
  sr_node_job_t *j = w->data;
  sr_node_t *n = j->n;
  int serial = n->writing == j;
  (void)status; /* never cancelled */
  j->done(j);   /* may free j */
  if (serial) {
    n->writing = NULL;
    write_next(n);
  }
}

int sr_node_job_run(sr_node_t *n, sr_node_job_t *j, sr_node_job_fn work, sr_node_job_fn done) {
  j->n = n;
  j->work = work;
  j->done = done;
  j->req.data = j;
  return uv_queue_work(&n->loop, &j->req, job_work, job_done) != 0 ? SR_ENOMEM : 0;
}

/* Starts the oldest queued write when none is in flight. */
static void write_next(sr_node_t *n) {
  while (!n->writing && n->wq_head) {
    sr_node_job_t *j = n->wq_head;
    if (!(n->wq_head = j->next)) n->wq_tail = NULL;
    j->next = NULL;
    n->writing = j;
    j->req.data = j;
    if (uv_queue_work(&n->loop, &j->req, job_work, job_done) != 0) {
      /* libuv refuses only a job without work: not reached; were it ever,
       * the write runs here rather than be lost */
      job_work(&j->req);
      job_done(&j->req, 0);
    }
  }
}

void sr_node_write(sr_node_t *n, sr_node_job_t *j, sr_node_job_fn work, sr_node_job_fn done) {
  j->n = n;
  j->work = work;
  j->done = done;
  j->next = NULL;
  if (n->wq_tail) n->wq_tail->next = j;
  else
    n->wq_head = j;
  n->wq_tail = j;
  write_next(n);
}

void sr_node_store_why(sr_node_t *n, int rc, char *why, size_t cap) {
  if (rc == SR_ESTORE && !why[0]) snprintf(why, cap, "%s", sr_store_errmsg(n->store));
}
