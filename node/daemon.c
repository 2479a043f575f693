/* daemon.c: `seurone run` — one libuv loop wiring the store, the transport, the
 * gossip engine, the peer table (peer_table.c), the timers (periodic.c) and
 * the control socket: this file is the lifecycle (start, stop, signals,
 * run.json) and the gossip hooks on scope, ingest and logging.
 *
 * Invariant: everything runs on the loop thread but the store's work that
 * grows with the data or waits for the write lock, which runs on libuv
 * workers (node/job.c): gossip's batches, a publish (node/publish.c) with the
 * flow report's count, an import (node/ingest.c), the scope's computation
 * (node/scope_refresh.c) and the small writes, one at a time (peer records,
 * node/peer_table.c; invites, node/relay_invites.c). The only state shared
 * with other processes is the LMDB store (readers anywhere, writes serialised
 * by LMDB) and HOME/run.json + HOME/control.sock, which exist exactly while
 * the node runs. While it runs, the node is the one writer of its store for
 * this home: the CLI's publish, import, peer add/remove, invite create and
 * invite accept's peer record go through it.
 */
#include "node/daemon.h"
#include "core/core.h"
#include "core/clock.h"
#include "core/version.h"
#include "node/control_handlers.h"
#include "node/daemon_internal.h"
#include "node/device.h"
#include "node/identity.h"
#include "node/prom.h"
#include "node/prom_members.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

uint64_t sr_node_now_ms(void) { return sr_wall_ms(); }

/* The JSON form of a line: its fields as they are, text kept unless it is
 * not valid UTF-8 (cut by a buffer, or bad bytes), which JSON cannot carry. */
static int json_field(void *ctx, const char *key, size_t klen, const char *v, size_t vlen) {
  char k[64] /* size: field names are short words */, safe[SR_TEXT_ESCAPED_MAX(SR_LOGLINE_MAX)];
  if (klen >= sizeof(k)) return 0;
  memcpy(k, key, klen);
  k[klen] = '\0';
  if (!sr_utf8_valid((const uint8_t *)v, vlen)) {
    sr_text_escape(v, vlen, 0, safe, sizeof(safe));
    v = safe;
    vlen = strlen(safe);
  }
  json_object_set_new(ctx, k, json_stringn(v, vlen));
  return 0;
}

/* Writes one line: `ts=... ` and the body (logline.h), or the same fields as
 * a JSON object. The body's values are escaped already; the whole line goes
 * through core/text.h too, so no byte a peer chose reaches a terminal raw. */
void sr_node_log_line(sr_node_t *n, const char *body) {
  char when[40], ts[48];
  uint64_t ms = sr_node_now_ms();
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts, sizeof(ts), "%s.%03uZ", when, (unsigned)(ms % 1000));
  if (n->json_log) {
    char scratch[SR_LOGLINE_MAX];
    json_t *o = json_pack("{s:s}", "ts", ts);
    if (o) (void)!sr_logline_parse(body, scratch, sizeof(scratch), json_field, o); /* json_field never stops it */
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s) fprintf(stderr, "%s\n", s);
    free(s);
    json_decref(o);
  } else {
    size_t len = strlen(body);
    char safe[SR_TEXT_ESCAPED_MAX(SR_LOGLINE_MAX)];
    sr_text_escape(body, len < SR_LOGLINE_MAX ? len : SR_LOGLINE_MAX, 0, safe, sizeof(safe));
    fprintf(stderr, "ts=%s %s\n", ts, safe);
  }
}

void sr_node_log(sr_node_t *n, int level, const char *event, const char *fmt, ...) {
  char msg[700], body[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  sr_logline_start(body, sizeof(body), level, event);
  sr_logline_add(body, sizeof(body), "msg", msg);
  sr_node_log_line(n, body);
}

void sr_node_log_peer(sr_node_t *n, int level, const char *event, const char *peer, const char *fmt, ...) {
  char msg[700], body[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  sr_logline_start(body, sizeof(body), level, event);
  sr_logline_add(body, sizeof(body), "peer", peer);
  sr_logline_add(body, sizeof(body), "msg", msg);
  sr_node_log_line(n, body);
}

const char *sr_node_log_addr(const sr_node_t *n, const char *addr) {
  return n->cfg.log_addresses ? addr : SR_LOG_ADDR_HIDDEN;
}

void sr_node_short_key(const uint8_t *k, char out[17]) {
  char hex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(k, SR_KEY_BYTES, hex);
  memcpy(out, hex, 16);
  out[16] = '\0';
}

/* ---- gossip hooks ---- */

static int h_in_scope(void *ctx, const uint8_t author[SR_KEY_BYTES]) {
  return sr_scope_has(&((sr_node_t *)ctx)->scope, author);
}

static size_t h_scope_keys(void *ctx, const uint8_t (**keys)[SR_KEY_BYTES]) {
  sr_node_t *n = ctx;
  *keys = (const uint8_t(*)[SR_KEY_BYTES])n->scope.keys;
  return n->scope.n;
}

static void h_stored(void *ctx, const sr_entry_t *e) {
  sr_node_t *n = ctx;
  sr_web_entry(n->web, e->id, e->author, e->type, e->type_len);
}

static void h_ingested(void *ctx, size_t accepted, int contacts) {
  sr_node_t *n = ctx;
  if (contacts) sr_node_scope_refresh(n, NULL, NULL);
  if (accepted) sr_node_restore_ingested(n); /* restore.c: the own head may have caught up */
}

/* Peer exchange (docs/protocol.md): who may receive addresses from this node,
 * and which. A relay tells its members; a personal node the people in its scope
 * (itself, whom it follows within hops, never blocked ones). Strangers get none. */
static int h_may_share(void *ctx, const uint8_t peer[SR_KEY_BYTES]) {
  sr_node_t *n = ctx;
  if (n->relay) return sr_store_is_member(n->store, peer) == 1;
  return sr_scope_has(&n->scope, peer);
}

void sr_node_log_sink(void *ctx, const char *line) { sr_node_log_line(ctx, line); }

/* What gossip and the transport log: where a flood of peers lands (a session
 * refused, evicted, dropped per connection), so alike lines are rate limited
 * (core/loglimit.h); the node's own lines are not. */
static void h_log(void *ctx, const char *line) {
  sr_node_t *n = ctx;
  if (n->stopping || sr_loglimit_pass(&n->loglimit, line, uv_now(&n->loop), sr_node_log_sink, n))
    sr_node_log_line(n, line);
}

/* ---- lifecycle ---- */

void sr_node_stop(sr_node_t *n) {
  if (n->stopping) return;
  n->stopping = 1;
  sr_loglimit_flush(&n->loglimit, UINT64_MAX, sr_node_log_sink, n); /* what was held back, summed up */
  sr_node_log(n, SR_LOG_INFO, "node_stopping", "stopping: committing what was received and closing connections");
  sr_node_periodic_stop(n);
  sr_node_lan_stop(n);
  uv_signal_stop(&n->sigint);
  uv_signal_stop(&n->sigterm);
  uv_signal_stop(&n->sighup);
  uv_close((uv_handle_t *)&n->sigint, NULL);
  uv_close((uv_handle_t *)&n->sigterm, NULL);
  uv_close((uv_handle_t *)&n->sighup, NULL);
  /* libuv put SIGHUP back to its default, which ends the process: a reload
   * asked for while the node commits must not cut that short. */
  signal(SIGHUP, SIG_IGN);
  if (n->ctl) sr_control_stop(n->ctl);
  n->ctl = NULL;
  /* Before the store closes: its threads read it (node/web.h). */
  sr_web_stop(n->web);
  n->web = NULL;
  sr_prom_members_stop();
  sr_prom_stop(n->prom);
  n->prom = NULL;
  sr_gossip_shutdown(n->g);
  sr_net_close(&n->net);
  unlink(n->runjson);
}

static void on_signal(uv_signal_t *s, int signum) {
  sr_node_t *n = s->data;
  sr_node_log(n, SR_LOG_INFO, "signal", "received %s", signum == SIGINT ? "SIGINT" : "SIGTERM");
  sr_node_stop(n);
}

/* SIGHUP: HOME/config read again (reload.c logs what it did or why not). */
static void on_sighup(uv_signal_t *s, int signum) {
  char err[4600];
  (void)signum;
  sr_node_log(s->data, SR_LOG_INFO, "sighup", "received SIGHUP: reading the config again");
  (void)!sr_node_reload(s->data, NULL, err, sizeof(err));
}

static int write_run_json(sr_node_t *n, const char *listen) {
  char tmp[4300], ctl[4200];
  snprintf(n->runjson, sizeof(n->runjson), "%s/run.json", n->home);
  snprintf(tmp, sizeof(tmp), "%s/run.json.tmp", n->home);
  snprintf(ctl, sizeof(ctl), "%s/control.sock", n->home);
  json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s?, s:s?}", "pid", (int)getpid(), "address", n->address, "listen",
                        listen, "control", ctl, "web", n->web ? sr_web_url(n->web) : NULL, "metrics",
                        n->prom ? sr_prom_url(n->prom) : NULL);
  /* A new file, never through a link planted at the name (node/home.h). */
  int fd = sr_home_create_tmp(tmp, 0600), rc = fd < 0 || json_dumpfd(o, fd, JSON_COMPACT) != 0;
  json_decref(o);
  if (fd >= 0 && close(fd) != 0) rc = 1;
  if (rc) {
    if (fd >= 0) unlink(tmp);
    return SR_EIO;
  }
  if (rename(tmp, n->runjson) != 0) return SR_EIO;
  return 0;
}

/* Each session and each handshake in flight holds a socket. Past the soft
 * RLIMIT_NOFILE accept() fails and libuv closes the connection before the node
 * sees it, with no log line: the real cap would be the fd limit, silently (the
 * default soft limit, 1024, is below what max_conns may ask). So the soft
 * limit is raised toward what max_conns needs, never past the hard one, and a
 * hard limit too low for it is said once. */
#define FDS_OWN 64 /* the store, the control socket and its clients, web, LAN, libuv's own */
void sr_node_raise_fd_limit(sr_node_t *n) {
  struct rlimit rl;
  rlim_t need = (rlim_t)n->cfg.max_conns + SR_NET_HANDSHAKES_MAX + FDS_OWN;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return;
  rlim_t was = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
  if (rl.rlim_cur > was && setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = was;
  if (rl.rlim_cur < need)
    sr_node_log(n, SR_LOG_WARN, "fd_limit",
                "warning: max_conns = %u needs about %llu open files, but the limit is %llu (RLIMIT_NOFILE, hard "
                "%llu): connections past it are refused before their handshake, unlogged; raise the limit "
                "(systemd: LimitNOFILE) or lower max_conns",
                (unsigned)n->cfg.max_conns, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
                (unsigned long long)rl.rlim_max);
}

/* Binds the listener, a host name in `listen` resolved first; when it cannot,
 * says why and what to change (the cause, not a guess). */
static int listen_on(sr_node_t *n) {
  char ip[SR_NET_HOST_MAX], where[SR_NET_HOST_MAX + 16];
  const char *host = n->cfg.listen_host, *fix;
  unsigned port = n->cfg.listen_port;
  int rc = sr_net_listen_ip(host, ip, sizeof(ip));
  snprintf(where, sizeof(where), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
  if (rc) {
    fprintf(stderr,
            "seurone: cannot listen on %s: '%s' is neither an IP address nor a host name this machine "
            "resolves: use an IP address (127.0.0.1 for this machine only, 0.0.0.0 for every IPv4 address, [::] for "
            "every address) in `listen` of %s/config or in --listen\n",
            where, host, n->home);
    return rc;
  }
  if (strcmp(ip, host) != 0) {
    sr_node_log(n, SR_LOG_INFO, "listen_resolved", "listen: %s is %s", host, ip);
    snprintf(n->cfg.listen_host, sizeof(n->cfg.listen_host), "%s", ip);
  }
  if ((rc = sr_net_listen(&n->net, n->cfg.listen_host, n->cfg.listen_port)) == 0) return 0;
  switch (rc) {
    case SR_ENETINUSE:
      fix =
          "another program, or another seurone node, listens there: stop it, or choose another port (port 0 picks "
          "a free one)";
      break;
    case SR_ENETNOTAVAIL:
      fix = "use one of this machine's addresses, 127.0.0.1 for this machine only, or 0.0.0.0 for all of them";
      break;
    case SR_ENETACCES:
      fix = "choose a port from 1024 up";
      break;
    default:
      fix = "check the address";
      break;
  }
  fprintf(stderr, "seurone: cannot listen on %s: %s (%s; `listen` in %s/config, or --listen)\n", where, sr_strerror(rc),
          fix, n->home);
  return rc;
}

/* The metrics endpoint, when `metrics_listen` is set: an address chosen that
 * cannot be used stops the start (the operator would scrape nothing). */
static int metrics_start(sr_node_t *n) {
  char err[600];
  if (!n->cfg.metrics_on) return 0;
  int rc = sr_prom_start(n->cfg.metrics_host, n->cfg.metrics_port, &n->prom, err, sizeof(err));
  if (rc) {
    fprintf(stderr, "seurone: cannot serve metrics on %s:%u: %s (`metrics_listen` in %s/config)\n", n->cfg.metrics_host,
            (unsigned)n->cfg.metrics_port, err, n->home);
    return rc;
  }
  sr_node_log(n, SR_LOG_INFO, "metrics_start", "metrics on %s", sr_prom_url(n->prom));
  const char *h = n->cfg.metrics_host;
  if (strncmp(h, "127.", 4) != 0 && strcmp(h, "::1") != 0)
    sr_node_log(n, SR_LOG_WARN, "metrics_exposed",
                "warning: the metrics endpoint listens on %s, not only on this machine: it has no sign-in, so "
                "whoever reaches it reads the node's counters (no keys, no addresses); 127.0.0.1 keeps it here",
                h);
  return 0;
}

/* Why the node could not start, for a cause no other message names (the
 * caller prints nothing: sr_node_run says why). */
static int start_failed(int rc, const char *what, const char *why) {
  fprintf(stderr, "seurone: cannot start the node: %s: %s\n", what, why);
  return rc;
}

int sr_node_run(const sr_node_opts_t *o) {
  sr_node_t *n = calloc(1, sizeof(*n));
  char err[4600], path[4200], host[SR_NET_HOST_MAX], listen[400];
  int rc = 0, port, signals = 0;
  if (!n) {
    if (o->sk) sodium_free(o->sk); /* taken over, whatever happens */
    return start_failed(SR_ENOMEM, "its state", sr_strerror(SR_ENOMEM));
  }
  n->sk = o->sk;
  /* A peer that vanishes mid-write must cost a connection, not the process. */
  signal(SIGPIPE, SIG_IGN);
  /* SIGHUP reloads the config (reload.c) once the loop handles it; before that
   * its default would end the node, so it is ignored until then. */
  signal(SIGHUP, SIG_IGN);
  /* Absolute, so run.json names paths any process can use. */
  if (!realpath(o->home, n->home)) snprintf(n->home, sizeof(n->home), "%s", o->home);
  /* Before anything in it is read (node/home.h). */
  if ((rc = sr_home_check(n->home, err, sizeof(err)))) {
    fprintf(stderr, "seurone: %s\n", err);
    goto out_free;
  }
  n->json_log = o->json_log;
  sr_loglimit_init(&n->loglimit, LOG_BURST, LOG_WINDOW_MS);
  n->started_ms = sr_node_now_ms();
  snprintf(n->agent, sizeof(n->agent), "seurone/%s", SR_VERSION);
  if ((rc = sr_config_load(n->home, &n->cfg, err, sizeof(err)))) {
    fprintf(stderr, "seurone: %s\n", err);
    goto out_free;
  }
  if (o->listen &&
      sr_config_parse_hostport(o->listen, n->cfg.listen_host, sizeof(n->cfg.listen_host), &n->cfg.listen_port)) {
    fprintf(stderr, "seurone: --listen must be HOST:PORT (IPv6 as [::]:PORT), got '%s'\n", o->listen);
    rc = SR_EINVAL;
    goto out_free;
  }
  if (o->relay == 1) sr_config_set_relay(&n->cfg, 1); /* also raises max_conns unless the file set it */
  if (o->lan == 1) n->cfg.lan = 1;
  n->relay = n->cfg.relay;
  /* what a reload compares with, and applies again (reload.c) */
  n->cfg_started = n->cfg;
  if (o->listen) snprintf(n->flag_listen, sizeof(n->flag_listen), "%s", o->listen);
  n->flag_relay = o->relay == 1;
  n->flag_lan = o->lan == 1;
  if (!n->sk) {
    if (!(n->sk = sodium_malloc(SR_SECRET_BYTES))) {
      rc = start_failed(SR_ENOMEM, "room for its key", sr_strerror(SR_ENOMEM));
      goto out_free;
    }
    if ((rc = sr_identity_load(n->home, NULL, 0, n->sk, err, sizeof(err)))) {
      fprintf(stderr, "seurone: %s\n", err);
      goto out_free;
    }
  }
  memcpy(n->pk, n->sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  sr_home_store_path(n->home, path, sizeof(path));
  sr_node_usage_progress(n); /* quota.c: an older store's usage is counted at this open */
  if ((rc = sr_home_store_open(n->home, 0, &n->store, err, sizeof(err)))) {
    fprintf(stderr, "seurone: cannot open the store in %s: %s\n", path,
            rc == SR_ENOSTORE ? "run `seurone init` first" : err);
    goto out_free;
  }
  if ((rc = sr_identity_check_store(n->home, n->store, n->pk, err, sizeof(err)))) {
    fprintf(stderr, "seurone: %s\n", err);
    goto out_store;
  }
  sr_node_quota_start(n); /* quota.c: a relay's per-author quotas */
  /* A copy of the home runs, syncs and serves, but publishes nothing until
   * it is claimed (node/device.h): said once here, and at every refusal. */
  if ((rc = sr_device_check_store(n->home, n->store, err, sizeof(err)))) {
    atomic_store(&n->copied, 1);
    fprintf(stderr, "seurone: warning: %s%s\n",
            rc == SR_ECOPIED ? "" : "cannot check HOME/device, so nothing is published: ", err);
    rc = 0;
  }
  if (!(n->known = calloc(MAX_KNOWN, sizeof(*n->known)))) {
    rc = start_failed(SR_ENOMEM, "the peer table", sr_strerror(SR_ENOMEM));
    goto out_store;
  }
  /* a loop that failed to initialise aborts in its first use (libuv asserts) */
  if ((rc = uv_loop_init(&n->loop))) {
    rc = start_failed(SR_EIO, "its event loop", uv_strerror(rc));
    free(n->known);
    goto out_store;
  }
  /* here, where a failure stops nothing started yet: sr_node_stop closes them */
  if ((rc = uv_signal_init(&n->loop, &n->sigint)) || (rc = uv_signal_init(&n->loop, &n->sigterm)) ||
      (rc = uv_signal_init(&n->loop, &n->sighup))) {
    rc = start_failed(SR_EIO, "its signal handlers", uv_strerror(rc));
    goto out_loop;
  }
  signals = 1;
  /* The control socket first: a second node on this home stops here, before it
   * touches the network. */
  sr_control_handlers_t ch;
  sr_node_control_handlers(n, &ch);
  if ((rc = sr_control_start(&n->loop, n->home, &ch, &n->ctl, err, sizeof(err)))) {
    fprintf(stderr, "seurone: %s\n", err);
    goto out_loop;
  }

  sr_net_config_t ncfg;
  memset(&ncfg, 0, sizeof(ncfg));
  memcpy(ncfg.netkey, n->cfg.network_key, SR_NET_NETKEY_BYTES);
  memcpy(ncfg.pk, n->pk, SR_NET_KEY_BYTES);
  memcpy(ncfg.sk, n->sk, SR_NET_SECRET_BYTES);
  ncfg.handshake_timeout_ms = n->cfg.handshake_timeout_ms;
  snprintf(n->config_path, sizeof(n->config_path), "%s/config", n->home);
  ncfg.netkey_where = n->config_path;
  ncfg.log_addresses = n->cfg.log_addresses;
  ncfg.conn_rate_per_min = n->cfg.conn_rate_per_min; /* docs/config.md, "Quotas and abuse" */
  ncfg.conn_rate_loopback = n->cfg.conn_rate_loopback;
  sr_gossip_net_callbacks(&ncfg.cb);
  rc = sr_net_init(&n->net, &n->loop, &ncfg);
  sodium_memzero(ncfg.sk, sizeof(ncfg.sk)); /* net keeps its own guarded copy */
  if (rc) {
    fprintf(stderr, "seurone: network init failed: %s\n", sr_strerror(rc));
    sr_control_stop(n->ctl);
    goto out_loop;
  }
  n->net_up = 1;

  sr_gossip_limits_t lim = {n->agent,
                            n->cfg.max_conns,
                            n->cfg.idle_timeout_ms,
                            n->cfg.rate_frames_per_s,
                            n->cfg.rate_bytes_per_s,
                            n->cfg.max_queue_bytes};
  sr_gossip_hooks_t hooks = {0};
  hooks.ctx = n;
  hooks.in_scope = h_in_scope;
  hooks.scope_keys = h_scope_keys;
  hooks.ingested = h_ingested;
  hooks.redeem_invite = sr_node_redeem; /* relay_invites.c */
  hooks.log = h_log;
  hooks.may_share = h_may_share;
  hooks.stored = h_stored;
  sr_node_fork_hooks(&hooks);      /* forks.c: a forked author, the self-fork stop */
  sr_node_restore_hooks(&hooks);   /* restore.c: the own log's head a peer reports */
  sr_node_peer_hooks(&hooks);      /* peer_table.c: sessions, peer exchange, the connection limit's question */
  sr_node_policy_hooks(n, &hooks); /* policy.c: the write-policy program, when configured */
  if ((rc = sr_gossip_init(&n->g, &n->net, n->store, n->pk, n->relay, &lim, &hooks))) {
    start_failed(rc, "gossip", sr_strerror(rc));
    goto out_net;
  }
  sr_gossip_pushsum_start(n->g, n->cfg.pushsum_interval_ms, n->cfg.pushsum_epoch);
  sr_node_scope_load(n);

  sr_node_raise_fd_limit(n);
  if ((rc = listen_on(n))) goto out_gossip;
  port = sr_net_listen_port(&n->net);
  if (n->cfg.advertise[0]) snprintf(host, sizeof(host), "%s", n->cfg.advertise);
  else if ((rc = sr_net_advertise_host(n->cfg.listen_host, host, sizeof(host)))) {
    fprintf(stderr, "seurone: cannot find a host to advertise for listen host '%s': %s\n", n->cfg.listen_host,
            sr_strerror(rc));
    goto out_gossip;
  }
  if ((rc = sr_net_address_format(host, (uint16_t)port, n->pk, n->address, sizeof(n->address)))) {
    fprintf(stderr,
            "seurone: cannot make this node's address from host '%s': %s: set `advertise` in %s/config to "
            "this machine's host name or IP address\n",
            host, sr_strerror(rc), n->home);
    goto out_gossip;
  }
  snprintf(listen, sizeof(listen), strchr(n->cfg.listen_host, ':') ? "[%s]:%d" : "%s:%d", n->cfg.listen_host, port);
  /* Relays exist to be found; a personal node's address says where a person
   * is, so it is announced only when its owner chose so (config `reachable`). */
  n->reachable = n->relay || n->cfg.reachable;
  if (n->reachable) sr_gossip_set_reachable(n->g, n->address);

  if ((rc = sr_node_web_start(n, o->web))) goto out_gossip;
  if ((rc = metrics_start(n))) {
    sr_web_stop(n->web);
    n->web = NULL;
    goto out_gossip;
  }
  if (write_run_json(n, listen))
    sr_node_log(n, SR_LOG_WARN, "run_json", "warning: could not write %s/run.json", n->home);

  sr_node_peers_load(n);

  n->sigint.data = n->sigterm.data = n->sighup.data = n;
  if ((rc = uv_signal_start(&n->sigint, on_signal, SIGINT)) || (rc = uv_signal_start(&n->sigterm, on_signal, SIGTERM)))
    sr_node_log(n, SR_LOG_WARN, "signals", "warning: cannot catch SIGINT and SIGTERM (%s): they end the node at once",
                uv_strerror(rc));
  if ((rc = uv_signal_start(&n->sighup, on_sighup, SIGHUP)))
    sr_node_log(n, SR_LOG_WARN, "signals", "warning: cannot catch SIGHUP (%s): `seurone reload` still works",
                uv_strerror(rc));
  sr_node_periodic_start(n);
  sr_node_lan_start(n); /* friends nearby (node/lan.c), when config `lan` */

  sr_node_log(n, SR_LOG_INFO, "node_start",
              "seurone %s listening on %s (%s)%s; %zu peer%s known, replicating %zu author%s", SR_VERSION, listen,
              n->address, n->relay ? " as a relay" : "", n->nknown, n->nknown == 1 ? "" : "s", n->scope.n,
              n->scope.n == 1 ? "" : "s");
  sr_node_log(n, SR_LOG_INFO, "node_address", "address: %s", n->address);
  sr_node_forks_start(n);
  sr_node_restore_start(n);
  uv_run(&n->loop, UV_RUN_DEFAULT);
  sr_node_log(n, SR_LOG_INFO, "node_stopped", "stopped cleanly");
  rc = 0;
  goto out_close;

out_gossip:
  sr_gossip_shutdown(n->g);
out_net:
  sr_net_close(&n->net);
  sr_control_stop(n->ctl);
  n->ctl = NULL;
out_close:
  uv_run(&n->loop, UV_RUN_DEFAULT);
  if (n->g) sr_gossip_free(n->g);
  sr_node_policy_stop(n); /* no worker asks it any more */
out_loop:
  /* a start that failed after them: closed here, or the loop cannot close */
  if (signals && !uv_is_closing((uv_handle_t *)&n->sigint)) {
    uv_close((uv_handle_t *)&n->sigint, NULL);
    uv_close((uv_handle_t *)&n->sigterm, NULL);
    uv_close((uv_handle_t *)&n->sighup, NULL);
  }
  uv_run(&n->loop, UV_RUN_DEFAULT);
  uv_loop_close(&n->loop);
  free(n->known);
out_store:
  sr_scope_free(&n->scope);
  sr_store_close(n->store);
out_free:
  if (n->sk) sodium_free(n->sk); /* wipes it */
  free(n);
  return rc;
}
