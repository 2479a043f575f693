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

SR_MUST_USE int sr_store_graph(sr_store_t *st, enum sr_view view, sr_graph_t *g);

#endif
