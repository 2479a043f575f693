/* hostile_session.c (part of hostile_peer): the one session with the node —
 * what was sent and received, frames decoded from what the node sends (kinds
 * counted, the authors it reveals noted), and the socket and Box Stream I/O
 * the misbehaviours use (hostile_peer.h). */
#include "tests/multi/hostile_peer.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/entry.h"
#include "core/err.h"

int fd = -1;
sr_box_writer_t writer;
sr_box_reader_t reader;
int boxed;   /* handshake done: reader/writer usable */
double t_hs; /* time the handshake finished (or connect, for --silent) */
double t_action = -1;
unsigned long long sent_frames, sent_bytes, recv_bytes, recv_frames, recv_kinds[16];
int closed;
const char *how;
double t_closed = -1;
static uint8_t fbuf[1 << 17]; /* plaintext received, for frame decoding */
static size_t fhave;
static int fbroken; /* frame stream undecodable: stop decoding */
uint8_t noted[SEEN_MAX][SR_KEY_BYTES], entried[SEEN_MAX][SR_KEY_BYTES];
unsigned long long entried_n[SEEN_MAX];
size_t nnoted, nentried;

static size_t seen_slot(uint8_t (*set)[SR_KEY_BYTES], size_t *n, const uint8_t *a) {
  for (size_t i = 0; i < *n; i++)
    if (!memcmp(set[i], a, SR_KEY_BYTES)) return i;
  if (*n == SEEN_MAX) return SEEN_MAX;
  memcpy(set[*n], a, SR_KEY_BYTES);
  return (*n)++;
}

double now_ms(void) { return (double)sr_mono_ns() / 1e6; }

void mark_closed(const char *why) {
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

int read_some(void) {
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

int send_all(const uint8_t *buf, size_t len) {
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

int send_boxed(const uint8_t *msg, size_t len) {
  static uint8_t out[1 << 17];
  size_t olen = 0;
  if (sr_box_writer_seal(&writer, msg, len, out, sizeof out, &olen) != 0) return -1;
  return send_all(out, olen);
}

int read_exact(uint8_t *buf, size_t len, int timeout_ms) {
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

void wait_for_close(int wait_ms) {
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

int send_goodbye(void) {
  uint8_t bye[SR_BOX_GOODBYE_BYTES];
  int ok = sr_box_writer_goodbye(&writer, bye);
  if (ok == 0) ok = send_all(bye, sizeof bye);
  printf("sent goodbye\n");
  return ok;
}
