/* control.h: the node's control socket, HOME/control.sock (mode 0600).
 *
 * Other `seurone` processes on this machine ask the running node to act. One
 * request per connection: the client sends one JSON object and a newline (at most
 * SR_CONTROL_MAX bytes), the node answers one JSON object and a newline, then
 * closes. Requests:
 *   {"cmd":"status"}                          -> {"ok":true, <sr_node_status() keys>}
 *   {"cmd":"peers"}                           -> {"ok":true, "peers":[...]}
 *   {"cmd":"peer_add","address":str}          -> {"ok":true, "address":str}
 *       optional "relay":true (a relay whose invite was accepted), "dial":false
 *       (keep it, dial it at the next start)
 *   {"cmd":"publish","type":str,"content":b64} -> {"ok":true, "id":hex, "seq":n}
 *       content: standard base64 (padded) of one canonical msgpack map
 *   {"cmd":"ingest","entries":[b64,...]}      -> {"ok":true, "results":[{"status",
 *       "id", "why"}, ...]}: stored as by `seurone import`, and forwarded
 *   {"cmd":"invite_create","uses":n}          -> {"ok":true, "secret":hex} (a relay)
 *   {"cmd":"device_add","name"?:str}          -> {"ok":true, "code", "address", "name",
 *       "expires_ms", "valid_s"}: a one-time device code (node/device_ops.h)
 *   {"cmd":"device_list"}                     -> {"ok":true, "person", "self",
 *       "self_device", "devices":[...]}
 *   {"cmd":"device_revoke","device":str}      -> {"ok":true, "device", "name", "upto",
 *       "id", "seq"}: device is a key, a prefix of one, or a name
 *   {"cmd":"web_login"}                       -> {"ok":true, "url":str}: a one-time
 *       link into the web app (node/web.h, sr_web_once), for `seurone ui` to open
 *   {"cmd":"stop"}                            -> {"ok":true}, then the node stops
 *                                                as on SIGTERM
 * Errors: {"ok":false, "error":sentence, "code":"SR_E..."} (sr_errname()).
 *
 * Robustness (the node must never block or fall over because of a client):
 * a request that is not a JSON object with a string "cmd" gets an SR_ECONTROL
 * reply; one longer than SR_CONTROL_MAX without a newline gets an SR_ETOOBIG reply;
 * a client that has not sent its line within SR_CONTROL_TIMEOUT_MS gets an
 * SR_ETIMEOUT reply, and is dropped if it does not read that within another
 * second. At most SR_CONTROL_CLIENTS clients are served at once; more are closed
 * at once. Only "stop" can stop the node.
 *
 * Single instance: the server holds an exclusive lock (flock) on HOME/control.lock
 * for as long as it runs, and a socket file left by a node that died is replaced.
 */
#ifndef SR_CONTROL_H
#define SR_CONTROL_H
#include "core/err.h"
#include "node/control_req.h"
#include <jansson.h>
#include <stddef.h>
#include <uv.h>

#define SR_CONTROL_MAX 65536             /* request line, newline excluded */
#define SR_CONTROL_REPLY_MAX (16u << 20) /* the client refuses longer replies */
#define SR_CONTROL_TIMEOUT_MS 5000
#define SR_CONTROL_CLIENTS 32

typedef struct sr_control sr_control_t;

/* One command's handler, called on the loop thread with a request control_req.c
 * has checked: returns the reply object without "ok" (the socket adds
 * {"ok":true}; NULL when out of memory), or sr_control_fail() for an error,
 * which already holds "ok":false. A handler whose work runs off the loop calls
 * sr_control_later(call), returns NULL, and answers with sr_control_answer(). */
typedef struct sr_control_call sr_control_call_t;
typedef json_t *(*sr_control_fn)(void *ctx, const sr_control_req_t *req, sr_control_call_t *call);
typedef struct {
  sr_ctl_cmd_t cmd;
  sr_control_fn fn;
} sr_control_handler_t;

/* What the socket dispatches to: the owner (the running node, node/daemon.c)
 * registers its handlers, so this file knows no owner. "stop" is the socket's
 * own: it answers {"ok":true} and calls stop(ctx) once that reply is out (stopping
 * closes the socket, which would cancel the reply). table is not copied: it must
 * outlive the socket. */
typedef struct {
  const sr_control_handler_t *table;
  size_t n;
  void *ctx;
  void (*stop)(void *ctx);
} sr_control_handlers_t;

/* The reply to call comes later (the request's timeout no longer runs): the
 * returned token goes to sr_control_answer() exactly once. */
sr_control_call_t *sr_control_later(sr_control_call_t *call);
/* Sends reply (consumed; "ok":true added as for a handler's reply) to a call
 * put off with sr_control_later(); when the client has gone meanwhile (the
 * socket stopped), only frees what is left of it. Loop thread. */
void sr_control_answer(sr_control_call_t *call, json_t *reply);

/* Another front of the running node (the web server, node/web.h) runs its
 * requests through the same table as the socket: sr_control_run() decodes
 * line[0..len) (one request, newline excluded) with the socket's checks and
 * dispatches it to h's handlers, on the loop thread; done(arg, reply) gets the
 * reply ("ok" set as on the socket; done owns it) exactly once, maybe before
 * sr_control_run returns, maybe later (a handler's work off the loop). "stop"
 * is refused here: only the socket stops the node. h must outlive the call. */
typedef void (*sr_control_done_cb)(void *arg, json_t *reply);
void sr_control_run(const sr_control_handlers_t *h, const char *line, size_t len, sr_control_done_cb done, void *arg);

/* Listens on HOME/control.sock on loop, handing requests to the handlers h
 * (copied). Errors, with a sentence in err:
 *   SR_ERUNNING   a node already runs in this home (it answers on the socket or
 *                 holds the lock);
 *   SR_ETOOBIG    HOME/control.sock is longer than a Unix socket path may be;
 *   SR_EEXIST     HOME/control.sock exists and is not a socket;
 *   SR_EIO        the socket could not be made.
 * Nothing is left on the loop on error. */
SR_MUST_USE int sr_control_start(uv_loop_t *loop, const char *home, const sr_control_handlers_t *h, sr_control_t **out,
                                 char *err, size_t errlen);
/* Closes the socket and every client, removes the socket file and releases the
 * lock. c is freed once the loop has run the close callbacks: run the loop after.
 * NULL is a no-op. */
void sr_control_stop(sr_control_t *c);

/* Client side, blocking (plain sockets, no loop): sends request, waits at most
 * timeout_ms in all for the reply, and stores it in *reply (caller owns it; an
 * {"ok":false,...} reply is still a 0 return). Errors: SR_ENONODE (nothing
 * listens in home), SR_ETIMEOUT, SR_ETOOBIG (request over SR_CONTROL_MAX),
 * SR_ECONTROL (the node closed without a reply, or the reply is not a JSON
 * object), SR_EIO. */
SR_MUST_USE int sr_control_call(const char *home, json_t *request, json_t **reply, int timeout_ms);

/* The SR_E* code named by an {"ok":false,"code":...} reply; SR_ECONTROL when the
 * code is missing or unknown, 0 for an ok reply. */
SR_MUST_USE int sr_control_reply_code(const json_t *reply);

/* Reads HOME/run.json (node/daemon.h). 0 when it exists and its pid is a live
 * process (address, cap >= SR_NET_ADDRESS_MAX, receives the node's address with
 * the port it bound; pid may be NULL); SR_ENONODE when there is no such file or
 * its process is gone (a node killed with SIGKILL leaves a stale one); SR_ECONTROL
 * when it is malformed. */
SR_MUST_USE int sr_control_run_info(const char *home, long *pid, char *address, size_t cap);

#endif
