/* net.c: libuv listener and dialer running SHS then Box Stream (see net.h).
 *
 * Each connection moves RESOLVING -> CONNECTING -> HANDSHAKE -> OPEN ->
 * CLOSING. Invariants:
 *   - sr_net_conn_end() is the only way into CLOSING; it runs once per
 *     connection, logs its one line (unless the upper layer logged it:
 *     sr_net_conn_close_logged), calls closed() once if the upper layer saw
 *     the connection, wipes the session secrets and closes the uv handles;
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

#include "core/counters.h"
#include "core/err.h"
#include "core/logline.h"
#include "net/net_internal.h"

/* The transport hands its keys to the handshake as they are. */
_Static_assert(SR_NET_KEY_BYTES == SR_SHS_PK_BYTES && SR_NET_SECRET_BYTES == SR_SHS_SK_BYTES &&
                   SR_NET_NETKEY_BYTES == SR_SHS_NETKEY_BYTES,
               "net keys are SHS keys");

#define LOG_LINE_MAX 512

static void log_sink(void *ctx, const char *line) {
  sr_net_t *n = ctx;
  if (n->cfg.cb.log) n->cfg.cb.log(n, line);
  else
    fprintf(stderr, "seurone net: %s\n", line);
}

static void on_log_timer(uv_timer_t *t) {
  sr_net_t *n = t->data;
  if (sr_loglimit_flush(&n->loglimit, uv_now(n->loop), log_sink, n) == 0) uv_timer_stop(t);
}

/* One log line (core/logline.h: fields, msg last); a limited one (about an
 * inbound connection that never authenticated: what a flood produces) goes
 * through the rate limit. */
static void net_emit(sr_net_t *n, int limited, const char *line) {
  if (!limited || n->closing) {
    log_sink(n, line);
    return;
  }
  if (sr_loglimit_pass(&n->loglimit, line, uv_now(n->loop), log_sink, n)) log_sink(n, line);
  else if (!uv_is_active((uv_handle_t *)&n->log_timer))
    uv_timer_start(&n->log_timer, on_log_timer, 1000, 1000);
}

void sr_net_log(sr_net_t *n, int limited, int level, const char *event, const char *fmt, ...) {
  char msg[LOG_LINE_MAX], line[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sr_logline_start(line, sizeof line, level, event);
  sr_logline_add(line, sizeof line, "msg", msg);
  net_emit(n, limited, line);
}

const char *sr_net_conn_log_addr(const sr_net_conn_t *c) {
  return c->net->cfg.log_addresses ? c->peer_name : SR_NET_ADDR_HIDDEN;
}

/* The line of a connection's end: its fields, then the sentence. */
static void log_end(sr_net_conn_t *c, int limited, const char *key, int reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void log_end(sr_net_conn_t *c, int limited, const char *key, int reason, const char *fmt, ...) {
  char msg[LOG_LINE_MAX], line[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sr_logline_start(line, sizeof line, reason ? SR_LOG_WARN : SR_LOG_INFO,
                   c->state == CS_HANDSHAKE ? "handshake_failed"
                   : c->state == CS_OPEN    ? "conn_end"
                                            : "dial_failed");
  sr_logline_add(line, sizeof line, "dir", c->outbound ? "outbound" : "inbound");
  sr_logline_add(line, sizeof line, "peer", key);
  if (c->net->cfg.log_addresses) sr_logline_add(line, sizeof line, "addr", c->peer_name);
  sr_logline_add(line, sizeof line, "reason", sr_errname(reason));
  sr_logline_add(line, sizeof line, "msg", msg);
  net_emit(c->net, limited, line);
}

void sr_net_config_init(sr_net_config_t *cfg, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                        const uint8_t pk[SR_NET_KEY_BYTES], const uint8_t sk[SR_NET_SECRET_BYTES]) {
  memset(cfg, 0, sizeof *cfg);
  memcpy(cfg->netkey, netkey, sizeof cfg->netkey);
  memcpy(cfg->pk, pk, sizeof cfg->pk);
  memcpy(cfg->sk, sk, sizeof cfg->sk);
}

int sr_net_init(sr_net_t *n, uv_loop_t *loop, const sr_net_config_t *cfg) {
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

sr_net_conn_t *sr_net_conn_new(sr_net_t *n, int outbound) {
  sr_net_conn_t *c = calloc(1, sizeof *c);
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

static void conn_maybe_free(sr_net_conn_t *c) {
  sr_net_t *n = c->net;
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
  sr_net_conn_t *c = h->data;
  c->handles--;
  conn_maybe_free(c);
}

static const char *phase_name(const sr_net_conn_t *c) {
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

static void drop_fill(sr_net_conn_t *c) {
  if (c->dirty) {
    sr_net_conn_t **pp = &c->net->dirty;
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

/* The one exit of every connection (net_internal.h). */
void sr_net_conn_end(sr_net_conn_t *c, int reason) {
  sr_net_t *n = c->net;
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
  const char *dir = c->outbound ? "outbound" : "inbound", *addr = sr_net_conn_log_addr(c);
  if (c->end_logged) {
    /* the upper layer said why it closed it: one line per end */
  } else if (reason == 0) {
    log_end(c, limited, key, reason, "closed %s %s peer %s: %s", dir, addr, key,
            c->closed_here && !(c->bye_written && c->bye_received) ? "closed without goodbye" : "clean end");
  } else if (reason == SR_EHSNETKEY || (reason == SR_EHSCLOSED && c->outbound && c->hs_msgs_in == 0)) {
    /* What a wrong network key looks like from each side: the listener cannot
     * read the dialer's first message; the dialer sees the listener hang up on
     * it. Without the hint, a member of a closed network never learns why. */
    log_end(c, limited, key, reason,
            "dropped %s %s peer %s %s: %s (%s); the network key may differ: both nodes need the same "
            "network_key in %s (docs/config.md)",
            dir, addr, key, phase_name(c), sr_errname(reason), sr_strerror(reason),
            n->cfg.netkey_where ? n->cfg.netkey_where : "HOME/config");
  } else if (reason == SR_EHSWRONGKEY) {
    /* Names only what this node dialled: the address it was given (when
     * addresses are logged at all). */
    log_end(c, 0, key, reason,
            "dropped outbound %s peer %s %s: %s (the node at %s did not prove it holds key %s…: the key in the "
            "address may be wrong, or another node now listens there)",
            addr, key, phase_name(c), sr_errname(reason), addr, key);
  } else if (c->uv_err) {
    log_end(c, limited, key, reason, "dropped %s %s peer %s %s: %s (%s: %s)", dir, addr, key, phase_name(c),
            sr_errname(reason), sr_strerror(reason), uv_strerror(c->uv_err));
  } else {
    log_end(c, limited, key, reason, "dropped %s %s peer %s %s: %s (%s)", dir, addr, key, phase_name(c),
            sr_errname(reason), sr_strerror(reason));
  }
  /* Counters (core/counters.h): a handshake that did not finish; a session's
   * end is gossip's to count (it knows which were sessions). */
  if (prev_state == CS_HANDSHAKE) sr_counters_handshake_failed(reason ? reason : SR_EHSCLOSED);
  if (reason == SR_EHSLIMIT) sr_counters_rate_limited(SR_LIMIT_HANDSHAKES);
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

void sr_net_set_peer_name(sr_net_conn_t *c, const struct sockaddr *sa) {
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

/* ---- dialer ---- */

static void on_connect(uv_connect_t *req, int status) {
  sr_net_conn_t *c = req->data;
  int rc;
  if (c->state == CS_CLOSING) return;
  if (status < 0) {
    c->uv_err = status;
    sr_net_conn_end(c, SR_ENETCONNECT);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  rc = sr_net_start_handshake(c);
  if (rc) sr_net_conn_end(c, rc);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  sr_net_conn_t *c = req->data;
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
    sr_net_conn_end(c, SR_ENETRESOLVE);
    return;
  }
  sr_net_set_peer_name(c, res->ai_addr);
  c->state = CS_CONNECTING;
  c->connect_req.data = c;
  err = uv_tcp_connect(&c->connect_req, &c->tcp, res->ai_addr, on_connect);
  uv_freeaddrinfo(res);
  if (err) {
    c->uv_err = err;
    sr_net_conn_end(c, SR_ENETCONNECT);
  }
}

int sr_net_dial(sr_net_t *n, const char *host, uint16_t port, const uint8_t server_pk[SR_NET_KEY_BYTES], void *data,
                sr_net_conn_t **out) {
  sr_net_conn_t *c;
  struct addrinfo hints;
  char port_str[8];
  int rc, err;

  if (!n || !host || !*host || !server_pk || !out || port == 0) return SR_EINVAL;
  *out = NULL;
  if (n->closing) return SR_ENETQUEUE;
  c = sr_net_conn_new(n, 1);
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
    sr_net_conn_end(c, rc);
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
    sr_net_conn_end(c, SR_ENETRESOLVE);
    return SR_ENETRESOLVE;
  }
  c->pending = 1;
  /* the timeout covers resolving, connecting and the handshake */
  uv_timer_start(&c->timer, sr_net_on_timeout, n->cfg.handshake_timeout_ms, 0);
  *out = c;
  return 0;
}

void sr_net_close(sr_net_t *n) {
  if (!n || n->closing) return;
  n->closing = 1;
  if (n->listening) {
    uv_close((uv_handle_t *)&n->listener, NULL);
    n->listening = 0;
  }
  for (sr_net_conn_t *c = n->conns; c; c = c->next) {
    if (c->state != CS_CLOSING) sr_net_conn_end(c, SR_ENETSHUTDOWN);
  }
  uv_close((uv_handle_t *)&n->flusher, NULL);
  /* Every handshake ended above (sr_net_conn_end wipes it): none points here now. */
  sodium_free(n->sk); /* wipes it */
  n->sk = NULL;
  /* what the log limit still holds back is summed up now, not lost */
  sr_loglimit_flush(&n->loglimit, UINT64_MAX, log_sink, n);
  uv_close((uv_handle_t *)&n->log_timer, NULL);
  uv_close((uv_handle_t *)&n->accept_turn, NULL);
}
