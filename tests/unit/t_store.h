/* t_store.h: the unit tests' store helpers (tests/unit/t_store.c), apart from t.h
 * so that the tests of core/ alone need not link the store: opening a store,
 * ingesting batches, a text picture of the store for before/after comparisons,
 * small queries and chains of entries. */
#ifndef SR_TEST_T_STORE_H
#define SR_TEST_T_STORE_H
#include "store/store.h"
#include "store/ingest.h"
#include "store/read.h"
#include "tests/unit/t.h"

/* The clock of the helpers below: entries are made at T_TS, a batch is
 * ingested at T_NOW (an hour later). */
#define T_TS 1700000000000ull
#define T_NOW (T_TS + 3600 * 1000ull)

/* Opens (create: or creates) the store in dir; a failure fails the test. */
sr_store_t *t_open_store(const char *dir, int create);

/* received_at of the next item t_ingest_at gives a fresh value: strictly increasing. */
extern uint64_t t_arrival;

/* Ingests es[0..n) as one batch at T_NOW (hops 1, from 0x99..., a peer); the
 * items (with statuses) go to *out if not NULL (caller frees). arrival:
 * received_at for every item, or 0 for a fresh increasing value per item. */
int t_ingest_at(sr_store_t *st, t_entry_t *const *es, size_t n, int threads, uint64_t arrival, sr_ingest_stats_t *stats,
                sr_ingest_item_t **out);
/* The same on one thread with fresh arrival times. */
int t_ingest(sr_store_t *st, t_entry_t *const *es, size_t n, sr_ingest_stats_t *stats, sr_ingest_item_t **out);
/* Ingests one entry; returns its status. */
int t_ingest1(sr_store_t *st, t_entry_t *e);

/* Returns a malloc'd description of the store's heads, people, projects,
 * edges, forks, logs and entries. */
char *t_snapshot(sr_store_t *st);

/* 1 if the edge src -kind-> dst is in the store, 0 if not. */
int t_has_edge(sr_store_t *st, int kind, const uint8_t *src, const uint8_t *dst);
/* Edges leaving src, of any kind. */
size_t t_edges_from(sr_store_t *st, const uint8_t *src);

#define T_Q_NAME_MAX 64 /* the names the tests give, and more */
typedef struct {
  const uint8_t *key;
  sr_person_t p; /* p.key is NULL; p.name non-NULL only says "has a name": read name */
  char name[T_Q_NAME_MAX];
  int found;
} t_person_q_t;
t_person_q_t t_find_person(sr_store_t *st, const uint8_t *key);

typedef struct {
  const uint8_t *id;
  int found, has_author;
  uint8_t author[SR_KEY_BYTES];
  char name[T_Q_NAME_MAX];
} t_project_q_t;
t_project_q_t t_find_project(sr_store_t *st, const uint8_t *id);

/* sr_store_verify, each problem printed; returns its count (or an error code). */
int t_verify(sr_store_t *st);

/* Entries of one author's log in order (the first T_LOG_Q_MAX; n counts all):
 * sr_store_foreach_entry(st, author, t_log_cb, &q). */
#define T_LOG_Q_MAX 64
typedef struct {
  uint64_t seqs[T_LOG_Q_MAX];
  uint8_t ids[T_LOG_Q_MAX][SR_ID_BYTES];
  sr_flow_t flows[T_LOG_Q_MAX];
  size_t n;
} t_log_q_t;
int t_log_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f);

/* a's next n entries, shares "post 1".."post n" at T_TS + i (free with t_free_chain). */
t_entry_t *t_chain(t_author_t *a, size_t n);
void t_free_chain(t_entry_t *es, size_t n);

#endif
