/* web_node.c: the running node's side of the web server (node/web.h): where
 * it listens (config `web`, or `seurone run --web`), what it is given of the
 * node, and the status its event streams show. Loop thread. */
#include "core/core.h"
#include "node/control_handlers.h"
#include "node/daemon_internal.h"
#include "node/web.h"
#include <stdio.h>
#include <string.h>

static void web_status(void *ctx, sr_web_status_t *out) {
  sr_node_t *n = ctx;
  sr_gossip_stats_t gs;
  if (n->stopping || !n->g) return;
  sr_gossip_stats(n->g, &gs);
  out->peers = gs.sessions;
  out->entries_in = gs.entries_in;
  out->entries_out = gs.entries_out;
}

/* From the web threads: sr_node_log only formats and writes one line. */
static void web_log(void *ctx, const char *line) { sr_node_log(ctx, SR_LOG_INFO, "web", "%s", line); }

static int loopback(const char *host) {
  return !strncmp(host, "127.", 4) || !strcmp(host, "::1") || !strcmp(host, "localhost");
}

int sr_node_web_once(sr_node_t *n, char *url, size_t cap, char *err, size_t errlen) {
  if (!n->web) {
    snprintf(err, errlen, "this node serves no web app (`web` in %s/config)", n->home);
    return SR_ENOTFOUND;
  }
  return sr_web_once(n->web, url, cap);
}

int sr_node_web_start(sr_node_t *n, const char *override) {
  char host[256], err[4600], where[300];
  uint16_t port;
  int on, chosen; /* chosen: set in the config or on the command line, not the default */
  if (override) {
    on = strcmp(override, "off") != 0;
    chosen = 1;
    if (on && sr_config_parse_hostport(override, host, sizeof(host), &port)) {
      fprintf(stderr, "seurone: --web must be HOST:PORT or off, got '%s'\n", override);
      return SR_EINVAL;
    }
  } else {
    on = n->cfg.web == SR_CONFIG_WEB_ON || (n->cfg.web == SR_CONFIG_WEB_DEFAULT && !n->relay);
    chosen = n->cfg.web == SR_CONFIG_WEB_ON;
    snprintf(host, sizeof(host), "%s", n->cfg.web_host);
    port = n->cfg.web_port;
  }
  if (!on) return 0;
  snprintf(where, sizeof(where), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
  if (!loopback(host))
    sr_node_log(n, SR_LOG_WARN, "web_exposed",
                "warning: the web app listens on %s, not only on this machine: whoever reaches it sees the page "
                "(the API still needs the token of %s/web.token), and it speaks plain HTTP, so whoever is on the "
                "network path can read the sign-in link and the session cookie; 127.0.0.1 keeps it on this machine",
                where, n->home);
  sr_node_control_handlers(n, &n->web_ctl);
  sr_web_opts_t o = {n->home,  host,     port,        n->store,   n->pk,   n->address, n->cfg.network_key,
                     n->relay, &n->loop, &n->web_ctl, web_status, web_log, n,          n->sk};
  int rc = sr_web_start(&o, &n->web, err, sizeof(err));
  if (rc) {
    const char *fix = rc == SR_ENETINUSE ? "another program, or another seurone node, uses that port"
                      : rc == SR_ENOMEM  ? "close other programs and start the node again"
                                         : "check the address";
    if (chosen) {
      fprintf(stderr, "seurone: cannot serve the web app on %s: %s (%s; `web` in %s/config, or --web)\n", where, err,
              fix, n->home);
      return rc;
    }
    /* The default port taken (another home's node, say): the node runs
     * without its page rather than not at all. */
    sr_node_log(n, SR_LOG_WARN, "web_off",
                "warning: no web app: cannot listen on %s: %s (%s; set `web = 127.0.0.1:PORT` in %s/config)", where,
                err, fix, n->home);
    n->web = NULL;
    return 0;
  }
  sr_node_log(n, SR_LOG_INFO, "web_start", "web app on %s (`seurone ui` prints the link that signs you in)",
              sr_web_url(n->web));
  return 0;
}
