/* graph.c: CSR construction in O(n + m) with no comparison sort: three stable
 * counting-sort scatters.
 *   1. edges bucketed by destination (in input order) into in_adj;
 *   2. that is walked by ascending destination and each edge dropped into its
 *      source's out row, so every out row comes out sorted (duplicates adjacent)
 *      and is deduplicated in place;
 *   3. the unique out rows, walked by ascending source, are scattered into the
 *      in rows, which are then sorted and unique too.
 * in_adj/in_off serve as the scratch space of step 1, so the peak is the final
 * CSR plus one (n + 1)-entry cursor array. */
#include "core/graph.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

int sr_graph_build(sr_graph_t *g, uint32_t n, const uint32_t *src, const uint32_t *dst, uint64_t m) {
  memset(g, 0, sizeof(*g));
  for (uint64_t i = 0; i < m; i++)
    if (src[i] >= n || dst[i] >= n) return SR_EINVAL;
  g->n = n;
  g->out_off = malloc(((size_t)n + 1) * sizeof(uint64_t));
  g->in_off = malloc(((size_t)n + 1) * sizeof(uint64_t));
  g->out_adj = malloc((m ? m : 1) * sizeof(uint32_t));
  g->in_adj = malloc((m ? m : 1) * sizeof(uint32_t));
  uint64_t *pos = malloc(((size_t)n + 1) * sizeof(uint64_t));
  if (!g->out_off || !g->in_off || !g->out_adj || !g->in_adj || !pos) goto oom;
  uint64_t *ioff = g->in_off, *ooff = g->out_off;
  uint32_t *iadj = g->in_adj, *oadj = g->out_adj;

  /* 1: bucket sources by destination; out-degrees counted on the way */
  memset(ioff, 0, ((size_t)n + 1) * sizeof(uint64_t));
  memset(ooff, 0, ((size_t)n + 1) * sizeof(uint64_t));
  for (uint64_t i = 0; i < m; i++)
    if (src[i] != dst[i]) ioff[dst[i] + 1]++, ooff[src[i] + 1]++;
  for (uint32_t v = 0; v < n; v++) ioff[v + 1] += ioff[v], ooff[v + 1] += ooff[v];
  memcpy(pos, ioff, ((size_t)n + 1) * sizeof(uint64_t));
  for (uint64_t i = 0; i < m; i++)
    if (src[i] != dst[i]) iadj[pos[dst[i]]++] = src[i];

  /* 2: out rows by ascending destination, then squeeze out duplicates */
  memcpy(pos, ooff, ((size_t)n + 1) * sizeof(uint64_t));
  for (uint32_t d = 0; d < n; d++)
    for (uint64_t i = ioff[d]; i < ioff[d + 1]; i++) oadj[pos[iadj[i]]++] = d;
  uint64_t w = 0;
  for (uint32_t v = 0; v < n; v++) {
    uint64_t s = ooff[v], e = ooff[v + 1];
    ooff[v] = w;
    for (uint64_t i = s; i < e; i++)
      if (i == s || oadj[i] != oadj[i - 1]) oadj[w++] = oadj[i];
  }
  ooff[n] = w;

  /* 3: in rows from the unique out rows, by ascending source */
  memset(ioff, 0, ((size_t)n + 1) * sizeof(uint64_t));
  for (uint64_t i = 0; i < w; i++) ioff[oadj[i] + 1]++;
  for (uint32_t v = 0; v < n; v++) ioff[v + 1] += ioff[v];
  memcpy(pos, ioff, ((size_t)n + 1) * sizeof(uint64_t));
  for (uint32_t s = 0; s < n; s++)
    for (uint64_t i = ooff[s]; i < ooff[s + 1]; i++) iadj[pos[oadj[i]]++] = s;
  g->m = w;
  free(pos);
  return 0;
oom:
  free(pos);
  sr_graph_free(g);
  return SR_ENOMEM;
}

void sr_graph_free(sr_graph_t *g) {
  if (!g) return;
  free(g->out_off);
  free(g->in_off);
  free(g->out_adj);
  free(g->in_adj);
  if (g->name)
    for (uint32_t i = 0; i < g->n; i++) free(g->name[i]);
  free(g->name);
  free(g->keys);
  free(g->kind);
  free(g->held);
  memset(g, 0, sizeof(*g));
}
