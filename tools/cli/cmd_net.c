/* cmd_net.c: `seurone address` and `seurone netkey new`. */
#include "tools/cli/cli.h"
#include "net/address.h"
#include "node/config.h"
#include "node/control.h"
#include <string.h>

int cli_node_address(sr_cli_t *cli, const char *listen, char *out, size_t cap) {
  sr_config_t cfg;
  char err[4600], host[SR_NET_HOST_MAX], ip[SR_NET_HOST_MAX];
  uint8_t pk[SR_KEY_BYTES];
  int rc;
  /* A running node knows the port it really bound (listen = ...:0 included). */
  if (!listen && sr_control_run_info(cli->home, NULL, out, cap) == 0) return 0;
  if (sr_config_load(cli->home, &cfg, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
  if (listen && sr_config_parse_hostport(listen, cfg.listen_host, sizeof(cfg.listen_host), &cfg.listen_port))
    return cli_fail(SR_EXIT_USAGE, "--listen must be HOST:PORT (IPv6 as [::1]:PORT), got '%s'", listen);
  if (cfg.listen_port == 0)
    return cli_fail(SR_EXIT_ENV,
                    "%s listens on port 0 (any free port), so its address is known only while it runs: "
                    "start it with `seurone run`, or set a port with listen = HOST:PORT in %s/config",
                    listen ? "--listen" : "the config", cli->home);
  if (cli_load_pk(cli, pk)) return SR_EXIT_ENV;
  /* A host name in listen: the IP the node will bind, as it will advertise it. */
  if ((rc = sr_net_listen_ip(cfg.listen_host, ip, sizeof(ip)))) {
    return cli_fail(SR_EXIT_ENV,
                    "listen host '%s' is neither an IP address nor a host name this machine resolves: "
                    "use an IP address in `listen` of %s/config",
                    cfg.listen_host, cli->home);
  }
  if (cfg.advertise[0]) snprintf(host, sizeof(host), "%s", cfg.advertise);
  else if ((rc = sr_net_advertise_host(ip, host, sizeof(host)))) {
    return cli_fail(SR_EXIT_ENV, "cannot choose a host to advertise: %s (set advertise = HOST in %s/config)",
                    sr_strerror(rc), cli->home);
  }
  rc = sr_net_address_format(host, cfg.listen_port, pk, out, cap);
  if (rc) return cli_fail(SR_EXIT_ENV, "cannot form an address from host '%s': %s", host, sr_strerror(rc));
  return 0;
}

int cmd_address(sr_cli_t *cli, int argc, char **argv) {
  char host[SR_NET_HOST_MAX], addr[SR_NET_ADDRESS_MAX], hex[SR_HEX_KEY_LEN + 1];
  const char *listen = NULL;
  uint8_t key[SR_KEY_BYTES];
  uint16_t port;
  int rc;
  for (int i = 1; i < argc; i++) {
    int r = cli_opt(argc, argv, &i, "--listen", &listen);
    if (r < 0) return SR_EXIT_USAGE;
    if (r == 0) return cli_fail(SR_EXIT_USAGE, "address: unexpected '%s'", argv[i]);
  }
  if ((rc = cli_node_address(cli, listen, addr, sizeof(addr))) != 0) return rc;
  if (sr_net_address_parse(addr, host, sizeof(host), &port, key) != 0)
    return cli_fail(SR_EXIT_ENV, "the node's address '%s' is malformed (%s/run.json)", addr, cli->home);
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  if (cli->json)
    cli_json_print(json_pack("{s:s, s:s, s:i, s:s}", "address", addr, "host", host, "port", (int)port, "key", hex));
  else
    printf("%s\n", addr);
  return 0;
}

int cmd_netkey(sr_cli_t *cli, int argc, char **argv) {
  uint8_t key[SR_NET_NETKEY_BYTES];
  char hex[SR_NET_KEYHEX_BYTES];
  if (argc != 2 || strcmp(argv[1], "new") != 0) return cli_fail(SR_EXIT_USAGE, "usage: seurone netkey new [--json]");
  randombytes_buf(key, sizeof(key));
  sr_net_netkey_format(key, hex);
  if (cli->json) cli_json_print(json_pack("{s:s}", "network_key", hex));
  else {
    printf("%s\n", hex);
    fprintf(stderr, "put `network_key = %s` in the config of every node of your closed network\n", hex);
  }
  return 0;
}
