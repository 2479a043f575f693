/* metrics_pr.c: PageRank (NetworkX's power iteration) on several threads.
 *
 * nx.pagerank(G, alpha, tol=tol, max_iter=max_iter) -- _pagerank_scipy:
 *   x = alpha * (x @ A + sum(x[dangling]) / N) + (1 - alpha) / N
 *   err = sum|x - xlast|; converged when err < N * tol.
 * The same iterates, computed as one pull pass per iteration over the in-CSR:
 * c[u] = alpha * x[u] / outdeg(u) (0 for dangling u) is the only array read at
 * random; x is updated in place (only x[v] itself reads it) and the next c is
 * written beside it, then the two c buffers swap.
 *
 * A pass splits by node: each x[v] is one thread's sum over v's in-edges in
 * CSR order, so x does not depend on the thread count. What would is err:
 * the nodes fall in fixed chunks of PR_CHUNK, each chunk's err is summed on
 * its own and the chunks' are added in chunk order, whichever thread ran them.
 * Between passes one thread does the serial step (err, the dangling mass, the
 * swap), with a barrier on each side. */
#include "core/err.h"
#include "core/metrics.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define OUTDEG(g, v) ((g)->out_off[(v) + 1] - (g)->out_off[(v)])
#define PR_CHUNK 4096

typedef struct {
  const sr_graph_t *g;
  const double *scale;
  const uint32_t *dang;
  uint32_t nd, chunks;
  double *x, *c, *c2, *errs;
  double alpha, tol, base, dangling;
  int max_iter, it, rc, done;
  /* the barrier, and the start: workers wait for `go`, when nthreads is final */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned nthreads, next_tid;
  atomic_uint arrived, gen;
  int go;
} pr_t;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

/* A pass takes a millisecond or two on a million edges, so a waiter spins a
 * while (about 0.1 ms) before it sleeps: waking a sleeping thread can cost
 * as much as a pass when another process holds the core. The last to arrive
 * moves the generation on under the lock, so a waiter that went to sleep is
 * always woken. */
#define PR_SPIN 4096

static void pr_barrier(pr_t *p) {
  unsigned gen = atomic_load_explicit(&p->gen, memory_order_acquire);
  if (atomic_fetch_add_explicit(&p->arrived, 1, memory_order_acq_rel) + 1 == p->nthreads) {
    atomic_store_explicit(&p->arrived, 0, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->gen, gen + 1, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return;
  }
  for (int i = 0; i < PR_SPIN; i++) {
    if (atomic_load_explicit(&p->gen, memory_order_acquire) != gen) return;
    cpu_relax();
  }
  pthread_mutex_lock(&p->mu);
  while (atomic_load_explicit(&p->gen, memory_order_acquire) == gen) pthread_cond_wait(&p->cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

/* Nodes [v0, v1): x = A^T c + base in place, c2 = x * scale; returns their sum|x - xlast|. */
static double pr_pass(const pr_t *p, uint32_t v0, uint32_t v1) {
  const uint64_t *off = p->g->in_off;
  const uint32_t *adj = p->g->in_adj;
  const double *c = p->c, *scale = p->scale;
  double *x = p->x, *c2 = p->c2, err = 0, base = p->base;
  uint64_t i = off[v0];
  for (uint32_t v = v0; v < v1; v++) {
    double sum = 0;
    for (uint64_t e = off[v + 1]; i < e; i++) sum += c[adj[i]];
    double nxv = sum + base, d = nxv - x[v];
    err += d < 0 ? -d : d;
    x[v] = nxv;
    c2[v] = nxv * scale[v];
  }
  return err;
}

/* The serial step between two passes: returns 1 when the iteration ends. */
static int pr_step(pr_t *p) {
  uint32_t n = p->g->n;
  double err = 0, inv = 1.0 / n, *t = p->c;
  for (uint32_t k = 0; k < p->chunks; k++) err += p->errs[k];
  p->c = p->c2;
  p->c2 = t;
  p->dangling = 0;
  for (uint32_t k = 0; k < p->nd; k++) p->dangling += p->x[p->dang[k]];
  if (err < n * p->tol) {
    p->rc = p->it;
    return 1;
  }
  if (p->it == p->max_iter) return 1; /* p->rc stays SR_ETOOBIG */
  p->it++;
  p->base = p->alpha * p->dangling * inv + (1 - p->alpha) * inv;
  return 0;
}

static void *pr_worker(void *arg) {
  pr_t *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->go) pthread_cond_wait(&p->cv, &p->mu);
  unsigned tid = p->next_tid++, nt = p->nthreads;
  pthread_mutex_unlock(&p->mu);
  uint32_t n = p->g->n;
  for (;;) {
    for (uint32_t k = tid; k < p->chunks; k += nt) {
      uint32_t v0 = k * PR_CHUNK, v1 = n - v0 > PR_CHUNK ? v0 + PR_CHUNK : n;
      p->errs[k] = pr_pass(p, v0, v1);
    }
    pr_barrier(p);
    if (tid == 0) p->done = pr_step(p);
    pr_barrier(p);
    if (p->done) return NULL;
  }
}

int sr_metric_pagerank_mt(const sr_graph_t *g, double alpha, double tol, int max_iter, unsigned threads, double *out) {
  if (!g || !out || !(alpha >= 0 && alpha <= 1) || !(tol > 0) || max_iter < 1) return SR_EINVAL;
  uint32_t n = g->n;
  if (n == 0) return 0;
  pr_t p = {.g = g, .x = out, .alpha = alpha, .tol = tol, .max_iter = max_iter, .it = 1, .rc = SR_ETOOBIG};
  atomic_init(&p.arrived, 0);
  atomic_init(&p.gen, 0);
  double *scale = malloc(n * sizeof(double));
  uint32_t *dang = malloc(n * sizeof(uint32_t));
  p.chunks = (n + PR_CHUNK - 1) / PR_CHUNK;
  p.c = malloc(n * sizeof(double));
  p.c2 = malloc(n * sizeof(double));
  p.errs = malloc(p.chunks * sizeof(double));
  int rc = SR_ENOMEM;
  if (!scale || !dang || !p.c || !p.c2 || !p.errs) goto out;
  double inv = 1.0 / n;
  for (uint32_t v = 0; v < n; v++) {
    uint64_t d = OUTDEG(g, v);
    if (d == 0) dang[p.nd++] = v;
    scale[v] = d ? alpha / (double)d : 0;
    out[v] = inv;
    p.c[v] = inv * scale[v];
  }
  p.scale = scale;
  p.dang = dang;
  p.dangling = p.nd * inv;
  p.base = alpha * p.dangling * inv + (1 - alpha) * inv;
  if (pthread_mutex_init(&p.mu, NULL)) goto out;
  if (pthread_cond_init(&p.cv, NULL)) {
    pthread_mutex_destroy(&p.mu);
    goto out;
  }
  if (threads == 0) threads = sr_metric_threads_default();
  if (threads > SR_METRIC_MAX_THREADS) threads = SR_METRIC_MAX_THREADS;
  if (threads > p.chunks) threads = p.chunks; /* a thread without a chunk would only wait */
  pthread_t t[SR_METRIC_MAX_THREADS];
  unsigned started = 0;
  for (unsigned i = 1; i < threads; i++)
    if (pthread_create(&t[started], NULL, pr_worker, &p) == 0) started++;
  /* A thread that could not start is not an error: the chunks go round the
   * threads that did, and the result is the same. */
  pthread_mutex_lock(&p.mu);
  p.nthreads = started + 1;
  p.go = 1;
  pthread_cond_broadcast(&p.cv);
  pthread_mutex_unlock(&p.mu);
  pr_worker(&p);
  for (unsigned i = 0; i < started; i++) pthread_join(t[i], NULL);
  pthread_cond_destroy(&p.cv);
  pthread_mutex_destroy(&p.mu);
  rc = p.rc;
out:
  free(p.c);
  free(p.c2);
  free(p.errs);
  free(scale);
  free(dang);
  return rc;
}

int sr_metric_pagerank(const sr_graph_t *g, double alpha, double tol, int max_iter, double *out) {
  return sr_metric_pagerank_mt(g, alpha, tol, max_iter, 0, out);
}
