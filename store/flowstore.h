/* flowstore.h: flow-report counts over the flow database (flowreport_scan.c;
 * the report itself is core/flowreport.h). */
#ifndef SR_STORE_FLOWSTORE_H
#define SR_STORE_FLOWSTORE_H
#include "core/err.h"
#include "store/store.h"

struct sr_flowreport;
struct sr_flowheld;
/* Counts into r (period and layout already set, e.g. by sr_flowreport_init)
 * every entry that arrived from a peer with received_at in [r->period_start,
 * r->period_end): its hops and latency. Exact counts; no noise. */
SR_MUST_USE int sr_store_flow_count(sr_store_t *st, struct sr_flowreport *r);
/* The latest period_end among author's flow-report entries (0: none). */
SR_MUST_USE int sr_store_flow_last_end(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t *end);
/* Where author's next report starts at now: the end of its last one, but at
 * most interval_ms back (a node off for a day reports the last interval). So
 * periods never overlap and no entry is counted twice. >= now: nothing to report. */
uint64_t sr_store_flow_next_start(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now,
                                  uint64_t interval_ms);

/* Every flow-report entry held (core/flowstats.h), author order then seq
 * ascending, parsed; *held is malloc'd (free it; NULL when none). *bad counts
 * those that do not parse (stored before this node checked the schema),
 * *later those of a later format version. */
SR_MUST_USE int sr_store_flow_reports(sr_store_t *st, struct sr_flowheld **held, size_t *n, size_t *bad, size_t *later);

#endif
