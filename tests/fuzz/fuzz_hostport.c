/* fuzz_hostport: the HOST:PORT parser of `listen` and --listen
 * (sr_config_parse_hostport) under libFuzzer: never a crash or an overrun; the
 * host it gives back is a terminated string within its buffer. */
#include "core/core.h"
#include "node/config.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char s[1024], host[SR_NET_HOST_MAX];
  uint16_t port = 0;
  if (size >= sizeof(s)) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  memset(host, 'x', sizeof(host));
  if (sr_config_parse_hostport(s, host, sizeof(host), &port) == 0) {
    if (!memchr(host, '\0', sizeof(host))) abort();
    if (strlen(host) > size) abort(); /* the host comes out of the input */
  }
  return 0;
}
