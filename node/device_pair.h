/* device_pair.h: pairing a device on the person's node (device_pair.c),
 * called by the redemption of an invite frame (relay_invites.c). Private to
 * node/. */
#ifndef SR_DEVICE_PAIR_H
#define SR_DEVICE_PAIR_H
#include "node/daemon.h"
#include "store/device_codes.h"
#include <stddef.h>
#include <stdint.h>

/* On a worker of the queue of small writes: redeems secret as one of this
 * person's device codes for key. 0: it is one, now used by key (*again: it
 * was already, a retry), name (cap bytes) the label for the certificate.
 * SR_EDEVCODE: no device code has this secret (it may be a relay invite).
 * Else the refusal: SR_EDEVCODEUSED, SR_EDEVCODEOLD, SR_EISDEVICE (this node
 * is itself a device), SR_ESTORE. */
SR_MUST_USE int sr_node_device_code_redeem(sr_node_t *n, const uint8_t key[SR_KEY_BYTES],
                                           const uint8_t secret[SR_DEVICE_SECRET_BYTES], uint64_t now, int *again,
                                           char *name, size_t cap);

/* The end of a certification: rc 0, or why it failed (why is one sentence). */
typedef void (*sr_node_certified_cb)(void *arg, int rc, const char *why);
/* On the loop, after a redeemed code: publishes `device {device: key, state:
 * add, name}` (unless again: it is out already), waits for the scope to hold
 * key, then cb. When the certificate cannot be published, the code is
 * given back to key (sr_store_device_code_release) before cb, so the device
 * can try again. */
void sr_node_device_certify(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                            const char *name, int again, sr_node_certified_cb cb, void *arg);

#endif
