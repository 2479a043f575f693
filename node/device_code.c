/* device_code.c: the text form of a device code (device_code.h), read from
 * the right as an invite code is (node/invite_code.c): the address has colons
 * of its own, the three hex fields have fixed lengths. */
#include "node/device_code.h"
#include "node/code.h"
#include "core/core.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define HEX32 64
#define CHECK_BYTES 4
#define CHECK_HEX (2 * CHECK_BYTES)

/* The check field of text[0..len). */
static void check_of(const char *text, size_t len, char out[CHECK_HEX + 1]) {
  uint8_t h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof(h), (const unsigned char *)text, len, NULL, 0);
  sr_hex_encode(h, CHECK_BYTES, out);
}

int sr_device_code_format(const char *address, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                          const uint8_t secret[SR_DEVICE_SECRET_BYTES], char *out, size_t cap) {
  char nk[HEX32 + 1], sec[HEX32 + 1], host[SR_NET_HOST_MAX], check[CHECK_HEX + 1];
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  int n;
  if (!address || sr_net_address_parse(address, host, sizeof(host), &port, key) != 0) return SR_EDEVCODEFORMAT;
  sr_hex_encode(netkey, SR_NET_NETKEY_BYTES, nk);
  sr_hex_encode(secret, SR_DEVICE_SECRET_BYTES, sec);
  n = snprintf(out, cap, "%s%s:%s:%s", SR_DEVICE_CODE_PREFIX, address, nk, sec);
  sodium_memzero(sec, sizeof(sec));
  if (n <= 0 || (size_t)n + 1 + CHECK_HEX >= cap) {
    if (cap) sodium_memzero(out, cap);
    return SR_ETOOBIG;
  }
  check_of(out, (size_t)n, check);
  snprintf(out + n, cap - (size_t)n, ":%s", check);
  return 0;
}

int sr_device_code_parse(const char *code, char *address, size_t acap, uint8_t netkey[SR_NET_NETKEY_BYTES],
                         uint8_t *secret, const char **why) {
  size_t plen = strlen(SR_DEVICE_CODE_PREFIX), len;
  char check[CHECK_HEX + 1];
  const char *w = NULL, *chk, *sec, *nk;
  int rc;
  if (!code) code = "";
  len = strlen(code);
  if (strncmp(code, SR_DEVICE_CODE_PREFIX, plen) != 0) {
    if (!strncmp(code, "seurone-invite:", 15))
      w = "this is a relay's invite code, not a device code: accept it with `seurone invite accept -`";
    else if (!strncmp(code, "seurone-device:", 15))
      w = "this device code is from another version of seurone (this one reads version 1)";
    else
      w = "a device code starts with " SR_DEVICE_CODE_PREFIX " (copy the whole line `seurone device add` printed)";
    goto bad;
  }
  if (len < plen + 1 + 2 * (1 + HEX32) + 1 + CHECK_HEX) {
    w = "the device code is too short: it ends with the network key, the secret (64 hex digits each) and 8 check "
        "digits (was it cut short?)";
    goto bad;
  }
  chk = code + len - CHECK_HEX;
  sec = chk - 1 - HEX32;
  nk = sec - 1 - HEX32;
  if (nk[-1] != ':' || sec[-1] != ':' || chk[-1] != ':' || !sr_hex_is_hex(nk, HEX32, 1) ||
      !sr_hex_is_hex(sec, HEX32, 1) || !sr_hex_is_hex(chk, CHECK_HEX, 1)) {
    w = "the device code must end with :<network key>:<secret>:<check>, 64, 64 and 8 lowercase hex digits (was it "
        "cut short?)";
    goto bad;
  }
  check_of(code, (size_t)(chk - 1 - code), check);
  if (sodium_memcmp(check, chk, CHECK_HEX) != 0) {
    w = "the device code's check digits do not match the rest: a character was mistyped, lost or added; copy the "
        "code again";
    goto bad;
  }
  _Static_assert(SR_DEVICE_SECRET_BYTES == SR_NET_NETKEY_BYTES, "a device code's fields are an invite code's");
  rc = sr_code_fields(code + plen, nk, sec, address, acap, netkey, secret);
  if (rc == SR_ETOOBIG) return rc;
  if (rc == SR_CODE_NOADDR || rc == SR_CODE_BADADDR) {
    w = rc == SR_CODE_NOADDR ? "the device code has no valid address"
                             : "the address in the device code is not a seurone://HOST:PORT/KEY address";
    goto bad;
  }
  if (rc) { /* not reached: sr_hex_is_hex checked both above */
    w = "the device code's hex fields do not decode";
    goto bad;
  }
  return 0;
bad:
  if (why) *why = w;
  return SR_EDEVCODEFORMAT;
}
