/* web_write.c: the POSTs that change something (docs/api.md). Each is the
 * control request the CLI would send for the same command, built here with
 * the CLI's rules (addresses parsed as `peer add` parses them, a publish's
 * content by node/compose.h), then run on the loop thread (sr_web_call), so
 * the running node stays the one writer of its store and connected peers get
 * a new entry at once. Replies carry the keys of the CLI's --json and "ok". */
#include "node/web_internal.h"
#include "core/core.h"
#include "net/address.h"
#include "node/compose.h"
#include "node/invite.h"
#include "node/members.h"
#include "store/peers.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* body[key] as a string without NUL; NULL when absent or null; *bad when it
 * is something else. */
static const char *str_field(sr_web_req_t *r, const char *key, int *bad) {
  json_t *v = json_object_get(r->json, key);
  if (!v || json_is_null(v)) return NULL;
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
    *bad = 1;
    return NULL;
  }
  return json_string_value(v);
}

/* `peer add ADDRESS` through the running node. */
static unsigned peer_add(sr_web_req_t *r, const char *addr) {
  char host[SR_NET_HOST_MAX], hex[SR_HEX_KEY_LEN + 1];
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  json_t *reply = NULL;
  unsigned st;
  int rc;
  if ((rc = sr_net_address_parse(addr, host, sizeof(host), &port, key)))
    return sr_web_fail(r, 400, rc,
                       "'%.400s' is not a seurone address: %s; it looks like seurone://HOST:PORT/KEY, as the other "
                       "node shows it",
                       addr, sr_strerror(rc));
  if (!memcmp(key, r->w->pk, SR_KEY_BYTES))
    return sr_web_fail(r, 400, SR_EINVAL, "this is this node's own address: add the address of another node");
  if ((st = sr_web_call_ok(r, json_pack("{s:s, s:s}", "cmd", "peer_add", "address", addr), &reply))) return st;
  json_decref(reply);
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  r->out = json_pack("{s:b, s:s, s:s, s:b}", "ok", 1, "address", addr, "key", hex, "dialing", 1);
  return 200;
}

unsigned sr_web_post_peer_add(sr_web_req_t *r) {
  int bad = 0;
  const char *addr = str_field(r, "address", &bad);
  if (!addr || bad) return sr_web_fail(r, 400, SR_EINVAL, "give the peer's address: {\"address\": \"seurone://...\"}");
  return peer_add(r, addr);
}

unsigned sr_web_post_peer_remove(sr_web_req_t *r) {
  char host[SR_NET_HOST_MAX], hex[SR_HEX_KEY_LEN + 1];
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  int bad = 0, rc;
  const char *k = str_field(r, "key", &bad), *addr = str_field(r, "address", &bad);
  json_t *req, *reply = NULL;
  unsigned st;
  if (bad || (!k && !addr))
    return sr_web_fail(r, 400, SR_EINVAL, "give the peer's key or one of its addresses: {\"key\"} or {\"address\"}");
  if (addr) {
    if ((rc = sr_net_address_parse(addr, host, sizeof(host), &port, key)))
      return sr_web_fail(r, 400, rc, "'%.400s' is not a seurone address: %s", addr, sr_strerror(rc));
    uint8_t named[SR_KEY_BYTES];
    if (k &&
        (strlen(k) != SR_HEX_KEY_LEN || sr_hex_decode(k, named, sizeof(named)) || memcmp(named, key, SR_KEY_BYTES)))
      return sr_web_fail(r, 400, SR_EINVAL, "the address names another key than \"key\"");
  } else if (strlen(k) != SR_HEX_KEY_LEN || sr_hex_decode(k, key, sizeof(key))) {
    return sr_web_fail(r, 400, SR_EINVAL, "'%.100s' is not a peer's key (64 hex digits)", k);
  }
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  req = json_pack("{s:s, s:s}", "cmd", "peer_remove", "key", hex);
  if (req && addr) json_object_set_new(req, "address", json_string(addr));
  if ((st = sr_web_call_ok(r, req, &reply))) return st;
  r->out = json_pack("{s:b, s:s, s:s?, s:s, s:i, s:b, s:b}", "ok", 1, "key", hex, "address", addr, "removed",
                     addr ? "address" : "peer", "addresses_left",
                     addr ? (int)json_integer_value(json_object_get(reply, "addresses_left")) : 0, "connected",
                     json_is_true(json_object_get(reply, "connected")), "node_running", 1);
  json_decref(reply);
  return 200;
}

/* The JSON fields of a publish, as node/compose.h names them ("tags" holds
 * the repeatable tag). */
unsigned sr_web_post_publish(sr_web_req_t *r) {
  sr_compose_t c;
  const char *key;
  json_t *v, *warnings = NULL, *reply = NULL;
  uint8_t content[SR_ENTRY_MAX];
  char err[4096], b64[sodium_base64_ENCODED_LEN(SR_ENTRY_MAX, sodium_base64_VARIANT_ORIGINAL)];
  size_t len = 0;
  unsigned st;
  int rc, bad = 0;
  memset(&c, 0, sizeof(c));
  c.type = str_field(r, "type", &bad);
  if (bad || !c.type || !sr_compose_type_known(c.type))
    return sr_web_fail(r, 400, SR_EINVAL, "\"type\" must be about, contact, project, membership or share");
  json_object_foreach(r->json, key, v) {
    const char *name;
    int f = -1, known = 0;
    if (!strcmp(key, "type")) continue;
    for (size_t i = 0; (name = sr_compose_type_field(c.type, i, &f)); i++)
      if (f == SR_COMPOSE_TAG ? !strcmp(key, "tags") : !strcmp(key, name)) {
        known = 1;
        break;
      }
    if (!known) return sr_web_fail(r, 400, SR_EINVAL, "publish %s does not take \"%.60s\"", c.type, key);
    if (json_is_null(v)) continue;
    if (f == SR_COMPOSE_TAG) {
      size_t i;
      json_t *t;
      if (!json_is_array(v)) return sr_web_fail(r, 400, SR_EINVAL, "\"tags\" must be a list of strings");
      if (json_array_size(v) > SR_CONTENT_TAGS_MAX)
        return sr_web_fail(r, 400, SR_EINVAL, "at most %d tags", SR_CONTENT_TAGS_MAX);
      json_array_foreach(v, i, t) {
        if (!json_is_string(t) || strlen(json_string_value(t)) != json_string_length(t))
          return sr_web_fail(r, 400, SR_EINVAL, "\"tags\" must be a list of strings");
        c.tags[c.ntags++] = json_string_value(t);
      }
      continue;
    }
    if (!(c.val[f] = str_field(r, key, &bad)) || bad)
      return sr_web_fail(r, 400, SR_EINVAL, "\"%s\" must be a string", key);
  }
  if (!(warnings = json_array())) return sr_web_fail(r, 500, SR_ENOMEM, "out of memory");
  rc = sr_compose_content(r->w->store, &c, 0, content, sizeof(content), &len, warnings, err, sizeof(err));
  if (rc) {
    json_decref(warnings);
    return sr_web_fail(r, sr_web_status_of(rc), rc, "%s", err);
  }
  sodium_bin2base64(b64, sizeof(b64), content, len, sodium_base64_VARIANT_ORIGINAL);
  if ((st =
           sr_web_call_ok(r, json_pack("{s:s, s:s, s:s}", "cmd", "publish", "type", c.type, "content", b64), &reply))) {
    json_decref(warnings);
    return st;
  }
  json_object_set_new(reply, "warnings", warnings);
  r->out = reply;
  return 200;
}

unsigned sr_web_post_invite_create(sr_web_req_t *r) {
  json_t *u = json_object_get(r->json, "uses"), *e = json_object_get(r->json, "expires"), *reply = NULL, *jcode, *id,
         *exp;
  json_int_t uses = 1;
  uint64_t ttl = SR_INVITE_TTL_DEFAULT_MS;
  uint8_t secret[SR_INVITE_SECRET_BYTES];
  char code[SR_INVITE_CODE_MAX];
  unsigned st;
  int rc;
  if (u && !json_is_null(u)) {
    if (!json_is_integer(u) || json_integer_value(u) < 1 || json_integer_value(u) > 1000000)
      return sr_web_fail(r, 400, SR_EINVAL, "\"uses\" must be a whole number from 1 to 1000000");
    uses = json_integer_value(u);
  }
  /* as `invite create --expires`: "7d", "12h", "30m" or "never"; absent or null, the default */
  if (e && !json_is_null(e) && (!json_is_string(e) || sr_invite_ttl_parse(json_string_value(e), &ttl)))
    return sr_web_fail(r, 400, SR_EINVAL,
                       "\"expires\" is a whole number and m, h or d (minutes, hours, days; at most a year), e.g. "
                       "\"7d\", or \"never\"");
  if ((st = sr_web_call_ok(
           r, json_pack("{s:s, s:I, s:I}", "cmd", "invite_create", "uses", uses, "expires_in_ms", (json_int_t)ttl),
           &reply)))
    return st;
  id = json_incref(json_object_get(reply, "id"));
  exp = json_incref(json_object_get(reply, "expires_ms"));
  json_t *js = json_object_get(reply, "secret");
  rc = json_is_string(js) ? sr_hex_decode(json_string_value(js), secret, sizeof(secret)) : SR_EINVAL;
  /* the secret's copy in the reply is wiped before it is freed */
  if (json_is_string(js)) sodium_memzero((char *)json_string_value(js), json_string_length(js));
  json_decref(reply);
  if (rc || !json_is_string(id)) {
    json_decref(id);
    json_decref(exp);
    return sr_web_fail(r, 500, SR_ECONTROL, "the node's reply holds no invite secret");
  }
  rc = sr_invite_format(r->w->address, r->w->netkey, secret, code, sizeof(code));
  sodium_memzero(secret, sizeof(secret));
  if (rc) {
    json_decref(id);
    json_decref(exp);
    return sr_web_fail(r, 500, rc, "cannot form an invite code for the address '%s'", r->w->address);
  }
  jcode = json_string(code);
  sodium_memzero(code, sizeof(code));
  /* the same document as `invite create --json` */
  r->out = json_pack("{s:b, s:o, s:o, s:s, s:I, s:o}", "ok", 1, "code", jcode, "id", id, "address", r->w->address,
                     "uses", uses, "expires_ms", exp ? exp : json_null());
  return 200;
}

/* What to say for a failed accept: the code's fault (400), a network the
 * config does not allow (409), or the relay out of reach (502). */
static unsigned accept_status(int rc) {
  switch (rc) {
    case SR_EINVITECODE:
    case SR_EINVITE:
    case SR_EINVITEUSED:
    case SR_EINVITEEXPIRED:
    case SR_EINVITEREVOKED:
    case SR_EMEMBERREMOVED:
    case SR_EINVAL:
      return 400;
    case SR_ENETKEYCONFLICT:
      return 409;
    case SR_ENOMEM:
    case SR_ESTORE:
    case SR_EIO:
    case SR_ENOKEY:
    case SR_EKEYFILE:
    case SR_EIDENTITY:
    case SR_EPERM:
      return 500;
    default:
      return 502;
  }
}

/* Room for a pasted code: a little more than the longest, so that one just too
 * long gets sr_invite_problem's reason rather than "longer than any invite
 * code" (as `seurone invite accept` does). */
#define CODE_ROOM (SR_INVITE_CODE_MAX + 64)

unsigned sr_web_post_invite_accept(sr_web_req_t *r) {
  char code[CODE_ROOM], err[4600] = "", address[SR_NET_ADDRESS_MAX], host[SR_NET_HOST_MAX], hex[SR_HEX_KEY_LEN + 1];
  uint8_t nk[SR_NET_NETKEY_BYTES], relay_key[SR_KEY_BYTES];
  uint16_t port;
  const char *s, *why;
  sr_invite_joined_t joined;
  size_t n;
  int bad = 0, rc;
  if (!(s = str_field(r, "code", &bad)) || bad)
    return sr_web_fail(r, 400, SR_EINVAL, "give the invite code: {\"code\": \"seurone-invite:...\"}");
  /* Pasted codes often carry a space or a newline around them. */
  while (isspace((unsigned char)*s)) s++;
  n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) n--;
  if (n >= sizeof(code))
    return sr_web_fail(r, 400, SR_EINVITECODE, "%s: the code is longer than any invite code",
                       sr_strerror(SR_EINVITECODE));
  memcpy(code, s, n);
  code[n] = '\0';
  /* A friend's address instead of a relay's invite: then it is `peer add`. */
  if (!strncmp(code, "seurone://", 10)) return peer_add(r, code);
  if ((why = sr_invite_problem(code))) {
    sodium_memzero(code, sizeof(code));
    return sr_web_fail(r, 400, SR_EINVITECODE, "%s: %s", sr_strerror(SR_EINVITECODE), why);
  }
  if ((rc = sr_invite_parse(code, address, sizeof(address), nk, NULL)) ||
      (rc = sr_net_address_parse(address, host, sizeof(host), &port, relay_key))) {
    sodium_memzero(code, sizeof(code));
    return sr_web_fail(r, 400, rc, "%s", sr_strerror(rc));
  }
  sr_hex_encode(relay_key, SR_KEY_BYTES, hex);
  /* On this thread, as the CLI does in its process: a loop of its own dials
   * the relay (up to 15 s), and the running node is told of the relay through
   * its control socket, which the loop thread serves meanwhile. */
  rc = sr_node_invite_accept(r->w->home, r->w->store, r->w->sk, code, &joined, err, sizeof(err));
  sodium_memzero(code, sizeof(code));
  if (rc) return sr_web_fail(r, accept_status(rc), rc, "%s", err[0] ? err : sr_strerror(rc));
  r->out =
      json_pack("{s:b, s:s, s:s, s:b, s:b, s:b, s:o}", "ok", 1, "relay", address, "key", hex, "network_key_written",
                joined.wrote_network_key, "restart_needed", joined.restart_needed, "dialing", joined.dialing, "refused",
                joined.refused[0] ? json_string(joined.refused) : json_null());
  return 200;
}
