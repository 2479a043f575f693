/* prom.h: the metrics endpoint, GET /metrics in Prometheus text format, on
 * the address of config `metrics_listen` (off unless set).
 *
 * Its own small HTTP server (libmicrohttpd, one internal thread), never the
 * web app's port: no sign-in, so it serves only the counters of
 * core/counters.h, which name no member (no key, no address). Any other path
 * is 404, any method but GET and HEAD 405, a malformed request 400
 * (libmicrohttpd's own answer): none of it reaches the node's loop.
 * docs/monitoring.md lists every metric.
 */
#ifndef SR_PROM_H
#define SR_PROM_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sr_prom sr_prom_t;

/* Listens on host (an IP address: a name is refused) and port (0: a free
 * one). On error err says why in words (and what to change), *out is NULL. */
SR_MUST_USE int sr_prom_start(const char *host, uint16_t port, sr_prom_t **out, char *err, size_t errlen);
/* "http://HOST:PORT/metrics"; valid while p lives. */
const char *sr_prom_url(const sr_prom_t *p);
/* Stops the thread and frees p (NULL: nothing). */
void sr_prom_stop(sr_prom_t *p);

#endif
