/* bench_ingest: the ingest benchmark of issue 3.
 *
 * Generates N signed entries from A authors (deterministic keys; 90% share,
 * 10% contact entries so the graph has edges), then measures in one run:
 *   - raw crypto_sign_verify_detached over the same entries, one core (the floor);
 *   - sr_store_ingest into a fresh store, batches of 5000 (--batch), verification on 1 thread;
 *   - the same with verification on a thread pool of nproc threads;
 *   - bytes on disk per entry;
 *   - optionally (--cli PATH) `seurone import`, `seurone log --all --json` and
 *     `seurone export graph --format graphml` as child processes, with their peak RSS.
 * It can also just write the entries as JSON Lines (--write-jsonl FILE) for tests.
 */
#include "core/core.h"
#include "core/content_build.h"
#include "store/store.h"
#include "store/ingest.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tools/bench/bench_util.h"

typedef struct {
  uint8_t *raw;
  size_t len;
} blob_t;

/* Generates n entries from a authors, interleaved so each batch holds many authors. */
/* Extra characters of text in each share (--pad), to make entries of a given
 * size: --pad 49 gives entries of about 266 bytes, the load of issue 16. */
static size_t g_pad;
static const char g_filler[] =
    " bring gloves, bags and water; we meet at the bridge by the old mill at nine. "
    "everyone is welcome, children too, and there is tea after.";

static blob_t *generate(size_t n, size_t a, uint32_t seed) {
  uint8_t(*sk)[SR_SECRET_BYTES] = malloc(a * SR_SECRET_BYTES);
  uint8_t(*head)[SR_ID_BYTES] = calloc(a, SR_ID_BYTES);
  uint64_t *seq = calloc(a, sizeof(uint64_t));
  blob_t *out = calloc(n, sizeof(*out));
  uint8_t buf[SR_ENTRY_MAX], seedb[crypto_sign_SEEDBYTES] = {0};
  uint64_t ts0 = bench_wall_ms() - (uint64_t)n;
  srand(seed);
  for (size_t i = 0; i < a; i++) {
    uint8_t pk[SR_KEY_BYTES];
    memcpy(seedb, &seed, 4);
    memcpy(seedb + 4, &i, sizeof(i));
    crypto_sign_seed_keypair(pk, sk[i], seedb);
  }
  for (size_t i = 0; i < n; i++) {
    size_t who = i % a;
    uint8_t content[512];
    char text[128 + sizeof(g_filler)]; /* room for any two size_t and the pad: the text is never cut */
    const char *type;
    sr_entry_t e;
    size_t len, clen = 0;
    int rc;
    if (rand() % 10 == 0) {
      size_t other = (size_t)rand() % a;
      type = "contact";
      rc = sr_content_contact(sk[other] + SR_SECRET_PK_OFFSET, SR_FOLLOW, content, sizeof(content), &clen);
    } else {
      snprintf(text, sizeof(text), "update %zu from author %zu: the river cleanup is on saturday%.*s", i, who,
               (int)g_pad, g_filler);
      type = "share";
      rc = sr_content_share(text, NULL, NULL, NULL, content, sizeof(content), &clen);
    }
    if (rc || sr_entry_create(sk[who], seq[who] + 1, seq[who] ? head[who] : NULL, ts0 + i, type, content, clen, buf,
                              sizeof(buf), &len, &e) != 0) {
      fprintf(stderr, "bench_ingest: entry creation failed\n");
      exit(1);
    }
    seq[who]++;
    memcpy(head[who], e.id, SR_ID_BYTES);
    out[i].raw = malloc(len);
    memcpy(out[i].raw, buf, len);
    out[i].len = len;
  }
  sodium_memzero(sk, a * SR_SECRET_BYTES);
  free(sk);
  free(head);
  free(seq);
  return out;
}

static int write_jsonl(const char *path, blob_t *b, size_t n) {
  FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
  if (!f) {
    perror(path);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    char b64[sodium_base64_ENCODED_LEN(SR_ENTRY_MAX, sodium_base64_VARIANT_ORIGINAL)], hex[SR_HEX_ID_LEN + 1],
        ahex[SR_HEX_KEY_LEN + 1];
    sr_entry_t e;
    if (sr_entry_decode(b[i].raw, b[i].len, &e) != 0) {
      fprintf(stderr, "bench_ingest: entry %zu does not decode\n", i);
      exit(1);
    }
    sodium_bin2base64(b64, sizeof(b64), b[i].raw, b[i].len, sodium_base64_VARIANT_ORIGINAL);
    sr_hex_encode(e.id, SR_ID_BYTES, hex);
    sr_hex_encode(e.author, SR_KEY_BYTES, ahex);
    fprintf(f, "{\"id\":\"%s\",\"author\":\"%s\",\"seq\":%llu,\"type\":\"%.*s\",\"raw\":\"%s\"}\n", hex, ahex,
            (unsigned long long)e.seq, (int)e.type_len, e.type, b64);
  }
  if (f != stdout) fclose(f);
  return 0;
}

static double bench_verify(blob_t *b, size_t n) {
  /* Locate body and signature first: the reference times the libsodium call alone. */
  sr_entry_t *e = malloc(n * sizeof(*e));
  for (size_t i = 0; i < n; i++)
    if (sr_entry_decode(b[i].raw, b[i].len, &e[i]) != 0) {
      fprintf(stderr, "bench_ingest: entry %zu does not decode\n", i);
      exit(1);
    }
  double t0 = bench_now_s();
  size_t ok = 0;
  for (size_t i = 0; i < n; i++)
    ok += crypto_sign_verify_detached(e[i].sig, e[i].body, e[i].body_len, e[i].author) == 0;
  double dt = bench_now_s() - t0;
  free(e);
  if (ok != n) {
    fprintf(stderr, "bench_ingest: %zu signatures failed\n", n - ok);
    exit(1);
  }
  return n / dt;
}

static size_t g_batch = 5000; /* the same default as `seurone import` */

/* Where sr_store_ingest's time went over the last bench_ingest run
 * (sr_ingest_stats_t): thread time in the checks, the write transaction's
 * own time, the part of that spent waiting for a check, and the wall time. */
static uint64_t g_check_ns, g_write_ns, g_wait_ns;
static double g_wall_s;

static double bench_ingest(const char *dir, blob_t *b, size_t n, int threads, uint64_t *disk) {
  sr_store_t *st;
  char err[512];
  sr_ingest_item_t *items = calloc(g_batch, sizeof(*items));
  if (sr_store_open(dir, 1, &st, err, sizeof(err))) {
    fprintf(stderr, "bench_ingest: %s\n", err);
    exit(1);
  }
  double t0 = bench_now_s();
  size_t accepted = 0;
  g_check_ns = g_write_ns = g_wait_ns = 0;
  for (size_t i = 0; i < n; i += g_batch) {
    size_t m = n - i < g_batch ? n - i : g_batch;
    sr_ingest_stats_t stats;
    memset(items, 0, m * sizeof(*items));
    for (size_t j = 0; j < m; j++) {
      items[j].raw = b[i + j].raw;
      items[j].len = b[i + j].len;
      items[j].flow.source = SR_SRC_IMPORT;
      items[j].flow.received_at = bench_wall_ms();
    }
    if (sr_store_ingest(st, items, m, threads, bench_wall_ms(), &stats)) {
      fprintf(stderr, "bench_ingest: ingest failed: %s\n", sr_store_errmsg(st));
      exit(1);
    }
    accepted += stats.accepted;
    g_check_ns += stats.check_ns;
    g_write_ns += stats.write_ns;
    g_wait_ns += stats.wait_ns;
  }
  double dt = bench_now_s() - t0;
  g_wall_s = dt;
  if (accepted != n) {
    fprintf(stderr, "bench_ingest: only %zu of %zu accepted\n", accepted, n);
    exit(1);
  }
  sr_store_info_t info;
  if (sr_store_info(st, &info) != 0) {
    fprintf(stderr, "bench_ingest: %s\n", sr_store_errmsg(st));
    exit(1);
  }
  *disk = info.file_bytes;
  sr_store_close(st);
  free(items);
  return n / dt;
}

/* Runs argv with stdout to /dev/null; returns seconds and the child's peak RSS in KiB. */
static double run_child(char *const argv[], long *maxrss_kb) {
  double t0 = bench_now_s();
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stdout)) _exit(127);
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  double dt = bench_now_s() - t0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench_ingest: %s %s exited with %d\n", argv[0], argv[1], WEXITSTATUS(status));
    exit(1);
  }
  *maxrss_kb = ru.ru_maxrss;
  return dt;
}

static void usage(void) {
  printf(
      "usage: bench_ingest [--entries N] [--authors A] [--threads T] [--batch B] [--seed S] [--pad P] [--dir DIR]\n"
      "                    [--cli PATH-TO-seurone] [--json] | --write-jsonl FILE\n"
      "Measures ingest against the raw ed25519 verify rate on the same entries.\n"
      "--write-jsonl only writes the generated entries in `seurone export entries` form.\n");
}

int main(int argc, char **argv) {
  size_t n = 100000, a = 1000;
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), json = 0;
  uint32_t seed = 1;
  const char *jsonl = NULL, *cli = NULL, *dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--entries") && i + 1 < argc) n = bench_num("--entries", argv[++i], 1, UINT32_MAX);
    else if (!strcmp(argv[i], "--authors") && i + 1 < argc)
      a = bench_num("--authors", argv[++i], 1, UINT32_MAX);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = (int)bench_num("--threads", argv[++i], 0, 1024);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = (uint32_t)bench_num("--seed", argv[++i], 0, UINT32_MAX);
    else if (!strcmp(argv[i], "--write-jsonl") && i + 1 < argc)
      jsonl = argv[++i];
    else if (!strcmp(argv[i], "--cli") && i + 1 < argc)
      cli = argv[++i];
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      g_batch = bench_num("--batch", argv[++i], 1, UINT32_MAX);
    else if (!strcmp(argv[i], "--pad") && i + 1 < argc)
      g_pad = (size_t)bench_num("--pad", argv[++i], 0, sizeof(g_filler) - 1);
    else if (!strcmp(argv[i], "--json"))
      json = 1;
    else {
      usage();
      return strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  if (sodium_init() < 0 || n == 0 || a == 0) return 2;
  if (!json && !jsonl) fprintf(stderr, "generating %zu entries from %zu authors...\n", n, a);
  blob_t *b = generate(n, a, seed);
  if (jsonl) {
    int rc = write_jsonl(jsonl, b, n);
    for (size_t i = 0; i < n; i++) free(b[i].raw);
    free(b);
    return rc;
  }

  char tmp[] = "/tmp/sr-bench-XXXXXX", d1[300], d2[300], home[300], cmd[700], file[300];
  const char *base = dir ? dir : mkdtemp(tmp);
  snprintf(d1, sizeof(d1), "%s/store-1thread", base);
  snprintf(d2, sizeof(d2), "%s/store-pool", base);
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += b[i].len;

  double verify = bench_verify(b, n);
  uint64_t disk1, disk2;
  double ing1 = bench_ingest(d1, b, n, 1, &disk1);
  double ingp = bench_ingest(d2, b, n, threads, &disk2);
  /* The pool run's stages, as shares of their sum: checks in thread time,
   * the write transaction without its waits. */
  double st_check = g_check_ns / 1e9, st_write = (double)g_write_ns / 1e9, st_wait = g_wait_ns / 1e9;
  double st_sum = st_check + st_write > 0 ? st_check + st_write : 1;
  double verify2 = bench_verify(b, n); /* again, to show the reference was stable */
  double ref = (verify + verify2) / 2;

  json_t *out = json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:f}", "entries", (json_int_t)n, "authors",
                          (json_int_t)a, "verify_per_s", ref, "ingest_1thread_per_s", ing1, "ratio_1thread", ing1 / ref,
                          "ingest_pool_per_s", ingp, "pool_threads", threads, "ratio_pool", ingp / ref,
                          "disk_bytes_per_entry", (double)disk1 / n, "entry_bytes_mean", (double)bytes / n);
  json_object_set_new(out, "pool_stage_checks_share", json_real(st_check / st_sum));
  json_object_set_new(out, "pool_stage_write_share", json_real(st_write / st_sum));
  json_object_set_new(out, "pool_write_wait_s", json_real(st_wait));
  json_object_set_new(out, "pool_wall_s", json_real(g_wall_s));
  if (cli) {
    long rss_import, rss_log, rss_graph;
    snprintf(home, sizeof(home), "%s/home", base);
    snprintf(file, sizeof(file), "%s/entries.jsonl", base);
    write_jsonl(file, b, n);
    snprintf(cmd, sizeof(cmd), "%s --home %s init >/dev/null 2>&1", cli, home);
    if (system(cmd) != 0) {
      fprintf(stderr, "bench_ingest: %s init failed\n", cli);
      return 1;
    }
    char *imp[] = {(char *)cli, "--home", home, "import", file, NULL};
    char *lg[] = {(char *)cli, "--home", home, "log", "--all", "--json", NULL};
    char *gr[] = {(char *)cli, "--home", home, "export", "graph", "--format", "graphml", NULL};
    double ti = run_child(imp, &rss_import);
    double tl = run_child(lg, &rss_log);
    double tg = run_child(gr, &rss_graph);
    json_object_set_new(out, "cli_import_per_s", json_real(n / ti));
    json_object_set_new(out, "cli_import_ratio", json_real(n / ti / ref));
    json_object_set_new(out, "cli_import_peak_rss_kb", json_integer(rss_import));
    json_object_set_new(out, "cli_log_all_json_s", json_real(tl));
    json_object_set_new(out, "cli_log_peak_rss_kb", json_integer(rss_log));
    json_object_set_new(out, "cli_export_graphml_s", json_real(tg));
    json_object_set_new(out, "cli_export_peak_rss_kb", json_integer(rss_graph));
  }
  if (json) {
    json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
  } else {
    printf("entries %zu from %zu authors, mean entry %.0f bytes\n", n, a, (double)bytes / n);
    printf("%-44s %12.0f /s\n", "raw crypto_sign_verify_detached (1 core)", ref);
    printf("%-44s %12.0f /s  ratio %.2f\n", "sr_store_ingest, verify on 1 thread", ing1, ing1 / ref);
    printf("%-40s %3d %12.0f /s  ratio %.2f\n", "sr_store_ingest, verify pool threads", threads, ingp, ingp / ref);
    printf(
        "%-44s checks %.0f%%  write %.0f%%  (checks %.2f thread-s, write %.2f s, its wait for checks %.2f s, "
        "wall %.2f s)\n",
        "  pool run stage shares", 100 * st_check / st_sum, 100 * st_write / st_sum, st_check, st_write, st_wait,
        g_wall_s);
    printf("%-44s %12.0f bytes\n", "store on disk per entry", (double)disk1 / n);
    if (cli) {
      printf("%-44s %12.0f /s  ratio %.2f  peak RSS %lld KiB\n", "seurone import (JSON Lines, verify pool)",
             json_real_value(json_object_get(out, "cli_import_per_s")),
             json_real_value(json_object_get(out, "cli_import_ratio")),
             (long long)json_integer_value(json_object_get(out, "cli_import_peak_rss_kb")));
      printf("%-44s %12.2f s   peak RSS %lld KiB\n", "seurone log --all --json",
             json_real_value(json_object_get(out, "cli_log_all_json_s")),
             (long long)json_integer_value(json_object_get(out, "cli_log_peak_rss_kb")));
      printf("%-44s %12.2f s   peak RSS %lld KiB\n", "seurone export graph --format graphml",
             json_real_value(json_object_get(out, "cli_export_graphml_s")),
             (long long)json_integer_value(json_object_get(out, "cli_export_peak_rss_kb")));
    }
  }
  json_decref(out);
  for (size_t i = 0; i < n; i++) free(b[i].raw);
  free(b);
  if (!dir) {
    snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
    if (system(cmd) != 0) fprintf(stderr, "bench_ingest: could not remove %s\n", base);
  }
  return 0;
}
