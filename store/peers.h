/* peers.h: node state kept beside the entries — known peers, invites a relay
 * issued, and the members a relay replicates (docs/protocol.md).
 *
 * These databases (peers, invites, relay_members) are not derived from entries:
 * reindex never touches them, and backup copies them. Every write is one write
 * transaction of its own (the map grows and the write is retried when full);
 * every read runs in one read transaction of its own. Records are copied out to
 * the caller; nothing returned points into the store, except the arguments of a
 * foreach callback, which are valid only during that callback. A callback
 * returns 0 to go on, anything else to stop (that value is returned).
 *
 * On disk (big-endian):
 *   peers          key[32] -> version u8 (2), flags u8, last_seen_ms u64,
 *                  failures u32, score i32, next_attempt_ms u64,
 *                  then the address list, best first: the first address as
 *                  length u16 + bytes (no NUL; length 0 when the list is
 *                  empty), last_ok_ms u64, failures u32; then count u8 of
 *                  further addresses (at most SR_PEER_ADDRS_MAX - 1), each
 *                  length u16 (>= 1) + bytes, last_ok_ms u64, failures u32;
 *                  then (version 3) learned_ms u64, source key[32].
 *                  Version 2 ended after the list (learned_ms 0, no source);
 *                  version 1 ended after the first address's bytes (one
 *                  address, no per-address state); it is still read, as a
 *                  list of that one address, tried but never known to work.
 *                  A later version only appends fields: a reader takes the
 *                  prefix it knows of a newer record and ignores the rest, so
 *                  a version-1 reader sees the best address of a version 3.
 *   invites        BLAKE2b-256(secret)[32] -> uses_left u32, created_ms u64,
 *                  then (version 2) expires_ms u64 (0: never), revoked_ms u64
 *                  (0: not revoked); a 12-byte record of the first version
 *                  never expires and is not revoked. The hash, not the secret:
 *                  whoever reads the store or a backup of it, say a
 *                  researcher, cannot redeem an invite. The invite's id is the
 *                  first SR_INVITE_ID_BYTES of the hash.
 *   relay_members  key[32] -> joined_ms u64, then (version 2) the id of the
 *                  invite redeemed [SR_INVITE_ID_BYTES] (zeros: unknown) and
 *                  removed_ms u64 (0: a member; else `members remove` ended
 *                  the membership then, and the key is kept out of the
 *                  scope). A record of the first version (8 bytes) is a
 *                  member whose invite is unknown.
 * ("relay_members", because "members" already names the project memberships.)
 */
#ifndef SR_STORE_PEERS_H
#define SR_STORE_PEERS_H
#include "core/err.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

/* An address string with its NUL, e.g. "seurone://[v6]:port/<64 hex>". */
#define SR_STORE_ADDR_MAX 352
#define SR_INVITE_SECRET_BYTES 32

/* Where a peer came from (bits; one peer may carry several). */
enum { SR_PEER_MANUAL = 1, SR_PEER_LEARNED = 2, SR_PEER_RELAY = 4, SR_PEER_BOOTSTRAP = 8 };
/* The addresses a person gave: `peer add`, a bootstrap line, an invite. */
#define SR_PEER_GIVEN (SR_PEER_MANUAL | SR_PEER_RELAY | SR_PEER_BOOTSTRAP)

/* The rules of the peer table (docs/storage.md "Peer table"). Anyone in a
 * session can send peers frames full of made-up keys, so what a peers frame
 * brings (SR_PEER_LEARNED only, never reached) is held apart from what the
 * person gave or what worked:
 *   - kept (sr_peer_kept): a given peer, or one with an address a session was
 *     dialled through (last_ok_ms; an inbound session proves a key, not an
 *     address, so it does not count).
 *     Learned ones never displace a kept one, and a kept one is loaded and
 *     dialled first after a restart.
 *   - learned: at most SR_PEER_LEARNED_MAX in the table, at most
 *     SR_PEER_LEARNED_PER_SOURCE from one source (the peer whose peers frame
 *     named it; a peer that announced itself is its own source); a new one
 *     beyond a bound is not taken. One never reached within
 *     SR_PEER_LEARNED_TTL_MS of being learned is stale and dropped (so is one
 *     from before version 3, which has no learned_ms).
 * The table in memory (node/daemon.c) holds SR_PEER_TABLE_MAX peers; a given
 * peer that finds it full takes the place of a learned one, else of the
 * working non-given one seen longest ago. */
#define SR_PEER_TABLE_MAX 1024
#define SR_PEER_LEARNED_MAX 256
#define SR_PEER_LEARNED_PER_SOURCE 8
#define SR_PEER_LEARNED_TTL_MS (24ull * 3600 * 1000)

/* How many addresses a peer keeps: a typo'd or stale address added by hand
 * must not push out the one that works, and a bounded list keeps a peer that
 * hands out addresses from growing the record. */
#define SR_PEER_ADDRS_MAX 8

typedef struct sr_peer_addr {
  char address[SR_STORE_ADDR_MAX]; /* NUL-terminated, never "" */
  uint64_t last_ok_ms;             /* last session dialled through it; 0 never */
  uint32_t failures;               /* consecutive failed dials to it */
} sr_peer_addr_t;

typedef struct sr_peer_rec {
  uint8_t key[SR_KEY_BYTES];
  /* The addresses the key was reached at or given, in the order to dial them:
   * those that led to a session, newest first, then those never known to work,
   * newest first (sr_peer_addr_* keep that order). */
  sr_peer_addr_t addrs[SR_PEER_ADDRS_MAX];
  uint8_t naddrs;
  uint64_t last_seen_ms; /* last successful session; 0 never */
  uint32_t failures;     /* consecutive failed rounds of dials */
  int32_t score;
  uint64_t next_attempt_ms;     /* backoff: do not dial before */
  uint8_t flags;                /* SR_PEER_* */
  uint64_t learned_ms;          /* when a peers frame first named it; 0 not learned */
  uint8_t source[SR_KEY_BYTES]; /* who named it (learned only; else zeros) */
} sr_peer_rec_t;

/* Inserts or replaces the record of p->key (the whole record: read, change,
 * put to update one field). SR_EINVAL when an address is "" or has no NUL
 * within SR_STORE_ADDR_MAX, or naddrs > SR_PEER_ADDRS_MAX. */
SR_MUST_USE int sr_store_peer_put(sr_store_t *st, const sr_peer_rec_t *p);
/* Copies the record of key into *p. SR_ENOTFOUND when there is none. */
SR_MUST_USE int sr_store_peer_get(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], sr_peer_rec_t *p);
/* Deletes the record of key. SR_ENOTFOUND when there is none. */
SR_MUST_USE int sr_store_peer_del(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]);
/* Every peer in key order; *p is valid only during the callback. A record that
 * does not decode is skipped. */
SR_MUST_USE int sr_store_foreach_peer(sr_store_t *st, int (*cb)(void *ctx, const sr_peer_rec_t *p), void *ctx);
/* How many peer records there are (0 also on error). */
size_t sr_store_peer_count(sr_store_t *st);
/* Applies the table's rules to the store, in one write transaction: deletes
 * every stale learned record and, in key order, every learned one beyond
 * SR_PEER_LEARNED_PER_SOURCE of its source or SR_PEER_LEARNED_MAX in all.
 * Kept records are never touched. *removed (may be NULL) gets how many went. */
SR_MUST_USE int sr_store_peer_prune(sr_store_t *st, uint64_t now_ms, size_t *removed);

/* The table's rules on one record (store/peer_table.c; no store access). */
/* 1 when p was given by the person or one of its addresses was dialled to a
 * session. */
int sr_peer_kept(const sr_peer_rec_t *p);
/* 1 when p is learned, never reached, and was learned more than
 * SR_PEER_LEARNED_TTL_MS before now_ms (or at an unknown time). */
int sr_peer_learned_stale(const sr_peer_rec_t *p, uint64_t now_ms);
/* A person gave address for p (`peer add`, an accepted invite): the address
 * joins the list beside the ones that worked, never instead of them; flags
 * (SR_PEER_GIVEN bits) join p's, never replace them (a relay stays a relay);
 * and the backoff is forgotten, so it is dialled at once. The one rule for
 * the running node and for the CLI when none runs. Returns what
 * sr_peer_addr_add() does (< 0: the address was refused, p unchanged). */
SR_MUST_USE int sr_peer_give(sr_peer_rec_t *p, const char *address, uint8_t flags);
/* sr_peer_give() on the store's record of key (a new one when there is none),
 * written back: for when no node runs (while one runs it owns the table). */
SR_MUST_USE int sr_store_peer_give(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], const char *address, uint8_t flags);

/* The address list of a record (store/peer_addrs.c); no store access, the
 * caller puts the record back.
 *
 * Adds address, untried: after the addresses that worked and before the older
 * untried ones. An address already in the list keeps its place and state. When
 * the list is full the last one goes (the oldest never known to work, or, when
 * all worked, the one that worked longest ago). Returns its index, or SR_EINVAL
 * for "" or an address longer than SR_STORE_ADDR_MAX - 1. */
SR_MUST_USE int sr_peer_addr_add(sr_peer_rec_t *p, const char *address);
/* The index of address in p's list, or SR_ENOTFOUND. */
SR_MUST_USE int sr_peer_addr_find(const sr_peer_rec_t *p, const char *address);
/* The address at i led to a session at now_ms: it moves to the front. */
void sr_peer_addr_worked(sr_peer_rec_t *p, size_t i, uint64_t now_ms);
/* A dial to the address at i failed: counted, the order stays (a working
 * address that fails once is still the best bet). */
void sr_peer_addr_failed(sr_peer_rec_t *p, size_t i);
/* Removes address from p's list: 0, or SR_ENOTFOUND. */
SR_MUST_USE int sr_peer_addr_remove(sr_peer_rec_t *p, const char *address);

/* An invite's id: names it in `invite list` and `invite revoke`, and with
 * the member who redeemed it; it redeems nothing. */
#define SR_INVITE_ID_BYTES 8
/* How long an expired or revoked invite still answers for itself (with
 * SR_EINVITEEXPIRED, SR_EINVITEREVOKED) before the next create drops it. */
#define SR_INVITE_KEEP_MS (24ull * 3600 * 1000)

typedef struct sr_invite_rec {
  uint8_t id[SR_INVITE_ID_BYTES];
  uint32_t uses_left;
  uint64_t created_ms, expires_ms, revoked_ms; /* expires_ms, revoked_ms: 0 none */
} sr_invite_rec_t;

typedef struct sr_member_rec {
  uint8_t key[SR_KEY_BYTES];
  uint64_t joined_ms, removed_ms; /* removed_ms: 0 a member */
  uint8_t invite[SR_INVITE_ID_BYTES];
  int invite_known; /* 0: joined before invites were recorded, or not by an invite */
} sr_member_rec_t;

/* Stores a new invite with `uses` uses (>= 1) valid until expires_ms (0:
 * never; else it must lie after now_ms), else SR_EINVAL, and writes its
 * random secret (libsodium randombytes) into secret and its id into id (may
 * be NULL); the caller owns the secret: put it in the invite code, then wipe
 * it. Drops, in the same transaction, the invites that expired or were
 * revoked more than SR_INVITE_KEEP_MS before now_ms. */
SR_MUST_USE int sr_store_invite_create(sr_store_t *st, uint32_t uses, uint64_t now_ms, uint64_t expires_ms,
                                       uint8_t secret[SR_INVITE_SECRET_BYTES], uint8_t id[SR_INVITE_ID_BYTES]);
/* Redeems an invite for member, atomically (one write transaction):
 *   unknown secret                    -> SR_EINVITE
 *   revoked                           -> SR_EINVITEREVOKED
 *   now_ms >= expires_ms (not 0)      -> SR_EINVITEEXPIRED
 *   uses_left == 0                    -> SR_EINVITEUSED
 *   member removed from this relay    -> SR_EMEMBERREMOVED (no invite undoes it)
 *   member already a relay member     -> 0, no use consumed (a retry after a
 *                                        lost reply), joined_ms unchanged
 *   else                              -> uses_left - 1, member added with
 *                                        joined_ms = now_ms and the invite's id, 0
 * So accepting again with the same member key after success succeeds only while
 * the invite has uses left: a used-up single-use invite answers SR_EINVITEUSED
 * even to the member it admitted. A used-up invite is kept (with 0 uses) so it
 * keeps answering SR_EINVITEUSED rather than SR_EINVITE. */
SR_MUST_USE int sr_store_invite_use(sr_store_t *st, const uint8_t secret[SR_INVITE_SECRET_BYTES],
                                    const uint8_t member[SR_KEY_BYTES], uint64_t now_ms);
/* Reads an invite's state (out may be NULL). SR_ENOTFOUND when unknown. */
SR_MUST_USE int sr_store_invite_get(sr_store_t *st, const uint8_t secret[SR_INVITE_SECRET_BYTES], sr_invite_rec_t *out);
/* Every invite in id order, used up, expired and revoked ones too (until
 * dropped); r is valid only during the callback. */
SR_MUST_USE int sr_store_foreach_invite(sr_store_t *st, int (*cb)(void *ctx, const sr_invite_rec_t *r), void *ctx);
/* Revokes the invite with this id at now_ms: it admits nobody from then on.
 * SR_EINVITEID when no invite has that id, SR_EEXIST when revoked already. */
SR_MUST_USE int sr_store_invite_revoke(sr_store_t *st, const uint8_t id[SR_INVITE_ID_BYTES], uint64_t now_ms);

/* Makes key a relay member (joined_ms = now_ms, invite unknown); a no-op for
 * a key already there, member or removed (the first record stays). */
SR_MUST_USE int sr_store_member_add(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t now_ms);
/* 1 when key is a relay member (and not removed), 0 when not, or a negative error. */
SR_MUST_USE int sr_store_is_member(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]);
/* key's record, removed or not (out may be NULL). SR_ENOTFOUND when none. */
SR_MUST_USE int sr_store_member_get(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], sr_member_rec_t *out);
/* Ends key's membership at now_ms (`members remove`): the record stays with
 * removed_ms, so the scope keeps the key out (store/scope.h) and no invite
 * admits it again. SR_ENOTMEMBER when key never was a member,
 * SR_EMEMBERREMOVED when it was removed already. */
SR_MUST_USE int sr_store_member_remove(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t now_ms);
/* Every relay member in key order (with removed != 0 the removed ones too);
 * m is valid only during the callback. */
SR_MUST_USE int sr_store_foreach_member(sr_store_t *st, int removed, int (*cb)(void *ctx, const sr_member_rec_t *m),
                                        void *ctx);

#endif
