/* address.h: node addresses and network keys.
 *
 * A node address is one copy-pasteable string:
 *     seurone://HOST:PORT/KEYHEX
 * HOST is a DNS name, an IPv4 literal, or an IPv6 literal in brackets
 * ("seurone://[::1]:8008/..."); PORT is 1..65535 in decimal without leading
 * zeros; KEYHEX is the node's ed25519 public key as 64 lowercase hex digits.
 * Parsing is strict: no surrounding spaces, no trailing slash, no upper case
 * in the key. Callers that read user input trim it first.
 *
 * A network key (SHS "app key") is 32 bytes, written as 64 hex digits.
 */
#ifndef SR_NET_ADDRESS_H
#define SR_NET_ADDRESS_H
#include "core/entry.h"
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define SR_NET_ADDRESS_SCHEME "seurone://"
#define SR_NET_HOST_MAX 254    /* longest host, NUL included (DNS limit 253) */
#define SR_NET_ADDRESS_MAX 352 /* scheme + [host] + :port + / + 64 hex + NUL */
#define SR_NET_KEYHEX_BYTES 65 /* 64 hex digits + NUL */
#define SR_NET_NETKEY_BYTES 32 /* a network key (SHS "app key") */

/* Write the address of (host, port, pk) into out (cap >= SR_NET_ADDRESS_MAX is
 * always enough). host is written bare or, if it contains ':', in brackets.
 * SR_EADDRHOST for an empty/over-long/malformed host, SR_EADDRPORT for port 0,
 * SR_ETOOBIG if cap is short. */
SR_MUST_USE int sr_net_address_format(const char *host, uint16_t port, const uint8_t pk[SR_KEY_BYTES], char *out,
                                      size_t cap);

/* Parse s. On success host (cap >= SR_NET_HOST_MAX) holds the host without
 * brackets, *port and pk are set. Errors: SR_EADDRSCHEME, SR_EADDRHOST,
 * SR_EADDRPORT, SR_EADDRKEY; outputs are then unspecified. */
SR_MUST_USE int sr_net_address_parse(const char *s, char *host, size_t host_cap, uint16_t *port,
                                     uint8_t pk[SR_KEY_BYTES]);

/* The host to advertise for a node listening on listen_host: listen_host
 * itself unless it is a wildcard ("", "0.0.0.0", "::"), else the first
 * non-loopback IPv4 address of this machine, else "127.0.0.1".
 * out: cap >= SR_NET_HOST_MAX. */
SR_MUST_USE int sr_net_advertise_host(const char *listen_host, char *out, size_t cap);
/* The IP literal to listen on for host: an IPv4 or IPv6 literal is copied; a
 * host name ("localhost") is resolved once, now (blocking getaddrinfo), to its
 * first IPv4 address, else its first IPv6 one: a name that resolves to both
 * (localhost: 127.0.0.1 and ::1) is bound on the address peers dial first.
 * SR_ENETRESOLVE when it does not resolve, SR_ETOOBIG when out is too small. */
SR_MUST_USE int sr_net_listen_ip(const char *host, char *out, size_t cap);

/* The Seurone network's default network key (docs/protocol.md, "Transport"). */
void sr_net_netkey_default(uint8_t out[SR_NET_NETKEY_BYTES]);

/* Parse 64 hex digits (either case, nothing else) into a network key;
 * SR_ENETKEY otherwise. */
SR_MUST_USE int sr_net_netkey_parse(const char *hex, uint8_t out[SR_NET_NETKEY_BYTES]);

/* Write 64 lowercase hex digits and a NUL (out: SR_NET_KEYHEX_BYTES). */
void sr_net_netkey_format(const uint8_t key[SR_NET_NETKEY_BYTES], char out[SR_NET_KEYHEX_BYTES]);

#endif
