/* control_handlers.c: the running node's table of control-socket handlers
 * (node/control.h): each turns a checked request into a call on the node
 * (node/daemon.h) and its result into the reply. daemon.c registers the
 * table at start; control.c knows only the table. */
#include "node/control_handlers.h"
#include "core/core.h"
#include "node/control_req.h"
#include "node/daemon.h"
#include "node/device_ops.h"
#include "node/members.h"
#include "node/web.h"
#include "store/peers.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *fail(int code, const char *msg) { return sr_control_fail(code, msg); }

static json_t *on_status(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  (void)r;
  (void)call;
  json_t *s = sr_node_status(ctx);
  if (!json_is_object(s)) {
    json_decref(s);
    return fail(SR_ENOMEM, "the node could not build its status");
  }
  return s;
}

static json_t *on_peers(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  (void)r;
  (void)call;
  json_t *p = sr_node_peers(ctx);
  if (!p) return fail(SR_ENOMEM, "the node could not list its peers");
  return json_pack("{s:b, s:o}", "ok", 1, "peers", p);
}

/* The answer once the node's write is committed (sr_node_done_cb). */
static void committed(void *arg, int rc, const char *err, json_t *out) {
  sr_control_answer(arg, rc ? fail(rc, err && err[0] ? err : sr_strerror(rc)) : out);
}

static json_t *on_peer_add(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  uint8_t flags = SR_PEER_MANUAL | (r->relay ? SR_PEER_RELAY : 0);
  int rc = sr_node_peer_add(ctx, r->address, flags, r->dial, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static json_t *on_peer_remove(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_peer_remove(ctx, r->key, r->address, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static void published(sr_node_pub_t *j) {
  char hex[2 * SR_ID_BYTES + 1];
  json_t *r;
  if (j->rc) {
    r = fail(j->rc, j->why[0] ? j->why : sr_strerror(j->rc));
  } else {
    sr_hex_encode(j->id, SR_ID_BYTES, hex);
    r = json_pack("{s:b, s:s, s:I}", "ok", 1, "id", hex, "seq", (json_int_t)j->seq);
  }
  sr_control_answer(j->arg, r);
  free(j);
}

/* The write transaction runs on a worker (node/publish.c); the reply once it
 * is stored and pushed. */
static json_t *on_publish(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  sr_node_pub_t *j = sr_node_pub_new(r->type, r->content, r->content_len, published, call);
  int rc;
  if (!j) return fail(SR_ENOMEM, "out of memory");
  if ((rc = sr_node_publish(ctx, j))) {
    free(j);
    return fail(rc, sr_strerror(rc));
  }
  sr_control_later(call);
  return NULL;
}

typedef struct {
  sr_node_ingest_t job;
  uint8_t *copies; /* the entries' bytes: the request is freed before the work ends */
} ingest_call_t;

/* {"results": [{"status": SR_E* number (0: stored), "id": hex, "why": str}, ...]}
 * in the order of the request's entries. */
static void ingested(sr_node_ingest_t *j) {
  ingest_call_t *ic = (ingest_call_t *)j;
  char hex[2 * SR_ID_BYTES + 1];
  json_t *r, *res;
  if (j->rc) {
    r = fail(j->rc, j->why[0] ? j->why : "the node could not store the entries");
  } else {
    res = json_array();
    for (size_t i = 0; i < j->count; i++) {
      sr_ingest_item_t *it = &j->items[i];
      json_t *o;
      sr_hex_encode(it->id, SR_ID_BYTES, hex);
      /* why can quote the entry; JSON holds only UTF-8 */
      if (!(o = json_pack("{s:i, s:s, s:s}", "status", it->status, "id", hex, "why", it->why)))
        o = json_pack("{s:i, s:s, s:s}", "status", it->status, "id", hex, "why", "");
      json_array_append_new(res, o);
    }
    r = json_pack("{s:b, s:o}", "ok", 1, "results", res);
  }
  sr_control_answer(j->arg, r);
  free(j->items);
  free(ic->copies);
  free(ic);
}

static json_t *on_ingest(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  ingest_call_t *ic = calloc(1, sizeof(*ic));
  size_t total = 0, off = 0;
  int rc;
  for (size_t i = 0; i < r->nraw; i++) total += r->raw_len[i];
  if (!ic || !(ic->job.items = calloc(r->nraw ? r->nraw : 1, sizeof(sr_ingest_item_t))) ||
      !(ic->copies = malloc(total ? total : 1))) {
    if (ic) free(ic->job.items);
    free(ic);
    return fail(SR_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < r->nraw; i++) {
    memcpy(ic->copies + off, r->raw[i], r->raw_len[i]);
    ic->job.items[i].raw = ic->copies + off;
    ic->job.items[i].len = r->raw_len[i];
    off += r->raw_len[i];
  }
  ic->job.count = r->nraw;
  ic->job.done = ingested;
  ic->job.arg = call;
  if ((rc = sr_node_ingest(ctx, &ic->job))) {
    free(ic->job.items);
    free(ic->copies);
    free(ic);
    return fail(rc, sr_strerror(rc));
  }
  sr_control_later(call);
  return NULL;
}

/* {"secret": hex}, once the invite is stored: the code is formed by the CLI,
 * which knows the address and network key too; the socket is the owner's
 * alone (mode 0600). */
static json_t *on_invite_create(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_invite_create(ctx, r->uses, r->ttl_ms, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

/* {"url": "http://HOST:PORT/login?once=CODE"}: a link that signs one browser
 * in once, within SR_WEB_ONCE_MS; the socket is the owner's alone. */
static json_t *on_web_login(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char url[SR_WEB_URL_MAX], err[300] = "";
  json_t *out;
  int rc;
  (void)r;
  (void)call;
  if ((rc = sr_node_web_once(ctx, url, sizeof(url), err, sizeof(err)))) return fail(rc, err[0] ? err : sr_strerror(rc));
  out = json_pack("{s:b, s:s}", "ok", 1, "url", url);
  sodium_memzero(url, sizeof(url));
  return out;
}

/* {"cleared", "log_forked"}, once the self-fork stop is cleared in the store
 * (`seurone fork keep-this`; the CLI asked the person first). */
static json_t *on_fork_keep(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[300] = "";
  int rc;
  (void)r;
  if ((rc = sr_node_fork_keep(ctx, committed, call, err, sizeof(err)))) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

/* The person's devices (node/device_ops.h): each answers once its write is
 * committed (add, revoke) or its read is done (list). */
static json_t *on_device_add(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_device_add(ctx, r->device_name, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static json_t *on_device_list(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc;
  (void)r;
  if ((rc = sr_node_device_list(ctx, committed, call, err, sizeof(err))))
    return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static json_t *on_device_revoke(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_device_revoke(ctx, r->device, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

/* {"config", "applied", "restart"} (node/reload.c); a config the node would not
 * start with is refused, SR_ERELOAD with its file, line and problem. */
static json_t *on_reload(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[4600] = "";
  json_t *out;
  int rc;
  (void)r;
  (void)call;
  if ((rc = sr_node_reload(ctx, &out, err, sizeof(err)))) return fail(rc, err[0] ? err : sr_strerror(rc));
  return out;
}

/* A relay's members and invites (node/members.h): each answers once its read
 * is done or its write committed (a removal: once the scope holds it). */
static json_t *on_members(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc;
  (void)r;
  if ((rc = sr_node_members(ctx, committed, call, err, sizeof(err)))) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static json_t *on_member_remove(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_member_remove(ctx, r->which, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static json_t *on_invite_list(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc;
  (void)r;
  if ((rc = sr_node_invite_list(ctx, committed, call, err, sizeof(err))))
    return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static json_t *on_invite_revoke(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_invite_revoke(ctx, r->which, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

/* {"entries", "bytes", "already", "through_node"}, once the purge is committed. */
static json_t *on_purge(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  char err[600] = "";
  int rc = sr_node_purge(ctx, r->key, r->undo, committed, call, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  sr_control_later(call);
  return NULL;
}

static const sr_control_handler_t table[] = {
    {SR_CTL_STATUS, on_status},
    {SR_CTL_PEERS, on_peers},
    {SR_CTL_PEER_ADD, on_peer_add},
    {SR_CTL_PEER_REMOVE, on_peer_remove},
    {SR_CTL_PUBLISH, on_publish},
    {SR_CTL_INGEST, on_ingest},
    {SR_CTL_INVITE_CREATE, on_invite_create},
    {SR_CTL_WEB_LOGIN, on_web_login},
    {SR_CTL_FORK_KEEP, on_fork_keep},
    {SR_CTL_DEVICE_ADD, on_device_add},
    {SR_CTL_DEVICE_LIST, on_device_list},
    {SR_CTL_DEVICE_REVOKE, on_device_revoke},
    {SR_CTL_RELOAD, on_reload},
    {SR_CTL_MEMBERS, on_members},
    {SR_CTL_MEMBER_REMOVE, on_member_remove},
    {SR_CTL_INVITE_LIST, on_invite_list},
    {SR_CTL_INVITE_REVOKE, on_invite_revoke},
    {SR_CTL_PURGE, on_purge},
};

static void on_stop(void *ctx) { sr_node_stop(ctx); }

void sr_node_control_handlers(sr_node_t *n, sr_control_handlers_t *h) {
  h->table = table;
  h->n = sizeof(table) / sizeof(table[0]);
  h->ctx = n;
  h->stop = on_stop;
}
