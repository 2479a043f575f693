/* store.h: one LMDB environment per node home (docs/storage.md): opening
 * and closing it, its error text, the self key, its size, and the types every
 * part of the store shares. The rest, one header per job:
 *   store/ingest.h       entries in: ingest batches and publish
 *   store/read.h         entries out: foreach, get, the log stream, names
 *   store/maintenance.h  reindex, verify, backup
 *   store/flowstore.h    flow-report counts (core/flowreport.h)
 *   store/flowview.h     the reshare forest and flow records (`seurone flow`)
 *   store/lookup.h       what a person typed, matched against the store
 *   store/socialview.h   what the web app's views read (edges of one key, newest entries)
 *   store/peers.h, store/scope.h, store/graphview.h  node state, scope, graph
 *   store/devices.h      device keys: which keys are one person
 *
 *
 * Named databases (keys and values are fixed-layout binary, integers big-endian):
 *   meta      "format" -> u32 version; "self" -> 32-byte key of the node
 *   entries   id -> entry bytes                         (the truth)
 *   flow      id -> received_at u64, from key[32], hops u32, source u8
 *   peers     key -> peer record                        (node state, peers.h)
 *   invites   hash(secret) -> uses_left u32, created_ms u64 (node state, peers.h)
 *   relay_members key -> joined_ms u64                  (node state, peers.h)
 *   device_codes hash(secret) -> created, expires, used, device, name (node state,
 *             device_codes.h)
 *   log       author||seq u64 -> id                     (derived)
 *   heads     author -> seq u64, id[32], forked u8      (derived)
 *   forks     author||seq -> id of the second entry      (derived, dupsort)
 *   edges_out src -> kind u8 || dst[32]                  (derived, dupsort)
 *   edges_in  dst -> kind u8 || src[32]                  (derived, dupsort)
 *   contacts  author||who -> state u8 || ts u64 (1 byte: ts 0) (derived)
 *   members   author||project -> role u8                 (derived)
 *   profiles  author -> name (latest about)              (derived)
 *   projects  project id -> author[32] || name           (derived)
 *   people    key -> ts u64 of the profile's about, or empty (derived)
 *   reshares  original id -> resharing id[32] || resharer[32] (derived, dupsort)
 *   devices   device key -> person, flags, cert_seq, upto, added_ms, name (derived, devices.h)
 *   person_devices person -> device key                  (derived, dupsort)
 * "Derived" databases are rebuilt from the entries by sr_store_reindex(); the
 * others (truth and node state) are never touched by it. For a
 * fork, the branch that stays head is the one the old forks database did not list
 * as proof (when it survives), else the one that arrived first (flow).
 *
 * An ingest batch is one write transaction: a crash leaves all of it or none.
 * The map grows (doubling) and the batch is retried when LMDB reports it full.
 * Other processes may read the same environment while one writes.
 */
#ifndef SR_STORE_H
#define SR_STORE_H
#include "core/err.h"
#include "core/core.h"
#include <stddef.h>
#include <stdint.h>

#define SR_STORE_FORMAT 2

/* Errors: every sr_store_* function returns 0 (or a count) or an SR_E* code
 * (core/err.h), never an LMDB code: an LMDB failure is SR_ESTORE, with LMDB's
 * text in sr_store_errmsg. */

typedef struct sr_store sr_store_t;

enum sr_edge_kind {
  SR_EDGE_FOLLOW = 1,
  SR_EDGE_BLOCK,
  SR_EDGE_MEMBER,
  SR_EDGE_SUPPORTER,
  SR_EDGE_SHARE,
  SR_EDGE_RESHARE
};
#define SR_EDGE_KINDS 6
const char *sr_edge_kind_name(int kind);

enum sr_source { SR_SRC_SELF = 1, SR_SRC_IMPORT, SR_SRC_PEER, SR_SRC_REINDEX };
/* "self", "import", "peer", "reindex"; "unknown" for any other value. */
const char *sr_source_name(int source);

/* Where and when this node first got an entry. */
typedef struct sr_flow {
  uint64_t received_at;       /* ms since epoch */
  uint8_t from[SR_KEY_BYTES]; /* peer key, all zero for local sources */
  uint32_t hops;
  uint8_t source; /* enum sr_source */
} sr_flow_t;

/* Opens (create != 0: creates) the store in directory dir. Errors: SR_ENOSTORE
 * (no store there and create == 0), SR_ESTOREVER (another format version),
 * SR_ESTORE; err (may be NULL) then receives a sentence saying what to do.
 * A format-1 store made before the peers/invites/relay_members (or the derived
 * devices/person_devices) databases existed gets them in one short write
 * transaction, even when create == 0. */
SR_MUST_USE int sr_store_open(const char *dir, int create, sr_store_t **out, char *err, size_t errlen);
void sr_store_close(sr_store_t *st);
/* The text of the last store error (SR_ESTORE and the like) on the CALLING
 * THREAD ("" if none): each thread has its own, so a worker and the loop that
 * share one handle may fail at once without a race. Read it on the thread that
 * made the failing call; a worker that reports to another thread copies it
 * (e.g. into its job) before it returns. st is unused (kept for the callers). */
#define SR_STORE_ERRMSG_MAX (4096 + 512)
const char *sr_store_errmsg(const sr_store_t *st);

SR_MUST_USE int sr_store_set_self(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]);
SR_MUST_USE int sr_store_get_self(sr_store_t *st, uint8_t key[SR_KEY_BYTES]);

/* The id of the home copy this store was last checked from (meta "home_device",
 * node/device.h): a store copied without its HOME/device still names the copy
 * it came from, so the copy is not taken for a new home. *found 0 when none. */
#define SR_HOME_DEVICE_ID_BYTES 16
SR_MUST_USE int sr_store_home_device_get(sr_store_t *st, uint8_t id[SR_HOME_DEVICE_ID_BYTES], int *found);
SR_MUST_USE int sr_store_home_device_set(sr_store_t *st, const uint8_t id[SR_HOME_DEVICE_ID_BYTES]);

/* people counts people, not keys: the keys known minus the bound device keys
 * (each is its person, store/devices.h); authors counts keys with a log. */
typedef struct sr_store_info {
  size_t entries, authors, people, projects, edges, forks;
  uint64_t map_size, file_bytes;
} sr_store_info_t;
SR_MUST_USE int sr_store_info(sr_store_t *st, sr_store_info_t *info);
/* Only map_size and file_bytes of sr_store_info, without a transaction (as of
 * the last commit): cheap enough for every tick (the metrics endpoint). */
void sr_store_sizes(sr_store_t *st, uint64_t *file_bytes, uint64_t *map_size);

/* Progress for long jobs: called now and then with done/total (total may be 0). */
typedef void (*sr_progress_cb)(void *ctx, size_t done, size_t total);

#endif
