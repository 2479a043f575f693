/* web_members.c: a relay's members and invites in the web app (docs/api.md,
 * "Members and invites"), with the names of the CLI: GET /api/members =
 * `members --json`, POST /api/members/remove = `members remove`, GET
 * /api/invite/list = `invite list --json`, POST /api/invite/revoke = `invite
 * revoke` (POST /api/invite/create, web_write.c, takes `--expires` as
 * "expires"). Each is the control request members, member_remove,
 * invite_list or invite_revoke through the control socket's own table
 * (sr_web_call), whose handlers are node/members.h's: one implementation for
 * the CLI and the web app. Only the input's form is checked here. */
#include "node/web_internal.h"
#include "core/core.h"
#include <stdio.h>
#include <string.h>

/* A GET answered with the control reply's field (an array) as is. */
static unsigned listed(sr_web_req_t *r, const char *cmd, const char *field) {
  json_t *reply = NULL;
  unsigned st = sr_web_call_ok(r, json_pack("{s:s}", "cmd", cmd), &reply);
  if (st) return st;
  json_t *arr = json_object_get(reply, field);
  if (!json_is_array(arr)) {
    json_decref(reply);
    return sr_web_fail(r, 500, SR_ECONTROL, "the node's reply holds no %s", field);
  }
  r->out = reply; /* {ok, members|invites} */
  return 200;
}

unsigned sr_web_get_members(sr_web_req_t *r) { return listed(r, "members", "members"); }

unsigned sr_web_get_invite_list(sr_web_req_t *r) { return listed(r, "invite_list", "invites"); }

/* A POST of {field: string}: the control request cmd with it. */
static unsigned acted(sr_web_req_t *r, const char *cmd, const char *field, const char *what) {
  json_t *v = json_object_get(r->json, field), *reply = NULL, *x;
  const char *key;
  unsigned st;
  json_object_foreach(r->json, key, x) {
    if (strcmp(key, field)) return sr_web_fail(r, 400, SR_EINVAL, "this takes only \"%s\", not \"%.60s\"", field, key);
  }
  if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 255 ||
      strlen(json_string_value(v)) != json_string_length(v))
    return sr_web_fail(r, 400, SR_EINVAL, "give {\"%s\": %s} (at most 255 bytes, no NUL)", field, what);
  if ((st = sr_web_call_ok(r, json_pack("{s:s, s:O}", "cmd", cmd, field, v), &reply))) return st;
  json_object_set_new(reply, "ok", json_true());
  r->out = reply;
  return 200;
}

unsigned sr_web_post_member_remove(sr_web_req_t *r) {
  return acted(r, "member_remove", "member", "a member's key, 8 or more of its first hex digits, or its name");
}

unsigned sr_web_post_invite_revoke(sr_web_req_t *r) {
  unsigned st = acted(r, "invite_revoke", "invite", "the invite's id, as the invite list shows it");
  if (st == 200) json_object_set_new(r->out, "revoked", json_true());
  return st;
}
