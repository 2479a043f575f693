/* web.h: the web app and its HTTP API (docs/api.md), served by the running node.
 *
 * libmicrohttpd (Debian's libmicrohttpd) parses HTTP and runs the server's
 * threads: one that accepts, and one per connection (at most SR_WEB_CONNS at
 * once). Those threads only read: static files from the web directory, and the
 * store in read transactions of their own (node/view.h). Every change (publish,
 * peer add and remove, invite create) is a control request (node/control.h)
 * handed to the node's loop thread through a queue and a uv_async_t, run
 * through the control socket's own table of handlers, and its reply handed
 * back; the web threads never write the store themselves (invite accept, which
 * redeems the code on a short-lived loop of its own as the CLI does, excepted:
 * node/invite.h). The loop thread never waits for a web thread.
 *
 * Only the owner of the home gets in: HOME/web.token (64 hex, mode 0600, made
 * at the first start) signs the session cookie and the CSRF header (docs/api.md,
 * "Auth").
 */
#ifndef SR_WEB_H
#define SR_WEB_H
#include "core/err.h"
#include "core/key.h"
#include "node/control.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SR_WEB_CONNS 64       /* connections at once (each has its thread) */
#define SR_WEB_STREAMS 16     /* of them, event streams (GET /api/events) */
#define SR_WEB_BODY_MAX 65536 /* a POST body */
#define SR_WEB_TOKEN_BYTES 32 /* HOME/web.token: this many random bytes, as hex */
#define SR_WEB_TOKEN_HEX (2 * SR_WEB_TOKEN_BYTES)
#define SR_WEB_URL_MAX 600    /* http://HOST:PORT/login?token=... */
#define SR_WEB_STATUS_MS 5000 /* an event stream's status event */
#define SR_WEB_PING_MS 15000  /* an event stream's keep-alive comment */
#define SR_WEB_CALL_MS 30000  /* the most a request waits for the loop */

typedef struct sr_web sr_web_t;

/* What the node's status event says (filled on the loop thread). */
typedef struct sr_web_status {
  size_t peers;
  uint64_t entries_in, entries_out;
} sr_web_status_t;
typedef void (*sr_web_status_fn)(void *ctx, sr_web_status_t *out);
/* One log line (any thread: it must be thread-safe). */
typedef void (*sr_web_log_fn)(void *ctx, const char *line);

typedef struct sr_web_opts {
  const char *home;                 /* absolute */
  const char *host;                 /* where to listen: an IP address (a name is refused) */
  uint16_t port;                    /* 0: any free port */
  sr_store_t *store;                /* read from the web threads; outlives sr_web_stop */
  const uint8_t *pk;                /* this node's key */
  const char *address;              /* this node's seurone:// address */
  const uint8_t *netkey;            /* the network key (invite codes) */
  int relay;                        /* the node is a relay */
  uv_loop_t *loop;                  /* the node's loop: writes and status run there */
  const sr_control_handlers_t *ctl; /* the control socket's table (outlives the server) */
  sr_web_status_fn status;          /* every SR_WEB_STATUS_MS on the loop */
  sr_web_log_fn log;
  void *ctx;         /* for status and log */
  const uint8_t *sk; /* the node's key pair (invite accept signs with it); outlives the server */
} sr_web_opts_t;

/* Reads HOME/web.token, making it (mode 0600) when missing, into hex (64
 * lowercase hex digits and a NUL). Never through a link, and a token file
 * others may read is refused (SR_EPERM, with err saying the chmod). Errors:
 * SR_EIO, SR_EPERM, SR_EINVAL (the file holds no token: err says to delete it). */
SR_MUST_USE int sr_web_token(const char *home, int create, char hex[SR_WEB_TOKEN_HEX + 1], char *err, size_t errlen);

/* Starts the server on the loop thread (the web token made if missing, the
 * listening socket bound, libmicrohttpd's threads started, the uv handles on
 * loop). Errors, with a sentence in err: SR_ENETINUSE, SR_ENETNOTAVAIL,
 * SR_ENETACCES, SR_EINVAL (the host is no IP address), SR_EIO (no web
 * directory, the token, or a thread), SR_ENOMEM. Nothing is left on error. */
SR_MUST_USE int sr_web_start(const sr_web_opts_t *o, sr_web_t **out, char *err, size_t errlen);
/* Any thread: a link that signs a browser in once (the session cookie, as
 * /login?token= does), "http://HOST:PORT/login?once=CODE", valid for
 * SR_WEB_ONCE_MS. `seurone ui` opens this one: a browser started by xdg-open
 * keeps its link in its command line, which every user of the machine can read
 * (ps), and a code already used, or expired, opens nothing. 0, or SR_ETOOBIG. */
#define SR_WEB_ONCE_MS 120000
#define SR_WEB_ONCE_MAX 8 /* codes alive at once; a new one replaces the oldest */
SR_MUST_USE int sr_web_once(sr_web_t *w, char *url, size_t cap);
/* "http://HOST:PORT" for a browser on this machine (the port bound). */
const char *sr_web_url(const sr_web_t *w);
/* Loop thread: an entry was stored (received, published, imported): every
 * event stream says so. */
void sr_web_entry(sr_web_t *w, const uint8_t id[SR_ID_BYTES], const uint8_t author[SR_KEY_BYTES], const char *type,
                  size_t type_len);
/* Loop thread, as the node stops, before the store closes: refuses new
 * requests (503), ends the event streams, answers what waits for the loop,
 * stops libmicrohttpd (joins its threads) and closes the uv handles; w is
 * freed once the loop has run their close callbacks. NULL is a no-op. */
void sr_web_stop(sr_web_t *w);

/* For `seurone ui`: the login link of the node running in home,
 * "http://HOST:PORT/login?token=TOKEN" (cap >= SR_WEB_URL_MAX). SR_ENONODE when
 * no node runs there, SR_ENOTFOUND when it runs without the web app (web = off,
 * or its port was taken), else sr_web_token's errors; err says which. */
SR_MUST_USE int sr_web_login_url(const char *home, char *url, size_t cap, char *err, size_t errlen);

#endif
