/* test_address.c: seurone:// address format/parse (round trips, IPv6
 * brackets, every strict rejection), the advertised host, network keys. */
#include "core/err.h"
#include "net/address.h"
#include "tests/net/test_util.h"

#define KEYHEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void roundtrip(const char *host, uint16_t port) {
  uint8_t pk[SR_KEY_BYTES], pk2[SR_KEY_BYTES];
  char addr[SR_NET_ADDRESS_MAX], addr2[SR_NET_ADDRESS_MAX], h[SR_NET_HOST_MAX];
  uint16_t p;
  for (size_t i = 0; i < SR_KEY_BYTES; i++) pk[i] = (uint8_t)(i * 9 + 1);
  CHECK(sr_net_address_format(host, port, pk, addr, sizeof addr) == 0);
  CHECK(sr_net_address_parse(addr, h, sizeof h, &p, pk2) == 0);
  CHECK(strcmp(h, host) == 0 && p == port && memcmp(pk, pk2, SR_KEY_BYTES) == 0);
  CHECK(sr_net_address_format(h, p, pk2, addr2, sizeof addr2) == 0);
  CHECK(strcmp(addr, addr2) == 0);
}

static int parse(const char *s) {
  char h[SR_NET_HOST_MAX];
  uint16_t p;
  uint8_t pk[SR_KEY_BYTES];
  return sr_net_address_parse(s, h, sizeof h, &p, pk);
}

int main(void) {
  char out[SR_NET_ADDRESS_MAX], h[SR_NET_HOST_MAX];
  uint8_t pk[SR_KEY_BYTES], k[SR_KEY_BYTES];
  uint16_t port;

  roundtrip("127.0.0.1", 8008);
  roundtrip("::1", 1);
  roundtrip("fe80::1:2", 65535);
  roundtrip("relay.example.org", 443);

  CHECK(tu_unhex(KEYHEX, pk, SR_KEY_BYTES) == 0);
  CHECK(sr_net_address_format("::1", 8008, pk, out, sizeof out) == 0);
  CHECK(strcmp(out, "seurone://[::1]:8008/" KEYHEX) == 0);
  CHECK(sr_net_address_parse("seurone://10.0.0.7:9/" KEYHEX, h, sizeof h, &port, k) == 0);
  CHECK(strcmp(h, "10.0.0.7") == 0 && port == 9 && memcmp(k, pk, SR_KEY_BYTES) == 0);
  CHECK(sr_net_address_format("::1", 8008, pk, out, 20) == SR_ETOOBIG);
  CHECK(sr_net_address_format("", 8008, pk, out, sizeof out) == SR_EADDRHOST);
  CHECK(sr_net_address_format("a b", 8008, pk, out, sizeof out) == SR_EADDRHOST);
  CHECK(sr_net_address_format("h", 0, pk, out, sizeof out) == SR_EADDRPORT);

  CHECK(parse("seurone:/h:1/" KEYHEX) == SR_EADDRSCHEME);
  CHECK(parse("SEURONE://h:1/" KEYHEX) == SR_EADDRSCHEME);
  CHECK(parse(" seurone://h:1/" KEYHEX) == SR_EADDRSCHEME);
  CHECK(parse("seurone://:1/" KEYHEX) == SR_EADDRHOST);
  CHECK(parse("seurone://::1:8008/" KEYHEX) == SR_EADDRHOST); /* IPv6 needs brackets */
  CHECK(parse("seurone://[::1/" KEYHEX) == SR_EADDRHOST);
  CHECK(parse("seurone://[127.0.0.1]:1/" KEYHEX) == SR_EADDRHOST); /* brackets only for IPv6 */
  CHECK(parse("seurone://[::g]:1/" KEYHEX) == SR_EADDRHOST);
  CHECK(parse("seurone://300.1.1.1:1/" KEYHEX) == SR_EADDRHOST);
  CHECK(parse("seurone://a..b:1/" KEYHEX) == SR_EADDRHOST);
  CHECK(parse("seurone://h/" KEYHEX) == SR_EADDRHOST);
  CHECK(parse("seurone://[::1]/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:0/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:08/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:65536/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:123456/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:+1/" KEYHEX) == SR_EADDRPORT);
  CHECK(parse("seurone://h:1") == SR_EADDRKEY);
  CHECK(parse("seurone://h:1/") == SR_EADDRKEY);
  CHECK(parse("seurone://h:1/" KEYHEX "/") == SR_EADDRKEY);
  CHECK(parse("seurone://h:1/" KEYHEX "\n") == SR_EADDRKEY);
  CHECK(parse("seurone://h:1/00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff") == SR_EADDRKEY);
  CHECK(parse("seurone://h:1/0011") == SR_EADDRKEY);

  /* advertised host */
  CHECK(sr_net_advertise_host("192.0.2.5", h, sizeof h) == 0 && strcmp(h, "192.0.2.5") == 0);
  CHECK(sr_net_advertise_host("0.0.0.0", h, sizeof h) == 0);
  CHECK(strcmp(h, "127.0.0.1") == 0 || strncmp(h, "127.", 4) != 0); /* loopback only as the fallback */
  CHECK(parse("seurone://x:1/" KEYHEX) == 0);
  {
    char a[SR_NET_ADDRESS_MAX];
    CHECK(sr_net_address_format(h, 1, pk, a, sizeof a) == 0);
  }
  CHECK(sr_net_advertise_host("::", h, sizeof h) == 0 && strchr(h, '.') != NULL);

  /* network keys */
  {
    char hex[SR_NET_KEYHEX_BYTES];
    sr_net_netkey_default(k);
    sr_net_netkey_format(k, hex);
    CHECK(strcmp(hex, "894171733106407826eea36a97fe986070c395a6d2a91e4880f00ac3f60f8d0c") == 0);
    CHECK(sr_net_netkey_parse("894171733106407826EEA36A97FE986070C395A6D2A91E4880F00AC3F60F8D0C", pk) == 0);
    CHECK(memcmp(pk, k, SR_KEY_BYTES) == 0);
    CHECK(sr_net_netkey_parse("8941", pk) == SR_ENETKEY);
    CHECK(sr_net_netkey_parse("z94171733106407826eea36a97fe986070c395a6d2a91e4880f00ac3f60f8d0c", pk) == SR_ENETKEY);
  }
  /* localhost is the loopback without asking the resolver (a minimal chroot has
   * no /etc/hosts line for it); other names still go to getaddrinfo. */
  CHECK(sr_net_listen_ip("localhost", h, sizeof h) == 0 && strcmp(h, "127.0.0.1") == 0);
  CHECK(sr_net_listen_ip("LocalHost.", h, sizeof h) == 0 && strcmp(h, "127.0.0.1") == 0);
  CHECK(sr_net_listen_ip("localhost", h, 4) == SR_ETOOBIG);
  CHECK(sr_net_listen_ip("10.1.2.3", h, sizeof h) == 0 && strcmp(h, "10.1.2.3") == 0);
  CHECK(sr_net_listen_ip("", h, sizeof h) == SR_ENETRESOLVE);
  printf("test_address: all passed\n");
  return 0;
}
