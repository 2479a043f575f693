/* shs1_client_driver.c: the client-role executable that the npm shs1-test
 * suite drives over stdin/stdout (argv: network key hex, server pk hex).
 * Runs our sr_shs_t state machine; on success writes the 112-byte outcome
 * enc_key|enc_nonce|dec_key|dec_nonce; on any failure exits 1 silently. */
#include <sodium.h>

#include "core/shs.h"
#include "tests/net/test_util.h"

int main(int argc, char **argv) {
  uint8_t netkey[SR_SHS_NETKEY_BYTES], server_pk[SR_SHS_PK_BYTES];
  uint8_t pk[SR_SHS_PK_BYTES], sk[SR_SHS_SK_BYTES];
  uint8_t in[SR_SHS_MSG_MAX], out[SR_SHS_MSG_MAX];
  size_t n;
  sr_shs_t hs;
  sr_shs_result_t res;
  int rc = 1;

  if (argc != 3 || sodium_init() < 0) return 2;
  if (tu_unhex(argv[1], netkey, sizeof netkey) || tu_unhex(argv[2], server_pk, sizeof server_pk)) return 2;
  crypto_sign_keypair(pk, sk);
  if (sr_shs_client_init(&hs, netkey, pk, sk, server_pk, NULL)) goto cleanup;
  if (sr_shs_start(&hs, out, &n) || tu_write_all(1, out, n)) goto cleanup;
  while (!sr_shs_done(&hs)) {
    size_t want = sr_shs_expect(&hs);
    if (want == 0 || tu_read_exact(0, in, want)) goto cleanup;
    if (sr_shs_recv(&hs, in, want, out, &n)) goto cleanup;
    if (n && tu_write_all(1, out, n)) goto cleanup;
  }
  if (sr_shs_result(&hs, &res)) goto cleanup;
  if (tu_write_all(1, res.enc_key, sizeof res.enc_key) || tu_write_all(1, res.enc_nonce, sizeof res.enc_nonce) ||
      tu_write_all(1, res.dec_key, sizeof res.dec_key) || tu_write_all(1, res.dec_nonce, sizeof res.dec_nonce))
    goto cleanup;
  rc = 0;
cleanup:
  sr_shs_wipe(&hs);
  sodium_memzero(sk, sizeof sk);
  sodium_memzero(&res, sizeof res);
  return rc;
}
