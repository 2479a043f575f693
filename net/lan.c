/* lan.c: friends-nearby announcements over UDP multicast (lan.h). Loop
 * thread only. */
#include "net/lan.h"
#include "core/clock.h"
#include "core/logline.h"
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lan_iface {
  char ip[INET_ADDRSTRLEN];
} lan_iface_t;

/* A token bucket: rate a second, as many at once. */
typedef struct lan_bucket {
  double tokens;
  uint64_t at_ms;
} lan_bucket_t;

struct sr_lan {
  sr_lan_config_t cfg;
  uv_udp_t sock;
  uv_timer_t timer;
  int open_handles;
  uint8_t key[SR_LAN_KEY_BYTES];
  struct sockaddr_in group;
  lan_iface_t ifaces[SR_LAN_IFACES_MAX];
  size_t nifaces;
  lan_bucket_t recv_bucket, accept_bucket;
  sr_lan_replay_t replay;
  sr_lan_stats_t st;
  uint8_t rbuf[SR_LAN_PACKET_BYTES * 2]; /* a longer datagram arrives cut (UV_UDP_PARTIAL) */
  int logged_send_error;
};

/* One line: the body of an event "lan" (core/logline.h). */
static void lan_log(sr_lan_t *l, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lan_log(sr_lan_t *l, int level, const char *fmt, ...) {
  char msg[300], line[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  sr_logline_start(line, sizeof(line), level, "lan");
  sr_logline_add(line, sizeof(line), "msg", msg);
  if (l->cfg.log) l->cfg.log(l->cfg.ctx, line);
  else
    fprintf(stderr, "seurone lan: %s\n", line);
}

static int bucket_take(lan_bucket_t *b, double rate, uint64_t now) {
  if (now > b->at_ms) {
    b->tokens += rate * (double)(now - b->at_ms) / 1000.0;
    if (b->tokens > rate) b->tokens = rate;
    b->at_ms = now;
  }
  if (b->tokens < 1.0) return 0;
  b->tokens -= 1.0;
  return 1;
}

/* The IPv4 interfaces to announce on and listen to now: up, not loopback,
 * cfg.only_ip alone when set. Joins the new ones and leaves the gone ones. */
static void refresh_ifaces(sr_lan_t *l) {
  uv_interface_address_t *ia;
  int count;
  lan_iface_t now[SR_LAN_IFACES_MAX];
  size_t n = 0, before = l->nifaces;
  if (uv_interface_addresses(&ia, &count) != 0) return;
  for (int i = 0; i < count && n < SR_LAN_IFACES_MAX; i++) {
    char ip[INET_ADDRSTRLEN];
    size_t j;
    if (ia[i].is_internal || ia[i].address.address4.sin_family != AF_INET) continue;
    if (uv_ip4_name(&ia[i].address.address4, ip, sizeof(ip)) != 0) continue;
    if (l->cfg.only_ip[0] && strcmp(ip, l->cfg.only_ip) != 0) continue;
    for (j = 0; j < n && strcmp(now[j].ip, ip); j++) {
    }
    if (j == n) snprintf(now[n++].ip, sizeof(now[0].ip), "%s", ip);
  }
  uv_free_interface_addresses(ia, count);
  for (size_t i = 0; i < l->nifaces; i++) {
    size_t j;
    for (j = 0; j < n && strcmp(now[j].ip, l->ifaces[i].ip); j++) {
    }
    /* Gone: the kernel may have dropped the membership with the address. */
    if (j == n) (void)!uv_udp_set_membership(&l->sock, SR_LAN_GROUP, l->ifaces[i].ip, UV_LEAVE_GROUP);
  }
  size_t kept = 0;
  for (size_t j = 0; j < n; j++) {
    size_t i;
    for (i = 0; i < l->nifaces && strcmp(now[j].ip, l->ifaces[i].ip); i++) {
    }
    if (i == l->nifaces) {
      int rc = uv_udp_set_membership(&l->sock, SR_LAN_GROUP, now[j].ip, UV_JOIN_GROUP);
      if (rc != 0 && rc != UV_EADDRINUSE) continue; /* tried again next round */
    }
    now[kept++] = now[j];
  }
  memcpy(l->ifaces, now, kept * sizeof(now[0]));
  l->nifaces = kept;
  l->st.interfaces = kept;
  if (kept != before)
    lan_log(l, SR_LOG_INFO, "friends nearby: on %zu local network interface%s", kept, kept == 1 ? "" : "s");
}

static void announce(sr_lan_t *l) {
  sr_lan_announce_t a;
  uint8_t pkt[SR_LAN_PACKET_BYTES];
  memcpy(a.key, l->cfg.pk, SR_KEY_BYTES);
  a.port = l->cfg.tcp_port;
  for (size_t i = 0; i < l->nifaces; i++) {
    a.ts_ms = sr_wall_ms();
    if (sr_lan_seal(l->key, &a, pkt) != 0) return;
    uv_buf_t b = uv_buf_init((char *)pkt, sizeof(pkt));
    int rc = uv_udp_set_multicast_interface(&l->sock, l->ifaces[i].ip);
    if (rc == 0) rc = uv_udp_try_send(&l->sock, &b, 1, (const struct sockaddr *)&l->group);
    if (rc >= 0) {
      l->st.sent++;
      continue;
    }
    l->st.send_failed++;
    if (!l->logged_send_error++)
      lan_log(l, SR_LOG_WARN, "friends nearby: could not send an announcement: %s", uv_strerror(rc));
  }
}

static void on_timer(uv_timer_t *t) {
  sr_lan_t *l = t->data;
  refresh_ifaces(l);
  if (l->cfg.tcp_port) announce(l);
  /* 75% to 125% of the interval. */
  uint64_t iv = l->cfg.interval_ms, next = iv * 3 / 4 + randombytes_uniform((uint32_t)(iv / 2 + 1));
  uv_timer_start(&l->timer, on_timer, next, 0);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  sr_lan_t *l = h->data;
  (void)suggested;
  *buf = uv_buf_init((char *)l->rbuf, sizeof(l->rbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  sr_lan_t *l = h->data;
  sr_lan_announce_t a;
  sr_lan_found_t f;
  uint64_t now = uv_now(h->loop);
  int rc;
  if (nread <= 0 || !addr) return; /* nothing more, or an error of one datagram */
  l->st.received++;
  if (!bucket_take(&l->recv_bucket, SR_LAN_RECV_PER_S, now)) {
    l->st.dropped++;
    return;
  }
  if (addr->sa_family != AF_INET || (flags & UV_UDP_PARTIAL) ||
      sr_lan_open(l->key, (const uint8_t *)buf->base, (size_t)nread, &a) != 0) {
    l->st.foreign++;
    return;
  }
  if (memcmp(a.key, l->cfg.pk, SR_KEY_BYTES) == 0) {
    l->st.own++;
    return;
  }
  /* The replay check before the rate limit: a replay costs no token, so
   * someone who copies packets without the key cannot starve the real ones. */
  rc = sr_lan_replay_check(&l->replay, (const uint8_t *)buf->base, a.ts_ms, sr_wall_ms());
  if (rc == SR_ELANSTALE) {
    l->st.stale++;
    return;
  }
  if (rc) {
    l->st.replayed++;
    return;
  }
  if (!bucket_take(&l->accept_bucket, SR_LAN_ACCEPT_PER_S, now)) {
    l->st.dropped++;
    return;
  }
  memset(&f, 0, sizeof(f));
  memcpy(f.key, a.key, SR_KEY_BYTES);
  f.port = a.port;
  f.ts_ms = a.ts_ms;
  if (uv_ip4_name((const struct sockaddr_in *)addr, f.ip, sizeof(f.ip)) != 0) return;
  l->st.accepted++;
  l->cfg.found(l->cfg.ctx, &f);
}

int sr_lan_start(uv_loop_t *loop, const sr_lan_config_t *cfg, sr_lan_t **out) {
  struct sockaddr_in any;
  sr_lan_t *l = calloc(1, sizeof(*l));
  int rc;
  if (!l) return SR_ENOMEM;
  l->cfg = *cfg;
  if (!l->cfg.interval_ms) l->cfg.interval_ms = SR_LAN_DEFAULT_INTERVAL_S * 1000;
  sr_lan_key(cfg->netkey, l->key);
  sodium_memzero(l->cfg.netkey, sizeof(l->cfg.netkey)); /* only the derived key is kept */
  sr_lan_replay_init(&l->replay);
  l->recv_bucket.tokens = SR_LAN_RECV_PER_S;
  l->accept_bucket.tokens = SR_LAN_ACCEPT_PER_S;
  l->recv_bucket.at_ms = l->accept_bucket.at_ms = uv_now(loop);
  uv_ip4_addr(SR_LAN_GROUP, cfg->udp_port, &l->group);
  uv_ip4_addr("0.0.0.0", cfg->udp_port, &any);
  if ((rc = uv_udp_init(loop, &l->sock)) != 0) {
    free(l);
    return SR_ENETLISTEN;
  }
  l->sock.data = l;
  l->open_handles = 1;
  uv_timer_init(loop, &l->timer);
  l->timer.data = l;
  l->open_handles++;
  if ((rc = uv_udp_bind(&l->sock, (const struct sockaddr *)&any, UV_UDP_REUSEADDR)) != 0 ||
      (rc = uv_udp_set_multicast_ttl(&l->sock, 1)) != 0 || (rc = uv_udp_set_multicast_loop(&l->sock, 1)) != 0 ||
      (rc = uv_udp_recv_start(&l->sock, on_alloc, on_recv)) != 0) {
    lan_log(l, SR_LOG_WARN, "friends nearby: cannot use UDP port %u: %s", (unsigned)cfg->udp_port, uv_strerror(rc));
    sr_lan_close(l);
    return rc == UV_EADDRINUSE ? SR_ENETINUSE : SR_ENETLISTEN;
  }
  refresh_ifaces(l);
  if (l->nifaces == 0)
    lan_log(l, SR_LOG_INFO, "friends nearby: no local network interface yet; looking again every round");
  /* The first round soon, but not at the same moment as a node started beside it. */
  uv_timer_start(&l->timer, on_timer, 100 + randombytes_uniform(500), 0);
  *out = l;
  return 0;
}

void sr_lan_stats(const sr_lan_t *l, sr_lan_stats_t *st) { *st = l->st; }

static void on_closed(uv_handle_t *h) {
  sr_lan_t *l = h->data;
  if (--l->open_handles == 0) {
    sodium_memzero(l->key, sizeof(l->key));
    free(l);
  }
}

void sr_lan_close(sr_lan_t *l) {
  if (!l) return;
  uv_udp_recv_stop(&l->sock);
  uv_timer_stop(&l->timer);
  uv_close((uv_handle_t *)&l->sock, on_closed);
  uv_close((uv_handle_t *)&l->timer, on_closed);
}
