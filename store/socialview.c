/* socialview.c: the store side of the web app's views (socialview.h). */
#include "store/socialview.h"
#include "store/store_internal.h"
#include <string.h>

int sr_store_latest_of_type(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], const char *type, uint8_t *buf,
                            size_t cap, size_t *len, sr_flow_t *flow) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v, ev;
  size_t tl = strlen(type);
  int rc, mrc;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  /* The author's log from its last seq, backwards. */
  mrc = mdb_cursor_get(cur, &k, &v, MDB_SET);
  if (mrc == 0) mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP);
  rc = SR_ENOTFOUND;
  for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV_DUP)) {
    sr_entry_t e;
    uint64_t seq, row;
    sr_flow_t f;
    if ((mrc = sr_logdup_get(&v, &seq, &row)) || (mrc = sr_row_read(st, txn, row, &ev, &f))) {
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
    if (flow) *flow = f;
    rc = 0;
    goto done;
  }
  if (mrc != 0 && mrc != MDB_NOTFOUND) rc = sr_store_fail(st, "walk the log", mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}

/* ---- edges of one key ---- */

int sr_store_edges_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int dir, int kind, sr_edge_of_cb cb, void *ctx) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  uint8_t seek[1 + SR_KEY_BYTES] = {0};
  int rc, mrc;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[dir == SR_EDGES_IN ? DB_EDGES_IN : DB_EDGES_OUT], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  /* Values sort by kind first: one kind is a contiguous run of duplicates. */
  seek[0] = (uint8_t)kind;
  v.mv_size = sizeof(seek);
  v.mv_data = seek;
  mrc = mdb_cursor_get(cur, &k, &v, kind ? MDB_GET_BOTH_RANGE : MDB_SET);
  for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    const uint8_t *d = v.mv_data;
    if (v.mv_size != 1 + SR_KEY_BYTES) continue;
    if (kind && d[0] != kind) break;
    if ((rc = cb(ctx, d[0], d + 1))) goto done;
  }
  if (mrc != 0 && mrc != MDB_NOTFOUND) rc = sr_store_fail(st, "walk the edges", mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}

static int count_one(void *ctx, int kind, const uint8_t other[SR_KEY_BYTES]) {
  (void)kind, (void)other;
  ++*(size_t *)ctx;
  return 0;
}

int sr_store_count_edges_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int dir, int kind, size_t *n) {
  *n = 0;
  return sr_store_edges_of(st, key, dir, kind, count_one, n);
}

/* A one-byte state under a||b in db; 0 when none. */
static int state_of(sr_store_t *st, int db, const uint8_t *a, const uint8_t *b, int *state) {
  MDB_txn *txn;
  uint8_t pair[2 * SR_KEY_BYTES];
  MDB_val k = {sizeof(pair), pair}, v;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  *state = 0;
  if (rc) return rc;
  memcpy(pair, a, SR_KEY_BYTES);
  memcpy(pair + SR_KEY_BYTES, b, SR_KEY_BYTES);
  mrc = mdb_get(txn, st->dbi[db], &k, &v);
  if (mrc == 0 && (v.mv_size == 1 || v.mv_size == 9))
    *state = ((const uint8_t *)v.mv_data)[0]; /* contacts: state || ts */
  else if (mrc && mrc != MDB_NOTFOUND)
    rc = sr_store_fail(st, "read a state", mrc);
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_get_contact(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], const uint8_t who[SR_KEY_BYTES],
                         int *state) {
  return state_of(st, DB_CONTACTS, author, who, state);
}

int sr_store_get_role(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], const uint8_t project[SR_ID_BYTES],
                      int *role) {
  return state_of(st, DB_MEMBERS, author, project, role);
}

int sr_store_count_reshares(sr_store_t *st, const uint8_t id[SR_ID_BYTES], size_t *n) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k = {SR_ID_BYTES, (void *)id}, v;
  size_t count = 0;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  *n = 0;
  if (rc) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_RESHARES], &cur)) == 0 &&
      (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET)) == 0 && (mrc = mdb_cursor_count(cur, &count)) == 0)
    *n = count;
  if (mrc && mrc != MDB_NOTFOUND) rc = sr_store_fail(st, "count the reshares", mrc);
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}

/* ---- the newest entries ---- */

int sr_entry_key_cmp(const sr_entry_key_t *a, const sr_entry_key_t *b) {
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  return memcmp(a->id, b->id, SR_ID_BYTES);
}

/* A min-heap of the newest entries seen: the oldest kept is at the top, and
 * falls out when a newer one comes while the heap is full. */
typedef struct {
  sr_entry_key_t *h;
  size_t n, max;
  const sr_entry_key_t *before;
  const char *type;
  sr_keep_fn keep;
  void *ctx;
} newest_t;

static void heap_down(sr_entry_key_t *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && sr_entry_key_cmp(&h[l], &h[m]) < 0) m = l;
    if (r < n && sr_entry_key_cmp(&h[r], &h[m]) < 0) m = r;
    if (m == i) return;
    sr_entry_key_t t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static void heap_up(sr_entry_key_t *h, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (sr_entry_key_cmp(&h[i], &h[p]) >= 0) return;
    sr_entry_key_t t = h[i];
    h[i] = h[p];
    h[p] = t;
    i = p;
  }
}

/* The ts and type of stored entry bytes without decoding the whole entry: no
 * canonical check, no hash (the bytes passed both at ingest; sr_mp_* stays
 * within them whatever they hold). Most entries of a walk stop here. */
static int peek_ts_type(const uint8_t *raw, size_t len, uint64_t *ts, const char **type, uint32_t *type_len) {
  sr_mp_t mp, body;
  uint32_t n, blen;
  const uint8_t *b;
  uint64_t u;
  sr_mp_init(&mp, raw, len);
  if (sr_mp_array(&mp, &n) || n != 2 || sr_mp_bin(&mp, &b, &blen)) return SR_ESHAPE;
  sr_mp_init(&body, b, blen);
  if (sr_mp_array(&body, &n) || n != 7 || sr_mp_uint(&body, &u) || sr_mp_bin(&body, &b, &blen) || sr_mp_uint(&body, &u))
    return SR_EBODYSHAPE;
  if (sr_mp_peek(&body) == SR_MP_NIL ? sr_mp_nil(&body) : sr_mp_bin(&body, &b, &blen)) return SR_EBODYSHAPE;
  if (sr_mp_uint(&body, ts) || sr_mp_str(&body, type, type_len)) return SR_EBODYSHAPE;
  return 0;
}

/* Whether (ts, id) sorts before (ts2, id2) by ts alone (id unknown yet). */
static int ts_below(uint64_t ts, const sr_entry_key_t *b) { return ts < b->ts; }
static int ts_above(uint64_t ts, const sr_entry_key_t *b) { return ts > b->ts; }

/* One log row: author -> seq ‖ row; the entry it names is offered to the heap. */
static int newest_row(sr_store_t *st, MDB_txn *txn, const MDB_val *v, newest_t *w) {
  MDB_val ev;
  sr_entry_t e;
  sr_entry_key_t key;
  const char *type;
  uint32_t type_len;
  uint64_t seq, row;
  int rc;
  if ((rc = sr_logdup_get(v, &seq, &row)) || (rc = sr_row_read(st, txn, row, &ev, NULL)))
    return sr_store_fail(st, "log names a missing entry", rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc);
  if (peek_ts_type(ev.mv_data, ev.mv_size, &key.ts, &type, &type_len)) return 0; /* verify reports it */
  /* The ts decides most compares; the id (a hash of the row) only on a tie. */
  if (w->before && ts_above(key.ts, w->before)) return 0;
  if (w->n == w->max && ts_below(key.ts, &w->h[0])) return 0; /* older than all kept */
  sr_entry_id(ev.mv_data, ev.mv_size, key.id);
  if (w->before && sr_entry_key_cmp(&key, w->before) >= 0) return 0;
  if (w->n == w->max && sr_entry_key_cmp(&key, &w->h[0]) <= 0) return 0; /* older than all kept */
  if (w->type && (type_len != strlen(w->type) || memcmp(type, w->type, type_len) != 0)) return 0;
  if (w->keep) {
    if (sr_entry_decode(ev.mv_data, ev.mv_size, &e)) return 0;
    if ((rc = w->keep(w->ctx, &e)) <= 0) return rc;
  }
  if (w->n < w->max) {
    w->h[w->n] = key;
    heap_up(w->h, w->n++);
  } else {
    w->h[0] = key;
    heap_down(w->h, w->n, 0);
  }
  return 0;
}

static int cmp_newest_first(const void *a, const void *b) { return -sr_entry_key_cmp(a, b); }

int sr_store_newest(sr_store_t *st, const uint8_t (*authors)[SR_KEY_BYTES], size_t nauthors,
                    const sr_entry_key_t *before, const char *type, sr_keep_fn keep, void *ctx, sr_entry_key_t *out,
                    size_t max, size_t *n) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  newest_t w = {out, 0, max, before, type, keep, ctx};
  int rc, mrc = MDB_NOTFOUND;
  *n = 0;
  if (max == 0) return 0;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  /* Each log from its head down: a log is written mostly in time order, so
   * once the heap holds a page, most older entries fail the first compare. */
  for (size_t a = 0; a < (authors ? nauthors : 1) && !rc; a++) {
    MDB_val k = {SR_KEY_BYTES, authors ? (void *)authors[a] : NULL}, v;
    if (authors) {
      mrc = mdb_cursor_get(cur, &k, &v, MDB_SET);
      if (mrc == 0) mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP);
    } else
      mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    /* one author: its dups backwards; every log: every row backwards */
    for (; mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, authors ? MDB_PREV_DUP : MDB_PREV))
      rc = newest_row(st, txn, &v, &w);
    if (!rc && mrc != 0 && mrc != MDB_NOTFOUND) rc = sr_store_fail(st, "walk the log", mrc);
  }
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  if (rc) return rc;
  qsort(out, w.n, sizeof(*out), cmp_newest_first);
  *n = w.n;
  return 0;
}
