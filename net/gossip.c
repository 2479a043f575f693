/* gossip.c: replication sessions (see gossip.h and docs/protocol.md): session
 * dispatch and lifecycle (connect, frames, drop, close) and the public API. The
 * module's other jobs each have a file (their shared state: gossip_internal.h):
 * gossip_ebt.c (per-author state, eager/lazy notes, graft), gossip_pump.c
 * (streaming logs to a peer), gossip_ingest.c (received entries into the store),
 * gossip_pushsum.c (push-sum rounds), gossip_peers.c (peer exchange).
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
 *    entitled to (sr_gossip_entitled()), at most AUTHORS_MAX per session, and a
 *    duplicate costs no signature check (is_duplicate(), gossip_ingest.c).
 */
#include "net/gossip_internal.h"
#include "core/core.h"
#include "core/clock.h"
#include "core/frame.h"
#include "core/counters.h"
#include "core/logline.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A peer's transport key is the author key of its log. */
_Static_assert(SR_NET_KEY_BYTES == SR_KEY_BYTES, "a node key is an author key");

static void emit(sr_gossip_t *g, const char *line) {
  if (g->h.log) g->h.log(g->h.ctx, line);
  else
    fprintf(stderr, "seurone gossip: %s\n", line);
}

void sr_gossip_log(sr_gossip_t *g, int level, const char *event, const char *fmt, ...) {
  char msg[600], line[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  sr_logline_start(line, sizeof(line), level, event);
  sr_logline_add(line, sizeof(line), "msg", msg);
  emit(g, line);
}

void sr_gossip_log_conn(sr_gossip_t *g, int level, const char *event, const sr_net_conn_t *c, const char *peer,
                        int reason, const char *fmt, ...) {
  char msg[600], line[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  sr_logline_start(line, sizeof(line), level, event);
  sr_logline_add(line, sizeof(line), "dir", c->outbound ? "outbound" : "inbound");
  sr_logline_add(line, sizeof(line), "peer", peer);
  if (c->net->cfg.log_addresses) sr_logline_add(line, sizeof(line), "addr", c->peer_name);
  if (reason) sr_logline_add(line, sizeof(line), "reason", sr_errname(reason));
  sr_logline_add(line, sizeof(line), "msg", msg);
  emit(g, line);
}

uint64_t sr_gossip_now(sr_gossip_t *g) { return uv_now(g->net->loop); }

/* Wall clock in ms: first-arrival times and the future-timestamp rule use it. */
uint64_t sr_gossip_wall_ms(void) { return sr_wall_ms(); }

void sr_gossip_short_key(const uint8_t *k, char out[17]) {
  char hex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(k, SR_KEY_BYTES, hex);
  memcpy(out, hex, 16);
  out[16] = '\0';
}

int sr_gossip_send_sb(sr_gpeer_t *p, msgpack_sbuffer *sb) {
  int rc = 0;
  if (!p->closing && sb->size) {
    rc = sr_net_conn_write(p->conn, (const uint8_t *)sb->data, sb->size);
    if (rc == 0) {
      p->g->st.bytes_out += sb->size;
      sr_counters_bytes_out(sb->size);
      p->last_tx = sr_gossip_now(p->g);
    }
  }
  msgpack_sbuffer_destroy(sb);
  return rc;
}

int sr_gossip_send_frame(sr_gpeer_t *p, msgpack_sbuffer *sb, int built) {
  if (built) {
    msgpack_sbuffer_destroy(sb);
    return built;
  }
  return sr_gossip_send_sb(p, sb);
}

void sr_gossip_our_head(sr_gossip_t *g, const uint8_t *author, sr_head_t *h) {
  if (sr_store_get_head(g->store, author, h)) memset(h, 0, sizeof(*h));
}

uint64_t sr_gossip_our_seq(sr_gossip_t *g, const uint8_t *author) {
  sr_head_t h;
  sr_gossip_our_head(g, author, &h);
  return h.seq;
}

sr_gpeer_t *sr_gossip_peer_by_key(sr_gossip_t *g, const uint8_t *key) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next)
    if (!p->closing && memcmp(p->key, key, SR_KEY_BYTES) == 0) return p;
  return NULL;
}

static void send_hello_and_notes(sr_gpeer_t *p) {
  sr_gossip_t *g = p->g;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  sr_gossip_send_frame(p, &sb, sr_frame_hello(&sb, g->lim.agent ? g->lim.agent : "seurone", g->relay));
  if (g->reach_addr[0]) {
    msgpack_sbuffer_init(&sb);
    sr_gossip_send_frame(p, &sb, sr_frame_reachable(&sb, g->reach_addr));
  }
  sr_gossip_send_our_notes(p, 0);
  /* An empty notes frame ends our first notes: a note of ours that comes after
   * it was sent when its author entered our scope, maybe after the peer's note
   * for it came and was ignored, and asks the peer for its own once more. */
  msgpack_sbuffer_init(&sb);
  sr_gossip_send_frame(p, &sb, sr_frame_notes(&sb, NULL, 0));
  /* Addresses go only where this node's rule allows (may_share), never to a
   * stranger: they say where people are. */
  if (g->h.share_peers && g->h.may_share && g->h.may_share(g->h.ctx, p->key)) {
    const char *addrs[SR_FRAME_MAX_PEERS];
    size_t n = g->h.share_peers(g->h.ctx, addrs, SR_FRAME_MAX_PEERS);
    if (n) {
      msgpack_sbuffer_init(&sb);
      sr_gossip_send_frame(p, &sb, sr_frame_peers(&sb, addrs, n));
    }
  }
}

/* Rate limit for everything that is not a wanted entry. Returns 0 or SR_ERATE. */
static int spend(sr_gpeer_t *p, size_t bytes) {
  p->tok_frames -= 1;
  p->tok_bytes -= (double)bytes;
  return p->tok_frames < 0 || p->tok_bytes < 0 ? SR_ERATE : 0;
}

static int handle(sr_gpeer_t *p, const uint8_t *buf, size_t len) {
  sr_gossip_t *g = p->g;
  sr_frame_t *f = malloc(sizeof(*f));
  int rc = 0;
  if (!f) return SR_ENOMEM;
  if ((rc = sr_frame_decode(buf, len, f))) goto out;
  if (!p->hello && f->kind != SR_FRAME_HELLO) {
    rc = SR_EPROTO;
    goto out;
  }
  if (f->kind != SR_FRAME_ENTRY && (rc = spend(p, len))) goto out;
  switch (f->kind) {
    case SR_FRAME_HELLO:
      if (p->hello) {
        rc = SR_EPROTO;
        goto out;
      }
      if (f->version != SR_PROTO_VERSION) {
        rc = SR_EPROTOVER;
        goto out;
      }
      p->hello = 1;
      p->relay = f->relay;
      if (g->h.session_up) g->h.session_up(g->h.ctx, p, p->key, p->outbound);
      break;
    case SR_FRAME_NOTES:
      if (!f->nnotes) p->first_notes_done = 1; /* the end of its first notes */
      for (uint32_t i = 0; i < f->nnotes; i++) {
        const uint8_t *a = f->notes[i].author;
        if (g->h.own_head && memcmp(a, g->self, SR_KEY_BYTES) == 0) g->h.own_head(g->h.ctx, p->key, f->notes[i].seq);
        if (sr_gossip_fork_noted(p, a)) continue; /* forked here: its proof, not its log */
        /* Outside the scope, or not the peer's to know: ignored, no state kept,
       * and no answer, so the peer cannot tell whether this node holds it. */
        if (!g->h.in_scope(g->h.ctx, a) || !sr_gossip_entitled(p, a)) continue;
        astate_t *s = sr_gossip_astate_find(p, a);
        if (!s && !(s = sr_gossip_astate_get(p, a))) continue; /* AUTHORS_MAX: ignored (logged once) */
        /* The peer named an author we replicate that we have not told it about:
       * answer with our own note, so that it sends us what we lack. Answer
       * also its first note for an author we told it about when the note came
       * after its first notes: the author entered its scope since, and our
       * note may have come before and been ignored (docs/protocol.md). */
        if (!s->told || (p->first_notes_done && !s->wants)) sr_gossip_send_note(p, a, sr_gossip_our_seq(g, a), 1);
        s->wants = 1;
        s->push = (uint8_t)f->notes[i].eager;
        s->their_seq = f->notes[i].seq;
        sr_gossip_head_check(p, s, &f->notes[i]); /* its head is not ours at that seq: a fork */
        uint64_t head = sr_gossip_our_seq(g, s->author);
        if (head > s->their_seq) {
          if (s->push) sr_gossip_enqueue(p, s);
          else
            sr_gossip_send_have(p, s->author, head);
        }
      }
      sr_gossip_pump(p);
      break;
    case SR_FRAME_ENTRY: {
      int r = sr_gossip_take_entry(p, f); /* 3: a duplicate (the peer may have been dropped for too many) */
      if (r < 0) {
        rc = SR_EBADENTRY;
        goto out;
      }
      if (r == 1 && (rc = spend(p, len))) goto out;
      break;
    }
    case SR_FRAME_HAVE: {
      g->st.haves_in++;
      if (g->h.own_head && memcmp(f->author, g->self, SR_KEY_BYTES) == 0) g->h.own_head(g->h.ctx, p->key, f->seq);
      /* A have for an author outside the scope, or one the peer is not entitled
     * to, is ignored (no state kept): the note a graft sends would answer it. */
      if (!g->h.in_scope(g->h.ctx, f->author) || !sr_gossip_entitled(p, f->author)) break;
      astate_t *s = sr_gossip_astate_get(p, f->author);
      if (!s) break; /* AUTHORS_MAX: ignored (logged once) */
      if (s->their_seq < f->seq) s->their_seq = f->seq;
      /* Something we lack was announced: unless the eager path delivers it within
     * GRAFT_DELAY_MS, the announcer is asked to push (promotion back to eager). */
      if (sr_gossip_our_seq(g, f->author) < f->seq) sr_gossip_graft_later(g, p, f->author, f->seq);
      break;
    }
    case SR_FRAME_PEERS:
      for (uint32_t i = 0; i < f->naddrs; i++) {
        char addr[SR_FRAME_ADDR_MAX];
        memcpy(addr, f->addrs[i], f->addr_lens[i]);
        addr[f->addr_lens[i]] = '\0';
        /* A relay of an earlier version announces itself only this way (its
       * own address first); a relay is reachable by definition. */
        if (i == 0 && p->relay) sr_gossip_own_address(p, addr);
        if (g->h.learned_peer) g->h.learned_peer(g->h.ctx, p->key, addr);
      }
      break;
    case SR_FRAME_REACHABLE: {
      char addr[SR_FRAME_ADDR_MAX];
      memcpy(addr, f->addrs[0], f->addr_lens[0]);
      addr[f->addr_lens[0]] = '\0';
      sr_gossip_own_address(p, addr);
      break;
    }
    case SR_FRAME_INVITE: {
      char why[200] = "this node is not a relay";
      msgpack_sbuffer sb;
      /* Every node is asked, not only a relay: the frame also carries a new
       * device's one-time code, which its person's node answers. */
      if (g->h.redeem_invite &&
          g->h.redeem_invite(g->h.ctx, p->key, f->secret, f->label, f->label_len, why, sizeof(why)) == 0)
        break; /* answered once the use is stored (sr_gossip_invite_answer) */
      msgpack_sbuffer_init(&sb);
      sr_gossip_send_frame(p, &sb, sr_frame_invite_reply(&sb, 0, why));
      break;
    }
    case SR_FRAME_FORK:
      if (sr_gossip_take_fork(p, f) < 0) rc = SR_EBADENTRY;
      break;
    case SR_FRAME_INVITE_REPLY:
      if (g->h.invite_reply) g->h.invite_reply(g->h.ctx, p, f->ok, f->reason, f->reason_len);
      break;
    case SR_FRAME_PUSHSUM:
      sr_gossip_pushsum_take(g, f);
      break;
    case SR_FRAME_REFUSED:
      sr_gossip_take_refused(p, f);
      break;
    default:
      break; /* ping, or a later version's frame */
  }
out:
  free(f);
  return rc;
}

/* ---- sr_net_t callbacks ---- */

void sr_gossip_drop(sr_gpeer_t *p, int reason, const char *detail) {
  char k[17];
  if (p->closing) return;
  sr_gossip_short_key(p->key, k);
  sr_gossip_log_conn(p->g, SR_LOG_WARN, "session_drop", p->conn, k, reason, "dropping %s peer %s (%s): %s (%s)%s%s",
                     p->outbound ? "outbound" : "inbound", k, sr_net_conn_log_addr(p->conn), sr_errname(reason),
                     sr_strerror(reason), detail && *detail ? ": " : "", detail ? detail : "");
  if (reason == SR_ERATE) sr_counters_rate_limited(p->tok_dups < 0 ? SR_LIMIT_DUPLICATES : SR_LIMIT_FRAMES);
  p->closing = 1;
  p->drop_reason = reason;
  sr_net_conn_close_logged(p->conn); /* the line above is the end's one line */
}

static int dialer_smaller(const sr_gossip_t *g, const sr_net_conn_t *c) {
  const uint8_t *dialer = c->outbound ? g->self : c->peer_pk;
  const uint8_t *other = c->outbound ? c->peer_pk : g->self;
  return memcmp(dialer, other, SR_KEY_BYTES) < 0;
}

static void on_connected(sr_net_conn_t *c, const uint8_t pk[SR_NET_KEY_BYTES]) {
  sr_gossip_t *g = c->net->data;
  char k[17];
  sr_gossip_short_key(pk, k);
  if (memcmp(pk, g->self, SR_KEY_BYTES) == 0) {
    sr_gossip_log_conn(g, SR_LOG_INFO, "session_refused", c, k, SR_EEXIST, "refusing a connection to ourselves (%s)",
                       sr_net_conn_log_addr(c));
    sr_net_conn_close_logged(c);
    return;
  }
  sr_gpeer_t *dup = sr_gossip_peer_by_key(g, pk);
  if (dup && dup->conn->outbound != c->outbound) {
    /* Both sides dialled each other: keep the connection whose dialer has the
     * smaller key, a rule both ends compute alike. */
    if (dialer_smaller(g, c)) {
      sr_gossip_drop(dup, SR_EEXIST, "a second connection with this peer replaces it");
    } else {
      sr_gossip_log_conn(g, SR_LOG_INFO, "session_refused", c, k, SR_EEXIST, "closing a second connection with %s (%s)",
                         k, sr_net_conn_log_addr(c));
      sr_net_conn_close_logged(c);
      return;
    }
  } else if (dup && !c->outbound) {
    /* A second inbound session from one key (docs/protocol.md): the newer one
     * replaces the older, which is most likely a connection the peer has lost
     * (a restart, a new address) and this node has not noticed yet; keeping both
     * would send everything twice. Two outbound sessions (two addresses of one
     * peer dialled) are kept. */
    sr_gossip_drop(dup, SR_EEXIST, "a newer session from the same key replaces it");
  }
  int standing = c->outbound || !g->h.classify ? SR_GOSSIP_FRIEND : g->h.classify(g->h.ctx, pk);
  if (sr_gossip_make_room(g, standing) != 0) {
    /* No address unless the operator asked for them: a relay refusing a
     * flood would otherwise write its members' IPs. */
    sr_gossip_log_conn(g, SR_LOG_WARN, "session_refused", c, k, SR_ECONNCAP, "refusing %s (%s): %s (%s)", k,
                       sr_net_conn_log_addr(c), sr_errname(SR_ECONNCAP), sr_strerror(SR_ECONNCAP));
    sr_net_conn_close_logged(c);
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
  memcpy(p->key, pk, SR_KEY_BYTES);
  p->outbound = c->outbound;
  p->last_rx = p->last_tx = p->last_progress = p->last_useful = sr_gossip_now(g);
  p->standing = standing;
  p->tok_frames = g->lim.rate_frames_per_s;
  p->tok_bytes = g->lim.rate_bytes_per_s;
  p->tok_dups = (double)g->lim.rate_frames_per_s * DUP_BURST_S;
  c->data = p;
  p->next = g->peers;
  if (g->peers) g->peers->prev = p;
  g->peers = p;
  g->sessions++;
  sr_counters_session_up();
  sr_gossip_log_conn(g, SR_LOG_INFO, "session_start", c, k, 0, "connected %s peer %s (%s)", c->outbound ? "to" : "from",
                     k, sr_net_conn_log_addr(c));
  send_hello_and_notes(p);
}

static void peer_free(sr_gpeer_t *p) {
  free(p->fork_held);
  free(p->tab);
  free(p->pq);
  free(p->rbuf);
  free(p);
}

static void on_message_frames(sr_gpeer_t *p, const uint8_t *buf, size_t len);

/* A hook called from a frame may close every connection (invite accept finishing);
 * the peer then stays allocated until the frames loop has returned. */
static void on_message(sr_net_conn_t *c, const uint8_t *buf, size_t len) {
  sr_gpeer_t *p = c->data;
  if (!p || p->closing) return;
  p->busy++;
  on_message_frames(p, buf, len);
  if (--p->busy == 0 && p->dead) peer_free(p);
}

static void on_message_frames(sr_gpeer_t *p, const uint8_t *buf, size_t len) {
  p->g->st.bytes_in += len;
  sr_counters_bytes_in(len);
  if (p->rlen + len > RBUF_CAP) {
    sr_gossip_drop(p, SR_EFRAMESIZE, NULL);
    return;
  }
  memcpy(p->rbuf + p->rlen, buf, len);
  p->rlen += len;
  size_t off = 0;
  while (!p->closing && !p->dead && off < p->rlen) {
    size_t flen;
    int rc = sr_frame_next(p->rbuf + off, p->rlen - off, &flen);
    if (rc == SR_ETRUNC) break;
    /* Only a whole frame is a sign of life: a peer that trickles a frame one
     * byte per box, each box under the idle timeout, must still time out. */
    if (rc == 0) p->last_rx = sr_gossip_now(p->g);
    if (rc == 0) rc = handle(p, p->rbuf + off, flen);
    if (rc) {
      sr_gossip_drop(
          p,
          rc == SR_EFRAMESIZE || rc == SR_EBADENTRY || rc == SR_ERATE || rc == SR_EPROTO || rc == SR_EPROTOVER
              ? rc
              : SR_EFRAME,
          rc < 0 && rc != SR_EFRAME ? sr_strerror(rc) : NULL);
      return;
    }
    off += flen;
  }
  memmove(p->rbuf, p->rbuf + off, p->rlen - off);
  p->rlen -= off;
}

static void on_drained(sr_net_conn_t *c) {
  sr_gpeer_t *p = c->data;
  if (!p) return;
  if (p->refusing) {
    p->refusing = 0;
    sr_net_conn_close_logged(c);
    return;
  }
  p->last_progress = sr_gossip_now(p->g);
  sr_gossip_pump(p);
}

static void on_closed(sr_net_conn_t *c, int reason) {
  sr_gossip_t *g = c->net->data;
  sr_gpeer_t *p = c->data;
  if (!p) {
    if (g->h.session_down) g->h.session_down(g->h.ctx, c->peer_pk, c->outbound, reason ? reason : SR_ENETEOF);
    return;
  }
  if (p->prev) p->prev->next = p->next;
  else
    g->peers = p->next;
  if (p->next) p->next->prev = p->prev;
  g->sessions--;
  sr_counters_session_down(p->drop_reason ? p->drop_reason : reason);
  if (g->h.session_down) g->h.session_down(g->h.ctx, p->key, p->outbound, p->drop_reason ? p->drop_reason : reason);
  c->data = NULL;
  p->conn = NULL;
  p->closing = 1;
  if (p->busy) p->dead = 1;
  else
    peer_free(p);
}

static void on_net_log(sr_net_t *n, const char *line) { emit(n->data, line); }

void sr_gossip_net_callbacks(sr_net_callbacks_t *cb) {
  cb->connected = on_connected;
  cb->message = on_message;
  cb->drained = on_drained;
  cb->closed = on_closed;
  cb->log = on_net_log;
}

/* ---- public ---- */

int sr_gossip_init(sr_gossip_t **out, sr_net_t *net, sr_store_t *store, const uint8_t self[SR_KEY_BYTES], int relay,
                   const sr_gossip_limits_t *limits, const sr_gossip_hooks_t *hooks) {
  sr_gossip_t *g = calloc(1, sizeof(*g));
  if (!g) return SR_ENOMEM;
  g->net = net;
  g->store = store;
  if (sr_store_reader_new(store, &g->reader)) {
    free(g);
    return SR_ENOMEM;
  }
  memcpy(g->self, self, SR_KEY_BYTES);
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
  if (sr_gossip_forked_load(g)) /* a store that cannot be read: the node reports it soon enough */
    sr_gossip_log(g, SR_LOG_ERROR, "forks_read_failed", "could not read the forked authors: %s",
                  sr_store_errmsg(store));
  *out = g;
  return 0;
}

void sr_gossip_shutdown(sr_gossip_t *g) {
  g->retry_due = 0;   /* a batch waiting for its retry gets one last try */
  sr_gossip_flush(g); /* a batch in flight finishes on its own; batch_done flushes the rest */
  g->stopping = 1;
  for (sr_gpeer_t *p = g->peers; p; p = p->next)
    if (!p->closing) {
      p->closing = 1;
      if (sr_net_conn_goodbye(p->conn)) {
        /* best effort: the node is stopping and sr_net_close ends every connection next */
      }
    }
  uv_close((uv_handle_t *)&g->flusher, NULL);
  uv_close((uv_handle_t *)&g->flush_timer, NULL);
  uv_close((uv_handle_t *)&g->graft_timer, NULL);
  uv_close((uv_handle_t *)&g->ps_timer, NULL);
}

void sr_gossip_free(sr_gossip_t *g) {
  if (!g) return;
  if (g->retry) sr_gossip_batch_free(g->retry); /* only when the loop ended before its last try */
  sr_gossip_proof_batch_free(g->proofs);        /* never started: the node stopped */
  free(g->forked);
  sr_store_reader_free(g->reader);
  free(g);
}

void sr_gossip_publish(sr_gossip_t *g, const uint8_t *raw, size_t len) {
  sr_entry_t e;
  if (sr_entry_decode(raw, len, &e) == 0) sr_gossip_forward(g, &e, 0, NULL);
}

void sr_gossip_scope_changed(sr_gossip_t *g) {
  for (sr_gpeer_t *p = g->peers; p; p = p->next)
    if (p->hello && !p->closing) sr_gossip_send_our_notes(p, 1);
}

void sr_gossip_tick(sr_gossip_t *g, uint64_t now) {
  for (sr_gpeer_t *p = g->peers, *next; p; p = next) {
    next = p->next;
    if (p->closing) continue;
    p->tok_frames = p->tok_frames + g->lim.rate_frames_per_s > g->lim.rate_frames_per_s
                        ? g->lim.rate_frames_per_s
                        : p->tok_frames + g->lim.rate_frames_per_s;
    p->tok_bytes = p->tok_bytes + g->lim.rate_bytes_per_s > g->lim.rate_bytes_per_s
                       ? g->lim.rate_bytes_per_s
                       : p->tok_bytes + g->lim.rate_bytes_per_s;
    double dmax = (double)g->lim.rate_frames_per_s * DUP_BURST_S;
    p->tok_dups = p->tok_dups + g->lim.rate_frames_per_s > dmax ? dmax : p->tok_dups + g->lim.rate_frames_per_s;
    size_t q = sr_net_conn_queued(p->conn);
    if (q == 0) p->last_progress = now;
    if (p->paused) p->last_rx = now; /* not reading it is our doing */
    if (now - p->last_rx > g->lim.idle_timeout_ms) {
      sr_gossip_drop(p, SR_EIDLE, NULL);
    } else if (q > g->lim.max_queue_bytes || (q > 0 && now - p->last_progress > g->lim.idle_timeout_ms)) {
      sr_gossip_drop(p, SR_ESLOWPEER, NULL);
    } else {
      if (now - p->last_tx > g->lim.idle_timeout_ms / 3) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        sr_gossip_send_frame(p, &sb, sr_frame_ping(&sb));
      }
      sr_gossip_pump(p);
    }
  }
}
