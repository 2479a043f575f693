/* web_api.c: the table of /api/ routes (docs/api.md, "Endpoints") and the
 * reads: each GET reads the store in read transactions of its own on the
 * request's thread (node/view.h, node/entry_json.h), or asks the loop for the
 * node's live state (status, peers) through the control table. */
#include "node/web_internal.h"
#include "core/core.h"
#include "core/num.h"
#include "net/address.h"
#include "node/entry_json.h"
#include "node/view.h"
#include "store/read.h"
#include <stdio.h>
#include <string.h>

static const sr_web_route_t routes[] = {
    {"GET", "/api/session", sr_web_get_session},
    {"GET", "/api/id", sr_web_get_id},
    {"GET", "/api/status", sr_web_get_status},
    {"GET", "/api/address", sr_web_get_address},
    {"GET", "/api/peers", sr_web_get_peers},
    {"GET", "/api/feed", sr_web_get_feed},
    {"GET", "/api/log", sr_web_get_log},
    {"GET", "/api/people", sr_web_get_people},
    {"GET", "/api/person", sr_web_get_person},
    {"GET", "/api/projects", sr_web_get_projects},
    {"GET", "/api/project", sr_web_get_project},
    {"GET", "/api/graph", sr_web_get_graph},
    {"GET", "/api/flow/entry", sr_web_get_flow_entry},
    {"GET", "/api/neighbourhood", sr_web_get_neighbourhood},
    {"GET", "/api/events", sr_web_get_events},
    {"GET", "/api/devices", sr_web_get_devices},
    {"POST", "/api/peer/add", sr_web_post_peer_add},
    {"POST", "/api/peer/remove", sr_web_post_peer_remove},
    {"POST", "/api/publish", sr_web_post_publish},
    {"POST", "/api/invite/create", sr_web_post_invite_create},
    {"POST", "/api/invite/accept", sr_web_post_invite_accept},
    {"POST", "/api/qr", sr_web_post_qr},
    {"POST", "/api/devices/add", sr_web_post_device_add},
    {"POST", "/api/devices/revoke", sr_web_post_device_revoke},
    {"GET", "/api/members", sr_web_get_members},
    {"POST", "/api/members/remove", sr_web_post_member_remove},
    {"GET", "/api/invite/list", sr_web_get_invite_list},
    {"POST", "/api/invite/revoke", sr_web_post_invite_revoke},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

int sr_web_route_find(const char *method, const char *path, const char **allow) {
  int other = -1;
  for (size_t i = 0; i < NROUTES; i++) {
    if (strcmp(routes[i].path, path)) continue;
    if (!strcmp(routes[i].method, method)) return (int)i;
    other = (int)i;
  }
  if (other < 0) return -404;
  *allow = routes[other].method;
  return -405;
}

const sr_web_route_t *sr_web_route(int i) { return &routes[i]; }

/* A view's result: its document, or its error with the status of its code. */
static unsigned view(sr_web_req_t *r, int rc, json_t *doc, const char *err) {
  if (!rc && doc) {
    r->out = doc;
    return 200;
  }
  json_decref(doc);
  if (!rc) rc = SR_ENOMEM;
  return sr_web_fail(r, sr_web_status_of(rc), rc, "%s", err && err[0] ? err : sr_strerror(rc));
}

/* ?limit=N: 0 (the view's default) when absent; -1 (400 set) when not a number. */
static long limit_arg(sr_web_req_t *r) {
  const char *s = sr_web_arg(r, "limit");
  uint64_t v;
  if (!s || !*s) return 0;
  if (sr_parse_u64(s, 0, 1000000, &v)) {
    sr_web_fail(r, 400, SR_EINVAL, "limit must be a whole number (at most %d are sent), got '%.40s'", SR_VIEW_FEED_MAX,
                s);
    return -1;
  }
  return (long)v;
}

/* A required ?name= argument; NULL (400 set) when absent or empty. */
static const char *need_arg(sr_web_req_t *r, const char *name) {
  const char *s = sr_web_arg(r, name);
  if (!s || !*s)
    sr_web_fail(r, 400, SR_EINVAL, "%s is missing: ?%s=KEY, a prefix of 8+ hex digits, or a name", name, name);
  return s && *s ? s : NULL;
}

unsigned sr_web_get_session(sr_web_req_t *r) {
  sr_web_t *w = r->w;
  char err[1200] = "";
  json_t *p = NULL;
  int rc = sr_view_profile(w->store, w->pk, &p, err, sizeof(err));
  if (rc || !p) return view(r, rc, p, err);
  json_object_set_new(p, "csrf", json_string(w->sec->csrf));
  json_object_set_new(p, "relay", json_boolean(w->relay));
  json_object_set_new(p, "lang_hint", w->lang[0] ? json_string(w->lang) : json_null());
  r->out = p;
  return 200;
}

unsigned sr_web_get_id(sr_web_req_t *r) {
  r->out = json_pack("{s:s}", "id", r->w->pk_hex);
  return 200;
}

unsigned sr_web_get_status(sr_web_req_t *r) {
  json_t *s = NULL;
  int rc = sr_web_call(r->w, json_pack("{s:s}", "cmd", "status"), &s);
  if (rc) return sr_web_fail(r, sr_web_status_of(rc), rc, "the node did not answer: %s", sr_strerror(rc));
  if (sr_control_reply_code(s)) {
    unsigned st = sr_web_refused(r, s);
    json_decref(s);
    return st;
  }
  /* as `status --json` of a running node */
  json_object_del(s, "ok");
  json_object_set_new(s, "running", json_true());
  r->out = s;
  return 200;
}

unsigned sr_web_get_address(sr_web_req_t *r) {
  char host[SR_NET_HOST_MAX], hex[SR_HEX_KEY_LEN + 1];
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  if (sr_net_address_parse(r->w->address, host, sizeof(host), &port, key))
    return sr_web_fail(r, 500, SR_EINVAL, "the node's address '%s' is malformed", r->w->address);
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  r->out = json_pack("{s:s, s:s, s:i, s:s}", "address", r->w->address, "host", host, "port", (int)port, "key", hex);
  return 200;
}

unsigned sr_web_get_peers(sr_web_req_t *r) {
  json_t *reply = NULL, *peers, *p;
  size_t i;
  int rc = sr_web_call(r->w, json_pack("{s:s}", "cmd", "peers"), &reply);
  if (rc) return sr_web_fail(r, sr_web_status_of(rc), rc, "the node did not answer: %s", sr_strerror(rc));
  if (sr_control_reply_code(reply)) {
    unsigned st = sr_web_refused(r, reply);
    json_decref(reply);
    return st;
  }
  peers = json_incref(json_object_get(reply, "peers"));
  json_decref(reply);
  if (!json_is_array(peers)) {
    json_decref(peers);
    return sr_web_fail(r, 500, SR_ECONTROL, "the node's reply had no peer list");
  }
  /* The same keys for every peer as `peers --json`, and the person's name (a
   * friend's device is named as the friend: store/devices.h). */
  json_array_foreach(peers, i, p) {
    uint8_t key[SR_KEY_BYTES];
    const char *hex = json_string_value(json_object_get(p, "key"));
    if (!json_object_get(p, "direction")) json_object_set_new(p, "direction", json_null());
    if (!json_object_get(p, "entries_in")) json_object_set_new(p, "entries_in", json_integer(0));
    if (!json_object_get(p, "entries_out")) json_object_set_new(p, "entries_out", json_integer(0));
    json_object_set_new(
        p, "name", hex && !sr_hex_decode(hex, key, sizeof(key)) ? sr_json_person_name(r->w->store, key) : json_null());
  }
  r->out = peers;
  return 200;
}

unsigned sr_web_get_feed(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  long limit = limit_arg(r);
  if (limit < 0) return 400;
  int rc = sr_view_feed(r->w->store, r->w->pk, sr_web_arg(r, "before"), (size_t)limit, &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_log(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  const char *author = sr_web_arg(r, "author");
  long limit = limit_arg(r);
  if (limit < 0) return 400;
  /* as `log`: your own log unless an author is named, every log with "all" */
  if (!author || !*author) author = r->w->pk_hex;
  else if (!strcmp(author, "all"))
    author = NULL;
  int rc = sr_view_log(r->w->store, r->w->pk, author, sr_web_arg(r, "before"), (size_t)limit, &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_people(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  int rc = sr_view_people(r->w->store, r->w->pk, sr_web_arg(r, "q"), &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_person(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  const char *id = need_arg(r, "id");
  if (!id) return 400;
  int rc = sr_view_person(r->w->store, r->w->pk, id, &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_projects(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  int rc = sr_view_projects(r->w->store, r->w->pk, sr_web_arg(r, "q"), &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_project(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  const char *id = need_arg(r, "id");
  if (!id) return 400;
  int rc = sr_view_project(r->w->store, r->w->pk, id, &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_graph(sr_web_req_t *r) {
  json_t *doc = NULL;
  int rc = sr_json_graph(r->w->store, &doc);
  if (rc == SR_ESTORE) return sr_web_fail(r, 500, rc, "reading the graph failed: %s", sr_store_errmsg(r->w->store));
  return view(r, rc, doc, NULL);
}

unsigned sr_web_get_flow_entry(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  const char *id = need_arg(r, "id");
  if (!id) return 400;
  int rc = sr_view_flow_entry(r->w->store, id, &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}

unsigned sr_web_get_neighbourhood(sr_web_req_t *r) {
  char err[1200] = "";
  json_t *doc = NULL;
  const char *id = sr_web_arg(r, "id"), *d = sr_web_arg(r, "depth");
  int depth = 1;
  if (d && *d) {
    if (strcmp(d, "1") && strcmp(d, "2")) return sr_web_fail(r, 400, SR_EINVAL, "depth is 1 or 2, got '%.20s'", d);
    depth = d[0] - '0';
  }
  int rc = sr_view_neighbourhood(r->w->store, r->w->pk, id && *id ? id : NULL, depth, &doc, err, sizeof(err));
  return view(r, rc, doc, err);
}
