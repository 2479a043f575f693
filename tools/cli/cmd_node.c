/* cmd_node.c: the running node — `seurone run`, `status`, `peers`, `peer add`,
 * `peer remove` (invites: cmd_invite.c).
 *
 * Every command but `run` first asks the node running in the home through its
 * control socket (node/control.h). When none runs (SR_ENONODE), it falls back to
 * the store, which LMDB lets any process read and write beside a running node:
 * status and peers show what the store knows, `peer add` writes the peer table
 * for the node to dial at its next start. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "net/address.h"
#include "node/config.h"
#include "node/control.h"
#include "node/daemon.h"
#include "node/invite.h"
#include "node/members.h"
#include "node/peer_json.h"
#include "store/peers.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALL_TIMEOUT_MS 10000

/* ---- run ---- */

int cmd_run(sr_cli_t *cli, int argc, char **argv) {
  sr_node_opts_t o = {cli->home, NULL, -1, 0, 0, NULL, NULL};
  char host[256];
  uint16_t port;
  for (int i = 1; i < argc; i++) {
    int r = cli_opt(argc, argv, &i, "--web", &o.web);
    if (r < 0) return SR_EXIT_USAGE;
    if (r) {
      if (strcmp(o.web, "off") && sr_config_parse_hostport(o.web, host, sizeof(host), &port))
        return cli_fail(SR_EXIT_USAGE, "--web must be HOST:PORT (port 0 picks a free one) or off, got '%s'", o.web);
      continue;
    }
    r = cli_opt(argc, argv, &i, "--listen", &o.listen);
    if (r < 0) return SR_EXIT_USAGE;
    if (r) {
      if (sr_config_parse_hostport(o.listen, host, sizeof(host), &port))
        return cli_fail(SR_EXIT_USAGE,
                        "--listen must be HOST:PORT (IPv6 as [::]:PORT; port 0 picks a free one), got '%s'", o.listen);
      continue;
    }
    if (!strcmp(argv[i], "--relay")) o.relay = 1;
    else if (!strcmp(argv[i], "--json-log"))
      o.json_log = 1;
    else if (!strcmp(argv[i], "--lan"))
      o.lan = 1;
    else
      return cli_fail(SR_EXIT_USAGE, "run: unexpected '%s' (see seurone run --help)", argv[i]);
  }
  /* The key first, asking for the passphrase of a sealed one on the
   * terminal before the node starts logging; the node takes it over. */
  int code;
  if (!(o.sk = cli_load_key(cli, &code))) return code;
  /* sr_node_run prints why it could not start. */
  return sr_node_run(&o) ? SR_EXIT_ENV : SR_EXIT_OK;
}

/* ---- talking to the node ---- */

/* Sends req (consumed) to the node. Returns 0 with *reply set (ok or not),
 * SR_ENONODE when none runs, or another error (already printed, naming the home). */
int cli_node_call(sr_cli_t *cli, json_t *req, json_t **reply) {
  int rc = sr_control_call(cli->home, req, reply, CALL_TIMEOUT_MS);
  json_decref(req);
  if (rc && rc != SR_ENONODE)
    cli_fail(SR_EXIT_ENV,
             "the node running in %s did not answer on its control socket: %s (is it stuck? `kill -TERM` "
             "the pid in %s/run.json)",
             cli->home, sr_strerror(rc), cli->home);
  return rc;
}

/* For an {"ok":false} reply: prints the node's sentence and returns the exit code. */
int cli_node_refused(json_t *reply, const char *what) {
  const char *e = json_string_value(json_object_get(reply, "error"));
  const char *code = json_string_value(json_object_get(reply, "code"));
  cli_fail(SR_EXIT_PROBLEM, "%s: %s (%s)", what, e ? e : "the node gave no reason", code ? code : "SR_ECONTROL");
  return SR_EXIT_PROBLEM;
}

static long long jint(json_t *o, const char *key) { return (long long)json_integer_value(json_object_get(o, key)); }

/* A peer's name (escaped, in its columns in any script), "(member)" after it
 * for a member of this relay; "-" when the node knows no name. */
#define PEER_NAME_COLS 20
static void peer_name_cell(json_t *p) {
  const char *name = cli_jstr(p, "name", NULL);
  int member = json_is_true(json_object_get(p, "member"));
  if (!name) name = "-";
  cli_text_cell(stdout, name, strlen(name), member ? PEER_NAME_COLS - 9 : PEER_NAME_COLS);
  if (member) fputs(" (member)", stdout);
}
const char *cli_jstr(json_t *o, const char *key, const char *dflt) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : dflt;
}

/* How long from then_ms to now: "12 s", "3 min", "5 h", "2 d" (out: SPAN_TEXT_MAX is
 * enough). */
#define SPAN_TEXT_MAX 32
static void span(uint64_t then_ms, char *out, size_t cap) {
  uint64_t now = cli_now_ms(), s = now > then_ms ? (now - then_ms) / 1000 : 0;
  if (s < 120) snprintf(out, cap, "%llu s", (unsigned long long)s);
  else if (s < 7200)
    snprintf(out, cap, "%llu min", (unsigned long long)(s / 60));
  else if (s < 172800)
    snprintf(out, cap, "%llu h", (unsigned long long)(s / 3600));
  else
    snprintf(out, cap, "%llu d", (unsigned long long)(s / 86400));
}

/* "12 s ago", "3 min ago", "never". */
static void age(uint64_t then_ms, char *out, size_t cap) {
  char d[SPAN_TEXT_MAX];
  if (!then_ms) {
    snprintf(out, cap, "never");
    return;
  }
  span(then_ms, d, sizeof(d));
  snprintf(out, cap, "%s ago", d);
}

/* ---- status ---- */

/* What the store knows when no node runs. NULL (error printed) on failure. */
static json_t *offline_status(sr_cli_t *cli, const sr_config_t *cfg) {
  uint8_t pk[SR_KEY_BYTES];
  char hex[SR_HEX_KEY_LEN + 1];
  sr_store_info_t info;
  sr_store_t *st;
  if (cli_load_pk(cli, pk)) return NULL;
  sr_hex_encode(pk, SR_KEY_BYTES, hex);
  if (!(st = cli_open_store(cli, 0))) return NULL;
  memset(&info, 0, sizeof(info));
  if (sr_store_info(st, &info) != 0) {
    cli_fail(SR_EXIT_ENV, "cannot read the store in %s: %s", cli->home, sr_store_errmsg(st));
    sr_store_close(st);
    return NULL;
  }
  json_t *s = json_pack("{s:b, s:s, s:b, s:o, s:I, s:I, s:I, s:I, s:o}", "running", 0, "id", hex, "relay", cfg->relay,
                        "address", json_null(), "store_entries", (json_int_t)info.entries, "store_authors",
                        (json_int_t)info.authors, "store_bytes", (json_int_t)info.file_bytes, "known_peers",
                        (json_int_t)sr_store_peer_count(st), "peers", json_array());
  int rc = s ? cli_forks_json(cli, st, s) : SR_ENOMEM; /* cmd_fork.c */
  int forks = rc != 0;
  if (!rc) rc = sr_members_status(st, cfg->relay, s); /* node/members.c */
  if (rc) {
    cli_fail(SR_EXIT_ENV, "cannot read the %s in %s: %s", forks ? "forks" : "members", cli->home,
             rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    json_decref(s);
    s = NULL;
  }
  sr_store_close(st);
  return s;
}

/* One line of push-sum estimates: the last completed epoch, then the running one. */
static void print_pushsum(json_t *ps) {
  json_t *run = json_object_get(ps, "running"), *size = json_object_get(ps, "size_estimate");
  json_t *avg = json_object_get(ps, "averages"), *rsize = json_object_get(run, "size_estimate");
  if (!json_is_object(ps)) return;
  printf("network   ");
  if (json_is_number(size))
    printf("~%.1f nodes, per node %.1f entries, %.1f sessions, %.1f entries/min (epoch %lld)", json_number_value(size),
           json_number_value(json_object_get(avg, "entries")), json_number_value(json_object_get(avg, "sessions")),
           json_number_value(json_object_get(avg, "entries_per_min")), jint(ps, "epoch"));
  else
    printf("size not estimated yet (push-sum needs one whole epoch of %lld s)", jint(ps, "epoch_s"));
  if (json_is_number(rsize))
    printf("; running ~%.1f after %lld round%s", json_number_value(rsize), jint(run, "rounds"),
           jint(run, "rounds") == 1 ? "" : "s");
  printf("\n");
}

int cmd_status(sr_cli_t *cli, int argc, char **argv) {
  sr_config_t cfg;
  char err[4600];
  json_t *s = NULL;
  int rc;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "status takes no arguments besides --json: got '%s'", argv[1]);
  /* A broken config is reported here too: the node would refuse to start with it
   * (a running node started with an earlier file: then it is only a warning). */
  int cfg_rc = sr_config_load(cli->home, &cfg, err, sizeof(err));
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "status"), &s);
  if (cfg_rc && rc == 0) fprintf(stderr, "seurone: warning: the node would not start again with its config: %s\n", err);
  if (rc == SR_ENONODE) {
    if (cfg_rc) return cli_fail(SR_EXIT_ENV, "%s", err);
    if (!(s = offline_status(cli, &cfg))) return SR_EXIT_ENV;
    /* Scripts test the exit code: "no node" is an environment problem (3), but
     * the store summary is still printed, as JSON too. */
    fprintf(stderr,
            "seurone: no node is running in %s: start it with `seurone --home %s run` (it runs in the "
            "foreground; keep it running in its own terminal or a service)\n",
            cli->home, cli->home);
  } else if (rc) {
    return SR_EXIT_ENV;
  } else if (sr_control_reply_code(s)) {
    rc = cli_node_refused(s, "status");
    json_decref(s);
    return rc;
  } else {
    json_object_del(s, "ok");
    json_object_set_new(s, "running", json_true());
  }
  int running = json_is_true(json_object_get(s, "running"));
  if (cli->json) {
    cli_json_print(s);
    return running ? SR_EXIT_OK : SR_EXIT_ENV;
  }
  json_t *peers = json_object_get(s, "peers"), *p;
  size_t i;
  printf("node      %s\n", cli_jstr(s, "id", "?"));
  if (!running) {
    printf("state     not running (start it with `seurone run`)\n");
  } else {
    long long up = jint(s, "uptime_s");
    printf("state     running%s, up %lld h %02lld min %02lld s\n",
           json_is_true(json_object_get(s, "relay")) ? " as a relay" : "", up / 3600, up / 60 % 60, up % 60);
    printf("address   %s\n", cli_jstr(s, "address", "?"));
    printf("entries   %lld in, %lld out, %lld duplicate%s, %lld rejected\n", jint(s, "entries_in"),
           jint(s, "entries_out"), jint(s, "duplicates"), jint(s, "duplicates") == 1 ? "" : "s", jint(s, "rejected"));
    printf("traffic   %lld byte%s in, %lld byte%s out\n", jint(s, "bytes_in"), jint(s, "bytes_in") == 1 ? "" : "s",
           jint(s, "bytes_out"), jint(s, "bytes_out") == 1 ? "" : "s");
    if (json_object_get(s, "scope_authors"))
      printf("scope     %lld author%s replicated\n", jint(s, "scope_authors"),
             jint(s, "scope_authors") == 1 ? "" : "s");
    json_t *rf = json_object_get(s, "refused"); /* docs/config.md, "Quotas and abuse" */
    if (jint(rf, "quota") || jint(rf, "purged") || jint(rf, "policy") || jint(rf, "conn_rate"))
      printf(
          "refused   %lld over quota, %lld of purged authors, %lld by the write policy; %lld connection%s over "
          "the rate\n",
          jint(rf, "quota"), jint(rf, "purged"), jint(rf, "policy"), jint(rf, "conn_rate"),
          jint(rf, "conn_rate") == 1 ? "" : "s");
    print_pushsum(json_object_get(s, "pushsum"));
    json_t *lan = json_object_get(s, "lan");
    if (json_is_true(json_object_get(lan, "enabled")))
      printf("nearby    %lld friend%s on this local network (friends nearby %s)\n", jint(lan, "nearby"),
             jint(lan, "nearby") == 1 ? "" : "s",
             json_is_true(json_object_get(lan, "announcing")) ? "announcing" : "listening only");
  }
  cli_forks_print(s); /* another copy of this identity published; forked authors */
  printf("store     %lld entr%s, %lld byte%s\n", jint(s, "store_entries"), jint(s, "store_entries") == 1 ? "y" : "ies",
         jint(s, "store_bytes"), jint(s, "store_bytes") == 1 ? "" : "s");
  printf("peers     %zu connected, %lld known\n", json_array_size(peers), jint(s, "known_peers"));
  if (json_is_integer(json_object_get(s, "members")))
    printf("members   %lld (a relay: `seurone members` lists them)\n", jint(s, "members"));
  if (json_array_size(peers)) {
    printf("\n%-8s %-10s %-10s ", "DIR", "IN", "OUT");
    cli_text_cell(stdout, "NAME", 4, PEER_NAME_COLS);
    printf(" %s\n", "PEER");
    json_array_foreach(peers, i, p) {
      const char *dir = cli_jstr(p, "direction", "?");
      printf("%-8s %-10lld %-10lld ",
             !strcmp(dir, "outbound")  ? "out"
             : !strcmp(dir, "inbound") ? "in"
                                       : dir,
             jint(p, "entries_in"), jint(p, "entries_out"));
      peer_name_cell(p);
      printf(" %s  %s\n", cli_jstr(p, "key", "?"), cli_jstr(p, "address", ""));
    }
  }
  json_decref(s);
  return running ? SR_EXIT_OK : SR_EXIT_ENV;
}

/* ---- peers ---- */

static int peer_json_cb(void *ctx, const sr_peer_rec_t *p) {
  json_t *o = sr_peer_json(p);
  return o ? json_array_append_new(ctx, o) : SR_ENOMEM;
}

/* What the table says of one address after it: nothing for one that worked
 * and did not fail since (out: ADDR_NOTE_MAX is enough). */
#define ADDR_NOTE_MAX 64
static void addr_note(json_t *a, char *out, size_t cap) {
  long long fails = jint(a, "failures");
  if (fails) snprintf(out, cap, "  (failed %lld time%s in a row)", fails, fails == 1 ? "" : "s");
  else if (!jint(a, "last_ok"))
    snprintf(out, cap, "  (not tried yet)");
  else
    out[0] = '\0';
}

int cmd_peers(sr_cli_t *cli, int argc, char **argv) {
  json_t *r = NULL, *peers, *p;
  size_t i;
  int rc;
  if (argc > 1)
    return cli_fail(SR_EXIT_USAGE,
                    "peers takes no arguments besides --json: got '%s' (to add one: seurone "
                    "peer add ADDRESS)",
                    argv[1]);
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "peers"), &r);
  if (rc == 0) {
    if (sr_control_reply_code(r)) {
      rc = cli_node_refused(r, "peers");
      json_decref(r);
      return rc;
    }
    peers = json_incref(json_object_get(r, "peers"));
    json_decref(r);
    if (!json_is_array(peers)) {
      json_decref(peers);
      return cli_fail(SR_EXIT_ENV, "the node's reply had no peer list");
    }
    /* The same keys for every peer, connected or not. */
    json_array_foreach(peers, i, p) {
      if (!json_object_get(p, "direction")) json_object_set_new(p, "direction", json_null());
      if (!json_object_get(p, "entries_in")) json_object_set_new(p, "entries_in", json_integer(0));
      if (!json_object_get(p, "entries_out")) json_object_set_new(p, "entries_out", json_integer(0));
    }
  } else if (rc == SR_ENONODE) {
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    peers = json_array();
    rc = sr_store_foreach_peer(st, peer_json_cb, peers);
    if (!rc) {
      sr_config_t cfg;
      char cerr[4600];
      /* names and membership as the running node gives them (node/members.c) */
      rc = sr_members_annotate(st, sr_config_load(cli->home, &cfg, cerr, sizeof(cerr)) == 0 && cfg.relay, peers);
    }
    if (rc) {
      cli_fail(SR_EXIT_ENV, "cannot read the peer table: %s", sr_store_errmsg(st));
      sr_store_close(st);
      json_decref(peers);
      return SR_EXIT_ENV;
    }
    sr_store_close(st);
  } else {
    return SR_EXIT_ENV;
  }
  if (cli->json) {
    cli_json_print(peers);
    return SR_EXIT_OK;
  }
  if (json_array_size(peers) == 0) {
    fprintf(stderr,
            "no peers yet: `seurone peer add ADDRESS`, a `bootstrap = ADDRESS` line in %s/config, or "
            "`seurone invite accept -` (then paste the code)\n",
            cli->home);
    json_decref(peers);
    return SR_EXIT_OK;
  }
  printf("%-5s %-9s %-8s %-21s ", "STATE", "SOURCE", "FAILURES", "LAST SEEN");
  cli_text_cell(stdout, "NAME", 4, PEER_NAME_COLS);
  printf(" %s\n", "ADDRESS");
  json_array_foreach(peers, i, p) {
    char seen[48], d[SPAN_TEXT_MAX], note[ADDR_NOTE_MAX];
    const char *dir = cli_jstr(p, "direction", "");
    json_t *addrs = json_object_get(p, "addresses"), *a;
    json_int_t ls = json_integer_value(json_object_get(p, "last_seen"));
    json_int_t since = json_integer_value(json_object_get(p, "connected_since"));
    int connected = json_is_true(json_object_get(p, "connected"));
    size_t j;
    if (connected && since > 0) {
      span((uint64_t)since, d, sizeof(d));
      snprintf(seen, sizeof(seen), "connected for %s", d);
    } else if (connected) {
      snprintf(seen, sizeof(seen), "connected");
    } else {
      age(ls > 0 ? (uint64_t)ls : 0, seen, sizeof(seen));
    }
    printf("%-5s %-9s %-8lld %-21s ",
           !connected                ? "-"
           : !strcmp(dir, "inbound") ? "in"
                                     : "out",
           cli_jstr(p, "source", "?"), jint(p, "failures"), seen);
    peer_name_cell(p);
    putchar(' ');
    if (json_array_size(addrs) == 0) printf("%s  (no address)\n", cli_jstr(p, "key", "?"));
    /* Every address, in the order the node dials them. */
    json_array_foreach(addrs, j, a) {
      const char *addr = cli_jstr(a, "address", "");
      uint8_t k[SR_KEY_BYTES];
      uint16_t port;
      char host[SR_NET_HOST_MAX];
      addr_note(a, note, sizeof(note));
      /* Only what parses reaches the terminal: a store written by hand could
       * hold anything. */
      if (sr_net_address_parse(addr, host, sizeof(host), &port, k) != 0) addr = "(a malformed address)";
      printf("%*s%s%s\n", j ? 5 + 1 + 9 + 1 + 8 + 1 + 21 + 1 + PEER_NAME_COLS + 1 : 0, "", addr, note);
    }
  }
  json_decref(peers);
  return SR_EXIT_OK;
}

/* ---- peer add, peer remove ---- */

static int peer_add(sr_cli_t *cli, int argc, char **argv) {
  char host[SR_NET_HOST_MAX], hex[SR_HEX_KEY_LEN + 1];
  uint8_t key[SR_KEY_BYTES], pk[SR_KEY_BYTES];
  uint16_t port;
  json_t *r = NULL;
  int rc, self, running;
  if (argc != 3) return cli_fail(SR_EXIT_USAGE, "usage: seurone peer add ADDRESS (one address)");
  const char *addr = argv[2];
  if ((rc = sr_net_address_parse(addr, host, sizeof(host), &port, key)))
    return cli_fail(SR_EXIT_USAGE,
                    "'%s' is not a seurone address: %s; it looks like seurone://HOST:PORT/KEY, as "
                    "`seurone address` prints it on the other node",
                    addr, sr_strerror(rc));
  if (cli_load_pk(cli, pk)) return SR_EXIT_ENV;
  self = memcmp(pk, key, SR_KEY_BYTES) == 0;
  if (self) return cli_fail(SR_EXIT_USAGE, "%s is this node's own address: add the address of another node", addr);
  sr_hex_encode(key, SR_KEY_BYTES, hex);

  rc = cli_node_call(cli, json_pack("{s:s, s:s}", "cmd", "peer_add", "address", addr), &r);
  running = rc == 0;
  if (rc == 0) {
    if (sr_control_reply_code(r)) {
      rc = cli_node_refused(r, "peer add");
      json_decref(r);
      return rc;
    }
    json_decref(r);
  } else if (rc == SR_ENONODE) {
    /* No node owns the table: the same rule it applies (store/peers.h). */
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    rc = sr_store_peer_give(st, key, addr, SR_PEER_MANUAL);
    if (rc)
      cli_fail(SR_EXIT_ENV, "cannot save the peer in the store of %s: %s", cli->home,
               rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    if (rc) return SR_EXIT_ENV;
  } else {
    return SR_EXIT_ENV;
  }
  if (cli->json) cli_json_print(json_pack("{s:s, s:s, s:b}", "address", addr, "key", hex, "dialing", running));
  else
    printf("added %s; %s\n", addr,
           running ? "the node is dialing it now" : "the node dials it when it runs (`seurone run`)");
  return SR_EXIT_OK;
}

/* The store's side of `peer remove` when no node runs: 0, or the exit code
 * (the reason printed). *left: the addresses the peer keeps. */
static int peer_remove_store(sr_cli_t *cli, const uint8_t *key, const char *hex, const char *addr, int *left) {
  sr_store_t *st = cli_open_store(cli, 0);
  sr_peer_rec_t rec;
  int rc, code = SR_EXIT_OK;
  if (!st) return SR_EXIT_ENV;
  rc = sr_store_peer_get(st, key, &rec);
  if (rc == SR_ENOTFOUND) {
    code =
        cli_fail(SR_EXIT_PROBLEM, "%.16s… is not in the peer table of %s (`seurone peers` lists it)", hex, cli->home);
  } else if (rc == 0 && addr && sr_peer_addr_remove(&rec, addr) != 0) {
    code = cli_fail(SR_EXIT_PROBLEM, "the peer %.16s… has no address '%s' (`seurone peers` lists its addresses)", hex,
                    addr);
  } else if (rc == 0) {
    *left = rec.naddrs;
    rc = addr ? sr_store_peer_put(st, &rec) : sr_store_peer_del(st, key);
  }
  if (rc && rc != SR_ENOTFOUND)
    code = cli_fail(SR_EXIT_ENV, "cannot change the peer table of %s: %s", cli->home,
                    rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  sr_store_close(st);
  return code;
}

/* 1 when the config has a bootstrap line for key (addr NULL) or for addr. */
static int in_bootstrap(sr_cli_t *cli, const char *hex, const char *addr) {
  sr_config_t cfg;
  char err[4600];
  if (sr_config_load(cli->home, &cfg, err, sizeof(err))) return 0;
  for (int i = 0; i < cfg.nbootstrap; i++) {
    size_t n = strlen(cfg.bootstrap[i]);
    if (addr ? !strcmp(cfg.bootstrap[i], addr)
             : n >= SR_HEX_KEY_LEN && !strcmp(cfg.bootstrap[i] + n - SR_HEX_KEY_LEN, hex))
      return 1;
  }
  return 0;
}

static int peer_remove(sr_cli_t *cli, int argc, char **argv) {
  char host[SR_NET_HOST_MAX], hex[SR_HEX_KEY_LEN + 1];
  const char *addr = NULL;
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  json_t *req, *r = NULL;
  int rc, left = 0, connected = 0, running;
  if (argc != 3) return cli_fail(SR_EXIT_USAGE, "usage: seurone peer remove KEY|ADDRESS (one peer or one address)");
  if (!strncmp(argv[2], "seurone:", 8)) {
    if ((rc = sr_net_address_parse(argv[2], host, sizeof(host), &port, key)))
      return cli_fail(SR_EXIT_USAGE, "'%s' is not a seurone address: %s; copy it as `seurone peers` prints it", argv[2],
                      sr_strerror(rc));
    addr = argv[2];
  } else if (sr_hex_decode(argv[2], key, sizeof(key)) != 0) {
    return cli_fail(SR_EXIT_USAGE,
                    "'%s' is neither a peer's key (64 hex digits) nor one of its addresses "
                    "(seurone://HOST:PORT/KEY): `seurone peers --json` lists both",
                    argv[2]);
  }
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  req = json_pack("{s:s, s:s}", "cmd", "peer_remove", "key", hex);
  if (addr) json_object_set_new(req, "address", json_string(addr));
  rc = cli_node_call(cli, req, &r);
  running = rc == 0;
  if (rc == 0) {
    if (sr_control_reply_code(r)) {
      rc = cli_node_refused(r, "peer remove");
      json_decref(r);
      return rc;
    }
    connected = json_is_true(json_object_get(r, "connected"));
    left = (int)jint(r, "addresses_left");
    json_decref(r);
  } else if (rc == SR_ENONODE) {
    if ((rc = peer_remove_store(cli, key, hex, addr, &left)) != 0) return rc;
  } else {
    return SR_EXIT_ENV;
  }
  if (cli->json) {
    cli_json_print(json_pack("{s:s, s:s?, s:s, s:i, s:b, s:b}", "key", hex, "address", addr, "removed",
                             addr ? "address" : "peer", "addresses_left", addr ? left : 0, "connected", connected,
                             "node_running", running));
  } else if (addr) {
    printf("removed %s; the peer keeps %d other address%s%s\n", addr, left, left == 1 ? "" : "es",
           left ? "" : ", so this node no longer dials it (`seurone peer remove KEY` forgets it entirely)");
  } else {
    printf("removed the peer %s and its addresses\n", hex);
  }
  if (connected) fprintf(stderr, "note: the node's live session with it goes on until it ends\n");
  if (in_bootstrap(cli, hex, addr))
    fprintf(stderr,
            "note: %s/config has a `bootstrap` line for it: the node adds it again at its next start unless "
            "you delete that line\n",
            cli->home);
  return SR_EXIT_OK;
}

int cmd_peer(sr_cli_t *cli, int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "add")) return peer_add(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "remove")) return peer_remove(cli, argc, argv);
  return cli_fail(SR_EXIT_USAGE,
                  "usage: seurone peer add ADDRESS | seurone peer remove KEY|ADDRESS (`seurone peers` "
                  "lists the peer table)");
}
