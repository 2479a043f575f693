/* flowview.h: what `seurone flow` reads (flowview.c). */
#ifndef SR_STORE_FLOWVIEW_H
#define SR_STORE_FLOWVIEW_H
#include "core/err.h"
#include "store/store.h"
#include "core/cascade.h"
#include "core/flowstats.h"

/* A node of the reshare forest: a held share, or a held entry of any type that
 * some held share reshares. parent is the index of the held entry this one
 * reshares (from the reshares database), UINT32_MAX when it reshares nothing or
 * an entry this node does not hold (then orphan = 1). */
typedef struct sr_share_node {
  uint8_t id[SR_ID_BYTES];
  uint8_t author[SR_KEY_BYTES]; /* the key that signed it */
  uint8_t person[SR_KEY_BYTES]; /* its person: the author, or the person of the device
                                 * that wrote it (store/devices.h); what cascades count */
  uint8_t project[SR_ID_BYTES]; /* share.project when has_project */
  uint8_t is_share, has_project, orphan;
  uint32_t parent;
  uint64_t ts;
  sr_flow_t flow;
} sr_share_node_t;
/* The whole forest, sorted by id, in one read transaction; *nodes is malloc'd
 * (free it; NULL when *n == 0). */
SR_MUST_USE int sr_store_share_forest(sr_store_t *st, sr_share_node_t **nodes, size_t *n);
/* Every flow record (id order), without decoding the entries. */
SR_MUST_USE int sr_store_foreach_flow(sr_store_t *st, int (*cb)(void *ctx, const uint8_t *id, const sr_flow_t *flow),
                                      void *ctx);

/* ---- the reshare forest with its trees computed (core/cascade) ---- */

typedef struct sr_flowforest {
  sr_share_node_t *nodes;
  size_t n;
  uint32_t *parent, *label;      /* label: index of the node's person in keys */
  uint8_t (*keys)[SR_KEY_BYTES]; /* distinct persons (and self's person), sorted */
  uint32_t nkeys;
  uint32_t self_label; /* SR_CASCADE_ROOT when the node has no identity */
  uint8_t self[SR_KEY_BYTES];
  sr_cascade_forest_t f;
} sr_flowforest_t;

/* Loads the share forest (sr_store_share_forest) and builds its cascades;
 * free with sr_flowforest_free (safe after a failed load too). */
SR_MUST_USE int sr_flowforest_load(sr_store_t *st, sr_flowforest_t *x);
void sr_flowforest_free(sr_flowforest_t *x);
/* The index of the node with this id, -1 when not in the forest. */
int64_t sr_flowforest_index(const sr_flowforest_t *x, const uint8_t *id);
/* Distinct people known to hold the entry: its author, every resharer below it
 * in its cascade (transitively), and this node; its direct reshares in
 * *reshares (if not NULL). Negative: an SR_E* code. */
int64_t sr_flowforest_reach(const sr_flowforest_t *x, const uint8_t *id, const uint8_t *author, uint32_t *reshares);

/* What the shares for one project add up to (`seurone flow project`). */
typedef struct sr_flowproject {
  size_t shares, people;            /* shares for it, and their distinct authors */
  size_t cascades, cascade_entries; /* the cascades holding them, and their size */
  size_t reach;                     /* distinct people in those cascades, and this node */
} sr_flowproject_t;
/* Counts the shares for project pid in x into out, and each one's arrival
 * into a (core/flowstats.h). Errors: SR_ENOMEM. */
SR_MUST_USE int sr_flowforest_project(const sr_flowforest_t *x, const uint8_t pid[SR_ID_BYTES], sr_arrivals_t *a,
                                      sr_flowproject_t *out);

/* One pair of people a < b (bytewise; persons: a device's key counts as its
 * person, store/devices.h) with a follow edge or entries flowing
 * between them: entries a -> b and b -> a (reshares of the other's entries, and
 * entries that first arrived here from the other), and whether a follow edge
 * joins them (`seurone flow edges`). */
typedef struct sr_flowpair {
  uint8_t a[SR_KEY_BYTES], b[SR_KEY_BYTES];
  uint64_t ab, ba;                   /* the two counts below added: the order of the rows only */
  uint64_t reshares_ab, reshares_ba; /* content level: b reshared a's entry (and the other way) */
  uint64_t arrivals_ab, arrivals_ba; /* transport level: entries that first arrived here from peer a (b is this node) */
  int contact;
} sr_flowpair_t;
/* Every such pair, most flow first (then by a, b); *pairs is malloc'd (free
 * it; NULL when none). */
SR_MUST_USE int sr_store_flow_pairs(sr_store_t *st, sr_flowpair_t **pairs, size_t *n);

#endif
