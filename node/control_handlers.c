/* control_handlers.c: the running node's table of control-socket handlers
 * (node/control.h): each turns a checked request into a call on the node
 * (node/daemon.h) and its result into the reply. daemon.c registers the
 * table at start; control.c knows only the table. */
#include "node/control_handlers.h"
#include "core/core.h"
#include "node/control_req.h"
#include "node/daemon.h"
#include "store/peers.h"
#include <stdio.h>
#include <stdlib.h>

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

static json_t *on_peer_add(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  (void)call;
  char err[600] = "";
  uint8_t flags = SR_PEER_MANUAL | (r->relay ? SR_PEER_RELAY : 0);
  int rc = sr_node_peer_add(ctx, r->address, flags, r->dial, err, sizeof(err));
  return rc ? fail(rc, err[0] ? err : sr_strerror(rc)) : json_pack("{s:b, s:s}", "ok", 1, "address", r->address);
}

static json_t *on_peer_remove(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  (void)call;
  char err[600] = "";
  json_t *out = NULL;
  int rc = sr_node_peer_remove(ctx, r->key, r->address, &out, err, sizeof(err));
  if (rc) return fail(rc, err[0] ? err : sr_strerror(rc));
  return out;
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

/* {"results": [{"status": SR_E* number (0: stored), "id": hex, "why": str}, ...]}
 * in the order of the request's entries. */
static json_t *on_ingest(void *ctx, const sr_control_req_t *r, sr_control_call_t *call) {
  (void)call;
  sr_ingest_item_t *items = calloc(r->nraw ? r->nraw : 1, sizeof(*items));
  sr_ingest_stats_t stats;
  char hex[2 * SR_ID_BYTES + 1];
  json_t *res = NULL;
  int rc;
  if (!items) return fail(SR_ENOMEM, "out of memory");
  for (size_t i = 0; i < r->nraw; i++) {
    items[i].raw = r->raw[i];
    items[i].len = r->raw_len[i];
  }
  if ((rc = sr_node_ingest(ctx, items, r->nraw, &stats))) {
    free(items);
    return fail(rc, "the node could not store the entries");
  }
  res = json_array();
  for (size_t i = 0; i < r->nraw; i++) {
    sr_hex_encode(items[i].id, SR_ID_BYTES, hex);
    json_array_append_new(res, json_pack("{s:i, s:s, s:s}", "status", items[i].status, "id", hex, "why", items[i].why));
  }
  free(items);
  return json_pack("{s:b, s:o}", "ok", 1, "results", res);
}

static const sr_control_handler_t table[] = {
    {SR_CTL_STATUS, on_status},           {SR_CTL_PEERS, on_peers},     {SR_CTL_PEER_ADD, on_peer_add},
    {SR_CTL_PEER_REMOVE, on_peer_remove}, {SR_CTL_PUBLISH, on_publish},
    {SR_CTL_INGEST, on_ingest},
};

static void on_stop(void *ctx) { sr_node_stop(ctx); }

void sr_node_control_handlers(sr_node_t *n, sr_control_handlers_t *h) {
  h->table = table;
  h->n = sizeof(table) / sizeof(table[0]);
  h->ctx = n;
  h->stop = on_stop;
}
