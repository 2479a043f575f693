/* t_store_v1.h: a writer of store format 1, the layout before issue 16
 * (docs/storage.md, "Format versions"), kept here so the upgrade is tested
 * against stores made as the old code made them: meta (format 1, self),
 * entries (id -> bytes), flow (id -> 45-byte record), log (author ‖ seq ->
 * id), heads, forks, people, and the other databases of format 1, empty. */
#ifndef SR_T_STORE_V1_H
#define SR_T_STORE_V1_H
#include "core/core.h"
#include "store/store.h"
#include <lmdb.h>

typedef struct t_v1 {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi meta, entries, flow, log, heads, forks, people;
} t_v1_t;

/* Opens a new format-1 store in dir (created); self (or NULL) as meta "self". */
void t_v1_begin(t_v1_t *w, const char *dir, const uint8_t *self);
/* Stores an entry with its flow record; logged: also the log row and the head
 * (entries of one author come in seq order). */
void t_v1_entry(t_v1_t *w, const uint8_t *raw, size_t len, const sr_flow_t *f, int logged);
/* A fork proof: id, an entry stored already, at author's seq; the head forked. */
void t_v1_fork(t_v1_t *w, const uint8_t *author, uint64_t seq, const uint8_t *id);
/* Commits and closes. */
void t_v1_end(t_v1_t *w);

#endif
