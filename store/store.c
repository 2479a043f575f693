/* store.c: the LMDB environment, its named databases, the transaction gate,
 * the reader and backup (reads are in read.c, meta rows and counts in meta.c).
 *
 * Invariant: a store on disk always carries meta "format"; a format-1 store is
 * upgraded to format 2 before anything reads it (upgrade.c), and a store of
 * another format is never opened, so no code below has to guess at a layout. Databases
 * added within format 1 (peers, invites, relay_members; the derived devices and
 * person_devices) are created by open when an older store lacks them, so no
 * code below has to expect a missing one.
 */
#include "store/store_internal.h"
#include "core/num.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>

static const char *const db_names[DB_COUNT] = {
    "meta",    "rows",     "ids",      "peers",  "invites",  "relay_members", "device_codes",  "usage",
    "purged",  "observed", "logs",     "heads",  "forks",    "edges_out",     "edges_in",      "contacts",
    "members", "profiles", "projects", "people", "reshares", "devices",       "person_devices"};
static const unsigned db_flags[DB_COUNT] = {
    [DB_LOG] = MDB_DUPSORT | MDB_DUPFIXED,       [DB_FORKS] = MDB_DUPSORT,
    [DB_EDGES_OUT] = MDB_DUPSORT | MDB_DUPFIXED, [DB_EDGES_IN] = MDB_DUPSORT | MDB_DUPFIXED,
    [DB_RESHARES] = MDB_DUPSORT | MDB_DUPFIXED,  [DB_PERSON_DEVICES] = MDB_DUPSORT | MDB_DUPFIXED,
};

/* The first map; it doubles whenever LMDB reports it full. SEURONE_MAPSIZE
 * (bytes) overrides it so tests can exercise growth on a tiny map. */
#define SR_MAP_INITIAL ((size_t)64 << 20)
/* Less room than this on the store's disk after a failed write: the disk is
 * full (a commit writes up to a few MiB at once). */
#define SR_STORE_ROOM_LOW ((unsigned long long)16 << 20)

void sr_be64_put(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}
uint64_t sr_be64_get(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

void sr_log_key(uint8_t key[LOG_KEY_BYTES], const uint8_t *author, uint64_t seq) {
  memcpy(key, author, SR_KEY_BYTES);
  sr_be64_put(key + SR_KEY_BYTES, seq);
}

void sr_flow_encode(const sr_flow_t *f, uint8_t out[FLOW_VAL_BYTES]) {
  sr_be64_put(out, f->received_at);
  memcpy(out + 8, f->from, SR_KEY_BYTES);
  for (int i = 0; i < 4; i++) out[8 + SR_KEY_BYTES + i] = (uint8_t)(f->hops >> (24 - 8 * i));
  out[FLOW_VAL_BYTES - 1] = f->source;
}

void sr_flow_decode(const uint8_t *in, size_t len, sr_flow_t *f) {
  memset(f, 0, sizeof(*f));
  if (len < FLOW_VAL_BYTES) return;
  f->received_at = sr_be64_get(in);
  memcpy(f->from, in + 8, SR_KEY_BYTES);
  for (int i = 0; i < 4; i++) f->hops = f->hops << 8 | in[8 + SR_KEY_BYTES + i];
  f->source = in[FLOW_VAL_BYTES - 1];
}

/* One error text per thread, not per handle: the daemon's loop and its ingest
 * worker share one handle and fail at the same time, and a text in the handle
 * was written by both (a data race; tests/unit/test_store_grow.c, TSan). */
_Thread_local char sr_store_errbuf[SR_STORE_ERRMSG_MAX];

int sr_store_fail(sr_store_t *st, const char *what, int mdb_rc) {
  struct statvfs vfs;
  /* LMDB reports a write cut short by a full disk as EIO ("Input/output
   * error"): the room left on the store's disk says which it was. */
  if ((mdb_rc == EIO || mdb_rc == ENOSPC) && st && statvfs(st->path, &vfs) == 0)
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf), "%s: %s (%llu KiB free on the disk of %.3500s%s)", what,
             mdb_strerror(mdb_rc), (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024, st->path,
             (unsigned long long)vfs.f_bavail * vfs.f_frsize < SR_STORE_ROOM_LOW ? ": it is full" : "");
  else
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf), "%s: %s", what, mdb_strerror(mdb_rc));
  return SR_ESTORE;
}

const char *sr_store_errmsg(const sr_store_t *st) {
  (void)st;
  return sr_store_errbuf;
}

/* ---- the transaction gate ----
 *
 * LMDB allows mdb_env_set_mapsize only while no transaction of the environment
 * is open in the process: a reader on another thread would keep using the old
 * mapping, which the resize unmaps (SIGSEGV or SIGBUS, nothing logged). So every
 * transaction in the process passes this gate: begin takes its shared side, the
 * end (commit or abort) gives it back, and a resize takes the exclusive side.
 * One gate serves every store of the process rather than one per handle: a
 * resize is rare (the map doubles) and short, and a second handle on one
 * environment (which LMDB forbids, but nothing else would stop) is covered too.
 *
 * gate_depth counts the transactions this thread holds, so a nested begin (a
 * callback that reads the store again) never waits for a pending resize that in
 * turn waits for this thread: deadlock-free by construction. A resize wanted by a
 * thread that still holds a transaction is refused instead of waited for. A
 * transaction ends on the thread that began it (every store call opens and ends
 * its own), which keeps gate_depth true. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static size_t gate_open;             /* threads holding at least one transaction */
static int gate_resizing;            /* resizes waiting for the gate or running */
static __thread unsigned gate_depth; /* transactions this thread holds */

static void gate_enter(void) {
  if (gate_depth++ > 0) return; /* already inside: never wait on ourselves */
  pthread_mutex_lock(&gate_mu);
  while (gate_resizing) pthread_cond_wait(&gate_cv, &gate_mu);
  gate_open++;
  pthread_mutex_unlock(&gate_mu);
}

static void gate_leave(void) {
  if (--gate_depth > 0) return;
  pthread_mutex_lock(&gate_mu);
  if (--gate_open == 0) pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
}

/* Resizes the map with no transaction open in the process: to double its size
 * (grow), or to the size another process set (adopt, size 0). Returns an LMDB
 * code, or EDEADLK when this thread holds a transaction (a bug: waiting would
 * never end). */
static int gate_resize(sr_store_t *st, int grow) {
  if (gate_depth > 0) return EDEADLK;
  pthread_mutex_lock(&gate_mu);
  gate_resizing++;
  while (gate_open) pthread_cond_wait(&gate_cv, &gate_mu);
  size_t size = 0;
  if (grow) {
    MDB_envinfo info;
    mdb_env_info(st->env, &info);
    size = info.me_mapsize * 2;
  }
  int rc = mdb_env_set_mapsize(st->env, size);
  gate_resizing--;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
  return rc;
}

int sr_store_txn_begin(sr_store_t *st, unsigned flags, MDB_txn **txn) {
  gate_enter();
  int rc = mdb_txn_begin(st->env, NULL, flags, txn);
  if (rc == MDB_MAP_RESIZED) {
    /* Another process grew the map: adopt its size (no transaction of ours may
     * be open meanwhile) and try once more. */
    gate_leave();
    if ((rc = gate_resize(st, 0))) return sr_store_fail(st, "adopt the map grown by another process", rc);
    gate_enter();
    rc = mdb_txn_begin(st->env, NULL, flags, txn);
  }
  if (rc) {
    gate_leave();
    return sr_store_fail(st, "begin transaction", rc);
  }
  return 0;
}

int sr_store_txn_commit(sr_store_t *st, MDB_txn *txn) {
  (void)st;
  int rc = mdb_txn_commit(txn); /* frees txn whatever it returns */
  gate_leave();
  return rc;
}

void sr_store_txn_abort(sr_store_t *st, MDB_txn *txn) {
  (void)st;
  mdb_txn_abort(txn);
  gate_leave();
}

int sr_store_grow(sr_store_t *st) {
  int rc = gate_resize(st, 1);
  if (rc == EDEADLK) {
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf),
             "grow the map: refused while this thread holds a read transaction (a write from inside a read "
             "callback; a bug to report)");
    return SR_ESTORE;
  }
  return rc ? sr_store_fail(st, "grow the map", rc) : 0;
}

int sr_store_write(sr_store_t *st, sr_txn_fn fn, void *arg) {
  for (;;) {
    MDB_txn *txn;
    int rc = sr_store_txn_begin(st, 0, &txn);
    if (rc) return rc;
    rc = fn(st, txn, arg);
    if (rc == 0) {
      rc = sr_store_txn_commit(st, txn);
      if (rc == MDB_MAP_FULL) {
        if ((rc = sr_store_grow(st))) return rc;
        continue;
      }
      return rc ? sr_store_fail(st, "commit", rc) : 0;
    }
    sr_store_txn_abort(st, txn);
    if (rc == MDB_MAP_FULL) {
      if ((rc = sr_store_grow(st))) return rc;
      continue;
    }
    if (sr_err_known(rc)) return rc;       /* an SR_E* code from fn, its text (if any) already set */
    return sr_store_fail(st, "write", rc); /* an LMDB code: SR_ESTORE with LMDB's text */
  }
}

/* Creates the databases added after format 1 shipped (see sr_store_open). */
static int create_added(sr_store_t *st, MDB_txn *txn, void *arg) {
  (void)arg;
  for (int i = DB_FIRST_ADDED; i < DB_COUNT; i++) {
    if (i >= DB_FIRST_DERIVED && i < DB_FIRST_ADDED_DERIVED) continue;
    int rc = mdb_dbi_open(txn, db_names[i], db_flags[i] | MDB_CREATE, &st->dbi[i]);
    if (rc) return rc;
  }
  return 0;
}

static int check_format(sr_store_t *st, MDB_txn *txn, int create) {
  MDB_val k = {6, "format"}, v;
  uint8_t buf[4];
  int rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
  if (rc == MDB_NOTFOUND) {
    if (!create) return SR_ENOSTORE;
    buf[0] = buf[1] = buf[2] = 0;
    buf[3] = SR_STORE_FORMAT;
    v.mv_size = 4;
    v.mv_data = buf;
    rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
    return rc ? sr_store_fail(st, "write the format version", rc) : 0;
  }
  if (rc) return sr_store_fail(st, "read the format version", rc);
  uint32_t ver = 0;
  if (v.mv_size == 4)
    ver = (uint32_t)((const uint8_t *)v.mv_data)[0] << 24 | (uint32_t)((const uint8_t *)v.mv_data)[1] << 16 |
          (uint32_t)((const uint8_t *)v.mv_data)[2] << 8 | ((const uint8_t *)v.mv_data)[3];
  if (ver != SR_STORE_FORMAT) {
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf),
             "the store in %s has format version %u; this seurone reads version %d (and upgrades version 1) only "
             "(use the seurone release that wrote it, or export and re-import the entries)",
             st->path, ver, SR_STORE_FORMAT);
    return SR_ESTOREVER;
  }
  return 0;
}

/* The format version an existing store names in meta (0: no meta, or no
 * version in it: not a store yet). */
static int stored_format(sr_store_t *st, uint32_t *ver) {
  MDB_txn *txn;
  MDB_dbi meta;
  MDB_val k = {6, "format"}, v;
  *ver = 0;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = mdb_dbi_open(txn, "meta", 0, &meta);
  if (rc == 0) rc = mdb_get(txn, meta, &k, &v);
  if (rc == 0 && v.mv_size == 4) {
    const uint8_t *p = v.mv_data;
    *ver = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  }
  sr_store_txn_abort(st, txn);
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : sr_store_fail(st, "read the format version", rc);
}

/* One step of bringing an older store up to date at open, in a write
 * transaction; a failure says what the store lacked and what to do. */
static int upgrade_step(sr_store_t *st, sr_txn_fn fn, const char *what) {
  char why[512];
  int rc = sr_store_write(st, fn, NULL);
  if (!rc) return 0;
  snprintf(why, sizeof(why), "%.400s", sr_store_errbuf);
  snprintf(sr_store_errbuf, sizeof(sr_store_errbuf),
           "the store in %.3500s predates %s failed (%s); open it once with write access to upgrade it", st->path, what,
           why);
  return rc;
}

int sr_store_open(const char *dir, int create, sr_store_t **out, char *err, size_t errlen) {
  sr_store_t *st = calloc(1, sizeof(*st));
  MDB_txn *txn = NULL;
  struct stat sb;
  int rc;
  if (!st) {
    if (err && errlen) snprintf(err, errlen, "%s", sr_strerror(SR_ENOMEM)); /* the caller prints err */
    return SR_ENOMEM;
  }
  sr_store_errbuf[0] = 0; /* err below reports this open's failure, not an older one */
  snprintf(st->path, sizeof(st->path), "%s", dir);
  if (stat(dir, &sb) != 0) {
    if (!create) {
      rc = SR_ENOSTORE;
      goto fail;
    }
    if (mkdir(dir, 0700) != 0) {
      snprintf(sr_store_errbuf, sizeof(sr_store_errbuf), "create %s: %s", dir, strerror(errno));
      rc = SR_EIO;
      goto fail;
    }
  }
  if ((rc = mdb_env_create(&st->env))) {
    rc = sr_store_fail(st, "create the environment", rc);
    goto fail;
  }
  size_t map = SR_MAP_INITIAL;
  const char *env_map = getenv("SEURONE_MAPSIZE");
  uint64_t want;
  /* tests start small to make the map grow; anything but a plain size is ignored */
  if (env_map && sr_parse_u64(env_map, 4096, SIZE_MAX, &want) == 0) map = (size_t)want;
  mdb_env_set_mapsize(st->env, map);
  mdb_env_set_maxdbs(st->env, DB_COUNT + 8);
  mdb_env_set_maxreaders(st->env, 254);
  /* NOTLS: read transactions are not bound to threads (the daemon's pool). */
  if ((rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600))) {
    rc = sr_store_fail(st, "open the store", rc);
    goto fail;
  }
  /* create == 0 opens in a read transaction, so a reader never writes to a
   * store that is up to date. A store made before the peers, invites and
   * relay_members databases existed lacks them: once its format is checked, one
   * short write transaction adds them (a missing original database still means
   * there is no store here). */
  int added_missing = 0, usage_missing = 0;
  uint32_t ver;
  /* A format-1 store is upgraded here, whoever opens it first (upgrade.c). */
  if ((rc = stored_format(st, &ver))) goto fail;
  if (ver == 1 && (rc = sr_store_upgrade_v1(st))) goto fail;
  if ((rc = sr_store_txn_begin(st, create ? 0 : MDB_RDONLY, &txn))) goto fail;
  for (int i = 0; i < DB_COUNT; i++) {
    /* The usage table of a store older than it is counted from the entries
     * once it exists (below), also when this open creates it. */
    if (i == DB_USAGE && mdb_dbi_open(txn, db_names[i], db_flags[i], &st->dbi[i]) == MDB_NOTFOUND) usage_missing = 1;
    rc = mdb_dbi_open(txn, db_names[i], db_flags[i] | (create ? MDB_CREATE : 0), &st->dbi[i]);
    if (rc == MDB_NOTFOUND && i >= DB_FIRST_ADDED && (i < DB_FIRST_DERIVED || i >= DB_FIRST_ADDED_DERIVED)) {
      added_missing = 1;
      continue;
    }
    if (rc == MDB_NOTFOUND) {
      rc = SR_ENOSTORE;
      goto fail;
    }
    if (rc) {
      rc = sr_store_fail(st, "open a named database", rc);
      goto fail;
    }
  }
  if ((rc = check_format(st, txn, create))) goto fail;
  rc = sr_store_txn_commit(st, txn);
  txn = NULL;
  if (rc) {
    rc = sr_store_fail(st, "commit", rc);
    goto fail;
  }
  if ((added_missing &&
       (rc = upgrade_step(st, create_added,
                          "the peers, invites, relay_members or devices databases and adding them"))) ||
      (usage_missing && (rc = upgrade_step(st, sr_usage_backfill_fn, "the usage table and counting it"))))
    goto fail;
  *out = st;
  return 0;
fail:
  if (txn) sr_store_txn_abort(st, txn);
  if (st->env) mdb_env_close(st->env);
  if (err && errlen) snprintf(err, errlen, "%s", sr_store_errbuf[0] ? sr_store_errbuf : sr_strerror(rc));
  free(st);
  *out = NULL;
  return rc;
}

void sr_store_close(sr_store_t *st) {
  if (!st) return;
  mdb_env_close(st->env);
  free(st);
}

/* ---- a reader: one read transaction reset and renewed (store.h) ---- */

struct sr_store_reader {
  sr_store_t *st;
  MDB_txn *txn; /* NULL: none yet; else held (held) or reset */
  int held;
};

int sr_store_reader_new(sr_store_t *st, sr_store_reader_t **out) {
  sr_store_reader_t *r = calloc(1, sizeof(*r));
  if (!r) return SR_ENOMEM;
  r->st = st;
  *out = r;
  return 0;
}

/* Holds a transaction: renews the reset one (inside the gate, like a begin), or
 * begins one when there is none or the renew failed (a map grown by another
 * process: sr_store_txn_begin adopts it). */
static int reader_hold(sr_store_reader_t *r) {
  if (r->held) return 0;
  if (r->txn) {
    gate_enter();
    if (mdb_txn_renew(r->txn) == 0) {
      r->held = 1;
      return 0;
    }
    mdb_txn_abort(r->txn);
    gate_leave();
    r->txn = NULL;
  }
  int rc = sr_store_txn_begin(r->st, MDB_RDONLY, &r->txn);
  if (rc) {
    r->txn = NULL;
    return rc;
  }
  r->held = 1;
  return 0;
}

void sr_store_reader_release(sr_store_reader_t *r) {
  if (!r || !r->held) return;
  mdb_txn_reset(r->txn); /* the handle stays for the renew; the snapshot and reader slot go */
  gate_leave();
  r->held = 0;
}

void sr_store_reader_free(sr_store_reader_t *r) {
  if (!r) return;
  if (r->held) sr_store_txn_abort(r->st, r->txn);
  else if (r->txn)
    mdb_txn_abort(r->txn); /* reset: outside the gate already */
  free(r);
}

int sr_store_reader_get_head(sr_store_reader_t *r, const uint8_t author[SR_KEY_BYTES], sr_head_t *h) {
  int rc = reader_hold(r);
  return rc ? rc : sr_head_read(r->txn, r->st, author, h);
}

int sr_store_reader_get_by_seq(sr_store_reader_t *r, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint8_t *buf,
                               size_t cap, size_t *len, sr_flow_t *flow) {
  int rc = reader_hold(r);
  return rc ? rc : sr_store_by_seq_in(r->st, r->txn, author, seq, buf, cap, len, flow);
}

int sr_store_backup(sr_store_t *st, const char *path) {
  struct stat sb;
  if (stat(path, &sb) == 0) {
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf), "%s already exists; choose a new file name", path);
    return SR_EEXIST;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    snprintf(sr_store_errbuf, sizeof(sr_store_errbuf), "create %s: %s", path, strerror(errno));
    return SR_EIO;
  }
  /* MDB_CP_COMPACT copies inside one read transaction: a consistent snapshot
   * that does not stop writers, without free pages. LMDB begins that
   * transaction itself, so the copy holds the gate like any transaction. */
  gate_enter();
  int rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT);
  gate_leave();
  if (rc == MDB_MAP_RESIZED && (rc = gate_resize(st, 0)) == 0) {
    /* Another process grew the map: adopt it and copy again from the start. */
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
      rc = errno;
    } else {
      gate_enter();
      rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT);
      gate_leave();
    }
  }
  if (rc == 0 && fsync(fd) != 0) rc = errno;
  close(fd);
  if (rc) {
    unlink(path);
    return sr_store_fail(st, "backup", rc);
  }
  return 0;
}
