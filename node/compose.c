/* compose.c: a publish's content from typed fields (compose.h); moved down
 * from the CLI's publish (tools/cli/cmd_identity.c) so that the web API
 * publishes by the same rules and says the same sentences. */
#include "node/compose.h"
#include "core/core.h"
#include "store/lookup.h"
#include <stdio.h>
#include <string.h>

static const char *const names[SR_COMPOSE_FIELDS] = {
    "name", "bio", "who", "state", "description", "tag", "url", "project", "role", "text", "link", "reshare",
};

typedef struct {
  const char *type;
  int fields[6]; /* -1 ends */
  int required[3];
  int one_of[3];
} spec_t;

static const spec_t specs[] = {
    {"about", {SR_COMPOSE_NAME, SR_COMPOSE_BIO, -1}, {SR_COMPOSE_NAME, -1}, {-1}},
    {"contact", {SR_COMPOSE_WHO, SR_COMPOSE_STATE, -1}, {SR_COMPOSE_WHO, SR_COMPOSE_STATE, -1}, {-1}},
    {"project",
     {SR_COMPOSE_NAME, SR_COMPOSE_DESCRIPTION, SR_COMPOSE_TAG, SR_COMPOSE_URL, -1},
     {SR_COMPOSE_NAME, -1},
     {-1}},
    {"membership", {SR_COMPOSE_PROJECT, SR_COMPOSE_ROLE, -1}, {SR_COMPOSE_PROJECT, SR_COMPOSE_ROLE, -1}, {-1}},
    {"share",
     {SR_COMPOSE_TEXT, SR_COMPOSE_LINK, SR_COMPOSE_PROJECT, SR_COMPOSE_RESHARE, -1},
     {-1},
     {SR_COMPOSE_TEXT, SR_COMPOSE_LINK, SR_COMPOSE_RESHARE}},
};

static const spec_t *spec_of(const char *type) {
  for (size_t i = 0; type && i < sizeof(specs) / sizeof(specs[0]); i++)
    if (!strcmp(specs[i].type, type)) return &specs[i];
  return NULL;
}

int sr_compose_type_known(const char *type) { return spec_of(type) != NULL; }

const char *sr_compose_type_field(const char *type, size_t i, int *field) {
  const spec_t *s = spec_of(type);
  if (!s || i >= 6 || s->fields[i] < 0) return NULL;
  for (size_t j = 0; j < i; j++)
    if (s->fields[j] < 0) return NULL;
  if (field) *field = s->fields[i];
  return names[s->fields[i]];
}

const char *sr_compose_field_name(int field) { return field >= 0 && field < SR_COMPOSE_FIELDS ? names[field] : "?"; }

int sr_compose_check(const sr_compose_t *c, int flags, char *err, size_t errlen) {
  const spec_t *s = spec_of(c->type);
  const char *pfx = flags & SR_COMPOSE_CLI ? "--" : "";
  const char *state = c->val[SR_COMPOSE_STATE], *role = c->val[SR_COMPOSE_ROLE];
  if (!s) {
    snprintf(err, errlen, "unknown type '%s': publish about, contact, project, membership or share",
             c->type ? c->type : "");
    return SR_EINVAL;
  }
  for (int r = 0; r < 3 && s->required[r] >= 0; r++)
    if (!c->val[s->required[r]]) {
      snprintf(err, errlen, "publish %s needs %s%s", s->type, pfx, names[s->required[r]]);
      return SR_EINVAL;
    }
  if (s->one_of[0] >= 0) {
    int have = 0;
    for (int o = 0; o < 3 && s->one_of[o] >= 0; o++) have |= c->val[s->one_of[o]] != NULL;
    if (!have) {
      snprintf(err, errlen, "publish %s needs %stext, %slink or %sreshare", s->type, pfx, pfx, pfx);
      return SR_EINVAL;
    }
  }
  if (state && sr_contact_state_parse(state, strlen(state)) < 0) {
    snprintf(err, errlen, "%sstate must be follow, unfollow or block, got '%s'", pfx, state);
    return SR_EINVAL;
  }
  if (role && sr_role_parse(role, strlen(role)) < 0) {
    snprintf(err, errlen, "%srole must be member, supporter or left, got '%s'", pfx, role);
    return SR_EINVAL;
  }
  return 0;
}

/* Checks a resolved who, project or reshare against what the store knows
 * (docs/cli.md, "Keys and ids in publish"). The impossible (yourself as a
 * contact, a project or entry id as a person, a person's key or another entry
 * as a project, a person's key as an entry) is refused (SR_EINVAL); the unknown
 * (what may still arrive) is added to warnings. */
static int check_key(sr_store_t *st, int field, const char *pfx, const uint8_t *bin, json_t *warnings, char *err,
                     size_t errlen) {
  sr_known_t k;
  char hex[65], msg[400] = "";
  int rc = sr_store_what_is(st, bin, &k);
  if (rc) {
    snprintf(err, errlen, "reading the store failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    return rc;
  }
  sr_hex_encode(bin, 32, hex);
  hex[16] = '\0'; /* as `seurone log` shows ids */
  if (field == SR_COMPOSE_WHO) {
    if (k.self) {
      snprintf(err, errlen,
               "%swho is your own key: a contact entry is about someone else (you cannot follow, "
               "unfollow or block yourself); nothing was published",
               pfx);
      return SR_EINVAL;
    }
    if (k.project || k.entry) {
      snprintf(err, errlen,
               "%swho %s... is %s, not a person's key (a person's key is what `seurone id` prints "
               "on their node); nothing was published",
               pfx, hex, k.project ? "a project id" : "the id of an entry");
      return SR_EINVAL;
    }
    if (!k.authored)
      snprintf(msg, sizeof(msg),
               "%swho %s...: this node holds no entry by that key; if it is a typo, publish the "
               "contact again with the right key (their log may also simply not have arrived yet)",
               pfx, hex);
  } else if (field == SR_COMPOSE_PROJECT) {
    if (k.person) {
      snprintf(err, errlen,
               "%sproject %s... is a person's key, not a project id (the id of their project "
               "entry: `seurone graph` lists projects); nothing was published",
               pfx, hex);
      return SR_EINVAL;
    }
    if (k.entry && strcmp(k.entry_type, "project") != 0) {
      snprintf(err, errlen,
               "%sproject %s... is the id of a%s %s entry, not of a project entry; nothing was "
               "published",
               pfx, hex, strchr("aeiou", k.entry_type[0]) && k.entry_type[0] ? "n" : "",
               k.entry_type[0] ? k.entry_type : "stored");
      return SR_EINVAL;
    }
    if (!k.project_held)
      snprintf(msg, sizeof(msg),
               "%sproject %s...: this node holds no project entry with that id; if it is a typo, "
               "publish again with the right id (the project entry may also simply not have arrived yet)",
               pfx, hex);
  } else {
    if (k.person) {
      snprintf(err, errlen,
               "%sreshare %s... is a person's key, not an entry id (`seurone log AUTHOR` shows "
               "their entries' ids); nothing was published",
               pfx, hex);
      return SR_EINVAL;
    }
    if (!k.entry)
      snprintf(msg, sizeof(msg),
               "%sreshare %s...: this node does not hold that entry; if it is a typo, publish "
               "again with the right id (the entry may also simply not have arrived yet)",
               pfx, hex);
  }
  if (msg[0] && warnings && json_array_append_new(warnings, json_string(msg))) {
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  return 0;
}

int sr_compose_content(sr_store_t *st, const sr_compose_t *c, int flags, uint8_t *out, size_t cap, size_t *len,
                       json_t *warnings, char *err, size_t errlen) {
  static const int keyed[] = {SR_COMPOSE_WHO, SR_COMPOSE_PROJECT, SR_COMPOSE_RESHARE};
  const char *pfx = flags & SR_COMPOSE_CLI ? "--" : "", *t = c->type;
  uint8_t bin[3][32];
  int have[3] = {0, 0, 0}, rc;
  char what[32];
  if ((rc = sr_compose_check(c, flags, err, errlen))) return rc;
  /* In the order of the type's fields, as the flags were always checked. */
  for (size_t i = 0;; i++) {
    int f, k;
    if (!sr_compose_type_field(t, i, &f)) break;
    for (k = 0; k < 3 && keyed[k] != f; k++) {
    }
    if (k == 3 || !c->val[f]) continue;
    if (!st) {
      snprintf(err, errlen, "%s%s needs the store to be looked up", pfx, names[f]);
      return SR_EINVAL;
    }
    int kind = f == SR_COMPOSE_WHO ? SR_FIND_PERSON : f == SR_COMPOSE_PROJECT ? SR_FIND_PROJECT : SR_FIND_ENTRY;
    snprintf(what, sizeof(what), "%s%s", pfx, names[f]);
    if ((rc = sr_store_resolve(st, kind, what, c->val[f], flags & SR_COMPOSE_CLI ? SR_RESOLVE_CLI : 0, bin[k], err,
                               errlen)))
      return rc;
    if ((rc = check_key(st, f, pfx, bin[k], warnings, err, errlen))) return rc;
    have[k] = 1;
  }
  const char *v;
  if (!strcmp(t, "about")) rc = sr_content_about(c->val[SR_COMPOSE_NAME], c->val[SR_COMPOSE_BIO], out, cap, len);
  else if (!strcmp(t, "contact")) {
    v = c->val[SR_COMPOSE_STATE];
    rc = sr_content_contact(bin[0], sr_contact_state_parse(v, strlen(v)), out, cap, len);
  } else if (!strcmp(t, "project"))
    rc = sr_content_project(c->val[SR_COMPOSE_NAME], c->val[SR_COMPOSE_DESCRIPTION], c->tags, c->ntags,
                            c->val[SR_COMPOSE_URL], out, cap, len);
  else if (!strcmp(t, "membership")) {
    v = c->val[SR_COMPOSE_ROLE];
    rc = sr_content_membership(bin[1], sr_role_parse(v, strlen(v)), out, cap, len);
  } else
    rc = sr_content_share(c->val[SR_COMPOSE_TEXT], c->val[SR_COMPOSE_LINK], have[1] ? bin[1] : NULL,
                          have[2] ? bin[2] : NULL, out, cap, len);
  if (rc == SR_ETOOBIG) snprintf(err, errlen, "the content is larger than an entry may be (16 KiB)");
  else if (rc)
    snprintf(err, errlen, "cannot encode the content: %s", sr_strerror(rc));
  return rc;
}
