/* bench_conns_sess.h: one gossip session of bench_conns (issue 15), on a plain
 * socket: TCP, the client side of SHS, Box Stream both ways, frames in and out.
 * A session says hello, may redeem an invite, sends notes for the authors it
 * follows, counts the entries it receives and pings; that is all a member of a
 * relay needs to do to be served. Header-only (static): bench_conns.c is the
 * one program that includes it. */
#ifndef SR_BENCH_CONNS_SESS_H
#define SR_BENCH_CONNS_SESS_H
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/boxstream.h"
#include "core/entry.h"
#include "core/err.h"
#include "core/frame.h"
#include "core/shs.h"
#include "net/address.h"
#include "tools/bench/bench_util.h"

#define SESS_FBUF_CAP (SR_FRAME_MAX + SR_BOX_BODY_MAX)
#define SESS_FOLLOW_MAX 16

/* What a session follows: publisher indexes and the seq received of each. */
typedef struct sess_pos {
  int nfollow;
  int pub[SESS_FOLLOW_MAX];
  uint64_t last[SESS_FOLLOW_MAX];
} sess_pos_t;

typedef struct sess {
  int fd;
  int key;          /* index into the key table */
  int welcomed;     /* invite reply: 1 ok, -1 refused, 0 none yet */
  int ended;        /* the node ended it (or it broke) */
  int end_rc;       /* 0: goodbye; else how it ended (SR_EBOXNOBYE, SR_ENETIO...) */
  int reset;        /* it ended with a TCP reset (ECONNRESET) */
  uint64_t frames;  /* frames received */
  uint64_t entries; /* entry frames received */
  uint64_t dups, gaps;
  double opened_at, ended_at;
  sess_pos_t *pos; /* NULL for a publisher */
  sr_box_writer_t w;
  sr_box_reader_t r;
  uint8_t *fbuf;
  size_t flen;
  uint8_t *out; /* sealed bytes not yet sent */
  size_t olen, ocap;
} sess_t;

/* The publishers' keys, shared by every session (a receiver maps an entry's
 * author to the index it follows). */
typedef struct sess_world {
  uint8_t server_pk[SR_KEY_BYTES];
  uint8_t netkey[SR_NET_NETKEY_BYTES];
  uint8_t secret[SR_FRAME_SECRET_BYTES];
  struct sockaddr_in sa;
  int npub;
  uint8_t (*pub_pk)[SR_KEY_BYTES];
} sess_world_t;

static double sess_now_ms(void) { return bench_now_s() * 1000.0; }

static int sess_read_exact(int fd, uint8_t *buf, size_t n, int timeout_ms) {
  size_t got = 0;
  double end = sess_now_ms() + timeout_ms;
  while (got < n) {
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int left = (int)(end - sess_now_ms());
    if (left <= 0) return SR_ETIMEOUT;
    if (poll(&pf, 1, left) < 0 && errno != EINTR) return SR_ENETIO;
    ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
    if (r == 0) return SR_EHSCLOSED;
    if (r < 0 && errno != EAGAIN && errno != EINTR) return SR_ENETIO;
    if (r > 0) got += (size_t)r;
  }
  return 0;
}

/* Queues msg sealed and tries to send what is queued. */
static int sess_send(sess_t *s, const uint8_t *msg, size_t len) {
  size_t need = sr_box_sealed_size(len), olen = 0;
  if (s->fd < 0 || s->ended) return SR_ENETIO;
  if (s->olen + need > s->ocap) {
    size_t cap = s->ocap ? s->ocap : 4096;
    while (cap < s->olen + need) cap *= 2;
    uint8_t *p = realloc(s->out, cap);
    if (!p) return SR_ENOMEM;
    s->out = p;
    s->ocap = cap;
  }
  if (sr_box_writer_seal(&s->w, msg, len, s->out + s->olen, need, &olen) != 0) return SR_EINVAL;
  s->olen += olen;
  return 0;
}

/* Sends what the queue holds, as far as the socket takes it. */
static int sess_flush(sess_t *s) {
  while (s->olen > 0 && !s->ended) {
    ssize_t r = send(s->fd, s->out, s->olen, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (r <= 0) return SR_ENETIO;
    memmove(s->out, s->out + r, s->olen - (size_t)r);
    s->olen -= (size_t)r;
  }
  return 0;
}

static int sess_send_sb(sess_t *s, msgpack_sbuffer *sb) {
  int rc = sess_send(s, (const uint8_t *)sb->data, sb->size);
  msgpack_sbuffer_clear(sb);
  return rc;
}

static int sess_send_ping(sess_t *s) {
  static const uint8_t ping[2] = {0x91, 0x08}; /* [8] */
  return sess_send(s, ping, sizeof ping);
}

/* Notes [author, seq held, eager] for every publisher this session follows. */
static int sess_send_notes(sess_t *s, const sess_world_t *wd) {
  sr_note_t notes[SESS_FOLLOW_MAX];
  msgpack_sbuffer sb;
  int rc;
  if (!s->pos || !s->pos->nfollow) return 0;
  for (int i = 0; i < s->pos->nfollow; i++)
    notes[i] = (sr_note_t){.author = wd->pub_pk[s->pos->pub[i]], .seq = s->pos->last[i], .eager = 1, .head = NULL};
  msgpack_sbuffer_init(&sb);
  rc = sr_frame_notes(&sb, notes, (size_t)s->pos->nfollow);
  if (rc == 0) rc = sess_send_sb(s, &sb);
  msgpack_sbuffer_destroy(&sb);
  return rc;
}

static void sess_on_entry(sess_t *s, const sess_world_t *wd, const uint8_t *raw, size_t len) {
  sr_entry_t e;
  s->entries++;
  if (!s->pos || sr_entry_decode(raw, len, &e) != 0) return;
  for (int i = 0; i < s->pos->nfollow; i++) {
    if (memcmp(wd->pub_pk[s->pos->pub[i]], e.author, SR_KEY_BYTES) != 0) continue;
    if (e.seq <= s->pos->last[i]) s->dups++;
    else if (e.seq > s->pos->last[i] + 1)
      s->gaps++;
    if (e.seq > s->pos->last[i]) s->pos->last[i] = e.seq;
    return;
  }
}

static sr_frame_t sess_frame; /* large (notes); one at a time */

/* Frames in the reassembly buffer: counted; invite replies and entries read. */
static int sess_frames(sess_t *s, const sess_world_t *wd) {
  size_t off = 0, fl = 0;
  int rc = 0;
  while (off < s->flen) {
    rc = sr_frame_next(s->fbuf + off, s->flen - off, &fl);
    if (rc == SR_ETRUNC) {
      rc = 0;
      break;
    }
    if (rc || (rc = sr_frame_decode(s->fbuf + off, fl, &sess_frame)) != 0) break;
    s->frames++;
    if (sess_frame.kind == SR_FRAME_INVITE_REPLY) s->welcomed = sess_frame.ok ? 1 : -1;
    if (sess_frame.kind == SR_FRAME_ENTRY) sess_on_entry(s, wd, sess_frame.entry, sess_frame.entry_len);
    off += fl;
  }
  memmove(s->fbuf, s->fbuf + off, s->flen - off);
  s->flen -= off;
  return rc;
}

static void sess_end(sess_t *s, int rc) {
  if (s->ended) return;
  s->ended = 1;
  s->end_rc = rc;
  s->ended_at = sess_now_ms();
}

/* Reads what the socket holds: boxes opened, frames handled. 0 while the
 * session lasts; on its end s->ended and s->end_rc say how. */
static int sess_read(sess_t *s, const sess_world_t *wd) {
  static uint8_t buf[65536];
  for (;;) {
    ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (n <= 0) {
      s->reset = n < 0 && errno == ECONNRESET;
      sess_end(s, n == 0 ? sr_box_reader_end(&s->r) : SR_ENETIO);
      return s->end_rc;
    }
    size_t off = 0;
    while (off < (size_t)n) {
      size_t used = 0, mlen = 0;
      const uint8_t *msg = NULL;
      int rc = sr_box_reader_feed(&s->r, buf + off, (size_t)n - off, &used, &msg, &mlen);
      off += used;
      if (rc < 0 || rc == SR_BOX_GOODBYE) {
        sess_end(s, rc < 0 ? rc : 0);
        return s->end_rc;
      }
      if (rc != SR_BOX_MSG) break;
      if (s->flen + mlen > SESS_FBUF_CAP) {
        sess_end(s, SR_EFRAMESIZE);
        return s->end_rc;
      }
      memcpy(s->fbuf + s->flen, msg, mlen);
      s->flen += mlen;
      if ((rc = sess_frames(s, wd)) != 0) {
        sess_end(s, rc);
        return rc;
      }
    }
  }
}

/* Closes the socket (with a goodbye first when bye) and frees the buffers;
 * the position (s->pos) stays with its key. */
static void sess_close(sess_t *s, int bye) {
  if (s->fd >= 0) {
    uint8_t g[SR_BOX_GOODBYE_BYTES];
    if (bye && !s->ended && sess_flush(s) == 0 && sr_box_writer_goodbye(&s->w, g) == 0)
      (void)send(s->fd, g, sizeof g, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(s->fd);
  }
  s->fd = -1;
  sr_box_writer_wipe(&s->w);
  sr_box_reader_wipe(&s->r);
  free(s->fbuf);
  free(s->out);
  s->fbuf = s->out = NULL;
  s->flen = s->olen = s->ocap = 0;
}

/* TCP, SHS as the client with key pk/sk, Box Stream, hello; redeem: then the
 * invite, waiting for its reply. On return s->fd is non-blocking. 0, or an
 * SR_E* code (the socket stays open for the caller to watch: how a refused
 * session ends is what bench_conns reports). */
static int sess_open(sess_t *s, const sess_world_t *wd, const uint8_t *pk, const uint8_t *sk, int redeem,
                     int timeout_ms) {
  uint8_t out[SR_SHS_MSG_MAX], in[SR_SHS_MSG_MAX];
  size_t olen = 0;
  sr_shs_t hs;
  msgpack_sbuffer sb;
  int rc;
  s->ended = s->welcomed = s->reset = 0;
  s->end_rc = 0;
  s->frames = s->entries = 0;
  s->opened_at = sess_now_ms();
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (s->fd < 0) return SR_ENETCONNECT;
  if (connect(s->fd, (const struct sockaddr *)&wd->sa, sizeof wd->sa) != 0) return SR_ENETCONNECT;
  (void)fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
  rc = sr_shs_client_init(&hs, wd->netkey, pk, sk, wd->server_pk, NULL);
  if (rc == 0) rc = sr_shs_start(&hs, out, &olen);
  if (rc == 0 && send(s->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
  while (rc == 0 && !sr_shs_done(&hs)) {
    size_t want = sr_shs_expect(&hs);
    rc = sess_read_exact(s->fd, in, want, timeout_ms);
    if (rc == 0) rc = sr_shs_recv(&hs, in, want, out, &olen);
    if (rc == 0 && olen > 0 && send(s->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
  }
  if (rc == 0) {
    sr_shs_result_t res;
    rc = sr_shs_result(&hs, &res);
    if (rc == 0) rc = sr_box_writer_init(&s->w, res.enc_key, res.enc_nonce);
    if (rc == 0) rc = sr_box_reader_init(&s->r, res.dec_key, res.dec_nonce);
    sodium_memzero(&res, sizeof res);
  }
  sr_shs_wipe(&hs);
  if (rc) return rc;
  s->fbuf = malloc(SESS_FBUF_CAP);
  if (!s->fbuf) return SR_ENOMEM;
  msgpack_sbuffer_init(&sb);
  rc = sr_frame_hello(&sb, "bench_conns/1", 0);
  if (rc == 0) rc = sess_send_sb(s, &sb);
  if (rc == 0 && redeem && (rc = sr_frame_invite(&sb, wd->secret, NULL)) == 0) rc = sess_send_sb(s, &sb);
  msgpack_sbuffer_destroy(&sb);
  if (rc == 0) rc = sess_send_notes(s, wd);
  if (rc == 0) rc = sess_flush(s);
  while (rc == 0 && redeem && !s->welcomed && !s->ended) {
    struct pollfd pf = {.fd = s->fd, .events = POLLIN};
    int left = (int)(s->opened_at + timeout_ms - sess_now_ms());
    if (left <= 0) return SR_ETIMEOUT;
    (void)poll(&pf, 1, left);
    (void)sess_read(s, wd);
  }
  if (rc == 0 && s->ended) rc = s->end_rc ? s->end_rc : SR_ENETIO;
  if (rc == 0 && redeem && s->welcomed < 0) rc = SR_EINVITE;
  return rc;
}

#endif
