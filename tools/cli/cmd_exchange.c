/* cmd_exchange.c: `seurone export` and `seurone import` — logs as JSON Lines for
 * offline (sneakernet) sync; the graph's views (GraphML, CSV, GEXF) are
 * cmd_graphexport.c's. */
#include "tools/cli/cli.h"
#include "tools/cli/import_reader.h"
#include "core/num.h"
#include "node/control.h"
#include "store/ingest.h"
#include "store/lookup.h"
#include "store/observed.h"
#include "store/read.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *open_out(const char *path) {
  if (!path || strcmp(path, "-") == 0) return stdout;
  FILE *f = fopen(path, "w");
  if (!f) cli_fail(SR_EXIT_ENV, "cannot write %s: %s", path, strerror(errno));
  return f;
}

static int close_out(FILE *f, const char *path) {
  int bad = ferror(f);
  if (f != stdout) bad |= fclose(f) != 0;
  else
    fflush(f);
  if (bad) return cli_fail(SR_EXIT_ENV, "writing %s failed: %s", path ? path : "stdout", strerror(errno));
  return 0;
}

/* ---- export entries: cmd_export_flow.c; export graph: cmd_graphexport.c; both write their
 * files as these do ---- */

FILE *cli_open_out(const char *path) { return open_out(path); }
int cli_close_out(FILE *f, const char *path) { return close_out(f, path); }

static int has_flag(int argc, char **argv, const char *flag) {
  for (int i = 2; i < argc; i++)
    if (!strcmp(argv[i], flag)) return 1;
  return 0;
}

int cmd_export(sr_cli_t *cli, int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "entries") == 0 &&
      (has_flag(argc, argv, "--anonymise") || has_flag(argc, argv, "--anonymize")))
    return cli_export_entries_anon(cli, argc, argv);
  if (argc >= 2 && strcmp(argv[1], "cascades") == 0) return cli_export_cascades(cli, argc, argv);
  if (argc >= 2 && strcmp(argv[1], "entries") == 0) return cli_export_entries(cli, argc, argv);
  if (argc >= 2 && strcmp(argv[1], "graph") == 0) return cli_export_graph(cli, argc, argv);
  return cli_fail(SR_EXIT_USAGE, "usage: seurone export entries|graph|cascades ... (see seurone export --help)");
}

/* ---- import ---- */

typedef struct {
  sr_cli_t *cli;
  sr_store_t *st;
  json_t *rejected;
  size_t accepted, duplicates, forks, nrejected, lines;
  size_t observations, obs_skipped; /* other nodes' first arrivals kept, and left out */
  int had_flow;                     /* some line carried one */
  int verbose, threads;
  int via_node;       /* a node runs in this home: it owns the store, the entries go to it */
  char node_why[600]; /* the node's words when it refused a batch (a full disk, say) */
  int json_lost;      /* a rejected line could not be added to the --json report */
} import_t;

/* The reason can quote the line (jansson's "near '...'", a field name of the
 * entry): someone else's bytes, so escaped for the terminal; JSON keeps them
 * (as valid UTF-8: jansson refuses anything else, so they are escaped there too
 * when they are not). */
static void reject_line(import_t *im, size_t line, const char *reason) {
  im->nrejected++;
  if (im->cli->json) {
    json_t *r = json_string(reason);
    if (!r) {
      char *t = cli_text_cut(reason, strlen(reason), CLI_TEXT_WHOLE);
      r = json_string(t);
      free(t);
    }
    /* Noted here: jansson's out-of-memory flag (sr_json_oom_take) is the
     * process's, and the reader thread clears it before each line it parses. */
    if (json_array_append_new(im->rejected, json_pack("{s:I, s:o}", "line", (json_int_t)line, "reason", r)))
      im->json_lost = 1;
  } else {
    fprintf(stderr, "line %zu: rejected: ", line);
    cli_text_put(stderr, reason, strlen(reason));
    fputc('\n', stderr);
  }
}

/* What one ingest request may hold, in base64 bytes: the control socket's
 * line is at most SR_CONTROL_MAX; the rest is room for the JSON around them. */
#define NODE_CHUNK_B64 (SR_CONTROL_MAX - 4096)

/* Sends items[0..m) to the running node (control.h, "ingest") in requests
 * within the socket's bounds, and copies back what became of each: the node
 * stores them as sr_store_ingest() does here, and also forwards them to its
 * peers and refreshes its scope. */
static int ingest_via_node(import_t *im, sr_ingest_item_t *items, size_t m) {
  char *b64 = malloc(sodium_base64_ENCODED_LEN(SR_ENTRY_MAX, sodium_base64_VARIANT_ORIGINAL));
  int rc = 0;
  if (!b64) return SR_ENOMEM;
  for (size_t i = 0; i < m && !rc;) {
    json_t *arr = json_array(), *req = json_pack("{s:s, s:o}", "cmd", "ingest", "entries", arr), *reply = NULL;
    size_t j = i, size = 0;
    if (!req) {
      rc = SR_ENOMEM;
      break;
    }
    while (j < m && j - i < SR_CTL_INGEST_MAX) {
      size_t b = sodium_base64_ENCODED_LEN(items[j].len, sodium_base64_VARIANT_ORIGINAL);
      if (j > i && size + b + 4 > NODE_CHUNK_B64) break;
      sodium_bin2base64(b64, b, items[j].raw, items[j].len, sodium_base64_VARIANT_ORIGINAL);
      json_array_append_new(arr, json_string(b64));
      size += b + 4;
      j++;
    }
    if ((rc = sr_control_call(im->cli->home, req, &reply, 120000)) == 0 && (rc = sr_control_reply_code(reply)) == 0) {
      json_t *res = json_object_get(reply, "results"), *o;
      if (json_array_size(res) != j - i) rc = SR_ECONTROL;
      for (size_t k = i; k < j && !rc; k++) {
        o = json_array_get(res, k - i);
        const char *id = json_string_value(json_object_get(o, "id")),
                   *why = json_string_value(json_object_get(o, "why"));
        items[k].status = (int)json_integer_value(json_object_get(o, "status"));
        if (!id || sr_hex_decode(id, items[k].id, SR_ID_BYTES) != 0) rc = SR_ECONTROL;
        snprintf(items[k].why, sizeof(items[k].why), "%s", why ? why : "");
      }
    } else if (reply) {
      const char *why = json_string_value(json_object_get(reply, "error"));
      snprintf(im->node_why, sizeof(im->node_why), "%s", why ? why : "");
    }
    json_decref(reply);
    json_decref(req);
    i = j;
  }
  free(b64);
  return rc;
}

/* The exporting node's first-arrival records of the entries now held (new or
 * already here), kept as its observations (store/observed.h): never written
 * into this node's own flow records, which say "import". While a node runs it
 * owns the entries; the observations are the CLI's to write (the node never
 * reads or writes them), so the store is opened for that one transaction. */
static int import_observations(import_t *im, const cli_import_line_t *pend, size_t n, const sr_ingest_item_t *items,
                               const size_t *map, size_t m) {
  sr_observation_t *obs = NULL;
  size_t k = 0, stored = 0, skipped = 0;
  int rc = 0;
  (void)n;
  for (size_t j = 0; j < m; j++) k += pend[map[j]].has_flow;
  if (!k) return 0;
  im->had_flow = 1;
  if (!(obs = calloc(k, sizeof(*obs)))) return SR_ENOMEM;
  k = 0;
  for (size_t j = 0; j < m; j++) {
    const cli_import_line_t *p = &pend[map[j]];
    if (!p->has_flow) continue;
    if (items[j].status != 0 && items[j].status != SR_EDUP) {
      im->obs_skipped++; /* the entry was refused: nothing about it is kept */
      continue;
    }
    memcpy(obs[k].id, items[j].id, SR_ID_BYTES);
    memcpy(obs[k].observer, p->observer, SR_KEY_BYTES);
    obs[k++].flow = p->flow;
  }
  sr_store_t *st = im->st;
  if (!st && k && !(st = cli_open_store(im->cli, 0))) rc = SR_ESTORE;
  if (!rc && k) rc = sr_store_observed_put(st, obs, k, &stored, &skipped);
  if (st && st != im->st) sr_store_close(st);
  im->observations += stored;
  im->obs_skipped += skipped;
  free(obs);
  return rc;
}

static int import_batch(import_t *im, cli_import_line_t *pend, size_t n) {
  sr_ingest_item_t *items = calloc(n ? n : 1, sizeof(*items));
  size_t *map = calloc(n ? n : 1, sizeof(*map)), m = 0;
  sr_ingest_stats_t stats;
  uint64_t now = cli_now_ms();
  int rc = 0;
  if (!items || !map) {
    free(items);
    free(map);
    return SR_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    if (pend[i].why[0]) continue;
    items[m].raw = pend[i].raw;
    items[m].len = pend[i].len;
    items[m].flow.received_at = now;
    items[m].flow.source = SR_SRC_IMPORT;
    map[m++] = i;
  }
  /* One owner: while a node runs, it stores them (and forwards them). */
  rc = im->via_node ? ingest_via_node(im, items, m) : sr_store_ingest(im->st, items, m, im->threads, now, &stats);
  if (rc) goto done;
  /* The store committed; now tell what happened to each line, in line order,
   * each on a line of its own (not after the progress line). */
  cli_status_clear();
  for (size_t i = 0, j = 0; i < n; i++) {
    cli_import_line_t *p = &pend[i];
    if (p->why[0]) {
      reject_line(im, p->line, p->why);
      continue;
    }
    sr_ingest_item_t *it = &items[j++];
    if (it->status == 0 || it->status == SR_EDUP || it->status == SR_EFORK) {
      if (p->has_expect && memcmp(p->expect_id, it->id, SR_ID_BYTES) != 0 && it->status == 0)
        fprintf(stderr, "line %zu: warning: \"id\" differs from the id of the entry bytes; the bytes win\n", p->line);
    }
    if (it->status == 0) im->accepted++;
    else if (it->status == SR_EDUP)
      im->duplicates++;
    else if (it->status == SR_EFORK) {
      im->forks++;
      if (!im->cli->json) {
        fprintf(stderr, "line %zu: ", p->line);
        cli_text_put(stderr, it->why, strlen(it->why));
        fputc('\n', stderr);
      }
    } else {
      char reason[260];
      snprintf(reason, sizeof(reason), "%s%s%s", sr_strerror(it->status), it->why[0] ? ": " : "", it->why);
      /* Avoid saying the same thing twice when why already is the message. */
      if (strcmp(it->why, sr_strerror(it->status)) == 0) snprintf(reason, sizeof(reason), "%s", it->why);
      reject_line(im, p->line, reason);
    }
  }
  if ((rc = import_observations(im, pend, n, items, map, m))) goto done;
  if (im->verbose && n) {
    fprintf(stderr, "committed lines %zu-%zu\n", pend[0].line, pend[n - 1].line);
    fflush(stderr);
  }
done:
  free(items);
  free(map);
  return rc;
}

/* What one batch may hold besides its count: entries are at most 16 KiB, so
 * 5000 of them could be 80 MB; this keeps import's memory small whatever the
 * file holds (a 400 MB file once took 390 MB). Two batches are held at most:
 * the one stored and the one the reader parses meanwhile. */
#define IMPORT_BATCH_BYTES (4u << 20)

/* What the reader and the store waited for each other (--verbose): the stage
 * that waits less is the one that sets the pace (BENCHMARKS.md, issue 18). */
static void report_stages(const cli_import_reader_t *rd) {
  fprintf(stderr,
          "import stages: the store waited %.2f s for the reader (read and parse), the reader %.2f s for the store\n",
          (double)rd->main_wait_ns / 1e9, (double)rd->reader_wait_ns / 1e9);
}

int cmd_import(sr_cli_t *cli, int argc, char **argv) {
  const char *path = NULL, *batch_s = NULL;
  size_t batch = 5000;
  int rc = 0, r;
  import_t im = {0};
  cli_import_reader_t rd = {0};
  cli_import_batch_t *next;
  im.cli = cli;
  im.threads = (int)sysconf(_SC_NPROCESSORS_ONLN); /* signature checks on every core */
  for (int i = 1; i < argc; i++) {
    if ((r = cli_opt(argc, argv, &i, "--batch", &batch_s))) {
      if (r < 0) return SR_EXIT_USAGE;
      uint64_t b;
      if (sr_parse_u64(batch_s, 1, 100000, &b))
        return cli_fail(SR_EXIT_USAGE, "--batch must be a whole number from 1 to 100000, got '%s'", batch_s);
      batch = (size_t)b;
    } else if (strcmp(argv[i], "--verbose") == 0) {
      im.verbose = 1;
    } else if (!path) {
      path = argv[i];
    } else {
      return cli_fail(SR_EXIT_USAGE, "import: unexpected '%s'", argv[i]);
    }
  }
  if (!path) return cli_fail(SR_EXIT_USAGE, "usage: seurone import FILE|- (see seurone import --help)");
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
  if (!in) return cli_fail(SR_EXIT_ENV, "cannot read %s: %s", path, strerror(errno));
  im.via_node = sr_control_run_info(cli->home, NULL, NULL, 0) == 0;
  if (!im.via_node && !(im.st = cli_open_store(cli, 0))) {
    if (in != stdin) fclose(in);
    return SR_EXIT_ENV;
  }
  im.rejected = json_array();
  /* jansson seeds its hash function when the first object is made: made here,
   * before the reader's first line, so the two threads never race for it. */
  json_object_seed(0);
  /* Batch k is stored here while the reader parses batch k+1; each is reported
   * as committed before the next is stored, and a failure stops the reader. */
  if ((rc = cli_import_reader_start(&rd, in, batch, IMPORT_BATCH_BYTES))) {
    rc = cli_fail(SR_EXIT_ENV, "out of memory");
    goto done;
  }
  while ((next = cli_import_reader_next(&rd))) {
    im.lines = next->last_line;
    if ((rc = import_batch(&im, next->lines, next->n))) break;
    if (!next->at_end && !cli->json) cli_progress("import", im.lines, 0);
  }
  cli_import_reader_stop(&rd); /* joined: what it counted is final */
  cli_status_clear();          /* the summary says it all */
  if (im.verbose) report_stages(&rd);
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "import stopped at line %zu: %s; every batch reported as committed before it is stored",
                  im.lines,
                  im.node_why[0]             ? im.node_why
                  : rc == SR_ESTORE && im.st ? sr_store_errmsg(im.st)
                                             : sr_strerror(rc));
    goto done;
  }
  if (rd.read_err) {
    rc = cli_fail(SR_EXIT_ENV, "reading %s failed: %s", path, strerror(rd.read_err));
    goto done;
  }
  if (cli->json) {
    json_t *o = json_pack("{s:I, s:I, s:I, s:O}", "accepted", (json_int_t)im.accepted, "duplicates",
                          (json_int_t)im.duplicates, "forks", (json_int_t)im.forks, "rejected", im.rejected);
    if (im.json_lost) { /* a report without a rejected line would pass for a whole one */
      json_decref(o);
      o = NULL;
    }
    if (o && im.had_flow) { /* only a file with flow records says what became of them */
      json_object_set_new(o, "observations", json_integer((json_int_t)im.observations));
      json_object_set_new(o, "observations_skipped", json_integer((json_int_t)im.obs_skipped));
    }
    cli_json_print(o);
  } else {
    printf("%zu accepted, %zu %s, %zu %s, %zu rejected\n", im.accepted, im.duplicates,
           cli_plural(im.duplicates, "duplicate", "duplicates"), im.forks, cli_plural(im.forks, "fork", "forks"),
           im.nrejected);
    if (im.observations || im.obs_skipped)
      printf("%zu first-arrival %s of the exporting node kept as its observations (not this node's)%s\n",
             im.observations, cli_plural(im.observations, "record", "records"),
             im.obs_skipped ? "; some left out: this node's own, or of entries not stored" : "");
  }
  rc = im.nrejected ? SR_EXIT_PROBLEM : 0;
done:
  cli_import_reader_stop(&rd);
  json_decref(im.rejected);
  if (in != stdin) fclose(in);
  sr_store_close(im.st);
  return rc;
}
