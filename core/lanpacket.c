/* lanpacket.c: sealing and opening "friends nearby" announcements, and the
 * replay cache (lanpacket.h; docs/protocol.md, "Friends nearby"). */
#include "core/lanpacket.h"
#include <sodium.h>
#include <string.h>

/* Where the fields of the plaintext start (lanpacket.h); the padding runs from
 * PAD_AT to the end. */
#define KEY_AT 12
#define PAD_AT (KEY_AT + SR_KEY_BYTES)

void sr_lan_key(const uint8_t netkey[SR_SHS_NETKEY_BYTES], uint8_t out[SR_LAN_KEY_BYTES]) {
  crypto_generichash(out, SR_LAN_KEY_BYTES, (const uint8_t *)SR_LAN_CONTEXT, strlen(SR_LAN_CONTEXT), netkey,
                     SR_SHS_NETKEY_BYTES);
}

static void put_be(uint8_t *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = v << 8 | p[i];
  return v;
}

int sr_lan_plain_encode(const sr_lan_announce_t *a, uint8_t out[SR_LAN_PLAIN_BYTES]) {
  if (a->port == 0) return SR_ELANFORMAT;
  memset(out, 0, SR_LAN_PLAIN_BYTES);
  out[0] = SR_LAN_VERSION;
  out[1] = 0; /* flags: none in version 1 */
  put_be(out + 2, a->port, 2);
  put_be(out + 4, a->ts_ms, 8);
  memcpy(out + KEY_AT, a->key, SR_KEY_BYTES);
  return 0;
}

int sr_lan_plain_decode(const uint8_t in[SR_LAN_PLAIN_BYTES], sr_lan_announce_t *a) {
  uint8_t any = 0;
  /* Strict: a field this version does not define must be zero, so that a
   * later version, which changes the version byte, is never half-read. */
  for (size_t i = PAD_AT; i < SR_LAN_PLAIN_BYTES; i++) any |= in[i];
  if (in[0] != SR_LAN_VERSION || in[1] != 0 || any) return SR_ELANFORMAT;
  a->port = (uint16_t)get_be(in + 2, 2);
  a->ts_ms = get_be(in + 4, 8);
  memcpy(a->key, in + KEY_AT, SR_KEY_BYTES);
  return a->port ? 0 : SR_ELANFORMAT;
}

int sr_lan_seal_nonce(const uint8_t key[SR_LAN_KEY_BYTES], const sr_lan_announce_t *a,
                      const uint8_t nonce[SR_LAN_NONCE_BYTES], uint8_t out[SR_LAN_PACKET_BYTES]) {
  uint8_t plain[SR_LAN_PLAIN_BYTES];
  int rc = sr_lan_plain_encode(a, plain);
  if (rc) return rc;
  memcpy(out, nonce, SR_LAN_NONCE_BYTES);
  rc = crypto_secretbox_easy(out + SR_LAN_NONCE_BYTES, plain, sizeof(plain), out, key) ? SR_ECRYPTO : 0;
  sodium_memzero(plain, sizeof(plain));
  return rc;
}

int sr_lan_seal(const uint8_t key[SR_LAN_KEY_BYTES], const sr_lan_announce_t *a, uint8_t out[SR_LAN_PACKET_BYTES]) {
  uint8_t nonce[SR_LAN_NONCE_BYTES];
  randombytes_buf(nonce, sizeof(nonce)); /* 192 random bits: never repeats */
  return sr_lan_seal_nonce(key, a, nonce, out);
}

int sr_lan_open(const uint8_t key[SR_LAN_KEY_BYTES], const uint8_t *pkt, size_t len, sr_lan_announce_t *a) {
  uint8_t plain[SR_LAN_PLAIN_BYTES];
  if (len != SR_LAN_PACKET_BYTES) return SR_ELANSIZE;
  if (crypto_secretbox_open_easy(plain, pkt + SR_LAN_NONCE_BYTES, len - SR_LAN_NONCE_BYTES, pkt, key) != 0)
    return SR_ELANAUTH;
  int rc = sr_lan_plain_decode(plain, a);
  sodium_memzero(plain, sizeof(plain));
  return rc;
}

void sr_lan_replay_init(sr_lan_replay_t *r) { memset(r, 0, sizeof(*r)); }

int sr_lan_replay_check(sr_lan_replay_t *r, const uint8_t nonce[SR_LAN_NONCE_BYTES], uint64_t ts_ms, uint64_t now_ms) {
  sr_lan_replay_slot_t *free_slot = NULL;
  /* Differences, not sums: nothing overflows whatever the clocks say. */
  if ((ts_ms > now_ms ? ts_ms - now_ms : now_ms - ts_ms) > SR_LAN_WINDOW_MS) return SR_ELANSTALE;
  for (size_t i = 0; i < SR_LAN_REPLAY_SLOTS; i++) {
    sr_lan_replay_slot_t *s = &r->slot[i];
    if (s->until_ms && s->until_ms >= now_ms) {
      if (memcmp(s->nonce, nonce, SR_LAN_NONCE_BYTES) == 0) return SR_ELANREPLAY;
    } else if (!free_slot) {
      free_slot = s; /* free, or its packet can no longer pass the window */
    }
  }
  /* Every slot holds a nonce that could still come back: forgetting one would
   * let its packet be replayed, so the newcomer is refused instead. */
  if (!free_slot) return SR_ELANFULL;
  memcpy(free_slot->nonce, nonce, SR_LAN_NONCE_BYTES);
  /* The last moment the packet's timestamp is inside the window; at least 1,
   * since 0 marks a free slot. */
  free_slot->until_ms = ts_ms > UINT64_MAX - SR_LAN_WINDOW_MS ? UINT64_MAX : ts_ms + SR_LAN_WINDOW_MS;
  return 0;
}
