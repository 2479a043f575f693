/* members.h: a relay's members and invites as its operator sees them
 * (`seurone members`, `members remove`, `invite list`, `invite revoke`; the
 * web app's same operations). The store functions (store/peers.h) hold the
 * records; these turn them into what people read: names from about entries,
 * disk use, last seen, which invite admitted whom. The JSON builders read the
 * store only, so the CLI calls them when no node runs and the running node on
 * a worker (the sr_node_* calls below, loop thread only, answer through done).
 */
#ifndef SR_NODE_MEMBERS_H
#define SR_NODE_MEMBERS_H
#include "core/err.h"
#include "node/daemon.h"
#include "node/invite.h"
#include "store/peers.h"
#include "store/store.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* An invite id as text: 2 hex digits a byte. */
#define SR_INVITE_ID_HEX (2 * SR_INVITE_ID_BYTES)

/* The entries of key this store holds and the bytes they take (the entry
 * bytes, fork proofs included; indexes not counted), from the per-author
 * usage table the ingest keeps (store/usage.h). The one place that counts a
 * member's disk use: `members`, the web app and the metrics endpoint. */
SR_MUST_USE int sr_member_usage(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t *entries, uint64_t *bytes);

/* "7d", "12h", "30m" (a whole number >= 1 and one unit: m minutes, h hours,
 * d days; at most SR_INVITE_TTL_MAX_MS) -> *ttl_ms; "never" -> 0. SR_EINVAL
 * otherwise. */
SR_MUST_USE int sr_invite_ttl_parse(const char *s, uint64_t *ttl_ms);

/* The members, key order: [{key, name (the about name as written, or null),
 * disk_bytes, entries, last_seen_ms (the last session the peer table holds or
 * the receipt of its newest entry, whichever is later; null: neither),
 * joined_ms, invite (the id of the invite it redeemed, or null: unknown),
 * connected (false: the caller fills it in)}]. */
SR_MUST_USE int sr_members_json(sr_store_t *st, json_t **out);
/* The invites, id order: [{id, uses_left, created_ms, expires_ms (null:
 * never), revoked_ms (null: not), state ("active", "used up", "expired",
 * "revoked", as of now_ms), members: [{key, name, removed}] (those who
 * redeemed it)}]. */
SR_MUST_USE int sr_invites_json(sr_store_t *st, uint64_t now_ms, json_t **out);
/* which -> a member's key: the key's 64 hex digits, a prefix of 8 or more of
 * them, or a name (its about entry, exactly), matching exactly one member.
 * SR_ENOTMEMBER (none), SR_EAMBIGUOUS (several), SR_EMEMBERREMOVED (the key of
 * a member removed already); err says which and what to type instead. */
SR_MUST_USE int sr_member_find(sr_store_t *st, const char *which, uint8_t key[SR_KEY_BYTES], char *err, size_t errlen);
/* which -> an invite's id: its SR_INVITE_ID_HEX digits or a prefix of 6 or
 * more, matching one invite. SR_EINVITEID (none, or not hex), SR_EAMBIGUOUS. */
SR_MUST_USE int sr_invite_find(sr_store_t *st, const char *which, uint8_t id[SR_INVITE_ID_BYTES], char *err,
                               size_t errlen);

/* Adds to each object of arr that has a "key" (64 hex) its "name" (the about
 * name as written, or null) and "member" (1 when relay and the key is a
 * member of this relay): what `peers` and `status` show. */
SR_MUST_USE int sr_members_annotate(sr_store_t *st, int relay, json_t *arr);

/* How many members (not removed) the store holds. */
SR_MUST_USE int sr_member_count(sr_store_t *st, size_t *n);
/* "members": that count on a relay, null on another node, set in doc
 * (`status`); a store error is logged by the caller: 0 or the code. */
SR_MUST_USE int sr_members_status(sr_store_t *st, int relay, json_t *doc);

/* ---- the running node (loop thread) ---- */
/* {members: [...]} as sr_members_json, with connected and last_seen_ms as of now. */
SR_MUST_USE int sr_node_members(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen);
/* Removes a member (which as sr_member_find takes it): once the record is
 * stored and the scope no longer holds the key, its sessions end and
 * done(arg, 0, NULL, {key, name}) runs. */
SR_MUST_USE int sr_node_member_remove(sr_node_t *n, const char *which, sr_node_done_cb done, void *arg, char *err,
                                      size_t errlen);
/* {invites: [...]} as sr_invites_json. */
SR_MUST_USE int sr_node_invite_list(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen);
/* Revokes an invite (which as sr_invite_find takes it); done(arg, 0, NULL, {id}). */
SR_MUST_USE int sr_node_invite_revoke(sr_node_t *n, const char *which, sr_node_done_cb done, void *arg, char *err,
                                      size_t errlen);
/* 1 when this relay removed key from its members (a session of key is then
 * ended at once); 0 otherwise, and on a node that is no relay. */
SR_MUST_USE int sr_node_member_removed(sr_node_t *n, const uint8_t key[SR_KEY_BYTES]);

#endif
