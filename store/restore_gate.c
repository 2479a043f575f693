/* restore_gate.c: the restore stop (see restore_gate.h), a row of the meta
 * database beside the self-fork stop (forks.c). */
#include "store/restore_gate.h"
#include "store/store_internal.h"
#include "core/hex.h"
#include <stdio.h>
#include <string.h>

/* meta "restore_gate": version u8 (1), flags u8 (1: paper), at_ms u64, want u64, from[32]. */
#define GATE_KEY "restore_gate"
#define GATE_BYTES (2 + 8 + 8 + SR_KEY_BYTES)

int sr_store_restore_gate_in(sr_store_t *st, MDB_txn *txn, sr_restore_gate_t *out) {
  MDB_val k = {sizeof(GATE_KEY) - 1, GATE_KEY}, v;
  int rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
  memset(out, 0, sizeof(*out));
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  const uint8_t *p = v.mv_data;
  out->set = 1; /* a record of a later layout still stops publishing */
  if (v.mv_size < GATE_BYTES) return 0;
  out->paper = p[1] & 1;
  out->at_ms = sr_be64_get(p + 2);
  out->want = sr_be64_get(p + 10);
  memcpy(out->from, p + 18, SR_KEY_BYTES);
  return 0;
}

static int gate_put(sr_store_t *st, MDB_txn *txn, const sr_restore_gate_t *g) {
  uint8_t rec[GATE_BYTES];
  rec[0] = 1;
  rec[1] = (uint8_t)(g->paper ? 1 : 0);
  sr_be64_put(rec + 2, g->at_ms);
  sr_be64_put(rec + 10, g->want);
  memcpy(rec + 18, g->from, SR_KEY_BYTES);
  MDB_val k = {sizeof(GATE_KEY) - 1, GATE_KEY}, v = {sizeof(rec), rec};
  return mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
}

static int gate_del(sr_store_t *st, MDB_txn *txn, int *was) {
  MDB_val k = {sizeof(GATE_KEY) - 1, GATE_KEY};
  int rc = mdb_del(txn, st->dbi[DB_META], &k, NULL);
  if (was) *was = rc == 0;
  return rc == MDB_NOTFOUND ? 0 : rc;
}

static int set_fn(sr_store_t *st, MDB_txn *txn, void *arg) { return gate_put(st, txn, arg); }

int sr_store_restore_gate_set(sr_store_t *st, uint64_t at_ms, int paper) {
  sr_restore_gate_t g;
  memset(&g, 0, sizeof(g));
  g.set = 1;
  g.paper = paper;
  g.at_ms = at_ms;
  return sr_store_write(st, set_fn, &g);
}

int sr_store_restore_gate_get(sr_store_t *st, sr_restore_gate_t *out) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return sr_store_fail(st, "read the restore stop", rc);
  rc = sr_store_restore_gate_in(st, txn, out);
  sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "read the restore stop", rc) : 0;
}

static int clear_fn(sr_store_t *st, MDB_txn *txn, void *arg) { return gate_del(st, txn, arg); }

int sr_store_restore_gate_clear(sr_store_t *st, int *was) {
  int w = 0, rc = sr_store_write(st, clear_fn, &w);
  if (was) *was = w;
  return rc;
}

typedef struct {
  const uint8_t *from;
  uint64_t seq, head;
  int cleared;
} peer_head_t;

static int peer_head_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  peer_head_t *a = arg;
  sr_restore_gate_t g;
  uint8_t self[SR_KEY_BYTES];
  sr_head_t h;
  int rc;
  a->cleared = 0;
  a->head = 0;
  if ((rc = sr_store_restore_gate_in(st, txn, &g)) || !g.set) return rc;
  if ((rc = sr_store_self_in(st, txn, self))) return rc == SR_ENOTFOUND ? 0 : rc; /* a store of nobody: kept */
  if ((rc = sr_head_read(txn, st, self, &h))) return rc;
  a->head = h.seq;
  if (a->seq > g.want) {
    g.want = a->seq;
    memcpy(g.from, a->from, SR_KEY_BYTES);
    if (h.seq < g.want) return gate_put(st, txn, &g);
  }
  if (g.want >= 1 && h.seq >= g.want) {
    a->cleared = 1;
    return gate_del(st, txn, NULL);
  }
  return 0;
}

int sr_store_restore_gate_peer_head(sr_store_t *st, const uint8_t from[SR_KEY_BYTES], uint64_t seq, int *cleared,
                                    uint64_t *head) {
  peer_head_t a = {from, seq, 0, 0};
  int rc = sr_store_write(st, peer_head_fn, &a);
  *cleared = rc == 0 && a.cleared;
  if (head) *head = a.head;
  return rc;
}

void sr_restore_gate_sentence(const sr_restore_gate_t *g, uint64_t head, char *out, size_t cap) {
  char from[SR_HEX_KEY_LEN + 1];
  if (!out || !cap) return;
  sr_hex_encode(g->from, SR_KEY_BYTES, from);
  if (g->want)
    snprintf(out, cap,
             "this home was restored from %s: it publishes nothing until it holds its own latest entry. Peer %.16s "
             "holds your log up to seq %llu, this node up to seq %llu: it is fetching the rest. If no peer or relay "
             "holds your log and no other copy of this identity exists anywhere, run `seurone restore "
             "--no-other-copy --yes`",
             g->paper ? "a paper key" : "a backup", from, (unsigned long long)g->want, (unsigned long long)head);
  else
    snprintf(out, cap,
             "this home was restored from %s: it publishes nothing until it has fetched its own latest entry from a "
             "peer or relay that holds your log (this node holds it up to seq %llu; no peer has said what it holds "
             "yet). Add a friend or your relay with `seurone peer add ADDRESS` and run the node. If no peer or "
             "relay holds your log and no other copy of this identity exists anywhere, run `seurone restore "
             "--no-other-copy --yes`",
             g->paper ? "a paper key" : "a backup", (unsigned long long)head);
}
