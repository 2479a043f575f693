/* fuzz_common.h: fixed identities for the SHS fuzz targets, so that genuine
 * handshake messages are deterministic and the fuzzer can mutate them. */
#ifndef SR_FUZZ_COMMON_H
#define SR_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/shs.h"

#define FZ_MSG1_OFF 1
#define FZ_MSG3_OFF (FZ_MSG1_OFF + SR_SHS_MSG1_BYTES)
#define FZ_INPUT_BYTES (FZ_MSG3_OFF + SR_SHS_MSG3_BYTES)
#define FZ_FLAG_GENUINE_FIRST 1  /* first message = genuine XOR input */
#define FZ_FLAG_GENUINE_SECOND 2 /* second message = genuine XOR input */
#define FZ_FLAG_SHORT 4          /* feed one byte too few (length check) */

static uint8_t fz_netkey[SR_SHS_NETKEY_BYTES], fz_cpk[SR_SHS_PK_BYTES], fz_csk[SR_SHS_SK_BYTES],
    fz_spk[SR_SHS_PK_BYTES], fz_ssk[SR_SHS_SK_BYTES];
static uint8_t fz_cseed[SR_SHS_SEED_BYTES], fz_sseed[SR_SHS_SEED_BYTES];
static uint8_t fz_msg1[SR_SHS_MSG_MAX], fz_msg2[SR_SHS_MSG_MAX], fz_msg3[SR_SHS_MSG_MAX], fz_msg4[SR_SHS_MSG_MAX];

static void fz_die(const char *why) {
  (void)why;
  abort();
}

/* Record one genuine handshake between the fixed client and server. */
static void fz_init(void) {
  static int done;
  uint8_t seed[crypto_sign_SEEDBYTES];
  sr_shs_t c, s;
  size_t n;
  if (done) return;
  done = 1;
  if (sodium_init() < 0) fz_die("sodium");
  memset(fz_netkey, 0x42, sizeof fz_netkey);
  memset(seed, 1, sizeof seed);
  crypto_sign_seed_keypair(fz_cpk, fz_csk, seed);
  memset(seed, 2, sizeof seed);
  crypto_sign_seed_keypair(fz_spk, fz_ssk, seed);
  memset(fz_cseed, 3, sizeof fz_cseed);
  memset(fz_sseed, 4, sizeof fz_sseed);
  if (sr_shs_client_init(&c, fz_netkey, fz_cpk, fz_csk, fz_spk, fz_cseed) ||
      sr_shs_server_init(&s, fz_netkey, fz_spk, fz_ssk, fz_sseed) || sr_shs_start(&s, fz_msg1, &n) ||
      sr_shs_start(&c, fz_msg1, &n) || sr_shs_recv(&s, fz_msg1, SR_SHS_MSG1_BYTES, fz_msg2, &n) ||
      sr_shs_recv(&c, fz_msg2, SR_SHS_MSG2_BYTES, fz_msg3, &n) ||
      sr_shs_recv(&s, fz_msg3, SR_SHS_MSG3_BYTES, fz_msg4, &n) ||
      sr_shs_recv(&c, fz_msg4, SR_SHS_MSG4_BYTES, fz_msg1 + SR_SHS_MSG1_BYTES, &n))
    fz_die("genuine handshake");
  sr_shs_wipe(&c);
  sr_shs_wipe(&s);
  /* fz_msg1 was reused as a scratch out buffer only past its 64 bytes */
}

/* Build message out (len bytes) from the input: genuine XOR input, or input. */
static void fz_message(const uint8_t *in, size_t in_len, size_t off, const uint8_t *genuine, int use_genuine,
                       size_t len, uint8_t *out) {
  for (size_t i = 0; i < len; i++) {
    uint8_t b = off + i < in_len ? in[off + i] : 0;
    out[i] = use_genuine ? (uint8_t)(genuine[i] ^ b) : b;
  }
}

#endif
