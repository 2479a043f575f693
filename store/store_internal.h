/* store_internal.h: what the store's .c files share; never included outside store/. */
#ifndef SR_STORE_INTERNAL_H
#define SR_STORE_INTERNAL_H
#include "store/store.h"
#include <lmdb.h>

enum {
  DB_META, DB_ENTRIES, DB_FLOW, DB_LOG, DB_HEADS, DB_FORKS, DB_EDGES_OUT, DB_EDGES_IN, DB_CONTACTS,
  DB_MEMBERS, DB_PROFILES, DB_PROJECTS, DB_PEOPLE, DB_RESHARES, DB_COUNT
};
/* First derived database: everything from here on is rebuilt by reindex. */
#define DB_FIRST_DERIVED DB_LOG

struct sr_store {
  MDB_env *env;
  MDB_dbi dbi[DB_COUNT];
  char path[4096];
  char errmsg[4096 + 512];
};

/* Records an LMDB error on the handle and returns SR_ESTORE. */
int sr_store_fail(sr_store_t *st, const char *what, int mdb_rc);
/* Begins a transaction, adopting a map grown by another process. */
int sr_store_txn_begin(sr_store_t *st, unsigned flags, MDB_txn **txn);
/* Doubles the map size after MDB_MAP_FULL (no transaction may be open). */
int sr_store_grow(sr_store_t *st);

#define HEAD_VAL_BYTES (8 + SR_ID_BYTES + 1)
#define FLOW_VAL_BYTES (8 + SR_KEY_BYTES + 4 + 1)
#define LOG_KEY_BYTES (SR_KEY_BYTES + 8)

void sr_be64_put(uint8_t *p, uint64_t v);
uint64_t sr_be64_get(const uint8_t *p);
void sr_flow_encode(const sr_flow_t *f, uint8_t out[FLOW_VAL_BYTES]);
void sr_flow_decode(const uint8_t *in, size_t len, sr_flow_t *f);
int sr_head_read(MDB_txn *txn, sr_store_t *st, const uint8_t *author, sr_head_t *h);

/* Checks items in parallel (decode, signature, schema) when threads > 1. */
void sr_store_verify_items(sr_ingest_item_t *items, size_t n, int threads);
/* The write phase of ingest inside txn (used by ingest, publish and reindex). */
int sr_store_apply_batch(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *items, size_t n, uint64_t now_ms,
                         int reindex, sr_ingest_stats_t *stats);

#endif
