/* net.h: Seurone's transport. TCP over libuv (IPv4 and IPv6); every connection
 * runs Secret Handshake v1 (core/shs.h) under a timeout, then carries Box
 * Stream (core/boxstream.h) both ways.
 *
 * Lifecycle
 *   sr_net_t n;  sr_net_init(&n, loop, &cfg);   caller allocates n; it must stay
 *                                               valid until the loop has run
 *                                               dry after sr_net_close()
 *   sr_net_listen(&n, "0.0.0.0", 8008);        accept peers (optional)
 *   sr_net_dial(&n, host, port, server_pk, data, &c);  dial a peer
 *   ... uv_run(loop) ...
 *   sr_net_close(&n);  uv_run(loop, UV_RUN_DEFAULT);   everything is freed
 *
 * Connections (sr_net_conn_t) are allocated and freed by this layer.
 *   - inbound: the upper layer first sees one in connected(); it is valid
 *     until closed() returns.
 *   - outbound: valid from sr_net_dial() until closed() returns; connected()
 *     comes only if the handshake succeeds (the peer's key is then the one
 *     dialled).
 *   closed(c, reason) is called exactly once for every connection the upper
 *   layer has seen (every dial, every inbound after connected()). reason is 0
 *   for an end this node chose or agreed to (both goodbyes, or
 *   sr_net_conn_close() by this node),
 *   else an SR_E* code saying why the connection dropped.
 *   Inside any callback the upper layer may write, say goodbye or close.
 *
 * Logging: every connection end, clean or not, inbound or outbound, produces
 * exactly one log line (the upper layer's own, after sr_net_conn_close_logged)
 * through cfg.cb.log (or stderr prefixed "seurone net: "
 * when NULL), as logfmt fields (core/logline.h), e.g.
 *   level=warn event=handshake_failed dir=inbound peer=unknown reason=SR_EHSNETKEY
 *   msg="dropped inbound hidden peer unknown during handshake: SR_EHSNETKEY (...)"
 * with the peer's address only when cfg.log_addresses is on.
 * Failures inside the listener never stop it: it keeps accepting.
 *
 * Messages: Box Stream carries bytes, not message boundaries. A write of up to
 * SR_BOX_BODY_MAX (4096) bytes arrives as one message() call; a longer write
 * arrives as consecutive chunks of at most 4096 bytes, in order. The layer
 * above frames its own messages (gossip frames are self-delimiting msgpack).
 *
 * Back-pressure: sr_net_conn_queued() is the number of sealed bytes accepted
 * by sr_net_conn_write() and not yet written to the socket; drained() fires
 * when it falls back to 0. Writes made during one loop iteration are gathered
 * (up to 64 KiB per buffer) and handed to the kernel together just before the
 * loop next waits for I/O, so many small writes cost few system calls.
 */
#ifndef SR_NET_H
#define SR_NET_H
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/boxstream.h"
#include "core/loglimit.h"
#include "core/shs.h"
#include "net/address.h" /* SR_NET_NETKEY_BYTES */

#define SR_NET_KEY_BYTES 32               /* ed25519 public key */
#define SR_NET_SECRET_BYTES 64            /* ed25519 secret key */
#define SR_NET_HANDSHAKE_TIMEOUT_MS 10000 /* default */
#define SR_NET_PEER_NAME_MAX 64           /* "[v6addr]:port" */
#define SR_NET_READ_BUF 65536
/* Inbound handshakes in progress at once, so that a flood of half-open
 * connections can neither hold the listener's memory and timers nor keep good
 * peers out (docs/transport.md, "Handshake limits"):
 *   - from one source: an IPv4 address, or an IPv6 /64 (what one host gets);
 *     one more from it is refused at accept (SR_EHSLIMIT);
 *   - from one network: an IPv4 /24 or an IPv6 /48 (what one attacker can
 *     cheaply hold); when it is full, a newcomer from a source of the network
 *     that holds at least two fewer handshakes than the busiest source there
 *     takes the slot of that source's oldest handshake (preferring one that
 *     sent nothing);
 *   - in all; when full, the same between networks: a newcomer from a network
 *     holding at least two fewer than the busiest network takes a slot of it.
 * So whoever holds the most handshakes loses one first, and a good peer from
 * an address the flood does not use always gets its handshake through. */
#define SR_NET_HANDSHAKES_PER_HOST 8
#define SR_NET_HANDSHAKES_PER_NET 32
#define SR_NET_HANDSHAKES_MAX 128
/* An inbound connection that has not sent its whole first handshake message
 * (64 bytes, sent at once by every client) within this time is closed
 * (SR_EHSSILENT): a silent connection holds a slot seconds, not the whole
 * handshake timeout. Capped by the handshake timeout. */
#define SR_NET_FIRST_MSG_TIMEOUT_MS 3000
/* Connections accepted per loop iteration. A client that reconnects as fast
 * as it is refused keeps the kernel's accept queue full, and libuv accepts
 * until the queue is empty: without a bound, the loop would never reach the
 * phase that frees closed connections, and memory would grow without end. */
#define SR_NET_ACCEPTS_PER_TURN 64
/* Log lines about inbound connections that never authenticated (refused,
 * silent, garbage) are rate limited (core/loglimit.h): at most this many
 * alike lines per window, the rest summed up in one line with a count. */
#define SR_NET_LOG_BURST 20
#define SR_NET_LOG_WINDOW_MS 10000

/* Sources the new-connection rate limit remembers at once: past it, the one
 * idle longest is forgotten (a fresh source gets a full bucket). */
#define SR_NET_RATE_SLOTS 512

typedef struct sr_net sr_net_t;
typedef struct sr_net_conn sr_net_conn_t;

typedef struct {
  /* Handshake done; peer_pk is the peer's verified long-term key. */
  void (*connected)(sr_net_conn_t *c, const uint8_t peer_pk[SR_NET_KEY_BYTES]);
  /* One Box Stream body (1..4096 bytes); buf valid only during the call. */
  void (*message)(sr_net_conn_t *c, const uint8_t *buf, size_t len);
  /* Optional: the write queue fell back to 0 bytes. */
  void (*drained)(sr_net_conn_t *c);
  /* Exactly once per connection seen by the upper layer; see above. */
  void (*closed)(sr_net_conn_t *c, int reason);
  /* Optional log sink (one line, no newline); NULL logs to stderr. */
  void (*log)(sr_net_t *n, const char *line);
} sr_net_callbacks_t;

typedef struct {
  uint8_t netkey[SR_NET_NETKEY_BYTES];
  uint8_t pk[SR_NET_KEY_BYTES];
  uint8_t sk[SR_NET_SECRET_BYTES];
  uint32_t handshake_timeout_ms; /* 0 means SR_NET_HANDSHAKE_TIMEOUT_MS */
  uint32_t first_msg_timeout_ms; /* 0 means SR_NET_FIRST_MSG_TIMEOUT_MS */
  /* Where an operator sets the network key (e.g. "/home/ada/.seurone/config"),
   * named in the log when a handshake fails the way a wrong key fails; NULL:
   * "HOME/config". The caller keeps it alive while the sr_net_t lives. */
  const char *netkey_where;
  /* 1: log lines name peers' addresses (config `log_addresses`); 0: they
   * show SR_NET_ADDR_HIDDEN, so no member's IP reaches the log. */
  int log_addresses;
  /* New inbound connections a minute per source address (an IPv4 address,
   * an IPv6 /64; net_connrate.c): 0, no limit. Loopback sources are let
   * through unless conn_rate_loopback. */
  uint32_t conn_rate_per_min;
  int conn_rate_loopback;
  sr_net_callbacks_t cb;
  void *data; /* copied to sr_net_t.data */
} sr_net_config_t;

struct sr_net {
  void *data; /* public: for the upper layer */
  /* private */
  uv_loop_t *loop;
  sr_net_config_t cfg;
  uv_tcp_t listener;
  int listening;
  int closing;
  sr_net_conn_t *conns; /* every live connection */
  sr_net_conn_t *dirty; /* connections with gathered, unflushed writes */
  uv_prepare_t flusher;
  /* cfg.sk moved here at init: sodium_malloc'd (guard pages, mlock'd, left
   * out of core dumps), the only copy, freed (wiped) by sr_net_close. */
  uint8_t *sk;
  sr_loglimit_t loglimit; /* lines about unauthenticated inbound connections */
  uv_timer_t log_timer;   /* sums up held-back lines once their window ends */
  uv_check_t accept_turn; /* ends a loop iteration's accepts (SR_NET_ACCEPTS_PER_TURN) */
  int accepts;            /* accepted in this iteration */
  int accept_deferred;    /* one is waiting in libuv for the next iteration */
  /* The new-connection rate per source (net_connrate.c): a token bucket each. */
  struct sr_net_rate {
    uint8_t src[8];
    uint8_t v6, used;
    double tokens;
    uint64_t at_ms;
  } rate[SR_NET_RATE_SLOTS];
  uint64_t rate_refused;   /* connections refused for it (closed before the handshake) */
  uint64_t rate_logged_ms; /* when the last line about it was logged */
};

struct sr_net_conn {
  void *data;                           /* public: for the upper layer */
  sr_net_t *net;                        /* public, read-only */
  int outbound;                         /* public, read-only: 1 if we dialled */
  char peer_name[SR_NET_PEER_NAME_MAX]; /* public, read-only: "host:port" */
  char peer_host[48];                   /* public, read-only: the address alone, "" if unknown */
  uint8_t peer_pk[SR_NET_KEY_BYTES];    /* public, read-only once connected */
  /* private */
  sr_net_conn_t *prev, *next;
  int state;
  int handles; /* open uv handles (tcp, timer) */
  int pending; /* outstanding requests that outlive uv_close (getaddrinfo) */
  int seen;    /* upper layer knows this connection */
  int bye_sent, bye_written, bye_received;
  int closed_here;      /* sr_net_conn_close*: this node closed it without a goodbye exchange */
  int end_logged;       /* the upper layer logged this end (sr_net_conn_close_logged) */
  int uv_err;           /* libuv error behind SR_ENETIO etc., for the log */
  int src_v6;           /* inbound: the source address, for the handshake limits */
  uint8_t src[16];      /* (IPv4, also IPv4-mapped IPv6, in the first 4 bytes) */
  uint64_t accepted_ms; /* inbound: loop time of accept */
  uint16_t port;
  size_t queued;            /* includes the unflushed fill */
  struct write_req_s *fill; /* sealed bytes gathered for one uv_write */
  sr_net_conn_t *dirty_next;
  int dirty;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_connect_t connect_req;
  uv_getaddrinfo_t gai_req;
  sr_shs_t hs;
  uint8_t hs_buf[SR_SHS_MSG_MAX];
  size_t hs_have;
  int hs_msgs_in; /* handshake messages received and verified */
  sr_box_writer_t writer;
  sr_box_reader_t *reader; /* allocated once the handshake is done */
  uint8_t *read_buf;       /* SR_NET_READ_BUF bytes */
};

/* A config with the network key and this node's key pair, all else zero (the
 * defaults, no callbacks). The caller wipes cfg->sk once sr_net_init took it. */
void sr_net_config_init(sr_net_config_t *cfg, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                        const uint8_t pk[SR_NET_KEY_BYTES], const uint8_t sk[SR_NET_SECRET_BYTES]);

/* Copy cfg (the secret key included: sr_net_close wipes it). */
SR_MUST_USE int sr_net_init(sr_net_t *n, uv_loop_t *loop, const sr_net_config_t *cfg);

/* Listen on host (an IPv4 or IPv6 literal, e.g. "0.0.0.0", "::", "127.0.0.1";
 * sr_net_listen_ip turns a host name into one) and port (0 picks an ephemeral
 * port; see sr_net_listen_port). A failed bind says why: SR_EADDRHOST (not an
 * IP literal), SR_ENETINUSE, SR_ENETNOTAVAIL (not this machine's address),
 * SR_ENETACCES (a privileged port), else SR_ENETLISTEN. */
SR_MUST_USE int sr_net_listen(sr_net_t *n, const char *host, uint16_t port);

/* The port actually bound, or a negative SR_E* code. */
SR_MUST_USE int sr_net_listen_port(const sr_net_t *n);

/* Dial host:port (name or literal) expecting the server key server_pk.
 * data is stored in (*out)->data before any callback. *out is valid until
 * closed() returns. Errors after this returns 0 come through closed(). */
SR_MUST_USE int sr_net_dial(sr_net_t *n, const char *host, uint16_t port, const uint8_t server_pk[SR_NET_KEY_BYTES],
                            void *data, sr_net_conn_t **out);

/* Seal and queue len bytes (> 0) once connected. SR_EHSSTATE before the
 * handshake is done, SR_EBOXCLOSED after goodbye, SR_ENETQUEUE if closing. */
SR_MUST_USE int sr_net_conn_write(sr_net_conn_t *c, const uint8_t *buf, size_t len);

/* Sealed bytes queued and not yet written (for back-pressure). */
size_t sr_net_conn_queued(const sr_net_conn_t *c);

/* Stops (pause != 0) or resumes reading from the peer: back-pressure for an upper
 * layer that cannot keep up; TCP then slows the sender down. Bytes already read
 * are still delivered. 0, or SR_EHSSTATE before the handshake is done. */
SR_MUST_USE int sr_net_conn_pause(sr_net_conn_t *c, int pause);

/* Queue the goodbye after everything written so far. The connection ends
 * cleanly (closed reason 0) once the peer's goodbye has also arrived. */
SR_MUST_USE int sr_net_conn_goodbye(sr_net_conn_t *c);

/* Close now (queued data may be lost); closed(c, 0) follows if seen. The end
 * is logged "closed ... : closed without goodbye" (not "clean end": the peer
 * was not told, and may have been cut off mid-transfer). */
void sr_net_conn_close(sr_net_conn_t *c);
/* The same, for an upper layer that has just logged why it closes c (gossip's
 * "dropping ..." line): the end makes no second line, so that every session end
 * is one line in the log. */
void sr_net_conn_close_logged(sr_net_conn_t *c);
/* What log lines show for c's address: its peer_name ("host:port") when
 * cfg.log_addresses is on, else SR_NET_ADDR_HIDDEN. Valid while c lives. */
#define SR_NET_ADDR_HIDDEN "hidden"
const char *sr_net_conn_log_addr(const sr_net_conn_t *c);

/* Stop listening and drop every connection (reason SR_ENETSHUTDOWN); wipe the
 * secret key. Run the loop afterwards so libuv can release the handles. */
void sr_net_close(sr_net_t *n);

/* Inbound connections refused by the new-connection rate limit so far. */
uint64_t sr_net_conn_rate_refused(const sr_net_t *n);

#endif
