/* gossip_ebt.c: what a session knows of the peer per author, the notes that
 * ask it for pushes (eager) or announcements (lazy), and the delayed promotion
 * back to eager (Plumtree's graft) -- epidemic broadcast trees over sessions
 * (docs/protocol.md). */
#include "net/gossip_internal.h"
#include "core/core.h"
#include "core/frame.h"
#include <stdlib.h>
#include <string.h>

/* ---- per-peer author table (open addressing) ---- */

static size_t slot_of(const uint8_t *a, size_t cap) {
  uint64_t h;
  memcpy(&h, a, sizeof h); /* keys are uniformly random already */
  return (size_t)h & (cap - 1);
}

astate_t *sr_gossip_astate_find(sr_gpeer_t *p, const uint8_t *a) {
  if (!p->cap) return NULL;
  for (size_t i = slot_of(a, p->cap);; i = (i + 1) & (p->cap - 1)) {
    if (!p->tab[i].used) return NULL;
    if (memcmp(p->tab[i].author, a, SR_KEY_BYTES) == 0) return &p->tab[i];
  }
}

astate_t *sr_gossip_astate_get(sr_gpeer_t *p, const uint8_t *a) {
  astate_t *s = sr_gossip_astate_find(p, a);
  if (s) return s;
  if (p->used >= AUTHORS_MAX) {
    if (!p->cap_logged) {
      char k[17];
      sr_gossip_short_key(p->key, k);
      sr_gossip_log(p->g, SR_LOG_WARN, "authors_capped",
                    "peer %s: %d authors tracked in one session; notes and haves for others are ignored", k,
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
  memcpy(p->tab[i].author, a, SR_KEY_BYTES);
  p->tab[i].used = 1;
  p->used++;
  return &p->tab[i];
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
int sr_gossip_announce(const sr_gpeer_t *p, const uint8_t *author) {
  return !p->g->relay || p->friend || memcmp(author, p->g->self, SR_KEY_BYTES) == 0 ||
         memcmp(author, p->key, SR_KEY_BYTES) == 0;
}

int sr_gossip_entitled(const sr_gpeer_t *p, const uint8_t *author) {
  const sr_gossip_t *g = p->g;
  return sr_gossip_announce(p, author) || (g->h.may_share && g->h.may_share(g->h.ctx, author) == 1);
}

int sr_gossip_is_friend(sr_gpeer_t *p) {
  sr_gossip_t *g = p->g;
  return g->h.may_share && g->h.may_share(g->h.ctx, p->key) == 1;
}

void sr_gossip_send_note(sr_gpeer_t *p, const uint8_t *author, uint64_t seq, int eager) {
  msgpack_sbuffer sb;
  sr_note_t n = {author, seq, eager, NULL};
  sr_head_t h;
  /* The id of our entry seq, when it is our head: a peer with another one sees the fork. */
  sr_gossip_our_head(p->g, author, &h);
  if (seq && h.seq == seq) n.head = h.id;
  astate_t *s = sr_gossip_astate_get(p, author);
  if (s) {
    s->told = 1;
    s->asked_eager = (uint8_t)eager;
    if (eager) {
      s->taken = seq; /* what follows seq is asked for again: not a resend */
      s->asked_seq = seq > UINT32_MAX ? UINT32_MAX : (uint32_t)seq;
    }
  }
  msgpack_sbuffer_init(&sb);
  sr_gossip_send_frame(p, &sb, sr_frame_notes(&sb, &n, 1));
}

void sr_gossip_send_have(sr_gpeer_t *p, const uint8_t *author, uint64_t seq) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  if (sr_gossip_send_frame(p, &sb, sr_frame_have(&sb, author, seq)) == 0) p->g->st.haves_out++;
}

/* ---- delayed promotion (Plumtree's graft timer) ---- */

static void on_graft_timer(uv_timer_t *t) {
  sr_gossip_t *g = t->data;
  uint64_t now = sr_gossip_now(g);
  size_t keep = 0;
  for (size_t i = 0; i < g->ngrafts; i++) {
    graft_t *gr = &g->grafts[i];
    if (gr->due > now) {
      g->grafts[keep++] = *gr;
      continue;
    }
    uint64_t have = sr_gossip_our_seq(g, gr->author);
    sr_gpeer_t *p = have < gr->seq ? sr_gossip_peer_by_key(g, gr->peer) : NULL;
    if (p && p->hello) {
      sr_gossip_send_note(p, gr->author, have, 1);
      g->st.grafts++;
    }
  }
  g->ngrafts = keep;
  if (!keep) uv_timer_stop(&g->graft_timer);
}

void sr_gossip_graft_later(sr_gossip_t *g, sr_gpeer_t *p, const uint8_t *author, uint64_t seq) {
  /* One pending graft per author, for the highest seq announced, due when the
   * first announcement came: one per have would send the peer a note per have,
   * and each note makes it push the same entries again. */
  for (size_t i = 0; i < g->ngrafts; i++)
    if (memcmp(g->grafts[i].author, author, SR_KEY_BYTES) == 0) {
      if (g->grafts[i].seq < seq) g->grafts[i].seq = seq;
      return;
    }
  if (g->ngrafts == GRAFT_MAX) {
    sr_gossip_send_note(p, author, sr_gossip_our_seq(g, author), 1); /* no room to wait: ask now */
    return;
  }
  graft_t *gr = &g->grafts[g->ngrafts++];
  memcpy(gr->peer, p->key, SR_KEY_BYTES);
  memcpy(gr->author, author, SR_KEY_BYTES);
  gr->seq = seq;
  gr->since = sr_gossip_now(g);
  gr->due = gr->since + GRAFT_DELAY_MS;
  if (!uv_is_active((uv_handle_t *)&g->graft_timer))
    uv_timer_start(&g->graft_timer, on_graft_timer, GRAFT_TICK_MS, GRAFT_TICK_MS);
}

/* The eager copy of e came from `slow` while a graft for it waited: a lazy
 * peer announced it first. Much earlier (SWAP_MS), and that peer's path is
 * the faster one now: it is asked to push and `slow` to announce, so the tree
 * follows the network's delays as they change, a swap for the price of at
 * most a duplicate or two. The author's own node is never swapped out. */
void sr_gossip_graft_arrived(sr_gossip_t *g, sr_gpeer_t *slow, const sr_entry_t *e) {
  for (size_t i = 0; i < g->ngrafts; i++) {
    graft_t *gr = &g->grafts[i];
    if (memcmp(gr->author, e->author, SR_KEY_BYTES) != 0) continue;
    if (gr->seq > e->seq) return; /* still waiting for more than this one */
    uint64_t waited = sr_gossip_now(g) - gr->since;
    sr_gpeer_t *fast = sr_gossip_peer_by_key(g, gr->peer);
    if (waited >= SWAP_MS && fast && fast != slow && fast->hello && !fast->closing &&
        memcmp(slow->key, e->author, SR_KEY_BYTES) != 0) {
      uint64_t have = sr_gossip_our_seq(g, e->author);
      sr_gossip_send_note(fast, e->author, have, 1);
      sr_gossip_send_note(slow, e->author, have, 0);
      g->st.swaps++;
    }
    g->grafts[i] = g->grafts[--g->ngrafts]; /* answered: the timer has nothing to do for it */
    return;
  }
}

/* ---- one eager path per author (the tree) ---- */

/* Plumtree prunes a path when a duplicate comes over it, so a tree takes an
 * entry per redundant path to build; with a few entries per author (most
 * authors, in a network of more than a few dozen nodes) the duplicates never
 * stop. Here the first copy of an entry decides at once: the session it came
 * over stays eager, every other one is asked to announce only, before its
 * copy is sent. A session with the author's own node is never pruned (its
 * copies come first), and a new session asks for pushes of only those authors
 * no other session pushes (sr_gossip_send_our_notes). A path that stops
 * delivering is replaced by the graft below. */

/* What a note of ours that is not a graft, a swap or a gap asks p for the author:
 * pushes from the author's own node, or where no other session pushes it. */
int sr_gossip_want_eager(const sr_gpeer_t *p, const uint8_t *author) {
  return memcmp(author, p->key, SR_KEY_BYTES) == 0 || !sr_gossip_other_eager(p->g, p, author);
}

int sr_gossip_other_eager(const sr_gossip_t *g, const sr_gpeer_t *p, const uint8_t *author) {
  for (sr_gpeer_t *q = g->peers; q; q = q->next) {
    if (q == p || !q->hello || q->closing) continue;
    const astate_t *s = sr_gossip_astate_find(q, author);
    if (s && s->told && s->asked_eager) return 1;
  }
  return 0;
}

void sr_gossip_prune(sr_gpeer_t *q, astate_t *s, const uint8_t *author) {
  if (!s->told || !s->asked_eager || memcmp(q->key, author, SR_KEY_BYTES) == 0) return;
  sr_gossip_send_note(q, author, sr_gossip_our_seq(q->g, author), 0);
  q->g->st.prunes++;
}

/* Plumtree's own rule: a peer that pushed what we hold is asked to announce
 * only, unless it is the author's last eager path here (the copy that came
 * first may have been one pushed before our note to announce arrived), or the
 * path the author's first copies come over (astate_t's pending and parent), or
 * the copy is one pushed before our last note asking for pushes (asked_seq). */
void sr_gossip_prune_dup(sr_gpeer_t *p, astate_t *s, const uint8_t *author, uint64_t seq) {
  /* the cheap tests first: a duplicate flood must not scan every session per copy */
  if (s->told && s->asked_eager && !s->pending && !s->parent && seq > s->asked_seq &&
      sr_gossip_other_eager(p->g, p, author))
    sr_gossip_prune(p, s, author);
}

/* ---- first notes: the scope announced at the start of a session ---- */

void sr_gossip_send_our_notes(sr_gpeer_t *p, int only_new) {
  sr_gossip_t *g = p->g;
  const uint8_t(*keys)[SR_KEY_BYTES] = NULL;
  size_t n = g->h.scope_keys ? g->h.scope_keys(g->h.ctx, &keys) : 0;
  sr_note_t notes[SR_FRAME_MAX_NOTES_HEADS];
  uint8_t heads[SR_FRAME_MAX_NOTES_HEADS][SR_ID_BYTES];
  size_t k = 0;
  /* Unprompted, a peer hears only of authors it is entitled to: a stranger
   * learns nothing of whom this node follows or who its members are. */
  p->friend = sr_gossip_is_friend(p);
  for (size_t i = 0; i <= n; i++) {
    if (i < n) {
      if (!sr_gossip_announce(p, keys[i])) continue;
      astate_t *s = sr_gossip_astate_get(p, keys[i]);
      if (!s || (only_new && s->told)) continue;
      sr_head_t h;
      int eager = sr_gossip_want_eager(p, keys[i]);
      s->told = 1;
      s->asked_eager = (uint8_t)eager;
      sr_gossip_our_head(g, keys[i], &h);
      memcpy(heads[k], h.id, SR_ID_BYTES);
      notes[k].author = keys[i];
      notes[k].seq = h.seq;
      notes[k].eager = eager;
      notes[k].head = h.seq ? heads[k] : NULL; /* what we hold at seq: a peer with another entry sees the fork */
      k++;
    }
    if (k && (k == SR_FRAME_MAX_NOTES_HEADS || i == n)) {
      msgpack_sbuffer sb;
      msgpack_sbuffer_init(&sb);
      sr_gossip_send_frame(p, &sb, sr_frame_notes(&sb, notes, k));
      k = 0;
    }
  }
}
