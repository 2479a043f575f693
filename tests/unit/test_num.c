/* test_num.c: core/num, the strict number parser every typed number goes through. */
#include "core/num.h"
#include "tests/unit/t.h"

#include <string.h>

static int parses(const char *s, uint64_t min, uint64_t max, uint64_t want) {
  uint64_t v = 12345;
  return sr_parse_u64(s, min, max, &v) == 0 && v == want;
}

static int refuses(const char *s, uint64_t min, uint64_t max) {
  uint64_t v = 12345;
  return sr_parse_u64(s, min, max, &v) == SR_EINVAL && v == 12345; /* untouched */
}

static void strict_numbers(void) {
  T_CHECK(parses("0", 0, 10, 0));
  T_CHECK(parses("10", 0, 10, 10));
  T_CHECK(parses("007", 0, 10, 7));
  T_CHECK(parses("18446744073709551615", 0, UINT64_MAX, UINT64_MAX));
  T_CHECK(parses("65535", 0, 65535, 65535));
  /* what strtoul lets through */
  T_CHECK(refuses("10x", 0, 100));
  T_CHECK(refuses("", 0, 100));
  T_CHECK(refuses(NULL, 0, 100));
  T_CHECK(refuses(" 10", 0, 100));
  T_CHECK(refuses("10 ", 0, 100));
  T_CHECK(refuses("+10", 0, 100));
  T_CHECK(refuses("-1", 0, UINT64_MAX));
  T_CHECK(refuses("0x10", 0, 100));
  T_CHECK(refuses("1e3", 0, 10000));
  T_CHECK(refuses("18446744073709551616", 0, UINT64_MAX)); /* overflow, not clamped */
  T_CHECK(refuses("99999999999999999999999", 0, UINT64_MAX));
  /* the range */
  T_CHECK(refuses("65536", 0, 65535));
  T_CHECK(refuses("0", 1, 10));
  T_CHECK(parses("1", 1, 10, 1));
  /* spans and digit runs, for numbers with a suffix */
  uint64_t v = 0;
  const char *sz = "64MiB";
  size_t n = sr_num_digits(sz);
  T_EQ(n, 2);
  T_OK(sr_parse_u64_span(sz, n, 0, 100, &v));
  T_EQ(v, 64);
  T_EQ(sr_num_digits("MiB"), 0);
  T_EQ(sr_parse_u64_span("MiB", 0, 0, 100, &v), SR_EINVAL);
  T_OK(sr_parse_u64_span("12", 1, 0, 100, &v));
  T_EQ(v, 1);
}

int main(void) {
  T_RUN(strict_numbers);
  fprintf(stderr, "test_num: %d checks passed\n", t_checks);
  return 0;
}
