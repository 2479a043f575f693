/* flowstats.c: combining held flow reports (flowstats.h). Moved out of the CLI
 * so that the numbers are computed once and printed twice (text and JSON). */
#include "core/flowstats.h"
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
      sr_flowreport_sum_add(&out->s, &h->r);
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
  return 0;
}

void sr_flownet_free(sr_flownet_t *out) {
  free(out->used);
  out->used = NULL;
  out->nused = 0;
}
