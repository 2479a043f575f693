/* daemon.c: `seurone run` — one libuv loop wiring the store, the transport, the
 * gossip engine, the peer table (dialing with backoff) and the control socket.
 *
 * Invariant: everything runs on the loop thread; the only state shared with other
 * processes is the LMDB store (readers anywhere, writes serialised by LMDB) and
 * HOME/run.json + HOME/control.sock, which exist exactly while the node runs.
 */
#include "node/daemon.h"
#include "core/core.h"
#include "core/flowreport.h"
#include "core/loglimit.h"
#include "net/address.h"
#include "net/gossip.h"
#include "node/control.h"
#include "node/identity.h"
#include "node/node.h"
#include "node/peer_json.h"
#include "node/status_json.h"
#include "store/peers.h"
#include "store/scope.h"
#include "store/flowstore.h"
#include "store/ingest.h"
#include "store/read.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 1000
#define MAX_KNOWN SR_PEER_TABLE_MAX /* peer table entries kept in memory */
#define MAX_OUTBOUND 16         /* dials at once */
#define BACKOFF_MAX_MS 300000
/* A given or working peer waits at most this long between rounds of dials:
 * after a partition, the first dial once the network is back finds it within
 * seconds (docs/protocol.md, "Limits and hostile peers"). Such peers are few (the
 * person named them), so dialing them this often costs little. */
#define KEPT_BACKOFF_MAX_MS 8000
#define AGE_EVERY_MS 60000      /* how often stale learned peers are dropped */
/* Alike lines from gossip and the transport: at most LOG_BURST per window
 * (the transport's own limit is lower, so its lines pass). */
#define LOG_BURST 50
#define LOG_WINDOW_MS 10000
#define KNOWN_SCORE 3           /* sessions a learned peer needs to count as known (h_classify) */

typedef struct known {
  sr_peer_rec_t rec;
  int dialing;
  /* The address the peer itself announced as reachable by strangers during
   * this run (docs/protocol.md, "Peer exchange"); "" when it did not: only
   * this is ever passed on, never an address of rec.addrs. */
  char reach[SR_NET_ADDRESS_MAX];
  /* The address being dialled (by value: the list may change meanwhile) and
   * the one to dial next in this round through the list. */
  char dial_addr[SR_STORE_ADDR_MAX];
  size_t next_addr;
  uint64_t connected_ms; /* when the live session came up; 0 when none */
} known_t;

struct sr_node {
  uv_loop_t loop;
  sr_config_t cfg;
  char home[4096];
  char config_path[4200]; /* HOME/config, named in the wrong-network-key hint */
  /* sodium_malloc'd: guard pages, mlock'd, and left out of core dumps (a
   * crash core once held the key twice); net's copy is kept the same way. */
  uint8_t *sk, pk[SR_KEY_BYTES];
  sr_store_t *store;
  sr_net net;
  int net_up;
  sr_gossip_t *g;
  sr_control_t *ctl;
  uv_signal_t sigint, sigterm;
  uv_timer_t tick;
  sr_scope_t scope;
  int relay, stopping, json_log;
  int reachable; /* chose to be reachable by strangers: a relay, or config `reachable` */
  uint64_t started_ms;
  char address[SR_NET_ADDRESS_MAX];
  char runjson[4200];
  known_t *known;
  size_t nknown;
  char agent[40];
  sr_loglimit_t loglimit; /* lines from gossip and the transport (h_log) */
  uv_timer_t flowrep; /* flow reports (config flow_report), when flowrep_on */
  int flowrep_on;
  uint64_t aged_ms;   /* when stale learned peers were last dropped */
  uint64_t woke_ms;   /* when a session last woke the waiting kept peers */
};

static uint64_t wall_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void nlog(sr_node_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void nlog(sr_node_t *n, const char *fmt, ...) {
  char msg[700], when[40];
  uint64_t ms = wall_ms();
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  /* A line can quote what a peer sent (a reason, a name): escaped for the
   * terminal (core/text.h); JSON keeps it unless it is not valid UTF-8 (cut by
   * the buffer, or bad bytes), which JSON cannot carry. */
  char safe[SR_TEXT_ESCAPED_MAX(sizeof(msg))];
  sr_text_escape(msg, strlen(msg), 0, safe, sizeof(safe));
  if (n->json_log) {
    json_t *o = json_pack("{s:I, s:s}", "ts", (json_int_t)ms, "msg",
                          sr_utf8_valid((const uint8_t *)msg, strlen(msg)) ? msg : safe);
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) fprintf(stderr, "%s\n", s);
    free(s);
    json_decref(o);
  } else {
    fprintf(stderr, "%s.%03uZ %s\n", when, (unsigned)(ms % 1000), safe);
  }
}

static void short_key(const uint8_t *k, char out[17]) {
  char hex[65];
  sr_hex_encode(k, 32, hex);
  memcpy(out, hex, 16);
  out[16] = '\0';
}

/* ---- scope ---- */

static void scope_refresh(sr_node_t *n) {
  sr_scope_t next = {0};
  if (sr_store_scope(n->store, n->pk, n->cfg.hops, n->relay, &next) != 0) {
    nlog(n, "could not compute the replication scope: %s", sr_store_errmsg(n->store));
    return;
  }
  int changed = next.n != n->scope.n || (next.n && memcmp(next.keys, n->scope.keys, next.n * 32) != 0);
  sr_scope_free(&n->scope);
  n->scope = next;
  if (changed) {
    nlog(n, "replicating %zu author%s", n->scope.n, n->scope.n == 1 ? "" : "s");
    if (n->g) sr_gossip_scope_changed(n->g);
  }
}

/* ---- peer table ---- */

static known_t *known_find(sr_node_t *n, const uint8_t *key) {
  for (size_t i = 0; i < n->nknown; i++)
    if (memcmp(n->known[i].rec.key, key, 32) == 0) return &n->known[i];
  return NULL;
}

/* Drops the entry at i, in memory and in the store. A dial in flight or a
 * live session finds no entry and is not recorded. */
static void known_drop(sr_node_t *n, size_t i) {
  char who[17];
  int rc = sr_store_peer_del(n->store, n->known[i].rec.key);
  if (rc && rc != SR_ENOTFOUND) {
    short_key(n->known[i].rec.key, who);
    nlog(n, "could not drop peer %s: %s", who, sr_store_errmsg(n->store));
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
  known_drop(n, victim);
  return 0;
}

/* Finds or makes the entry of key and adds address (NULL: none) to its list:
 * an address new to it goes after the ones that worked, so a typo never
 * displaces a working address. Only a given peer (flags in SR_PEER_GIVEN) may
 * make room in a full table. */
static known_t *known_add(sr_node_t *n, const uint8_t *key, const char *address, uint8_t flags) {
  known_t *k = known_find(n, key);
  if (!k) {
    if (memcmp(key, n->pk, 32) == 0) return NULL;
    if (n->nknown == MAX_KNOWN && (!(flags & SR_PEER_GIVEN) || known_make_room(n) != 0)) return NULL;
    k = &n->known[n->nknown++];
    memset(k, 0, sizeof(*k));
    memcpy(k->rec.key, key, 32);
  }
  if (address) sr_peer_addr_add(&k->rec, address);
  k->rec.flags |= flags;
  return k;
}

static void known_save(sr_node_t *n, known_t *k) {
  char who[17];
  if (sr_store_peer_put(n->store, &k->rec) != 0) {
    short_key(k->rec.key, who);
    nlog(n, "could not save peer %s: %s", who, sr_store_errmsg(n->store));
  }
}

/* Whether one more learned peer from source fits the table's bounds
 * (store/peers.h): SR_PEER_LEARNED_MAX in all, SR_PEER_LEARNED_PER_SOURCE from
 * one source, and room left in the table. */
static int learned_fits(sr_node_t *n, const uint8_t *source) {
  size_t learned = 0, same = 0;
  if (n->nknown == MAX_KNOWN) return 0;
  for (size_t i = 0; i < n->nknown; i++) {
    if (sr_peer_kept(&n->known[i].rec)) continue;
    learned++;
    same += memcmp(n->known[i].rec.source, source, 32) == 0;
  }
  return learned < SR_PEER_LEARNED_MAX && same < SR_PEER_LEARNED_PER_SOURCE;
}

/* Makes the learned entry of key (not in the table yet) from what source said. */
static known_t *known_learn(sr_node_t *n, const uint8_t *source, const uint8_t *key, const char *address) {
  if (!learned_fits(n, source)) return NULL;
  known_t *k = known_add(n, key, address, SR_PEER_LEARNED);
  if (k) {
    k->rec.learned_ms = wall_ms();
    memcpy(k->rec.source, source, 32);
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
  if (!a->kept && (sr_peer_learned_stale(p, wall_ms()) || !learned_fits(n, p->source))) return 0;
  if ((k = known_add(n, p->key, NULL, 0))) {
    k->rec = *p;
    k->rec.next_attempt_ms = 0; /* a restart tries everyone once */
  }
  return 0;
}

/* Learned peers never reached within SR_PEER_LEARNED_TTL_MS leave the table. */
static void known_age(sr_node_t *n, uint64_t now) {
  size_t dropped = 0;
  if (now - n->aged_ms < AGE_EVERY_MS) return;
  n->aged_ms = now;
  for (size_t i = n->nknown; i-- > 0;) {
    known_t *k = &n->known[i];
    if (k->dialing || sr_gossip_connected(n->g, k->rec.key) || !sr_peer_learned_stale(&k->rec, now)) continue;
    known_drop(n, i);
    dropped++;
  }
  if (dropped) nlog(n, "dropped %zu learned peer%s never reached", dropped, dropped == 1 ? "" : "s");
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
    short_key(k->rec.key, who);
    nlog(n, "peer %s unreachable (%u round%s of dials failed): next try in %llu s", who, k->rec.failures,
         k->rec.failures == 1 ? "" : "s", (unsigned long long)(wait / 1000));
  }
}

/* Dials the next address of k's list; one that does not parse (the store does
 * not check them) is counted as failed and skipped. */
static void dial(sr_node_t *n, known_t *k) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[32];
  sr_net_conn *c;
  for (; k->next_addr < k->rec.naddrs; k->next_addr++) {
    const char *a = k->rec.addrs[k->next_addr].address;
    if (sr_net_address_parse(a, host, sizeof(host), &port, key) != 0 || memcmp(key, k->rec.key, 32) != 0) {
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
    short_key(k->rec.key, who);
    nlog(n, "dialing %s (%s)", who, dial_class_name(&k->rec));
    return;
  }
  /* Nothing left to dial in this round: wait as after a round of failed dials. */
  k->next_addr = 0;
  backoff(n, k, wall_ms());
  known_save(n, k);
}

/* Who is dialled first: given peers (0), then learned ones that worked (1),
 * then learned ones never reached (2). */
static int dial_class(const sr_peer_rec_t *p) {
  if (p->flags & SR_PEER_GIVEN) return 0;
  return sr_peer_kept(p) ? 1 : 2;
}

static void dial_due(sr_node_t *n, uint64_t now) {
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
        !memcmp(k->rec.key, except, 32) || sr_gossip_connected(n->g, k->rec.key))
      continue;
    k->rec.next_attempt_ms = now;
    woken++;
  }
  if (woken) nlog(n, "a session came up: dialing %zu unreachable peer%s again now", woken, woken == 1 ? "" : "s");
}

/* ---- gossip hooks ---- */

static int h_in_scope(void *ctx, const uint8_t author[32]) { return sr_scope_has(&((sr_node_t *)ctx)->scope, author); }

static size_t h_scope_keys(void *ctx, const uint8_t (**keys)[32]) {
  sr_node_t *n = ctx;
  *keys = (const uint8_t(*)[32])n->scope.keys;
  return n->scope.n;
}

static void h_session_up(void *ctx, sr_gpeer_t *p, const uint8_t key[32], int outbound) {
  sr_node_t *n = ctx;
  known_t *k = known_find(n, key);
  uint64_t now = wall_ms();
  int ai;
  (void)p;
  wake_kept(n, key, now);
  if (!k) return;
  k->reach[0] = '\0'; /* it says again in this session if it still is reachable */
  /* The address dialled works: it goes to the front of the list. */
  if (outbound && k->dialing && (ai = sr_peer_addr_find(&k->rec, k->dial_addr)) >= 0)
    sr_peer_addr_worked(&k->rec, (size_t)ai, now);
  if (outbound) k->dialing = 0;
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

static void h_session_down(void *ctx, const uint8_t key[32], int outbound, int reason) {
  sr_node_t *n = ctx;
  known_t *k = known_find(n, key);
  if (!k || n->stopping) return;
  uint64_t now = wall_ms();
  if (sr_gossip_connected(n->g, key)) {
    /* Another session with it lives on (say, ours lost to its dial): no failure. */
    if (outbound) k->dialing = 0;
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

static void h_ingested(void *ctx, size_t accepted, int contacts) {
  sr_node_t *n = ctx;
  (void)accepted;
  if (contacts) scope_refresh(n);
}

/* Peer exchange (docs/protocol.md): who may receive addresses from this node,
 * and which. A relay tells its members; a personal node the people in its scope
 * (itself, whom it follows within hops, never blocked ones). Strangers get none. */
static int h_may_share(void *ctx, const uint8_t peer[32]) {
  sr_node_t *n = ctx;
  if (n->relay) return sr_store_is_member(n->store, peer) == 1;
  return sr_scope_has(&n->scope, peer);
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

static void h_reachable(void *ctx, const uint8_t key[32], const char *address) {
  sr_node_t *n = ctx;
  known_t *k = known_find(n, key);
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
static void h_learned_peer(void *ctx, const uint8_t from[32], const char *address) {
  sr_node_t *n = ctx;
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[32];
  if (sr_net_address_parse(address, host, sizeof(host), &port, key) != 0 || memcmp(key, n->pk, 32) == 0) return;
  if (known_find(n, key)) return;
  known_t *k = known_learn(n, from, key, address);
  if (k) known_save(n, k);
}

static int h_redeem(void *ctx, const uint8_t key[32], const uint8_t secret[32], char *why, size_t whylen) {
  sr_node_t *n = ctx;
  char k[17];
  int rc = sr_store_invite_use(n->store, secret, key, wall_ms());
  short_key(key, k);
  if (rc) {
    snprintf(why, whylen, "%s", sr_strerror(rc));
    nlog(n, "refused an invite from %s: %s", k, sr_strerror(rc));
    return rc;
  }
  nlog(n, "%s joined this relay with an invite", k);
  scope_refresh(n);
  return 0;
}

static void log_sink(void *ctx, const char *line) { nlog(ctx, "%s", line); }

/* What gossip and the transport log: where a flood of peers lands (a session
 * refused, evicted, dropped per connection), so alike lines are rate limited
 * (core/loglimit.h); the node's own lines are not. */
static void h_log(void *ctx, const char *line) {
  sr_node_t *n = ctx;
  if (n->stopping || sr_loglimit_pass(&n->loglimit, line, uv_now(&n->loop), log_sink, n)) nlog(n, "%s", line);
}

/* The connection limit's question (docs/protocol.md, "Connection limits"): how
 * well this node knows key. A learned address alone makes no one known: it
 * takes a few sessions that ended well, else a stranger could enter its own
 * address and count as known. */
static int h_classify(void *ctx, const uint8_t key[32]) {
  sr_node_t *n = ctx;
  if (n->relay && sr_store_is_member(n->store, key) == 1) return SR_GOSSIP_MEMBER;
  if (sr_scope_has(&n->scope, key)) return SR_GOSSIP_FRIEND;
  known_t *k = known_find(n, key);
  if (!k || k->rec.score < 0) return SR_GOSSIP_STRANGER;
  if (k->rec.flags & (SR_PEER_MANUAL | SR_PEER_BOOTSTRAP | SR_PEER_RELAY)) return SR_GOSSIP_KNOWN;
  return k->rec.last_seen_ms && k->rec.failures == 0 && k->rec.score >= KNOWN_SCORE ? SR_GOSSIP_KNOWN
                                                                                    : SR_GOSSIP_STRANGER;
}

/* ---- control socket entry points ---- */

json_t *sr_node_status(sr_node_t *n) {
  sr_gossip_stats_t gs;
  sr_store_info_t info;
  char hex[65];
  sr_gossip_stats(n->g, &gs);
  memset(&info, 0, sizeof(info));
  sr_store_info(n->store, &info);
  sr_hex_encode(n->pk, 32, hex);
  json_t *st = json_pack("{s:b, s:s, s:I, s:b, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                   "running", 1, "id", hex, "uptime_s", (json_int_t)((wall_ms() - n->started_ms) / 1000), "relay",
                   n->relay, "address", n->address, "peers", sr_status_sessions_json(n->g), "entries_in",
                   (json_int_t)gs.entries_in, "entries_out", (json_int_t)gs.entries_out, "bytes_in",
                   (json_int_t)gs.bytes_in, "bytes_out", (json_int_t)gs.bytes_out, "duplicates",
                   (json_int_t)gs.duplicates, "haves_in", (json_int_t)gs.haves_in, "haves_out",
                   (json_int_t)gs.haves_out, "rejected", (json_int_t)gs.rejected, "store_bytes",
                   (json_int_t)info.file_bytes, "store_entries", (json_int_t)info.entries, "scope_authors",
                   (json_int_t)n->scope.n, "known_peers", (json_int_t)n->nknown);
  if (st) json_object_set_new(st, "pushsum", sr_status_pushsum_json(n->g)); /* network size and averages */
  return st;
}

json_t *sr_node_peers(sr_node_t *n) {
  json_t *arr = json_array(), *live = sr_status_sessions_json(n->g);
  uint64_t now = wall_ms();
  for (size_t i = 0; i < n->nknown; i++) {
    known_t *k = &n->known[i];
    json_t *o = sr_peer_json(&k->rec), *s;
    size_t j;
    if (!o) continue;
    const char *hex = json_string_value(json_object_get(o, "key"));
    if (sr_gossip_connected(n->g, k->rec.key)) {
      /* A live session is seen now, however long ago it began. */
      json_object_set_new(o, "connected", json_true());
      json_object_set_new(o, "last_seen", json_integer((json_int_t)now));
      if (k->connected_ms) json_object_set_new(o, "connected_since", json_integer((json_int_t)k->connected_ms));
    }
    json_array_foreach(live, j, s) {
      if (strcmp(json_string_value(json_object_get(s, "key")), hex) == 0) {
        json_object_set(o, "direction", json_object_get(s, "direction"));
        json_object_set(o, "entries_in", json_object_get(s, "entries_in"));
        json_object_set(o, "entries_out", json_object_get(s, "entries_out"));
      }
    }
    json_array_append_new(arr, o);
  }
  json_decref(live);
  return arr;
}

int sr_node_peer_add(sr_node_t *n, const char *address, char *err, size_t errlen) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[32];
  int rc = sr_net_address_parse(address, host, sizeof(host), &port, key);
  if (rc) {
    snprintf(err, errlen, "'%s' is not a seurone address (%s); `seurone address` prints one", address, sr_strerror(rc));
    return rc;
  }
  if (memcmp(key, n->pk, 32) == 0) {
    snprintf(err, errlen, "that is this node's own address");
    return SR_EINVAL;
  }
  int fresh = !known_find(n, key);
  known_t *k = known_add(n, key, address, SR_PEER_MANUAL);
  sr_peer_rec_t stored;
  if (!k) {
    snprintf(err, errlen, "the peer table is full (%d peers you gave, or connected now): remove one you no longer "
             "need (`seurone peer remove KEY`), then add this one again", MAX_KNOWN);
    return SR_ETOOBIG;
  }
  /* The store may know more of it than memory (`invite accept` wrote the relay
   * there, or the entry had left the table): kept, not overwritten. */
  if (sr_store_peer_get(n->store, key, &stored) == 0) {
    if (fresh) {
      stored.flags |= k->rec.flags;
      k->rec = stored;
      sr_peer_addr_add(&k->rec, address);
    } else {
      k->rec.flags |= stored.flags & SR_PEER_GIVEN;
    }
  }
  /* A person asked for it: a new round through the list at once, whatever the
   * backoff said. */
  k->rec.failures = 0;
  k->rec.next_attempt_ms = 0;
  known_save(n, k);
  if (!k->dialing && !sr_gossip_connected(n->g, key)) {
    k->next_addr = 0;
    dial(n, k);
  }
  nlog(n, "peer added: %s", address);
  return 0;
}

int sr_node_peer_remove(sr_node_t *n, const uint8_t key[32], const char *address, json_t **out, char *err,
                        size_t errlen) {
  known_t *k = known_find(n, key);
  sr_peer_rec_t rec;
  char who[17];
  int rc;
  short_key(key, who);
  /* The table in memory is bounded (MAX_KNOWN): the store may hold more. */
  rc = k ? 0 : sr_store_peer_get(n->store, key, &rec);
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
    rc = sr_store_peer_put(n->store, r);
  } else {
    rc = sr_store_peer_del(n->store, key);
    if (rc == SR_ENOTFOUND) rc = 0; /* only in memory (a bootstrap line) */
  }
  if (rc) {
    snprintf(err, errlen, "cannot write the peer table: %s", rc == SR_ESTORE ? sr_store_errmsg(n->store) : sr_strerror(rc));
    return rc;
  }
  *out = json_pack("{s:b, s:i}", "connected", sr_gossip_connected(n->g, key), "addresses_left", address ? (int)r->naddrs : 0);
  if (!address && k) {
    /* A dial in flight or a live session finds no entry and is not recorded. */
    size_t i = (size_t)(k - n->known);
    memmove(k, k + 1, (n->nknown - i - 1) * sizeof(*k));
    n->nknown--;
  }
  nlog(n, address ? "peer %s: address removed" : "peer %s removed", who);
  return 0;
}

int sr_node_publish(sr_node_t *n, const char *type, const uint8_t *content, size_t content_len, uint8_t id[32],
                    uint64_t *seq, char *why, size_t whylen) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  uint64_t now = wall_ms();
  int rc = sr_store_publish(n->store, n->sk, type, content, content_len, now, now, id, seq, why, whylen);
  if (rc) return rc;
  if (sr_store_get_entry(n->store, id, buf, sizeof(buf), &len, NULL) == 0) sr_gossip_publish(n->g, buf, len);
  if (!strcmp(type, "contact") || !strcmp(type, "membership")) scope_refresh(n);
  return 0;
}

/* ---- flow reports (core/flowreport.h, docs/network-stats.md) ---- */

/* Every interval: count what arrived from peers since the last report, noise it
 * and publish it as this node's own entry (it gossips like any other). Periods
 * follow each other without overlap, also across restarts (the last report's
 * period_end is read back from the log), so each received entry is counted in
 * at most one report and the epsilon of one report is the epsilon overall. */
static void on_flow_report(uv_timer_t *t) {
  sr_node_t *n = t->data;
  uint64_t now = wall_ms(), interval = (uint64_t)n->cfg.flow_report_interval * 1000, seq;
  uint8_t id[SR_ID_BYTES];
  char why[200] = "", hex[65];
  sr_flowreport_t r;
  msgpack_sbuffer sb;
  int rc;
  /* read back each time: `flow report --publish` may have published one too */
  uint64_t start = sr_store_flow_next_start(n->store, n->pk, now, interval);
  if (start >= now) return; /* clock went back: wait for the next turn */
  sr_flowreport_init(&r, start, now, n->cfg.flow_epsilon_milli);
  msgpack_sbuffer_init(&sb);
  if ((rc = sr_store_flow_count(n->store, &r)) == 0) {
    int64_t exact = sr_flowreport_total(&r);
    if ((rc = sr_flowreport_noise(&r)) == 0 && (rc = sr_flowreport_encode(&r, &sb)) == 0 &&
        (rc = sr_node_publish(n, SR_FLOWREPORT_TYPE, (const uint8_t *)sb.data, sb.size, id, &seq, why, sizeof(why))) == 0) {
      sr_hex_encode(id, SR_ID_BYTES, hex);
      /* The exact count stays in this node's own log file, never in the entry. */
      nlog(n, "published flow report seq %llu (%lld entr%s received in %llu s, epsilon %.3f) %.16s",
           (unsigned long long)seq, (long long)exact, exact == 1 ? "y" : "ies", (unsigned long long)((now - start) / 1000),
           n->cfg.flow_epsilon_milli / 1000.0, hex);
    }
  }
  if (rc) nlog(n, "could not publish a flow report: %s%s%s", sr_strerror(rc), why[0] ? ": " : "", why);
  msgpack_sbuffer_destroy(&sb);
}

/* ---- lifecycle ---- */

static void on_tick(uv_timer_t *t) {
  sr_node_t *n = t->data;
  uint64_t now = wall_ms();
  sr_gossip_tick(n->g, uv_now(&n->loop));
  known_age(n, now);
  dial_due(n, now);
  sr_loglimit_flush(&n->loglimit, uv_now(&n->loop), log_sink, n);
}

void sr_node_stop(sr_node_t *n) {
  if (n->stopping) return;
  n->stopping = 1;
  sr_loglimit_flush(&n->loglimit, UINT64_MAX, log_sink, n); /* what was held back, summed up */
  nlog(n, "stopping: committing what was received and closing connections");
  uv_timer_stop(&n->tick);
  uv_close((uv_handle_t *)&n->tick, NULL);
  if (n->flowrep_on) {
    uv_timer_stop(&n->flowrep);
    uv_close((uv_handle_t *)&n->flowrep, NULL);
  }
  uv_signal_stop(&n->sigint);
  uv_signal_stop(&n->sigterm);
  uv_close((uv_handle_t *)&n->sigint, NULL);
  uv_close((uv_handle_t *)&n->sigterm, NULL);
  if (n->ctl) sr_control_stop(n->ctl);
  n->ctl = NULL;
  sr_gossip_shutdown(n->g);
  sr_net_close(&n->net);
  unlink(n->runjson);
}

static void on_signal(uv_signal_t *s, int signum) {
  sr_node_t *n = s->data;
  nlog(n, "received %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
  sr_node_stop(n);
}

static int write_run_json(sr_node_t *n, const char *listen) {
  char tmp[4300], ctl[4200];
  snprintf(n->runjson, sizeof(n->runjson), "%s/run.json", n->home);
  snprintf(tmp, sizeof(tmp), "%s/run.json.tmp", n->home);
  snprintf(ctl, sizeof(ctl), "%s/control.sock", n->home);
  json_t *o = json_pack("{s:i, s:s, s:s, s:s}", "pid", (int)getpid(), "address", n->address, "listen", listen, "control",
                        ctl);
  /* A new file, never through a link planted at the name (node/home.h). */
  int fd = sr_home_create_tmp(tmp, 0600), rc = fd < 0 || json_dumpfd(o, fd, JSON_COMPACT) != 0;
  json_decref(o);
  if (fd >= 0 && close(fd) != 0) rc = 1;
  if (rc) {
    if (fd >= 0) unlink(tmp);
    return SR_EIO;
  }
  if (rename(tmp, n->runjson) != 0) return SR_EIO;
  return 0;
}

/* Binds the listener, a host name in `listen` resolved first; when it cannot,
 * says why and what to change (the cause, not a guess). */
static int listen_on(sr_node_t *n) {
  char ip[SR_NET_HOST_MAX], where[SR_NET_HOST_MAX + 16];
  const char *host = n->cfg.listen_host, *fix;
  unsigned port = n->cfg.listen_port;
  int rc = sr_net_listen_ip(host, ip, sizeof(ip));
  snprintf(where, sizeof(where), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
  if (rc) {
    fprintf(stderr, "seurone: cannot listen on %s: '%s' is neither an IP address nor a host name this machine "
            "resolves: use an IP address (127.0.0.1 for this machine only, 0.0.0.0 for every IPv4 address, [::] for "
            "every address) in `listen` of %s/config or in --listen\n", where, host, n->home);
    return rc;
  }
  if (strcmp(ip, host) != 0) {
    nlog(n, "listen: %s is %s", host, ip);
    snprintf(n->cfg.listen_host, sizeof(n->cfg.listen_host), "%s", ip);
  }
  if ((rc = sr_net_listen(&n->net, n->cfg.listen_host, n->cfg.listen_port)) == 0) return 0;
  switch (rc) {
  case SR_ENETINUSE:
    fix = "another program, or another seurone node, listens there: stop it, or choose another port (port 0 picks "
          "a free one)";
    break;
  case SR_ENETNOTAVAIL:
    fix = "use one of this machine's addresses, 127.0.0.1 for this machine only, or 0.0.0.0 for all of them";
    break;
  case SR_ENETACCES: fix = "choose a port from 1024 up"; break;
  default: fix = "check the address"; break;
  }
  fprintf(stderr, "seurone: cannot listen on %s: %s (%s; `listen` in %s/config, or --listen)\n", where, sr_strerror(rc),
          fix, n->home);
  return rc;
}

int sr_node_run(const sr_node_opts_t *o) {
  sr_node_t *n = calloc(1, sizeof(*n));
  char err[4600], path[4200], host[SR_NET_HOST_MAX], listen[400];
  int rc = 0, port;
  if (!n) return SR_ENOMEM;
  /* A peer that vanishes mid-write must cost a connection, not the process. */
  signal(SIGPIPE, SIG_IGN);
  /* Absolute, so run.json names paths any process can use. */
  if (!realpath(o->home, n->home)) snprintf(n->home, sizeof(n->home), "%s", o->home);
  /* Before anything in it is read (node/home.h). */
  if ((rc = sr_home_check(n->home, err, sizeof(err)))) { fprintf(stderr, "seurone: %s\n", err); goto out_free; }
  n->json_log = o->json_log;
  sr_loglimit_init(&n->loglimit, LOG_BURST, LOG_WINDOW_MS);
  n->started_ms = wall_ms();
  snprintf(n->agent, sizeof(n->agent), "seurone/%s", sr_node_version());
  if ((rc = sr_config_load(n->home, &n->cfg, err, sizeof(err)))) { fprintf(stderr, "seurone: %s\n", err); goto out_free; }
  if (o->listen && sr_config_parse_hostport(o->listen, n->cfg.listen_host, sizeof(n->cfg.listen_host), &n->cfg.listen_port)) {
    fprintf(stderr, "seurone: --listen must be HOST:PORT (IPv6 as [::]:PORT), got '%s'\n", o->listen);
    rc = SR_EINVAL;
    goto out_free;
  }
  if (o->relay == 1) sr_config_set_relay(&n->cfg, 1); /* also raises max_conns unless the file set it */
  n->relay = n->cfg.relay;
  if (!(n->sk = sodium_malloc(SR_SECRET_BYTES))) { rc = SR_ENOMEM; goto out_free; }
  if ((rc = sr_identity_load(n->home, n->sk, err, sizeof(err)))) { fprintf(stderr, "seurone: %s\n", err); goto out_free; }
  memcpy(n->pk, n->sk + 32, 32);
  sr_home_store_path(n->home, path, sizeof(path));
  if ((rc = sr_home_store_open(n->home, 0, &n->store, err, sizeof(err)))) {
    fprintf(stderr, "seurone: cannot open the store in %s: %s\n", path, rc == SR_ENOSTORE ? "run `seurone init` first" : err);
    goto out_free;
  }
  if ((rc = sr_identity_check_store(n->home, n->store, n->pk, err, sizeof(err)))) {
    fprintf(stderr, "seurone: %s\n", err);
    goto out_store;
  }
  if (!(n->known = calloc(MAX_KNOWN, sizeof(*n->known)))) { rc = SR_ENOMEM; goto out_store; }
  uv_loop_init(&n->loop);
  /* The control socket first: a second node on this home stops here, before it
   * touches the network. */
  if ((rc = sr_control_start(&n->loop, n->home, n, &n->ctl, err, sizeof(err)))) {
    fprintf(stderr, "seurone: %s\n", err);
    goto out_loop;
  }

  sr_net_config ncfg;
  memset(&ncfg, 0, sizeof(ncfg));
  memcpy(ncfg.netkey, n->cfg.network_key, 32);
  memcpy(ncfg.pk, n->pk, 32);
  memcpy(ncfg.sk, n->sk, 64);
  ncfg.handshake_timeout_ms = n->cfg.handshake_timeout_ms;
  snprintf(n->config_path, sizeof(n->config_path), "%s/config", n->home);
  ncfg.netkey_where = n->config_path;
  sr_gossip_net_callbacks(&ncfg.cb);
  rc = sr_net_init(&n->net, &n->loop, &ncfg);
  sodium_memzero(ncfg.sk, sizeof(ncfg.sk)); /* net keeps its own guarded copy */
  if (rc) {
    fprintf(stderr, "seurone: network init failed: %s\n", sr_strerror(rc));
    sr_control_stop(n->ctl);
    goto out_loop;
  }
  n->net_up = 1;

  sr_gossip_limits_t lim = {n->agent, n->cfg.max_conns, n->cfg.idle_timeout_ms, n->cfg.rate_frames_per_s,
                            n->cfg.rate_bytes_per_s, n->cfg.max_queue_bytes};
  sr_gossip_hooks_t hooks = {n, h_in_scope, h_scope_keys, h_session_up, h_session_down, h_ingested, h_share_peers,
                             h_learned_peer, h_redeem, NULL, h_log, h_may_share, h_reachable, h_classify};
  if ((rc = sr_gossip_init(&n->g, &n->net, n->store, n->pk, n->relay, &lim, &hooks))) goto out_net;
  sr_gossip_pushsum_start(n->g, n->cfg.pushsum_interval_ms, n->cfg.pushsum_epoch);
  scope_refresh(n);

  if ((rc = listen_on(n))) goto out_gossip;
  port = sr_net_listen_port(&n->net);
  if (n->cfg.advertise[0]) snprintf(host, sizeof(host), "%s", n->cfg.advertise);
  else sr_net_advertise_host(n->cfg.listen_host, host, sizeof(host));
  sr_net_address_format(host, (uint16_t)port, n->pk, n->address, sizeof(n->address));
  snprintf(listen, sizeof(listen), strchr(n->cfg.listen_host, ':') ? "[%s]:%d" : "%s:%d", n->cfg.listen_host, port);
  /* Relays exist to be found; a personal node's address says where a person
   * is, so it is announced only when its owner chose so (config `reachable`). */
  n->reachable = n->relay || n->cfg.reachable;
  if (n->reachable) sr_gossip_set_reachable(n->g, n->address);

  if (write_run_json(n, listen)) nlog(n, "warning: could not write %s/run.json", n->home);

  /* The peer table: what the store remembers, within the table's rules
   * (store/peers.h), plus the config's bootstrap peers: the kept peers first,
   * then the bootstrap lines, then the learned peers in what room is left. */
  size_t pruned = 0;
  n->aged_ms = wall_ms();
  if (sr_store_peer_prune(n->store, n->aged_ms, &pruned) != 0)
    nlog(n, "could not drop stale learned peers: %s", sr_store_errmsg(n->store));
  else if (pruned)
    nlog(n, "dropped %zu learned peer%s beyond the table's bounds or never reached", pruned, pruned == 1 ? "" : "s");
  load_arg_t la = {n, 1};
  sr_store_foreach_peer(n->store, load_peer, &la);
  for (int i = 0; i < n->cfg.nbootstrap; i++) {
    uint8_t key[32];
    char bh[SR_NET_HOST_MAX];
    uint16_t bp;
    if (sr_net_address_parse(n->cfg.bootstrap[i], bh, sizeof(bh), &bp, key) == 0 &&
        !known_add(n, key, n->cfg.bootstrap[i], SR_PEER_BOOTSTRAP))
      nlog(n, "a bootstrap peer was left out: the peer table is full of given peers (`seurone peers`)");
  }
  la.kept = 0;
  sr_store_foreach_peer(n->store, load_peer, &la);

  uv_signal_init(&n->loop, &n->sigint);
  uv_signal_init(&n->loop, &n->sigterm);
  n->sigint.data = n->sigterm.data = n;
  uv_signal_start(&n->sigint, on_signal, SIGINT);
  uv_signal_start(&n->sigterm, on_signal, SIGTERM);
  uv_timer_init(&n->loop, &n->tick);
  n->tick.data = n;
  uv_timer_start(&n->tick, on_tick, 0, TICK_MS);
  if (n->cfg.flow_report) {
    uint64_t every = (uint64_t)n->cfg.flow_report_interval * 1000;
    uv_timer_init(&n->loop, &n->flowrep);
    n->flowrep.data = n;
    n->flowrep_on = 1;
    uv_timer_start(&n->flowrep, on_flow_report, every, every);
    nlog(n, "flow reports on: one every %u s, epsilon %.3f", n->cfg.flow_report_interval,
         n->cfg.flow_epsilon_milli / 1000.0);
  }

  nlog(n, "seurone %s listening on %s (%s)%s; %zu peer%s known, replicating %zu author%s", sr_node_version(), listen,
       n->address, n->relay ? " as a relay" : "", n->nknown, n->nknown == 1 ? "" : "s", n->scope.n,
       n->scope.n == 1 ? "" : "s");
  nlog(n, "address: %s", n->address);
  uv_run(&n->loop, UV_RUN_DEFAULT);
  nlog(n, "stopped cleanly");
  rc = 0;
  goto out_close;

out_gossip:
  sr_gossip_shutdown(n->g);
out_net:
  sr_net_close(&n->net);
  sr_control_stop(n->ctl);
  n->ctl = NULL;
out_close:
  uv_run(&n->loop, UV_RUN_DEFAULT);
  if (n->g) sr_gossip_free(n->g);
out_loop:
  uv_run(&n->loop, UV_RUN_DEFAULT);
  uv_loop_close(&n->loop);
  free(n->known);
out_store:
  sr_scope_free(&n->scope);
  sr_store_close(n->store);
out_free:
  if (n->sk) sodium_free(n->sk); /* wipes it */
  free(n);
  return rc;
}
