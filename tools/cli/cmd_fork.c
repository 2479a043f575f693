/* cmd_fork.c: `seurone fork` — whether another copy of this identity
 * published (the self-fork stop, store/forks.h), which authors this node holds
 * forked, and `fork keep-this`, the person's choice of this copy (docs/cli.md,
 * "Another copy of your identity"). */
#include "tools/cli/cli.h"
#include "core/key.h"
#include "core/vec.h"
#include "node/control.h"
#include "store/read.h"
#include <string.h>

/* The forked authors of the store, each once (the forks database lists seqs). */
typedef struct {
  uint8_t (*k)[SR_KEY_BYTES];
  size_t n, cap;
} keys_t;

static int fork_key(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  keys_t *ks = ctx;
  (void)seq;
  (void)head_id;
  (void)fork_id;
  if (ks->n && memcmp(ks->k[ks->n - 1], author, SR_KEY_BYTES) == 0) return 0; /* in key order */
  if (sr_grow((void **)&ks->k, &ks->cap, ks->n + 1, SR_KEY_BYTES, 16)) return SR_ENOMEM;
  memcpy(ks->k[ks->n++], author, SR_KEY_BYTES);
  return 0;
}

int cli_forks_json(sr_cli_t *cli, sr_store_t *st, json_t *doc) {
  uint8_t pk[SR_KEY_BYTES];
  sr_self_fork_t sf;
  sr_restore_gate_t rg;
  sr_head_t h;
  keys_t ks = {0};
  int rc = cli_load_pk(cli, pk) ? SR_ENOKEY : 0;
  if (!rc) rc = sr_store_foreach_fork(st, fork_key, &ks);
  if (!rc) rc = sr_store_self_fork_get(st, &sf);
  if (!rc) rc = sr_store_restore_gate_get(st, &rg);
  if (!rc && (rc = sr_store_get_head(st, pk, &h)) == SR_ENOTFOUND) {
    h.seq = 0;
    rc = 0;
  }
  if (!rc && json_object_set_new(doc, "restore_pending", sr_json_restore_gate(&rg, h.seq))) rc = SR_ENOMEM;
  if (!rc) {
    json_t *fa = sr_json_forked_authors(st, (const uint8_t(*)[SR_KEY_BYTES])ks.k, ks.n, pk);
    if (!fa || json_object_set_new(doc, "forked_authors", fa) ||
        json_object_set_new(doc, "self_fork", sr_json_self_fork(&sf)))
      rc = SR_ENOMEM;
  }
  free(ks.k);
  return rc;
}

void cli_forks_print(json_t *doc) {
  json_t *sf = json_object_get(doc, "self_fork"), *fa = json_object_get(doc, "forked_authors"), *a;
  size_t i;
  json_t *rp = json_object_get(doc, "restore_pending");
  if (json_is_object(sf)) printf("publishing STOPPED: %s\n", cli_jstr(sf, "message", "?"));
  if (json_is_object(rp)) printf("publishing WAITS (restore pending): %s\n", cli_jstr(rp, "message", "?"));
  if (!json_array_size(fa)) return;
  printf("forked    %zu author%s no longer replicated:", json_array_size(fa), json_array_size(fa) == 1 ? "" : "s");
  json_array_foreach(fa, i, a) {
    const char *name = cli_jstr(a, "name", NULL), *id = cli_jstr(a, "id", "?");
    printf("%s ", i ? "," : "");
    if (json_is_true(json_object_get(a, "self"))) {
      printf("you (%.8s)", id);
    } else if (name) {
      cli_text_put(stdout, name, strlen(name));
      printf(" (%.8s)", id);
    } else {
      printf("%.16s", id);
    }
  }
  printf("\n");
}

static int fork_status(sr_cli_t *cli) {
  sr_store_t *st = cli_open_store(cli, 0);
  json_t *doc = json_object();
  int rc;
  if (!st) {
    json_decref(doc);
    return SR_EXIT_ENV;
  }
  rc = doc ? cli_forks_json(cli, st, doc) : SR_ENOMEM;
  if (rc) {
    json_decref(doc);
    rc = cli_fail(SR_EXIT_ENV, "reading the forks failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    return rc;
  }
  sr_store_close(st);
  if (cli->json) {
    cli_json_print(doc);
    return SR_EXIT_OK;
  }
  if (!json_is_object(json_object_get(doc, "self_fork")))
    printf("publishing allowed: no other copy of this identity has been seen publishing\n");
  cli_forks_print(doc);
  if (!json_array_size(json_object_get(doc, "forked_authors"))) printf("no forked author held\n");
  json_decref(doc);
  return SR_EXIT_OK;
}

static int keep_this(sr_cli_t *cli, int yes) {
  json_t *reply = NULL;
  int cleared = 0, forked = 0, rc;
  if (!yes) {
    fprintf(stderr,
            "seurone: fork keep-this makes this home the copy of your identity that publishes. First stop the other "
            "copy (or delete its home): two copies that publish split your log for good. Then run `seurone fork "
            "keep-this --yes`.\n");
    return SR_EXIT_USAGE;
  }
  rc = cli_node_call(cli, json_pack("{s:s}", "cmd", "fork_keep"), &reply);
  if (rc == 0) {
    if (sr_control_reply_code(reply)) {
      rc = cli_node_refused(reply, "fork keep-this");
      json_decref(reply);
      return rc;
    }
    cleared = json_is_true(json_object_get(reply, "cleared"));
    forked = json_is_true(json_object_get(reply, "log_forked"));
    json_decref(reply);
  } else if (rc == SR_ENONODE) {
    uint8_t pk[SR_KEY_BYTES];
    sr_head_t h;
    sr_store_t *st;
    if (cli_load_pk(cli, pk) || !(st = cli_open_own_store(cli, pk))) return SR_EXIT_ENV;
    rc = sr_store_self_fork_clear(st, &cleared);
    if (!rc) rc = sr_store_get_head(st, pk, &h);
    if (rc) {
      rc = cli_fail(SR_EXIT_ENV, "fork keep-this failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
      sr_store_close(st);
      return rc;
    }
    forked = h.forked;
    sr_store_close(st);
  } else {
    return SR_EXIT_ENV;
  }
  if (cli->json) {
    cli_json_print(json_pack("{s:b, s:b}", "cleared", cleared, "log_forked", forked));
  } else if (forked) {
    printf(
        "%s; but your log itself is forked (two entries with one seq are signed with your key), so nodes that "
        "hold both no longer take entries of this identity and publishing stays refused (docs/cli.md, \"Another "
        "copy of your identity\")\n",
        cleared ? "this copy is the one you keep" : "publishing was not stopped");
  } else {
    printf("%s\n", cleared ? "this copy is the one you keep: publishing works again"
                           : "publishing was not stopped: nothing to do");
  }
  return SR_EXIT_OK;
}

int cmd_fork(sr_cli_t *cli, int argc, char **argv) {
  const char *sub = argc > 1 ? argv[1] : "status";
  int yes = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--yes") == 0 && strcmp(sub, "keep-this") == 0) yes = 1;
    else
      return cli_fail(SR_EXIT_USAGE, "fork %s: unexpected '%s' (see seurone fork --help)", sub, argv[i]);
  }
  if (strcmp(sub, "status") == 0) return fork_status(cli);
  if (strcmp(sub, "keep-this") == 0) return keep_this(cli, yes);
  return cli_fail(SR_EXIT_USAGE, "fork: unknown '%s': fork status, or fork keep-this --yes", sub);
}
