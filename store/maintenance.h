/* maintenance.h: whole-store jobs: reindex, verify (ingest.c, check.c) and backup
 * (store.c). */
#ifndef SR_STORE_MAINTENANCE_H
#define SR_STORE_MAINTENANCE_H
#include "core/err.h"
#include "store/store.h"

/* Rebuilds every derived database from the entries (one write transaction). */
SR_MUST_USE int sr_store_reindex(sr_store_t *st, sr_progress_cb progress, void *ctx);

/* Re-validates the whole store: every entry decodes, verifies and fits its
 * schema; every log chain links by prev; heads match logs; every log id and
 * fork proof is a stored entry and every stored entry is in a log or a fork
 * proof; fork proofs are real forks. report() is called once per problem. Returns the number of problems (0: all good) or an error. */
SR_MUST_USE int sr_store_verify(sr_store_t *st, void (*report)(void *ctx, const char *problem), void *ctx,
                                sr_progress_cb progress, void *pctx);


/* Writes a compacted, consistent copy of the store to the file path (which must
 * not exist), while other processes keep using the store. The file is an LMDB
 * data file: to restore, put it as data.mdb in an empty store directory. */
SR_MUST_USE int sr_store_backup(sr_store_t *st, const char *path);

/* The store's file: its size (the pages up to the last one written), the
 * bytes of pages that hold data and of free pages (compact.c). */
typedef struct sr_store_space {
  uint64_t file_bytes, used_bytes, free_bytes, page_bytes;
} sr_store_space_t;
SR_MUST_USE int sr_store_space(sr_store_t *st, sr_store_space_t *out);

/* Gives the free pages of the store in dir back to the disk: a compacted copy
 * (as sr_store_backup) renamed over data.mdb, so a crash leaves the old file
 * or the new one. The caller makes sure no node runs (holds its lock); another
 * process reading the store is refused (SR_ESTOREBUSY). progress gets bytes
 * copied of before->used_bytes. *after: the blocks of the new file in bytes.
 * err gets the text of a failure. */
SR_MUST_USE int sr_store_compact(const char *dir, sr_progress_cb progress, void *pctx, sr_store_space_t *before,
                                 uint64_t *after, char *err, size_t errlen);

#endif
