/* web_devices.c: a person's devices in the web app (docs/api.md, "Devices"),
 * with the names of the CLI: GET /api/devices = `device list --json`, POST
 * /api/devices/add = `device add`, POST /api/devices/revoke = `device revoke`.
 * Each is the control request device_list, device_add or device_revoke, run on
 * the loop thread through the control socket's own table (sr_web_call), whose
 * handlers are node/device_ops.h's: one implementation for the CLI and the
 * web app. What is checked here is only the input's form (so that bad input
 * gets its 400 before the node is asked, and never changes the store); what
 * the node knows (which devices exist, whether this node may add them) it
 * answers itself. */
#include "node/web_internal.h"
#include "core/core.h"
#include "core/hex.h"
#include "node/device_ops.h"
#include "node/entry_json.h"
#include "store/devices.h"
#include <stdio.h>
#include <string.h>

/* 0 when s (n bytes, from a JSON string) may be a device's label: no NUL
 * inside (JSON allows \u0000), then the node's own rule
 * (sr_device_label_check: 1..64 bytes of UTF-8, no C0, DEL or C1 control).
 * Else SR_EINVAL with err saying why. */
static int label_ok(const char *s, size_t n, char *err, size_t errlen) {
  if (strlen(s) != n) {
    snprintf(err, errlen, "a device name holds no NUL character");
    return SR_EINVAL;
  }
  return sr_device_label_check(s, err, errlen);
}

unsigned sr_web_get_devices(sr_web_req_t *r) {
  json_t *reply = NULL;
  unsigned st = sr_web_call_ok(r, json_pack("{s:s}", "cmd", "device_list"), &reply);
  if (st) return st;
  json_object_del(reply, "ok");
  /* the person's name, for a node that is itself a device ("a device of Ada") */
  const char *ph = json_string_value(json_object_get(reply, "person"));
  uint8_t person[SR_KEY_BYTES];
  char name[SR_ENTRY_MAX + 1];
  size_t len = 0;
  int found = 0;
  if (ph && strlen(ph) == SR_HEX_KEY_LEN && sr_hex_decode(ph, person, sizeof(person)) == 0 &&
      sr_store_person_name(r->w->store, person, name, sizeof(name), &len, &found) == 0 && found)
    json_object_set_new(reply, "person_name", json_stringn(name, len));
  else
    json_object_set_new(reply, "person_name", json_null());
  r->out = reply;
  return 200;
}

unsigned sr_web_post_device_add(sr_web_req_t *r) {
  json_t *v = json_object_get(r->json, "name"), *req, *reply = NULL;
  const char *name = NULL;
  char err[300];
  size_t n = 0;
  unsigned st;
  int rc;
  const char *key;
  json_t *x;
  json_object_foreach(r->json, key, x) {
    if (strcmp(key, "name"))
      return sr_web_fail(r, 400, SR_EINVAL, "device add takes only \"name\" (the new device's label), not \"%.60s\"",
                         key);
  }
  if (v && !json_is_null(v)) {
    if (!json_is_string(v)) return sr_web_fail(r, 400, SR_EINVAL, "\"name\" must be a string, such as \"laptop\"");
    name = json_string_value(v);
    n = json_string_length(v);
    if ((rc = label_ok(name, n, err, sizeof(err)))) return sr_web_fail(r, 400, rc, "\"name\": %s", err);
  }
  req = json_pack("{s:s}", "cmd", "device_add");
  if (req && n) json_object_set_new(req, "name", json_stringn(name, n));
  if ((st = sr_web_call_ok(r, req, &reply))) return st;
  json_object_set_new(reply, "ok", json_true());
  r->out = reply;
  return 200;
}

unsigned sr_web_post_device_revoke(sr_web_req_t *r) {
  json_t *v = json_object_get(r->json, "device"), *reply = NULL;
  const char *which, *key;
  char err[300];
  json_t *x;
  size_t n, hex = 0;
  unsigned st;
  int rc;
  json_object_foreach(r->json, key, x) {
    if (strcmp(key, "device"))
      return sr_web_fail(r, 400, SR_EINVAL, "device revoke takes only \"device\", not \"%.60s\"", key);
  }
  if (!json_is_string(v) || !json_string_length(v))
    return sr_web_fail(r, 400, SR_EINVAL,
                       "give the device to revoke: {\"device\": its key (64 hex digits, or the first 8 or more), or "
                       "its name}");
  which = json_string_value(v);
  n = json_string_length(v);
  while (hex < n && strchr("0123456789abcdefABCDEF", which[hex])) hex++;
  /* all hex and longer than a key: a key mistyped, not a name */
  if (hex == n && n > SR_HEX_KEY_LEN)
    return sr_web_fail(r, 400, SR_EINVAL, "\"%.80s...\" is not a device's key: a key has 64 hex digits, this has %zu",
                       which, n);
  /* a key, a prefix and a name all fit a label's rule */
  if ((rc = label_ok(which, n, err, sizeof(err))))
    return sr_web_fail(r, 400, rc,
                       "\"device\" is a device's key (64 hex digits, or 8 or more of its first) or its name; %s", err);
  if ((st = sr_web_call_ok(r, json_pack("{s:s, s:s#}", "cmd", "device_revoke", "device", which, (int)n), &reply)))
    return st;
  json_object_set_new(reply, "ok", json_true());
  r->out = reply;
  return 200;
}
