/* config.c: reads HOME/config (see config.h, docs/config.md).
 *
 * The parser is strict on purpose: every line is a known key with a value in
 * range, or the node refuses to start with the file, line and the fix. A node
 * that silently ignored "idle_timeout = 5000" (a typo for idle_timeout_ms) would
 * behave in a way its operator did not ask for. */
#include "node/config.h"
#include "core/flowreport.h"
#include "core/err.h"
#include "core/num.h"
#include "net/address.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sr_config_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port) {
  const char *colon, *hs = s, *he;
  if (s[0] == '[') {
    if (!(he = strchr(s, ']')) || he[1] != ':') return SR_EINVAL;
    hs = s + 1;
    colon = he + 1;
  } else {
    if (!(colon = strrchr(s, ':'))) return SR_EINVAL;
    he = colon;
  }
  if (he == hs || (size_t)(he - hs) >= cap) return SR_EINVAL;
  uint64_t p;
  if (sr_parse_u64(colon + 1, 0, 65535, &p)) return SR_EINVAL; /* no sign, no space, not empty */
  memcpy(host, hs, (size_t)(he - hs));
  host[he - hs] = '\0';
  *port = (uint16_t)p;
  return 0;
}

void sr_config_defaults(sr_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  snprintf(cfg->listen_host, sizeof(cfg->listen_host), "0.0.0.0");
  cfg->listen_port = SR_DEFAULT_PORT;
  sr_net_netkey_default(cfg->network_key);
  cfg->hops = 2;
  cfg->relay = 0;
  cfg->max_conns = SR_CONFIG_MAX_CONNS;
  cfg->idle_timeout_ms = 300000;
  cfg->handshake_timeout_ms = 10000;
  cfg->rate_frames_per_s = 2000;
  cfg->rate_bytes_per_s = 8u << 20;
  cfg->max_queue_bytes = 4u << 20;
  cfg->flow_report = 0;
  cfg->flow_epsilon_milli = 1000;
  cfg->flow_report_interval = 3600;
  cfg->pushsum_epoch = 60;
  cfg->lan = 0;
  cfg->lan_port = 8708; /* net/lan.h SR_LAN_DEFAULT_PORT */
  cfg->lan_interval = 10;
  cfg->pushsum_interval_ms =
      300; /* 200 rounds per default epoch: karate-like graphs need ~150 for 1% (BENCHMARKS.md) */
  cfg->web = SR_CONFIG_WEB_DEFAULT;
  snprintf(cfg->web_host, sizeof(cfg->web_host), "%s", SR_WEB_DEFAULT_HOST);
  cfg->web_port = SR_WEB_DEFAULT_PORT;
  cfg->quota_entries_per_day = SR_CONFIG_QUOTA_ENTRIES_PER_DAY;
  cfg->quota_bytes_per_day = SR_CONFIG_QUOTA_BYTES_PER_DAY;
  cfg->quota_bytes_total = SR_CONFIG_QUOTA_BYTES_TOTAL;
  cfg->conn_rate_per_min = SR_CONFIG_CONN_RATE_PER_MIN;
  cfg->write_policy_timeout_ms = 2000;
}

void sr_config_set_relay(sr_config_t *cfg, int relay) {
  cfg->relay = relay ? 1 : 0;
  if (!cfg->max_conns_set) cfg->max_conns = cfg->relay ? SR_CONFIG_MAX_CONNS_RELAY : SR_CONFIG_MAX_CONNS;
  if (!cfg->flow_report_set) cfg->flow_report = cfg->relay; /* relays report by default */
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

/* A whole number, optionally with a binary size suffix when sizes is set.
 * 0 or SR_EINVAL (not a number, or above max). */
static int parse_num(const char *s, int sizes, uint64_t max, uint64_t *out) {
  uint64_t mul = 1, v;
  size_t n = sr_num_digits(s);
  if (sr_parse_u64_span(s, n, 0, UINT64_MAX, &v)) return SR_EINVAL;
  const char *end = s + n;
  while (*end == ' ' || *end == '\t') end++;
  if (*end) {
    if (!sizes) return SR_EINVAL;
    if (!strcmp(end, "KiB")) mul = 1ull << 10;
    else if (!strcmp(end, "MiB"))
      mul = 1ull << 20;
    else if (!strcmp(end, "GiB"))
      mul = 1ull << 30;
    else
      return SR_EINVAL;
  }
  if (v > max / mul) return SR_EINVAL;
  *out = v * mul;
  return 0;
}

/* The numeric keys: where each goes, its range, and whether it takes a size. */
typedef struct {
  const char *name;
  size_t off; /* offsetof the uint32_t field; hops is special-cased */
  uint64_t min, max;
  int sizes;
} num_key_t;

#define F(field) offsetof(sr_config_t, field)
static const num_key_t num_keys[] = {
    {"max_conns", F(max_conns), 1, 100000, 0},
    {"idle_timeout_ms", F(idle_timeout_ms), 100, 86400000, 0},
    {"handshake_timeout_ms", F(handshake_timeout_ms), 100, 600000, 0},
    {"rate_frames_per_s", F(rate_frames_per_s), 1, 100000000, 0},
    {"rate_bytes_per_s", F(rate_bytes_per_s), 1024, 0xffffffffull, 1},
    {"max_queue_bytes", F(max_queue_bytes), 65536, 1ull << 30, 1},
    {"flow_report_interval", F(flow_report_interval), 10, 604800, 0},
    {"pushsum_epoch", F(pushsum_epoch), 1, 86400, 0},
    {"pushsum_interval_ms", F(pushsum_interval_ms), 10, 600000, 0},
    {"lan_port", F(lan_port), 1, 65535, 0},
    {"lan_interval", F(lan_interval), 1, 3600, 0},
};
#undef F

static const char *const known_keys =
    "listen, advertise, network_key, hops, relay, reachable, max_conns, idle_timeout_ms, handshake_timeout_ms, rate_frames_per_s, "
    "rate_bytes_per_s, max_queue_bytes, bootstrap, flow_report, flow_epsilon, flow_report_interval, "
    "pushsum_epoch, pushsum_interval_ms, lan, lan_port, lan_interval, web, metrics_listen, log_addresses, "
    "quota_entries_per_day, quota_bytes_per_day, quota_bytes_total, conn_rate_per_min, conn_rate_loopback, "
    "write_policy, write_policy_timeout_ms, write_policy_fail";

/* yes|no into *out: 0 or SR_EINVAL. */
static int parse_bool(const char *s, int *out) {
  if (!strcmp(s, "yes")) *out = 1;
  else if (!strcmp(s, "no"))
    *out = 0;
  else
    return SR_EINVAL;
  return 0;
}

/* The keys of a relay's quotas and abuse limits: 0 or SR_EINVAL when key is
 * one of them, 1 when it is not. */
static int relay_key(sr_config_t *cfg, const char *key, const char *val, char *why, size_t whylen) {
  static const struct {
    const char *name;
    size_t off;
    int u64, sizes;
    uint64_t max;
  } nums[] = {
      {"quota_entries_per_day", offsetof(sr_config_t, quota_entries_per_day), 1, 0, 1000000000},
      {"quota_bytes_per_day", offsetof(sr_config_t, quota_bytes_per_day), 1, 1, 1ull << 50},
      {"quota_bytes_total", offsetof(sr_config_t, quota_bytes_total), 1, 1, 1ull << 50},
      {"conn_rate_per_min", offsetof(sr_config_t, conn_rate_per_min), 0, 0, 1000000},
      {"write_policy_timeout_ms", offsetof(sr_config_t, write_policy_timeout_ms), 0, 0, 600000},
  };
  for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
    uint64_t v;
    if (strcmp(key, nums[i].name)) continue;
    if (parse_num(val, nums[i].sizes, nums[i].max, &v) || (!strcmp(key, "write_policy_timeout_ms") && v < 10)) {
      snprintf(why, whylen, "%s must be a whole number%s from %d to %llu (0: no limit), got '%s'", key,
               nums[i].sizes ? " of bytes (or with KiB, MiB, GiB)" : "",
               !strcmp(key, "write_policy_timeout_ms") ? 10 : 0, (unsigned long long)nums[i].max, val);
      return SR_EINVAL;
    }
    if (nums[i].u64) *(uint64_t *)((char *)cfg + nums[i].off) = v;
    else
      *(uint32_t *)((char *)cfg + nums[i].off) = (uint32_t)v;
    return 0;
  }
  if (!strcmp(key, "conn_rate_loopback")) {
    if (parse_bool(val, &cfg->conn_rate_loopback)) {
      snprintf(why, whylen, "%s must be yes or no, got '%s'", key, val);
      return SR_EINVAL;
    }
    return 0;
  }
  if (!strcmp(key, "write_policy_fail")) {
    if (strcmp(val, "open") && strcmp(val, "closed")) {
      snprintf(why, whylen,
               "write_policy_fail must be open (take what the program could not judge) or closed "
               "(refuse it), got '%s'",
               val);
      return SR_EINVAL;
    }
    cfg->write_policy_fail_open = !strcmp(val, "open");
    return 0;
  }
  if (!strcmp(key, "write_policy")) {
    if (strlen(val) >= sizeof(cfg->write_policy) || val[0] != '/') {
      snprintf(why, whylen, "write_policy must be the absolute path of a program (at most %zu bytes), got '%.200s'",
               sizeof(cfg->write_policy) - 1, val);
      return SR_EINVAL;
    }
    snprintf(cfg->write_policy, sizeof(cfg->write_policy), "%s", val);
    return 0;
  }
  return 1;
}

/* Applies one "key = value" line; on error writes the problem (without the
 * file/line prefix) into why. */
static int apply(sr_config_t *cfg, const char *key, const char *val, char *why, size_t whylen) {
  int r = relay_key(cfg, key, val, why, whylen);
  if (r != 1) return r;
  if (!strcmp(key, "listen")) {
    if (sr_config_parse_hostport(val, cfg->listen_host, sizeof(cfg->listen_host), &cfg->listen_port)) {
      snprintf(why, whylen, "listen must be HOST:PORT (IPv6 as [::]:PORT; port 0 picks a free one), got '%s'", val);
      return SR_EINVAL;
    }
    return 0;
  }
  if (!strcmp(key, "web")) {
    if (!strcmp(val, "off")) {
      cfg->web = SR_CONFIG_WEB_OFF;
      return 0;
    }
    if (sr_config_parse_hostport(val, cfg->web_host, sizeof(cfg->web_host), &cfg->web_port)) {
      snprintf(why, whylen, "web must be off or HOST:PORT (IPv6 as [::1]:PORT; port 0 picks a free one), got '%s'",
               val);
      return SR_EINVAL;
    }
    cfg->web = SR_CONFIG_WEB_ON;
    return 0;
  }
  if (!strcmp(key, "metrics_listen")) {
    unsigned char ip[16];
    if (!strcmp(val, "off")) {
      cfg->metrics_on = 0;
      return 0;
    }
    if (sr_config_parse_hostport(val, cfg->metrics_host, sizeof(cfg->metrics_host), &cfg->metrics_port) ||
        (inet_pton(AF_INET, cfg->metrics_host, ip) != 1 && inet_pton(AF_INET6, cfg->metrics_host, ip) != 1)) {
      snprintf(why, whylen,
               "metrics_listen must be off or IP:PORT with an IP address, not a name (127.0.0.1:9464 keeps the "
               "metrics on this machine; IPv6 as [::1]:9464), got '%s'",
               val);
      return SR_EINVAL;
    }
    cfg->metrics_on = 1;
    return 0;
  }
  if (!strcmp(key, "advertise")) {
    if (!*val || strlen(val) >= sizeof(cfg->advertise) || strpbrk(val, " \t/")) {
      snprintf(why, whylen, "advertise must be a host name or IP address (no port), got '%s'", val);
      return SR_EINVAL;
    }
    snprintf(cfg->advertise, sizeof(cfg->advertise), "%s", val);
    return 0;
  }
  if (!strcmp(key, "network_key")) {
    if (sr_net_netkey_parse(val, cfg->network_key)) {
      snprintf(why, whylen, "network_key must be 64 hex digits (`seurone netkey new` makes one)");
      return SR_EINVAL;
    }
    return 0;
  }
  if (!strcmp(key, "hops")) {
    uint64_t v;
    if (parse_num(val, 0, 16, &v)) {
      snprintf(why, whylen, "hops must be a whole number from 0 to 16, got '%s'", val);
      return SR_EINVAL;
    }
    cfg->hops = (int)v;
    return 0;
  }
  if (!strcmp(key, "relay") || !strcmp(key, "flow_report") || !strcmp(key, "reachable") || !strcmp(key, "lan") ||
      !strcmp(key, "log_addresses")) {
    int b;
    if (parse_bool(val, &b)) {
      snprintf(why, whylen, "%s must be yes or no, got '%s'", key, val);
      return SR_EINVAL;
    }
    if (!strcmp(key, "relay")) cfg->relay = b;
    else if (!strcmp(key, "reachable"))
      cfg->reachable = b;
    else if (!strcmp(key, "lan"))
      cfg->lan = b;
    else if (!strcmp(key, "log_addresses"))
      cfg->log_addresses = b;
    else {
      cfg->flow_report = b;
      cfg->flow_report_set = 1;
    }
    return 0;
  }
  if (!strcmp(key, "flow_epsilon")) {
    /* reports carry epsilon * 1000 as an integer: at most 3 decimals */
    if (sr_flowreport_epsilon_parse(val, &cfg->flow_epsilon_milli)) {
      snprintf(why, whylen,
               "flow_epsilon must be a number above 0 and at most 10 with at most 3 decimals "
               "(e.g. 1.0), got '%s'",
               val);
      return SR_EINVAL;
    }
    return 0;
  }
  if (!strcmp(key, "bootstrap")) {
    char h[SR_NET_HOST_MAX];
    uint16_t p;
    uint8_t k[SR_KEY_BYTES];
    int rc;
    if (cfg->nbootstrap == SR_CONFIG_BOOTSTRAP_MAX) {
      snprintf(why, whylen, "at most %d bootstrap lines", SR_CONFIG_BOOTSTRAP_MAX);
      return SR_EINVAL;
    }
    if ((rc = sr_net_address_parse(val, h, sizeof(h), &p, k)) != 0) {
      snprintf(why, whylen, "bootstrap must be a seurone://HOST:PORT/KEY address as `seurone address` prints it (%s)",
               sr_strerror(rc));
      return SR_EINVAL;
    }
    snprintf(cfg->bootstrap[cfg->nbootstrap++], SR_NET_ADDRESS_MAX, "%s", val);
    return 0;
  }
  for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
    const num_key_t *k = &num_keys[i];
    uint64_t v;
    if (strcmp(key, k->name)) continue;
    if (parse_num(val, k->sizes, k->max, &v) || v < k->min) {
      snprintf(why, whylen, "%s must be a whole number%s from %llu to %llu, got '%s'", key,
               k->sizes ? " of bytes (or with KiB, MiB, GiB)" : "", (unsigned long long)k->min,
               (unsigned long long)k->max, val);
      return SR_EINVAL;
    }
    *(uint32_t *)((char *)cfg + k->off) = (uint32_t)v;
    if (!strcmp(key, "max_conns")) cfg->max_conns_set = 1;
    return 0;
  }
  snprintf(why, whylen, "unknown key '%s' (known: %s; see docs/config.md)", key, known_keys);
  return SR_EINVAL;
}

/* Keys seen so far, to refuse one given twice: line numbers by key name. More
 * than every known key, each name longer than any known one. */
#define SEEN_MAX 64
#define SEEN_NAME_MAX 32
typedef struct {
  char name[SEEN_NAME_MAX];
  int line;
} seen_t;

int sr_config_load(const char *home, sr_config_t *cfg, char *err, size_t errlen) {
  char path[4200];
  snprintf(path, sizeof(path), "%s/config", home);
  FILE *f = fopen(path, "r");
  if (!f) {
    sr_config_defaults(cfg);
    if (errno == ENOENT) return 0; /* no file: defaults */
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return SR_EIO;
  }
  int rc = sr_config_read(f, path, cfg, err, errlen);
  fclose(f);
  return rc;
}

int sr_config_read(FILE *f, const char *path, sr_config_t *cfg, char *err, size_t errlen) {
  char line[1024], why[600];
  seen_t seen[SEEN_MAX];
  size_t nseen = 0;
  int n = 0, rc = 0;
  sr_config_defaults(cfg);
  while (fgets(line, sizeof(line), f)) {
    n++;
    if (!strchr(line, '\n') && !feof(f)) {
      snprintf(err, errlen, "%s line %d: line longer than %zu characters", path, n, sizeof(line) - 2);
      rc = SR_EINVAL;
      break;
    }
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *s = trim(line);
    if (!*s) continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      snprintf(err, errlen, "%s line %d: expected key = value, got '%.80s'", path, n, s);
      rc = SR_EINVAL;
      break;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (!*val) {
      snprintf(err, errlen, "%s line %d: %s has no value (remove the line for the default)", path, n, key);
      rc = SR_EINVAL;
      break;
    }
    if (strcmp(key, "bootstrap") != 0) {
      size_t i;
      for (i = 0; i < nseen && strcmp(seen[i].name, key); i++) {
      }
      if (i < nseen) {
        snprintf(err, errlen, "%s line %d: %s is already set on line %d (keep one)", path, n, key, seen[i].line);
        rc = SR_EINVAL;
        break;
      }
    }
    if ((rc = apply(cfg, key, val, why, sizeof(why))) != 0) {
      snprintf(err, errlen, "%s line %d: %s", path, n, why);
      break;
    }
    if (strcmp(key, "bootstrap") != 0 && nseen < sizeof(seen) / sizeof(seen[0])) {
      snprintf(seen[nseen].name, sizeof(seen[nseen].name), "%s", key);
      seen[nseen++].line = n;
    }
  }
  if (!rc && ferror(f)) {
    snprintf(err, errlen, "cannot read %s", path);
    rc = SR_EIO;
  }
  if (!cfg->max_conns_set) cfg->max_conns = cfg->relay ? SR_CONFIG_MAX_CONNS_RELAY : SR_CONFIG_MAX_CONNS;
  if (!cfg->flow_report_set) cfg->flow_report = cfg->relay;
  return rc;
}
