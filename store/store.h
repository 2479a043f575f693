/* store.h: one LMDB environment per node home (DESIGN.md, "Storage").
 *
 * Named databases (keys and values are fixed-layout binary, integers big-endian):
 *   meta      "format" -> u32 version; "self" -> 32-byte key of the node
 *   entries   id -> entry bytes                         (the truth)
 *   flow      id -> received_at u64, from key[32], hops u32, source u8
 *   peers     key -> peer record                        (node state, peers.h)
 *   invites   hash(secret) -> uses_left u32, created_ms u64 (node state, peers.h)
 *   relay_members key -> joined_ms u64                  (node state, peers.h)
 *   log       author||seq u64 -> id                     (derived)
 *   heads     author -> seq u64, id[32], forked u8      (derived)
 *   forks     author||seq -> id of the second entry      (derived, dupsort)
 *   edges_out src -> kind u8 || dst[32]                  (derived, dupsort)
 *   edges_in  dst -> kind u8 || src[32]                  (derived, dupsort)
 *   contacts  author||who -> state u8                    (derived)
 *   members   author||project -> role u8                 (derived)
 *   profiles  author -> name (latest about)              (derived)
 *   projects  project id -> author[32] || name           (derived)
 *   people    key -> (empty)                             (derived)
 *   reshares  original id -> resharing id[32] || resharer[32] (derived, dupsort)
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
#include "core/core.h"
#include <stddef.h>
#include <stdint.h>

#define SR_STORE_FORMAT 1

/* Errors: every sr_store_* function returns 0 (or a count) or an SR_E* code
 * (core/err.h), never an LMDB code: an LMDB failure is SR_ESTORE, with LMDB's
 * text in sr_store_errmsg. */

typedef struct sr_store sr_store_t;

enum sr_edge_kind {
  SR_EDGE_FOLLOW = 1, SR_EDGE_BLOCK, SR_EDGE_MEMBER, SR_EDGE_SUPPORTER, SR_EDGE_SHARE, SR_EDGE_RESHARE
};
#define SR_EDGE_KINDS 6
const char *sr_edge_kind_name(int kind);

enum sr_source { SR_SRC_SELF = 1, SR_SRC_IMPORT, SR_SRC_PEER, SR_SRC_REINDEX };

/* Where and when this node first got an entry. */
typedef struct sr_flow {
  uint64_t received_at; /* ms since epoch */
  uint8_t from[SR_KEY_BYTES]; /* peer key, all zero for local sources */
  uint32_t hops;
  uint8_t source; /* enum sr_source */
} sr_flow_t;

/* Opens (create != 0: creates) the store in directory dir. Errors: SR_ENOSTORE
 * (no store there and create == 0), SR_ESTOREVER (another format version),
 * SR_ESTORE; err (may be NULL) then receives a sentence saying what to do.
 * A format-1 store made before the peers/invites/relay_members databases existed
 * gets them in one short write transaction, even when create == 0. */
int sr_store_open(const char *dir, int create, sr_store_t **out, char *err, size_t errlen);
void sr_store_close(sr_store_t *st);
/* The text of the last store error (SR_ESTORE and the like) on the CALLING
 * THREAD ("" if none): each thread has its own, so a worker and the loop that
 * share one handle may fail at once without a race. Read it on the thread that
 * made the failing call; a worker that reports to another thread copies it
 * (e.g. into its job) before it returns. st is unused (kept for the callers). */
#define SR_STORE_ERRMSG_MAX (4096 + 512)
const char *sr_store_errmsg(const sr_store_t *st);

int sr_store_set_self(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]);
int sr_store_get_self(sr_store_t *st, uint8_t key[SR_KEY_BYTES]);

/* One entry offered to sr_store_ingest(). The caller fills raw/len and the
 * flow fields; the store fills status (0 accepted, SR_EDUP duplicate, SR_EFORK
 * kept as fork proof, another SR_E* code rejected), why, and, when the entry
 * decoded, author/seq/id. raw must stay valid for the call. */
typedef struct sr_ingest_item {
  const uint8_t *raw;
  size_t len;
  sr_flow_t flow;
  int status;
  char why[160];
  uint8_t id[SR_ID_BYTES];
  uint8_t author[SR_KEY_BYTES];
  uint64_t seq;
  /* internal: results of the parallel verification phase */
  int verified, vstatus;
  sr_entry_t e;
  sr_content_t c;
} sr_ingest_item_t;

typedef struct sr_ingest_stats {
  size_t accepted, duplicates, forks, rejected;
} sr_ingest_stats_t;

/* Ingests items[0..n) as one write transaction. An author's entries may come out
 * of order within the batch; any still missing an earlier seq at the end are
 * rejected with SR_EGAP and a reason naming the missing seq. threads > 1 checks
 * signatures on that many threads before the transaction. now_ms is the clock
 * for the future-timestamp rule. Returns 0 when the transaction committed (then
 * every accepted item is durable), or an error and nothing is stored. */
int sr_store_ingest(sr_store_t *st, sr_ingest_item_t *items, size_t n, int threads, uint64_t now_ms,
                    sr_ingest_stats_t *stats);

/* Appends a new entry to the log of the key pair sk in one write transaction:
 * reads the head, signs seq = head+1 with prev = head id, stores it. content is
 * a canonical map; ts is its timestamp and now_ms the clock the future rule
 * uses. The new entry's id and seq are returned. */
int sr_store_publish(sr_store_t *st, const uint8_t sk[SR_SECRET_BYTES], const char *type,
                     const uint8_t *content, size_t content_len, uint64_t ts, uint64_t now_ms,
                     uint8_t id[SR_ID_BYTES], uint64_t *seq, char *why, size_t whylen);

int sr_store_get_head(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], sr_head_t *h);

/* ---- reading: each call runs in one read transaction of its own; pointers
 * handed to a callback are valid only during that callback. A callback returns 0
 * to go on, anything else to stop (that value is returned). ---- */

typedef int (*sr_entry_cb)(void *ctx, const sr_entry_t *e, const sr_flow_t *flow);
/* The log of one author (or every author when author == NULL), author order then
 * seq ascending: the branch each head follows (fork proofs: sr_store_foreach_fork). */
int sr_store_foreach_entry(sr_store_t *st, const uint8_t *author, sr_entry_cb cb, void *ctx);
/* Every stored entry, in id order, log or fork proof (for export and verify). */
int sr_store_foreach_raw(sr_store_t *st, sr_entry_cb cb, void *ctx);

typedef struct sr_person {
  const uint8_t *key;
  const char *name; /* NULL when no about entry is held */
  size_t name_len;
  uint64_t seq; /* head seq; 0 when no entry of theirs is held */
  int forked;
  int is_self;
} sr_person_t;
int sr_store_foreach_person(sr_store_t *st, int (*cb)(void *ctx, const sr_person_t *p), void *ctx);

typedef struct sr_project {
  const uint8_t *id;
  const uint8_t *author; /* NULL when the project entry itself is not held */
  const char *name;
  size_t name_len;
} sr_project_t;
/* Every project known by its entry or named by a membership or share. */
int sr_store_foreach_project(sr_store_t *st, int (*cb)(void *ctx, const sr_project_t *p), void *ctx);
/* A person's name (from their latest about entry) or a project's name (from its
 * project entry), copied into name[cap] and NUL-terminated (cap > SR_ENTRY_MAX is
 * always enough; *len, if not NULL, is the whole length). SR_ENOTFOUND when the
 * node holds no such name. Both run in a read transaction of their own, so they
 * may be called from inside a foreach callback. */
int sr_store_get_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], char *name, size_t cap, size_t *len);
int sr_store_get_project_name(sr_store_t *st, const uint8_t id[SR_ID_BYTES], char *name, size_t cap, size_t *len);
int sr_store_foreach_edge(sr_store_t *st, int (*cb)(void *ctx, int kind, const uint8_t *src, const uint8_t *dst),
                          void *ctx);
int sr_store_foreach_fork(sr_store_t *st,
                          int (*cb)(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id,
                                    const uint8_t *fork_id),
                          void *ctx);

/* Copies the entry with this id into buf (capacity cap >= SR_ENTRY_MAX is always
 * enough). Errors: SR_ENOTFOUND. */
int sr_store_get_entry(sr_store_t *st, const uint8_t id[SR_ID_BYTES], uint8_t *buf, size_t cap, size_t *len,
                       sr_flow_t *flow);

/* The entry author/seq on the branch the author's head follows (the log, not a
 * fork proof), copied into buf as get_entry does; its flow too when flow != NULL.
 * Errors: SR_ENOTFOUND (this node does not hold that seq), SR_ETOOBIG (cap). */
int sr_store_get_by_seq(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint8_t *buf,
                        size_t cap, size_t *len, sr_flow_t *flow);
/* Streams up to max consecutive entries of author's log from from_seq on (0 is
 * taken as 1), seq ascending, in ONE read transaction: cb gets the raw entry
 * bytes, valid only during the call (they point into the map; copy to keep).
 * Stops at the end of the log, after max entries, or when cb returns nonzero;
 * returns 0 or that nonzero value (or an error). Memory use is constant: the
 * gossip pump calls this repeatedly with the next from_seq. cb must not write
 * to the store, and should be quick: an open read transaction keeps writers
 * from reusing pages. */
int sr_store_stream_log(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t from_seq, size_t max,
                        int (*cb)(void *ctx, const uint8_t *raw, size_t len, uint64_t seq), void *ctx);

typedef struct sr_store_info {
  size_t entries, authors, people, projects, edges, forks;
  uint64_t map_size, file_bytes;
} sr_store_info_t;
int sr_store_info(sr_store_t *st, sr_store_info_t *info);

/* Progress for long jobs: called now and then with done/total (total may be 0). */
typedef void (*sr_progress_cb)(void *ctx, size_t done, size_t total);

/* Rebuilds every derived database from the entries (one write transaction). */
int sr_store_reindex(sr_store_t *st, sr_progress_cb progress, void *ctx);

/* Re-validates the whole store: every entry decodes, verifies and fits its
 * schema; every log chain links by prev; heads match logs; every log id and
 * fork proof is a stored entry and every stored entry is in a log or a fork
 * proof; fork proofs are real forks. report() is called once per problem. Returns the number of problems (0: all good) or an error. */
int sr_store_verify(sr_store_t *st, void (*report)(void *ctx, const char *problem), void *ctx,
                    sr_progress_cb progress, void *pctx);

/* ---- flow reports (store/flowreport_scan.c, core/flowreport.h) ---- */
struct sr_flowreport;
/* Counts into r (period and layout already set, e.g. by sr_flowreport_init)
 * every entry that arrived from a peer with received_at in [r->period_start,
 * r->period_end): its hops and latency. Exact counts; no noise. */
int sr_store_flow_count(sr_store_t *st, struct sr_flowreport *r);
/* The latest period_end among author's flow-report entries (0: none). */
int sr_store_flow_last_end(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t *end);
/* Where author's next report starts at now: the end of its last one, but at
 * most interval_ms back (a node off for a day reports the last interval). So
 * periods never overlap and no entry is counted twice. >= now: nothing to report. */
uint64_t sr_store_flow_next_start(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now, uint64_t interval_ms);

/* Writes a compacted, consistent copy of the store to the file path (which must
 * not exist), while other processes keep using the store. The file is an LMDB
 * data file: to restore, put it as data.mdb in an empty store directory. */
int sr_store_backup(sr_store_t *st, const char *path);

/* ---- flow views (flowview.c): what `seurone flow` reads ---- */

/* A node of the reshare forest: a held share, or a held entry of any type that
 * some held share reshares. parent is the index of the held entry this one
 * reshares (from the reshares database), UINT32_MAX when it reshares nothing or
 * an entry this node does not hold (then orphan = 1). */
typedef struct sr_share_node {
  uint8_t id[SR_ID_BYTES];
  uint8_t author[SR_KEY_BYTES];
  uint8_t project[SR_ID_BYTES]; /* share.project when has_project */
  uint8_t is_share, has_project, orphan;
  uint32_t parent;
  uint64_t ts;
  sr_flow_t flow;
} sr_share_node_t;
/* The whole forest, sorted by id, in one read transaction; *nodes is malloc'd
 * (free it; NULL when *n == 0). */
int sr_store_share_forest(sr_store_t *st, sr_share_node_t **nodes, size_t *n);
/* Every flow record (id order), without decoding the entries. */
int sr_store_foreach_flow(sr_store_t *st, int (*cb)(void *ctx, const uint8_t *id, const sr_flow_t *flow), void *ctx);

/* ---- lookups (lookup.c): what a person typed, matched against what the node
 * knows. A prefix costs one cursor seek (MDB_SET_RANGE) and a step per match;
 * a name costs a scan of the profiles or projects database (no name index). ---- */

enum sr_find_kind { SR_FIND_PERSON = 1, SR_FIND_ENTRY, SR_FIND_PROJECT };
#define SR_FIND_NAME_MAX 96 /* bytes of a name kept in a match (cut at a UTF-8 boundary) */

/* One match. name: a person's latest about name, a project's name, or for an
 * entry its author's name; name_len 0 when none is known. type: an entry's type. */
typedef struct sr_match {
  uint8_t id[SR_ID_BYTES];
  char name[SR_FIND_NAME_MAX + 1];
  size_t name_len;
  char type[SR_TYPE_MAX + 1];
} sr_match_t;

/* The people (people database), entries (entries database) or projects (the
 * projects database: project entries held and ids named by memberships and
 * shares) of kind whose lowercase hex starts with hex (1..64 hex digits, either
 * case). Fills out[0..min(*n, max)); *n is the number found, counted up to
 * max + 1 (so *n > max means more than max match). Errors: SR_EINVAL (hex is not
 * 1..64 hex digits or kind unknown), SR_ESTORE. */
int sr_store_find_prefix(sr_store_t *st, int kind, const char *hex, sr_match_t *out, size_t max, size_t *n);
/* The people whose latest about name, or the projects whose project entry's
 * name, is exactly the len bytes of name (byte equality: case-sensitive, no
 * Unicode normalisation); out and *n as sr_store_find_prefix. SR_EINVAL for
 * SR_FIND_ENTRY (entries have no names). */
int sr_store_find_name(sr_store_t *st, int kind, const char *name, size_t len, sr_match_t *out, size_t max, size_t *n);

/* Everything the node knows of one 32-byte value, read in one transaction. */
typedef struct sr_known {
  int person;      /* in the people database (an author, or named by a contact) */
  int authored;    /* the node holds at least one entry by this key */
  int self;        /* it is this node's own key */
  int entry;       /* the node holds an entry with this id */
  char entry_type[SR_TYPE_MAX + 1]; /* its type ("" if it does not decode) */
  int project;     /* in the projects database (held, or named by a membership or share) */
  int project_held; /* the project entry itself is held */
} sr_known_t;
int sr_store_what_is(sr_store_t *st, const uint8_t id[SR_ID_BYTES], sr_known_t *k);

#endif
