/* fuzz_shs_client.c: libFuzzer target driving the SHS client state machine.
 * Input: [flags][64 bytes for msg2][112 bytes, first 80 used for msg4]; a
 * GENUINE flag makes the message a recorded genuine one XOR the input bytes.
 * Checks: no crash, failures are terminal, success only with the real server. */
#include "tests/net/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t flags = size ? data[0] : 0, m2[SR_SHS_MSG_MAX], m4[SR_SHS_MSG_MAX], out[SR_SHS_MSG_MAX];
  size_t n, short_by = (flags & FZ_FLAG_SHORT) ? 1 : 0;
  sr_shs_t c;
  sr_shs_result_t res;
  int rc;

  fz_init();
  fz_message(data, size, FZ_MSG1_OFF, fz_msg2, flags & FZ_FLAG_GENUINE_FIRST, SR_SHS_MSG2_BYTES, m2);
  fz_message(data, size, FZ_MSG3_OFF, fz_msg4, flags & FZ_FLAG_GENUINE_SECOND, SR_SHS_MSG4_BYTES, m4);
  if (sr_shs_client_init(&c, fz_netkey, fz_cpk, fz_csk, fz_spk, fz_cseed) || sr_shs_start(&c, out, &n) ||
      n != SR_SHS_MSG1_BYTES)
    fz_die("init");
  rc = sr_shs_recv(&c, m2, SR_SHS_MSG2_BYTES - short_by, out, &n);
  if (rc) {
    if (n != 0 || sr_shs_expect(&c) != 0) fz_die("failed client must be terminal");
    goto cleanup;
  }
  if (n != SR_SHS_MSG3_BYTES) fz_die("msg3 size");
  rc = sr_shs_recv(&c, m4, SR_SHS_MSG4_BYTES, out, &n);
  if (rc) {
    if (sr_shs_done(&c)) fz_die("failed client reports done");
    goto cleanup;
  }
  if (!sr_shs_done(&c) || sr_shs_result(&c, &res)) fz_die("done");
  if (memcmp(res.peer_pk, fz_spk, SR_SHS_PK_BYTES) != 0) fz_die("peer is not the dialled server");
  sodium_memzero(&res, sizeof res);
cleanup:
  sr_shs_wipe(&c);
  return 0;
}
