/* store_internal.h: what the store's .c files share; never included outside store/. */
#ifndef SR_STORE_INTERNAL_H
#define SR_STORE_INTERNAL_H
#include "store/store.h"
#include "store/flowstore.h"
#include "store/flowview.h"
#include "store/forks.h"
#include "store/ingest.h"
#include "store/lookup.h"
#include "store/maintenance.h"
#include "store/read.h"
#include "store/restore_gate.h"
#include "store/devices.h"
#include "store/usage.h"
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

/* Named databases. Order matters: the ones that hold truth (entries, what was
 * observed, what a person configured) come first; everything from
 * DB_FIRST_DERIVED on is a function of the entries and is dropped and rebuilt by
 * reindex. A new database that is not derived goes before DB_LOG.
 * DB_FIRST_ADDED..DB_FIRST_DERIVED-1 were added after format 1 shipped: open
 * creates them in an existing store (see sr_store_open). */
enum {
  DB_META,
  DB_ROWS, /* format 2: row -> packed flow ‖ entry bytes (rows.c) */
  DB_IDS,  /* format 2: id -> row */
  DB_PEERS,
  DB_INVITES,
  DB_RELAY_MEMBERS, /* node state: peers.c */
  DB_DEVICE_CODES,  /* node state: device_codes.c */
  DB_USAGE,         /* per-author usage: usage.c (kept in the ingest transaction; reindex keeps it) */
  DB_PURGED,        /* node state: purge.c */
  DB_OBSERVED,      /* truth: other nodes' first arrivals, imported (observed.c) */
  DB_LOG,           /* "logs": author -> seq ‖ row (dupsort, dupfixed) */
  DB_HEADS,
  DB_FORKS,
  DB_EDGES_OUT,
  DB_EDGES_IN,
  DB_CONTACTS,
  DB_MEMBERS,
  DB_PROFILES,
  DB_PROJECTS,
  DB_PEOPLE,
  DB_RESHARES,
  DB_DEVICES,        /* device bindings: devices.c */
  DB_PERSON_DEVICES, /* person -> each key its `device` entries name */
  DB_COUNT
};
#define DB_FIRST_ADDED DB_PEERS
/* Derived databases added after format 1 shipped: open creates them (empty) in
 * an older store, like the node-state ones from DB_FIRST_ADDED. */
#define DB_FIRST_ADDED_DERIVED DB_DEVICES
/* First derived database: everything from here on is rebuilt by reindex. */
#define DB_FIRST_DERIVED DB_LOG

struct sr_store {
  MDB_env *env;
  MDB_dbi dbi[DB_COUNT];
  char path[4096];
  _Atomic uint64_t quota[3]; /* sr_quota_t: entries a day, bytes a day, bytes in all (usage.c) */
};

/* The calling thread's store error text (sr_store_errmsg); written with
 * snprintf(sr_store_errbuf, sizeof(sr_store_errbuf), ...). */
extern _Thread_local char sr_store_errbuf[SR_STORE_ERRMSG_MAX];

/* Records an LMDB error on the handle and returns SR_ESTORE. */
int sr_store_fail(sr_store_t *st, const char *what, int mdb_rc);
/* Transactions. The rule: every LMDB transaction in the process begins with
 * sr_store_txn_begin and ends with sr_store_txn_commit or sr_store_txn_abort, on
 * the thread that began it; no file but store.c calls mdb_txn_begin, _commit or
 * _abort (tests/check_layers.sh checks). The pair holds the process's
 * transaction gate open, and a map resize (sr_store_grow, or adopting a map grown
 * by another process) waits until no transaction is open anywhere in the
 * process, as LMDB requires: a reader on another thread can never see the map
 * move under it. So: never keep a transaction open across a return to the event
 * loop, and never write (sr_store_write) while this thread holds a read
 * transaction (a resize it would need is then refused with EDEADLK rather than
 * waited for). One environment is opened once per process (LMDB forbids a
 * second handle; the daemon and each CLI command open the store once). */
/* Begins a transaction, adopting a map grown by another process. */
int sr_store_txn_begin(sr_store_t *st, unsigned flags, MDB_txn **txn);
/* Commits txn (freed whatever happens); returns the LMDB code. */
int sr_store_txn_commit(sr_store_t *st, MDB_txn *txn);
void sr_store_txn_abort(sr_store_t *st, MDB_txn *txn);
/* One row of sr_store_scan: the key/value are valid during the call. Return 0
 * to go on; SR_SCAN_STOP to end the scan with 0; anything else ends it and is
 * returned. */
#define SR_SCAN_STOP (-0x7fff)
typedef int (*sr_row_fn)(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg);
/* Walks db in key order in one read transaction, from start (MDB_SET_RANGE) or
 * from the first key when start is NULL. what names the walk in errors. */
int sr_store_scan(sr_store_t *st, int db, const MDB_val *start, const char *what, sr_row_fn fn, void *arg);

/* Doubles the map size after MDB_MAP_FULL: the caller has ended its write
 * transaction; waits until no transaction is open in the process. */
int sr_store_grow(sr_store_t *st);

/* The body of a write transaction: returns 0 to commit, an LMDB code or a
 * negative SR_E* code to abort (MDB_MAP_FULL makes sr_store_write retry).
 * Never an LMDB code for a failure that is not LMDB's (out of memory is
 * SR_ENOMEM): sr_store_write turns every LMDB code into SR_ESTORE. */
typedef int (*sr_txn_fn)(sr_store_t *st, MDB_txn *txn, void *arg);
/* Runs fn in a write transaction and commits; on MDB_MAP_FULL (from fn or the
 * commit) aborts, doubles the map and runs fn again, so fn must be repeatable
 * (no effects outside txn that a retry would double). Returns 0, fn's SR_E*
 * code as is, or SR_ESTORE for an LMDB failure (text in sr_store_errmsg). */
int sr_store_write(sr_store_t *st, sr_txn_fn fn, void *arg);

/* ---- rows.c: entries, their flow records and logs in format 2 ----
 * Functions taking a txn return 0 or an LMDB code (MDB_NOTFOUND: not held;
 * MDB_CORRUPTED: a row or index that does not parse). Values point into txn. */
/* A row number is a u32 (big-endian: memcmp order is numeric order), so a
 * store holds at most 2^32 - 1 entries: about 1.8 TB of entries, far beyond one
 * node's disk. 4 bytes instead of 8 in ids, logs and rows' keys save about 20
 * bytes an entry (docs/storage.md). */
#define ROWID_BYTES 4
#define SR_ROW_MAX 0xffffffffu
#define LOGDUP_BYTES (8 + ROWID_BYTES) /* a log value: seq u64 ‖ row u32 */
void sr_rowid_put(uint8_t out[ROWID_BYTES], uint64_t row);
uint64_t sr_rowid_get(const void *p);
#define ROW_FLOW_MAX (1 + 8 + 4 + SR_KEY_BYTES) /* a packed flow record at most */
void sr_logdup_put(uint8_t out[LOGDUP_BYTES], uint64_t seq, uint64_t row);
int sr_logdup_get(const MDB_val *v, uint64_t *seq, uint64_t *row);
size_t sr_row_flow_pack(const sr_flow_t *f, uint8_t out[ROW_FLOW_MAX]);
/* A row's value: its flow record (flow may be NULL) and the entry's bytes. */
int sr_row_split(const MDB_val *v, MDB_val *raw, sr_flow_t *flow);
int sr_row_read(sr_store_t *st, MDB_txn *txn, uint64_t row, MDB_val *raw, sr_flow_t *flow);
int sr_row_of_id(sr_store_t *st, MDB_txn *txn, const uint8_t *id, uint64_t *row);
int sr_row_by_id(sr_store_t *st, MDB_txn *txn, const uint8_t *id, MDB_val *raw, sr_flow_t *flow);
/* Stores an entry under the next row and its id; an id held already keeps its
 * row (first arrival wins) and *row names it. */
int sr_row_add(sr_store_t *st, MDB_txn *txn, const uint8_t *id, const uint8_t *raw, size_t len, const sr_flow_t *flow,
               uint64_t *row);
/* The row of author's entry seq on the log, or MDB_NOTFOUND. */
int sr_log_find(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, uint64_t *row);
/* Sets the log of author at seq to row (appended when past the last seq). */
int sr_log_add(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, uint64_t row);
/* The bytes and flow of author's entry seq on the log. */
int sr_log_entry(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, MDB_val *raw, sr_flow_t *flow);
/* Walks ids in id order in one read transaction, each with its row; fn as
 * sr_row_fn (SR_SCAN_STOP ends it with 0). */
typedef int (*sr_id_row_fn)(sr_store_t *st, MDB_txn *txn, const uint8_t *id, const MDB_val *raw, const sr_flow_t *flow,
                            void *arg);
int sr_store_scan_ids(sr_store_t *st, const char *what, sr_id_row_fn fn, void *arg);
/* upgrade.c: a format-1 store made format 2 in one write transaction, with
 * progress lines on stderr (store.c calls it from sr_store_open). */
int sr_store_upgrade_v1(sr_store_t *st);

#define HEAD_VAL_BYTES (8 + SR_ID_BYTES + 1)
#define FLOW_VAL_BYTES (8 + SR_KEY_BYTES + 4 + 1)
#define LOG_KEY_BYTES (SR_KEY_BYTES + 8)
void sr_log_key(uint8_t key[LOG_KEY_BYTES], const uint8_t *author, uint64_t seq);
/* 1 when a relay_members value says the member was removed (store/peers.h). */
int sr_member_val_removed(const MDB_val *v);

void sr_be64_put(uint8_t *p, uint64_t v);
uint64_t sr_be64_get(const uint8_t *p);
void sr_flow_encode(const sr_flow_t *f, uint8_t out[FLOW_VAL_BYTES]);
void sr_flow_decode(const uint8_t *in, size_t len, sr_flow_t *f);
int sr_head_read(MDB_txn *txn, sr_store_t *st, const uint8_t *author, sr_head_t *h);
/* This node's own key (meta "self") inside txn, or SR_ENOTFOUND (meta.c). */
int sr_store_self_in(sr_store_t *st, MDB_txn *txn, uint8_t key[SR_KEY_BYTES]);
/* sr_store_get_by_seq inside txn (read.c; the reader of store.c uses it too). */
int sr_store_by_seq_in(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, uint8_t *buf, size_t cap,
                       size_t *len, sr_flow_t *flow);

/* ingest.c's pieces that reindex.c and forks.c share: a person added; a
 * head written; an entry's bytes, flow and author stored (sr_ingest_item_t:
 * raw, len, flow and the decoded e); items ordered by author, seq, then
 * first arrival. Each returns 0 or an LMDB code. */
int sr_store_person_add(sr_store_t *st, MDB_txn *txn, const uint8_t *key);
int sr_store_head_write(sr_store_t *st, MDB_txn *txn, const uint8_t *author, const sr_head_t *h);
int sr_store_raw_put(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *it); /* sets it->row */
int sr_store_cmp_author_seq(const void *a, const void *b);
/* forks.c: the entries ids[0..n) of author at seq (stored) become a fork proof
 * on their own, for a seq past the log: listed in the forks database and the
 * author marked forked (a head of seq 0 when none is held). 0 or an LMDB code. */
int sr_store_proof_beyond(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                          const uint8_t (*ids)[SR_ID_BYTES], size_t n);
/* forks.c: sets the self-fork stop (meta "self_fork") unless it is set
 * already (*newly says whether this call set it): reason SR_SELF_FORK_*, the
 * seq and id of the entry, the peer it came from, when. 0 or an LMDB code. */
int sr_store_self_fork_mark(sr_store_t *st, MDB_txn *txn, int reason, uint64_t seq, const uint8_t *id,
                            const uint8_t *from, uint64_t at_ms, int *newly);
/* forks.c: the self-fork stop inside txn (out->set 0 when none). 0 or an LMDB code. */
int sr_store_self_fork_in(sr_store_t *st, MDB_txn *txn, sr_self_fork_t *out);

/* restore_gate.c: the restore stop inside txn (out->set 0 when none). 0 or an LMDB code. */
int sr_store_restore_gate_in(sr_store_t *st, MDB_txn *txn, sr_restore_gate_t *out);
/* ingest.c: what an entry changes in the graph databases (edges, contacts,
 * members, profiles, projects, reshares) and, for device entries, the
 * bindings (devices.c). 0, an LMDB code or an SR_E* code. */
int sr_store_apply_effects(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, const sr_content_t *c);
/* devices.c: the binding effect of a `device` or `device-of` entry just taken. */
int sr_store_device_effect(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, const sr_content_t *c);
/* devices.c: 1 when e is an entry of a device its person revoked, past the
 * revocation's upto (*upto): ingest refuses it (SR_EREVOKED); reindex logs it
 * but applies nothing of it. */
int sr_store_device_refuses(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, uint64_t *upto);
/* devices.c: the keys one half of a binding ties to key (caller frees *out):
 * the person key's seq 1 names, and every key key's log names in a `device`
 * entry. Self's scope takes them, so that a new device and its person
 * replicate each other before either holds the other's half. */
int sr_store_device_halves_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, uint8_t (**out)[SR_KEY_BYTES],
                              size_t *n);
/* devices.c: for sr_store_verify, each devices record against the logs (the
 * claim at the device's seq 1, the certificate at cert_seq), each mismatch
 * reported to problem. 0, SR_ENOMEM or an LMDB code. */
int sr_store_devices_verify_in(sr_store_t *st, MDB_txn *txn, void (*problem)(void *ctx, const char *what), void *ctx);
/* devices_person.c: the keys keys[0..nkeys) follow as one person: for each
 * key they hold a contact about, the newest state by ts among them (ties: the
 * higher author key) is follow. *out (caller frees) holds those keys, sorted.
 * 0, SR_ENOMEM or an LMDB code. */
int sr_store_follows_merged_in(sr_store_t *st, MDB_txn *txn, const uint8_t (*keys)[SR_KEY_BYTES], size_t nkeys,
                               uint8_t (**out)[SR_KEY_BYTES], size_t *n);
/* devices.c: sr_store_person_of, sr_store_personmap inside txn (LMDB codes). */
int sr_store_person_of_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, uint64_t seq, uint8_t *person);
int sr_store_personmap_in(sr_store_t *st, MDB_txn *txn, sr_personmap_t **out);
/* devices.c: the name of key's person (devices.h) inside txn: 0 with *name
 * pointing into the txn, MDB_NOTFOUND, or an LMDB code. */
int sr_store_person_name_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, MDB_val *name);

/* usage.c: author's usage row counts one more stored entry of len bytes that
 * arrived at at_ms (called wherever an entry's bytes are put: raw_put). */
int sr_usage_add_in(sr_store_t *st, MDB_txn *txn, const uint8_t *author, size_t len, uint64_t at_ms);
/* usage.c: whether the ingest may store it (before its rules): a purged
 * author's entry (any source but the own) or one from a peer over a quota
 * gets status SR_EPURGED or SR_EQUOTA with its why, and *refused 1. self:
 * the node's key (never limited), or NULL. 0 or an LMDB code. */
int sr_usage_admit_in(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *it, const uint8_t *self, uint64_t now_ms,
                      int *refused);
/* usage.c: counts every entry into the usage table (a store older than it). */
int sr_usage_backfill_fn(sr_store_t *st, MDB_txn *txn, void *arg);
/* usage.c: for sr_store_verify, each author's usage row against what its log
 * and fork proofs hold, each mismatch reported. 0 or an LMDB code. */
int sr_usage_verify_in(sr_store_t *st, MDB_txn *txn, void (*problem)(void *ctx, const char *what), void *ctx);
/* purge.c: *at_ms when author was purged, 0 when not. 0 or an LMDB code. */
int sr_usage_purged_in(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t *at_ms);
/* reindex.c: sr_store_reindex's body inside txn (purge runs it after its deletes). */
int sr_store_reindex_in(sr_store_t *st, MDB_txn *txn, sr_progress_cb progress, void *ctx);

/* Checks items in parallel (decode, signature, schema) when threads > 1 and
 * the batch has SR_VERIFY_POOL_MIN items: below that, starting threads costs
 * more than it saves. */
#define SR_VERIFY_POOL_MIN 64
void sr_store_verify_items(sr_ingest_item_t *items, size_t n, int threads);

/* verify_pool.c: threads checking items[0..n) in order while the caller's
 * thread writes; the caller owns items and the pool struct. */
#define SR_VERIFY_MAX_THREADS 16
typedef struct sr_verify_pool {
  sr_ingest_item_t *items;
  size_t n;
  atomic_size_t next;
  unsigned char *done; /* per chunk, under mu */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t tids[SR_VERIFY_MAX_THREADS];
  int started;
  uint64_t check_ns; /* thread time in the checks (under mu) */
  uint64_t wait_ns;  /* the writer's time waiting for a check */
} sr_verify_pool_t;
/* Starts threads workers (0 or an SR_E* code: nothing started). */
int sr_verify_pool_start(sr_verify_pool_t *p, sr_ingest_item_t *items, size_t n, int threads);
/* Returns once items[i] is checked (checking it here when no thread is left). */
void sr_verify_pool_wait(sr_verify_pool_t *p, size_t i);
/* Stops the workers (they finish their chunk) and frees the pool's state. */
void sr_verify_pool_finish(sr_verify_pool_t *p);
/* The write phase of ingest inside txn (used by ingest, publish and reindex). */
int sr_store_apply_batch(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *items, size_t n, uint64_t now_ms, int reindex,
                         sr_ingest_stats_t *stats);

#endif
