/* socialview.h: what the web app's views read (node/view.h): the edges of one
 * person or project, the newest entries of a set of authors (the feed), the
 * latest entry of a type in a log, reshare counts, states (socialview.c). Each
 * call runs in one read transaction of its own. */
#ifndef SR_STORE_SOCIALVIEW_H
#define SR_STORE_SOCIALVIEW_H
#include "core/err.h"
#include "store/store.h"

/* The latest entry of the given type in author's log (highest seq on the head
 * branch), copied into buf as sr_store_get_entry does, with its flow when flow
 * != NULL. It walks the log from the head down: cheap for a type written often
 * or lately, a walk of the whole log for one written once at the start (an
 * about entry before many shares). Errors: SR_ENOTFOUND (none held), SR_ETOOBIG. */
SR_MUST_USE int sr_store_latest_of_type(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], const char *type,
                                        uint8_t *buf, size_t cap, size_t *len, sr_flow_t *flow);

/* ---- edges of one key (the edges_out / edges_in indexes) ---- */

enum sr_edge_dir { SR_EDGES_OUT = 0, SR_EDGES_IN };
/* The edges of kind (0: every kind) leaving key (SR_EDGES_OUT: key is the
 * source; other is the destination) or arriving at it (SR_EDGES_IN), in the
 * index's order (kind, then the other key). cb returns 0 to go on; anything
 * else stops the walk and is returned. cb must not write to the store. */
typedef int (*sr_edge_of_cb)(void *ctx, int kind, const uint8_t other[SR_KEY_BYTES]);
SR_MUST_USE int sr_store_edges_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int dir, int kind, sr_edge_of_cb cb,
                                  void *ctx);
/* How many such edges (without a walk of their values). */
SR_MUST_USE int sr_store_count_edges_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int dir, int kind, size_t *n);

/* The latest contact state (enum sr_contact_state) author gave who, or the
 * latest role (enum sr_role) author took in project; 0 when none. */
SR_MUST_USE int sr_store_get_contact(sr_store_t *st, const uint8_t author[SR_KEY_BYTES],
                                     const uint8_t who[SR_KEY_BYTES], int *state);
SR_MUST_USE int sr_store_get_role(sr_store_t *st, const uint8_t author[SR_KEY_BYTES],
                                  const uint8_t project[SR_ID_BYTES], int *role);

/* The number of held shares that reshare id (the reshares index). */
SR_MUST_USE int sr_store_count_reshares(sr_store_t *st, const uint8_t id[SR_ID_BYTES], size_t *n);

/* ---- the newest entries of a set of authors (the feed, a log, a project) ---- */

/* Entries are ordered by (ts, id): newest first means ts descending, then id
 * descending, so two entries with the same ts keep one order and a page ends
 * at a cursor no entry can straddle. */
typedef struct sr_entry_key {
  uint64_t ts;
  uint8_t id[SR_ID_BYTES];
} sr_entry_key_t;
/* <0, 0, >0 as a is older than, the same as, newer than b. */
SR_MUST_USE int sr_entry_key_cmp(const sr_entry_key_t *a, const sr_entry_key_t *b);

/* Which entries a walk keeps: 1 keep, 0 skip, negative: stop with that error.
 * e is valid during the call only. */
typedef int (*sr_keep_fn)(void *ctx, const sr_entry_t *e);
/* The newest max entries (by sr_entry_key_t) strictly older than before (NULL:
 * from the newest), among the logs (head branch) of authors[0..nauthors)
 * (authors NULL: every author), of the given type (NULL: any) that keep (NULL:
 * every entry) keeps, newest first into out[0..*n). One read transaction. No
 * index by time (docs/storage.md): it reads every entry of those logs, each
 * log from its head down, but only their ts and type (no decoding; the id, a hash, only of those newer than the page's oldest)
 * unless one would enter the page, and keeps at most max in a heap, so memory
 * is O(max). Ask for one more than a page to learn whether another follows.
 * Errors: SR_ENOMEM, SR_ESTORE, or keep's. */
SR_MUST_USE int sr_store_newest(sr_store_t *st, const uint8_t (*authors)[SR_KEY_BYTES], size_t nauthors,
                                const sr_entry_key_t *before, const char *type, sr_keep_fn keep, void *ctx,
                                sr_entry_key_t *out, size_t max, size_t *n);

#endif
