/* test_net_drops.c: the listener and dialer over real sockets on loopback.
 *
 *   test_net_drops CASE
 *
 * Each bad-peer CASE connects a misbehaving peer to a listener whose handshake
 * timeout is 300 ms, checks what that peer observed on the wire (e.g. a silent
 * close), checks that the listener logged exactly one line saying why it
 * dropped the connection, and then checks that the same listener still serves
 * a good peer end to end (handshake, echo of 10000 bytes, goodbye both ways).
 * Bad peers that need raw bytes run on a thread with blocking sockets while
 * the main thread runs the libuv loop (test_net_drops_attacks.c); the floods
 * of many sources run on a thread of their own (test_net_drops_flood.c).
 */
#include <sodium.h>
#include <time.h>

#include "core/logline.h"
#include "net/address.h"
#include "net/net_internal.h" /* CS_HANDSHAKE: prefix_flood_ipv6_64 counts the handshakes a /64 holds */
#include "tests/net/test_net_drops.h"

#define MAX_LOG 4096
#define WATCHDOG_MS 10000

uv_loop_t loop;
uint8_t netkey[SR_NET_NETKEY_BYTES];
keypair_t alice, bob, mallory; /* alice dials, bob listens */
sr_net_t srv, cli;
char listen_host[16] = "127.0.0.1";
int port;

static char *log_lines[MAX_LOG];
static int n_log;
int srv_lines; /* every line the listener logged, also past MAX_LOG */
int quiet_log; /* a flood: do not echo the lines (counted all the same) */

/* server-side observations */
static int srv_connected, srv_closed, srv_closed_reason;
static uint8_t srv_peer[SR_NET_KEY_BYTES];
static size_t srv_rx;
#define FIRST_MSG_MAX 64 /* the first message the server got, when it is that short */
static uint8_t srv_first_msg[FIRST_MSG_MAX];
static size_t srv_first_len;

/* good-peer (client) observations */
int cli_connected, cli_closed, cli_closed_reason = 1;
static uint8_t cli_rx[ECHO_BYTES];
size_t cli_rx_len;
static int drained_calls, back_pressure_mode;
static size_t max_queued;

/* attacker thread */

double now_s(void) { return (double)sr_mono_ns() / 1e9; }

/* The sentence of a logfmt line (core/logline.h): the checks below match on it. */
static int take_msg(void *ctx, const char *k, size_t klen, const char *v, size_t vlen) {
  if (klen == 3 && !memcmp(k, "msg", 3)) snprintf(ctx, SR_LOGLINE_MAX, "%.*s", (int)vlen, v);
  return 0;
}

static void on_log(sr_net_t *n, const char *fields) {
  char line[SR_LOGLINE_MAX] = "", scratch[SR_LOGLINE_MAX];
  CHECK(sr_logline_parse(fields, scratch, sizeof scratch, take_msg, line) == 0 && line[0]);
  if (n == &srv) srv_lines++;
  if (!quiet_log || n_log < 40) fprintf(stderr, "[%s] %s\n", n == &srv ? "listener" : "dialer", line);
  if (n_log == MAX_LOG) {
    CHECK(quiet_log);
    return;
  }
  log_lines[n_log] = malloc(strlen(line) + 16);
  CHECK(log_lines[n_log]);
  sprintf(log_lines[n_log], "%s %s", n == &srv ? "S" : "C", line);
  n_log++;
}

int count_log(const char *a, const char *b) {
  int n = 0;
  for (int i = 0; i < n_log; i++)
    if (strstr(log_lines[i], a) && (!b || strstr(log_lines[i], b))) n++;
  return n;
}

/* ---- server (listener) callbacks ---- */

static void srv_on_connected(sr_net_conn_t *c, const uint8_t *pk) {
  (void)c;
  srv_connected++;
  memcpy(srv_peer, pk, SR_NET_KEY_BYTES);
}

/* close_here: the listener closes at the first message, without a goodbye:
 * 1 with sr_net_conn_close, 2 with sr_net_conn_close_logged. */
static int close_here_mode;

static void srv_on_message(sr_net_conn_t *c, const uint8_t *buf, size_t len) {
  if (close_here_mode) {
    srv_rx += len;
    if (close_here_mode == 1) sr_net_conn_close(c);
    else
      sr_net_conn_close_logged(c);
    return;
  }
  if (srv_rx == 0 && len <= sizeof srv_first_msg) {
    memcpy(srv_first_msg, buf, len);
    srv_first_len = len;
  }
  srv_rx += len;
  if (!back_pressure_mode) CHECK(sr_net_conn_write(c, buf, len) == 0); /* echo */
}

static void srv_on_closed(sr_net_conn_t *c, int reason) {
  (void)c;
  srv_closed++;
  srv_closed_reason = reason;
}

/* ---- good client callbacks ---- */

static void cli_on_connected(sr_net_conn_t *c, const uint8_t *pk) {
  uint8_t *msg = malloc(back_pressure_mode ? (1 << 20) : ECHO_BYTES);
  size_t len = back_pressure_mode ? (1 << 20) : ECHO_BYTES;
  CHECK(msg);
  CHECK(memcmp(pk, bob.pk, SR_NET_KEY_BYTES) == 0);
  cli_connected++;
  for (size_t i = 0; i < len; i++) msg[i] = (uint8_t)(i * 13 + 5);
  CHECK(sr_net_conn_write(c, msg, len) == 0);
  if (sr_net_conn_queued(c) > max_queued) max_queued = sr_net_conn_queued(c);
  free(msg);
  if (back_pressure_mode) CHECK(sr_net_conn_goodbye(c) == 0);
}

static void cli_on_message(sr_net_conn_t *c, const uint8_t *buf, size_t len) {
  CHECK(cli_rx_len + len <= sizeof cli_rx);
  memcpy(cli_rx + cli_rx_len, buf, len);
  cli_rx_len += len;
  if (cli_rx_len == ECHO_BYTES) CHECK(sr_net_conn_goodbye(c) == 0);
}

static void cli_on_drained(sr_net_conn_t *c) {
  CHECK(sr_net_conn_queued(c) == 0);
  drained_calls++;
}

static void cli_on_closed(sr_net_conn_t *c, int reason) {
  (void)c;
  cli_closed++;
  cli_closed_reason = reason;
}

/* ---- running the loop until a condition holds ---- */

static int (*stop_pred)(void);
static double deadline;
double watchdog_extra_s; /* a longer flood (prefix_flood's optional seconds) */

size_t max_live;    /* most connections the listener held at once (prefix_flood) */
size_t max_flood64; /* most inbound handshakes from FLOOD_V6_PREFIX at once (prefix_flood_ipv6_64) */

static void poll_cb(uv_timer_t *t) {
  size_t live = 0, in64 = 0;
  for (const sr_net_conn_t *c = srv.conns; c; c = c->next) {
    live++;
    in64 += !c->outbound && c->state == CS_HANDSHAKE && c->src_v6 && !memcmp(c->src, flood_v6_prefix, 8);
  }
  if (live > max_live) max_live = live;
  if (in64 > max_flood64) max_flood64 = in64;
  if (stop_pred() || now_s() > deadline) {
    uv_timer_stop(t);
    uv_stop(t->loop);
  }
}

void run_until(int (*pred)(void)) {
  uv_timer_t t;
  stop_pred = pred;
  deadline = now_s() + WATCHDOG_MS / 1000.0 + watchdog_extra_s;
  uv_timer_init(&loop, &t);
  uv_timer_start(&t, poll_cb, 5, 5);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  if (!pred()) {
    fprintf(stderr, "condition not reached within %d ms\n", WATCHDOG_MS);
    exit(1);
  }
}

/* ---- scenario plumbing ---- */

static int pred_flood_done(void) {
  return attacker_done && count_log("S dropped inbound", NULL) >= SR_NET_HANDSHAKES_PER_HOST + 1;
}
static int pred_wrong_server_key(void) { return cli_closed == 1 && count_log("S dropped inbound", NULL) >= 1; }
static int good_target;
static int pred_good_peer(void) {
  return cli_closed == 1 && srv_closed >= 1 && count_log("S closed inbound", NULL) >= good_target;
}

/* The listener's handshake timeout; handshake_flood raises it so that the
 * silent connections are surely still in their handshake when the extra one
 * arrives, however slow the machine. */
static uint32_t hs_timeout_ms = TIMEOUT_MS;
static uint32_t first_msg_ms; /* 0: the default (capped by hs_timeout_ms) */

static void setup(int ipv6) {
  sr_net_config_t cfg;
  CHECK(uv_loop_init(&loop) == 0);
  sr_net_config_init(&cfg, netkey, bob.pk, bob.sk);
  cfg.handshake_timeout_ms = hs_timeout_ms;
  cfg.first_msg_timeout_ms = first_msg_ms;
  cfg.cb.connected = srv_on_connected;
  cfg.cb.message = srv_on_message;
  cfg.cb.closed = srv_on_closed;
  cfg.cb.log = on_log;
  CHECK(sr_net_init(&srv, &loop, &cfg) == 0);
  if (ipv6) strcpy(listen_host, "::1");
  if (sr_net_listen(&srv, listen_host, 0) != 0) {
    CHECK(ipv6);
    fprintf(stderr, "no IPv6 loopback here: skipped\n");
    exit(77);
  }
  port = sr_net_listen_port(&srv);
  CHECK(port > 0);

  memcpy(cfg.pk, alice.pk, SR_NET_KEY_BYTES);
  memcpy(cfg.sk, alice.sk, SR_NET_SECRET_BYTES);
  cfg.cb.connected = cli_on_connected;
  cfg.cb.message = cli_on_message;
  cfg.cb.drained = cli_on_drained;
  cfg.cb.closed = cli_on_closed;
  CHECK(sr_net_init(&cli, &loop, &cfg) == 0);
  sodium_memzero(cfg.sk, sizeof cfg.sk);
}

void reset_counters(void) {
  srv_connected = srv_closed = 0;
  srv_closed_reason = 1;
  srv_rx = srv_first_len = 0;
  cli_connected = cli_closed = 0;
  cli_closed_reason = 1;
  cli_rx_len = 0;
}

/* A good peer after whatever happened before: must work end to end. */
static void good_peer(void) {
  sr_net_conn_t *c = NULL;
  int closed_before = count_log("S closed inbound", NULL), drops_before = count_log("dropped", NULL);
  int cli_before = count_log("C closed outbound", NULL);
  int clean_before = count_log("S closed inbound", "clean end"); /* close_here left one that is not */
  reset_counters();
  good_target = closed_before + 1;
  CHECK(sr_net_dial(&cli, listen_host, (uint16_t)port, bob.pk, &cli, &c) == 0);
  CHECK(c && c->data == &cli && c->outbound);
  run_until(pred_good_peer);
  CHECK(cli_connected == 1 && srv_connected == 1);
  CHECK(memcmp(srv_peer, alice.pk, SR_NET_KEY_BYTES) == 0);
  CHECK(cli_closed_reason == 0 && srv_closed_reason == 0);
  if (back_pressure_mode) {
    CHECK(srv_rx == (1u << 20));
    CHECK(max_queued >= (1u << 20)); /* the whole write was queued at once */
    CHECK(drained_calls >= 1);
  } else {
    CHECK(srv_rx == ECHO_BYTES && cli_rx_len == ECHO_BYTES);
    for (size_t i = 0; i < ECHO_BYTES; i++) CHECK(cli_rx[i] == (uint8_t)(i * 13 + 5));
  }
  CHECK(count_log("S closed inbound", "clean end") == clean_before + 1);
  CHECK(count_log("C closed outbound", "clean end") == cli_before + 1);
  CHECK(count_log("dropped", NULL) == drops_before); /* no drop on the good path */
}

static int pred_both_closed(void) { return srv_closed == 1 && cli_closed == 1; }

/* A close by this node without a goodbye is one line, and not a "clean end";
 * after the upper layer logged it (close_logged), no line at all. */
static void close_here(int mode) {
  sr_net_conn_t *c = NULL;
  int lines = count_log("S ", NULL);
  reset_counters();
  close_here_mode = mode;
  CHECK(sr_net_dial(&cli, listen_host, (uint16_t)port, bob.pk, &cli, &c) == 0);
  run_until(pred_both_closed);
  close_here_mode = 0;
  CHECK(srv_closed_reason == 0);
  if (mode == 1) {
    CHECK(count_log("S closed inbound", "closed without goodbye") == 1);
    CHECK(count_log("S ", NULL) == lines + 1);
  } else {
    CHECK(count_log("S ", NULL) == lines);
  }
  CHECK(count_log("S closed inbound", "clean end") == 0);
}

static void teardown(void) {
  sr_net_close(&srv);
  sr_net_close(&cli);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  for (int i = 0; i < n_log; i++) free(log_lines[i]);
}

int main(int argc, char **argv) {
  const char *tc = argc >= 2 ? argv[1] : "";
  CHECK(sodium_init() >= 0);
  sr_net_netkey_default(netkey);
  crypto_sign_keypair(alice.pk, alice.sk);
  crypto_sign_keypair(bob.pk, bob.sk);
  crypto_sign_keypair(mallory.pk, mallory.sk);
  /* the silent connections must surely still be in their handshake */
  if (strcmp(tc, "handshake_flood") == 0) hs_timeout_ms = first_msg_ms = 8000;
  /* a silent peer is closed long before the handshake timeout */
  if (strcmp(tc, "silent_first_msg") == 0) hs_timeout_ms = 8000, first_msg_ms = TIMEOUT_MS;
  if (strncmp(tc, "prefix_flood", 12) == 0 || strcmp(tc, "log_flood") == 0) {
    hs_timeout_ms = SR_NET_HANDSHAKE_TIMEOUT_MS; /* as a node runs */
    flood_spread = strcmp(tc, "prefix_flood_one_net") != 0;
    if (strcmp(tc, "prefix_flood_ipv6_64") == 0) flood_spread = 2;
    if (strcmp(tc, "log_flood") == 0) {
      flood_per_source = SR_NET_HANDSHAKES_PER_HOST + 4;
      flood_min_connects = FLOOD_MIN_CONNECTS;
    }
    if (argc == 3) flood_min_s = atof(argv[2]);
  }
  setup(strcmp(tc, "good_peer_ipv6") == 0 || flood_spread == 2);

  if (strcmp(tc, "wrong_netkey") == 0) {
    bad_peer(attack_wrong_netkey, "SR_EHSNETKEY");
    CHECK(attacker_bytes == 0); /* silent: not one byte back */
  } else if (strcmp(tc, "garbage") == 0) {
    bad_peer(attack_garbage, "SR_EHSNETKEY");
    CHECK(attacker_bytes == 0);
  } else if (strcmp(tc, "replayed_msg1") == 0) {
    bad_peer(attack_replayed_msg1, "SR_EHSCLIENTAUTH");
    CHECK(attacker_bytes == 0); /* no msg4 */
  } else if (strcmp(tc, "stalled_handshake") == 0) {
    bad_peer(attack_stalled, "SR_EHSSILENT"); /* 10 bytes are not a first message */
    CHECK(attacker_bytes == 0);
    CHECK(attacker_elapsed >= (TIMEOUT_MS - 50) / 1000.0 && attacker_elapsed < 3.0);
  } else if (strcmp(tc, "handshake_flood") == 0) {
    attack(attack_flood, pred_flood_done);
    CHECK(attacker_eof && attacker_bytes == 0); /* the extra one: closed, nothing sent */
    CHECK(count_log("S dropped inbound", "SR_EHSLIMIT") == 1);
    CHECK(count_log("S dropped inbound", "SR_ETIMEOUT") == 0); /* closed by the peer, not timed out */
    CHECK(count_log("S dropped inbound", NULL) == SR_NET_HANDSHAKES_PER_HOST + 1);
  } else if (strcmp(tc, "silent_first_msg") == 0) {
    bad_peer(attack_silent, "SR_EHSSILENT");
    CHECK(attacker_bytes == 0);
    CHECK(attacker_elapsed < 4.0); /* the handshake timeout is 8 s: it was not what closed it */
  } else if (strncmp(tc, "prefix_flood", 12) == 0 || strcmp(tc, "log_flood") == 0) {
    prefix_flood();
  } else if (strcmp(tc, "corrupt_box") == 0) {
    bad_peer(attack_corrupt_box, "SR_EBOXAUTH");
    CHECK(srv_connected == 1 && srv_closed == 1 && srv_closed_reason == SR_EBOXAUTH);
    CHECK(srv_first_len == 5 && memcmp(srv_first_msg, "first", 5) == 0 && srv_rx == 5);
    CHECK(count_log("S dropped inbound", "after handshake") == 1);
  } else if (strcmp(tc, "wrong_server_key") == 0) {
    sr_net_conn_t *c = NULL;
    reset_counters();
    CHECK(sr_net_dial(&cli, listen_host, (uint16_t)port, mallory.pk, NULL, &c) == 0);
    run_until(pred_wrong_server_key);
    CHECK(cli_connected == 0 && srv_connected == 0 && srv_closed == 0);
    CHECK(cli_closed_reason == SR_EHSWRONGKEY);
    CHECK(count_log("S dropped inbound", NULL) == 1 && count_log("S dropped inbound", "SR_EHSCLIENTAUTH") == 1);
    CHECK(count_log("C dropped outbound", NULL) == 1 && count_log("C dropped outbound", "SR_EHSWRONGKEY") == 1);
    CHECK(count_log("C dropped outbound", "did not prove it holds key") == 1);
  } else if (strcmp(tc, "close_here") == 0) {
    close_here(1);
    close_here(2);
  } else if (strcmp(tc, "back_pressure") == 0) {
    back_pressure_mode = 1;
  } else if (strcmp(tc, "good_peer_ipv4") != 0 && strcmp(tc, "good_peer_ipv6") != 0) {
    fprintf(stderr, "usage: test_net_drops CASE\n");
    return 2;
  }
  /* prefix_flood's 30 good peers were the test; the flood's last connections
   * are still being closed */
  if (strncmp(tc, "prefix_flood", 12) != 0 && strcmp(tc, "log_flood") != 0) {
    good_peer();
    /* a second good peer: the listener really keeps going */
    if (!back_pressure_mode) good_peer();
  }
  teardown();
  printf("test_net_drops %s: passed\n", tc);
  return 0;
}
