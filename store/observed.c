/* observed.c: the observed database (observed.h). Key: entry id ‖ observer
 * key; value: the flow record encoding of the flow database. */
#include "store/observed.h"
#include "store/store_internal.h"
#include <string.h>

#define OBS_KEY_BYTES (SR_ID_BYTES + SR_KEY_BYTES)

typedef struct {
  const sr_observation_t *obs;
  size_t n, stored, skipped;
} put_arg_t;

static int put_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  put_arg_t *a = arg;
  uint8_t self[SR_KEY_BYTES], key[OBS_KEY_BYTES], val[FLOW_VAL_BYTES];
  int has_self = sr_store_self_in(st, txn, self) == 0, rc;
  a->stored = a->skipped = 0; /* repeatable: sr_store_write may run it again */
  for (size_t i = 0; i < a->n; i++) {
    const sr_observation_t *o = &a->obs[i];
    MDB_val k = {SR_ID_BYTES, (void *)o->id}, v;
    if ((has_self && memcmp(o->observer, self, SR_KEY_BYTES) == 0) || o->flow.source < SR_SRC_SELF ||
        o->flow.source > SR_SRC_REINDEX) {
      a->skipped++;
      continue;
    }
    uint64_t row;
    if ((rc = sr_row_of_id(st, txn, o->id, &row)) == MDB_NOTFOUND) {
      a->skipped++; /* only for entries this node holds */
      continue;
    }
    if (rc) return rc;
    memcpy(key, o->id, SR_ID_BYTES);
    memcpy(key + SR_ID_BYTES, o->observer, SR_KEY_BYTES);
    k.mv_size = OBS_KEY_BYTES;
    k.mv_data = key;
    if ((rc = mdb_get(txn, st->dbi[DB_OBSERVED], &k, &v)) == 0) {
      sr_flow_t old;
      sr_flow_decode(v.mv_data, v.mv_size, &old);
      if (v.mv_size >= FLOW_VAL_BYTES && old.received_at <= o->flow.received_at) {
        a->stored++; /* held already, and earlier: the same first arrival */
        continue;
      }
    } else if (rc != MDB_NOTFOUND)
      return rc;
    sr_flow_encode(&o->flow, val);
    v.mv_size = sizeof(val);
    v.mv_data = val;
    if ((rc = mdb_put(txn, st->dbi[DB_OBSERVED], &k, &v, 0))) return rc;
    a->stored++;
  }
  return 0;
}

int sr_store_observed_put(sr_store_t *st, const sr_observation_t *obs, size_t n, size_t *stored, size_t *skipped) {
  put_arg_t a = {obs, n, 0, 0};
  int rc = n ? sr_store_write(st, put_fn, &a) : 0;
  if (stored) *stored = rc ? 0 : a.stored;
  if (skipped) *skipped = rc ? 0 : a.skipped;
  return rc;
}

typedef struct {
  int (*cb)(void *ctx, const sr_observation_t *o);
  void *ctx;
  const uint8_t *id; /* only this entry's (the keys start with it), or NULL */
} walk_t;

static int obs_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  walk_t *w = arg;
  sr_observation_t o;
  (void)st, (void)txn;
  if (w->id && (k->mv_size < SR_ID_BYTES || memcmp(k->mv_data, w->id, SR_ID_BYTES))) return SR_SCAN_STOP;
  if (k->mv_size != OBS_KEY_BYTES || v->mv_size < FLOW_VAL_BYTES) return 0; /* not ours: skipped */
  memcpy(o.id, k->mv_data, SR_ID_BYTES);
  memcpy(o.observer, (const uint8_t *)k->mv_data + SR_ID_BYTES, SR_KEY_BYTES);
  sr_flow_decode(v->mv_data, v->mv_size, &o.flow);
  return w->cb(w->ctx, &o);
}

int sr_store_foreach_observed(sr_store_t *st, int (*cb)(void *ctx, const sr_observation_t *o), void *ctx) {
  walk_t w = {cb, ctx, NULL};
  return sr_store_scan(st, DB_OBSERVED, NULL, "walk the observations", obs_row, &w);
}

int sr_store_observed_of(sr_store_t *st, const uint8_t id[SR_ID_BYTES], int (*cb)(void *ctx, const sr_observation_t *o),
                         void *ctx) {
  walk_t w = {cb, ctx, id};
  MDB_val start = {SR_ID_BYTES, (void *)id};
  return sr_store_scan(st, DB_OBSERVED, &start, "read an entry's observations", obs_row, &w);
}
