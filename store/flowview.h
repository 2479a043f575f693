/* flowview.h: what `seurone flow` reads (flowview.c). */
#ifndef SR_STORE_FLOWVIEW_H
#define SR_STORE_FLOWVIEW_H
#include "store/store.h"

/* A node of the reshare forest: a held share, or a held entry of any type that
 * some held share reshares. parent is the index of the held entry this one
 * reshares (from the reshares database), UINT32_MAX when it reshares nothing or
 * an entry this node does not hold (then orphan = 1). */
typedef struct sr_share_node {
  uint8_t id[SR_ID_BYTES];
  uint8_t author[SR_KEY_BYTES];
  uint8_t project[SR_ID_BYTES]; /* share.project when has_project */
  uint8_t is_share, has_project, orphan;
  uint32_t parent;
  uint64_t ts;
  sr_flow_t flow;
} sr_share_node_t;
/* The whole forest, sorted by id, in one read transaction; *nodes is malloc'd
 * (free it; NULL when *n == 0). */
int sr_store_share_forest(sr_store_t *st, sr_share_node_t **nodes, size_t *n);
/* Every flow record (id order), without decoding the entries. */
int sr_store_foreach_flow(sr_store_t *st, int (*cb)(void *ctx, const uint8_t *id, const sr_flow_t *flow), void *ctx);

#endif
