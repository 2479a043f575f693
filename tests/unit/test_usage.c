/* test_usage.c: the per-author usage table, the quotas, purge and the count of
 * an older store (store/usage.h), on real LMDB stores in temp dirs. */
#include "store/usage.h"
#include "store/maintenance.h"
#include "tests/unit/t_store.h"
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

static size_t bytes_of(t_entry_t *es, size_t n) {
  size_t b = 0;
  for (size_t i = 0; i < n; i++) b += es[i].len;
  return b;
}

/* Counted in the ingest transaction: entries, bytes, the last arrival, the
 * day's; a duplicate counts nothing; the day counters read 0 on another day. */
static void usage_counted(void) {
  char dir[256];
  t_author_t a;
  sr_usage_t u;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0a);
  t_entry_t *es = t_chain(&a, 4);
  t_entry_t *ptr[] = {&es[0], &es[1], &es[2], &es[3]};
  T_OK(t_ingest(st, ptr, 4, NULL, NULL));
  T_OK(t_ingest(st, ptr, 2, NULL, NULL)); /* duplicates */
  T_OK(sr_usage_get(st, a.pk, T_NOW, &u));
  T_EQ(u.entries, 4);
  T_EQ(u.bytes, bytes_of(es, 4));
  T_EQ(u.day_entries, 4);
  T_EQ(u.day_bytes, bytes_of(es, 4));
  T_EQ(u.day, T_NOW / SR_DAY_MS);
  T_CHECK(u.last_ms >= T_TS && u.last_ms < t_arrival);
  T_OK(sr_usage_get(st, a.pk, T_NOW + SR_DAY_MS, &u));
  T_EQ(u.entries, 4);
  T_EQ(u.day_entries, 0);
  uint8_t nobody[SR_KEY_BYTES] = {1};
  T_OK(sr_usage_get(st, nobody, T_NOW, &u));
  T_EQ(u.entries + u.bytes + u.last_ms, 0);
  sr_store_close(st);
  t_free_chain(es, 4);
  t_rmdir(dir);
}

/* A peer's entries past a quota are refused before they are stored, in the
 * same batch; the own key and imports are not limited. */
static void quota_refuses(void) {
  char dir[256];
  t_author_t a, b;
  sr_usage_t u;
  sr_ingest_item_t *items;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0a);
  t_author_init(&b, 0x0b);
  t_entry_t *es = t_chain(&a, 5), *bs = t_chain(&b, 3);
  t_entry_t *ptr[] = {&es[0], &es[1], &es[2], &es[3], &es[4]};
  sr_quota_t q = {0, bytes_of(es, 3), 0};
  sr_store_set_quota(st, &q);
  T_OK(t_ingest(st, ptr, 5, NULL, &items));
  T_EQ(items[0].status, 0);
  T_EQ(items[2].status, 0);
  T_EQ(items[3].status, SR_EQUOTA);
  T_EQ(items[4].status, SR_EQUOTA);
  T_HAS(items[3].why, "a day");
  free(items);
  T_OK(sr_usage_get(st, a.pk, T_NOW, &u));
  T_EQ(u.entries, 3);
  /* entries a day, and bytes in all */
  q.bytes_per_day = 0;
  q.entries_per_day = 2;
  sr_store_set_quota(st, &q);
  t_entry_t *bp[] = {&bs[0], &bs[1], &bs[2]};
  T_OK(t_ingest(st, bp, 3, NULL, &items));
  T_EQ(items[1].status, 0);
  T_EQ(items[2].status, SR_EQUOTA);
  T_HAS(items[2].why, "2 entries a day");
  free(items);
  q.entries_per_day = 0;
  q.bytes_total = bytes_of(es, 3);
  sr_store_set_quota(st, &q);
  T_OK(t_ingest(st, &ptr[3], 1, NULL, &items));
  T_EQ(items[0].status, SR_EQUOTA);
  T_HAS(items[0].why, "in all");
  free(items);
  /* imports are the operator's: not limited */
  sr_ingest_item_t it;
  memset(&it, 0, sizeof(it));
  it.raw = es[3].raw;
  it.len = es[3].len;
  it.flow.received_at = T_NOW;
  it.flow.source = SR_SRC_IMPORT;
  T_OK(sr_store_ingest(st, &it, 1, 1, T_NOW, NULL));
  T_EQ(it.status, 0);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(es, 5);
  t_free_chain(bs, 3);
  t_rmdir(dir);
}

/* Purge: the store equals one that never held the author's entries, its
 * entries are refused after, verify passes, the own key is refused. */
static void purge_removes(void) {
  char dir[256], dir2[256];
  t_author_t a, b;
  sr_purge_result_t res;
  sr_usage_t u;
  uint64_t at;
  t_tmpdir(dir);
  t_tmpdir(dir2);
  sr_store_t *st = t_open_store(dir, 1), *clean = t_open_store(dir2, 1);
  t_author_init(&a, 0x0a);
  t_author_init(&b, 0x0b);
  t_buf_t c;
  t_about(&c, "A");
  t_entry_t a1 = t_next(&a, T_TS, "about", &c);
  t_buf_free(&c);
  t_contact(&c, b.pk, "follow");
  t_entry_t a2 = t_next(&a, T_TS + 1, "contact", &c);
  t_buf_free(&c);
  t_share(&c, "hello", NULL, NULL);
  t_entry_t a3 = t_next(&a, T_TS + 2, "share", &c);
  t_buf_free(&c);
  t_share(&c, NULL, NULL, a3.id);
  t_entry_t b1 = t_next(&b, T_TS + 3, "share", &c);
  t_buf_free(&c);
  t_contact(&c, a.pk, "follow");
  t_entry_t b2 = t_next(&b, T_TS + 4, "contact", &c);
  t_buf_free(&c);
  t_entry_t *all[] = {&a1, &a2, &a3, &b1, &b2}, *bonly[] = {&b1, &b2};
  /* one arrival time for all: the two stores' flow records alike */
  T_OK(t_ingest_at(st, all, 5, 1, T_NOW - 1000, NULL, NULL));
  T_OK(t_ingest_at(clean, bonly, 2, 1, T_NOW - 1000, NULL, NULL));
  T_OK(sr_store_purge(st, a.pk, T_NOW, NULL, NULL, &res));
  T_EQ(res.entries, 3);
  T_EQ(res.bytes, a1.len + a2.len + a3.len);
  T_EQ(res.already, 0);
  char *s1 = t_snapshot(st), *s2 = t_snapshot(clean);
  T_EQ(strcmp(s1, s2), 0);
  free(s1);
  free(s2);
  T_EQ(t_verify(st), 0);
  T_OK(sr_usage_get(st, a.pk, T_NOW, &u));
  T_EQ(u.entries, 0);
  T_OK(sr_store_purged(st, a.pk, &at));
  T_EQ(at, T_NOW);
  T_OK(sr_store_purged(st, b.pk, &at));
  T_EQ(at, 0);
  T_EQ(t_ingest1(st, &a1), SR_EPURGED);
  T_EQ(t_ingest1(st, &a2), SR_EPURGED);
  T_OK(sr_store_purge(st, a.pk, T_NOW + 1, NULL, NULL, &res));
  T_EQ(res.already, 1);
  T_EQ(res.entries, 0);
  T_OK(sr_store_set_self(st, b.pk));
  T_EQ(sr_store_purge(st, b.pk, T_NOW, NULL, NULL, &res), SR_EINVAL);
  sr_store_close(st);
  sr_store_close(clean);
  t_entry_t *fr[] = {&a1, &a2, &a3, &b1, &b2};
  for (size_t i = 0; i < 5; i++) t_entry_free(fr[i]);
  t_rmdir(dir);
  t_rmdir(dir2);
}

static void progress_cb(void *ctx, size_t done, size_t total) {
  size_t *calls = ctx;
  T_CHECK(done <= total);
  (*calls)++;
}

/* A store made before the usage table: counted at its first open, alike. */
static void backfill_older_store(void) {
  char dir[256];
  enum { N = 12000 };
  t_author_t a, b;
  sr_usage_t ua, ub, ua2, ub2;
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  size_t calls = 0;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0a);
  t_author_init(&b, 0x0b);
  t_entry_t *es = t_chain(&a, N), *bs = t_chain(&b, 3);
  t_entry_t **ptr = malloc(N * sizeof(*ptr));
  for (size_t i = 0; i < N; i++) ptr[i] = &es[i];
  T_OK(t_ingest(st, ptr, N, NULL, NULL));
  t_entry_t *bp[] = {&bs[0], &bs[1], &bs[2]};
  T_OK(t_ingest(st, bp, 3, NULL, NULL));
  T_OK(sr_usage_get(st, a.pk, T_NOW, &ua));
  T_OK(sr_usage_get(st, b.pk, T_NOW, &ub));
  T_EQ(ua.entries, N);
  sr_store_close(st);
  /* the table removed behind the store's back: a store of an older version */
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "usage", 0, &dbi));
  T_OK(mdb_drop(txn, dbi, 1));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  sr_usage_backfill_progress(progress_cb, &calls);
  st = t_open_store(dir, 0);
  sr_usage_backfill_progress(NULL, NULL);
  T_CHECK(calls >= 2); /* 12,000 entries: a step at 10,000 and the end */
  T_OK(sr_usage_get(st, a.pk, T_NOW, &ua2));
  T_OK(sr_usage_get(st, b.pk, T_NOW, &ub2));
  T_MEMEQ(&ua, &ua2, sizeof(ua));
  T_MEMEQ(&ub, &ub2, sizeof(ub));
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  /* a row that lies: verify says so, reindex counts it again */
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 64));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "usage", 0, &dbi));
  MDB_val k = {SR_KEY_BYTES, b.pk}, v;
  T_OK(mdb_get(txn, dbi, &k, &v));
  uint8_t row[64]; /* size: a usage row (49 bytes) */
  T_CHECK(v.mv_size <= sizeof(row));
  memcpy(row, v.mv_data, v.mv_size);
  row[8] ^= 1; /* entries */
  v.mv_data = row;
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 0);
  T_EQ(t_verify(st), 1);
  T_OK(sr_store_reindex(st, NULL, NULL));
  T_EQ(t_verify(st), 0);
  T_OK(sr_usage_get(st, b.pk, T_NOW, &ub2));
  T_MEMEQ(&ub, &ub2, sizeof(ub));
  sr_store_close(st);
  free(ptr);
  t_free_chain(es, N);
  t_free_chain(bs, 3);
  t_rmdir(dir);
}

int main(void) {
  T_RUN(usage_counted);
  T_RUN(quota_refuses);
  T_RUN(purge_removes);
  T_RUN(backfill_older_store);
  printf("test_usage: %d checks passed\n", t_checks);
  return 0;
}
