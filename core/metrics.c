/* metrics.c: structural metrics over the CSR (see metrics.h for the NetworkX
 * call each one reproduces). Everything iterative: no recursion, so graphs of
 * millions of edges cannot overflow the stack. */
#include "core/metrics.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

#define OUTDEG(g, v) ((g)->out_off[(v) + 1] - (g)->out_off[(v)])
#define INDEG(g, v) ((g)->in_off[(v) + 1] - (g)->in_off[(v)])

/* dict(G.in_degree()) / dict(G.out_degree()) */
void sr_metric_in_degree(const sr_graph_t *g, uint32_t *out) {
  for (uint32_t v = 0; v < g->n; v++) out[v] = (uint32_t)INDEG(g, v);
}
void sr_metric_out_degree(const sr_graph_t *g, uint32_t *out) {
  for (uint32_t v = 0; v < g->n; v++) out[v] = (uint32_t)OUTDEG(g, v);
}

/* PageRank: core/metrics_pr.c (on several threads). */

/* Relabels raw component ids so that components are numbered by their
 * smallest node id. raw[v] < n. Returns the count. */
static int relabel(uint32_t n, uint32_t *label, uint32_t *map) {
  for (uint32_t i = 0; i < n; i++) map[i] = UINT32_MAX;
  uint32_t next = 0;
  for (uint32_t v = 0; v < n; v++) {
    uint32_t r = label[v];
    if (map[r] == UINT32_MAX) map[r] = next++;
    label[v] = map[r];
  }
  return (int)next;
}

/* Partition of nx.weakly_connected_components(G): BFS over in and out edges,
 * started from nodes in increasing id (so labels already follow the smallest id). */
int sr_metric_wcc(const sr_graph_t *g, uint32_t *label) {
  if (!g || !label) return SR_EINVAL;
  uint32_t n = g->n;
  if (n == 0) return 0;
  uint32_t *q = malloc(n * sizeof(uint32_t));
  if (!q) return SR_ENOMEM;
  for (uint32_t v = 0; v < n; v++) label[v] = UINT32_MAX;
  uint32_t comps = 0;
  for (uint32_t s = 0; s < n; s++) {
    if (label[s] != UINT32_MAX) continue;
    uint32_t head = 0, tail = 0;
    q[tail++] = s;
    label[s] = comps;
    while (head < tail) {
      uint32_t v = q[head++];
      for (uint64_t i = g->out_off[v]; i < g->out_off[v + 1]; i++) {
        uint32_t w = g->out_adj[i];
        if (label[w] == UINT32_MAX) label[w] = comps, q[tail++] = w;
      }
      for (uint64_t i = g->in_off[v]; i < g->in_off[v + 1]; i++) {
        uint32_t w = g->in_adj[i];
        if (label[w] == UINT32_MAX) label[w] = comps, q[tail++] = w;
      }
    }
    comps++;
  }
  free(q);
  return (int)comps;
}

/* Partition of nx.strongly_connected_components(G): Tarjan's algorithm with
 * an explicit call stack (node, next edge). */
int sr_metric_scc(const sr_graph_t *g, uint32_t *label) {
  if (!g || !label) return SR_EINVAL;
  uint32_t n = g->n;
  if (n == 0) return 0;
  uint32_t *index = malloc(n * sizeof(uint32_t)), *low = malloc(n * sizeof(uint32_t));
  uint32_t *stk = malloc(n * sizeof(uint32_t)), *cs = malloc(n * sizeof(uint32_t));
  uint64_t *ce = malloc(n * sizeof(uint64_t));
  uint8_t *on = calloc(n, 1);
  int rc = SR_ENOMEM;
  if (!index || !low || !stk || !cs || !ce || !on) goto out;
  for (uint32_t v = 0; v < n; v++) index[v] = UINT32_MAX;
  uint32_t counter = 0, sp = 0, comps = 0;
  for (uint32_t s = 0; s < n; s++) {
    if (index[s] != UINT32_MAX) continue;
    uint32_t csp = 0;
    cs[csp] = s;
    ce[csp] = g->out_off[s];
    csp++;
    index[s] = low[s] = counter++;
    stk[sp++] = s;
    on[s] = 1;
    while (csp) {
      uint32_t v = cs[csp - 1];
      if (ce[csp - 1] < g->out_off[v + 1]) {
        uint32_t w = g->out_adj[ce[csp - 1]++];
        if (index[w] == UINT32_MAX) {
          index[w] = low[w] = counter++;
          stk[sp++] = w;
          on[w] = 1;
          cs[csp] = w;
          ce[csp] = g->out_off[w];
          csp++;
        } else if (on[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      /* v is finished */
      if (low[v] == index[v]) {
        uint32_t w;
        do {
          w = stk[--sp];
          on[w] = 0;
          label[w] = comps;
        } while (w != v);
        comps++;
      }
      csp--;
      if (csp) {
        uint32_t u = cs[csp - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  rc = relabel(n, label, index); /* index reused as the map */
out:
  free(index);
  free(low);
  free(stk);
  free(cs);
  free(ce);
  free(on);
  return rc;
}

uint64_t sr_metric_splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int sr_metric_undirected(const sr_graph_t *g, uint64_t **offp, uint32_t **adjp) {
  uint32_t n = g->n;
  uint64_t *off = malloc(((uint64_t)n + 1) * sizeof(uint64_t));
  uint32_t *adj = malloc((2 * g->m + 1) * sizeof(uint32_t));
  if (!off || !adj) {
    free(off);
    free(adj);
    return SR_ENOMEM;
  }
  uint64_t k = 0;
  off[0] = 0;
  for (uint32_t v = 0; v < n; v++) {
    uint64_t i = g->out_off[v], ie = g->out_off[v + 1], j = g->in_off[v], je = g->in_off[v + 1];
    while (i < ie || j < je) {
      uint32_t a = i < ie ? g->out_adj[i] : UINT32_MAX, b = j < je ? g->in_adj[j] : UINT32_MAX;
      if (i < ie && (j >= je || a <= b)) {
        adj[k++] = a;
        i++;
        if (j < je && a == b) j++;
      } else {
        adj[k++] = b;
        j++;
      }
    }
    off[v + 1] = k;
  }
  *offp = off;
  *adjp = adj;
  return 0;
}

int sr_metric_undirected_of(const sr_graph_t *g, const void *out, uint64_t **off, uint32_t **adj) {
  if (!g || !out) return SR_EINVAL;
  if (g->n == 0) return 1;
  return sr_metric_undirected(g, off, adj);
}

/* nx.core_number(G.to_undirected()): Batagelj-Zaversnik bin sort. */
int sr_metric_kcore(const sr_graph_t *g, uint32_t *out) {
  uint64_t *off;
  uint32_t *adj;
  int rc = sr_metric_undirected_of(g, out, &off, &adj);
  if (rc) return rc < 0 ? rc : 0;
  uint32_t n = g->n;
  uint32_t maxd = 0;
  for (uint32_t v = 0; v < n; v++) {
    out[v] = (uint32_t)(off[v + 1] - off[v]);
    if (out[v] > maxd) maxd = out[v];
  }
  uint32_t *bin = calloc((size_t)maxd + 1, sizeof(uint32_t)), *pos = malloc(n * sizeof(uint32_t));
  uint32_t *vert = malloc(n * sizeof(uint32_t));
  rc = SR_ENOMEM;
  if (!bin || !pos || !vert) goto out;
  for (uint32_t v = 0; v < n; v++) bin[out[v]]++;
  uint32_t start = 0;
  for (uint32_t d = 0; d <= maxd; d++) {
    uint32_t c = bin[d];
    bin[d] = start;
    start += c;
  }
  for (uint32_t v = 0; v < n; v++) {
    pos[v] = bin[out[v]]++;
    vert[pos[v]] = v;
  }
  for (uint32_t d = maxd; d > 0; d--) bin[d] = bin[d - 1];
  bin[0] = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = vert[i];
    for (uint64_t j = off[v]; j < off[v + 1]; j++) {
      uint32_t u = adj[j];
      if (out[u] > out[v]) {
        uint32_t du = out[u], pu = pos[u], pw = bin[du], w = vert[pw];
        if (u != w) {
          pos[u] = pw;
          vert[pu] = w;
          pos[w] = pu;
          vert[pw] = u;
        }
        bin[du]++;
        out[u]--;
      }
    }
  }
  rc = 0;
out:
  free(bin);
  free(pos);
  free(vert);
  free(off);
  free(adj);
  return rc;
}

/* nx.clustering(G.to_undirected()): triangles through v by marking v's
 * neighbours and scanning theirs; c = 2T / (d (d - 1)). */
int sr_metric_clustering(const sr_graph_t *g, double *out) {
  uint64_t *off;
  uint32_t *adj;
  int rc = sr_metric_undirected_of(g, out, &off, &adj);
  if (rc) return rc < 0 ? rc : 0;
  uint32_t n = g->n;
  uint32_t *mark = malloc(n * sizeof(uint32_t));
  if (!mark) {
    free(off);
    free(adj);
    return SR_ENOMEM;
  }
  for (uint32_t v = 0; v < n; v++) mark[v] = UINT32_MAX;
  for (uint32_t v = 0; v < n; v++) {
    uint64_t d = off[v + 1] - off[v], t2 = 0; /* t2 = 2 T(v) */
    if (d < 2) {
      out[v] = 0;
      continue;
    }
    for (uint64_t j = off[v]; j < off[v + 1]; j++) mark[adj[j]] = v;
    for (uint64_t j = off[v]; j < off[v + 1]; j++) {
      uint32_t u = adj[j];
      for (uint64_t l = off[u]; l < off[u + 1]; l++) t2 += mark[adj[l]] == v;
    }
    out[v] = (double)t2 / ((double)d * (double)(d - 1));
  }
  free(mark);
  free(off);
  free(adj);
  return 0;
}
