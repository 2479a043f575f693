/* lan.c: friends nearby in the running node (config `lan`, `run --lan`;
 * docs/protocol.md, "Friends nearby (LAN announcements)"). net/lan.c sends
 * and hears the announcements; here the node decides what to do with one:
 *   - its announcer is in this node's scope (someone it follows within hops,
 *     or a member of this relay): its address (the datagram's source IP and
 *     the announced port) goes to the peer table in memory, and the node dials
 *     it (peer_nearby.c, sr_node_peer_nearby);
 *   - anyone else, a stranger holding the same network key (on the public
 *     network, any Seurone node), is counted and otherwise ignored: no dial,
 *     no entry, no log line, nothing stored.
 * The node announces only when it listens on an address others can reach
 * (not a loopback one); it always listens for the others. Loop thread only.
 */
#include "core/core.h"
#include "net/lan.h"
#include "node/daemon_internal.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct sr_node_lan {
  sr_lan_t *lan;
  uv_timer_t age; /* forgets nearby addresses no longer announced */
  uint64_t interval_ms;
  int announcing;
  uint64_t not_in_scope; /* announcements of others of this network, outside the scope */
};

/* An address holds for three rounds of its announcer (with their jitter): one
 * or two lost datagrams do not make a friend vanish. */
static uint64_t hold_for(const struct sr_node_lan *nl) { return nl->interval_ms * 3 + nl->interval_ms / 2; }

static void on_found(void *ctx, const sr_lan_found_t *f) {
  sr_node_t *n = ctx;
  struct sr_node_lan *nl = n->lan;
  char addr[SR_NET_ADDRESS_MAX];
  if (!nl || n->stopping) return;
  if (!sr_scope_has(&n->scope, f->key)) {
    nl->not_in_scope++;
    return;
  }
  if (sr_net_address_format(f->ip, f->port, f->key, addr, sizeof(addr)) != 0) return;
  /* Both friends hear each other: the one with the smaller key dials at once,
   * the other only if no session came within a round and a half. */
  uint64_t hold = memcmp(n->pk, f->key, SR_KEY_BYTES) < 0 ? 0 : nl->interval_ms * 3 / 2;
  sr_node_peer_nearby(n, f->key, addr, sr_node_now_ms() + hold_for(nl), hold);
}

static void on_age(uv_timer_t *t) {
  sr_node_t *n = t->data;
  sr_node_nearby_age(n, sr_node_now_ms());
}

static void on_age_closed(uv_handle_t *h) { free(h->data); }

static int loopback(const char *host) {
  return !strncmp(host, "127.", 4) || !strcmp(host, "::1") || !strcmp(host, "localhost");
}

void sr_node_lan_start(sr_node_t *n) {
  sr_lan_config_t lc;
  struct sr_node_lan *nl;
  const char *host = n->cfg.listen_host;
  int rc, port = sr_net_listen_port(&n->net);
  if (!n->cfg.lan) return;
  if (!(nl = calloc(1, sizeof(*nl)))) return;
  memset(&lc, 0, sizeof(lc));
  memcpy(lc.netkey, n->cfg.network_key, SR_NET_NETKEY_BYTES);
  memcpy(lc.pk, n->pk, SR_KEY_BYTES);
  lc.udp_port = (uint16_t)n->cfg.lan_port;
  nl->interval_ms = (uint64_t)n->cfg.lan_interval * 1000;
  lc.interval_ms = (uint32_t)nl->interval_ms;
  /* Announced only where friends can dial: not on a loopback listener, and on
   * a listener bound to one IPv4 address, out of that interface alone. */
  int wildcard = !strcmp(host, "0.0.0.0") || !strcmp(host, "::"); /* "::" takes IPv4 too */
  nl->announcing = port > 0 && !loopback(host) && (wildcard || !strchr(host, ':'));
  lc.tcp_port = nl->announcing ? (uint16_t)port : 0;
  /* An IPv4 literal here (listen_on resolved any name), so it fits. */
  size_t hl = strnlen(host, sizeof(lc.only_ip));
  if (nl->announcing && !wildcard && hl < sizeof(lc.only_ip)) memcpy(lc.only_ip, host, hl + 1);
  lc.found = on_found;
  lc.log = sr_node_log_sink;
  lc.ctx = n;
  rc = sr_lan_start(&n->loop, &lc, &nl->lan);
  sodium_memzero(lc.netkey, sizeof(lc.netkey));
  if (rc) {
    sr_node_log(n, SR_LOG_WARN, "lan_off", "friends nearby is off: %s (`lan_port` in %s)", sr_strerror(rc),
                n->config_path);
    free(nl);
    return;
  }
  uv_timer_init(&n->loop, &nl->age);
  nl->age.data = n;
  uv_timer_start(&nl->age, on_age, nl->interval_ms, nl->interval_ms);
  n->lan = nl;
  if (nl->announcing)
    sr_node_log(n, SR_LOG_INFO, "lan_on",
                "friends nearby: announcing this node every %u s on UDP port %u to the network's members nearby",
                (unsigned)n->cfg.lan_interval, (unsigned)n->cfg.lan_port);
  else
    sr_node_log(n, SR_LOG_WARN, "lan_not_announcing",
                "friends nearby: listening on UDP port %u, not announcing: this node listens on %s, which nearby "
                "friends cannot reach (set `listen` to 0.0.0.0:PORT)",
                (unsigned)n->cfg.lan_port, host);
}

void sr_node_lan_stop(sr_node_t *n) {
  struct sr_node_lan *nl = n->lan;
  if (!nl) return;
  n->lan = NULL;
  sr_lan_close(nl->lan);
  uv_timer_stop(&nl->age);
  nl->age.data = nl;
  uv_close((uv_handle_t *)&nl->age, on_age_closed);
}

json_t *sr_node_lan_json(sr_node_t *n) {
  struct sr_node_lan *nl = n->lan;
  sr_lan_stats_t st;
  if (!nl) return json_pack("{s:b}", "enabled", 0);
  sr_lan_stats(nl->lan, &st);
  return json_pack("{s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "enabled", 1, "announcing",
                   nl->announcing, "interfaces", (json_int_t)st.interfaces, "nearby",
                   (json_int_t)sr_node_nearby_count(n, sr_node_now_ms()), "sent", (json_int_t)st.sent, "send_failed",
                   (json_int_t)st.send_failed, "received", (json_int_t)st.received, "dropped", (json_int_t)st.dropped,
                   "foreign", (json_int_t)st.foreign, "stale", (json_int_t)st.stale, "replayed",
                   (json_int_t)st.replayed, "own", (json_int_t)st.own, "accepted", (json_int_t)st.accepted,
                   "not_in_scope", (json_int_t)nl->not_in_scope);
}
