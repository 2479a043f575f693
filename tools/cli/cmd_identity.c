/* cmd_identity.c: `seurone init`, `seurone id`, `seurone publish`. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "node/control.h"
#include "store/ingest.h"
#include "store/lookup.h"
#include "core/content_build.h"
#include "node/compose.h"
#include "node/device.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* init never makes a new identity over a store that names another one: after a
 * restore of the store alone, `init` (which status and the errors once
 * suggested) would silently have made the person someone else. */
int cmd_init(sr_cli_t *cli, int argc, char **argv) {
  uint8_t *sk = NULL, pk[SR_KEY_BYTES]; /* sk: sodium_malloc'd, only to make a new key */
  char hex[SR_HEX_KEY_LEN + 1], err[4600], path[4200];
  int created = 0, have_key, rc, code = SR_EXIT_OK;
  sr_store_t *st = NULL;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "init takes no arguments besides --home and --json: got '%s'", argv[1]);
  sr_home_secret_path(cli->home, path, sizeof(path));
  have_key = access(path, F_OK) == 0;
  /* An existing key is only named (a sealed one asks for no passphrase). */
  if (have_key ? cli_load_pk(cli, pk) != 0 : !(sk = sodium_malloc(SR_SECRET_BYTES)))
    return have_key ? SR_EXIT_ENV : cli_fail(SR_EXIT_ENV, "out of memory for the secret key");
  sr_home_store_path(cli->home, path, sizeof(path));
  rc = sr_home_store_open(cli->home, 0, &st, err, sizeof(err));
  if (rc && rc != SR_ENOSTORE) {
    code = cli_fail(SR_EXIT_ENV, "cannot open the store in %s: %s", path, err);
    goto cleanup;
  }
  if (st && sr_identity_check_store(cli->home, st, have_key ? pk : NULL, err, sizeof(err))) {
    code = cli_fail(SR_EXIT_ENV, "%s", err);
    goto cleanup;
  }
  if (!have_key) {
    errno = 0; /* the system's reason, when creating fails, says more than "input/output error" */
    if ((rc = sr_identity_create(cli->home, sk)) != 0) {
      code = cli_fail(SR_EXIT_ENV,
                      "cannot create the identity in %s: %s (check that its parent directory exists and "
                      "that you may write there)",
                      cli->home, rc == SR_EIO && errno ? strerror(errno) : sr_strerror(rc));
      goto cleanup;
    }
    created = 1;
    memcpy(pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  }
  if (!st && !(st = cli_open_store(cli, 1))) {
    code = SR_EXIT_ENV;
    goto cleanup;
  }
  if ((rc = sr_store_set_self(st, pk)) != 0) {
    code = cli_fail(SR_EXIT_ENV, "cannot record the identity in the store: %s", sr_strerror(rc));
    goto cleanup;
  }
  /* HOME/device: where this home was set up (node/device.h). init of a
   * copy records nothing new, and says it will not publish. */
  if ((rc = sr_device_check_store(cli->home, st, err, sizeof(err))) == SR_ECOPIED)
    fprintf(stderr, "seurone: warning: %s\n", err);
  else if (rc) {
    code = cli_fail(SR_EXIT_ENV, "%s", err);
    goto cleanup;
  }
  sr_hex_encode(pk, SR_KEY_BYTES, hex);
  if (cli->json) {
    cli_json_print(json_pack("{s:s, s:o, s:b}", "id", hex, "home", cli_json_text(cli->home), "created", created));
  } else {
    printf("%s\n", hex);
    fprintf(stderr,
            created ? "created a new identity and store in %s\n" : "%s was already initialised; nothing changed\n",
            cli->home);
  }
cleanup:
  if (st) sr_store_close(st);
  if (sk) sodium_free(sk); /* wipes it */
  return code;
}

int cmd_id(sr_cli_t *cli, int argc, char **argv) {
  uint8_t pk[SR_KEY_BYTES];
  char hex[SR_HEX_KEY_LEN + 1];
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "id takes no arguments: got '%s'", argv[1]);
  if (cli_load_pk(cli, pk)) return SR_EXIT_ENV;
  sr_hex_encode(pk, SR_KEY_BYTES, hex);
  if (cli->json) cli_json_print(json_pack("{s:s}", "id", hex));
  else
    printf("%s\n", hex);
  return 0;
}

/* ---- publish ---- */


/* See cli.h. A running node publishes for us, so that its connected peers get
 * the entry at once; an explicit ts (tests, imports of old data) is written
 * directly, and peers get it at their next sync. */
int cli_publish(sr_cli_t *cli, const char *type, const uint8_t *content, size_t len, uint64_t ts,
                char idhex[SR_HEX_ID_LEN + 1], uint64_t *seq) {
  uint8_t *sk, id[SR_ID_BYTES];
  char why[600] = ""; /* the self-fork stop says what happened and what to do */
  sr_store_t *st;
  int rc;
  if (!ts) {
    char b64[sodium_base64_ENCODED_LEN(SR_ENTRY_MAX, sodium_base64_VARIANT_ORIGINAL)];
    json_t *reply = NULL, *req;
    sodium_bin2base64(b64, sizeof(b64), content, len, sodium_base64_VARIANT_ORIGINAL);
    req = json_pack("{s:s, s:s, s:s}", "cmd", "publish", "type", type, "content", b64);
    rc = sr_control_call(cli->home, req, &reply, 10000);
    json_decref(req);
    if (rc == 0) {
      const char *rid = json_string_value(json_object_get(reply, "id"));
      json_t *rseq = json_object_get(reply, "seq");
      int code = sr_control_reply_code(reply);
      if (code != 0) {
        const char *e = json_string_value(json_object_get(reply, "error"));
        rc = cli_fail(code == SR_ESTORE || code == SR_ECOPIED ? SR_EXIT_ENV : SR_EXIT_PROBLEM, "publish %s: %s",
                      code == SR_ECOPIED ? "refused (SR_ECOPIED)" : "failed", e ? e : sr_strerror(code));
      } else if (!rid || !json_is_integer(rseq)) {
        rc = cli_fail(SR_EXIT_ENV, "the running node's reply had no id: check `seurone log` before publishing again");
      } else {
        snprintf(idhex, SR_HEX_ID_LEN + 1, "%s", rid);
        *seq = (uint64_t)json_integer_value(rseq);
      }
      json_decref(reply);
      return rc;
    }
    if (rc != SR_ENONODE) /* not knowing whether the node published, do not risk writing it twice */
      return cli_fail(SR_EXIT_ENV,
                      "the node running in %s did not answer on its control socket (%s): check "
                      "`seurone log` before publishing again, or stop the node",
                      cli->home, sr_strerror(rc));
    ts = cli_now_ms();
  }
  /* A copy of the home publishes nothing (node/device.h): asked before the
   * passphrase, which it would not need. */
  {
    char err[4600];
    sr_store_t *hs = NULL; /* with what the store remembers of its home (node/device.h) */
    if (sr_home_store_open(cli->home, 0, &hs, err, sizeof(err))) hs = NULL;
    rc = sr_device_check_store(cli->home, hs, err, sizeof(err));
    if (hs) sr_store_close(hs);
    if (rc) return cli_fail(SR_EXIT_ENV, "publish refused (%s): %s", sr_errname(rc), err);
  }
  if (!(sk = cli_load_key(cli, &rc))) return rc;
  if (!(st = cli_open_own_store(cli, sk + SR_SECRET_PK_OFFSET))) {
    sodium_free(sk);
    return SR_EXIT_ENV;
  }
  rc = sr_store_publish(st, sk, type, content, len, ts, cli_now_ms(), id, seq, why, sizeof(why));
  sodium_free(sk); /* wipes it */
  if (rc)
    rc = cli_fail(rc == SR_ESTORE ? SR_EXIT_ENV : SR_EXIT_PROBLEM, "publish failed: %s",
                  why[0]            ? why
                  : rc == SR_ESTORE ? sr_store_errmsg(st)
                                    : sr_strerror(rc));
  else
    sr_hex_encode(id, SR_ID_BYTES, idhex);
  sr_store_close(st);
  return rc;
}


/* Prints the message of a refused publish: the candidates of an ambiguous
 * key are indented lines, the other lines are the program's (cli_resolve_in). */
static int refused(int rc, const char *err) {
  for (const char *l = err; *l;) {
    const char *nl = strchr(l, '\n');
    size_t n = nl ? (size_t)(nl - l) : strlen(l);
    fprintf(stderr, "%s%.*s\n", strncmp(l, "  ", 2) == 0 ? "" : "seurone: ", (int)n, l);
    l += n + (nl != NULL);
  }
  return rc == SR_ESTORE || rc == SR_ENOMEM || rc == SR_EIO ? SR_EXIT_ENV : SR_EXIT_USAGE;
}

/* The flags are the fields of node/compose.h with "--" before them; the
 * rules and the sentences are compose.c's, shared with the web API. */
int cmd_publish(sr_cli_t *cli, int argc, char **argv) {
  const sr_cmd_t *me = cli_find("publish");
  sr_compose_t c;
  const char *ts_flag = NULL;
  size_t len = 0;
  uint64_t seq, ts;
  char hex[SR_HEX_ID_LEN + 1], flag[40], err[8192];
  uint8_t content[SR_ENTRY_MAX];
  json_t *warnings = NULL;
  sr_store_t *st = NULL;
  int rc, exit_code = SR_EXIT_OK;

  memset(&c, 0, sizeof(c));
  if (argc < 2) return cli_usage(me, SR_EXIT_USAGE);
  if (!sr_compose_type_known(argv[1]))
    return cli_fail(SR_EXIT_USAGE, "unknown type '%s': publish about, contact, project, membership or share", argv[1]);
  c.type = argv[1];

  for (int i = 2; i < argc; i++) {
    int matched = 0, r, f;
    const char *v, *name;
    if ((r = cli_opt(argc, argv, &i, "--ts", &ts_flag)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    for (size_t k = 0; !matched && (name = sr_compose_type_field(c.type, k, &f)); k++) {
      snprintf(flag, sizeof(flag), "--%s", name);
      if ((r = cli_opt(argc, argv, &i, flag, &v)) == 0) continue;
      if (r < 0) return SR_EXIT_USAGE;
      matched = 1;
      if (f == SR_COMPOSE_TAG) {
        if (c.ntags == SR_CONTENT_TAGS_MAX) return cli_fail(SR_EXIT_USAGE, "at most %d tags", SR_CONTENT_TAGS_MAX);
        c.tags[c.ntags++] = v;
      } else {
        if (c.val[f]) return cli_fail(SR_EXIT_USAGE, "%s given twice", flag);
        c.val[f] = v;
      }
    }
    if (!matched)
      return cli_fail(SR_EXIT_USAGE, "publish %s does not take '%s' (see seurone publish --help)", c.type, argv[i]);
  }
  if (sr_compose_check(&c, SR_COMPOSE_CLI, err, sizeof(err))) return cli_fail(SR_EXIT_USAGE, "%s", err);
  ts = cli_now_ms();
  if (ts_flag) {
    if (sr_parse_u64(ts_flag, 0, UINT64_MAX, &ts))
      return cli_fail(SR_EXIT_USAGE, "--ts must be milliseconds since the epoch, got '%s'", ts_flag);
  }

  if (!(warnings = json_array())) {
    exit_code = cli_fail(SR_EXIT_ENV, "out of memory");
    goto cleanup;
  }
  /* The store is read only for keys and ids to look up; a running node may
   * write it meanwhile, which LMDB allows. */
  if ((c.val[SR_COMPOSE_WHO] || c.val[SR_COMPOSE_PROJECT] || c.val[SR_COMPOSE_RESHARE]) &&
      !(st = cli_open_store(cli, 0))) {
    exit_code = SR_EXIT_ENV;
    goto cleanup;
  }
  rc = sr_compose_content(st, &c, SR_COMPOSE_CLI, content, sizeof(content), &len, warnings, err, sizeof(err));
  sr_store_close(st);
  {
    size_t i;
    json_t *w;
    json_array_foreach(warnings, i, w) fprintf(stderr, "seurone: warning: %s\n", json_string_value(w));
  }
  if (rc) {
    exit_code = refused(rc, err);
    goto cleanup;
  }
  if ((exit_code = cli_publish(cli, c.type, content, len, ts_flag ? ts : 0, hex, &seq))) goto cleanup;
  if (cli->json) cli_json_print(json_pack("{s:s, s:I, s:O}", "id", hex, "seq", (json_int_t)seq, "warnings", warnings));
  else
    printf("%s\n", hex);
cleanup:
  json_decref(warnings);
  return exit_code;
}
