/* fuzz_lan: the friends-nearby decoder (core/lanpacket.c) under libFuzzer.
 * The input is taken three ways:
 *   - as a datagram: sr_lan_open refuses anything not 128 bytes by its size,
 *     and a packet it opens seals again, with its own nonce, to the same bytes;
 *   - as the 88 plaintext bytes: a plaintext that decodes encodes to the same
 *     bytes (no field is half-read or ignored), and sealed under the key it
 *     opens to the same verdict and fields (the box and the parser agree);
 *   - through the replay cache, with the input's nonce and timestamp: a packet
 *     taken once is refused the second time.
 * Seeds: corpus/fuzz_lan (tests/fuzz/make_lan_corpus.py). */
#include "core/lanpacket.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The default network's key (docs/protocol.md), so that the seeds open. */
static const uint8_t NETKEY[SR_SHS_NETKEY_BYTES] = {0x89, 0x41, 0x71, 0x73, 0x31, 0x06, 0x40, 0x78, 0x26, 0xee, 0xa3,
                                                    0x6a, 0x97, 0xfe, 0x98, 0x60, 0x70, 0xc3, 0x95, 0xa6, 0xd2, 0xa9,
                                                    0x1e, 0x48, 0x80, 0xf0, 0x0a, 0xc3, 0xf6, 0x0f, 0x8d, 0x0c};

static int same(const sr_lan_announce_t *a, const sr_lan_announce_t *b) {
  return a->port == b->port && a->ts_ms == b->ts_ms && memcmp(a->key, b->key, SR_KEY_BYTES) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t key[SR_LAN_KEY_BYTES];
  static sr_lan_replay_t replay;
  static int ready;
  sr_lan_announce_t a, b;
  uint8_t pkt[SR_LAN_PACKET_BYTES];
  if (!ready) {
    if (sodium_init() < 0) abort();
    sr_lan_key(NETKEY, key);
    sr_lan_replay_init(&replay);
    ready = 1;
  }

  int rc = sr_lan_open(key, data, size, &a);
  if (size != SR_LAN_PACKET_BYTES && rc != SR_ELANSIZE) abort();
  if (rc == 0) {
    if (sr_lan_seal_nonce(key, &a, data, pkt) != 0 || memcmp(pkt, data, sizeof(pkt)) != 0) abort();
    /* The cache: fresh once, then a replay (or refused for its time). */
    uint64_t now = a.ts_ms > UINT64_MAX - 1000 ? a.ts_ms : a.ts_ms + 1000;
    int r1 = sr_lan_replay_check(&replay, data, a.ts_ms, now);
    if (r1 == 0 && sr_lan_replay_check(&replay, data, a.ts_ms, now) != SR_ELANREPLAY) abort();
    if (r1 != 0 && r1 != SR_ELANREPLAY && r1 != SR_ELANFULL && r1 != SR_ELANSTALE) abort();
  } else if (rc != SR_ELANSIZE && rc != SR_ELANAUTH && rc != SR_ELANFORMAT) {
    abort();
  }

  if (size >= SR_LAN_PLAIN_BYTES) {
    uint8_t plain[SR_LAN_PLAIN_BYTES];
    static const uint8_t nonce[SR_LAN_NONCE_BYTES] = {1, 2, 3};
    int prc = sr_lan_plain_decode(data, &a);
    if (prc == 0) {
      if (sr_lan_plain_encode(&a, plain) != 0 || memcmp(plain, data, sizeof(plain)) != 0) abort();
    } else if (prc != SR_ELANFORMAT) {
      abort();
    }
    memcpy(pkt, nonce, sizeof(nonce));
    if (crypto_secretbox_easy(pkt + SR_LAN_NONCE_BYTES, data, SR_LAN_PLAIN_BYTES, nonce, key) != 0) abort();
    int orc = sr_lan_open(key, pkt, sizeof(pkt), &b);
    if (orc != prc || (prc == 0 && !same(&a, &b))) abort();
    /* One changed byte of the sealed packet never opens. */
    pkt[size % sizeof(pkt)] ^= (uint8_t)(1 + data[0] % 255);
    if (sr_lan_open(key, pkt, sizeof(pkt), &b) != SR_ELANAUTH) abort();
  }

  /* The cache with whatever nonce and time the input carries. */
  if (size >= SR_LAN_NONCE_BYTES + 16) {
    uint64_t ts, now;
    memcpy(&ts, data + SR_LAN_NONCE_BYTES, 8);
    memcpy(&now, data + SR_LAN_NONCE_BYTES + 8, 8);
    int r1 = sr_lan_replay_check(&replay, data, ts, now);
    int stale = ts > now ? ts - now > SR_LAN_WINDOW_MS : now - ts > SR_LAN_WINDOW_MS;
    if (stale != (r1 == SR_ELANSTALE)) abort();
    if (r1 == 0 && sr_lan_replay_check(&replay, data, ts, now) != SR_ELANREPLAY) abort();
  }
  return 0;
}
