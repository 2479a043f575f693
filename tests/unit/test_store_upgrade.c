/* test_store_upgrade.c (part of test_store): a format-1 store, written by the
 * old layout's writer (t_store_v1.h), upgraded in place when opened: every
 * entry, flow record, log, head and fork proof read back the same, verify
 * passes, the store says format 2; then `compact` keeps every entry and gives
 * the old layout's pages back. */
#include "tests/unit/test_store.h"
#include "tests/unit/t_store_v1.h"
#include "store/forks.h"
#include "store/lookup.h"
#include <lmdb.h>
#include <sys/stat.h>

enum { UA = 3, UPER = 40 };

static uint32_t meta_format(const char *dir) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val k = {6, "format"}, v;
  T_OK(mdb_env_create(&env));
  T_OK(mdb_env_set_maxdbs(env, 32));
  T_OK(mdb_env_open(env, dir, MDB_RDONLY, 0600));
  T_OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
  T_OK(mdb_dbi_open(txn, "meta", 0, &dbi));
  T_OK(mdb_get(txn, dbi, &k, &v));
  T_EQ(v.mv_size, 4);
  uint32_t ver = ((const uint8_t *)v.mv_data)[3];
  /* the old databases are gone with format 1 */
  T_EQ(mdb_dbi_open(txn, "entries", 0, &dbi), ver == 1 ? 0 : MDB_NOTFOUND);
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return ver;
}

static sr_flow_t flow_of(size_t i, const t_author_t *au) {
  sr_flow_t f;
  memset(&f, 0, sizeof(f));
  f.received_at = NOW + i;
  f.source = i % 2 ? SR_SRC_PEER : SR_SRC_IMPORT;
  if (f.source == SR_SRC_PEER) {
    memcpy(f.from, au[(i + 1) % UA].pk, SR_KEY_BYTES);
    f.hops = (uint32_t)i;
  }
  return f;
}

void store_upgrade_from_format1(void) {
  char dir[256], err[512] = "";
  t_author_t au[UA];
  t_entry_t *es[UA], fork;
  t_v1_t w;
  t_buf_t c;
  t_tmpdir(dir);
  for (int a = 0; a < UA; a++) {
    t_author_init(&au[a], (uint8_t)(0x70 + a));
    es[a] = t_chain(&au[a], UPER);
  }
  /* the second entry at author 0's seq 5: a fork proof beside the log */
  t_share(&c, "the other branch", NULL, NULL);
  fork = t_make(&au[0], 5, es[0][3].id, TS + 100, "share", &c);
  t_buf_free(&c);
  t_v1_begin(&w, dir, au[0].pk);
  for (size_t i = 0; i < UPER; i++)
    for (int a = 0; a < UA; a++) {
      sr_flow_t f = flow_of(i * UA + (size_t)a, au);
      t_v1_entry(&w, es[a][i].raw, es[a][i].len, &f, 1);
    }
  sr_flow_t ff = flow_of(999, au);
  t_v1_entry(&w, fork.raw, fork.len, &ff, 0);
  t_v1_fork(&w, au[0].pk, 5, fork.id);
  t_v1_end(&w);
  T_EQ(meta_format(dir), 1);

  /* A read-only open upgrades it: whoever opens it first. */
  sr_store_t *st;
  T_OK(sr_store_open(dir, 0, &st, err, sizeof(err)));
  T_EQ(t_verify(st), 0);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, UA * UPER + 1);
  T_EQ(info.authors, UA);
  T_EQ(info.forks, 1);
  uint8_t buf[SR_ENTRY_MAX], id[SR_ID_BYTES];
  size_t len;
  for (size_t i = 0; i < UPER; i++)
    for (int a = 0; a < UA; a++) {
      sr_flow_t want = flow_of(i * UA + (size_t)a, au), got;
      T_OK(sr_store_get_by_seq(st, au[a].pk, i + 1, buf, sizeof(buf), &len, &got));
      T_EQ(len, es[a][i].len);
      T_MEMEQ(buf, es[a][i].raw, len);
      T_EQ(got.received_at, want.received_at);
      T_EQ(got.source, want.source);
      T_EQ(got.hops, want.hops);
      T_MEMEQ(got.from, want.from, SR_KEY_BYTES);
      T_OK(sr_store_get_id_by_seq(st, au[a].pk, i + 1, id));
      T_MEMEQ(id, es[a][i].id, SR_ID_BYTES);
      T_OK(sr_store_get_entry(st, es[a][i].id, buf, sizeof(buf), &len, &got));
      T_MEMEQ(buf, es[a][i].raw, len);
    }
  sr_head_t h;
  T_OK(sr_store_get_head(st, au[0].pk, &h));
  T_EQ(h.seq, UPER);
  T_EQ(h.forked, 1);
  T_MEMEQ(h.id, es[0][UPER - 1].id, SR_ID_BYTES);
  uint8_t b1[SR_ENTRY_MAX], b2[SR_ENTRY_MAX];
  size_t l1, l2;
  uint64_t seq;
  T_OK(sr_store_get_fork_proof(st, au[0].pk, b1, &l1, b2, &l2, sizeof(b1), &seq));
  T_EQ(seq, 5);
  T_MEMEQ(b1, es[0][4].raw, l1);
  T_MEMEQ(b2, fork.raw, l2);
  sr_known_t kn;
  T_OK(sr_store_what_is(st, fork.id, &kn));
  T_CHECK(kn.entry);
  /* and the upgraded store takes new entries after its rows */
  t_share(&c, "after the upgrade", NULL, NULL);
  t_entry_t next = t_next(&au[1], TS + 500, "share", &c);
  t_buf_free(&c);
  T_OK(t_ingest1(st, &next));
  T_OK(sr_store_get_by_seq(st, au[1].pk, UPER + 1, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, next.raw, len);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  T_EQ(meta_format(dir), 2);

  /* compact: every entry kept, the old layout's pages given back */
  sr_store_space_t before;
  uint64_t after = 0;
  struct stat sb;
  char data[300];
  snprintf(data, sizeof(data), "%s/data.mdb", dir);
  T_OK(stat(data, &sb));
  T_OK(sr_store_compact(dir, NULL, NULL, &before, &after, err, sizeof(err)));
  T_CHECK(before.free_bytes > 0);
  T_CHECK(after < (uint64_t)sb.st_blocks * 512);
  T_OK(stat(data, &sb));
  T_CHECK((uint64_t)sb.st_size <= before.used_bytes); /* no free pages copied */
  st = t_open_store(dir, 0);
  T_EQ(t_verify(st), 0);
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, UA * UPER + 2);
  for (int a = 0; a < UA; a++)
    for (size_t i = 0; i < UPER; i++) {
      T_OK(sr_store_get_entry(st, es[a][i].id, buf, sizeof(buf), &len, NULL));
      T_MEMEQ(buf, es[a][i].raw, len);
    }
  sr_store_space_t now;
  T_OK(sr_store_space(st, &now));
  T_EQ(now.free_bytes, 0);
  sr_store_close(st);

  t_entry_free(&next);
  t_entry_free(&fork);
  for (int a = 0; a < UA; a++) t_free_chain(es[a], UPER);
  t_rmdir(dir);
}
