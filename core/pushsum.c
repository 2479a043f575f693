/* pushsum.c: push-sum state machine (see pushsum.h and docs/network-stats.md).
 *
 * Invariant: for the instance with the smallest key in an epoch, the sum over all
 * nodes and all frames in flight of (w, c, x) is (1, N, sum of own x), up to
 * double rounding: halving is exact, absorbing adds, and nobody drops that
 * instance. tools/sim/pushsum.py repeats these rules operation by operation
 * (same order of additions); keep the two in step.
 */
#include "core/pushsum.h"
#include <math.h>
#include <string.h>

uint64_t sr_pushsum_epoch_of(uint64_t unix_ms, uint32_t epoch_s) {
  return unix_ms / ((uint64_t)(epoch_s ? epoch_s : 1) * 1000);
}

void sr_pushsum_init(sr_pushsum_t *ps, const uint8_t self[SR_KEY_BYTES]) {
  memset(ps, 0, sizeof(*ps));
  memcpy(ps->self, self, SR_KEY_BYTES);
}

static void start_own(sr_pushsum_t *ps, uint64_t epoch, const double own[SR_PUSHSUM_NVALUES]) {
  ps->cur.epoch = epoch;
  memcpy(ps->cur.key, ps->self, SR_KEY_BYTES);
  ps->cur.w = 1.0;
  ps->cur.c = 1.0;
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) ps->cur.x[i] = own[i];
  ps->rounds = 0;
  ps->started = 1;
}

int sr_pushsum_rollover(sr_pushsum_t *ps, uint64_t epoch, const double own[SR_PUSHSUM_NVALUES]) {
  if (ps->started && epoch <= ps->cur.epoch) return 0;
  if (ps->started) sr_pushsum_estimate(ps, &ps->prev);
  start_own(ps, epoch, own);
  return 1;
}

void sr_pushsum_halve(sr_pushsum_t *ps, sr_pushsum_msg_t *msg) {
  msg->epoch = ps->cur.epoch;
  memcpy(msg->key, ps->cur.key, SR_KEY_BYTES);
  /* x * 0.5 is exact (down to subnormals, 1000+ halvings away): what is sent
   * and what is kept are equal and add back up to the whole. */
  ps->cur.w *= 0.5;
  ps->cur.c *= 0.5;
  msg->w = ps->cur.w;
  msg->c = ps->cur.c;
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) {
    ps->cur.x[i] *= 0.5;
    msg->x[i] = ps->cur.x[i];
  }
  ps->rounds++;
}

/* The most each node can contribute to x[i] (entries held, sessions, entries a
 * minute): an honest x/c is an average of nodes' own values, so never above. */
static const double x_max[SR_PUSHSUM_NVALUES] = {SR_PUSHSUM_MAX_ENTRIES, SR_PUSHSUM_MAX_SESSIONS, SR_PUSHSUM_MAX_RATE};

int sr_pushsum_plausible(const sr_pushsum_msg_t *m, uint64_t now_epoch) {
  /* 1 + 2^-30: sums of halves of 1 may round a hair above 1, never further. */
  const double slack = 1.0 + 0x1p-30;
  /* !(v >= 0) also refuses NaN: the frame decoder does too, but this is the
   * one place the bounds are written down. */
  if (m->epoch > now_epoch + 1 || !(m->w >= 0) || m->w > slack) return 0;
  /* c sums to N over an instance, so no honest share exceeds the size bound. */
  if (!(m->c >= 0) || m->c > SR_PUSHSUM_MAX_NODES) return 0;
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++)
    if (!(m->x[i] >= 0) || m->x[i] > m->c * x_max[i] * slack) return 0;
  return 1;
}

enum sr_pushsum_result sr_pushsum_absorb(sr_pushsum_t *ps, const sr_pushsum_msg_t *m,
                                         const double own[SR_PUSHSUM_NVALUES]) {
  enum sr_pushsum_result r = SR_PUSHSUM_ADDED;
  if (ps->started && m->epoch < ps->cur.epoch) return SR_PUSHSUM_STALE;
  sr_pushsum_rollover(ps, m->epoch, own); /* a no-op unless m->epoch is newer */
  int cmp = memcmp(m->key, ps->cur.key, SR_KEY_BYTES);
  if (cmp > 0) return SR_PUSHSUM_IGNORED;
  sr_pushsum_msg_t next = ps->cur;
  if (cmp < 0) {
    /* Join the smaller instance: our own mass there is (0, 1, own), added once;
     * whatever we held of the larger instance is dropped (that instance dies). */
    memcpy(next.key, m->key, SR_KEY_BYTES);
    next.w = 0;
    next.c = 1.0;
    for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) next.x[i] = own[i];
    r = SR_PUSHSUM_SWITCHED;
  }
  next.w += m->w;
  next.c += m->c;
  int finite = isfinite(next.w) && isfinite(next.c);
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) {
    next.x[i] += m->x[i];
    finite = finite && isfinite(next.x[i]);
  }
  if (!finite) return SR_PUSHSUM_IGNORED; /* only hostile numbers overflow */
  ps->cur = next;
  return r;
}

void sr_pushsum_estimate(const sr_pushsum_t *ps, sr_pushsum_est_t *e) {
  memset(e, 0, sizeof(*e));
  e->epoch = ps->cur.epoch;
  memcpy(e->leader, ps->cur.key, SR_KEY_BYTES);
  e->rounds = ps->rounds;
  if (!ps->started || !(ps->cur.w > 0) || !(ps->cur.c > 0)) return;
  /* A weight far below any real share (hostile input) could make c/w infinite
   * or merely absurd: no estimate then, rather than a number nobody may believe
   * (an honest node this far from the leader's mass gets there a few rounds on). */
  int ok = isfinite(e->size = ps->cur.c / ps->cur.w) && e->size <= SR_PUSHSUM_MAX_NODES;
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++)
    ok = ok && isfinite(e->avg[i] = ps->cur.x[i] / ps->cur.c) && e->avg[i] <= x_max[i];
  e->valid = ok;
}
