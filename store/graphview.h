/* graphview.h: the graphs the metrics run on, built from the edge index in one
 * read transaction (one pass over people/projects, one over edges_out).
 *   SR_VIEW_CONTACT     every person known to the node; follow edges (blocks excluded)
 *   SR_VIEW_MEMBERSHIP  people and projects; person -> project for member and supporter
 *   SR_VIEW_PROJECTS    projects only; two projects are linked (both directions) when
 *                       one person is a member or supporter of both
 * Node i is labelled with keys[i] (person key or project id), kind[i] and name[i]. */
#ifndef SR_GRAPHVIEW_H
#define SR_GRAPHVIEW_H
#include "core/err.h"
#include "core/graph.h"
#include "store/store.h"

enum sr_view { SR_VIEW_CONTACT = 0, SR_VIEW_MEMBERSHIP, SR_VIEW_PROJECTS };

/* Which nodes a view holds (docs/metrics.md, "Node sets"):
 *   SR_NODES_HELD  the people the graph really holds: every person whose log
 *                  the node holds (its key has a head), and every key
 *                  such a person follows now that is not a known project id;
 *                  the observer (this node's person) only when it has an edge
 *                  of the view. Projects: those whose project entry is held
 *                  or that someone is a member or supporter of now.
 *   SR_NODES_ALL   every key and project the node has ever seen named (the
 *                  people and projects databases): keys once followed, blocked,
 *                  named by a device certificate, placeholders of shares.
 * g->held marks the nodes whose log (project entry) the node holds. */
enum sr_nodeset { SR_NODES_HELD = 0, SR_NODES_ALL };

SR_MUST_USE int sr_store_graph_nodes(sr_store_t *st, enum sr_view view, enum sr_nodeset set, sr_graph_t *g);
/* sr_store_graph_nodes with SR_NODES_ALL. */
SR_MUST_USE int sr_store_graph(sr_store_t *st, enum sr_view view, sr_graph_t *g);

#endif
