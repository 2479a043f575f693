/* device_join.h: `seurone device join CODE` on a new machine (device_join.c;
 * docs/protocol.md "Devices"): this home's identity becomes a device of the
 * person whose first device made the code. */
#ifndef SR_DEVICE_JOIN_H
#define SR_DEVICE_JOIN_H
#include "core/err.h"
#include "net/address.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

/* How long the join waits for the first device's answer, then for the
 * person's log to hold the certificate. */
#define SR_DEVICE_JOIN_ANSWER_MS 15000
#define SR_DEVICE_JOIN_SYNC_MS 20000

typedef struct sr_device_joined {
  uint8_t person[SR_KEY_BYTES];
  char address[SR_NET_ADDRESS_MAX]; /* the first device's, now in the peer table */
  int published;                    /* seq 1 `device-of` written now (0: it was there, a retry) */
  int synced;                       /* the person's certificate of this key is in the store */
  int wrote_network_key;            /* the code's closed network key is now in HOME/config */
} sr_device_joined_t;

/* Joins with code: st is the home's store (open for writing; no node runs in
 * the home), sk its key pair. This identity's log must be empty, or hold only
 * its seq 1 `device-of` the same person (a join tried before): else
 * SR_EEXIST. Writes seq 1 `device-of {person: P}`, dials P's node at the
 * code's address, redeems the code (the invite frame), and once accepted
 * fetches P's log until it holds the certificate; then P's address joins the
 * peer table (so `seurone run` replicates with it) and, for a closed
 * network, its key is written into HOME/config. label (NULL: none) is this
 * device's name, carried in the invite frame: the first device certifies it
 * with it unless `device add` named it already. progress (may be NULL) hears
 * each stage. Errors (err: one sentence, what happened and what to do):
 * SR_EDEVCODEFORMAT, SR_EEXIST, SR_ENETKEYCONFLICT, SR_EDEVCODE,
 * SR_EDEVCODEUSED, SR_EDEVCODEOLD, SR_EISDEVICE (refusals of P's node), a
 * network error (P's node could not be reached), SR_ESTORE. */
SR_MUST_USE int sr_node_device_join(const char *home, sr_store_t *st, const uint8_t *sk, const char *code,
                                    const char *label, void (*progress)(void *ctx, const char *what), void *ctx,
                                    sr_device_joined_t *out, char *err, size_t errlen);

#endif
