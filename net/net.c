/* net.c: libuv listener and dialer running SHS then Box Stream (see net.h).
 *
 * Each connection moves RESOLVING -> CONNECTING -> HANDSHAKE -> OPEN ->
 * CLOSING. Invariants:
 *   - conn_end() is the only way into CLOSING; it runs once per connection,
 *     logs exactly one line, calls closed() once if the upper layer saw the
 *     connection, wipes the session secrets and closes the uv handles;
 *   - the struct is freed only when every uv handle is closed and no request
 *     that outlives uv_close (getaddrinfo) is outstanding;
 *   - bytes are handed to the handshake exactly as many as it expects, and
 *     any bytes after msg3/msg4 in the same read go to the Box Stream reader.
 */
#include "net/net.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/err.h"

enum { CS_RESOLVING = 1, CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_CLOSING };

#define LISTEN_BACKLOG 128
#define LOG_LINE_MAX 512

#define FILL_BYTES 65536 /* sealed writes are gathered up to this before one uv_write */

typedef struct write_req_s {
  uv_write_t req;
  sr_net_conn *conn;
  size_t len;
  size_t cap;
  int is_goodbye;
  uint8_t bytes[];
} write_req;

static void conn_end(sr_net_conn *c, int reason);

static void log_sink(void *ctx, const char *line) {
  sr_net *n = ctx;
  if (n->cfg.cb.log) n->cfg.cb.log(n, line);
  else
    fprintf(stderr, "seurone net: %s\n", line);
}

static void on_log_timer(uv_timer_t *t) {
  sr_net *n = t->data;
  if (sr_loglimit_flush(&n->loglimit, uv_now(n->loop), log_sink, n) == 0) uv_timer_stop(t);
}

/* One log line; a limited one (about an inbound connection that never
 * authenticated: what a flood produces) goes through the rate limit. */
static void net_vlog(sr_net *n, int limited, const char *fmt, va_list ap) {
  char line[LOG_LINE_MAX];
  vsnprintf(line, sizeof line, fmt, ap);
  if (!limited || n->closing) {
    log_sink(n, line);
    return;
  }
  if (sr_loglimit_pass(&n->loglimit, line, uv_now(n->loop), log_sink, n)) log_sink(n, line);
  else if (!uv_is_active((uv_handle_t *)&n->log_timer))
    uv_timer_start(&n->log_timer, on_log_timer, 1000, 1000);
}

static void net_log(sr_net *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void net_log(sr_net *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  net_vlog(n, 0, fmt, ap);
  va_end(ap);
}

static void net_log_if(sr_net *n, int limited, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void net_log_if(sr_net *n, int limited, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  net_vlog(n, limited, fmt, ap);
  va_end(ap);
}

int sr_net_init(sr_net *n, uv_loop_t *loop, const sr_net_config *cfg) {
  if (!n || !loop || !cfg) return SR_EINVAL;
  if (sodium_init() < 0) return SR_ECRYPTO;
  memset(n, 0, sizeof *n);
  n->loop = loop;
  n->cfg = *cfg;
  if (!(n->sk = sodium_malloc(SR_NET_SECRET_BYTES))) return SR_ENOMEM;
  memcpy(n->sk, cfg->sk, SR_NET_SECRET_BYTES);
  sodium_memzero(n->cfg.sk, sizeof n->cfg.sk);
  if (!n->cfg.handshake_timeout_ms) n->cfg.handshake_timeout_ms = SR_NET_HANDSHAKE_TIMEOUT_MS;
  if (!n->cfg.first_msg_timeout_ms) n->cfg.first_msg_timeout_ms = SR_NET_FIRST_MSG_TIMEOUT_MS;
  if (n->cfg.first_msg_timeout_ms > n->cfg.handshake_timeout_ms)
    n->cfg.first_msg_timeout_ms = n->cfg.handshake_timeout_ms;
  sr_loglimit_init(&n->loglimit, SR_NET_LOG_BURST, SR_NET_LOG_WINDOW_MS);
  uv_timer_init(loop, &n->log_timer);
  n->log_timer.data = n;
  uv_unref((uv_handle_t *)&n->log_timer);
  uv_check_init(loop, &n->accept_turn);
  n->accept_turn.data = n;
  uv_unref((uv_handle_t *)&n->accept_turn);
  n->data = cfg->data;
  /* flushes gathered writes right before the loop polls; unref'd so that it
   * never keeps the loop alive by itself */
  uv_prepare_init(loop, &n->flusher);
  n->flusher.data = n;
  uv_unref((uv_handle_t *)&n->flusher);
  return 0;
}

/* ---- connection bookkeeping ---- */

static sr_net_conn *conn_new(sr_net *n, int outbound) {
  sr_net_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->read_buf = malloc(SR_NET_READ_BUF);
  if (!c->read_buf) {
    free(c);
    return NULL;
  }
  c->net = n;
  c->outbound = outbound;
  snprintf(c->peer_name, sizeof c->peer_name, "?");
  if (uv_tcp_init(n->loop, &c->tcp) != 0) {
    free(c->read_buf);
    free(c);
    return NULL;
  }
  c->tcp.data = c;
  uv_timer_init(n->loop, &c->timer); /* cannot fail */
  c->timer.data = c;
  c->handles = 2;
  c->next = n->conns;
  if (n->conns) n->conns->prev = c;
  n->conns = c;
  return c;
}

static void conn_maybe_free(sr_net_conn *c) {
  sr_net *n = c->net;
  if (c->handles > 0 || c->pending > 0) return;
  if (c->prev) c->prev->next = c->next;
  else
    n->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  if (c->reader) {
    sr_box_reader_wipe(c->reader);
    free(c->reader);
  }
  free(c->read_buf);
  sodium_memzero(c, sizeof *c);
  free(c);
}

static void on_handle_closed(uv_handle_t *h) {
  sr_net_conn *c = h->data;
  c->handles--;
  conn_maybe_free(c);
}

static const char *phase_name(const sr_net_conn *c) {
  switch (c->state) {
    case CS_RESOLVING:
      return "while resolving";
    case CS_CONNECTING:
      return "while connecting";
    case CS_HANDSHAKE:
      return "during handshake";
    default:
      return "after handshake";
  }
}

static void drop_fill(sr_net_conn *c) {
  if (c->dirty) {
    sr_net_conn **pp = &c->net->dirty;
    while (*pp && *pp != c) pp = &(*pp)->dirty_next;
    if (*pp) *pp = c->dirty_next;
    c->dirty = 0;
  }
  if (c->fill) {
    c->queued -= c->fill->len;
    sodium_memzero(c->fill->bytes, c->fill->len);
    free(c->fill);
    c->fill = NULL;
  }
}

/* The one exit of every connection. */
static void conn_end(sr_net_conn *c, int reason) {
  sr_net *n = c->net;
  int prev_state = c->state;
  /* An inbound connection that never authenticated is what a flood is made
   * of: its line is rate limited (net.h). */
  int limited = !c->outbound && !c->seen;
  char key[17];

  if (c->state == CS_CLOSING) return;
  /* A dialled server that hangs up on our msg3 could not open it: it does not
   * hold the key we dialled (a wrong key in the address, or another node on
   * that port now). Say so rather than blame the hang-up; msg4 that does not
   * verify means the same. */
  if (c->outbound && c->state == CS_HANDSHAKE &&
      (reason == SR_EHSSERVERAUTH || ((reason == SR_EHSCLOSED || (reason == SR_ENETIO && c->uv_err == UV_ECONNRESET)) &&
                                      sr_shs_expect(&c->hs) == SR_SHS_MSG4_BYTES))) {
    reason = SR_EHSWRONGKEY;
    c->uv_err = 0;
  }
  if (c->seen || c->outbound) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
      key[2 * i] = hex[c->peer_pk[i] >> 4];
      key[2 * i + 1] = hex[c->peer_pk[i] & 15];
    }
    key[16] = 0;
  } else {
    snprintf(key, sizeof key, "unknown");
  }
  if (c->end_logged) {
    /* the upper layer said why it closed it: one line per end */
  } else if (reason == 0) {
    net_log_if(n, limited, "closed %s %s peer %s: %s", c->outbound ? "outbound" : "inbound", c->peer_name, key,
               c->closed_here && !(c->bye_written && c->bye_received) ? "closed without goodbye" : "clean end");
  } else if (reason == SR_EHSNETKEY || (reason == SR_EHSCLOSED && c->outbound && c->hs_msgs_in == 0)) {
    /* What a wrong network key looks like from each side: the listener cannot
     * read the dialer's first message; the dialer sees the listener hang up on
     * it. Without the hint, a member of a closed network never learns why. */
    net_log_if(n, limited,
               "dropped %s %s peer %s %s: %s (%s); the network key may differ: both nodes need the same "
               "network_key in %s (docs/config.md)",
               c->outbound ? "outbound" : "inbound", c->peer_name, key, phase_name(c), sr_errname(reason),
               sr_strerror(reason), n->cfg.netkey_where ? n->cfg.netkey_where : "HOME/config");
  } else if (reason == SR_EHSWRONGKEY) {
    /* Names only what this node dialled: the address it was given. */
    net_log(n,
            "dropped outbound %s peer %s %s: %s (the node at %s did not prove it holds key %s…: the key in the "
            "address may be wrong, or another node now listens there)",
            c->peer_name, key, phase_name(c), sr_errname(reason), c->peer_name, key);
  } else if (c->uv_err) {
    net_log_if(n, limited, "dropped %s %s peer %s %s: %s (%s: %s)", c->outbound ? "outbound" : "inbound", c->peer_name,
               key, phase_name(c), sr_errname(reason), sr_strerror(reason), uv_strerror(c->uv_err));
  } else {
    net_log_if(n, limited, "dropped %s %s peer %s %s: %s (%s)", c->outbound ? "outbound" : "inbound", c->peer_name, key,
               phase_name(c), sr_errname(reason), sr_strerror(reason));
  }
  c->state = CS_CLOSING;
  (void)prev_state;
  drop_fill(c);
  uv_timer_stop(&c->timer);
  if (c->pending) uv_cancel((uv_req_t *)&c->gai_req);
  sr_shs_wipe(&c->hs);
  sr_box_writer_wipe(&c->writer);
  if (c->reader) sr_box_reader_wipe(c->reader);
  if (c->seen && n->cfg.cb.closed) n->cfg.cb.closed(c, reason);
  uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void set_peer_name(sr_net_conn *c, const struct sockaddr *sa) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    uv_ip6_name(s6, ip, sizeof ip);
    snprintf(c->peer_host, sizeof c->peer_host, "%s", ip);
    snprintf(c->peer_name, sizeof c->peer_name, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
  } else if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    uv_ip4_name(s4, ip, sizeof ip);
    snprintf(c->peer_host, sizeof c->peer_host, "%s", ip);
    snprintf(c->peer_name, sizeof c->peer_name, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
  }
}

/* The source of an inbound connection, for the handshake limits: an IPv4
 * address (also when it arrives IPv4-mapped on an IPv6 listener), else the
 * IPv6 address. */
static void set_source(sr_net_conn *c, const struct sockaddr *sa) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  memset(c->src, 0, sizeof c->src);
  if (sa->sa_family == AF_INET6) {
    const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    if (memcmp(a, mapped, sizeof mapped) == 0) {
      memcpy(c->src, a + 12, 4);
      c->src_v6 = 0;
    } else {
      memcpy(c->src, a, 16);
      c->src_v6 = 1;
    }
  } else if (sa->sa_family == AF_INET) {
    memcpy(c->src, &((const struct sockaddr_in *)sa)->sin_addr.s_addr, 4);
    c->src_v6 = 0;
  }
}

/* ---- writing ---- */

static void maybe_clean_end(sr_net_conn *c) {
  if (c->state == CS_OPEN && c->bye_written && c->bye_received) conn_end(c, 0);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  free(req);
}

static void on_timeout(uv_timer_t *t);

static void on_written(uv_write_t *req, int status) {
  write_req *w = (write_req *)req;
  sr_net_conn *c = w->conn;
  int bye = w->is_goodbye;
  c->queued -= w->len;
  /* sealed bytes are ciphertext (or public handshake bytes): nothing to wipe */
  free(w);
  if (c->state == CS_CLOSING) return;
  if (status < 0) {
    /* once the peer said goodbye it wants nothing more from us */
    if (c->bye_received) {
      conn_end(c, 0);
      return;
    }
    c->uv_err = status;
    conn_end(c, SR_ENETIO);
    return;
  }
  if (bye) {
    uv_shutdown_t *sh = malloc(sizeof *sh);
    c->bye_written = 1;
    /* half-close our side; failure to shut down is harmless */
    if (sh && uv_shutdown(sh, (uv_stream_t *)&c->tcp, on_shutdown) != 0) free(sh);
    maybe_clean_end(c);
    if (c->state == CS_CLOSING) return;
    /* the peer gets as long to answer our goodbye as to finish a handshake */
    uv_timer_start(&c->timer, on_timeout, c->net->cfg.handshake_timeout_ms, 0);
  }
  if (c->queued == 0 && c->state == CS_OPEN && c->net->cfg.cb.drained) c->net->cfg.cb.drained(c);
}

/* Hand len bytes (already sealed, or handshake bytes) to libuv. */
static int queue_bytes(sr_net_conn *c, const uint8_t *bytes, size_t len, int is_goodbye, write_req *prepared) {
  write_req *w = prepared;
  uv_buf_t buf;
  int err;
  if (!w) {
    w = malloc(sizeof *w + len);
    if (!w) return SR_ENOMEM;
    memcpy(w->bytes, bytes, len);
  }
  w->conn = c;
  w->len = len;
  w->is_goodbye = is_goodbye;
  buf = uv_buf_init((char *)w->bytes, (unsigned)len);
  err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
  if (err) {
    sodium_memzero(w->bytes, len);
    free(w);
    c->uv_err = err;
    return SR_ENETIO;
  }
  c->queued += len;
  return 0;
}

/* Hand the gathered fill buffer to libuv. */
static int flush_fill(sr_net_conn *c) {
  write_req *w = c->fill;
  int rc;
  if (!w) return 0;
  c->fill = NULL;
  c->queued -= w->len;                         /* queue_bytes counts it again */
  rc = queue_bytes(c, w->bytes, w->len, 0, w); /* bytes unused when prepared */
  if (rc) conn_end(c, rc);
  return rc;
}

static void on_flush(uv_prepare_t *p) {
  sr_net *n = p->data;
  while (n->dirty) {
    sr_net_conn *c = n->dirty;
    n->dirty = c->dirty_next;
    c->dirty = 0;
    flush_fill(c);
  }
  uv_prepare_stop(p);
}

int sr_net_conn_write(sr_net_conn *c, const uint8_t *buf, size_t len) {
  size_t need, out_len = 0;
  int rc;
  if (!c || !buf || len == 0) return SR_EINVAL;
  if (c->state == CS_CLOSING) return SR_ENETQUEUE;
  if (c->state != CS_OPEN) return SR_EHSSTATE;
  if (c->bye_sent) return SR_EBOXCLOSED;
  need = sr_box_sealed_size(len);
  if (c->fill && c->fill->cap - c->fill->len < need && (rc = flush_fill(c)) != 0) return rc;
  if (!c->fill) {
    size_t cap = need > FILL_BYTES ? need : FILL_BYTES;
    c->fill = malloc(sizeof *c->fill + cap);
    if (!c->fill) return SR_ENOMEM;
    c->fill->cap = cap;
    c->fill->len = 0;
  }
  rc = sr_box_writer_seal(&c->writer, buf, len, c->fill->bytes + c->fill->len, c->fill->cap - c->fill->len, &out_len);
  if (rc) return rc;
  c->fill->len += out_len;
  c->queued += out_len;
  if (!c->dirty) {
    c->dirty = 1;
    c->dirty_next = c->net->dirty;
    c->net->dirty = c;
    uv_prepare_start(&c->net->flusher, on_flush);
  }
  return 0;
}

size_t sr_net_conn_queued(const sr_net_conn *c) { return c ? c->queued : 0; }

int sr_net_conn_goodbye(sr_net_conn *c) {
  uint8_t bye[SR_BOX_GOODBYE_BYTES];
  int rc;
  if (!c) return SR_EINVAL;
  if (c->state == CS_CLOSING) return SR_ENETQUEUE;
  if (c->state != CS_OPEN) return SR_EHSSTATE;
  if (c->bye_sent) return 0;
  if ((rc = flush_fill(c)) != 0) return rc; /* everything written so far goes first */
  rc = sr_box_writer_goodbye(&c->writer, bye);
  if (rc) return rc;
  c->bye_sent = 1;
  rc = queue_bytes(c, bye, sizeof bye, 1, NULL);
  if (rc) conn_end(c, rc);
  return rc;
}

void sr_net_conn_close(sr_net_conn *c) {
  if (!c) return;
  if (c->state != CS_CLOSING) c->closed_here = 1;
  conn_end(c, 0);
}

void sr_net_conn_close_logged(sr_net_conn *c) {
  if (!c) return;
  if (c->state != CS_CLOSING) c->end_logged = 1;
  sr_net_conn_close(c);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  sr_net_conn *c = h->data;
  (void)suggested;
  *buf = uv_buf_init((char *)c->read_buf, SR_NET_READ_BUF);
}

/* Feed Box Stream bytes to the reader and the upper layer. */
static void box_input(sr_net_conn *c, const uint8_t *in, size_t len) {
  size_t off = 0;
  while (c->state == CS_OPEN) {
    size_t used = 0, mlen = 0;
    const uint8_t *msg = NULL;
    int rc = sr_box_reader_feed(c->reader, in + off, len - off, &used, &msg, &mlen);
    off += used;
    if (rc < 0) {
      conn_end(c, rc);
      return;
    }
    if (rc == SR_BOX_MSG) {
      if (c->net->cfg.cb.message) c->net->cfg.cb.message(c, msg, mlen);
      continue;
    }
    if (rc == SR_BOX_GOODBYE) {
      if (!c->bye_received) {
        c->bye_received = 1;
        if (!c->bye_sent && sr_net_conn_goodbye(c)) {
          /* best effort: the peer is leaving; a failed answer ends the connection (conn_end) */
        }
        maybe_clean_end(c);
      }
      return;
    }
    return; /* SR_BOX_NEED: all consumed */
  }
}

static void handshake_done(sr_net_conn *c) {
  sr_shs_result_t res;
  int rc = sr_shs_result(&c->hs, &res);
  sr_shs_wipe(&c->hs);
  if (rc == 0) {
    c->reader = malloc(sizeof *c->reader);
    if (!c->reader) rc = SR_ENOMEM;
  }
  if (rc == 0) rc = sr_box_writer_init(&c->writer, res.enc_key, res.enc_nonce);
  if (rc == 0) rc = sr_box_reader_init(c->reader, res.dec_key, res.dec_nonce);
  if (rc == 0) memcpy(c->peer_pk, res.peer_pk, SR_NET_KEY_BYTES);
  sodium_memzero(&res, sizeof res);
  if (rc) {
    conn_end(c, rc);
    return;
  }
  uv_timer_stop(&c->timer);
  c->state = CS_OPEN;
  c->seen = 1;
  if (c->net->cfg.cb.connected) c->net->cfg.cb.connected(c, c->peer_pk);
}

/* Feed handshake bytes; returns how many were consumed. */
static size_t handshake_input(sr_net_conn *c, const uint8_t *in, size_t len) {
  size_t off = 0;
  while (c->state == CS_HANDSHAKE && off < len) {
    size_t want = sr_shs_expect(&c->hs), take, out_len = 0;
    uint8_t out[SR_SHS_MSG_MAX];
    int rc;
    take = want - c->hs_have;
    if (take > len - off) take = len - off;
    memcpy(c->hs_buf + c->hs_have, in + off, take);
    c->hs_have += take;
    off += take;
    if (c->hs_have < want) break;
    c->hs_have = 0;
    rc = sr_shs_recv(&c->hs, c->hs_buf, want, out, &out_len);
    if (rc == 0 && c->hs_msgs_in++ == 0 && !c->outbound) {
      /* The first message came: the rest of the handshake timeout applies. */
      uint64_t spent = uv_now(c->net->loop) - c->accepted_ms, all = c->net->cfg.handshake_timeout_ms;
      uv_timer_start(&c->timer, on_timeout, spent < all ? all - spent : 1, 0);
    }
    if (rc == 0 && out_len) rc = queue_bytes(c, out, out_len, 0, NULL);
    if (rc) {
      conn_end(c, rc); /* on SR_EHSNETKEY nothing was sent: a silent close */
      break;
    }
    if (sr_shs_done(&c->hs)) handshake_done(c);
  }
  return off;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  sr_net_conn *c = s->data;
  const uint8_t *in = (const uint8_t *)buf->base;
  size_t off;
  (void)buf;
  if (c->state == CS_CLOSING || nread == 0) return;
  if (nread < 0) {
    int rc;
    if (nread != UV_EOF) {
      c->uv_err = (int)nread;
      conn_end(c, SR_ENETIO);
      return;
    }
    if (c->state == CS_HANDSHAKE) {
      conn_end(c, SR_EHSCLOSED);
      return;
    }
    rc = sr_box_reader_end(c->reader);
    if (rc == 0) {
      uv_read_stop(s);
      if (c->bye_written) conn_end(c, 0); /* else wait for our goodbye's write */
      return;
    }
    conn_end(c, rc);
    return;
  }
  off = 0;
  if (c->state == CS_HANDSHAKE) off = handshake_input(c, in, (size_t)nread);
  if (c->state == CS_OPEN && off < (size_t)nread) box_input(c, in + off, (size_t)nread - off);
}

int sr_net_conn_pause(sr_net_conn *c, int pause) {
  if (!c || c->state != CS_OPEN) return SR_EHSSTATE;
  if (pause) return uv_read_stop((uv_stream_t *)&c->tcp) ? SR_ENETIO : 0;
  return uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) ? SR_ENETIO : 0;
}

static void on_timeout(uv_timer_t *t) {
  sr_net_conn *c = t->data;
  /* an accepted peer whose first message never arrived (see on_connection) */
  conn_end(c, !c->outbound && c->state == CS_HANDSHAKE && c->hs_msgs_in == 0 ? SR_EHSSILENT : SR_ETIMEOUT);
}

static int start_handshake(sr_net_conn *c) {
  uint8_t out[SR_SHS_MSG_MAX];
  size_t out_len = 0;
  int rc, err;
  c->state = CS_HANDSHAKE;
  err = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (err) {
    c->uv_err = err;
    return SR_ENETIO;
  }
  rc = sr_shs_start(&c->hs, out, &out_len);
  if (rc == 0 && out_len) rc = queue_bytes(c, out, out_len, 0, NULL);
  return rc;
}

/* ---- listener ---- */

/* Same source (an IPv4 address, an IPv6 /64) or same network (an IPv4 /24,
 * an IPv6 /48): the units of the handshake limits (net.h). */
static int same_src(const sr_net_conn *a, const sr_net_conn *b, int net) {
  size_t len = a->src_v6 ? (net ? 6 : 8) : (net ? 3 : 4);
  return a->src_v6 == b->src_v6 && memcmp(a->src, b->src, len) == 0;
}

static int inbound_handshake(const sr_net_conn *o) { return !o->outbound && o->state == CS_HANDSHAKE; }

/* Among the inbound handshakes hs[0..nhs) (only those of c's network when
 * within_net), the group (of sources, or of networks when by_net) holding the
 * most: its count in *most, and the handshake of it to close first — one that
 * sent nothing yet before one that did, then the oldest. At most 128^2 steps,
 * and only when a limit is reached. */
static sr_net_conn *busiest(sr_net_conn **hs, int nhs, const sr_net_conn *c, int within_net, int by_net, int *most) {
  sr_net_conn *pick = NULL;
  *most = 0;
  for (int i = 0; i < nhs; i++) {
    sr_net_conn *o = hs[i];
    int cnt = 0;
    if (within_net && !same_src(o, c, 1)) continue;
    for (int k = 0; k < nhs; k++) cnt += same_src(hs[k], o, by_net);
    if (cnt < *most) continue;
    if (cnt > *most || !pick || (o->hs_msgs_in == 0 && pick->hs_msgs_in > 0) ||
        (!!o->hs_msgs_in == !!pick->hs_msgs_in && o->accepted_ms < pick->accepted_ms))
      pick = o;
    *most = cnt;
  }
  return pick;
}

/* Whether the new inbound c may start its handshake, closing another one to
 * make room when that is fair (net.h): 0, or SR_EHSLIMIT to refuse c. Fair
 * means the group that loses one still holds at least as many as c's group
 * then does: a flood whose sources hold alike cannot evict itself in circles. */
static int handshake_admit(sr_net *n, sr_net_conn *c) {
  sr_net_conn *hs[SR_NET_HANDSHAKES_MAX + 1], *victim = NULL;
  int all = 0, net = 0, host = 0, most;
  for (sr_net_conn *o = n->conns; o; o = o->next) {
    if (o == c || !inbound_handshake(o)) continue;
    if (all < SR_NET_HANDSHAKES_MAX + 1) hs[all] = o;
    all++;
    net += same_src(o, c, 1);
    host += same_src(o, c, 0);
  }
  if (all > SR_NET_HANDSHAKES_MAX + 1) all = SR_NET_HANDSHAKES_MAX + 1; /* cannot happen: admission keeps it */
  if (host >= SR_NET_HANDSHAKES_PER_HOST) return SR_EHSLIMIT;
  if (all >= SR_NET_HANDSHAKES_MAX) {
    sr_net_conn *v = busiest(hs, all, c, 0, 1, &most);
    if (v && most > net + 1) {
      /* another network holds more: its busiest source loses one */
      victim = busiest(hs, all, v, 1, 0, &most);
    } else {
      victim = busiest(hs, all, c, 1, 0, &most);
      if (!victim || most <= host + 1) return SR_EHSLIMIT;
    }
  } else if (net >= SR_NET_HANDSHAKES_PER_NET) {
    victim = busiest(hs, all, c, 1, 0, &most);
    if (!victim || most <= host + 1) return SR_EHSLIMIT;
  }
  if (victim) conn_end(victim, SR_EHSLIMIT);
  return 0;
}

static void on_connection(uv_stream_t *server, int status);

/* After the I/O of a loop iteration (before closed handles are freed): the
 * next iteration may accept SR_NET_ACCEPTS_PER_TURN again, starting with the
 * connection that was left waiting (which restarts libuv's accepting). */
static void on_accept_turn(uv_check_t *t) {
  sr_net *n = t->data;
  n->accepts = 0;
  uv_check_stop(t);
  if (n->accept_deferred && n->listening && !n->closing) {
    n->accept_deferred = 0;
    on_connection((uv_stream_t *)&n->listener, 0);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  sr_net *n = server->data;
  sr_net_conn *c;
  struct sockaddr_storage ss;
  int len = sizeof ss, rc, err;

  if (status == 0 && n->accepts >= SR_NET_ACCEPTS_PER_TURN) {
    /* Not accepted now: libuv stops accepting until uv_accept is called,
     * which on_accept_turn does in the next phase of this iteration. */
    n->accept_deferred = 1;
    return;
  }
  if (!n->accepts++) uv_check_start(&n->accept_turn, on_accept_turn);
  if (status < 0) {
    net_log_if(n, 1, "dropped inbound before accept: %s (%s)", sr_errname(SR_ENETIO), uv_strerror(status));
    return;
  }
  c = conn_new(n, 0);
  if (!c) {
    /* accept into a throwaway handle is not possible without memory: log once */
    net_log_if(n, 1, "dropped inbound before accept: %s (%s)", sr_errname(SR_ENOMEM), sr_strerror(SR_ENOMEM));
    return;
  }
  err = uv_accept(server, (uv_stream_t *)&c->tcp);
  if (err) {
    c->uv_err = err;
    c->state = CS_HANDSHAKE;
    conn_end(c, SR_ENETIO);
    return;
  }
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
    set_peer_name(c, (struct sockaddr *)&ss);
    set_source(c, (struct sockaddr *)&ss);
  }
  c->accepted_ms = uv_now(n->loop);
  if ((rc = handshake_admit(n, c)) != 0) {
    c->state = CS_HANDSHAKE;
    conn_end(c, rc);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  rc = sr_shs_server_init(&c->hs, n->cfg.netkey, n->cfg.pk, n->sk, NULL);
  if (rc == 0) rc = start_handshake(c);
  /* until the first message has come, a shorter timeout (net.h) */
  if (rc == 0) uv_timer_start(&c->timer, on_timeout, n->cfg.first_msg_timeout_ms, 0);
  if (rc) {
    c->state = CS_HANDSHAKE;
    conn_end(c, rc);
  }
}

static int parse_ip(const char *host, uint16_t port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (strchr(host, ':')) return uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0 ? 0 : SR_EADDRHOST;
  return uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0 ? 0 : SR_EADDRHOST;
}

int sr_net_listen(sr_net *n, const char *host, uint16_t port) {
  struct sockaddr_storage ss;
  int rc, err;
  if (!n || !host || n->listening || n->closing) return SR_EINVAL;
  rc = parse_ip(host, port, &ss);
  if (rc) return rc;
  if (uv_tcp_init(n->loop, &n->listener) != 0) return SR_ENETLISTEN;
  n->listener.data = n;
  n->listening = 1;
  err = uv_tcp_bind(&n->listener, (struct sockaddr *)&ss, 0);
  if (!err) err = uv_listen((uv_stream_t *)&n->listener, LISTEN_BACKLOG, on_connection);
  if (err) {
    net_log(n, "cannot listen on %s port %u: %s", host, (unsigned)port, uv_strerror(err));
    uv_close((uv_handle_t *)&n->listener, NULL);
    n->listening = 0;
    /* The cause, so the node can say what to change. */
    return err == UV_EADDRINUSE      ? SR_ENETINUSE
           : err == UV_EADDRNOTAVAIL ? SR_ENETNOTAVAIL
           : err == UV_EACCES        ? SR_ENETACCES
                                     : SR_ENETLISTEN;
  }
  return 0;
}

int sr_net_listen_port(const sr_net *n) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (!n || !n->listening) return SR_EINVAL;
  if (uv_tcp_getsockname(&n->listener, (struct sockaddr *)&ss, &len) != 0) return SR_ENETLISTEN;
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- dialer ---- */

static void on_connect(uv_connect_t *req, int status) {
  sr_net_conn *c = req->data;
  int rc;
  if (c->state == CS_CLOSING) return;
  if (status < 0) {
    c->uv_err = status;
    conn_end(c, SR_ENETCONNECT);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  rc = start_handshake(c);
  if (rc) conn_end(c, rc);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  sr_net_conn *c = req->data;
  int err;
  c->pending--;
  if (c->state == CS_CLOSING) {
    if (res) uv_freeaddrinfo(res);
    conn_maybe_free(c);
    return;
  }
  if (status < 0 || !res) {
    c->uv_err = status;
    if (res) uv_freeaddrinfo(res);
    conn_end(c, SR_ENETRESOLVE);
    return;
  }
  set_peer_name(c, res->ai_addr);
  c->state = CS_CONNECTING;
  c->connect_req.data = c;
  err = uv_tcp_connect(&c->connect_req, &c->tcp, res->ai_addr, on_connect);
  uv_freeaddrinfo(res);
  if (err) {
    c->uv_err = err;
    conn_end(c, SR_ENETCONNECT);
  }
}

int sr_net_dial(sr_net *n, const char *host, uint16_t port, const uint8_t server_pk[SR_NET_KEY_BYTES], void *data,
                sr_net_conn **out) {
  sr_net_conn *c;
  struct addrinfo hints;
  char port_str[8];
  int rc, err;

  if (!n || !host || !*host || !server_pk || !out || port == 0) return SR_EINVAL;
  *out = NULL;
  if (n->closing) return SR_ENETQUEUE;
  c = conn_new(n, 1);
  if (!c) return SR_ENOMEM;
  c->data = data;
  c->seen = 1; /* the caller holds it from now on */
  c->port = port;
  memcpy(c->peer_pk, server_pk, SR_NET_KEY_BYTES);
  if (strchr(host, ':')) snprintf(c->peer_name, sizeof c->peer_name, "[%s]:%u", host, (unsigned)port);
  else
    snprintf(c->peer_name, sizeof c->peer_name, "%s:%u", host, (unsigned)port);
  rc = sr_shs_client_init(&c->hs, n->cfg.netkey, n->cfg.pk, n->sk, server_pk, NULL);
  if (rc) {
    c->state = CS_HANDSHAKE;
    c->seen = 0;
    conn_end(c, rc);
    return rc;
  }
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(port_str, sizeof port_str, "%u", (unsigned)port);
  c->state = CS_RESOLVING;
  c->gai_req.data = c;
  err = uv_getaddrinfo(n->loop, &c->gai_req, on_resolved, host, port_str, &hints);
  if (err) {
    c->uv_err = err;
    c->seen = 0;
    conn_end(c, SR_ENETRESOLVE);
    return SR_ENETRESOLVE;
  }
  c->pending = 1;
  /* the timeout covers resolving, connecting and the handshake */
  uv_timer_start(&c->timer, on_timeout, n->cfg.handshake_timeout_ms, 0);
  *out = c;
  return 0;
}

void sr_net_close(sr_net *n) {
  if (!n || n->closing) return;
  n->closing = 1;
  if (n->listening) {
    uv_close((uv_handle_t *)&n->listener, NULL);
    n->listening = 0;
  }
  for (sr_net_conn *c = n->conns; c; c = c->next) {
    if (c->state != CS_CLOSING) conn_end(c, SR_ENETSHUTDOWN);
  }
  uv_close((uv_handle_t *)&n->flusher, NULL);
  /* Every handshake ended above (conn_end wipes it): none points here now. */
  sodium_free(n->sk); /* wipes it */
  n->sk = NULL;
  /* what the log limit still holds back is summed up now, not lost */
  sr_loglimit_flush(&n->loglimit, UINT64_MAX, log_sink, n);
  uv_close((uv_handle_t *)&n->log_timer, NULL);
  uv_close((uv_handle_t *)&n->accept_turn, NULL);
}
