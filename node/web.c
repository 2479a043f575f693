/* web.c: the web server's lifecycle and its request callback (web.h).
 *
 * libmicrohttpd runs a thread that accepts and one thread per connection
 * (MHD_USE_THREAD_PER_CONNECTION, at most SR_WEB_CONNS): a request may wait
 * for the loop (a change) or stream events for hours without holding up any
 * other, and the number of threads stays bounded. The listening socket is
 * made here, so a bind that fails says why as the node's listener does.
 *
 * One request's checks, in order (docs/api.md): the node is not stopping
 * (503); the Host header names this server (403); then /login, a static file,
 * or /api/: the session cookie or Bearer token (401), the route (404) and its
 * method (405); for a POST the CSRF header and Origin (403), the content type
 * (415), the size announced (413), then, once the body is in, its size (413)
 * and its JSON (400). Only then does a route's handler run.
 */
#include "node/web_internal.h"
#include "node/http_listen.h"
#include "core/core.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define DISCARD_MAX (1u << 20) /* a body over the limit is read this far for its 413, then dropped */
#define IDLE_S 30              /* a connection silent this long is closed (event streams ping sooner) */

/* What the request's last callback does (sr_web_req_t.next). */
enum { NEXT_NONE, NEXT_LOGIN, NEXT_STATIC, NEXT_GET, NEXT_POST };

/* ---- the request callback ---- */

static enum MHD_Result reply(sr_web_req_t *r, unsigned status) {
  struct MHD_Response *resp = r->resp;
  char cookie[200];
  r->resp = NULL;
  if (!resp) {
    json_t *out = r->out;
    r->out = NULL;
    if (!out) out = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "no reply", "code", sr_errname(SR_ENOMEM));
    resp = sr_web_json_response(out);
  }
  if (resp && r->renew && sr_web_session_cookie(r->w, cookie, sizeof(cookie)) == 0) {
    MHD_add_response_header(resp, "Set-Cookie", cookie);
    sodium_memzero(cookie, sizeof(cookie));
  }
  return sr_web_queue(r->conn, status, resp, 1);
}

static int is_json_type(const char *ct) {
  static const char want[] = "application/json";
  if (!ct || strncasecmp(ct, want, sizeof(want) - 1)) return 0;
  ct += sizeof(want) - 1;
  return *ct == '\0' || *ct == ';' || *ct == ' ';
}

static enum MHD_Result method_not_allowed(sr_web_req_t *r, const char *allow, int api) {
  char msg[120];
  snprintf(msg, sizeof(msg), "%s takes %s only", r->url, allow);
  if (api) {
    r->out = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg, "code", sr_errname(SR_EINVAL));
  } else {
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "Allow", allow);
    return sr_web_queue(r->conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp, 0);
  }
  char *s = json_dumps(r->out, JSON_COMPACT);
  json_decref(r->out);
  r->out = NULL;
  struct MHD_Response *resp = s ? MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE) : NULL;
  if (!resp) {
    free(s);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
  MHD_add_response_header(resp, "Allow", allow);
  return sr_web_queue(r->conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp, 1);
}

/* The headers are in: everything that can be decided before the body. */
static enum MHD_Result first(sr_web_req_t *r) {
  int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
  const char *allow = NULL, *why = NULL;
  if (atomic_load(&r->w->stopping)) return sr_web_error(r->conn, 503, SR_ENONODE, "the node is stopping");
  if (!sr_web_host_ok(r))
    return sr_web_error(r->conn, 403, SR_EAUTH,
                        "this server answers only to its own address (the Host header names another)");
  if (!strcmp(r->url, "/login")) {
    if (!get) return method_not_allowed(r, "GET", 0);
    r->next = NEXT_LOGIN;
    return MHD_YES;
  }
  if (strncmp(r->url, "/api/", 5) && strcmp(r->url, "/api")) {
    if (!get) return method_not_allowed(r, "GET, HEAD", 0);
    r->next = NEXT_STATIC;
    return MHD_YES;
  }
  if (!sr_web_authed(r)) return sr_web_error(r->conn, 401, SR_EAUTH, sr_strerror(SR_EAUTH));
  r->route = sr_web_route_find(r->method, r->url, &allow);
  if (r->route == -404)
    return sr_web_error(r->conn, 404, SR_ENOTFOUND, "no such API endpoint (docs/api.md lists them)");
  if (r->route == -405) return method_not_allowed(r, allow, 1);
  if (strcmp(r->method, "POST")) {
    r->next = NEXT_GET;
    return MHD_YES;
  }
  if (sr_web_post_ok(r, &why)) return sr_web_error(r->conn, 403, SR_EAUTH, why);
  if (!is_json_type(sr_web_header(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
    return sr_web_error(r->conn, 415, SR_EINVAL, "a POST body is JSON: send Content-Type: application/json");
  const char *cl = sr_web_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl && strtoull(cl, NULL, 10) > SR_WEB_BODY_MAX)
    return sr_web_error(r->conn, 413, SR_ETOOBIG, "a POST body is at most 64 KiB");
  r->next = NEXT_POST;
  return MHD_YES;
}

static enum MHD_Result body_add(sr_web_req_t *r, const char *data, size_t n) {
  if (r->too_big || r->len + n > SR_WEB_BODY_MAX) {
    r->too_big = 1;
    r->len += n;
    return r->len > DISCARD_MAX ? MHD_NO : MHD_YES; /* past that, only the connection is dropped */
  }
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap : 4096;
    while (cap < r->len + n) cap *= 2;
    char *b = realloc(r->body, cap);
    if (!b) return MHD_NO;
    r->body = b;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  return MHD_YES;
}

/* The whole body is in. */
static enum MHD_Result finish(sr_web_req_t *r) {
  json_error_t je;
  if (r->too_big) return sr_web_error(r->conn, 413, SR_ETOOBIG, "a POST body is at most 64 KiB");
  if (!(r->json = json_loadb(r->body ? r->body : "", r->len, JSON_REJECT_DUPLICATES, &je)) || !json_is_object(r->json))
    return sr_web_error(r->conn, 400, SR_EINVAL,
                        r->json ? "the body must be a JSON object" : "the body is not JSON (one object, UTF-8)");
  if (atomic_load(&r->w->stopping)) return sr_web_error(r->conn, 503, SR_ENONODE, "the node is stopping");
  return reply(r, sr_web_route(r->route)->fn(r));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  sr_web_req_t *r = *con_cls;
  (void)version;
  if (!r) {
    if (!(r = calloc(1, sizeof(*r)))) return MHD_NO;
    r->w = cls;
    r->conn = c;
    r->route = -1;
    *con_cls = r;
    r->url = url;
    r->method = method;
    return first(r);
  }
  r->url = url;
  r->method = method;
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    /* a body where none is read (a GET's): dropped */
    return r->next == NEXT_POST ? body_add(r, upload, n) : MHD_YES;
  }
  /* Answered here, not in the first call: libmicrohttpd keeps the
   * connection alive only for a response queued once the request is in. */
  int next = r->next;
  r->next = NEXT_NONE;
  switch (next) {
    case NEXT_LOGIN:
      return sr_web_login(r);
    case NEXT_STATIC:
      return sr_web_static(r);
    case NEXT_GET:
      return reply(r, sr_web_route(r->route)->fn(r));
    case NEXT_POST:
      return finish(r);
    default:
      return MHD_NO;
  }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why) {
  sr_web_req_t *r = *con_cls;
  (void)cls;
  (void)c;
  (void)why;
  if (!r) return;
  free(r->body);
  json_decref(r->json);
  json_decref(r->out);
  if (r->resp) MHD_destroy_response(r->resp);
  free(r);
  *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
  char line[600];
  size_t n;
  vsnprintf(line, sizeof(line), fmt, ap);
  n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  /* Never a secret in the log, whatever the library quotes. */
  if (strstr(line, "token") || strstr(line, "sr_session") || strstr(line, "Bearer")) return;
  sr_web_log(cls, "web: %s", line);
}

/* ---- start and stop ---- */

static void handle_closed(uv_handle_t *h) {
  sr_web_t *w = h->data;
  if (--w->handles) return;
  pthread_mutex_destroy(&w->qmu);
  pthread_mutex_destroy(&w->emu);
  pthread_mutex_destroy(&w->omu);
  pthread_cond_destroy(&w->ecv);
  sodium_free(w->sec); /* wipes it */
  free(w);
}

/* Binds host:port (an IP address; "localhost" is 127.0.0.1), listening. */
static int bind_listen(sr_web_t *w, const char *host, uint16_t port, int *v6, char *err, size_t errlen) {
  char why[300];
  if (!strcmp(host, "localhost")) host = "127.0.0.1";
  int rc = sr_http_listen(host, port, 64, &w->listen_fd, v6, &w->port, why, sizeof(why));
  if (rc == SR_EINVAL) snprintf(err, errlen, "web host %s (127.0.0.1 for this machine only)", why);
  else if (rc)
    snprintf(err, errlen, "%s", why);
  return rc;
}

/* The URL a browser here opens, and the Host values accepted. */
static void names(sr_web_t *w, const char *host, int v6) {
  int wildcard = !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
  const char *here = wildcard ? (v6 ? "::1" : "127.0.0.1") : !strcmp(host, "localhost") ? "127.0.0.1" : host;
  int n = 0;
  snprintf(w->url, sizeof(w->url), v6 ? "http://[%s]:%u" : "http://%s:%u", here, w->port);
  snprintf(w->hosts[n++], sizeof(w->hosts[0]), v6 ? "[%s]:%u" : "%s:%u", here, w->port);
  snprintf(w->hosts[n++], sizeof(w->hosts[0]), "localhost:%u", w->port);
  if (strcmp(here, "127.0.0.1") && !v6) snprintf(w->hosts[n++], sizeof(w->hosts[0]), "127.0.0.1:%u", w->port);
  /* Bound to every address: any IP literal reaches it, and no name can be rebound to one. */
  w->any_ip_host = wildcard;
}

/* The node's language for the page's first guess, from the environment. */
static void language(sr_web_t *w) {
  const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"}, *v = NULL;
  size_t n = 0;
  for (int i = 0; i < 3 && !(v && *v); i++) v = getenv(vars[i]);
  if (!v || !*v || !strcmp(v, "C") || !strncmp(v, "C.", 2) || !strcmp(v, "POSIX")) return;
  while (n < sizeof(w->lang) - 1 && ((v[n] >= 'a' && v[n] <= 'z') || (v[n] >= 'A' && v[n] <= 'Z'))) n++;
  memcpy(w->lang, v, n);
  w->lang[n] = '\0';
}

int sr_web_start(const sr_web_opts_t *o, sr_web_t **out, char *err, size_t errlen) {
  sr_web_t *w = calloc(1, sizeof(*w));
  pthread_condattr_t ca;
  char why[4600];
  int rc, v6 = 0;
  *out = NULL;
  if (errlen) err[0] = '\0'; /* every failure below says why, even one that only has a code */
  if (!w || !(w->sec = sodium_malloc(sizeof(*w->sec)))) {
    free(w);
    snprintf(err, errlen, "%s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  sodium_memzero(w->sec, sizeof(*w->sec));
  w->listen_fd = -1;
  snprintf(w->home, sizeof(w->home), "%s", o->home);
  w->store = o->store;
  memcpy(w->pk, o->pk, SR_KEY_BYTES);
  w->sk = o->sk;
  sr_hex_encode(o->pk, SR_KEY_BYTES, w->pk_hex);
  memcpy(w->netkey, o->netkey, SR_NET_NETKEY_BYTES);
  snprintf(w->address, sizeof(w->address), "%s", o->address);
  w->relay = o->relay;
  w->ctl = o->ctl;
  w->status_fn = o->status;
  w->log_fn = o->log;
  w->ctx = o->ctx;
  w->loop = o->loop;
  language(w);
  if ((rc = sr_web_token(o->home, 1, w->sec->token, err, errlen)) || (rc = sr_web_auth_init(w))) goto fail_free;
  if (sr_web_static_init(w, why, sizeof(why))) sr_web_log(w, "web: warning: %s; only the API is served", why);
  if ((rc = bind_listen(w, o->host, o->port, &v6, err, errlen))) goto fail_free;
  names(w, o->host, v6);
  pthread_mutex_init(&w->emu, NULL);
  pthread_mutex_init(&w->omu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&w->ecv, &ca);
  pthread_condattr_destroy(&ca);
  if ((rc = sr_web_loop_init(w))) {
    snprintf(err, errlen, "cannot start the web server's queue");
    close(w->listen_fd);
    pthread_mutex_destroy(&w->emu);
    pthread_mutex_destroy(&w->omu);
    pthread_cond_destroy(&w->ecv);
    goto fail_free;
  }
  uv_timer_init(w->loop, &w->status_timer);
  w->status_timer.data = w;
  w->handles++;
  w->mhd = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0), 0,
      NULL, NULL, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w, MHD_OPTION_LISTEN_SOCKET, w->listen_fd,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)SR_WEB_CONNS, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_S,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_END);
  if (!w->mhd) {
    snprintf(err, errlen, "libmicrohttpd could not start its threads");
    close(w->listen_fd);
    atomic_store(&w->stopping, 1);
    uv_close((uv_handle_t *)&w->status_timer, handle_closed);
    uv_close((uv_handle_t *)&w->async, handle_closed); /* w freed when the loop runs */
    return SR_EIO;
  }
  /* The first status at once, then every SR_WEB_STATUS_MS. */
  uv_timer_start(&w->status_timer, sr_web_events_tick, 0, SR_WEB_STATUS_MS);
  *out = w;
  return 0;
fail_free:
  sodium_free(w->sec);
  free(w);
  if (errlen && !err[0]) snprintf(err, errlen, "%s", sr_strerror(rc));
  return rc;
}

const char *sr_web_url(const sr_web_t *w) { return w->url; }

void sr_web_stop(sr_web_t *w) {
  if (!w) return;
  sr_web_loop_drain(w); /* sets stopping: nothing more is queued */
  sr_web_events_wake(w);
  /* Joins every connection's thread: a stream sees stopping, a request
   * waiting for the loop gives up within its slice, a read ends. */
  MHD_stop_daemon(w->mhd);
  w->mhd = NULL;
  uv_timer_stop(&w->status_timer);
  uv_close((uv_handle_t *)&w->status_timer, handle_closed);
  uv_close((uv_handle_t *)&w->async, handle_closed);
}
