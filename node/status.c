/* status.c: the documents the control socket answers `status` and `peers`
 * with: the node's counters and the peer table with live state. */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/members.h"
#include "node/peer_json.h"
#include <string.h>

json_t *sr_node_status(sr_node_t *n) {
  sr_gossip_stats_t gs;
  sr_store_info_t info;
  char hex[SR_HEX_KEY_LEN + 1];
  sr_gossip_stats(n->g, &gs);
  memset(&info, 0, sizeof(info));
  if (sr_store_info(n->store, &info) != 0) /* the counts show 0 */
    sr_node_log(n, SR_LOG_WARN, "status_count_failed", "status: could not count the store: %s",
                sr_store_errmsg(n->store));
  sr_hex_encode(n->pk, SR_KEY_BYTES, hex);
  json_t *st =
      json_pack("{s:b, s:s, s:I, s:b, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "running",
                1, "id", hex, "uptime_s", (json_int_t)((sr_node_now_ms() - n->started_ms) / 1000), "relay", n->relay,
                "address", n->address, "peers", sr_status_sessions_json(n->g), "entries_in", (json_int_t)gs.entries_in,
                "entries_out", (json_int_t)gs.entries_out, "bytes_in", (json_int_t)gs.bytes_in, "bytes_out",
                (json_int_t)gs.bytes_out, "duplicates", (json_int_t)gs.duplicates, "haves_in", (json_int_t)gs.haves_in,
                "haves_out", (json_int_t)gs.haves_out, "rejected", (json_int_t)gs.rejected, "store_bytes",
                (json_int_t)info.file_bytes, "store_entries", (json_int_t)info.entries, "scope_authors",
                (json_int_t)n->scope.n, "known_peers", (json_int_t)n->nknown);
  /* names where the node knows them, and who is a member (node/members.c); a
   * read on the loop, as the store's counts above */
  if (st && (sr_members_annotate(n->store, n->relay, json_object_get(st, "peers")) ||
             sr_members_status(n->store, n->relay, st)))
    sr_node_log(n, SR_LOG_ERROR, "store_read_failed", "status: could not read the peers' names: %s",
                sr_store_errmsg(n->store));
  if (st) json_object_set_new(st, "pushsum", sr_status_pushsum_json(n->g)); /* network size and averages */
  if (st) /* the trees at work: why duplicates or late deliveries come (docs/protocol.md) */
    json_object_set_new(st, "trees",
                        json_pack("{s:I, s:I, s:I}", "prunes", (json_int_t)gs.prunes, "grafts", (json_int_t)gs.grafts,
                                  "swaps", (json_int_t)gs.swaps));
  if (st) json_object_set_new(st, "lan", sr_node_lan_json(n)); /* friends nearby (node/lan.c) */
  /* a copy of the home that publishes nothing until claimed (node/device.h) */
  if (st) json_object_set_new(st, "copied", json_boolean(atomic_load(&n->copied)));
  /* entries and connections refused before they cost storage or a handshake (docs/config.md, "Quotas and abuse") */
  if (st)
    json_object_set_new(
        st, "refused",
        json_pack("{s:I, s:I, s:I, s:I, s:I}", "quota", (json_int_t)gs.quota_refused, "purged",
                  (json_int_t)gs.purged_refused, "policy", (json_int_t)gs.policy_refused, "refusals_in",
                  (json_int_t)gs.refusals_in, "conn_rate", (json_int_t)sr_net_conn_rate_refused(&n->net)));
  if (st)
    json_object_set_new(st, "fork_proofs",
                        json_pack("{s:I, s:I, s:I}", "in", (json_int_t)gs.fork_proofs_in, "out",
                                  (json_int_t)gs.fork_proofs_out, "dropped", (json_int_t)gs.fork_proofs_dropped));
  if (st && (sr_node_forks_status(n, st) ||    /* forks.c: forked authors, the self-fork stop */
             sr_node_restore_status(n, st))) { /* restore.c: a restore pending */
    json_decref(st);
    st = NULL;
  }
  return st;
}

json_t *sr_node_peers(sr_node_t *n) {
  json_t *arr = json_array(), *live = sr_status_sessions_json(n->g);
  uint64_t now = sr_node_now_ms();
  for (size_t i = 0; i < n->nknown; i++) {
    known_t *k = &n->known[i];
    json_t *o = sr_peer_json(&k->rec), *s;
    size_t j;
    if (!o) continue;
    const char *hex = json_string_value(json_object_get(o, "key"));
    /* Friends nearby: the address they announced on this network, while it
     * holds; a peer known from an announcement alone has "lan" as source. */
    if (k->nearby[0] && k->nearby_until_ms >= now) json_object_set_new(o, "nearby", json_string(k->nearby));
    if (k->nearby_only) json_object_set_new(o, "source", json_string("lan"));
    if (sr_gossip_connected(n->g, k->rec.key)) {
      /* A live session is seen now, however long ago it began. */
      json_object_set_new(o, "connected", json_true());
      json_object_set_new(o, "last_seen", json_integer((json_int_t)now));
      if (k->connected_ms) json_object_set_new(o, "connected_since", json_integer((json_int_t)k->connected_ms));
    }
    json_array_foreach(live, j, s) {
      if (strcmp(json_string_value(json_object_get(s, "key")), hex) == 0) {
        json_object_set(o, "direction", json_object_get(s, "direction"));
        json_object_set(o, "entries_in", json_object_get(s, "entries_in"));
        json_object_set(o, "entries_out", json_object_get(s, "entries_out"));
      }
    }
    json_array_append_new(arr, o);
  }
  json_decref(live);
  if (arr && sr_members_annotate(n->store, n->relay, arr))
    sr_node_log(n, SR_LOG_ERROR, "store_read_failed", "peers: could not read the peers' names: %s",
                sr_store_errmsg(n->store));
  return arr;
}
