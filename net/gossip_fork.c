/* gossip_fork.c: fork proofs between sessions (docs/protocol.md, "Fork
 * proofs"). A node that finds a fork, or is given a proof it did not have,
 * sends the proof (two fork frames: the two entries) once to each session
 * whose peer replicates the author (it noted it) and may be told of it; a
 * peer that notes an author this node holds forked gets the proof once per
 * session. A received proof is checked and stored on a worker (one batch in
 * flight, at most PROOF_BATCH_MAX waiting, one per author), and passed on only
 * when it marked its author forked here: a proof crosses each session at most
 * once per author, so it never circulates.
 *
 * Invariants:
 *  - memory per session: one held fork frame (the first half of a proof);
 *    per node: the proofs waiting (PROOF_BATCH_MAX pairs) and the set of
 *    forked authors (what the store holds);
 *  - a proof with a bad signature ends its sender's session (SR_EBADENTRY),
 *    as a bad entry does; one for an author outside the scope, or one already
 *    forked here, is ignored (it still counts against the rate limit). */
#include "net/gossip_internal.h"
#include "core/counters.h"
#include "core/key.h"
#include "core/vec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the forked authors this node holds (sorted) ---- */

int sr_gossip_forked_has(const sr_gossip_t *g, const uint8_t *author) {
  return sr_key_find(g->forked, g->nforked, SR_KEY_BYTES, author) >= 0;
}

/* Adds author; 1 when it is new. */
static int forked_add(sr_gossip_t *g, const uint8_t *author) {
  size_t at = 0;
  if (sr_gossip_forked_has(g, author)) return 0;
  if (sr_grow((void **)&g->forked, &g->forked_cap, g->nforked + 1, SR_KEY_BYTES, 16)) return 0;
  while (at < g->nforked && memcmp(g->forked[at], author, SR_KEY_BYTES) < 0) at++;
  memmove(g->forked[at + 1], g->forked[at], (g->nforked - at) * SR_KEY_BYTES);
  memcpy(g->forked[at], author, SR_KEY_BYTES);
  g->nforked++;
  return 1;
}

static int load_fork(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  (void)seq;
  (void)head_id;
  (void)fork_id;
  forked_add(ctx, author);
  return 0;
}

int sr_gossip_forked_load(sr_gossip_t *g) { return sr_store_foreach_fork(g->store, load_fork, g); }

size_t sr_gossip_forked(const sr_gossip_t *g, const uint8_t (**keys)[SR_KEY_BYTES]) {
  *keys = (const uint8_t(*)[SR_KEY_BYTES])g->forked;
  return g->nforked;
}

/* ---- sending ---- */

/* The proof of author, read once for all the sessions it goes to. */
typedef struct {
  uint8_t a[SR_ENTRY_MAX], b[SR_ENTRY_MAX];
  size_t la, lb;
  uint64_t seq;
} proof_buf_t;

static proof_buf_t *proof_read(sr_gossip_t *g, const uint8_t *author) {
  proof_buf_t *pb = malloc(sizeof(*pb));
  if (pb && sr_store_get_fork_proof(g->store, author, pb->a, &pb->la, pb->b, &pb->lb, SR_ENTRY_MAX, &pb->seq) != 0) {
    free(pb);
    pb = NULL;
  }
  return pb;
}

/* Both halves, one after the other (nothing else is written in between). A
 * session whose queue is full gets it later, when it notes the author again. */
static void proof_send(sr_gpeer_t *p, astate_t *s, const proof_buf_t *pb) {
  msgpack_sbuffer sb;
  if (s->proof_sent || sr_net_conn_queued(p->conn) >= HIGH_WATER) return;
  msgpack_sbuffer_init(&sb);
  if (sr_frame_fork(&sb, pb->a, pb->la) || sr_frame_fork(&sb, pb->b, pb->lb)) {
    msgpack_sbuffer_destroy(&sb);
    return;
  }
  if (sr_gossip_send_sb(p, &sb) == 0) {
    s->proof_sent = 1;
    p->g->st.fork_proofs_out++;
  }
}

/* To every session that replicates author, but except (the peer that told us). */
static void proof_spread(sr_gossip_t *g, const uint8_t *author, const uint8_t *except) {
  proof_buf_t *pb = NULL;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (!p->hello || p->closing || (except && memcmp(p->key, except, SR_KEY_BYTES) == 0)) continue;
    astate_t *s = sr_gossip_astate_find(p, author);
    if (!s || !s->wants || s->proof_sent || !sr_gossip_entitled(p, author)) continue;
    if (!pb && !(pb = proof_read(g, author))) return;
    proof_send(p, s, pb);
  }
  free(pb);
}

/* A newly forked author: remembered, told to the node, passed on. */
static void newly_forked(sr_gossip_t *g, const uint8_t *author, const uint8_t *except) {
  if (!forked_add(g, author) || g->stopping) return;
  if (g->h.forked) g->h.forked(g->h.ctx, author);
  proof_spread(g, author, except);
}

void sr_gossip_fork_found(sr_gossip_t *g, const uint8_t author[SR_KEY_BYTES]) { newly_forked(g, author, NULL); }

int sr_gossip_fork_noted(sr_gpeer_t *p, const uint8_t *author) {
  sr_gossip_t *g = p->g;
  if (!sr_gossip_forked_has(g, author)) return 0;
  /* Not the peer's to know (a relay's rule): as for any author, no answer. */
  if (!sr_gossip_entitled(p, author)) return 1;
  astate_t *s = sr_gossip_astate_get(p, author);
  if (!s || s->proof_sent) return 1;
  s->wants = 1;
  proof_buf_t *pb = proof_read(g, author);
  if (pb) proof_send(p, s, pb);
  free(pb);
  return 1;
}

void sr_gossip_head_check(sr_gpeer_t *p, astate_t *s, const sr_note_t *n) {
  sr_gossip_t *g = p->g;
  uint8_t id[SR_ID_BYTES];
  msgpack_sbuffer sb;
  size_t len;
  if (!n->head || !n->seq) return;
  s->their_head_seq = n->seq;
  memcpy(s->their_head, n->head, THEIR_HEAD_BYTES);
  if (s->branch_sent || sr_net_conn_queued(p->conn) >= HIGH_WATER) return;
  if (sr_store_get_id_by_seq(g->store, s->author, n->seq, id) || memcmp(id, n->head, SR_ID_BYTES) == 0) return;
  /* The peer holds another entry at a seq we hold: the two seqs look alike,
   * the entries are a fork. Ours, as a fork frame, is the half it lacks. */
  uint8_t *raw = malloc(SR_ENTRY_MAX);
  if (!raw) return;
  if (sr_store_get_by_seq(g->store, s->author, n->seq, raw, SR_ENTRY_MAX, &len, NULL) == 0) {
    msgpack_sbuffer_init(&sb);
    if (sr_gossip_send_frame(p, &sb, sr_frame_fork(&sb, raw, len)) == 0) s->branch_sent = 1;
  }
  free(raw);
}

/* The same test the other way round: the peer's note came first, and the
 * entry we hold at its seq arrived since. Nothing else would bring it to the
 * peer (it holds that seq), and with the trees of gossip_ebt.c the two
 * branches of a fork may meet only on such a lazy path. */
void sr_gossip_branch_check(sr_gpeer_t *p, astate_t *s, const sr_entry_t *e) {
  msgpack_sbuffer sb;
  if (s->branch_sent || s->their_head_seq != e->seq || memcmp(s->their_head, e->id, THEIR_HEAD_BYTES) == 0 ||
      sr_net_conn_queued(p->conn) >= HIGH_WATER)
    return;
  msgpack_sbuffer_init(&sb);
  if (sr_gossip_send_frame(p, &sb, sr_frame_fork(&sb, e->raw, e->raw_len)) == 0) s->branch_sent = 1;
}

/* ---- receiving ---- */

typedef struct proof_batch {
  uv_work_t req;
  sr_gossip_t *g;
  sr_fork_proof_t p[PROOF_BATCH_MAX];
  uint8_t *raw[PROOF_BATCH_MAX][2];
  /* 1: both entries came from the peer (it knows the fork: the proof is not
   * sent back to it); 0: one of them is this node's own */
  uint8_t whole[PROOF_BATCH_MAX];
  size_t n;
  int rc;
  char why[512];
} proof_batch_t;

void sr_gossip_proof_batch_free(proof_batch_t *b) {
  if (!b) return;
  for (size_t i = 0; i < b->n; i++) {
    free(b->raw[i][0]);
    free(b->raw[i][1]);
  }
  free(b);
}

static void proof_work(uv_work_t *req) {
  proof_batch_t *b = req->data;
  b->rc = sr_store_fork_proofs(b->g->store, b->p, b->n, sr_gossip_wall_ms());
  snprintf(b->why, sizeof(b->why), "%s", b->rc == SR_ESTORE ? sr_store_errmsg(b->g->store) : sr_strerror(b->rc));
}

static void proof_flush(sr_gossip_t *g);

static void proof_done(uv_work_t *req, int status) {
  proof_batch_t *b = req->data;
  sr_gossip_t *g = b->g;
  char k[17], from[17];
  int self = 0;
  g->proofs_inflight = NULL;
  if (g->stopping) { /* stored (or not): the next start reads the store */
    sr_gossip_proof_batch_free(b);
    return;
  }
  if (status || b->rc) {
    /* lost: the proofs come again (another peer, a later session) */
    sr_gossip_log(g, SR_LOG_ERROR, "fork_store_failed", "storing %zu fork proof%s failed: %s", b->n,
                  b->n == 1 ? "" : "s", status ? uv_strerror(status) : b->why);
  }
  for (size_t i = 0; i < b->n && !status && !b->rc; i++) {
    sr_fork_proof_t *p = &b->p[i];
    sr_gossip_short_key(p->author, k);
    sr_gossip_short_key(p->from, from);
    self |= p->self_fork;
    if (p->status == 0) {
      sr_gossip_log(g, SR_LOG_WARN, "author_forked",
                    "author %s is forked: peer %s sent a fork proof (two entries with seq %llu)", k, from,
                    (unsigned long long)p->seq);
      newly_forked(g, p->author, b->whole[i] ? p->from : NULL);
    } else if (p->status == SR_EDUP) {
      forked_add(g, p->author);
    } else if (p->status == SR_EQUOTA || p->status == SR_EPURGED) {
      /* valid, refused here (an author over a quota, or purged): not the peer's fault */
      sr_gossip_refused_count(g, p->status);
    } else if (p->status != SR_EFUTURE) {
      sr_gpeer_t *q = sr_gossip_peer_by_key(g, p->from);
      g->st.rejected++;
      sr_counters_rejected(p->status);
      if (q) sr_gossip_drop(q, SR_EBADENTRY, p->why);
    }
  }
  if (self && g->h.self_fork) g->h.self_fork(g->h.ctx);
  sr_gossip_proof_batch_free(b);
  proof_flush(g);
}

static void proof_flush(sr_gossip_t *g) {
  proof_batch_t *b = g->proofs;
  if (g->proofs_inflight || g->stopping || !b || !b->n) return;
  g->proofs = NULL;
  g->proofs_inflight = b;
  b->g = g;
  b->req.data = b;
  if (uv_queue_work(g->net->loop, &b->req, proof_work, proof_done) != 0) {
    proof_work(&b->req); /* no worker: here */
    proof_done(&b->req, 0);
  }
}

/* Whether a proof of author waits or is being stored. */
static int proof_pending(const proof_batch_t *b, const uint8_t *author) {
  for (size_t i = 0; b && i < b->n; i++) {
    uint8_t a[SR_KEY_BYTES];
    if (sr_entry_peek_author(b->raw[i][0], b->p[i].len1, a) == 0 && memcmp(a, author, SR_KEY_BYTES) == 0) return 1;
  }
  return 0;
}

/* The pair (held, f's entry) of author: queued for the worker, unless one of
 * author already is or the queue is full (then dropped: it comes again from
 * another peer or a later session). Takes held (malloc'd); whole: held came
 * from the peer too. */
static int proof_queue(sr_gpeer_t *p, const uint8_t *author, uint8_t *held, size_t held_len, const sr_frame_t *f,
                       int whole) {
  sr_gossip_t *g = p->g;
  uint8_t *second = NULL;
  if (proof_pending(g->proofs, author) || proof_pending(g->proofs_inflight, author) ||
      (g->proofs && g->proofs->n >= PROOF_BATCH_MAX)) {
    free(held);
    g->st.fork_proofs_dropped++;
    return 0;
  }
  if ((!g->proofs && !(g->proofs = calloc(1, sizeof(*g->proofs)))) || !(second = malloc(f->entry_len))) {
    free(held);
    return SR_ENOMEM;
  }
  memcpy(second, f->entry, f->entry_len);
  proof_batch_t *b = g->proofs;
  sr_fork_proof_t *q = &b->p[b->n];
  memset(q, 0, sizeof(*q));
  b->raw[b->n][0] = held;
  b->raw[b->n][1] = second;
  b->whole[b->n] = (uint8_t)whole;
  q->raw1 = held;
  q->len1 = held_len;
  q->raw2 = second;
  q->len2 = f->entry_len;
  memcpy(q->from, p->key, SR_KEY_BYTES);
  q->received_at = sr_gossip_wall_ms();
  b->n++;
  g->st.fork_proofs_in++;
  p->last_useful = sr_gossip_now(g);
  proof_flush(g);
  return 0;
}

int sr_gossip_take_fork(sr_gpeer_t *p, const sr_frame_t *f) {
  sr_gossip_t *g = p->g;
  uint8_t author[SR_KEY_BYTES], held_author[SR_KEY_BYTES];
  sr_entry_t e, h;
  uint8_t *held = p->fork_held;
  size_t held_len = p->fork_held_len;
  int rc = sr_entry_peek_author(f->entry, f->entry_len, author);
  if (rc) return rc;
  p->fork_held = NULL;
  p->fork_held_len = 0;
  /* Known here already, or not an author this node replicates from this
   * peer: nothing to check (and no answer that would tell what it holds). */
  if (sr_gossip_forked_has(g, author) || !g->h.in_scope(g->h.ctx, author) || !sr_gossip_entitled(p, author)) {
    free(held);
    return 0;
  }
  if ((rc = sr_entry_decode(f->entry, f->entry_len, &e))) { /* no signature check yet */
    free(held);
    return rc;
  }
  /* The second half of a proof: the frame before it, of the same author and
   * seq, another entry. */
  if (held && sr_entry_peek_author(held, held_len, held_author) == 0 &&
      memcmp(held_author, author, SR_KEY_BYTES) == 0 && sr_entry_decode(held, held_len, &h) == 0 && h.seq == e.seq &&
      memcmp(h.id, e.id, SR_ID_BYTES) != 0)
    return proof_queue(p, author, held, held_len, f, 1);
  free(held);
  /* Or the entry this node holds at that seq, when it is another one (the
   * peer sent the branch it saw this node lacks). */
  uint8_t mine_id[SR_ID_BYTES];
  if (sr_store_get_id_by_seq(g->store, author, e.seq, mine_id) == 0 && memcmp(mine_id, e.id, SR_ID_BYTES) != 0) {
    uint8_t *mine = malloc(SR_ENTRY_MAX);
    size_t len;
    if (!mine) return SR_ENOMEM;
    if (sr_store_get_by_seq(g->store, author, e.seq, mine, SR_ENTRY_MAX, &len, NULL) == 0)
      return proof_queue(p, author, mine, len, f, 0);
    free(mine);
  }
  /* Else this frame is the first half of a proof. */
  if (!(p->fork_held = malloc(f->entry_len))) return SR_ENOMEM;
  memcpy(p->fork_held, f->entry, f->entry_len);
  p->fork_held_len = f->entry_len;
  return 0;
}

/* ---- after an ingest batch ---- */

void sr_gossip_forks_after_batch(sr_gossip_t *g, const sr_ingest_item_t *items, size_t n,
                                 const sr_ingest_stats_t *stats) {
  for (size_t i = 0; i < n; i++) {
    if (items[i].status != SR_EFORK) continue;
    char k[17], from[17];
    sr_gossip_short_key(items[i].author, k);
    sr_gossip_short_key(items[i].flow.from, from);
    if (!sr_gossip_forked_has(g, items[i].author))
      sr_gossip_log(g, SR_LOG_WARN, "author_forked",
                    "author %s is forked: peer %s sent another entry with seq %llu; passing the proof on", k, from,
                    (unsigned long long)items[i].seq);
    newly_forked(g, items[i].author, NULL);
  }
  if (stats->self_fork && g->h.self_fork) g->h.self_fork(g->h.ctx);
}
