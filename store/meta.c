/* meta.c: the store's meta rows (this node's own key) and its counts
 * (sr_store_info). */
#include "store/store_internal.h"
#include <string.h>

static int meta_put(sr_store_t *st, const char *key, const void *val, size_t len) {
  MDB_txn *txn;
  MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)val};
  int rc = sr_store_txn_begin(st, 0, &txn);
  if (rc) return rc;
  if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) == 0 && (rc = sr_store_person_add(st, txn, val)) == 0)
    rc = sr_store_txn_commit(st, txn);
  else
    sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "write meta", rc) : 0;
}

int sr_store_set_self(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  return meta_put(st, "self", key, SR_KEY_BYTES);
}

int sr_store_self_in(sr_store_t *st, MDB_txn *txn, uint8_t key[SR_KEY_BYTES]) {
  MDB_val k = {4, "self"}, v;
  int rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
  if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != SR_KEY_BYTES)) return SR_ENOTFOUND;
  if (rc) return sr_store_fail(st, "read meta", rc);
  memcpy(key, v.mv_data, SR_KEY_BYTES);
  return 0;
}

int sr_store_get_self(sr_store_t *st, uint8_t key[SR_KEY_BYTES]) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_store_self_in(st, txn, key);
  sr_store_txn_abort(st, txn);
  return rc;
}

int sr_store_home_device_set(sr_store_t *st, const uint8_t id[SR_HOME_DEVICE_ID_BYTES]) {
  MDB_txn *txn;
  MDB_val k = {11, "home_device"}, v = {SR_HOME_DEVICE_ID_BYTES, (void *)id};
  int rc = sr_store_txn_begin(st, 0, &txn);
  if (rc) return rc;
  if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) == 0) rc = sr_store_txn_commit(st, txn);
  else
    sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "write meta", rc) : 0;
}

int sr_store_home_device_get(sr_store_t *st, uint8_t id[SR_HOME_DEVICE_ID_BYTES], int *found) {
  MDB_txn *txn;
  MDB_val k = {11, "home_device"}, v;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  *found = 0;
  if (rc) return rc;
  rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
  if (rc == 0 && v.mv_size == SR_HOME_DEVICE_ID_BYTES) {
    memcpy(id, v.mv_data, SR_HOME_DEVICE_ID_BYTES);
    *found = 1;
  }
  sr_store_txn_abort(st, txn);
  return rc && rc != MDB_NOTFOUND ? sr_store_fail(st, "read meta", rc) : 0;
}

static size_t db_count(sr_store_t *st, MDB_txn *txn, int db) {
  MDB_stat s;
  return mdb_stat(txn, st->dbi[db], &s) == 0 ? s.ms_entries : 0;
}

int sr_store_info(sr_store_t *st, sr_store_info_t *info) {
  MDB_txn *txn;
  MDB_envinfo ei;
  MDB_stat es;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  memset(info, 0, sizeof(*info));
  info->entries = db_count(st, txn, DB_IDS);
  info->authors = db_count(st, txn, DB_HEADS);
  /* People, not keys: a bound device key is its person (store/devices.h). */
  info->people = db_count(st, txn, DB_PEOPLE);
  sr_personmap_t *pm;
  if (sr_store_personmap_in(st, txn, &pm) == 0) {
    size_t nd = sr_personmap_count(pm);
    info->people = info->people > nd ? info->people - nd : 0;
    sr_personmap_free(pm);
  }
  info->projects = db_count(st, txn, DB_PROJECTS);
  info->edges = db_count(st, txn, DB_EDGES_OUT);
  info->forks = db_count(st, txn, DB_FORKS);
  mdb_env_info(st->env, &ei);
  mdb_env_stat(st->env, &es);
  info->map_size = ei.me_mapsize;
  info->file_bytes = (uint64_t)(ei.me_last_pgno + 1) * es.ms_psize;
  sr_store_txn_abort(st, txn);
  return 0;
}

void sr_store_sizes(sr_store_t *st, uint64_t *file_bytes, uint64_t *map_size) {
  MDB_envinfo ei;
  MDB_stat es;
  mdb_env_info(st->env, &ei);
  mdb_env_stat(st->env, &es);
  *map_size = ei.me_mapsize;
  *file_bytes = (uint64_t)(ei.me_last_pgno + 1) * es.ms_psize;
}
