/* test_net_drops_flood.c (part of test_net_drops): reconnect floods from many
 * loopback sources on a thread of their own, while 30 good peers, one after
 * another, must each get a session; the listener's connections and log lines
 * stay bounded (prefix_flood_one_net, prefix_flood_networks, log_flood). */
#include "tests/net/test_net_drops.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

/* ---- a reconnect flood from many sources (prefix_flood_*) ---- */


#define FLOOD_SOURCES 16
static volatile int flood_stop;
static volatile unsigned long flood_connects; /* connections the flood made */
int flood_spread;                             /* 0: sources 127.0.0.2-17 (one /24); 1: 127.N.0.1 (16 /24s) */
double flood_min_s;                           /* keep flooding at least this long */

const uint8_t flood_v6_prefix[8] = {0xfd, 0x5e, 0, 0, 0, 0, 0, 1};

/* A non-blocking connection from fd5e:0:0:1::(2+s) to the listener on ::1, or -1. */
static int flood_connect6(int s) {
  struct sockaddr_in6 from, to;
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  memset(&from, 0, sizeof from);
  from.sin6_family = AF_INET6;
  memcpy(from.sin6_addr.s6_addr, flood_v6_prefix, 8);
  from.sin6_addr.s6_addr[15] = (uint8_t)(s + 2);
  to = from;
  to.sin6_port = htons((uint16_t)port);
  to.sin6_addr = in6addr_loopback;
  if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
      (connect(fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS)) {
    close(fd);
    return -1;
  }
  flood_connects++;
  return fd;
}

/* A non-blocking connection from source to the listener, or -1 (IPv6: source
 * is the index of the address, flood_connect6). */
static int flood_connect(uint32_t source) {
  if (flood_spread == 2) return flood_connect6((int)source);
  struct sockaddr_in from, to;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  memset(&from, 0, sizeof from);
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(source);
  to = from;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
      (connect(fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS)) {
    close(fd);
    return -1;
  }
  flood_connects++;
  return fd;
}

/* flood_per_source silent connections from each of FLOOD_SOURCES loopback
 * addresses, each reopened as soon as the listener closes it, until
 * flood_stop. prefix_flood_*: 8 each, the attack of issue 11 (16 sources x 8
 * fill a cap of 128: 1 of 30 good peers got through). log_flood: a few more
 * per source than the listener takes, each refused and reopened at once: a
 * reconnect flood (what wrote 55,000 log lines in 30 s). */
#define FLOOD_MAX (FLOOD_SOURCES * (SR_NET_HANDSHAKES_PER_HOST + 4))
int flood_per_source = SR_NET_HANDSHAKES_PER_HOST;
static void *flood_main(void *arg) {
  const int N = FLOOD_SOURCES * flood_per_source;
  struct pollfd pf[FLOOD_MAX];
  uint32_t src[FLOOD_MAX];
  uint8_t buf[256];
  (void)arg;
  for (int i = 0; i < N; i++) {
    int s = i / flood_per_source;
    src[i] = flood_spread == 2 ? (uint32_t)s
             : flood_spread    ? (127u << 24) | ((uint32_t)(s + 1) << 16) | 1u
                               : (127u << 24) | (uint32_t)(s + 2);
    pf[i].fd = flood_connect(src[i]);
    pf[i].events = POLLIN;
  }
  while (!flood_stop) {
    if (poll(pf, (nfds_t)N, 20) < 0) continue;
    for (int i = 0; i < N; i++) {
      if (pf[i].fd >= 0 && !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (pf[i].fd >= 0) {
        if (read(pf[i].fd, buf, sizeof buf) > 0) continue; /* a listener never sends to a silent client */
        close(pf[i].fd);
      }
      pf[i].fd = flood_connect(src[i]); /* -1 when it fails: retried next round */
    }
  }
  for (int i = 0; i < N; i++)
    if (pf[i].fd >= 0) close(pf[i].fd);
  return NULL;
}

static int pred_good_try(void) { return cli_closed == 1; }
static double flood_t0;
unsigned long flood_min_connects; /* log_flood: enough to dwarf the log bound */
static int pred_flood_enough(void) { return flood_connects >= flood_min_connects && now_s() - flood_t0 >= flood_min_s; }

/* One good peer during the flood: handshake, echo, goodbye; 1 if all of it worked. */
static int good_try(void) {
  sr_net_conn_t *c = NULL;
  reset_counters();
  CHECK(sr_net_dial(&cli, listen_host, (uint16_t)port, bob.pk, &cli, &c) == 0);
  run_until(pred_good_try);
  return cli_connected == 1 && cli_closed_reason == 0 && cli_rx_len == ECHO_BYTES;
}

void prefix_flood(void) {
  pthread_t th;
  int through = 0, lines_before;
  double t0;
  quiet_log = 1;
  if (flood_spread == 2) {
    int fd = flood_connect6(0);
    if (fd < 0) {
      fprintf(stderr, "no address of fd5e:0:0:1::/64 here (run under tests/net/netns6.sh): skipped\n");
      exit(77);
    }
    close(fd);
    flood_connects = 0;
  }
  CHECK(pthread_create(&th, NULL, flood_main, NULL) == 0);
  /* the flood holds every slot it can before the first good peer comes */
  while (flood_connects < (unsigned long)(FLOOD_SOURCES * flood_per_source)) usleep(1000);
  for (int i = 0; i < 200; i++) uv_run(&loop, UV_RUN_NOWAIT), usleep(1000);
  t0 = now_s();
  lines_before = srv_lines;
  for (int i = 0; i < 30; i++) through += good_try();
  /* a flood as long as asked, and long enough to dwarf the log bound */
  flood_t0 = t0;
  watchdog_extra_s = flood_min_s;
  run_until(pred_flood_enough);
  double elapsed = now_s() - t0;
  int lines = srv_lines - lines_before;
  flood_stop = 1;
  CHECK(pthread_join(th, NULL) == 0);
  printf(
      "%s (%s, %d per source): %d of 30 good peers through; the flood made %lu connections in %.1f s; "
      "the listener logged %d lines\n",
      flood_min_connects ? "log_flood" : "prefix_flood",
      flood_spread == 2 ? "one IPv6 /64"
      : flood_spread    ? "16 networks"
                        : "one /24",
      flood_per_source, through, flood_connects, elapsed, lines);
  fflush(stdout);
  printf("the listener held at most %zu connections at once\n", max_live);
  CHECK(through == 30);
  /* 16 addresses of one /64 are one source: 8 handshakes at once, not 16 x 8
   * (nor the /48's 32). */
  if (flood_spread == 2) {
    printf("the /64's 16 addresses held at most %zu handshakes at once\n", max_flood64);
    CHECK(max_flood64 >= 1 && max_flood64 <= SR_NET_HANDSHAKES_PER_HOST);
  }
  /* Handshakes in progress, plus at most one iteration's accepts closing: a
   * flood never makes closed connections pile up unfreed. */
  CHECK(max_live <= SR_NET_HANDSHAKES_MAX + SR_NET_ACCEPTS_PER_TURN + 8);
  /* At most SR_NET_LOG_BURST lines (+ 1 summary) of each shape per window; a
   * handful of shapes (refused, silent, closed, reset), plus the good peers'
   * own lines (never limited): far below one line per connection. */
  int windows = 1 + (int)(elapsed * 1000 / SR_NET_LOG_WINDOW_MS);
  int bound = 8 * (SR_NET_LOG_BURST + 1) * windows + 4 * 30;
  CHECK(lines <= bound);
  if (flood_min_connects) CHECK((unsigned long)lines * 5 < flood_connects);
  quiet_log = 0;
}
