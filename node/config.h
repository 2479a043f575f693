/* config.h: HOME/config, a small "key = value" file (# starts a comment).
 * Keys (docs/config.md has the whole table):
 *   listen      = HOST:PORT      where the node listens (default 0.0.0.0:8708;
 *                                IPv6 as [::]:8708; port 0 picks a free one)
 *   advertise   = HOST           the host others should dial, when listen is a wildcard
 *   network_key = 64 hex         a closed network's key (default: Seurone's, DESIGN.md)
 *   hops, relay, max_conns, idle_timeout_ms, handshake_timeout_ms,
 *   rate_frames_per_s, rate_bytes_per_s, max_queue_bytes, bootstrap (repeatable)
 * Unknown keys are an error, so a typo never silently does nothing. Command-line
 * flags override the file. */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "net/address.h"

#define SR_DEFAULT_PORT 8708
#define SR_CONFIG_BOOTSTRAP_MAX 32

typedef struct sr_config {
  char listen_host[256];
  uint16_t listen_port;
  char advertise[SR_NET_HOST_MAX]; /* "" when not set */
  uint8_t network_key[32];
  int hops;                      /* follow hops replicated (default 2) */
  int relay;                     /* relay mode (default no) */
  uint32_t max_conns;            /* sessions at once (32; 256 for a relay) */
  uint32_t idle_timeout_ms;      /* 300000 */
  uint32_t handshake_timeout_ms; /* 10000 */
  uint32_t rate_frames_per_s;    /* 2000 */
  uint32_t rate_bytes_per_s;     /* 8 MiB */
  uint32_t max_queue_bytes;      /* 4 MiB */
  char bootstrap[SR_CONFIG_BOOTSTRAP_MAX][SR_NET_ADDRESS_MAX];
  int nbootstrap;
} sr_config_t;

/* Fills defaults, then reads HOME/config if it exists. Errors: SR_EINVAL with a
 * sentence in err naming the file, line and problem. */
int sr_config_load(const char *home, sr_config_t *cfg, char *err, size_t errlen);
/* Parses "HOST:PORT" or "[V6]:PORT" into host/port: 0 or SR_EINVAL. */
int sr_config_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port);

#endif
