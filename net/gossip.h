/* gossip.h: replication sessions over net/net.h connections (docs/protocol.md).
 *
 * One sr_gossip per node. It owns the sr_net_t callbacks: every connection that
 * completes the handshake becomes a session that exchanges hello and notes,
 * streams what the other side lacks oldest first from the store (never a whole
 * log in memory, bounded by the write queue), ingests what arrives in batches of
 * one write transaction, forwards new entries to the peers that want them, and
 * applies epidemic broadcast trees per author (a peer that delivers duplicates is
 * asked to announce only; one that announces first is asked to push again).
 * Hostile input (malformed or oversized frames, invalid entries, floods, stalls,
 * slow readers, duplicate floods) ends the session with one log line and a
 * reason for the node's backoff. Per-session state exists only for authors in
 * the scope that the peer is entitled to (docs/protocol.md, "What a node
 * reveals", "What a receiver keeps"). Loop thread only.
 */
#ifndef SR_GOSSIP_H
#define SR_GOSSIP_H
#include "core/err.h"
#include "core/frame.h"
#include "core/pushsum.h"
#include "net/net.h"
#include "store/store.h"
#include "store/ingest.h" /* sr_ingest_item_t: the judge hook */

typedef struct sr_gossip sr_gossip_t;
typedef struct sr_gpeer sr_gpeer_t;

typedef struct sr_gossip_hooks {
  void *ctx;
  /* Whether this node replicates author (its scope). */
  int (*in_scope)(void *ctx, const uint8_t author[SR_KEY_BYTES]);
  /* The whole scope, sorted: *keys stays valid until the next call. */
  size_t (*scope_keys)(void *ctx, const uint8_t (**keys)[SR_KEY_BYTES]);
  /* A session started (after hello) or ended (reason 0 = clean). */
  void (*session_up)(void *ctx, sr_gpeer_t *p, const uint8_t key[SR_KEY_BYTES], int outbound);
  void (*session_down)(void *ctx, const uint8_t key[SR_KEY_BYTES], int outbound, int reason);
  /* Entries were accepted (after the batch committed); contacts != 0 when any
   * was a contact or membership entry (the scope may have changed). */
  void (*ingested)(void *ctx, size_t accepted, int contacts);
  /* Addresses to share in a peers frame (fills up to max, returns how many):
   * only addresses whose owners announced themselves reachable (the rule in
   * docs/protocol.md, "Peer exchange"); sent only to peers may_share allows. */
  size_t (*share_peers)(void *ctx, const char **addrs, size_t max);
  /* An address the peer from shared: its owner's word is not known, never
   * pass it on; from is who named it (the peer table bounds what one source
   * may add). */
  void (*learned_peer)(void *ctx, const uint8_t from[SR_KEY_BYTES], const char *address);
  /* An invite frame: redeem secret for key (a relay's invite, or a device
   * code; every node is asked, NULL: refused; label: the frame's label, NULL
   * for none, not NUL-terminated, unchecked). 0: taken, and the answer comes with
   * sr_gossip_invite_answer() (once the use is stored); else an SR_E* code,
   * refused at once with the reason in why. */
  int (*redeem_invite)(void *ctx, const uint8_t key[SR_KEY_BYTES], const uint8_t secret[SR_FRAME_SECRET_BYTES],
                       const char *label, size_t label_len, char *why, size_t whylen);
  /* An invite reply arrived (invite accept on the member side). */
  void (*invite_reply)(void *ctx, sr_gpeer_t *p, int ok, const char *reason, size_t reason_len);
  /* One log line. */
  void (*log)(void *ctx, const char *line);
  /* Whether peer may receive addresses (peers frames) from this node. NULL: none.
   * The same rule makes a friend for docs/protocol.md "What a node reveals": on
   * a relay (members), whom the whole scope is announced to, and whose logs are
   * served to any peer that names them. */
  int (*may_share)(void *ctx, const uint8_t peer[SR_KEY_BYTES]);
  /* The peer key announced that it chose to be reachable by strangers at
   * address (its own: the address names key). */
  void (*reachable)(void *ctx, const uint8_t key[SR_KEY_BYTES], const char *address);
  /* The standing of an inbound peer, for the connection limit (SR_GOSSIP_*;
   * docs/protocol.md, "Connection limits"). NULL: every peer is a friend. */
  int (*classify)(void *ctx, const uint8_t key[SR_KEY_BYTES]);
  /* One received entry was stored (after its batch committed, before
   * ingested): the node tells the web app's event streams. NULL: nobody asks. */
  void (*stored)(void *ctx, const sr_entry_t *e);
  /* An author was newly marked forked (a fork found here, or a proof from a
   * peer): its log is no longer replicated (the scope changed). NULL: nobody asks. */
  void (*forked)(void *ctx, const uint8_t author[SR_KEY_BYTES]);
  /* The store set the self-fork stop (store/forks.h): another copy of this
   * node's identity published. NULL: nobody asks. */
  void (*self_fork)(void *ctx);
  /* The peer from said in a note or a have that it holds this node's own log
   * up to seq (0: nothing): a restored home waits for it (store/restore_gate.h).
   * NULL: nobody asks. */
  void (*own_head)(void *ctx, const uint8_t from[SR_KEY_BYTES], uint64_t seq);
  /* Optional, on the ingest worker before a batch is stored: a write policy
   * (node/policy.c) sets status SR_EPOLICY or SR_EPOLICYDOWN and why on the
   * items it refuses (and their decoded e, author, seq, id); the others,
   * status 0, go to the store. */
  void (*judge)(void *ctx, sr_ingest_item_t *items, size_t n);
} sr_gossip_hooks_t;

/* How well this node knows a peer. Friends and members rank alike, above known
 * peers, above strangers; the node's own dials rank as friends. */
enum { SR_GOSSIP_STRANGER = 0, SR_GOSSIP_KNOWN = 1, SR_GOSSIP_MEMBER = 2, SR_GOSSIP_FRIEND = 3 };

typedef struct sr_gossip_limits {
  const char *agent;          /* hello's agent string, e.g. "seurone/0.1.0" */
  size_t max_conns;           /* sessions at once (a quarter kept from strangers; see on_connected) */
  uint32_t idle_timeout_ms;   /* no frame for this long ends a session */
  uint32_t rate_frames_per_s; /* unsolicited frames (anything but wanted new entries) */
  uint32_t rate_bytes_per_s;
  size_t max_queue_bytes; /* write queue beyond which a reader is too slow */
} sr_gossip_limits_t;

SR_MUST_USE int sr_gossip_init(sr_gossip_t **out, sr_net_t *net, sr_store_t *store, const uint8_t self[SR_KEY_BYTES],
                               int relay, const sr_gossip_limits_t *limits, const sr_gossip_hooks_t *hooks);
/* Fills a sr_net_callbacks_t with the gossip handlers (net.data must be the gossip). */
void sr_gossip_net_callbacks(sr_net_callbacks_t *cb);
/* Commits what is pending and ends every session (before sr_net_close). */
void sr_gossip_shutdown(sr_gossip_t *g);
void sr_gossip_free(sr_gossip_t *g);
/* This node chose to be reachable by strangers at address (a relay, or
 * `reachable = yes`): every session is told so in a reachable frame. NULL or ""
 * (the default): it is not, and its address is never announced. */
void sr_gossip_set_reachable(sr_gossip_t *g, const char *address);
/* New limits (a config reload): max_conns for the sessions that come next (none
 * above it is ended), the rest at each session's next tick. agent is kept. */
void sr_gossip_set_limits(sr_gossip_t *g, const sr_gossip_limits_t *limits);
/* Passes the reachable address of owner on, in a peers frame, to every session
 * that may_share allows except owner's own (a new announcement, shared at once). */
void sr_gossip_pass_on(sr_gossip_t *g, const uint8_t owner[SR_KEY_BYTES], const char *address);

/* An entry this node wrote: push it to the peers that want its author. */
void sr_gossip_publish(sr_gossip_t *g, const uint8_t *raw, size_t len);
/* The scope changed: tell every peer about authors it has not heard of yet. */
void sr_gossip_scope_changed(sr_gossip_t *g);
/* Once a second: idle timeouts, keepalives, rate-limit refill, slow readers. */
void sr_gossip_tick(sr_gossip_t *g, uint64_t now_ms);
/* The answer to key's invite (redeem_invite returned 0): an invite reply on
 * each live session with key; none when it has gone (a member that lost the
 * answer asks again, and a redeemed invite admits its member again without
 * using it up, store/peers.h). */
void sr_gossip_invite_answer(sr_gossip_t *g, const uint8_t key[SR_KEY_BYTES], int ok, const char *reason);
/* Sends an invite frame on p (member side, or a new device with its label;
 * NULL: none). */
SR_MUST_USE int sr_gossip_send_invite(sr_gossip_t *g, sr_gpeer_t *p, const uint8_t secret[SR_FRAME_SECRET_BYTES],
                                      const char *label);

typedef struct sr_gossip_stats {
  uint64_t entries_in, entries_out, bytes_in, bytes_out, duplicates, haves_in, haves_out, rejected;
  /* fork proofs taken to be checked, sent, and dropped unchecked (one of
   * their author waited already, or the queue was full) */
  uint64_t fork_proofs_in, fork_proofs_out, fork_proofs_dropped;
  /* the trees (docs/protocol.md, "Epidemic broadcast trees"): notes asking a
   * peer to announce only after a first copy or a duplicate, grafts sent when
   * the eager path had not delivered in time, swaps to a faster announcer */
  uint64_t prunes, grafts, swaps;
  /* entries refused before they were stored (docs/config.md, "Quotas"): over
   * a quota, of a purged author, by the write policy; refused frames received
   * from relays (the refusals of this node's entries or of those it passed on) */
  uint64_t quota_refused, purged_refused, policy_refused, refusals_in;
  size_t sessions;
} sr_gossip_stats_t;
void sr_gossip_stats(const sr_gossip_t *g, sr_gossip_stats_t *s);
/* One session as `status` shows it (node/status_json.c builds the JSON). */
typedef struct sr_gossip_session_info {
  uint8_t key[SR_KEY_BYTES];
  char address[SR_NET_PEER_NAME_MAX]; /* "host:port" */
  int outbound;
  uint64_t entries_in, entries_out, duplicates;
  uint64_t lazy_authors; /* authors this node asked the peer only to announce */
  uint64_t queued_bytes; /* waiting in the write queue */
} sr_gossip_session_info_t;
/* Fills out[0..max) with the sessions, newest first; returns how many there are
 * (more than max when out was too small: call again with room for all). */
size_t sr_gossip_sessions(const sr_gossip_t *g, sr_gossip_session_info_t *out, size_t max);
/* Starts push-sum aggregation: a round every interval_ms, epochs of epoch_s
 * seconds (core/pushsum.h). Until called, push-sum frames are ignored. */
void sr_gossip_pushsum_start(sr_gossip_t *g, uint32_t interval_ms, uint32_t epoch_s);
/* Push-sum estimates (docs/network-stats.md, "Push-sum"): the last completed
 * epoch (have_prev: one has completed) and the current one (started: a round
 * has run); on is 0 when push-sum is off and nothing else is filled. */
typedef struct sr_gossip_pushsum_info {
  int on;
  int have_prev, started;
  sr_pushsum_est_t prev, running;
  uint32_t epoch_s, interval_ms;
} sr_gossip_pushsum_info_t;
void sr_gossip_pushsum_info(const sr_gossip_t *g, sr_gossip_pushsum_info_t *out);
/* A fork of author found outside gossip (an import): remembered, and its
 * proof passed on to the sessions that replicate author (docs/protocol.md,
 * "Fork proofs"). A fork gossip found itself needs no call. */
void sr_gossip_fork_found(sr_gossip_t *g, const uint8_t author[SR_KEY_BYTES]);
/* The authors this node holds forked, sorted: *keys stays valid until the
 * next change (the loop thread's). */
size_t sr_gossip_forked(const sr_gossip_t *g, const uint8_t (**keys)[SR_KEY_BYTES]);
/* author's entries are taken again (`purge --undo`): the sessions that had
 * theirs refused (docs/protocol.md, "Refusals") are asked for them again now. */
void sr_gossip_refusals_clear(sr_gossip_t *g, const uint8_t author[SR_KEY_BYTES]);
/* Whether a session with key is up. */
int sr_gossip_connected(const sr_gossip_t *g, const uint8_t key[SR_KEY_BYTES]);
/* Ends every session with key, logged as a drop for reason (detail: may be
 * NULL): an invite reply refusing with sr_strerror(reason) goes out first
 * (so that an `invite accept` on that session can say why), then the
 * connection closes once it is written; nothing else is read or sent on it
 * meanwhile. Safe inside a hook. */
void sr_gossip_refuse_key(sr_gossip_t *g, const uint8_t key[SR_KEY_BYTES], int reason, const char *detail);

#endif
