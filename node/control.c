/* control.c: the control socket (see control.h). Server on the node's libuv loop;
 * client with plain blocking sockets for the CLI. */
#include "node/control.h"
#include "core/core.h"
#include "node/daemon.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct sr_control {
  uv_pipe_t server;
  struct sr_node *node;
  char path[4200];
  struct client *clients;
};

typedef struct client {
  uv_pipe_t pipe;
  uv_timer_t timer;
  sr_control_t *ctl;
  char *buf;
  size_t len;
  int closing, handles;
  struct client *next, *prev;
} client_t;

static void sock_path(const char *home, char *out, size_t cap) { snprintf(out, cap, "%s/control.sock", home); }

static void client_freed(uv_handle_t *h) {
  client_t *c = h->data;
  if (--c->handles == 0) {
    free(c->buf);
    free(c);
  }
}

static void client_close(client_t *c) {
  if (c->closing) return;
  c->closing = 1;
  if (c->prev) c->prev->next = c->next;
  else c->ctl->clients = c->next;
  if (c->next) c->next->prev = c->prev;
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->timer, client_freed);
  uv_close((uv_handle_t *)&c->pipe, client_freed);
}

static void after_write(uv_write_t *w, int status) {
  client_t *c = w->data;
  (void)status;
  free(w);
  client_close(c);
}

static void reply(client_t *c, json_t *r) {
  char *s = json_dumps(r, JSON_COMPACT);
  json_decref(r);
  size_t n = s ? strlen(s) : 0;
  uv_write_t *w = malloc(sizeof(*w) + n + 1);
  if (!s || !w) {
    free(s);
    free(w);
    client_close(c);
    return;
  }
  char *data = (char *)(w + 1);
  memcpy(data, s, n);
  data[n] = '\n';
  free(s);
  w->data = c;
  uv_buf_t b = uv_buf_init(data, (unsigned)n + 1);
  uv_read_stop((uv_stream_t *)&c->pipe);
  if (uv_write(w, (uv_stream_t *)&c->pipe, &b, 1, after_write) != 0) {
    free(w);
    client_close(c);
  }
}

static json_t *fail(int code, const char *msg) {
  return json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg, "code", sr_errname(code));
}

static json_t *dispatch(sr_control_t *ctl, json_t *req) {
  const char *cmd = json_string_value(json_object_get(req, "cmd"));
  char err[600] = "";
  if (!cmd) return fail(SR_ECONTROL, "the request has no \"cmd\"");
  if (!strcmp(cmd, "status")) {
    json_t *s = sr_node_status(ctl->node);
    json_object_set_new(s, "ok", json_true());
    return s;
  }
  if (!strcmp(cmd, "peers")) return json_pack("{s:b, s:o}", "ok", 1, "peers", sr_node_peers(ctl->node));
  if (!strcmp(cmd, "peer_add")) {
    const char *addr = json_string_value(json_object_get(req, "address"));
    if (!addr) return fail(SR_ECONTROL, "peer_add needs \"address\"");
    int rc = sr_node_peer_add(ctl->node, addr, err, sizeof(err));
    return rc ? fail(rc, err) : json_pack("{s:b, s:s}", "ok", 1, "address", addr);
  }
  if (!strcmp(cmd, "publish")) {
    const char *type = json_string_value(json_object_get(req, "type"));
    const char *b64 = json_string_value(json_object_get(req, "content"));
    uint8_t content[SR_ENTRY_MAX], id[32];
    size_t clen;
    uint64_t seq;
    char hex[65];
    if (!type || !b64 || sodium_base642bin(content, sizeof(content), b64, strlen(b64), NULL, &clen, NULL,
                                           sodium_base64_VARIANT_ORIGINAL) != 0)
      return fail(SR_ECONTROL, "publish needs \"type\" and \"content\" (base64 of a canonical map)");
    int rc = sr_node_publish(ctl->node, type, content, clen, id, &seq, err, sizeof(err));
    if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
    sr_hex_encode(id, 32, hex);
    return json_pack("{s:b, s:s, s:I}", "ok", 1, "id", hex, "seq", (json_int_t)seq);
  }
  if (!strcmp(cmd, "stop")) {
    sr_node_stop(ctl->node);
    return json_pack("{s:b}", "ok", 1);
  }
  snprintf(err, sizeof(err), "unknown command '%.100s'", cmd);
  return fail(SR_ECONTROL, err);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  client_t *c = h->data;
  (void)suggested;
  size_t room = SR_CONTROL_MAX + 1 - c->len;
  *b = uv_buf_init(c->buf + c->len, (unsigned)room);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  client_t *c = s->data;
  (void)b;
  if (n < 0) {
    client_close(c);
    return;
  }
  c->len += (size_t)n;
  char *nl = memchr(c->buf, '\n', c->len);
  if (!nl) {
    if (c->len > SR_CONTROL_MAX) reply(c, fail(SR_ECONTROL, "request larger than 64 KiB"));
    return;
  }
  *nl = '\0';
  json_error_t je;
  json_t *req = json_loads(c->buf, 0, &je);
  if (!req || !json_is_object(req)) {
    json_decref(req);
    reply(c, fail(SR_ECONTROL, "the request is not a JSON object"));
    return;
  }
  json_t *r = dispatch(c->ctl, req);
  json_decref(req);
  reply(c, r);
}

static void on_client_timeout(uv_timer_t *t) { client_close(t->data); }

static void on_conn(uv_stream_t *server, int status) {
  sr_control_t *ctl = server->data;
  if (status < 0) return;
  client_t *c = calloc(1, sizeof(*c));
  if (!c || !(c->buf = malloc(SR_CONTROL_MAX + 1))) {
    free(c);
    return;
  }
  c->ctl = ctl;
  uv_pipe_init(server->loop, &c->pipe, 0);
  uv_timer_init(server->loop, &c->timer);
  c->pipe.data = c->timer.data = c;
  c->handles = 2;
  c->next = ctl->clients;
  if (ctl->clients) ctl->clients->prev = c;
  ctl->clients = c;
  if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
    client_close(c);
    return;
  }
  uv_timer_start(&c->timer, on_client_timeout, SR_CONTROL_TIMEOUT_MS, 0);
  uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

/* Fills sa with path; 0, or SR_ETOOBIG when it does not fit a Unix socket address. */
static int un_addr(struct sockaddr_un *sa, const char *path) {
  size_t n = strlen(path);
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  if (n >= sizeof(sa->sun_path)) return SR_ETOOBIG;
  memcpy(sa->sun_path, path, n + 1);
  return 0;
}

/* Is a node answering on path? */
static int answering(const char *path) {
  struct sockaddr_un sa;
  if (un_addr(&sa, path)) return 0;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;
  ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

int sr_control_start(uv_loop_t *loop, const char *home, struct sr_node *node, sr_control_t **out, char *err,
                     size_t errlen) {
  sr_control_t *ctl = calloc(1, sizeof(*ctl));
  int rc;
  if (!ctl) return SR_ENOMEM;
  sock_path(home, ctl->path, sizeof(ctl->path));
  if (strlen(ctl->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    snprintf(err, errlen, "the home path is too long for a Unix socket (%s); use a shorter --home", ctl->path);
    free(ctl);
    return SR_ETOOBIG;
  }
  if (answering(ctl->path)) {
    snprintf(err, errlen, "a node is already running in %s (stop it first: `seurone status` shows it)", home);
    free(ctl);
    return SR_ERUNNING;
  }
  unlink(ctl->path); /* stale socket of a node that did not stop cleanly */
  ctl->node = node;
  uv_pipe_init(loop, &ctl->server, 0);
  ctl->server.data = ctl;
  mode_t old = umask(0077);
  rc = uv_pipe_bind(&ctl->server, ctl->path);
  umask(old);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&ctl->server, 16, on_conn);
  if (rc) {
    snprintf(err, errlen, "cannot listen on %s: %s", ctl->path, uv_strerror(rc));
    uv_close((uv_handle_t *)&ctl->server, NULL);
    *out = NULL;
    /* ctl is freed by the caller's loop run? keep it simple: leak-free by closing synchronously below */
    uv_run(loop, UV_RUN_NOWAIT);
    free(ctl);
    return SR_EIO;
  }
  chmod(ctl->path, 0600);
  *out = ctl;
  return 0;
}

static void server_freed(uv_handle_t *h) { free(h->data); }

void sr_control_stop(sr_control_t *ctl) {
  if (!ctl) return;
  while (ctl->clients) client_close(ctl->clients);
  unlink(ctl->path);
  uv_close((uv_handle_t *)&ctl->server, server_freed);
}

int sr_control_call(const char *home, json_t *request, json_t **reply_out, int timeout_ms) {
  char path[4200], buf[SR_CONTROL_MAX + 2];
  struct sockaddr_un sa;
  size_t len = 0;
  int fd, rc = SR_ECONTROL;
  *reply_out = NULL;
  sock_path(home, path, sizeof(path));
  if (un_addr(&sa, path)) return SR_ENONODE;
  if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) return SR_EIO;
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return SR_ENONODE;
  }
  char *s = json_dumps(request, JSON_COMPACT);
  if (!s) { close(fd); return SR_ENOMEM; }
  size_t n = strlen(s);
  s[n] = '\0';
  int wok = write(fd, s, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
  free(s);
  while (wok) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
    if (memchr(buf, '\n', len)) {
      buf[len] = '\0';
      json_error_t je;
      *reply_out = json_loads(buf, JSON_DISABLE_EOF_CHECK, &je);
      rc = *reply_out ? 0 : SR_ECONTROL;
      break;
    }
  }
  close(fd);
  return rc;
}
