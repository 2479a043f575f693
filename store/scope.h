/* scope.h: which authors this node replicates (docs/protocol.md "A session").
 *
 * The scope is computed from the graph the store holds, in one read
 * transaction, with memory proportional to the scope (and the follow edges of
 * its members), never to the store. The caller owns the result and frees it
 * with sr_scope_free(); it is a snapshot that goes stale when contact,
 * membership or relay-member data changes (recompute then).
 */
#ifndef SR_STORE_SCOPE_H
#define SR_STORE_SCOPE_H
#include "core/err.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

/* A set of keys: keys[0..n) sorted bytewise, unique. keys is NULL when n == 0. */
typedef struct sr_scope {
  uint8_t (*keys)[SR_KEY_BYTES];
  size_t n;
} sr_scope_t;

/* Keys are taken as whole persons (store/devices.h): a key in scope brings
 * its person and every bound device of that person (revoked ones too: their
 * log up to upto is the person's; later entries are refused at ingest), and
 * the follows expanded for a key are its person's (the newest contact by ts
 * among the person's keys that are not excluded, as in the graph). Self is
 * self's whole person (a device node replicates as its person), with the
 * halves of its bindings (the person self's seq 1 names, the keys self
 * certified, bound or not yet: so a new device and its person fetch each
 * other's half), and a block
 * from any of its keys excludes the blocked key's whole person.
 * Fills *out with:
 *   self;
 *   every author reachable from self by follow edges (edges_out, SR_EDGE_FOLLOW)
 *   within hops hops (hops 0 = self only; the default is 2, docs/config.md);
 *   when relay != 0, every relay member (sr_store_member_add) and every author a
 *   member follows directly;
 * minus every key self blocks (SR_EDGE_BLOCK from self), on a relay every
 * member it removed (store/peers.h: kept out even when another member follows
 * it), and every forked author
 * (self included: a forked log is not replicated, docs/format.md "Definitions").
 * An excluded key is not expanded either: the follows of a blocked or forked
 * author never pull anyone into the scope (they may still enter by another
 * path). Self's own follows are always expanded, even when self is forked: the
 * person at this node chose them.
 * Errors: SR_EINVAL (hops < 0), SR_ENOMEM, SR_ESTORE. On error *out is empty. */
SR_MUST_USE int sr_store_scope(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], int hops, int relay, sr_scope_t *out);
/* 1 when key is in s, else 0 (binary search). */
int sr_scope_has(const sr_scope_t *s, const uint8_t key[SR_KEY_BYTES]);
/* Frees s->keys and empties s; s may already be empty. */
void sr_scope_free(sr_scope_t *s);

#endif
