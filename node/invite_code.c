/* invite_code.c: the text form of an invite code (see invite.h).
 *
 *   seurone-invite:1:<address>:<network key, 64 hex>:<secret, 64 hex>
 *
 * The address itself contains colons (seurone://HOST:PORT/KEY, IPv6 hosts in
 * brackets), so the code is read from the right: the two hex fields have a fixed
 * length, and the address is whatever lies between the prefix and them. Exactly
 * one text per (address, network key, secret): hex is lowercase only. */
#include "node/invite.h"
#include "node/code.h"
#include "core/err.h"
#include "core/hex.h"
#include "net/address.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Both hex fields, the network key and the secret, are as long. */
#define HEX32 (2 * SR_NET_NETKEY_BYTES)
_Static_assert(SR_INVITE_SECRET_BYTES == SR_NET_NETKEY_BYTES, "the two hex fields of a code are as long");

int sr_code_fields(const char *start, const char *nk, const char *sec, char *address, size_t acap,
                   uint8_t netkey[SR_NET_NETKEY_BYTES], uint8_t secret[SR_NET_NETKEY_BYTES]) {
  char host[SR_NET_HOST_MAX], hex[HEX32 + 1], addr[SR_NET_ADDRESS_MAX];
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  size_t alen = nk > start ? (size_t)(nk - 1 - start) : 0;
  int rc = 0;
  if (alen == 0 || alen >= sizeof(addr)) return SR_CODE_NOADDR;
  memcpy(addr, start, alen);
  addr[alen] = '\0';
  if (sr_net_address_parse(addr, host, sizeof(host), &port, key) != 0) return SR_CODE_BADADDR;
  if (address) {
    if (alen >= acap) return SR_ETOOBIG;
    memcpy(address, addr, alen + 1);
  }
  memcpy(hex, nk, HEX32);
  hex[HEX32] = '\0';
  if (netkey) rc = sr_hex_decode(hex, netkey, SR_NET_NETKEY_BYTES);
  memcpy(hex, sec, HEX32);
  if (rc == 0 && secret) rc = sr_hex_decode(hex, secret, SR_NET_NETKEY_BYTES);
  sodium_memzero(hex, sizeof(hex));
  return rc ? SR_CODE_BADHEX : 0;
}

/* The parser; *why (when not NULL) gets the problem. */
static int parse(const char *code, char *address, size_t acap, uint8_t netkey[SR_NET_NETKEY_BYTES], uint8_t *secret,
                 const char **why) {
  static const char *const bad_prefix =
      "an invite code starts with " SR_INVITE_PREFIX " (copy the whole line `seurone invite create` printed)";
  size_t plen = strlen(SR_INVITE_PREFIX), len;
  const char *w = NULL;
  if (!code) code = "";
  len = strlen(code);
  if (strncmp(code, SR_INVITE_PREFIX, plen) != 0) {
    w = strncmp(code, "seurone-invite:", 15) == 0
            ? "this invite code is from another version of seurone (this one reads "
              "version 1)"
            : bad_prefix;
    goto bad;
  }
  if (len < plen + 1 + 2 * (1 + HEX32)) {
    w = "the invite code is too short: it ends with the network key and the secret, 64 hex digits each";
    goto bad;
  }
  const char *sec = code + len - HEX32, *nk = sec - 1 - HEX32;
  if (nk[-1] != ':' || sec[-1] != ':' || !sr_hex_is_hex(nk, HEX32, 1) || !sr_hex_is_hex(sec, HEX32, 1)) {
    w = "the invite code must end with :<network key>:<secret>, 64 lowercase hex digits each (was it cut short?)";
    goto bad;
  }
  int rc = sr_code_fields(code + plen, nk, sec, address, acap, netkey, secret);
  if (rc == SR_ETOOBIG) return rc;
  if (rc == SR_CODE_NOADDR || rc == SR_CODE_BADADDR) {
    w = rc == SR_CODE_NOADDR ? "the invite code has no valid relay address"
                             : "the relay address in the invite code is not a seurone://HOST:PORT/KEY address";
    goto bad;
  }
  if (rc) { /* not reached: sr_hex_is_hex checked both above */
    w = "the invite code must end with :<network key>:<secret>, 64 lowercase hex digits each (was it cut short?)";
    goto bad;
  }
  return 0;
bad:
  if (why) *why = w;
  return SR_EINVITECODE;
}

int sr_invite_parse(const char *code, char *address, size_t acap, uint8_t netkey[SR_NET_NETKEY_BYTES],
                    uint8_t *secret) {
  return parse(code, address, acap, netkey, secret, NULL);
}

const char *sr_invite_problem(const char *code) {
  const char *why = NULL;
  return parse(code, NULL, 0, NULL, NULL, &why) == 0 ? NULL : why;
}

int sr_invite_format(const char *address, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                     const uint8_t secret[SR_INVITE_SECRET_BYTES], char *out, size_t cap) {
  char nk[HEX32 + 1], sec[HEX32 + 1], host[SR_NET_HOST_MAX];
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  int n;
  if (!address || sr_net_address_parse(address, host, sizeof(host), &port, key) != 0) return SR_EINVITECODE;
  sr_hex_encode(netkey, SR_NET_NETKEY_BYTES, nk);
  sr_hex_encode(secret, SR_INVITE_SECRET_BYTES, sec);
  n = snprintf(out, cap, "%s%s:%s:%s", SR_INVITE_PREFIX, address, nk, sec);
  sodium_memzero(sec, sizeof(sec));
  return n > 0 && (size_t)n < cap ? 0 : SR_ETOOBIG;
}
