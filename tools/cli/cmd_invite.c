/* cmd_invite.c: `seurone invite create|accept`: making an invite code on a
 * relay (through the running node, else in the store), and joining with one.
 * Talks to the node as cmd_node.c does (cli_node_call). */
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

/* ---- invites ---- */

static int invite_create(sr_cli_t *cli, int argc, char **argv) {
  const char *uses_s = NULL, *exp_s = NULL;
  uint64_t uses = 1, ttl = SR_INVITE_TTL_DEFAULT_MS, expires = 0;
  char idhex[SR_INVITE_ID_HEX + 1] = "";
  uint8_t id[SR_INVITE_ID_BYTES];
  char address[SR_NET_ADDRESS_MAX], code[SR_INVITE_CODE_MAX], err[4600];
  uint8_t secret[SR_INVITE_SECRET_BYTES];
  sr_config_t cfg;
  json_t *s = NULL;
  int rc, running, relay;
  for (int i = 2; i < argc; i++) {
    int r = cli_opt(argc, argv, &i, "--uses", &uses_s);
    if (r < 0) return SR_EXIT_USAGE;
    if (r) {
      if (sr_parse_u64(uses_s, 1, 1000000, &uses))
        return cli_fail(SR_EXIT_USAGE, "--uses must be a whole number from 1 to 1000000, got '%s'", uses_s);
      continue;
    }
    if ((r = cli_opt(argc, argv, &i, "--expires", &exp_s)) < 0) return SR_EXIT_USAGE;
    if (!r) return cli_fail(SR_EXIT_USAGE, "invite create: unexpected '%s' (see seurone invite --help)", argv[i]);
    if (sr_invite_ttl_parse(exp_s, &ttl))
      return cli_fail(SR_EXIT_USAGE,
                      "--expires takes a whole number and a unit, m (minutes), h (hours) or d (days), up to a "
                      "year, e.g. 7d or 12h, or never; got '%s'",
                      exp_s);
  }
  if (sr_config_load(cli->home, &cfg, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
  /* Running: the node's own word on its address and mode. */
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "status"), &s);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  running = rc == 0 && sr_control_reply_code(s) == 0;
  if (running) {
    relay = json_is_true(json_object_get(s, "relay"));
    snprintf(address, sizeof(address), "%s", cli_jstr(s, "address", ""));
    json_decref(s);
    if (!relay)
      return cli_fail(SR_EXIT_PROBLEM,
                      "the node running in %s is not a relay, so it would refuse the invite: stop it and "
                      "start it again with `seurone run --relay` (or put relay = yes in %s/config)",
                      cli->home, cli->home);
  } else {
    json_decref(s);
    if ((rc = cli_node_address(cli, NULL, address, sizeof(address))) != 0) return rc;
    if (!cfg.relay)
      fprintf(stderr,
              "note: %s is not configured as a relay; the invite works once the node runs with `seurone run "
              "--relay` (or relay = yes in the config)\n",
              cli->home);
  }
  if (running) {
    /* The running node owns its store: it stores the invite. */
    json_t *r = NULL;
    const char *hex;
    if (cli_node_call(cli,
                      json_pack("{s:s, s:I, s:I}", "cmd", "invite_create", "uses", (json_int_t)uses, "expires_in_ms",
                                (json_int_t)ttl),
                      &r))
      return SR_EXIT_ENV;
    if (sr_control_reply_code(r)) {
      rc = cli_node_refused(r, "invite create");
      json_decref(r);
      return rc;
    }
    hex = cli_jstr(r, "secret", "");
    rc = sr_hex_decode(hex, secret, sizeof(secret));
    snprintf(idhex, sizeof(idhex), "%s", cli_jstr(r, "id", ""));
    expires = (uint64_t)json_integer_value(json_object_get(r, "expires_ms"));
    if (json_is_string(json_object_get(r, "secret"))) sodium_memzero((char *)hex, strlen(hex));
    json_decref(r);
    if (rc) return cli_fail(SR_EXIT_ENV, "the node's reply holds no invite secret");
  } else {
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    uint64_t now = cli_now_ms();
    expires = ttl ? now + ttl : 0;
    rc = sr_store_invite_create(st, (uint32_t)uses, now, expires, secret, id);
    if (!rc) sr_hex_encode(id, sizeof(id), idhex);
    if (rc) {
      cli_fail(SR_EXIT_ENV, "cannot store the invite in %s: %s", cli->home,
               rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
      sr_store_close(st);
      sodium_memzero(secret, sizeof(secret));
      return SR_EXIT_ENV;
    }
    sr_store_close(st);
  }
  rc = sr_invite_format(address, cfg.network_key, secret, code, sizeof(code));
  sodium_memzero(secret, sizeof(secret));
  if (rc) return cli_fail(SR_EXIT_ENV, "cannot form an invite code for the address '%s': %s", address, sr_strerror(rc));
  if (cli->json) {
    /* jansson's copy of the code is wiped too before it is freed. */
    json_t *jcode = json_string(code);
    cli_json_print(json_pack("{s:O, s:s, s:s, s:I, s:o}", "code", jcode, "id", idhex, "address", address, "uses",
                             (json_int_t)uses, "expires_ms",
                             expires ? json_integer((json_int_t)expires) : json_null()));
    if (jcode) sodium_memzero((char *)json_string_value(jcode), json_string_length(jcode));
    json_decref(jcode);
  } else {
    printf("%s\n", code);
    if (cli_tty()) {
      char when[40] = "never";
      if (expires) cli_time_utc(expires, when, sizeof(when));
      fprintf(stderr,
              "give this code to the newcomer (it can be used %llu time%s, until %s; its id is %s): they run "
              "`seurone invite accept -` and paste it\n",
              (unsigned long long)uses, uses == 1 ? "" : "s", when, idhex);
    }
  }
  sodium_memzero(code, sizeof(code));
  return SR_EXIT_OK;
}

/* Room for a code: a little more than the longest, so that one just too long
 * gets sr_invite_problem's reason rather than "longer than any invite code". */
#define CODE_ROOM (SR_INVITE_CODE_MAX + 64)

static int invite_accept(sr_cli_t *cli, int argc, char **argv) {
  char code[CODE_ROOM], address[SR_NET_ADDRESS_MAX], host[SR_NET_HOST_MAX], err[4600];
  char hex[SR_HEX_KEY_LEN + 1];
  uint8_t nk[SR_NET_NETKEY_BYTES], relay_key[SR_KEY_BYTES];
  uint16_t port;
  const char *why, *file = NULL;
  int rc;
  if (argc == 4 && !strcmp(argv[2], "--file")) file = argv[3];
  else if (argc == 3 && !strncmp(argv[2], "--file=", 7))
    file = argv[2] + 7;
  else if (argc == 3 && !strcmp(argv[2], "-"))
    file = "-";
  else if (argc != 3)
    return cli_fail(SR_EXIT_USAGE,
                    "usage: seurone invite accept - (the code on standard input), "
                    "seurone invite accept --file FILE, or seurone invite accept CODE");
  if (file) {
    /* From standard input or a file: the code never appears in the process's
     * command line, which every user of the machine can read (/proc/PID/cmdline). */
    int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) return cli_fail(SR_EXIT_USAGE, "invite accept: cannot read %s: %s", file, strerror(errno));
    if (fd == 0 && isatty(0)) fprintf(stderr, "paste the invite code, then press Enter and Ctrl-D:\n");
    rc = cli_read_code(fd, code, sizeof(code));
    if (fd != 0) close(fd);
    if (rc < 0)
      return cli_fail(SR_EXIT_USAGE, "invite accept: cannot read %s: %s", fd ? file : "standard input",
                      strerror(errno));
    if (rc > 0)
      return cli_fail(SR_EXIT_USAGE, "%s: the code is longer than any invite code", sr_strerror(SR_EINVITECODE));
  } else {
    /* Pasted codes often carry a space or a newline around them. */
    const char *s = argv[2];
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n >= sizeof(code))
      return cli_fail(SR_EXIT_USAGE, "%s: the code is longer than any invite code", sr_strerror(SR_EINVITECODE));
    memcpy(code, s, n);
    code[n] = '\0';
    /* Out of /proc/PID/cmdline from here on (it was there until now: say so
     * in --help, and prefer - or --file). */
    sodium_memzero(argv[2], strlen(argv[2]));
  }
  if ((why = sr_invite_problem(code)) != NULL) {
    sodium_memzero(code, sizeof(code));
    return cli_fail(SR_EXIT_USAGE, "%s: %s", sr_strerror(SR_EINVITECODE), why);
  }
  /* sr_invite_problem checked both: a failure here is not reached */
  if ((rc = sr_invite_parse(code, address, sizeof(address), nk, NULL)) ||
      (rc = sr_net_address_parse(address, host, sizeof(host), &port, relay_key))) {
    sodium_memzero(code, sizeof(code));
    return cli_fail(SR_EXIT_USAGE, "%s", sr_strerror(rc));
  }
  sr_hex_encode(relay_key, SR_KEY_BYTES, hex);
  err[0] = '\0';
  sr_invite_joined_t joined;
  /* The key signs the handshake with the relay: a sealed one is opened here,
   * asking for its passphrase (cli_load_key). */
  uint8_t *sk = cli_load_key(cli, &rc);
  if (!sk) {
    sodium_memzero(code, sizeof(code));
    return rc;
  }
  rc = sr_node_invite_accept(cli->home, NULL, sk, code, &joined, err, sizeof(err));
  sodium_free(sk); /* wipes it */
  sodium_memzero(code, sizeof(code));
  /* A refusal, or a network the config does not allow: err is the whole sentence. */
  if (rc == SR_EINVITEUSED || rc == SR_EINVITE || rc == SR_ENETKEYCONFLICT || rc == SR_EINVITEEXPIRED ||
      rc == SR_EINVITEREVOKED || rc == SR_EMEMBERREMOVED)
    return cli_fail(SR_EXIT_PROBLEM, "%s", err);
  if (rc == SR_ENOKEY || rc == SR_ENOSTORE || rc == SR_EPERM || rc == SR_EKEYFILE || rc == SR_EINVAL ||
      rc == SR_EIDENTITY)
    return cli_fail(SR_EXIT_ENV, "%s", err[0] ? err : sr_strerror(rc));
  /* err names the relay and what went wrong (invite.c): not said twice. */
  if (rc) return cli_fail(SR_EXIT_PROBLEM, "%s", err[0] ? err : sr_strerror(rc));
  if (cli->json) {
    cli_json_print(json_pack("{s:b, s:s, s:s, s:b, s:b, s:b}", "ok", 1, "relay", address, "key", hex,
                             "network_key_written", joined.wrote_network_key, "restart_needed", joined.restart_needed,
                             "dialing", joined.dialing));
  } else {
    printf("joined the relay %s: it now replicates your log and serves it to others\n", address);
    if (joined.wrote_network_key)
      printf("this relay is on a closed network: its network key is now in %s/config (network_key)\n", cli->home);
  }
  if (joined.restart_needed)
    fprintf(stderr,
            "the node running in %s still uses the old network key and cannot reach the relay: restart "
            "it (stop it with Ctrl-C, then `seurone run` again)\n",
            cli->home);
  if (joined.refused[0])
    fprintf(stderr,
            "the node running in %s did not start dialing the relay (it said: %s); it dials it at its next "
            "start (stop it with Ctrl-C, then `seurone run` again)\n",
            cli->home, joined.refused);
  return SR_EXIT_OK;
}

/* ---- list, revoke ---- */

static void print_invites(json_t *arr) {
  json_t *o, *m;
  size_t i, j;
  char created[40], expires[40];
  if (!json_array_size(arr)) {
    printf("no invites: `seurone invite create` makes one\n");
    return;
  }
  printf("%-16s  %-7s  %-4s  %-16s  %-16s  %s\n", "ID", "STATE", "LEFT", "CREATED (UTC)", "EXPIRES (UTC)", "USED BY");
  json_array_foreach(arr, i, o) {
    json_t *exp = json_object_get(o, "expires_ms"), *who = json_object_get(o, "members");
    cli_time_utc((uint64_t)json_integer_value(json_object_get(o, "created_ms")), created, sizeof(created));
    if (json_is_integer(exp)) cli_time_utc((uint64_t)json_integer_value(exp), expires, sizeof(expires));
    else
      snprintf(expires, sizeof(expires), "never");
    printf("%-16s  %-7s  %-4lld  %-16s  %-16s  ", cli_jstr(o, "id", ""), cli_jstr(o, "state", "?"),
           (long long)json_integer_value(json_object_get(o, "uses_left")), created, expires);
    if (!json_array_size(who)) printf("-");
    json_array_foreach(who, j, m) {
      const char *name = cli_jstr(m, "name", NULL);
      if (j) printf(", ");
      if (name) cli_text_put(stdout, name, strlen(name));
      else
        printf("%.16s", cli_jstr(m, "key", ""));
      if (json_is_true(json_object_get(m, "removed"))) printf(" (removed)");
    }
    putchar('\n');
  }
}

static int invite_list(sr_cli_t *cli, int argc, char **argv) {
  json_t *doc = NULL, *arr = NULL;
  int rc;
  if (argc > 2) return cli_fail(SR_EXIT_USAGE, "invite list: unexpected '%s' (see seurone invite --help)", argv[2]);
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "invite_list"), &doc);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  if (rc == 0) {
    if (sr_control_reply_code(doc)) {
      rc = cli_node_refused(doc, "invite list");
      json_decref(doc);
      return rc;
    }
    arr = json_incref(json_object_get(doc, "invites"));
    json_decref(doc);
  } else {
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    rc = sr_invites_json(st, cli_now_ms(), &arr);
    if (rc)
      cli_fail(SR_EXIT_ENV, "cannot list the invites: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    if (rc) return SR_EXIT_ENV;
  }
  if (!arr) return cli_fail(SR_EXIT_ENV, "the node's reply holds no invites");
  if (cli->json) cli_json_print(arr);
  else {
    print_invites(arr);
    json_decref(arr);
  }
  return SR_EXIT_OK;
}

static int invite_revoke(sr_cli_t *cli, int argc, char **argv) {
  json_t *r = NULL;
  char err[600], hex[SR_INVITE_ID_HEX + 1];
  uint8_t id[SR_INVITE_ID_BYTES];
  int rc;
  if (argc != 3 || argv[2][0] == '-')
    return cli_fail(SR_EXIT_USAGE, "usage: seurone invite revoke ID (as `seurone invite list` shows it)");
  rc = cli_node_call(cli, json_pack("{s:s, s:s}", "cmd", "invite_revoke", "invite", argv[2]), &r);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  if (rc == 0) {
    int code = sr_control_reply_code(r);
    if (code) {
      rc = cli_fail(code == SR_EINVITEID || code == SR_EAMBIGUOUS ? SR_EXIT_USAGE : SR_EXIT_PROBLEM,
                    "invite revoke: %s", cli_jstr(r, "error", sr_strerror(code)));
      json_decref(r);
      return rc;
    }
    snprintf(hex, sizeof(hex), "%s", cli_jstr(r, "id", ""));
    json_decref(r);
  } else {
    sr_store_t *st = cli_open_store(cli, 0);
    if (!st) return SR_EXIT_ENV;
    if ((rc = sr_invite_find(st, argv[2], id, err, sizeof(err))) == 0 &&
        (rc = sr_store_invite_revoke(st, id, cli_now_ms())) != 0)
      snprintf(err, sizeof(err), "%s",
               rc == SR_EEXIST   ? "that invite was revoked already: nothing to do"
               : rc == SR_ESTORE ? sr_store_errmsg(st)
                                 : sr_strerror(rc));
    sr_store_close(st);
    if (rc)
      return cli_fail(rc == SR_EINVITEID || rc == SR_EAMBIGUOUS ? SR_EXIT_USAGE
                      : rc == SR_EEXIST                         ? SR_EXIT_PROBLEM
                                                                : SR_EXIT_ENV,
                      "invite revoke: %s", err);
    sr_hex_encode(id, sizeof(id), hex);
  }
  if (cli->json) cli_json_print(json_pack("{s:s, s:b}", "id", hex, "revoked", 1));
  else
    printf("revoked the invite %s: it admits nobody from now on (members it admitted stay members)\n", hex);
  return SR_EXIT_OK;
}

int cmd_invite(sr_cli_t *cli, int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "create")) return invite_create(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "accept")) return invite_accept(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "list")) return invite_list(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "revoke")) return invite_revoke(cli, argc, argv);
  return cli_fail(SR_EXIT_USAGE,
                  "usage: seurone invite create [--uses N] [--expires 7d] | seurone invite list | "
                  "seurone invite revoke ID | seurone invite accept -|--file FILE|CODE");
}
