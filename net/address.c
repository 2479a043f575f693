/* address.c: the seurone:// address format and network key helpers (see
 * address.h). Invariant: sr_net_address_parse accepts exactly the strings
 * sr_net_address_format produces (for hosts given in canonical form), so an
 * address round-trips byte for byte.
 */
#include "net/address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "core/err.h"
#include "core/hex.h"

/* Both keys written in hex here, a node's public key and a network key, are 32 bytes. */
#define KEY_BYTES SR_KEY_BYTES
_Static_assert(SR_NET_NETKEY_BYTES == KEY_BYTES, "a network key is as long as a node key");
#define KEY_HEX (2 * KEY_BYTES)
#define PORT_DIGITS_MAX 5

/* Seurone's own network key; never reuse another network's. */
static const char default_netkey_hex[] = "894171733106407826eea36a97fe986070c395a6d2a91e4880f00ac3f60f8d0c";

/* An address's key is lowercase only; a network key may be typed in either case.
 * out is untouched on failure. */
static int unhex32(const char *s, size_t len, uint8_t out[KEY_BYTES], int allow_upper) {
  if (len != KEY_HEX || !sr_hex_is_hex(s, len, !allow_upper)) return -1;
  return sr_hex_decode_span(s, len, out, KEY_BYTES) == 0 ? 0 : -1;
}

static void hex32(const uint8_t in[KEY_BYTES], char *out) { sr_hex_encode(in, KEY_BYTES, out); }

/* A DNS name or IPv4 literal: letters, digits, '-', '.', no empty label. */
static int valid_name(const char *h, size_t len) {
  size_t label = 0;
  if (len == 0 || len >= SR_NET_HOST_MAX) return 0;
  for (size_t i = 0; i < len; i++) {
    char ch = h[i];
    if (ch == '.') {
      if (label == 0) return 0;
      label = 0;
      continue;
    }
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-')) return 0;
    if (++label > 63) return 0;
  }
  return label > 0;
}

static int all_digits_dots(const char *h, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.')) return 0;
  return 1;
}

/* Validate a host given without brackets. */
static int valid_host(const char *h, size_t len) {
  char tmp[SR_NET_HOST_MAX];
  unsigned char addr[sizeof(struct in6_addr)];
  if (len == 0 || len >= sizeof tmp) return 0;
  memcpy(tmp, h, len);
  tmp[len] = 0;
  if (memchr(h, ':', len)) return inet_pton(AF_INET6, tmp, addr) == 1;
  if (all_digits_dots(h, len)) return inet_pton(AF_INET, tmp, addr) == 1;
  return valid_name(h, len);
}

int sr_net_address_format(const char *host, uint16_t port, const uint8_t pk[SR_KEY_BYTES], char *out, size_t cap) {
  char keyhex[SR_NET_KEYHEX_BYTES];
  int n;
  if (!host || !pk || !out) return SR_EINVAL;
  if (!valid_host(host, strlen(host))) return SR_EADDRHOST;
  if (port == 0) return SR_EADDRPORT;
  hex32(pk, keyhex);
  if (strchr(host, ':')) n = snprintf(out, cap, "%s[%s]:%u/%s", SR_NET_ADDRESS_SCHEME, host, (unsigned)port, keyhex);
  else
    n = snprintf(out, cap, "%s%s:%u/%s", SR_NET_ADDRESS_SCHEME, host, (unsigned)port, keyhex);
  if (n < 0 || (size_t)n >= cap) return SR_ETOOBIG;
  return 0;
}

int sr_net_address_parse(const char *s, char *host, size_t host_cap, uint16_t *port, uint8_t pk[SR_KEY_BYTES]) {
  const char *p, *h, *h_end, *slash;
  size_t scheme_len = strlen(SR_NET_ADDRESS_SCHEME), hlen, digits = 0;
  unsigned long v = 0;

  if (!s || !host || !port || !pk) return SR_EINVAL;
  if (strncmp(s, SR_NET_ADDRESS_SCHEME, scheme_len) != 0) return SR_EADDRSCHEME;
  p = s + scheme_len;
  if (*p == '[') {
    h = p + 1;
    h_end = strchr(h, ']');
    if (!h_end) return SR_EADDRHOST;
    hlen = (size_t)(h_end - h);
    if (!memchr(h, ':', hlen) || !valid_host(h, hlen)) return SR_EADDRHOST;
    p = h_end + 1;
  } else {
    h = p;
    h_end = strchr(h, ':');
    if (!h_end) return SR_EADDRHOST;
    hlen = (size_t)(h_end - h);
    if (!valid_host(h, hlen)) return SR_EADDRHOST;
    p = h_end;
  }
  if (*p != ':') return SR_EADDRPORT;
  p++;
  slash = strchr(p, '/');
  if (!slash) return SR_EADDRKEY;
  for (const char *q = p; q < slash; q++) {
    if (*q < '0' || *q > '9' || ++digits > PORT_DIGITS_MAX) return SR_EADDRPORT;
    v = v * 10 + (unsigned long)(*q - '0');
  }
  if (digits == 0 || *p == '0' || v == 0 || v > 65535) return SR_EADDRPORT;
  if (unhex32(slash + 1, strlen(slash + 1), pk, 0) != 0) return SR_EADDRKEY;
  if (hlen + 1 > host_cap) return SR_ETOOBIG;
  memcpy(host, h, hlen);
  host[hlen] = 0;
  *port = (uint16_t)v;
  return 0;
}

int sr_net_advertise_host(const char *listen_host, char *out, size_t cap) {
  uv_interface_address_t *ifs = NULL;
  int count = 0, found = 0;
  if (!listen_host || !out || cap == 0) return SR_EINVAL;
  if (*listen_host && strcmp(listen_host, "0.0.0.0") != 0 && strcmp(listen_host, "::") != 0) {
    if (strlen(listen_host) >= cap) return SR_ETOOBIG;
    strcpy(out, listen_host);
    return 0;
  }
  if (cap < INET_ADDRSTRLEN) return SR_ETOOBIG;
  if (uv_interface_addresses(&ifs, &count) == 0) {
    for (int i = 0; i < count && !found; i++) {
      if (ifs[i].is_internal || ifs[i].address.address4.sin_family != AF_INET) continue;
      found = uv_ip4_name(&ifs[i].address.address4, out, cap) == 0;
    }
    uv_free_interface_addresses(ifs, count);
  }
  if (!found) snprintf(out, cap, "127.0.0.1");
  return 0;
}

int sr_net_listen_ip(const char *host, char *out, size_t cap) {
  struct in6_addr a6;
  struct addrinfo hints, *res = NULL, *pick = NULL;
  if (!host || !out || cap == 0) return SR_EINVAL;
  if (inet_pton(AF_INET, host, &a6) == 1 || inet_pton(AF_INET6, host, &a6) == 1) {
    if (strlen(host) >= cap) return SR_ETOOBIG;
    strcpy(out, host);
    return 0;
  }
  /* "localhost" is this machine's loopback whatever the resolver says: a
   * machine with no /etc/hosts line for it (a minimal chroot or container) would
   * send the name to DNS, which may answer anything or nothing. */
  if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0) {
    if (cap < sizeof("127.0.0.1")) return SR_ETOOBIG;
    strcpy(out, "127.0.0.1");
    return 0;
  }
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (!*host || getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return SR_ENETRESOLVE;
  for (struct addrinfo *r = res; r && !pick; r = r->ai_next)
    if (r->ai_family == AF_INET) pick = r;
  for (struct addrinfo *r = res; r && !pick; r = r->ai_next)
    if (r->ai_family == AF_INET6) pick = r;
  int rc = SR_ENETRESOLVE;
  if (pick && cap >= INET6_ADDRSTRLEN) {
    const void *src = pick->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)pick->ai_addr)->sin_addr
                                                 : (const void *)&((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
    rc = inet_ntop(pick->ai_family, src, out, (socklen_t)cap) ? 0 : SR_ENETRESOLVE;
  } else if (pick) {
    rc = SR_ETOOBIG;
  }
  freeaddrinfo(res);
  return rc;
}

void sr_net_netkey_default(uint8_t out[SR_NET_NETKEY_BYTES]) { (void)unhex32(default_netkey_hex, KEY_HEX, out, 0); }

int sr_net_netkey_parse(const char *hex, uint8_t out[SR_NET_NETKEY_BYTES]) {
  if (!hex || !out) return SR_EINVAL;
  return unhex32(hex, strlen(hex), out, 1) == 0 ? 0 : SR_ENETKEY;
}

void sr_net_netkey_format(const uint8_t key[SR_NET_NETKEY_BYTES], char out[SR_NET_KEYHEX_BYTES]) { hex32(key, out); }
