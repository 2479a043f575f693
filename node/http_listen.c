/* http_listen.c: see http_listen.h. */
#include "node/http_listen.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sr_http_listen(const char *host, uint16_t port, int backlog, int *fd, int *v6, uint16_t *bound, char *err,
                   size_t errlen) {
  struct sockaddr_storage ss;
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  socklen_t sl;
  int s, one = 1, e;
  *fd = -1;
  memset(&ss, 0, sizeof(ss));
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    sl = sizeof(*a4);
    *v6 = 0;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    sl = sizeof(*a6);
    *v6 = 1;
  } else {
    snprintf(err, errlen, "'%s' is not an IP address", host);
    return SR_EINVAL;
  }
  if ((s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
    snprintf(err, errlen, "cannot make a socket: %s", strerror(errno));
    return SR_EIO;
  }
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(s, (struct sockaddr *)&ss, sl) != 0 || listen(s, backlog) != 0) {
    e = errno;
    close(s);
    snprintf(err, errlen, "%s", strerror(e));
    return e == EADDRINUSE ? SR_ENETINUSE : e == EADDRNOTAVAIL ? SR_ENETNOTAVAIL : e == EACCES ? SR_ENETACCES : SR_EIO;
  }
  sl = sizeof(ss);
  if (getsockname(s, (struct sockaddr *)&ss, &sl) != 0) {
    e = errno;
    close(s);
    snprintf(err, errlen, "%s", strerror(e));
    return SR_EIO;
  }
  *bound = ntohs(*v6 ? a6->sin6_port : a4->sin_port);
  *fd = s;
  return 0;
}
