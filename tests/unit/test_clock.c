/* test_clock.c: core/clock, the wall-clock and monotonic milliseconds. */
#include "core/clock.h"
#include "tests/unit/t.h"

#include <time.h>

static void clocks(void) {
  /* the wall clock is the epoch clock time() reads, in ms (the seconds agree
   * unless a second boundary falls between the reads) */
  time_t before = time(NULL);
  uint64_t wall = sr_wall_ms();
  time_t after = time(NULL);
  T_CHECK(wall / 1000 >= (uint64_t)before && wall / 1000 <= (uint64_t)after + 1); /* time() may be a tick late */
  /* monotonic: never goes back, and ms is ns / 1e6 of the same clock */
  uint64_t ns0 = sr_mono_ns(), ms = sr_mono_ms(), ns1 = sr_mono_ns();
  T_CHECK(ns1 >= ns0);
  T_CHECK(ms >= ns0 / 1000000 && ms <= ns1 / 1000000);
  uint64_t prev = sr_mono_ms();
  for (int i = 0; i < 10000; i++) {
    uint64_t now = sr_mono_ms();
    T_CHECK(now >= prev);
    prev = now;
  }
}

int main(void) {
  T_RUN(clocks);
  fprintf(stderr, "test_clock: %d checks passed\n", t_checks);
  return 0;
}
