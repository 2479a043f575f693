/* import_reader.h: the reading half of `seurone import` (import_reader.c). A
 * thread of its own reads and parses the next batch of JSON Lines (JSON and
 * base64: the serial part of an import) into one of two buffers while the main
 * thread stores the batch before it (cmd_exchange.c), so the cores verifying a
 * batch and the core parsing the next one work at once. At most two batches are
 * ever held: the one being stored and the one being read. */
#ifndef SR_CLI_IMPORT_READER_H
#define SR_CLI_IMPORT_READER_H
#include "tools/cli/cli.h"
#include <pthread.h>

/* One non-blank input line, parsed (or why it could not be). */
typedef struct cli_import_line {
  size_t line;  /* its number in the input, blank lines counted */
  uint8_t *raw; /* decoded entry bytes, owned; NULL when why says why not */
  size_t len;
  char why[200]; /* a line-level problem found before ingest */
  int has_expect;
  uint8_t expect_id[SR_ID_BYTES];
  int has_flow; /* the exporting node's first-arrival record, kept as its observation */
  uint8_t observer[SR_KEY_BYTES];
  sr_flow_t flow;
} cli_import_line_t;

typedef struct cli_import_batch {
  cli_import_line_t *lines; /* cap entries; n of them hold a line */
  size_t n, held;           /* lines, and entry bytes held by them */
  size_t last_line;         /* the input's lines read when the batch closed (blank ones too) */
  int at_end;               /* the end of the input (or a read error) closed it, not its size */
} cli_import_batch_t;

typedef struct cli_import_reader {
  int fd, stop_pipe[2];
  size_t cap, max_bytes; /* a batch closes at cap lines or max_bytes entry bytes */
  char *line, *io;       /* the line being read; what read(2) returned */
  size_t io_pos, io_len;
  int eof;                   /* the input ended (or failed): never read again */
  int read_err;              /* errno of a failed read: the input ends there */
  size_t lines;              /* lines read so far */
  cli_import_batch_t buf[2]; /* filled by the reader, stored by the main thread, in turn */
  int full[2];               /* guarded by mu: buf[i] is the main thread's */
  int cur, take;             /* main thread only: buf[cur] is being stored (-1: none), buf[take] is next */
  int done, stop;            /* under mu (stop also read without it, atomically) */
  int made, started;         /* the start ran (there is something to free); the thread runs */
  pthread_mutex_t mu;
  pthread_cond_t cond;
  pthread_t thread;
  uint64_t main_wait_ns, reader_wait_ns; /* the main thread waiting for a batch; the reader for a buffer */
} cli_import_reader_t;

/* Starts the reader on in (read through its descriptor, from its start: nothing
 * else reads it meanwhile). 0, or SR_ENOMEM (memory, or no thread). Whatever it
 * returns, cli_import_reader_stop frees what was made. */
int cli_import_reader_start(cli_import_reader_t *r, FILE *in, size_t cap, size_t max_bytes);
/* The next batch in input order, waiting for the reader if it is not read yet;
 * NULL at the end of the input. Frees the batch returned before, which is then
 * the reader's to fill again. */
cli_import_batch_t *cli_import_reader_next(cli_import_reader_t *r);
/* Stops the reader (even one blocked reading a pipe), joins it and frees every
 * buffer. Safe after a failed start, and twice. */
void cli_import_reader_stop(cli_import_reader_t *r);

#endif
