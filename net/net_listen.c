/* net_listen.c: the listener: accepting (SR_NET_ACCEPTS_PER_TURN a loop turn)
 * and the handshake limits of inbound connections (per source, per network,
 * in all, with fair eviction; net.h). */
#include <string.h>

#include "core/err.h"
#include "net/net_internal.h"

#define LISTEN_BACKLOG 128

/* The source of an inbound connection, for the handshake limits: an IPv4
 * address (also when it arrives IPv4-mapped on an IPv6 listener), else the
 * IPv6 address. */
static void set_source(sr_net_conn_t *c, const struct sockaddr *sa) {
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

/* ---- listener ---- */

/* Same source (an IPv4 address, an IPv6 /64) or same network (an IPv4 /24,
 * an IPv6 /48): the units of the handshake limits (net.h). */
static int same_src(const sr_net_conn_t *a, const sr_net_conn_t *b, int net) {
  size_t len = a->src_v6 ? (net ? 6 : 8) : (net ? 3 : 4);
  return a->src_v6 == b->src_v6 && memcmp(a->src, b->src, len) == 0;
}

static int inbound_handshake(const sr_net_conn_t *o) { return !o->outbound && o->state == CS_HANDSHAKE; }

/* Among the inbound handshakes hs[0..nhs) (only those of c's network when
 * within_net), the group (of sources, or of networks when by_net) holding the
 * most: its count in *most, and the handshake of it to close first — one that
 * sent nothing yet before one that did, then the oldest. At most 128^2 steps,
 * and only when a limit is reached. */
static sr_net_conn_t *busiest(sr_net_conn_t **hs, int nhs, const sr_net_conn_t *c, int within_net, int by_net,
                              int *most) {
  sr_net_conn_t *pick = NULL;
  *most = 0;
  for (int i = 0; i < nhs; i++) {
    sr_net_conn_t *o = hs[i];
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
static int handshake_admit(sr_net_t *n, sr_net_conn_t *c) {
  sr_net_conn_t *hs[SR_NET_HANDSHAKES_MAX + 1], *victim = NULL;
  int all = 0, net = 0, host = 0, most;
  for (sr_net_conn_t *o = n->conns; o; o = o->next) {
    if (o == c || !inbound_handshake(o)) continue;
    if (all < SR_NET_HANDSHAKES_MAX + 1) hs[all] = o;
    all++;
    net += same_src(o, c, 1);
    host += same_src(o, c, 0);
  }
  if (all > SR_NET_HANDSHAKES_MAX + 1) all = SR_NET_HANDSHAKES_MAX + 1; /* cannot happen: admission keeps it */
  if (host >= SR_NET_HANDSHAKES_PER_HOST) return SR_EHSLIMIT;
  if (all >= SR_NET_HANDSHAKES_MAX) {
    sr_net_conn_t *v = busiest(hs, all, c, 0, 1, &most);
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
  if (victim) sr_net_conn_end(victim, SR_EHSLIMIT);
  return 0;
}

static void on_connection(uv_stream_t *server, int status);

/* After the I/O of a loop iteration (before closed handles are freed): the
 * next iteration may accept SR_NET_ACCEPTS_PER_TURN again, starting with the
 * connection that was left waiting (which restarts libuv's accepting). */
static void on_accept_turn(uv_check_t *t) {
  sr_net_t *n = t->data;
  n->accepts = 0;
  uv_check_stop(t);
  if (n->accept_deferred && n->listening && !n->closing) {
    n->accept_deferred = 0;
    on_connection((uv_stream_t *)&n->listener, 0);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  sr_net_t *n = server->data;
  sr_net_conn_t *c;
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
    sr_net_log(n, 1, SR_LOG_WARN, "accept_failed", "dropped inbound before accept: %s (%s)", sr_errname(SR_ENETIO),
               uv_strerror(status));
    return;
  }
  c = sr_net_conn_new(n, 0);
  if (!c) {
    /* accept into a throwaway handle is not possible without memory: log once */
    sr_net_log(n, 1, SR_LOG_WARN, "accept_failed", "dropped inbound before accept: %s (%s)", sr_errname(SR_ENOMEM),
               sr_strerror(SR_ENOMEM));
    return;
  }
  err = uv_accept(server, (uv_stream_t *)&c->tcp);
  if (err) {
    c->uv_err = err;
    c->state = CS_HANDSHAKE;
    sr_net_conn_end(c, SR_ENETIO);
    return;
  }
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
    sr_net_set_peer_name(c, (struct sockaddr *)&ss);
    set_source(c, (struct sockaddr *)&ss);
  }
  c->accepted_ms = uv_now(n->loop);
  /* Over its source's rate: closed before any handshake work, and the end
   * is not logged with the address (counted; net_connrate.c says it once a
   * minute without it). */
  if ((rc = sr_net_connrate_admit(n, c)) != 0) {
    c->state = CS_HANDSHAKE;
    c->end_logged = 1;
    sr_net_conn_end(c, rc);
    return;
  }
  if ((rc = handshake_admit(n, c)) != 0) {
    c->state = CS_HANDSHAKE;
    sr_net_conn_end(c, rc);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  rc = sr_shs_server_init(&c->hs, n->cfg.netkey, n->cfg.pk, n->sk, NULL);
  if (rc == 0) rc = sr_net_start_handshake(c);
  /* until the first message has come, a shorter timeout (net.h) */
  if (rc == 0) uv_timer_start(&c->timer, sr_net_on_timeout, n->cfg.first_msg_timeout_ms, 0);
  if (rc) {
    c->state = CS_HANDSHAKE;
    sr_net_conn_end(c, rc);
  }
}

static int parse_ip(const char *host, uint16_t port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (strchr(host, ':')) return uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0 ? 0 : SR_EADDRHOST;
  return uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0 ? 0 : SR_EADDRHOST;
}

int sr_net_listen(sr_net_t *n, const char *host, uint16_t port) {
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
    sr_net_log(n, 0, SR_LOG_ERROR, "listen_failed", "cannot listen on %s port %u: %s", host, (unsigned)port,
               uv_strerror(err));
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

int sr_net_listen_port(const sr_net_t *n) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (!n || !n->listening) return SR_EINVAL;
  if (uv_tcp_getsockname(&n->listener, (struct sockaddr *)&ss, &len) != 0) return SR_ENETLISTEN;
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
