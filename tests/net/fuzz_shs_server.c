/* fuzz_shs_server.c: libFuzzer target driving the SHS server state machine.
 * Input: [flags][64 bytes for msg1][112 bytes for msg3]; with a GENUINE flag
 * the message is a recorded genuine one XOR the input bytes (all-zero input =
 * the genuine message), so the fuzzer reaches every step. Checks: no crash,
 * errors leave the machine failed, success only for the genuine client. */
#include "tests/net/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t flags = size ? data[0] : 0, m1[SR_SHS_MSG_MAX], m3[SR_SHS_MSG_MAX], out[SR_SHS_MSG_MAX];
  size_t n, short_by = (flags & FZ_FLAG_SHORT) ? 1 : 0;
  sr_shs_t s;
  sr_shs_result_t res;
  int rc;

  fz_init();
  fz_message(data, size, FZ_MSG1_OFF, fz_msg1, flags & FZ_FLAG_GENUINE_FIRST, SR_SHS_MSG1_BYTES, m1);
  fz_message(data, size, FZ_MSG3_OFF, fz_msg3, flags & FZ_FLAG_GENUINE_SECOND, SR_SHS_MSG3_BYTES, m3);
  if (sr_shs_server_init(&s, fz_netkey, fz_spk, fz_ssk, fz_sseed) || sr_shs_start(&s, out, &n) || n != 0)
    fz_die("init");
  rc = sr_shs_recv(&s, m1, SR_SHS_MSG1_BYTES - short_by, out, &n);
  if (rc) {
    if (n != 0 || sr_shs_expect(&s) != 0) fz_die("failed server must be silent and terminal");
    goto cleanup;
  }
  if (n != SR_SHS_MSG2_BYTES) fz_die("msg2 size");
  rc = sr_shs_recv(&s, m3, SR_SHS_MSG3_BYTES, out, &n);
  if (rc) {
    if (n != 0 || sr_shs_done(&s)) fz_die("failed server must send nothing");
    goto cleanup;
  }
  if (n != SR_SHS_MSG4_BYTES || !sr_shs_done(&s) || sr_shs_result(&s, &res)) fz_die("done");
  if (memcmp(res.peer_pk, fz_cpk, SR_SHS_PK_BYTES) != 0) fz_die("authenticated a client that is not the genuine one");
  sodium_memzero(&res, sizeof res);
cleanup:
  sr_shs_wipe(&s);
  return 0;
}
