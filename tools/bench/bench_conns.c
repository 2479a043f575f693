/* bench_conns.c: many real sessions against one running relay (issue 15, "Load").
 *
 *   bench_conns --invite CODE --relay-pid PID [--sessions N] [--publishers P]
 *               [--follows K] [--extra E] [--idle-s S] [--rate R] [--publish-s S]
 *               [--burst M] [--ping-ms MS] [--step] [--soak SECONDS --churn C]
 *
 * Every session is a real gossip peer over loopback (TCP, SHS, Box Stream; a
 * fresh key each) that redeems CODE (an invite of `--uses` enough) and so is
 * the relay's member. The first P are publishers: each sends its own log's
 * entries, signed here. The others are receivers: each follows K publishers
 * (notes for them, eager) and counts what the relay forwards; a receiver
 * checks it gets each seq once and in order. Sessions ping every MS.
 *
 * Phases, one JSON line each with the relay's RSS, peak RSS, CPU-seconds and
 * open fds (/proc/PID) and this program's own CPU-seconds:
 *   base     E extra keys redeemed and gone; no session open
 *   open     N sessions opened and welcomed
 *   idle     after S seconds of N idle sessions (pings only)
 *   cap      E extra members and one stranger dial while N are open: how each
 *            one ends (with max_conns = N, all are refused), and whether the N
 *            sessions all lasted
 *   publish  (with --rate) each publisher publishes R entries a second for S
 *            seconds; the phase ends when every receiver holds all it follows
 *   burst    (with --burst) each publisher queues M entries at once: the
 *            relay's forwarding rate when the client does not pace it
 *   closed   every session ended with a goodbye, 2 s later
 * --step waits for a line on stdin after each phase (tests look at the relay
 * then). --soak SECONDS: N sessions and N/2 spare member keys; every second C
 * receivers leave (half with a goodbye, half just closing) and C spare keys
 * join in their place, resuming from the seq they held; publishers publish R
 * a second; a sample line every 10 s; the closed line at the end.
 * The last line is a JSON summary. Exit 0 when every session opened, nothing
 * arrived twice or out of order and every receiver caught up; 1 otherwise.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "core/content_build.h"
#include "core/hex.h"
#include "tools/bench/bench_conns_sess.h"

#define TICK_MS 10
#define DRAIN_MS 60000
#define CAP_WAIT_MS 5000
#define STDIN_TAG UINT32_MAX
#define PROC_PATH_MAX 64 /* "/proc/PID/status" */

typedef struct relay_sample {
  long rss_kib, hwm_kib, anon_kib, file_kib;
  double cpu_s, self_cpu_s;
  int fds;
} relay_sample_t;

typedef struct pub {
  uint64_t seq;
  uint64_t ts;
  uint8_t head[SR_ID_BYTES];
} pub_t;

static struct {
  int n, npub, k, extra, spare, step, churn;
  double idle_s, publish_s, soak_s, rate;
  int burst, ping_ms, pid;
} opt = {500, 50, 5, 2, 0, 0, 5, 10, 20, 0, 0, 0, 60000, 0}; /* no publish phase unless --rate */

static sess_world_t wd;
static uint8_t (*pk)[SR_KEY_BYTES], (*sk)[SR_SECRET_BYTES];
static sess_pos_t *pos; /* per key; publishers have none */
static pub_t *pubs;
static sess_t *ss; /* the N slots */
static int ep = -1, failures;
static double last_ping_ms;

static relay_sample_t sample(void) {
  relay_sample_t s = {-1, -1, -1, -1, -1, 0, 0};
  char path[PROC_PATH_MAX], line[256];
  struct rusage ru;
  snprintf(path, sizeof path, "/proc/%d/status", opt.pid);
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmRSS:", 6)) s.rss_kib = strtol(line + 6, NULL, 10);
    if (!strncmp(line, "VmHWM:", 6)) s.hwm_kib = strtol(line + 6, NULL, 10);
    if (!strncmp(line, "RssAnon:", 8)) s.anon_kib = strtol(line + 8, NULL, 10);
    if (!strncmp(line, "RssFile:", 8)) s.file_kib = strtol(line + 8, NULL, 10);
  }
  if (f) fclose(f);
  snprintf(path, sizeof path, "/proc/%d/stat", opt.pid);
  f = fopen(path, "r");
  if (f && fgets(line, sizeof line, f)) {
    char *p = strrchr(line, ')');
    unsigned long ut = 0, st = 0;
    /* after "pid (comm)": state is field 3, utime 14 and stime 15 */
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
      s.cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
  }
  if (f) fclose(f);
  snprintf(path, sizeof path, "/proc/%d/fd", opt.pid);
  DIR *d = opendir(path);
  for (struct dirent *e; d && (e = readdir(d));) s.fds += e->d_name[0] != '.';
  if (d) closedir(d);
  getrusage(RUSAGE_SELF, &ru);
  s.self_cpu_s =
      (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  return s;
}

static uint64_t rx_total(void) {
  uint64_t t = 0;
  for (int i = 0; i < opt.n; i++) t += ss[i].entries;
  return t;
}

static uint64_t rx_base; /* entries of sessions already closed (soak) */

static int alive(void) {
  int a = 0;
  for (int i = 0; i < opt.n; i++) a += ss[i].fd >= 0 && !ss[i].ended;
  return a;
}

/* Receiver (session, followed author) pairs that still lack entries. */
static long lagging(void) {
  long l = 0;
  for (int i = 0; i < opt.n; i++) {
    sess_pos_t *p = ss[i].pos;
    for (int j = 0; p && ss[i].fd >= 0 && j < p->nfollow; j++) l += p->last[j] < pubs[p->pub[j]].seq;
  }
  return l;
}

static void phase(const char *name, double t0_ms, const char *more) {
  relay_sample_t s = sample();
  uint64_t dups = 0, gaps = 0;
  for (int i = 0; i < opt.n; i++) dups += ss[i].dups, gaps += ss[i].gaps;
  printf(
      "{\"phase\":\"%s\",\"t_s\":%.3f,\"alive\":%d,\"rss_kib\":%ld,\"hwm_kib\":%ld,\"anon_kib\":%ld,"
      "\"file_kib\":%ld,\"cpu_s\":%.2f,\"fds\":%d,"
      "\"self_cpu_s\":%.2f,\"received\":%llu,\"dups\":%llu,\"gaps\":%llu%s%s}\n",
      name, (sess_now_ms() - t0_ms) / 1000.0, alive(), s.rss_kib, s.hwm_kib, s.anon_kib, s.file_kib, s.cpu_s, s.fds,
      s.self_cpu_s, (unsigned long long)(rx_base + rx_total()), (unsigned long long)dups, (unsigned long long)gaps,
      more && *more ? "," : "", more ? more : "");
  fflush(stdout);
  if (dups || gaps) failures++;
}

static void watch(int slot) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)slot};
  (void)epoll_ctl(ep, EPOLL_CTL_ADD, ss[slot].fd, &ev);
}

/* Opens slot with key (redeeming the invite when redeem); 0 or a code. */
static int open_slot(int slot, int key, int redeem) {
  sess_t *s = &ss[slot];
  s->key = key;
  s->pos = key < opt.npub ? NULL : &pos[key];
  s->dups = s->gaps = 0;
  int rc = sess_open(s, &wd, pk[key], sk[key], redeem, 15000);
  if (rc == 0) watch(slot);
  return rc;
}

static void close_slot(int slot, int bye) {
  rx_base += ss[slot].entries;
  ss[slot].entries = 0;
  sess_close(&ss[slot], bye);
}

static void make_entry(int p, msgpack_sbuffer *sb) {
  uint8_t content[256], raw[1024];
  char text[128];
  size_t clen = 0, len = 0;
  sr_entry_t e;
  pub_t *u = &pubs[p];
  uint64_t ts = bench_wall_ms();
  u->ts = ts > u->ts ? ts : u->ts + 1;
  snprintf(text, sizeof text, "load test %llu from publisher %d: the relay forwards this",
           (unsigned long long)u->seq + 1, p);
  if (sr_content_share(text, NULL, NULL, NULL, content, sizeof content, &clen) != 0 ||
      sr_entry_create(sk[p], u->seq + 1, u->seq ? u->head : NULL, u->ts, "share", content, clen, raw, sizeof raw, &len,
                      &e) != 0 ||
      sr_frame_entry(sb, raw, len, 0) != 0) {
    fprintf(stderr, "bench_conns: entry creation failed\n");
    exit(1);
  }
  memcpy(u->head, e.id, SR_ID_BYTES);
  u->seq++;
}

/* Queues one more entry on publisher p's session. */
static void publish_one(int p) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  make_entry(p, &sb);
  if (sess_send_sb(&ss[p], &sb) != 0) failures++;
  msgpack_sbuffer_destroy(&sb);
}

static void ping_due(void) {
  if (sess_now_ms() - last_ping_ms < opt.ping_ms) return;
  last_ping_ms = sess_now_ms();
  for (int i = 0; i < opt.n; i++)
    if (ss[i].fd >= 0 && !ss[i].ended && sess_send_ping(&ss[i]) == 0) (void)sess_flush(&ss[i]);
}

/* Runs the sessions until until_ms, or until done() (when given) says so, or
 * (step) a line arrives on stdin. Publishes at opt.rate from pub_t0_ms while
 * pub_until_ms has not passed. */
static double pub_t0_ms, pub_until_ms;
static uint64_t pub_seq0[4096];

static void serve(double until_ms, int (*done)(void), int step) {
  struct epoll_event evs[256];
  if (step) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
    (void)epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  }
  while (sess_now_ms() < until_ms && !(done && done())) {
    int n = epoll_wait(ep, evs, 256, TICK_MS);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u32 == STDIN_TAG) {
        char line[PROC_PATH_MAX];                          /* the step line: its text is not read */
        if (!fgets(line, sizeof line, stdin)) line[0] = 0; /* EOF ends the wait too */
        until_ms = 0;
        continue;
      }
      sess_t *s = &ss[evs[i].data.u32];
      if (s->fd < 0) continue;
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) (void)sess_read(s, &wd);
      if (!s->ended && s->olen) (void)sess_flush(s);
    }
    double now = sess_now_ms();
    if (opt.rate > 0 && pub_t0_ms > 0 && now < pub_until_ms)
      for (int p = 0; p < opt.npub; p++) {
        uint64_t target = pub_seq0[p] + (uint64_t)(opt.rate * (now - pub_t0_ms) / 1000.0);
        while (pubs[p].seq < target && !ss[p].ended) publish_one(p);
      }
    /* Edge-triggered: a queue that filled the socket is retried each tick. */
    for (int i = 0; i < opt.n; i++)
      if (ss[i].fd >= 0 && ss[i].olen && !ss[i].ended) (void)sess_flush(&ss[i]);
    ping_due();
  }
  if (step) (void)epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
}

static int caught_up(void) { return lagging() == 0; }

static void step_wait(void) {
  if (opt.step) serve(1e300, NULL, 1);
}

static void start_publishing(double seconds) {
  for (int p = 0; p < opt.npub; p++) pub_seq0[p] = pubs[p].seq;
  pub_t0_ms = sess_now_ms();
  pub_until_ms = pub_t0_ms + seconds * 1000.0;
}

/* The extra members and one stranger dial the full relay: how each ends. */
static void cap_check(double t0) {
  char more[2048];
  size_t off = 0;
  int refused = 0, before = alive();
  sess_t *x = calloc((size_t)opt.extra + 1, sizeof *x);
  off += (size_t)snprintf(more + off, sizeof more - off, "\"dials\":[");
  for (int i = 0; i <= opt.extra; i++) {
    int key = i < opt.extra ? opt.n + i : opt.n + opt.extra + opt.spare; /* the last key never redeemed */
    int rc = sess_open(&x[i], &wd, pk[key], sk[key], 0, 15000);
    while (rc == 0 && !x[i].ended && sess_now_ms() - x[i].opened_at < CAP_WAIT_MS) {
      struct pollfd pf = {.fd = x[i].fd, .events = POLLIN};
      (void)poll(&pf, 1, 100);
      (void)sess_read(&x[i], &wd);
    }
    int end = rc ? rc : x[i].ended ? x[i].end_rc : 0;
    refused += rc != 0 || x[i].ended;
    if (off < sizeof more - 200)
      off += (size_t)snprintf(more + off, sizeof more - off,
                              "%s{\"who\":\"%s\",\"handshake\":\"%s\",\"frames_before_end\":%llu,\"end\":\"%s\","
                              "\"reset\":%s,\"ms\":%.0f}",
                              i ? "," : "", i < opt.extra ? "member" : "stranger", rc ? sr_errname(rc) : "ok",
                              (unsigned long long)x[i].frames, x[i].ended || rc ? sr_errname(end ? end : 0) : "open",
                              x[i].reset ? "true" : "false",
                              (x[i].ended ? x[i].ended_at : sess_now_ms()) - x[i].opened_at);
    sess_close(&x[i], 1);
  }
  serve(sess_now_ms() + 1000, NULL, 0); /* the N sessions, meanwhile */
  snprintf(more + off, sizeof more - off, "],\"refused\":%d,\"alive_before\":%d", refused, before);
  phase("cap", t0, more);
  free(x);
}

static void parse(int argc, char **argv, const char **invite) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--step")) {
      opt.step = 1;
      continue;
    }
    if (!v) goto usage;
    i++;
    if (!strcmp(a, "--invite")) *invite = v;
    else if (!strcmp(a, "--relay-pid"))
      opt.pid = (int)bench_num(a, v, 1, 1u << 30);
    else if (!strcmp(a, "--sessions"))
      opt.n = (int)bench_num(a, v, 2, 60000);
    else if (!strcmp(a, "--publishers"))
      opt.npub = (int)bench_num(a, v, 1, 4096);
    else if (!strcmp(a, "--follows"))
      opt.k = (int)bench_num(a, v, 0, SESS_FOLLOW_MAX);
    else if (!strcmp(a, "--extra"))
      opt.extra = (int)bench_num(a, v, 0, 1000);
    else if (!strcmp(a, "--idle-s"))
      opt.idle_s = (double)bench_num(a, v, 0, 86400);
    else if (!strcmp(a, "--rate"))
      opt.rate = (double)bench_num(a, v, 0, 100000);
    else if (!strcmp(a, "--publish-s"))
      opt.publish_s = (double)bench_num(a, v, 0, 86400);
    else if (!strcmp(a, "--burst"))
      opt.burst = (int)bench_num(a, v, 0, 1000000);
    else if (!strcmp(a, "--ping-ms"))
      opt.ping_ms = (int)bench_num(a, v, 100, 600000);
    else if (!strcmp(a, "--soak"))
      opt.soak_s = (double)bench_num(a, v, 1, 86400 * 7);
    else if (!strcmp(a, "--churn"))
      opt.churn = (int)bench_num(a, v, 0, 10000);
    else
      goto usage;
  }
  if (*invite && opt.pid && opt.npub < opt.n && opt.k <= opt.npub) return;
usage:
  fprintf(stderr,
          "usage: see the comment at the top of tools/bench/bench_conns.c (publishers < sessions, "
          "follows <= publishers, --invite and --relay-pid given)\n");
  exit(2);
}

/* seurone-invite:1:<address>:<network key hex>:<secret hex>, read from the right. */
static int parse_invite(const char *code) {
  char host[SR_NET_HOST_MAX], addr[512];
  uint16_t port = 0;
  size_t n = strlen(code), hexlen = 2 * SR_FRAME_SECRET_BYTES, pre = strlen("seurone-invite:1:");
  if (n < pre + 2 * (hexlen + 1) || strncmp(code, "seurone-invite:1:", pre) ||
      n - pre - 2 * (hexlen + 1) >= sizeof addr)
    return SR_EINVITECODE;
  memcpy(addr, code + pre, n - pre - 2 * (hexlen + 1));
  addr[n - pre - 2 * (hexlen + 1)] = 0;
  char nk[2 * SR_NET_NETKEY_BYTES + 1];
  memcpy(nk, code + n - 2 * hexlen - 1, 2 * SR_NET_NETKEY_BYTES);
  nk[2 * SR_NET_NETKEY_BYTES] = 0;
  if (sr_net_address_parse(addr, host, sizeof host, &port, wd.server_pk) != 0 ||
      sr_net_netkey_parse(nk, wd.netkey) != 0 ||
      sr_hex_decode(code + n - hexlen, wd.secret, SR_FRAME_SECRET_BYTES) != 0)
    return SR_EINVITECODE;
  wd.sa.sin_family = AF_INET;
  wd.sa.sin_port = htons(port);
  return inet_pton(AF_INET, host, &wd.sa.sin_addr) == 1 ? 0 : SR_EADDRHOST;
}

static void soak(double t0) {
  int nfree = 0, *freek = malloc(sizeof(int) * (size_t)(opt.spare + opt.n));
  double next_churn = sess_now_ms() + 1000, next_sample = sess_now_ms() + 10000,
         end = sess_now_ms() + opt.soak_s * 1000;
  long joins = 0, leaves = 0;
  for (int i = 0; i < opt.spare; i++) freek[nfree++] = opt.n + opt.extra + i;
  start_publishing(opt.soak_s);
  while (sess_now_ms() < end) {
    serve(next_churn < next_sample ? next_churn : next_sample, NULL, 0);
    if (sess_now_ms() >= next_churn) {
      for (int c = 0; c < opt.churn && nfree > 0; c++) {
        int slot = opt.npub + (int)randombytes_uniform((uint32_t)(opt.n - opt.npub)),
            j = (int)randombytes_uniform((uint32_t)nfree);
        int key = freek[j];
        freek[j] = ss[slot].key;
        close_slot(slot, c % 2 == 0);
        leaves++;
        int rc = open_slot(slot, key, 0);
        if (rc) {
          fprintf(stderr, "bench_conns: soak: a session failed to open: %s\n", sr_errname(rc));
          failures++;
          close_slot(slot, 0);
        }
        joins += rc == 0;
      }
      next_churn += 1000;
    }
    if (sess_now_ms() >= next_sample) {
      char more[128];
      snprintf(more, sizeof more, "\"joins\":%ld,\"leaves\":%ld,\"published\":%llu,\"lagging\":%ld", joins, leaves,
               (unsigned long long)(pubs[0].seq * (uint64_t)opt.npub), lagging());
      phase("soak", t0, more);
      next_sample += 10000;
    }
  }
  free(freek);
}

int main(int argc, char **argv) {
  const char *invite = NULL;
  struct rlimit rl;
  char more[256];
  parse(argc, argv, &invite);
  if (sodium_init() < 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  if (parse_invite(invite) != 0) {
    fprintf(stderr, "bench_conns: --invite is not an invite code with an IPv4 address\n");
    return 2;
  }
  if (opt.soak_s > 0) opt.spare = opt.n / 2;
  int nkeys = opt.n + opt.extra + opt.spare + 1;
  /* One fd a session, and the relay needs as many: raise the soft limit. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)opt.n + opt.extra + 16) {
    fprintf(stderr, "bench_conns: RLIMIT_NOFILE %llu is too low for %d sessions\n", (unsigned long long)rl.rlim_cur,
            opt.n);
    return 2;
  }
  pk = calloc((size_t)nkeys, sizeof *pk);
  sk = calloc((size_t)nkeys, sizeof *sk);
  pos = calloc((size_t)nkeys, sizeof *pos);
  pubs = calloc((size_t)opt.npub, sizeof *pubs);
  ss = calloc((size_t)opt.n, sizeof *ss);
  wd.npub = opt.npub;
  wd.pub_pk = pk;
  ep = epoll_create1(0);
  if (!pk || !sk || !pos || !pubs || !ss || ep < 0 || opt.npub > (int)(sizeof pub_seq0 / sizeof pub_seq0[0])) return 1;
  for (int i = 0; i < nkeys; i++) {
    crypto_sign_keypair(pk[i], sk[i]);
    pos[i].nfollow = opt.k;
    for (int j = 0; j < opt.k; j++) pos[i].pub[j] = (i + j) % opt.npub;
  }
  for (int i = 0; i < opt.n; i++) ss[i].fd = -1;
  double t0 = sess_now_ms();

  /* The extra and spare keys become members, then leave. */
  for (int i = 0; i < opt.extra + opt.spare; i++) {
    sess_t x = {.fd = -1};
    int rc = sess_open(&x, &wd, pk[opt.n + i], sk[opt.n + i], 1, 15000);
    sess_close(&x, 1);
    if (rc) {
      fprintf(stderr, "bench_conns: extra key %d did not become a member: %s\n", i, sr_errname(rc));
      return 1;
    }
  }
  usleep(500000);
  phase("base", t0, NULL);
  step_wait();

  int failed = 0;
  double topen = sess_now_ms(), opened_ms;
  for (int i = 0; i < opt.n; i++) {
    int rc = open_slot(i, i, 1);
    if (rc) {
      if (failed++ < 5) fprintf(stderr, "bench_conns: session %d: %s\n", i, sr_errname(rc));
      close_slot(i, 0);
    }
  }
  opened_ms = sess_now_ms() - topen;
  serve(sess_now_ms() + 1000, NULL, 0);
  snprintf(more, sizeof more, "\"opened\":%d,\"failed\":%d,\"open_s\":%.2f", opt.n - failed, failed,
           opened_ms / 1000.0);
  phase("open", t0, more);
  failures += failed;
  step_wait();

  if (opt.soak_s > 0) {
    soak(t0);
  } else {
    serve(sess_now_ms() + opt.idle_s * 1000, NULL, 0);
    phase("idle", t0, NULL);
    step_wait();
    if (opt.extra) {
      cap_check(t0);
      step_wait();
    }
    if (opt.rate > 0 && opt.publish_s > 0) {
      double t = sess_now_ms();
      start_publishing(opt.publish_s);
      serve(pub_until_ms, NULL, 0);
      serve(sess_now_ms() + DRAIN_MS, caught_up, 0);
      snprintf(more, sizeof more, "\"published\":%llu,\"lagging\":%ld,\"phase_s\":%.3f",
               (unsigned long long)(pubs[0].seq - pub_seq0[0]) * (unsigned long long)opt.npub, lagging(),
               (sess_now_ms() - t) / 1000.0);
      phase("publish", t0, more);
      failures += lagging() != 0;
      step_wait();
    }
    if (opt.burst > 0) {
      for (int p = 0; p < opt.npub; p++)
        for (int m = 0; m < opt.burst; m++) publish_one(p);
      double t = sess_now_ms();
      serve(t + DRAIN_MS, caught_up, 0);
      snprintf(more, sizeof more, "\"published\":%llu,\"lagging\":%ld,\"phase_s\":%.3f",
               (unsigned long long)opt.burst * (unsigned long long)opt.npub, lagging(), (sess_now_ms() - t) / 1000.0);
      phase("burst", t0, more);
      failures += lagging() != 0;
      step_wait();
    }
  }
  int ended = 0;
  for (int i = 0; i < opt.n; i++) ended += ss[i].ended;
  for (int i = 0; i < opt.n; i++) close_slot(i, 1);
  usleep(2000000);
  snprintf(more, sizeof more, "\"ended_by_node\":%d", ended);
  phase("closed", t0, more);
  printf("{\"mode\":\"%s\",\"sessions\":%d,\"publishers\":%d,\"follows\":%d,\"ended_by_node\":%d,\"failures\":%d}\n",
         opt.soak_s > 0 ? "soak" : "bench", opt.n, opt.npub, opt.k, ended, failures);
  return failures ? 1 : 0;
}
