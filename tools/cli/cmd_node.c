/* cmd_node.c: the running node — `seurone run`, `status`, `peers`, `peer add`,
 * `invite create|accept`. Commands talk to a running node through its control
 * socket (node/control.h) and fall back to the store when none runs. */
#include "tools/cli/cli.h"
#include "net/address.h"
#include "node/config.h"
#include "node/control.h"
#include "node/daemon.h"
#include "node/invite.h"
#include "store/peers.h"
#include <string.h>

int cmd_run(sr_cli_t *cli, int argc, char **argv) {
  sr_node_opts_t o = {cli->home, NULL, -1, 0};
  for (int i = 1; i < argc; i++) {
    int r = cli_opt(argc, argv, &i, "--listen", &o.listen);
    if (r < 0) return SR_EXIT_USAGE;
    if (r) continue;
    if (!strcmp(argv[i], "--relay")) o.relay = 1;
    else if (!strcmp(argv[i], "--json-log")) o.json_log = 1;
    else return cli_fail(SR_EXIT_USAGE, "run: unexpected '%s' (see seurone run --help)", argv[i]);
  }
  int rc = sr_node_run(&o);
  return rc ? SR_EXIT_ENV : 0;
}

/* Sends {"cmd": cmd} (plus extra) to the node; NULL with *rc = SR_ENONODE when none runs. */
static json_t *call(sr_cli_t *cli, json_t *req, int *rc) {
  json_t *reply = NULL;
  *rc = sr_control_call(cli->home, req, &reply, 10000);
  json_decref(req);
  return *rc ? NULL : reply;
}

static int reply_failed(json_t *reply) {
  if (json_is_true(json_object_get(reply, "ok"))) return 0;
  cli_fail(SR_EXIT_PROBLEM, "the node refused: %s", json_string_value(json_object_get(reply, "error")));
  return 1;
}

int cmd_status(sr_cli_t *cli, int argc, char **argv) {
  int rc;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "status: unexpected '%s'", argv[1]);
  json_t *s = call(cli, json_pack("{s:s}", "cmd", "status"), &rc);
  if (!s) {
    if (rc != SR_ENONODE) return cli_fail(SR_EXIT_ENV, "the node did not answer: %s", sr_strerror(rc));
    /* No node: what the store knows. */
    uint8_t sk[SR_SECRET_BYTES];
    char hex[65];
    sr_store_info_t info;
    if (cli_load_key(cli, sk)) return SR_EXIT_ENV;
    sr_hex_encode(sk + 32, 32, hex);
    sodium_memzero(sk, sizeof(sk));
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    sr_store_info(st, &info);
    s = json_pack("{s:b, s:s, s:I, s:I, s:I, s:o}", "running", 0, "id", hex, "store_entries", (json_int_t)info.entries,
                  "store_bytes", (json_int_t)info.file_bytes, "known_peers", (json_int_t)sr_store_peer_count(st),
                  "peers", json_array());
    sr_store_close(st);
  } else if (reply_failed(s)) {
    json_decref(s);
    return SR_EXIT_PROBLEM;
  }
  json_object_del(s, "ok");
  if (cli->json) {
    cli_json_print(s);
    return 0;
  }
  int running = json_is_true(json_object_get(s, "running"));
  printf("node %s: %s\n", json_string_value(json_object_get(s, "id")), running ? "running" : "not running");
  if (running) {
    printf("address   %s%s\n", json_string_value(json_object_get(s, "address")),
           json_is_true(json_object_get(s, "relay")) ? "  (relay)" : "");
    printf("uptime    %lld s\n", (long long)json_integer_value(json_object_get(s, "uptime_s")));
    printf("entries   %lld in, %lld out, %lld duplicates, %lld rejected\n",
           (long long)json_integer_value(json_object_get(s, "entries_in")),
           (long long)json_integer_value(json_object_get(s, "entries_out")),
           (long long)json_integer_value(json_object_get(s, "duplicates")),
           (long long)json_integer_value(json_object_get(s, "rejected")));
    printf("bytes     %lld in, %lld out\n", (long long)json_integer_value(json_object_get(s, "bytes_in")),
           (long long)json_integer_value(json_object_get(s, "bytes_out")));
    printf("scope     %lld authors replicated\n", (long long)json_integer_value(json_object_get(s, "scope_authors")));
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(s, "peers"), i, p)
      printf("peer      %.16s  %-8s %-22s in %lld out %lld\n", json_string_value(json_object_get(p, "key")),
             json_string_value(json_object_get(p, "direction")), json_string_value(json_object_get(p, "address")),
             (long long)json_integer_value(json_object_get(p, "entries_in")),
             (long long)json_integer_value(json_object_get(p, "entries_out")));
  }
  printf("store     %lld entries, %lld bytes\n", (long long)json_integer_value(json_object_get(s, "store_entries")),
         (long long)json_integer_value(json_object_get(s, "store_bytes")));
  json_decref(s);
  return 0;
}

static int peer_json_cb(void *ctx, const sr_peer_rec_t *p) {
  char hex[65];
  sr_hex_encode(p->key, 32, hex);
  json_array_append_new(ctx, json_pack("{s:s, s:s, s:b, s:I, s:I, s:i}", "key", hex, "address", p->address,
                                       "connected", 0, "last_seen", (json_int_t)p->last_seen_ms, "failures",
                                       (json_int_t)p->failures, "score", (int)p->score));
  return 0;
}

int cmd_peers(sr_cli_t *cli, int argc, char **argv) {
  int rc;
  json_t *peers;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "peers: unexpected '%s'", argv[1]);
  json_t *r = call(cli, json_pack("{s:s}", "cmd", "peers"), &rc);
  if (r) {
    if (reply_failed(r)) { json_decref(r); return SR_EXIT_PROBLEM; }
    peers = json_incref(json_object_get(r, "peers"));
    json_decref(r);
  } else if (rc == SR_ENONODE) {
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    peers = json_array();
    sr_store_foreach_peer(st, peer_json_cb, peers);
    sr_store_close(st);
  } else {
    return cli_fail(SR_EXIT_ENV, "the node did not answer: %s", sr_strerror(rc));
  }
  if (cli->json) {
    cli_json_print(peers);
    return 0;
  }
  size_t i;
  json_t *p;
  if (json_array_size(peers) == 0) fprintf(stderr, "no peers yet: `seurone peer add ADDRESS` or an invite\n");
  json_array_foreach(peers, i, p)
    printf("%-9s %s  failures %lld\n", json_is_true(json_object_get(p, "connected")) ? "connected" : "-",
           json_string_value(json_object_get(p, "address")), (long long)json_integer_value(json_object_get(p, "failures")));
  json_decref(peers);
  return 0;
}

int cmd_peer(sr_cli_t *cli, int argc, char **argv) {
  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t key[32];
  int rc;
  if (argc != 3 || strcmp(argv[1], "add")) return cli_fail(SR_EXIT_USAGE, "usage: seurone peer add ADDRESS");
  if ((rc = sr_net_address_parse(argv[2], host, sizeof(host), &port, key)))
    return cli_fail(SR_EXIT_USAGE, "'%s' is not a seurone address (%s); it looks like seurone://HOST:PORT/KEY, as "
                    "`seurone address` prints it", argv[2], sr_strerror(rc));
  json_t *r = call(cli, json_pack("{s:s, s:s}", "cmd", "peer_add", "address", argv[2]), &rc);
  if (r) {
    if (reply_failed(r)) { json_decref(r); return SR_EXIT_PROBLEM; }
    json_decref(r);
  } else if (rc == SR_ENONODE) {
    sr_store_t *st = cli_open_store(cli, 0);
    sr_peer_rec_t rec;
    if (!st) return SR_EXIT_ENV;
    if (sr_store_peer_get(st, key, &rec) != 0) {
      memset(&rec, 0, sizeof(rec));
      memcpy(rec.key, key, 32);
    }
    snprintf(rec.address, sizeof(rec.address), "%s", argv[2]);
    rec.flags |= SR_PEER_MANUAL;
    rec.failures = 0;
    rec.next_attempt_ms = 0;
    rc = sr_store_peer_put(st, &rec);
    sr_store_close(st);
    if (rc) return cli_fail(SR_EXIT_ENV, "could not save the peer: %s", sr_strerror(rc));
  } else {
    return cli_fail(SR_EXIT_ENV, "the node did not answer: %s", sr_strerror(rc));
  }
  if (cli->json) cli_json_print(json_pack("{s:s, s:b}", "address", argv[2], "dialing", r != NULL));
  else printf("added %s%s\n", argv[2], r ? "; dialing now" : "; the node dials it when it runs");
  return 0;
}

/* The node's address: run.json's (real port) when it runs, else the config's. */
int cli_node_address(sr_cli_t *cli, char *out, size_t cap) {
  char path[4200];
  snprintf(path, sizeof(path), "%s/run.json", cli->home);
  json_t *r = NULL, *req = json_pack("{s:s}", "cmd", "status");
  int rc = sr_control_call(cli->home, req, &r, 3000);
  json_decref(req);
  if (rc == 0 && json_string_value(json_object_get(r, "address"))) {
    snprintf(out, cap, "%s", json_string_value(json_object_get(r, "address")));
    json_decref(r);
    return 0;
  }
  json_decref(r);
  return SR_ENONODE;
}

int cmd_invite(sr_cli_t *cli, int argc, char **argv) {
  char code[SR_INVITE_CODE_MAX], err[4600];
  if (argc >= 2 && !strcmp(argv[1], "create")) {
    const char *uses_s = NULL;
    unsigned long uses = 1;
    for (int i = 2; i < argc; i++) {
      int r = cli_opt(argc, argv, &i, "--uses", &uses_s);
      if (r < 0) return SR_EXIT_USAGE;
      if (!r) return cli_fail(SR_EXIT_USAGE, "invite create: unexpected '%s'", argv[i]);
      char *end;
      uses = strtoul(uses_s, &end, 10);
      if (*end || uses == 0 || uses > 1000000) return cli_fail(SR_EXIT_USAGE, "--uses must be a number from 1 to 1000000");
    }
    char address[SR_NET_ADDRESS_MAX];
    sr_config_t cfg;
    if (sr_config_load(cli->home, &cfg, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
    if (cli_node_address(cli, address, sizeof(address)) != 0) {
      /* Not running: the address the config describes. */
      uint8_t sk[SR_SECRET_BYTES];
      char host[SR_NET_HOST_MAX];
      if (cli_load_key(cli, sk)) return SR_EXIT_ENV;
      if (cfg.advertise[0]) snprintf(host, sizeof(host), "%s", cfg.advertise);
      else sr_net_advertise_host(cfg.listen_host, host, sizeof(host));
      sr_net_address_format(host, cfg.listen_port, sk + 32, address, sizeof(address));
      sodium_memzero(sk, sizeof(sk));
    }
    if (!cfg.relay)
      fprintf(stderr, "note: this node is not a relay yet; run it with `seurone run --relay` (or relay = yes in the "
                      "config) or the invite will be refused\n");
    sr_store_t *st = cli_open_store(cli, 0);
    uint8_t secret[32];
    if (!st) return SR_EXIT_ENV;
    int rc = sr_store_invite_create(st, (uint32_t)uses, cli_now_ms(), secret);
    sr_store_close(st);
    if (rc) return cli_fail(SR_EXIT_ENV, "could not create the invite: %s", sr_strerror(rc));
    sr_invite_format(address, cfg.network_key, secret, code, sizeof(code));
    sodium_memzero(secret, sizeof(secret));
    if (cli->json)
      cli_json_print(json_pack("{s:s, s:s, s:I}", "code", code, "address", address, "uses", (json_int_t)uses));
    else
      printf("%s\n", code);
    return 0;
  }
  if (argc == 3 && !strcmp(argv[1], "accept")) {
    uint8_t nk[32];
    char address[SR_NET_ADDRESS_MAX];
    if (sr_invite_parse(argv[2], address, sizeof(address), nk, NULL))
      return cli_fail(SR_EXIT_USAGE, "this is not a seurone invite code (it starts with %s)", SR_INVITE_PREFIX);
    int rc = sr_node_invite_accept(cli->home, argv[2], err, sizeof(err));
    if (rc) return cli_fail(SR_EXIT_PROBLEM, "%s", err);
    if (cli->json) cli_json_print(json_pack("{s:b, s:s}", "ok", 1, "relay", address));
    else printf("joined the relay %s; it now replicates your log\n", address);
    return 0;
  }
  return cli_fail(SR_EXIT_USAGE, "usage: seurone invite create [--uses N] | seurone invite accept CODE");
}
