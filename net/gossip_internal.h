/* gossip_internal.h: what the files of the gossip module share (net/gossip*.c).
 * Private to net/: never included outside it. The public API is net/gossip.h. */
#ifndef SR_NET_GOSSIP_INTERNAL_H
#define SR_NET_GOSSIP_INTERNAL_H

#include "core/frame.h"
#include "core/logline.h"
#include "core/pushsum.h"
#include "net/gossip.h"
#include "store/forks.h"
#include "store/ingest.h"
#include "store/read.h"

#define HIGH_WATER (256 * 1024) /* stream while the write queue is below this */
#define BATCH_MAX 4096          /* ingest at most this many entries per transaction */
/* A trickle (live gossip) is committed at the end of the loop iteration that
 * brought it; a flood (a sync) is left to accumulate for up to BATCH_WAIT_MS, so
 * one commit covers thousands of entries instead of one read's worth. */
#define BATCH_SMALL 64
#define BATCH_WAIT_MS 100
#define PUMP_CHUNK 64 /* entries read from the store per pump step */
#define RBUF_CAP (SR_FRAME_MAX + SR_BOX_BODY_MAX)
/* Per-session author state exists only for authors in this node's scope that the
 * peer is entitled to (docs/protocol.md, "What a node reveals"), so a session
 * holds at most the scope; AUTHORS_MAX bounds it even then. Past it, notes and
 * haves for authors the session has no state for are ignored. */
#define AUTHORS_MAX 100000
/* Duplicates (entries the node holds, or that this peer already sent in this
 * session) are recognised before any signature check and spend from their own
 * bucket: DUP_BURST_S seconds' worth of rate_frames_per_s, refilled at that
 * rate. An honest peer's duplicates (pushes already in flight when it was asked
 * to announce only) stay far below; a peer that keeps sending them is dropped. */
#define DUP_BURST_S 4

#define THEIR_HEAD_BYTES 8

/* What this node knows of one peer about one author. */
typedef struct astate {
  uint8_t author[SR_KEY_BYTES];
  uint64_t their_seq; /* highest seq the peer holds, as far as we know */
  uint8_t used;
  uint8_t wants;       /* the peer noted this author */
  uint8_t push;        /* the peer wants entries pushed (else announced) */
  uint8_t told;        /* we sent the peer a note for this author */
  uint8_t asked_eager; /* our last note to the peer asked for pushes */
  uint8_t queued;      /* in the pump queue */
  /* Entries taken from the peer and not yet through the store: while there are
   * some, the peer is delivering this author's first copies, and a duplicate from
   * it (a resend our graft asked for, say) must not prune it; the first-copy rule
   * at the commit would then find it pruned and keep the eager asks that never
   * delivered, which can close an eager cycle that no entry reaches. */
  uint16_t pending;
  uint64_t taken;      /* highest seq taken from the peer this session, or asked for from (a resend is a duplicate) */
  uint8_t proof_sent;  /* the author's fork proof went to the peer (once per session) */
  uint8_t branch_sent; /* our entry at a seq where the peer's note named another head went (once) */
  /* The author's last first copy came over this session, asked eager: it is
   * the tree's path here. A duplicate from it is a resend one of our notes
   * asked for (a note with an older seq than the peer had pushed), not a second
   * path: pruning it for that would leave only eager asks that never delivered,
   * and those can be a cycle that the author's entries never enter. */
  uint8_t parent;
  /* The head the peer's last note named: its seq and the first THEIR_HEAD_BYTES
   * of the id. An entry we store later at that seq with another id is the other
   * branch of a fork, which the peer would never get from us otherwise: it holds
   * that seq, so it is neither pushed nor announced (gossip_fork.c). A prefix:
   * a false match needs two entries of one author at one seq whose ids share
   * 64 bits, which only the author could make, and only to hide its fork from
   * this one path. */
  uint64_t their_head_seq;
  uint8_t their_head[THEIR_HEAD_BYTES];
  /* The store refused the author's entries from this peer (a quota, a purge,
   * the write policy; gossip_refuse.c): until refused_until (loop time) the
   * peer's further entries of it are refused unstored, and no gap is asked
   * for again, so a refusal never turns into a resend loop. */
  uint64_t refused_until;
  int refused_status;
  /* The seq our last note asking for pushes named (saturated at UINT32_MAX, in
   * what was padding): a duplicate at or below it was pushed before that note
   * arrived, or for an older one, not over a second path (a swap or a graft
   * must not be undone by the copies already on their way). */
  uint32_t asked_seq;
} astate_t;

struct sr_gpeer {
  sr_gossip_t *g;
  sr_net_conn_t *conn;
  uint8_t key[SR_KEY_BYTES];
  int outbound, hello, closing, drop_reason;
  int refusing;   /* closing once the refusal written is drained (sr_gossip_refuse_key) */
  int relay;      /* its hello said it is a relay */
  int announced;  /* it announced its reachable address (once a session counts) */
  int busy, dead; /* inside on_message; closed meanwhile (free when it returns) */
  int paused;     /* reading stopped until the store catches up */
  /* Its empty notes frame came: its first notes are over, later ones follow
   * scope changes (docs/protocol.md, "A session"). */
  int first_notes_done;
  astate_t *tab;
  size_t cap, used;
  uint8_t (*pq)[SR_KEY_BYTES]; /* pump queue of authors (ring) */
  size_t pq_head, pq_len, pq_cap;
  uint8_t *rbuf;
  size_t rlen;
  uint64_t last_rx, last_tx, last_progress;
  double tok_frames, tok_bytes, tok_dups;
  int friend;     /* entitled to the whole scope (hooks.may_share), as of the last notes we sent */
  int cap_logged; /* the AUTHORS_MAX line was logged */
  /* When it last sent something this node needed (an entry in scope; its
   * connect until then): who goes first when room is needed. */
  uint64_t last_useful;
  int standing; /* SR_GOSSIP_* when it connected (re-asked before an eviction) */
  uint64_t entries_in, entries_out, dups;
  uint8_t *fork_held; /* the last fork frame's entry: the first half of a proof (gossip_fork.c) */
  size_t fork_held_len;
  /* The last refused frame sent to it (gossip_refuse.c): one per author and
   * reason per REFUSED_RESEND_MS, however many entries a burst brings. */
  uint8_t refused_author[SR_KEY_BYTES];
  uint64_t refused_code, refused_at;
  sr_gpeer_t *next, *prev;
};

typedef struct pending {
  uint8_t from[SR_KEY_BYTES];
  uint8_t *raw;
} pending_t;

/* Received entries on their way into the store. A batch is verified and committed
 * on a libuv worker thread while the loop keeps reading the next one, so
 * signature checks overlap with the network; one batch is in flight at a time,
 * which keeps each author's entries in order. */
typedef struct batch {
  uv_work_t req;
  struct sr_gossip *g;
  sr_ingest_item_t *items;
  pending_t *pend;
  size_t n, cap;
  int rc, threads;
  uint64_t now;
  sr_ingest_stats_t stats;
  char why[512]; /* the worker's store error text (sr_store_errmsg is per thread) */
} batch_t;

/* Past BATCH_PAUSE waiting entries, the peer delivering them is no longer read
 * (TCP slows it down) until the store has caught up; past BATCH_CAP_MAX (only
 * reachable with many peers at once) entries are not taken, and the gap rule asks
 * for them again. Memory stays bounded under any flood. */
#define BATCH_PAUSE 8192
/* A batch whose commit failed is stored again after RETRY_FIRST_MS, doubling
 * per failure up to RETRY_MAX_MS (see batch_done). */
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 30000
#define BATCH_CAP_MAX 32768

/* A have for something missing waits this long for the eager path before its
 * sender is asked to push: without the wait, every announcement racing a push
 * would promote a second eager path and bring duplicates back. */
#define GRAFT_DELAY_MS 150
#define GRAFT_TICK_MS 25
#define GRAFT_MAX 1024
/* An eager copy that comes this much later than a lazy peer's have for it
 * took the slower path: the two swap (gossip_ebt.c, sr_gossip_graft_arrived).
 * Above the jitter of a loaded machine, below the graft delay. */
#define SWAP_MS 40

/* Fork proofs waiting to be checked and stored, one batch on a worker at a
 * time (gossip_fork.c); more are dropped until it is done. */
#define PROOF_BATCH_MAX 16
typedef struct proof_batch proof_batch_t;

/* Refusals (gossip_refuse.c): a refused frame goes to a peer again for the
 * same author and reason only after this long; a node logs the refusals of
 * this many (relay, reason) pairs, once each. */
#define REFUSED_RESEND_MS 60000
#define REFUSED_RETRY_MS 2000 /* after SR_EPOLICYDOWN: the program is started again at most once a second */
#define REFUSALS_LOGGED_MAX 64

typedef struct graft {
  uint8_t peer[SR_KEY_BYTES], author[SR_KEY_BYTES];
  uint64_t seq, due;
  uint64_t since; /* when the have came (loop time) */
} graft_t;

struct sr_gossip {
  sr_net_t *net;
  sr_store_t *store;
  sr_store_reader_t *reader; /* the pump's reads (loop thread only), released at the end of each pump */
  uint8_t self[SR_KEY_BYTES];
  int relay;
  sr_gossip_limits_t lim;
  sr_gossip_hooks_t h;
  sr_gpeer_t *peers;
  size_t sessions;
  sr_gossip_stats_t st;
  struct batch *cur;      /* entries received, waiting to be stored */
  struct batch *inflight; /* the batch a worker thread is storing now */
  struct batch *retry;    /* a batch whose commit failed, stored again at retry_due */
  uint64_t retry_due;     /* loop time */
  uint32_t retry_ms;      /* the backoff: doubles per failure, 0 after a success */
  int stopping;
  uint64_t batch_since; /* loop time of the oldest pending entry */
  uv_check_t flusher;
  uv_timer_t flush_timer;
  uv_timer_t graft_timer;
  graft_t grafts[GRAFT_MAX];
  size_t ngrafts;
  int threads; /* signature checks of a batch run on this many threads */
  /* Push-sum aggregation: its own timer (rounds are faster than the 1 s tick). */
  sr_pushsum_t ps;
  uv_timer_t ps_timer;
  uint32_t ps_interval_ms, ps_epoch_s; /* ps_interval_ms 0: push-sum off */
  double ps_own[SR_PUSHSUM_NVALUES];   /* own values for the current epoch */
  uint64_t ps_own_epoch;               /* the epoch ps_own was measured for (+1; 0: never) */
  uint64_t ps_mark_ms, ps_mark_in;     /* wall time and entries_in when ps_own was measured */
  char reach_addr[SR_FRAME_ADDR_MAX];  /* own address, when reachable by strangers; else "" */
  /* Fork proofs (gossip_fork.c): received ones waiting, the batch being
   * stored, and the authors this node holds forked (sorted). */
  proof_batch_t *proofs, *proofs_inflight;
  uint8_t (*forked)[SR_KEY_BYTES];
  size_t nforked, forked_cap;
  /* Refusals received and logged, once per relay and reason (gossip_refuse.c). */
  struct {
    uint8_t relay[SR_KEY_BYTES];
    uint64_t code;
  } refusals_logged[REFUSALS_LOGGED_MAX];
  size_t nrefusals_logged;
};

/* gossip.c: session dispatch and lifecycle */
/* One log line (core/logline.h): level, event, and the sentence fmt. */
void sr_gossip_log(sr_gossip_t *g, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same about connection c with peer (a short key): its direction, peer,
 * address (only when the operator logs addresses: config `log_addresses`)
 * and reason (0: none) as fields. */
void sr_gossip_log_conn(sr_gossip_t *g, int level, const char *event, const sr_net_conn_t *c, const char *peer,
                        int reason, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
uint64_t sr_gossip_now(sr_gossip_t *g);
uint64_t sr_gossip_wall_ms(void);
void sr_gossip_short_key(const uint8_t *k, char out[17]);
void sr_gossip_drop(sr_gpeer_t *p, int reason, const char *detail);
int sr_gossip_send_sb(sr_gpeer_t *p, msgpack_sbuffer *sb);
/* Sends the frame an encoder appended to sb when it was built (built == 0);
 * one that failed half-way is dropped, never sent (it would break the stream).
 * Frees sb either way. Returns built, or sr_gossip_send_sb's code. */
int sr_gossip_send_frame(sr_gpeer_t *p, msgpack_sbuffer *sb, int built);
uint64_t sr_gossip_our_seq(sr_gossip_t *g, const uint8_t *author);
/* Our head of author (all zero when none is held). */
void sr_gossip_our_head(sr_gossip_t *g, const uint8_t *author, sr_head_t *h);
sr_gpeer_t *sr_gossip_peer_by_key(sr_gossip_t *g, const uint8_t *key);

/* gossip_limits.c: room for a new session of this standing (SR_GOSSIP_*): 0
 * when it may come in (another ended if needed), SR_ECONNCAP when refused. */
int sr_gossip_make_room(sr_gossip_t *g, int standing);

/* gossip_ebt.c: per-author state, eager/lazy notes, graft */
astate_t *sr_gossip_astate_find(sr_gpeer_t *p, const uint8_t *a);
astate_t *sr_gossip_astate_get(sr_gpeer_t *p, const uint8_t *a);
int sr_gossip_announce(const sr_gpeer_t *p, const uint8_t *author);
int sr_gossip_entitled(const sr_gpeer_t *p, const uint8_t *author);
int sr_gossip_is_friend(sr_gpeer_t *p);
void sr_gossip_send_note(sr_gpeer_t *p, const uint8_t *author, uint64_t seq, int eager);
void sr_gossip_send_have(sr_gpeer_t *p, const uint8_t *author, uint64_t seq);
void sr_gossip_graft_later(sr_gossip_t *g, sr_gpeer_t *p, const uint8_t *author, uint64_t seq);
void sr_gossip_graft_arrived(sr_gossip_t *g, sr_gpeer_t *slow, const sr_entry_t *e);
int sr_gossip_want_eager(const sr_gpeer_t *p, const uint8_t *author);
int sr_gossip_other_eager(const sr_gossip_t *g, const sr_gpeer_t *p, const uint8_t *author);
void sr_gossip_prune(sr_gpeer_t *q, astate_t *s, const uint8_t *author);
void sr_gossip_prune_dup(sr_gpeer_t *p, astate_t *s, const uint8_t *author, uint64_t seq);
void sr_gossip_send_our_notes(sr_gpeer_t *p, int only_new);

/* gossip_pump.c: streaming logs to a peer */
/* ctype: the entry's enum sr_ctype for the counters, -1 to read it off raw. */
int sr_gossip_send_entry(sr_gpeer_t *p, const uint8_t *raw, size_t len, uint64_t hops, int ctype);
void sr_gossip_enqueue(sr_gpeer_t *p, astate_t *s);
void sr_gossip_pump(sr_gpeer_t *p);
void sr_gossip_forward(sr_gossip_t *g, const sr_entry_t *e, uint64_t hops, const uint8_t *except);

/* gossip_ingest.c: received entries into the store */
void sr_gossip_flush(sr_gossip_t *g);
void sr_gossip_batch_free(batch_t *b);
int sr_gossip_take_entry(sr_gpeer_t *p, const sr_frame_t *f);

/* gossip_fork.c: fork proofs. take_fork: a fork frame (0, or an entry
 * decoding error: the session ends); fork_noted: a note for author, 1 when
 * it is forked here (its proof sent once; the note then goes no further);
 * forks_after_batch: the forks a stored batch found, passed on; forked_load:
 * the forked authors of the store, at start (a scan). */
int sr_gossip_take_fork(sr_gpeer_t *p, const sr_frame_t *f);
/* A note whose head id is not this node's entry at that seq: our entry goes
 * to the peer as a fork frame (once per author per session), which with its
 * own is a fork proof. */
void sr_gossip_head_check(sr_gpeer_t *p, astate_t *s, const sr_note_t *n);
/* After storing e: the peer's last note named another entry at e's seq (a fork). */
void sr_gossip_branch_check(sr_gpeer_t *p, astate_t *s, const sr_entry_t *e);
int sr_gossip_fork_noted(sr_gpeer_t *p, const uint8_t *author);
int sr_gossip_forked_has(const sr_gossip_t *g, const uint8_t *author);
void sr_gossip_forks_after_batch(sr_gossip_t *g, const sr_ingest_item_t *items, size_t n,
                                 const sr_ingest_stats_t *stats);
int sr_gossip_forked_load(sr_gossip_t *g);
void sr_gossip_proof_batch_free(proof_batch_t *b);

/* gossip_pushsum.c */
void sr_gossip_pushsum_take(sr_gossip_t *g, const sr_frame_t *f);

/* gossip_refuse.c: the refusals a stored batch holds (over a quota, a purged
 * author, the write policy) told to the peers that sent them; a refused frame
 * received, logged once per relay and reason. */
void sr_gossip_refused_tell(sr_gpeer_t *p, astate_t *s, const sr_ingest_item_t *it);
/* Counts a refusal of this status (SR_EQUOTA, SR_EPURGED, SR_EPOLICY*). */
void sr_gossip_refused_count(sr_gossip_t *g, int status);
void sr_gossip_take_refused(sr_gpeer_t *p, const sr_frame_t *f);

/* gossip_peers.c */
void sr_gossip_own_address(sr_gpeer_t *p, const char *addr);

#endif
