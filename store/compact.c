/* compact.c: the space of the store's file, and `seurone compact`
 * (store/maintenance.h).
 *
 * LMDB never shrinks its file: pages a write frees (copy-on-write keeps the
 * last two transactions' pages; an upgrade or a purge frees many) are reused
 * by later writes but stay on the disk. A compaction writes a copy without
 * free pages (mdb_env_copyfd2 with MDB_CP_COMPACT, the backup's copy) beside
 * the store and renames it over data.mdb: the rename is atomic, so a crash
 * leaves the old file or the new one, and a copy left by a crash is removed
 * by the next compaction. Renaming the file under a process that has it open
 * would lose that process's later writes, so it runs only when no node runs
 * (the caller holds the node's lock) and no other process reads the store.
 */
#include "store/store_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sr_store_space(sr_store_t *st, sr_store_space_t *out) {
  MDB_txn *txn;
  MDB_cursor *cur;
  MDB_val k, v;
  MDB_envinfo ei;
  MDB_stat es;
  uint64_t free_pages = 0;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  if (rc) return rc;
  memset(out, 0, sizeof(*out));
  mdb_env_info(st->env, &ei);
  mdb_env_stat(st->env, &es);
  /* The free list is database 0: each value a list of page numbers, its
   * first word the count. */
  if ((mrc = mdb_cursor_open(txn, 0, &cur)) == 0) {
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
      if (v.mv_size >= sizeof(size_t)) free_pages += *(const size_t *)v.mv_data;
    mdb_cursor_close(cur);
  }
  sr_store_txn_abort(st, txn);
  if (mrc != MDB_NOTFOUND) return sr_store_fail(st, "read the free list", mrc);
  out->page_bytes = es.ms_psize;
  out->file_bytes = (uint64_t)(ei.me_last_pgno + 1) * es.ms_psize;
  out->free_bytes = free_pages * es.ms_psize;
  out->used_bytes = out->file_bytes > out->free_bytes ? out->file_bytes - out->free_bytes : 0;
  return 0;
}

/* Read transactions other processes hold now (mdb_reader_list's lines). */
typedef struct {
  int others;
  pid_t self;
} readers_t;

static int reader_line(const char *msg, void *ctx) {
  readers_t *r = ctx;
  int pid;
  char txn[32]; /* size: a txnid in decimal, or "-" */
  if (sscanf(msg, "%d %*s %31s", &pid, txn) == 2 && pid != (int)r->self && strcmp(txn, "-") != 0) r->others++;
  return 0;
}

typedef struct {
  sr_store_t *st;
  const char *tmp;
  int rc;
  char err[SR_STORE_ERRMSG_MAX];
  volatile int done;
} copy_job_t;

static void *copy_main(void *arg) {
  copy_job_t *j = arg;
  j->rc = sr_store_backup(j->st, j->tmp);
  if (j->rc) snprintf(j->err, sizeof(j->err), "%s", sr_store_errbuf); /* the text is per thread */
  __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

int sr_store_compact(const char *dir, sr_progress_cb progress, void *pctx, sr_store_space_t *before, uint64_t *after,
                     char *err, size_t errlen) {
  char tmp[4200], data[4200];
  sr_store_t *st = NULL;
  readers_t r = {0, getpid()};
  struct stat sb;
  pthread_t th;
  int rc, dead = 0;
  copy_job_t job;
  memset(&job, 0, sizeof(job));
  snprintf(tmp, sizeof(tmp), "%s/data.mdb.compact", dir);
  snprintf(data, sizeof(data), "%s/data.mdb", dir);
  if ((rc = sr_store_open(dir, 0, &st, err, errlen))) return rc;
  if ((rc = sr_store_space(st, before))) goto fail_msg;
  mdb_reader_check(st->env, &dead); /* slots of processes that died */
  mdb_reader_list(st->env, reader_line, &r);
  if (r.others) {
    snprintf(err, errlen,
             "%d other process%s read%s the store in %s now: stop every seurone command on this home, then compact",
             r.others, r.others == 1 ? "" : "es", r.others == 1 ? "s" : "", dir);
    rc = SR_ESTOREBUSY;
    goto out;
  }
  if (unlink(tmp) != 0 && errno != ENOENT) { /* a copy a crash left */
    snprintf(err, errlen, "remove %s: %s", tmp, strerror(errno));
    rc = SR_EIO;
    goto out;
  }
  job.st = st;
  job.tmp = tmp;
  if (pthread_create(&th, NULL, copy_main, &job) != 0) {
    rc = SR_ENOMEM;
    snprintf(err, errlen, "%s", sr_strerror(rc));
    goto out;
  }
  /* The copy writes the pages in use once: its size so far is the progress. */
  while (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE)) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (progress && stat(tmp, &sb) == 0)
      progress(pctx, (size_t)((uint64_t)sb.st_size < before->used_bytes ? (uint64_t)sb.st_size : before->used_bytes),
               (size_t)before->used_bytes);
  }
  pthread_join(th, NULL);
  if ((rc = job.rc)) {
    snprintf(err, errlen, "compact: %s (the store is unchanged)", job.err);
    goto out;
  }
  if (progress) progress(pctx, (size_t)before->used_bytes, (size_t)before->used_bytes);
  sr_store_close(st);
  st = NULL;
  /* The copy is fsynced; the rename and the directory's fsync make it the store. */
  if (rename(tmp, data) != 0) {
    snprintf(err, errlen, "rename %s to %s: %s (the store is unchanged)", tmp, data, strerror(errno));
    unlink(tmp);
    return SR_EIO;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    if (fsync(dfd) != 0) rc = SR_EIO;
    close(dfd);
  }
  if (rc) {
    snprintf(err, errlen, "fsync %s: %s (the store is compacted, but a power cut now could bring back the old file)",
             dir, strerror(errno));
    return rc;
  }
  if (stat(data, &sb) == 0) *after = (uint64_t)sb.st_blocks * 512;
  return 0;
fail_msg:
  snprintf(err, errlen, "%s", sr_store_errbuf);
out:
  if (st) sr_store_close(st);
  return rc;
}
