/* test_store_maint.c (part of test_store): keeping a store — verify finding
 * damage done behind its back, the map growing under ingest and reindex, a
 * damaged head, another format version, backup. */
#include "tests/unit/test_store.h"
#include <lmdb.h>

void store_verify_finds_damage(void) {
  char dir[256];
  t_author_t a;
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0a);
  t_entry_t *es = t_chain(&a, 3);
  t_entry_t *ptr[] = {&es[0], &es[1], &es[2]};
  T_OK(t_ingest(st, ptr, 3, NULL, NULL));
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  /* remove seq 2 from the log behind the store's back */
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "logs", MDB_DUPSORT | MDB_DUPFIXED, &dbi));
  /* format 2: logs holds author -> seq u64 ‖ row u32 (store/rows.c) */
  uint8_t seq2[12] = {0};
  seq2[7] = 2;
  MDB_val k = {SR_KEY_BYTES, a.pk}, d = {sizeof(seq2), seq2};
  MDB_cursor *cur;
  T_OK(mdb_cursor_open(txn, dbi, &cur));
  T_OK(mdb_cursor_get(cur, &k, &d, MDB_GET_BOTH_RANGE));
  T_EQ(((const uint8_t *)d.mv_data)[7], 2);
  T_OK(mdb_cursor_del(cur, 0));
  mdb_cursor_close(cur);
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 1);
  T_CHECK(t_verify(st) >= 2); /* the jump from 1 to 3 and the orphaned entry */
  /* reindex repairs it */
  T_OK(sr_store_reindex(st, NULL, NULL));
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(es, 3);
  t_rmdir(dir);
}

static void progress_cb(void *ctx, size_t done, size_t total) {
  size_t *last = ctx;
  T_CHECK(done <= total);
  *last = done;
}

/* One batch on two threads into a 64 KiB map: the write transaction fails
 * with MAP_FULL while the pool is still checking, the map grows and the same
 * transaction is run again beside the same pool. Every entry must be taken
 * once, the store must verify, and the stage times must be reported. */
void store_map_grows_while_checks_overlap(void) {
  char dir[256];
  enum { AUTHORS = 3, PER = 300 };
  t_author_t au[AUTHORS];
  t_entry_t *es[AUTHORS], *batch[AUTHORS * PER];
  sr_ingest_stats_t s;
  t_tmpdir(dir);
  T_OK(setenv("SEURONE_MAPSIZE", "65536", 1));
  sr_store_t *st = t_open_store(dir, 1);
  unsetenv("SEURONE_MAPSIZE");
  for (int i = 0; i < AUTHORS; i++) {
    t_author_init(&au[i], (uint8_t)(0x70 + i));
    es[i] = t_chain(&au[i], PER);
  }
  for (int j = 0; j < PER; j++)
    for (int i = 0; i < AUTHORS; i++) batch[j * AUTHORS + i] = &es[i][j];
  T_OK(t_ingest_at(st, batch, AUTHORS * PER, 2, 0, &s, NULL));
  T_EQ(s.accepted, AUTHORS * PER);
  T_EQ(s.rejected, 0);
  T_CHECK(s.check_ns > 0);
  T_CHECK(s.write_ns > 0);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, AUTHORS * PER);
  T_CHECK(info.map_size > 65536);
  T_EQ(sr_store_verify(st, NULL, NULL, NULL, NULL), 0);
  sr_store_close(st);
  for (int i = 0; i < AUTHORS; i++) t_free_chain(es[i], PER);
  t_rmdir(dir);
}

void store_map_grows(void) {
  char dir[256];
  enum { AUTHORS = 6, PER = 500 };
  t_author_t au[AUTHORS];
  sr_ingest_stats_t s;
  t_tmpdir(dir);
  T_OK(setenv("SEURONE_MAPSIZE", "65536", 1));
  sr_store_t *st = t_open_store(dir, 1);
  unsetenv("SEURONE_MAPSIZE");
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.map_size, 65536);
  size_t total = 0;
  for (int i = 0; i < AUTHORS; i++) {
    t_author_init(&au[i], (uint8_t)(0x40 + i));
    t_entry_t *es = t_chain(&au[i], PER);
    t_entry_t **ptr = calloc(PER, sizeof(*ptr));
    for (int j = 0; j < PER; j++) ptr[j] = &es[j];
    T_OK(t_ingest(st, ptr, PER, &s, NULL));
    T_EQ(s.accepted, PER);
    total += PER;
    free(ptr);
    t_free_chain(es, PER);
  }
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, total);
  T_CHECK(info.map_size > 65536);
  size_t last = 0;
  T_EQ(sr_store_verify(st, NULL, NULL, progress_cb, &last), 0);
  T_EQ(last, total);
  /* a reindex also has to grow the map it works in */
  T_OK(sr_store_reindex(st, progress_cb, &last));
  T_EQ(last, total);
  T_EQ(t_verify(st), 0);
  /* publish onto the grown store */
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[160];
  t_buf_t c;
  t_about(&c, "six");
  T_OK(sr_store_publish(st, au[0].sk, "about", T_DATA(&c), T_SIZE(&c), TS + 10000, NOW, id, &seq, why, sizeof(why)));
  T_EQ(seq, PER + 1);
  t_buf_free(&c);
  sr_store_close(st);
  t_rmdir(dir);
}

/* A damaged head (a value of the wrong size) fails publish and ingest with
 * SR_ESTORE and a text naming the head, not LMDB's "fatal error" text of the
 * MDB_PANIC code the store once returned for it (issue 12). */
void store_damaged_head_says_so(void) {
  char dir[256], why[160];
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  t_author_t a;
  t_buf_t c;
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  t_tmpdir(dir);
  t_author_init(&a, 0x5a);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "one");
  T_OK(sr_store_publish(st, a.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id, &seq, why, sizeof(why)));
  sr_store_close(st);
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "heads", 0, &dbi));
  MDB_val k = {SR_KEY_BYTES, a.pk}, v = {3, "bad"};
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = t_open_store(dir, 1);
  why[0] = '\0';
  T_EQ(sr_store_publish(st, a.sk, "about", T_DATA(&c), T_SIZE(&c), TS + 1, NOW, id, &seq, why, sizeof(why)), SR_ESTORE);
  T_HAS(sr_store_errmsg(st), "read a head");
  t_entry_t e = t_next(&a, TS + 2, "about", &c);
  sr_ingest_item_t it;
  memset(&it, 0, sizeof(it));
  it.raw = e.raw;
  it.len = e.len;
  it.flow.source = SR_SRC_PEER;
  T_EQ(sr_store_ingest(st, &it, 1, 1, NOW, NULL), SR_ESTORE);
  T_HAS(sr_store_errmsg(st), "read a head");
  t_entry_free(&e);
  t_buf_free(&c);
  sr_store_close(st);
  t_rmdir(dir);
}

void store_other_format_version_refused(void) {
  char dir[256], err[512] = "";
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  sr_store_t *st;
  t_tmpdir(dir);
  st = t_open_store(dir, 1);
  sr_store_close(st);
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, 0, 0600));
  T_OK(mdb_txn_begin(env, NULL, 0, &txn));
  T_OK(mdb_dbi_open(txn, "meta", 0, &dbi));
  uint8_t v99[4] = {0, 0, 0, 99};
  MDB_val k = {6, "format"}, v = {4, v99};
  T_OK(mdb_put(txn, dbi, &k, &v, 0));
  T_OK(mdb_txn_commit(txn));
  mdb_env_close(env);
  st = (sr_store_t *)1;
  T_EQ(sr_store_open(dir, 0, &st, err, sizeof(err)), SR_ESTOREVER);
  T_CHECK(st == NULL);
  T_HAS(err, "version 99");
  err[0] = '\0';
  T_EQ(sr_store_open(dir, 1, &st, err, sizeof(err)), SR_ESTOREVER); /* create never overwrites it */
  T_HAS(err, "99");
  t_rmdir(dir);
}

void store_backup_restores(void) {
  char dir[256], bdir[256], path[300], err[256];
  t_author_t a;
  t_buf_t c;
  t_tmpdir(dir);
  t_tmpdir(bdir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x0b);
  t_entry_t *es = t_chain(&a, 20);
  t_entry_t *ptr[20];
  for (int i = 0; i < 20; i++) ptr[i] = &es[i];
  T_OK(t_ingest(st, ptr, 20, NULL, NULL));
  t_contact(&c, B.pk, "follow");
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[160];
  T_OK(sr_store_publish(st, A.sk, "contact", T_DATA(&c), T_SIZE(&c), TS, NOW, id, &seq, why, sizeof(why)));
  T_EQ(seq, 1);
  t_buf_free(&c);
  T_OK(sr_store_set_self(st, A.pk));
  snprintf(path, sizeof(path), "%s/data.mdb", bdir);
  T_OK(sr_store_backup(st, path));
  T_EQ(sr_store_backup(st, path), SR_EEXIST); /* never overwrites */
  char *orig = t_snapshot(st);
  /* a write after the backup is not in it */
  T_EQ(t_ingest1(st, &es[0]), SR_EDUP);
  t_about(&c, "later");
  T_OK(sr_store_publish(st, A.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id, &seq, why, sizeof(why)));
  t_buf_free(&c);
  sr_store_close(st);

  sr_store_t *copy = NULL;
  T_OK(sr_store_open(bdir, 0, &copy, err, sizeof(err)));
  char *restored = t_snapshot(copy);
  if (strcmp(orig, restored) != 0) fprintf(stderr, "orig:\n%s\nrestored:\n%s\n", orig, restored);
  T_CHECK(strcmp(orig, restored) == 0);
  T_HAS(restored, "self=1");
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  T_OK(sr_store_get_entry(copy, es[19].id, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, es[19].raw, len);
  T_EQ(sr_store_get_entry(copy, id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_EQ(t_verify(copy), 0);
  sr_store_close(copy);
  free(orig);
  free(restored);
  t_free_chain(es, 20);
  t_rmdir(dir);
  t_rmdir(bdir);
}
