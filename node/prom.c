/* prom.c: the metrics endpoint (prom.h) on libmicrohttpd, the HTTP library the
 * web app already uses: one internal polling thread (epoll or poll, never
 * select, whose FD_SETSIZE a relay's sockets pass), a few connections at
 * once, a short timeout. Invariant: the thread reads only core/counters.h
 * (atomics), so it shares nothing else with the loop and needs no lock. */
#include "node/prom.h"
#include "node/http_listen.h"
#include "core/counters.h"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROM_CONNS 8      /* scrapers at once: Prometheus uses one */
#define PROM_TIMEOUT_S 10 /* a connection silent this long is closed */
#define PROM_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct sr_prom {
  struct MHD_Daemon *mhd;
  int fd;
  char url[96];
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *text, const char *allow) {
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
  if (allow) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  enum MHD_Result rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

static enum MHD_Result metrics(struct MHD_Connection *c) {
  char *text = malloc(SR_COUNTERS_TEXT_MAX);
  if (!text) return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory; try again\n", NULL);
  size_t len = sr_counters_render(text, SR_COUNTERS_TEXT_MAX);
  if (!len) {
    free(text);
    return answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the metrics do not fit their buffer\n", NULL);
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(text);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_TEXT_TYPE);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  static int seen; /* a marker: the request's headers are in */
  (void)cls, (void)version, (void)upload;
  if (!*con_cls) {
    *con_cls = &seen;
    return MHD_YES; /* answered once the request is in: the connection stays reusable */
  }
  if (*upload_size) {
    *upload_size = 0; /* a body is never read here */
    return MHD_YES;
  }
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
    return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics is served here\n", "GET, HEAD");
  if (strcmp(url, "/metrics") != 0)
    return answer(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n", NULL);
  return metrics(c);
}

/* libmicrohttpd's own messages can name a client's address: never logged. */
static void quiet(void *cls, const char *fmt, va_list ap) { (void)cls, (void)fmt, (void)ap; }

int sr_prom_start(const char *host, uint16_t port, sr_prom_t **out, char *err, size_t errlen) {
  char why[300];
  int v6 = 0, rc;
  *out = NULL;
  sr_prom_t *p = calloc(1, sizeof(*p));
  if (!p) return SR_ENOMEM;
  if ((rc = sr_http_listen(host, port, 16, &p->fd, &v6, &port, why, sizeof(why)))) {
    if (rc == SR_EINVAL)
      snprintf(err, errlen, "metrics_listen host %s: use one (127.0.0.1 keeps the metrics on this machine)", why);
    else
      snprintf(err, errlen, "%s%s", why,
               rc == SR_ENETINUSE ? " (another program, the node's own listener or its web app uses that port: "
                                    "choose another)"
                                  : "");
    free(p);
    return rc;
  }
  snprintf(p->url, sizeof(p->url), v6 ? "http://[%s]:%u/metrics" : "http://%s:%u/metrics", host, (unsigned)port);
  p->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
                            on_request, p, MHD_OPTION_LISTEN_SOCKET, p->fd, MHD_OPTION_EXTERNAL_LOGGER, quiet, NULL,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROM_CONNS, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)PROM_TIMEOUT_S, MHD_OPTION_END);
  if (!p->mhd) {
    snprintf(err, errlen, "libmicrohttpd could not start its thread");
    close(p->fd);
    free(p);
    return SR_EIO;
  }
  *out = p;
  return 0;
}

const char *sr_prom_url(const sr_prom_t *p) { return p->url; }

void sr_prom_stop(sr_prom_t *p) {
  if (!p) return;
  MHD_stop_daemon(p->mhd); /* joins its thread and closes the listening socket */
  free(p);
}
