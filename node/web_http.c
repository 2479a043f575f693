/* web_http.c: the responses of the web server (docs/api.md, "Conventions"):
 * the headers every one carries, JSON documents and errors, and the status
 * an SR_E* code maps to. */
#include "node/web_internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No script, style, image or connection from anywhere but the node itself. */
#define CSP                                                                                                            \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri "       \
  "'none'; form-action 'self'; frame-ancestors 'none'"

void sr_web_headers(struct MHD_Response *resp, int api) {
  MHD_add_response_header(resp, "Content-Security-Policy", CSP);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  /* No Cross-Origin-Opener-Policy: it costs Chromium a new renderer process on
   * every navigation (about 80 ms of the feed's first render, BENCHMARKS.md), and
   * what it guards against, another site's window holding ours, finds no session
   * there: the cookie is SameSite=Strict, so a page opened from elsewhere is not
   * signed in. */
  MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
  /* The app's files change with an upgrade: revalidated, never stale. */
  MHD_add_response_header(resp, "Cache-Control", api ? "no-store" : "no-cache");
}

enum MHD_Result sr_web_queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp, int api) {
  enum MHD_Result rc;
  if (!resp) return MHD_NO; /* out of memory: the connection is closed */
  sr_web_headers(resp, api);
  rc = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp); /* libmicrohttpd keeps its own reference until sent */
  return rc;
}

struct MHD_Response *sr_web_json_response(json_t *doc) {
  /* UTF-8 as written: jansson escapes only what JSON requires. */
  char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  struct MHD_Response *resp;
  json_decref(doc);
  if (!s) return NULL;
  resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    free(s);
    return NULL;
  }
  MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
  return resp;
}

enum MHD_Result sr_web_json(struct MHD_Connection *c, unsigned status, json_t *doc) {
  return sr_web_queue(c, status, sr_web_json_response(doc), 1);
}

static json_t *error_doc(int code, const char *msg) {
  json_t *o = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg, "code", sr_errname(code));
  /* A message can quote what was typed, cut by a buffer in the middle of a
   * character: JSON carries only UTF-8. */
  return o ? o : json_pack("{s:b, s:s, s:s}", "ok", 0, "error", sr_strerror(code), "code", sr_errname(code));
}

enum MHD_Result sr_web_error(struct MHD_Connection *c, unsigned status, int code, const char *msg) {
  return sr_web_json(c, status, error_doc(code, msg));
}

unsigned sr_web_fail(sr_web_req_t *r, unsigned status, int code, const char *fmt, ...) {
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  json_decref(r->out);
  r->out = error_doc(code, msg);
  return status;
}

unsigned sr_web_status_of(int code) {
  switch (code) {
    case SR_ENOTFOUND:
    case SR_ENOTMEMBER: /* members remove: no such member */
    case SR_EINVITEID:  /* invite revoke: no such invite */
      return 404;
    case SR_EAMBIGUOUS:
    case SR_ENETKEYCONFLICT:
    case SR_ECOPIED:        /* this copy of the home conflicts with another (node/device.h) */
    case SR_ESELFFORK:      /* the node's state, not the input: another copy of this identity published */
    case SR_ERESTORING:     /* a restored home waits for its own latest entry (docs/backup.md) */
    case SR_EISDEVICE:      /* this node is a device: its person's first device adds and revokes */
    case SR_EEXIST:         /* a device revoked already */
    case SR_EMEMBERREMOVED: /* a member removed already */
      return 409;
    case SR_EAUTH:
      return 401;
    case SR_ENONODE:
      return 503;
    case SR_ENOMEM:
    case SR_EIO:
    case SR_ESTORE:
    case SR_ECONTROL:
    case SR_ECRYPTO:
      return 500;
    case SR_ETIMEOUT:
      return 504;
    default:
      /* the rest says what was wrong with the input: an entry's rule, a
       * malformed address or code, a value out of range */
      return 400;
  }
}

const char *sr_web_arg(const sr_web_req_t *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sr_web_header(const sr_web_req_t *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void sr_web_log(sr_web_t *w, const char *fmt, ...) {
  char line[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (w->log_fn) w->log_fn(w->ctx, line);
}
