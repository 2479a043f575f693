/* test_hex.c: core/hex, the one hex encoder, decoder and digit check. */
#include "core/hex.h"
#include "tests/unit/t.h"

#include <string.h>

static void digits_and_checks(void) {
  T_EQ(sr_hex_digit_value('0'), 0);
  T_EQ(sr_hex_digit_value('9'), 9);
  T_EQ(sr_hex_digit_value('a'), 10);
  T_EQ(sr_hex_digit_value('F'), 15);
  T_EQ(sr_hex_digit_value('g'), -1);
  T_EQ(sr_hex_digit_value('/'), -1);
  T_EQ(sr_hex_digit_value(':'), -1);
  T_EQ(sr_hex_digit_value('@'), -1);
  T_EQ(sr_hex_digit_value('G'), -1);
  T_EQ(sr_hex_digit_value('\0'), -1);
  T_EQ(sr_hex_is_hex("09afAF", 6, 0), 1);
  T_EQ(sr_hex_is_hex("09afAF", 6, 1), 0); /* uppercase refused where the case is fixed */
  T_EQ(sr_hex_is_hex("09af", 4, 1), 1);
  T_EQ(sr_hex_is_hex("0x10", 4, 0), 0);
  T_EQ(sr_hex_is_hex("ab c", 4, 0), 0);
  T_EQ(sr_hex_is_hex("abzz", 2, 1), 1); /* only the n bytes asked about */
  T_EQ(sr_hex_is_hex("", 0, 0), 1);
}

static void decodes_spans(void) {
  uint8_t b[4] = {9, 9, 9, 9}, want[4] = {0xde, 0xad, 0xBE, 0xef};
  T_OK(sr_hex_decode_span("deadBEEFxx", 8, b, 4));
  T_MEMEQ(b, want, 4);
  T_EQ(sr_hex_decode_span("deadbeef", 7, b, 4), SR_EINVAL); /* length must be 2*len */
  T_EQ(sr_hex_decode_span("deadbeeg", 8, b, 4), SR_EINVAL);
  T_EQ(sr_hex_decode("deadbeef0", b, 4), SR_EINVAL);
  T_EQ(sr_hex_decode(NULL, b, 4), SR_EINVAL);
  T_OK(sr_hex_decode("00ff7f80", b, 4));
  char out[9];
  sr_hex_encode(b, 4, out);
  T_CHECK(strcmp(out, "00ff7f80") == 0);
}

int main(void) {
  T_RUN(digits_and_checks);
  T_RUN(decodes_spans);
  fprintf(stderr, "test_hex: %d checks passed\n", t_checks);
  return 0;
}
