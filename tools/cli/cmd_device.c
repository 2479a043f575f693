/* cmd_device.c: `seurone device add|join|list|revoke`, a person's device keys
 * (docs/cli.md, "Devices"; docs/protocol.md "Devices"). `device` alone,
 * `device status` and `device claim` are about copies of a home and stay in
 * cmd_key.c. add goes through the running node (it must answer the new
 * device); list and revoke use it when it runs, else the store. */
#include "tools/cli/cli.h"
#include "node/config.h"
#include "node/control.h"
#include "node/device.h"
#include "node/device_code.h"
#include "node/device_join.h"
#include "node/device_ops.h"
#include "node/home.h"
#include "node/identity.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- add ---- */

static int device_add(sr_cli_t *cli, int argc, char **argv) {
  const char *name = NULL;
  char err[600], until[40];
  json_t *r = NULL;
  int rc;
  for (int i = 2; i < argc; i++) {
    int o = cli_opt(argc, argv, &i, "--name", &name);
    if (o < 0) return SR_EXIT_USAGE;
    if (!o) return cli_fail(SR_EXIT_USAGE, "device add: unexpected '%s' (see seurone device --help)", argv[i]);
  }
  if (sr_device_label_check(name, err, sizeof(err))) return cli_fail(SR_EXIT_USAGE, "device add: %s", err);
  rc = cli_node_call(cli, json_pack("{s:s, s:s?}", "cmd", "device_add", "name", name), &r);
  if (rc == SR_ENONODE)
    return cli_fail(SR_EXIT_ENV,
                    "no node runs in %s: start it with `seurone run` first; the new device connects to it to pair, "
                    "so it must run while the code is used",
                    cli->home);
  if (rc) return SR_EXIT_ENV;
  if (sr_control_reply_code(r)) {
    rc = cli_node_refused(r, "device add");
    json_decref(r);
    return rc;
  }
  const char *code = cli_jstr(r, "code", "");
  time_t exp = (time_t)(json_integer_value(json_object_get(r, "expires_ms")) / 1000);
  struct tm tm;
  gmtime_r(&exp, &tm);
  strftime(until, sizeof(until), "%H:%M UTC", &tm);
  if (cli->json) {
    json_object_del(r, "ok");
    cli_json_print(json_incref(r));
  } else {
    printf("%s\n", code);
    fprintf(stderr,
            "This code pairs one new device with your identity. It lasts one hour (until %s) and works once;\n"
            "keep it to yourself: whoever uses it first writes as one of your devices.\n"
            "On the new device, in a fresh home, run:\n"
            "  seurone device join -\n"
            "and paste the code (then Enter and Ctrl-D). Keep this node running until it has joined.\n",
            until);
  }
  /* the reply held the code: wiped before it is freed */
  json_t *jc = json_object_get(r, "code");
  if (json_is_string(jc)) sodium_memzero((char *)json_string_value(jc), json_string_length(jc));
  json_decref(r);
  return 0;
}

/* ---- join ---- */

#define CODE_ROOM (SR_DEVICE_CODE_MAX + 64)

/* Makes the identity and store of a home that has none, as `init` does. */
static int fresh_home(sr_cli_t *cli, int *created) {
  char path[4200], err[4600];
  uint8_t *sk;
  sr_store_t *st;
  int rc;
  *created = 0;
  sr_home_secret_path(cli->home, path, sizeof(path));
  if (access(path, F_OK) == 0) return 0;
  if (!(sk = sodium_malloc(SR_SECRET_BYTES))) return cli_fail(SR_EXIT_ENV, "out of memory for the secret key");
  errno = 0;
  if ((rc = sr_identity_create(cli->home, sk))) {
    sodium_free(sk);
    return cli_fail(SR_EXIT_ENV,
                    "cannot create the identity in %s: %s (check that its parent directory exists and that you may "
                    "write there)",
                    cli->home, rc == SR_EIO && errno ? strerror(errno) : sr_strerror(rc));
  }
  if (!(st = cli_open_store(cli, 1))) {
    sodium_free(sk);
    return SR_EXIT_ENV;
  }
  rc = sr_store_set_self(st, sk + SR_SECRET_PK_OFFSET);
  sr_store_close(st);
  sodium_free(sk);
  if (rc) return cli_fail(SR_EXIT_ENV, "cannot record the identity in the store: %s", sr_strerror(rc));
  if ((rc = sr_device_check(cli->home, NULL, err, sizeof(err))) && rc != SR_ECOPIED)
    return cli_fail(SR_EXIT_ENV, "%s", err);
  *created = 1;
  return 0;
}

static void progress(void *ctx, const char *what) {
  sr_cli_t *cli = ctx;
  if (!cli->json) fprintf(stderr, "%s...\n", what);
}

static int device_join(sr_cli_t *cli, int argc, char **argv) {
  char code[CODE_ROOM], err[4600], hex[SR_HEX_KEY_LEN + 1], phex[SR_HEX_KEY_LEN + 1];
  const char *file = NULL, *arg = NULL, *why, *name = NULL;
  sr_device_joined_t j;
  sr_store_t *st;
  uint8_t *sk;
  int rc, created;
  for (int i = 2; i < argc; i++) {
    int o = cli_opt(argc, argv, &i, "--file", &file);
    if (o < 0) return SR_EXIT_USAGE;
    if (o) continue;
    if ((o = cli_opt(argc, argv, &i, "--name", &name)) < 0) return SR_EXIT_USAGE;
    if (o) continue;
    if (!arg && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) arg = argv[i];
    else
      return cli_fail(SR_EXIT_USAGE, "device join: unexpected '%s' (see seurone device --help)", argv[i]);
  }
  if (arg && !strcmp(arg, "-")) file = "-", arg = NULL;
  if (sr_device_label_check(name, err, sizeof(err))) return cli_fail(SR_EXIT_USAGE, "device join: %s", err);
  if (!!file == !!arg)
    return cli_fail(SR_EXIT_USAGE,
                    "usage: seurone device join - (the code on standard input), seurone device join "
                    "--file FILE, or seurone device join CODE");
  if (file) {
    /* out of the command line, which every user of the machine can read */
    int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) return cli_fail(SR_EXIT_USAGE, "device join: cannot read %s: %s", file, strerror(errno));
    if (fd == 0 && isatty(0)) fprintf(stderr, "paste the device code, then press Enter and Ctrl-D:\n");
    rc = cli_read_code(fd, code, sizeof(code));
    if (fd) close(fd);
    if (rc < 0) return cli_fail(SR_EXIT_USAGE, "device join: cannot read the code: %s", strerror(errno));
    if (rc > 0) return cli_fail(SR_EXIT_USAGE, "%s: longer than any device code", sr_strerror(SR_EDEVCODEFORMAT));
  } else {
    const char *s = arg;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n >= sizeof(code))
      return cli_fail(SR_EXIT_USAGE, "%s: longer than any device code", sr_strerror(SR_EDEVCODEFORMAT));
    memcpy(code, s, n);
    code[n] = '\0';
    sodium_memzero((char *)arg, strlen(arg));
  }
  /* a wrong code is told before anything is made or dialled */
  if (sr_device_code_parse(code, NULL, 0, NULL, NULL, &why)) {
    sodium_memzero(code, sizeof(code));
    return cli_fail(SR_EXIT_USAGE, "%s: %s", sr_strerror(SR_EDEVCODEFORMAT), why);
  }
  if (sr_control_run_info(cli->home, NULL, NULL, 0) != SR_ENONODE) {
    sodium_memzero(code, sizeof(code));
    return cli_fail(SR_EXIT_ENV,
                    "a node runs in %s: stop it first (Ctrl-C, or `kill -TERM` the pid in %s/run.json), join, then "
                    "start it again",
                    cli->home, cli->home);
  }
  if ((rc = fresh_home(cli, &created))) {
    sodium_memzero(code, sizeof(code));
    return rc;
  }
  if (created && !cli->json) fprintf(stderr, "made a new identity for this device in %s\n", cli->home);
  if (!(sk = cli_load_key(cli, &rc))) {
    sodium_memzero(code, sizeof(code));
    return rc;
  }
  if (!(st = cli_open_own_store(cli, sk + SR_SECRET_PK_OFFSET))) {
    sodium_free(sk);
    sodium_memzero(code, sizeof(code));
    return SR_EXIT_ENV;
  }
  rc = sr_node_device_join(cli->home, st, sk, code, name, progress, cli, &j, err, sizeof(err));
  sodium_memzero(code, sizeof(code));
  sr_hex_encode(sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES, hex);
  sodium_free(sk);
  sr_store_close(st);
  if (rc == SR_EDEVCODEFORMAT || rc == SR_EINVAL) return cli_fail(SR_EXIT_USAGE, "%s", err);
  if (rc == SR_EEXIST || rc == SR_ESTORE || rc == SR_ENETKEYCONFLICT || rc == SR_ENOMEM)
    return cli_fail(SR_EXIT_ENV, "%s", err);
  if (rc) return cli_fail(SR_EXIT_PROBLEM, "%s", err);
  sr_hex_encode(j.person, SR_KEY_BYTES, phex);
  if (cli->json) {
    cli_json_print(json_pack("{s:b, s:s, s:s, s:s, s:b, s:b}", "ok", 1, "device", hex, "person", phex, "address",
                             j.address, "synced", j.synced, "network_key_written", j.wrote_network_key));
  } else {
    printf("%s\n", hex);
    fprintf(stderr, "joined: this home's key is now a device of %s\n", phex);
    if (j.wrote_network_key)
      fprintf(stderr, "your first device is on a closed network: its key is now in %s/config (network_key)\n",
              cli->home);
    if (!j.synced) fprintf(stderr, "your person's log did not arrive in time; the node fetches it once it runs\n");
    fprintf(stderr, "start the node with `seurone run`: it replicates with your first device (%s)\n", j.address);
  }
  return 0;
}

/* ---- list ---- */

static void print_list(json_t *doc) {
  json_t *devs = json_object_get(doc, "devices"), *d;
  size_t i;
  char when[40];
  if (json_is_true(json_object_get(doc, "self_device")))
    printf("this node is a device of %s\n", cli_jstr(doc, "person", "?"));
  if (!json_array_size(devs)) {
    printf("no devices: `seurone device add` on your first device makes a code for one\n");
    return;
  }
  printf("%-16s  %-20s  %-8s  %-16s  %s\n", "KEY", "NAME", "STATE", "ADDED (UTC)", "LAST ENTRY");
  json_array_foreach(devs, i, d) {
    const char *name = cli_jstr(d, "name", "-");
    time_t t = (time_t)(json_integer_value(json_object_get(d, "added_ms")) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    printf("%.16s  ", cli_jstr(d, "key", ""));
    cli_text_cell(stdout, name, strlen(name), 20);
    printf("  %-8s  %-16s  seq %lld%s", cli_jstr(d, "state", "?"),
           json_integer_value(json_object_get(d, "added_ms")) ? when : "-",
           (long long)json_integer_value(json_object_get(d, "last_seq")),
           json_is_true(json_object_get(d, "this")) ? " (this node)" : "");
    if (json_is_integer(json_object_get(d, "upto")))
      printf(", its entries after seq %lld are not yours", (long long)json_integer_value(json_object_get(d, "upto")));
    else if (!json_is_true(json_object_get(d, "bound")))
      printf(", its first entry has not arrived yet");
    putchar('\n');
  }
}

static int device_list(sr_cli_t *cli, int argc, char **argv) {
  json_t *doc = NULL;
  uint8_t pk[SR_KEY_BYTES];
  int rc;
  if (argc > 2) return cli_fail(SR_EXIT_USAGE, "device list: unexpected '%s'", argv[2]);
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "device_list"), &doc);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  if (rc == 0 && sr_control_reply_code(doc)) {
    rc = cli_node_refused(doc, "device list");
    json_decref(doc);
    return rc;
  }
  if (rc == SR_ENONODE) {
    sr_store_t *st;
    if (cli_load_pk(cli, pk) || !(st = cli_open_store(cli, 0))) return SR_EXIT_ENV;
    rc = sr_device_list_json(st, pk, &doc);
    if (rc)
      cli_fail(SR_EXIT_ENV, "cannot list the devices: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    if (rc) return SR_EXIT_ENV;
  } else
    json_object_del(doc, "ok");
  if (cli->json) cli_json_print(doc);
  else {
    print_list(doc);
    json_decref(doc);
  }
  return 0;
}

/* ---- revoke ---- */

static int device_revoke(sr_cli_t *cli, int argc, char **argv) {
  const char *which = NULL;
  char err[600], idhex[SR_HEX_ID_LEN + 1], hex[SR_HEX_KEY_LEN + 1];
  int yes = 0, rc;
  json_t *r = NULL;
  sr_device_revoke_t v;
  uint64_t seq = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--yes")) yes = 1;
    else if (!which && argv[i][0] != '-')
      which = argv[i];
    else
      return cli_fail(SR_EXIT_USAGE, "device revoke: unexpected '%s' (see seurone device --help)", argv[i]);
  }
  if (!which) return cli_fail(SR_EXIT_USAGE, "usage: seurone device revoke KEY|NAME --yes");
  if (!yes)
    return cli_fail(SR_EXIT_USAGE,
                    "device revoke is final: the device's later entries are refused everywhere and it cannot be "
                    "added again; run it again with --yes to revoke '%s'",
                    which);
  rc = cli_node_call(cli, json_pack("{s:s, s:s}", "cmd", "device_revoke", "device", which), &r);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  if (rc == 0) {
    int code = sr_control_reply_code(r);
    if (code) {
      const char *e = cli_jstr(r, "error", sr_strerror(code));
      rc = cli_fail(code == SR_ENOTFOUND || code == SR_EAMBIGUOUS ? SR_EXIT_USAGE : SR_EXIT_PROBLEM,
                    "device revoke: %s", e);
      json_decref(r);
      return rc;
    }
    json_object_del(r, "ok");
  } else {
    uint8_t pk[SR_KEY_BYTES];
    sr_store_t *st;
    if (cli_load_pk(cli, pk) || !(st = cli_open_store(cli, 0))) return SR_EXIT_ENV;
    rc = sr_device_revoke_prepare(st, pk, which, &v, err, sizeof(err));
    sr_store_close(st);
    if (rc)
      return cli_fail(rc == SR_ENOTFOUND || rc == SR_EAMBIGUOUS ? SR_EXIT_USAGE : SR_EXIT_PROBLEM, "device revoke: %s",
                      err);
    if ((rc = cli_publish(cli, "device", v.content, v.content_len, 0, idhex, &seq))) return rc;
    sr_hex_encode(v.device, SR_KEY_BYTES, hex);
    r = json_pack("{s:s, s:o, s:I, s:s, s:I}", "device", hex, "name", v.name[0] ? json_string(v.name) : json_null(),
                  "upto", (json_int_t)v.upto, "id", idhex, "seq", (json_int_t)seq);
  }
  if (cli->json) cli_json_print(r);
  else {
    const char *name = cli_jstr(r, "name", NULL);
    printf("%s\n", cli_jstr(r, "id", ""));
    fprintf(stderr, "revoked the device %.16s", cli_jstr(r, "device", ""));
    if (name) {
      fputs(" (", stderr);
      cli_text_put(stderr, name, strlen(name));
      fputc(')', stderr);
    }
    fprintf(stderr, ": its entries up to seq %lld stay yours, later ones are refused\n",
            (long long)json_integer_value(json_object_get(r, "upto")));
    json_decref(r);
  }
  return 0;
}

int cmd_device(sr_cli_t *cli, int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "add")) return device_add(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "join")) return device_join(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "list")) return device_list(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "revoke")) return device_revoke(cli, argc, argv);
  return cli_device_home(cli, argc, argv);
}
