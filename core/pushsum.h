/* pushsum.h: push-sum gossip aggregation (Kempe, Dobra, Gehrke 2003), leaderless
 * size counting and network-wide averages (docs/network-stats.md, "Push-sum").
 *
 * Time is cut into epochs (epoch = floor(unix_ms / (E*1000))). In each epoch every
 * node starts its own instance, keyed by its own 32-byte node key, holding mass
 * (w = 1, c = 1, x = its own values). Each round it keeps half of its mass and
 * sends the other half to one random live session. A node that hears of an
 * instance with a smaller key (same epoch) drops its own state and joins that one
 * by adding (w = 0, c = 1, x = own values) once; mass of larger keys is discarded.
 * The smallest key's instance is never dropped by anyone, so its mass is
 * conserved: sum w = 1, sum c = N, sum x = network total, hence at every node
 * c/w -> N and x/c -> the network average of x.
 *
 * The masses are IEEE-754 binary64 numbers. Canonical MessagePack has no floats,
 * so on the wire each one travels as the uint64 of its bit pattern (finite and
 * not negative, or the frame is refused: core/frame.c). Halving a double is
 * exact, so a node keeps exactly what it sends; additions round to 2^-53
 * relative, which conserves the mass to ~1e-15. Fixed-point integers were
 * tried first and fail: a node whose only neighbour is a hub sends every round
 * but is picked ~1 round in 16, so its share halves 40..100 times in a row and
 * any fixed resolution runs out (tools/sim/pushsum.py showed max errors of 10%
 * to 500% at such nodes on the karate club); a float keeps its relative
 * precision down to 2^-1022. C and Python do the same correctly rounded
 * operations, so tools/sim/pushsum.py mirrors this file bit for bit (checked:
 * ctest unit_pushsum_mirror).
 *
 * Pure code: no clock, no randomness, no I/O (the caller supplies the epoch and
 * picks the session), so tests and tools/sim/pushsum.py mirror it exactly.
 */
#ifndef SR_PUSHSUM_H
#define SR_PUSHSUM_H
#include "core/entry.h" /* SR_KEY_BYTES */
#include <stddef.h>
#include <stdint.h>

#define SR_PUSHSUM_NVALUES 3    /* averaged quantities, in this order: */
#define SR_PUSHSUM_X_ENTRIES 0  /* entries held in the store */
#define SR_PUSHSUM_X_SESSIONS 1 /* live sessions (degree) */
#define SR_PUSHSUM_X_RATE 2     /* entries received per minute (last epoch) */

/* Bounds on what one frame may claim (sr_pushsum_plausible) and on what an
 * estimate may say (sr_pushsum_estimate): without them one frame with c = 10^15
 * set every node's size estimate to 10^15. A hostile peer can still skew the
 * estimates (push-sum trusts its peers), but never past these. */
#define SR_PUSHSUM_MAX_NODES 0x1p20    /* 1,048,576 nodes in one network */
#define SR_PUSHSUM_MAX_ENTRIES 0x1p36  /* entries one node holds */
#define SR_PUSHSUM_MAX_SESSIONS 0x1p17 /* sessions of one node (max_conns <= 100000) */
#define SR_PUSHSUM_MAX_RATE 0x1p32     /* entries one node receives a minute */

/* One message: the mass a node sends (or the state it holds) for one instance. */
typedef struct sr_pushsum_msg {
  uint64_t epoch;
  uint8_t key[SR_KEY_BYTES]; /* the instance (its starter's node key) */
  double w, c;
  double x[SR_PUSHSUM_NVALUES];
} sr_pushsum_msg_t;

/* An estimate: size = c/w, avg[i] = x[i]/c. valid = 0 while this node holds no
 * weight of its instance (w = 0: the leader's mass has not reached it yet). */
typedef struct sr_pushsum_est {
  int valid;
  uint64_t epoch;
  uint8_t leader[SR_KEY_BYTES];
  double size;
  double avg[SR_PUSHSUM_NVALUES];
  uint64_t rounds; /* messages this node sent in that epoch */
} sr_pushsum_est_t;

typedef struct sr_pushsum {
  uint8_t self[SR_KEY_BYTES];
  int started;           /* an epoch has begun */
  sr_pushsum_msg_t cur;  /* the mass this node holds now (cur.key = its leader) */
  uint64_t rounds;       /* messages sent in the current epoch */
  sr_pushsum_est_t prev; /* the estimate at the end of the last completed epoch */
} sr_pushsum_t;

/* Whether a received message could come from an honest node whose clock's
 * epoch is now_epoch: its epoch at most one ahead (clock skew), 0 <= w <= 1
 * (an instance's weights sum to 1), 0 <= c <= SR_PUSHSUM_MAX_NODES (its counts
 * sum to N), and 0 <= x[i] <= c * the most one node contributes to x[i] (x/c is
 * an average of nodes' own values). A message failing this is dropped before
 * sr_pushsum_absorb: one frame with a far-future epoch would otherwise move
 * every node past the real epoch and freeze the estimates for good, and one
 * with a huge c would set every size estimate. The estimate itself is valid
 * only within the same bounds. */
int sr_pushsum_plausible(const sr_pushsum_msg_t *m, uint64_t now_epoch);

/* What sr_pushsum_absorb did with a message. */
enum sr_pushsum_result {
  SR_PUSHSUM_ADDED = 0, /* same epoch and instance: mass added */
  SR_PUSHSUM_SWITCHED,  /* a smaller key: joined that instance, then added */
  SR_PUSHSUM_IGNORED,   /* a larger key (or a sum that would overflow): discarded */
  SR_PUSHSUM_STALE,     /* an older epoch: discarded */
};

/* Epoch number of a wall-clock time (epoch_s >= 1). */
uint64_t sr_pushsum_epoch_of(uint64_t unix_ms, uint32_t epoch_s);

/* A node with no epoch begun yet. */
void sr_pushsum_init(sr_pushsum_t *ps, const uint8_t self[SR_KEY_BYTES]);

/* Moves to epoch when it is newer than the current one (or none began): the
 * current estimate becomes prev, and this node starts its own instance with
 * (w = 1, c = 1, x = own).
 * Returns 1 when it rolled over, 0 when epoch is not newer. */
int sr_pushsum_rollover(sr_pushsum_t *ps, uint64_t epoch, const double own[SR_PUSHSUM_NVALUES]);

/* One round's send: moves half of every mass into *msg (stamped with the epoch
 * and instance) and keeps the other half. Call only when there is a session to
 * send to; with none the node keeps everything (no call). */
void sr_pushsum_halve(sr_pushsum_t *ps, sr_pushsum_msg_t *msg);

/* Takes a received message: a newer epoch rolls over first (own values), an
 * older one is dropped, a smaller key makes this node switch, a larger one is
 * dropped. Masses must be finite and >= 0 (the frame decoder checks); a sum
 * that would overflow to infinity (only a hostile peer gets there) is dropped. */
enum sr_pushsum_result sr_pushsum_absorb(sr_pushsum_t *ps, const sr_pushsum_msg_t *m,
                                         const double own[SR_PUSHSUM_NVALUES]);

/* The running estimate of the current epoch. */
void sr_pushsum_estimate(const sr_pushsum_t *ps, sr_pushsum_est_t *e);

#endif
