/* view_internal.h: what the views of node/view.h share (view.c), never
 * included outside node/: errors with a sentence, typed ids, key sets, the
 * ITEM of the feed and a page of items behind a cursor. */
#ifndef SR_NODE_VIEW_INTERNAL_H
#define SR_NODE_VIEW_INTERNAL_H
#include "node/view.h"
#include "store/lookup.h"
#include "store/devices.h"
#include "store/socialview.h"

/* Writes "what failed: why" (the store's text for SR_ESTORE) into err and
 * returns rc. */
int sr_view_fail(sr_store_t *st, int rc, const char *what, char *err, size_t errlen);
/* A typed id (sr_store_resolve, without the CLI's hints): 0 or its error,
 * with its sentence in err. */
SR_MUST_USE int sr_view_resolve(sr_store_t *st, int kind, const char *what, const char *arg, uint8_t out[SR_ID_BYTES],
                                char *err, size_t errlen);

/* A sorted set of 32-byte keys. */
typedef struct sr_keyset {
  uint8_t (*k)[SR_KEY_BYTES];
  size_t n, cap;
} sr_keyset_t;
SR_MUST_USE int sr_keyset_add(sr_keyset_t *s, const uint8_t key[SR_KEY_BYTES]);
/* Sorts and drops duplicates (after adds in any order). */
void sr_keyset_sort(sr_keyset_t *s);
int sr_keyset_has(const sr_keyset_t *s, const uint8_t key[SR_KEY_BYTES]);
void sr_keyset_free(sr_keyset_t *s);
/* The other ends of key's edges of kind in direction dir, sorted (the index's order). */
SR_MUST_USE int sr_keyset_edges(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int dir, int kind, sr_keyset_t *s);

/* ---- persons (store/devices.h): a person and its bound devices are one ---- */

/* The keys of person p (p itself, then its bound devices) into s, sorted. */
SR_MUST_USE int sr_view_person_keys(const sr_personmap_t *pm, const uint8_t p[SR_KEY_BYTES], sr_keyset_t *s);
/* 1 when p has bound devices in pm. */
int sr_view_has_devices(const sr_personmap_t *pm, const uint8_t p[SR_KEY_BYTES]);
/* The other ends of the edges of kind in direction dir of every key of person
 * p, each taken to its person (a follow of a device's key is a follow of its
 * person), p itself left out, sorted, without duplicates. For a person without
 * devices, the edges of p as the index holds them. */
SR_MUST_USE int sr_view_person_edges(sr_store_t *st, const sr_personmap_t *pm, const uint8_t p[SR_KEY_BYTES], int dir,
                                     int kind, sr_keyset_t *s);
/* Keeps the entries whose person (sr_personmap_person, with their seq) is in
 * the set ctx points to (sr_view_person_filter_t): the entries of a revoked
 * device after its upto are not its person's. */
typedef struct sr_view_person_filter {
  const sr_personmap_t *pm;
  const sr_keyset_t *persons;
} sr_view_person_filter_t;
int sr_view_keep_persons(void *ctx, const sr_entry_t *e);

/* This node's relations, read once per view, as a person: self's person (self
 * itself, or the person self is a device of), whom that person follows and
 * blocks, who follows them, every binding (pm, NULL when the store holds no
 * device). */
typedef struct sr_rel {
  const uint8_t *self;
  uint8_t person[SR_KEY_BYTES];
  sr_personmap_t *pm;
  sr_keyset_t follows, blocks, followers;
} sr_rel_t;
SR_MUST_USE int sr_rel_load(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], sr_rel_t *r);
void sr_rel_free(sr_rel_t *r);

/* The ITEM of the web API (docs/api.md) for the held entry id: {"id", "author",
 * "author_name", "ts", "received_at", "type", "text", "link", "project":
 * {"id","name"}|null, "reshare", "reshares", "mine"}. inner: the item of a
 * reshared entry, without "reshare". A reshare of an entry not held gives
 * {"id","missing":true} under "reshare"; of an entry by someone self blocks,
 * {"id","missing":true,"blocked":true} (its text is not shown). Errors: SR_ENOTFOUND (id not held),
 * SR_ENOMEM, SR_ESTORE. */
SR_MUST_USE int sr_view_item(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t id[SR_ID_BYTES], int inner,
                             json_t **out);

/* Builds the JSON of one listed entry (sr_view_item, or a log item). */
typedef int (*sr_view_item_fn)(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t id[SR_ID_BYTES],
                               json_t **out);
/* One page: {"items": [...], "next": cursor|null} (items by item, NULL:
 * sr_view_item) of the newest entries of type (NULL: any) of
 * authors that keep keeps (sr_store_newest), older than the cursor before (a
 * "next" of an earlier page; NULL or "" for the first), at most limit (0:
 * SR_VIEW_FEED_DEFAULT; capped at SR_VIEW_FEED_MAX). A malformed cursor is
 * SR_EINVAL. */
SR_MUST_USE int sr_view_page(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t (*authors)[SR_KEY_BYTES],
                             size_t nauthors, const char *before, size_t limit, const char *type, sr_keep_fn keep,
                             void *kctx, sr_view_item_fn item, json_t **out, char *err, size_t errlen);
/* Cursors: "TS_ID" (ms, then the entry id in 64 lowercase hex): the key of the
 * last item of a page; the next page starts strictly after it. */
#define SR_VIEW_CURSOR_MAX (20 + 1 + 64 + 1)
void sr_view_cursor_format(const sr_entry_key_t *k, char out[SR_VIEW_CURSOR_MAX]);
SR_MUST_USE int sr_view_cursor_parse(const char *s, sr_entry_key_t *k);

/* The latest about of key: its "name" and "bio" (each JSON null when absent).
 * With pm and a person with devices, the newest about by ts among the
 * person's keys (store/devices.h, the person's name). */
SR_MUST_USE int sr_view_about(sr_store_t *st, const sr_personmap_t *pm, const uint8_t key[SR_KEY_BYTES], json_t **name,
                              json_t **bio);

#endif
