/* hostile_conns.c (part of hostile_peer): misbehaviours of many connections —
 * --sessions, throwaway identities each holding a session with pings only,
 * and --reconnect, a flood of connections that each send a first message that
 * is none. Each is a whole run with a JSON line of its own. */
#include "tests/multi/hostile_peer.h"
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/shs.h"

/* ---- --sessions: many throwaway identities keeping slots with pings ---- */

static volatile sig_atomic_t stop_flag;
static void on_stop(int sig) {
  (void)sig;
  stop_flag = 1;
}

typedef struct sess {
  int fd;
  sr_box_writer_t w;
  double opened_at;
} sess_t;

/* One session with the key (key_pk, key_sk), or a fresh one when key_pk is
 * NULL: TCP, SHS, hello. 0, or an SR_E* code. */
static int sess_open(sess_t *s, const struct addrinfo *ai, const uint8_t server_pk[SR_KEY_BYTES],
                     const uint8_t netkey[SR_NET_NETKEY_BYTES], const uint8_t *key_pk, const uint8_t *key_sk) {
  uint8_t pk[SR_KEY_BYTES], sk[SR_SECRET_BYTES], out[SR_SHS_MSG_MAX], in[SR_SHS_MSG_MAX];
  size_t olen = 0;
  sr_shs_t hs;
  int rc;
  s->fd = socket(ai->ai_family, SOCK_STREAM, 0);
  if (s->fd < 0 || connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0) return SR_ENETCONNECT;
  fd = s->fd; /* read_exact reads the global fd */
  if (key_pk) {
    memcpy(pk, key_pk, sizeof pk);
    memcpy(sk, key_sk, sizeof sk);
  } else {
    crypto_sign_keypair(pk, sk);
  }
  rc = sr_shs_client_init(&hs, netkey, pk, sk, server_pk, NULL);
  if (rc == 0) rc = sr_shs_start(&hs, out, &olen);
  if (rc == 0 && send(s->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
  while (rc == 0 && !sr_shs_done(&hs)) {
    size_t want = sr_shs_expect(&hs);
    rc = read_exact(in, want, 15000);
    if (rc == 0) rc = sr_shs_recv(&hs, in, want, out, &olen);
    if (rc == 0 && olen > 0 && send(s->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
  }
  if (rc == 0) {
    sr_shs_result_t r;
    rc = sr_shs_result(&hs, &r);
    if (rc == 0) rc = sr_box_writer_init(&s->w, r.enc_key, r.enc_nonce); /* what the node sends is read, not opened */
    sodium_memzero(&r, sizeof r);
  }
  sr_shs_wipe(&hs);
  sodium_memzero(sk, sizeof sk);
  fd = -1;
  if (rc == 0) {
    msgpack_sbuffer sb;
    uint8_t box[256];
    msgpack_sbuffer_init(&sb);
    rc = sr_frame_hello(&sb, "hostile_peer/1", 0);
    if (rc == 0 && (sr_box_writer_seal(&s->w, (const uint8_t *)sb.data, sb.size, box, sizeof box, &olen) != 0 ||
                    send(s->fd, box, olen, MSG_NOSIGNAL) != (ssize_t)olen))
      rc = SR_ENETIO;
    msgpack_sbuffer_destroy(&sb);
  }
  s->opened_at = now_ms();
  return rc;
}

int run_sessions(const char *host, const char *portstr, const uint8_t server_pk[SR_KEY_BYTES],
                 const uint8_t netkey[SR_NET_NETKEY_BYTES], int n, int wait_ms, int ping_ms) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  sess_t *ss = calloc((size_t)n, sizeof *ss);
  int opened = 0, failed = 0, ended = 0, alive = 0;
  double t0 = now_ms(), next_ping;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop; /* no SA_RESTART: poll returns */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  if (!ss || getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
    fprintf(stderr, "hostile_peer: cannot resolve %s\n", host);
    free(ss);
    return 2;
  }
  for (int i = 0; i < n; i++) ss[i].fd = -1;
  for (int i = 0; i < n && !stop_flag; i++) {
    int rc = sess_open(&ss[i], res, server_pk, netkey, NULL, NULL);
    if (rc == 0) {
      opened++;
      continue;
    }
    printf("session %d: %s\n", i, sr_errname(rc));
    failed++;
    if (ss[i].fd >= 0) close(ss[i].fd);
    ss[i].fd = -1;
  }
  freeaddrinfo(res);
  printf("%d sessions opened\n", opened);
  fflush(stdout);
  next_ping = now_ms() + ping_ms;
  while (!stop_flag && now_ms() - t0 < wait_ms) {
    struct pollfd pf[1024];
    int np = n < 1024 ? n : 1024;
    for (int i = 0; i < np; i++) pf[i].fd = ss[i].fd, pf[i].events = POLLIN, pf[i].revents = 0;
    int left = (int)(next_ping - now_ms());
    if (poll(pf, (nfds_t)np, left > 0 ? left : 0) < 0 && errno != EINTR) break;
    for (int i = 0; i < np; i++) {
      uint8_t buf[65536];
      if (ss[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = recv(ss[i].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR))) continue;
      printf("session %d ended by the node after %.0f ms\n", i, now_ms() - ss[i].opened_at);
      fflush(stdout);
      close(ss[i].fd);
      ss[i].fd = -1;
      ended++;
    }
    if (now_ms() >= next_ping) {
      static const uint8_t ping[2] = {0x91, 0x08};
      for (int i = 0; i < n; i++) {
        uint8_t box[SR_BOX_HEADER_BYTES + sizeof ping];
        size_t olen = 0;
        if (ss[i].fd < 0 || sr_box_writer_seal(&ss[i].w, ping, sizeof ping, box, sizeof box, &olen) != 0) continue;
        (void)send(ss[i].fd, box, olen, MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      next_ping = now_ms() + ping_ms;
    }
  }
  for (int i = 0; i < n; i++) {
    if (ss[i].fd < 0) continue;
    alive++;
    sr_box_writer_wipe(&ss[i].w);
    close(ss[i].fd);
  }
  free(ss);
  printf(
      "{\"mode\":\"sessions\",\"sessions\":%d,\"opened\":%d,\"handshake_failed\":%d,\"ended\":%d,"
      "\"alive\":%d,\"elapsed_ms\":%.0f}\n",
      n, opened, failed, ended, alive, now_ms() - t0);
  fflush(stdout);
  return 0;
}

int run_reconnect(const char *host, const char *portstr, int n) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  uint8_t junk[SR_SHS_MSG1_BYTES], buf[256];
  int made = 0;
  double t0 = now_ms();
  if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
    fprintf(stderr, "hostile_peer: cannot resolve %s\n", host);
    return 2;
  }
  memset(junk, 0x41, sizeof junk); /* a whole msg1 that is not one (SR_EHSNETKEY) */
  for (int i = 0; i < n; i++) {
    int s = socket(res->ai_family, SOCK_STREAM, 0);
    if (s < 0) break;
    if (connect(s, res->ai_addr, res->ai_addrlen) == 0) {
      struct timeval tv = {5, 0};
      made++;
      setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      (void)send(s, junk, sizeof junk, MSG_NOSIGNAL);
      while (recv(s, buf, sizeof buf, 0) > 0) {
      }
    }
    close(s);
  }
  freeaddrinfo(res);
  printf("{\"mode\":\"reconnect\",\"connections\":%d,\"made\":%d,\"elapsed_ms\":%.0f}\n", n, made, now_ms() - t0);
  fflush(stdout);
  return 0;
}

/* ---- --reconnect-loop: one identity's sessions, opened and cut at once ---- */

int run_reconnect_loop(const char *host, const char *portstr, const uint8_t server_pk[SR_KEY_BYTES],
                       const uint8_t netkey[SR_NET_NETKEY_BYTES], int n, const uint8_t *pk, const uint8_t *sk) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  int made = 0, failed = 0;
  double t0 = now_ms();
  if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
    fprintf(stderr, "hostile_peer: cannot resolve %s\n", host);
    return 2;
  }
  for (int i = 0; i < n; i++) {
    sess_t s = {.fd = -1};
    int rc = sess_open(&s, res, server_pk, netkey, pk, sk);
    if (rc == 0) made++;
    else {
      if (failed < 5) printf("session %d: %s\n", i, sr_errname(rc));
      failed++;
    }
    sr_box_writer_wipe(&s.w);
    if (s.fd >= 0) close(s.fd); /* no goodbye: the node notices the cut */
  }
  freeaddrinfo(res);
  printf(
      "{\"mode\":\"reconnect-loop\",\"connections\":%d,\"sessions\":%d,\"handshake_failed\":%d,"
      "\"elapsed_ms\":%.0f}\n",
      n, made, failed, now_ms() - t0);
  fflush(stdout);
  return 0;
}
