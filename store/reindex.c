/* reindex.c: sr_store_reindex (store/maintenance.h) — every derived database
 * dropped and rebuilt from the entries, in one write transaction. For a fork,
 * the branch the old forks database did not list as proof stays the head;
 * entries that were a fork proof on their own (a proof received from a peer
 * for a seq past the log this node holds, store/forks.h) become one again. */
#include "store/store_internal.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  sr_progress_cb progress;
  void *pctx;
} reindex_arg_t;

/* Reindex order: author, seq, then for two entries of one seq the branch the
 * log held before (the one that is not a fork proof) first, then first arrival.
 * received_at alone cannot decide a fork whose branches arrived in the same
 * millisecond (one import batch) or across a clock step back: the rebuild
 * could then flip the head and orphan the rest of the branch. */
typedef struct {
  sr_ingest_item_t *it;
  int proof; /* listed in the old forks database */
} reorder_t;

static int cmp_reindex(const void *a, const void *b) {
  const reorder_t *x = a, *y = b;
  int c = memcmp(x->it->e.author, y->it->e.author, SR_KEY_BYTES);
  if (c) return c;
  if (x->it->e.seq != y->it->e.seq) return x->it->e.seq < y->it->e.seq ? -1 : 1;
  if (x->proof != y->proof) return x->proof - y->proof;
  return sr_store_cmp_author_seq(&x->it, &y->it);
}

/* The entries of one author and seq, in the order above. */
static int same_slot(const reorder_t *x, const reorder_t *y) {
  return x->it->e.seq == y->it->e.seq && memcmp(x->it->e.author, y->it->e.author, SR_KEY_BYTES) == 0;
}

/* Replays the n entries of one author and seq (damaged ones, which verify
 * reports, left out). Two or more that none of joins the log, for want of a
 * predecessor, are a fork proof on its own, as one received for a seq past
 * the log was kept (forks.h). */
static int replay_slot(sr_store_t *st, MDB_txn *txn, reorder_t *r, size_t n) {
  size_t valid = 0, kept = 0;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    sr_ingest_stats_t stats;
    if (r[i].it->vstatus) continue;
    valid++;
    rc = sr_store_apply_batch(st, txn, r[i].it, 1, UINT64_MAX / 2, 1, &stats);
    kept += r[i].it->status != SR_EGAP && r[i].it->status != SR_EPREV;
  }
  if (rc || valid < 2 || kept) return rc;
  uint8_t(*ids)[SR_ID_BYTES] = malloc(valid * SR_ID_BYTES);
  const sr_entry_t *e = NULL;
  if (!ids) return SR_ENOMEM;
  for (size_t i = 0, k = 0; i < n; i++)
    if (!r[i].it->vstatus) {
      e = &r[i].it->e;
      memcpy(ids[k++], e->id, SR_ID_BYTES);
    }
  rc = sr_store_proof_beyond(st, txn, e->author, e->seq, (const uint8_t(*)[SR_ID_BYTES])ids, valid);
  free(ids);
  return rc;
}

static int reindex_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  reindex_arg_t *a = arg;
  MDB_cursor *cur = NULL;
  MDB_val k, v, raw;
  MDB_stat s;
  sr_ingest_item_t *items = NULL;
  reorder_t *order = NULL;
  uint8_t *arena = NULL;
  size_t n = 0, bytes = 0, off = 0;
  int rc;

  if ((rc = mdb_stat(txn, st->dbi[DB_ROWS], &s))) return rc;
  /* Copy every entry out first: pointers into a write txn die at the next put. */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_ROWS], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    bytes += v.mv_size;
  items = calloc(s.ms_entries ? s.ms_entries : 1, sizeof(*items));
  order = calloc(s.ms_entries ? s.ms_entries : 1, sizeof(*order));
  arena = malloc(bytes ? bytes : 1);
  if (!items || !order || !arena) {
    rc = SR_ENOMEM;
    goto done;
  }
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < s.ms_entries;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != ROWID_BYTES || sr_row_split(&v, &raw, &items[n].flow)) continue; /* verify reports it */
    memcpy(arena + off, raw.mv_data, raw.mv_size);
    items[n].raw = arena + off;
    items[n].len = raw.mv_size;
    items[n].row = sr_rowid_get(k.mv_data);
    off += raw.mv_size;
    n++;
  }
  mdb_cursor_close(cur);
  cur = NULL;
  if (rc != MDB_NOTFOUND && rc != 0) goto done;
  sr_store_verify_items(items, n, 2);
  /* Note which entries were fork proofs before the derived databases go. */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_FORKS], &cur))) goto done;
  for (size_t i = 0; i < n; i++) {
    uint8_t lk[LOG_KEY_BYTES];
    order[i].it = &items[i];
    order[i].proof = 0;
    if (items[i].vstatus) continue;
    sr_log_key(lk, items[i].e.author, items[i].e.seq);
    MDB_val fk = {sizeof(lk), lk}, fd = {SR_ID_BYTES, items[i].e.id};
    order[i].proof = mdb_cursor_get(cur, &fk, &fd, MDB_GET_BOTH) == 0;
  }
  mdb_cursor_close(cur);
  cur = NULL;
  for (int db = DB_FIRST_DERIVED; db < DB_COUNT; db++)
    if ((rc = mdb_drop(txn, st->dbi[db], 0))) goto done;
  qsort(order, n, sizeof(*order), cmp_reindex);
  rc = 0;
  for (size_t i = 0, j; i < n && rc == 0; i = j) {
    for (j = i + 1; j < n && same_slot(&order[i], &order[j]); j++) {
    }
    rc = replay_slot(st, txn, order + i, j - i);
    if (a->progress && (i / 1000 != j / 1000 || j == n)) a->progress(a->pctx, j, n);
  }
  /* The self key is a person even with an empty log. */
  k.mv_size = 4;
  k.mv_data = "self";
  if (rc == 0 && mdb_get(txn, st->dbi[DB_META], &k, &v) == 0 && v.mv_size == SR_KEY_BYTES) {
    uint8_t self[SR_KEY_BYTES];
    memcpy(self, v.mv_data, SR_KEY_BYTES);
    rc = sr_store_person_add(st, txn, self); /* keeps the about ts a row holds */
  }
  /* The usage table is counted again too: the same rows, whatever order (usage.c). */
  if (rc == 0) rc = sr_usage_backfill_fn(st, txn, NULL);
done:
  if (cur) mdb_cursor_close(cur);
  free(items);
  free(order);
  free(arena);
  return rc;
}

int sr_store_reindex_in(sr_store_t *st, MDB_txn *txn, sr_progress_cb progress, void *ctx) {
  reindex_arg_t a = {progress, ctx};
  return reindex_fn(st, txn, &a);
}

int sr_store_reindex(sr_store_t *st, sr_progress_cb progress, void *ctx) {
  reindex_arg_t a = {progress, ctx};
  return sr_store_write(st, reindex_fn, &a);
}
