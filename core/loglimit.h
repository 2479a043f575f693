/* loglimit.h: rate limit for repeated log lines.
 *
 * A flood (a reconnect storm, thousands of silent connections) would otherwise
 * write one line per event: 55,000 lines in 30 s, filling the disk of the
 * person running the node and hiding everything else. Lines are grouped by
 * their shape — the words that contain no digit, so lines that differ only in
 * addresses, ports, keys, counts are alike — and of each shape at most `burst`
 * lines are written per window of `window_ms`. What is held back is summed up
 * in one line when the window ends: the last line held back followed by
 * ` note="(and N more like it in the last 10 s)"` (a logfmt field, core/logline.h).
 *
 * Pure: the caller gives the time and a sink; nothing here reads a clock.
 *
 *   sr_loglimit_t l;  sr_loglimit_init(&l, 20, 10000);
 *   if (sr_loglimit_pass(&l, line, now_ms, sink, ctx)) sink(ctx, line);
 *   ... and from a timer: sr_loglimit_flush(&l, now_ms, sink, ctx);
 */
#ifndef SR_LOGLIMIT_H
#define SR_LOGLIMIT_H
#include <stddef.h>
#include <stdint.h>

#define SR_LOGLIMIT_SLOTS 16  /* shapes tracked at once; more share the oldest slot */
#define SR_LOGLIMIT_LINE 1024 /* the held-back line kept for the summary (cut past it): SR_LOGLINE_MAX */

typedef void (*sr_loglimit_sink_fn)(void *ctx, const char *line);

typedef struct sr_loglimit_slot {
  uint64_t shape;              /* 0: free */
  uint64_t since_ms;           /* start of this shape's window */
  uint32_t shown;              /* lines of the shape written in the window */
  uint32_t held;               /* lines held back in the window */
  char last[SR_LOGLIMIT_LINE]; /* the last line held back */
} sr_loglimit_slot_t;

typedef struct sr_loglimit {
  uint32_t burst, window_ms;
  sr_loglimit_slot_t slot[SR_LOGLIMIT_SLOTS];
} sr_loglimit_t;

/* burst >= 1 lines of one shape per window_ms >= 1. */
void sr_loglimit_init(sr_loglimit_t *l, uint32_t burst, uint32_t window_ms);

/* The shape of a line (never 0). */
uint64_t sr_loglimit_shape(const char *line);

/* Whether to write line now (1) or hold it back (0, counted). A window of the
 * line's shape that has ended is summed up through sink first. */
int sr_loglimit_pass(sr_loglimit_t *l, const char *line, uint64_t now_ms, sr_loglimit_sink_fn sink, void *ctx);

/* Sums up, through sink, every window that has ended by now_ms. Returns how
 * many shapes still hold lines back (0: no timer needed). */
size_t sr_loglimit_flush(sr_loglimit_t *l, uint64_t now_ms, sr_loglimit_sink_fn sink, void *ctx);

#endif
