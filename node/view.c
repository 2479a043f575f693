/* view.c: the small views of node/view.h (the profile) and what the others
 * share (view_internal.h): typed ids resolved, items built. */
#include "node/view.h"
#include "node/entry_json.h"
#include "store/socialview.h"
#include <stdio.h>
#include <string.h>

int sr_view_profile(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], json_t **out, char *err, size_t errlen) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  json_t *name = json_null(), *bio = json_null();
  int rc = sr_store_latest_of_type(st, self, "about", buf, sizeof(buf), &len, NULL);
  if (rc == 0 && sr_entry_decode(buf, len, &e) == 0) {
    json_t *c = sr_json_from_msgpack(e.content, e.content_len);
    json_t *n = json_object_get(c, "name"), *b = json_object_get(c, "bio");
    if (json_is_string(n)) name = json_incref(n);
    if (json_is_string(b)) bio = json_incref(b);
    json_decref(c);
  } else if (rc && rc != SR_ENOTFOUND) {
    snprintf(err, errlen, "reading the profile failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    return rc;
  }
  *out = json_pack("{s:o, s:o, s:o}", "id", sr_json_hex(self, SR_KEY_BYTES), "name", name, "bio", bio);
  if (!*out) {
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  return 0;
}

/* Not built yet: these answer so that the web server links and can be tried;
 * each is replaced by its view as it lands (view_feed.c, view_people.c, view_flow.c). */
static int not_yet(json_t **out, char *err, size_t errlen) {
  *out = NULL;
  snprintf(err, errlen, "this view is not built yet");
  return SR_EINVAL;
}
int sr_view_feed(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *before, size_t limit, json_t **out,
                 char *err, size_t errlen) {
  (void)st, (void)self, (void)before, (void)limit;
  return not_yet(out, err, errlen);
}
int sr_view_log(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *author, const char *before, size_t limit,
                json_t **out, char *err, size_t errlen) {
  (void)st, (void)self, (void)author, (void)before, (void)limit;
  return not_yet(out, err, errlen);
}
int sr_view_people(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out, char *err,
                   size_t errlen) {
  (void)st, (void)self, (void)q;
  return not_yet(out, err, errlen);
}
int sr_view_person(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out, char *err,
                   size_t errlen) {
  (void)st, (void)self, (void)id;
  return not_yet(out, err, errlen);
}
int sr_view_projects(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out, char *err,
                     size_t errlen) {
  (void)st, (void)self, (void)q;
  return not_yet(out, err, errlen);
}
int sr_view_project(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out, char *err,
                    size_t errlen) {
  (void)st, (void)self, (void)id;
  return not_yet(out, err, errlen);
}
int sr_view_flow_entry(sr_store_t *st, const char *id, json_t **out, char *err, size_t errlen) {
  (void)st, (void)id;
  return not_yet(out, err, errlen);
}
int sr_view_neighbourhood(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, int depth, json_t **out,
                          char *err, size_t errlen) {
  (void)st, (void)self, (void)id, (void)depth;
  return not_yet(out, err, errlen);
}
