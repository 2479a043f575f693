/* flowstats.h: network-wide flow distributions combined from held flow-report
 * entries (`seurone flow network`, docs/network-stats.md): which reports count
 * (the latest per node, a window), their sum, error bars and percentiles.
 * Pure: the reports come from the store (store/flowstore.h), the text and JSON
 * are the CLI's. */
#ifndef SR_FLOWSTATS_H
#define SR_FLOWSTATS_H
#include "core/entry.h"
#include "core/err.h"
#include "core/flowreport.h"
#include "core/flownoise.h"

/* One flow-report entry held by this node, parsed. */
typedef struct sr_flowheld {
  uint8_t author[SR_KEY_BYTES], id[SR_ID_BYTES];
  uint64_t seq;
  sr_flowreport_t r;
} sr_flowheld_t;

/* The percentiles the CLI shows: p50, p90, p99. */
#define SR_FLOWNET_PCTS 3
extern const double sr_flownet_pct[SR_FLOWNET_PCTS];

typedef struct sr_flownet {
  sr_flowreport_sum_t s;
  size_t nodes;        /* authors with at least one report combined */
  size_t other_layout; /* reports left out: latency buckets not ours */
  size_t *used;        /* indices (into the held reports) of those combined, in combining order; malloc'd */
  size_t nused;
  double se, half;                                         /* standard error and 95% half-width of one bucket */
  double se_total;                                         /* standard error of the total */
  int64_t total;                                           /* the summed hops buckets */
  int pct_lat[SR_FLOWNET_PCTS], pct_hops[SR_FLOWNET_PCTS]; /* raw: negatives read as 0; bucket index, -1: empty */
  /* noise-aware (core/flownoise.h): the consistent histograms, and the
   * percentiles read from them with their interval and reliability */
  double cons_hops[SR_FLOWREPORT_HOPS], cons_lat[SR_FLOWREPORT_LAT_MAX];
  sr_flownoise_pct_t npct_lat[SR_FLOWNET_PCTS], npct_hops[SR_FLOWNET_PCTS];
} sr_flownet_t;

/* Combines held[0..n) (author order, seq ascending, as the store's foreach
 * gives them): per author the last `latest` reports (0: all) whose period ends
 * at or after since, those of another latency layout left out. out->used is
 * malloc'd (sr_flownet_free). Errors: SR_ENOMEM. */
SR_MUST_USE int sr_flownet_combine(const sr_flowheld_t *held, size_t n, uint64_t latest, uint64_t since,
                                   sr_flownet_t *out);
void sr_flownet_free(sr_flownet_t *out);

/* ---- arrivals: how entries reached this node (`seurone flow summary`,
 * author, project), exact, from each entry's first-arrival record ---- */

#define SR_ARRIVAL_HOPS 17   /* 0..15 and "16 or more" */
#define SR_ARRIVAL_SOURCES 5 /* by_source index: the store's source code 1..4, 0 for any other */

typedef struct sr_arrivals {
  uint64_t *lat; /* latency of each entry from a peer, ms (malloc'd) */
  size_t n, cap, skewed, by_source[SR_ARRIVAL_SOURCES];
  uint64_t hops[SR_ARRIVAL_HOPS];
} sr_arrivals_t;

/* Counts one entry written at ts: its source (by_source index), and when it
 * came from a peer (from_peer) its latency received_at - ts (negative: clock
 * skew, counted as 0 and as skewed) and hops. Own and imported entries did not
 * flow here, so only their source is counted. Errors: SR_ENOMEM. */
SR_MUST_USE int sr_arrivals_add(sr_arrivals_t *a, uint64_t ts, uint64_t received_at, uint32_t hops, unsigned source,
                                int from_peer);
void sr_arrivals_free(sr_arrivals_t *a);

typedef struct sr_arrival_stats {
  size_t received, skewed, by_source[SR_ARRIVAL_SOURCES];
  uint64_t p50, p90, p99, min, max; /* latency ms, nearest rank; 0 when none */
  uint64_t hops[SR_ARRIVAL_HOPS];
} sr_arrival_stats_t;
/* The distribution of a (sorts a->lat). */
void sr_arrivals_stats(sr_arrivals_t *a, sr_arrival_stats_t *out);

#endif
