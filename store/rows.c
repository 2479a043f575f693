/* rows.c: where format 2 keeps an entry (docs/storage.md, "Entry rows").
 *
 * An entry is one row of `rows`, keyed by a row number that only grows, so
 * every row is put with MDB_APPEND and the pages of rows are full, not the
 * two-thirds a B-tree keyed by hashes keeps; its flow record (first arrival) is
 * packed in front of the entry's bytes in the same row. `ids` maps the 32-byte
 * id onto the row number (a hash order, random inserts: the one index that
 * pays for it). A log is one key per author in `logs` (dupsort, dupfixed):
 * 12-byte values seq ‖ row, appended with MDB_APPENDDUP, so a log costs 12
 * bytes an entry on full pages instead of a 40-byte key and a 32-byte id.
 */
#include "store/store_internal.h"
#include <string.h>

void sr_rowid_put(uint8_t out[ROWID_BYTES], uint64_t row) {
  for (int i = 0; i < ROWID_BYTES; i++) out[i] = (uint8_t)(row >> (8 * (ROWID_BYTES - 1 - i)));
}

uint64_t sr_rowid_get(const void *p) {
  const uint8_t *b = p;
  uint64_t v = 0;
  for (int i = 0; i < ROWID_BYTES; i++) v = v << 8 | b[i];
  return v;
}

void sr_logdup_put(uint8_t out[LOGDUP_BYTES], uint64_t seq, uint64_t row) {
  sr_be64_put(out, seq);
  sr_rowid_put(out + 8, row);
}

int sr_logdup_get(const MDB_val *v, uint64_t *seq, uint64_t *row) {
  if (v->mv_size != LOGDUP_BYTES) return MDB_CORRUPTED;
  *seq = sr_be64_get(v->mv_data);
  if (row) *row = sr_rowid_get((const uint8_t *)v->mv_data + 8);
  return 0;
}

/* The packed flow record: a byte of flags (bits 0-2 the source, bit 3 a from
 * key follows, bit 4 hops follow), received_at u64, then hops u32 and from[32]
 * when flagged. An import or a publish (no from, no hops) costs 9 bytes. */
#define ROW_FROM 0x08
#define ROW_HOPS 0x10
static const uint8_t zero_key[SR_KEY_BYTES];

size_t sr_row_flow_pack(const sr_flow_t *f, uint8_t out[ROW_FLOW_MAX]) {
  size_t n = 9;
  int from = memcmp(f->from, zero_key, SR_KEY_BYTES) != 0;
  out[0] = (uint8_t)((f->source & 7) | (from ? ROW_FROM : 0) | (f->hops ? ROW_HOPS : 0));
  sr_be64_put(out + 1, f->received_at);
  if (f->hops) {
    for (int i = 0; i < 4; i++) out[n + (size_t)i] = (uint8_t)(f->hops >> (24 - 8 * i));
    n += 4;
  }
  if (from) {
    memcpy(out + n, f->from, SR_KEY_BYTES);
    n += SR_KEY_BYTES;
  }
  return n;
}

int sr_row_split(const MDB_val *v, MDB_val *raw, sr_flow_t *flow) {
  const uint8_t *p = v->mv_data;
  size_t n = 9;
  sr_flow_t f;
  memset(&f, 0, sizeof(f));
  if (v->mv_size < n || (p[0] & 0xe0)) return MDB_CORRUPTED;
  f.source = p[0] & 7;
  f.received_at = sr_be64_get(p + 1);
  if (p[0] & ROW_HOPS) {
    if (v->mv_size < n + 4) return MDB_CORRUPTED;
    for (int i = 0; i < 4; i++) f.hops = f.hops << 8 | p[n + (size_t)i];
    n += 4;
  }
  if (p[0] & ROW_FROM) {
    if (v->mv_size < n + SR_KEY_BYTES) return MDB_CORRUPTED;
    memcpy(f.from, p + n, SR_KEY_BYTES);
    n += SR_KEY_BYTES;
  }
  if (flow) *flow = f;
  raw->mv_size = v->mv_size - n;
  raw->mv_data = (void *)(p + n);
  return 0;
}

int sr_row_read(sr_store_t *st, MDB_txn *txn, uint64_t row, MDB_val *raw, sr_flow_t *flow) {
  uint8_t kb[ROWID_BYTES];
  MDB_val k = {sizeof(kb), kb}, v;
  sr_rowid_put(kb, row);
  int rc = mdb_get(txn, st->dbi[DB_ROWS], &k, &v);
  return rc ? rc : sr_row_split(&v, raw, flow);
}

int sr_row_of_id(sr_store_t *st, MDB_txn *txn, const uint8_t *id, uint64_t *row) {
  MDB_val k = {SR_ID_BYTES, (void *)id}, v;
  int rc = mdb_get(txn, st->dbi[DB_IDS], &k, &v);
  if (rc) return rc;
  if (v.mv_size != ROWID_BYTES) return MDB_CORRUPTED;
  *row = sr_rowid_get(v.mv_data);
  return 0;
}

int sr_row_by_id(sr_store_t *st, MDB_txn *txn, const uint8_t *id, MDB_val *raw, sr_flow_t *flow) {
  uint64_t row;
  int rc = sr_row_of_id(st, txn, id, &row);
  if (rc) return rc;
  /* ids names a row that is not there: damage, never "not found" */
  rc = sr_row_read(st, txn, row, raw, flow);
  return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
}

int sr_row_add(sr_store_t *st, MDB_txn *txn, const uint8_t *id, const uint8_t *raw, size_t len, const sr_flow_t *flow,
               uint64_t *row) {
  MDB_cursor *cur;
  MDB_val k, v;
  uint8_t kb[ROWID_BYTES], fb[ROW_FLOW_MAX];
  uint64_t next = 1;
  int rc = sr_row_of_id(st, txn, id, row);
  /* First arrival wins: a later copy of an entry never rewrites its row. */
  if (rc != MDB_NOTFOUND) return rc;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_ROWS], &cur))) return rc;
  rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
  if (rc == 0 && k.mv_size == ROWID_BYTES) next = sr_rowid_get(k.mv_data) + 1;
  else if (rc && rc != MDB_NOTFOUND)
    goto done;
  if (next > SR_ROW_MAX) {
    rc = SR_ETOOBIG; /* a store of 2^32 - 1 entries (store_internal.h) */
    goto done;
  }
  size_t fl = sr_row_flow_pack(flow, fb);
  sr_rowid_put(kb, next);
  k.mv_size = sizeof(kb);
  k.mv_data = kb;
  v.mv_size = fl + len;
  /* MDB_RESERVE: the row is written in place, flow then bytes. */
  if ((rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND | MDB_RESERVE))) goto done;
  memcpy(v.mv_data, fb, fl);
  memcpy((uint8_t *)v.mv_data + fl, raw, len);
  k.mv_size = SR_ID_BYTES;
  k.mv_data = (void *)id;
  v.mv_size = sizeof(kb);
  v.mv_data = kb;
  rc = mdb_put(txn, st->dbi[DB_IDS], &k, &v, MDB_NOOVERWRITE);
  *row = next;
done:
  mdb_cursor_close(cur);
  return rc;
}

int sr_log_find(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, uint64_t *row) {
  MDB_cursor *cur;
  uint8_t d[LOGDUP_BYTES];
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v = {sizeof(d), d};
  uint64_t s;
  int rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur);
  if (rc) return rc;
  sr_logdup_put(d, seq, 0);
  rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
  if (rc == 0 && (rc = sr_logdup_get(&v, &s, row)) == 0 && s != seq) rc = MDB_NOTFOUND;
  mdb_cursor_close(cur);
  return rc;
}

int sr_log_add(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, uint64_t row) {
  MDB_cursor *cur;
  uint8_t d[LOGDUP_BYTES];
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v = {sizeof(d), d};
  uint64_t s;
  int rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur);
  if (rc) return rc;
  sr_logdup_put(d, seq, row);
  /* A log grows at its end: appended, its pages stay full. */
  rc = mdb_cursor_put(cur, &k, &v, MDB_APPENDDUP);
  if (rc == MDB_KEYEXIST) {
    /* Not past the last seq: replace what the log holds at seq, if anything. */
    sr_logdup_put(d, seq, 0);
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
    if (rc == 0 && sr_logdup_get(&v, &s, NULL) == 0 && s == seq) rc = mdb_cursor_del(cur, 0);
    else if (rc == 0)
      rc = MDB_NOTFOUND;
    if (rc == 0 || rc == MDB_NOTFOUND) {
      k.mv_size = SR_KEY_BYTES;
      k.mv_data = (void *)author;
      v.mv_size = sizeof(d);
      v.mv_data = d;
      sr_logdup_put(d, seq, row);
      rc = mdb_put(txn, st->dbi[DB_LOG], &k, &v, 0);
    }
  }
  mdb_cursor_close(cur);
  return rc;
}

int sr_log_entry(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, MDB_val *raw, sr_flow_t *flow) {
  uint64_t row;
  int rc = sr_log_find(st, txn, author, seq, &row);
  if (rc) return rc;
  rc = sr_row_read(st, txn, row, raw, flow);
  return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
}

int sr_store_scan_ids(sr_store_t *st, const char *what, sr_id_row_fn fn, void *arg) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k, v, raw;
  sr_flow_t f;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_IDS], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    int rrc = MDB_CORRUPTED;
    if (k.mv_size == SR_ID_BYTES && v.mv_size == ROWID_BYTES)
      rrc = sr_row_read(st, txn, sr_rowid_get(v.mv_data), &raw, &f);
    if (rrc) {
      rc = sr_store_fail(st, what, rrc == MDB_NOTFOUND ? MDB_CORRUPTED : rrc);
      break;
    }
    if ((rc = fn(st, txn, k.mv_data, &raw, &f, arg))) break;
  }
  if (rc == SR_SCAN_STOP) rc = 0;
  else if (!rc && mrc != MDB_NOTFOUND)
    rc = sr_store_fail(st, what, mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}
