/* socialview.c: the store side of the web app's views (socialview.h). */
#include "store/socialview.h"
#include "store/store_internal.h"
#include <string.h>

int sr_store_latest_of_type(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], const char *type, uint8_t *buf,
                            size_t cap, size_t *len, sr_flow_t *flow) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  uint8_t start[LOG_KEY_BYTES];
  MDB_val k = {sizeof(start), start}, v, ev, fv;
  size_t tl = strlen(type);
  int rc, mrc;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  /* The first key after the author's last one, then backwards. */
  sr_log_key(start, author, UINT64_MAX);
  mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (mrc == 0 && !(k.mv_size == LOG_KEY_BYTES && memcmp(k.mv_data, author, SR_KEY_BYTES) == 0))
    mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
  else if (mrc == MDB_NOTFOUND)
    mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
  rc = SR_ENOTFOUND;
  for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
    sr_entry_t e;
    if (k.mv_size != LOG_KEY_BYTES || memcmp(k.mv_data, author, SR_KEY_BYTES) != 0) break;
    if (v.mv_size != SR_ID_BYTES || (mrc = mdb_get(txn, st->dbi[DB_ENTRIES], &v, &ev))) {
      rc = sr_store_fail(st, "log names a missing entry", MDB_CORRUPTED);
      goto done;
    }
    if (sr_entry_decode(ev.mv_data, ev.mv_size, &e) || e.type_len != tl || memcmp(e.type, type, tl)) continue;
    if (ev.mv_size > cap) {
      rc = SR_ETOOBIG;
      goto done;
    }
    memcpy(buf, ev.mv_data, ev.mv_size);
    *len = ev.mv_size;
    if (flow) {
      if (mdb_get(txn, st->dbi[DB_FLOW], &v, &fv) == 0) sr_flow_decode(fv.mv_data, fv.mv_size, flow);
      else
        memset(flow, 0, sizeof(*flow));
    }
    rc = 0;
    goto done;
  }
  if (mrc != 0 && mrc != MDB_NOTFOUND) rc = sr_store_fail(st, "walk the log", mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}
