/* device_ops.h: a person's devices through the running node (docs/protocol.md,
 * "Devices"). The control socket's device_add, device_list and device_revoke
 * (node/control_handlers.c) call these, and so does the web app through the
 * same table; loop thread only. Each returns 0 and then answers exactly once
 * through done(arg, rc, err, out) (sr_node_done_cb, daemon.h: out is the
 * reply's fields, the callee owns it; err says why when rc != 0), or returns
 * an error with err saying why, and done never runs.
 *
 * Only the person's first device (the node whose key is the identity, P)
 * adds and revokes devices: a node whose own log begins with `device-of` is
 * itself a device and gets SR_EISDEVICE.
 */
#ifndef SR_DEVICE_OPS_H
#define SR_DEVICE_OPS_H
#include "core/err.h"
#include "node/daemon.h"
#include "store/device_codes.h"
#include "store/store.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* How long a device code can be redeemed, from its creation. */
#define SR_DEVICE_CODE_TTL_MS (3600ull * 1000)

/* A new one-time device code: stored hashed (store/device_codes.h), valid
 * SR_DEVICE_CODE_TTL_MS, single use. name (NULL or "": none) is the label
 * the certificate `device {device, state: add, name}` will carry once a new
 * device redeems the code. out: {"code": "seurone-device:1:...", "address":
 * this node's address (in the code), "name": str|null, "expires_ms": unix ms,
 * "valid_s": 3600}. Errors: SR_EISDEVICE; SR_EINVAL for a name that is not
 * 1..SR_DEVICE_NAME_MAX bytes of UTF-8 (the schema, core/content.h). */
SR_MUST_USE int sr_node_device_add(sr_node_t *n, const char *name, sr_node_done_cb done, void *arg, char *err,
                                   size_t errlen);

/* This node's person and its devices, read on a worker. out: {"person": hex
 * (P), "self": hex (this node's key), "self_device": bool (this node is a
 * device of P), "devices": [{"key": hex, "name": str|null, "added_ms",
 * "state": "active"|"revoked", "bound": bool (the device's own log begins
 * with device-of P; false until its first entry arrived), "upto": int|null
 * (revoked: its last seq that stays P's), "last_seq": int (its highest seq
 * held, 0 none), "last_ts": unix ms|null, "this": bool (this node)}, ...]} in
 * certificate order. */
SR_MUST_USE int sr_node_device_list(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen);

/* Revokes one device of this person: which is its key (64 hex), a prefix of at
 * least 8 hex digits, or its name, among the devices P certified. Publishes
 * `device {device, state: revoke, upto}`, upto the highest seq of it this node
 * holds (0 none). out: {"device": hex, "name": str|null, "upto", "id": hex,
 * "seq"}. Errors: SR_EISDEVICE, SR_ENOTFOUND (no device of P matches),
 * SR_EAMBIGUOUS (several do), SR_EEXIST (revoked already: a second revocation
 * would change nothing). */
SR_MUST_USE int sr_node_device_revoke(sr_node_t *n, const char *which, sr_node_done_cb done, void *arg, char *err,
                                      size_t errlen);

/* 0 when name (NULL: none) may label a device: 1..SR_DEVICE_CODE_NAME_MAX
 * bytes of UTF-8 without control characters; else SR_EINVAL with err. */
SR_MUST_USE int sr_device_label_check(const char *name, char *err, size_t errlen);

/* ---- the same from the store, for the CLI when no node runs (and for the
 * node's own workers) ---- */

/* The document sr_node_device_list answers, read from st for self. */
SR_MUST_USE int sr_device_list_json(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], json_t **out);

/* A revocation ready to publish: which device, its label, its upto and the
 * content `device {device, state: revoke, upto, name}`. */
typedef struct sr_device_revoke {
  uint8_t device[SR_KEY_BYTES];
  char name[SR_DEVICE_CODE_NAME_MAX + 1];
  uint64_t upto;
  uint8_t content[256];
  size_t content_len;
} sr_device_revoke_t;
/* Resolves which among self's devices and fills r; the errors of
 * sr_node_device_revoke, err saying why and what to do. */
SR_MUST_USE int sr_device_revoke_prepare(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *which,
                                         sr_device_revoke_t *r, char *err, size_t errlen);

#endif
