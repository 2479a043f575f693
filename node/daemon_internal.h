/* daemon_internal.h: what the files of the running node share (private to
 * node/; daemon.h is the public face). The node is split by job:
 *   daemon.c      lifecycle: start and stop, signals, run.json, the gossip hooks
 *                 on scope, ingest and logging;
 *   publish.c     publish through the node: the write on a libuv worker;
 *   ingest.c      entries `seurone import` hands the running node;
 *   job.c         the plumbing of work on libuv workers, and the queue that
 *                 runs the small writes one at a time;
 *   scope_refresh.c  the replication scope, computed on a worker;
 *   peer_table.c  the peer table in memory: known peers, dialing, backoff,
 *                 learned peers, and `peer add` / `peer remove`;
 *   peer_nearby.c friends nearby in the peer table: the addresses LAN
 *                 announcements give (lan.c hears them), their dials, aging;
 *   relay_invites.c  a relay's invites: created, redeemed;
 *   status.c      the status and peers documents of the control socket;
 *   periodic.c    the timers: the tick (dials, aging), flow reports;
 *   control_handlers.c  the control socket's table of handlers (control.c
 *                 knows only the table: no cycle between it and the node);
 *   web_node.c    the web app's start from the config, and its status;
 *   reload.c      HOME/config read again (SIGHUP, `seurone reload`): the keys
 *                 that apply live, and the ones that wait for a restart.
 * Everything here runs on the loop thread, but the work of a job (job.c),
 * which touches only the job, the store and what never changes while the
 * node runs (the key, the config's restart-only keys; reload.c changes the
 * live ones on the loop, so a job takes a copy of those when queued).
 */
#ifndef SR_DAEMON_INTERNAL_H
#define SR_DAEMON_INTERNAL_H
#include "core/loglimit.h"
#include "core/logline.h"
#include "net/address.h"
#include "net/gossip.h"
#include "node/control.h"
#include "node/daemon.h"
#include "node/web.h"
#include "store/peers.h"
#include "store/scope.h"
#include <stdatomic.h>
#include <stdint.h>
#include "node/status_json.h"
#include "store/flowstore.h"
#include "store/ingest.h"
#include "store/read.h"


#define TICK_MS 1000
#define MAX_KNOWN SR_PEER_TABLE_MAX /* peer table entries kept in memory */
#define MAX_OUTBOUND 16             /* dials at once */
#define BACKOFF_MAX_MS 300000
/* A given or working peer waits at most this long between rounds of dials:
 * after a partition, the first dial once the network is back finds it within
 * seconds (docs/protocol.md, "Limits and hostile peers"). Such peers are few (the
 * person named them), so dialing them this often costs little. */
#define KEPT_BACKOFF_MAX_MS 8000
#define AGE_EVERY_MS 60000 /* how often stale learned peers are dropped */
/* Alike lines from gossip and the transport: at most LOG_BURST per window
 * (the transport's own limit is lower, so its lines pass). */
#define LOG_BURST 50
#define LOG_WINDOW_MS 10000
#define KNOWN_SCORE 3 /* sessions a learned peer needs to count as known (h_classify) */

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
  /* Friends nearby (node/lan.c, peer_nearby.c): the address a LAN announcement of this peer
   * gave (its datagram's source IP, its announced port), until when it holds,
   * and the dials to it. Never written to the store: it says where a person
   * was, and holds only on that network, now. */
  char nearby[SR_NET_ADDRESS_MAX];
  uint64_t nearby_until_ms, nearby_next_ms;
  uint32_t nearby_fails;
  int nearby_dial; /* the dial in flight is to `nearby` */
  int nearby_only; /* the entry exists because of an announcement alone: kept in memory only */
} known_t;

typedef struct scope_job scope_job_t;
typedef struct scope_wait scope_wait_t;
typedef struct peer_op peer_op_t;
typedef struct redeem redeem_t;
/* What runs once something the node waits for is done (scope_refresh.c). */
typedef void (*sr_node_then_cb)(void *arg);

struct sr_node {
  uv_loop_t loop;
  sr_config_t cfg;
  char home[4096];
  char config_path[4200]; /* HOME/config, named in the wrong-network-key hint */
  /* sodium_malloc'd: guard pages, mlock'd, and left out of core dumps (a
   * crash core once held the key twice); net's copy is kept the same way. */
  uint8_t *sk, pk[SR_KEY_BYTES];
  /* 1 while this home is a copy (node/device.h): every publish is refused,
   * and checks again, on its worker, whether `seurone device claim` was run;
   * status reads it on the loop. */
  atomic_int copied;
  sr_store_t *store;
  sr_net_t net;
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
  uv_timer_t flowrep;     /* flow reports (config flow_report), when flowrep_on */
  int flowrep_on;
  int flowrep_busy; /* a flow report is being counted and published on a worker */
  uint64_t aged_ms; /* when stale learned peers were last dropped */
  uint64_t woke_ms; /* when a session last woke the waiting kept peers */
  /* scope_refresh.c: the computation in flight (NULL: none), whether one more
   * was asked for meanwhile, and who waits for that one */
  scope_job_t *scope_job;
  int scope_again;
  scope_wait_t *scope_waiting;
  /* job.c: the small writes queued, oldest first, and the one in flight */
  sr_node_job_t *wq_head, *wq_tail, *writing;
  /* peer_table.c: the peer records queued there, oldest first */
  peer_op_t *peer_ops, *peer_ops_tail;
  /* relay_invites.c: the invites being redeemed, one per key */
  redeem_t *redeems;
  size_t nredeems;
  /* friends nearby (node/lan.c), when config `lan` */
  struct sr_node_lan *lan;
  /* policy.c: the write-policy program, when config `write_policy` names one */
  struct sr_policy *policy;
  /* restore.c: a restore pending (store/restore_gate.h), the highest head of
   * the own log a peer reported and who, a job in flight, one more asked for */
  int restoring, restore_busy, restore_again;
  uint64_t restore_want;
  uint8_t restore_from[SR_KEY_BYTES];
  sr_web_t *web;                 /* the web app (web_node.c); NULL when off */
  struct sr_prom *prom;          /* the metrics endpoint (node/prom.h); NULL when off */
  uint64_t prom_members_ms;      /* when the members' figures were last read (node/prom_members.h) */
  sr_control_handlers_t web_ctl; /* the control table the web runs changes through */
  /* reload.c: SIGHUP, the config as the node started with it (the flags
   * applied, before `listen` is resolved: keys that need a restart compare to
   * it) and the flags of `seurone run`, applied again to a reloaded file. */
  uv_signal_t sighup;
  sr_config_t cfg_started;
  char flag_listen[300]; /* --listen, or "" */
  int flag_relay, flag_lan;
};

uint64_t sr_node_now_ms(void);
/* Log lines: one event a line, its fields in logfmt (core/logline.h), or a
 * JSON object with the same fields (`seurone run --json-log`). sr_node_log writes
 * level, event and msg (the sentence made of fmt); a line with more fields is
 * built with sr_logline_start/add and written by sr_node_log_line. */
void sr_node_log(sr_node_t *n, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sr_node_log_line(sr_node_t *n, const char *body);
/* sr_node_log with a peer= field (a short key, sr_node_short_key) before msg. */
void sr_node_log_peer(sr_node_t *n, int level, const char *event, const char *peer, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* What a log line shows for a member's or peer's address: addr when the
 * operator turned `log_addresses` on, else SR_LOG_ADDR_HIDDEN. */
#define SR_LOG_ADDR_HIDDEN "hidden"
const char *sr_node_log_addr(const sr_node_t *n, const char *addr);
/* The first 16 hex digits of a key, for log lines. */
void sr_node_short_key(const uint8_t *k, char out[17]);
/* A line held back by the log limit, written as is (core/loglimit.h). */
void sr_node_log_sink(void *ctx, const char *line);

/* ---- job.c ---- */
/* Runs work(j) on a libuv worker, then done(j) on the loop: 0, or an error
 * (then neither runs). */
SR_MUST_USE int sr_node_job_run(sr_node_t *n, sr_node_job_t *j, sr_node_job_fn work, sr_node_job_fn done);
/* Queues j behind the node's other small writes (peer records, invites):
 * their works run one at a time, in the order queued, each done before the
 * next work starts. Never fails. */
void sr_node_write(sr_node_t *n, sr_node_job_t *j, sr_node_job_fn work, sr_node_job_fn done);
/* On a worker, when rc is SR_ESTORE and why is still empty: the store's text
 * (it is kept per thread, so read where the call failed). */
void sr_node_store_why(sr_node_t *n, int rc, char *why, size_t cap);

/* ---- scope_refresh.c ---- */
/* Computes the scope on the calling thread: at start, before the loop runs. */
void sr_node_scope_load(sr_node_t *n);
/* Recomputes the scope on a worker; the loop swaps it in and tells gossip
 * when it changed. then(arg), when given, runs on the loop once a computation
 * begun after this call is in place (or failed, or the node stops). */
void sr_node_scope_refresh(sr_node_t *n, sr_node_then_cb then, void *arg);

/* ---- peer_table.c ---- */
/* The entry of key, or NULL. */
known_t *sr_node_known_find(sr_node_t *n, const uint8_t *key);
/* Finds or makes the entry of key and adds address (NULL: none) to its list;
 * only a given peer (flags in SR_PEER_GIVEN) may make room in a full table.
 * NULL for this node's own key or a full table. */
known_t *sr_node_known_add(sr_node_t *n, const uint8_t *key, const char *address, uint8_t flags);
/* Drops the entry at i, in memory and in the store. */
void sr_node_known_drop(sr_node_t *n, size_t i);
/* Dials the peers whose turn it is. */
void sr_node_dial_due(sr_node_t *n, uint64_t now);
/* Fills the peer table at start: the store's peers within the table's rules
 * (store/peers.h) and the config's bootstrap peers. */
void sr_node_peers_load(sr_node_t *n);
/* Sets the gossip hooks that concern the peer table. */
void sr_node_peer_hooks(sr_gossip_hooks_t *h);

/* ---- relay_invites.c ---- */
/* gossip's redeem_invite hook: queues the use of key's invite and answers it
 * once stored (sr_gossip_invite_answer); SR_ERATE while key has one queued.
 * label: a new device's name, used when its code carries none. */
int sr_node_redeem(void *ctx, const uint8_t key[SR_KEY_BYTES], const uint8_t secret[SR_INVITE_SECRET_BYTES],
                   const char *label, size_t label_len, char *why, size_t whylen);

/* ---- peer_nearby.c ---- */
/* A friend in scope announced itself on the local network at address
 * (node/lan.c): the address is kept in memory until until_ms, and dialled now
 * unless a session or a dial is up, its backoff runs, or hold_ms says to leave
 * the first dial to the other side for a while (the one with the smaller key
 * dials first, so that two friends do not both dial). At most
 * SR_NODE_NEARBY_MAX entries exist for announcements alone. */
#define SR_NODE_NEARBY_MAX 64
void sr_node_peer_nearby(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], const char *address, uint64_t until_ms,
                         uint64_t hold_ms);
/* Forgets nearby addresses not announced again in time, and the entries that
 * existed for them alone (not connected, not dialling). */
void sr_node_nearby_age(sr_node_t *n, uint64_t now);
/* How many peers have a nearby address now. */
size_t sr_node_nearby_count(sr_node_t *n, uint64_t now);

/* A dial to k's nearby address failed: the next one waits 2 s, 4 s, ... 64 s
 * (k's list of addresses and its backoff are not touched). */
void sr_node_nearby_failed(known_t *k, uint64_t now);

/* ---- lan.c ---- */
/* Starts friends nearby when config `lan` is on (after the listener is up). */
void sr_node_lan_start(sr_node_t *n);
/* Stops it (the loop runs the close callbacks). */
void sr_node_lan_stop(sr_node_t *n);
/* {"enabled", "announcing", "interfaces", "nearby", counters...} for status. */
json_t *sr_node_lan_json(sr_node_t *n);
/* ---- web_node.c ---- */
/* Starts the web app as the config (or override: --web HOST:PORT|off) says.
 * 0 also when it could not start on its default address (a warning logged);
 * an error, printed, when an address chosen could not be used. */
SR_MUST_USE int sr_node_web_start(sr_node_t *n, const char *override);

/* ---- forks.c ---- */
/* Sets the gossip hooks on forks: a forked author leaves the scope; the
 * self-fork stop is logged loudly. */
void sr_node_fork_hooks(sr_gossip_hooks_t *h);
/* At start: the self-fork stop, when it holds, logged as loudly. */
void sr_node_forks_start(sr_node_t *n);
/* The forks an import found (items with SR_EFORK): their proofs passed on. */
void sr_node_forks_found(sr_node_t *n, const sr_ingest_item_t *items, size_t count);
/* Adds "forked_authors" and "self_fork" to status: 0 or SR_ENOMEM. */
int sr_node_forks_status(sr_node_t *n, json_t *status);

/* ---- restore.c ---- */
/* Sets the gossip hook on heads of the own log that peers report. */
void sr_node_restore_hooks(sr_gossip_hooks_t *h);
/* At start: whether a restore is pending (logged loudly when it is). */
void sr_node_restore_start(sr_node_t *n);
/* After a batch was taken: the own head may have caught up. */
void sr_node_restore_ingested(sr_node_t *n);
/* Adds "restore_pending" (null, or what is pending) to status: 0 or SR_ENOMEM. */
int sr_node_restore_status(sr_node_t *n, json_t *status);

/* ---- policy.c ---- */
typedef struct sr_policy sr_policy_t;
/* Starts the write-policy program when the config names one and sets the
 * gossip hook that asks it about each received entry (on the ingest worker). */
void sr_node_policy_hooks(sr_node_t *n, sr_gossip_hooks_t *h);
/* Ends it (its stdin closed, then killed after its timeout); after the loop. */
void sr_node_policy_stop(sr_node_t *n);

/* ---- quota.c ---- */
/* At start: a relay's per-author quotas handed to the store (none elsewhere). */
void sr_node_quota_start(sr_node_t *n);
/* Before the store is opened: the count of an older store's usage is logged. */
void sr_node_usage_progress(sr_node_t *n);

/* ---- periodic.c ---- */
/* Starts the tick and, when configured, the flow-report timer. */
void sr_node_periodic_start(sr_node_t *n);
/* Stops and closes them (the loop runs the close callbacks). */
void sr_node_periodic_stop(sr_node_t *n);
/* (Re)starts the flow-report timer as cfg says now, or stops it (a reload). */
void sr_node_periodic_flow(sr_node_t *n);

/* ---- reload.c ---- */
/* sr_node_reload: daemon.h. */
/* What daemon.c does at start and on a new max_conns: the soft RLIMIT_NOFILE
 * raised toward what max_conns needs. */
void sr_node_raise_fd_limit(sr_node_t *n);

#endif
