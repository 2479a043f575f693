/* cmd_store.c: `seurone log`, `graph`, `verify`, `reindex`, `backup` — reading
 * and maintaining the store. Every reader runs in LMDB read transactions, so
 * these work beside a process that is writing. */
#include "tools/cli/cli.h"
#include "store/devices.h"
#include "core/key.h"
#include "core/vec.h"
#include "tools/cli/feed.h"
#include "store/lookup.h"
#include "store/maintenance.h"
#include "store/read.h"
#include "node/home.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  sr_cli_t *cli;
  sr_store_t *st;
  cli_feed_t feed; /* the human view */
  size_t n;
} log_ctx_t;

static int log_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  log_ctx_t *lc = ctx;
  lc->n++;
  if (lc->cli->json) {
    /* Streamed element by element: one JSON array, constant memory for any log. */
    return cli_json_put(stdout, lc->n > 1 ? "," : "[", sr_json_log_item(lc->st, e, f), JSON_COMPACT);
  } else {
    cli_feed_entry(&lc->feed, e);
  }
  return 0;
}

typedef struct {
  sr_store_t *st;
  sr_cli_t *cli;
  const uint8_t *author; /* NULL: all */
  size_t *printed;       /* JSON elements written so far (shared with the log walk) */
  int count;
} forks_ctx_t;

static int forks_cb(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  forks_ctx_t *fc = ctx;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  sr_flow_t f;
  char hex[SR_HEX_KEY_LEN + 1], hhex[SR_HEX_ID_LEN + 1];
  (void)head_id;
  if (fc->author && memcmp(fc->author, author, SR_KEY_BYTES) != 0) return 0;
  fc->count++;
  if (fc->cli->json) {
    if (sr_store_get_entry(fc->st, fork_id, buf, sizeof(buf), &len, &f) == 0 && sr_entry_decode(buf, len, &e) == 0) {
      json_t *o = sr_json_log_item(fc->st, &e, &f);
      json_object_set_new(o, "fork_proof", json_true());
      int rc = cli_json_put(stdout, *fc->printed + 1 > 1 ? "," : "[", o, JSON_COMPACT);
      if (rc) return rc;
      ++*fc->printed;
    }
  } else {
    sr_hex_encode(author, SR_KEY_BYTES, hex);
    sr_hex_encode(fork_id, SR_ID_BYTES, hhex);
    printf("FORKED  author %s at seq %llu: second entry %s kept as proof; this author is no longer replicated\n", hex,
           (unsigned long long)seq, hhex);
  }
  return 0;
}

int cmd_log(sr_cli_t *cli, int argc, char **argv) {
  uint8_t author[SR_KEY_BYTES];
  int all = 0, rc;
  const char *who = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--all") == 0) all = 1;
    else if (argv[i][0] != '-' && !who)
      who = argv[i];
    else
      return cli_fail(SR_EXIT_USAGE, "log: unexpected '%s' (see seurone log --help)", argv[i]);
  }
  if (who) {
    if ((rc = cli_resolve(cli, SR_FIND_PERSON, "AUTHOR", who, author))) return rc;
  } else if (!all) {
    if (cli_load_pk(cli, author)) return SR_EXIT_ENV;
  }
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  log_ctx_t lc = {cli, st, {0}, 0};
  forks_ctx_t fc = {st, cli, all ? NULL : author, &lc.n, 0};
  cli_feed_init(&lc.feed, st);
  rc = sr_store_foreach_entry(st, all ? NULL : author, log_cb, &lc);
  if (rc == 0) rc = sr_store_foreach_fork(st, forks_cb, &fc);
  cli_feed_free(&lc.feed);
  if (cli->json) puts(lc.n ? "]" : "[]");
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "reading the log failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    return rc;
  }
  if (!cli->json && lc.n == 0)
    fprintf(stderr, "no entries%s\n", all ? "" : " for this author (publish one, or import a log)");
  sr_store_close(st);
  return 0;
}

/* ---- graph ---- */

/* The table; the JSON is node/entry_json.c's (sr_json_graph), shared with the web API. */
typedef struct {
  size_t counts[SR_EDGE_KINDS + 1];
  size_t npeople, nprojects;
  /* Who and what the edges join, by name where one is known (people and
   * projects in one array, sorted by key before the edges). */
  struct graph_name {
    uint8_t key[SR_KEY_LEN]; /* a person key or a project id */
    char *name;
  } * names;
  size_t nnames, cap;
  sr_personmap_t *pm; /* a device key is its person (store/devices.h) */
} graph_ctx_t;

static int graph_name_add(graph_ctx_t *g, const uint8_t *key, const char *name, size_t len) {
  int rc = sr_grow((void **)&g->names, &g->cap, g->nnames + 1, sizeof(*g->names), 256);
  if (rc) return rc;
  memcpy(g->names[g->nnames].key, key, SR_KEY_LEN);
  g->names[g->nnames].name = name ? cli_text_cut(name, len, 24) : NULL;
  if (name && !g->names[g->nnames].name) return SR_ENOMEM;
  g->nnames++;
  return 0;
}

/* "Ada (3f2a9c1e)", or the 16-hex short key when no name is known. */
static void graph_who(const graph_ctx_t *g, const uint8_t *key) {
  int64_t at = sr_key_find(g->names, g->nnames, sizeof(*g->names), key);
  const struct graph_name *hit = at < 0 ? NULL : &g->names[at];
  char hex[2 * SR_KEY_LEN + 1];
  sr_hex_encode(key, SR_KEY_LEN, hex);
  if (hit && hit->name) printf("%s (%.8s)", hit->name, hex);
  else
    printf("%.16s", hex);
}

static int person_cb(void *ctx, const sr_person_t *p) {
  graph_ctx_t *g = ctx;
  char hex[SR_HEX_KEY_LEN + 1];
  size_t first, nd = sr_personmap_devices(g->pm, p->key, &first);
  if (sr_personmap_person(g->pm, p->key, 0)) return 0; /* a device: counted in its person */
  g->npeople++;
  if (graph_name_add(g, p->key, p->name, p->name_len)) return SR_ENOMEM;
  sr_hex_encode(p->key, SR_KEY_LEN, hex);
  printf("person   %s  ", hex);
  cli_text_cell(stdout, p->name ? p->name : "-", p->name ? p->name_len : 1, 24);
  printf(" seq %-6llu%s%s", (unsigned long long)p->seq, p->is_self ? " (you)" : "", p->forked ? " FORKED" : "");
  if (!p->seq) fputs(" (log not held)", stdout); /* known only as a key someone named (docs/metrics.md) */
  if (nd) printf(" +%zu %s", nd, cli_plural(nd, "device", "devices"));
  putchar('\n');
  return 0;
}

static int project_cb(void *ctx, const sr_project_t *p) {
  graph_ctx_t *g = ctx;
  char hex[SR_HEX_KEY_LEN + 1];
  g->nprojects++;
  if (graph_name_add(g, p->id, p->name, p->name_len)) return SR_ENOMEM;
  sr_hex_encode(p->id, SR_KEY_LEN, hex);
  printf("project  %s  ", hex);
  cli_text_put(stdout, p->name ? p->name : "-", p->name ? p->name_len : 1);
  putchar('\n');
  return 0;
}

static int edge_cb(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  graph_ctx_t *g = ctx;
  const uint8_t *ps = sr_personmap_person(g->pm, src, 0);
  const uint8_t *pd = kind == SR_EDGE_FOLLOW || kind == SR_EDGE_BLOCK ? sr_personmap_person(g->pm, dst, 0) : NULL;
  if (kind < 1 || kind > SR_EDGE_KINDS) return 0;
  /* between persons, as `graph --json` (node/entry_json.c) */
  src = ps ? ps : src;
  dst = pd ? pd : dst;
  if ((ps || pd) && !memcmp(src, dst, SR_KEY_LEN)) return 0;
  g->counts[kind]++;
  printf("%-9s ", sr_edge_kind_name(kind));
  graph_who(g, src);
  fputs(" -> ", stdout);
  graph_who(g, dst);
  fputc('\n', stdout);
  return 0;
}

static int forked_cb(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  char a[SR_HEX_KEY_LEN + 1], h[SR_HEX_KEY_LEN + 1], f[SR_HEX_KEY_LEN + 1];
  (void)ctx;
  sr_hex_encode(author, SR_KEY_LEN, a);
  sr_hex_encode(fork_id, SR_KEY_LEN, f);
  if (head_id) sr_hex_encode(head_id, SR_KEY_LEN, h);
  printf("FORKED   %s at seq %llu (entries %.16s and %.16s)\n", a, (unsigned long long)seq, head_id ? h : "?", f);
  return 0;
}

int cmd_graph(sr_cli_t *cli, int argc, char **argv) {
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "graph: unexpected '%s'", argv[1]);
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  graph_ctx_t g = {0};
  json_t *doc = NULL;
  int rc;
  if (cli->json) rc = sr_json_graph(st, &doc);
  else {
    rc = sr_store_personmap(st, &g.pm);
    if (!rc) rc = sr_store_foreach_person(st, person_cb, &g);
    if (!rc) rc = sr_store_foreach_project(st, project_cb, &g);
    if (!rc && g.nnames) qsort(g.names, g.nnames, sizeof(*g.names), sr_key_cmp);
    if (!rc) rc = sr_store_foreach_edge(st, edge_cb, &g);
    for (size_t i = 0; i < g.nnames; i++) free(g.names[i].name);
    free(g.names);
    if (!rc) rc = sr_store_foreach_fork(st, forked_cb, &g);
    sr_personmap_free(g.pm);
  }
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "reading the graph failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    return rc;
  }
  if (cli->json) {
    cli_json_print(doc);
  } else {
    printf("%zu %s, %zu %s;", g.npeople, cli_plural(g.npeople, "person", "people"), g.nprojects,
           cli_plural(g.nprojects, "project", "projects"));
    for (int k = 1; k <= SR_EDGE_KINDS; k++) printf(" %zu %s", g.counts[k], sr_edge_kind_name(k));
    printf("\n");
  }
  sr_store_close(st);
  return 0;
}

/* ---- verify, reindex, backup ---- */

static void report_problem(void *ctx, const char *problem) {
  json_t *arr = ctx;
  if (arr) json_array_append_new(arr, json_string(problem));
  else
    fprintf(stderr, "problem: %s\n", problem);
}

int cmd_verify(sr_cli_t *cli, int argc, char **argv) {
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "verify: unexpected '%s'", argv[1]);
  sr_store_t *st = cli_open_store(cli, 0);
  sr_store_info_t info;
  if (!st) return SR_EXIT_ENV;
  json_t *problems = cli->json ? json_array() : NULL;
  int rc = sr_store_verify(st, report_problem, problems, cli_progress, "verify");
  if (rc < 0) {
    json_decref(problems);
    rc = cli_fail(SR_EXIT_ENV, "verify could not read the store: %s",
                  rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    return rc;
  }
  if (sr_store_info(st, &info) != 0) {
    json_decref(problems);
    rc = cli_fail(SR_EXIT_ENV, "verify could not count the store: %s", sr_store_errmsg(st));
    sr_store_close(st);
    return rc;
  }
  if (cli->json)
    cli_json_print(
        json_pack("{s:b, s:I, s:o}", "ok", rc == 0, "entries", (json_int_t)info.entries, "problems", problems));
  else if (rc == 0)
    printf("ok: %zu %s from %zu %s verified\n", info.entries, cli_plural(info.entries, "entry", "entries"),
           info.authors, cli_plural(info.authors, "author", "authors"));
  else
    fprintf(stderr, "%d %s found in %zu %s; `seurone reindex` repairs derived indexes, but not damaged entries\n", rc,
            cli_plural((size_t)rc, "problem", "problems"), info.entries, cli_plural(info.entries, "entry", "entries"));
  sr_store_close(st);
  return rc == 0 ? 0 : SR_EXIT_PROBLEM;
}

int cmd_reindex(sr_cli_t *cli, int argc, char **argv) {
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "reindex: unexpected '%s'", argv[1]);
  sr_store_t *st = cli_open_store(cli, 0);
  sr_store_info_t info;
  if (!st) return SR_EXIT_ENV;
  int rc = sr_store_reindex(st, cli_progress, "reindex");
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "reindex failed, the store is unchanged: %s", sr_store_errmsg(st));
    sr_store_close(st);
    return rc;
  }
  if (sr_store_info(st, &info) != 0) {
    rc = cli_fail(SR_EXIT_ENV, "reindex done, but the store could not be counted: %s", sr_store_errmsg(st));
    sr_store_close(st);
    return rc;
  }
  if (cli->json)
    cli_json_print(json_pack("{s:b, s:I, s:I, s:I, s:I}", "ok", 1, "entries", (json_int_t)info.entries, "authors",
                             (json_int_t)info.authors, "edges", (json_int_t)info.edges, "forks",
                             (json_int_t)info.forks));
  else
    printf("reindexed %zu %s: %zu %s, %zu %s, %zu %s, %zu %s, %zu %s\n", info.entries,
           cli_plural(info.entries, "entry", "entries"), info.authors, cli_plural(info.authors, "author", "authors"),
           info.people, cli_plural(info.people, "person", "people"), info.projects,
           cli_plural(info.projects, "project", "projects"), info.edges, cli_plural(info.edges, "edge", "edges"),
           info.forks, cli_plural(info.forks, "fork", "forks"));
  sr_store_close(st);
  return 0;
}

/* ---- compact ---- */

int cmd_compact(sr_cli_t *cli, int argc, char **argv) {
  char path[4200], lock[4200], err[4600];
  sr_store_space_t before;
  uint64_t after = 0;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "compact: unexpected '%s'", argv[1]);
  if (sr_home_check(cli->home, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
  sr_home_store_path(cli->home, path, sizeof(path));
  /* The node's own lock (node/control.c): held, no node can start meanwhile;
   * taken already, a node runs and owns the file. */
  snprintf(lock, sizeof(lock), "%s/control.lock", cli->home);
  int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return cli_fail(SR_EXIT_ENV, "cannot open %s: %s", lock, strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return cli_fail(SR_EXIT_ENV,
                    "a node is running in %s: stop it (`seurone status` shows it), compact, then start it again; "
                    "compacting takes about 1.5 s per 100 MiB in use",
                    cli->home);
  }
  double t0 = (double)cli_now_ms();
  int rc = sr_store_compact(path, cli_progress, "compact (bytes copied)", &before, &after, err, sizeof(err));
  close(fd);
  if (rc == SR_ENOSTORE) return cli_fail(SR_EXIT_ENV, "no store in %s: run `seurone init` first", cli->home);
  if (rc) return cli_fail(SR_EXIT_ENV, "%s", err);
  double secs = ((double)cli_now_ms() - t0) / 1000.0;
  if (cli->json)
    cli_json_print(json_pack("{s:b, s:I, s:I, s:I, s:I, s:f}", "ok", 1, "file_bytes_before",
                             (json_int_t)before.file_bytes, "used_bytes", (json_int_t)before.used_bytes, "free_bytes",
                             (json_int_t)before.free_bytes, "disk_bytes_after", (json_int_t)after, "seconds", secs));
  else
    printf("compacted %s: %.1f MiB before (%.1f MiB free pages), %.1f MiB on disk after, in %.1f s\n", path,
           before.file_bytes / 1048576.0, before.free_bytes / 1048576.0, after / 1048576.0, secs);
  return 0;
}
