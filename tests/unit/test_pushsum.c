/* test_pushsum.c: push-sum aggregation (core/pushsum.c): exact mass
 * conservation, convergence on a complete graph and a ring of 20 nodes driven
 * here, smaller-key takeover, epoch rollover, implausible messages, the config
 * keys, and the --trace run tools/sim/pushsum.py mirrors; main also runs the
 * frame codec's tests with malformed inputs (core/frame.c, test_pushsum_frame.c). */
#include "tests/unit/test_pushsum.h"
#include "core/pushsum.h"
#include "node/config.h"
#include <math.h>

#include <float.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) { /* xorshift64: reproducible runs */
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

typedef struct node {
  sr_pushsum_t ps;
  double own[SR_PUSHSUM_NVALUES];
} node_t;

/* n nodes with random keys and own values (entries i*10, sessions 1..3, rate i/2). */
static node_t *make_nodes(int n, uint64_t epoch, int *min_idx) {
  node_t *v = calloc((size_t)n, sizeof(*v));
  *min_idx = 0;
  for (int i = 0; i < n; i++) {
    uint8_t key[SR_KEY_BYTES];
    for (size_t k = 0; k < SR_KEY_BYTES; k += 8) {
      uint64_t r = rnd();
      memcpy(key + k, &r, 8);
    }
    sr_pushsum_init(&v[i].ps, key);
    v[i].own[0] = 10.0 * i;
    v[i].own[1] = 1 + i % 3;
    v[i].own[2] = i / 2.0;
    T_EQ(sr_pushsum_rollover(&v[i].ps, epoch, v[i].own), 1);
    if (memcmp(key, v[*min_idx].ps.self, SR_KEY_BYTES) < 0) *min_idx = i;
  }
  return v;
}

static double true_avg(const node_t *v, int n, int q) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i].own[q];
  return s / n;
}

/* Sum of the min instance's mass held by nodes plus messages in flight. */
static void min_mass(const node_t *v, int n, const sr_pushsum_msg_t *fl, int nfl, const uint8_t *key, double out[5]) {
  memset(out, 0, 5 * sizeof(double));
  for (int i = 0; i < n + nfl; i++) {
    const sr_pushsum_msg_t *m = i < n ? &v[i].ps.cur : &fl[i - n];
    if (memcmp(m->key, key, SR_KEY_BYTES)) continue;
    out[0] += m->w;
    out[1] += m->c;
    for (int q = 0; q < SR_PUSHSUM_NVALUES; q++) out[2 + q] += m->x[q];
  }
}

/* Random asynchronous exchanges on a complete graph of 12 nodes, with up to 16
 * messages in flight delivered in random order. Before every node has joined the
 * smallest instance its c is short by the unjoined nodes; after, the mass is
 * (1, N, sum of own) to double rounding (1e-12 relative: a lost or doubled
 * message would be off by 2^-k, far more). */
static void mass_is_conserved(void) {
  enum { N = 12, FL = 16 };
  int mi;
  node_t *v = make_nodes(N, 7, &mi);
  sr_pushsum_msg_t fl[FL];
  int nfl = 0;
  double want_x[SR_PUSHSUM_NVALUES] = {0};
  for (int i = 0; i < N; i++)
    for (int q = 0; q < SR_PUSHSUM_NVALUES; q++) want_x[q] += v[i].own[q];
  for (int step = 0; step < 20000; step++) {
    if (nfl < FL && (nfl == 0 || rnd() % 2)) {
      sr_pushsum_halve(&v[rnd() % N].ps, &fl[nfl++]);
    } else {
      int k = (int)(rnd() % (uint64_t)nfl), to = (int)(rnd() % N);
      if (sr_pushsum_plausible(&fl[k], 102)) sr_pushsum_absorb(&v[to].ps, &fl[k], v[to].own);
      fl[k] = fl[--nfl];
    }
    double m[5];
    int joined = 0;
    for (int i = 0; i < N; i++) joined += memcmp(v[i].ps.cur.key, v[mi].ps.self, SR_KEY_BYTES) == 0;
    min_mass(v, N, fl, nfl, v[mi].ps.self, m);
    T_CHECK(fabs(m[0] - 1.0) < 1e-12); /* w: nobody ever drops the smallest instance */
    if (joined == N) {
      T_CHECK(fabs(m[1] - N) < 1e-12 * N);
      for (int q = 0; q < SR_PUSHSUM_NVALUES; q++) T_CHECK(fabs(m[2 + q] - want_x[q]) <= 1e-12 * want_x[q]);
    }
  }
  for (int i = 0; i < N; i++) T_MEMEQ(v[i].ps.cur.key, v[mi].ps.self, SR_KEY_BYTES);
  free(v);
}

/* Round-synchronous push-sum over a graph given as adjacency lists: each round
 * every node halves towards one random neighbour, then all messages land.
 * Returns the first round after which every node's size and average estimates
 * are within tol (relative), or -1 within max_rounds. A node has at most NBR_MAX
 * neighbours. */
#define NBR_MAX 32
static int run_graph(int n, int (*nbrs)[NBR_MAX], const int *deg, int max_rounds, double tol) {
  int mi;
  node_t *v = make_nodes(n, 1000, &mi);
  sr_pushsum_msg_t *out = calloc((size_t)n, sizeof(*out));
  int *dst = calloc((size_t)n, sizeof(int)), hit = -1;
  double avg0 = true_avg(v, n, 0), avg1 = true_avg(v, n, 1);
  for (int r = 1; r <= max_rounds && hit < 0; r++) {
    for (int i = 0; i < n; i++) {
      sr_pushsum_halve(&v[i].ps, &out[i]);
      dst[i] = nbrs[i][rnd() % (uint64_t)deg[i]];
    }
    for (int i = 0; i < n; i++) sr_pushsum_absorb(&v[dst[i]].ps, &out[i], v[dst[i]].own);
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
      sr_pushsum_est_t e;
      sr_pushsum_estimate(&v[i].ps, &e);
      ok = e.valid && fabs(e.size - n) <= tol * n && fabs(e.avg[0] - avg0) <= tol * avg0 &&
           fabs(e.avg[1] - avg1) <= tol * avg1 && memcmp(e.leader, v[mi].ps.self, SR_KEY_BYTES) == 0;
    }
    if (ok) hit = r;
  }
  free(out);
  free(dst);
  free(v);
  return hit;
}

static void converges_complete_and_ring(void) {
  enum { N = 20 };
  static int nb[N][NBR_MAX];
  int deg[N];
  for (int i = 0; i < N; i++) {
    deg[i] = 0;
    for (int j = 0; j < N; j++)
      if (j != i) nb[i][deg[i]++] = j;
  }
  int rc = run_graph(N, nb, deg, 200, 0.01);
  fprintf(stderr, "   complete graph of 20: within 1%% after %d rounds\n", rc);
  T_CHECK(rc > 0);
  rc = run_graph(N, nb, deg, 400, 0.001);
  fprintf(stderr, "   complete graph of 20: within 0.1%% after %d rounds\n", rc);
  T_CHECK(rc > 0);
  for (int i = 0; i < N; i++) {
    deg[i] = 2;
    nb[i][0] = (i + 1) % N;
    nb[i][1] = (i + N - 1) % N;
  }
  rc = run_graph(N, nb, deg, 5000, 0.01);
  fprintf(stderr, "   ring of 20: within 1%% after %d rounds\n", rc);
  T_CHECK(rc > 0);
  /* Two nodes that never talk: no estimate can be right (the test can fail). */
  deg[0] = deg[1] = 1;
  nb[0][0] = 0;
  nb[1][0] = 1;
  T_EQ(run_graph(2, nb, deg, 300, 0.01), -1);
}

static void smaller_key_takes_over(void) {
  uint8_t ka[SR_KEY_BYTES], kb[SR_KEY_BYTES], kc[SR_KEY_BYTES];
  double own[SR_PUSHSUM_NVALUES] = {5, 2, 0};
  sr_pushsum_t a;
  sr_pushsum_msg_t m;
  memset(ka, 0x10, SR_KEY_BYTES);
  memset(kb, 0x05, SR_KEY_BYTES);
  memset(kc, 0x08, SR_KEY_BYTES);
  sr_pushsum_init(&a, ka);
  T_EQ(sr_pushsum_rollover(&a, 3, own), 1);
  T_MEMEQ(a.cur.key, ka, SR_KEY_BYTES);
  T_CHECK(a.cur.w == 1.0 && a.cur.c == 1.0);
  /* B's half: a smaller key, so A drops its own instance and joins B's with (0, 1, own). */
  memset(&m, 0, sizeof(m));
  m.epoch = 3;
  memcpy(m.key, kb, SR_KEY_BYTES);
  m.w = 0.5;
  m.c = 0.5;
  m.x[0] = 7;
  m.x[1] = 1;
  T_EQ(sr_pushsum_absorb(&a, &m, own), SR_PUSHSUM_SWITCHED);
  T_MEMEQ(a.cur.key, kb, SR_KEY_BYTES);
  T_CHECK(a.cur.w == 0.5 && a.cur.c == 1.5);
  T_CHECK(a.cur.x[0] == 12 && a.cur.x[1] == 3);
  /* C's key is smaller than A's own but larger than B's: ignored, nothing changes. */
  sr_pushsum_t before = a;
  memcpy(m.key, kc, SR_KEY_BYTES);
  T_EQ(sr_pushsum_absorb(&a, &m, own), SR_PUSHSUM_IGNORED);
  T_MEMEQ(&before.cur, &a.cur, sizeof(a.cur));
  /* More of B's: added, own values not added a second time. */
  memcpy(m.key, kb, SR_KEY_BYTES);
  T_EQ(sr_pushsum_absorb(&a, &m, own), SR_PUSHSUM_ADDED);
  T_CHECK(a.cur.w == 1.0 && a.cur.c == 2.0 && a.cur.x[0] == 19);
  sr_pushsum_est_t e;
  sr_pushsum_estimate(&a, &e);
  T_CHECK(e.valid);
  T_CHECK(fabs(e.size - 2.0) < 1e-12);
  T_CHECK(fabs(e.avg[0] - 9.5) < 1e-9);
  T_CHECK(fabs(e.avg[1] - 2.0) < 1e-9);
  /* Halving: what goes out equals what stays, and they add up to the whole even
   * after 1000 halvings in a row (a starved node; fixed point would be 0 here). */
  a.cur.c = 7;
  T_EQ(a.rounds, 0);
  sr_pushsum_halve(&a, &m);
  T_CHECK(m.c == 3.5 && a.cur.c == 3.5);
  T_EQ(a.rounds, 1);
  T_MEMEQ(m.key, kb, SR_KEY_BYTES);
  T_EQ(m.epoch, 3);
  double ratio = a.cur.x[0] / a.cur.c;
  for (int i = 0; i < 1000; i++) sr_pushsum_halve(&a, &m);
  T_CHECK(a.cur.c > 0 && m.c == a.cur.c);
  T_CHECK(a.cur.x[0] / a.cur.c == ratio);
}

static void epoch_rollover(void) {
  uint8_t k[SR_KEY_BYTES], small[SR_KEY_BYTES];
  double own[SR_PUSHSUM_NVALUES] = {1, 1, 1};
  sr_pushsum_t a;
  sr_pushsum_msg_t m;
  memset(k, 0x40, SR_KEY_BYTES);
  memset(small, 0x01, SR_KEY_BYTES);
  T_EQ(sr_pushsum_epoch_of(0, 60), 0);
  T_EQ(sr_pushsum_epoch_of(59999, 60), 0);
  T_EQ(sr_pushsum_epoch_of(60000, 60), 1);
  T_EQ(sr_pushsum_epoch_of(1764000000000ull, 60), 29400000);
  T_EQ(sr_pushsum_epoch_of(12345, 0), 12); /* 0 treated as 1 s, never a division by zero */

  sr_pushsum_init(&a, k);
  sr_pushsum_estimate(&a, &(sr_pushsum_est_t){0});
  T_EQ(sr_pushsum_rollover(&a, 5, own), 1);
  T_EQ(sr_pushsum_rollover(&a, 5, own), 0); /* same epoch: nothing */
  T_EQ(sr_pushsum_rollover(&a, 4, own), 0); /* clock went back: nothing */
  T_EQ(a.cur.epoch, 5);
  /* Make A's epoch-5 estimate 4 nodes: it holds w = 1/4, c = 1. */
  a.cur.w = 0.25;
  sr_pushsum_halve(&a, &m);
  sr_pushsum_absorb(&a, &m, own);
  T_EQ(a.rounds, 1);
  /* An older epoch's frame is discarded whole. */
  memset(&m, 0, sizeof(m));
  m.epoch = 4;
  memcpy(m.key, small, SR_KEY_BYTES);
  m.w = 1;
  sr_pushsum_msg_t keep = a.cur;
  T_EQ(sr_pushsum_absorb(&a, &m, own), SR_PUSHSUM_STALE);
  T_MEMEQ(&keep, &a.cur, sizeof(keep));
  /* A newer epoch's frame rolls A over first: epoch 5 becomes prev (stable value),
   * A starts its own epoch-6 instance, then joins the sender's smaller one. */
  m.epoch = 6;
  m.w = 0.5;
  m.c = 0.5;
  T_EQ(sr_pushsum_absorb(&a, &m, own), SR_PUSHSUM_SWITCHED);
  T_EQ(a.prev.epoch, 5);
  T_CHECK(a.prev.valid);
  T_CHECK(fabs(a.prev.size - 4.0) < 1e-9);
  T_EQ(a.prev.rounds, 1);
  T_MEMEQ(a.prev.leader, k, SR_KEY_BYTES);
  T_EQ(a.cur.epoch, 6);
  T_MEMEQ(a.cur.key, small, SR_KEY_BYTES);
  T_CHECK(a.cur.w == 0.5 && a.cur.c == 1.5);
  T_EQ(a.rounds, 0);
  /* A node holding no weight has no estimate yet (not a division by zero). */
  sr_pushsum_t b;
  sr_pushsum_est_t e;
  sr_pushsum_init(&b, k);
  sr_pushsum_rollover(&b, 6, own);
  m.w = 0;
  sr_pushsum_absorb(&b, &m, own);
  sr_pushsum_estimate(&b, &e);
  T_EQ(e.valid, 0);
  /* A hostile peer's huge numbers: a sum that would be infinite is dropped. */
  m.w = DBL_MAX;
  T_EQ(sr_pushsum_absorb(&b, &m, own), SR_PUSHSUM_ADDED);
  T_EQ(sr_pushsum_absorb(&b, &m, own), SR_PUSHSUM_IGNORED);
  T_CHECK(b.cur.w == DBL_MAX);
  /* A weight so small that c/w is infinite: no estimate, not an infinity. */
  b.cur.w = 1e-320;
  b.cur.c = 1;
  sr_pushsum_estimate(&b, &e);
  T_EQ(e.valid, 0);
}

/* What a hostile peer could send to freeze or skew every estimate is dropped. */
static void implausible_messages(void) {
  sr_pushsum_msg_t m;
  memset(&m, 0, sizeof(m));
  m.epoch = 100;
  m.w = 0.5;
  m.c = 3;
  T_EQ(sr_pushsum_plausible(&m, 100), 1);
  T_EQ(sr_pushsum_plausible(&m, 99), 1);   /* one epoch of clock skew */
  T_EQ(sr_pushsum_plausible(&m, 98), 0);   /* two: a future epoch, dropped */
  T_EQ(sr_pushsum_plausible(&m, 5000), 1); /* an old epoch: absorb calls it stale */
  m.epoch = UINT64_MAX;
  T_EQ(sr_pushsum_plausible(&m, 100), 0);
  m.epoch = 100;
  m.w = 1.0;
  T_EQ(sr_pushsum_plausible(&m, 100), 1); /* the whole weight, at the leader's first send */
  m.w = 1.5;
  T_EQ(sr_pushsum_plausible(&m, 100), 0); /* more than an instance holds */
  m.w = 1e300;
  T_EQ(sr_pushsum_plausible(&m, 100), 0);
  m.w = 0.5;
  m.c = 1e15; /* the probe's frame: one of these set every size estimate to 10^15 */
  T_EQ(sr_pushsum_plausible(&m, 100), 0);
  m.c = SR_PUSHSUM_MAX_NODES;
  T_EQ(sr_pushsum_plausible(&m, 100), 1);
  m.c = 3;
  m.x[SR_PUSHSUM_X_SESSIONS] = 3 * SR_PUSHSUM_MAX_SESSIONS; /* an average at the bound */
  T_EQ(sr_pushsum_plausible(&m, 100), 1);
  m.x[SR_PUSHSUM_X_SESSIONS] = 4 * SR_PUSHSUM_MAX_SESSIONS; /* more than any node can have */
  T_EQ(sr_pushsum_plausible(&m, 100), 0);
  m.x[SR_PUSHSUM_X_SESSIONS] = 0;
  m.w = -0.0 - 1; /* the decoder refuses these already; the bound says so too */
  T_EQ(sr_pushsum_plausible(&m, 100), 0);
  m.w = NAN;
  T_EQ(sr_pushsum_plausible(&m, 100), 0);
}

/* The worst one plausible frame can do: the estimate moves, but never past the
 * size bound; one more absurd than that leaves no estimate rather than a lie. */
static void one_frame_bounded(void) {
  uint8_t a[SR_KEY_BYTES], b[SR_KEY_BYTES];
  double own[SR_PUSHSUM_NVALUES] = {10, 2, 1};
  sr_pushsum_t ps;
  sr_pushsum_est_t e;
  memset(a, 0x50, SR_KEY_BYTES);
  memset(b, 0x10, SR_KEY_BYTES); /* the smaller key: the receiver switches to it */
  sr_pushsum_init(&ps, a);
  sr_pushsum_rollover(&ps, 7, own);
  sr_pushsum_msg_t m = {.epoch = 7, .w = 1.0, .c = SR_PUSHSUM_MAX_NODES - 1};
  memcpy(m.key, b, SR_KEY_BYTES);
  T_EQ(sr_pushsum_plausible(&m, 7), 1);
  sr_pushsum_absorb(&ps, &m, own);
  sr_pushsum_estimate(&ps, &e);
  T_EQ(e.valid, 1);
  T_CHECK(e.size <= SR_PUSHSUM_MAX_NODES);
  m.w = 0x1p-60; /* a plausible c over almost no weight: c/w far past the bound */
  m.c = 1000;
  sr_pushsum_init(&ps, a);
  sr_pushsum_rollover(&ps, 7, own);
  sr_pushsum_absorb(&ps, &m, own);
  sr_pushsum_estimate(&ps, &e);
  T_EQ(e.valid, 0);
}

/* The config keys pushsum_epoch and pushsum_interval_ms (node/config.c). */
static void config_keys(void) {
  char dir[256], path[300], err[700];
  sr_config_t cfg;
  static const struct {
    const char *text;
    int ok;
  } cases[] = {
      {"pushsum_epoch = 4\npushsum_interval_ms = 100\n", 1},
      {"pushsum_epoch = 0\n", 0},
      {"pushsum_epoch = 86401\n", 0},
      {"pushsum_interval_ms = 9\n", 0},
      {"pushsum_interval_ms = 1s\n", 0},
      {"pushsum_epoch = 4\npushsum_epoch = 5\n", 0},
  };
  sr_config_defaults(&cfg);
  T_EQ(cfg.pushsum_epoch, 60);
  T_EQ(cfg.pushsum_interval_ms, 300);
  t_tmpdir(dir);
  snprintf(path, sizeof(path), "%s/config", dir);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    FILE *f = fopen(path, "w");
    T_CHECK(f != NULL);
    fputs(cases[i].text, f);
    fclose(f);
    int rc = sr_config_load(dir, &cfg, err, sizeof(err));
    if (cases[i].ok) {
      T_OK(rc);
      T_EQ(cfg.pushsum_epoch, 4);
      T_EQ(cfg.pushsum_interval_ms, 100);
    } else {
      T_EQ(rc, SR_EINVAL);
      T_HAS(err, "pushsum_");
    }
  }
  t_rmdir(dir);
}

/* `test_pushsum --trace`: a fixed pseudo-random run (two epochs mixed, random
 * delivery order, a rollover in the middle) printed as the exact bit patterns of
 * every node's state. tools/sim/pushsum.py --mirror-check replays the same run
 * with its Python rules and must print the same bits (ctest unit_pushsum_mirror). */
static void trace(void) {
  enum { N = 30, FL = 40, STEPS = 6000 };
  static node_t v[N];
  sr_pushsum_msg_t fl[FL];
  int nfl = 0;
  rng = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < N; i++) {
    uint8_t key[SR_KEY_BYTES];
    for (size_t k = 0; k < SR_KEY_BYTES; k += 8) {
      uint64_t r = rnd();
      memcpy(key + k, &r, 8); /* little-endian, as the Python side assumes */
    }
    sr_pushsum_init(&v[i].ps, key);
    for (int q = 0; q < SR_PUSHSUM_NVALUES; q++) v[i].own[q] = (double)(rnd() % 10000) / 16.0;
    sr_pushsum_rollover(&v[i].ps, 100 + (uint64_t)(i % 2), v[i].own);
  }
  for (int step = 0; step < STEPS; step++) {
    if (step == STEPS / 2)
      for (int i = 0; i < N; i++) sr_pushsum_rollover(&v[i].ps, 102, v[i].own);
    uint64_t r = rnd();
    if (nfl < FL && (nfl == 0 || r % 3 != 0)) {
      sr_pushsum_halve(&v[rnd() % N].ps, &fl[nfl++]);
    } else {
      int k = (int)(rnd() % (uint64_t)nfl), to = (int)(rnd() % N);
      if (sr_pushsum_plausible(&fl[k], 102)) sr_pushsum_absorb(&v[to].ps, &fl[k], v[to].own);
      fl[k] = fl[--nfl];
    }
  }
  for (int i = 0; i < N; i++) {
    const sr_pushsum_t *ps = &v[i].ps;
    char hex[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(ps->cur.key, SR_KEY_BYTES, hex);
    printf("%d %llu %.16s %016llx %016llx", i, (unsigned long long)ps->cur.epoch, hex,
           (unsigned long long)t_bits(ps->cur.w), (unsigned long long)t_bits(ps->cur.c));
    for (int q = 0; q < SR_PUSHSUM_NVALUES; q++) printf(" %016llx", (unsigned long long)t_bits(ps->cur.x[q]));
    printf(" %llu %d %016llx\n", (unsigned long long)ps->rounds, ps->prev.valid,
           (unsigned long long)(ps->prev.valid ? t_bits(ps->prev.size) : 0));
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--trace")) {
    trace();
    return 0;
  }
  T_RUN(mass_is_conserved);
  T_RUN(converges_complete_and_ring);
  T_RUN(smaller_key_takes_over);
  T_RUN(epoch_rollover);
  T_RUN(implausible_messages);
  T_RUN(one_frame_bounded);
  T_RUN(frame_roundtrip_and_rejects);
  T_RUN(config_keys);
  fprintf(stderr, "test_pushsum: %d checks passed\n", t_checks);
  return 0;
}
