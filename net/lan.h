/* lan.h: "friends nearby" on the wire — announcements (core/lanpacket.h) sent
 * and received over UDP multicast on the local network, with libuv on the loop
 * thread (docs/protocol.md, "Friends nearby (LAN announcements)").
 *
 *   sr_lan_t *l;  sr_lan_start(loop, &cfg, &l);   binds, joins, announces
 *   ... found(ctx, &f) for each fresh announcement of another node ...
 *   sr_lan_close(l);  uv_run(loop, ...)            frees it
 *
 * What it does:
 *   - every cfg.interval_ms (+-25% jitter, so nodes started together do not
 *     send together) it seals one announcement per IPv4 interface that is up
 *     (not loopback), each with its own nonce, and sends it to
 *     SR_LAN_GROUP:cfg.udp_port out of that interface, TTL 1 (it never
 *     leaves the link); no announcement when cfg.tcp_port is 0;
 *   - it joins SR_LAN_GROUP on each such interface, again at every round so
 *     that a network joined later is heard;
 *   - it takes at most SR_LAN_RECV_PER_S datagrams a second (the rest are
 *     dropped unread) and at most SR_LAN_ACCEPT_PER_S announcements that open
 *     (the replay cache's bound, core/lanpacket.h); it drops its own
 *     announcements, those of other networks, stale ones and replays, and hands
 *     the rest to cfg.found with the datagram's source IPv4 address.
 * State is bounded: one socket, one timer, SR_LAN_IFACES_MAX interfaces, the
 * replay cache. It logs no address (not even its interfaces'): a log line may
 * be pasted into a bug report.
 */
#ifndef SR_LAN_H
#define SR_LAN_H
#include "core/err.h"
#include "core/lanpacket.h"
#include "net/address.h"
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* An organization-local multicast group (239.192.0.0/14: never routed beyond
 * the site); "87.8" echoes the default TCP port 8708. */
#define SR_LAN_GROUP "239.192.87.8"
#define SR_LAN_DEFAULT_PORT 8708 /* UDP; the same number as the TCP default */
#define SR_LAN_DEFAULT_INTERVAL_S 10
#define SR_LAN_IFACES_MAX 16
#define SR_LAN_RECV_PER_S 64

typedef struct sr_lan sr_lan_t;

/* A fresh announcement of another node of this network. */
typedef struct sr_lan_found {
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;  /* announced TCP port */
  char ip[48];    /* the datagram's source address (IPv4 text) */
  uint64_t ts_ms; /* its sender's clock */
} sr_lan_found_t;

typedef void (*sr_lan_found_cb)(void *ctx, const sr_lan_found_t *f);
typedef void (*sr_lan_log_cb)(void *ctx, const char *line);

typedef struct sr_lan_config {
  uint8_t netkey[SR_NET_NETKEY_BYTES]; /* the network key; only the lan key derived from it is kept */
  uint8_t pk[SR_KEY_BYTES];            /* this node's key: its own announcements are dropped */
  uint16_t udp_port;                   /* lan_port */
  uint16_t tcp_port;                   /* announced; 0: listen for others only */
  /* When set, announce out of the interface with this IPv4 address only (the
   * node listens on it alone); "" announces out of every one. */
  char only_ip[48];
  uint32_t interval_ms;
  sr_lan_found_cb found;
  sr_lan_log_cb log; /* may be NULL */
  void *ctx;
} sr_lan_config_t;

typedef struct sr_lan_stats {
  uint64_t sent, send_failed;
  uint64_t received; /* datagrams read */
  uint64_t dropped;  /* over a rate limit, unread */
  uint64_t foreign;  /* another size, another key, tampered, another version */
  uint64_t stale;    /* timestamp outside the window */
  uint64_t replayed; /* nonce seen before, or the cache full */
  uint64_t own;      /* this node's own, looped back */
  uint64_t accepted; /* handed to found() */
  size_t interfaces; /* IPv4 interfaces joined now */
} sr_lan_stats_t;

/* Opens the socket (bound to 0.0.0.0:cfg->udp_port with SO_REUSEADDR, so
 * several nodes on one machine all hear the group), joins the group and
 * schedules the first announcement within a second. SR_ENETINUSE or
 * SR_ENETLISTEN when the socket cannot be bound; SR_ENOMEM. */
SR_MUST_USE int sr_lan_start(uv_loop_t *loop, const sr_lan_config_t *cfg, sr_lan_t **out);
void sr_lan_stats(const sr_lan_t *l, sr_lan_stats_t *st);
/* Stops and closes; l is freed once the loop has run the close callbacks. */
void sr_lan_close(sr_lan_t *l);

#endif
