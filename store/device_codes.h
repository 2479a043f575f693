/* device_codes.h: the one-time codes a person's first device hands out to pair
 * a new device (`seurone device add`; docs/protocol.md "Devices"). Node state
 * beside the entries, like the relay invites of peers.h: reindex never touches
 * it, and backup copies it.
 *
 * On disk (big-endian):
 *   device_codes  BLAKE2b-256(secret)[32] -> created_ms u64, expires_ms u64,
 *                 used_ms u64 (0: not used), device key[32] (the key that used
 *                 it; zeros while unused), name length u8, name bytes
 * The hash, never the secret: whoever reads the store or a backup of it
 * cannot pair a device in this person's name. A code is single use; a used or
 * expired one is kept (answering SR_EDEVCODEUSED, SR_EDEVCODEOLD rather than
 * SR_EDEVCODE) until SR_DEVICE_CODE_KEEP_MS after it expired, when the next
 * create drops it.
 */
#ifndef SR_STORE_DEVICE_CODES_H
#define SR_STORE_DEVICE_CODES_H
#include "core/err.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

#define SR_DEVICE_SECRET_BYTES 32
/* The longest label a code carries for the certificate (bytes). */
#define SR_DEVICE_CODE_NAME_MAX 64
/* How long an expired or used code still answers for itself. */
#define SR_DEVICE_CODE_KEEP_MS (24ull * 3600 * 1000)

typedef struct sr_device_code {
  uint64_t created_ms, expires_ms, used_ms;
  uint8_t device[SR_KEY_BYTES];           /* with used_ms */
  char name[SR_DEVICE_CODE_NAME_MAX + 1]; /* "" none */
} sr_device_code_t;

/* Stores a new code valid from now_ms until now_ms + ttl_ms, carrying name
 * (NULL or "": none; at most SR_DEVICE_CODE_NAME_MAX bytes, else SR_EINVAL),
 * and writes its random secret into secret: the caller puts it in the code
 * text, then wipes it. Drops the codes that expired more than
 * SR_DEVICE_CODE_KEEP_MS before now_ms, in the same transaction. */
SR_MUST_USE int sr_store_device_code_create(sr_store_t *st, const char *name, uint64_t now_ms, uint64_t ttl_ms,
                                            uint8_t secret[SR_DEVICE_SECRET_BYTES]);
/* Redeems the code of secret for device, atomically (one write transaction):
 *   unknown secret                     -> SR_EDEVCODE
 *   used by this device already        -> 0, *again = 1, nothing changes (a
 *                                         retry after a lost answer)
 *   used by another key                -> SR_EDEVCODEUSED
 *   now_ms >= expires_ms               -> SR_EDEVCODEOLD
 *   else                               -> marked used by device at now_ms, 0,
 *                                         *again = 0
 * out (may be NULL) gets the record as it is after the call when it is known. */
SR_MUST_USE int sr_store_device_code_use(sr_store_t *st, const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                                         const uint8_t device[SR_KEY_BYTES], uint64_t now_ms, int *again,
                                         sr_device_code_t *out);
/* Undoes a use by device (its certificate could not be written): the code is
 * unused again, for the same device to retry. SR_ENOTFOUND when the code is
 * unknown or not used by device. */
SR_MUST_USE int sr_store_device_code_release(sr_store_t *st, const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                                             const uint8_t device[SR_KEY_BYTES]);
/* Reads a code's record: SR_ENOTFOUND when unknown. */
SR_MUST_USE int sr_store_device_code_get(sr_store_t *st, const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                                         sr_device_code_t *out);

#endif
