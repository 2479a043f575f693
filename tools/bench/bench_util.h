/* bench_util.h: the clocks and the memory figure every benchmark reports, and its
 * number options.
 * Header-only (static inline): each bench_*.c is its own program. */
#ifndef SR_BENCH_UTIL_H
#define SR_BENCH_UTIL_H
#include "core/clock.h"
#include "core/num.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Monotonic seconds: for durations. */
static inline double bench_now_s(void) { return (double)sr_mono_ns() / 1e9; }

/* Wall-clock ms since the epoch: for entry timestamps. */
static inline uint64_t bench_wall_ms(void) { return sr_wall_ms(); }

/* A field of /proc/self/status in KiB, -1 if absent: VmHWM is this process's
 * own peak RSS (per command, unlike a parent's RUSAGE_CHILDREN); RssAnon and
 * RssFile split the current RSS into heap and mapped-file pages. */
static inline long bench_status_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  size_t fl = strlen(field);
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, field, fl) && line[fl] == ':') kb = strtol(line + fl + 1, NULL, 10);
  if (f) fclose(f);
  return kb;
}

/* The value of a whole-number option in [min, max]; a bad one ("10x", "-1")
 * ends the program with status 2 rather than running a different benchmark. */
static inline uint64_t bench_num(const char *opt, const char *s, uint64_t min, uint64_t max) {
  uint64_t v;
  if (sr_parse_u64(s, min, max, &v)) {
    fprintf(stderr, "%s must be a whole number from %llu to %llu, got '%s'\n", opt, (unsigned long long)min,
            (unsigned long long)max, s);
    exit(2);
  }
  return v;
}

#endif
