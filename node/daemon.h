/* daemon.h: the running node — one libuv loop wiring store, transport and gossip.
 *
 * `seurone run` calls sr_node_run(), which returns when SIGINT/SIGTERM stops the
 * node (every received entry is committed before it returns). While it runs:
 *   HOME/control.sock  a Unix socket (node/control.h) through which other
 *                      `seurone` processes on this machine ask the node to act;
 *   HOME/run.json      {"pid", "address", "listen", "control", "web"} written once
 *                      the node listens (address is the seurone:// address with the
 *                      port actually bound; web the web app's http://HOST:PORT, or
 *                      null), removed on a clean stop;
 *   HOME/web.token     the web app's secret (node/web.h), made at the first start.
 * The functions below other than sr_node_run() are called on the loop thread by
 * the control socket's handlers; none runs a write transaction there: a
 * write goes to a libuv worker and its answer comes back in a callback.
 */
#ifndef SR_DAEMON_H
#define SR_DAEMON_H
#include "core/err.h"
#include "node/config.h"
#include "store/peers.h"
#include "store/store.h"
#include "store/ingest.h"
#include <uv.h>
#include <jansson.h>
#include <stdint.h>

typedef struct sr_node sr_node_t;

/* A piece of the node's work on a libuv worker (node/job.c): work runs on the
 * worker and touches only the job, the store and what never changes while the
 * node runs (the key, the config's restart-only keys: a reload changes the
 * others on the loop, so a job copies what it needs of them); done runs back on the loop thread. The
 * jobs below embed one. */
typedef struct sr_node_job sr_node_job_t;
typedef void (*sr_node_job_fn)(sr_node_job_t *j);
struct sr_node_job {
  uv_work_t req;
  sr_node_t *n;
  sr_node_job_fn work, done;
  sr_node_job_t *next; /* in the queue of the node's small writes */
};

typedef struct sr_node_opts {
  const char *home;
  const char *listen; /* "HOST:PORT" overriding the config, or NULL */
  int relay;          /* --relay: 1 forces relay mode on, -1 leaves the config */
  int json_log;       /* log lines as JSON objects instead of text */
  int lan;            /* --lan: 1 turns friends nearby on, 0 leaves the config */
  const char *web;    /* "HOST:PORT" or "off" overriding the config's `web`, or NULL */
  /* The key pair of HOME/secret, sodium_malloc'd, opened by the caller (which
   * asked for the passphrase of a sealed key, node/keyfile.h): sr_node_run
   * takes it over and sodium_free's it. NULL: loaded here, a plain key only. */
  uint8_t *sk;
} sr_node_opts_t;

/* Runs the node in the foreground until a signal stops it. Returns 0 on a clean
 * stop, or an SR_E* code (with a message on stderr) when it cannot start. */
SR_MUST_USE int sr_node_run(const sr_node_opts_t *opts);

/* ---- for the control socket (loop thread only) ---- */

/* Reads HOME/config again and applies the keys that can change while the node
 * runs (docs/operating.md lists them). 0 with *out (may be NULL: not wanted)
 * {"config", "applied": [keys], "restart": [keys changed that apply at the
 * next start]}; SR_ERELOAD with err the config's problem, the node unchanged.
 * Logs either way. */
SR_MUST_USE int sr_node_reload(sr_node_t *n, json_t **out, char *err, size_t errlen);

/* {"id", "uptime_s", "relay", "address", "peers": [...], "entries_in", "entries_out",
 *  "bytes_in", "bytes_out", "duplicates", "store_bytes", ...}; caller owns it. */
json_t *sr_node_status(sr_node_t *n);
/* [sr_peer_json() of each peer, with "connected", "connected_since",
 *   "direction", "entries_in", "entries_out" of a live session, and
 *   "last_seen" now while it lives]: the peer table with live state. */
json_t *sr_node_peers(sr_node_t *n);
/* The end of a request the node answers once its write is committed (the
 * reply never tells of a write that could still be lost): rc 0 with out, the
 * reply's fields (the callee owns it), or an error with err saying why. */
typedef void (*sr_node_done_cb)(void *arg, int rc, const char *err, json_t *out);
/* Adds (or updates) a peer from its seurone:// address, with flags (SR_PEER_MANUAL;
 * SR_PEER_RELAY too for a relay whose invite was accepted) joining its own
 * (sr_peer_give(), store/peers.h), and dials it now unless dial_now is 0 (a
 * relay of another network: this node's network key is the old one until it
 * restarts). 0: the table in memory has it, and done(arg, ...) runs once its
 * record is in the store, out {"address"}. Else an error, err saying why, and
 * done never runs: SR_ETOOBIG when the table is full of given or live peers. */
SR_MUST_USE int sr_node_peer_add(sr_node_t *n, const char *address, uint8_t flags, int dial_now, sr_node_done_cb done,
                                 void *arg, char *err, size_t errlen);
/* Removes the peer key (address NULL) or one address of its list, in memory
 * and in the store; a live session with it goes on until it ends. 0: done(arg,
 * ...) runs once the store holds it, out {"connected", "addresses_left"}. Else
 * an error, err saying why, and done never runs: SR_ENOTFOUND when the peer or
 * the address is not in the table. */
SR_MUST_USE int sr_node_peer_remove(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], const char *address,
                                    sr_node_done_cb done, void *arg, char *err, size_t errlen);
/* A publish through the running node (sr_node_publish), so connected peers
 * get the entry at once. The write transaction runs on a libuv worker, never
 * on the loop; done(j) runs on the loop thread once it is stored and pushed
 * (rc, id, seq, why set), and frees nothing: the caller frees j after. */
typedef struct sr_node_pub sr_node_pub_t;
struct sr_node_pub {
  sr_node_job_t job; /* first: the job's address is the publish's */
  char type[SR_TYPE_MAX + 1];
  uint8_t content[SR_ENTRY_MAX]; /* one canonical msgpack map */
  size_t content_len;
  /* run on the worker before the publish, when set (a flow report counts
   * there); an error code skips the publish */
  int (*prepare)(sr_node_pub_t *j);
  void (*done)(sr_node_pub_t *j);
  void *arg;
  int rc;
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why
      [1024]; /* a refused publish says why: a copied home's sentence names two paths, the self-fork stop's is long */
  uint8_t raw[SR_ENTRY_MAX]; /* the stored entry, pushed to peers */
  size_t raw_len;
};
/* A job for type and content (copied; content_len <= SR_ENTRY_MAX), or NULL
 * when out of memory; free() it after done. */
sr_node_pub_t *sr_node_pub_new(const char *type, const uint8_t *content, size_t content_len,
                               void (*done)(sr_node_pub_t *j), void *arg);
/* Queues j on a worker: 0, or an error (then done never runs). */
SR_MUST_USE int sr_node_publish(sr_node_t *n, sr_node_pub_t *j);
/* Entries handed to the running node (sr_node_ingest): items[0..count) with
 * raw and len set. They are stored on a libuv worker as by sr_store_ingest()
 * (rc, stats and each item's status, id, why filled in); back on the loop
 * each accepted entry goes to the peers that want its author, a contact or
 * membership among them refreshes the scope, and done(j) runs. The caller
 * owns j and what items point to. */
typedef struct sr_node_ingest sr_node_ingest_t;
struct sr_node_ingest {
  sr_node_job_t job; /* first */
  sr_ingest_item_t *items;
  size_t count;
  int rc;
  char why[512]; /* when rc != 0: the store's text, read on the worker (it is per thread) */
  sr_ingest_stats_t stats;
  void (*done)(sr_node_ingest_t *j);
  void *arg;
};
/* Queues j on a worker: 0, or an error (then done never runs). */
SR_MUST_USE int sr_node_ingest(sr_node_t *n, sr_node_ingest_t *j);
/* Stores a new invite of this relay with uses uses, valid for ttl_ms from now
 * (0: never expires) (sr_store_invite_create(), the call `invite create`
 * makes itself when no node runs). 0: done(arg, ...) runs once it is
 * committed, out {"secret": hex, "id", "expires_ms"} (the code is formed from
 * the secret; the callee wipes it). Else an error, err saying why, and done
 * never runs: SR_EINVAL when this node is not a relay (it would refuse the
 * invite). */
SR_MUST_USE int sr_node_invite_create(sr_node_t *n, uint32_t uses, uint64_t ttl_ms, sr_node_done_cb done, void *arg,
                                      char *err, size_t errlen);
/* `seurone fork keep-this`: clears the self-fork stop (store/forks.h) through
 * the queue of small writes. 0: done(arg, ...) runs once it is committed, out
 * {"cleared": whether it was set, "log_forked": whether this identity's own
 * log is forked, so that publishing stays refused}. Else an error, err saying
 * why, and done never runs. */
SR_MUST_USE int sr_node_fork_keep(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen);
/* A one-time login link into the web app (sr_web_once): SR_ENOTFOUND when the
 * node serves none. */
SR_MUST_USE int sr_node_web_once(sr_node_t *n, char *url, size_t cap, char *err, size_t errlen);
/* Asks the loop to stop as SIGTERM would. */
void sr_node_stop(sr_node_t *n);

/* Purges author (store/usage.h) on a worker: done gets {"entries", "bytes",
 * "already", "through_node"} once committed. SR_EINVAL for the own key. undo:
 * takes it off the purged list instead ({"was_purged", "through_node"}). */
SR_MUST_USE int sr_node_purge(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], int undo, sr_node_done_cb done, void *arg,
                              char *err, size_t errlen);

#endif
