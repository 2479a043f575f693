/* cmd_metrics.c: `seurone metrics` — structural metrics of the graph this node
 * holds (docs/metrics.md). The graph comes from the store as a CSR
 * (store/graphview.h); the algorithms are pure code in core/. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "core/metrics.h"
#include "store/graphview.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double damping, tol;
  uint32_t pivots;
  uint64_t seed;
  unsigned threads;  /* pagerank, betweenness and harmonic (0: one per core) */
  double modularity; /* out, communities */
  int has_modularity;
} mopts_t;

typedef int (*metric_fn)(const sr_graph_t *g, double *out, void *opts);

/* Progress: cli_status lines on stderr, only when it is a terminal (so never
 * in --json stdout, logs or pipes). Every phase says what it is doing; the long
 * metrics also report their work units. sr_metric_progress_cb callback; ctx is
 * the metric's name. */
static void progress(void *ctx, uint64_t done, uint64_t total) { cli_progress(ctx, (size_t)done, (size_t)total); }

/* Integer-valued metrics computed into a uint32 buffer, then widened. */
static int widen(const sr_graph_t *g, double *out, const uint32_t *u) {
  for (uint32_t v = 0; v < g->n; v++) out[v] = u[v];
  return 0;
}

static int m_pagerank(const sr_graph_t *g, double *out, void *o) {
  mopts_t *m = o;
  int rc = sr_metric_pagerank_mt(g, m->damping, m->tol, 100, m->threads, out);
  return rc < 0 ? rc : 0;
}
static int m_betweenness(const sr_graph_t *g, double *out, void *o) {
  mopts_t *m = o;
  int rc = sr_metric_betweenness_mt(g, m->pivots, m->seed, m->threads, out, progress, "betweenness");
  return rc < 0 ? rc : 0;
}
static int m_harmonic(const sr_graph_t *g, double *out, void *o) {
  mopts_t *m = o;
  int rc = sr_metric_harmonic_mt(g, m->threads, out, progress, "harmonic");
  return rc < 0 ? rc : 0;
}
static int m_clustering(const sr_graph_t *g, double *out, void *o) {
  (void)o;
  int rc = sr_metric_clustering(g, out);
  return rc < 0 ? rc : 0;
}
#define INT_METRIC(fname, call)                                                                                        \
  static int fname(const sr_graph_t *g, double *out, void *o) {                                                        \
    uint32_t *u = malloc((g->n ? g->n : 1) * sizeof(*u));                                                              \
    int rc;                                                                                                            \
    (void)o;                                                                                                           \
    if (!u) return SR_ENOMEM;                                                                                          \
    rc = call;                                                                                                         \
    if (rc >= 0) widen(g, out, u);                                                                                     \
    free(u);                                                                                                           \
    return rc < 0 ? rc : 0;                                                                                            \
  }
INT_METRIC(m_kcore, sr_metric_kcore(g, u))
INT_METRIC(m_wcc, sr_metric_wcc(g, u))
INT_METRIC(m_scc, sr_metric_scc(g, u))
static int m_communities(const sr_graph_t *g, double *out, void *o) {
  mopts_t *m = o;
  uint32_t *u = malloc((g->n ? g->n : 1) * sizeof(*u));
  if (!u) return SR_ENOMEM;
  int rc = sr_metric_louvain_ex(g, m->seed, 0, u, &m->modularity, progress, "communities");
  if (rc >= 0) {
    widen(g, out, u);
    m->has_modularity = 1;
  }
  free(u);
  return rc < 0 ? rc : 0;
}

static int m_in_degree(const sr_graph_t *g, double *out, void *opts) {
  (void)opts;
  for (uint32_t v = 0; v < g->n; v++) out[v] = (double)(g->in_off[v + 1] - g->in_off[v]);
  return 0;
}

static int m_out_degree(const sr_graph_t *g, double *out, void *opts) {
  (void)opts;
  for (uint32_t v = 0; v < g->n; v++) out[v] = (double)(g->out_off[v + 1] - g->out_off[v]);
  return 0;
}

typedef struct {
  const char *name;
  metric_fn fn;
  int integer;
  int threaded;          /* runs on --threads threads (its --json rows say how many) */
  const char *reference; /* the NetworkX call it equals */
} metric_t;

static const metric_t metrics[] = {
    {"in-degree", m_in_degree, 1, 0, "dict(G.in_degree())"},
    {"out-degree", m_out_degree, 1, 0, "dict(G.out_degree())"},
    {"pagerank", m_pagerank, 0, 1, "nx.pagerank(G, alpha=--damping (0.85), tol=--tol (1e-6))"},
    {"betweenness", m_betweenness, 0, 1, "nx.betweenness_centrality(G) (--pivots K: k=K sampled sources, --seed)"},
    {"harmonic", m_harmonic, 0, 1, "nx.harmonic_centrality(G)"},
    {"kcore", m_kcore, 1, 0, "nx.core_number(G.to_undirected())"},
    {"clustering", m_clustering, 0, 0, "nx.clustering(G.to_undirected())"},
    {"wcc", m_wcc, 1, 0, "weakly connected component label (partition = nx.weakly_connected_components(G))"},
    {"scc", m_scc, 1, 0, "strongly connected component label (partition = nx.strongly_connected_components(G))"},
    {"communities", m_communities, 1, 0,
     "Louvain community label on G.to_undirected() (--seed); its nx.community.modularity printed (in each --json row)"},
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static int parse_real(const char *s, double *out) {
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  return *s && !*end && !errno;
}

static int parse_whole(const char *s, uint64_t *out) { return sr_parse_u64(s, 0, UINT64_MAX, out) == 0; }

static const double *g_sort_values;
static const sr_graph_t *g_sort_graph;

/* Best first; ties by key, so the order is stable across runs. */
static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  if (g_sort_values[x] != g_sort_values[y]) return g_sort_values[x] < g_sort_values[y] ? 1 : -1;
  return memcmp(g_sort_graph->keys[x], g_sort_graph->keys[y], SR_KEY_LEN);
}

int cmd_metrics(sr_cli_t *cli, int argc, char **argv) {
  const char *name = NULL, *top_s = NULL, *graph_s = NULL, *damp_s = NULL, *tol_s = NULL, *piv_s = NULL, *seed_s = NULL;
  const char *nodes_s = NULL, *threads_s = NULL;
  mopts_t mo = {0.85, 1e-6, 0, 1, 0, 0, 0};
  size_t top = 20;
  enum sr_view view = SR_VIEW_CONTACT;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_opt(argc, argv, &i, "--top", &top_s)) || (r = cli_opt(argc, argv, &i, "--graph", &graph_s)) ||
        (r = cli_opt(argc, argv, &i, "--damping", &damp_s)) || (r = cli_opt(argc, argv, &i, "--tol", &tol_s)) ||
        (r = cli_opt(argc, argv, &i, "--pivots", &piv_s)) || (r = cli_opt(argc, argv, &i, "--seed", &seed_s)) ||
        (r = cli_opt(argc, argv, &i, "--nodes", &nodes_s)) || (r = cli_opt(argc, argv, &i, "--threads", &threads_s))) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    if (argv[i][0] == '-' || name) return cli_fail(SR_EXIT_USAGE, "metrics: unexpected '%s'", argv[i]);
    name = argv[i];
  }
  if (top_s) {
    uint64_t t;
    if (sr_parse_u64(top_s, 0, SIZE_MAX, &t)) return cli_fail(SR_EXIT_USAGE, "--top must be a whole number (0: all)");
    top = (size_t)t;
  }
  if ((damp_s && !parse_real(damp_s, &mo.damping)) || (tol_s && !parse_real(tol_s, &mo.tol)))
    return cli_fail(SR_EXIT_USAGE, "--damping and --tol take a number, e.g. --damping 0.85 --tol 1e-6");
  uint64_t u;
  if (piv_s && (!parse_whole(piv_s, &u) || u > UINT32_MAX))
    return cli_fail(SR_EXIT_USAGE, "--pivots must be a whole number of sample sources (0: exact)");
  if (piv_s) mo.pivots = (uint32_t)u;
  if (seed_s && !parse_whole(seed_s, &u)) return cli_fail(SR_EXIT_USAGE, "--seed must be a whole number (0 .. 2^64-1)");
  if (seed_s) mo.seed = u;
  if (threads_s && (!parse_whole(threads_s, &u) || u > SR_METRIC_MAX_THREADS))
    return cli_fail(SR_EXIT_USAGE, "--threads must be a whole number up to %d (0: one per core)",
                    SR_METRIC_MAX_THREADS);
  mo.threads = threads_s && u ? (unsigned)u : sr_metric_threads_default();
  if (mo.damping <= 0 || mo.damping >= 1 || mo.tol <= 0)
    return cli_fail(SR_EXIT_USAGE, "--damping must be between 0 and 1, --tol above 0");
  if (graph_s) {
    if (!strcmp(graph_s, "contact")) view = SR_VIEW_CONTACT;
    else if (!strcmp(graph_s, "membership"))
      view = SR_VIEW_MEMBERSHIP;
    else if (!strcmp(graph_s, "projects"))
      view = SR_VIEW_PROJECTS;
    else
      return cli_fail(SR_EXIT_USAGE, "--graph must be contact, membership or projects");
  }
  enum sr_nodeset set = SR_NODES_HELD;
  if (nodes_s && cli_nodeset(nodes_s, &set)) return SR_EXIT_USAGE;
  if (!name) {
    if (cli->json) {
      json_t *arr = json_array();
      for (size_t i = 0; i < NMETRICS; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s}", "name", metrics[i].name, "reference", metrics[i].reference));
      cli_json_print(arr);
    } else {
      for (size_t i = 0; i < NMETRICS; i++) printf("%-14s %s\n", metrics[i].name, metrics[i].reference);
    }
    return 0;
  }
  const metric_t *m = NULL;
  for (size_t i = 0; i < NMETRICS; i++)
    if (!strcmp(metrics[i].name, name)) m = &metrics[i];
  if (!m) return cli_fail(SR_EXIT_USAGE, "unknown metric '%s' (`seurone metrics` lists them)", name);

  sr_store_t *st = cli_open_store(cli, 0);
  sr_graph_t g;
  if (!st) return SR_EXIT_ENV;
  cli_status("reading the graph (%s) from the store...", graph_s ? graph_s : "contact");
  int rc = sr_store_graph_nodes(st, view, set, &g);
  sr_store_close(st);
  if (rc) {
    cli_status_clear();
    return cli_fail(SR_EXIT_ENV, "building the graph failed: %s", sr_strerror(rc));
  }
  cli_status("%s: computing on %lu nodes, %llu edges...", name, (unsigned long)g.n, (unsigned long long)g.m);
  double *val = calloc(g.n ? g.n : 1, sizeof(double));
  uint32_t *order = malloc((g.n ? g.n : 1) * sizeof(uint32_t));
  if (!val || !order || (rc = m->fn(&g, val, &mo))) {
    cli_status_clear();
    free(val);
    free(order);
    sr_graph_free(&g);
    if (rc == SR_ETOOBIG && m->fn == m_pagerank)
      return cli_fail(SR_EXIT_ENV, "pagerank did not converge in 100 iterations to --tol %g: give a larger --tol",
                      mo.tol);
    return cli_fail(SR_EXIT_ENV, "computing %s failed: %s", name, sr_strerror(rc ? rc : SR_ENOMEM));
  }
  cli_status_clear();
  for (uint32_t v = 0; v < g.n; v++) order[v] = v;
  g_sort_values = val;
  g_sort_graph = &g;
  qsort(order, g.n, sizeof(*order), by_value);
  size_t k = top && top < g.n ? top : g.n;
  json_t *arr = cli->json ? json_array() : NULL;
  if (!cli->json) printf("%-4s %-16s %-8s %-24s %s\n", "rank", "node", "kind", "name", name);
  for (size_t i = 0; i < k; i++) {
    uint32_t v = order[i];
    const char *kind = g.kind[v] ? "project" : "person";
    if (cli->json) {
      json_t *o = json_pack("{s:o, s:s, s:o, s:o, s:b}", "node", sr_json_hex(g.keys[v], SR_KEY_LEN), "kind", kind,
                            "name", g.name[v] ? json_string(g.name[v]) : json_null(), "value",
                            m->integer ? json_integer((json_int_t)val[v]) : json_real(val[v]), "held", g.held[v]);
      /* the partition's modularity, in every row so the output stays one array */
      if (o && mo.has_modularity) json_object_set_new(o, "modularity", json_real(mo.modularity));
      if (o && m->threaded) json_object_set_new(o, "threads", json_integer(mo.threads));
      json_array_append_new(arr, o);
    } else {
      char hex[2 * SR_KEY_LEN + 1];
      sr_hex_encode(g.keys[v], SR_KEY_LEN, hex);
      const char *nm = g.name[v] ? g.name[v] : "-";
      printf("%-4zu %.16s %-8s ", i + 1, hex, kind);
      cli_text_cell(stdout, nm, strlen(nm), 24); /* someone's name: escaped, cut and padded by columns */
      putchar(' ');
      if (m->integer) printf("%.0f", val[v]);
      else
        printf("%.6f", val[v]);
      /* a key someone follows whose log this node does not hold: what it says is unknown here */
      printf("%s\n", g.held[v] ? "" : g.kind[v] ? "  (project entry not held)" : "  (log not held)");
    }
  }
  if (cli->json) cli_json_print(arr);
  if (mo.has_modularity && !cli->json) printf("modularity %.12f\n", mo.modularity);
  free(val);
  free(order);
  sr_graph_free(&g);
  return 0;
}
