/* usage.h: how much each author holds in this store, the quotas a relay sets
 * on it, and the authors the operator purged (docs/storage.md, "Usage and
 * quotas"; docs/config.md, "Quotas").
 *
 * The usage row of an author is written in the write transaction that stores
 * one of its entries (store/ingest.c calls sr_usage_add_in, store_internal.h),
 * so it always matches the entries database: entries and bytes of the author
 * held, when the last one arrived, and what arrived on the current UTC day.
 * A store made before the table existed is counted once, when it is first
 * opened with write access. */
#ifndef SR_STORE_USAGE_H
#define SR_STORE_USAGE_H
#include "store/store.h"

#define SR_DAY_MS 86400000ull

typedef struct sr_usage {
  uint64_t entries, bytes; /* held now (fork proofs included) */
  uint64_t last_ms;        /* when the newest of them arrived (0: none held) */
  uint64_t day;            /* the UTC day (ms / SR_DAY_MS) the day counters are of */
  uint64_t day_entries, day_bytes;
} sr_usage_t;

/* Per-author limits on entries received from peers (0: no limit). The own
 * entries, imports and the node's own key are never limited. */
typedef struct sr_quota {
  uint64_t entries_per_day, bytes_per_day, bytes_total;
} sr_quota_t;

/* The usage of author as of now_ms (the day counters read 0 when the row is
 * of an earlier day); all zero when nothing of it is held. 0 or SR_ESTORE. */
SR_MUST_USE int sr_usage_get(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now_ms, sr_usage_t *out);

/* Sets the quotas the ingest applies from now on (any thread; the ingest
 * worker reads them at each entry). */
void sr_store_set_quota(sr_store_t *st, const sr_quota_t *q);
void sr_store_get_quota(sr_store_t *st, sr_quota_t *q);

/* Progress of the one-time count of an older store at open (entries done of
 * total), for the process: the CLI and the daemon say it on stderr. NULL: none. */
void sr_usage_backfill_progress(sr_progress_cb cb, void *ctx);

/* ---- purge ---- */

typedef struct sr_purge_result {
  uint64_t entries, bytes; /* removed */
  int already;             /* the author was purged before (its row kept, updated) */
} sr_purge_result_t;

/* Removes every entry of author (and its flow record), rebuilds everything
 * derived from the entries (a full reindex: progress as sr_store_reindex's),
 * drops its usage row and records it as purged, in one write transaction:
 * a crash leaves all of it or none. From then on the ingest refuses its
 * entries (SR_EPURGED). SR_EINVAL for the store's own key. */
SR_MUST_USE int sr_store_purge(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now_ms,
                               sr_progress_cb progress, void *ctx, sr_purge_result_t *out);

/* Takes author off the purged list (`purge --undo`): its entries are taken
 * again from then on (fetched again from peers; nothing removed comes back
 * by itself). *was: it was purged. 0 or SR_ESTORE. */
SR_MUST_USE int sr_store_unpurge(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], int *was);

/* Whether author is purged here: *at_ms when (0: not purged). 0 or SR_ESTORE. */
SR_MUST_USE int sr_store_purged(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t *at_ms);

#endif
