/* daemon_internal.h: what the files of the running node share (private to
 * node/; daemon.h is the public face). The node is split by job:
 *   daemon.c      lifecycle: start and stop, signals, run.json, the gossip hooks
 *                 on scope, ingest and logging;
 *   publish.c     publish through the node: the write on a libuv worker;
 *   ingest.c      entries `seurone import` hands the running node;
 *   peer_table.c  the peer table in memory: known peers, dialing, backoff,
 *                 learned peers, and `peer add` / `peer remove`;
 *   status.c      the status and peers documents of the control socket;
 *   periodic.c    the timers: the tick (dials, aging), flow reports;
 *   control_handlers.c  the control socket's table of handlers (control.c
 *                 knows only the table: no cycle between it and the node);
 *   web_node.c    the web app's start from the config, and its status.
 * Everything here runs on the loop thread, but a publish job's work
 * (publish.c), which touches only the job, the store and the key.
 */
#ifndef SR_DAEMON_INTERNAL_H
#define SR_DAEMON_INTERNAL_H
#include "core/loglimit.h"
#include "net/address.h"
#include "net/gossip.h"
#include "node/control.h"
#include "node/daemon.h"
#include "node/web.h"
#include "store/peers.h"
#include "store/scope.h"
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
  int flowrep_busy;              /* a flow report is being counted and published on a worker */
  uint64_t aged_ms;              /* when stale learned peers were last dropped */
  uint64_t woke_ms;              /* when a session last woke the waiting kept peers */
  sr_web_t *web;                 /* the web app (web_node.c); NULL when off */
  sr_control_handlers_t web_ctl; /* the control table the web runs changes through */
};

uint64_t sr_node_now_ms(void);
void sr_node_log(sr_node_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first 16 hex digits of a key, for log lines. */
void sr_node_short_key(const uint8_t *k, char out[17]);
/* Recomputes the replication scope; tells gossip when it changed. */
void sr_node_scope_refresh(sr_node_t *n);
/* A line held back by the log limit, written as is (core/loglimit.h). */
void sr_node_log_sink(void *ctx, const char *line);

/* ---- peer_table.c ---- */
/* Drops the entry at i, in memory and in the store. */
void sr_node_known_drop(sr_node_t *n, size_t i);
/* Dials the peers whose turn it is. */
void sr_node_dial_due(sr_node_t *n, uint64_t now);
/* Fills the peer table at start: the store's peers within the table's rules
 * (store/peers.h) and the config's bootstrap peers. */
void sr_node_peers_load(sr_node_t *n);
/* Sets the gossip hooks that concern the peer table. */
void sr_node_peer_hooks(sr_gossip_hooks_t *h);

/* ---- web_node.c ---- */
/* Starts the web app as the config (or override: --web HOST:PORT|off) says.
 * 0 also when it could not start on its default address (a warning logged);
 * an error, printed, when an address chosen could not be used. */
SR_MUST_USE int sr_node_web_start(sr_node_t *n, const char *override);

/* ---- periodic.c ---- */
/* Starts the tick and, when configured, the flow-report timer. */
void sr_node_periodic_start(sr_node_t *n);
/* Stops and closes them (the loop runs the close callbacks). */
void sr_node_periodic_stop(sr_node_t *n);

#endif
