/* purge.c: `seurone purge KEY` in the store (store/usage.h): an author's
 * entries removed with everything derived from them, and the author
 * recorded as purged so the ingest refuses it from then on.
 *
 * The purged database: author -> version u8 (1), at_ms u64, entries u64,
 * bytes u64 (what the last purge removed). Node state: reindex keeps it.
 *
 * Why a full reindex rather than undoing the author's effects one by one:
 * its entries reach into other authors' rows (edges of reshares of it,
 * contacts naming it, projects it made that others joined, fork proofs), and
 * the rebuild is the one code path already proven to give what the ingest
 * gives (tests/unit/test_reindex.c). It costs one pass over the store. */
#include "store/store_internal.h"
#include <string.h>

#define PURGED_VERSION 1
#define PURGED_BYTES (1 + 3 * 8)

int sr_usage_purged_in(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t *at_ms) {
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v;
  int rc = mdb_get(txn, st->dbi[DB_PURGED], &k, &v);
  *at_ms = 0;
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  /* any row marks the author; an unreadable time still does (1) */
  *at_ms = v.mv_size >= 9 ? sr_be64_get((const uint8_t *)v.mv_data + 1) : 1;
  if (!*at_ms) *at_ms = 1;
  return 0;
}

int sr_store_purged(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t *at_ms) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_usage_purged_in(st, txn, author, at_ms);
  sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "read the purged authors", rc) : 0;
}

typedef struct {
  const uint8_t *author;
  uint64_t now;
  sr_progress_cb progress;
  void *pctx;
  sr_purge_result_t *out;
} purge_arg_t;

/* Other nodes' first arrivals of id (observed: id || observer), which are
 * kept only for entries held. 0 or an LMDB code. */
static int drop_observed(sr_store_t *st, MDB_txn *txn, const uint8_t *id) {
  MDB_cursor *cur;
  MDB_val k = {SR_ID_BYTES, (void *)id}, v;
  int rc;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_OBSERVED], &cur))) return rc;
  for (;;) {
    k.mv_size = SR_ID_BYTES, k.mv_data = (void *)id;
    if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE))) break;
    if (k.mv_size < SR_ID_BYTES || memcmp(k.mv_data, id, SR_ID_BYTES) != 0) break;
    if ((rc = mdb_cursor_del(cur, 0))) break;
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

static int purge_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  purge_arg_t *a = arg;
  MDB_cursor *cur;
  MDB_val k, v;
  uint8_t val[PURGED_BYTES];
  uint64_t at;
  int rc;
  memset(a->out, 0, sizeof(*a->out));
  if ((rc = sr_usage_purged_in(st, txn, a->author, &at))) return rc;
  a->out->already = at != 0;
  /* Every stored entry of the author, wherever it is held (its log, a fork
   * proof): each id names its row, the truth; logs and forks are rebuilt. */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_IDS], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;) {
    uint8_t author[SR_KEY_BYTES], id[SR_ID_BYTES], rk[ROWID_BYTES];
    uint64_t row = v.mv_size == ROWID_BYTES ? sr_rowid_get(v.mv_data) : 0;
    MDB_val raw;
    if (!row || sr_row_read(st, txn, row, &raw, NULL) || sr_entry_peek_author(raw.mv_data, raw.mv_size, author) ||
        memcmp(author, a->author, SR_KEY_BYTES) != 0) {
      rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
      continue;
    }
    memcpy(id, k.mv_data, SR_ID_BYTES);
    a->out->entries++;
    a->out->bytes += raw.mv_size;
    if ((rc = mdb_cursor_del(cur, 0))) break;
    sr_rowid_put(rk, row);
    MDB_val rkv = {ROWID_BYTES, rk};
    if ((rc = mdb_del(txn, st->dbi[DB_ROWS], &rkv, NULL)) && rc != MDB_NOTFOUND) break;
    if ((rc = drop_observed(st, txn, id))) break;
    /* after a delete, LMDB's MDB_NEXT steps onto the row that followed it */
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND && rc != 0) return rc;
  MDB_val uk = {SR_KEY_BYTES, (void *)a->author};
  if ((rc = mdb_del(txn, st->dbi[DB_USAGE], &uk, NULL)) && rc != MDB_NOTFOUND) return rc;
  val[0] = PURGED_VERSION;
  sr_be64_put(val + 1, a->now ? a->now : 1);
  sr_be64_put(val + 9, a->out->entries);
  sr_be64_put(val + 17, a->out->bytes);
  MDB_val pv = {sizeof(val), val};
  if ((rc = mdb_put(txn, st->dbi[DB_PURGED], &uk, &pv, 0))) return rc;
  return sr_store_reindex_in(st, txn, a->progress, a->pctx);
}

int sr_store_purge(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now_ms, sr_progress_cb progress,
                   void *ctx, sr_purge_result_t *out) {
  uint8_t self[SR_KEY_BYTES];
  sr_purge_result_t local;
  purge_arg_t a = {author, now_ms, progress, ctx, out ? out : &local};
  if (sr_store_get_self(st, self) == 0 && memcmp(self, author, SR_KEY_BYTES) == 0) return SR_EINVAL;
  return sr_store_write(st, purge_fn, &a);
}

typedef struct {
  const uint8_t *author;
  int *was;
} unpurge_arg_t;

static int unpurge_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  unpurge_arg_t *a = arg;
  MDB_val k = {SR_KEY_BYTES, (void *)a->author};
  int rc = mdb_del(txn, st->dbi[DB_PURGED], &k, NULL);
  *a->was = rc == 0;
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int sr_store_unpurge(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], int *was) {
  int local;
  unpurge_arg_t a = {author, was ? was : &local};
  return sr_store_write(st, unpurge_fn, &a);
}
