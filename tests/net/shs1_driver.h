/* shs1_driver.h: what the two shs1-test drivers (shs1_client_driver.c,
 * shs1_server_driver.c) share: running an initialised sr_shs_t of either role
 * over stdin/stdout and writing the outcome. */
#ifndef SR_TEST_NET_SHS1_DRIVER_H
#define SR_TEST_NET_SHS1_DRIVER_H

#include <sodium.h>

#include "core/shs.h"
#include "tests/net/test_util.h"

/* Writes our messages to stdout (the server has none to start with) and reads
 * the peer's from stdin until hs is done, then writes the 112-byte outcome
 * enc_key|enc_nonce|dec_key|dec_nonce. 0 on success, 1 on any failure, after
 * which nothing more is written. The caller wipes hs. */
static inline int tu_shs1_run(sr_shs_t *hs) {
  uint8_t in[SR_SHS_MSG_MAX], out[SR_SHS_MSG_MAX];
  size_t n;
  sr_shs_result_t res;
  int rc = 1;
  memset(&res, 0, sizeof res);
  if (sr_shs_start(hs, out, &n) || (n && tu_write_all(1, out, n))) goto cleanup;
  while (!sr_shs_done(hs)) {
    size_t want = sr_shs_expect(hs);
    if (want == 0 || tu_read_exact(0, in, want)) goto cleanup;
    if (sr_shs_recv(hs, in, want, out, &n)) goto cleanup;
    if (n && tu_write_all(1, out, n)) goto cleanup;
  }
  if (sr_shs_result(hs, &res)) goto cleanup;
  if (tu_write_all(1, res.enc_key, sizeof res.enc_key) || tu_write_all(1, res.enc_nonce, sizeof res.enc_nonce) ||
      tu_write_all(1, res.dec_key, sizeof res.dec_key) || tu_write_all(1, res.dec_nonce, sizeof res.dec_nonce))
    goto cleanup;
  rc = 0;
cleanup:
  sodium_memzero(&res, sizeof res);
  return rc;
}

#endif
