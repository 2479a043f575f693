/* control_req.c: decoding one control-socket request (see control_req.h). */
#include "node/control_req.h"
#include "core/core.h"
#include "node/invite.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int json_oom; /* atomic: an allocation of jansson failed */

static void *json_alloc(size_t n) {
  void *p = malloc(n);
  if (!p) __atomic_store_n(&json_oom, 1, __ATOMIC_RELAXED);
  return p;
}

void sr_json_track_oom(void) { json_set_alloc_funcs(json_alloc, free); }

int sr_json_oom_take(void) { return __atomic_exchange_n(&json_oom, 0, __ATOMIC_RELAXED); }

void sr_json_oom_clear(void) { __atomic_store_n(&json_oom, 0, __ATOMIC_RELAXED); }

json_t *sr_control_fail(int code, const char *msg) {
  /* msg may quote the request (jansson's "near '...'", an unknown command),
   * which need not be UTF-8: a JSON string cannot hold that, so such bytes
   * become '?' rather than the reply becoming NULL (found by fuzz_control). */
  json_t *m = json_string(msg);
  if (!m) {
    char safe[700];
    size_t i;
    for (i = 0; msg[i] && i + 1 < sizeof(safe); i++) safe[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
    safe[i] = '\0';
    m = json_string(safe);
  }
  return json_pack("{s:b, s:o, s:s}", "ok", 0, "error", m, "code", sr_errname(code));
}

static json_t *decode_publish(sr_control_req_t *r) {
  json_t *jt = json_object_get(r->doc, "type");
  const char *type = json_string_value(jt);
  const char *b64 = json_string_value(json_object_get(r->doc, "content"));
  char err[600];
  size_t tlen;
  int rc;
  if (!type || !b64) return sr_control_fail(SR_ECONTROL, "publish needs \"type\" (a string) and \"content\" (base64)");
  tlen = strlen(type);
  if (tlen == 0 || tlen > SR_TYPE_MAX || tlen != json_string_length(jt))
    return sr_control_fail(SR_ETYPE, "\"type\" must be 1 to 32 bytes");
  memcpy(r->type, type, tlen + 1);
  if (sodium_base642bin(r->content, sizeof(r->content), b64, strlen(b64), NULL, &r->content_len, NULL,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return sr_control_fail(SR_ECONTROL, "\"content\" is not standard base64 of at most 16 KiB");
  const uint8_t *c = r->content;
  if ((rc = sr_canon_check(c, r->content_len, SR_CANON_MAX_DEPTH, NULL)) != 0 || r->content_len == 0 ||
      !((c[0] & 0xf0) == 0x80 || c[0] == 0xde || c[0] == 0xdf)) {
    snprintf(err, sizeof(err), "\"content\" is not one canonical msgpack map%s%s", rc ? ": " : "",
             rc ? sr_strerror(rc) : "");
    return sr_control_fail(rc ? rc : SR_ECONTENT, err);
  }
  return NULL;
}

/* {"cmd": "peer_remove", "key": 64 hex, "address"?: one of its addresses}. */
static json_t *decode_peer_remove(sr_control_req_t *r) {
  const char *hex = json_string_value(json_object_get(r->doc, "key"));
  json_t *addr = json_object_get(r->doc, "address");
  if (!hex || sr_hex_decode(hex, r->key, sizeof(r->key)) != 0)
    return sr_control_fail(SR_ECONTROL, "peer_remove needs \"key\" (64 hex digits)");
  if (addr && !json_is_string(addr)) return sr_control_fail(SR_ECONTROL, "peer_remove: \"address\" must be a string");
  r->address = addr ? json_string_value(addr) : NULL;
  return NULL;
}

/* {"cmd": "ingest", "entries": [base64 of one entry's bytes, ...]}: at most
 * SR_CTL_INGEST_MAX, each at most SR_ENTRY_MAX bytes; the store checks them. */
static json_t *decode_ingest(sr_control_req_t *r) {
  json_t *arr = json_object_get(r->doc, "entries"), *v;
  size_t i;
  if (!json_is_array(arr) || json_array_size(arr) > SR_CTL_INGEST_MAX)
    return sr_control_fail(SR_ECONTROL, "ingest needs \"entries\": an array of at most 256 base64 strings");
  json_array_foreach(arr, i, v) {
    const char *b64 = json_string_value(v);
    uint8_t *buf = b64 ? malloc(SR_ENTRY_MAX) : NULL;
    size_t len = 0;
    if (!b64) return sr_control_fail(SR_ECONTROL, "ingest: every entry is a base64 string");
    if (!buf) return sr_control_fail(SR_ENOMEM, "out of memory");
    r->raw[r->nraw++] = buf;
    if (sodium_base642bin(buf, SR_ENTRY_MAX, b64, strlen(b64), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
      return sr_control_fail(SR_ECONTROL, "ingest: an entry is not standard base64 of at most 16 KiB");
    r->raw_len[r->nraw - 1] = len;
  }
  return NULL;
}

/* {"cmd": "peer_add", "address": str, "relay"?: bool, "dial"?: bool}. */
static json_t *decode_peer_add(sr_control_req_t *r) {
  json_t *relay = json_object_get(r->doc, "relay"), *dial = json_object_get(r->doc, "dial");
  if (!(r->address = json_string_value(json_object_get(r->doc, "address"))))
    return sr_control_fail(SR_ECONTROL, "peer_add needs \"address\" (a seurone:// address)");
  if ((relay && !json_is_boolean(relay)) || (dial && !json_is_boolean(dial)))
    return sr_control_fail(SR_ECONTROL, "peer_add: \"relay\" and \"dial\" must be true or false");
  r->relay = json_is_true(relay);
  r->dial = !dial || json_is_true(dial);
  return NULL;
}

/* invite_create's "expires_in_ms": absent, the default expiry; 0, never;
 * else 1 ms to a year. */
static json_t *decode_ttl(sr_control_req_t *r) {
  json_t *t = json_object_get(r->doc, "expires_in_ms");
  if (!t) {
    r->ttl_ms = SR_INVITE_TTL_DEFAULT_MS;
    return NULL;
  }
  if (!json_is_integer(t) || json_integer_value(t) < 0 || (uint64_t)json_integer_value(t) > SR_INVITE_TTL_MAX_MS)
    return sr_control_fail(SR_ECONTROL,
                           "invite_create: \"expires_in_ms\" must be 0 (never) or a whole number of "
                           "milliseconds up to a year");
  r->ttl_ms = (uint64_t)json_integer_value(t);
  return NULL;
}

static json_t *decode_cmd(sr_control_req_t *r) {
  const char *cmd = json_string_value(json_object_get(r->doc, "cmd"));
  char err[300];
  if (!cmd) return sr_control_fail(SR_ECONTROL, "the request has no \"cmd\" string");
  if (!strcmp(cmd, "status")) r->cmd = SR_CTL_STATUS;
  else if (!strcmp(cmd, "peers"))
    r->cmd = SR_CTL_PEERS;
  else if (!strcmp(cmd, "stop"))
    r->cmd = SR_CTL_STOP;
  else if (!strcmp(cmd, "reload"))
    r->cmd = SR_CTL_RELOAD;
  else if (!strcmp(cmd, "peer_add")) {
    r->cmd = SR_CTL_PEER_ADD;
    return decode_peer_add(r);
  } else if (!strcmp(cmd, "peer_remove")) {
    r->cmd = SR_CTL_PEER_REMOVE;
    return decode_peer_remove(r);
  } else if (!strcmp(cmd, "publish")) {
    r->cmd = SR_CTL_PUBLISH;
    return decode_publish(r);
  } else if (!strcmp(cmd, "invite_create")) {
    json_t *u = json_object_get(r->doc, "uses");
    r->cmd = SR_CTL_INVITE_CREATE;
    if (!json_is_integer(u) || json_integer_value(u) < 1 || json_integer_value(u) > 1000000)
      return sr_control_fail(SR_ECONTROL, "invite_create needs \"uses\": a whole number from 1 to 1000000");
    r->uses = (uint32_t)json_integer_value(u);
    return decode_ttl(r);
  } else if (!strcmp(cmd, "ingest")) {
    r->cmd = SR_CTL_INGEST;
    return decode_ingest(r);
  } else if (!strcmp(cmd, "web_login")) {
    r->cmd = SR_CTL_WEB_LOGIN;
  } else if (!strcmp(cmd, "fork_keep")) {
    r->cmd = SR_CTL_FORK_KEEP;
  } else if (!strcmp(cmd, "device_add")) {
    json_t *name = json_object_get(r->doc, "name");
    r->cmd = SR_CTL_DEVICE_ADD;
    if (name && !json_is_null(name) && !json_is_string(name))
      return sr_control_fail(SR_ECONTROL, "device_add: \"name\" must be a string (the device's label) or null");
    /* a NUL inside would cut the label short: refused, not cut */
    if (json_is_string(name) && strlen(json_string_value(name)) != json_string_length(name))
      return sr_control_fail(SR_EINVAL, "device_add: \"name\" holds a NUL byte");
    r->device_name = json_string_value(name);
  } else if (!strcmp(cmd, "purge")) {
    const char *hex = json_string_value(json_object_get(r->doc, "key"));
    r->cmd = SR_CTL_PURGE;
    if (!hex || strlen(hex) != 2 * SR_KEY_BYTES || sr_hex_decode(hex, r->key, sizeof(r->key)) != 0)
      return sr_control_fail(SR_ECONTROL, "purge needs \"key\" (64 hex digits)");
    json_t *undo = json_object_get(r->doc, "undo");
    if (undo && !json_is_boolean(undo)) return sr_control_fail(SR_ECONTROL, "purge: \"undo\" must be true or false");
    r->undo = json_is_true(undo);
  } else if (!strcmp(cmd, "device_list")) {
    r->cmd = SR_CTL_DEVICE_LIST;
  } else if (!strcmp(cmd, "device_revoke")) {
    r->cmd = SR_CTL_DEVICE_REVOKE;
    if (!(r->device = json_string_value(json_object_get(r->doc, "device"))) || !r->device[0])
      return sr_control_fail(SR_ECONTROL,
                             "device_revoke needs \"device\": the device's key, a prefix of 8 or more hex digits, or "
                             "its name");
  } else if (!strcmp(cmd, "members")) {
    r->cmd = SR_CTL_MEMBERS;
  } else if (!strcmp(cmd, "invite_list")) {
    r->cmd = SR_CTL_INVITE_LIST;
  } else if (!strcmp(cmd, "member_remove") || !strcmp(cmd, "invite_revoke")) {
    int member = !strcmp(cmd, "member_remove");
    r->cmd = member ? SR_CTL_MEMBER_REMOVE : SR_CTL_INVITE_REVOKE;
    json_t *w = json_object_get(r->doc, member ? "member" : "invite");
    if (!(r->which = json_string_value(w)) || !r->which[0] || strlen(r->which) != json_string_length(w))
      return sr_control_fail(SR_ECONTROL, member ? "member_remove needs \"member\": a member's key, a prefix of 8 "
                                                   "or more hex digits, or its name"
                                                 : "invite_revoke needs \"invite\": the invite's id");
  } else {
    snprintf(err, sizeof(err),
             "unknown command '%.64s' (status, peers, peer_add, peer_remove, publish, ingest, invite_create, "
             "web_login, fork_keep, device_add, device_list, device_revoke, reload, members, member_remove, "
             "invite_list, invite_revoke, purge, stop)",
             cmd);
    return sr_control_fail(SR_ECONTROL, err);
  }
  return NULL;
}

json_t *sr_control_req_decode(const char *line, size_t len, sr_control_req_t *req) {
  json_error_t je;
  char msg[300];
  json_t *bad;
  memset(req, 0, sizeof(*req));
  sr_json_oom_clear();
  req->doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
  /* a request the node could not hold is the node's failure, not the request's */
  if (sr_json_oom_take() || (!req->doc && json_error_code(&je) == json_error_out_of_memory)) {
    sr_control_req_free(req);
    return sr_control_fail(SR_ENOMEM, "the node ran out of memory reading the request");
  }
  if (!json_is_object(req->doc)) {
    if (req->doc) snprintf(msg, sizeof(msg), "the request must be one JSON object");
    else
      snprintf(msg, sizeof(msg), "the request is not valid JSON: %s (column %d)", je.text, je.column);
    sr_control_req_free(req);
    return sr_control_fail(SR_ECONTROL, msg);
  }
  if ((bad = decode_cmd(req)) != NULL) sr_control_req_free(req);
  return bad;
}

void sr_control_req_free(sr_control_req_t *req) {
  json_decref(req->doc);
  req->doc = NULL;
  req->address = NULL;
  req->device_name = req->device = NULL;
  for (size_t i = 0; i < req->nraw; i++) free(req->raw[i]);
  req->nraw = 0;
}
