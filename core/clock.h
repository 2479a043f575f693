/* clock.h: the two clocks every part reads. Wall-clock time is for what people and
 * other nodes see (entry timestamps, first arrivals, log lines); monotonic time is
 * for durations and deadlines, which must not jump when the system clock is set. */
#ifndef SR_CLOCK_H
#define SR_CLOCK_H
#include <stdint.h>

/* Milliseconds since the Unix epoch (the system clock: may jump). */
uint64_t sr_wall_ms(void);
/* Milliseconds from an arbitrary start (never goes back): for durations. */
uint64_t sr_mono_ms(void);
/* The same in nanoseconds, for benchmarks and sub-millisecond durations. */
uint64_t sr_mono_ns(void);

#endif
