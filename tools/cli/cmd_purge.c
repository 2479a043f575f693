/* cmd_purge.c: `seurone purge KEY` — an author's entries removed from this
 * node with everything derived from them, and the author's entries refused
 * from then on (store/usage.h; docs/cli.md, "Quotas and purge"). Through the
 * running node when one runs (its control socket; the node purges on a
 * worker), else on the store directly. */
#include "tools/cli/cli.h"
#include "core/hex.h"
#include "core/text.h"
#include "node/control.h"
#include "store/lookup.h"
#include "store/read.h"
#include "store/usage.h"
#include <string.h>

/* The author's name as this node knows it (raw, as written, for JSON) and
 * escaped for the terminal; both "" when none. */
static void name_of(sr_store_t *st, const uint8_t *key, char *raw, size_t rawcap, char *out, size_t cap) {
  size_t len = 0;
  raw[0] = out[0] = '\0';
  if (sr_store_get_name(st, key, raw, rawcap, &len) != 0 || len >= rawcap) raw[0] = '\0';
  else
    sr_text_escape(raw, len, 0, out, cap);
}

static void say_who(FILE *f, const char *name, const char *hex) {
  if (name[0]) fprintf(f, "%s (%.16s)", name, hex);
  else
    fprintf(f, "%.16s", hex);
}

/* `purge KEY --undo`: KEY taken off the purged list. */
static int unpurge(sr_cli_t *cli, const uint8_t *key, const uint8_t *pk, const char *hex, const char *raw,
                   const char *name) {
  json_t *reply = NULL;
  int was = 0, through_node = 0;
  int rc = cli_node_call(cli, json_pack("{s:s, s:s, s:b}", "cmd", "purge", "key", hex, "undo", 1), &reply);
  if (rc == 0) {
    if (sr_control_reply_code(reply)) {
      rc = cli_node_refused(reply, "purge --undo");
      json_decref(reply);
      return rc;
    }
    was = json_is_true(json_object_get(reply, "was_purged"));
    json_decref(reply);
    through_node = 1;
  } else if (rc == SR_ENONODE) {
    sr_store_t *st = cli_open_own_store(cli, pk);
    if (!st) return SR_EXIT_ENV;
    rc = sr_store_unpurge(st, key, &was);
    if (rc) {
      rc = cli_fail(SR_EXIT_ENV, "purge --undo failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
      sr_store_close(st);
      return rc;
    }
    sr_store_close(st);
  } else {
    return SR_EXIT_ENV;
  }
  if (cli->json) {
    cli_json_print(json_pack("{s:s, s:o, s:b, s:b}", "key", hex, "name", raw[0] ? json_string(raw) : json_null(),
                             "was_purged", was, "through_node", through_node));
    return SR_EXIT_OK;
  }
  say_who(stdout, name, hex);
  printf(was ? ": its entries are taken again from now on (what the purge removed comes back from peers at the next "
               "sync)\n"
             : ": was not purged; nothing to undo\n");
  return SR_EXIT_OK;
}

int cmd_purge(sr_cli_t *cli, int argc, char **argv) {
  const char *arg = NULL;
  uint8_t key[SR_KEY_BYTES], pk[SR_KEY_BYTES];
  static char raw[SR_ENTRY_MAX + 1];
  char hex[2 * SR_KEY_BYTES + 1], name[200];
  int yes = 0, undo = 0, rc, through_node = 0;
  sr_purge_result_t res;
  sr_usage_t u;
  json_t *reply = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--yes") == 0) yes = 1;
    else if (strcmp(argv[i], "--undo") == 0)
      undo = 1;
    else if (!arg && argv[i][0] != '-')
      arg = argv[i];
    else
      return cli_fail(SR_EXIT_USAGE, "purge: unexpected '%s' (see seurone purge --help)", argv[i]);
  }
  if (!arg) return cli_fail(SR_EXIT_USAGE, "purge: which author? `seurone purge KEY --yes` (see seurone purge --help)");
  if (cli_load_pk(cli, pk)) return SR_EXIT_ENV;
  /* What is held of the author, read beside a running node (LMDB readers). */
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  if ((rc = cli_resolve_in(st, SR_FIND_PERSON, "KEY", arg, key))) {
    sr_store_close(st);
    return rc;
  }
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  name_of(st, key, raw, sizeof(raw), name, sizeof(name));
  if (memcmp(key, pk, SR_KEY_BYTES) == 0) {
    sr_store_close(st);
    return cli_fail(SR_EXIT_USAGE, "purge: %.16s is this node's own key: a node does not purge itself", hex);
  }
  if (undo) {
    sr_store_close(st);
    return unpurge(cli, key, pk, hex, raw, name);
  }
  rc = sr_usage_get(st, key, cli_now_ms(), &u);
  sr_store_close(st);
  if (rc) return cli_fail(SR_EXIT_ENV, "purge: reading what is held of the author failed: %s", sr_strerror(rc));
  if (!yes) {
    fprintf(stderr, "seurone: purge removes the %llu entr%s (%llu bytes) of ", (unsigned long long)u.entries,
            u.entries == 1 ? "y" : "ies", (unsigned long long)u.bytes);
    say_who(stderr, name, hex);
    fprintf(stderr,
            " held here, with everything derived from them, and refuses their entries from then on (also from "
            "peers). Run `seurone purge %s --yes` to do it.\n",
            hex);
    return SR_EXIT_USAGE;
  }
  rc = cli_node_call(cli, json_pack("{s:s, s:s}", "cmd", "purge", "key", hex), &reply);
  if (rc == 0) {
    if (sr_control_reply_code(reply)) {
      rc = cli_node_refused(reply, "purge");
      json_decref(reply);
      return rc;
    }
    res.entries = (uint64_t)json_integer_value(json_object_get(reply, "entries"));
    res.bytes = (uint64_t)json_integer_value(json_object_get(reply, "bytes"));
    res.already = json_is_true(json_object_get(reply, "already"));
    json_decref(reply);
    through_node = 1;
  } else if (rc == SR_ENONODE) {
    if (!(st = cli_open_own_store(cli, pk))) return SR_EXIT_ENV;
    rc = sr_store_purge(st, key, cli_now_ms(), cli->json ? NULL : cli_progress,
                        "purge: rebuilding the derived databases", &res);
    if (rc) {
      rc = cli_fail(SR_EXIT_ENV, "purge failed, the store is unchanged: %s",
                    rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
      sr_store_close(st);
      return rc;
    }
    sr_store_close(st);
  } else {
    return SR_EXIT_ENV;
  }
  if (cli->json) {
    cli_json_print(json_pack("{s:s, s:o, s:I, s:I, s:b, s:b}", "key", hex, "name",
                             raw[0] ? json_string(raw) : json_null(), "entries", (json_int_t)res.entries, "bytes",
                             (json_int_t)res.bytes, "already", res.already, "through_node", through_node));
    return SR_EXIT_OK;
  }
  printf("purged ");
  say_who(stdout, name, hex);
  printf(": %llu entr%s (%llu bytes) removed%s; their entries are refused from now on%s\n",
         (unsigned long long)res.entries, res.entries == 1 ? "y" : "ies", (unsigned long long)res.bytes,
         through_node ? " by the running node" : "", res.already ? " (as they were already)" : "");
  return SR_EXIT_OK;
}
