/* view.h: what the web app and the HTTP API read (docs/api.md), as JSON built
 * from the store: the feed, people, projects, a share's cascade, a person's
 * neighbourhood. Every function reads in read transactions of its own, so it
 * may run on any thread (the web server's), never writes, and returns a new
 * object the caller owns in *out. Input ids are what a person typed (hex, a
 * unique prefix of 8+, or an exact name), resolved as the CLI resolves them.
 * Errors (with a sentence for a person in err): SR_EINVAL (bad argument),
 * SR_ENOTFOUND, SR_EAMBIGUOUS, SR_ENOMEM, SR_ESTORE. */
#ifndef SR_VIEW_H
#define SR_VIEW_H
#include "core/err.h"
#include "core/key.h"
#include "store/store.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SR_VIEW_FEED_DEFAULT 30
#define SR_VIEW_FEED_MAX 200
#define SR_VIEW_PEOPLE_MAX 200
#define SR_VIEW_NEIGHBOURS_MAX 150

/* {"items": [ITEM...], "next": cursor string or null}: shares by the people self
 * follows and by self, newest first. before: a cursor from an earlier "next"
 * (NULL or "" for the first page); limit 0 means SR_VIEW_FEED_DEFAULT, capped at
 * SR_VIEW_FEED_MAX. */
SR_MUST_USE int sr_view_feed(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *before, size_t limit,
                             json_t **out, char *err, size_t errlen);
/* The same items for one author's log (author: typed id; NULL = every author). */
SR_MUST_USE int sr_view_log(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *author, const char *before,
                            size_t limit, json_t **out, char *err, size_t errlen);
/* {"people": [PERSON...]}: names containing q (ASCII case-insensitive; NULL or ""
 * = everyone known), at most SR_VIEW_PEOPLE_MAX. */
SR_MUST_USE int sr_view_people(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out, char *err,
                               size_t errlen);
/* PERSON plus projects, counts and latest shares. */
SR_MUST_USE int sr_view_person(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out,
                               char *err, size_t errlen);
/* {"projects": [PROJECT...]} whose name contains q (NULL or "" = all). */
SR_MUST_USE int sr_view_projects(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out,
                                 char *err, size_t errlen);
/* PROJECT plus member_list, supporter_list and shares. */
SR_MUST_USE int sr_view_project(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out,
                                char *err, size_t errlen);
/* `flow entry --json` plus "cascade" (the reshare tree from the original). */
SR_MUST_USE int sr_view_flow_entry(sr_store_t *st, const char *id, json_t **out, char *err, size_t errlen);
/* {"center", "nodes", "edges"} within depth (1 or 2) of the person id (NULL = self). */
SR_MUST_USE int sr_view_neighbourhood(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, int depth,
                                      json_t **out, char *err, size_t errlen);
/* {"id", "name" (null), "bio" (null)}: self's latest profile, for /api/session. */
SR_MUST_USE int sr_view_profile(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], json_t **out, char *err,
                                size_t errlen);

#endif
