/* read.c: entries, logs, names and rows out of the store (store/read.h), each
 * call in one read transaction of its own (sr_store_txn_begin, store.c). */
#include "store/store_internal.h"
#include <stdio.h>
#include <string.h>

int sr_head_read(MDB_txn *txn, sr_store_t *st, const uint8_t *author, sr_head_t *h) {
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v;
  memset(h, 0, sizeof(*h));
  int rc = mdb_get(txn, st->dbi[DB_HEADS], &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return sr_store_fail(st, "read a head", rc);
  if (v.mv_size != HEAD_VAL_BYTES) return sr_store_fail(st, "read a head", MDB_CORRUPTED);
  const uint8_t *p = v.mv_data;
  h->seq = sr_be64_get(p);
  memcpy(h->id, p + 8, SR_ID_BYTES);
  h->forked = p[8 + SR_ID_BYTES];
  return 0;
}

int sr_store_get_head(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], sr_head_t *h) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_head_read(txn, st, author, h);
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_get_entry(sr_store_t *st, const uint8_t id[SR_ID_BYTES], uint8_t *buf, size_t cap, size_t *len,
                       sr_flow_t *flow) {
  MDB_txn *txn;
  MDB_val v;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_row_by_id(st, txn, id, &v, flow);
  if (rc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (rc)
    rc = sr_store_fail(st, "read an entry", rc);
  else if (v.mv_size > cap)
    rc = SR_ETOOBIG;
  else {
    memcpy(buf, v.mv_data, v.mv_size);
    *len = v.mv_size;
  }
  sr_store_txn_abort(st, txn);
  return rc;
}

/* sr_store_get_by_seq inside txn. */
int sr_store_by_seq_in(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, uint8_t *buf, size_t cap,
                       size_t *len, sr_flow_t *flow) {
  MDB_val raw;
  int mrc = sr_log_entry(st, txn, author, seq, &raw, flow);
  if (mrc == MDB_NOTFOUND) return SR_ENOTFOUND;
  if (mrc) return sr_store_fail(st, "read the log", mrc);
  if (raw.mv_size > cap) return SR_ETOOBIG;
  memcpy(buf, raw.mv_data, raw.mv_size);
  *len = raw.mv_size;
  return 0;
}

int sr_store_get_by_seq(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint8_t *buf, size_t cap,
                        size_t *len, sr_flow_t *flow) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_store_by_seq_in(st, txn, author, seq, buf, cap, len, flow);
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_get_id_by_seq(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint8_t id[SR_ID_BYTES]) {
  MDB_txn *txn;
  MDB_val raw;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_log_entry(st, txn, author, seq, &raw, NULL);
  if (rc == MDB_NOTFOUND) rc = SR_ENOTFOUND;
  else if (rc)
    rc = sr_store_fail(st, "read the log", rc);
  else
    sr_entry_id(raw.mv_data, raw.mv_size, id); /* the log names a row: its id is its hash */
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_stream_log(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t from_seq, size_t max,
                        int (*cb)(void *ctx, const uint8_t *raw, size_t len, uint64_t seq), void *ctx) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  uint8_t start[LOGDUP_BYTES];
  MDB_val k = {SR_KEY_BYTES, (void *)author}, v = {sizeof(start), start}, ev;
  size_t n = 0;
  int rc, mrc;
  if (max == 0) return 0;
  if (from_seq == 0) from_seq = 1;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  sr_logdup_put(start, from_seq, 0);
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE); mrc == 0;
       mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    uint64_t seq, row;
    if ((mrc = sr_logdup_get(&v, &seq, &row)) || (mrc = sr_row_read(st, txn, row, &ev, NULL))) {
      rc = sr_store_fail(st, "log names a missing entry", mrc == MDB_NOTFOUND ? MDB_CORRUPTED : mrc);
      goto done;
    }
    if ((rc = cb(ctx, ev.mv_data, ev.mv_size, seq))) goto done;
    if (++n == max) goto done;
  }
  if (mrc != MDB_NOTFOUND && mrc != 0) rc = sr_store_fail(st, "walk the log", mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_scan(sr_store_t *st, int db, const MDB_val *start, const char *what, sr_row_fn fn, void *arg) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  MDB_val k = {0, NULL}, v;
  char msg[80];
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[db], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  if (start) k = *start;
  for (mrc = mdb_cursor_get(cur, &k, &v, start ? MDB_SET_RANGE : MDB_FIRST); mrc == 0;
       mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    if ((rc = fn(st, txn, &k, &v, arg))) break;
  if (rc == SR_SCAN_STOP) rc = 0;
  else if (!rc && mrc != MDB_NOTFOUND) {
    snprintf(msg, sizeof(msg), "walk %s", what);
    rc = sr_store_fail(st, msg, mrc);
  }
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}

typedef struct {
  const uint8_t *author;
  sr_entry_cb cb;
  void *ctx;
} entry_scan_t;

/* A log row: author -> seq ‖ row (every dup is a row of the walk); hands the
 * entry it names to the callback. */
static int log_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  entry_scan_t *a = arg;
  MDB_val ev;
  sr_entry_t e;
  sr_flow_t f;
  uint64_t seq, row;
  int rc;
  if (a->author && (k->mv_size != SR_KEY_BYTES || memcmp(k->mv_data, a->author, SR_KEY_BYTES) != 0))
    return SR_SCAN_STOP;
  if ((rc = sr_logdup_get(v, &seq, &row)) || (rc = sr_row_read(st, txn, row, &ev, &f)))
    return sr_store_fail(st, "log names a missing entry", rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc);
  if ((rc = sr_entry_decode(ev.mv_data, ev.mv_size, &e))) return rc;
  return a->cb(a->ctx, &e, &f);
}

/* Walks the logs database from author (or everything). */
int sr_store_foreach_entry(sr_store_t *st, const uint8_t *author, sr_entry_cb cb, void *ctx) {
  uint8_t start[SR_KEY_BYTES] = {0};
  MDB_val k = {SR_KEY_BYTES, start};
  entry_scan_t a = {author, cb, ctx};
  if (author) memcpy(start, author, SR_KEY_BYTES);
  return sr_store_scan(st, DB_LOG, &k, "the log", log_row, &a);
}

static int raw_row(sr_store_t *st, MDB_txn *txn, const uint8_t *id, const MDB_val *v, const sr_flow_t *f, void *arg) {
  entry_scan_t *a = arg;
  sr_entry_t e;
  (void)st, (void)txn;
  if (sr_entry_decode(v->mv_data, v->mv_size, &e) != 0) {
    /* Hand undecodable bytes up anyway (verify reports them): id from the key. */
    memset(&e, 0, sizeof(e));
    e.raw = v->mv_data;
    e.raw_len = v->mv_size;
    memcpy(e.id, id, SR_ID_BYTES);
  }
  return a->cb(a->ctx, &e, f);
}

int sr_store_foreach_raw(sr_store_t *st, sr_entry_cb cb, void *ctx) {
  entry_scan_t a = {NULL, cb, ctx};
  return sr_store_scan_ids(st, "walk the entries", raw_row, &a);
}

typedef struct {
  int (*cb)(void *ctx, const sr_person_t *p);
  void *ctx;
  int self_read, has_self;
  uint8_t self[SR_KEY_BYTES];
} person_scan_t;

static int person_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  person_scan_t *a = arg;
  sr_person_t p = {0};
  sr_head_t h;
  MDB_val nv;
  int rc;
  (void)v;
  if (!a->self_read) {
    a->has_self = sr_store_self_in(st, txn, a->self) == 0;
    a->self_read = 1;
  }
  if (k->mv_size != SR_KEY_BYTES) return 0;
  p.key = k->mv_data;
  if (mdb_get(txn, st->dbi[DB_PROFILES], (MDB_val *)k, &nv) == 0) {
    p.name = nv.mv_data;
    p.name_len = nv.mv_size;
  }
  if ((rc = sr_head_read(txn, st, k->mv_data, &h))) return rc;
  p.seq = h.seq;
  p.forked = h.forked;
  p.is_self = a->has_self && memcmp(a->self, k->mv_data, SR_KEY_BYTES) == 0;
  return a->cb(a->ctx, &p);
}

int sr_store_foreach_person(sr_store_t *st, int (*cb)(void *ctx, const sr_person_t *p), void *ctx) {
  person_scan_t a = {cb, ctx, 0, 0, {0}};
  return sr_store_scan(st, DB_PEOPLE, NULL, "people", person_row, &a);
}

typedef struct {
  int (*cb)(void *ctx, const sr_project_t *p);
  void *ctx;
} project_scan_t;

static int project_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  project_scan_t *a = arg;
  sr_project_t p = {0};
  (void)st;
  (void)txn;
  p.id = k->mv_data;
  /* A project named before its entry arrived has an empty value. */
  if (v->mv_size >= SR_KEY_BYTES) {
    p.author = v->mv_data;
    p.name = (const char *)v->mv_data + SR_KEY_BYTES;
    p.name_len = v->mv_size - SR_KEY_BYTES;
  }
  return a->cb(a->ctx, &p);
}

int sr_store_foreach_project(sr_store_t *st, int (*cb)(void *ctx, const sr_project_t *p), void *ctx) {
  project_scan_t a = {cb, ctx};
  return sr_store_scan(st, DB_PROJECTS, NULL, "projects", project_row, &a);
}

/* A name kept after skip bytes of the value under a 32-byte key of db. */
static int name_in(sr_store_t *st, int db, const uint8_t *key, size_t skip, char *name, size_t cap, size_t *len) {
  MDB_txn *txn;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  /* A person's name is its keys' newest about (devices.h): a device key has its person's. */
  rc = db == DB_PROFILES ? sr_store_person_name_in(st, txn, key, &v) : mdb_get(txn, st->dbi[db], &k, &v);
  if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size <= skip)) rc = SR_ENOTFOUND;
  else if (rc)
    rc = sr_store_fail(st, "read a name", rc);
  else {
    size_t n = v.mv_size - skip;
    if (len) *len = n;
    if (cap) {
      size_t c = n < cap ? n : cap - 1;
      memcpy(name, (const char *)v.mv_data + skip, c);
      name[c] = '\0';
    }
  }
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_get_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], char *name, size_t cap, size_t *len) {
  return name_in(st, DB_PROFILES, key, 0, name, cap, len);
}

int sr_store_get_project_name(sr_store_t *st, const uint8_t id[SR_ID_BYTES], char *name, size_t cap, size_t *len) {
  return name_in(st, DB_PROJECTS, id, SR_KEY_BYTES, name, cap, len); /* value: author || name */
}

typedef struct {
  int (*cb)(void *ctx, int kind, const uint8_t *src, const uint8_t *dst);
  void *ctx;
} edge_scan_t;

static int edge_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  edge_scan_t *a = arg;
  const uint8_t *d = v->mv_data;
  (void)st;
  (void)txn;
  return a->cb(a->ctx, d[0], k->mv_data, d + 1);
}

int sr_store_foreach_edge(sr_store_t *st, int (*cb)(void *ctx, int kind, const uint8_t *src, const uint8_t *dst),
                          void *ctx) {
  edge_scan_t a = {cb, ctx};
  return sr_store_scan(st, DB_EDGES_OUT, NULL, "edges", edge_row, &a);
}

typedef struct {
  int (*cb)(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id);
  void *ctx;
} fork_scan_t;

static int fork_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  fork_scan_t *a = arg;
  const uint8_t *key = k->mv_data, *head_id = NULL;
  uint8_t logged[SR_ID_BYTES];
  MDB_val raw;
  if (k->mv_size != LOG_KEY_BYTES) return 0;
  if (sr_log_entry(st, txn, key, sr_be64_get(key + SR_KEY_BYTES), &raw, NULL) == 0) {
    sr_entry_id(raw.mv_data, raw.mv_size, logged);
    head_id = logged;
  }
  return a->cb(a->ctx, key, sr_be64_get(key + SR_KEY_BYTES), head_id, v->mv_data);
}

int sr_store_foreach_fork(sr_store_t *st,
                          int (*cb)(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id,
                                    const uint8_t *fork_id),
                          void *ctx) {
  fork_scan_t a = {cb, ctx};
  return sr_store_scan(st, DB_FORKS, NULL, "forks", fork_row, &a);
}
