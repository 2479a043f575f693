/* web_internal.h: what the files of the web server share (private to node/;
 * web.h is the public face). One file one job:
 *   web.c         lifecycle (socket, libmicrohttpd, uv handles) and the request
 *                 callback: Host check, body, routing to the three below;
 *   web_http.c    responses: the headers every response carries, JSON, errors,
 *                 query arguments, the status of an SR_E* code;
 *   web_auth.c    the token, the session cookie, /login, Bearer, CSRF, Origin, Host;
 *   web_static.c  the web directory and its files;
 *   web_api.c     the table of /api/ routes and the reads (node/view.h);
 *   web_write.c   the changes: each a control request run on the loop;
 *   web_loop.c    the queue from the web threads into the loop thread;
 *   web_events.c  GET /api/events (Server-Sent Events) and what feeds it;
 *   web_qr.c      POST /api/qr: a QR code drawn as SVG (libqrencode);
 *   web_devices.c the person's devices: list, add, revoke (control requests).
 * Threads: everything here runs on libmicrohttpd's threads, except what says
 * "loop thread" (start, stop, the async and timer callbacks, sr_web_entry).
 */
#ifndef SR_WEB_INTERNAL_H
#define SR_WEB_INTERNAL_H
#include "net/address.h"
#include "node/web.h"
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>

#define SR_WEB_RING 256      /* entry events kept for the streams */
#define SR_WEB_HOSTS 4       /* Host header values accepted */
#define SR_WEB_ONCE_BYTES 16 /* a one-time login code: this many random bytes, as hex */
#define SR_WEB_ONCE_HEX (2 * SR_WEB_ONCE_BYTES)
/* The CSRF value, and the MAC in the session cookie: an HMAC-SHA256 of the token, as hex. */
#define SR_WEB_MAC_HEX (2 * crypto_auth_hmacsha256_BYTES)
/* A session cookie ("T.MAC", web_auth.c) lasts this long after it was given;
 * one older than SR_WEB_RENEW_S is given anew with the next API answer, so a
 * browser in use stays signed in and a copied cookie left unused dies. */
#define SR_WEB_SESSION_S (14 * 24 * 3600)
#define SR_WEB_RENEW_S (24 * 3600)
#define SR_WEB_SESSION_SKEW_S 300 /* a session "opened" this far in the future: a clock set back */
#define SR_WEB_SESSION_TEXT (21 + 1 + SR_WEB_MAC_HEX + 1)

typedef struct sr_web_job sr_web_job_t;

typedef struct sr_web_event {
  uint8_t id[SR_ID_BYTES], author[SR_KEY_BYTES];
  char type[SR_TYPE_MAX + 1];
} sr_web_event_t;

/* What signs a browser in. Its own guarded allocation (sodium_malloc: locked
 * where the system allows, never in a core dump, wiped when freed), as the
 * node's secret key is: a core of a crashed node must not open its web app. */
typedef struct sr_web_secrets {
  char token[SR_WEB_TOKEN_HEX + 1]; /* never logged */
  char csrf[SR_WEB_MAC_HEX + 1];    /* hex HMAC-SHA256(token, "csrf") */
  struct {
    char code[SR_WEB_ONCE_HEX + 1]; /* "" when free */
    uint64_t until_ms;              /* monotonic */
  } once[SR_WEB_ONCE_MAX];          /* one-time login codes (web_auth.c), under omu */
} sr_web_secrets_t;

struct sr_web {
  struct MHD_Daemon *mhd;
  char home[4096];
  sr_store_t *store;
  uint8_t pk[SR_KEY_BYTES], netkey[SR_NET_NETKEY_BYTES];
  const uint8_t *sk; /* the node's, in its guarded memory (sr_web_opts_t) */
  char pk_hex[SR_HEX_KEY_LEN + 1];
  char address[400];
  int relay;
  char lang[16]; /* the node's language ($LANG's first part), "" when none */
  const sr_control_handlers_t *ctl;
  sr_web_status_fn status_fn;
  sr_web_log_fn log_fn;
  void *ctx;
  char webdir[4096]; /* realpath of the web directory */
  int listen_fd;     /* handed to libmicrohttpd, which closes it */
  uint16_t port;
  char url[300];                 /* http://HOST:PORT */
  char hosts[SR_WEB_HOSTS][300]; /* Host values accepted: HOST:PORT forms */
  int any_ip_host;               /* bound to a wildcard: any IP literal with the port */
  sr_web_secrets_t *sec;         /* sodium_malloc'd: kept out of swap and core dumps */
  pthread_mutex_t omu;
  atomic_int stopping;
  /* the queue into the loop (web_loop.c) */
  uv_loop_t *loop;
  uv_async_t async;
  uv_timer_t status_timer;
  int handles; /* uv handles not yet closed; w is freed at 0 after stop */
  pthread_mutex_t qmu;
  sr_web_job_t *qhead, *qtail;
  /* the event streams (web_events.c), under emu */
  pthread_mutex_t emu;
  pthread_cond_t ecv; /* CLOCK_MONOTONIC */
  sr_web_event_t ring[SR_WEB_RING];
  uint64_t ehead;      /* events ever put in the ring */
  uint64_t status_gen; /* status snapshots taken */
  sr_web_status_t status;
  int streams;
};

/* One request, from its first callback to its end (libmicrohttpd's con_cls). */
typedef struct sr_web_req {
  sr_web_t *w;
  struct MHD_Connection *conn;
  const char *url, *method;
  int next;   /* what the last callback does (web.c) */
  int route;  /* index in the route table (web_api.c) */
  char *body; /* POST body so far */
  size_t len, cap;
  int too_big;               /* the body passed SR_WEB_BODY_MAX: 413 at its end */
  json_t *json;              /* the parsed body of a POST */
  json_t *out;               /* the reply document */
  struct MHD_Response *resp; /* a reply that is not JSON (an SVG, an event stream) */
  int renew;                 /* the session cookie is old: its answer gives a new one */
} sr_web_req_t;

/* ---- web_http.c ---- */
/* Adds the headers every response carries (docs/api.md): CSP, nosniff,
 * Referrer-Policy, frame options; api adds Cache-Control: no-store. */
void sr_web_headers(struct MHD_Response *resp, int api);
/* Queues resp with status (the headers added) and drops our reference. */
enum MHD_Result sr_web_queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp, int api);
/* doc (consumed) as a JSON response with its Content-Type, or NULL (no memory). */
struct MHD_Response *sr_web_json_response(json_t *doc);
/* Queues doc (consumed) as JSON with status. */
enum MHD_Result sr_web_json(struct MHD_Connection *c, unsigned status, json_t *doc);
/* Queues {"ok":false, "error":msg, "code":sr_errname(code)} with status. */
enum MHD_Result sr_web_error(struct MHD_Connection *c, unsigned status, int code, const char *msg);
/* Sets r->out to the error document and returns status (for route handlers). */
unsigned sr_web_fail(sr_web_req_t *r, unsigned status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The HTTP status for an SR_E* code an operation failed with. */
unsigned sr_web_status_of(int code);
/* A query argument, or NULL when absent. */
const char *sr_web_arg(const sr_web_req_t *r, const char *name);
/* A request header, or NULL. */
const char *sr_web_header(const sr_web_req_t *r, const char *name);
/* Logs a line through the node's logger. */
void sr_web_log(sr_web_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- web_auth.c ---- */
/* Derives the CSRF value from w->token. */
SR_MUST_USE int sr_web_auth_init(sr_web_t *w);
/* The Set-Cookie value of a session opened now. Errors: SR_ETOOBIG (cap). */
SR_MUST_USE int sr_web_session_cookie(const sr_web_t *w, char *out, size_t cap);
/* 1 when the Host header is one this server answers to (DNS rebinding). */
int sr_web_host_ok(const sr_web_req_t *r);
/* 1 when the request carries a live session cookie (r->renew set when it is
 * old) or the Bearer token. */
int sr_web_authed(sr_web_req_t *r);
/* For a POST: 0, or a 403 sentence in why (CSRF header, Origin). */
int sr_web_post_ok(const sr_web_req_t *r, const char **why);
/* GET /login?token=TOKEN, or ?once=CODE (sr_web_once). */
enum MHD_Result sr_web_login(sr_web_req_t *r);

/* ---- web_static.c ---- */
/* Finds the web directory (docs/api.md, "Static files") into w->webdir. */
SR_MUST_USE int sr_web_static_init(sr_web_t *w, char *err, size_t errlen);
enum MHD_Result sr_web_static(sr_web_req_t *r);

/* ---- web_api.c ---- */
typedef unsigned (*sr_web_route_fn)(sr_web_req_t *r);
typedef struct sr_web_route {
  const char *method, *path;
  sr_web_route_fn fn;
} sr_web_route_t;
/* The route of (method, path): its index, -404 (no such path) or -405 (the
 * path takes another method: allow gets the one it takes). */
int sr_web_route_find(const char *method, const char *path, const char **allow);
const sr_web_route_t *sr_web_route(int i);
/* Reads and answers of web_api.c, changes of web_write.c (route handlers). */
unsigned sr_web_get_session(sr_web_req_t *r);
unsigned sr_web_get_id(sr_web_req_t *r);
unsigned sr_web_get_status(sr_web_req_t *r);
unsigned sr_web_get_address(sr_web_req_t *r);
unsigned sr_web_get_peers(sr_web_req_t *r);
unsigned sr_web_get_feed(sr_web_req_t *r);
unsigned sr_web_get_log(sr_web_req_t *r);
unsigned sr_web_get_people(sr_web_req_t *r);
unsigned sr_web_get_person(sr_web_req_t *r);
unsigned sr_web_get_projects(sr_web_req_t *r);
unsigned sr_web_get_project(sr_web_req_t *r);
unsigned sr_web_get_graph(sr_web_req_t *r);
unsigned sr_web_get_flow_entry(sr_web_req_t *r);
unsigned sr_web_get_neighbourhood(sr_web_req_t *r);
unsigned sr_web_post_peer_add(sr_web_req_t *r);
unsigned sr_web_post_peer_remove(sr_web_req_t *r);
unsigned sr_web_post_publish(sr_web_req_t *r);
unsigned sr_web_post_invite_create(sr_web_req_t *r);
unsigned sr_web_post_invite_accept(sr_web_req_t *r);
unsigned sr_web_post_qr(sr_web_req_t *r);
unsigned sr_web_get_events(sr_web_req_t *r);
unsigned sr_web_get_devices(sr_web_req_t *r);
unsigned sr_web_post_device_add(sr_web_req_t *r);
unsigned sr_web_post_device_revoke(sr_web_req_t *r);
/* web_members.c: a relay's members and invites */
unsigned sr_web_get_members(sr_web_req_t *r);
unsigned sr_web_get_invite_list(sr_web_req_t *r);
unsigned sr_web_post_member_remove(sr_web_req_t *r);
unsigned sr_web_post_invite_revoke(sr_web_req_t *r);

/* ---- web_loop.c ---- */
/* Loop thread: the async handle and the queue. */
SR_MUST_USE int sr_web_loop_init(sr_web_t *w);
/* Loop thread: answers every queued request with SR_ENONODE (the node stops). */
void sr_web_loop_drain(sr_web_t *w);
/* Runs the control request req (consumed) on the loop thread and waits for
 * its reply: 0 with *reply set (ok or not; the caller owns it), SR_ENONODE when
 * the node stops meanwhile, SR_ETIMEOUT after SR_WEB_CALL_MS, SR_ENOMEM. */
SR_MUST_USE int sr_web_call(sr_web_t *w, json_t *req, json_t **reply);
/* For a reply of sr_web_call with ok false: sets r->out and returns the
 * status for its code. */
unsigned sr_web_refused(sr_web_req_t *r, json_t *reply);
/* sr_web_call for a handler: 0 with *reply an ok reply (the caller owns it),
 * else the HTTP status with r->out set (no answer, or a refusal) and *reply NULL. */
unsigned sr_web_call_ok(sr_web_req_t *r, json_t *req, json_t **reply);

/* ---- web_events.c ---- */
/* Loop thread: the status timer's callback. */
void sr_web_events_tick(uv_timer_t *t);
/* Wakes every stream (the node stops). */
void sr_web_events_wake(sr_web_t *w);

#endif
