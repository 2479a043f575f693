/* loglimit.c: rate limit for repeated log lines (see loglimit.h). */
#include "core/loglimit.h"

#include <stdio.h>
#include <string.h>

void sr_loglimit_init(sr_loglimit_t *l, uint32_t burst, uint32_t window_ms) {
  memset(l, 0, sizeof *l);
  l->burst = burst ? burst : 1;
  l->window_ms = window_ms ? window_ms : 1;
}

/* FNV-1a over the words without a digit, each followed by a space. */
uint64_t sr_loglimit_shape(const char *line) {
  uint64_t h = 1469598103934665603ull;
  const char *p = line;
  while (*p) {
    while (*p == ' ') p++;
    const char *w = p;
    int digit = 0;
    while (*p && *p != ' ') digit |= (*p >= '0' && *p <= '9'), p++;
    if (digit || p == w) continue;
    for (const char *q = w; q < p; q++) h = (h ^ (uint8_t)*q) * 1099511628211ull;
    h = (h ^ ' ') * 1099511628211ull;
  }
  return h ? h : 1;
}

/* Writes the summary of s's window (if it held anything back) and frees it. */
static void sum_up(const sr_loglimit_t *l, sr_loglimit_slot_t *s, sr_loglimit_sink_fn sink, void *ctx) {
  if (s->held == 1) {
    sink(ctx, s->last);
  } else if (s->held > 1) {
    char line[SR_LOGLIMIT_LINE + 80];
    /* a field of its own: the lines are logfmt (core/logline.h) */
    snprintf(line, sizeof line, "%s note=\"(and %u more like it in the last %u s)\"", s->last, s->held - 1,
             (l->window_ms + 999) / 1000);
    sink(ctx, line);
  }
  memset(s, 0, sizeof *s);
}

int sr_loglimit_pass(sr_loglimit_t *l, const char *line, uint64_t now_ms, sr_loglimit_sink_fn sink, void *ctx) {
  uint64_t shape = sr_loglimit_shape(line);
  sr_loglimit_slot_t *s = NULL, *oldest = &l->slot[0];
  for (size_t i = 0; i < SR_LOGLIMIT_SLOTS; i++) {
    sr_loglimit_slot_t *t = &l->slot[i];
    if (t->shape == shape) {
      s = t;
      break;
    }
    if (!s && !t->shape) s = t; /* the first free one, unless the shape has a slot */
    if (t->shape && t->since_ms < oldest->since_ms) oldest = t;
  }
  if (s && s->shape != shape) s->shape = 0; /* a free slot picked: make sure it is */
  if (!s) {                                 /* every slot busy with other shapes: the oldest window ends early */
    s = oldest;
    sum_up(l, s, sink, ctx);
  }
  if (s->shape == shape && now_ms - s->since_ms >= l->window_ms) sum_up(l, s, sink, ctx);
  if (!s->shape) {
    s->shape = shape;
    s->since_ms = now_ms;
  }
  if (s->shown < l->burst) {
    s->shown++;
    return 1;
  }
  s->held++;
  snprintf(s->last, sizeof s->last, "%s", line);
  return 0;
}

size_t sr_loglimit_flush(sr_loglimit_t *l, uint64_t now_ms, sr_loglimit_sink_fn sink, void *ctx) {
  size_t holding = 0;
  for (size_t i = 0; i < SR_LOGLIMIT_SLOTS; i++) {
    sr_loglimit_slot_t *s = &l->slot[i];
    if (!s->shape) continue;
    if (now_ms - s->since_ms >= l->window_ms) sum_up(l, s, sink, ctx);
    else
      holding += s->held > 0;
  }
  return holding;
}
