/* shs.h: Secret Handshake v1 (Secure Scuttlebutt) as a pure state machine.
 *
 * No I/O. The caller moves bytes between the machine and a transport:
 *
 *     sr_shs_client_init(&hs, ...)  or  sr_shs_server_init(&hs, ...)
 *     sr_shs_start(&hs, out, &n)           -> send n bytes (client: msg1; server: 0)
 *     while (!sr_shs_done(&hs)) {
 *         read exactly sr_shs_expect(&hs) bytes into in
 *         rc = sr_shs_recv(&hs, in, len, out, &n)   -> on rc < 0: drop the peer
 *         send n bytes (may be 0)
 *     }
 *     sr_shs_result(&hs, &res)             -> Box Stream keys, peer's key
 *     sr_shs_wipe(&hs)
 *
 * Messages: client msg1 (64) -> server msg2 (64) -> client msg3 (112) ->
 * server msg4 (80). The client knows the server's long-term key in advance.
 *
 * Failure codes and what the transport should do:
 *   SR_EHSNETKEY     server: msg1 was not made with our network key. Close
 *                    silently (send nothing): a stranger learns nothing.
 *   SR_EHSSERVERKEY  client: msg2 was not made with our network key.
 *   SR_EHSCLIENTAUTH server: msg3 did not open or its signature is bad (the
 *                    client dialled another server key, or forged msg3).
 *   SR_EHSSERVERAUTH client: msg4 did not open or its signature is bad.
 *   SR_EHSWEAKKEY    a key the peer sent was low-order / unusable.
 *   SR_EHSWRONGKEY   client: the server key it dialled is no usable key (so
 *                    the key in the address is wrong).
 *   SR_EHSSTATE      wrong length, or a call at the wrong point.
 * After any failure the machine is in a terminal failed state and has wiped
 * its secrets; every later call returns SR_EHSSTATE.
 *
 * Secrets: the machine points at the caller's long-term secret key (no copy:
 * a copy in every handshake's heap block would land in a core dump; the
 * caller keeps the key, ideally in sodium_malloc'd memory, alive until the
 * handshake is wiped); sr_shs_wipe() erases everything else (call it on every
 * path once done). sr_shs_result() copies the
 * session keys out; the caller wipes its copy.
 */
#ifndef SR_SHS_H
#define SR_SHS_H
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define SR_SHS_NETKEY_BYTES 32 /* network identifier ("app key") */
#define SR_SHS_PK_BYTES 32     /* ed25519 public key */
#define SR_SHS_SK_BYTES 64     /* ed25519 secret key (libsodium layout) */
#define SR_SHS_SEED_BYTES 32   /* seed for a deterministic ephemeral key */
#define SR_SHS_EPH_BYTES 32    /* curve25519 ephemeral key, public or secret */
#define SR_SHS_SHARED_BYTES 32 /* curve25519 shared secret (ab, aB, Ab) */
#define SR_SHS_SIG_BYTES 64    /* ed25519 signature */
#define SR_SHS_MSG1_BYTES 64
#define SR_SHS_MSG2_BYTES 64
#define SR_SHS_MSG3_BYTES 112
#define SR_SHS_MSG4_BYTES 80
#define SR_SHS_MSG_MAX 112    /* largest message; size of an out buffer */
#define SR_SHS_KEY_BYTES 32   /* Box Stream key */
#define SR_SHS_NONCE_BYTES 24 /* Box Stream starting nonce */

typedef enum { SR_SHS_CLIENT = 1, SR_SHS_SERVER = 2 } sr_shs_role_t;

/* The outcome of a handshake. enc_* seal what this side sends, dec_* open
 * what it receives. peer_pk is the peer's verified long-term ed25519 key. */
typedef struct {
  uint8_t enc_key[SR_SHS_KEY_BYTES];
  uint8_t enc_nonce[SR_SHS_NONCE_BYTES];
  uint8_t dec_key[SR_SHS_KEY_BYTES];
  uint8_t dec_nonce[SR_SHS_NONCE_BYTES];
  uint8_t peer_pk[SR_SHS_PK_BYTES];
} sr_shs_result_t;

/* Caller-allocated; all fields private. */
typedef struct {
  int role;
  int state;
  uint8_t netkey[SR_SHS_NETKEY_BYTES];
  uint8_t my_pk[SR_SHS_PK_BYTES];
  const uint8_t *my_sk;             /* the caller's, not a copy (above) */
  uint8_t peer_pk[SR_SHS_PK_BYTES]; /* client: known server key; server: learnt at msg3 */
  uint8_t eph_pk[SR_SHS_EPH_BYTES];
  uint8_t eph_sk[SR_SHS_EPH_BYTES];
  uint8_t peer_eph_pk[SR_SHS_EPH_BYTES];
  uint8_t ab[SR_SHS_SHARED_BYTES]; /* ephemeral x ephemeral */
  uint8_t aB[SR_SHS_SHARED_BYTES]; /* client ephemeral x server long-term */
  uint8_t Ab[SR_SHS_SHARED_BYTES]; /* client long-term x server ephemeral */
  uint8_t sig_a[SR_SHS_SIG_BYTES]; /* client's signature in msg3 (needed for msg4) */
} sr_shs_t;

/* Prepare a client that will dial the server whose ed25519 key is server_pk.
 * eph_seed: NULL in production (fresh random ephemeral key); a
 * SR_SHS_SEED_BYTES seed only for tests and fuzzing. Copies every input. */
SR_MUST_USE int sr_shs_client_init(sr_shs_t *hs, const uint8_t netkey[SR_SHS_NETKEY_BYTES],
                                   const uint8_t pk[SR_SHS_PK_BYTES], const uint8_t sk[SR_SHS_SK_BYTES],
                                   const uint8_t server_pk[SR_SHS_PK_BYTES], const uint8_t *eph_seed);

/* Prepare a server with long-term key pair pk/sk. eph_seed as above. */
SR_MUST_USE int sr_shs_server_init(sr_shs_t *hs, const uint8_t netkey[SR_SHS_NETKEY_BYTES],
                                   const uint8_t pk[SR_SHS_PK_BYTES], const uint8_t sk[SR_SHS_SK_BYTES],
                                   const uint8_t *eph_seed);

/* First output. out must hold SR_SHS_MSG_MAX bytes; *out_len is set to 64
 * for a client (msg1) and 0 for a server. */
SR_MUST_USE int sr_shs_start(sr_shs_t *hs, uint8_t *out, size_t *out_len);

/* How many bytes the next sr_shs_recv() needs (exactly that many); 0 when
 * the handshake is done, failed, or sr_shs_start() was not called yet. */
size_t sr_shs_expect(const sr_shs_t *hs);

/* Feed one whole peer message of sr_shs_expect() bytes. Writes the reply
 * (possibly 0 bytes) to out (SR_SHS_MSG_MAX bytes) and sets *out_len. On
 * error nothing is written (*out_len = 0) and secrets are wiped. */
SR_MUST_USE int sr_shs_recv(sr_shs_t *hs, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);

/* 1 once the handshake succeeded, else 0. */
int sr_shs_done(const sr_shs_t *hs);

/* Copy the session keys and the peer's key; SR_EHSSTATE unless done. */
SR_MUST_USE int sr_shs_result(const sr_shs_t *hs, sr_shs_result_t *res);

/* Erase all secrets; the machine is unusable afterwards. Safe to repeat. */
void sr_shs_wipe(sr_shs_t *hs);

#endif
