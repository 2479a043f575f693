/* device_code.h: the text of a one-time device code, and what the pairing
 * code on both sides shares (docs/protocol.md "Devices").
 *
 *   seurone-device:1:<address>:<network key, 64 hex>:<secret, 64 hex>:<check, 8 hex>
 *
 * address is the first device's seurone://HOST:PORT/KEY (KEY: the person's
 * identity key P), the network key the one its node runs on, the secret the
 * code's 32 random bytes, and check the first 4 bytes of BLAKE2b-256 of
 * everything before ":<check>", so a code mistyped or cut short is caught before
 * anything is dialled. One line, no spaces, lowercase hex. The prefix differs
 * from an invite's (seurone-invite:1:) so neither is taken for the other.
 */
#ifndef SR_DEVICE_CODE_H
#define SR_DEVICE_CODE_H
#include "core/entry.h"
#include "core/err.h"
#include "net/address.h"
#include "store/device_codes.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

#define SR_DEVICE_CODE_PREFIX "seurone-device:1:"
/* prefix + address (< 352) + 2 x (":" + 64 hex) + ":" + 8 hex + NUL */
#define SR_DEVICE_CODE_MAX 560

/* Writes the code for (address, network key, secret) into out. SR_EDEVCODEFORMAT
 * when address is not a seurone:// address, SR_ETOOBIG when cap is short
 * (SR_DEVICE_CODE_MAX is always enough). */
SR_MUST_USE int sr_device_code_format(const char *address, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                                      const uint8_t secret[SR_DEVICE_SECRET_BYTES], char *out, size_t cap);
/* Parses a code strictly (callers trim what a person pasted): address (acap >=
 * SR_NET_ADDRESS_MAX; may be NULL), netkey and secret (each may be NULL).
 * SR_EDEVCODEFORMAT when malformed, *why (may be NULL) a sentence saying how
 * and what to do (static). */
SR_MUST_USE int sr_device_code_parse(const char *code, char *address, size_t acap, uint8_t netkey[SR_NET_NETKEY_BYTES],
                                     uint8_t *secret, const char **why);

/* Whether key's log begins with `device-of`, i.e. key is a device (as far as
 * its own word goes; the person's certificate is another matter): 1 with
 * person (may be NULL) set to the person it names, 0 when not (no seq 1
 * held, or another type), or an SR_E* code. */
SR_MUST_USE int sr_device_claimed(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint8_t person[SR_KEY_BYTES]);

/* Whether e is a `device` entry certifying device (state add): 1, else 0. */
int sr_device_certifies(const sr_entry_t *e, const uint8_t device[SR_KEY_BYTES]);

#endif
