/* code.h: what invite codes (invite_code.c) and device codes (device_code.c)
 * share: the address, network key and secret they end with. */
#ifndef SR_NODE_CODE_H
#define SR_NODE_CODE_H

#include "core/err.h"
#include "net/address.h"
#include <stddef.h>
#include <stdint.h>

/* The fields an invite code and a device code (device_code.c) end with, read
 * from the right: the address from start up to the ':' before nk, the network
 * key at nk and the secret at sec (64 lowercase hex digits each, checked by the
 * caller). The address is parsed, and copied into address (acap bytes) when
 * address is not NULL; netkey and secret, when not NULL, get the bytes. 0,
 * SR_ETOOBIG (acap), or SR_CODE_NOADDR, SR_CODE_BADADDR, SR_CODE_BADHEX, for
 * which the caller has its own sentence. */
enum { SR_CODE_NOADDR = 1, SR_CODE_BADADDR = 2, SR_CODE_BADHEX = 3 };
SR_MUST_USE int sr_code_fields(const char *start, const char *nk, const char *sec, char *address, size_t acap,
                               uint8_t netkey[SR_NET_NETKEY_BYTES], uint8_t secret[SR_NET_NETKEY_BYTES]);

#endif
