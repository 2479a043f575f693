/* cmd_exchange.c: `seurone export` and `seurone import` — logs as JSON Lines for
 * offline (sneakernet) sync; the graph's views (GraphML, CSV, GEXF) are
 * cmd_graphexport.c's. */
#include "tools/cli/cli.h"
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
  size_t line;
  uint8_t *raw; /* decoded bytes, owned */
  size_t len;
  char why[200]; /* a line-level problem found before ingest */
  int has_expect;
  uint8_t expect_id[SR_ID_BYTES];
  int has_flow; /* the exporting node's first-arrival record, kept as its observation */
  uint8_t observer[SR_KEY_BYTES];
  sr_flow_t flow;
} pending_t;

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
    json_array_append_new(im->rejected, json_pack("{s:I, s:o}", "line", (json_int_t)line, "reason", r));
  } else {
    fprintf(stderr, "line %zu: rejected: ", line);
    cli_text_put(stderr, reason, strlen(reason));
    fputc('\n', stderr);
  }
}

/* Parses one JSON line into p: the entry bytes, copied at their own size (at
 * most SR_ENTRY_MAX), and the id it claims. */
static void parse_line(const char *text, size_t n, pending_t *p) {
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

/* Reads one line (without its newline) into buf, which holds cap bytes:
 * its length; -1 at the end of the input; -2 when the line is longer than
 * cap - 1, whose rest is then skipped unread (never held in memory). */
static ssize_t read_line(FILE *in, char *buf, size_t cap) {
  size_t n = 0;
  int c;
  while ((c = getc_unlocked(in)) != EOF && c != '\n') {
    if (n + 1 >= cap) {
      while ((c = getc_unlocked(in)) != EOF && c != '\n') {
      }
      return -2;
    }
    buf[n++] = (char)c;
  }
  if (c == EOF && n == 0) return -1;
  buf[n] = '\0';
  return (ssize_t)n;
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
static int import_observations(import_t *im, const pending_t *pend, size_t n, const sr_ingest_item_t *items,
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
    const pending_t *p = &pend[map[j]];
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

static int import_batch(import_t *im, pending_t *pend, size_t n) {
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
    pending_t *p = &pend[i];
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
 * file holds (a 400 MB file once took 390 MB). */
#define IMPORT_BATCH_BYTES (4u << 20)

int cmd_import(sr_cli_t *cli, int argc, char **argv) {
  const char *path = NULL, *batch_s = NULL;
  size_t batch = 5000, np = 0, held = 0;
  char *line = NULL;
  ssize_t len;
  int rc = 0, r;
  import_t im = {0};
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
  pending_t *pend = calloc(batch, sizeof(*pend));
  line = malloc(CLI_JSONL_LINE_MAX + 2);
  if (!pend || !line) {
    rc = cli_fail(SR_EXIT_ENV, "out of memory");
    goto done;
  }
  while ((len = read_line(in, line, CLI_JSONL_LINE_MAX + 2)) != -1) {
    im.lines++;
    if (len >= 0) {
      while (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
      if (len == 0) continue; /* blank lines carry nothing */
    }
    memset(&pend[np], 0, sizeof(pend[np]));
    pend[np].line = im.lines;
    if (len == -2)
      snprintf(pend[np].why, sizeof(pend[np].why), "longer than any exported entry line (%d bytes at most)",
               CLI_JSONL_LINE_MAX);
    else
      parse_line(line, (size_t)len, &pend[np]);
    held += pend[np].len;
    if (++np == batch || held >= IMPORT_BATCH_BYTES) {
      if ((rc = import_batch(&im, pend, np))) break;
      for (size_t i = 0; i < np; i++) free(pend[i].raw);
      np = held = 0;
      if (!cli->json) cli_progress("import", im.lines, 0);
    }
  }
  if (!rc && np) rc = import_batch(&im, pend, np);
  for (size_t i = 0; i < np; i++) free(pend[i].raw);
  cli_status_clear(); /* the summary says it all */
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "import stopped at line %zu: %s; every batch reported as committed before it is stored",
                  im.lines,
                  im.node_why[0]             ? im.node_why
                  : rc == SR_ESTORE && im.st ? sr_store_errmsg(im.st)
                                             : sr_strerror(rc));
    goto done;
  }
  if (ferror(in)) {
    rc = cli_fail(SR_EXIT_ENV, "reading %s failed: %s", path, strerror(errno));
    goto done;
  }
  if (cli->json) {
    json_t *o = json_pack("{s:I, s:I, s:I, s:O}", "accepted", (json_int_t)im.accepted, "duplicates",
                          (json_int_t)im.duplicates, "forks", (json_int_t)im.forks, "rejected", im.rejected);
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
  free(pend);
  free(line);
  json_decref(im.rejected);
  if (in != stdin) fclose(in);
  sr_store_close(im.st);
  return rc;
}
