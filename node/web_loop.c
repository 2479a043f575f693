/* web_loop.c: how a web thread asks the loop thread to act (web.h).
 *
 * A change is a control request, as the CLI would send it on the socket. The
 * web thread puts it on w's queue and wakes the loop (uv_async_send); the loop
 * runs it through the socket's table of handlers (sr_control_run), whose reply
 * may come at once or later (a publish, once a worker has stored it); the
 * reply is handed back through the job, and the web thread waiting on the
 * job's condition takes it. The loop never waits for a web thread.
 *
 * Invariant: a job is shared by two owners, the web thread that made it and
 * the loop, each dropping its reference once done with it; whichever is last
 * frees it. So a web thread that gives up (the node stops, or the reply is
 * late) never leaves the loop a freed job, and a job never points to w (which
 * is freed at stop while a publish may still be on a worker). Nothing is put
 * on the queue once w->stopping is set under qmu, and sr_web_stop drains it
 * under qmu, so no job is forgotten there.
 */
#include "node/web_internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sr_web_job {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  int refs;          /* under mu */
  int done;          /* under mu: reply is set */
  json_t *reply;
  char *line; /* the request, JSON on one line */
  size_t len;
  sr_web_job_t *next;
};

static void job_unref(sr_web_job_t *j) {
  int last;
  pthread_mutex_lock(&j->mu);
  last = --j->refs == 0;
  pthread_mutex_unlock(&j->mu);
  if (!last) return;
  json_decref(j->reply);
  free(j->line);
  pthread_cond_destroy(&j->cv);
  pthread_mutex_destroy(&j->mu);
  free(j);
}

/* Loop thread (sr_control_done_cb): the reply of j's request. */
static void job_done(void *arg, json_t *reply) {
  sr_web_job_t *j = arg;
  pthread_mutex_lock(&j->mu);
  j->reply = reply;
  j->done = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
  job_unref(j);
}

static json_t *stopping_reply(void) {
  return json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "the node is stopping", "code", sr_errname(SR_ENONODE));
}

/* Loop thread: runs what the web threads queued, or answers it "the node is
 * stopping" once w stops. stop: w stops now, set under qmu, so nothing can be
 * queued after the queue is taken (sr_web_loop_drain). */
static void run_queued(sr_web_t *w, int stop) {
  sr_web_job_t *list;
  pthread_mutex_lock(&w->qmu);
  if (stop) atomic_store(&w->stopping, 1);
  list = w->qhead;
  w->qhead = w->qtail = NULL;
  pthread_mutex_unlock(&w->qmu);
  while (list) {
    sr_web_job_t *j = list;
    list = j->next;
    if (atomic_load(&w->stopping)) job_done(j, stopping_reply());
    else
      sr_control_run(w->ctl, j->line, j->len, job_done, j);
  }
}

static void on_async(uv_async_t *a) { run_queued(a->data, 0); }

int sr_web_loop_init(sr_web_t *w) {
  if (pthread_mutex_init(&w->qmu, NULL) != 0) return SR_ENOMEM;
  if (uv_async_init(w->loop, &w->async, on_async) != 0) {
    pthread_mutex_destroy(&w->qmu);
    return SR_ENOMEM;
  }
  w->async.data = w;
  w->handles++;
  return 0;
}

void sr_web_loop_drain(sr_web_t *w) { run_queued(w, 1); }

static sr_web_job_t *job_new(json_t *req) {
  sr_web_job_t *j = calloc(1, sizeof(*j));
  pthread_condattr_t ca;
  if (!j) return NULL;
  if (!(j->line = json_dumps(req, JSON_COMPACT))) {
    free(j);
    return NULL;
  }
  j->len = strlen(j->line);
  j->refs = 2; /* this thread and the loop */
  pthread_mutex_init(&j->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&j->cv, &ca);
  pthread_condattr_destroy(&ca);
  return j;
}

int sr_web_call(sr_web_t *w, json_t *req, json_t **reply) {
  sr_web_job_t *j = req ? job_new(req) : NULL;
  struct timespec now, until;
  int rc = 0, queued = 0;
  *reply = NULL;
  json_decref(req);
  if (!j) return SR_ENOMEM;
  pthread_mutex_lock(&w->qmu);
  if (!atomic_load(&w->stopping)) {
    if (w->qtail) w->qtail->next = j;
    else
      w->qhead = j;
    w->qtail = j;
    queued = 1;
  }
  pthread_mutex_unlock(&w->qmu);
  if (!queued) {
    j->refs = 1; /* the loop never saw it */
    job_unref(j);
    return SR_ENONODE;
  }
  /* Not under qmu: the loop closes the handle only after libmicrohttpd's
   * threads, this one included, have been joined (sr_web_stop). */
  uv_async_send(&w->async);
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += SR_WEB_CALL_MS / 1000;
  pthread_mutex_lock(&j->mu);
  while (!j->done) {
    /* Woken now and then to see whether the node stops. */
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec)) {
      rc = SR_ETIMEOUT;
      break;
    }
    if (atomic_load(&w->stopping)) {
      rc = SR_ENONODE;
      break;
    }
    struct timespec slice = now;
    slice.tv_nsec += 200 * 1000000L;
    if (slice.tv_nsec >= 1000000000L) {
      slice.tv_sec++;
      slice.tv_nsec -= 1000000000L;
    }
    int e = pthread_cond_timedwait(&j->cv, &j->mu, &slice);
    if (e && e != ETIMEDOUT && e != EINTR) {
      rc = SR_EIO;
      break;
    }
  }
  if (j->done) {
    *reply = j->reply;
    j->reply = NULL;
    rc = 0;
  }
  pthread_mutex_unlock(&j->mu);
  job_unref(j);
  return rc;
}

unsigned sr_web_refused(sr_web_req_t *r, json_t *reply) {
  int code = sr_control_reply_code(reply);
  const char *e = json_string_value(json_object_get(reply, "error"));
  return sr_web_fail(r, sr_web_status_of(code ? code : SR_ECONTROL), code ? code : SR_ECONTROL, "%s",
                     e ? e : sr_strerror(code));
}

unsigned sr_web_call_ok(sr_web_req_t *r, json_t *req, json_t **reply) {
  int rc = sr_web_call(r->w, req, reply);
  if (rc) return sr_web_fail(r, sr_web_status_of(rc), rc, "the node did not answer: %s", sr_strerror(rc));
  if (sr_control_reply_code(*reply)) {
    unsigned st = sr_web_refused(r, *reply);
    json_decref(*reply);
    *reply = NULL;
    return st;
  }
  return 0;
}
