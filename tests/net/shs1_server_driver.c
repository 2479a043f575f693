/* shs1_server_driver.c: the server-role executable that the npm shs1-test
 * suite drives over stdin/stdout (argv: network key, server sk, server pk,
 * all hex). Runs our sr_shs_t state machine; writes msg2, msg4 and then the
 * 112-byte outcome; on any failure exits 1 without writing anything more. */
#include "tests/net/shs1_driver.h"

int main(int argc, char **argv) {
  uint8_t netkey[SR_SHS_NETKEY_BYTES], pk[SR_SHS_PK_BYTES], sk[SR_SHS_SK_BYTES];
  sr_shs_t hs;
  int rc = 1;

  if (argc != 4 || sodium_init() < 0) return 2;
  if (tu_unhex(argv[1], netkey, sizeof netkey) || tu_unhex(argv[2], sk, sizeof sk) || tu_unhex(argv[3], pk, sizeof pk))
    return 2;
  if (sr_shs_server_init(&hs, netkey, pk, sk, NULL) == 0) rc = tu_shs1_run(&hs);
  sr_shs_wipe(&hs);
  sodium_memzero(sk, sizeof sk);
  return rc;
}
