/* cmd_identity.c: `seurone init`, `seurone id`, `seurone publish`. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "node/control.h"
#include "store/ingest.h"
#include "store/lookup.h"
#include "core/content_build.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* init never makes a new identity over a store that names another one: after a
 * restore of the store alone, `init` (which status and the errors once
 * suggested) would silently have made the person someone else. */
int cmd_init(sr_cli_t *cli, int argc, char **argv) {
  uint8_t *sk = NULL; /* sodium_malloc'd (cli_load_key) */
  char hex[SR_HEX_KEY_LEN + 1], err[4600], path[4200];
  int created = 0, have_key, rc, code = SR_EXIT_OK;
  sr_store_t *st = NULL;
  if (argc > 1) return cli_fail(SR_EXIT_USAGE, "init takes no arguments besides --home and --json: got '%s'", argv[1]);
  sr_home_secret_path(cli->home, path, sizeof(path));
  have_key = access(path, F_OK) == 0;
  if (have_key ? !(sk = cli_load_key(cli)) : !(sk = sodium_malloc(SR_SECRET_BYTES)))
    return have_key ? SR_EXIT_ENV : cli_fail(SR_EXIT_ENV, "out of memory for the secret key");
  sr_home_store_path(cli->home, path, sizeof(path));
  rc = sr_home_store_open(cli->home, 0, &st, err, sizeof(err));
  if (rc && rc != SR_ENOSTORE) {
    code = cli_fail(SR_EXIT_ENV, "cannot open the store in %s: %s", path, err);
    goto cleanup;
  }
  if (st && sr_identity_check_store(cli->home, st, have_key ? sk + SR_SECRET_PK_OFFSET : NULL, err, sizeof(err))) {
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
  }
  if (!st && !(st = cli_open_store(cli, 1))) {
    code = SR_EXIT_ENV;
    goto cleanup;
  }
  if ((rc = sr_store_set_self(st, sk + SR_SECRET_PK_OFFSET)) != 0) {
    code = cli_fail(SR_EXIT_ENV, "cannot record the identity in the store: %s", sr_strerror(rc));
    goto cleanup;
  }
  sr_hex_encode(sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES, hex);
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
  sodium_free(sk); /* wipes it */
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

/* The keys a publish names (--who, --project, --reshare), resolved. */
enum { KEY_WHO, KEY_PROJECT, KEY_RESHARE, KEYS };
typedef struct {
  uint8_t bin[KEYS][SR_KEY_LEN]; /* --who a key, --project and --reshare ids */
  int have[KEYS];
} keys_t;

typedef struct {
  const char *type;
  const char *flags[6]; /* value flags this type accepts, "--tag" repeatable */
  const char *required[3];
  const char *one_of[3];
} type_spec_t;

static const type_spec_t specs[] = {
    {"about", {"--name", "--bio"}, {"--name"}, {NULL}},
    {"contact", {"--who", "--state"}, {"--who", "--state"}, {NULL}},
    {"project", {"--name", "--description", "--tag", "--url"}, {"--name"}, {NULL}},
    {"membership", {"--project", "--role"}, {"--project", "--role"}, {NULL}},
    {"share", {"--text", "--link", "--project", "--reshare"}, {NULL}, {"--text", "--link", "--reshare"}},
};

/* Checks a resolved --who, --project or --reshare value against what the store
 * knows (docs/cli.md, "Keys and ids as typed"). The impossible (yourself as a
 * contact, a project or entry id as a person, a person's key or another entry
 * as a project, a person's key as an entry) is refused with exit 2; the unknown
 * (what may still arrive) gets a warning, printed and added to warnings. */
static int check_key(sr_store_t *st, const char *flag, const uint8_t *bin, json_t *warnings) {
  sr_known_t k;
  char hex[2 * SR_KEY_LEN + 1], msg[400] = "";
  int rc = sr_store_what_is(st, bin, &k);
  if (rc)
    return cli_fail(SR_EXIT_ENV, "reading the store failed: %s",
                    rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  sr_hex_encode(bin, SR_KEY_LEN, hex);
  hex[16] = '\0'; /* as `seurone log` shows ids */
  if (strcmp(flag, "--who") == 0) {
    if (k.self)
      return cli_fail(SR_EXIT_USAGE,
                      "--who is your own key: a contact entry is about someone else (you cannot follow, "
                      "unfollow or block yourself); nothing was published");
    if (k.project || k.entry)
      return cli_fail(SR_EXIT_USAGE,
                      "--who %s... is %s, not a person's key (a person's key is what `seurone id` prints "
                      "on their node); nothing was published",
                      hex, k.project ? "a project id" : "the id of an entry");
    if (!k.authored)
      snprintf(msg, sizeof(msg),
               "--who %s...: this node holds no entry by that key; if it is a typo, publish the "
               "contact again with the right key (their log may also simply not have arrived yet)",
               hex);
  } else if (strcmp(flag, "--project") == 0) {
    if (k.person)
      return cli_fail(SR_EXIT_USAGE,
                      "--project %s... is a person's key, not a project id (the id of their project "
                      "entry: `seurone graph` lists projects); nothing was published",
                      hex);
    if (k.entry && strcmp(k.entry_type, "project") != 0)
      return cli_fail(SR_EXIT_USAGE,
                      "--project %s... is the id of a%s %s entry, not of a project entry; nothing was "
                      "published",
                      hex, strchr("aeiou", k.entry_type[0]) && k.entry_type[0] ? "n" : "",
                      k.entry_type[0] ? k.entry_type : "stored");
    if (!k.project_held)
      snprintf(msg, sizeof(msg),
               "--project %s...: this node holds no project entry with that id; if it is a typo, "
               "publish again with the right id (the project entry may also simply not have arrived yet)",
               hex);
  } else {
    if (k.person)
      return cli_fail(SR_EXIT_USAGE,
                      "--reshare %s... is a person's key, not an entry id (`seurone log AUTHOR` shows "
                      "their entries' ids); nothing was published",
                      hex);
    if (!k.entry)
      snprintf(msg, sizeof(msg),
               "--reshare %s...: this node does not hold that entry; if it is a typo, publish "
               "again with the right id (the entry may also simply not have arrived yet)",
               hex);
  }
  if (msg[0]) {
    fprintf(stderr, "seurone: warning: %s\n", msg);
    json_array_append_new(warnings, json_string(msg));
  }
  return 0;
}

/* Resolves every --who, --project and --reshare value of vals (spec order) into
 * c and checks it (check_key), in one store opened for reading: a running node
 * may write the store meanwhile, which LMDB allows. Returns 0 or the exit code. */
static int put_keys(sr_cli_t *cli, const type_spec_t *spec, const char *const *vals, keys_t *keys, json_t *warnings) {
  sr_store_t *st = NULL;
  int rc = 0;
  for (int f = 0; f < 6 && spec->flags[f] && !rc; f++) {
    const char *flag = spec->flags[f];
    int kind = strcmp(flag, "--who") == 0       ? SR_FIND_PERSON
               : strcmp(flag, "--project") == 0 ? SR_FIND_PROJECT
               : strcmp(flag, "--reshare") == 0 ? SR_FIND_ENTRY
                                                : 0;
    int k = kind == SR_FIND_PERSON ? KEY_WHO : kind == SR_FIND_PROJECT ? KEY_PROJECT : KEY_RESHARE;
    if (!kind || !vals[f]) continue;
    if (!st && !(st = cli_open_store(cli, 0))) return SR_EXIT_ENV;
    if ((rc = cli_resolve_in(st, kind, flag, vals[f], keys->bin[k])) == 0 &&
        (rc = check_key(st, flag, keys->bin[k], warnings)) == 0)
      keys->have[k] = 1;
  }
  sr_store_close(st);
  return rc;
}

/* See cli.h. A running node publishes for us, so that its connected peers get
 * the entry at once; an explicit ts (tests, imports of old data) is written
 * directly, and peers get it at their next sync. */
int cli_publish(sr_cli_t *cli, const char *type, const uint8_t *content, size_t len, uint64_t ts,
                char idhex[SR_HEX_ID_LEN + 1], uint64_t *seq) {
  uint8_t *sk, id[SR_ID_BYTES];
  char why[200] = "";
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
        rc = cli_fail(code == SR_ESTORE ? SR_EXIT_ENV : SR_EXIT_PROBLEM, "publish failed: %s",
                      e ? e : sr_strerror(code));
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
  if (!(sk = cli_load_key(cli))) return SR_EXIT_ENV;
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

/* The value given for flag (NULL: not given or not a flag of this type). */
static const char *val(const type_spec_t *spec, const char *const *vals, const char *flag) {
  for (int f = 0; f < 6 && spec->flags[f]; f++)
    if (strcmp(spec->flags[f], flag) == 0) return vals[f];
  return NULL;
}

/* The content map of spec's type from the checked flags (core/content_build.h). */
static int build(const type_spec_t *spec, const char *const *vals, const char *const *tags, size_t ntags,
                 const keys_t *keys, uint8_t *out, size_t cap, size_t *len) {
  const char *t = spec->type, *v;
  const uint8_t *project = keys->have[KEY_PROJECT] ? keys->bin[KEY_PROJECT] : NULL;
  if (strcmp(t, "about") == 0)
    return sr_content_about(val(spec, vals, "--name"), val(spec, vals, "--bio"), out, cap, len);
  if (strcmp(t, "contact") == 0) {
    v = val(spec, vals, "--state");
    return sr_content_contact(keys->bin[KEY_WHO], sr_contact_state_parse(v, strlen(v)), out, cap, len);
  }
  if (strcmp(t, "project") == 0)
    return sr_content_project(val(spec, vals, "--name"), val(spec, vals, "--description"), tags, ntags,
                              val(spec, vals, "--url"), out, cap, len);
  if (strcmp(t, "membership") == 0) {
    v = val(spec, vals, "--role");
    return sr_content_membership(project, sr_role_parse(v, strlen(v)), out, cap, len);
  }
  return sr_content_share(val(spec, vals, "--text"), val(spec, vals, "--link"), project,
                          keys->have[KEY_RESHARE] ? keys->bin[KEY_RESHARE] : NULL, out, cap, len);
}

int cmd_publish(sr_cli_t *cli, int argc, char **argv) {
  const sr_cmd_t *me = cli_find("publish");
  const type_spec_t *spec = NULL;
  keys_t keys;
  const char *vals[6] = {0}, *ts_flag = NULL, *tags[SR_CONTENT_TAGS_MAX];
  size_t ntags = 0, len = 0;
  uint64_t seq, ts;
  char hex[SR_HEX_ID_LEN + 1];
  uint8_t content[SR_ENTRY_MAX];
  json_t *warnings = NULL;
  int rc, exit_code = SR_EXIT_OK;

  memset(&keys, 0, sizeof(keys));
  if (argc < 2) return cli_usage(me, SR_EXIT_USAGE);
  for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
    if (strcmp(specs[i].type, argv[1]) == 0) spec = &specs[i];
  if (!spec)
    return cli_fail(SR_EXIT_USAGE, "unknown type '%s': publish about, contact, project, membership or share", argv[1]);

  for (int i = 2; i < argc; i++) {
    int matched = 0, r;
    const char *v;
    if ((r = cli_opt(argc, argv, &i, "--ts", &ts_flag)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    for (int f = 0; f < 6 && spec->flags[f] && !matched; f++) {
      if ((r = cli_opt(argc, argv, &i, spec->flags[f], &v)) == 0) continue;
      if (r < 0) return SR_EXIT_USAGE;
      matched = 1;
      if (strcmp(spec->flags[f], "--tag") == 0) {
        if (ntags == SR_CONTENT_TAGS_MAX) return cli_fail(SR_EXIT_USAGE, "at most %d tags", SR_CONTENT_TAGS_MAX);
        tags[ntags++] = v;
      } else {
        if (vals[f]) return cli_fail(SR_EXIT_USAGE, "%s given twice", spec->flags[f]);
        vals[f] = v;
      }
    }
    if (!matched)
      return cli_fail(SR_EXIT_USAGE, "publish %s does not take '%s' (see seurone publish --help)", spec->type, argv[i]);
  }
  for (int r = 0; r < 3 && spec->required[r]; r++) {
    int have = 0;
    for (int f = 0; f < 6 && spec->flags[f]; f++)
      if (strcmp(spec->flags[f], spec->required[r]) == 0 && vals[f]) have = 1;
    if (!have) return cli_fail(SR_EXIT_USAGE, "publish %s needs %s", spec->type, spec->required[r]);
  }
  if (spec->one_of[0]) {
    int have = 0;
    for (int f = 0; f < 6 && spec->flags[f]; f++)
      for (int o = 0; o < 3 && spec->one_of[o]; o++)
        if (strcmp(spec->flags[f], spec->one_of[o]) == 0 && vals[f]) have = 1;
    if (!have) return cli_fail(SR_EXIT_USAGE, "publish %s needs --text, --link or --reshare", spec->type);
  }
  const char *state = val(spec, vals, "--state"), *role = val(spec, vals, "--role");
  if (state && sr_contact_state_parse(state, strlen(state)) < 0)
    return cli_fail(SR_EXIT_USAGE, "--state must be follow, unfollow or block, got '%s'", state);
  if (role && sr_role_parse(role, strlen(role)) < 0)
    return cli_fail(SR_EXIT_USAGE, "--role must be member, supporter or left, got '%s'", role);
  ts = cli_now_ms();
  if (ts_flag) {
    if (sr_parse_u64(ts_flag, 0, UINT64_MAX, &ts))
      return cli_fail(SR_EXIT_USAGE, "--ts must be milliseconds since the epoch, got '%s'", ts_flag);
  }

  if (!(warnings = json_array())) {
    exit_code = cli_fail(SR_EXIT_ENV, "out of memory");
    goto cleanup;
  }
  if ((exit_code = put_keys(cli, spec, vals, &keys, warnings))) goto cleanup;
  rc = build(spec, vals, tags, ntags, &keys, content, sizeof(content), &len);
  if (rc == SR_ETOOBIG) {
    exit_code = cli_fail(SR_EXIT_USAGE, "the content is larger than an entry may be (16 KiB)");
    goto cleanup;
  }
  if (rc) {
    exit_code = cli_fail(SR_EXIT_USAGE, "cannot encode the content: %s", sr_strerror(rc));
    goto cleanup;
  }
  if ((exit_code = cli_publish(cli, spec->type, content, len, ts_flag ? ts : 0, hex, &seq))) goto cleanup;
  if (cli->json) cli_json_print(json_pack("{s:s, s:I, s:O}", "id", hex, "seq", (json_int_t)seq, "warnings", warnings));
  else
    printf("%s\n", hex);
cleanup:
  json_decref(warnings);
  return exit_code;
}
