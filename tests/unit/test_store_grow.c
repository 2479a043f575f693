/* test_store_grow.c: the map grows while other threads read (issue 11, item 1).
 *
 * One thread ingests batches into a store whose first map is 64 KiB, so the map
 * doubles again and again (sr_store_grow), while reader threads loop over every
 * read the daemon's loop thread does meanwhile: stream_log (the gossip pump),
 * get_head (a note's our_seq), info (status) and foreach_entry. Without the
 * transaction gate a reader's pages are unmapped under it: SIGSEGV/SIGBUS, or an
 * ASan report. Built a second time with ThreadSanitizer by tests/run. A second
 * test resizes the same way from another process (MDB_MAP_RESIZED); a third
 * writes from inside a read callback, which must fail rather than deadlock. A
 * fourth has two threads fail store calls on one handle at once, each reading
 * its own error text (issue 12: the text was the handle's, written by both). */
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include "store/read.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#define TS 1700000000000ull
#define NOW (TS + 3600 * 1000ull)

enum { AUTHORS = 4, PER = 1500, BATCH = 25, READERS = 3, ROUNDS = 3 };

static t_author_t au[AUTHORS];
static t_entry_t es[AUTHORS][PER];

typedef struct {
  sr_store_t *st;
  atomic_int done;
  atomic_long reads;
} race_t;

/* Reads every byte handed over, so a page unmapped under the reader faults. */
static unsigned sum(const uint8_t *p, size_t n) {
  unsigned s = 0;
  for (size_t i = 0; i < n; i++) s += p[i];
  return s;
}

/* The reader threads' check: t_checks (T_CHECK's counter) is the main thread's. */
#define R_CHECK(cond)                                                                                                  \
  do {                                                                                                                 \
    if (!(cond)) t_fail(__FILE__, __LINE__, "check failed in a reader: %s", #cond);                                    \
  } while (0)

typedef struct {
  uint64_t next, count;
  unsigned sum;
} stream_t;

static int on_stream(void *ctx, const uint8_t *raw, size_t len, uint64_t seq) {
  stream_t *s = ctx;
  R_CHECK(seq == s->next); /* a log is streamed without holes */
  s->next++;
  s->count++;
  s->sum += sum(raw, len);
  return 0;
}

static int on_entry(void *ctx, const sr_entry_t *e, const sr_flow_t *flow) {
  (void)flow;
  *(unsigned *)ctx += sum(e->body, e->body_len) + sum(e->content, e->content_len);
  return 0;
}

static void *reader(void *arg) {
  race_t *r = arg;
  uint64_t seen[AUTHORS] = {0};
  unsigned acc = 0;
  for (unsigned i = 0; !atomic_load(&r->done); i++) {
    int a = (int)(i % AUTHORS);
    sr_head_t h;
    int rc = sr_store_get_head(r->st, au[a].pk, &h);
    R_CHECK(rc == 0 || rc == SR_ENOTFOUND);
    if (rc == 0) {
      R_CHECK(h.seq >= seen[a]); /* a head never goes back */
      seen[a] = h.seq;
    }
    stream_t s = {1, 0, 0};
    R_CHECK(sr_store_stream_log(r->st, au[a].pk, 1, PER, on_stream, &s) == 0);
    R_CHECK(s.count >= seen[a]); /* at least what the head said a moment ago */
    acc += s.sum;
    sr_store_info_t info;
    R_CHECK(sr_store_info(r->st, &info) == 0);
    R_CHECK(info.entries <= (size_t)AUTHORS * PER);
    R_CHECK(sr_store_foreach_entry(r->st, au[(a + 1) % AUTHORS].pk, on_entry, &acc) == 0);
    /* The pump's way: one reader, a run of reads, released at the end of the turn. */
    sr_store_reader_t *rd = NULL;
    R_CHECK(sr_store_reader_new(r->st, &rd) == 0);
    for (int turn = 0; turn < 3; turn++) {
      uint64_t top = 0;
      if (sr_store_reader_get_head(rd, au[a].pk, &h) == 0) top = h.seq;
      for (uint64_t q = 1; q <= top && q <= 64; q++) {
        uint8_t buf[SR_ENTRY_MAX];
        size_t len = 0;
        R_CHECK(sr_store_reader_get_by_seq(rd, au[a].pk, q, buf, sizeof(buf), &len, NULL) == 0);
        acc += sum(buf, len);
      }
      sr_store_reader_release(rd);
    }
    sr_store_reader_free(rd);
    atomic_fetch_add(&r->reads, 1);
  }
  return (void *)(uintptr_t)(acc & 1); /* keeps the sums from being optimised away */
}

/* Ingests every log in batches of BATCH, the authors interleaved. */
static void ingest_all(sr_store_t *st) {
  sr_ingest_item_t items[BATCH];
  for (int j = 0; j < PER; j += BATCH)
    for (int a = 0; a < AUTHORS; a++) {
      memset(items, 0, sizeof(items));
      for (int k = 0; k < BATCH; k++) {
        items[k].raw = es[a][j + k].raw;
        items[k].len = es[a][j + k].len;
        items[k].flow.received_at = TS + (uint64_t)j + (uint64_t)k;
        items[k].flow.hops = 1;
        items[k].flow.source = SR_SRC_PEER;
      }
      sr_ingest_stats_t s;
      T_OK(sr_store_ingest(st, items, BATCH, 1, NOW, &s));
      T_EQ(s.accepted, BATCH);
    }
}

/* A new store in dir whose map starts at 64 KiB: the tests' writes must grow it. */
static sr_store_t *open_small(const char *dir) {
  T_OK(setenv("SEURONE_MAPSIZE", "65536", 1));
  sr_store_t *st = t_open_store(dir, 1);
  unsetenv("SEURONE_MAPSIZE");
  return st;
}

/* Stores e as if a peer had sent it. */
static void ingest_one(sr_store_t *st, const t_entry_t *e) {
  sr_ingest_item_t one = {.raw = e->raw, .len = e->len, .flow.source = SR_SRC_PEER};
  T_OK(sr_store_ingest(st, &one, 1, 1, NOW, NULL));
}

static void store_grows_under_readers(void) {
  for (int round = 0; round < ROUNDS; round++) {
    char dir[256];
    t_tmpdir(dir);
    race_t r = {open_small(dir), 0, 0};
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++) T_OK(pthread_create(&th[i], NULL, reader, &r));
    ingest_all(r.st);
    atomic_store(&r.done, 1);
    for (int i = 0; i < READERS; i++) T_OK(pthread_join(th[i], NULL));
    sr_store_info_t info;
    T_OK(sr_store_info(r.st, &info));
    T_EQ(info.entries, (size_t)AUTHORS * PER);
    T_CHECK(info.map_size >= (uint64_t)65536 << 4); /* it grew at least four times */
    T_CHECK(atomic_load(&r.reads) > 0);
    fprintf(stderr, "   round %d: map %llu bytes, %ld read loops beside the writer\n", round,
            (unsigned long long)info.map_size, (long)atomic_load(&r.reads));
    sr_store_close(r.st);
    t_rmdir(dir);
  }
}

/* Another process grows the map while this one reads: every begin here then
 * meets MDB_MAP_RESIZED and adopts the new size under the same gate. */
static void adopt_round(void) {
  char dir[256];
  int go[2];
  t_tmpdir(dir);
  T_OK(pipe(go));
  fflush(NULL);
  /* Forked before this process opens the store or starts a thread: the child
   * is a second process with an environment of its own, as a CLI would be. */
  pid_t pid = fork();
  T_CHECK(pid >= 0);
  if (pid == 0) {
    sr_store_t *w = NULL;
    char err[512], c;
    close(go[1]);
    if (read(go[0], &c, 1) != 1) _exit(3);
    if (sr_store_open(dir, 0, &w, err, sizeof(err))) _exit(2);
    ingest_all(w);
    sr_store_close(w);
    _exit(0);
  }
  close(go[0]);
  sr_store_t *st = open_small(dir);
  race_t r = {st, 0, 0};
  pthread_t th[READERS];
  for (int i = 0; i < READERS; i++) T_OK(pthread_create(&th[i], NULL, reader, &r));
  T_EQ(write(go[1], "g", 1), 1);
  close(go[1]);
  int status = 0;
  T_EQ(waitpid(pid, &status, 0), pid);
  T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  /* Keep reading until the readers have seen the whole log at least once. */
  for (;;) {
    sr_head_t h;
    T_OK(sr_store_get_head(st, au[AUTHORS - 1].pk, &h));
    if (h.seq == PER) break;
  }
  atomic_store(&r.done, 1);
  for (int i = 0; i < READERS; i++) T_OK(pthread_join(th[i], NULL));
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, (size_t)AUTHORS * PER);
  T_CHECK(info.map_size > 65536); /* adopted what the other process set */
  sr_store_close(st);
  t_rmdir(dir);
}

static void store_adopts_a_map_grown_elsewhere(void) {
  for (int round = 0; round < ROUNDS; round++) adopt_round();
}

typedef struct {
  sr_store_t *st;
  int calls, rc;
} nested_t;

/* Writes from inside a read callback, a batch too big for the map. */
static int write_inside(void *ctx, const sr_entry_t *e, const sr_flow_t *flow) {
  (void)e;
  (void)flow;
  nested_t *n = ctx;
  if (n->calls++) return 0;
  sr_ingest_item_t *items = calloc(PER, sizeof(*items));
  T_CHECK(items != NULL);
  for (int k = 0; k < PER; k++) {
    items[k].raw = es[1][k].raw;
    items[k].len = es[1][k].len;
    items[k].flow.source = SR_SRC_PEER;
  }
  n->rc = sr_store_ingest(n->st, items, PER, 1, NOW, NULL);
  free(items);
  return 0;
}

/* A thread that holds a read transaction never waits for a resize (that would
 * wait for it in turn): the write that needs the map to grow fails with a
 * message instead of hanging, and the store stays usable. */
static void store_refuses_to_grow_inside_a_read(void) {
  char dir[256];
  t_tmpdir(dir);
  sr_store_t *st = open_small(dir);
  ingest_one(st, &es[0][0]);
  nested_t n = {st, 0, 0};
  T_OK(sr_store_foreach_entry(st, au[0].pk, write_inside, &n));
  T_EQ(n.calls, 1);
  T_EQ(n.rc, SR_ESTORE);
  T_HAS(sr_store_errmsg(st), "holds a read transaction");
  /* Outside the read, the same batch grows the map and is stored. */
  nested_t again = {st, 0, -1};
  T_OK(write_inside(&again, NULL, NULL));
  T_OK(again.rc);
  sr_head_t h;
  T_OK(sr_store_get_head(st, au[1].pk, &h));
  T_EQ(h.seq, PER);
  sr_store_close(st);
  t_rmdir(dir);
}

/* The pump's reader (sr_store_reader_t): while it holds its transaction the
 * map cannot grow on this thread (the write fails, it does not hang); once
 * released, the write grows the map, and the renewed transaction sees it. */
static void reader_holds_and_releases(void) {
  char dir[256];
  t_tmpdir(dir);
  sr_store_t *st = open_small(dir);
  ingest_one(st, &es[1][0]);
  sr_store_reader_t *rd = NULL;
  T_OK(sr_store_reader_new(st, &rd));
  sr_head_t h;
  T_OK(sr_store_reader_get_head(rd, au[1].pk, &h));
  T_EQ(h.seq, 1);
  nested_t n = {st, 0, -1}; /* write_inside stores the whole log of au[1]: the map must grow */
  T_OK(write_inside(&n, NULL, NULL));
  T_EQ(n.rc, SR_ESTORE); /* held: the resize the batch needs is refused */
  T_HAS(sr_store_errmsg(st), "holds a read transaction");
  T_OK(sr_store_reader_get_head(rd, au[1].pk, &h));
  T_EQ(h.seq, 1);
  sr_store_reader_release(rd);
  nested_t again = {st, 0, -1};
  T_OK(write_inside(&again, NULL, NULL));
  T_OK(again.rc);                                   /* released: the map grew and the batch is stored */
  T_OK(sr_store_reader_get_head(rd, au[1].pk, &h)); /* renewed: a new snapshot */
  T_EQ(h.seq, PER);
  uint8_t buf[SR_ENTRY_MAX];
  size_t len = 0;
  sr_flow_t flow;
  T_OK(sr_store_reader_get_by_seq(rd, au[1].pk, PER, buf, sizeof(buf), &len, &flow));
  T_EQ(len, es[1][PER - 1].len);
  T_CHECK(memcmp(buf, es[1][PER - 1].raw, len) == 0);
  T_EQ(sr_store_reader_get_by_seq(rd, au[1].pk, PER + 1, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  sr_store_reader_free(rd); /* held: freed all the same */
  sr_store_reader_free(NULL);
  sr_store_close(st);
  t_rmdir(dir);
}

/* Two threads share one handle (as the daemon's loop and its ingest worker do)
 * and fail at the same time, each with a text naming its own file; each must
 * read its own text. With one text per handle TSan reports the race and a
 * thread can read the other's file name. */
enum { FAIL_ROUNDS = 2000 };

typedef struct {
  sr_store_t *st;
  char path[512];
  atomic_int *go;
  int wrong;
} failer_t;

static void *failer(void *arg) {
  failer_t *f = arg;
  while (!atomic_load(f->go)) {
  }
  for (int i = 0; i < FAIL_ROUNDS; i++) {
    /* The file exists: the backup is refused with a text naming it. */
    int rc = sr_store_backup(f->st, f->path);
    if (rc != SR_EEXIST || !strstr(sr_store_errmsg(f->st), f->path)) f->wrong++;
  }
  return NULL;
}

static void store_errors_are_per_thread(void) {
  char dir[256];
  t_tmpdir(dir);
  T_OK(unsetenv("SEURONE_MAPSIZE"));
  sr_store_t *st = t_open_store(dir, 1);
  atomic_int go = 0;
  failer_t f[2];
  pthread_t tid[2];
  for (int i = 0; i < 2; i++) {
    memset(&f[i], 0, sizeof(f[i]));
    f[i].st = st;
    f[i].go = &go;
    snprintf(f[i].path, sizeof(f[i].path), "%s/exists-%d", dir, i);
    FILE *fp = fopen(f[i].path, "w");
    T_CHECK(fp != NULL);
    fclose(fp);
    T_CHECK(pthread_create(&tid[i], NULL, failer, &f[i]) == 0);
  }
  atomic_store(&go, 1);
  for (int i = 0; i < 2; i++) pthread_join(tid[i], NULL);
  T_EQ(f[0].wrong, 0);
  T_EQ(f[1].wrong, 0);
  /* The main thread failed neither call: its text names neither file. */
  T_CHECK(strstr(sr_store_errmsg(st), "exists-") == NULL);
  for (int i = 0; i < 2; i++) unlink(f[i].path);
  sr_store_close(st);
  t_rmdir(dir);
}

#define POST_TEXT_MAX 32 /* the texts of the entries below */

/* argv[1], when given, runs only the test of that name ("grows" or "adopts"). */
int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  char text[POST_TEXT_MAX];
  for (int a = 0; a < AUTHORS; a++) {
    t_author_init(&au[a], (uint8_t)(0x60 + a));
    for (int i = 0; i < PER; i++) {
      t_buf_t c;
      snprintf(text, sizeof(text), "post %d of %d", i + 1, a);
      t_share(&c, text, NULL, NULL);
      es[a][i] = t_next(&au[a], TS + (uint64_t)i, "share", &c);
      t_buf_free(&c);
    }
  }
  if (!only || strcmp(only, "grows") == 0) T_RUN(store_grows_under_readers);
  if (!only || strcmp(only, "adopts") == 0) T_RUN(store_adopts_a_map_grown_elsewhere);
  if (!only || strcmp(only, "nested") == 0) T_RUN(store_refuses_to_grow_inside_a_read);
  if (!only || strcmp(only, "reader") == 0) T_RUN(reader_holds_and_releases);
  if (!only || strcmp(only, "errors") == 0) T_RUN(store_errors_are_per_thread);
  for (int a = 0; a < AUTHORS; a++)
    for (int i = 0; i < PER; i++) t_entry_free(&es[a][i]);
  fprintf(stderr, "%d checks passed\n", t_checks);
  return 0;
}
