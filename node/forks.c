/* forks.c: what the running node does about forks (docs/format.md "Forks",
 * docs/cli.md "Another copy of your identity"): a forked author leaves the
 * scope; the self-fork stop (store/forks.h: another copy of this identity
 * published) is logged loudly, at once and at every start while it holds;
 * `status` names the forked authors and the stop; `fork keep-this` clears it
 * through the queue of small writes. Gossip spreads the proofs
 * (net/gossip_fork.c). Loop thread, but the clearing's work. */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/entry_json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stop, in words, on lines of their own: a person reading the log must
 * not miss it. */
static void log_stop(sr_node_t *n, const sr_self_fork_t *sf, const char *when) {
  char msg[700];
  sr_self_fork_sentence(sf, msg, sizeof(msg));
  sr_node_log(n, SR_LOG_ERROR, "self_fork", "!!! ANOTHER COPY OF THIS IDENTITY PUBLISHED: publishing is stopped%s",
              when);
  sr_node_log(n, SR_LOG_ERROR, "self_fork", "!!! %s", msg);
}

static void h_forked(void *ctx, const uint8_t author[SR_KEY_BYTES]) {
  sr_node_t *n = ctx;
  char k[17], name[80];
  size_t len;
  sr_node_short_key(author, k);
  if (sr_store_get_name(n->store, author, name, sizeof(name), &len)) snprintf(name, sizeof(name), "no name");
  if (memcmp(author, n->pk, SR_KEY_BYTES) == 0)
    sr_node_log(n, SR_LOG_ERROR, "self_fork",
                "your own log is forked: two different entries with one seq are signed with your key");
  else
    sr_node_log(n, SR_LOG_WARN, "author_forked", "author %s (%s) is forked: this node no longer replicates its log", k,
                name);
  sr_node_scope_refresh(n, NULL, NULL); /* a forked author leaves the scope */
}

static void h_self_fork(void *ctx) {
  sr_node_t *n = ctx;
  sr_self_fork_t sf;
  if (sr_store_self_fork_get(n->store, &sf) == 0 && sf.set) log_stop(n, &sf, "");
}

void sr_node_fork_hooks(sr_gossip_hooks_t *h) {
  h->forked = h_forked;
  h->self_fork = h_self_fork;
}

void sr_node_forks_start(sr_node_t *n) {
  sr_self_fork_t sf;
  if (sr_store_self_fork_get(n->store, &sf) == 0 && sf.set) log_stop(n, &sf, " (since before this start)");
}

void sr_node_forks_found(sr_node_t *n, const sr_ingest_item_t *items, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (items[i].status == SR_EFORK) sr_gossip_fork_found(n->g, items[i].author);
}

int sr_node_forks_status(sr_node_t *n, json_t *status) {
  const uint8_t(*keys)[SR_KEY_BYTES];
  size_t nk = sr_gossip_forked(n->g, &keys);
  sr_self_fork_t sf;
  json_t *fa = sr_json_forked_authors(n->store, keys, nk, n->pk);
  if (sr_store_self_fork_get(n->store, &sf)) memset(&sf, 0, sizeof(sf)); /* read again at the next status */
  if (!fa || json_object_set_new(status, "forked_authors", fa) ||
      json_object_set_new(status, "self_fork", sr_json_self_fork(&sf)))
    return SR_ENOMEM;
  return 0;
}

/* ---- fork keep-this ---- */

typedef struct {
  sr_node_job_t job; /* first */
  sr_node_done_cb done;
  void *arg;
  int rc, was, forked;
  char why[300];
} keep_job_t;

static void keep_work(sr_node_job_t *w) {
  keep_job_t *j = (keep_job_t *)w;
  sr_head_t h;
  j->rc = sr_store_self_fork_clear(w->n->store, &j->was);
  if (j->rc == 0 && (j->rc = sr_store_get_head(w->n->store, w->n->pk, &h)) == 0) j->forked = h.forked;
  sr_node_store_why(w->n, j->rc, j->why, sizeof(j->why));
}

static void keep_done(sr_node_job_t *w) {
  keep_job_t *j = (keep_job_t *)w;
  sr_node_t *n = w->n;
  if (j->rc == 0 && j->was)
    sr_node_log(n, SR_LOG_INFO, "fork_keep_this",
                "the person kept this copy of the identity (`seurone fork keep-this`): %s",
                j->forked ? "the log is still forked, so publishing stays refused" : "publishing again");
  if (j->rc) j->done(j->arg, j->rc, j->why, NULL);
  else
    j->done(j->arg, 0, NULL, json_pack("{s:b, s:b}", "cleared", j->was, "log_forked", j->forked));
  free(j);
}

int sr_node_fork_keep(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  keep_job_t *j = calloc(1, sizeof(*j));
  if (!j) {
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  j->done = done;
  j->arg = arg;
  sr_node_write(n, &j->job, keep_work, keep_done);
  return 0;
}
