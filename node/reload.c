/* reload.c: HOME/config read again while the node runs (SIGHUP, `seurone
 * reload`; docs/operating.md, "Reload").
 *
 * The file is read and checked whole first: a file with one bad line is
 * refused and nothing changes, so a typo never leaves the node half on the old
 * config and half on the new. Then every key is one of two kinds:
 *   live     applied now, sessions kept: hops (the scope is recomputed),
 *            bootstrap (new lines join the peer table and are dialled), the
 *            session limits (max_conns, idle_timeout_ms, rate_*, max_queue_bytes:
 *            gossip reads them at each session's tick) and the flow reports;
 *   restart  what the listener, the handshake, the address others hold or
 *            the web app and LAN sockets were built from: a change is said
 *            (logged and answered) and waits for the next start.
 * The command-line flags of `seurone run` still override the file. */
#include "node/daemon_internal.h"
#include "core/err.h"
#include <stdio.h>
#include <string.h>

/* The keys whose change waits for a restart, compared with the config the
 * node started with: 1 when key differs. */
static int restart_differs(const sr_config_t *a, const sr_config_t *b, const char *key) {
  if (!strcmp(key, "listen")) return strcmp(a->listen_host, b->listen_host) || a->listen_port != b->listen_port;
  if (!strcmp(key, "advertise")) return strcmp(a->advertise, b->advertise) != 0;
  if (!strcmp(key, "network_key")) return memcmp(a->network_key, b->network_key, sizeof(a->network_key)) != 0;
  if (!strcmp(key, "relay")) return a->relay != b->relay;
  if (!strcmp(key, "reachable")) return a->reachable != b->reachable;
  if (!strcmp(key, "handshake_timeout_ms")) return a->handshake_timeout_ms != b->handshake_timeout_ms;
  if (!strcmp(key, "pushsum_epoch")) return a->pushsum_epoch != b->pushsum_epoch;
  if (!strcmp(key, "pushsum_interval_ms")) return a->pushsum_interval_ms != b->pushsum_interval_ms;
  if (!strcmp(key, "lan")) return a->lan != b->lan;
  if (!strcmp(key, "lan_port")) return a->lan_port != b->lan_port;
  if (!strcmp(key, "lan_interval")) return a->lan_interval != b->lan_interval;
  if (!strcmp(key, "web"))
    return a->web != b->web ||
           (a->web == SR_CONFIG_WEB_ON && (strcmp(a->web_host, b->web_host) || a->web_port != b->web_port));
  return 0;
}

static const char *const restart_keys[] = {
    "listen",        "advertise",           "network_key", "relay",    "reachable",    "handshake_timeout_ms",
    "pushsum_epoch", "pushsum_interval_ms", "lan",         "lan_port", "lan_interval", "web"};

/* 1 when the bootstrap lines differ as a set of lines, in order. */
static int bootstrap_differs(const sr_config_t *a, const sr_config_t *b) {
  if (a->nbootstrap != b->nbootstrap) return 1;
  for (int i = 0; i < a->nbootstrap; i++)
    if (strcmp(a->bootstrap[i], b->bootstrap[i])) return 1;
  return 0;
}

/* Adds the bootstrap lines of next that cur lacks to the peer table (dialled
 * at the next tick); lines taken out leave their peer known, as any peer is,
 * until `seurone peer remove`. */
static void bootstrap_add(sr_node_t *n, const sr_config_t *cur, const sr_config_t *next) {
  for (int i = 0; i < next->nbootstrap; i++) {
    int had = 0;
    uint8_t key[SR_KEY_BYTES];
    char bh[SR_NET_HOST_MAX];
    uint16_t bp;
    for (int j = 0; j < cur->nbootstrap && !had; j++) had = !strcmp(cur->bootstrap[j], next->bootstrap[i]);
    if (had || sr_net_address_parse(next->bootstrap[i], bh, sizeof(bh), &bp, key) != 0) continue;
    if (!memcmp(key, n->pk, SR_KEY_BYTES)) {
      sr_node_log(n, SR_LOG_WARN, "reload_bootstrap_skipped",
                  "reload: bootstrap %s is this node's own address: skipped", next->bootstrap[i]);
      continue;
    }
    if (!sr_node_known_add(n, key, next->bootstrap[i], SR_PEER_BOOTSTRAP))
      sr_node_log(n, SR_LOG_WARN, "reload_bootstrap_skipped",
                  "reload: a new bootstrap peer was left out: the peer table is full of given peers");
  }
}

static void add_key(json_t *arr, char *list, size_t cap, const char *key) {
  size_t len = strlen(list);
  json_array_append_new(arr, json_string(key));
  snprintf(list + len, cap - len, "%s%s", len ? ", " : "", key);
}

int sr_node_reload(sr_node_t *n, json_t **out, char *err, size_t errlen) {
  sr_config_t next;
  char why[4600], applied_s[400] = "", restart_s[400] = "";
  json_t *applied = json_array(), *restart = json_array();
  int rc, limits = 0, fds = 0, hops = 0, flow = 0;
  if (out) *out = NULL;
  if (!applied || !restart) {
    json_decref(applied);
    json_decref(restart);
    snprintf(err, errlen, "%s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  if ((rc = sr_config_load(n->home, &next, why, sizeof(why))) != 0) {
    snprintf(err, errlen, "%s", why);
    sr_node_log(n, SR_LOG_ERROR, "reload_refused", "reload refused, the node keeps the config it runs with: %s", why);
    json_decref(applied);
    json_decref(restart);
    return SR_ERELOAD;
  }
  /* The flags of `seurone run` win over the file, as at start. */
  if (n->flag_listen[0])
    (void)!sr_config_parse_hostport(n->flag_listen, next.listen_host, sizeof(next.listen_host), &next.listen_port);
  if (n->flag_relay) sr_config_set_relay(&next, 1);
  if (n->flag_lan) next.lan = 1;

  for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++)
    if (restart_differs(&n->cfg_started, &next, restart_keys[i]))
      add_key(restart, restart_s, sizeof(restart_s), restart_keys[i]);

  sr_config_t *c = &n->cfg;
  if (c->hops != next.hops) {
    c->hops = next.hops;
    hops = 1;
    add_key(applied, applied_s, sizeof(applied_s), "hops");
  }
#define LIVE_LIMIT(field)                                                                                              \
  if (c->field != next.field) {                                                                                        \
    c->field = next.field;                                                                                             \
    limits = 1;                                                                                                        \
    add_key(applied, applied_s, sizeof(applied_s), #field);                                                            \
  }
  if (c->max_conns != next.max_conns) fds = 1;
  LIVE_LIMIT(max_conns)
  LIVE_LIMIT(idle_timeout_ms)
  LIVE_LIMIT(rate_frames_per_s)
  LIVE_LIMIT(rate_bytes_per_s)
  LIVE_LIMIT(max_queue_bytes)
#undef LIVE_LIMIT
  c->max_conns_set = next.max_conns_set;
  if (bootstrap_differs(c, &next)) {
    bootstrap_add(n, c, &next);
    memcpy(c->bootstrap, next.bootstrap, sizeof(c->bootstrap));
    c->nbootstrap = next.nbootstrap;
    add_key(applied, applied_s, sizeof(applied_s), "bootstrap");
  }
  if (c->flow_report != next.flow_report) add_key(applied, applied_s, sizeof(applied_s), "flow_report");
  if (c->flow_epsilon_milli != next.flow_epsilon_milli) add_key(applied, applied_s, sizeof(applied_s), "flow_epsilon");
  if (c->flow_report_interval != next.flow_report_interval)
    add_key(applied, applied_s, sizeof(applied_s), "flow_report_interval");
  flow = c->flow_report != next.flow_report || c->flow_epsilon_milli != next.flow_epsilon_milli ||
         c->flow_report_interval != next.flow_report_interval;
  c->flow_report = next.flow_report;
  c->flow_report_set = next.flow_report_set;
  c->flow_epsilon_milli = next.flow_epsilon_milli;
  c->flow_report_interval = next.flow_report_interval;

  if (limits) {
    sr_gossip_limits_t lim = {
        n->agent, c->max_conns, c->idle_timeout_ms, c->rate_frames_per_s, c->rate_bytes_per_s, c->max_queue_bytes};
    sr_gossip_set_limits(n->g, &lim);
  }
  if (fds) sr_node_raise_fd_limit(n);
  if (hops) sr_node_scope_refresh(n, NULL, NULL);
  if (flow) sr_node_periodic_flow(n);

  sr_node_log(n, SR_LOG_INFO, "reloaded", "config reloaded from %s: %s%s%s%s", n->config_path,
              applied_s[0] ? "applied " : "nothing changed that applies live", applied_s,
              restart_s[0] ? "; changed but waiting for a restart: " : "", restart_s);
  if (out) {
    *out = json_pack("{s:s, s:o, s:o}", "config", n->config_path, "applied", applied, "restart", restart);
    if (!*out) {
      snprintf(err, errlen, "%s", sr_strerror(SR_ENOMEM));
      return SR_ENOMEM; /* the config is applied: only the answer is lost */
    }
    return 0;
  }
  json_decref(applied);
  json_decref(restart);
  return 0;
}
