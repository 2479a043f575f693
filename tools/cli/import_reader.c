/* import_reader.c: the thread that reads and parses `seurone import`'s input one
 * batch ahead of the store (see import_reader.h). It touches only its input, its
 * two buffers and jansson (thread-safe for values of its own); every report,
 * the store and the node stay the main thread's. */
#include "tools/cli/import_reader.h"
#include "core/clock.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one read(2) may bring: the size of the line buffer's bound, so a line
 * takes a read or two. */
#define IO_BYTES (64u << 10)

/* Parses one JSON line into p: the entry bytes, copied at their own size (at
 * most SR_ENTRY_MAX), and the id it claims. */
static void parse_line(const char *text, size_t n, cli_import_line_t *p) {
  cli_jsonl_t j;
  p->raw = NULL;
  p->why[0] = '\0';
  if (cli_jsonl_parse(text, n, &j) != 0) {
    snprintf(p->why, sizeof(p->why), "%s", j.why);
  } else if (!(p->raw = malloc(j.len ? j.len : 1))) {
    snprintf(p->why, sizeof(p->why), "out of memory");
  } else {
    memcpy(p->raw, j.raw, j.len);
    p->len = j.len;
    p->has_expect = j.has_expect;
    memcpy(p->expect_id, j.expect_id, SR_ID_BYTES);
    p->has_flow = j.has_flow;
    memcpy(p->observer, j.observer, SR_KEY_BYTES);
    p->flow = j.flow;
  }
}

/* Refills r->io: 1 when bytes came; 0 at the end of the input, on a read error
 * (kept in read_err) or when the main thread asks the reader to stop. It waits
 * in poll(2) beside the stop pipe, not in read(2), so that a reader waiting on a
 * quiet pipe (`import -`) stops at once when a batch failed. */
static int refill(cli_import_reader_t *r) {
  for (;;) {
    struct pollfd p[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->stop_pipe[0], .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      r->read_err = errno;
      return 0;
    }
    if (p[1].revents) return 0;
    ssize_t got = read(r->fd, r->io, IO_BYTES);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0) {
      if (got < 0) r->read_err = errno;
      return 0;
    }
    r->io_pos = 0;
    r->io_len = (size_t)got;
    return 1;
  }
}

/* The next byte of the input, or EOF from its end on (read once: a terminal
 * would wait again after ^D). */
static int next_byte(cli_import_reader_t *r) {
  if (r->io_pos == r->io_len && (r->eof || !refill(r))) {
    r->eof = 1;
    return EOF;
  }
  return (unsigned char)r->io[r->io_pos++];
}

/* Reads one line (without its newline) into r->line, which holds cap bytes:
 * its length; -1 at the end of the input; -2 when the line is longer than
 * cap - 1, whose rest is then skipped unread (never held in memory). */
static ssize_t read_line(cli_import_reader_t *r, size_t cap) {
  size_t n = 0;
  int c;
  while ((c = next_byte(r)) != EOF && c != '\n') {
    if (n + 1 >= cap) {
      while ((c = next_byte(r)) != EOF && c != '\n') {
      }
      return -2;
    }
    r->line[n++] = (char)c;
  }
  if (c == EOF && n == 0) return -1;
  r->line[n] = '\0';
  return (ssize_t)n;
}

static int stopping(cli_import_reader_t *r) { return __atomic_load_n(&r->stop, __ATOMIC_RELAXED); }

/* Reads lines into b until it holds cap lines or max_bytes entry bytes (1), or
 * the input ends or the main thread asks to stop (0). Blank lines are counted
 * and carry nothing. */
static int fill_batch(cli_import_reader_t *r, cli_import_batch_t *b) {
  ssize_t len;
  b->n = b->held = 0;
  b->at_end = 0;
  while (!stopping(r) && (len = read_line(r, CLI_JSONL_LINE_MAX + 2)) != -1) {
    r->lines++;
    if (len >= 0) {
      while (len > 0 && r->line[len - 1] == '\r') r->line[--len] = '\0';
      if (len == 0) continue;
    }
    cli_import_line_t *p = &b->lines[b->n];
    memset(p, 0, sizeof(*p));
    p->line = r->lines;
    if (len == -2)
      snprintf(p->why, sizeof(p->why), "longer than any exported entry line (%d bytes at most)", CLI_JSONL_LINE_MAX);
    else
      parse_line(r->line, (size_t)len, p);
    b->held += p->len;
    if (++b->n == r->cap || b->held >= r->max_bytes) {
      b->last_line = r->lines;
      return 1;
    }
  }
  b->last_line = r->lines;
  b->at_end = 1;
  return 0;
}

/* Waits until buf[i] is the reader's again (the main thread stored and freed
 * it): 0, or -1 when asked to stop. */
static int wait_for_buffer(cli_import_reader_t *r, int i) {
  uint64_t t0 = sr_mono_ns();
  int rc;
  pthread_mutex_lock(&r->mu);
  while (r->full[i] && !r->stop) pthread_cond_wait(&r->cond, &r->mu);
  rc = r->stop ? -1 : 0;
  pthread_mutex_unlock(&r->mu);
  r->reader_wait_ns += sr_mono_ns() - t0;
  return rc;
}

static void *reader_main(void *arg) {
  cli_import_reader_t *r = arg;
  for (int i = 0;; i ^= 1) {
    if (wait_for_buffer(r, i)) break;
    int more = fill_batch(r, &r->buf[i]);
    pthread_mutex_lock(&r->mu);
    if (r->buf[i].n && !r->stop) r->full[i] = 1;
    if (!more) r->done = 1;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    if (!more) break;
  }
  return NULL;
}

static void free_lines(cli_import_batch_t *b) {
  for (size_t i = 0; i < b->n; i++) free(b->lines[i].raw);
  b->n = b->held = 0;
}

int cli_import_reader_start(cli_import_reader_t *r, FILE *in, size_t cap, size_t max_bytes) {
  memset(r, 0, sizeof(*r));
  r->made = 1;
  r->fd = fileno(in);
  r->stop_pipe[0] = r->stop_pipe[1] = -1;
  r->cap = cap;
  r->max_bytes = max_bytes;
  r->cur = -1;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cond, NULL);
  r->line = malloc(CLI_JSONL_LINE_MAX + 2);
  r->io = malloc(IO_BYTES);
  for (int i = 0; i < 2; i++) r->buf[i].lines = calloc(cap, sizeof(cli_import_line_t));
  if (!r->line || !r->io || !r->buf[0].lines || !r->buf[1].lines || pipe2(r->stop_pipe, O_CLOEXEC) != 0)
    return SR_ENOMEM;
  if (pthread_create(&r->thread, NULL, reader_main, r) != 0) return SR_ENOMEM;
  r->started = 1;
  return 0;
}

cli_import_batch_t *cli_import_reader_next(cli_import_reader_t *r) {
  cli_import_batch_t *b = NULL;
  if (r->cur >= 0) { /* stored: its memory goes before the reader may fill it again */
    free_lines(&r->buf[r->cur]);
    pthread_mutex_lock(&r->mu);
    r->full[r->cur] = 0;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    r->cur = -1;
  }
  if (!r->started) return NULL;
  uint64_t t0 = sr_mono_ns();
  pthread_mutex_lock(&r->mu);
  while (!r->full[r->take] && !r->done) pthread_cond_wait(&r->cond, &r->mu);
  if (r->full[r->take]) { /* batches come in input order: buf[0], buf[1], buf[0]... */
    r->cur = r->take;
    r->take ^= 1;
    b = &r->buf[r->cur];
  }
  pthread_mutex_unlock(&r->mu);
  r->main_wait_ns += sr_mono_ns() - t0;
  return b;
}

void cli_import_reader_stop(cli_import_reader_t *r) {
  if (!r->made) return;
  if (r->started) {
    pthread_mutex_lock(&r->mu);
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    /* wakes a reader in poll(2); the pipe is empty and ours, so the write fits */
    (void)!write(r->stop_pipe[1], "x", 1);
    pthread_join(r->thread, NULL);
    r->started = 0;
  }
  for (int i = 0; i < 2; i++) {
    if (r->buf[i].lines) free_lines(&r->buf[i]);
    free(r->buf[i].lines);
    r->buf[i].lines = NULL;
  }
  free(r->line);
  free(r->io);
  r->line = r->io = NULL;
  for (int i = 0; i < 2; i++)
    if (r->stop_pipe[i] >= 0) close(r->stop_pipe[i]);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cond);
  r->made = 0;
}
