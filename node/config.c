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
  if (*end || colon[1] == '\0' || p == 0 || p > 65535) return SR_EINVAL;
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

int sr_config_load(const char *home, sr_config_t *cfg, char *err, size_t errlen) {
  char path[4200], line[1024];
  int n = 0, rc = 0;
  memset(cfg, 0, sizeof(*cfg));
  snprintf(cfg->listen_host, sizeof(cfg->listen_host), "0.0.0.0");
  cfg->listen_port = SR_DEFAULT_PORT;
  sr_net_netkey_default(cfg->network_key);
  snprintf(path, sizeof(path), "%s/config", home);
  FILE *f = fopen(path, "r");
  if (!f) return 0; /* no file: defaults */
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
    } else {
      snprintf(err, errlen, "%s line %d: unknown key '%s' (known: listen, advertise, network_key)", path, n, key);
      rc = SR_EINVAL;
      break;
    }
  }
  fclose(f);
  return rc;
}
