/* policy.c: the write-policy program (config `write_policy`; docs/config.md,
 * "Write policy"). The node starts it once and asks it about every entry a
 * peer sends, before the store sees it: one JSON line per entry on its
 * standard input,
 *   {"id": hex, "author": hex, "seq": n, "type": str, "size": bytes, "content": {...}}
 * and one JSON line back on its standard output,
 *   {"id": hex, "action": "accept" | "reject", "msg": str}.
 * It runs on the ingest worker (gossip's judge hook), one entry at a time,
 * never on the loop thread. A program that exits, stalls past
 * write_policy_timeout_ms or answers something else is killed; the entries
 * it could not judge are refused (write_policy_fail = closed, the default)
 * or taken (open), and it is started again at the next batch, at most once a
 * second. Its standard error is the node's. */
#include "core/core.h"
#include "core/hex.h"
#include "node/daemon_internal.h"
#include "node/entry_json.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ANSWER_MAX 4096     /* an answer line longer than this is a bad answer */
#define RESTART_GAP_MS 1000 /* a program that keeps dying is started at most once a second */

struct sr_policy {
  sr_node_t *n;
  char path[1024];
  uint32_t timeout_ms;
  int fail_open;
  pid_t pid;    /* 0: not running */
  int to, from; /* its stdin (ours to write), its stdout (ours to read) */
  char buf[ANSWER_MAX + 1];
  size_t have;
  uint64_t started_ms;
  uint64_t asked, rejected, failures;
};

static void stop_child(sr_policy_t *p, int kill_it) {
  if (!p->pid) return;
  close(p->to);
  if (kill_it) kill(p->pid, SIGKILL);
  /* without a kill, the closed stdin tells it to end: a grace of its timeout */
  for (uint32_t waited = 0; !kill_it && waited < p->timeout_ms; waited += 10) {
    if (waitpid(p->pid, NULL, WNOHANG) == p->pid) goto reaped;
    usleep(10000);
  }
  if (!kill_it) kill(p->pid, SIGKILL);
  waitpid(p->pid, NULL, 0);
reaped:
  close(p->from);
  p->pid = 0;
  p->have = 0;
}

static int start_child(sr_policy_t *p) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, rc;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t sa;
  sigset_t def;
  char *argv[] = {p->path, NULL};
  p->started_ms = sr_node_now_ms();
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) goto fail;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  /* the node ignores SIGPIPE; the program gets the default back */
  posix_spawnattr_init(&sa);
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawnattr_setsigdefault(&sa, &def);
  posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawn(&p->pid, p->path, &fa, &sa, argv, environ);
  posix_spawnattr_destroy(&sa);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  in[0] = out[1] = -1;
  if (rc) {
    errno = rc;
    p->pid = 0;
    goto fail;
  }
  p->to = in[1];
  p->from = out[0];
  fcntl(p->to, F_SETFL, O_NONBLOCK);
  fcntl(p->from, F_SETFL, O_NONBLOCK);
  p->have = 0;
  sr_node_log(p->n, SR_LOG_INFO, "policy_started", "write policy: started %s (pid %d)", p->path, (int)p->pid);
  return 0;
fail:
  sr_node_log(p->n, SR_LOG_ERROR, "policy_failed", "write policy: cannot start %s: %s; entries it would judge are %s",
              p->path, strerror(errno),
              p->fail_open ? "taken (write_policy_fail = open)" : "refused (write_policy_fail = closed)");
  for (int i = 0; i < 2; i++) {
    if (in[i] >= 0) close(in[i]);
    if (out[i] >= 0) close(out[i]);
  }
  return SR_EPOLICYDOWN;
}

/* Writes all of s (a line) within the deadline: 0 or SR_EPOLICYDOWN. */
static int send_line(sr_policy_t *p, const char *s, size_t len, uint64_t deadline) {
  while (len) {
    ssize_t w = write(p->to, s, len);
    if (w > 0) {
      s += w;
      len -= (size_t)w;
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EINTR) return SR_EPOLICYDOWN; /* EPIPE: it exited */
    uint64_t now = sr_node_now_ms();
    if (now >= deadline) return SR_EPOLICYDOWN;
    struct pollfd pf = {p->to, POLLOUT, 0};
    if (poll(&pf, 1, (int)(deadline - now)) < 0 && errno != EINTR) return SR_EPOLICYDOWN;
  }
  return 0;
}

/* Reads one answer line into p->buf (NUL-terminated, newline dropped) within
 * the deadline: its length, or SR_EPOLICYDOWN. */
static int read_line(sr_policy_t *p, uint64_t deadline) {
  for (;;) {
    char *nl = memchr(p->buf, '\n', p->have);
    if (nl) {
      size_t len = (size_t)(nl - p->buf);
      *nl = '\0';
      return (int)len;
    }
    if (p->have >= ANSWER_MAX) return SR_EPOLICYDOWN;
    ssize_t r = read(p->from, p->buf + p->have, ANSWER_MAX - p->have);
    if (r > 0) {
      p->have += (size_t)r;
      continue;
    }
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) return SR_EPOLICYDOWN; /* it exited */
    uint64_t now = sr_node_now_ms();
    if (now >= deadline) return SR_EPOLICYDOWN;
    struct pollfd pf = {p->from, POLLIN, 0};
    if (poll(&pf, 1, (int)(deadline - now)) < 0 && errno != EINTR) return SR_EPOLICYDOWN;
  }
}

/* Drops the answer line just read from the buffer. */
static void consume(sr_policy_t *p, size_t len) {
  memmove(p->buf, p->buf + len + 1, p->have - len - 1);
  p->have -= len + 1;
}

/* Asks about one decoded entry: 0 accept, SR_EPOLICY (why set), or
 * SR_EPOLICYDOWN (no valid answer in time: the program is stopped). */
static int ask(sr_policy_t *p, const sr_entry_t *e, size_t size, char *why, size_t whylen, char *fail, size_t faillen) {
  char id[2 * SR_ID_BYTES + 1], author[2 * SR_KEY_BYTES + 1];
  json_t *content = sr_json_from_msgpack(e->content, e->content_len), *ans = NULL;
  sr_hex_encode(e->id, SR_ID_BYTES, id);
  sr_hex_encode(e->author, SR_KEY_BYTES, author);
  json_t *q =
      json_pack("{s:s, s:s, s:I, s:s%, s:I, s:o}", "id", id, "author", author, "seq", (json_int_t)e->seq, "type",
                e->type, e->type_len, "size", (json_int_t)size, "content", content ? content : json_null());
  char *line = q ? json_dumps(q, JSON_COMPACT) : NULL;
  uint64_t deadline = sr_node_now_ms() + p->timeout_ms;
  int rc = SR_EPOLICYDOWN, len;
  json_decref(q);
  if (!line) {
    snprintf(fail, faillen, "out of memory for the question");
    return SR_EPOLICYDOWN;
  }
  size_t ll = strlen(line);
  line[ll] = '\n'; /* json_dumps's NUL becomes the line's end */
  if (send_line(p, line, ll + 1, deadline)) {
    snprintf(fail, faillen, "it did not read its input (it exited, or stalled past %u ms)", p->timeout_ms);
  } else if ((len = read_line(p, deadline)) < 0) {
    snprintf(fail, faillen, "no answer within %u ms (it exited or stalled)", p->timeout_ms);
  } else {
    json_error_t je;
    const char *action, *aid, *msg;
    ans = json_loadb(p->buf, (size_t)len, 0, &je);
    consume(p, (size_t)len);
    aid = json_string_value(json_object_get(ans, "id"));
    action = json_string_value(json_object_get(ans, "action"));
    msg = json_string_value(json_object_get(ans, "msg"));
    if (!ans || !aid || strcmp(aid, id) || !action || (strcmp(action, "accept") && strcmp(action, "reject"))) {
      snprintf(fail, faillen, "a bad answer (not {\"id\": the entry's id, \"action\": \"accept\" or \"reject\"})");
    } else if (!strcmp(action, "accept")) {
      rc = 0;
    } else {
      snprintf(why, whylen, "refused by the relay's write policy%s%.120s", msg && msg[0] ? ": " : "", msg ? msg : "");
      rc = SR_EPOLICY;
    }
  }
  free(line);
  json_decref(ans);
  return rc;
}

/* gossip's judge hook (net/gossip.h), on the ingest worker. */
static void judge(void *ctx, sr_ingest_item_t *items, size_t n) {
  sr_node_t *node = ctx;
  sr_policy_t *p = node->policy;
  char fail[200] = "";
  int down = 0;
  for (size_t i = 0; i < n; i++) {
    sr_ingest_item_t *it = &items[i];
    /* undecodable: the store refuses it and ends the session; never asked */
    if (sr_entry_decode(it->raw, it->len, &it->e)) continue;
    memcpy(it->author, it->e.author, SR_KEY_BYTES);
    memcpy(it->id, it->e.id, SR_ID_BYTES);
    it->seq = it->e.seq;
    if (!down && !p->pid && (sr_node_now_ms() - p->started_ms < RESTART_GAP_MS || start_child(p))) down = 1;
    int rc = down ? SR_EPOLICYDOWN : ask(p, &it->e, it->len, it->why, sizeof(it->why), fail, sizeof(fail));
    p->asked++;
    if (rc == SR_EPOLICYDOWN && !down) {
      down = 1;
      p->failures++;
      sr_node_log(node, SR_LOG_ERROR, "policy_failed",
                  "write policy: %s failed: %s; stopped, started again at the next entries; meanwhile they are %s",
                  p->path, fail,
                  p->fail_open ? "taken (write_policy_fail = open)" : "refused (write_policy_fail = closed)");
      stop_child(p, 1);
    }
    if (rc == SR_EPOLICY) p->rejected++;
    if (rc == SR_EPOLICYDOWN) {
      if (p->fail_open) continue;
      snprintf(it->why, sizeof(it->why), "the relay's write policy could not judge it; try again later");
    }
    it->status = rc;
  }
}

void sr_node_policy_hooks(sr_node_t *n, sr_gossip_hooks_t *h) {
  if (!n->cfg.write_policy[0]) return;
  if (!(n->policy = calloc(1, sizeof(*n->policy)))) {
    sr_node_log(n, SR_LOG_ERROR, "policy_failed", "write policy: out of memory: the write policy is off");
    return;
  }
  n->policy->n = n;
  snprintf(n->policy->path, sizeof(n->policy->path), "%s", n->cfg.write_policy);
  n->policy->timeout_ms = n->cfg.write_policy_timeout_ms;
  n->policy->fail_open = n->cfg.write_policy_fail_open;
  (void)start_child(n->policy); /* a failure is said; retried at the first entries */
  h->judge = judge;
}

void sr_node_policy_stop(sr_node_t *n) {
  if (!n->policy) return;
  stop_child(n->policy, 0);
  free(n->policy);
  n->policy = NULL;
}
