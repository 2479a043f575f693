/* flowstats.c: combining held flow reports (flowstats.h). Moved out of the CLI
 * so that the numbers are computed once and printed twice (text and JSON). */
#include "core/flowstats.h"
#include "core/vec.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

const double sr_flownet_pct[SR_FLOWNET_PCTS] = {50, 90, 99};

int sr_flownet_combine(const sr_flowheld_t *held, size_t n, uint64_t latest, uint64_t since, sr_flownet_t *out) {
  sr_flowreport_t standard;
  memset(out, 0, sizeof(*out));
  sr_flowreport_sum_init(&out->s);
  sr_flowreport_init(&standard, 0, 1, 1000);
  if (n && !(out->used = malloc(n * sizeof(*out->used)))) return SR_ENOMEM;
  /* Entries come author by author, seq ascending: within each author's run,
   * keep the last `latest` reports whose period ends at or after since. */
  for (size_t a = 0; a < n;) {
    size_t b = a, kept = 0;
    while (b < n && memcmp(held[b].author, held[a].author, SR_KEY_BYTES) == 0) b++;
    for (size_t j = b; j > a && (latest == 0 || kept < latest); j--) {
      const sr_flowheld_t *h = &held[j - 1];
      if (h->r.period_end < since) break;
      if (h->r.nlat != standard.nlat || memcmp(h->r.edges, standard.edges, (standard.nlat - 1) * sizeof(uint64_t))) {
        out->other_layout++; /* a later version's buckets cannot be added to ours */
        continue;
      }
      if (sr_flowreport_sum_add(&out->s, &h->r)) {
        out->other_layout++; /* not reached: the layout was checked against standard above */
        continue;
      }
      kept++;
      out->used[out->nused++] = j - 1;
    }
    out->nodes += kept > 0;
    a = b;
  }
  out->se = sr_flowreport_sum_se(&out->s);
  out->half = SR_FLOWREPORT_Z95 * out->se;
  out->se_total = sr_flowreport_sum_se_of(&out->s, SR_FLOWREPORT_HOPS);
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) out->total += out->s.hops[i];
  for (int i = 0; i < SR_FLOWNET_PCTS; i++) {
    out->pct_lat[i] = sr_flowreport_percentile(out->s.latency, out->s.nlat, sr_flownet_pct[i]);
    out->pct_hops[i] = sr_flowreport_percentile(out->s.hops, SR_FLOWREPORT_HOPS, sr_flownet_pct[i]);
  }
  sr_flownoise_consistent(out->s.hops, SR_FLOWREPORT_HOPS, out->cons_hops);
  sr_flownoise_consistent(out->s.latency, out->s.nlat, out->cons_lat);
  for (int i = 0; i < SR_FLOWNET_PCTS; i++) {
    sr_flownoise_percentile(out->s.hops, SR_FLOWREPORT_HOPS, out->s.var, sr_flownet_pct[i], &out->npct_hops[i]);
    sr_flownoise_percentile(out->s.latency, out->s.nlat, out->s.var, sr_flownet_pct[i], &out->npct_lat[i]);
  }
  return 0;
}

void sr_flownet_free(sr_flownet_t *out) {
  free(out->used);
  out->used = NULL;
  out->nused = 0;
}

/* ---- arrivals ---- */

int sr_arrivals_add(sr_arrivals_t *a, uint64_t ts, uint64_t received_at, uint32_t hops, unsigned source,
                    int from_peer) {
  a->by_source[source < SR_ARRIVAL_SOURCES ? source : 0]++;
  if (!from_peer) return 0; /* own and imported entries did not flow here */
  int rc = sr_grow((void **)&a->lat, &a->cap, a->n + 1, sizeof(*a->lat), 1024);
  if (rc) return rc;
  int64_t d = (int64_t)received_at - (int64_t)ts;
  if (d < 0) {
    a->skewed++;
    d = 0;
  }
  a->lat[a->n++] = (uint64_t)d;
  a->hops[hops < SR_ARRIVAL_HOPS - 1 ? hops : SR_ARRIVAL_HOPS - 1]++;
  return 0;
}

void sr_arrivals_free(sr_arrivals_t *a) {
  free(a->lat);
  memset(a, 0, sizeof(*a));
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static uint64_t pct(const uint64_t *v, size_t n, double p) {
  if (!n) return 0;
  size_t r = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (r < 1) r = 1;
  return v[(r > n ? n : r) - 1];
}

void sr_arrivals_stats(sr_arrivals_t *a, sr_arrival_stats_t *out) {
  memset(out, 0, sizeof(*out));
  if (a->n) qsort(a->lat, a->n, sizeof(*a->lat), cmp_u64);
  out->received = a->n;
  out->skewed = a->skewed;
  memcpy(out->by_source, a->by_source, sizeof(out->by_source));
  memcpy(out->hops, a->hops, sizeof(out->hops));
  out->p50 = pct(a->lat, a->n, 50);
  out->p90 = pct(a->lat, a->n, 90);
  out->p99 = pct(a->lat, a->n, 99);
  out->min = a->n ? a->lat[0] : 0;
  out->max = a->n ? a->lat[a->n - 1] : 0;
}
