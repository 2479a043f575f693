/* observed.h: first-arrival records another node made, kept as that node's
 * observations (`seurone import` of an `export entries --with-flow` file,
 * docs/flow.md "Observations of another node"). They live apart from the flow
 * database, which holds only this node's own first arrivals, so nothing that
 * reads this node's flow (flow summary, reports, edges) can mistake them for
 * its own. Keyed by entry id and observer key: one record per (entry, node). */
#ifndef SR_STORE_OBSERVED_H
#define SR_STORE_OBSERVED_H
#include "core/err.h"
#include "store/store.h"

typedef struct sr_observation {
  uint8_t id[SR_ID_BYTES];        /* the entry */
  uint8_t observer[SR_KEY_BYTES]; /* the node that recorded it */
  sr_flow_t flow;                 /* what that node recorded at the entry's first arrival there */
} sr_observation_t;

/* Stores obs[0..n) in one write transaction. Left out (counted in *skipped,
 * never stored): an entry this store does not hold (bad input is never
 * stored), an observer that is this node itself (its own record is in the
 * flow database), a source code outside self..reindex. An observation already
 * held for the same entry and observer is kept when it is the earlier one (a
 * first arrival only moves back). stored/skipped may be NULL. */
SR_MUST_USE int sr_store_observed_put(sr_store_t *st, const sr_observation_t *obs, size_t n, size_t *stored,
                                      size_t *skipped);
/* Every observation held, in (entry id, observer) order; cb returns 0 to go on. */
SR_MUST_USE int sr_store_foreach_observed(sr_store_t *st, int (*cb)(void *ctx, const sr_observation_t *o), void *ctx);
/* The observations of one entry, in observer order (one seek). */
SR_MUST_USE int sr_store_observed_of(sr_store_t *st, const uint8_t id[SR_ID_BYTES],
                                     int (*cb)(void *ctx, const sr_observation_t *o), void *ctx);

#endif
