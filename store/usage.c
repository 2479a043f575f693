/* usage.c: the per-author usage table, the quotas the ingest checks against
 * it, and its one-time count in an older store (store/usage.h).
 *
 * A row: version u8 (1), entries u64, bytes u64, last_ms u64, day u64,
 * day_entries u64, day_bytes u64 (docs/storage.md). The day counters are of
 * `day`: an entry that arrived on a later UTC day starts them again, one of
 * an earlier day (a batch stored again after a failed commit) counts in the
 * totals only. So the rows come out the same whatever order the entries are
 * counted in, which is what lets the count of an older store walk the
 * entries in id order. */
#include "store/store_internal.h"
#include <stdio.h>
#include <string.h>

#define USAGE_VERSION 1
#define USAGE_BYTES (1 + 6 * 8)

static void usage_decode(const MDB_val *v, sr_usage_t *u) {
  const uint8_t *p = v->mv_data;
  memset(u, 0, sizeof(*u));
  /* a row of a later version starts with these fields too */
  if (v->mv_size < USAGE_BYTES || p[0] < USAGE_VERSION) return;
  u->entries = sr_be64_get(p + 1);
  u->bytes = sr_be64_get(p + 9);
  u->last_ms = sr_be64_get(p + 17);
  u->day = sr_be64_get(p + 25);
  u->day_entries = sr_be64_get(p + 33);
  u->day_bytes = sr_be64_get(p + 41);
}

static void usage_encode(const sr_usage_t *u, uint8_t out[USAGE_BYTES]) {
  out[0] = USAGE_VERSION;
  sr_be64_put(out + 1, u->entries);
  sr_be64_put(out + 9, u->bytes);
  sr_be64_put(out + 17, u->last_ms);
  sr_be64_put(out + 25, u->day);
  sr_be64_put(out + 33, u->day_entries);
  sr_be64_put(out + 41, u->day_bytes);
}

/* The row of author inside txn (zeros when none). 0 or an LMDB code. */
static int usage_read(sr_store_t *st, MDB_txn *txn, const uint8_t *author, sr_usage_t *u) {
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v;
  int rc = mdb_get(txn, st->dbi[DB_USAGE], &k, &v);
  memset(u, 0, sizeof(*u));
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  usage_decode(&v, u);
  return 0;
}

int sr_usage_add_in(sr_store_t *st, MDB_txn *txn, const uint8_t *author, size_t len, uint64_t at_ms) {
  sr_usage_t u;
  uint8_t val[USAGE_BYTES];
  uint64_t d = at_ms / SR_DAY_MS;
  int rc = usage_read(st, txn, author, &u);
  if (rc) return rc;
  if (d > u.day) {
    u.day = d;
    u.day_entries = u.day_bytes = 0;
  }
  u.entries++;
  u.bytes += len;
  if (at_ms > u.last_ms) u.last_ms = at_ms;
  if (d == u.day) {
    u.day_entries++;
    u.day_bytes += len;
  }
  usage_encode(&u, val);
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v = {sizeof(val), val};
  return mdb_put(txn, st->dbi[DB_USAGE], &k, &v, 0);
}

int sr_usage_get(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now_ms, sr_usage_t *out) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = usage_read(st, txn, author, out);
  sr_store_txn_abort(st, txn);
  if (rc) return sr_store_fail(st, "read an author's usage", rc);
  if (out->day != now_ms / SR_DAY_MS) out->day_entries = out->day_bytes = 0;
  return 0;
}

void sr_store_set_quota(sr_store_t *st, const sr_quota_t *q) {
  atomic_store(&st->quota[0], q->entries_per_day);
  atomic_store(&st->quota[1], q->bytes_per_day);
  atomic_store(&st->quota[2], q->bytes_total);
}

void sr_store_get_quota(sr_store_t *st, sr_quota_t *q) {
  q->entries_per_day = atomic_load(&st->quota[0]);
  q->bytes_per_day = atomic_load(&st->quota[1]);
  q->bytes_total = atomic_load(&st->quota[2]);
}

/* Sizes for the refusal's sentence. */
static void human(uint64_t b, char *out, size_t cap) {
  if (b >= 10ull << 20) snprintf(out, cap, "%llu MiB", (unsigned long long)(b >> 20));
  else if (b >= 10ull << 10)
    snprintf(out, cap, "%llu KiB", (unsigned long long)(b >> 10));
  else
    snprintf(out, cap, "%llu B", (unsigned long long)b);
}

int sr_usage_admit_in(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *it, const uint8_t *self, uint64_t now_ms,
                      int *refused) {
  const uint8_t *author = it->e.author;
  sr_quota_t q;
  sr_usage_t u;
  uint64_t at;
  int rc;
  *refused = 0;
  if (it->flow.source == SR_SRC_SELF || (self && memcmp(author, self, SR_KEY_BYTES) == 0)) return 0;
  if ((rc = sr_usage_purged_in(st, txn, author, &at))) return rc;
  if (at) {
    it->status = SR_EPURGED;
    snprintf(it->why, sizeof(it->why), "the operator of this node purged this author; its entries are refused");
    *refused = 1;
    return 0;
  }
  if (it->flow.source != SR_SRC_PEER) return 0;
  sr_store_get_quota(st, &q);
  if (!q.entries_per_day && !q.bytes_per_day && !q.bytes_total) return 0;
  if ((rc = usage_read(st, txn, author, &u))) return rc;
  if (u.day != now_ms / SR_DAY_MS) u.day_entries = u.day_bytes = 0;
  char a[32], b[32]; /* size: "NNN MiB" */
  if (q.entries_per_day && u.day_entries + 1 > q.entries_per_day) {
    snprintf(it->why, sizeof(it->why),
             "over this relay's quota of %llu entries a day (UTC) for one author; try again tomorrow",
             (unsigned long long)q.entries_per_day);
  } else if (q.bytes_per_day && u.day_bytes + it->len > q.bytes_per_day) {
    human(q.bytes_per_day, a, sizeof(a));
    human(u.day_bytes, b, sizeof(b));
    snprintf(it->why, sizeof(it->why), "over this relay's quota of %s a day (UTC) for one author (%s used today)", a,
             b);
  } else if (q.bytes_total && u.bytes + it->len > q.bytes_total) {
    human(q.bytes_total, a, sizeof(a));
    human(u.bytes, b, sizeof(b));
    snprintf(it->why, sizeof(it->why), "over this relay's quota of %s in all for one author (%s held)", a, b);
  } else {
    return 0;
  }
  it->status = SR_EQUOTA;
  *refused = 1;
  return 0;
}

/* ---- the count of an older store ---- */

static sr_progress_cb backfill_cb;
static void *backfill_ctx;

void sr_usage_backfill_progress(sr_progress_cb cb, void *ctx) {
  backfill_cb = cb;
  backfill_ctx = ctx;
}

/* Every entry counted into an empty usage table (a repeatable transaction
 * body: the table is emptied first). Every row is an entry held: on a log or
 * in a fork proof. */
int sr_usage_backfill_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  MDB_cursor *cur;
  MDB_val k, v, raw;
  MDB_stat s;
  size_t done = 0;
  int rc;
  (void)arg;
  if ((rc = mdb_drop(txn, st->dbi[DB_USAGE], 0))) return rc;
  if ((rc = mdb_stat(txn, st->dbi[DB_ROWS], &s))) return rc;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_ROWS], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    uint8_t author[SR_KEY_BYTES];
    sr_flow_t f;
    memset(&f, 0, sizeof(f));
    /* a damaged row or entry (verify reports it) is nobody's */
    if (sr_row_split(&v, &raw, &f) || sr_entry_peek_author(raw.mv_data, raw.mv_size, author)) continue;
    size_t len = raw.mv_size;
    /* the put below may move the page under k and v: nothing of them is read after it */
    if ((rc = sr_usage_add_in(st, txn, author, len, f.received_at))) break;
    if (backfill_cb && s.ms_entries >= 10000 && ++done % 10000 == 0) backfill_cb(backfill_ctx, done, s.ms_entries);
  }
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND) rc = 0;
  if (rc == 0 && backfill_cb && s.ms_entries >= 10000) backfill_cb(backfill_ctx, s.ms_entries, s.ms_entries);
  return rc;
}

/* ---- verify ---- */

/* Adds the entries and bytes of author's log (logs: author -> seq || row). 0 or an LMDB code. */
static int held_on_log(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t *n, uint64_t *bytes) {
  MDB_cursor *cur;
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v, raw;
  int rc;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    uint64_t seq, row;
    if (sr_logdup_get(&v, &seq, &row) == 0 && sr_row_read(st, txn, row, &raw, NULL) == 0) {
      (*n)++;
      *bytes += raw.mv_size;
    }
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* The same for the entries of author's fork proofs (forks: author || seq -> id). */
static int held_in_forks(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t *n, uint64_t *bytes) {
  MDB_cursor *cur;
  uint8_t start[LOG_KEY_BYTES];
  MDB_val k = {sizeof(start), start}, v, raw;
  int rc;
  sr_log_key(start, author, 0);
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_FORKS], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != LOG_KEY_BYTES || memcmp(k.mv_data, author, SR_KEY_BYTES) != 0) break;
    if (v.mv_size == SR_ID_BYTES && sr_row_by_id(st, txn, v.mv_data, &raw, NULL) == 0) {
      (*n)++;
      *bytes += raw.mv_size;
    }
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int sr_usage_verify_in(sr_store_t *st, MDB_txn *txn, void (*problem)(void *ctx, const char *what), void *ctx) {
  MDB_cursor *cur;
  MDB_val k, v;
  char what[200];
  int rc;
  /* Every author with a log or a fork proof has a head: its row must say what the log and proofs hold. */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_HEADS], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    uint8_t author[SR_KEY_BYTES];
    uint64_t n = 0, bytes = 0;
    sr_usage_t u;
    if (k.mv_size != SR_KEY_BYTES) continue;
    memcpy(author, k.mv_data, SR_KEY_BYTES);
    if ((rc = held_on_log(st, txn, author, &n, &bytes)) || (rc = held_in_forks(st, txn, author, &n, &bytes)) ||
        (rc = usage_read(st, txn, author, &u)))
      break;
    if (u.entries != n || u.bytes != bytes) {
      snprintf(what, sizeof(what),
               "usage of author %02x%02x%02x%02x...: %llu entries (%llu bytes) counted, %llu (%llu bytes) held",
               author[0], author[1], author[2], author[3], (unsigned long long)u.entries, (unsigned long long)u.bytes,
               (unsigned long long)n, (unsigned long long)bytes);
      problem(ctx, what);
    }
  }
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND) return rc;
  /* and a row of an author with nothing held is stale */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_USAGE], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    MDB_val hv;
    sr_usage_t u;
    usage_decode(&v, &u);
    if (u.entries && mdb_get(txn, st->dbi[DB_HEADS], &k, &hv) == MDB_NOTFOUND) {
      const uint8_t *a = k.mv_data;
      snprintf(what, sizeof(what), "usage of author %02x%02x%02x%02x...: %llu entries counted, none held", a[0], a[1],
               a[2], a[3], (unsigned long long)u.entries);
      problem(ctx, what);
    }
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}
