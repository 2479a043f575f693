/* control.c: the control socket (see control.h). The server runs on the node's
 * libuv loop; the client uses plain blocking sockets, for the CLI.
 *
 * Invariant: every client is in ctl->clients until client_close() takes it out;
 * after that nothing touches ctl through it. A client's memory is freed when
 * both of its handles (pipe, timer) have closed; ctl's when the server handle has
 * closed, which sr_control_stop() starts only after closing every client. So no
 * callback ever sees a freed client or a freed ctl.
 */
#include "node/control.h"
#include "core/vec.h"
#include "core/clock.h"
#include "core/core.h"
#include "net/address.h"
#include "node/control_req.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PATH_CAP 4200
#define FIRST_BUF 4096
#define DRAIN_MS 1000 /* after a timeout reply, how long the client has to read it */

typedef struct sr_control_call client_t;

struct sr_control {
  uv_pipe_t server;
  sr_control_handlers_t h;
  char path[PATH_CAP];
  char lock_path[PATH_CAP];
  int lock_fd;
  client_t *clients;
  size_t nclients;
};

struct sr_control_call {
  uv_pipe_t pipe;
  uv_timer_t timer;
  sr_control_t *ctl;
  char *buf; /* the request line so far */
  size_t len, cap;
  int handles;    /* open handles; freed at 0 */
  int closing;    /* client_close() ran */
  int replied;    /* a reply is being written */
  int stop_after; /* "stop": stop the node once the reply is out */
  int later;      /* a handler answers later (sr_control_later): kept until then */
  client_t *next, *prev;
  /* A request run without the socket (sr_control_run): no handles, no ctl;
   * the reply goes to done. */
  int local;
  const sr_control_handlers_t *lh;
  sr_control_done_cb done;
  void *done_arg;
};

static void sock_path(const char *home, char *out, size_t cap) { snprintf(out, cap, "%s/control.sock", home); }

/* ---- server: clients ---- */

static void client_freed(uv_handle_t *h) {
  client_t *c = h->data;
  if (--c->handles == 0 && !c->later) {
    free(c->buf);
    free(c);
  }
}

static void client_close(client_t *c) {
  if (c->closing) return;
  c->closing = 1;
  if (c->prev) c->prev->next = c->next;
  else
    c->ctl->clients = c->next;
  if (c->next) c->next->prev = c->prev;
  c->ctl->nclients--;
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, client_freed);
  uv_close((uv_handle_t *)&c->pipe, client_freed);
}

static void after_write(uv_write_t *w, int status) {
  client_t *c = w->data;
  int stop = c->stop_after && status == 0 && !c->closing;
  sr_control_t *ctl = c->ctl;
  free(w);
  client_close(c);
  /* Stop only now: stopping closes this socket, which would cancel the reply. */
  if (stop && ctl->h.stop) ctl->h.stop(ctl->h.ctx);
}

static void on_client_timeout(uv_timer_t *t);

/* Writes r (consumed) and a newline, then closes the client. */
static void reply(client_t *c, json_t *r) {
  char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
  size_t n = s ? strlen(s) : 0;
  uv_write_t *w = s ? malloc(sizeof(*w) + n + 1) : NULL;
  json_decref(r);
  uv_read_stop((uv_stream_t *)&c->pipe);
  c->replied = 1;
  if (!w) {
    free(s);
    client_close(c);
    return;
  }
  char *data = (char *)(w + 1);
  memcpy(data, s, n);
  data[n] = '\n';
  free(s);
  w->data = c;
  uv_buf_t b = uv_buf_init(data, (unsigned)n + 1);
  if (uv_write(w, (uv_stream_t *)&c->pipe, &b, 1, after_write) != 0) {
    free(w);
    client_close(c);
    return;
  }
  /* A client that does not read its reply is dropped (on_client_timeout). */
  uv_timer_start(&c->timer, on_client_timeout, DRAIN_MS, 0);
}

static json_t *fail(int code, const char *msg) { return sr_control_fail(code, msg); }

/* Acts on a decoded request (control_req.c checked every field) through the
 * owner's table. */
static json_t *dispatch(client_t *c, const sr_control_req_t *r) {
  const sr_control_handlers_t *h = c->local ? c->lh : &c->ctl->h;
  if (r->cmd == SR_CTL_STOP) {
    if (c->local) return fail(SR_ECONTROL, "stop is taken only on the control socket");
    c->stop_after = 1;
    return json_pack("{s:b}", "ok", 1);
  }
  for (size_t i = 0; i < h->n; i++) {
    if (h->table[i].cmd != r->cmd) continue;
    json_t *out = h->table[i].fn(h->ctx, r, c);
    if (c->later) return NULL;
    if (!json_is_object(out)) {
      json_decref(out);
      return fail(SR_ENOMEM, "the node could not build its reply");
    }
    if (!json_object_get(out, "ok")) json_object_set_new(out, "ok", json_true());
    return out;
  }
  return fail(SR_ECONTROL, "unknown command");
}

/* The line buf[0..len) (newline excluded) is complete: answer it. */
static void handle_line(client_t *c, size_t len) {
  sr_control_req_t req;
  json_t *r = sr_control_req_decode(c->buf, len, &req);
  if (!r) {
    r = dispatch(c, &req);
    sr_control_req_free(&req);
    if (c->later) return;
  }
  reply(c, r);
}

/* The reply (consumed) of a local call, "ok" added as the socket adds it;
 * the call is done. */
static void local_reply(client_t *c, json_t *r) {
  if (!json_is_object(r)) {
    json_decref(r);
    r = fail(SR_ENOMEM, "the node could not build its reply");
  } else if (!json_object_get(r, "ok")) {
    json_object_set_new(r, "ok", json_true());
  }
  c->done(c->done_arg, r);
  free(c);
}

void sr_control_run(const sr_control_handlers_t *h, const char *line, size_t len, sr_control_done_cb done, void *arg) {
  sr_control_req_t req;
  client_t *c = calloc(1, sizeof(*c));
  json_t *r;
  if (!c) {
    done(arg, fail(SR_ENOMEM, "out of memory"));
    return;
  }
  c->local = 1;
  c->lh = h;
  c->done = done;
  c->done_arg = arg;
  if ((r = sr_control_req_decode(line, len, &req)) == NULL) {
    r = dispatch(c, &req);
    sr_control_req_free(&req);
    if (c->later) return; /* sr_control_answer replies */
  }
  local_reply(c, r);
}

sr_control_call_t *sr_control_later(sr_control_call_t *c) {
  c->later = 1;
  if (c->local) return c;
  c->replied = 1; /* no more reading, and no timeout reply meanwhile */
  uv_read_stop((uv_stream_t *)&c->pipe);
  uv_timer_stop(&c->timer);
  return c;
}

void sr_control_answer(sr_control_call_t *c, json_t *r) {
  c->later = 0;
  if (c->local) {
    local_reply(c, r);
    return;
  }
  if (c->closing) { /* the socket stopped meanwhile: its handles are closed */
    json_decref(r);
    if (c->handles == 0) {
      free(c->buf);
      free(c);
    }
    return;
  }
  if (!json_is_object(r)) {
    json_decref(r);
    r = fail(SR_ENOMEM, "the node could not build its reply");
  } else if (!json_object_get(r, "ok")) {
    json_object_set_new(r, "ok", json_true());
  }
  reply(c, r);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  client_t *c = h->data;
  (void)suggested;
  if (c->len == c->cap && c->cap < SR_CONTROL_MAX + 1) {
    size_t ncap = c->cap ? c->cap * 2 : FIRST_BUF;
    if (ncap > SR_CONTROL_MAX + 1) ncap = SR_CONTROL_MAX + 1;
    char *nb = realloc(c->buf, ncap);
    if (nb) {
      c->buf = nb;
      c->cap = ncap;
    }
  }
  /* A zero-length buffer makes libuv report UV_ENOBUFS: the client is closed. */
  *b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  client_t *c = s->data;
  (void)b;
  if (c->closing || c->replied) return;
  if (n == UV_EOF && c->len > 0 && c->len <= SR_CONTROL_MAX) {
    handle_line(c, c->len); /* the client half-closed after a line without "\n" */
    return;
  }
  if (n < 0) {
    client_close(c);
    return;
  }
  size_t old = c->len;
  c->len += (size_t)n;
  char *nl = memchr(c->buf + old, '\n', (size_t)n);
  if (nl) {
    handle_line(c, (size_t)(nl - c->buf));
    return;
  }
  if (c->len > SR_CONTROL_MAX) reply(c, fail(SR_ETOOBIG, "request longer than 64 KiB; one JSON object a line"));
}

static void on_client_timeout(uv_timer_t *t) {
  client_t *c = t->data;
  if (c->replied) client_close(c);
  else
    reply(c, fail(SR_ETIMEOUT, "no complete request line within 5 s"));
}

static void on_conn(uv_stream_t *server, int status) {
  sr_control_t *ctl = server->data;
  client_t *c;
  if (status < 0) return;
  if (!(c = calloc(1, sizeof(*c)))) return; /* stays in the backlog; retried on the next connection */
  c->ctl = ctl;
  uv_pipe_init(server->loop, &c->pipe, 0);
  uv_timer_init(server->loop, &c->timer);
  c->pipe.data = c->timer.data = c;
  c->handles = 2;
  c->next = ctl->clients;
  if (ctl->clients) ctl->clients->prev = c;
  ctl->clients = c;
  ctl->nclients++;
  if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0 || ctl->nclients > SR_CONTROL_CLIENTS) {
    client_close(c); /* too many at once: closed without a word */
    return;
  }
  uv_timer_start(&c->timer, on_client_timeout, SR_CONTROL_TIMEOUT_MS, 0);
  if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) != 0) client_close(c);
}

/* ---- server: start and stop ---- */

/* 1 when something accepts connections on path, 0 when nothing does. */
static int answering(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), ok;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  if (fd < 0) return 0;
  /* EAGAIN: a listener whose backlog is full — still a live node. */
  ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN || errno == EINPROGRESS;
  close(fd);
  return ok;
}

static void server_freed(uv_handle_t *h) { free(h->data); }

int sr_control_start(uv_loop_t *loop, const char *home, const sr_control_handlers_t *h, sr_control_t **out, char *err,
                     size_t errlen) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct stat st;
  sr_control_t *ctl;
  int fd = -1, rc;
  *out = NULL;
  if (!(ctl = calloc(1, sizeof(*ctl)))) {
    snprintf(err, errlen, "cannot start the control socket: %s", sr_strerror(SR_ENOMEM)); /* the caller prints err */
    return SR_ENOMEM;
  }
  ctl->lock_fd = -1;
  ctl->h = *h;
  sock_path(home, ctl->path, sizeof(ctl->path));
  snprintf(ctl->lock_path, sizeof(ctl->lock_path), "%s/control.lock", home);
  if (strlen(ctl->path) >= sizeof(sa.sun_path)) {
    snprintf(err, errlen,
             "the control socket path %s is longer than %zu bytes, the limit for a Unix socket; use a "
             "shorter --home",
             ctl->path, sizeof(sa.sun_path) - 1);
    rc = SR_ETOOBIG;
    goto fail;
  }
  /* One node per home: the lock settles a race between two starting nodes. */
  /* It stays between runs, so no O_EXCL; but never through a link planted at
   * its name (node/home.h), and only a regular file of ours. */
  ctl->lock_fd = open(ctl->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (ctl->lock_fd < 0) {
    snprintf(err, errlen, "cannot create %s: %s%s", ctl->lock_path, strerror(errno),
             errno == ELOOP ? " (it is a symbolic link: remove it)" : "");
    rc = SR_EIO;
    goto fail;
  }
  if (fstat(ctl->lock_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
    snprintf(err, errlen, "%s is not a regular file of yours: remove it and start again", ctl->lock_path);
    rc = SR_EEXIST;
    goto fail;
  }
  if (flock(ctl->lock_fd, LOCK_EX | LOCK_NB) != 0 || answering(ctl->path)) {
    snprintf(err, errlen,
             "a node is already running in %s (`seurone status` shows it); stop it first with Ctrl-C "
             "or `kill -TERM` on the pid in %s/run.json",
             home, home);
    rc = SR_ERUNNING;
    goto fail;
  }
  if (lstat(ctl->path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      snprintf(err, errlen, "%s exists and is not a socket; move it away and start again", ctl->path);
      rc = SR_EEXIST;
      goto fail;
    }
    unlink(ctl->path); /* stale: left by a node that did not stop cleanly */
  }
  memcpy(sa.sun_path, ctl->path, strlen(ctl->path) + 1);
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
    snprintf(err, errlen, "cannot make a Unix socket: %s", strerror(errno));
    rc = SR_EIO;
    goto fail;
  }
  mode_t old = umask(0177); /* the socket is made 0600 by bind itself */
  rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  /* No chmod by name afterwards, which a link swapped in after the bind
   * could redirect. */
  if (rc != 0 || listen(fd, 64) != 0) {
    snprintf(err, errlen, "cannot listen on %s: %s", ctl->path, strerror(errno));
    if (rc == 0) unlink(ctl->path);
    rc = SR_EIO;
    goto fail;
  }
  uv_pipe_init(loop, &ctl->server, 0);
  ctl->server.data = ctl;
  if ((rc = uv_pipe_open(&ctl->server, fd)) != 0 || (rc = uv_listen((uv_stream_t *)&ctl->server, 64, on_conn)) != 0) {
    snprintf(err, errlen, "cannot listen on %s: %s", ctl->path, uv_strerror(rc));
    unlink(ctl->path);
    close(ctl->lock_fd);
    uv_close((uv_handle_t *)&ctl->server, server_freed); /* closes fd; ctl freed when the loop runs */
    return SR_EIO;
  }
  *out = ctl;
  return 0;
fail:
  if (fd >= 0) close(fd);
  if (ctl->lock_fd >= 0) close(ctl->lock_fd);
  free(ctl);
  return rc;
}

void sr_control_stop(sr_control_t *ctl) {
  if (!ctl) return;
  while (ctl->clients) client_close(ctl->clients);
  unlink(ctl->path);
  if (ctl->lock_fd >= 0) close(ctl->lock_fd); /* releases the lock; the file stays */
  ctl->lock_fd = -1;
  uv_close((uv_handle_t *)&ctl->server, server_freed);
}

/* ---- client ---- */

static int64_t mono_ms(void) { return (int64_t)sr_mono_ms(); }

int sr_control_call(const char *home, json_t *request, json_t **reply_out, int timeout_ms) {
  char path[PATH_CAP];
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  char *req = NULL, *buf = NULL;
  size_t len = 0, cap = 0, sent = 0, n;
  int fd = -1, rc = SR_ECONTROL;
  int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : SR_CONTROL_TIMEOUT_MS);
  *reply_out = NULL;
  sock_path(home, path, sizeof(path));
  if (strlen(path) >= sizeof(sa.sun_path)) return SR_ENONODE; /* no node could listen there */
  memcpy(sa.sun_path, path, strlen(path) + 1);
  if (!(req = json_dumps(request, JSON_COMPACT))) return SR_ENOMEM;
  n = strlen(req);
  if (n > SR_CONTROL_MAX) {
    free(req);
    return SR_ETOOBIG;
  }
  req[n] = '\n'; /* json_dumps left room: overwrite the NUL, length kept in n + 1 */
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
    rc = SR_EIO;
    goto out;
  }
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    /* ENOENT: no socket; ECONNREFUSED: a stale one; EAGAIN: backlog full. */
    rc = errno == EAGAIN ? SR_ETIMEOUT : errno == ENOENT || errno == ECONNREFUSED ? SR_ENONODE : SR_EIO;
    goto out;
  }
  while (sent < n + 1) {
    struct pollfd p = {fd, POLLOUT, 0};
    int64_t left = deadline - mono_ms();
    if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
      rc = SR_ETIMEOUT;
      goto out;
    }
    ssize_t w = send(fd, req + sent, n + 1 - sent, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (w <= 0) {
      rc = SR_ECONTROL; /* the node closed: it answers nothing */
      goto out;
    }
    sent += (size_t)w;
  }
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int64_t left = deadline - mono_ms();
    if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
      rc = SR_ETIMEOUT;
      goto out;
    }
    if (len == cap) {
      if (cap >= SR_CONTROL_REPLY_MAX) {
        rc = SR_ETOOBIG;
        goto out;
      }
      if ((rc = sr_grow((void **)&buf, &cap, cap + 1, 1, 8192))) goto out;
    }
    ssize_t r = recv(fd, buf + len, cap - len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r <= 0) {
      rc = SR_ECONTROL; /* closed before a whole reply line */
      goto out;
    }
    char *nl = memchr(buf + len, '\n', (size_t)r);
    len += (size_t)r;
    if (nl) {
      json_error_t je;
      json_t *o = json_loadb(buf, (size_t)(nl - buf), 0, &je);
      if (json_is_object(o)) {
        *reply_out = o;
        rc = 0;
      } else {
        json_decref(o);
        rc = SR_ECONTROL;
      }
      goto out;
    }
  }
out:
  if (fd >= 0) close(fd);
  free(req);
  free(buf);
  return rc;
}

int sr_control_reply_code(const json_t *reply) {
  if (json_is_true(json_object_get(reply, "ok"))) return 0;
  const char *name = json_string_value(json_object_get(reply, "code"));
  if (name)
    for (int code = -1; code >= -999; code--)
      if (!strcmp(sr_errname(code), name)) return code;
  return SR_ECONTROL;
}

int sr_control_run_info(const char *home, long *pid, char *address, size_t cap) {
  char path[PATH_CAP];
  json_error_t je;
  snprintf(path, sizeof(path), "%s/run.json", home);
  json_t *o = json_load_file(path, 0, &je);
  if (!o) return access(path, F_OK) == 0 ? SR_ECONTROL : SR_ENONODE;
  json_t *jp = json_object_get(o, "pid");
  const char *a = json_string_value(json_object_get(o, "address"));
  int rc = 0;
  if (!json_is_integer(jp) || json_integer_value(jp) <= 0 || !a) rc = SR_ECONTROL;
  else if (kill((pid_t)json_integer_value(jp), 0) != 0 && errno == ESRCH)
    rc = SR_ENONODE;
  else {
    if (pid) *pid = (long)json_integer_value(jp);
    if (address) snprintf(address, cap, "%s", a);
  }
  json_decref(o);
  return rc;
}
