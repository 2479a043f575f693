/* entry_json.h: entries, logs, the graph and one entry's flow as the JSON the
 * CLI's --json prints (docs/cli.md, docs/flow.md) and the web API serves
 * (node/view.h): ONE builder for both, so the two never drift apart. JSON
 * carries text exactly as written (jansson holds UTF-8 and escapes controls
 * itself); escaping for a terminal is the CLI's job, not this one's. */
#ifndef SR_NODE_ENTRY_JSON_H
#define SR_NODE_ENTRY_JSON_H
#include "core/core.h"
#include "store/store.h"
#include "store/flowview.h"
#include "store/forks.h"
#include "store/restore_gate.h"
#include <jansson.h>

/* Lowercase hex of b[0..len) as a JSON string (null when len > SR_ENTRY_MAX). */
json_t *sr_json_hex(const uint8_t *b, size_t len);
/* Canonical msgpack (checked) to JSON: bin as lowercase hex, big uints as
 * strings; null when buf is not canonical. */
json_t *sr_json_from_msgpack(const uint8_t *buf, size_t len);
/* The log form of an entry: {id, author, seq, prev, ts, type, content} and,
 * with f, {received_at, source, from, hops}. */
json_t *sr_json_entry(const sr_entry_t *e, const sr_flow_t *f);
/* The author's latest about name as JSON, null when none is held. */
json_t *sr_json_author_name(sr_store_t *st, const uint8_t author[SR_KEY_BYTES]);
/* The name of key's person (store/devices.h: the newest about among the
 * person's keys) as JSON, null when none is held. */
json_t *sr_json_person_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]);
/* Who wrote an entry, as people see it (docs/format.md, "Devices"): sets o's
 * "author" to the person of (author, seq), "author_name" to the person's
 * name, "device" and "device_name" to the key that signed it and its label
 * when that key is one of the person's devices (both null when the person's
 * own key signed). person (may be NULL) gets the person's key. 0, SR_ENOMEM
 * or SR_ESTORE. */
SR_MUST_USE int sr_json_set_author(sr_store_t *st, json_t *o, const uint8_t author[SR_KEY_BYTES], uint64_t seq,
                                   uint8_t *person);
/* One element of `log --json`: sr_json_entry with sr_json_set_author's
 * "author", "author_name", "device", "device_name". */
json_t *sr_json_log_item(sr_store_t *st, const sr_entry_t *e, const sr_flow_t *f);
/* `graph --json`: {"people", "projects", "edges": {kind: [[src, dst]...]},
 * "forked_authors"}, read from st. 0, or an SR_E* code (*out untouched). */
SR_MUST_USE int sr_json_graph(sr_store_t *st, json_t **out);
/* `status --json`'s "forked_authors": [{"id", "name" (latest about, or null),
 * "seq" (the head held), "self"}] for keys[0..n), which self may be among. */
json_t *sr_json_forked_authors(sr_store_t *st, const uint8_t (*keys)[SR_KEY_BYTES], size_t n,
                               const uint8_t self[SR_KEY_BYTES]);
/* `status --json`'s "self_fork": null when publishing is allowed, else
 * {"reason": "entry"|"fork"|"proof", "seq", "id", "from", "at", "message"}
 * (store/forks.h; message: what happened and what to do). */
json_t *sr_json_self_fork(const sr_self_fork_t *sf);
/* `status --json`'s "restore_pending": null when no restore is pending, else
 * {since, paper, peer_head (null: no peer said yet), from, head, message};
 * head is the own log's seq held now. */
json_t *sr_json_restore_gate(const sr_restore_gate_t *g, uint64_t head);
/* `flow entry --json` of the held entry e (flow f): its log form without the
 * content, "latency_ms", "skewed", and from the loaded forest x "reach" and
 * "reshares". NULL when out of memory or when the reach cannot be computed. */
json_t *sr_json_flow_entry(const sr_entry_t *e, const sr_flow_t *f, const sr_flowforest_t *x);

#endif
