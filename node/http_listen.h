/* http_listen.h: the listening socket of the node's HTTP servers (the web app,
 * node/web.c; the metrics endpoint, node/prom.c), made here so that a bind that
 * fails says why, as the node's own listener does, before libmicrohttpd is
 * handed the socket. */
#ifndef SR_HTTP_LISTEN_H
#define SR_HTTP_LISTEN_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

/* Binds host (an IP address literal, IPv4 or IPv6; a name is refused) and
 * port (0: any free one) and listens with backlog. 0 with *fd, *v6 and the
 * port bound in *bound; else SR_EINVAL (not an IP address: err says so),
 * SR_ENETINUSE, SR_ENETNOTAVAIL, SR_ENETACCES or SR_EIO, with the system's
 * reason in err, and nothing left open. */
SR_MUST_USE int sr_http_listen(const char *host, uint16_t port, int backlog, int *fd, int *v6, uint16_t *bound,
                               char *err, size_t errlen);

#endif
