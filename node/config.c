/* config.c: reads HOME/config (see config.h). */
#include "node/config.h"
#include "core/err.h"
#include "net/address.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sr_config_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port) {
  const char *colon, *hs = s, *he;
  char *end;
  if (s[0] == '[') {
    if (!(he = strchr(s, ']')) || he[1] != ':') return SR_EINVAL;
    hs = s + 1;
    colon = he + 1;
  } else {
    if (!(colon = strrchr(s, ':'))) return SR_EINVAL;
    he = colon;
  }
  if (he == hs || (size_t)(he - hs) >= cap) return SR_EINVAL;
  unsigned long p = strtoul(colon + 1, &end, 10);
  if (*end || colon[1] == '\0' || p > 65535) return SR_EINVAL; /* 0: any free port */
  memcpy(host, hs, (size_t)(he - hs));
  host[he - hs] = '\0';
  *port = (uint16_t)p;
  return 0;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

/* The numeric settings, by name; hops is stored apart (an int), so it points at a
 * scratch slot. */
static uint32_t *num_key(const char *key, sr_config_t *cfg) {
  static uint32_t scratch;
  if (!strcmp(key, "hops")) return &scratch;
  if (!strcmp(key, "max_conns")) return &cfg->max_conns;
  if (!strcmp(key, "idle_timeout_ms")) return &cfg->idle_timeout_ms;
  if (!strcmp(key, "handshake_timeout_ms")) return &cfg->handshake_timeout_ms;
  if (!strcmp(key, "rate_frames_per_s")) return &cfg->rate_frames_per_s;
  if (!strcmp(key, "rate_bytes_per_s")) return &cfg->rate_bytes_per_s;
  if (!strcmp(key, "max_queue_bytes")) return &cfg->max_queue_bytes;
  return NULL;
}

int sr_config_load(const char *home, sr_config_t *cfg, char *err, size_t errlen) {
  char path[4200], line[1024];
  int n = 0, rc = 0;
  memset(cfg, 0, sizeof(*cfg));
  snprintf(cfg->listen_host, sizeof(cfg->listen_host), "0.0.0.0");
  cfg->listen_port = SR_DEFAULT_PORT;
  sr_net_netkey_default(cfg->network_key);
  cfg->hops = 2;
  cfg->max_conns = 0; /* decided after reading: depends on relay */
  cfg->idle_timeout_ms = 300000;
  cfg->handshake_timeout_ms = 10000;
  cfg->rate_frames_per_s = 2000;
  cfg->rate_bytes_per_s = 8u << 20;
  cfg->max_queue_bytes = 4u << 20;
  snprintf(path, sizeof(path), "%s/config", home);
  FILE *f = fopen(path, "r");
  if (!f) {
    cfg->max_conns = 32;
    return 0; /* no file: defaults */
  }
  while (fgets(line, sizeof(line), f)) {
    n++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *s = trim(line);
    if (!*s) continue;
    char *eq = strchr(s, '=');
    if (!eq) { snprintf(err, errlen, "%s line %d: expected key = value", path, n); rc = SR_EINVAL; break; }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (!strcmp(key, "listen")) {
      if (sr_config_parse_hostport(val, cfg->listen_host, sizeof(cfg->listen_host), &cfg->listen_port)) {
        snprintf(err, errlen, "%s line %d: listen must be HOST:PORT (IPv6 as [::]:PORT)", path, n);
        rc = SR_EINVAL;
        break;
      }
    } else if (!strcmp(key, "advertise")) {
      snprintf(cfg->advertise, sizeof(cfg->advertise), "%s", val);
    } else if (!strcmp(key, "network_key")) {
      if (sr_net_netkey_parse(val, cfg->network_key)) {
        snprintf(err, errlen, "%s line %d: network_key must be 64 hex digits (`seurone netkey new` makes one)", path, n);
        rc = SR_EINVAL;
        break;
      }
    } else if (!strcmp(key, "relay") || !strcmp(key, "flow_report")) {
      int yes = !strcmp(val, "yes") || !strcmp(val, "true"), no = !strcmp(val, "no") || !strcmp(val, "false");
      if (!yes && !no) {
        snprintf(err, errlen, "%s line %d: %s must be yes or no", path, n, key);
        rc = SR_EINVAL;
        break;
      }
      if (!strcmp(key, "relay")) cfg->relay = yes;
    } else if (!strcmp(key, "bootstrap")) {
      char h[SR_NET_HOST_MAX];
      uint16_t p;
      uint8_t k[32];
      if (cfg->nbootstrap == SR_CONFIG_BOOTSTRAP_MAX || sr_net_address_parse(val, h, sizeof(h), &p, k) != 0) {
        snprintf(err, errlen, "%s line %d: bootstrap must be a seurone://HOST:PORT/KEY address (at most %d)", path, n,
                 SR_CONFIG_BOOTSTRAP_MAX);
        rc = SR_EINVAL;
        break;
      }
      snprintf(cfg->bootstrap[cfg->nbootstrap++], SR_NET_ADDRESS_MAX, "%s", val);
    } else if (num_key(key, cfg)) {
      char *end;
      unsigned long long v = strtoull(val, &end, 10);
      uint32_t *dst = num_key(key, cfg);
      unsigned long long max = !strcmp(key, "hops") ? 5 : 0xffffffffull;
      if (!*val || *end || v > max || (v == 0 && strcmp(key, "hops") != 0)) {
        snprintf(err, errlen, "%s line %d: %s must be a whole number%s", path, n, key,
                 !strcmp(key, "hops") ? " from 0 to 5" : " above 0");
        rc = SR_EINVAL;
        break;
      }
      if (!strcmp(key, "hops")) cfg->hops = (int)v;
      else *dst = (uint32_t)v;
    } else {
      snprintf(err, errlen, "%s line %d: unknown key '%s' (see docs/config.md)", path, n, key);
      rc = SR_EINVAL;
      break;
    }
  }
  fclose(f);
  if (!cfg->max_conns) cfg->max_conns = cfg->relay ? 256 : 32;
  return rc;
}
