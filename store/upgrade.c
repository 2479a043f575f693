/* upgrade.c: a format-1 store rewritten as format 2 (docs/storage.md,
 * "Format versions"), in place, when it is first opened.
 *
 * Format 1 kept an entry under its id (entries), its flow record under the id
 * again (flow) and the log as (author ‖ seq) -> id (log). Format 2 keeps rows,
 * ids and logs (rows.c). The whole rewrite is one write transaction: the new
 * databases are filled, the old ones dropped and meta "format" set to 2 before
 * the one commit, so a crash or a kill -9 at any point leaves the format-1
 * store as it was (LMDB's copy-on-write commit), and the next open starts the
 * upgrade again. The old pages become free pages of the file, which `seurone
 * compact` gives back to the disk.
 */
#include "store/store_internal.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
  size_t total, missing;
} up_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int upgrade_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  up_t *u = arg;
  MDB_dbi ent, flow, log, meta;
  MDB_cursor *cur = NULL, *out = NULL;
  MDB_val k, v, fv;
  MDB_stat s;
  uint8_t kb[ROWID_BYTES], fb[ROW_FLOW_MAX], fmt[4] = {0, 0, 0, SR_STORE_FORMAT};
  uint64_t row = 0;
  size_t step;
  int rc;
  u->missing = 0;
  if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) || (rc = mdb_dbi_open(txn, "entries", 0, &ent)) ||
      (rc = mdb_dbi_open(txn, "flow", 0, &flow)) || (rc = mdb_dbi_open(txn, "log", 0, &log)))
    return rc;
  if ((rc = mdb_dbi_open(txn, "rows", MDB_CREATE, &st->dbi[DB_ROWS])) ||
      (rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &st->dbi[DB_IDS])) ||
      (rc = mdb_dbi_open(txn, "logs", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &st->dbi[DB_LOG])))
    return rc;
  if ((rc = mdb_stat(txn, ent, &s))) return rc;
  u->total = s.ms_entries;
  step = u->total / 10 ? u->total / 10 : 1;

  /* 1. Each entry and its flow record become a row; ids come in id order, so
   * both are appended. Values of entries point into the map (those pages are
   * not written in this transaction), valid across the puts. */
  if ((rc = mdb_cursor_open(txn, ent, &cur)) || (rc = mdb_cursor_open(txn, st->dbi[DB_ROWS], &out))) goto done;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    sr_flow_t f;
    MDB_val rk = {sizeof(kb), kb}, rv;
    if (k.mv_size != SR_ID_BYTES) continue; /* format 1 never wrote one; verify said so */
    memset(&f, 0, sizeof(f));
    if (mdb_get(txn, flow, &k, &fv) == 0) sr_flow_decode(fv.mv_data, fv.mv_size, &f);
    size_t fl = sr_row_flow_pack(&f, fb);
    if (row == SR_ROW_MAX) {
      rc = SR_ETOOBIG;
      goto done;
    }
    sr_rowid_put(kb, ++row);
    rv.mv_size = fl + v.mv_size;
    if ((rc = mdb_cursor_put(out, &rk, &rv, MDB_APPEND | MDB_RESERVE))) goto done;
    memcpy(rv.mv_data, fb, fl);
    memcpy((uint8_t *)rv.mv_data + fl, v.mv_data, v.mv_size);
    rv.mv_size = sizeof(kb);
    rv.mv_data = kb;
    if ((rc = mdb_put(txn, st->dbi[DB_IDS], &k, &rv, MDB_APPEND))) goto done;
    if (row % step == 0 || row == u->total)
      fprintf(stderr, "seurone: upgrading the store: %llu of %zu entries (%zu%%)\n", (unsigned long long)row, u->total,
              u->total ? (size_t)(row * 100 / u->total) : 100);
  }
  if (rc != MDB_NOTFOUND) goto done;
  mdb_cursor_close(cur);
  cur = NULL;

  /* 2. The logs, in (author, seq) order: each appended to its author's. */
  if ((rc = mdb_cursor_open(txn, log, &cur))) goto done;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    uint64_t r;
    if (k.mv_size != LOG_KEY_BYTES || v.mv_size != SR_ID_BYTES) continue;
    rc = sr_row_of_id(st, txn, v.mv_data, &r);
    if (rc == MDB_NOTFOUND) {
      u->missing++; /* format 1's verify reported it; there is no entry to name */
      continue;
    }
    if (rc || (rc = sr_log_add(st, txn, k.mv_data, sr_be64_get((const uint8_t *)k.mv_data + SR_KEY_BYTES), r)))
      goto done;
  }
  if (rc != MDB_NOTFOUND) goto done;
  mdb_cursor_close(cur);
  cur = NULL;

  /* 3. The old databases go, and the store says it is format 2. */
  if ((rc = mdb_drop(txn, ent, 1)) || (rc = mdb_drop(txn, flow, 1)) || (rc = mdb_drop(txn, log, 1))) goto done;
  k.mv_size = 6;
  k.mv_data = "format";
  v.mv_size = sizeof(fmt);
  v.mv_data = fmt;
  rc = mdb_put(txn, meta, &k, &v, 0);
done:
  if (cur) mdb_cursor_close(cur);
  if (out) mdb_cursor_close(out);
  return rc;
}

int sr_store_upgrade_v1(sr_store_t *st) {
  up_t u = {0, 0};
  double t0 = now_s();
  fprintf(stderr,
          "seurone: the store in %s has format 1; upgrading it to format %d in place (a crash leaves it as it "
          "was, and the next start upgrades it again)\n",
          st->path, SR_STORE_FORMAT);
  MDB_envinfo ei;
  MDB_stat es;
  int rc;
  /* The new layout is written beside the old before the old is dropped: room
   * for both up front, so a full map does not restart the copy (a grow aborts
   * the transaction, sr_store_write). */
  mdb_env_info(st->env, &ei);
  mdb_env_stat(st->env, &es);
  while (ei.me_mapsize < (size_t)(ei.me_last_pgno + 1) * es.ms_psize * 2 + ((size_t)64 << 20)) {
    if ((rc = sr_store_grow(st))) return rc;
    mdb_env_info(st->env, &ei);
  }
  rc = sr_store_write(st, upgrade_fn, &u);
  if (rc) {
    char why[400];
    snprintf(why, sizeof(why), "%.390s", sr_store_errbuf);
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf),
             "upgrading the store in %.3000s to format %d failed, it is unchanged (format 1): %s", st->path,
             SR_STORE_FORMAT, why[0] ? why : sr_strerror(rc));
    return rc;
  }
  fprintf(stderr,
          "seurone: the store is format %d now: %zu entries in %.1f s%s; `seurone compact` gives back the space the "
          "old layout held\n",
          SR_STORE_FORMAT, u.total, now_s() - t0,
          u.missing ? " (some format-1 log rows named entries that were not stored: run `seurone verify`)" : "");
  return 0;
}
