/* cmd_members.c: `seurone members [list]` and `seurone members remove KEY|NAME`
 * on a relay: through the running node when one runs, else on the store
 * (node/members.h builds the same JSON for both). */
#include "tools/cli/cli.h"
#include "node/config.h"
#include "node/control.h"
#include "node/members.h"
#include "store/peers.h"
#include "store/read.h"
#include <stdlib.h>
#include <string.h>

/* bytes for people: 512 B, 12.3 KiB, 4.0 MiB */
static void human_bytes(uint64_t b, char *out, size_t cap) {
  static const char *unit[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = (double)b;
  int u = -1;
  if (b < 1024) {
    snprintf(out, cap, "%llu B", (unsigned long long)b);
    return;
  }
  while (v >= 1024 && u < 3) v /= 1024, u++;
  snprintf(out, cap, "%.1f %s", v, unit[u]);
}

#define NAME_COLS 24

static void print_members(json_t *arr) {
  json_t *m;
  size_t i;
  char disk[32] /* size: "1023.9 TiB" */, seen[40], joined[40];
  if (!json_array_size(arr)) {
    printf("no members yet: `seurone invite create` makes a code a newcomer joins with\n");
    return;
  }
  printf("%-16s  ", "KEY");
  cli_text_cell(stdout, "NAME", 4, NAME_COLS);
  printf("  %10s  %7s  %-16s  %-16s  %s\n", "DISK", "ENTRIES", "LAST SEEN (UTC)", "JOINED (UTC)", "INVITE");
  json_array_foreach(arr, i, m) {
    const char *name = cli_jstr(m, "name", NULL);
    json_t *ls = json_object_get(m, "last_seen_ms");
    human_bytes((uint64_t)json_integer_value(json_object_get(m, "disk_bytes")), disk, sizeof(disk));
    if (json_is_true(json_object_get(m, "connected"))) snprintf(seen, sizeof(seen), "connected now");
    else
      cli_time_utc(json_is_integer(ls) ? (uint64_t)json_integer_value(ls) : 0, seen, sizeof(seen));
    cli_time_utc((uint64_t)json_integer_value(json_object_get(m, "joined_ms")), joined, sizeof(joined));
    printf("%.16s  ", cli_jstr(m, "key", ""));
    /* someone else's text: escaped, and cut or padded to its columns in any script */
    if (name) cli_text_cell(stdout, name, strlen(name), NAME_COLS);
    else
      cli_text_cell(stdout, "-", 1, NAME_COLS);
    printf("  %10s  %7lld  %-16s  %-16s  %s\n", disk, (long long)json_integer_value(json_object_get(m, "entries")),
           seen, joined, cli_jstr(m, "invite", "unknown"));
  }
}

static int members_list(sr_cli_t *cli, int argc, char **argv) {
  json_t *doc = NULL, *arr = NULL;
  sr_config_t cfg;
  char err[4600];
  int rc;
  if (argc > 2) return cli_fail(SR_EXIT_USAGE, "members: unexpected '%s' (see seurone members --help)", argv[2]);
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "members"), &doc);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  if (rc == 0) {
    if (sr_control_reply_code(doc)) {
      rc = cli_node_refused(doc, "members");
      json_decref(doc);
      return rc;
    }
    arr = json_incref(json_object_get(doc, "members"));
    json_decref(doc);
  } else {
    sr_store_t *st;
    if (sr_config_load(cli->home, &cfg, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
    if (!cfg.relay && !cli->json)
      fprintf(stderr, "note: %s is not configured as a relay: these are the members it would replicate as one\n",
              cli->home);
    if (!(st = cli_open_store(cli, 0))) return SR_EXIT_ENV;
    rc = sr_members_json(st, &arr);
    if (rc)
      cli_fail(SR_EXIT_ENV, "cannot list the members: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    if (rc) return SR_EXIT_ENV;
  }
  if (!arr) return cli_fail(SR_EXIT_ENV, "the node's reply holds no members");
  if (cli->json) cli_json_print(arr);
  else {
    print_members(arr);
    json_decref(arr);
  }
  return SR_EXIT_OK;
}

static int usage_code(int code) {
  return code == SR_ENOTMEMBER || code == SR_EAMBIGUOUS ? SR_EXIT_USAGE : SR_EXIT_PROBLEM;
}

static int members_remove(sr_cli_t *cli, int argc, char **argv) {
  json_t *r = NULL, *out = NULL;
  char err[800], hex[SR_HEX_KEY_LEN + 1];
  uint8_t key[SR_KEY_BYTES];
  int rc;
  if (argc != 3 || argv[2][0] == '-')
    return cli_fail(SR_EXIT_USAGE, "usage: seurone members remove KEY|NAME (as `seurone members` shows it)");
  rc = cli_node_call(cli, json_pack("{s:s, s:s}", "cmd", "member_remove", "member", argv[2]), &r);
  if (rc && rc != SR_ENONODE) return SR_EXIT_ENV;
  if (rc == 0) {
    int code = sr_control_reply_code(r);
    if (code) {
      const char *e = cli_jstr(r, "error", sr_strerror(code));
      fputs("seurone: members remove: ", stderr);
      cli_text_put(stderr, e, strlen(e)); /* it may quote a name */
      fputc('\n', stderr);
      json_decref(r);
      return usage_code(code);
    }
    json_object_del(r, "ok");
    out = r;
  } else {
    sr_store_t *st = cli_open_store(cli, 0);
    char name[SR_ENTRY_MAX + 1];
    size_t len = 0;
    if (!st) return SR_EXIT_ENV;
    if ((rc = sr_member_find(st, argv[2], key, err, sizeof(err))) == 0 &&
        (rc = sr_store_member_remove(st, key, cli_now_ms())) != 0)
      snprintf(err, sizeof(err), "%s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    int named = rc == 0 && sr_store_get_name(st, key, name, sizeof(name), &len) == 0 && len < sizeof(name);
    sr_store_close(st);
    if (rc) {
      fputs("seurone: members remove: ", stderr);
      cli_text_put(stderr, err, strlen(err));
      fputc('\n', stderr);
      return rc == SR_ESTORE ? SR_EXIT_ENV : usage_code(rc);
    }
    sr_hex_encode(key, SR_KEY_BYTES, hex);
    out = json_pack("{s:s, s:o}", "key", hex, "name", named ? json_stringn(name, len) : json_null());
  }
  if (cli->json) {
    cli_json_print(out);
    return SR_EXIT_OK;
  }
  const char *name = cli_jstr(out, "name", NULL);
  printf("removed %.16s", cli_jstr(out, "key", ""));
  if (name) {
    fputs(" (", stdout);
    cli_text_put(stdout, name, strlen(name));
    fputc(')', stdout);
  }
  printf(
      " from this relay's members: the relay no longer takes, forwards or serves its entries, and no invite "
      "admits it again; the entries it holds stay until `seurone purge`\n");
  json_decref(out);
  return SR_EXIT_OK;
}

int cmd_members(sr_cli_t *cli, int argc, char **argv) {
  if (argc == 1 || (argc >= 2 && !strcmp(argv[1], "list"))) return members_list(cli, argc > 1 ? argc : 2, argv);
  if (!strcmp(argv[1], "remove")) return members_remove(cli, argc, argv);
  return cli_fail(SR_EXIT_USAGE, "usage: seurone members [list] [--json] | seurone members remove KEY|NAME [--json]");
}
