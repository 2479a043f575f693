/* graph.h: the in-memory graph for metrics — compact sparse rows (CSR), both
 * directions. Pure: built from edge arrays, no I/O.
 *
 * Nodes are 0..n-1; out_adj[out_off[v] .. out_off[v+1]) are v's successors,
 * sorted ascending and unique (a simple directed graph, as NetworkX's DiGraph);
 * in_adj likewise for predecessors. Self-loops are dropped. keys/kind/name are
 * optional labels the caller may fill (NULL when absent).
 */
#ifndef SR_GRAPH_H
#define SR_GRAPH_H
#include "core/err.h"
#include "core/key.h"
#include <stddef.h>
#include <stdint.h>

enum sr_node_kind { SR_NODE_PERSON = 0, SR_NODE_PROJECT = 1 };

typedef struct sr_graph {
  uint32_t n;
  uint64_t m;                  /* directed edges after dedupe */
  uint64_t *out_off, *in_off;  /* n + 1 each */
  uint32_t *out_adj, *in_adj;  /* m each */
  uint8_t (*keys)[SR_KEY_LEN]; /* n, or NULL: a person key or a project id */
  uint8_t *kind;               /* n, or NULL */
  char **name;                 /* n, or NULL; entries may be NULL */
  uint8_t *held;               /* n, or NULL: 1 when the node holds the person's log
                                * (a project: its project entry) */
} sr_graph_t;

/* Builds g from m edges src[i] -> dst[i] over n nodes (every id < n). The caller
 * owns g afterwards (sr_graph_free). Errors: SR_EINVAL, SR_ENOMEM. */
SR_MUST_USE int sr_graph_build(sr_graph_t *g, uint32_t n, const uint32_t *src, const uint32_t *dst, uint64_t m);
void sr_graph_free(sr_graph_t *g);

#endif
