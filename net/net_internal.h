/* net_internal.h: what the files of the transport share (net/net*.c).
 * Private to net/: never included outside it. The public API is net/net.h.
 *   net.c        init and close, logging, connection bookkeeping, the dialer;
 *   net_io.c     the handshake and Box Stream I/O of one connection;
 *   net_listen.c the listener and its handshake limits. */
#ifndef SR_NET_NET_INTERNAL_H
#define SR_NET_NET_INTERNAL_H

#include "core/logline.h"
#include "net/net.h"

enum { CS_RESOLVING = 1, CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_CLOSING };

#define FILL_BYTES 65536 /* sealed writes are gathered up to this before one uv_write */

typedef struct write_req_s {
  uv_write_t req;
  sr_net_conn_t *conn;
  size_t len;
  size_t cap;
  int is_goodbye;
  uint8_t bytes[];
} write_req_t;

/* net.c */
sr_net_conn_t *sr_net_conn_new(sr_net_t *n, int outbound);
/* The one exit of every connection. */
void sr_net_conn_end(sr_net_conn_t *c, int reason);
void sr_net_set_peer_name(sr_net_conn_t *c, const struct sockaddr *sa);
/* One log line of event with level and the sentence fmt (core/logline.h);
 * limited: an unauthenticated inbound connection's, rate limited (net.h). */
void sr_net_log(sr_net_t *n, int limited, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* net_io.c */
int sr_net_start_handshake(sr_net_conn_t *c);
void sr_net_on_timeout(uv_timer_t *t);

/* net_connrate.c: whether the new inbound c (its source set) is over the
 * new-connection rate of its source: SR_ECONNRATE, else 0 (a token taken). */
int sr_net_connrate_admit(sr_net_t *n, const sr_net_conn_t *c);

#endif
