/* bench_metrics: times one core/metrics function on a graph read from an edge
 * file, for tools/bench/bench_metrics.py (which runs python-igraph on the same
 * graph in the same run and prints the ratios; see BENCHMARKS.md).
 *
 *   bench_metrics EDGES METRIC [--alpha A] [--tol T] [--max-iter N] [--pivots K]
 *                 [--seed S] [--threads N] [--repeat R] [--out FILE] [--pivots-out FILE]
 *
 * EDGES is "n m" then m lines "u v" (the format of tests/unit/metrics_oracle.py).
 * METRIC: build (sr_graph_build alone), pagerank, wcc, betweenness (exact, or
 * sampled with --pivots K), harmonic; all but wcc on --threads N (0, the
 * default: one per core). Parsing the file is not timed; building the CSR is
 * timed separately (build_s). The metric is run R times (default 1) and the
 * fastest run is reported (seconds, wall; cpu_s, the process's CPU time over
 * all threads in that run), as one JSON object on stdout. --out writes the result
 * (doubles, or uint32 labels) as raw little-endian binary for the driver to
 * compare with igraph; --pivots-out writes the sampled sources (uint32), drawn
 * exactly as sr_metric_betweenness draws them.
 */
#include "core/err.h"
#include "core/metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "tools/bench/bench_util.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)sz + 1);
  if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) buf[sz] = '\0', *len = (size_t)sz;
  return buf;
}

/* Next unsigned decimal in *p (skipping anything else); 0 at the end. */
static int next_u64(char **p, unsigned long long *out) {
  char *s = *p;
  while (*s && (*s < '0' || *s > '9')) s++;
  if (!*s) return 0;
  unsigned long long v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (unsigned)(*s++ - '0');
  *p = s;
  *out = v;
  return 1;
}

static int write_bin(const char *path, const void *data, size_t bytes) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, bytes, f) != bytes) {
    fprintf(stderr, "bench_metrics: cannot write %s\n", path);
    if (f) fclose(f);
    return 1;
  }
  fclose(f);
  return 0;
}

/* CPU seconds of the whole process (every thread): the wall time of a
 * threaded run on a loaded machine says little alone. */
static double cpu_now_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static void usage(void) {
  printf(
      "usage: bench_metrics EDGES build|pagerank|wcc|betweenness|harmonic [--alpha A] [--tol T] [--max-iter N]\n"
      "                    [--pivots K] [--seed S] [--threads N] [--repeat R] [--out FILE] [--pivots-out FILE]\n"
      "Times one structural metric on the graph in EDGES (\"n m\" then m lines \"u v\");\n"
      "prints one JSON object (seconds = fastest of R runs, file parsing excluded).\n");
}

int main(int argc, char **argv) {
  if (argc < 3 || !strcmp(argv[1], "--help")) {
    usage();
    return argc < 3 ? 2 : 0;
  }
  const char *path = argv[1], *metric = argv[2], *out_path = NULL, *piv_path = NULL;
  double alpha = 0.85, tol = 1e-6;
  int max_iter = 100, repeat = 1;
  uint32_t pivots = 0;
  uint64_t seed = 1;
  unsigned threads = 0;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--alpha") && i + 1 < argc) alpha = strtod(argv[++i], NULL);
    else if (!strcmp(argv[i], "--tol") && i + 1 < argc)
      tol = strtod(argv[++i], NULL);
    else if (!strcmp(argv[i], "--max-iter") && i + 1 < argc)
      max_iter = (int)bench_num("--max-iter", argv[++i], 1, INT32_MAX);
    else if (!strcmp(argv[i], "--pivots") && i + 1 < argc)
      pivots = (uint32_t)bench_num("--pivots", argv[++i], 0, UINT32_MAX);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = bench_num("--seed", argv[++i], 0, UINT64_MAX);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = (unsigned)bench_num("--threads", argv[++i], 0, SR_METRIC_MAX_THREADS);
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = (int)bench_num("--repeat", argv[++i], 1, 1000000);
    else if (!strcmp(argv[i], "--out") && i + 1 < argc)
      out_path = argv[++i];
    else if (!strcmp(argv[i], "--pivots-out") && i + 1 < argc)
      piv_path = argv[++i];
    else {
      fprintf(stderr, "bench_metrics: unknown option %s (see --help)\n", argv[i]);
      return 2;
    }
  }
  if (repeat < 1) repeat = 1;

  size_t len;
  char *text = slurp(path, &len), *p = text;
  unsigned long long n, m, a, b;
  if (!text || !next_u64(&p, &n) || !next_u64(&p, &m) || n > UINT32_MAX) {
    fprintf(stderr, "bench_metrics: cannot read %s (want \"n m\" then m lines \"u v\")\n", path);
    return 1;
  }
  uint32_t *src = malloc((m + 1) * sizeof(uint32_t)), *dst = malloc((m + 1) * sizeof(uint32_t));
  if (!src || !dst) return 1;
  for (unsigned long long i = 0; i < m; i++) {
    if (!next_u64(&p, &a) || !next_u64(&p, &b) || a >= n || b >= n) {
      fprintf(stderr, "bench_metrics: %s: edge %llu missing or out of range\n", path, i);
      return 1;
    }
    src[i] = (uint32_t)a;
    dst[i] = (uint32_t)b;
  }
  free(text);

  sr_graph_t g;
  double best_build = 1e300;
  int builds = strcmp(metric, "build") ? 1 : repeat;
  for (int r = 0; r < builds; r++) {
    if (r) sr_graph_free(&g);
    double t0 = bench_now_s();
    int rc = sr_graph_build(&g, (uint32_t)n, src, dst, m);
    double dt = bench_now_s() - t0;
    if (rc) {
      fprintf(stderr, "bench_metrics: sr_graph_build: %s\n", sr_strerror(rc));
      return 1;
    }
    if (dt < best_build) best_build = dt;
  }
  free(src);
  free(dst);

  double best = 0, best_cpu = 0;
  long long result = 0;
  void *res = NULL;
  size_t res_bytes = 0;
  if (strcmp(metric, "build")) {
    int is_double = !strcmp(metric, "pagerank") || !strcmp(metric, "betweenness") || !strcmp(metric, "harmonic");
    if (!is_double && strcmp(metric, "wcc")) {
      fprintf(stderr, "bench_metrics: unknown metric %s (build, pagerank, wcc, betweenness, harmonic)\n", metric);
      return 2;
    }
    res_bytes = (size_t)g.n * (is_double ? sizeof(double) : sizeof(uint32_t));
    res = malloc(res_bytes ? res_bytes : 1);
    best = 1e300;
    for (int r = 0; r < repeat; r++) {
      double t0 = bench_now_s(), c0 = cpu_now_s();
      int rc;
      if (!strcmp(metric, "pagerank")) rc = sr_metric_pagerank_mt(&g, alpha, tol, max_iter, threads, res);
      else if (!strcmp(metric, "wcc"))
        rc = sr_metric_wcc(&g, res);
      else if (!strcmp(metric, "harmonic"))
        rc = sr_metric_harmonic_mt(&g, threads, res, NULL, NULL);
      else
        rc = sr_metric_betweenness_mt(&g, pivots, seed, threads, res, NULL, NULL);
      double dt = bench_now_s() - t0, dc = cpu_now_s() - c0;
      if (rc < 0) {
        fprintf(stderr, "bench_metrics: %s: %s\n", metric, sr_strerror(rc));
        return 1;
      }
      result = rc;
      if (dt < best) best = dt, best_cpu = dc;
    }
  }
  if (out_path && res && write_bin(out_path, res, res_bytes)) return 1;
  if (piv_path && pivots > 0 && pivots < g.n) {
    /* The pivots sr_metric_betweenness drew (core/metrics.c: a partial
     * Fisher-Yates shuffle with the same generator), for igraph to use too. */
    uint32_t *s = malloc((size_t)g.n * sizeof(uint32_t));
    uint64_t st = seed;
    for (uint32_t v = 0; v < g.n; v++) s[v] = v;
    for (uint32_t i = 0; i < pivots; i++) {
      uint32_t j = i + (uint32_t)(sr_metric_splitmix64(&st) % (g.n - i));
      uint32_t t = s[i];
      s[i] = s[j];
      s[j] = t;
    }
    if (write_bin(piv_path, s, pivots * sizeof(uint32_t))) return 1;
    free(s);
  }
  printf(
      "{\"metric\":\"%s\",\"n\":%u,\"m\":%llu,\"build_s\":%.6f,\"seconds\":%.6f,\"cpu_s\":%.6f,\"threads\":%u,"
      "\"result\":%lld,\"peak_rss_kib\":%ld}\n",
      metric, g.n, (unsigned long long)g.m, best_build, best, best_cpu, threads ? threads : sr_metric_threads_default(),
      result, bench_status_kib("VmHWM"));
  free(res);
  sr_graph_free(&g);
  return 0;
}
