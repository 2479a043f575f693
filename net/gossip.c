/* gossip.c: replication sessions (see gossip.h and docs/protocol.md).
 *
 * Invariants:
 *  - every frame is parsed from a bounded reassembly buffer (SR_FRAME_MAX);
 *  - what is written to a peer is bounded: the pump streams stored entries only
 *    while the peer's queue is under HIGH_WATER, live pushes fall back to the
 *    pump when it is not, and a peer whose queue passes max_queue_bytes or stops
 *    draining is dropped;
 *  - received entries are committed in batches (one write transaction) before
 *    they are forwarded, so a forwarded entry is always a stored entry;
 *  - what a peer sends costs memory only for authors in the scope that it is
 *    entitled to (entitled()), at most AUTHORS_MAX per session, and a duplicate
 *    costs no signature check (is_duplicate()).
 */
#include "net/gossip.h"
#include "core/core.h"
#include "core/frame.h"
#include "core/pushsum.h"
#include "net/address.h"
#include "store/ingest.h"
#include "store/read.h"
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HIGH_WATER (256 * 1024) /* stream while the write queue is below this */
#define BATCH_MAX 4096          /* ingest at most this many entries per transaction */
/* A trickle (live gossip) is committed at the end of the loop iteration that
 * brought it; a flood (a sync) is left to accumulate for up to BATCH_WAIT_MS, so
 * one commit covers thousands of entries instead of one read's worth. */
#define BATCH_SMALL 64
#define BATCH_WAIT_MS 100
#define PUMP_CHUNK 64           /* entries read from the store per pump step */
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

/* What this node knows of one peer about one author. */
typedef struct astate {
  uint8_t author[32];
  uint64_t their_seq; /* highest seq the peer holds, as far as we know */
  uint8_t used;
  uint8_t wants;       /* the peer noted this author */
  uint8_t push;        /* the peer wants entries pushed (else announced) */
  uint8_t told;        /* we sent the peer a note for this author */
  uint8_t asked_eager; /* our last note to the peer asked for pushes */
  uint8_t queued;      /* in the pump queue */
  uint64_t taken; /* highest seq taken from the peer this session, or asked for from (a resend is a duplicate) */
} astate_t;

struct sr_gpeer {
  sr_gossip_t *g;
  sr_net_conn *conn;
  uint8_t key[32];
  int outbound, hello, closing, drop_reason;
  int relay;     /* its hello said it is a relay */
  int announced; /* it announced its reachable address (once a session counts) */
  int busy, dead; /* inside on_message; closed meanwhile (free when it returns) */
  int paused;     /* reading stopped until the store catches up */
  astate_t *tab;
  size_t cap, used;
  uint8_t (*pq)[32]; /* pump queue of authors (ring) */
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
  sr_gpeer_t *next, *prev;
};

typedef struct pending {
  uint8_t from[32];
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

typedef struct graft {
  uint8_t peer[32], author[32];
  uint64_t seq, due;
} graft_t;

struct sr_gossip {
  sr_net *net;
  sr_store_t *store;
  uint8_t self[32];
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
};

static void glog(sr_gossip_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void glog(sr_gossip_t *g, const char *fmt, ...) {
  char line[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (g->h.log) g->h.log(g->h.ctx, line);
  else fprintf(stderr, "seurone gossip: %s\n", line);
}

static uint64_t now_ms(sr_gossip_t *g) { return uv_now(g->net->loop); }

/* Wall clock in ms: first-arrival times and the future-timestamp rule use it. */
static uint64_t wall_ms(void) {
  uv_timeval64_t tv;
  if (uv_gettimeofday(&tv) != 0) return 0;
  return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void short_key(const uint8_t *k, char out[17]) {
  char hex[65];
  sr_hex_encode(k, 32, hex);
  memcpy(out, hex, 16);
  out[16] = '\0';
}

/* ---- per-peer author table (open addressing) ---- */

static size_t slot_of(const uint8_t *a, size_t cap) {
  uint64_t h;
  memcpy(&h, a, sizeof h); /* keys are uniformly random already */
  return (size_t)h & (cap - 1);
}

static astate_t *find(sr_gpeer_t *p, const uint8_t *a) {
  if (!p->cap) return NULL;
  for (size_t i = slot_of(a, p->cap);; i = (i + 1) & (p->cap - 1)) {
    if (!p->tab[i].used) return NULL;
    if (memcmp(p->tab[i].author, a, 32) == 0) return &p->tab[i];
  }
}

static astate_t *get(sr_gpeer_t *p, const uint8_t *a) {
  astate_t *s = find(p, a);
  if (s) return s;
  if (p->used >= AUTHORS_MAX) {
    if (!p->cap_logged) {
      char k[17];
      short_key(p->key, k);
      glog(p->g, "peer %s: %d authors tracked in one session; notes and haves for others are ignored", k,
           AUTHORS_MAX);
      p->cap_logged = 1;
    }
    return NULL;
  }
  if ((p->used + 1) * 2 > p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 64;
    astate_t *old = p->tab, *nt = calloc(ncap, sizeof(*nt));
    if (!nt) return NULL;
    size_t ocap = p->cap;
    p->tab = nt;
    p->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
      if (!old[i].used) continue;
      size_t j = slot_of(old[i].author, ncap);
      while (nt[j].used) j = (j + 1) & (ncap - 1);
      nt[j] = old[i];
    }
    free(old);
  }
  size_t i = slot_of(a, p->cap);
  while (p->tab[i].used) i = (i + 1) & (p->cap - 1);
  memset(&p->tab[i], 0, sizeof(p->tab[i]));
  memcpy(p->tab[i].author, a, 32);
  p->tab[i].used = 1;
  p->used++;
  return &p->tab[i];
}

/* ---- writing ---- */

static void drop(sr_gpeer_t *p, int reason, const char *detail);

static int send_sb(sr_gpeer_t *p, msgpack_sbuffer *sb) {
  int rc = 0;
  if (!p->closing && sb->size) {
    rc = sr_net_conn_write(p->conn, (const uint8_t *)sb->data, sb->size);
    if (rc == 0) {
      p->g->st.bytes_out += sb->size;
      p->last_tx = now_ms(p->g);
    }
  }
  msgpack_sbuffer_destroy(sb);
  return rc;
}

static uint64_t our_seq(sr_gossip_t *g, const uint8_t *author) {
  sr_head_t h;
  if (sr_store_get_head(g->store, author, &h)) return 0;
  return h.seq;
}

/* The rule of docs/protocol.md, "What a node reveals", for an author of the
 * scope. A personal node's scope follows from its own log's follows (and
 * theirs), which it serves to anyone: it announces and serves all of it to
 * any peer. A relay's scope is its members, and membership is in no log: it
 * announces the whole scope only to its members (hooks.may_share), to anyone
 * else only its own log and the peer's own, so that a stranger learns no
 * member list; it serves anyone also a member's log that the peer names
 * (members joined to have their log served), never the logs of the authors
 * its members follow. */
static int announce(const sr_gpeer_t *p, const uint8_t *author) {
  return !p->g->relay || p->friend || memcmp(author, p->g->self, 32) == 0 || memcmp(author, p->key, 32) == 0;
}

static int entitled(const sr_gpeer_t *p, const uint8_t *author) {
  const sr_gossip_t *g = p->g;
  return announce(p, author) || (g->h.may_share && g->h.may_share(g->h.ctx, author) == 1);
}

static int is_friend(sr_gpeer_t *p) {
  sr_gossip_t *g = p->g;
  return g->h.may_share && g->h.may_share(g->h.ctx, p->key) == 1;
}

static void send_note(sr_gpeer_t *p, const uint8_t *author, uint64_t seq, int eager) {
  msgpack_sbuffer sb;
  sr_note_t n = {author, seq, eager};
  astate_t *s = get(p, author);
  if (s) {
    s->told = 1;
    s->asked_eager = (uint8_t)eager;
    if (eager) s->taken = seq; /* what follows seq is asked for again: not a resend */
  }
  msgpack_sbuffer_init(&sb);
  sr_frame_notes(&sb, &n, 1);
  send_sb(p, &sb);
}

static void send_have(sr_gpeer_t *p, const uint8_t *author, uint64_t seq) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  sr_frame_have(&sb, author, seq);
  if (send_sb(p, &sb) == 0) p->g->st.haves_out++;
}

static int send_entry(sr_gpeer_t *p, const uint8_t *raw, size_t len, uint64_t hops) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  sr_frame_entry(&sb, raw, len, hops);
  int rc = send_sb(p, &sb);
  if (rc == 0) {
    p->entries_out++;
    p->g->st.entries_out++;
  }
  return rc;
}

static void enqueue(sr_gpeer_t *p, astate_t *s) {
  if (s->queued) return;
  if (p->pq_len == p->pq_cap) {
    size_t ncap = p->pq_cap ? p->pq_cap * 2 : 64;
    uint8_t(*nq)[32] = malloc(ncap * 32);
    if (!nq) return;
    for (size_t i = 0; i < p->pq_len; i++) memcpy(nq[i], p->pq[(p->pq_head + i) % p->pq_cap], 32);
    free(p->pq);
    p->pq = nq;
    p->pq_cap = ncap;
    p->pq_head = 0;
  }
  memcpy(p->pq[(p->pq_head + p->pq_len) % p->pq_cap], s->author, 32);
  p->pq_len++;
  s->queued = 1;
}

/* Streams stored entries the peer lacks, oldest first, while its queue has room. */
static void pump(sr_gpeer_t *p) {
  static uint8_t buf[SR_ENTRY_MAX];
  sr_gossip_t *g = p->g;
  while (!p->closing && p->pq_len && sr_net_conn_queued(p->conn) < HIGH_WATER) {
    uint8_t author[32];
    memcpy(author, p->pq[p->pq_head], 32);
    astate_t *s = find(p, author);
    uint64_t head = our_seq(g, author);
    int done = !s || !s->push || s->their_seq >= head;
    for (int i = 0; !done && i < PUMP_CHUNK && sr_net_conn_queued(p->conn) < HIGH_WATER; i++) {
      size_t len;
      sr_flow_t flow;
      if (sr_store_get_by_seq(g->store, author, s->their_seq + 1, buf, sizeof(buf), &len, &flow) != 0) {
        done = 1;
        break;
      }
      if (send_entry(p, buf, len, flow.hops) != 0) return;
      s->their_seq++;
      done = s->their_seq >= head;
    }
    if (done) {
      if (s) s->queued = 0;
      p->pq_head = (p->pq_head + 1) % p->pq_cap;
      p->pq_len--;
    }
  }
}

/* Offers one newly stored entry to every peer that wants its author. */
static void forward(sr_gossip_t *g, const sr_entry_t *e, uint64_t hops, const uint8_t *except) {
  for (sr_gpeer_t *q = g->peers; q; q = q->next) {
    if (!q->hello || q->closing || (except && memcmp(q->key, except, 32) == 0)) continue;
    astate_t *s = find(q, e->author);
    if (!s || !s->wants || s->their_seq >= e->seq || !entitled(q, e->author)) continue;
    if (!s->push) {
      send_have(q, e->author, e->seq);
    } else if (s->their_seq + 1 < e->seq || sr_net_conn_queued(q->conn) >= HIGH_WATER) {
      enqueue(q, s); /* behind, or its queue is full: the pump catches it up from the store */
      pump(q);
    } else if (send_entry(q, e->raw, e->raw_len, hops) == 0) {
      s->their_seq = e->seq;
    }
  }
}

/* ---- ingest ---- */

static sr_gpeer_t *peer_by_key(sr_gossip_t *g, const uint8_t *key) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next)
    if (!p->closing && memcmp(p->key, key, 32) == 0) return p;
  return NULL;
}

static void flush(sr_gossip_t *g);
static void on_flush(uv_check_t *c);
static void on_flush_timer(uv_timer_t *t) { flush(t->data); }

static void batch_free(batch_t *b) {
  for (size_t i = 0; i < b->n; i++) free(b->pend[i].raw);
  free(b->items);
  free(b->pend);
  free(b);
}

static void batch_work(uv_work_t *req) {
  batch_t *b = req->data;
  b->rc = sr_store_ingest(b->g->store, b->items, b->n, b->threads, b->now, &b->stats);
  snprintf(b->why, sizeof(b->why), "%s", b->rc == SR_ESTORE ? sr_store_errmsg(b->g->store) : sr_strerror(b->rc));
}

/* Back on the loop thread: tell peers, forward what is new. */
static void batch_done(uv_work_t *req, int status) {
  batch_t *b = req->data;
  sr_gossip_t *g = b->g;
  int contacts = 0;
  g->inflight = NULL;
  if (status != 0 || b->rc) {
    /* The store cannot write (a full disk, a map that cannot grow): keep the
     * batch and store it again after a backoff, so the sync resumes by itself
     * once the store can write; meanwhile the batches are not lost and the
     * delivering peers are read again (pings, notes; backpressure pauses them
     * once the next batch is full), so no session freezes. A node that is
     * stopping drops the batch: its entries are fetched again after a restart. */
    const char *why = status ? uv_strerror(status) : b->why;
    if (g->stopping) {
      glog(g, "storing %zu received entries failed: %s; they will be fetched again", b->n, why);
      batch_free(b);
      flush(g);
      return;
    }
    g->retry_ms = g->retry_ms ? (g->retry_ms >= RETRY_MAX_MS / 2 ? RETRY_MAX_MS : g->retry_ms * 2) : RETRY_FIRST_MS;
    glog(g, "storing %zu received entries failed: %s; trying again in %u ms", b->n, why, g->retry_ms);
    g->retry = b;
    g->retry_due = now_ms(g) + g->retry_ms;
    for (sr_gpeer_t *q = g->peers; q; q = q->next)
      if (q->paused && !q->closing) {
        q->paused = 0;
        q->last_rx = now_ms(g); /* its silence was ours */
        sr_net_conn_pause(q->conn, 0);
      }
    flush(g); /* arms the retry */
    return;
  }
  if (g->retry_ms) glog(g, "storing received entries works again");
  g->retry_ms = 0;
  for (size_t i = 0; i < b->n; i++) {
    sr_ingest_item_t *it = &b->items[i];
    sr_gpeer_t *p = peer_by_key(g, b->pend[i].from);
    astate_t *s = p ? find(p, it->author) : NULL;
    switch (it->status) {
    case 0:
      if (s && s->their_seq < it->seq) s->their_seq = it->seq;
      if (it->c.type == SR_CT_CONTACT || it->c.type == SR_CT_MEMBERSHIP) contacts = 1;
      forward(g, &it->e, it->flow.hops, b->pend[i].from);
      break;
    case SR_EDUP:
      g->st.duplicates++;
      if (p) {
        p->dups++;
        /* Epidemic broadcast trees: a peer that pushes what we have is asked to announce only. */
        if (s && s->asked_eager) send_note(p, it->author, our_seq(g, it->author), 0);
      }
      break;
    case SR_EGAP:
      if (p && s) send_note(p, it->author, our_seq(g, it->author), 1); /* ask again from our head */
      break;
    case SR_EFORK: case SR_EFORKED: case SR_EPREV: case SR_EFUTURE:
      g->st.rejected++;
      break;
    default:
      g->st.rejected++;
      if (p) drop(p, SR_EBADENTRY, it->why);
      break;
    }
  }
  if (b->stats.accepted && g->h.ingested) g->h.ingested(g->h.ctx, b->stats.accepted, contacts);
  batch_free(b);
  flush(g); /* what arrived meanwhile goes next */
  if (!g->cur || g->cur->n < BATCH_PAUSE / 2) {
    for (sr_gpeer_t *q = g->peers; q; q = q->next)
      if (q->paused && !q->closing) {
        q->paused = 0;
        q->last_rx = now_ms(g); /* its silence was ours */
        sr_net_conn_pause(q->conn, 0);
      }
  }
}

static void flush(sr_gossip_t *g) {
  batch_t *b = g->retry;
  if (g->inflight) return;
  if (b) { /* a failed batch goes first, once its backoff is over */
    uint64_t now = now_ms(g);
    if (now < g->retry_due && !g->stopping) {
      uv_timer_start(&g->flush_timer, on_flush_timer, g->retry_due - now, 0);
      return;
    }
    g->retry = NULL;
  } else {
    if (!(b = g->cur) || !b->n) return;
    g->cur = NULL;
  }
  if (!g->stopping) {
    uv_check_stop(&g->flusher);
    uv_timer_stop(&g->flush_timer);
  }
  g->inflight = b;
  b->g = g;
  b->now = wall_ms();
  b->threads = g->threads;
  b->req.data = b;
  if (uv_queue_work(g->net->loop, &b->req, batch_work, batch_done) != 0) {
    batch_work(&b->req); /* no worker: store it here */
    batch_done(&b->req, 0);
  }
}

static void on_flush(uv_check_t *c) {
  sr_gossip_t *g = c->data;
  if (!g->cur || g->cur->n < BATCH_SMALL || now_ms(g) - g->batch_since >= BATCH_WAIT_MS) flush(g);
  else if (!uv_is_active((uv_handle_t *)&g->flush_timer)) uv_timer_start(&g->flush_timer, on_flush_timer, BATCH_WAIT_MS, 0);
}

/* Whether e (decoded, signature unchecked) is one this node will not store
 * again: a seq the peer already sent in this session (s->taken; honest peers
 * never resend unasked), or the very bytes stored at that seq. A different entry
 * at a stored seq is not a duplicate: the store's checks decide (a fork, or a
 * bad signature that ends the session). */
static int is_duplicate(sr_gossip_t *g, const astate_t *s, const sr_entry_t *e) {
  if (s && e->seq <= s->taken) return 1;
  if (e->seq > our_seq(g, e->author)) return 0;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len = 0;
  sr_flow_t flow;
  if (sr_store_get_by_seq(g->store, e->author, e->seq, buf, sizeof(buf), &len, &flow) != 0) return 0;
  return len == e->raw_len && memcmp(buf, e->raw, len) == 0;
}

/* A duplicate costs one token of the duplicates bucket; a peer that runs it dry
 * is dropped. Returns 3 (handled). */
static int take_duplicate(sr_gpeer_t *p, astate_t *s, const uint8_t *author) {
  sr_gossip_t *g = p->g;
  g->st.duplicates++;
  p->dups++;
  if ((p->tok_dups -= 1) < 0) {
    char why[120];
    snprintf(why, sizeof(why), "it keeps sending entries this node already holds (%llu duplicates)",
             (unsigned long long)p->dups);
    drop(p, SR_ERATE, why);
    return 3;
  }
  /* Epidemic broadcast trees: a peer that pushes what we have is asked to announce only. */
  if (s && s->asked_eager) send_note(p, author, our_seq(g, author), 0);
  return 3;
}

static int take_entry(sr_gpeer_t *p, const sr_frame_t *f) {
  sr_gossip_t *g = p->g;
  uint8_t author[SR_KEY_BYTES];
  sr_entry_t e;
  /* Only the author is needed to route it; the signature is checked once, in the store. */
  int rc = sr_entry_peek_author(f->entry, f->entry_len, author);
  if (rc) return rc;
  /* Unsolicited: noise. Not entitled: the duplicate or gap note would tell the
   * peer what this node holds. */
  if (!g->h.in_scope(g->h.ctx, author) || !entitled(p, author)) return 1;
  if ((rc = sr_entry_decode(f->entry, f->entry_len, &e))) return rc; /* no signature check: cheap */
  astate_t *s = get(p, author);
  if (is_duplicate(g, s, &e)) return take_duplicate(p, s, author);
  if (!g->cur) {
    if (!(g->cur = calloc(1, sizeof(*g->cur)))) return SR_ENOMEM;
    g->batch_since = now_ms(g);
  }
  batch_t *b = g->cur;
  if (b->n == b->cap) {
    if (b->cap >= BATCH_CAP_MAX) return 2; /* congested: not taken */
    size_t ncap = b->cap ? b->cap * 2 : 256;
    sr_ingest_item_t *items = realloc(b->items, ncap * sizeof(*items));
    if (items) b->items = items;
    pending_t *pend = realloc(b->pend, ncap * sizeof(*pend));
    if (pend) b->pend = pend;
    if (!items || !pend) return SR_ENOMEM;
    b->cap = ncap;
  }
  uint8_t *copy = malloc(f->entry_len);
  if (!copy) return SR_ENOMEM;
  memcpy(copy, f->entry, f->entry_len);
  sr_ingest_item_t *it = &b->items[b->n];
  memset(it, 0, sizeof(*it));
  it->raw = copy;
  it->len = f->entry_len;
  it->flow.received_at = wall_ms();
  memcpy(it->flow.from, p->key, 32);
  it->flow.hops = f->hops >= UINT32_MAX ? UINT32_MAX : (uint32_t)f->hops + 1;
  it->flow.source = SR_SRC_PEER;
  memcpy(b->pend[b->n].from, p->key, 32);
  b->pend[b->n].raw = copy;
  b->n++;
  if (s && s->taken < e.seq) s->taken = e.seq;
  p->entries_in++;
  p->last_useful = now_ms(g);
  g->st.entries_in++;
  if (b->n >= BATCH_MAX) flush(g);
  else uv_check_start(&g->flusher, on_flush);
  if (g->cur && g->cur->n >= BATCH_PAUSE && !p->paused && sr_net_conn_pause(p->conn, 1) == 0) p->paused = 1;
  return 0;
}

/* ---- delayed promotion (Plumtree's graft timer) ---- */

static void on_graft_timer(uv_timer_t *t) {
  sr_gossip_t *g = t->data;
  uint64_t now = now_ms(g);
  size_t keep = 0;
  for (size_t i = 0; i < g->ngrafts; i++) {
    graft_t *gr = &g->grafts[i];
    if (gr->due > now) {
      g->grafts[keep++] = *gr;
      continue;
    }
    uint64_t have = our_seq(g, gr->author);
    sr_gpeer_t *p = have < gr->seq ? peer_by_key(g, gr->peer) : NULL;
    if (p && p->hello) send_note(p, gr->author, have, 1);
  }
  g->ngrafts = keep;
  if (!keep) uv_timer_stop(&g->graft_timer);
}

static void graft_later(sr_gossip_t *g, sr_gpeer_t *p, const uint8_t *author, uint64_t seq) {
  for (size_t i = 0; i < g->ngrafts; i++)
    if (memcmp(g->grafts[i].author, author, 32) == 0 && g->grafts[i].seq >= seq) return; /* one pending is enough */
  if (g->ngrafts == GRAFT_MAX) {
    send_note(p, author, our_seq(g, author), 1); /* no room to wait: ask now */
    return;
  }
  graft_t *gr = &g->grafts[g->ngrafts++];
  memcpy(gr->peer, p->key, 32);
  memcpy(gr->author, author, 32);
  gr->seq = seq;
  gr->due = now_ms(g) + GRAFT_DELAY_MS;
  if (!uv_is_active((uv_handle_t *)&g->graft_timer)) uv_timer_start(&g->graft_timer, on_graft_timer, GRAFT_TICK_MS, GRAFT_TICK_MS);
}

/* ---- push-sum (core/pushsum.h; docs/network-stats.md) ---- */

static size_t live_sessions(const sr_gossip_t *g) {
  size_t n = 0;
  for (const sr_gpeer_t *p = g->peers; p; p = p->next) n += p->hello && !p->closing;
  return n;
}

/* This node's own values, measured once per epoch so that joining an instance
 * mid-epoch adds the same numbers the node started its own instance with. */
static void pushsum_measure(sr_gossip_t *g, uint64_t epoch) {
  sr_store_info_t info;
  uint64_t now = wall_ms();
  if (g->ps_own_epoch == epoch + 1) return;
  memset(&info, 0, sizeof(info));
  sr_store_info(g->store, &info);
  double minutes = g->ps_mark_ms && now > g->ps_mark_ms ? (double)(now - g->ps_mark_ms) / 60000.0 : 0;
  double rate = minutes > 0 ? (double)(g->st.entries_in - g->ps_mark_in) / minutes : 0;
  g->ps_own[SR_PUSHSUM_X_ENTRIES] = (double)info.entries;
  g->ps_own[SR_PUSHSUM_X_SESSIONS] = (double)live_sessions(g);
  g->ps_own[SR_PUSHSUM_X_RATE] = rate;
  g->ps_own_epoch = epoch + 1;
  g->ps_mark_ms = now;
  g->ps_mark_in = g->st.entries_in;
}

static void pushsum_take(sr_gossip_t *g, const sr_frame_t *f) {
  sr_pushsum_msg_t m;
  /* Off, or a frame with another set of quantities (a later version): mixing
   * them would corrupt the averages, so it is ignored like an unknown frame. */
  if (!g->ps_interval_ms || f->ps_nx != SR_PUSHSUM_NVALUES) return;
  /* The decoder passed only bit patterns of finite, non-negative doubles. */
  m.epoch = f->ps_epoch;
  memcpy(m.key, f->ps_key, 32);
  memcpy(&m.w, &f->ps_w, 8);
  memcpy(&m.c, &f->ps_c, 8);
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) memcpy(&m.x[i], &f->ps_x[i], 8);
  if (!sr_pushsum_plausible(&m, sr_pushsum_epoch_of(wall_ms(), g->ps_epoch_s))) return;
  if (!g->ps.started || m.epoch > g->ps.cur.epoch) pushsum_measure(g, m.epoch);
  sr_pushsum_absorb(&g->ps, &m, g->ps_own);
}

/* A live session whose write queue is not backed up. */
static int pushsum_target(const sr_gpeer_t *p) {
  return p->hello && !p->closing && sr_net_conn_queued(p->conn) < HIGH_WATER;
}

/* One round: roll the epoch over when the clock says so, then send half of the
 * mass to one random live session. A session whose write queue is backed up
 * (a sync in progress) is not picked: the round waits rather than queueing
 * behind replication; with no session the node keeps everything. */
static void on_pushsum_timer(uv_timer_t *t) {
  sr_gossip_t *g = t->data;
  uint64_t epoch = sr_pushsum_epoch_of(wall_ms(), g->ps_epoch_s);
  if (g->stopping) return;
  if (!g->ps.started || epoch > g->ps.cur.epoch) {
    pushsum_measure(g, epoch);
    sr_pushsum_rollover(&g->ps, epoch, g->ps_own);
  }
  size_t n = 0;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) n += pushsum_target(p);
  if (!n) return;
  uint32_t pick = randombytes_uniform((uint32_t)n);
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (!pushsum_target(p) || pick--) continue;
    sr_pushsum_msg_t m;
    msgpack_sbuffer sb;
    uint64_t w, c, x[SR_PUSHSUM_NVALUES];
    sr_pushsum_halve(&g->ps, &m);
    memcpy(&w, &m.w, 8); /* doubles travel as their bit patterns (core/pushsum.h) */
    memcpy(&c, &m.c, 8);
    for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) memcpy(&x[i], &m.x[i], 8);
    msgpack_sbuffer_init(&sb);
    int rc = sr_frame_pushsum(&sb, m.epoch, m.key, w, c, x, SR_PUSHSUM_NVALUES);
    if (rc == 0) rc = send_sb(p, &sb); /* send_sb frees sb */
    else msgpack_sbuffer_destroy(&sb);
    /* Not sent: take the half back (the mass must not vanish on our side). */
    if (rc) sr_pushsum_absorb(&g->ps, &m, g->ps_own);
    break;
  }
}

static json_t *pushsum_est_json(const sr_pushsum_est_t *e, int started) {
  char hex[65];
  if (!started) return json_null();
  sr_hex_encode(e->leader, 32, hex);
  json_t *o = json_pack("{s:I, s:s, s:I}", "epoch", (json_int_t)e->epoch, "leader", hex, "rounds", (json_int_t)e->rounds);
  json_object_set_new(o, "size_estimate", e->valid ? json_real(e->size) : json_null());
  json_object_set_new(o, "averages",
                      e->valid ? json_pack("{s:f, s:f, s:f}", "entries", e->avg[SR_PUSHSUM_X_ENTRIES], "sessions",
                                           e->avg[SR_PUSHSUM_X_SESSIONS], "entries_per_min", e->avg[SR_PUSHSUM_X_RATE])
                               : json_null());
  return o;
}

void sr_gossip_pushsum_start(sr_gossip_t *g, uint32_t interval_ms, uint32_t epoch_s) {
  if (!interval_ms) return;
  g->ps_interval_ms = interval_ms;
  g->ps_epoch_s = epoch_s ? epoch_s : 60;
  uv_timer_start(&g->ps_timer, on_pushsum_timer, interval_ms, interval_ms);
}

json_t *sr_gossip_pushsum_json(const sr_gossip_t *g) {
  sr_pushsum_est_t run;
  if (!g->ps_interval_ms) return json_null();
  sr_pushsum_estimate(&g->ps, &run);
  /* The completed epoch is the stable value; before one completed, its keys are null. */
  int have_prev = g->ps.started && g->ps.prev.epoch != 0;
  json_t *o = pushsum_est_json(&g->ps.prev, have_prev);
  if (json_is_null(o)) {
    json_decref(o);
    o = json_pack("{s:n, s:n, s:n, s:n, s:n}", "epoch", "leader", "size_estimate", "averages", "rounds");
  }
  json_object_set_new(o, "running", pushsum_est_json(&run, g->ps.started));
  json_object_set_new(o, "epoch_s", json_integer(g->ps_epoch_s));
  json_object_set_new(o, "interval_ms", json_integer(g->ps_interval_ms));
  return o;
}

/* ---- frames ---- */

static void send_our_notes(sr_gpeer_t *p, int only_new) {
  sr_gossip_t *g = p->g;
  const uint8_t(*keys)[32] = NULL;
  size_t n = g->h.scope_keys ? g->h.scope_keys(g->h.ctx, &keys) : 0;
  sr_note_t notes[SR_FRAME_MAX_NOTES];
  size_t k = 0;
  /* Unprompted, a peer hears only of authors it is entitled to: a stranger
   * learns nothing of whom this node follows or who its members are. */
  p->friend = is_friend(p);
  for (size_t i = 0; i <= n; i++) {
    if (i < n) {
      if (!announce(p, keys[i])) continue;
      astate_t *s = get(p, keys[i]);
      if (!s || (only_new && s->told)) continue;
      s->told = 1;
      s->asked_eager = 1;
      notes[k].author = keys[i];
      notes[k].seq = our_seq(g, keys[i]);
      notes[k].eager = 1;
      k++;
    }
    if (k && (k == SR_FRAME_MAX_NOTES || i == n)) {
      msgpack_sbuffer sb;
      msgpack_sbuffer_init(&sb);
      sr_frame_notes(&sb, notes, k);
      send_sb(p, &sb);
      k = 0;
    }
  }
}

static void send_hello_and_notes(sr_gpeer_t *p) {
  sr_gossip_t *g = p->g;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  sr_frame_hello(&sb, g->lim.agent ? g->lim.agent : "seurone", g->relay);
  send_sb(p, &sb);
  if (g->reach_addr[0]) {
    msgpack_sbuffer_init(&sb);
    sr_frame_reachable(&sb, g->reach_addr);
    send_sb(p, &sb);
  }
  send_our_notes(p, 0);
  /* Addresses go only where this node's rule allows (may_share), never to a
   * stranger: they say where people are. */
  if (g->h.share_peers && g->h.may_share && g->h.may_share(g->h.ctx, p->key)) {
    const char *addrs[SR_FRAME_MAX_PEERS];
    size_t n = g->h.share_peers(g->h.ctx, addrs, SR_FRAME_MAX_PEERS);
    if (n) {
      msgpack_sbuffer_init(&sb);
      sr_frame_peers(&sb, addrs, n);
      send_sb(p, &sb);
    }
  }
}

/* Rate limit for everything that is not a wanted entry. Returns 0 or SR_ERATE. */
static int spend(sr_gpeer_t *p, size_t bytes) {
  p->tok_frames -= 1;
  p->tok_bytes -= (double)bytes;
  return p->tok_frames < 0 || p->tok_bytes < 0 ? SR_ERATE : 0;
}

/* A peer's announcement of its own reachable address: believed only when the
 * address names the peer's key (the handshake proved that key); another
 * address is a third party's, whose owner said nothing, and is ignored. Only
 * the first one of a session counts: each new address is passed on to many
 * peers, so a peer changing it in every frame would be an amplifier. */
static void own_address(sr_gpeer_t *p, const char *addr) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[32];
  if (p->announced || !p->g->h.reachable || sr_net_address_parse(addr, host, sizeof(host), &port, key) != 0) return;
  if (memcmp(key, p->key, 32) != 0) return;
  p->announced = 1;
  p->g->h.reachable(p->g->h.ctx, p->key, addr);
}

static int handle(sr_gpeer_t *p, const uint8_t *buf, size_t len) {
  sr_gossip_t *g = p->g;
  sr_frame_t *f = malloc(sizeof(*f));
  int rc = 0;
  if (!f) return SR_ENOMEM;
  if ((rc = sr_frame_decode(buf, len, f))) goto out;
  if (!p->hello && f->kind != SR_FRAME_HELLO) { rc = SR_EPROTO; goto out; }
  if (f->kind != SR_FRAME_ENTRY && (rc = spend(p, len))) goto out;
  switch (f->kind) {
  case SR_FRAME_HELLO:
    if (p->hello) { rc = SR_EPROTO; goto out; }
    if (f->version != SR_PROTO_VERSION) { rc = SR_EPROTOVER; goto out; }
    p->hello = 1;
    p->relay = f->relay;
    if (g->h.session_up) g->h.session_up(g->h.ctx, p, p->key, p->outbound);
    break;
  case SR_FRAME_NOTES:
    for (uint32_t i = 0; i < f->nnotes; i++) {
      const uint8_t *a = f->notes[i].author;
      /* Outside the scope, or not the peer's to know: ignored, no state kept,
       * and no answer, so the peer cannot tell whether this node holds it. */
      if (!g->h.in_scope(g->h.ctx, a) || !entitled(p, a)) continue;
      astate_t *s = find(p, a);
      if (!s && !(s = get(p, a))) continue; /* AUTHORS_MAX: ignored (logged once) */
      /* The peer named an author we replicate that we have not told it about:
       * answer with our own note, so that it sends us what we lack. */
      if (!s->told) send_note(p, a, our_seq(g, a), 1);
      s->wants = 1;
      s->push = (uint8_t)f->notes[i].eager;
      s->their_seq = f->notes[i].seq;
      uint64_t head = our_seq(g, s->author);
      if (head > s->their_seq) {
        if (s->push) enqueue(p, s);
        else send_have(p, s->author, head);
      }
    }
    pump(p);
    break;
  case SR_FRAME_ENTRY: {
    int r = take_entry(p, f); /* 3: a duplicate (the peer may have been dropped for too many) */
    if (r < 0) { rc = SR_EBADENTRY; goto out; }
    if (r == 1 && (rc = spend(p, len))) goto out;
    break;
  }
  case SR_FRAME_HAVE: {
    g->st.haves_in++;
    /* A have for an author outside the scope, or one the peer is not entitled
     * to, is ignored (no state kept): the note a graft sends would answer it. */
    if (!g->h.in_scope(g->h.ctx, f->author) || !entitled(p, f->author)) break;
    astate_t *s = get(p, f->author);
    if (!s) break; /* AUTHORS_MAX: ignored (logged once) */
    if (s->their_seq < f->seq) s->their_seq = f->seq;
    /* Something we lack was announced: unless the eager path delivers it within
     * GRAFT_DELAY_MS, the announcer is asked to push (promotion back to eager). */
    if (our_seq(g, f->author) < f->seq) graft_later(g, p, f->author, f->seq);
    break;
  }
  case SR_FRAME_PEERS:
    for (uint32_t i = 0; i < f->naddrs; i++) {
      char addr[SR_FRAME_ADDR_MAX];
      memcpy(addr, f->addrs[i], f->addr_lens[i]);
      addr[f->addr_lens[i]] = '\0';
      /* A relay of an earlier version announces itself only this way (its
       * own address first); a relay is reachable by definition. */
      if (i == 0 && p->relay) own_address(p, addr);
      if (g->h.learned_peer) g->h.learned_peer(g->h.ctx, p->key, addr);
    }
    break;
  case SR_FRAME_REACHABLE: {
    char addr[SR_FRAME_ADDR_MAX];
    memcpy(addr, f->addrs[0], f->addr_lens[0]);
    addr[f->addr_lens[0]] = '\0';
    own_address(p, addr);
    break;
  }
  case SR_FRAME_INVITE: {
    char why[200] = "this node is not a relay";
    int ok = g->relay && g->h.redeem_invite && g->h.redeem_invite(g->h.ctx, p->key, f->secret, why, sizeof(why)) == 0;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    sr_frame_invite_reply(&sb, ok, ok ? "welcome" : why);
    send_sb(p, &sb);
    break;
  }
  case SR_FRAME_INVITE_REPLY:
    if (g->h.invite_reply) g->h.invite_reply(g->h.ctx, p, f->ok, f->reason, f->reason_len);
    break;
  case SR_FRAME_PUSHSUM:
    pushsum_take(g, f);
    break;
  default:
    break; /* ping, or a later version's frame */
  }
out:
  free(f);
  return rc;
}

/* ---- sr_net callbacks ---- */

static void drop(sr_gpeer_t *p, int reason, const char *detail) {
  char k[17];
  if (p->closing) return;
  short_key(p->key, k);
  glog(p->g, "dropping %s peer %s (%s): %s (%s)%s%s", p->outbound ? "outbound" : "inbound", k, p->conn->peer_name,
       sr_errname(reason), sr_strerror(reason), detail && *detail ? ": " : "", detail ? detail : "");
  p->closing = 1;
  p->drop_reason = reason;
  sr_net_conn_close(p->conn);
}

static int dialer_smaller(const sr_gossip_t *g, const sr_net_conn *c) {
  const uint8_t *dialer = c->outbound ? g->self : c->peer_pk;
  const uint8_t *other = c->outbound ? c->peer_pk : g->self;
  return memcmp(dialer, other, 32) < 0;
}

/* ---- connection limit (docs/protocol.md, "Connection limits") ---- */

/* Friends and members alike, then known peers, then strangers. */
static int rank(int standing) { return standing >= SR_GOSSIP_MEMBER ? 2 : standing == SR_GOSSIP_KNOWN ? 1 : 0; }

/* A quarter of max_conns (at least one when there are two) only friends,
 * members, known peers and this node's own dials may use. */
static size_t reserved(const sr_gossip_t *g) { return g->lim.max_conns >= 2 ? (g->lim.max_conns + 3) / 4 : 0; }

/* A stranger makes room only by ending another stranger that has given this
 * node nothing for this long: pinging alone never keeps a slot, and a
 * newcomer cannot push out one that is syncing. */
static uint64_t stranger_idle_ms(const sr_gossip_t *g) { return g->lim.idle_timeout_ms / 5; }

/* Whether a session of rank r fits without ending another; refresh: ask the
 * standing of the inbound sessions again first. */
static int fits(sr_gossip_t *g, int r, int refresh) {
  size_t strangers = 0, live = 0;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (p->closing) continue;
    live++;
    if (refresh && !p->outbound && g->h.classify) p->standing = g->h.classify(g->h.ctx, p->key);
    strangers += !p->outbound && rank(p->standing) == 0;
  }
  return r == 0 ? live < g->lim.max_conns && strangers + reserved(g) < g->lim.max_conns : live < g->lim.max_conns;
}

/* Makes room for a new session of the given standing: 0 when it may come in
 * (after ending the least recently useful session of a lower rank, or an idle
 * stranger, when that was needed), SR_ECONNCAP when it must be refused. The
 * standing of inbound sessions is asked again here: the scope, the members
 * and the peer table change while a session lasts. */
static int make_room(sr_gossip_t *g, int standing) {
  uint64_t now = now_ms(g);
  int r = rank(standing);
  sr_gpeer_t *victim = NULL;
  /* The standings are asked again only when a limit is reached (a relay's
   * member check reads the store). */
  if (fits(g, r, 0) || fits(g, r, 1)) return 0;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (p->closing || p->outbound) continue;
    int pr = rank(p->standing);
    if (r == 0 ? pr != 0 || now - p->last_useful < stranger_idle_ms(g) : pr >= r) continue;
    if (!victim || pr < rank(victim->standing) ||
        (pr == rank(victim->standing) && p->last_useful < victim->last_useful))
      victim = p;
  }
  if (!victim) return SR_ECONNCAP;
  drop(victim, SR_EEVICTED, r == 0 ? "it sent nothing this node needed for a while; room for a newcomer"
                                   : "room for a peer this node knows better");
  return 0;
}

static void on_connected(sr_net_conn *c, const uint8_t pk[32]) {
  sr_gossip_t *g = c->net->data;
  char k[17];
  short_key(pk, k);
  if (memcmp(pk, g->self, 32) == 0) {
    glog(g, "refusing a connection to ourselves (%s)", c->peer_name);
    sr_net_conn_close(c);
    return;
  }
  sr_gpeer_t *dup = peer_by_key(g, pk);
  if (dup && dup->conn->outbound != c->outbound) {
    /* Both sides dialled each other: keep the connection whose dialer has the
     * smaller key, a rule both ends compute alike. (Two connections in the same
     * direction are kept: e.g. `invite accept` beside the member's running node.) */
    if (dialer_smaller(g, c)) {
      drop(dup, SR_EEXIST, "a second connection with this peer replaces it");
    } else {
      glog(g, "closing a second connection with %s (%s)", k, c->peer_name);
      sr_net_conn_close(c);
      return;
    }
  }
  int standing = c->outbound || !g->h.classify ? SR_GOSSIP_FRIEND : g->h.classify(g->h.ctx, pk);
  if (make_room(g, standing) != 0) {
    glog(g, "refusing %s (%s): %s (%s)", k, c->peer_name, sr_errname(SR_ECONNCAP), sr_strerror(SR_ECONNCAP));
    sr_net_conn_close(c);
    return;
  }
  sr_gpeer_t *p = calloc(1, sizeof(*p));
  if (p) p->rbuf = malloc(RBUF_CAP);
  if (!p || !p->rbuf) {
    if (p) free(p);
    sr_net_conn_close(c);
    return;
  }
  p->g = g;
  p->conn = c;
  memcpy(p->key, pk, 32);
  p->outbound = c->outbound;
  p->last_rx = p->last_tx = p->last_progress = p->last_useful = now_ms(g);
  p->standing = standing;
  p->tok_frames = g->lim.rate_frames_per_s;
  p->tok_bytes = g->lim.rate_bytes_per_s;
  p->tok_dups = (double)g->lim.rate_frames_per_s * DUP_BURST_S;
  c->data = p;
  p->next = g->peers;
  if (g->peers) g->peers->prev = p;
  g->peers = p;
  g->sessions++;
  glog(g, "connected %s peer %s (%s)", c->outbound ? "to" : "from", k, c->peer_name);
  send_hello_and_notes(p);
}

static void peer_free(sr_gpeer_t *p) {
  free(p->tab);
  free(p->pq);
  free(p->rbuf);
  free(p);
}

static void on_message_frames(sr_gpeer_t *p, const uint8_t *buf, size_t len);

/* A hook called from a frame may close every connection (invite accept finishing);
 * the peer then stays allocated until the frames loop has returned. */
static void on_message(sr_net_conn *c, const uint8_t *buf, size_t len) {
  sr_gpeer_t *p = c->data;
  if (!p || p->closing) return;
  p->busy++;
  on_message_frames(p, buf, len);
  if (--p->busy == 0 && p->dead) peer_free(p);
}

static void on_message_frames(sr_gpeer_t *p, const uint8_t *buf, size_t len) {
  p->g->st.bytes_in += len;
  p->last_rx = now_ms(p->g);
  if (p->rlen + len > RBUF_CAP) {
    drop(p, SR_EFRAMESIZE, NULL);
    return;
  }
  memcpy(p->rbuf + p->rlen, buf, len);
  p->rlen += len;
  size_t off = 0;
  while (!p->closing && !p->dead && off < p->rlen) {
    size_t flen;
    int rc = sr_frame_next(p->rbuf + off, p->rlen - off, &flen);
    if (rc == SR_ETRUNC) break;
    if (rc == 0) rc = handle(p, p->rbuf + off, flen);
    if (rc) {
      drop(p, rc == SR_EFRAMESIZE || rc == SR_EBADENTRY || rc == SR_ERATE || rc == SR_EPROTO || rc == SR_EPROTOVER
                   ? rc : SR_EFRAME, rc < 0 && rc != SR_EFRAME ? sr_strerror(rc) : NULL);
      return;
    }
    off += flen;
  }
  memmove(p->rbuf, p->rbuf + off, p->rlen - off);
  p->rlen -= off;
}

static void on_drained(sr_net_conn *c) {
  sr_gpeer_t *p = c->data;
  if (!p) return;
  p->last_progress = now_ms(p->g);
  pump(p);
}

static void on_closed(sr_net_conn *c, int reason) {
  sr_gossip_t *g = c->net->data;
  sr_gpeer_t *p = c->data;
  if (!p) {
    if (g->h.session_down) g->h.session_down(g->h.ctx, c->peer_pk, c->outbound, reason ? reason : SR_ENETEOF);
    return;
  }
  if (p->prev) p->prev->next = p->next;
  else g->peers = p->next;
  if (p->next) p->next->prev = p->prev;
  g->sessions--;
  if (g->h.session_down) g->h.session_down(g->h.ctx, p->key, p->outbound, p->drop_reason ? p->drop_reason : reason);
  c->data = NULL;
  p->conn = NULL;
  p->closing = 1;
  if (p->busy) p->dead = 1;
  else peer_free(p);
}

static void on_net_log(sr_net *n, const char *line) {
  sr_gossip_t *g = n->data;
  glog(g, "%s", line);
}

void sr_gossip_net_callbacks(sr_net_callbacks *cb) {
  cb->connected = on_connected;
  cb->message = on_message;
  cb->drained = on_drained;
  cb->closed = on_closed;
  cb->log = on_net_log;
}

/* ---- public ---- */

int sr_gossip_init(sr_gossip_t **out, sr_net *net, sr_store_t *store, const uint8_t self[32], int relay,
                   const sr_gossip_limits_t *limits, const sr_gossip_hooks_t *hooks) {
  sr_gossip_t *g = calloc(1, sizeof(*g));
  if (!g) return SR_ENOMEM;
  g->net = net;
  g->store = store;
  memcpy(g->self, self, 32);
  g->relay = relay;
  g->lim = *limits;
  g->h = *hooks;
  g->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (g->threads < 1) g->threads = 1;
  uv_check_init(net->loop, &g->flusher);
  g->flusher.data = g;
  uv_timer_init(net->loop, &g->flush_timer);
  g->flush_timer.data = g;
  uv_timer_init(net->loop, &g->graft_timer);
  g->graft_timer.data = g;
  sr_pushsum_init(&g->ps, self);
  uv_timer_init(net->loop, &g->ps_timer);
  g->ps_timer.data = g;
  net->data = g;
  *out = g;
  return 0;
}

void sr_gossip_shutdown(sr_gossip_t *g) {
  g->retry_due = 0; /* a batch waiting for its retry gets one last try */
  flush(g); /* a batch in flight finishes on its own; batch_done flushes the rest */
  g->stopping = 1;
  for (sr_gpeer_t *p = g->peers; p; p = p->next)
    if (!p->closing) {
      p->closing = 1;
      sr_net_conn_goodbye(p->conn);
    }
  uv_close((uv_handle_t *)&g->flusher, NULL);
  uv_close((uv_handle_t *)&g->flush_timer, NULL);
  uv_close((uv_handle_t *)&g->graft_timer, NULL);
  uv_close((uv_handle_t *)&g->ps_timer, NULL);
}

void sr_gossip_free(sr_gossip_t *g) {
  if (g && g->retry) batch_free(g->retry); /* only when the loop ended before its last try */
  free(g);
}

void sr_gossip_set_reachable(sr_gossip_t *g, const char *address) {
  snprintf(g->reach_addr, sizeof(g->reach_addr), "%s", address ? address : "");
}

void sr_gossip_pass_on(sr_gossip_t *g, const uint8_t owner[32], const char *address) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (!p->hello || p->closing || memcmp(p->key, owner, 32) == 0) continue;
    if (!g->h.may_share || !g->h.may_share(g->h.ctx, p->key)) continue;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    sr_frame_peers(&sb, &address, 1);
    send_sb(p, &sb);
  }
}

void sr_gossip_publish(sr_gossip_t *g, const uint8_t *raw, size_t len) {
  sr_entry_t e;
  if (sr_entry_decode(raw, len, &e) == 0) forward(g, &e, 0, NULL);
}

void sr_gossip_scope_changed(sr_gossip_t *g) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next)
    if (p->hello && !p->closing) send_our_notes(p, 1);
}

void sr_gossip_tick(sr_gossip_t *g, uint64_t now) {
  for (sr_gpeer_t *p = g->peers, *next; p; p = next) {
    next = p->next;
    if (p->closing) continue;
    p->tok_frames = p->tok_frames + g->lim.rate_frames_per_s > g->lim.rate_frames_per_s
                        ? g->lim.rate_frames_per_s : p->tok_frames + g->lim.rate_frames_per_s;
    p->tok_bytes = p->tok_bytes + g->lim.rate_bytes_per_s > g->lim.rate_bytes_per_s
                       ? g->lim.rate_bytes_per_s : p->tok_bytes + g->lim.rate_bytes_per_s;
    double dmax = (double)g->lim.rate_frames_per_s * DUP_BURST_S;
    p->tok_dups = p->tok_dups + g->lim.rate_frames_per_s > dmax ? dmax : p->tok_dups + g->lim.rate_frames_per_s;
    size_t q = sr_net_conn_queued(p->conn);
    if (q == 0) p->last_progress = now;
    if (p->paused) p->last_rx = now; /* not reading it is our doing */
    if (now - p->last_rx > g->lim.idle_timeout_ms) {
      drop(p, SR_EIDLE, NULL);
    } else if (q > g->lim.max_queue_bytes || (q > 0 && now - p->last_progress > g->lim.idle_timeout_ms)) {
      drop(p, SR_ESLOWPEER, NULL);
    } else {
      if (now - p->last_tx > g->lim.idle_timeout_ms / 3) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        sr_frame_ping(&sb);
        send_sb(p, &sb);
      }
      pump(p);
    }
  }
}

int sr_gossip_send_invite(sr_gossip_t *g, sr_gpeer_t *p, const uint8_t secret[32]) {
  msgpack_sbuffer sb;
  (void)g;
  msgpack_sbuffer_init(&sb);
  sr_frame_invite(&sb, secret);
  return send_sb(p, &sb);
}

void sr_gossip_stats(const sr_gossip_t *g, sr_gossip_stats_t *s) {
  *s = g->st;
  s->sessions = g->sessions;
}

json_t *sr_gossip_sessions_json(const sr_gossip_t *g) {
  json_t *arr = json_array();
  for (const sr_gpeer_t *p = g->peers; p; p = p->next) {
    char hex[65];
    size_t lazy = 0;
    for (size_t i = 0; i < p->cap; i++) lazy += p->tab[i].used && p->tab[i].told && !p->tab[i].asked_eager;
    sr_hex_encode(p->key, 32, hex);
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "key", hex, "address",
                                         p->conn->peer_name, "direction", p->outbound ? "outbound" : "inbound",
                                         "entries_in", (json_int_t)p->entries_in, "entries_out",
                                         (json_int_t)p->entries_out, "duplicates", (json_int_t)p->dups,
                                         "lazy_authors", (json_int_t)lazy, "queued_bytes",
                                         (json_int_t)sr_net_conn_queued(p->conn)));
  }
  return arr;
}

int sr_gossip_connected(const sr_gossip_t *g, const uint8_t key[32]) {
  for (const sr_gpeer_t *p = g->peers; p; p = p->next)
    if (!p->closing && p->hello && memcmp(p->key, key, 32) == 0) return 1;
  return 0;
}
