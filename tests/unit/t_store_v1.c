/* t_store_v1.c: see t_store_v1.h. Written from format 1 as main's store.c and
 * ingest.c wrote it (big-endian integers; the flow record received_at u64,
 * from[32], hops u32, source u8). */
#include "tests/unit/t_store_v1.h"
#include "tests/unit/t.h"
#include <string.h>
#include <sys/stat.h>

static void be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

void t_v1_begin(t_v1_t *w, const char *dir, const uint8_t *self) {
  static const char *const empty[] = {"peers",    "invites",  "relay_members", "device_codes", "members",
                                      "profiles", "projects", "contacts",      "devices"};
  static const char *const dupfixed[] = {"edges_out", "edges_in", "reshares", "person_devices"};
  MDB_dbi d;
  uint8_t fmt[4] = {0, 0, 0, 1};
  mkdir(dir, 0700);
  T_OK(mdb_env_create(&w->env));
  T_OK(mdb_env_set_maxdbs(w->env, 32));
  T_OK(mdb_env_set_mapsize(w->env, (size_t)1 << 32));
  T_OK(mdb_env_open(w->env, dir, MDB_NOTLS, 0600));
  T_OK(mdb_txn_begin(w->env, NULL, 0, &w->txn));
  T_OK(mdb_dbi_open(w->txn, "meta", MDB_CREATE, &w->meta));
  T_OK(mdb_dbi_open(w->txn, "entries", MDB_CREATE, &w->entries));
  T_OK(mdb_dbi_open(w->txn, "flow", MDB_CREATE, &w->flow));
  T_OK(mdb_dbi_open(w->txn, "log", MDB_CREATE, &w->log));
  T_OK(mdb_dbi_open(w->txn, "heads", MDB_CREATE, &w->heads));
  T_OK(mdb_dbi_open(w->txn, "forks", MDB_CREATE | MDB_DUPSORT, &w->forks));
  T_OK(mdb_dbi_open(w->txn, "people", MDB_CREATE, &w->people));
  for (size_t i = 0; i < sizeof(empty) / sizeof(*empty); i++) T_OK(mdb_dbi_open(w->txn, empty[i], MDB_CREATE, &d));
  for (size_t i = 0; i < sizeof(dupfixed) / sizeof(*dupfixed); i++)
    T_OK(mdb_dbi_open(w->txn, dupfixed[i], MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &d));
  MDB_val k = {6, "format"}, v = {4, fmt};
  T_OK(mdb_put(w->txn, w->meta, &k, &v, 0));
  if (self) {
    MDB_val sk = {4, "self"}, sv = {SR_KEY_BYTES, (void *)self};
    T_OK(mdb_put(w->txn, w->meta, &sk, &sv, 0));
  }
}

void t_v1_entry(t_v1_t *w, const uint8_t *raw, size_t len, const sr_flow_t *f, int logged) {
  sr_entry_t e;
  uint8_t fv[8 + SR_KEY_BYTES + 4 + 1], lk[SR_KEY_BYTES + 8], hv[8 + SR_ID_BYTES + 1];
  T_OK(sr_entry_decode(raw, len, &e));
  be64(fv, f->received_at);
  memcpy(fv + 8, f->from, SR_KEY_BYTES);
  for (int i = 0; i < 4; i++) fv[8 + SR_KEY_BYTES + i] = (uint8_t)(f->hops >> (24 - 8 * i));
  fv[sizeof(fv) - 1] = f->source;
  MDB_val k = {SR_ID_BYTES, e.id}, v = {len, (void *)raw}, fvv = {sizeof(fv), fv};
  T_OK(mdb_put(w->txn, w->entries, &k, &v, 0));
  T_OK(mdb_put(w->txn, w->flow, &k, &fvv, 0));
  MDB_val pk = {SR_KEY_BYTES, e.author}, pv = {0, ""};
  T_OK(mdb_put(w->txn, w->people, &pk, &pv, 0));
  if (!logged) return;
  memcpy(lk, e.author, SR_KEY_BYTES);
  be64(lk + SR_KEY_BYTES, e.seq);
  MDB_val lkv = {sizeof(lk), lk};
  T_OK(mdb_put(w->txn, w->log, &lkv, &k, 0));
  be64(hv, e.seq);
  memcpy(hv + 8, e.id, SR_ID_BYTES);
  hv[sizeof(hv) - 1] = 0;
  MDB_val hvv = {sizeof(hv), hv};
  T_OK(mdb_put(w->txn, w->heads, &pk, &hvv, 0));
}

void t_v1_fork(t_v1_t *w, const uint8_t *author, uint64_t seq, const uint8_t *id) {
  uint8_t lk[SR_KEY_BYTES + 8];
  MDB_val k = {sizeof(lk), lk}, v = {SR_ID_BYTES, (void *)id}, ak = {SR_KEY_BYTES, (void *)author}, hv;
  uint8_t h[8 + SR_ID_BYTES + 1];
  memcpy(lk, author, SR_KEY_BYTES);
  be64(lk + SR_KEY_BYTES, seq);
  T_OK(mdb_put(w->txn, w->forks, &k, &v, 0));
  T_OK(mdb_get(w->txn, w->heads, &ak, &hv));
  memcpy(h, hv.mv_data, sizeof(h));
  h[sizeof(h) - 1] = 1;
  hv.mv_size = sizeof(h);
  hv.mv_data = h;
  T_OK(mdb_put(w->txn, w->heads, &ak, &hv, 0));
}

void t_v1_end(t_v1_t *w) {
  T_OK(mdb_txn_commit(w->txn));
  mdb_env_close(w->env);
}
