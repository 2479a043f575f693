/* hostile_peer.c: a misbehaving Seurone peer for the multi-node tests.
 *
 *   hostile_peer ADDRESS MODE [--netkey HEX] [--wait MS] [--seed N] [--no-hello]
 *
 * Dials ADDRESS (seurone://HOST:PORT/KEYHEX) with a fresh identity, completes
 * Secret Handshake v1 (core/shs.h) with the network key (default: Seurone's),
 * and then, inside Box Stream (core/boxstream.h), sends hello [1, 1, agent,
 * false] (unless --no-hello) and misbehaves:
 *
 *   --garbage [BYTES]   BYTES (default 65536) random bytes in valid boxes
 *   --raw-garbage [BYTES] BYTES random bytes straight on the socket (not boxed)
 *   --stall             nothing more; stays connected and reads
 *   --silent            not even the handshake: TCP connect, then nothing
 *   --flood N           N ping frames [8] as fast as the socket takes them
 *   --huge              an entry frame whose bin header claims 1 GiB, then filler
 *                       (up to 1 MiB) until the node hangs up
 *   --hello-only        hello, then a clean goodbye (a well-behaved control)
 *   --announce ADDRESS  hello, a reachable frame [10, ADDRESS] (an address that may
 *                       name another key than ours: a lie), then a clean goodbye
 *   --peers-flood N     N peers frames, each with 32 made-up addresses of random
 *                       keys (seurone://127.0.0.1:PORT/KEY, PORT in 1..1000, where
 *                       nothing listens), then a clean goodbye
 *   --notes-flood SECONDS  for SECONDS, notes frames of 256 random authors, each
 *                       followed by a have frame for another random author, at
 *                       --rate pairs per second (default 400: about 4.5 MB/s and
 *                       800 frames/s, inside the default rate limits), then waits
 *   --resend N          an entry of our own log (seq 1, an about entry) N times as
 *                       fast as the socket takes it, then waits
 *   --ask HEX[,HEX...]  notes [A, 0, eager] for each author A and a have
 *                       [A, 1000000] (a claim to hold more than the node), then
 *                       waits and reads what the node answers
 *
 *   --key-seed HEX      our identity from a 32-byte seed (64 hex digits) instead of
 *                       a fresh one: a test can make the node follow us
 *   --sessions N [--ping-ms MS]
 *                       N sessions at once, each with a fresh identity (throwaway
 *                       keys), each sending hello and then only a ping every MS
 *                       (default 1000) while reading whatever the node sends;
 *                       until --wait MS or SIGTERM. The last line is then
 *                       {"mode": "sessions", "sessions": N, "opened" (handshake
 *                       and hello done), "handshake_failed", "ended" (closed by
 *                       the node), "alive", "elapsed_ms"}; one line "session I
 *                       ended by the node after MS ms" per session it closed.
 *   --reconnect N       a reconnect flood: N TCP connections one after another,
 *                       each sending 64 bytes that are no handshake message, then
 *                       waiting for the node to hang up; the last line is
 *                       {"mode": "reconnect", "connections": N, "made",
 *                       "elapsed_ms"}.
 *
 * Then it waits up to --wait MS (default 15000) for the node to close the
 * connection, reading (and decoding) whatever the node sends. Human-readable
 * lines go to stdout; the LAST line is one JSON object:
 *   {"mode", "key" (our key hex), "handshake": bool, "handshake_error": str|null,
 *    "sent_frames", "sent_bytes", "received_bytes", "received_frames",
 *    "received_kinds": {"1": n, ...}, "closed": bool, "how": "eof"|"reset"|
 *    "goodbye"|"box-error"|null, "noted": [author hex the node sent notes for],
 *    "entries": {author hex: entry frames received}, "closed_after_ms" (from the end of the handshake,
 *    or from connect for --silent; null if still open), "action_ms" (when the
 *    misbehaviour was fully sent), "elapsed_ms"}
 * Exit 0 whatever the node did; 2 on a usage error or when the TCP connection
 * cannot be made.
 */
#include "core/clock.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/boxstream.h"
#include "core/entry.h"
#include "core/err.h"
#include "core/num.h"
#include "core/frame.h"
#include "core/hex.h"
#include "core/shs.h"
#include "net/address.h"

enum {
  M_GARBAGE = 1,
  M_RAW,
  M_STALL,
  M_SILENT,
  M_FLOOD,
  M_HUGE,
  M_HELLO_ONLY,
  M_ANNOUNCE,
  M_PEERS_FLOOD,
  M_NOTES,
  M_RESEND,
  M_ASK,
  M_SESSIONS,
  M_RECONNECT
};
static const char *MODE_NAMES[] = {"",     "garbage",    "raw-garbage", "stall",       "silent",      "flood",
                                   "huge", "hello-only", "announce",    "peers-flood", "notes-flood", "resend",
                                   "ask",  "sessions",   "reconnect"};

static int fd = -1;
static sr_box_writer_t writer;
static sr_box_reader_t reader;
static int boxed;   /* handshake done: reader/writer usable */
static double t_hs; /* time the handshake finished (or connect, for --silent) */
static double t_action = -1;
static unsigned long long sent_frames, sent_bytes, recv_bytes, recv_frames, recv_kinds[16];
static int closed;
static const char *how;
static double t_closed = -1;
static uint8_t fbuf[1 << 17]; /* plaintext received, for frame decoding */
static size_t fhave;
static int fbroken; /* frame stream undecodable: stop decoding */
/* Authors the node told us about (notes) and sent entries of: what it reveals. */
#define SEEN_MAX 256
static uint8_t noted[SEEN_MAX][SR_KEY_BYTES], entried[SEEN_MAX][SR_KEY_BYTES];
static unsigned long long entried_n[SEEN_MAX];
static size_t nnoted, nentried;

static size_t seen_slot(uint8_t (*set)[SR_KEY_BYTES], size_t *n, const uint8_t *a) {
  for (size_t i = 0; i < *n; i++)
    if (!memcmp(set[i], a, SR_KEY_BYTES)) return i;
  if (*n == SEEN_MAX) return SEEN_MAX;
  memcpy(set[*n], a, SR_KEY_BYTES);
  return (*n)++;
}

static double now_ms(void) { return (double)sr_mono_ns() / 1e6; }

static void mark_closed(const char *why) {
  if (closed) return;
  closed = 1;
  how = why;
  t_closed = now_ms();
  printf("node closed the connection (%s) after %.0f ms\n", why, t_closed - t_hs);
  fflush(stdout);
}

/* Decode whole frames out of fbuf, counting kinds. */
static void decode_frames(void) {
  while (!fbroken && fhave > 0) {
    size_t flen = 0;
    int rc = sr_frame_next(fbuf, fhave, &flen);
    if (rc == SR_ETRUNC) return;
    if (rc != 0) {
      printf("node sent bytes that are not a frame: %s\n", sr_errname(rc));
      fbroken = 1;
      return;
    }
    static sr_frame_t f;
    rc = sr_frame_decode(fbuf, flen, &f);
    if (rc == 0) {
      recv_frames++;
      if (f.kind >= 0 && f.kind < 16) recv_kinds[f.kind]++;
      if (f.kind == SR_FRAME_HELLO)
        printf("node said hello: version %llu agent \"%.*s\" relay %d\n", (unsigned long long)f.version,
               (int)f.agent_len, f.agent, f.relay);
      if (f.kind == SR_FRAME_NOTES)
        for (uint32_t k = 0; k < f.nnotes; k++) seen_slot(noted, &nnoted, f.notes[k].author);
      uint8_t author[SR_KEY_BYTES];
      if (f.kind == SR_FRAME_ENTRY && sr_entry_peek_author(f.entry, f.entry_len, author) == 0) {
        size_t k = seen_slot(entried, &nentried, author);
        if (k < SEEN_MAX) entried_n[k]++;
      }
    } else {
      printf("node sent an undecodable frame: %s\n", sr_errname(rc));
    }
    memmove(fbuf, fbuf + flen, fhave - flen);
    fhave -= flen;
  }
}

/* Handle readable bytes. Returns 1 if the connection ended. */
static int read_some(void) {
  uint8_t buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0) {
    mark_closed("eof");
    return 1;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    mark_closed(errno == ECONNRESET ? "reset" : "error");
    return 1;
  }
  recv_bytes += (unsigned long long)n;
  if (!boxed) return 0;
  size_t off = 0;
  while (off < (size_t)n) {
    size_t used = 0, mlen = 0;
    const uint8_t *msg = NULL;
    int rc = sr_box_reader_feed(&reader, buf + off, (size_t)n - off, &used, &msg, &mlen);
    off += used;
    if (rc == SR_BOX_MSG) {
      if (fhave + mlen <= sizeof fbuf) {
        memcpy(fbuf + fhave, msg, mlen);
        fhave += mlen;
        decode_frames();
      } else {
        fbroken = 1;
      }
    } else if (rc == SR_BOX_GOODBYE) {
      /* The node ended the session: answer with our goodbye (it waits for it). */
      uint8_t bye[SR_BOX_GOODBYE_BYTES];
      if (!writer.said_goodbye && sr_box_writer_goodbye(&writer, bye) == 0)
        (void)send(fd, bye, sizeof bye, MSG_NOSIGNAL | MSG_DONTWAIT);
      mark_closed("goodbye");
      return 1;
    } else if (rc < 0) {
      printf("node's box stream failed: %s\n", sr_errname(rc));
      mark_closed("box-error");
      return 1;
    } else {
      break; /* SR_BOX_NEED */
    }
  }
  return 0;
}

/* Write all of buf, reading meanwhile. Returns 0, or -1 if the node closed. */
static int send_all(const uint8_t *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    struct pollfd p = {.fd = fd, .events = POLLOUT | POLLIN};
    if (poll(&p, 1, 1000) < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      if (read_some()) return -1;
    }
    if (p.revents & POLLOUT) {
      ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        mark_closed(errno == ECONNRESET ? "reset" : "eof");
        return -1;
      }
      off += (size_t)n;
      sent_bytes += (unsigned long long)n;
    }
    if (closed) return -1;
  }
  return 0;
}

static int send_boxed(const uint8_t *msg, size_t len) {
  static uint8_t out[1 << 17];
  size_t olen = 0;
  if (sr_box_writer_seal(&writer, msg, len, out, sizeof out, &olen) != 0) return -1;
  return send_all(out, olen);
}

/* Blocking read of exactly len bytes with a deadline (handshake only). */
static int read_exact(uint8_t *buf, size_t len, int timeout_ms) {
  size_t off = 0;
  double end = now_ms() + timeout_ms;
  while (off < len) {
    int left = (int)(end - now_ms());
    if (left <= 0) return SR_ETIMEOUT;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, left);
    if (r < 0 && errno != EINTR) return SR_ENETIO;
    if (r <= 0) continue;
    ssize_t n = recv(fd, buf + off, len - off, 0);
    if (n == 0) return SR_EHSCLOSED;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return errno == ECONNRESET ? SR_EHSCLOSED : SR_ENETIO;
    }
    off += (size_t)n;
  }
  return 0;
}

static void wait_for_close(int wait_ms) {
  double end = now_ms() + wait_ms;
  while (!closed) {
    int left = (int)(end - now_ms());
    if (left <= 0) break;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, left);
    if (r < 0 && errno != EINTR) break;
    if (r > 0) read_some();
  }
}

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

/* One session with a fresh key: TCP, SHS, hello. 0, or an SR_E* code. */
static int sess_open(sess_t *s, const struct addrinfo *ai, const uint8_t server_pk[SR_KEY_BYTES],
                     const uint8_t netkey[SR_NET_NETKEY_BYTES]) {
  uint8_t pk[SR_KEY_BYTES], sk[SR_SECRET_BYTES], out[SR_SHS_MSG_MAX], in[SR_SHS_MSG_MAX];
  size_t olen = 0;
  sr_shs_t hs;
  int rc;
  s->fd = socket(ai->ai_family, SOCK_STREAM, 0);
  if (s->fd < 0 || connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0) return SR_ENETCONNECT;
  fd = s->fd; /* read_exact reads the global fd */
  crypto_sign_keypair(pk, sk);
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

static int run_sessions(const char *host, const char *portstr, const uint8_t server_pk[SR_KEY_BYTES],
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
    int rc = sess_open(&ss[i], res, server_pk, netkey);
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

static int run_reconnect(const char *host, const char *portstr, int n) {
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

static void usage(void) {
  fprintf(stderr,
          "usage: hostile_peer ADDRESS (--garbage [BYTES] | --raw-garbage [BYTES] | --stall | --silent |\n"
          "                     --flood N | --huge | --hello-only | --announce ADDRESS | --peers-flood N |\n"
          "                     --notes-flood SECONDS | --resend N | --ask HEX[,HEX...] |\n"
          "                     --sessions N [--ping-ms MS] | --reconnect N) [--netkey HEX] [--wait MS]\n"
          "                     [--seed N] [--rate N] [--key-seed HEX] [--no-hello]\n");
  exit(2);
}

/* Digits only, up to INT32_MAX: then atoi and strtoull below read it exactly. */
static int is_number(const char *s) {
  uint64_t v;
  return sr_parse_u64(s, 0, INT32_MAX, &v) == 0;
}

int main(int argc, char **argv) {
  const char *address = NULL, *netkey_hex = NULL, *announce = NULL, *key_seed = NULL, *ask = NULL;
  int mode = 0, wait_ms = 15000, hello = 1, ping_ms = 1000;
  unsigned long long count = 0, seed = 1, rate = 400;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--garbage") || !strcmp(a, "--raw-garbage")) {
      mode = !strcmp(a, "--garbage") ? M_GARBAGE : M_RAW;
      count = 65536;
      if (i + 1 < argc && is_number(argv[i + 1])) count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--stall")) {
      mode = M_STALL;
    } else if (!strcmp(a, "--silent")) {
      mode = M_SILENT;
    } else if (!strcmp(a, "--huge")) {
      mode = M_HUGE;
    } else if (!strcmp(a, "--hello-only")) {
      mode = M_HELLO_ONLY;
    } else if (!strcmp(a, "--announce") && i + 1 < argc) {
      mode = M_ANNOUNCE;
      announce = argv[++i];
    } else if (!strcmp(a, "--peers-flood") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_PEERS_FLOOD;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--flood") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_FLOOD;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--notes-flood") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_NOTES;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--resend") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_RESEND;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--ask") && i + 1 < argc) {
      mode = M_ASK;
      ask = argv[++i];
    } else if (!strcmp(a, "--rate") && i + 1 < argc && is_number(argv[i + 1])) {
      rate = strtoull(argv[++i], NULL, 10);
      if (!rate) usage();
    } else if (!strcmp(a, "--key-seed") && i + 1 < argc) {
      key_seed = argv[++i];
    } else if (!strcmp(a, "--sessions") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_SESSIONS;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--reconnect") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_RECONNECT;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--ping-ms") && i + 1 < argc && is_number(argv[i + 1])) {
      ping_ms = atoi(argv[++i]);
    } else if (!strcmp(a, "--netkey") && i + 1 < argc) {
      netkey_hex = argv[++i];
    } else if (!strcmp(a, "--wait") && i + 1 < argc && is_number(argv[i + 1])) {
      wait_ms = atoi(argv[++i]);
    } else if (!strcmp(a, "--seed") && i + 1 < argc && is_number(argv[i + 1])) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--no-hello")) {
      hello = 0;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage();
    } else if (a[0] != '-' && !address) {
      address = a;
    } else {
      usage();
    }
  }
  if (!address || !mode) usage();
  if (sodium_init() < 0) return 2;
  signal(SIGPIPE, SIG_IGN);

  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t server_pk[SR_KEY_BYTES], netkey[SR_NET_NETKEY_BYTES], pk[SR_KEY_BYTES], sk[SR_SECRET_BYTES];
  int rc = sr_net_address_parse(address, host, sizeof host, &port, server_pk);
  if (rc != 0) {
    fprintf(stderr, "hostile_peer: bad address %s: %s\n", address, sr_errname(rc));
    return 2;
  }
  if (netkey_hex) {
    if (sr_net_netkey_parse(netkey_hex, netkey) != 0) {
      fprintf(stderr, "hostile_peer: bad --netkey\n");
      return 2;
    }
  } else {
    sr_net_netkey_default(netkey);
  }
  if (mode == M_RECONNECT) {
    char ps[8];
    if (count < 1 || count > 10000000) usage();
    snprintf(ps, sizeof ps, "%u", port);
    return run_reconnect(host, ps, (int)count);
  }
  if (mode == M_SESSIONS) {
    char ps[8];
    if (count < 1 || count > 1024 || ping_ms < 1) usage();
    snprintf(ps, sizeof ps, "%u", port);
    return run_sessions(host, ps, server_pk, netkey, (int)count, wait_ms, ping_ms);
  }
  if (key_seed) {
    uint8_t ks[crypto_sign_SEEDBYTES];
    if (strlen(key_seed) != 2 * sizeof ks || sr_hex_decode(key_seed, ks, sizeof ks) != 0) {
      fprintf(stderr, "hostile_peer: bad --key-seed (64 hex digits)\n");
      return 2;
    }
    crypto_sign_seed_keypair(pk, sk, ks);
  } else {
    crypto_sign_keypair(pk, sk);
  }
  char pkhex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(pk, SR_KEY_BYTES, pkhex);
  printf("hostile peer %s, mode %s\n", pkhex, MODE_NAMES[mode]);

  /* TCP connect. */
  char portstr[8];
  snprintf(portstr, sizeof portstr, "%u", port);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
    fprintf(stderr, "hostile_peer: cannot resolve %s\n", host);
    return 2;
  }
  fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    fprintf(stderr, "hostile_peer: cannot connect to %s:%s: %s\n", host, portstr, strerror(errno));
    freeaddrinfo(res);
    return 2;
  }
  freeaddrinfo(res);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  printf("connected to %s:%s\n", host, portstr);
  fflush(stdout);
  double t0 = now_ms();

  int handshake = 0;
  const char *hs_error = NULL;
  if (mode == M_SILENT) {
    t_hs = t0;
    t_action = 0;
    wait_for_close(wait_ms);
  } else {
    sr_shs_t hs;
    uint8_t out[SR_SHS_MSG_MAX], in[SR_SHS_MSG_MAX];
    size_t olen = 0;
    rc = sr_shs_client_init(&hs, netkey, pk, sk, server_pk, NULL);
    if (rc == 0) rc = sr_shs_start(&hs, out, &olen);
    if (rc == 0 && send(fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
    while (rc == 0 && !sr_shs_done(&hs)) {
      size_t want = sr_shs_expect(&hs);
      rc = read_exact(in, want, 15000);
      if (rc == 0) rc = sr_shs_recv(&hs, in, want, out, &olen);
      if (rc == 0 && olen > 0 && send(fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
    }
    if (rc == 0) {
      sr_shs_result_t r;
      rc = sr_shs_result(&hs, &r);
      if (rc == 0) rc = sr_box_writer_init(&writer, r.enc_key, r.enc_nonce);
      if (rc == 0) rc = sr_box_reader_init(&reader, r.dec_key, r.dec_nonce);
      sodium_memzero(&r, sizeof r);
    }
    if (rc == 0) {
      boxed = 1;
      handshake = 1;
      t_hs = now_ms();
      printf("handshake done in %.0f ms\n", t_hs - t0);
    } else {
      hs_error = sr_errname(rc);
      t_hs = t0;
      printf("handshake failed: %s\n", hs_error);
      if (rc == SR_EHSCLOSED) mark_closed("eof");
    }
    sr_shs_wipe(&hs);
    fflush(stdout);
  }

  if (handshake) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int ok = 0;
    if (hello && mode != M_RAW) {
      ok = sr_frame_hello(&sb, "hostile_peer/1", 0);
      if (ok == 0) ok = send_boxed((const uint8_t *)sb.data, sb.size);
      if (ok == 0) sent_frames++;
      msgpack_sbuffer_clear(&sb);
      printf("sent hello\n");
    }
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    if (ok == 0) switch (mode) {
        case M_GARBAGE:
        case M_RAW: {
          uint8_t chunk[4096];
          unsigned long long left = count;
          while (left > 0 && ok == 0) {
            size_t n = left < sizeof chunk ? (size_t)left : sizeof chunk;
            for (size_t k = 0; k < n; k++) {
              rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
              chunk[k] = (uint8_t)(rng >> 24);
            }
            /* 0xc1 is never valid MessagePack: the first garbage byte makes the
           * stream undecodable at once rather than, by chance, the start of a
           * long but well-formed value. */
            if (left == count) chunk[0] = 0xc1;
            ok = mode == M_GARBAGE ? send_boxed(chunk, n) : send_all(chunk, n);
            left -= n;
          }
          printf("sent %llu garbage bytes%s\n", count - left, mode == M_RAW ? " outside Box Stream" : " in boxes");
          break;
        }
        case M_FLOOD: {
          /* Many pings per box: the node's frame counter is what is being tested. */
          uint8_t pings[4096];
          for (size_t k = 0; k + 1 < sizeof pings; k += 2) pings[k] = 0x91, pings[k + 1] = 0x08;
          unsigned long long left = count;
          while (left > 0 && ok == 0) {
            size_t n = left < 512 ? (size_t)left : 512; /* 512 pings = 1 KiB per box */
            ok = send_boxed(pings, n * 2);
            if (ok == 0) sent_frames += n, left -= n;
          }
          printf("sent %llu of %llu ping frames\n", count - left, count);
          break;
        }
        case M_HUGE: {
          /* [3, bin32 claiming 1 GiB, ...]: the header, then filler (up to 1 MiB)
         * until the node hangs up. A node that trusts the header would try to
         * buffer 1 GiB; one that looks only at what arrived must give up once
         * more than a frame's maximum (17,408 bytes) is buffered. */
          uint8_t big[4096];
          memset(big, 0x55, sizeof big);
          big[0] = 0x93;
          big[1] = 0x03;
          big[2] = 0xc6;
          big[3] = 0x40, big[4] = 0x00, big[5] = 0x00, big[6] = 0x00;
          size_t total = 0;
          while (ok == 0 && total < (1u << 20)) {
            ok = send_boxed(big, sizeof big);
            if (ok == 0) total += sizeof big;
            big[0] = big[1] = big[2] = big[3] = big[4] = big[5] = big[6] = 0x55;
          }
          printf("sent an entry frame claiming a 1 GiB bin: %zu bytes of it\n", total);
          break;
        }
        case M_PEERS_FLOOD: {
          static char addrs[SR_FRAME_MAX_PEERS][SR_NET_ADDRESS_MAX];
          const char *ptrs[SR_FRAME_MAX_PEERS];
          unsigned long long f;
          for (f = 0; f < count && ok == 0; f++) {
            for (size_t k = 0; k < SR_FRAME_MAX_PEERS; k++) {
              uint8_t key[SR_KEY_BYTES];
              for (size_t b = 0; b < sizeof key; b++) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                key[b] = (uint8_t)(rng >> 24);
              }
              if (ok == 0)
                ok = sr_net_address_format("127.0.0.1", (uint16_t)(1 + rng % 1000), key, addrs[k], sizeof addrs[k]);
              ptrs[k] = addrs[k];
            }
            if (ok == 0) ok = sr_frame_peers(&sb, ptrs, SR_FRAME_MAX_PEERS);
            if (ok == 0) ok = send_boxed((const uint8_t *)sb.data, sb.size);
            if (ok == 0) sent_frames++;
            msgpack_sbuffer_clear(&sb);
          }
          printf("sent %llu peers frames of %d made-up addresses\n", f, SR_FRAME_MAX_PEERS);
          if (ok) break;
          uint8_t bye[SR_BOX_GOODBYE_BYTES];
          ok = sr_box_writer_goodbye(&writer, bye);
          if (ok == 0) ok = send_all(bye, sizeof bye);
          printf("sent goodbye\n");
          break;
        }
        case M_NOTES: {
          /* Notes for random authors, paced to --rate frames per second: what
         * the node keeps per session for them is what is being measured. */
          static uint8_t authors[SR_FRAME_MAX_NOTES][SR_KEY_BYTES];
          sr_note_t notes[SR_FRAME_MAX_NOTES];
          double start = now_ms(), end = start + (double)count * 1000.0;
          unsigned long long frames = 0;
          while (ok == 0 && now_ms() < end) {
            double due = start + (double)frames * 1000.0 / (double)rate;
            while (now_ms() < due && !closed) {
              struct pollfd pf = {.fd = fd, .events = POLLIN};
              int wait = (int)(due - now_ms());
              if (poll(&pf, 1, wait > 0 ? wait : 0) > 0) read_some();
            }
            if (closed) break;
            randombytes_buf(authors, sizeof authors);
            for (size_t k = 0; k < SR_FRAME_MAX_NOTES; k++) {
              notes[k].author = authors[k];
              notes[k].seq = 0;
              notes[k].eager = 1;
            }
            ok = sr_frame_notes(&sb, notes, SR_FRAME_MAX_NOTES);
            randombytes_buf(authors[0], SR_KEY_BYTES);
            if (ok == 0) ok = sr_frame_have(&sb, authors[0], 1 + (rng++ % 1000));
            if (ok == 0) ok = send_boxed((const uint8_t *)sb.data, sb.size);
            msgpack_sbuffer_clear(&sb);
            if (ok == 0) sent_frames += 2, frames++;
          }
          printf("sent %llu notes frames (%llu notes for random authors) and %llu have frames\n", frames,
                 frames * SR_FRAME_MAX_NOTES, frames);
          break;
        }
        case M_RESEND: {
          /* One valid entry of our own log, again and again: a node must see
         * that it is a duplicate before checking its signature, and drop us. */
          static const uint8_t about[] = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa7, 'h', 'o', 's', 't', 'i', 'l', 'e'};
          uint8_t raw[SR_ENTRY_MAX];
          size_t rlen = 0;
          sr_entry_t e;
          rc = sr_entry_create(sk, 1, NULL, (uint64_t)time(NULL) * 1000, "about", about, sizeof about, raw, sizeof raw,
                               &rlen, &e);
          if (rc) {
            printf("cannot build an entry: %s\n", sr_errname(rc));
            break;
          }
          if ((rc = sr_frame_entry(&sb, raw, rlen, 0))) {
            printf("cannot build an entry frame: %s\n", sr_errname(rc));
            break;
          }
          /* Many copies per box, as a fast sender's stream would carry them. */
          static uint8_t many[1 << 15];
          size_t fsize = sb.size, per = sizeof many / fsize;
          unsigned long long sent = 0;
          for (size_t k = 0; k < per; k++) memcpy(many + k * fsize, sb.data, fsize);
          msgpack_sbuffer_clear(&sb);
          while (ok == 0 && sent < count) {
            size_t n = count - sent < per ? (size_t)(count - sent) : per;
            ok = send_boxed(many, n * fsize);
            if (ok == 0) sent += n, sent_frames += n;
          }
          printf("sent entry seq 1 %llu of %llu times\n", sent, count);
          break;
        }
        case M_ASK: {
          sr_note_t notes[SR_FRAME_MAX_NOTES];
          static uint8_t authors[SR_FRAME_MAX_NOTES][SR_KEY_BYTES];
          size_t n = 0;
          for (const char *q = ask; *q && n < SR_FRAME_MAX_NOTES;) {
            char one[SR_HEX_KEY_LEN + 1];
            snprintf(one, sizeof one, "%.64s", q);
            if (strlen(one) < SR_HEX_KEY_LEN || sr_hex_decode(one, authors[n], SR_KEY_BYTES) != 0) {
              fprintf(stderr, "hostile_peer: bad --ask (HEX[,HEX...])\n");
              return 2;
            }
            notes[n].author = authors[n];
            notes[n].seq = 0;
            notes[n].eager = 1;
            n++;
            q += SR_HEX_KEY_LEN;
            if (*q == ',') q++;
          }
          ok = sr_frame_notes(&sb, notes, n);
          for (size_t k = 0; k < n && ok == 0; k++) ok = sr_frame_have(&sb, authors[k], 1000000);
          if (ok == 0) ok = send_boxed((const uint8_t *)sb.data, sb.size);
          msgpack_sbuffer_clear(&sb);
          if (ok == 0) sent_frames += 1 + n;
          printf("asked for %zu authors (a note and a have each)\n", n);
          break;
        }
        case M_ANNOUNCE:
          ok = sr_frame_reachable(&sb, announce);
          if (ok == 0) ok = send_boxed((const uint8_t *)sb.data, sb.size);
          if (ok == 0) sent_frames++;
          msgpack_sbuffer_clear(&sb);
          printf("sent reachable %s\n", announce);
          if (ok) break;
          /* then a clean goodbye, as --hello-only */
          /* fall through */
        case M_HELLO_ONLY: {
          uint8_t bye[SR_BOX_GOODBYE_BYTES];
          ok = sr_box_writer_goodbye(&writer, bye);
          if (ok == 0) ok = send_all(bye, sizeof bye);
          printf("sent goodbye\n");
          break;
        }
        default:
          break;
      }
    msgpack_sbuffer_destroy(&sb);
    t_action = now_ms() - t_hs;
    fflush(stdout);
    wait_for_close(wait_ms);
  }
  if (!closed) printf("connection still open after %.0f ms\n", now_ms() - t_hs);
  double elapsed = now_ms() - t0;

  printf("{\"mode\":\"%s\",\"key\":\"%s\",\"handshake\":%s,\"handshake_error\":", MODE_NAMES[mode], pkhex,
         handshake ? "true" : "false");
  if (hs_error) printf("\"%s\"", hs_error);
  else
    printf("null");
  printf(
      ",\"sent_frames\":%llu,\"sent_bytes\":%llu,\"received_bytes\":%llu,\"received_frames\":%llu,"
      "\"received_kinds\":{",
      sent_frames, sent_bytes, recv_bytes, recv_frames);
  int first = 1;
  for (int k = 0; k < 16; k++)
    if (recv_kinds[k]) printf("%s\"%d\":%llu", first ? "" : ",", k, recv_kinds[k]), first = 0;
  printf("},\"noted\":[");
  for (size_t k = 0; k < nnoted; k++) {
    char hx[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(noted[k], SR_KEY_BYTES, hx);
    printf("%s\"%s\"", k ? "," : "", hx);
  }
  printf("],\"entries\":{");
  for (size_t k = 0; k < nentried; k++) {
    char hx[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(entried[k], SR_KEY_BYTES, hx);
    printf("%s\"%s\":%llu", k ? "," : "", hx, entried_n[k]);
  }
  printf("},\"closed\":%s,\"how\":", closed ? "true" : "false");
  if (how) printf("\"%s\"", how);
  else
    printf("null");
  printf(",\"closed_after_ms\":");
  if (closed) printf("%.0f", t_closed - t_hs);
  else
    printf("null");
  printf(",\"action_ms\":%.0f,\"elapsed_ms\":%.0f}\n", t_action < 0 ? 0 : t_action, elapsed);
  fflush(stdout);
  if (boxed) {
    sr_box_writer_wipe(&writer);
    sr_box_reader_wipe(&reader);
  }
  sodium_memzero(sk, sizeof sk);
  close(fd);
  return 0;
}
