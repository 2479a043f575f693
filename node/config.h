/* config.h: HOME/config, a small "key = value" file (# starts a comment, blank
 * lines are ignored, spaces around key and value are trimmed). docs/config.md
 * has the whole table with defaults; in short:
 *   listen               = HOST:PORT   where the node listens (default 0.0.0.0:8708;
 *                                      IPv6 as [::]:8708; port 0 picks a free one)
 *   advertise            = HOST        the host others should dial, when listen is a wildcard
 *   network_key          = 64 hex      a closed network's key (default: Seurone's, docs/protocol.md)
 *   hops                 = 0..16       follow hops replicated (default 2)
 *   relay                = yes|no      relay mode (default no)
 *   reachable            = yes|no      announce this node's address so that peers pass it
 *                                      on, also to strangers (default no; a relay always is)
 *   max_conns            = N           sessions at once (default 32; 256 for a relay)
 *   idle_timeout_ms      = MS          end a silent session (default 300000)
 *   handshake_timeout_ms = MS          (default 10000)
 *   rate_frames_per_s    = N           per-peer frame rate cap (default 2000)
 *   rate_bytes_per_s     = SIZE        per-peer byte rate cap (default 8 MiB)
 *   max_queue_bytes      = SIZE        per-peer write queue cap (default 4 MiB)
 *   bootstrap            = seurone://HOST:PORT/KEY   repeatable, at most 32
 *   flow_report          = yes|no      publish noised flow-report entries (default:
 *                                      yes on a relay, no on a personal node)
 *   flow_epsilon         = E           differential-privacy epsilon, 0.001..10 (default 1.0)
 *   flow_report_interval = SECONDS     one report per interval, 10..604800 (default 3600)
 *   pushsum_epoch        = SECONDS     push-sum size/average epoch, 1..86400 (default 60)
 *   pushsum_interval_ms  = MS          one push-sum round per interval, 10..600000 (default 300)
 *   lan                  = yes|no      friends nearby: announce on the local network and
 *                                      connect to announced peers in scope (default no)
 *   lan_port             = PORT        UDP port of the announcements, 1..65535 (default 8708)
 *   lan_interval         = SECONDS     one announcement per interval, 1..3600 (default 10)
 *   web                  = HOST:PORT|off  the web app and its API (docs/api.md): default
 *                                      127.0.0.1:8737 on a personal node, off on a relay;
 *                                      port 0 picks a free one
 *   metrics_listen       = IP:PORT|off the Prometheus endpoint GET /metrics (docs/monitoring.md);
 *                                      default off; an IP address, never a name
 *   log_addresses        = yes|no      name peers' IP addresses in log lines (default no)
 *   quota_entries_per_day, quota_bytes_per_day, quota_bytes_total = N|SIZE
 *                                      a relay's per-author quotas, 0 none (docs/config.md)
 *   conn_rate_per_min    = N           new connections per address a minute (default 60; 0 none)
 *   conn_rate_loopback   = yes|no      that limit also on 127.0.0.1 and ::1 (default no)
 *   write_policy         = PROGRAM     a relay's write-policy program (default none)
 *   write_policy_timeout_ms = MS       its answer's deadline (default 2000)
 *   write_policy_fail    = open|closed an entry it could not judge: taken or refused (default closed)
 * SIZE is a whole number of bytes, optionally followed by KiB, MiB or GiB.
 * An unknown key, a key given twice (bootstrap excepted) or a value out of range
 * is an error naming the file and line, so a typo never silently does nothing.
 * Command-line flags override the file. */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "net/address.h"

#define SR_DEFAULT_PORT 8708
#define SR_WEB_DEFAULT_HOST "127.0.0.1"
#define SR_WEB_DEFAULT_PORT 8737
#define SR_CONFIG_BOOTSTRAP_MAX 32
#define SR_CONFIG_MAX_CONNS 32        /* default for a personal node */
#define SR_CONFIG_MAX_CONNS_RELAY 256 /* default for a relay */

typedef struct sr_config {
  char listen_host[256];
  uint16_t listen_port;            /* 0: any free port */
  char advertise[SR_NET_HOST_MAX]; /* "" when not set */
  uint8_t network_key[SR_NET_NETKEY_BYTES];
  int hops;                      /* follow hops replicated, 0..16 (default 2) */
  int relay;                     /* relay mode (default 0) */
  int reachable;                 /* announce the address for peer exchange (default 0) */
  uint32_t max_conns;            /* sessions at once (32; 256 for a relay) */
  int max_conns_set;             /* max_conns came from the file (relay does not change it) */
  uint32_t idle_timeout_ms;      /* 300000 */
  uint32_t handshake_timeout_ms; /* 10000 */
  uint32_t rate_frames_per_s;    /* 2000 */
  uint32_t rate_bytes_per_s;     /* 8 MiB */
  uint32_t max_queue_bytes;      /* 4 MiB */
  char bootstrap[SR_CONFIG_BOOTSTRAP_MAX][SR_NET_ADDRESS_MAX];
  int nbootstrap;
  int flow_report;               /* publish flow reports (default: = relay) */
  int flow_report_set;           /* flow_report came from the file (relay does not change it) */
  uint32_t flow_epsilon_milli;   /* epsilon * 1000 (default 1000) */
  uint32_t flow_report_interval; /* seconds (default 3600) */
  uint32_t pushsum_epoch;        /* push-sum epoch, seconds (default 60) */
  uint32_t pushsum_interval_ms;  /* push-sum round (default 300) */
  int lan;                       /* friends nearby (default 0) */
  uint32_t lan_port;             /* UDP (default 8708) */
  uint32_t lan_interval;         /* seconds (default 10) */
  /* The web app: SR_CONFIG_WEB_DEFAULT (the key is not in the file: on at
   * SR_WEB_DEFAULT_HOST:SR_WEB_DEFAULT_PORT on a personal node, off on a relay),
   * _OFF (`web = off`) or _ON (`web = HOST:PORT`, in web_host and web_port). */
  int web;
  char web_host[256];
  uint16_t web_port;                                               /* 0: any free port */
  int metrics_on;                                                  /* metrics_listen set (not off) */
  char metrics_host[64]; /* size: an IPv6 literal is at most 45 */ /* an IP address literal */
  uint16_t metrics_port;                                           /* 0: any free port */
  int log_addresses;                                               /* peers' addresses in log lines (default 0) */
  /* A relay's quotas and abuse limits (docs/config.md, "Quotas and abuse"). */
  uint64_t quota_entries_per_day, quota_bytes_per_day, quota_bytes_total; /* per author; 0: no limit */
  uint32_t conn_rate_per_min;       /* new connections per address (IPv6: /64) a minute; 0: no limit */
  int conn_rate_loopback;           /* the limit applies to loopback addresses too (default 0) */
  char write_policy[1024];          /* the write-policy program, "" none */
  uint32_t write_policy_timeout_ms; /* 2000 */
  int write_policy_fail_open;       /* 0: an entry it could not judge is refused */
} sr_config_t;

/* A relay's defaults (docs/config.md): a member's day of use far below them,
 * a flood stopped at them. */
#define SR_CONFIG_QUOTA_ENTRIES_PER_DAY 2000
#define SR_CONFIG_QUOTA_BYTES_PER_DAY (8ull << 20)
#define SR_CONFIG_QUOTA_BYTES_TOTAL (512ull << 20)
#define SR_CONFIG_CONN_RATE_PER_MIN 60

enum { SR_CONFIG_WEB_DEFAULT = 0, SR_CONFIG_WEB_OFF, SR_CONFIG_WEB_ON };

/* Fills cfg with the defaults (no file read). */
void sr_config_defaults(sr_config_t *cfg);
/* Fills defaults, then reads HOME/config if it exists. Errors: SR_EINVAL with a
 * sentence in err naming the file, line and problem; SR_EIO when the file exists
 * but cannot be read. cfg is fully defined either way. */
SR_MUST_USE int sr_config_load(const char *home, sr_config_t *cfg, char *err, size_t errlen);
/* The same from an open file (path names it in err): what sr_config_load runs
 * on HOME/config, apart so that tests/fuzz/fuzz_config.c can feed it bytes. */
SR_MUST_USE int sr_config_read(FILE *f, const char *path, sr_config_t *cfg, char *err, size_t errlen);
/* Turns relay mode on or off (the --relay flag) and, unless the file set
 * them, moves max_conns and flow_report to that mode's defaults. */
void sr_config_set_relay(sr_config_t *cfg, int relay);
/* Sets key = value in HOME/config (config_edit.c): replaces the line that sets
 * key (keeping a comment that followed it), or appends one; every other line
 * and comment stays. The file (created with mode 0600 when missing; else its
 * mode kept) is replaced atomically: temp file, fsync, rename. value is written
 * as given: the caller has checked it. 0, or SR_EIO/SR_ENOMEM with err set. */
SR_MUST_USE int sr_config_set_key(const char *home, const char *key, const char *value, char *err, size_t errlen);
/* After a join (an invite, a device code) that brought a network key: writes
 * `network_key = HEX` into HOME/config. On failure err says the join itself
 * worked, and the line to add by hand, without which this node cannot reach
 * `whom` ("the relay", "your first device"). 0, or sr_config_set_key's codes. */
SR_MUST_USE int sr_config_save_network_key(const char *home, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                                           const char *whom, char *err, size_t errlen);
/* Parses "HOST:PORT" or "[V6]:PORT" into host/port (port 0..65535, 0 meaning
 * any free port): 0 or SR_EINVAL. */
SR_MUST_USE int sr_config_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port);

#endif
