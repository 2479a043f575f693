/* check.c: sr_store_verify — re-validates everything the store holds, read-only.
 * It trusts nothing derived: each entry is decoded and its signature checked
 * again, each log is walked link by link. */
#include "store/store_internal.h"
#include "core/key.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  void (*report)(void *ctx, const char *problem);
  void *ctx;
  int problems;
} rep_t;

static void problem(rep_t *r, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  r->problems++;
  if (r->report) r->report(r->ctx, buf);
}

static void report_devices(void *ctx, const char *what) { problem(ctx, "%s (run `seurone reindex`)", what); }
/* reindex counts the usage table again (store/reindex.c) */
static void report_usage(void *ctx, const char *what) { problem(ctx, "%s (run `seurone reindex`)", what); }

/* An id or a key in hex, for the problems. */
static const char *hex(const uint8_t *b, char out[2 * SR_KEY_LEN + 1]) {
  sr_hex_encode(b, SR_KEY_LEN, out);
  return out;
}

int sr_store_verify(sr_store_t *st, void (*report)(void *ctx, const char *problem), void *ctx, sr_progress_cb progress,
                    void *pctx) {
  rep_t r = {report, ctx, 0};
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k, v, ev;
  MDB_stat s;
  char h1[2 * SR_KEY_LEN + 1], h2[2 * SR_KEY_LEN + 1], why[160];
  size_t done = 0, total, linked = 0;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  mdb_stat(txn, st->dbi[DB_IDS], &s);
  total = s.ms_entries;
  mdb_stat(txn, st->dbi[DB_ROWS], &s);
  /* ids and rows are one to one: a row no id names is lost to every reader */
  if (s.ms_entries != total) problem(&r, "%zu rows are stored but %zu ids name one", (size_t)s.ms_entries, total);

  /* 1. Every entry stands on its own: canonical, signed, schema, id == key. */
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_IDS], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto out;
  }
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    sr_entry_t e;
    int erc;
    if (k.mv_size != SR_ID_BYTES || v.mv_size != ROWID_BYTES) {
      problem(&r, "ids: a row of %zu and %zu bytes", k.mv_size, v.mv_size);
      continue;
    }
    if (sr_row_read(st, txn, sr_rowid_get(v.mv_data), &ev, NULL) != 0) {
      problem(&r, "entry %s: its row %llu is missing or damaged", hex(k.mv_data, h1),
              (unsigned long long)sr_rowid_get(v.mv_data));
      continue;
    }
    erc = sr_entry_check(ev.mv_data, ev.mv_size, &e, why, sizeof(why));
    if (erc) problem(&r, "entry %s: %s%s%s", hex(k.mv_data, h1), sr_strerror(erc), why[0] ? ": " : "", why);
    else if (memcmp(e.id, k.mv_data, SR_ID_BYTES) != 0)
      problem(&r, "entry stored under %s has id %s", hex(k.mv_data, h1), hex(e.id, h2));
    if (progress && (++done % 1000 == 0 || done == total)) progress(pctx, done, total);
  }
  mdb_cursor_close(cur);
  cur = NULL;

  /* 2. Every log is contiguous from 1, linked by prev, and ends at its head. */
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto out;
  }
  {
    uint8_t author[SR_KEY_BYTES] = {0}, prev[SR_ID_BYTES] = {0};
    uint64_t expect = 0;
    int have_author = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      int end = mrc != 0;
      const uint8_t *kp = end ? NULL : k.mv_data;
      uint64_t seq = 0, row = 0;
      if (!end && (k.mv_size != SR_KEY_BYTES || sr_logdup_get(&v, &seq, &row) != 0)) {
        problem(&r, "logs: a row of %zu and %zu bytes", k.mv_size, v.mv_size);
        continue;
      }
      if (have_author && (end || memcmp(kp, author, SR_KEY_BYTES) != 0)) {
        sr_head_t h;
        if (sr_head_read(txn, st, author, &h) == 0 && (h.seq != expect - 1 || memcmp(h.id, prev, SR_ID_BYTES) != 0))
          problem(&r, "author %s: head says seq %llu but the log ends at seq %llu", hex(author, h1),
                  (unsigned long long)h.seq, (unsigned long long)(expect - 1));
        have_author = 0;
      }
      if (end) break;
      if (!have_author) {
        memcpy(author, kp, SR_KEY_BYTES);
        have_author = 1;
        expect = 1;
      }
      sr_entry_t e;
      linked++;
      if (seq != expect) {
        problem(&r, "author %s: log jumps from seq %llu to %llu", hex(author, h1), (unsigned long long)expect - 1,
                (unsigned long long)seq);
        expect = seq;
      }
      memset(e.id, 0, sizeof(e.id));
      if (sr_row_read(st, txn, row, &ev, NULL) != 0) {
        problem(&r, "author %s seq %llu: log names row %llu, which is not stored", hex(author, h1),
                (unsigned long long)seq, (unsigned long long)row);
      } else if (sr_entry_decode(ev.mv_data, ev.mv_size, &e) == 0) {
        if (e.seq != seq || memcmp(e.author, author, SR_KEY_BYTES) != 0)
          problem(&r, "author %s seq %llu: log names an entry of another author or seq", hex(author, h1),
                  (unsigned long long)seq);
        else if (seq > 1 && memcmp(e.prev, prev, SR_ID_BYTES) != 0)
          problem(&r, "author %s seq %llu: prev does not link to seq %llu", hex(author, h1), (unsigned long long)seq,
                  (unsigned long long)seq - 1);
      }
      memcpy(prev, e.id, SR_ID_BYTES);
      expect = seq + 1;
    }
  }
  mdb_cursor_close(cur);
  cur = NULL;

  /* 3. Fork proofs are real forks: same author and seq as a logged entry, another id;
   * or, past the log (a proof received on its own, store/forks.h), at least two
   * entries of that author and seq. */
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_FORKS], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto out;
  }
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    sr_entry_t e;
    const uint8_t *kp = k.mv_data;
    uint64_t logged_row = 0, row = 0;
    linked++;
    if (k.mv_size != LOG_KEY_BYTES || v.mv_size != SR_ID_BYTES || sr_row_of_id(st, txn, v.mv_data, &row) != 0 ||
        sr_row_read(st, txn, row, &ev, NULL) != 0 || sr_entry_decode(ev.mv_data, ev.mv_size, &e) != 0) {
      problem(&r, "fork proof %s is not a stored entry", hex(v.mv_data, h1));
      continue;
    }
    size_t dups = 0;
    int logged = sr_log_find(st, txn, kp, sr_be64_get(kp + SR_KEY_BYTES), &logged_row) == 0;
    if (!logged) mdb_cursor_count(cur, &dups);
    if (memcmp(e.author, kp, SR_KEY_BYTES) != 0 || e.seq != sr_be64_get(kp + SR_KEY_BYTES) ||
        (logged ? logged_row == row : dups < 2))
      problem(&r, "fork proof %s does not fork the author's log", hex(e.id, h1));
  }
  mdb_cursor_close(cur);
  cur = NULL;

  /* 4. Device bindings say what the logs say. */
  {
    int drc = sr_store_devices_verify_in(st, txn, report_devices, &r);
    if (drc) {
      rc = drc == SR_ENOMEM ? drc : sr_store_fail(st, "check the devices", drc);
      goto out;
    }
  }

  /* 5. The usage table says what each author holds (store/usage.h). */
  if ((mrc = sr_usage_verify_in(st, txn, report_usage, &r))) {
    rc = sr_store_fail(st, "check the usage table", mrc);
    goto out;
  }

  /* 6. Nothing stored is orphaned: log ids and fork ids are distinct entries, so
   * equal counts mean every entry belongs to one of them. */
  if (linked != total)
    problem(&r, "%zu entries are stored but %zu are in logs or fork proofs (run `seurone reindex`)", total, linked);
  rc = 0;
out:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc ? rc : r.problems;
}
