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
