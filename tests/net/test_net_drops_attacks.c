/* test_net_drops_attacks.c (part of test_net_drops): the bad peers that need
 * raw bytes, each run on a thread with blocking sockets while the main thread
 * runs the libuv loop: a wrong network key, an HTTP request, a replayed first
 * message, a stalled or silent handshake, a flood of half-open handshakes, a
 * corrupt box after a good handshake. */
#include "tests/net/test_net_drops.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "core/boxstream.h"
#include "core/shs.h"


/* what the attacker thread saw */
volatile int attacker_done;
size_t attacker_bytes;   /* bytes received after the part it expected */
int attacker_eof;        /* saw an orderly EOF (not a timeout) */
double attacker_elapsed; /* seconds from its last send to EOF */

/* ---- blocking-socket helpers for the attacker thread ---- */

static int raw_connect(void) {
  struct sockaddr_in sa;
  struct timeval tv = {5, 0};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
  CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
  return fd;
}

/* Read until EOF; count bytes; note whether EOF (vs timeout/error) ended it. */
static void drain_to_eof(int fd, double since) {
  uint8_t buf[4096];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r > 0) {
      attacker_bytes += (size_t)r;
      continue;
    }
    attacker_eof = (r == 0) || errno == ECONNRESET;
    break;
  }
  attacker_elapsed = now_s() - since;
}

static void *attacker_main(void *arg) {
  ((attack_fn)arg)();
  attacker_done = 1;
  return NULL;
}

void attack_wrong_netkey(void) {
  uint8_t other[SR_SHS_NETKEY_BYTES], out[SR_SHS_MSG_MAX];
  size_t n;
  sr_shs_t hs;
  int fd = raw_connect();
  randombytes_buf(other, sizeof other);
  CHECK(sr_shs_client_init(&hs, other, alice.pk, alice.sk, bob.pk, NULL) == 0);
  CHECK(sr_shs_start(&hs, out, &n) == 0);
  CHECK(tu_write_all(fd, out, n) == 0);
  drain_to_eof(fd, now_s());
  sr_shs_wipe(&hs);
  close(fd);
}

void attack_garbage(void) {
  static const char req[] =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curious-scanner/1.0\r\n"
      "Accept: */*\r\n\r\n";
  int fd = raw_connect();
  CHECK(sizeof req - 1 >= SR_SHS_MSG1_BYTES);
  CHECK(tu_write_all(fd, (const uint8_t *)req, sizeof req - 1) == 0);
  drain_to_eof(fd, now_s());
  close(fd);
}

void attack_replayed_msg1(void) {
  /* record msg1 and msg3 of a genuine session with bob's key (in memory),
   * then replay them to the listener in a new session */
  sr_shs_t c, s;
  uint8_t m1[SR_SHS_MSG_MAX], m2[SR_SHS_MSG_MAX], m3[SR_SHS_MSG_MAX], m4[SR_SHS_MSG_MAX];
  size_t n1, n2, n3, n4;
  int fd;
  CHECK(sr_shs_client_init(&c, netkey, alice.pk, alice.sk, bob.pk, NULL) == 0);
  CHECK(sr_shs_server_init(&s, netkey, bob.pk, bob.sk, NULL) == 0);
  CHECK(sr_shs_start(&s, m1, &n1) == 0 && sr_shs_start(&c, m1, &n1) == 0);
  CHECK(sr_shs_recv(&s, m1, n1, m2, &n2) == 0);
  CHECK(sr_shs_recv(&c, m2, n2, m3, &n3) == 0);
  CHECK(sr_shs_recv(&s, m3, n3, m4, &n4) == 0); /* the recorded session was genuine */
  sr_shs_wipe(&c);
  sr_shs_wipe(&s);

  fd = raw_connect();
  CHECK(tu_write_all(fd, m1, n1) == 0);
  CHECK(tu_read_exact(fd, m2, SR_SHS_MSG2_BYTES) == 0); /* a replayed msg1 is answered... */
  CHECK(tu_write_all(fd, m3, n3) == 0);                 /* ...but the old msg3 cannot open */
  drain_to_eof(fd, now_s());
  close(fd);
}

void attack_stalled(void) {
  uint8_t partial[10] = {1, 2, 3};
  int fd = raw_connect();
  double t0;
  CHECK(tu_write_all(fd, partial, sizeof partial) == 0);
  t0 = now_s();
  drain_to_eof(fd, t0);
  close(fd);
}

/* SR_NET_HANDSHAKES_PER_HOST half-open connections that say nothing, then one
 * more from the same address: that one is refused at once (SR_EHSLIMIT, not a
 * timeout); then the silent ones are closed. */
void attack_flood(void) {
  int fds[SR_NET_HANDSHAKES_PER_HOST];
  for (int i = 0; i < SR_NET_HANDSHAKES_PER_HOST; i++) fds[i] = raw_connect();
  int fd = raw_connect();
  drain_to_eof(fd, now_s());
  close(fd);
  for (int i = 0; i < SR_NET_HANDSHAKES_PER_HOST; i++) close(fds[i]);
}

void attack_corrupt_box(void) {
  sr_shs_t hs;
  sr_shs_result_t res;
  sr_box_writer_t w;
  uint8_t in[SR_SHS_MSG_MAX], out[SR_SHS_MSG_MAX], wire[256];
  size_t n, a, b;
  int fd = raw_connect();
  CHECK(sr_shs_client_init(&hs, netkey, alice.pk, alice.sk, bob.pk, NULL) == 0);
  CHECK(sr_shs_start(&hs, out, &n) == 0 && tu_write_all(fd, out, n) == 0);
  while (!sr_shs_done(&hs)) {
    size_t want = sr_shs_expect(&hs);
    CHECK(tu_read_exact(fd, in, want) == 0);
    CHECK(sr_shs_recv(&hs, in, want, out, &n) == 0);
    if (n) CHECK(tu_write_all(fd, out, n) == 0);
  }
  CHECK(sr_shs_result(&hs, &res) == 0);
  sr_shs_wipe(&hs);
  CHECK(sr_box_writer_init(&w, res.enc_key, res.enc_nonce) == 0);
  CHECK(sr_box_writer_seal(&w, (const uint8_t *)"first", 5, wire, 128, &a) == 0);
  CHECK(sr_box_writer_seal(&w, (const uint8_t *)"second", 6, wire + a, 128, &b) == 0);
  wire[a + SR_BOX_HEADER_BYTES + 2] ^= 0x40; /* corrupt the second body */
  CHECK(tu_write_all(fd, wire, a + b) == 0);
  drain_to_eof(fd, now_s());
  sr_box_writer_wipe(&w);
  sodium_memzero(&res, sizeof res);
  close(fd);
}

/* A silent connection: connect, send nothing, read until the listener hangs up. */
void attack_silent(void) {
  int fd = raw_connect();
  drain_to_eof(fd, now_s());
  close(fd);
}

static int pred_attack_logged(void) { return attacker_done && count_log("S dropped inbound", NULL) >= 1; }

/* Runs the attack fn on its thread and the loop until done holds. */
void attack(attack_fn fn, int (*done)(void)) {
  pthread_t th;
  reset_counters();
  attacker_done = 0;
  attacker_bytes = 0;
  attacker_eof = 0;
  CHECK(pthread_create(&th, NULL, attacker_main, (void *)fn) == 0);
  run_until(done);
  CHECK(pthread_join(th, NULL) == 0);
}

void bad_peer(attack_fn fn, const char *errname) {
  attack(fn, pred_attack_logged);
  CHECK(count_log("S dropped inbound", NULL) == 1);
  CHECK(count_log("S dropped inbound", errname) == 1);
  CHECK(attacker_eof); /* the listener closed the connection */
}
