/* bench_graphview: building the contact CSR from LMDB (sr_store_graph,
 * store/graphview.c) for a store of A authors x F follows (default 100,000 x 10
 * = 1,000,000 follow edges). Goal (issue): under 1 s per million edges.
 *
 *   bench_graphview [--authors A] [--follows F] [--dir DIR] [--repeat R] [--json]
 *
 * The store is made through the real ingest path: every follow is a signed
 * contact entry ({state: follow, who}) ingested with sr_store_ingest in batches
 * of 5,000 (verification on 2 threads). Making it takes a minute or two, so it is
 * kept in DIR (default /tmp/seurone-bench-graphview-AxF) and reused when DIR/ready
 * exists. It is made in a child process so that this process's peak RSS (VmHWM,
 * printed) covers only the timed graph builds, including the LMDB pages they map
 * (RssFile: the kernel maps up to 16 neighbouring cached pages per fault, so it
 * counts much of the file; RssAnon is the heap the build itself uses).
 * Prints the fastest and the first of R builds, plus the node and edge counts.
 */
#include "core/core.h"
#include "store/graphview.h"
#include "store/store.h"
#include "store/ingest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tools/bench/bench_util.h"
#include "core/metrics.h" /* sr_metric_splitmix64 */

#define BATCH 5000

/* Signs and ingests a x f contact entries: round r holds every author's
 * (r+1)-th follow, so a batch spans many authors as real sync does. Targets are
 * distinct per author, never the author itself (who are drawn from a seeded
 * stream; a power-law-ish choice: half uniform, half among the first tenth). */
static int make_store(const char *dir, size_t a, size_t f) {
  sr_store_t *st;
  char err[512];
  if (sr_store_open(dir, 1, &st, err, sizeof err)) {
    fprintf(stderr, "bench_graphview: %s\n", err);
    return 1;
  }
  uint8_t(*sk)[SR_SECRET_BYTES] = malloc(a * SR_SECRET_BYTES);
  uint8_t(*head)[SR_ID_BYTES] = calloc(a, SR_ID_BYTES);
  uint32_t *who = malloc(a * f * sizeof(uint32_t));
  uint8_t(*raw)[512] = malloc(BATCH * sizeof(*raw));
  sr_ingest_item_t *items = calloc(BATCH, sizeof(*items));
  if (!sk || !head || !who || !raw || !items) return 1;
  for (size_t i = 0; i < a; i++) {
    uint8_t pk[SR_KEY_BYTES], seedb[crypto_sign_SEEDBYTES] = {0};
    memcpy(seedb, "graphview", 9);
    memcpy(seedb + 16, &i, sizeof i);
    crypto_sign_seed_keypair(pk, sk[i], seedb);
  }
  uint64_t rs = 42;
  for (size_t i = 0; i < a; i++)
    for (size_t j = 0; j < f; j++) {
      uint32_t t;
      int dup;
      do {
        uint64_t r = sr_metric_splitmix64(&rs);
        t = (uint32_t)((r & 1) ? (r >> 1) % a : (r >> 1) % (a / 10 + 1));
        dup = t == i;
        for (size_t k = 0; k < j && !dup; k++) dup = who[i * f + k] == t;
      } while (dup);
      who[i * f + j] = t;
    }
  uint64_t ts0 = bench_wall_ms() - a * f - 1000, nts = 0;
  double t0 = bench_now_s();
  size_t done = 0, accepted = 0, total = a * f;
  while (done < total) {
    size_t m = total - done < BATCH ? total - done : BATCH;
    for (size_t j = 0; j < m; j++) {
      size_t k = done + j, r = k / a, i = k % a;
      uint8_t content[20 + SR_KEY_BYTES]; /* the map below: 20 bytes and the key */
      size_t cl = 0;
      /* canonical msgpack: {"state": "follow", "who": bin32} (keys sorted) */
      content[cl++] = 0x82;
      content[cl++] = 0xa5;
      memcpy(content + cl, "state", 5), cl += 5;
      content[cl++] = 0xa6;
      memcpy(content + cl, "follow", 6), cl += 6;
      content[cl++] = 0xa3;
      memcpy(content + cl, "who", 3), cl += 3;
      content[cl++] = 0xc4;
      content[cl++] = SR_KEY_BYTES;
      memcpy(content + cl, sk[who[i * f + r]] + SR_SECRET_PK_OFFSET, SR_KEY_BYTES), cl += SR_KEY_BYTES;
      sr_entry_t e;
      size_t len;
      if (sr_entry_create(sk[i], r + 1, r ? head[i] : NULL, ts0 + nts++, "contact", content, cl, raw[j], sizeof raw[j],
                          &len, &e)) {
        fprintf(stderr, "bench_graphview: entry creation failed\n");
        return 1;
      }
      memcpy(head[i], e.id, SR_ID_BYTES);
      memset(&items[j], 0, sizeof items[j]);
      items[j].raw = raw[j];
      items[j].len = len;
      items[j].flow.source = SR_SRC_IMPORT;
      items[j].flow.received_at = bench_wall_ms();
    }
    sr_ingest_stats_t stats;
    if (sr_store_ingest(st, items, m, 2, bench_wall_ms(), &stats)) {
      fprintf(stderr, "bench_graphview: ingest failed: %s\n", sr_store_errmsg(st));
      return 1;
    }
    accepted += stats.accepted;
    done += m;
    if (done % 100000 == 0)
      fprintf(stderr, "bench_graphview: %zu / %zu entries (%.0f s)\n", done, total, bench_now_s() - t0);
  }
  sr_store_close(st);
  sodium_memzero(sk, a * SR_SECRET_BYTES);
  free(sk);
  free(head);
  free(who);
  free(raw);
  free(items);
  if (accepted != total) {
    fprintf(stderr, "bench_graphview: only %zu of %zu entries accepted\n", accepted, total);
    return 1;
  }
  return 0;
}

static void usage(void) {
  printf(
      "usage: bench_graphview [--authors A] [--follows F] [--dir DIR] [--repeat R] [--json]\n"
      "Times sr_store_graph (contact view) on a store of A authors each following F others\n"
      "(default 100000 x 10), made once through the real ingest path and kept in DIR.\n");
}

int main(int argc, char **argv) {
  size_t a = 100000, f = 10;
  int repeat = 3, json = 0;
  const char *dir = NULL;
  char dirbuf[256], ready[300];
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--authors") && i + 1 < argc) a = bench_num("--authors", argv[++i], 1, UINT32_MAX);
    else if (!strcmp(argv[i], "--follows") && i + 1 < argc)
      f = bench_num("--follows", argv[++i], 0, UINT32_MAX);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = (int)bench_num("--repeat", argv[++i], 1, 1000000);
    else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else {
      fprintf(stderr, "bench_graphview: unknown option %s (see --help)\n", argv[i]);
      return 2;
    }
  }
  if (a < 2 || f < 1 || f >= a || repeat < 1) {
    fprintf(stderr, "bench_graphview: need authors >= 2, 1 <= follows < authors, repeat >= 1\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  if (!dir) {
    snprintf(dirbuf, sizeof dirbuf, "/tmp/seurone-bench-graphview-%zux%zu", a, f);
    dir = dirbuf;
  }
  snprintf(ready, sizeof ready, "%s/ready", dir);
  if (access(ready, F_OK) != 0) {
    fprintf(stderr, "bench_graphview: making the store in %s (%zu signed contact entries)...\n", dir, a * f);
    mkdir(dir, 0700);
    pid_t pid = fork();
    if (pid == 0) _exit(make_store(dir, a, f));
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) return 1;
    FILE *r = fopen(ready, "w");
    if (r) fclose(r);
  }
  sr_store_t *st;
  char err[512];
  if (sr_store_open(dir, 0, &st, err, sizeof err)) {
    fprintf(stderr, "bench_graphview: %s\n", err);
    return 1;
  }
  double best = 1e300, first = 0;
  long anon = 0, file = 0;
  uint32_t n = 0;
  uint64_t m = 0;
  for (int r = 0; r < repeat; r++) {
    sr_graph_t g;
    double t0 = bench_now_s();
    int rc = sr_store_graph(st, SR_VIEW_CONTACT, &g);
    double dt = bench_now_s() - t0;
    if (rc) {
      fprintf(stderr, "bench_graphview: sr_store_graph: %s\n", sr_strerror(rc));
      return 1;
    }
    n = g.n;
    m = g.m;
    anon = bench_status_kib("RssAnon"); /* with the graph still held */
    file = bench_status_kib("RssFile");
    sr_graph_free(&g);
    if (!r) first = dt;
    if (dt < best) best = dt;
  }
  sr_store_close(st);
  long hwm = bench_status_kib("VmHWM");
  if (json)
    printf(
        "{\"nodes\":%u,\"edges\":%llu,\"seconds\":%.6f,\"first_s\":%.6f,\"peak_rss_kib\":%ld,"
        "\"rss_anon_kib\":%ld,\"rss_file_kib\":%ld}\n",
        n, (unsigned long long)m, best, first, hwm, anon, file);
  else
    printf(
        "sr_store_graph contact view: %u nodes, %llu edges: %.3f s (first of %d: %.3f s), %.3f s per 1M edges;\n"
        "peak RSS %ld MiB, of which heap (RssAnon, graph held) %ld MiB and mapped LMDB pages (RssFile) %ld MiB\n",
        n, (unsigned long long)m, best, repeat, first, m ? best * 1e6 / (double)m : 0, hwm / 1024, anon / 1024,
        file / 1024);
  return 0;
}
