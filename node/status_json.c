/* status_json.c: gossip's counters, sessions and push-sum estimate as JSON
 * (status_json.h). */
#include "node/status_json.h"
#include "core/core.h"
#include <stdlib.h>

json_t *sr_status_sessions_json(const sr_gossip_t *g) {
  size_t n = sr_gossip_sessions(g, NULL, 0);
  sr_gossip_session_info_t *s = n ? calloc(n, sizeof(*s)) : NULL;
  json_t *arr = json_array();
  if (!arr || (n && !s)) goto fail;
  n = sr_gossip_sessions(g, s, n); /* nothing runs in between: the same sessions */
  for (size_t i = 0; i < n; i++) {
    char hex[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(s[i].key, SR_KEY_BYTES, hex);
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "key", hex, "address", s[i].address, "direction",
                       s[i].outbound ? "outbound" : "inbound", "entries_in", (json_int_t)s[i].entries_in, "entries_out",
                       (json_int_t)s[i].entries_out, "duplicates", (json_int_t)s[i].duplicates, "lazy_authors",
                       (json_int_t)s[i].lazy_authors, "queued_bytes", (json_int_t)s[i].queued_bytes));
  }
  free(s);
  return arr;
fail:
  free(s);
  json_decref(arr);
  return NULL;
}

static json_t *pushsum_est_json(const sr_pushsum_est_t *e, int started) {
  char hex[SR_HEX_KEY_LEN + 1];
  if (!started) return json_null();
  sr_hex_encode(e->leader, SR_KEY_BYTES, hex);
  json_t *o =
      json_pack("{s:I, s:s, s:I}", "epoch", (json_int_t)e->epoch, "leader", hex, "rounds", (json_int_t)e->rounds);
  json_object_set_new(o, "size_estimate", e->valid ? json_real(e->size) : json_null());
  json_object_set_new(o, "averages",
                      e->valid ? json_pack("{s:f, s:f, s:f}", "entries", e->avg[SR_PUSHSUM_X_ENTRIES], "sessions",
                                           e->avg[SR_PUSHSUM_X_SESSIONS], "entries_per_min", e->avg[SR_PUSHSUM_X_RATE])
                               : json_null());
  return o;
}

json_t *sr_status_pushsum_json(const sr_gossip_t *g) {
  sr_gossip_pushsum_info_t ps;
  sr_gossip_pushsum_info(g, &ps);
  if (!ps.on) return json_null();
  /* The completed epoch is the stable value; before one completed, its keys are null. */
  json_t *o = pushsum_est_json(&ps.prev, ps.have_prev);
  if (json_is_null(o)) {
    json_decref(o);
    o = json_pack("{s:n, s:n, s:n, s:n, s:n}", "epoch", "leader", "size_estimate", "averages", "rounds");
  }
  json_object_set_new(o, "running", pushsum_est_json(&ps.running, ps.started));
  json_object_set_new(o, "epoch_s", json_integer(ps.epoch_s));
  json_object_set_new(o, "interval_ms", json_integer(ps.interval_ms));
  return o;
}
