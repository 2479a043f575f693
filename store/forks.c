/* forks.c: fork proofs from peers in and out, and the self-fork stop (see
 * forks.h). A proof's entries go through the ingest rule like any entry
 * (ingest.c), so the store ends as it would had both come as entry frames;
 * only a proof for a seq past the log is kept apart from it, on its own. */
#include "store/store_internal.h"
#include "core/hex.h"
#include <stdio.h>
#include <string.h>

/* meta "self_fork": version u8 (1), reason u8, seq u64, at_ms u64, id[32], from[32]. */
#define SELF_FORK_KEY "self_fork"
#define SELF_FORK_BYTES (2 + 8 + 8 + SR_ID_BYTES + SR_KEY_BYTES)

const char *sr_self_fork_reason_name(int reason) {
  switch (reason) {
    case SR_SELF_FORK_ENTRY:
      return "entry";
    case SR_SELF_FORK_FORK:
      return "fork";
    case SR_SELF_FORK_PROOF:
      return "proof";
    default:
      return "unknown";
  }
}

int sr_store_self_fork_in(sr_store_t *st, MDB_txn *txn, sr_self_fork_t *out) {
  MDB_val k = {sizeof(SELF_FORK_KEY) - 1, SELF_FORK_KEY}, v;
  int rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
  memset(out, 0, sizeof(*out));
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  const uint8_t *p = v.mv_data;
  /* a record of a later layout still stops publishing: its first bytes say why */
  out->set = 1;
  if (v.mv_size < SELF_FORK_BYTES) return 0;
  out->reason = p[1];
  out->seq = sr_be64_get(p + 2);
  out->at_ms = sr_be64_get(p + 10);
  memcpy(out->id, p + 18, SR_ID_BYTES);
  memcpy(out->from, p + 18 + SR_ID_BYTES, SR_KEY_BYTES);
  return 0;
}

int sr_store_self_fork_mark(sr_store_t *st, MDB_txn *txn, int reason, uint64_t seq, const uint8_t *id,
                            const uint8_t *from, uint64_t at_ms, int *newly) {
  sr_self_fork_t cur;
  uint8_t rec[SELF_FORK_BYTES];
  int rc = sr_store_self_fork_in(st, txn, &cur);
  *newly = 0;
  if (rc || cur.set) return rc; /* the first event is the one the person is told of */
  rec[0] = 1;
  rec[1] = (uint8_t)reason;
  sr_be64_put(rec + 2, seq);
  sr_be64_put(rec + 10, at_ms);
  memcpy(rec + 18, id, SR_ID_BYTES);
  memcpy(rec + 18 + SR_ID_BYTES, from, SR_KEY_BYTES);
  MDB_val k = {sizeof(SELF_FORK_KEY) - 1, SELF_FORK_KEY}, v = {sizeof(rec), rec};
  if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0))) return rc;
  *newly = 1;
  return 0;
}

int sr_store_self_fork_get(sr_store_t *st, sr_self_fork_t *out) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_store_self_fork_in(st, txn, out);
  sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "read the self-fork stop", rc) : 0;
}

static int clear_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  MDB_val k = {sizeof(SELF_FORK_KEY) - 1, SELF_FORK_KEY};
  int rc = mdb_del(txn, st->dbi[DB_META], &k, NULL);
  *(int *)arg = rc == 0;
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int sr_store_self_fork_clear(sr_store_t *st, int *was) {
  int w = 0, rc = sr_store_write(st, clear_fn, &w);
  if (was) *was = w;
  return rc;
}

void sr_self_fork_sentence(const sr_self_fork_t *sf, char *out, size_t cap) {
  char from[SR_HEX_KEY_LEN + 1];
  if (!out || !cap) return;
  sr_hex_encode(sf->from, SR_KEY_BYTES, from);
  if (sf->reason == SR_SELF_FORK_ENTRY)
    snprintf(out, cap,
             "another copy of this identity published: entry %llu of your log, signed with your key, came from peer "
             "%.16s and this node did not write it, so the same key runs in another home (a copied or restored "
             "one). This node stopped publishing so that the two copies do not split your log. Stop the other "
             "copy, then run `seurone fork keep-this` in the home you keep (docs/cli.md, \"Another copy of your "
             "identity\")",
             (unsigned long long)sf->seq, from);
  else
    snprintf(out, cap,
             "your log forked: two different entries with seq %llu are signed with your key (one came from peer "
             "%.16s), so the same key published from another home (a copied or restored one), and nodes that see "
             "both stop taking entries of this identity. This node stopped publishing. Stop the other copy and read "
             "docs/cli.md, \"Another copy of your identity\", on what to do next",
             (unsigned long long)sf->seq, from);
}

int sr_store_proof_beyond(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                          const uint8_t (*ids)[SR_ID_BYTES], size_t n) {
  uint8_t lk[LOG_KEY_BYTES];
  sr_head_t h;
  int rc;
  sr_log_key(lk, author, seq);
  for (size_t i = 0; i < n; i++) {
    MDB_val k = {sizeof(lk), lk}, v = {SR_ID_BYTES, (void *)ids[i]};
    if ((rc = mdb_put(txn, st->dbi[DB_FORKS], &k, &v, MDB_NODUPDATA)) && rc != MDB_KEYEXIST) return rc;
  }
  if ((rc = sr_head_read(txn, st, author, &h))) return rc; /* SR_ESTORE, text set */
  h.forked = 1;
  if ((rc = sr_store_head_write(st, txn, author, &h))) return rc;
  return sr_store_person_add(st, txn, author);
}

typedef struct {
  sr_fork_proof_t *p;
  size_t n;
  uint64_t now;
} proofs_arg_t;

/* The item of one entry of a proof, checked already (sr_rule_fork_proof). */
static void proof_item(sr_ingest_item_t *it, const sr_fork_proof_t *p, const uint8_t *raw, size_t len) {
  memset(it, 0, sizeof(*it));
  it->raw = raw;
  it->len = len;
  it->flow.received_at = p->received_at;
  memcpy(it->flow.from, p->from, SR_KEY_BYTES);
  it->flow.hops = 1; /* a proof carries no hop count: it came straight from the peer */
  it->flow.source = SR_SRC_PEER;
}

static int take_proof(sr_store_t *st, MDB_txn *txn, sr_fork_proof_t *p, const uint8_t *self, uint64_t now) {
  sr_ingest_item_t it[2];
  sr_ingest_stats_t stats;
  sr_head_t h;
  int rc, newly = 0;
  if ((rc = sr_head_read(txn, st, p->author, &h))) return rc; /* SR_ESTORE, text set */
  if (h.forked) {
    p->status = SR_EDUP;
    snprintf(p->why, sizeof(p->why), "the author is marked forked already");
    return 0;
  }
  proof_item(&it[0], p, p->raw1, p->len1);
  proof_item(&it[1], p, p->raw2, p->len2);
  /* Of this node's own key: told as a proof (the entries' own outcome would
   * say "entry" when the first one continues the log). */
  if (self && memcmp(p->author, self, SR_KEY_BYTES) == 0) {
    sr_entry_t e;
    if (sr_entry_decode(p->raw2, p->len2, &e) == 0 &&
        (rc = sr_store_self_fork_mark(st, txn, SR_SELF_FORK_PROOF, e.seq, e.id, p->from, p->received_at, &newly)))
      return rc;
    p->self_fork = newly;
  }
  if ((rc = sr_store_apply_batch(st, txn, it, 2, now, 0, &stats))) return rc;
  if (stats.forks) {
    p->status = 0;
  } else if ((it[0].status == SR_EGAP || it[0].status == SR_EPREV) &&
             (it[1].status == SR_EGAP || it[1].status == SR_EPREV)) {
    /* A seq past the log this node holds (or a log that parted earlier):
     * the two entries are the proof, kept on their own. */
    uint8_t ids[2][SR_ID_BYTES];
    for (int i = 0; i < 2; i++) {
      if ((rc = sr_store_raw_put(st, txn, &it[i]))) return rc;
      memcpy(ids[i], it[i].e.id, SR_ID_BYTES);
    }
    if ((rc = sr_store_proof_beyond(st, txn, p->author, p->seq, (const uint8_t(*)[SR_ID_BYTES])ids, 2))) return rc;
    p->status = 0;
  } else {
    /* not reached for a checked proof (the author is not forked, the ts
     * checked): say what the store said */
    p->status = it[0].status ? it[0].status : it[1].status;
    snprintf(p->why, sizeof(p->why), "%s", it[0].status ? it[0].why : it[1].why);
  }
  p->self_fork |= it[0].self_fork | it[1].self_fork;
  return 0;
}

static int proofs_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  proofs_arg_t *a = arg;
  uint8_t selfkey[SR_KEY_BYTES];
  const uint8_t *self = sr_store_self_in(st, txn, selfkey) == 0 ? selfkey : NULL;
  for (size_t i = 0; i < a->n; i++) {
    sr_fork_proof_t *p = &a->p[i];
    int rc;
    /* from the checks before the transaction, again at a retry (MDB_MAP_FULL) */
    p->status = p->checked;
    if (p->status) continue;
    p->self_fork = 0;
    p->why[0] = '\0';
    if ((rc = take_proof(st, txn, p, self, a->now))) return rc;
  }
  return 0;
}

int sr_store_fork_proofs(sr_store_t *st, sr_fork_proof_t *p, size_t n, uint64_t now_ms) {
  proofs_arg_t a = {p, n, now_ms};
  for (size_t i = 0; i < n; i++) {
    sr_entry_t x, y;
    p[i].self_fork = 0;
    p[i].why[0] = '\0';
    memset(p[i].author, 0, SR_KEY_BYTES);
    p[i].seq = 0;
    p[i].checked = sr_rule_fork_proof(p[i].raw1, p[i].len1, p[i].raw2, p[i].len2, &x, &y, p[i].why, sizeof(p[i].why));
    p[i].status = p[i].checked;
    if (p[i].checked) continue;
    memcpy(p[i].author, x.author, SR_KEY_BYTES);
    p[i].seq = x.seq;
    if (x.ts > now_ms + SR_FUTURE_SLACK_MS || y.ts > now_ms + SR_FUTURE_SLACK_MS) {
      p[i].checked = p[i].status = SR_EFUTURE;
      snprintf(p[i].why, sizeof(p[i].why), "an entry of the proof is more than 10 minutes in the future");
    }
  }
  return sr_store_write(st, proofs_fn, &a);
}

/* Copies the entry with id into buf. */
static int copy_entry(sr_store_t *st, MDB_txn *txn, const uint8_t *id, uint8_t *buf, size_t cap, size_t *len) {
  MDB_val v;
  int rc = sr_row_by_id(st, txn, id, &v, NULL);
  if (rc) return rc;
  if (v.mv_size > cap) return MDB_BAD_VALSIZE;
  memcpy(buf, v.mv_data, v.mv_size);
  *len = v.mv_size;
  return 0;
}

int sr_store_get_fork_proof(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint8_t *buf1, size_t *len1,
                            uint8_t *buf2, size_t *len2, size_t cap, uint64_t *seq) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  uint8_t lk[LOG_KEY_BYTES], first[SR_ID_BYTES];
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  sr_log_key(lk, author, 0);
  MDB_val k = {sizeof(lk), lk}, v, lv;
  uint64_t logged;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_FORKS], &cur))) goto out;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && (k.mv_size != LOG_KEY_BYTES || memcmp(k.mv_data, author, SR_KEY_BYTES) != 0)) rc = MDB_NOTFOUND;
  if (rc) goto out;
  *seq = sr_be64_get((const uint8_t *)k.mv_data + SR_KEY_BYTES);
  memcpy(first, v.mv_data, SR_ID_BYTES);
  /* The logged entry and the kept one; for a proof past the log, the two kept. */
  if ((rc = sr_log_find(st, txn, author, *seq, &logged)) == 0 && (rc = sr_row_read(st, txn, logged, &lv, NULL)) == 0) {
    if (lv.mv_size > cap) rc = MDB_BAD_VALSIZE;
    else {
      memcpy(buf1, lv.mv_data, lv.mv_size);
      *len1 = lv.mv_size;
      rc = copy_entry(st, txn, first, buf2, cap, len2);
    }
  } else if (rc == MDB_NOTFOUND && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) == 0) {
    if (!(rc = copy_entry(st, txn, first, buf1, cap, len1))) rc = copy_entry(st, txn, v.mv_data, buf2, cap, len2);
  }
out:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  if (rc == MDB_NOTFOUND) return SR_ENOTFOUND;
  return rc ? sr_store_fail(st, "read a fork proof", rc) : 0;
}
