/* shs.c: Secret Handshake v1 over byte buffers (see shs.h for the flow).
 *
 * Notation (as in the SHS paper): K network key; a/b client/server ephemeral
 * curve25519 keys; A/B client/server long-term ed25519 keys.
 *   msg1 = hmac_K(a_pub) | a_pub                      client -> server, 64
 *   msg2 = hmac_K(b_pub) | b_pub                      server -> client, 64
 *   ab = a*b, aB = a*curve(B), Ab = curve(A)*b
 *   sig_A = sign_A(K | B_pub | sha256(ab))
 *   msg3 = secretbox_{sha256(K|ab|aB)}(sig_A | A_pub, nonce 0)       112
 *   sig_B = sign_B(K | sig_A | A_pub | sha256(ab))
 *   msg4 = secretbox_{sha256(K|ab|aB|Ab)}(sig_B, nonce 0)             80
 *   master = sha256(sha256(K|ab|aB|Ab))
 *   client sends with key sha256(master|B_pub), nonce hmac_K(b_pub)[0..24)
 *   server sends with key sha256(master|A_pub), nonce hmac_K(a_pub)[0..24)
 * Invariant: the machine only moves forward; any failure wipes every secret
 * and parks it in FAILED, where every call returns SR_EHSSTATE. Every
 * libsodium return value is checked (scalarmult fails on low-order points).
 */
#include "core/shs.h"

#include <string.h>
#include <sodium.h>

#include "core/err.h"

enum {
  ST_NONE = 0,
  ST_READY,     /* initialised, sr_shs_start not yet called */
  ST_WAIT_MSG1, /* server */
  ST_WAIT_MSG2, /* client */
  ST_WAIT_MSG3, /* server */
  ST_WAIT_MSG4, /* client */
  ST_DONE,
  ST_FAILED
};

#define HMAC_BYTES crypto_auth_BYTES /* 32 */
#define CURVE_BYTES crypto_scalarmult_BYTES
#define SIG_BYTES crypto_sign_BYTES
#define HASH_BYTES crypto_hash_sha256_BYTES
/* What sig_A and sig_B sign: K | B_pub | sha256(ab) and K | sig_A | A_pub | sha256(ab). */
#define SIG_A_MSG_BYTES (SR_SHS_NETKEY_BYTES + SR_SHS_PK_BYTES + HASH_BYTES)
#define SIG_B_MSG_BYTES (SR_SHS_NETKEY_BYTES + SIG_BYTES + SR_SHS_PK_BYTES + HASH_BYTES)

/* shs.h spells the sizes without libsodium; they are libsodium's. */
_Static_assert(SR_SHS_NETKEY_BYTES == crypto_auth_KEYBYTES, "network key is an HMAC key");
_Static_assert(SR_SHS_PK_BYTES == crypto_sign_PUBLICKEYBYTES, "ed25519 public key");
_Static_assert(SR_SHS_SK_BYTES == crypto_sign_SECRETKEYBYTES, "ed25519 secret key");
_Static_assert(SR_SHS_SEED_BYTES == crypto_box_SEEDBYTES, "ephemeral seed");
_Static_assert(SR_SHS_EPH_BYTES == crypto_box_PUBLICKEYBYTES && SR_SHS_EPH_BYTES == crypto_box_SECRETKEYBYTES &&
                   SR_SHS_EPH_BYTES == CURVE_BYTES,
               "curve25519 key");
_Static_assert(SR_SHS_SHARED_BYTES == crypto_scalarmult_BYTES, "curve25519 shared secret");
_Static_assert(SR_SHS_SIG_BYTES == SIG_BYTES, "ed25519 signature");
_Static_assert(SR_SHS_KEY_BYTES == HASH_BYTES && SR_SHS_NONCE_BYTES <= HMAC_BYTES, "session keys and nonces");

static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES];

static int fail(sr_shs_t *hs, int rc) {
  sr_shs_wipe(hs);
  hs->state = ST_FAILED;
  return rc;
}

static int common_init(sr_shs_t *hs, int role, const uint8_t *netkey, const uint8_t *pk, const uint8_t *sk,
                       const uint8_t *eph_seed) {
  if (!hs || !netkey || !pk || !sk) return SR_EINVAL;
  if (sodium_init() < 0) return SR_ECRYPTO;
  memset(hs, 0, sizeof *hs);
  hs->role = role;
  memcpy(hs->netkey, netkey, SR_SHS_NETKEY_BYTES);
  memcpy(hs->my_pk, pk, SR_SHS_PK_BYTES);
  hs->my_sk = sk;
  if (eph_seed) {
    if (crypto_box_seed_keypair(hs->eph_pk, hs->eph_sk, eph_seed) != 0) return fail(hs, SR_ECRYPTO);
  } else {
    if (crypto_box_keypair(hs->eph_pk, hs->eph_sk) != 0) return fail(hs, SR_ECRYPTO);
  }
  hs->state = ST_READY;
  return 0;
}

int sr_shs_client_init(sr_shs_t *hs, const uint8_t netkey[SR_SHS_NETKEY_BYTES], const uint8_t pk[SR_SHS_PK_BYTES],
                       const uint8_t sk[SR_SHS_SK_BYTES], const uint8_t server_pk[SR_SHS_PK_BYTES],
                       const uint8_t *eph_seed) {
  int rc;
  if (!server_pk) return SR_EINVAL;
  rc = common_init(hs, SR_SHS_CLIENT, netkey, pk, sk, eph_seed);
  if (rc == 0) memcpy(hs->peer_pk, server_pk, SR_SHS_PK_BYTES);
  return rc;
}

int sr_shs_server_init(sr_shs_t *hs, const uint8_t netkey[SR_SHS_NETKEY_BYTES], const uint8_t pk[SR_SHS_PK_BYTES],
                       const uint8_t sk[SR_SHS_SK_BYTES], const uint8_t *eph_seed) {
  return common_init(hs, SR_SHS_SERVER, netkey, pk, sk, eph_seed);
}

/* hmac_K(eph_pk) | eph_pk: msg1 and msg2 have the same shape. */
static int hello(const sr_shs_t *hs, uint8_t *out) {
  if (crypto_auth(out, hs->eph_pk, sizeof hs->eph_pk, hs->netkey) != 0) return SR_ECRYPTO;
  memcpy(out + HMAC_BYTES, hs->eph_pk, sizeof hs->eph_pk);
  return 0;
}

int sr_shs_start(sr_shs_t *hs, uint8_t *out, size_t *out_len) {
  int rc;
  if (!hs || !out || !out_len) return SR_EINVAL;
  *out_len = 0;
  if (hs->state != ST_READY) return hs->state == ST_FAILED ? SR_EHSSTATE : fail(hs, SR_EHSSTATE);
  if (hs->role == SR_SHS_SERVER) {
    hs->state = ST_WAIT_MSG1;
    return 0;
  }
  rc = hello(hs, out);
  if (rc) return fail(hs, rc);
  *out_len = SR_SHS_MSG1_BYTES;
  hs->state = ST_WAIT_MSG2;
  return 0;
}

size_t sr_shs_expect(const sr_shs_t *hs) {
  if (!hs) return 0;
  switch (hs->state) {
    case ST_WAIT_MSG1:
      return SR_SHS_MSG1_BYTES;
    case ST_WAIT_MSG2:
      return SR_SHS_MSG2_BYTES;
    case ST_WAIT_MSG3:
      return SR_SHS_MSG3_BYTES;
    case ST_WAIT_MSG4:
      return SR_SHS_MSG4_BYTES;
    default:
      return 0;
  }
}

/* Check a peer hello; on success store its ephemeral key. */
static int check_hello(sr_shs_t *hs, const uint8_t *in) {
  if (crypto_auth_verify(in, in + HMAC_BYTES, CURVE_BYTES, hs->netkey) != 0) return -1;
  memcpy(hs->peer_eph_pk, in + HMAC_BYTES, CURVE_BYTES);
  return 0;
}

/* sha256 over K | ab | aB (| Ab when with_Ab): the msg3 and msg4 box keys. */
static void box_key(const sr_shs_t *hs, int with_Ab, uint8_t out[HASH_BYTES]) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, hs->netkey, sizeof hs->netkey);
  crypto_hash_sha256_update(&st, hs->ab, sizeof hs->ab);
  crypto_hash_sha256_update(&st, hs->aB, sizeof hs->aB);
  if (with_Ab) crypto_hash_sha256_update(&st, hs->Ab, sizeof hs->Ab);
  crypto_hash_sha256_final(&st, out);
  sodium_memzero(&st, sizeof st);
}

/* The bytes sig_A signs: K | B_pub | sha256(ab). */
static void sig_a_msg(const sr_shs_t *hs, const uint8_t *server_pk, uint8_t out[SIG_A_MSG_BYTES]) {
  memcpy(out, hs->netkey, SR_SHS_NETKEY_BYTES);
  memcpy(out + SR_SHS_NETKEY_BYTES, server_pk, SR_SHS_PK_BYTES);
  crypto_hash_sha256(out + SR_SHS_NETKEY_BYTES + SR_SHS_PK_BYTES, hs->ab, sizeof hs->ab);
}

/* The bytes sig_B signs: K | sig_A | A_pub | sha256(ab). */
static void sig_b_msg(const sr_shs_t *hs, const uint8_t *client_pk, uint8_t out[SIG_B_MSG_BYTES]) {
  memcpy(out, hs->netkey, SR_SHS_NETKEY_BYTES);
  memcpy(out + SR_SHS_NETKEY_BYTES, hs->sig_a, SIG_BYTES);
  memcpy(out + SR_SHS_NETKEY_BYTES + SIG_BYTES, client_pk, SR_SHS_PK_BYTES);
  crypto_hash_sha256(out + SR_SHS_NETKEY_BYTES + SIG_BYTES + SR_SHS_PK_BYTES, hs->ab, sizeof hs->ab);
}

/* client: msg2 in, msg3 out */
static int client_msg2(sr_shs_t *hs, const uint8_t *in, uint8_t *out) {
  int rc = 0;
  uint8_t server_curve[CURVE_BYTES], my_curve_sk[CURVE_BYTES];
  uint8_t signed_msg[SIG_A_MSG_BYTES];
  uint8_t plain[SIG_BYTES + SR_SHS_PK_BYTES];
  uint8_t key[HASH_BYTES];

  if (check_hello(hs, in) != 0) {
    rc = SR_EHSSERVERKEY;
    goto cleanup;
  }
  if (crypto_scalarmult(hs->ab, hs->eph_sk, hs->peer_eph_pk) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }
  /* The server's key is the one we dialled: when it is no curve point, the key
   * in the address is wrong, not anything the server sent. */
  if (crypto_sign_ed25519_pk_to_curve25519(server_curve, hs->peer_pk) != 0) {
    rc = SR_EHSWRONGKEY;
    goto cleanup;
  }
  if (crypto_scalarmult(hs->aB, hs->eph_sk, server_curve) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }
  if (crypto_sign_ed25519_sk_to_curve25519(my_curve_sk, hs->my_sk) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  if (crypto_scalarmult(hs->Ab, my_curve_sk, hs->peer_eph_pk) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }

  sig_a_msg(hs, hs->peer_pk, signed_msg);
  if (crypto_sign_detached(hs->sig_a, NULL, signed_msg, sizeof signed_msg, hs->my_sk) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  memcpy(plain, hs->sig_a, SIG_BYTES);
  memcpy(plain + SIG_BYTES, hs->my_pk, SR_SHS_PK_BYTES);
  box_key(hs, 0, key);
  if (crypto_secretbox_easy(out, plain, sizeof plain, zero_nonce, key) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
cleanup:
  sodium_memzero(my_curve_sk, sizeof my_curve_sk);
  sodium_memzero(signed_msg, sizeof signed_msg);
  sodium_memzero(plain, sizeof plain);
  sodium_memzero(key, sizeof key);
  return rc;
}

/* client: msg4 in, nothing out */
static int client_msg4(sr_shs_t *hs, const uint8_t *in) {
  int rc = 0;
  uint8_t key[HASH_BYTES];
  uint8_t sig_b[SIG_BYTES];
  uint8_t signed_msg[SIG_B_MSG_BYTES];

  box_key(hs, 1, key);
  if (crypto_secretbox_open_easy(sig_b, in, SR_SHS_MSG4_BYTES, zero_nonce, key) != 0) {
    rc = SR_EHSSERVERAUTH;
    goto cleanup;
  }
  sig_b_msg(hs, hs->my_pk, signed_msg);
  if (crypto_sign_verify_detached(sig_b, signed_msg, sizeof signed_msg, hs->peer_pk) != 0) {
    rc = SR_EHSSERVERAUTH;
    goto cleanup;
  }
cleanup:
  sodium_memzero(key, sizeof key);
  sodium_memzero(signed_msg, sizeof signed_msg);
  return rc;
}

/* server: msg1 in, msg2 out */
static int server_msg1(sr_shs_t *hs, const uint8_t *in, uint8_t *out) {
  int rc = 0;
  uint8_t my_curve_sk[CURVE_BYTES];

  if (check_hello(hs, in) != 0) {
    rc = SR_EHSNETKEY;
    goto cleanup;
  }
  if (crypto_scalarmult(hs->ab, hs->eph_sk, hs->peer_eph_pk) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }
  if (crypto_sign_ed25519_sk_to_curve25519(my_curve_sk, hs->my_sk) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  if (crypto_scalarmult(hs->aB, my_curve_sk, hs->peer_eph_pk) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }
  rc = hello(hs, out);
cleanup:
  sodium_memzero(my_curve_sk, sizeof my_curve_sk);
  return rc;
}

/* server: msg3 in, msg4 out */
static int server_msg3(sr_shs_t *hs, const uint8_t *in, uint8_t *out) {
  int rc = 0;
  uint8_t key[HASH_BYTES];
  uint8_t plain[SIG_BYTES + SR_SHS_PK_BYTES];
  uint8_t signed_a[SIG_A_MSG_BYTES];
  uint8_t signed_b[SIG_B_MSG_BYTES];
  uint8_t client_curve[CURVE_BYTES];
  uint8_t sig_b[SIG_BYTES];

  box_key(hs, 0, key);
  if (crypto_secretbox_open_easy(plain, in, SR_SHS_MSG3_BYTES, zero_nonce, key) != 0) {
    rc = SR_EHSCLIENTAUTH;
    goto cleanup;
  }
  memcpy(hs->sig_a, plain, SIG_BYTES);
  memcpy(hs->peer_pk, plain + SIG_BYTES, SR_SHS_PK_BYTES);
  sig_a_msg(hs, hs->my_pk, signed_a);
  if (crypto_sign_verify_detached(hs->sig_a, signed_a, sizeof signed_a, hs->peer_pk) != 0) {
    rc = SR_EHSCLIENTAUTH;
    goto cleanup;
  }
  if (crypto_sign_ed25519_pk_to_curve25519(client_curve, hs->peer_pk) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }
  if (crypto_scalarmult(hs->Ab, hs->eph_sk, client_curve) != 0) {
    rc = SR_EHSWEAKKEY;
    goto cleanup;
  }

  sig_b_msg(hs, hs->peer_pk, signed_b);
  if (crypto_sign_detached(sig_b, NULL, signed_b, sizeof signed_b, hs->my_sk) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  sodium_memzero(key, sizeof key);
  box_key(hs, 1, key);
  if (crypto_secretbox_easy(out, sig_b, sizeof sig_b, zero_nonce, key) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
cleanup:
  sodium_memzero(key, sizeof key);
  sodium_memzero(plain, sizeof plain);
  sodium_memzero(signed_a, sizeof signed_a);
  sodium_memzero(signed_b, sizeof signed_b);
  sodium_memzero(sig_b, sizeof sig_b);
  return rc;
}

int sr_shs_recv(sr_shs_t *hs, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len) {
  int rc;
  size_t want;
  if (!hs || !out || !out_len || (!in && len)) return SR_EINVAL;
  *out_len = 0;
  if (hs->state == ST_FAILED) return SR_EHSSTATE;
  want = sr_shs_expect(hs);
  if (want == 0 || len != want) return fail(hs, SR_EHSSTATE);

  switch (hs->state) {
    case ST_WAIT_MSG1:
      rc = server_msg1(hs, in, out);
      if (rc) return fail(hs, rc);
      *out_len = SR_SHS_MSG2_BYTES;
      hs->state = ST_WAIT_MSG3;
      return 0;
    case ST_WAIT_MSG2:
      rc = client_msg2(hs, in, out);
      if (rc) return fail(hs, rc);
      *out_len = SR_SHS_MSG3_BYTES;
      hs->state = ST_WAIT_MSG4;
      return 0;
    case ST_WAIT_MSG3:
      rc = server_msg3(hs, in, out);
      if (rc) return fail(hs, rc);
      *out_len = SR_SHS_MSG4_BYTES;
      hs->state = ST_DONE;
      return 0;
    case ST_WAIT_MSG4:
      rc = client_msg4(hs, in);
      if (rc) return fail(hs, rc);
      hs->state = ST_DONE;
      return 0;
    default:
      return fail(hs, SR_EHSSTATE);
  }
}

int sr_shs_done(const sr_shs_t *hs) { return hs && hs->state == ST_DONE; }

int sr_shs_result(const sr_shs_t *hs, sr_shs_result_t *res) {
  int rc = 0;
  uint8_t master[HASH_BYTES], tmp[HASH_BYTES + SR_SHS_PK_BYTES];
  uint8_t mac[HMAC_BYTES];
  const uint8_t *client_pk, *server_pk, *client_eph, *server_eph;

  if (!hs || !res) return SR_EINVAL;
  if (hs->state != ST_DONE) return SR_EHSSTATE;
  if (hs->role == SR_SHS_CLIENT) {
    client_pk = hs->my_pk;
    server_pk = hs->peer_pk;
    client_eph = hs->eph_pk;
    server_eph = hs->peer_eph_pk;
  } else {
    client_pk = hs->peer_pk;
    server_pk = hs->my_pk;
    client_eph = hs->peer_eph_pk;
    server_eph = hs->eph_pk;
  }
  box_key(hs, 1, master);
  crypto_hash_sha256(master, master, sizeof master);
  memcpy(tmp, master, HASH_BYTES);

  /* client -> server direction: key uses the server's key, nonce its ephemeral */
  memcpy(tmp + HASH_BYTES, server_pk, SR_SHS_PK_BYTES);
  if (hs->role == SR_SHS_CLIENT) crypto_hash_sha256(res->enc_key, tmp, sizeof tmp);
  else
    crypto_hash_sha256(res->dec_key, tmp, sizeof tmp);
  if (crypto_auth(mac, server_eph, SR_SHS_EPH_BYTES, hs->netkey) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  memcpy(hs->role == SR_SHS_CLIENT ? res->enc_nonce : res->dec_nonce, mac, SR_SHS_NONCE_BYTES);

  /* server -> client direction */
  memcpy(tmp + HASH_BYTES, client_pk, SR_SHS_PK_BYTES);
  if (hs->role == SR_SHS_CLIENT) crypto_hash_sha256(res->dec_key, tmp, sizeof tmp);
  else
    crypto_hash_sha256(res->enc_key, tmp, sizeof tmp);
  if (crypto_auth(mac, client_eph, SR_SHS_EPH_BYTES, hs->netkey) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  memcpy(hs->role == SR_SHS_CLIENT ? res->dec_nonce : res->enc_nonce, mac, SR_SHS_NONCE_BYTES);

  memcpy(res->peer_pk, hs->peer_pk, SR_SHS_PK_BYTES);
cleanup:
  if (rc) sodium_memzero(res, sizeof *res);
  sodium_memzero(master, sizeof master);
  sodium_memzero(tmp, sizeof tmp);
  sodium_memzero(mac, sizeof mac);
  return rc;
}

void sr_shs_wipe(sr_shs_t *hs) {
  int role;
  if (!hs) return;
  role = hs->role;
  sodium_memzero(hs, sizeof *hs);
  hs->role = role;
  hs->state = ST_FAILED;
}
