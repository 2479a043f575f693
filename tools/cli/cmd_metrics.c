/* cmd_metrics.c: `seurone metrics` — structural metrics of the graph this node
 * holds (docs/metrics.md). The graph comes from the store as a CSR
 * (store/graphview.h); the algorithms are pure code in core/. */
#include "tools/cli/cli.h"
#include "store/graphview.h"
#include <stdlib.h>
#include <string.h>

typedef int (*metric_fn)(const sr_graph_t *g, double *out, void *opts);

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
  const char *reference; /* the NetworkX call it equals */
} metric_t;

static const metric_t metrics[] = {
  {"in-degree", m_in_degree, 1, "dict(G.in_degree())"},
  {"out-degree", m_out_degree, 1, "dict(G.out_degree())"},
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

typedef struct {
  const double *v;
} sort_ctx_t;
static const double *g_sort_values;
static const sr_graph_t *g_sort_graph;

/* Best first; ties by key, so the order is stable across runs. */
static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  if (g_sort_values[x] != g_sort_values[y]) return g_sort_values[x] < g_sort_values[y] ? 1 : -1;
  return memcmp(g_sort_graph->keys[x], g_sort_graph->keys[y], 32);
}

int cmd_metrics(sr_cli_t *cli, int argc, char **argv) {
  const char *name = NULL, *top_s = NULL, *graph_s = NULL;
  size_t top = 20;
  enum sr_view view = SR_VIEW_CONTACT;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_opt(argc, argv, &i, "--top", &top_s)) || (r = cli_opt(argc, argv, &i, "--graph", &graph_s))) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    if (argv[i][0] == '-' || name) return cli_fail(SR_EXIT_USAGE, "metrics: unexpected '%s'", argv[i]);
    name = argv[i];
  }
  if (top_s) {
    char *end;
    top = strtoul(top_s, &end, 10);
    if (*end || !*top_s) return cli_fail(SR_EXIT_USAGE, "--top must be a whole number (0: all)");
  }
  if (graph_s) {
    if (!strcmp(graph_s, "contact")) view = SR_VIEW_CONTACT;
    else if (!strcmp(graph_s, "membership")) view = SR_VIEW_MEMBERSHIP;
    else if (!strcmp(graph_s, "projects")) view = SR_VIEW_PROJECTS;
    else return cli_fail(SR_EXIT_USAGE, "--graph must be contact, membership or projects");
  }
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
  int rc = sr_store_graph(st, view, &g);
  sr_store_close(st);
  if (rc) return cli_fail(SR_EXIT_ENV, "building the graph failed: %s", sr_strerror(rc));
  double *val = calloc(g.n ? g.n : 1, sizeof(double));
  uint32_t *order = malloc((g.n ? g.n : 1) * sizeof(uint32_t));
  if (!val || !order || (rc = m->fn(&g, val, NULL))) {
    free(val);
    free(order);
    sr_graph_free(&g);
    return cli_fail(SR_EXIT_ENV, "computing %s failed: %s", name, sr_strerror(rc ? rc : SR_ENOMEM));
  }
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
      json_t *o = json_pack("{s:o, s:s, s:o, s:o}", "node", cli_json_hex(g.keys[v], 32), "kind", kind, "name",
                            g.name[v] ? json_string(g.name[v]) : json_null(), "value",
                            m->integer ? json_integer((json_int_t)val[v]) : json_real(val[v]));
      json_array_append_new(arr, o);
    } else {
      char hex[65];
      sr_hex_encode(g.keys[v], 32, hex);
      printf("%-4zu %.16s %-8s %-24.24s ", i + 1, hex, kind, g.name[v] ? g.name[v] : "-");
      if (m->integer) printf("%.0f\n", val[v]);
      else printf("%.6f\n", val[v]);
    }
  }
  if (cli->json) cli_json_print(arr);
  free(val);
  free(order);
  sr_graph_free(&g);
  return 0;
}
