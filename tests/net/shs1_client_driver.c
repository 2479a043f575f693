/* shs1_client_driver.c: the client-role executable that the npm shs1-test
 * suite drives over stdin/stdout (argv: network key hex, server pk hex).
 * Runs our sr_shs_t state machine; on success writes the 112-byte outcome
 * enc_key|enc_nonce|dec_key|dec_nonce; on any failure exits 1 silently. */
#include "tests/net/shs1_driver.h"

int main(int argc, char **argv) {
  uint8_t netkey[SR_SHS_NETKEY_BYTES], server_pk[SR_SHS_PK_BYTES];
  uint8_t pk[SR_SHS_PK_BYTES], sk[SR_SHS_SK_BYTES];
  sr_shs_t hs;
  int rc = 1;

  if (argc != 3 || sodium_init() < 0) return 2;
  if (tu_unhex(argv[1], netkey, sizeof netkey) || tu_unhex(argv[2], server_pk, sizeof server_pk)) return 2;
  crypto_sign_keypair(pk, sk);
  if (sr_shs_client_init(&hs, netkey, pk, sk, server_pk, NULL) == 0) rc = tu_shs1_run(&hs);
  sr_shs_wipe(&hs);
  sodium_memzero(sk, sizeof sk);
  return rc;
}
