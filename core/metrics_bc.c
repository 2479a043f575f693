/* metrics_bc.c: the shortest-path metrics (betweenness, harmonic closeness) on
 * several threads. One BFS per source, and the sources are independent, so the
 * work splits by source; what must not split is the order of floating-point
 * sums, or the result would depend on the thread count. Harmonic: each node's
 * score is computed whole by one thread (a BFS over in-edges from it), so no
 * sum is shared. Betweenness: the sources are cut into a fixed number of
 * chunks that depends on n only; each chunk accumulates into its own partial
 * array, whichever thread runs it, and the partials are added in chunk order. */
#include "core/err.h"
#include "core/metrics.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INDEG(g, v) ((g)->in_off[(v) + 1] - (g)->in_off[(v)])

unsigned sr_metric_threads_default(void) {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c < 1 ? 1 : c > SR_METRIC_MAX_THREADS ? SR_METRIC_MAX_THREADS : (unsigned)c;
}

/* What the threads share: the next unit of work to take, and the progress
 * report (the callback is called under the lock, so it needs none itself). */
typedef struct {
  pthread_mutex_t mu;
  uint32_t next, units;
  uint64_t done, total;
  sr_metric_progress_cb cb;
  void *ctx;
  int err;
} par_t;

/* Takes the next unit (UINT32_MAX when none is left, or another thread failed). */
static uint32_t par_take(par_t *p) {
  pthread_mutex_lock(&p->mu);
  uint32_t u = p->err || p->next >= p->units ? UINT32_MAX : p->next++;
  pthread_mutex_unlock(&p->mu);
  return u;
}

static void par_done(par_t *p, uint64_t work, int err) {
  pthread_mutex_lock(&p->mu);
  if (err && !p->err) p->err = err;
  uint64_t before = p->done, step = p->total / 100 ? p->total / 100 : 1;
  p->done += work;
  if (p->cb && !err && (p->done == p->total || p->done / step != before / step)) p->cb(p->ctx, p->done, p->total);
  pthread_mutex_unlock(&p->mu);
}

/* Runs fn(arg) on `threads` threads, the caller's being one of them. A thread
 * that cannot be started is not an error: the units are taken on demand, so
 * the threads that run do its share. */
static void par_run(unsigned threads, void *(*fn)(void *), void *arg) {
  pthread_t t[SR_METRIC_MAX_THREADS];
  unsigned started = 0;
  if (threads == 0) threads = sr_metric_threads_default();
  if (threads > SR_METRIC_MAX_THREADS) threads = SR_METRIC_MAX_THREADS;
  for (unsigned i = 1; i < threads; i++)
    if (pthread_create(&t[started], NULL, fn, arg) == 0) started++;
  fn(arg);
  for (unsigned i = 0; i < started; i++) pthread_join(t[i], NULL);
}

/* nx.harmonic_centrality(G): out[u] = sum over v reaching u of 1/d(v, u), by a
 * BFS from u along in-edges, counted per level: sum_d count(d) / d. */
#define HARMONIC_BLOCK 64

typedef struct {
  par_t par;
  const sr_graph_t *g;
  double *out;
} harm_t;

static void *harmonic_worker(void *arg) {
  harm_t *h = arg;
  const sr_graph_t *g = h->g;
  uint32_t n = g->n, *q = malloc(n * sizeof(uint32_t)), *dist = malloc(n * sizeof(uint32_t));
  if (!q || !dist) {
    par_done(&h->par, 0, SR_ENOMEM);
    goto out;
  }
  for (uint32_t v = 0; v < n; v++) dist[v] = UINT32_MAX;
  for (uint32_t b; (b = par_take(&h->par)) != UINT32_MAX;) {
    uint32_t lo = b * HARMONIC_BLOCK, hi = lo + HARMONIC_BLOCK < n ? lo + HARMONIC_BLOCK : n;
    for (uint32_t s = lo; s < hi; s++) {
      uint32_t head = 0, tail = 0, level = 0, count = 0;
      double sum = 0;
      q[tail++] = s;
      dist[s] = 0;
      while (head < tail) {
        uint32_t v = q[head++];
        if (dist[v] != level) {
          if (level) sum += (double)count / level;
          level = dist[v];
          count = 0;
        }
        count++;
        for (uint64_t i = g->in_off[v]; i < g->in_off[v + 1]; i++) {
          uint32_t w = g->in_adj[i];
          if (dist[w] == UINT32_MAX) dist[w] = dist[v] + 1, q[tail++] = w;
        }
      }
      if (level) sum += (double)count / level;
      h->out[s] = sum;
      for (uint32_t i = 0; i < tail; i++) dist[q[i]] = UINT32_MAX;
    }
    par_done(&h->par, hi - lo, 0);
  }
out:
  free(q);
  free(dist);
  return NULL;
}

int sr_metric_harmonic_mt(const sr_graph_t *g, unsigned threads, double *out, sr_metric_progress_cb cb, void *ctx) {
  if (!g || !out) return SR_EINVAL;
  if (g->n == 0) return 0;
  harm_t h = {.g = g, .out = out};
  h.par.units = (g->n + HARMONIC_BLOCK - 1) / HARMONIC_BLOCK;
  h.par.total = g->n;
  h.par.cb = cb;
  h.par.ctx = ctx;
  if (pthread_mutex_init(&h.par.mu, NULL)) return SR_ENOMEM;
  par_run(threads, harmonic_worker, &h);
  pthread_mutex_destroy(&h.par.mu);
  return h.par.err;
}

int sr_metric_harmonic(const sr_graph_t *g, double *out, sr_metric_progress_cb cb, void *ctx) {
  return sr_metric_harmonic_mt(g, 0, out, cb, ctx);
}

/* Partial sums of betweenness: 16 chunks keep two threads (or a few more)
 * evenly busy when chunks differ in cost; on graphs above a million nodes, 4,
 * so that the partial arrays stay within 4 n doubles. */
static uint32_t bc_chunks(uint32_t n, uint32_t k) {
  uint32_t c = n > 1000000 ? 4 : 16;
  return k < c ? k : c;
}

typedef struct {
  par_t par;
  uint32_t n, k;
  const uint64_t *off;
  const uint32_t *adj, *src, *map;
  uint64_t m;
  double *part; /* chunks x n */
} bc_t;

/* nx.betweenness_centrality(G[, k=pivots]): Brandes (2001) on the unweighted
 * directed graph, arranged for the cache (measured on a 1M-edge power-law
 * graph: 1.7x faster than the textbook loop):
 *  - nodes are renumbered by decreasing in-degree (a private copy of the out
 *    rows), so the hubs that most edges point at share a few cache lines;
 *  - the forward BFS appends every shortest-path DAG edge v -> w (w one level
 *    below v) to a list, grouped by v in queue order; the backward sweep walks
 *    only those (typically a fifth of the edges) in reverse queue order:
 *      delta[v] = sigma[v] * sum_w coeff[w], coeff[w] = (1 + delta[w]) / sigma[w],
 *    NetworkX's sum of sigma[v] / sigma[w] * (1 + delta[w]). Once w's delta is
 *    known, sigma[w] is replaced by coeff[w], all its predecessors need.
 * Each thread has its own q, dist, sigma and DAG; a chunk's sources add into
 * that chunk's partial array. */
static void *bc_worker(void *arg) {
  bc_t *b = arg;
  uint32_t n = b->n;
  const uint64_t *off = b->off;
  const uint32_t *adj = b->adj;
  uint32_t *q = malloc(n * sizeof(uint32_t)), *dist = malloc(n * sizeof(uint32_t));
  uint32_t *dag = malloc((b->m + 1) * sizeof(uint32_t));
  uint64_t *dstart = malloc(((size_t)n + 1) * sizeof(uint64_t));
  double *sigma = malloc(n * sizeof(double));
  if (!q || !dist || !dag || !dstart || !sigma) {
    par_done(&b->par, 0, SR_ENOMEM);
    goto out;
  }
  for (uint32_t v = 0; v < n; v++) dist[v] = UINT32_MAX;
  for (uint32_t c; (c = par_take(&b->par)) != UINT32_MAX;) {
    double *acc = b->part + (size_t)c * n;
    uint32_t lo = (uint32_t)((uint64_t)b->k * c / b->par.units);
    uint32_t hi = (uint32_t)((uint64_t)b->k * (c + 1) / b->par.units);
    for (uint32_t si = lo; si < hi; si++) {
      uint32_t s = b->map[b->src[si]], head = 0, tail = 0;
      uint64_t nd = 0;
      q[tail++] = s;
      dist[s] = 0;
      sigma[s] = 1;
      while (head < tail) {
        dstart[head] = nd;
        uint32_t v = q[head++], dv1 = dist[v] + 1;
        double sv = sigma[v];
        for (uint64_t i = off[v], e = off[v + 1]; i < e; i++) {
          uint32_t w = adj[i], dw = dist[w];
          if (dw == UINT32_MAX) {
            dist[w] = dv1;
            sigma[w] = sv;
            q[tail++] = w;
            dag[nd++] = w;
          } else if (dw == dv1) {
            sigma[w] += sv;
            dag[nd++] = w;
          }
        }
      }
      dstart[tail] = nd;
      for (uint32_t qi = tail; qi-- > 1;) { /* q[0] = s: its dependency is not counted */
        uint32_t v = q[qi];
        double sum = 0;
        for (uint64_t i = dstart[qi], e = dstart[qi + 1]; i < e; i++) sum += sigma[dag[i]];
        double delta = sigma[v] * sum;
        acc[v] += delta;
        sigma[v] = (1 + delta) / sigma[v];
      }
      for (uint32_t i = 0; i < tail; i++) dist[q[i]] = UINT32_MAX;
      par_done(&b->par, 1, 0);
    }
  }
out:
  free(q);
  free(dist);
  free(dag);
  free(dstart);
  free(sigma);
  return NULL;
}

/* Rescaled as networkx's _rescale with normalized=True, directed=True,
 * endpoints=False. */
int sr_metric_betweenness_mt(const sr_graph_t *g, uint32_t pivots, uint64_t seed, unsigned threads, double *out,
                             sr_metric_progress_cb cb, void *ctx) {
  if (!g || !out) return SR_EINVAL;
  uint32_t n = g->n;
  if (n == 0) return 0;
  int sampled = pivots > 0 && pivots < n;
  uint32_t k = sampled ? pivots : n, chunks = bc_chunks(n, k);
  uint64_t m = g->m;
  uint32_t *src = malloc(n * sizeof(uint32_t)), *map = malloc(n * sizeof(uint32_t));
  uint32_t *ord = malloc(n * sizeof(uint32_t)), *adj = malloc((m + 1) * sizeof(uint32_t));
  uint64_t *off = malloc(((size_t)n + 1) * sizeof(uint64_t));
  double *part = calloc((size_t)chunks * n, sizeof(double));
  int rc = SR_ENOMEM;
  if (!src || !map || !ord || !adj || !off || !part) goto out;
  /* renumber: counting sort by in-degree, descending, ties by id. off serves
   * as the counts: in-degrees are < n in a simple graph, so maxd + 2 <= n + 1. */
  uint64_t maxd = 0;
  for (uint32_t v = 0; v < n; v++)
    if (INDEG(g, v) > maxd) maxd = INDEG(g, v);
  memset(off, 0, (maxd + 2) * sizeof(uint64_t));
  for (uint32_t v = 0; v < n; v++) off[maxd - INDEG(g, v) + 1]++;
  for (uint64_t d = 0; d <= maxd; d++) off[d + 1] += off[d];
  for (uint32_t v = 0; v < n; v++) {
    uint32_t r = (uint32_t)off[maxd - INDEG(g, v)]++;
    ord[r] = v;
    map[v] = r;
  }
  off[0] = 0;
  for (uint32_t r = 0; r < n; r++) {
    uint32_t v = ord[r];
    uint64_t w = off[r];
    for (uint64_t i = g->out_off[v]; i < g->out_off[v + 1]; i++) adj[w++] = map[g->out_adj[i]];
    off[r + 1] = w;
  }
  for (uint32_t v = 0; v < n; v++) src[v] = v;
  if (sampled) { /* partial Fisher-Yates on the original ids: src[0..k) is a uniform k-subset */
    uint64_t st = seed;
    for (uint32_t i = 0; i < k; i++) {
      uint32_t j = i + (uint32_t)(sr_metric_splitmix64(&st) % (n - i));
      uint32_t t = src[i];
      src[i] = src[j];
      src[j] = t;
    }
  }
  bc_t b = {.n = n, .k = k, .off = off, .adj = adj, .src = src, .map = map, .m = m, .part = part};
  b.par.units = chunks;
  b.par.total = k;
  b.par.cb = cb;
  b.par.ctx = ctx;
  if (pthread_mutex_init(&b.par.mu, NULL)) goto out;
  par_run(threads, bc_worker, &b);
  pthread_mutex_destroy(&b.par.mu);
  if ((rc = b.par.err)) goto out;
  for (uint32_t c = 1; c < chunks; c++) {
    const double *p = part + (size_t)c * n;
    for (uint32_t v = 0; v < n; v++) part[v] += p[v];
  }
  double scale = 1;
  if (n > 2) {
    scale = 1.0 / ((double)(n - 1) * (double)(n - 2));
    if (sampled) scale *= (double)n / (double)k;
  }
  for (uint32_t v = 0; v < n; v++) out[v] = part[map[v]] * scale;
out:
  free(src);
  free(map);
  free(ord);
  free(adj);
  free(off);
  free(part);
  return rc;
}

int sr_metric_betweenness(const sr_graph_t *g, uint32_t pivots, uint64_t seed, double *out, sr_metric_progress_cb cb,
                          void *ctx) {
  return sr_metric_betweenness_mt(g, pivots, seed, 0, out, cb, ctx);
}
