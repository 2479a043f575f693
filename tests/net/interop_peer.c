/* interop_peer.c: our side of tests/net/interop.js, built on net/ (libuv
 * listener/dialer, SHS, Box Stream).
 *   interop_peer client HOST PORT SERVER_PK_HEX   dial a JS server
 *   interop_peer server                           listen on 127.0.0.1:0, print
 *                                                 "LISTEN port pkhex", serve one peer
 * Sends messages of the sizes in SIZES (pattern dir 0), then the goodbye;
 * checks that it receives the JS side's messages (pattern dir 1) and a clean
 * end. Exit 0 only then. */
#include <sodium.h>
#include <uv.h>

#include "core/err.h"
#include "core/num.h"
#include "net/address.h"
#include "net/net.h"
#include "tests/net/test_util.h"

static const size_t SIZES[] = {1, 100, 4096, 4097, 10000, 70000};
#define NSIZES (sizeof SIZES / sizeof SIZES[0])

static uint8_t *expected, *received;
static size_t expected_len, received_len, chunks;
static int closed_reason = 1, connected_count;
static sr_net_t g_net;

static void fill(uint8_t *b, size_t len, int dir, size_t k) {
  for (size_t i = 0; i < len; i++) b[i] = (uint8_t)((i * 31 + k * 7 + (size_t)dir * 101) & 0xff);
}

static void on_connected(sr_net_conn_t *c, const uint8_t *pk) {
  (void)pk;
  connected_count++;
  for (size_t k = 0; k < NSIZES; k++) {
    uint8_t *m = malloc(SIZES[k]);
    CHECK(m);
    fill(m, SIZES[k], 0, k);
    CHECK(sr_net_conn_write(c, m, SIZES[k]) == 0);
    free(m);
  }
  CHECK(sr_net_conn_goodbye(c) == 0);
}

static void on_message(sr_net_conn_t *c, const uint8_t *buf, size_t len) {
  (void)c;
  CHECK(len >= 1 && len <= SR_BOX_BODY_MAX);
  CHECK(received_len + len <= expected_len);
  memcpy(received + received_len, buf, len);
  received_len += len;
  chunks++;
}

static void on_closed(sr_net_conn_t *c, int reason) {
  (void)c;
  closed_reason = reason;
  printf("closed: %s\n", sr_errname(reason));
  fflush(stdout);
  sr_net_close(&g_net);
}

int main(int argc, char **argv) {
  uv_loop_t loop;
  sr_net_config_t cfg;
  sr_net_conn_t *conn = NULL;
  int server = argc == 2 && strcmp(argv[1], "server") == 0;
  int client = argc == 5 && strcmp(argv[1], "client") == 0;

  CHECK(server || client);
  CHECK(sodium_init() >= 0);
  for (size_t k = 0; k < NSIZES; k++) expected_len += SIZES[k];
  expected = malloc(expected_len);
  received = malloc(expected_len);
  CHECK(expected && received);
  for (size_t k = 0, off = 0; k < NSIZES; off += SIZES[k], k++) fill(expected + off, SIZES[k], 1, k);

  memset(&cfg, 0, sizeof cfg);
  sr_net_netkey_default(cfg.netkey);
  crypto_sign_keypair(cfg.pk, cfg.sk);
  cfg.cb.connected = on_connected;
  cfg.cb.message = on_message;
  cfg.cb.closed = on_closed;
  CHECK(uv_loop_init(&loop) == 0);
  CHECK(sr_net_init(&g_net, &loop, &cfg) == 0);
  if (server) {
    char pkhex[SR_HEX_KEY_LEN + 1];
    CHECK(sr_net_listen(&g_net, "127.0.0.1", 0) == 0);
    tu_hex(cfg.pk, SR_NET_KEY_BYTES, pkhex);
    printf("LISTEN %d %s\n", sr_net_listen_port(&g_net), pkhex);
    fflush(stdout);
  } else {
    uint8_t spk[SR_NET_KEY_BYTES];
    CHECK(tu_unhex(argv[4], spk, sizeof spk) == 0);
    uint64_t port;
    CHECK(sr_parse_u64(argv[3], 1, 65535, &port) == 0);
    CHECK(sr_net_dial(&g_net, argv[2], (uint16_t)port, spk, NULL, &conn) == 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  sodium_memzero(cfg.sk, sizeof cfg.sk);
  printf("received %zu bytes in %zu chunks, closed %s\n", received_len, chunks, sr_errname(closed_reason));
  CHECK(connected_count == 1);
  CHECK(closed_reason == 0);
  CHECK(received_len == expected_len);
  CHECK(memcmp(received, expected, expected_len) == 0);
  free(expected);
  free(received);
  return 0;
}
