/* invite_code.c: the text form of an invite code (see invite.h). */
#include "node/invite.h"
#include "core/err.h"
#include "core/hex.h"
#include "net/address.h"
#include <stdio.h>
#include <string.h>

int sr_invite_format(const char *address, const uint8_t netkey[32], const uint8_t secret[32], char *out, size_t cap) {
  char nk[65], sec[65];
  sr_hex_encode(netkey, 32, nk);
  sr_hex_encode(secret, 32, sec);
  int n = snprintf(out, cap, "%s%s:%s:%s", SR_INVITE_PREFIX, address, nk, sec);
  return n > 0 && (size_t)n < cap ? 0 : SR_ETOOBIG;
}

int sr_invite_parse(const char *code, char *address, size_t acap, uint8_t netkey[32], uint8_t *secret) {
  size_t plen = strlen(SR_INVITE_PREFIX), len = strlen(code);
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[32], tmp[32];
  /* <address>:<64 hex>:<64 hex> — the two hex fields have fixed length, so the
   * address is everything before them (it may itself contain colons). */
  if (len < plen + 2 * 65 + 1 || strncmp(code, SR_INVITE_PREFIX, plen) != 0) return SR_EINVITECODE;
  const char *sec = code + len - 64, *nk = sec - 65;
  if (nk[-1] != ':' || sec[-1] != ':') return SR_EINVITECODE;
  size_t alen = (size_t)(nk - 1 - (code + plen));
  if (alen == 0 || alen >= acap) return SR_EINVITECODE;
  memcpy(address, code + plen, alen);
  address[alen] = '\0';
  char nkbuf[65], secbuf[65];
  memcpy(nkbuf, nk, 64);
  nkbuf[64] = '\0';
  memcpy(secbuf, sec, 64);
  secbuf[64] = '\0';
  if (sr_hex_decode(nkbuf, netkey, 32) || sr_hex_decode(secbuf, secret ? secret : tmp, 32)) return SR_EINVITECODE;
  if (sr_net_address_parse(address, host, sizeof(host), &port, key)) return SR_EINVITECODE;
  return 0;
}
