/* peer_table.c: the running node's peer table (daemon_internal.h): who is
 * known, dialing with backoff through each peer's addresses, learned peers
 * within the table's bounds (store/peers.h, "The rules of the peer table"),
 * the gossip hooks that feed it and the control socket's `peer add` and
 * `peer remove`. Loop thread only, but the records' writes.
 *
 * While the node runs, the table in memory is the truth and the store's peers
 * follow it: each change queues the record's write on the node's queue of
 * small writes (job.c), so no write transaction runs on the loop, and the
 * writes reach the store in the order they were made. Until a write commits
 * the store lags memory; peer_get reads through the queued writes, so the node
 * reads back what it wrote.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/members.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

known_t *sr_node_known_find(sr_node_t *n, const uint8_t *key) {
  for (size_t i = 0; i < n->nknown; i++)
    if (memcmp(n->known[i].rec.key, key, SR_KEY_BYTES) == 0) return &n->known[i];
  return NULL;
}

/* ---- the records in the store ---- */

struct peer_op {
  sr_node_job_t job; /* first */
  int del;           /* delete rec.key, else put rec */
  sr_peer_rec_t rec;
  int rc;
  char why[300];
  sr_node_done_cb done; /* a control request waiting for the commit, or NULL */
  void *arg;
  json_t *out;     /* what done gets on success */
  peer_op_t *next; /* n's queued record writes, oldest first */
};

static void op_work(sr_node_job_t *w) {
  peer_op_t *o = (peer_op_t *)w;
  sr_store_t *st = w->n->store;
  o->rc = o->del ? sr_store_peer_del(st, o->rec.key) : sr_store_peer_put(st, &o->rec);
  if (o->del && o->rc == SR_ENOTFOUND) o->rc = 0; /* only in memory (a bootstrap line) */
  sr_node_store_why(w->n, o->rc, o->why, sizeof(o->why));
}

static void op_done(sr_node_job_t *w) {
  peer_op_t *o = (peer_op_t *)w;
  sr_node_t *n = w->n;
  char who[17], err[400];
  /* the queue runs its writes in order: this is the oldest */
  if (!(n->peer_ops = o->next)) n->peer_ops_tail = NULL;
  if (o->rc) {
    sr_node_short_key(o->rec.key, who);
    snprintf(err, sizeof(err), "%s", o->why[0] ? o->why : sr_strerror(o->rc));
    sr_node_log(n, SR_LOG_WARN, "peer_save_failed", "could not %s peer %s: %s", o->del ? "drop" : "save", who, err);
    json_decref(o->out);
    o->out = NULL;
    if (o->done) {
      char msg[450];
      snprintf(msg, sizeof(msg), "cannot write the peer table: %s", err);
      o->done(o->arg, o->rc, msg, NULL);
    }
  } else if (o->done) {
    o->done(o->arg, 0, NULL, o->out);
  } else {
    json_decref(o->out);
  }
  free(o);
}

/* Queues the put of rec (the delete of rec->key when del); done, when given,
 * gets out once it is committed. 0, or SR_ENOMEM (then nothing is queued and
 * out is released). */
static int peer_write(sr_node_t *n, int del, const sr_peer_rec_t *rec, sr_node_done_cb done, void *arg, json_t *out) {
  peer_op_t *o = calloc(1, sizeof(*o));
  if (!o) {
    json_decref(out);
    return SR_ENOMEM;
  }
  o->del = del;
  o->rec = *rec;
  o->done = done;
  o->arg = arg;
  o->out = out;
  if (n->peer_ops_tail) n->peer_ops_tail->next = o;
  else
    n->peer_ops = o;
  n->peer_ops_tail = o;
  sr_node_write(n, &o->job, op_work, op_done);
  return 0;
}

/* The record of key as the store holds it once the queued writes are in:
 * the newest queued write of key, else the store's. */
static int peer_get(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], sr_peer_rec_t *out) {
  const peer_op_t *last = NULL;
  for (const peer_op_t *o = n->peer_ops; o; o = o->next)
    if (memcmp(o->rec.key, key, SR_KEY_BYTES) == 0) last = o;
  if (!last) return sr_store_peer_get(n->store, key, out);
  if (last->del) return SR_ENOTFOUND;
  *out = last->rec;
  return 0;
}

/* Drops the entry at i, in memory and in the store. A dial in flight or a
 * live session finds no entry and is not recorded. */
void sr_node_known_drop(sr_node_t *n, size_t i) {
  char who[17];
  if (peer_write(n, 1, &n->known[i].rec, NULL, NULL, NULL)) {
    sr_node_short_key(n->known[i].rec.key, who);
    sr_node_log(n, SR_LOG_WARN, "peer_save_failed", "could not drop peer %s: %s", who, sr_strerror(SR_ENOMEM));
  }
  memmove(&n->known[i], &n->known[i + 1], (n->nknown - i - 1) * sizeof(n->known[0]));
  n->nknown--;
}

/* A given peer finds the table full: it takes the place of the learned entry
 * learned longest ago, else of the working non-given one seen longest ago
 * (store/peers.h); never of a given one, nor of one dialing or connected.
 * 0 when a place was made. */
static int known_make_room(sr_node_t *n) {
  size_t victim = SIZE_MAX;
  int vlearned = 0;
  uint64_t vwhen = UINT64_MAX;
  for (size_t i = 0; i < n->nknown; i++) {
    known_t *k = &n->known[i];
    if ((k->rec.flags & SR_PEER_GIVEN) || k->dialing || sr_gossip_connected(n->g, k->rec.key)) continue;
    int learned = !sr_peer_kept(&k->rec);
    uint64_t when = learned ? k->rec.learned_ms : k->rec.last_seen_ms;
    if (learned > vlearned || (learned == vlearned && when < vwhen)) {
      victim = i;
      vlearned = learned;
      vwhen = when;
    }
  }
  if (victim == SIZE_MAX) return -1;
  sr_node_known_drop(n, victim);
  return 0;
}

/* Finds or makes the entry of key and adds address (NULL: none) to its list:
 * an address new to it goes after the ones that worked, so a typo never
 * displaces a working address. Only a given peer (flags in SR_PEER_GIVEN) may
 * make room in a full table. */
known_t *sr_node_known_add(sr_node_t *n, const uint8_t *key, const char *address, uint8_t flags) {
  known_t *k = sr_node_known_find(n, key);
  if (!k) {
    if (memcmp(key, n->pk, SR_KEY_BYTES) == 0) return NULL;
    if (n->nknown == MAX_KNOWN && (!(flags & SR_PEER_GIVEN) || known_make_room(n) != 0)) return NULL;
    k = &n->known[n->nknown++];
    memset(k, 0, sizeof(*k));
    memcpy(k->rec.key, key, SR_KEY_BYTES);
  }
  int rc = address ? sr_peer_addr_add(&k->rec, address) : 0;
  if (rc < 0) /* an index, or SR_EINVAL; the address itself stays out of the log */
    sr_node_log(n, SR_LOG_WARN, "peer_table_full", "a peer's address was left out of the peer table: %s",
                sr_strerror(rc));
  k->rec.flags |= flags;
  if (address || flags) k->nearby_only = 0; /* known otherwise now: a record like any other */
  return k;
}

static void known_save(sr_node_t *n, known_t *k) {
  char who[17];
  if (k->nearby_only) return; /* met on a local network only: nothing of it goes to disk */
  if (peer_write(n, 0, &k->rec, NULL, NULL, NULL)) {
    sr_node_short_key(k->rec.key, who);
    sr_node_log(n, SR_LOG_WARN, "peer_save_failed", "could not save peer %s: %s", who, sr_strerror(SR_ENOMEM));
  }
}

/* Whether one more learned peer from source fits the table's bounds
 * (store/peers.h): SR_PEER_LEARNED_MAX in all, SR_PEER_LEARNED_PER_SOURCE from
 * one source, and room left in the table. */
static int learned_fits(sr_node_t *n, const uint8_t *source) {
  size_t learned = 0, same = 0;
  if (n->nknown == MAX_KNOWN) return 0;
  for (size_t i = 0; i < n->nknown; i++) {
    if (sr_peer_kept(&n->known[i].rec) || n->known[i].nearby_only) continue; /* nearby: bounded apart */
    learned++;
    same += memcmp(n->known[i].rec.source, source, SR_KEY_BYTES) == 0;
  }
  return learned < SR_PEER_LEARNED_MAX && same < SR_PEER_LEARNED_PER_SOURCE;
}

/* Makes the learned entry of key (not in the table yet) from what source said. */
static known_t *known_learn(sr_node_t *n, const uint8_t *source, const uint8_t *key, const char *address) {
  if (!learned_fits(n, source)) return NULL;
  known_t *k = sr_node_known_add(n, key, address, SR_PEER_LEARNED);
  if (k) {
    k->rec.learned_ms = sr_node_now_ms();
    memcpy(k->rec.source, source, SR_KEY_BYTES);
  }
  return k;
}

typedef struct {
  sr_node_t *n;
  int kept; /* this pass loads the kept peers (1) or the learned ones (0) */
} load_arg_t;

/* Two passes over the store: the kept peers first, so learned ones never take
 * their places and they are dialled first; then the learned ones within the
 * table's bounds. */
static int load_peer(void *ctx, const sr_peer_rec_t *p) {
  load_arg_t *a = ctx;
  sr_node_t *n = a->n;
  known_t *k;
  if (sr_peer_kept(p) != a->kept) return 0;
  if (!a->kept && (sr_peer_learned_stale(p, sr_node_now_ms()) || !learned_fits(n, p->source))) return 0;
  if ((k = sr_node_known_add(n, p->key, NULL, 0))) {
    k->rec = *p;
    k->rec.next_attempt_ms = 0; /* a restart tries everyone once */
  }
  return 0;
}

static const char *dial_class_name(const sr_peer_rec_t *p) {
  if (p->flags & SR_PEER_GIVEN) return "given";
  return sr_peer_kept(p) ? "working" : "learned";
}

static void backoff(sr_node_t *n, known_t *k, uint64_t now) {
  int kept = sr_peer_kept(&k->rec);
  uint64_t cap = kept ? KEPT_BACKOFF_MAX_MS : BACKOFF_MAX_MS;
  k->rec.failures++;
  if (k->rec.score > -1000) k->rec.score--;
  uint64_t wait = (uint64_t)TICK_MS << (k->rec.failures < 9 ? k->rec.failures : 9);
  if (wait > cap) wait = cap;
  k->rec.next_attempt_ms = now + wait;
  /* Said while the wait still grows and once at the cap, not at every round. */
  uint32_t f = k->rec.failures - 1;
  uint64_t prev = f ? (uint64_t)TICK_MS << (f < 9 ? f : 9) : 0;
  if (kept && prev < cap) {
    char who[17];
    sr_node_short_key(k->rec.key, who);
    sr_node_log_peer(n, SR_LOG_INFO, "peer_unreachable", who,
                     "peer %s unreachable (%u round%s of dials failed): next try in %llu s", who, k->rec.failures,
                     k->rec.failures == 1 ? "" : "s", (unsigned long long)(wait / 1000));
  }
}

/* Dials the next address of k's list; one that does not parse (the store does
 * not check them) is counted as failed and skipped. */
static void dial(sr_node_t *n, known_t *k) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[SR_KEY_BYTES];
  sr_net_conn_t *c;
  for (; k->next_addr < k->rec.naddrs; k->next_addr++) {
    const char *a = k->rec.addrs[k->next_addr].address;
    if (sr_net_address_parse(a, host, sizeof(host), &port, key) != 0 || memcmp(key, k->rec.key, SR_KEY_BYTES) != 0) {
      sr_peer_addr_failed(&k->rec, k->next_addr);
      continue;
    }
    if (sr_net_dial(&n->net, host, port, key, NULL, &c) != 0) {
      sr_peer_addr_failed(&k->rec, k->next_addr);
      continue;
    }
    snprintf(k->dial_addr, sizeof(k->dial_addr), "%s", a);
    k->dialing = 1;
    char who[17];
    sr_node_short_key(k->rec.key, who);
    sr_node_log_peer(n, SR_LOG_INFO, "dial", who, "dialing %s (%s)", who, dial_class_name(&k->rec));
    return;
  }
  /* Nothing left to dial in this round: wait as after a round of failed dials. */
  k->next_addr = 0;
  backoff(n, k, sr_node_now_ms());
  known_save(n, k);
}

/* Who is dialled first: given peers (0), then learned ones that worked (1),
 * then learned ones never reached (2). */
static int dial_class(const sr_peer_rec_t *p) {
  if (p->flags & SR_PEER_GIVEN) return 0;
  return sr_peer_kept(p) ? 1 : 2;
}

void sr_node_dial_due(sr_node_t *n, uint64_t now) {
  sr_gossip_stats_t gs;
  size_t dialing = 0, kept_dialing = 0;
  sr_gossip_stats(n->g, &gs);
  for (size_t i = 0; i < n->nknown; i++) {
    dialing += n->known[i].dialing;
    kept_dialing += n->known[i].dialing && dial_class(&n->known[i].rec) < 2;
  }
  for (int cls = 0; cls < 3; cls++) {
    /* Learned addresses are for finding the network, not for reshaping it: only
     * dialled while this node has no session at all; and one never reached
     * waits until no dial to a given or working peer is in flight, so a table
     * full of made-up addresses never delays those. */
    if (cls > 0 && gs.sessions > 0) break;
    if (cls == 2 && kept_dialing > 0) break;
    for (size_t i = 0; i < n->nknown && dialing < MAX_OUTBOUND; i++) {
      known_t *k = &n->known[i];
      if (dial_class(&k->rec) != cls || k->dialing || !k->rec.naddrs || sr_gossip_connected(n->g, k->rec.key) ||
          k->rec.next_attempt_ms > now)
        continue;
      dial(n, k);
      dialing += k->dialing;
      kept_dialing += k->dialing && cls < 2;
    }
  }
}

/* A session came up: the network works (again). Given and working peers
 * waiting out a backoff are dialled at the next tick rather than when their
 * wait ends: after a partition, one peer coming back brings the others. */
static void wake_kept(sr_node_t *n, const uint8_t *except, uint64_t now) {
  size_t woken = 0;
  /* At most once per longest wait: a peer reconnecting over and over must not
   * turn into a dial per tick to peers that are down. */
  if (n->woke_ms && now - n->woke_ms < KEPT_BACKOFF_MAX_MS) return;
  n->woke_ms = now;
  for (size_t i = 0; i < n->nknown; i++) {
    known_t *k = &n->known[i];
    if (dial_class(&k->rec) > 1 || k->dialing || k->rec.next_attempt_ms <= now + TICK_MS ||
        !memcmp(k->rec.key, except, SR_KEY_BYTES) || sr_gossip_connected(n->g, k->rec.key))
      continue;
    k->rec.next_attempt_ms = now;
    woken++;
  }
  if (woken)
    sr_node_log(n, SR_LOG_INFO, "dial_again", "a session came up: dialing %zu unreachable peer%s again now", woken,
                woken == 1 ? "" : "s");
}

static void h_session_up(void *ctx, sr_gpeer_t *p, const uint8_t key[SR_KEY_BYTES], int outbound) {
  sr_node_t *n = ctx;
  known_t *k = sr_node_known_find(n, key);
  uint64_t now = sr_node_now_ms();
  int ai;
  (void)p;
  /* A member this relay removed is served nothing (node/members.c). */
  if (sr_node_member_removed(n, key)) {
    sr_gossip_refuse_key(n->g, key, SR_EMEMBERREMOVED, "the relay's operator removed it");
    return;
  }
  wake_kept(n, key, now);
  if (!k) return;
  k->reach[0] = '\0'; /* it says again in this session if it still is reachable */
  /* The address dialled works: it goes to the front of the list. */
  if (outbound && k->dialing && (ai = sr_peer_addr_find(&k->rec, k->dial_addr)) >= 0)
    sr_peer_addr_worked(&k->rec, (size_t)ai, now);
  if (outbound && k->nearby_dial) k->nearby_fails = 0;
  if (outbound) k->dialing = k->nearby_dial = 0;
  k->next_addr = 0;
  if (!k->connected_ms) k->connected_ms = now;
  k->rec.failures = 0;
  k->rec.last_seen_ms = now;
  if (k->rec.score < 1000) k->rec.score++;
  known_save(n, k);
}

/* Our dial to k->dial_addr failed before a session: that address is marked,
 * the next one in the list is tried at the next tick, and only a round in
 * which every address failed costs a backoff step. */
static void dial_failed(sr_node_t *n, known_t *k, uint64_t now) {
  int ai = sr_peer_addr_find(&k->rec, k->dial_addr);
  k->dialing = 0;
  if (ai >= 0) {
    sr_peer_addr_failed(&k->rec, (size_t)ai);
    k->next_addr = (size_t)ai + 1;
  } else {
    k->next_addr++; /* removed meanwhile: go on from where the round was */
  }
  if (k->next_addr < k->rec.naddrs) {
    k->rec.next_attempt_ms = now;
  } else {
    k->next_addr = 0;
    backoff(n, k, now);
  }
  known_save(n, k);
}

static void h_session_down(void *ctx, const uint8_t key[SR_KEY_BYTES], int outbound, int reason) {
  sr_node_t *n = ctx;
  known_t *k = sr_node_known_find(n, key);
  if (!k || n->stopping) return;
  uint64_t now = sr_node_now_ms();
  if (sr_gossip_connected(n->g, key)) {
    /* Another session with it lives on (say, ours lost to its dial): no failure. */
    if (outbound) k->dialing = k->nearby_dial = 0;
    return;
  }
  if (outbound && k->dialing && k->nearby_dial) {
    sr_node_nearby_failed(k, now); /* the list of addresses and its backoff are not touched */
    return;
  }
  if (outbound && k->dialing) {
    dial_failed(n, k, now);
    return;
  }
  if (k->connected_ms) {
    k->connected_ms = 0;
    k->rec.last_seen_ms = now; /* seen until now */
  }
  if (reason == 0) {
    k->rec.next_attempt_ms = now + TICK_MS; /* a clean end: come back soon */
    known_save(n, k);
    return;
  }
  if (!outbound && reason != SR_EBADENTRY && reason != SR_ERATE && reason != SR_EPROTO) {
    known_save(n, k);
    return;
  }
  backoff(n, k, now);
  known_save(n, k);
}

/* Only addresses their owners announced as reachable, in a session of this run
 * that has not failed since; this node's own when it is reachable. */
static size_t h_share_peers(void *ctx, const char **addrs, size_t max) {
  sr_node_t *n = ctx;
  size_t k = 0;
  if (n->reachable && n->address[0] && k < max) addrs[k++] = n->address;
  for (size_t i = 0; i < n->nknown && k < max; i++)
    if (n->known[i].reach[0] && n->known[i].rec.failures == 0) addrs[k++] = n->known[i].reach;
  return k;
}

static void h_reachable(void *ctx, const uint8_t key[SR_KEY_BYTES], const char *address) {
  sr_node_t *n = ctx;
  known_t *k = sr_node_known_find(n, key);
  if (!k) { /* a new peer: its own word is the address to keep, its own source */
    if (!(k = known_learn(n, key, key, address))) return;
    known_save(n, k);
  }
  if (!strcmp(k->reach, address)) return;
  snprintf(k->reach, sizeof(k->reach), "%s", address);
  sr_gossip_pass_on(n->g, key, k->reach);
}

/* What a peers frame brings is taken only within the table's bounds, and
 * never for a key the table has: it adds no address to a known peer. */
static void h_learned_peer(void *ctx, const uint8_t from[SR_KEY_BYTES], const char *address) {
  sr_node_t *n = ctx;
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[SR_KEY_BYTES];
  if (sr_net_address_parse(address, host, sizeof(host), &port, key) != 0 || memcmp(key, n->pk, SR_KEY_BYTES) == 0)
    return;
  if (sr_node_known_find(n, key)) return;
  known_t *k = known_learn(n, from, key, address);
  if (k) known_save(n, k);
}


/* The connection limit's question (docs/protocol.md, "Connection limits"): how
 * well this node knows key. A learned address alone makes no one known: it
 * takes a few sessions that ended well, else a stranger could enter its own
 * address and count as known. */
static int h_classify(void *ctx, const uint8_t key[SR_KEY_BYTES]) {
  sr_node_t *n = ctx;
  if (n->relay && sr_store_is_member(n->store, key) == 1) return SR_GOSSIP_MEMBER;
  if (sr_scope_has(&n->scope, key)) return SR_GOSSIP_FRIEND;
  known_t *k = sr_node_known_find(n, key);
  if (!k || k->rec.score < 0) return SR_GOSSIP_STRANGER;
  if (k->rec.flags & (SR_PEER_MANUAL | SR_PEER_BOOTSTRAP | SR_PEER_RELAY)) return SR_GOSSIP_KNOWN;
  return k->rec.last_seen_ms && k->rec.failures == 0 && k->rec.score >= KNOWN_SCORE ? SR_GOSSIP_KNOWN
                                                                                    : SR_GOSSIP_STRANGER;
}

int sr_node_peer_add(sr_node_t *n, const char *address, uint8_t flags, int dial_now, sr_node_done_cb done, void *arg,
                     char *err, size_t errlen) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[SR_KEY_BYTES];
  int rc = sr_net_address_parse(address, host, sizeof(host), &port, key);
  if (rc) {
    snprintf(err, errlen, "'%s' is not a seurone address (%s); `seurone address` prints one", address, sr_strerror(rc));
    return rc;
  }
  if (memcmp(key, n->pk, SR_KEY_BYTES) == 0) {
    snprintf(err, errlen, "that is this node's own address");
    return SR_EINVAL;
  }
  int fresh = !sr_node_known_find(n, key);
  known_t *k = sr_node_known_add(n, key, address, flags);
  sr_peer_rec_t stored;
  if (!k) {
    snprintf(err, errlen,
             "the peer table is full (%d peers you gave, or connected now): remove one you no longer "
             "need (`seurone peer remove KEY`), then add this one again",
             MAX_KNOWN);
    return SR_ETOOBIG;
  }
  /* The store may know more of it than memory (`invite accept` wrote the relay
   * there, or the entry had left the table): kept, not overwritten. */
  if (peer_get(n, key, &stored) == 0) {
    if (fresh) {
      stored.flags |= k->rec.flags;
      k->rec = stored;
    } else {
      k->rec.flags |= stored.flags & SR_PEER_GIVEN;
    }
  }
  /* A person asked for it: a new round through the list at once, whatever the
   * backoff said (the rule the CLI applies when no node runs). */
  if ((rc = sr_peer_give(&k->rec, address, flags)) < 0) {
    snprintf(err, errlen, "'%s' cannot be kept in the peer table (%s)", address, sr_strerror(rc));
    return rc;
  }
  if ((rc = peer_write(n, 0, &k->rec, done, arg, json_pack("{s:s}", "address", address)))) {
    snprintf(err, errlen, "cannot write the peer table: %s", sr_strerror(rc));
    return rc;
  }
  if (dial_now && !k->dialing && !sr_gossip_connected(n->g, key)) {
    k->next_addr = 0;
    dial(n, k);
  }
  sr_node_log(n, SR_LOG_INFO, "peer_added", "peer added: %s", sr_node_log_addr(n, address));
  return 0;
}

int sr_node_peer_remove(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], const char *address, sr_node_done_cb done,
                        void *arg, char *err, size_t errlen) {
  known_t *k = sr_node_known_find(n, key);
  sr_peer_rec_t rec;
  char who[17];
  int rc;
  sr_node_short_key(key, who);
  /* The table in memory is bounded (MAX_KNOWN): the store may hold more. */
  rc = k ? 0 : peer_get(n, key, &rec);
  if (rc == SR_ENOTFOUND) {
    snprintf(err, errlen, "%s is not in the peer table (`seurone peers` lists it)", who);
    return rc;
  }
  if (rc) {
    snprintf(err, errlen, "cannot read the peer table: %s", sr_store_errmsg(n->store));
    return rc;
  }
  sr_peer_rec_t *r = k ? &k->rec : &rec;
  if (address) {
    if ((rc = sr_peer_addr_remove(r, address))) {
      snprintf(err, errlen, "%s has no address '%s' (`seurone peers` lists its addresses)", who, address);
      return rc;
    }
    if (k && k->next_addr > k->rec.naddrs) k->next_addr = 0;
  }
  json_t *out = json_pack("{s:b, s:i}", "connected", sr_gossip_connected(n->g, key), "addresses_left",
                          address ? (int)r->naddrs : 0);
  if ((rc = peer_write(n, !address, r, done, arg, out))) {
    snprintf(err, errlen, "cannot write the peer table: %s", sr_strerror(rc));
    return rc;
  }
  if (!address && k) {
    /* A dial in flight or a live session finds no entry and is not recorded. */
    size_t i = (size_t)(k - n->known);
    memmove(k, k + 1, (n->nknown - i - 1) * sizeof(*k));
    n->nknown--;
  }
  sr_node_log(n, SR_LOG_INFO, "peer_removed", address ? "peer %s: address removed" : "peer %s removed", who);
  return 0;
}

void sr_node_peers_load(sr_node_t *n) {
  /* The peer table: what the store remembers, within the table's rules
   * (store/peers.h), plus the config's bootstrap peers: the kept peers first,
   * then the bootstrap lines, then the learned peers in what room is left. */
  size_t pruned = 0;
  n->aged_ms = sr_node_now_ms();
  if (sr_store_peer_prune(n->store, n->aged_ms, &pruned) != 0)
    sr_node_log(n, SR_LOG_WARN, "peer_prune_failed", "could not drop stale learned peers: %s",
                sr_store_errmsg(n->store));
  else if (pruned)
    sr_node_log(n, SR_LOG_INFO, "peers_pruned", "dropped %zu learned peer%s beyond the table's bounds or never reached",
                pruned, pruned == 1 ? "" : "s");
  load_arg_t la = {n, 1};
  if (sr_store_foreach_peer(n->store, load_peer, &la) != 0)
    sr_node_log(n, SR_LOG_ERROR, "peer_table_read_failed", "could not read the peer table: %s",
                sr_store_errmsg(n->store));
  for (int i = 0; i < n->cfg.nbootstrap; i++) {
    uint8_t key[SR_KEY_BYTES];
    char bh[SR_NET_HOST_MAX];
    uint16_t bp;
    if (sr_net_address_parse(n->cfg.bootstrap[i], bh, sizeof(bh), &bp, key) == 0 &&
        !sr_node_known_add(n, key, n->cfg.bootstrap[i], SR_PEER_BOOTSTRAP))
      sr_node_log(n, SR_LOG_WARN, "bootstrap_left_out",
                  "a bootstrap peer was left out: the peer table is full of given peers (`seurone peers`)");
  }
  la.kept = 0;
  if (sr_store_foreach_peer(n->store, load_peer, &la) != 0)
    sr_node_log(n, SR_LOG_ERROR, "peer_table_read_failed", "could not read the peer table: %s",
                sr_store_errmsg(n->store));
}

void sr_node_peer_hooks(sr_gossip_hooks_t *h) {
  h->session_up = h_session_up;
  h->session_down = h_session_down;
  h->share_peers = h_share_peers;
  h->learned_peer = h_learned_peer;
  h->reachable = h_reachable;
  h->classify = h_classify;
}
