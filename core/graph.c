/* graph.c: CSR construction by counting sort (two passes over the edges), then
 * per-row sort + dedupe. O(n + m log d). */
#include "core/graph.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Fills off/adj for edges a[i] -> b[i]; returns the deduplicated count. */
static uint64_t fill(uint32_t n, const uint32_t *a, const uint32_t *b, uint64_t m, uint64_t *off, uint32_t *adj) {
  uint64_t *pos;
  memset(off, 0, (n + 1) * sizeof(*off));
  for (uint64_t i = 0; i < m; i++)
    if (a[i] != b[i]) off[a[i] + 1]++;
  for (uint32_t v = 0; v < n; v++) off[v + 1] += off[v];
  pos = malloc((n + 1) * sizeof(*pos));
  if (!pos) return UINT64_MAX;
  memcpy(pos, off, (n + 1) * sizeof(*pos));
  for (uint64_t i = 0; i < m; i++)
    if (a[i] != b[i]) adj[pos[a[i]]++] = b[i];
  free(pos);
  /* sort each row and squeeze out duplicates, compacting in place */
  uint64_t w = 0;
  for (uint32_t v = 0; v < n; v++) {
    uint64_t s = off[v], e = off[v + 1];
    qsort(adj + s, e - s, sizeof(*adj), cmp_u32);
    off[v] = w;
    for (uint64_t i = s; i < e; i++)
      if (i == s || adj[i] != adj[i - 1]) adj[w++] = adj[i];
  }
  off[n] = w;
  return w;
}

int sr_graph_build(sr_graph_t *g, uint32_t n, const uint32_t *src, const uint32_t *dst, uint64_t m) {
  memset(g, 0, sizeof(*g));
  for (uint64_t i = 0; i < m; i++)
    if (src[i] >= n || dst[i] >= n) return SR_EINVAL;
  g->n = n;
  g->out_off = malloc((n + 1) * sizeof(uint64_t));
  g->in_off = malloc((n + 1) * sizeof(uint64_t));
  g->out_adj = malloc((m ? m : 1) * sizeof(uint32_t));
  g->in_adj = malloc((m ? m : 1) * sizeof(uint32_t));
  if (!g->out_off || !g->in_off || !g->out_adj || !g->in_adj) goto oom;
  uint64_t mo = fill(n, src, dst, m, g->out_off, g->out_adj);
  uint64_t mi = fill(n, dst, src, m, g->in_off, g->in_adj);
  if (mo == UINT64_MAX || mi == UINT64_MAX) goto oom;
  g->m = mo;
  return 0;
oom:
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
  memset(g, 0, sizeof(*g));
}
