/* metrics.h: structural metrics over the CSR graph (core/graph.h). Pure: no I/O.
 *
 * Each function's result equals a named NetworkX call on the same graph G (a
 * nx.DiGraph with nodes 0..n-1 and the CSR's edges); the call is given per
 * function. Scores agree to ~1e-12 (summation order only); integers and
 * partitions exactly. "The undirected graph" means G.to_undirected(): u ~ v iff
 * u -> v or v -> u.
 *
 * Output arrays have g->n entries, allocated by the caller. Functions returning
 * int give a count (>= 0) or a negative SR_E* code (SR_EINVAL, SR_ENOMEM).
 * Long computations take an optional progress callback (NULL for none), called
 * with done/total work units (sources processed / n), about 100 times per call.
 */
#ifndef SR_METRICS_H
#define SR_METRICS_H
#include "core/err.h"
#include "core/graph.h"
#include <stdint.h>

typedef void (*sr_metric_progress_cb)(void *ctx, uint64_t done, uint64_t total);

/* dict(G.in_degree()), dict(G.out_degree()). */
void sr_metric_in_degree(const sr_graph_t *g, uint32_t *out);
void sr_metric_out_degree(const sr_graph_t *g, uint32_t *out);

/* nx.pagerank(G, alpha=alpha, tol=tol, max_iter=max_iter): power iteration from
 * x = 1/n, dangling mass redistributed uniformly, uniform personalization, stop
 * when sum|x - xlast| < n * tol. Returns the number of iterations done (>= 1;
 * 0 for an empty graph), or SR_ETOOBIG when max_iter iterations did not
 * converge (NetworkX raises PowerIterationFailedConvergence; out then holds the
 * last iterate), or SR_EINVAL (alpha outside [0,1], tol <= 0, max_iter < 1). */
SR_MUST_USE int sr_metric_pagerank(const sr_graph_t *g, double alpha, double tol, int max_iter, double *out);
/* The same on `threads` threads (core/metrics_pr.c; 0: one per core, as the
 * _mt forms below), the same bits on any thread count. */
SR_MUST_USE int sr_metric_pagerank_mt(const sr_graph_t *g, double alpha, double tol, int max_iter, unsigned threads,
                                      double *out);

/* Component labels: label[v] = index of v's component, components numbered
 * 0,1,... in order of their smallest node id. Return the number of components.
 * wcc: the partition of nx.weakly_connected_components(G);
 * scc: the partition of nx.strongly_connected_components(G) (iterative Tarjan). */
SR_MUST_USE int sr_metric_wcc(const sr_graph_t *g, uint32_t *label);
SR_MUST_USE int sr_metric_scc(const sr_graph_t *g, uint32_t *label);

/* nx.harmonic_centrality(G): out[u] = sum over v != u reaching u of 1/d(v, u)
 * (distances FROM the other nodes TO u along directed edges). One BFS per node,
 * from u over in-edges. */
SR_MUST_USE int sr_metric_harmonic(const sr_graph_t *g, double *out, sr_metric_progress_cb cb, void *ctx);

/* Threads (core/metrics_bc.c): the _mt forms run on `threads` threads (0: one
 * per online core, sr_metric_threads_default; at most SR_METRIC_MAX_THREADS);
 * the forms without take 0. The result does not depend on the thread count,
 * bit for bit: sums are never split across threads in a way that depends on
 * it. The progress callback is called from any of the threads, one at a time. */
#define SR_METRIC_MAX_THREADS 64
unsigned sr_metric_threads_default(void);
SR_MUST_USE int sr_metric_harmonic_mt(const sr_graph_t *g, unsigned threads, double *out, sr_metric_progress_cb cb,
                                      void *ctx);

/* nx.betweenness_centrality(G) (Brandes, directed, normalized=True: scaled by
 * 1/((n-1)(n-2)) when n > 2, unscaled otherwise).
 * pivots = 0 or >= n: exact. Otherwise the estimate of
 * nx.betweenness_centrality(G, k=pivots): dependencies accumulated from `pivots`
 * distinct sources drawn uniformly without replacement (splitmix64 seeded with
 * `seed`; not Python's random, so the sample differs from NetworkX's for the
 * same seed) and scaled by an extra n/pivots, which makes it an unbiased
 * estimate of the exact value. */
SR_MUST_USE int sr_metric_betweenness(const sr_graph_t *g, uint32_t pivots, uint64_t seed, double *out,
                                      sr_metric_progress_cb cb, void *ctx);
SR_MUST_USE int sr_metric_betweenness_mt(const sr_graph_t *g, uint32_t pivots, uint64_t seed, unsigned threads,
                                         double *out, sr_metric_progress_cb cb, void *ctx);

/* nx.core_number(G.to_undirected()) (Batagelj-Zaversnik, O(n + m)). */
SR_MUST_USE int sr_metric_kcore(const sr_graph_t *g, uint32_t *out);

/* nx.clustering(G.to_undirected()): 2 T(v) / (d(v) (d(v) - 1)), 0 when d < 2. */
SR_MUST_USE int sr_metric_clustering(const sr_graph_t *g, double *out);

/* The adjacency of G.to_undirected() as CSR: *off (n + 1 entries) and *adj
 * (rows sorted, unique, no self-loops), malloc'd; the caller frees both. */
SR_MUST_USE int sr_metric_undirected(const sr_graph_t *g, uint64_t **off, uint32_t **adj);

/* The start of a metric on G.to_undirected(): SR_EINVAL when g or out (the
 * caller's output array) is NULL, 1 when g has no node (nothing to compute,
 * nothing allocated), else sr_metric_undirected's result. */
SR_MUST_USE int sr_metric_undirected_of(const sr_graph_t *g, const void *out, uint64_t **off, uint32_t **adj);

/* Louvain communities on G.to_undirected() (resolution 1, unit weights), the
 * method of nx.community.louvain_communities(G.to_undirected(), seed=...):
 * repeated local moving (nodes visited in a random order drawn from `seed`,
 * splitmix64) and aggregation, until a level improves modularity by no more
 * than 1e-7; then multi-level refinement (local moving again on every level,
 * top down, from the partition found), and the best of several such runs
 * (each with its own random stream derived from `seed`). The random stream
 * differs from NetworkX's, so partitions for the same seed differ; the
 * modularity is at least NetworkX's in the tests (docs/metrics.md).
 * label[v] = community index, numbered by smallest node id; *modularity (may
 * be NULL) gets nx.community.modularity of it. Returns the number of
 * communities. Deterministic for a given graph and seed. */
SR_MUST_USE int sr_metric_louvain(const sr_graph_t *g, uint64_t seed, uint32_t *label, double *modularity);
/* The same with `starts` runs (0: the default, up to 32 on small graphs, fewer
 * as the graph grows) and progress reported per run. */
SR_MUST_USE int sr_metric_louvain_ex(const sr_graph_t *g, uint64_t seed, unsigned starts, uint32_t *label,
                                     double *modularity, sr_metric_progress_cb cb, void *ctx);

/* nx.community.modularity(G.to_undirected(), communities) (resolution 1) of the
 * partition given by label[v] < n. 0 for a graph without edges. */
SR_MUST_USE int sr_metric_modularity(const sr_graph_t *g, const uint32_t *label, double *q);

/* splitmix64 (Steele, Lea, Flood 2014): the generator behind every --seed here
 * (betweenness pivots, Louvain orders). Public so that a benchmark can draw the
 * same sample as the library. Advances *state. */
uint64_t sr_metric_splitmix64(uint64_t *state);

#endif
