/* view.h: what the web app and the HTTP API read (docs/api.md), as JSON built
 * from the store: the feed, people, projects, a share's cascade, a person's
 * neighbourhood. Every function reads in read transactions of its own, so it
 * may run on any thread (the web server's), never writes, and returns a new
 * object the caller owns in *out. Input ids are what a person typed (hex, a
 * unique prefix of 8+, or an exact name), resolved as the CLI resolves them
 * (store/lookup.h, sr_store_resolve). Text is as written (UTF-8, any script);
 * only the error sentences escape what was typed and names (core/text.h).
 * Errors (with a sentence for a person in err; *out is then NULL):
 * SR_EINVAL (bad argument: a malformed id, cursor or depth), SR_ENOTFOUND
 * (nothing this node knows), SR_EAMBIGUOUS (a prefix or name matching several;
 * the sentence lists them, one per line), SR_ENOMEM, SR_ESTORE.
 *
 * Lists of entries are newest first by (ts, id) and paged by a cursor: "next"
 * is "TS_ID" (the last item's ts in ms and id in hex) or null on the last
 * page; passing it as before gives the entries strictly after it, so a page
 * never repeats or skips one, even among entries with the same ts.
 *
 * ITEM (docs/api.md) = {"id","author","author_name","ts","received_at","type",
 * "text","link","project": {"id","name"}|null, "reshare", "reshares": n (held
 * reshares of it), "mine"}; "reshare" is the reshared entry's ITEM (without
 * "reshare": one level), {"id","missing":true} when this node does not hold
 * it, {"id","missing":true,"blocked":true} when its author is blocked by self
 * (a block hides their words, also passed on by a friend), or null. */
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
 * follows and by self (never by someone self blocks), newest first. before: a
 * cursor from an earlier "next" (NULL or "" for the first page); limit 0 means
 * SR_VIEW_FEED_DEFAULT, capped at SR_VIEW_FEED_MAX. */
SR_MUST_USE int sr_view_feed(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *before, size_t limit,
                             json_t **out, char *err, size_t errlen);
/* {"items", "next"} as the feed, of `log --json` items (every type, with
 * "author_name"), for one author's log (author: typed id; NULL = every author). */
SR_MUST_USE int sr_view_log(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *author, const char *before,
                            size_t limit, json_t **out, char *err, size_t errlen);
/* {"people": [PERSON...]}: names containing q (ASCII case-insensitive; NULL or ""
 * = everyone known), at most SR_VIEW_PEOPLE_MAX: self first, then the people
 * self follows, those who follow self, the rest; by name within each (ASCII
 * case ignored), people with no name last. PERSON = {"id","name","bio"
 * (latest about; null when none),"following","follows_me","blocked","self"}. */
SR_MUST_USE int sr_view_people(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out, char *err,
                               size_t errlen);
/* PERSON plus "projects": [{"id","name","role"}] (member or supporter),
 * "following_count", "followers_count", "shares": the latest 20 ITEMs. A full key
 * this node knows nothing of is SR_ENOTFOUND. */
SR_MUST_USE int sr_view_person(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out,
                               char *err, size_t errlen);
/* {"projects": [PROJECT...]} whose name contains q (NULL or "" = all; as
 * people), by name, projects whose entry is not held last, at most
 * SR_VIEW_PEOPLE_MAX. PROJECT = {"id","name","description","tags","url",
 * "author","author_name","members","supporters","my_role"}: null (tags [])
 * where the project entry is not held or says nothing; my_role is "member",
 * "supporter" or null. */
SR_MUST_USE int sr_view_projects(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out,
                                 char *err, size_t errlen);
/* PROJECT plus "member_list", "supporter_list": [{"id","name"}] and "shares":
 * the latest 20 ITEMs in the project. */
SR_MUST_USE int sr_view_project(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out,
                                char *err, size_t errlen);
/* `flow entry --json` (with "reach") plus "cascade": the reshare tree the entry
 * is in, from its root (the original, or the oldest entry of the chain held),
 * as NODE = {"id","author","author_name","ts","received_at","hops","children":
 * [NODE...]}; an entry no one reshared is a tree of one. */
SR_MUST_USE int sr_view_flow_entry(sr_store_t *st, const char *id, json_t **out, char *err, size_t errlen);
/* {"center", "nodes": [{"id","name","distance","self"}], "edges": [{"src","dst",
 * "kind"}]}: breadth first over follow edges in both directions from the person
 * id (NULL = self), depth 1 or 2 (else SR_EINVAL), at most
 * SR_VIEW_NEIGHBOURS_MAX nodes, closest first (within a distance, the most
 * tied to those kept before first); the follow and block edges among the
 * nodes kept. */
SR_MUST_USE int sr_view_neighbourhood(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, int depth,
                                      json_t **out, char *err, size_t errlen);
/* {"id", "name" (null), "bio" (null)}: self's latest profile, for /api/session. */
SR_MUST_USE int sr_view_profile(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], json_t **out, char *err,
                                size_t errlen);

#endif
