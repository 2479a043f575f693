/* metrics_louvain.c: Louvain communities and modularity on G.to_undirected()
 * (see metrics.h). Weighted level graphs: CSR rows to other nodes, plus each
 * node's self weight (internal weight summed over ordered pairs) and degree k. */
#include "core/err.h"
#include "core/metrics.h"
#include <stdlib.h>
#include <string.h>

typedef struct level {
  uint32_t n;
  uint64_t *off;
  uint32_t *adj;
  double *w, *self, *k;
} level_t;

static void level_free(level_t *l) {
  free(l->off);
  free(l->adj);
  free(l->w);
  free(l->self);
  free(l->k);
  memset(l, 0, sizeof(*l));
}

static uint64_t mix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int sr_metric_modularity(const sr_graph_t *g, const uint32_t *label, double *q) {
  if (!g || !label || !q) return SR_EINVAL;
  uint32_t n = g->n;
  *q = 0;
  if (n == 0) return 0;
  uint64_t *off;
  uint32_t *adj;
  int rc = sr_metric_undirected(g, &off, &adj);
  if (rc) return rc;
  double *in = calloc(n, sizeof(double)), *tot = calloc(n, sizeof(double));
  rc = SR_ENOMEM;
  if (!in || !tot) goto out;
  rc = SR_EINVAL;
  for (uint32_t v = 0; v < n; v++)
    if (label[v] >= n) goto out;
  double m2 = (double)off[n];
  rc = 0;
  if (m2 == 0) goto out;
  for (uint32_t v = 0; v < n; v++) {
    tot[label[v]] += (double)(off[v + 1] - off[v]);
    for (uint64_t j = off[v]; j < off[v + 1]; j++)
      if (label[adj[j]] == label[v]) in[label[v]] += 1;
  }
  double s = 0;
  for (uint32_t c = 0; c < n; c++) s += in[c] / m2 - (tot[c] / m2) * (tot[c] / m2);
  *q = s;
out:
  free(in);
  free(tot);
  free(off);
  free(adj);
  return rc;
}

/* One local-moving phase: comm[i] ends as a community id < l->n. Returns the
 * number of moves made, or SR_ENOMEM. */
static long local_moves(const level_t *l, double m2, uint64_t *rng, uint32_t *comm) {
  uint32_t n = l->n;
  uint32_t *order = malloc(n * sizeof(uint32_t)), *list = malloc(n * sizeof(uint32_t));
  double *tot = malloc(n * sizeof(double)), *nw = calloc(n, sizeof(double));
  long moves = SR_ENOMEM;
  if (!order || !list || !tot || !nw) goto out;
  moves = 0;
  for (uint32_t i = 0; i < n; i++) order[i] = i, comm[i] = i, tot[i] = l->k[i];
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = (uint32_t)(mix(rng) % i), t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
  for (int pass = 0; pass < 1000; pass++) {
    long moved = 0;
    for (uint32_t oi = 0; oi < n; oi++) {
      uint32_t i = order[oi], ci = comm[i], nl = 0;
      for (uint64_t e = l->off[i]; e < l->off[i + 1]; e++) {
        uint32_t c = comm[l->adj[e]];
        if (nw[c] == 0) list[nl++] = c;
        nw[c] += l->w[e];
      }
      double ki = l->k[i];
      tot[ci] -= ki;
      uint32_t best = ci;
      double bestgain = nw[ci] - tot[ci] * ki / m2;
      for (uint32_t x = 0; x < nl; x++) {
        uint32_t c = list[x];
        double gain = nw[c] - tot[c] * ki / m2;
        if (gain > bestgain + 1e-12) best = c, bestgain = gain;
      }
      for (uint32_t x = 0; x < nl; x++) nw[list[x]] = 0;
      tot[best] += ki;
      comm[i] = best;
      if (best != ci) moved++;
    }
    moves += moved;
    if (!moved) break;
  }
out:
  free(order);
  free(list);
  free(tot);
  free(nw);
  return moves;
}

/* Aggregates l by comm (renumbered in place to 0..C-1) into *next. */
static int aggregate(const level_t *l, uint32_t *comm, level_t *next) {
  uint32_t n = l->n, c_n = 0;
  uint32_t *map = malloc(n * sizeof(uint32_t)), *start = NULL, *memb = NULL, *list = NULL;
  double *nw = NULL;
  memset(next, 0, sizeof(*next));
  int rc = SR_ENOMEM;
  if (!map) goto out;
  for (uint32_t i = 0; i < n; i++) map[i] = UINT32_MAX;
  for (uint32_t i = 0; i < n; i++) {
    if (map[comm[i]] == UINT32_MAX) map[comm[i]] = c_n++;
    comm[i] = map[comm[i]];
  }
  start = calloc((size_t)c_n + 1, sizeof(uint32_t));
  memb = malloc(n * sizeof(uint32_t));
  list = malloc(c_n * sizeof(uint32_t));
  nw = calloc(c_n, sizeof(double));
  next->n = c_n;
  next->off = malloc(((size_t)c_n + 1) * sizeof(uint64_t));
  next->adj = malloc((l->off[n] + 1) * sizeof(uint32_t));
  next->w = malloc((l->off[n] + 1) * sizeof(double));
  next->self = calloc(c_n, sizeof(double));
  next->k = calloc(c_n, sizeof(double));
  if (!start || !memb || !list || !nw || !next->off || !next->adj || !next->w || !next->self || !next->k) goto out;
  for (uint32_t i = 0; i < n; i++) start[comm[i] + 1]++;
  for (uint32_t c = 0; c < c_n; c++) start[c + 1] += start[c];
  for (uint32_t i = 0; i < n; i++) memb[start[comm[i]]++] = i;
  for (uint32_t c = c_n; c > 0; c--) start[c] = start[c - 1];
  start[0] = 0;
  uint64_t e_n = 0;
  next->off[0] = 0;
  for (uint32_t c = 0; c < c_n; c++) {
    uint32_t nl = 0;
    for (uint32_t x = start[c]; x < start[c + 1]; x++) {
      uint32_t i = memb[x];
      next->self[c] += l->self[i];
      next->k[c] += l->k[i];
      for (uint64_t e = l->off[i]; e < l->off[i + 1]; e++) {
        uint32_t d = comm[l->adj[e]];
        if (d == c) {
          next->self[c] += l->w[e];
        } else {
          if (nw[d] == 0) list[nl++] = d;
          nw[d] += l->w[e];
        }
      }
    }
    for (uint32_t x = 0; x < nl; x++) {
      next->adj[e_n] = list[x];
      next->w[e_n++] = nw[list[x]];
      nw[list[x]] = 0;
    }
    next->off[c + 1] = e_n;
  }
  rc = 0;
out:
  if (rc) level_free(next);
  free(map);
  free(start);
  free(memb);
  free(list);
  free(nw);
  return rc;
}

int sr_metric_louvain(const sr_graph_t *g, uint64_t seed, uint32_t *label, double *modularity) {
  if (!g || !label) return SR_EINVAL;
  uint32_t n = g->n;
  if (modularity) *modularity = 0;
  if (n == 0) return 0;
  level_t l = {0};
  l.n = n;
  int rc = sr_metric_undirected(g, &l.off, &l.adj);
  if (rc) return rc;
  uint32_t *comm = malloc(n * sizeof(uint32_t));
  l.w = malloc((l.off[n] + 1) * sizeof(double));
  l.self = calloc(n, sizeof(double));
  l.k = malloc(n * sizeof(double));
  rc = SR_ENOMEM;
  if (!comm || !l.w || !l.self || !l.k) goto out;
  for (uint64_t e = 0; e < l.off[n]; e++) l.w[e] = 1;
  for (uint32_t v = 0; v < n; v++) l.k[v] = (double)(l.off[v + 1] - l.off[v]), label[v] = v;
  double m2 = (double)l.off[n], q = 0;
  uint64_t rng = seed;
  if (m2 > 0) {
    rc = sr_metric_modularity(g, label, &q);
    if (rc) goto out;
    for (;;) {
      long moves = local_moves(&l, m2, &rng, comm);
      if (moves < 0) {
        rc = (int)moves;
        goto out;
      }
      if (moves == 0) break;
      level_t next;
      rc = aggregate(&l, comm, &next);
      if (rc) goto out;
      uint32_t *old = malloc(n * sizeof(uint32_t));
      if (!old) {
        level_free(&next);
        rc = SR_ENOMEM;
        goto out;
      }
      memcpy(old, label, n * sizeof(uint32_t));
      for (uint32_t v = 0; v < n; v++) label[v] = comm[label[v]];
      double nq;
      rc = sr_metric_modularity(g, label, &nq);
      if (rc) {
        free(old);
        level_free(&next);
        goto out;
      }
      level_free(&l);
      l = next;
      if (nq - q <= 1e-7) { /* as NetworkX: stop when a level gains <= threshold */
        if (nq < q) memcpy(label, old, n * sizeof(uint32_t)), nq = q;
        q = nq;
        free(old);
        break;
      }
      q = nq;
      free(old);
    }
  }
  /* renumber by smallest node id */
  for (uint32_t i = 0; i < n; i++) comm[i] = UINT32_MAX;
  uint32_t c_n = 0;
  for (uint32_t v = 0; v < n; v++) {
    if (comm[label[v]] == UINT32_MAX) comm[label[v]] = c_n++;
    label[v] = comm[label[v]];
  }
  if (modularity) *modularity = q;
  rc = (int)c_n;
out:
  free(comm);
  level_free(&l);
  return rc;
}
