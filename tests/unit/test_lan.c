/* test_lan.c: core/lanpacket — friends-nearby announcements sealed under a
 * key derived from the network key: what one node seals another of the same
 * network opens; another key, one changed bit, another length, an unknown
 * version and a replay are refused; every packet has one length. And the
 * config keys lan, lan_port, lan_interval. */
#include "core/lanpacket.h"
#include "node/config.h"
#include "tests/unit/t.h"
#include <sodium.h>

static const uint8_t NETKEY[SR_SHS_NETKEY_BYTES] = {0x89, 0x41, 0x71, 0x73, 0x31, 0x06, 0x40, 0x78, 0x26, 0xee, 0xa3,
                                                    0x6a, 0x97, 0xfe, 0x98, 0x60, 0x70, 0xc3, 0x95, 0xa6, 0xd2, 0xa9,
                                                    0x1e, 0x48, 0x80, 0xf0, 0x0a, 0xc3, 0xf6, 0x0f, 0x8d, 0x0c};

static sr_lan_announce_t sample(void) {
  sr_lan_announce_t a;
  for (unsigned i = 0; i < SR_KEY_BYTES; i++) a.key[i] = (uint8_t)(0xa0 + i);
  a.port = 8708;
  a.ts_ms = 1700000000123ull;
  return a;
}

/* The derived key is BLAKE2b-256("seurone lan v1", key = network key), and
 * not the network key; docs/protocol.md gives this value for the default network. */
static void key_derivation(void) {
  uint8_t k[SR_LAN_KEY_BYTES], want[SR_LAN_KEY_BYTES];
  char hex[2 * SR_LAN_KEY_BYTES + 1];
  sr_lan_key(NETKEY, k);
  T_CHECK(memcmp(k, NETKEY, SR_LAN_KEY_BYTES) != 0);
  crypto_generichash(want, SR_LAN_KEY_BYTES, (const uint8_t *)"seurone lan v1", 14, NETKEY, SR_SHS_NETKEY_BYTES);
  T_MEMEQ(k, want, SR_LAN_KEY_BYTES);
  /* Python's hashlib.blake2b(b"seurone lan v1", digest_size=32, key=netkey). */
  sr_hex_encode(k, SR_LAN_KEY_BYTES, hex);
  T_EQ(strcmp(hex, "89d70b6ec0fae8b9727d2f57d42e6d900d18ed75af1a2f636263a53f914f6bbf"), 0);
}

static void round_trip(void) {
  uint8_t k[SR_LAN_KEY_BYTES], pkt[SR_LAN_PACKET_BYTES];
  sr_lan_announce_t a = sample(), b;
  sr_lan_key(NETKEY, k);
  T_OK(sr_lan_seal(k, &a, pkt));
  T_OK(sr_lan_open(k, pkt, sizeof(pkt), &b));
  T_MEMEQ(b.key, a.key, SR_KEY_BYTES);
  T_EQ(b.port, 8708);
  T_EQ(b.ts_ms, 1700000000123ull);
  /* Neither the key nor the port can be seen in the packet. */
  for (size_t i = 0; i + 8 <= sizeof(pkt); i++) T_CHECK(memcmp(pkt + i, a.key, 8) != 0);
}

static void wrong_key_rejected(void) {
  uint8_t k[SR_LAN_KEY_BYTES], other_net[SR_SHS_NETKEY_BYTES], k2[SR_LAN_KEY_BYTES], pkt[SR_LAN_PACKET_BYTES];
  sr_lan_announce_t a = sample(), b;
  sr_lan_key(NETKEY, k);
  memcpy(other_net, NETKEY, SR_SHS_NETKEY_BYTES);
  other_net[31] ^= 1;
  sr_lan_key(other_net, k2);
  T_OK(sr_lan_seal(k, &a, pkt));
  T_EQ(sr_lan_open(k2, pkt, sizeof(pkt), &b), SR_ELANAUTH);
  /* Sealed with the raw network key (a wrong derivation) does not open either. */
  T_OK(sr_lan_seal(NETKEY, &a, pkt));
  T_EQ(sr_lan_open(k, pkt, sizeof(pkt), &b), SR_ELANAUTH);
}

static void tampered_rejected(void) {
  uint8_t k[SR_LAN_KEY_BYTES], pkt[SR_LAN_PACKET_BYTES], bad[SR_LAN_PACKET_BYTES];
  sr_lan_announce_t a = sample(), b;
  sr_lan_key(NETKEY, k);
  T_OK(sr_lan_seal(k, &a, pkt));
  /* Every single bit flipped, nonce, tag or ciphertext: refused. */
  for (size_t i = 0; i < sizeof(pkt) * 8; i++) {
    memcpy(bad, pkt, sizeof(pkt));
    bad[i / 8] ^= (uint8_t)(1u << (i % 8));
    T_EQ(sr_lan_open(k, bad, sizeof(bad), &b), SR_ELANAUTH);
  }
  T_OK(sr_lan_open(k, pkt, sizeof(pkt), &b));
}

static void length_constant(void) {
  uint8_t k[SR_LAN_KEY_BYTES], pkt[SR_LAN_PACKET_BYTES + 1];
  sr_lan_announce_t a = sample(), b;
  sr_lan_key(NETKEY, k);
  T_EQ(SR_LAN_PACKET_BYTES, 128);
  T_EQ(SR_LAN_PACKET_BYTES, SR_LAN_NONCE_BYTES + crypto_secretbox_MACBYTES + SR_LAN_PLAIN_BYTES);
  /* Whatever the port and the time, the packet is 128 bytes: the length says nothing. */
  a.port = 1;
  a.ts_ms = 0;
  T_OK(sr_lan_seal(k, &a, pkt));
  a.port = 65535;
  a.ts_ms = UINT64_MAX;
  T_OK(sr_lan_seal(k, &a, pkt));
  T_OK(sr_lan_open(k, pkt, SR_LAN_PACKET_BYTES, &b));
  T_EQ(b.ts_ms, UINT64_MAX);
  pkt[SR_LAN_PACKET_BYTES] = 0;
  T_EQ(sr_lan_open(k, pkt, SR_LAN_PACKET_BYTES + 1, &b), SR_ELANSIZE);
  T_EQ(sr_lan_open(k, pkt, SR_LAN_PACKET_BYTES - 1, &b), SR_ELANSIZE);
  T_EQ(sr_lan_open(k, pkt, 0, &b), SR_ELANSIZE);
  /* Two seals of one announcement differ (a fresh nonce each). */
  uint8_t p1[SR_LAN_PACKET_BYTES], p2[SR_LAN_PACKET_BYTES];
  T_OK(sr_lan_seal(k, &a, p1));
  T_OK(sr_lan_seal(k, &a, p2));
  T_CHECK(memcmp(p1, p2, SR_LAN_PACKET_BYTES) != 0);
}

/* Sealed with the right key but not a version-1 announcement: opened, then
 * refused as a format error (no half-read fields). */
static void format_rejected(void) {
  uint8_t k[SR_LAN_KEY_BYTES], plain[SR_LAN_PLAIN_BYTES], pkt[SR_LAN_PACKET_BYTES], nonce[SR_LAN_NONCE_BYTES] = {7};
  sr_lan_announce_t a = sample(), b;
  sr_lan_key(NETKEY, k);
  T_OK(sr_lan_plain_encode(&a, plain));
  T_EQ(plain[0], 1);
  T_EQ(plain[2], 8708 >> 8);
  T_EQ(plain[3], 8708 & 0xff);
  T_MEMEQ(plain + 12, a.key, SR_KEY_BYTES);
  struct {
    size_t at;
    uint8_t v;
  } cases[] = {{0, 2}, {0, 0}, {1, 1}, {44, 1}, {87, 0x80}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t p[SR_LAN_PLAIN_BYTES];
    memcpy(p, plain, sizeof(p));
    p[cases[i].at] = cases[i].v;
    T_EQ(sr_lan_plain_decode(p, &b), SR_ELANFORMAT);
    memcpy(pkt, nonce, 24);
    T_OK(crypto_secretbox_easy(pkt + 24, p, sizeof(p), nonce, k));
    T_EQ(sr_lan_open(k, pkt, sizeof(pkt), &b), SR_ELANFORMAT);
  }
  a.port = 0;
  T_EQ(sr_lan_seal(k, &a, pkt), SR_ELANFORMAT);
  plain[2] = plain[3] = 0;
  T_EQ(sr_lan_plain_decode(plain, &b), SR_ELANFORMAT);
}

static void replay_rejected(void) {
  static sr_lan_replay_t r; /* 40 KiB: not on the stack */
  uint8_t n1[SR_LAN_NONCE_BYTES] = {1}, n2[SR_LAN_NONCE_BYTES] = {2};
  uint64_t now = 1700000000000ull;
  sr_lan_replay_init(&r);
  T_OK(sr_lan_replay_check(&r, n1, now, now));
  T_EQ(sr_lan_replay_check(&r, n1, now, now), SR_ELANREPLAY);
  T_EQ(sr_lan_replay_check(&r, n1, now, now + SR_LAN_WINDOW_MS), SR_ELANREPLAY); /* still in the window */
  T_EQ(sr_lan_replay_check(&r, n1, now, now + SR_LAN_WINDOW_MS + 1), SR_ELANSTALE);
  /* The window, both ways. */
  T_OK(sr_lan_replay_check(&r, n2, now + SR_LAN_WINDOW_MS, now));
  n2[0] = 3;
  T_EQ(sr_lan_replay_check(&r, n2, now + SR_LAN_WINDOW_MS + 1, now), SR_ELANSTALE);
  T_EQ(sr_lan_replay_check(&r, n2, now - SR_LAN_WINDOW_MS - 1, now), SR_ELANSTALE);
  T_EQ(sr_lan_replay_check(&r, n2, 0, now), SR_ELANSTALE);
  T_EQ(sr_lan_replay_check(&r, n2, UINT64_MAX, now), SR_ELANSTALE);
  T_OK(sr_lan_replay_check(&r, n2, now - SR_LAN_WINDOW_MS, now));
  /* Clocks at the ends of the range (fuzz_lan found this): no sum wraps into
   * a wrong verdict. */
  uint8_t n4[SR_LAN_NONCE_BYTES] = {4};
  T_EQ(sr_lan_replay_check(&r, n4, 0, UINT64_MAX), SR_ELANSTALE);
  T_EQ(sr_lan_replay_check(&r, n4, UINT64_MAX, 5), SR_ELANSTALE);
  T_OK(sr_lan_replay_check(&r, n4, UINT64_MAX - 10, UINT64_MAX));
  T_EQ(sr_lan_replay_check(&r, n4, UINT64_MAX - 10, UINT64_MAX), SR_ELANREPLAY);
}

/* Full of nonces that could still come back: refused, not forgotten; once
 * their window has passed, the slots are used again. */
static void replay_cache_bounded(void) {
  static sr_lan_replay_t r;
  uint8_t n[SR_LAN_NONCE_BYTES] = {0};
  uint64_t now = 1700000000000ull;
  sr_lan_replay_init(&r);
  for (uint32_t i = 0; i < SR_LAN_REPLAY_SLOTS; i++) {
    memcpy(n, &i, sizeof(i));
    T_OK(sr_lan_replay_check(&r, n, now, now));
  }
  uint32_t more = SR_LAN_REPLAY_SLOTS;
  memcpy(n, &more, sizeof(more));
  T_EQ(sr_lan_replay_check(&r, n, now, now + 1000), SR_ELANFULL);
  uint32_t first = 0;
  memcpy(n, &first, sizeof(first));
  T_EQ(sr_lan_replay_check(&r, n, now, now + 1000), SR_ELANREPLAY); /* the oldest is still known */
  /* The rate the cache is sized for fills at most what the window holds. */
  T_CHECK((uint64_t)SR_LAN_ACCEPT_PER_S * 2 * SR_LAN_WINDOW_MS / 1000 < SR_LAN_REPLAY_SLOTS);
  memcpy(n, &more, sizeof(more));
  T_OK(sr_lan_replay_check(&r, n, now + SR_LAN_WINDOW_MS + 1, now + SR_LAN_WINDOW_MS + 1));
}

/* A packet of another network, replayed or not, never reaches the cache: the
 * order a receiver follows (open, then the replay check). */
static void receiver_order(void) {
  static sr_lan_replay_t r;
  uint8_t k[SR_LAN_KEY_BYTES], pkt[SR_LAN_PACKET_BYTES];
  sr_lan_announce_t a = sample(), b;
  uint64_t now = a.ts_ms + 5000;
  sr_lan_key(NETKEY, k);
  sr_lan_replay_init(&r);
  T_OK(sr_lan_seal(k, &a, pkt));
  T_OK(sr_lan_open(k, pkt, sizeof(pkt), &b));
  T_OK(sr_lan_replay_check(&r, pkt, b.ts_ms, now));
  T_OK(sr_lan_open(k, pkt, sizeof(pkt), &b));
  T_EQ(sr_lan_replay_check(&r, pkt, b.ts_ms, now), SR_ELANREPLAY);
}

/* The config keys (node/config.c): off by default, strict values. */
static void config_keys(void) {
  char err[700];
  sr_config_t cfg;
  static const struct {
    const char *text;
    int ok;
  } cases[] = {
      {"lan = yes\nlan_port = 9000\nlan_interval = 3\n", 1},
      {"lan = on\n", 0},
      {"lan_port = 0\n", 0},
      {"lan_port = 65536\n", 0},
      {"lan_interval = 0\n", 0},
      {"lan_interval = 3601\n", 0},
      {"lan = yes\nlan = no\n", 0},
  };
  sr_config_defaults(&cfg);
  T_EQ(cfg.lan, 0);
  T_EQ(cfg.lan_port, 8708);
  T_EQ(cfg.lan_interval, 10);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    FILE *f = fmemopen((void *)cases[i].text, strlen(cases[i].text), "r");
    T_CHECK(f != NULL);
    int rc = sr_config_read(f, "HOME/config", &cfg, err, sizeof(err));
    fclose(f);
    if (cases[i].ok) {
      T_OK(rc);
      T_EQ(cfg.lan, 1);
      T_EQ(cfg.lan_port, 9000);
      T_EQ(cfg.lan_interval, 3);
    } else {
      T_EQ(rc, SR_EINVAL);
      T_HAS(err, "lan");
    }
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  T_RUN(key_derivation);
  T_RUN(round_trip);
  T_RUN(wrong_key_rejected);
  T_RUN(tampered_rejected);
  T_RUN(length_constant);
  T_RUN(format_rejected);
  T_RUN(replay_rejected);
  T_RUN(replay_cache_bounded);
  T_RUN(receiver_order);
  T_RUN(config_keys);
  fprintf(stderr, "test_lan: %d checks passed\n", t_checks);
  return 0;
}
