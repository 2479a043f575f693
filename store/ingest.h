/* ingest.h: entries into the store: ingest batches (ingest.c) and publish.
 * Every call is one write transaction. */
#ifndef SR_STORE_INGEST_H
#define SR_STORE_INGEST_H
#include "core/err.h"
#include "store/store.h"

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
  /* 1 when this entry, of this node's own key and from a peer, set the
   * self-fork stop (store/forks.h): another copy of the identity wrote it */
  int self_fork;
  /* internal: results of the parallel verification phase */
  int verified, vstatus;
  uint64_t row; /* the entry's row once stored (store/rows.c; the store sets it) */
  sr_entry_t e;
  sr_content_t c;
} sr_ingest_item_t;

typedef struct sr_ingest_stats {
  size_t accepted, duplicates, forks, rejected;
  size_t self_fork; /* entries that set the self-fork stop (0 or 1) */
  /* Where the time went, for benchmarks (sr_store_ingest only): thread time
   * in the checks (decode, signature, schema), the write transaction's own
   * time, and the part of it spent waiting for a check it needed next. */
  uint64_t check_ns, write_ns, wait_ns;
} sr_ingest_stats_t;

/* Ingests items[0..n) as one write transaction. An author's entries may come out
 * of order within the batch; any still missing an earlier seq at the end are
 * rejected with SR_EGAP and a reason naming the missing seq. threads > 1 checks
 * signatures on that many threads before the transaction. now_ms is the clock
 * for the future-timestamp rule. Returns 0 when the transaction committed (then
 * every accepted item is durable), or an error and nothing is stored. */
SR_MUST_USE int sr_store_ingest(sr_store_t *st, sr_ingest_item_t *items, size_t n, int threads, uint64_t now_ms,
                                sr_ingest_stats_t *stats);

/* Appends a new entry to the log of the key pair sk in one write transaction:
 * reads the head, signs seq = head+1 with prev = head id, stores it. content is
 * a canonical map; ts is its timestamp and now_ms the clock the future rule
 * uses. The new entry's id and seq are returned. Refused while the self-fork
 * stop is set (SR_ESELFFORK, store/forks.h) and for a forked log (SR_EFORKED),
 * why then saying what happened and what to do. */
SR_MUST_USE int sr_store_publish(sr_store_t *st, const uint8_t sk[SR_SECRET_BYTES], const char *type,
                                 const uint8_t *content, size_t content_len, uint64_t ts, uint64_t now_ms,
                                 uint8_t id[SR_ID_BYTES], uint64_t *seq, char *why, size_t whylen);

#endif
