/* lanpacket.h: the "friends nearby" announcement (docs/protocol.md, "Friends
 * nearby (LAN announcements)") as pure functions over byte buffers: no socket,
 * no clock (the caller gives the time), so that the decoder can be fuzzed
 * (tests/fuzz/fuzz_lan.c) and tested alone (tests/unit/test_lan.c). The
 * socket is net/lan.c.
 *
 * A packet is SR_LAN_PACKET_BYTES long, always:
 *   nonce[24] || crypto_secretbox_easy(plain[88], nonce, lan key)
 * plain = version u8 (1) | flags u8 (0) | port u16 BE | ts_ms u64 BE |
 *         key[32] | zeros[44]
 * and the lan key is BLAKE2b-256 of "seurone lan v1" keyed with the network
 * key: whoever lacks the network key sees 128 random-looking bytes, all of one
 * size, and learns neither the key of the node nor its port.
 *
 * Replays: a packet is taken only when its timestamp is within
 * SR_LAN_WINDOW_MS of the receiver's clock and its nonce was not taken before
 * (sr_lan_replay_t remembers every nonce until its timestamp leaves the
 * window; when full it refuses rather than forgets).
 */
#ifndef SR_LANPACKET_H
#define SR_LANPACKET_H
#include "core/entry.h"
#include "core/err.h"
#include "core/shs.h"
#include <stddef.h>
#include <stdint.h>

#define SR_LAN_PACKET_BYTES 128
#define SR_LAN_PLAIN_BYTES 88 /* SR_LAN_PACKET_BYTES - nonce (24) - tag (16) */
#define SR_LAN_NONCE_BYTES 24
#define SR_LAN_KEY_BYTES 32
#define SR_LAN_VERSION 1
#define SR_LAN_CONTEXT "seurone lan v1" /* the key derivation's message */
/* How far an announcement's timestamp may be from the receiver's clock, either
 * way: laptops' clocks drift by seconds, not minutes, and a wider window would
 * need a larger replay cache. */
#define SR_LAN_WINDOW_MS 60000
/* Nonces remembered. A nonce is kept at most 2 * SR_LAN_WINDOW_MS, so nodes
 * announcing at SR_LAN_ACCEPT_PER_S in all (the most net/lan.c takes a second)
 * never fill the cache; only a flood made with the network key can, and then
 * newcomers are refused (SR_ELANFULL), never a replay let through. */
#define SR_LAN_REPLAY_SLOTS 1024
#define SR_LAN_ACCEPT_PER_S 8

/* What one announcement says. */
typedef struct sr_lan_announce {
  uint8_t key[SR_KEY_BYTES]; /* the announcing node's public key */
  uint16_t port;             /* where it accepts connections (TCP), 1..65535 */
  uint64_t ts_ms;            /* its wall clock when it sent the packet */
} sr_lan_announce_t;

/* The key of the announcements of the network netkey (never the network key
 * itself: a key used in two protocols would tie them together). */
void sr_lan_key(const uint8_t netkey[SR_SHS_NETKEY_BYTES], uint8_t out[SR_LAN_KEY_BYTES]);

/* The 88 plaintext bytes of a, and back. SR_ELANFORMAT when the version is
 * not 1, the flags or the padding not zero, or the port 0. */
SR_MUST_USE int sr_lan_plain_encode(const sr_lan_announce_t *a, uint8_t out[SR_LAN_PLAIN_BYTES]);
SR_MUST_USE int sr_lan_plain_decode(const uint8_t in[SR_LAN_PLAIN_BYTES], sr_lan_announce_t *a);

/* Seals a into out with a fresh random nonce (sr_lan_seal) or the one given
 * (tests and the fuzzer). SR_ELANFORMAT when a cannot be encoded. */
SR_MUST_USE int sr_lan_seal(const uint8_t key[SR_LAN_KEY_BYTES], const sr_lan_announce_t *a,
                            uint8_t out[SR_LAN_PACKET_BYTES]);
SR_MUST_USE int sr_lan_seal_nonce(const uint8_t key[SR_LAN_KEY_BYTES], const sr_lan_announce_t *a,
                                  const uint8_t nonce[SR_LAN_NONCE_BYTES], uint8_t out[SR_LAN_PACKET_BYTES]);

/* Opens a datagram of len bytes: SR_ELANSIZE (not 128 bytes), SR_ELANAUTH
 * (another key, or changed on the way), SR_ELANFORMAT (opened, but not a
 * version-1 announcement), else 0 with *a filled. No replay check. */
SR_MUST_USE int sr_lan_open(const uint8_t key[SR_LAN_KEY_BYTES], const uint8_t *pkt, size_t len, sr_lan_announce_t *a);

typedef struct sr_lan_replay_slot {
  uint8_t nonce[SR_LAN_NONCE_BYTES];
  uint64_t until_ms; /* 0: free; else the nonce is kept until then */
} sr_lan_replay_slot_t;

typedef struct sr_lan_replay {
  sr_lan_replay_slot_t slot[SR_LAN_REPLAY_SLOTS];
} sr_lan_replay_t;

void sr_lan_replay_init(sr_lan_replay_t *r);
/* Whether an opened packet (its nonce, its announcement's ts_ms) is fresh at
 * now_ms: SR_ELANSTALE (ts more than SR_LAN_WINDOW_MS from now), SR_ELANREPLAY
 * (this nonce was taken before), SR_ELANFULL (every slot holds a nonce still
 * in the window), else 0 and the nonce is remembered. */
SR_MUST_USE int sr_lan_replay_check(sr_lan_replay_t *r, const uint8_t nonce[SR_LAN_NONCE_BYTES], uint64_t ts_ms,
                                    uint64_t now_ms);

#endif
