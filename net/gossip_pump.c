/* gossip_pump.c: streaming stored entries to a peer, oldest first, while its
 * write queue is under HIGH_WATER, and offering newly stored entries to the
 * peers that want them. */
#include "net/gossip_internal.h"
#include "core/core.h"
#include "core/frame.h"
#include "core/counters.h"
#include "core/content.h"
#include <stdlib.h>
#include <string.h>

int sr_gossip_send_entry(sr_gpeer_t *p, const uint8_t *raw, size_t len, uint64_t hops, int ctype) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  int rc = sr_gossip_send_frame(p, &sb, sr_frame_entry(&sb, raw, len, hops));
  if (rc == 0) {
    p->entries_out++;
    p->g->st.entries_out++;
    if (ctype < 0) { /* from the store: its type read off the bytes (no signature check) */
      sr_entry_t e;
      ctype = sr_entry_decode(raw, len, &e) == 0 ? (int)sr_content_type_of(&e) : SR_CT_OTHER;
    }
    sr_counters_entry_out(ctype);
  }
  return rc;
}

void sr_gossip_enqueue(sr_gpeer_t *p, astate_t *s) {
  if (s->queued) return;
  if (p->pq_len == p->pq_cap) {
    size_t ncap = p->pq_cap ? p->pq_cap * 2 : 64;
    uint8_t(*nq)[SR_KEY_BYTES] = malloc(ncap * SR_KEY_BYTES);
    if (!nq) return;
    for (size_t i = 0; i < p->pq_len; i++) memcpy(nq[i], p->pq[(p->pq_head + i) % p->pq_cap], SR_KEY_BYTES);
    free(p->pq);
    p->pq = nq;
    p->pq_cap = ncap;
    p->pq_head = 0;
  }
  memcpy(p->pq[(p->pq_head + p->pq_len) % p->pq_cap], s->author, SR_KEY_BYTES);
  p->pq_len++;
  s->queued = 1;
}

/* The head seq of author as the pump's reader sees it (0: none held). */
static uint64_t reader_seq(sr_gossip_t *g, const uint8_t *author) {
  sr_head_t h;
  if (sr_store_reader_get_head(g->reader, author, &h)) return 0;
  return h.seq;
}

/* Streams stored entries the peer lacks, oldest first, while its queue has room.
 * All reads of one call share one read transaction (g->reader), released before
 * returning: held across a return to the loop, it would keep a map resize
 * waiting (store.h, sr_store_reader_t). */
void sr_gossip_pump(sr_gpeer_t *p) {
  static uint8_t buf[SR_ENTRY_MAX];
  sr_gossip_t *g = p->g;
  while (!p->closing && p->pq_len && sr_net_conn_queued(p->conn) < HIGH_WATER) {
    uint8_t author[SR_KEY_BYTES];
    memcpy(author, p->pq[p->pq_head], SR_KEY_BYTES);
    astate_t *s = sr_gossip_astate_find(p, author);
    uint64_t head = reader_seq(g, author);
    int done = !s || !s->push || s->their_seq >= head;
    for (int i = 0; !done && i < PUMP_CHUNK && sr_net_conn_queued(p->conn) < HIGH_WATER; i++) {
      size_t len;
      sr_flow_t flow;
      if (sr_store_reader_get_by_seq(g->reader, author, s->their_seq + 1, buf, sizeof(buf), &len, &flow) != 0) {
        done = 1;
        break;
      }
      if (sr_gossip_send_entry(p, buf, len, flow.hops, -1) != 0) goto out;
      s->their_seq++;
      done = s->their_seq >= head;
    }
    if (done) {
      if (s) s->queued = 0;
      p->pq_head = (p->pq_head + 1) % p->pq_cap;
      p->pq_len--;
    }
  }
out:
  sr_store_reader_release(g->reader);
}

/* Offers one newly stored entry to every peer that wants its author. An entry
 * that came from a peer (except) makes that session the author's one eager
 * path here: the others are asked to announce only (gossip_ebt.c). */
void sr_gossip_forward(sr_gossip_t *g, const sr_entry_t *e, uint64_t hops, const uint8_t *except) {
  /* Only a copy over a path we asked to push prunes the others: one pushed
   * before our note asking it to announce arrived would leave no eager path. */
  sr_gpeer_t *from = except ? sr_gossip_peer_by_key(g, except) : NULL;
  astate_t *fs = from ? sr_gossip_astate_find(from, e->author) : NULL;
  int prune = fs && fs->told && fs->asked_eager;
  if (prune) fs->parent = 1;
  for (sr_gpeer_t *q = g->peers; q; q = q->next) {
    if (!q->hello || q->closing || q == from) continue;
    astate_t *s = sr_gossip_astate_find(q, e->author);
    if (!s) continue;
    if (prune) {
      s->parent = 0;
      sr_gossip_prune(q, s, e->author);
    }
    if (!s->wants || !sr_gossip_entitled(q, e->author)) continue;
    if (s->their_seq >= e->seq) {
      sr_gossip_branch_check(q, s, e);
      continue;
    }
    if (!s->push) {
      sr_gossip_send_have(q, e->author, e->seq);
    } else if (s->their_seq + 1 < e->seq || sr_net_conn_queued(q->conn) >= HIGH_WATER) {
      sr_gossip_enqueue(q, s); /* behind, or its queue is full: the pump catches it up from the store */
      sr_gossip_pump(q);
    } else if (sr_gossip_send_entry(q, e->raw, e->raw_len, hops, (int)sr_content_type_of(e)) == 0) {
      s->their_seq = e->seq;
    }
  }
  /* after the prunes above, which would undo a swap */
  if (from) sr_gossip_graft_arrived(g, from, e);
}
