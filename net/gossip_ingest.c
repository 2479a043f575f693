/* gossip_ingest.c: received entries on their way into the store: duplicates
 * recognised before any signature check, batches committed on a worker thread
 * (one write transaction each), the retry of a batch whose commit failed, and
 * what is new forwarded once stored. */
#include "net/gossip_internal.h"
#include "core/vec.h"
#include "core/core.h"
#include "core/frame.h"
#include "core/counters.h"
#include "core/content.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ingest ---- */

static void on_flush(uv_check_t *c);
static void on_flush_timer(uv_timer_t *t) { sr_gossip_flush(t->data); }

void sr_gossip_batch_free(batch_t *b) {
  for (size_t i = 0; i < b->n; i++) free(b->pend[i].raw);
  free(b->items);
  free(b->pend);
  free(b);
}

/* The write policy first (gossip.h, judge), then the store, which sees only
 * what the policy took; the items keep their order, so batch_done reads
 * every verdict where it was. */
static int judged_ingest(batch_t *b) {
  sr_gossip_t *g = b->g;
  sr_ingest_item_t *take;
  size_t m = 0, k = 0;
  int rc;
  for (size_t i = 0; i < b->n; i++) {
    b->items[i].status = 0;
    b->items[i].why[0] = '\0';
  }
  g->h.judge(g->h.ctx, b->items, b->n);
  for (size_t i = 0; i < b->n; i++) m += b->items[i].status == 0;
  if (m == b->n) return sr_store_ingest(g->store, b->items, b->n, b->threads, b->now, &b->stats);
  if (!(take = malloc((m ? m : 1) * sizeof(*take)))) return SR_ENOMEM;
  for (size_t i = 0; i < b->n; i++)
    if (b->items[i].status == 0) take[k++] = b->items[i];
  rc = m ? sr_store_ingest(g->store, take, m, b->threads, b->now, &b->stats) : 0;
  if (!m) memset(&b->stats, 0, sizeof(b->stats));
  b->stats.rejected += b->n - m;
  for (size_t i = 0, j = 0; i < b->n; i++)
    if (b->items[i].status == 0) b->items[i] = take[j++];
  free(take);
  return rc;
}

static void batch_work(uv_work_t *req) {
  batch_t *b = req->data;
  uint64_t t0 = uv_hrtime();
  b->rc =
      b->g->h.judge ? judged_ingest(b) : sr_store_ingest(b->g->store, b->items, b->n, b->threads, b->now, &b->stats);
  sr_counters_ingest_batch(uv_hrtime() - t0); /* the store's work (and the policy's), not the wait for a worker */
  snprintf(b->why, sizeof(b->why), "%s", b->rc == SR_ESTORE ? sr_store_errmsg(b->g->store) : sr_strerror(b->rc));
}

/* Reads again from the peers paused while a batch was full. */
static void resume_paused(sr_gossip_t *g) {
  for (sr_gpeer_t *q = g->peers, *next; q; q = next) {
    next = q->next; /* a drop frees q at once (on_closed) */
    if (q->paused && !q->closing) {
      q->paused = 0;
      q->last_rx = sr_gossip_now(g); /* its silence was ours */
      int rc = sr_net_conn_pause(q->conn, 0);
      if (rc) sr_gossip_drop(q, rc, "reading from it again failed"); /* else it would sit unread */
    }
  }
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
      sr_gossip_log(g, SR_LOG_ERROR, "ingest_failed",
                    "storing %zu received entries failed: %s; they will be fetched again", b->n, why);
      sr_gossip_batch_free(b);
      sr_gossip_flush(g);
      return;
    }
    g->retry_ms = g->retry_ms ? (g->retry_ms >= RETRY_MAX_MS / 2 ? RETRY_MAX_MS : g->retry_ms * 2) : RETRY_FIRST_MS;
    sr_gossip_log(g, SR_LOG_ERROR, "ingest_failed", "storing %zu received entries failed: %s; trying again in %u ms",
                  b->n, why, g->retry_ms);
    g->retry = b;
    g->retry_due = sr_gossip_now(g) + g->retry_ms;
    resume_paused(g);
    sr_gossip_flush(g); /* arms the retry */
    return;
  }
  if (g->retry_ms) sr_gossip_log(g, SR_LOG_INFO, "ingest_resumed", "storing received entries works again");
  g->retry_ms = 0;
  for (size_t i = 0; i < b->n; i++) {
    sr_ingest_item_t *it = &b->items[i];
    sr_gpeer_t *p = sr_gossip_peer_by_key(g, b->pend[i].from);
    astate_t *s = p ? sr_gossip_astate_find(p, it->author) : NULL;
    if (s && s->pending) s->pending--; /* a session opened since the take may have none */
    switch (it->status) {
      case 0:
        if (s && s->their_seq < it->seq) s->their_seq = it->seq;
        if (sr_content_changes_scope(it->c.type)) contacts = 1;
        sr_gossip_forward(g, &it->e, it->flow.hops, b->pend[i].from);
        if (g->h.stored) g->h.stored(g->h.ctx, &it->e);
        break;
      case SR_EDUP:
        g->st.duplicates++;
        sr_counters_duplicate();
        if (p) {
          p->dups++;
          if (s) sr_gossip_prune_dup(p, s, it->author, it->seq);
        }
        break;
      case SR_EGAP:
        /* behind a refused entry of its author: asking again would bring it back */
        if (p && s && s->refused_until <= sr_gossip_now(g))
          sr_gossip_send_note(p, it->author, sr_gossip_our_seq(g, it->author), 1); /* ask again from our head */
        break;
      case SR_EFORK:
      case SR_EFORKED:
      case SR_EPREV:
      case SR_EFUTURE:
      case SR_EREVOKED: /* a valid entry; the peer may not hold the revocation yet */
        g->st.rejected++;
        sr_counters_rejected(it->status);
        break;
      case SR_EQUOTA: /* valid, refused here: the session goes on, and the sender is told why */
      case SR_EPURGED:
      case SR_EPOLICY:
      case SR_EPOLICYDOWN:
        sr_gossip_refused_count(g, it->status);
        if (p) sr_gossip_refused_tell(p, s, it);
        break;
      default:
        g->st.rejected++;
        sr_counters_rejected(it->status);
        if (p) sr_gossip_drop(p, SR_EBADENTRY, it->why);
        break;
    }
  }
  /* A fork found: its proof goes to the peers that replicate the author. */
  if (b->stats.forks || b->stats.self_fork) sr_gossip_forks_after_batch(g, b->items, b->n, &b->stats);
  if (b->stats.accepted && g->h.ingested) g->h.ingested(g->h.ctx, b->stats.accepted, contacts);
  sr_gossip_batch_free(b);
  sr_gossip_flush(g); /* what arrived meanwhile goes next */
  if (!g->cur || g->cur->n < BATCH_PAUSE / 2) resume_paused(g);
}

void sr_gossip_flush(sr_gossip_t *g) {
  batch_t *b = g->retry;
  if (g->inflight) return;
  if (b) { /* a failed batch goes first, once its backoff is over */
    uint64_t now = sr_gossip_now(g);
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
  b->now = sr_gossip_wall_ms();
  b->threads = g->threads;
  b->req.data = b;
  if (uv_queue_work(g->net->loop, &b->req, batch_work, batch_done) != 0) {
    batch_work(&b->req); /* no worker: store it here */
    batch_done(&b->req, 0);
  }
}

static void on_flush(uv_check_t *c) {
  sr_gossip_t *g = c->data;
  if (!g->cur || g->cur->n < BATCH_SMALL || sr_gossip_now(g) - g->batch_since >= BATCH_WAIT_MS) sr_gossip_flush(g);
  else if (!uv_is_active((uv_handle_t *)&g->flush_timer))
    uv_timer_start(&g->flush_timer, on_flush_timer, BATCH_WAIT_MS, 0);
}

/* Whether e (decoded, signature unchecked) is one this node will not store
 * again: a seq the peer already sent in this session (s->taken; honest peers
 * never resend unasked), or the very bytes stored at that seq. A different entry
 * at a stored seq is not a duplicate: the store's checks decide (a fork, or a
 * bad signature that ends the session). */
static int is_duplicate(sr_gossip_t *g, const astate_t *s, const sr_entry_t *e) {
  if (s && e->seq <= s->taken) return 1;
  if (e->seq > sr_gossip_our_seq(g, e->author)) return 0;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len = 0;
  sr_flow_t flow;
  if (sr_store_get_by_seq(g->store, e->author, e->seq, buf, sizeof(buf), &len, &flow) != 0) return 0;
  return len == e->raw_len && memcmp(buf, e->raw, len) == 0;
}

/* A duplicate costs one token of the duplicates bucket; a peer that runs it dry
 * is dropped. Returns 3 (handled). */
static int take_duplicate(sr_gpeer_t *p, astate_t *s, const uint8_t *author, uint64_t seq) {
  sr_gossip_t *g = p->g;
  g->st.duplicates++;
  sr_counters_duplicate();
  p->dups++;
  if ((p->tok_dups -= 1) < 0) {
    char why[120];
    snprintf(why, sizeof(why), "it keeps sending entries this node already holds (%llu duplicates)",
             (unsigned long long)p->dups);
    sr_gossip_drop(p, SR_ERATE, why);
    return 3;
  }
  if (s) sr_gossip_prune_dup(p, s, author, seq);
  return 3;
}

int sr_gossip_take_entry(sr_gpeer_t *p, const sr_frame_t *f) {
  sr_gossip_t *g = p->g;
  uint8_t author[SR_KEY_BYTES];
  sr_entry_t e;
  /* Only the author is needed to route it; the signature is checked once, in the store. */
  int rc = sr_entry_peek_author(f->entry, f->entry_len, author);
  if (rc) return rc;
  /* Unsolicited: noise. Not entitled: the duplicate or gap note would tell the
   * peer what this node holds. */
  if (!g->h.in_scope(g->h.ctx, author) || !sr_gossip_entitled(p, author)) return 1;
  if ((rc = sr_entry_decode(f->entry, f->entry_len, &e))) return rc; /* no signature check: cheap */
  astate_t *s = sr_gossip_astate_get(p, author);
  if (is_duplicate(g, s, &e)) return take_duplicate(p, s, author, e.seq);
  if (s && s->refused_until > sr_gossip_now(g)) {
    /* the rest of a refused burst: refused as the store refused its start */
    sr_gossip_refused_count(g, s->refused_status);
    if (s->taken < e.seq) s->taken = e.seq;
    return 3;
  }
  if (!g->cur) {
    if (!(g->cur = calloc(1, sizeof(*g->cur)))) return SR_ENOMEM;
    g->batch_since = sr_gossip_now(g);
  }
  batch_t *b = g->cur;
  if (b->n == b->cap) {
    if (b->cap >= BATCH_CAP_MAX) return 2; /* congested: not taken */
    size_t ncap = sr_grow_cap(b->cap, 256);
    if (!ncap || sr_realloc_n((void **)&b->items, ncap, sizeof(*b->items)) ||
        sr_realloc_n((void **)&b->pend, ncap, sizeof(*b->pend)))
      return SR_ENOMEM;
    b->cap = ncap;
  }
  uint8_t *copy = malloc(f->entry_len);
  if (!copy) return SR_ENOMEM;
  memcpy(copy, f->entry, f->entry_len);
  sr_ingest_item_t *it = &b->items[b->n];
  memset(it, 0, sizeof(*it));
  it->raw = copy;
  it->len = f->entry_len;
  it->flow.received_at = sr_gossip_wall_ms();
  memcpy(it->flow.from, p->key, SR_KEY_BYTES);
  it->flow.hops = f->hops >= UINT32_MAX ? UINT32_MAX : (uint32_t)f->hops + 1;
  it->flow.source = SR_SRC_PEER;
  memcpy(b->pend[b->n].from, p->key, SR_KEY_BYTES);
  b->pend[b->n].raw = copy;
  b->n++;
  if (s && s->taken < e.seq) s->taken = e.seq;
  if (s && s->pending < UINT16_MAX) s->pending++;
  p->entries_in++;
  p->last_useful = sr_gossip_now(g);
  g->st.entries_in++;
  sr_counters_entry_in(sr_content_type_of(&e));
  if (b->n >= BATCH_MAX) sr_gossip_flush(g);
  else
    uv_check_start(&g->flusher, on_flush);
  if (g->cur && g->cur->n >= BATCH_PAUSE && !p->paused && sr_net_conn_pause(p->conn, 1) == 0) p->paused = 1;
  return 0;
}
