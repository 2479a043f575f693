/* read.h: entries and names out of the store (read.c). */
#ifndef SR_STORE_READ_H
#define SR_STORE_READ_H
#include "core/err.h"
#include "store/store.h"

/* ---- reading: each call runs in one read transaction of its own; pointers
 * handed to a callback are valid only during that callback. A callback returns 0
 * to go on, anything else to stop (that value is returned). ---- */

/* The head (seq, id, forked) of author's log; all zero when none is held. */
SR_MUST_USE int sr_store_get_head(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], sr_head_t *h);

typedef int (*sr_entry_cb)(void *ctx, const sr_entry_t *e, const sr_flow_t *flow);
/* The log of one author (or every author when author == NULL), author order then
 * seq ascending: the branch each head follows (fork proofs: sr_store_foreach_fork). */
SR_MUST_USE int sr_store_foreach_entry(sr_store_t *st, const uint8_t *author, sr_entry_cb cb, void *ctx);
/* Every stored entry, in id order, log or fork proof (for export and verify). */
SR_MUST_USE int sr_store_foreach_raw(sr_store_t *st, sr_entry_cb cb, void *ctx);

typedef struct sr_person {
  const uint8_t *key;
  const char *name; /* NULL when no about entry is held */
  size_t name_len;
  uint64_t seq; /* head seq; 0 when no entry of theirs is held */
  int forked;
  int is_self;
} sr_person_t;
SR_MUST_USE int sr_store_foreach_person(sr_store_t *st, int (*cb)(void *ctx, const sr_person_t *p), void *ctx);

typedef struct sr_project {
  const uint8_t *id;
  const uint8_t *author; /* NULL when the project entry itself is not held */
  const char *name;
  size_t name_len;
} sr_project_t;
/* Every project known by its entry or named by a membership or share. */
SR_MUST_USE int sr_store_foreach_project(sr_store_t *st, int (*cb)(void *ctx, const sr_project_t *p), void *ctx);
/* A person's name (from their latest about entry; for a person with device
 * keys, and for a device key, the newest about by ts among the person's keys:
 * store/devices.h) or a project's name (from its
 * project entry), copied into name[cap] and NUL-terminated (cap > SR_ENTRY_MAX is
 * always enough; *len, if not NULL, is the whole length). SR_ENOTFOUND when the
 * node holds no such name. Both run in a read transaction of their own, so they
 * may be called from inside a foreach callback. */
SR_MUST_USE int sr_store_get_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], char *name, size_t cap, size_t *len);
SR_MUST_USE int sr_store_get_project_name(sr_store_t *st, const uint8_t id[SR_ID_BYTES], char *name, size_t cap,
                                          size_t *len);
SR_MUST_USE int sr_store_foreach_edge(sr_store_t *st,
                                      int (*cb)(void *ctx, int kind, const uint8_t *src, const uint8_t *dst),
                                      void *ctx);
SR_MUST_USE int sr_store_foreach_fork(sr_store_t *st,
                                      int (*cb)(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id,
                                                const uint8_t *fork_id),
                                      void *ctx);

/* Copies the entry with this id into buf (capacity cap >= SR_ENTRY_MAX is always
 * enough). Errors: SR_ENOTFOUND. */
SR_MUST_USE int sr_store_get_entry(sr_store_t *st, const uint8_t id[SR_ID_BYTES], uint8_t *buf, size_t cap, size_t *len,
                                   sr_flow_t *flow);

/* The entry author/seq on the branch the author's head follows (the log, not a
 * fork proof), copied into buf as get_entry does; its flow too when flow != NULL.
 * Errors: SR_ENOTFOUND (this node does not hold that seq), SR_ETOOBIG (cap). */
SR_MUST_USE int sr_store_get_by_seq(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint8_t *buf,
                                    size_t cap, size_t *len, sr_flow_t *flow);
/* Only the id of that entry (no copy, no hash): SR_ENOTFOUND when not held. */
SR_MUST_USE int sr_store_get_id_by_seq(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t seq,
                                       uint8_t id[SR_ID_BYTES]);
/* A read transaction kept for many reads (the gossip pump): a reader begins
 * one at its first read and keeps it until sr_store_reader_release, which
 * resets it (mdb_txn_reset) and lets the next read renew it (mdb_txn_renew),
 * so a loop of reads costs one begin, not one per read. While it is held, the
 * process's transaction gate stays open and a map resize waits (store_internal.h,
 * "Transactions"): release it before returning to the event loop, and never
 * write to the store from this thread while it is held. One thread only. */
typedef struct sr_store_reader sr_store_reader_t;
SR_MUST_USE int sr_store_reader_new(sr_store_t *st, sr_store_reader_t **out);
/* Releases the transaction if held and frees r (NULL is fine). */
void sr_store_reader_free(sr_store_reader_t *r);
/* Ends the snapshot: the next read sees what was written meanwhile. */
void sr_store_reader_release(sr_store_reader_t *r);
/* sr_store_get_head and sr_store_get_by_seq in the reader's transaction. */
SR_MUST_USE int sr_store_reader_get_head(sr_store_reader_t *r, const uint8_t author[SR_KEY_BYTES], sr_head_t *h);
SR_MUST_USE int sr_store_reader_get_by_seq(sr_store_reader_t *r, const uint8_t author[SR_KEY_BYTES], uint64_t seq,
                                           uint8_t *buf, size_t cap, size_t *len, sr_flow_t *flow);
/* Streams up to max consecutive entries of author's log from from_seq on (0 is
 * taken as 1), seq ascending, in ONE read transaction: cb gets the raw entry
 * bytes, valid only during the call (they point into the map; copy to keep).
 * Stops at the end of the log, after max entries, or when cb returns nonzero;
 * returns 0 or that nonzero value (or an error). Memory use is constant: the
 * gossip pump calls this repeatedly with the next from_seq. cb must not write
 * to the store, and should be quick: an open read transaction keeps writers
 * from reusing pages. */
SR_MUST_USE int sr_store_stream_log(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t from_seq, size_t max,
                                    int (*cb)(void *ctx, const uint8_t *raw, size_t len, uint64_t seq), void *ctx);

#endif
