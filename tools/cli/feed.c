/* feed.c: the human view of `seurone log` — entries as a feed people can read:
 * who (their profile name), when (local time), what in words ("follows Ada",
 * "joined project Clean River as member", "shared in project ...:"), the full
 * text wrapped to the terminal, a reshared entry inline below the resharer's
 * words, and the entry's short id for `flow entry` or `publish --reshare`.
 *
 *   2026-12-01 22:03 CST  Ada (3f2a9c1e) shared in project Clean River:
 *       Saturday 10am at the market, bring gloves.
 *       (seq 5, entry 1a2b3c4d5e6f7a8b)
 *
 * Every piece of text that came from someone (names, texts, types) goes through
 * core/text.h: escaped, so that nothing reaches the terminal raw. The text's own
 * line breaks are kept, always behind the indent, so no line of someone's text
 * can pass for a header. */
#include "tools/cli/feed.h"
#include "store/devices.h"
#include "store/read.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INDENT "    "
#define NAME_COLS 40 /* a name longer than this is cut in headers */

void cli_feed_init(cli_feed_t *fd, sr_store_t *st) {
  memset(fd, 0, sizeof(*fd));
  fd->st = st;
  fd->has_self = sr_store_get_self(st, fd->self) == 0;
  sr_personmap_t *pm = NULL;
  if (sr_store_personmap(st, &pm) == 0) {
    const uint8_t *p = fd->has_self ? sr_personmap_person(pm, fd->self, 0) : NULL;
    fd->devices = sr_personmap_count(pm) > 0;
    if (p) memcpy(fd->self, p, SR_KEY_BYTES);
  }
  sr_personmap_free(pm);
  size_t w = cli_term_width();
  fd->width = w > 100 ? 100 : w; /* long lines are hard to read even on wide terminals */
}

void cli_feed_free(cli_feed_t *fd) {
  free(fd->last_who);
  fd->last_who = NULL;
}

/* ---- pieces ---- */

/* "Ada (3f2a9c1e)", "Ada (you)", or the first 16 hex digits for a key without a
 * name; escaped and cut. malloc'd. The short key tells two people named alike
 * apart: anyone can call themself Ada. */
static char *who_as(cli_feed_t *fd, const uint8_t *key, int as_person) {
  char name[SR_ENTRY_MAX + 1], hex[SR_HEX_KEY_LEN + 1];
  size_t len = 0;
  uint8_t person[SR_KEY_BYTES];
  int found = 0;
  /* with devices, a key is shown as its person: their name, their key */
  if (fd->devices && as_person && sr_store_person_of(fd->st, key, 0, person) == 0) key = person;
  int self = fd->has_self && memcmp(key, fd->self, SR_KEY_BYTES) == 0;
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  char *out;
  if (fd->devices) {
    if (sr_store_person_name(fd->st, key, name, sizeof(name), &len, &found)) found = 0;
  } else
    found = sr_store_get_name(fd->st, key, name, sizeof(name), &len) == 0;
  if (found) {
    char *n = cli_text_cut(name, len, NAME_COLS);
    out = malloc(strlen(n) + 24);
    if (out) sprintf(out, "%s (%.8s)", n, self ? "you" : hex);
    free(n);
  } else {
    out = malloc(32);
    if (out) sprintf(out, "%.16s%s", hex, self ? " (you)" : "");
  }
  if (!out) cli_out_of_memory();
  return out;
}

static char *who(cli_feed_t *fd, const uint8_t *key) { return who_as(fd, key, 1); }

/* who() of the person of entry (key, seq), and which of their devices wrote
 * it: "Ada (3f2a9c1e) on laptop", "Ada (you) on device 5c1d7e22" for one
 * without a label. malloc'd. */
static char *who_on(cli_feed_t *fd, const uint8_t *key, uint64_t seq) {
  uint8_t person[SR_KEY_BYTES];
  sr_device_t d;
  int found = 0;
  if (sr_store_person_of(fd->st, key, seq, person) || memcmp(person, key, SR_KEY_BYTES) == 0 ||
      sr_store_device_get(fd->st, key, &d, &found))
    return who_as(fd, key, 0); /* its own person (a revoked device's entry after its upto, too) */
  char *p = who(fd, person), *label, hex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  if (found && d.name[0]) label = cli_text_cut(d.name, strlen(d.name), NAME_COLS);
  else if ((label = malloc(32)))
    snprintf(label, 32, "device %.8s", hex);
  char *out = label ? malloc(strlen(p) + strlen(label) + 8) : NULL;
  if (!out) cli_out_of_memory();
  sprintf(out, "%s on %s", p, label);
  free(p);
  free(label);
  return out;
}

/* The author of a run of entries: looked up once per author (the log comes
 * author by author); with devices, once per entry (a revoked device's later
 * entries are its own, not its person's). */
static const char *author_who(cli_feed_t *fd, const uint8_t *key, uint64_t seq) {
  if (fd->devices || !fd->last_who || memcmp(fd->last_key, key, SR_KEY_BYTES) != 0) {
    free(fd->last_who);
    fd->last_who = fd->devices ? who_on(fd, key, seq) : who(fd, key);
    memcpy(fd->last_key, key, SR_KEY_BYTES);
  }
  return fd->last_who;
}

/* "project Clean River", or its short id when this node does not hold the
 * project entry. malloc'd. */
static char *project(cli_feed_t *fd, const uint8_t *id) {
  char name[SR_ENTRY_MAX + 1], hex[SR_HEX_ID_LEN + 1];
  size_t len;
  char *out;
  if (sr_store_get_project_name(fd->st, id, name, sizeof(name), &len) == 0) {
    char *n = cli_text_cut(name, len, NAME_COLS);
    out = malloc(strlen(n) + 16);
    if (out) sprintf(out, "project %s", n);
    free(n);
  } else {
    sr_hex_encode(id, SR_ID_BYTES, hex);
    out = malloc(64);
    if (out) sprintf(out, "project %.16s (not held here)", hex);
  }
  if (!out) cli_out_of_memory();
  return out;
}

/* Local time, honouring TZ: "2026-12-01 22:03 CST". */
static void when(uint64_t ms, char *out, size_t cap) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!localtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M %Z", &tm))
    snprintf(out, cap, "%llu ms", (unsigned long long)ms);
}

typedef struct {
  const char *first, *rest; /* prefixes of the first and the following lines */
  int n;
} lines_t;

static int print_line(void *ctx, const char *l, size_t n) {
  lines_t *p = ctx;
  printf("%s%.*s\n", p->n++ ? p->rest : p->first, (int)n, l);
  return 0;
}

/* Wraps text (someone's: escaped here) behind prefix. */
static void para(const char *prefix, const char *s, size_t len, size_t width) {
  lines_t p = {prefix, prefix, 0};
  size_t pw = sr_text_width(prefix, strlen(prefix));
  /* drop trailing blank lines and spaces: they would print as empty indents */
  while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\r')) len--;
  size_t w = width > pw + 20 ? width - pw : 20;
  if (sr_text_wrap(s, len, w, w, print_line, &p)) cli_out_of_memory();
}

/* "label: text" paragraphs for the string fields of content. */
static void field(const char *prefix, json_t *content, const char *key, const char *label, size_t width) {
  json_t *v = json_object_get(content, key);
  if (!json_is_string(v)) return;
  size_t n = json_string_length(v), ln = label ? strlen(label) : 0;
  char *s = malloc(n + ln + 3);
  if (!s) cli_out_of_memory();
  if (label) sprintf(s, "%s: ", label);
  else
    s[0] = '\0';
  memcpy(s + (label ? ln + 2 : 0), json_string_value(v), n);
  para(prefix, s, n + (label ? ln + 2 : 0), width);
  free(s);
}

/* ---- one entry ---- */

static void entry_view(cli_feed_t *fd, const sr_entry_t *e, const char *prefix, int inner);

/* The entry a share reshares, inline behind "| ", or a note that it is not held. */
static void reshared_view(cli_feed_t *fd, const uint8_t *id, const char *prefix) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t re;
  char hex[SR_HEX_ID_LEN + 1], p[128];
  snprintf(p, sizeof(p), "%s| ", prefix);
  if (sr_store_get_entry(fd->st, id, buf, sizeof(buf), &len, NULL) == 0 && sr_entry_decode(buf, len, &re) == 0) {
    entry_view(fd, &re, p, 1);
    return;
  }
  sr_hex_encode(id, SR_ID_BYTES, hex);
  printf("%s(entry %.16s, not held here: it arrives with its author's log)\n", p, hex);
}

static void entry_view(cli_feed_t *fd, const sr_entry_t *e, const char *prefix, int inner) {
  sr_content_t c;
  json_t *content = sr_json_from_msgpack(e->content, e->content_len);
  char t[48], hex[SR_HEX_KEY_LEN + 1], body[96];
  char *action = NULL, *target = NULL, *where = NULL;
  const char *author = inner ? NULL : author_who(fd, e->author, e->seq);
  char *inner_author = inner ? (fd->devices ? who_on(fd, e->author, e->seq) : who(fd, e->author)) : NULL;
  int ok = sr_content_parse(e, &c, NULL, 0) == 0;
  size_t width = fd->width;
  snprintf(body, sizeof(body), "%s" INDENT, prefix);
  when(e->ts, t, sizeof(t));

  if (ok && c.type == SR_CT_ABOUT) {
    char *n = cli_text_cut(c.name, c.name_len, NAME_COLS);
    action = malloc(strlen(n) + 32);
    if (action) sprintf(action, "set their name: %s", n);
    free(n);
  } else if (ok && c.type == SR_CT_CONTACT) {
    target = who(fd, c.who);
    const char *verb = c.state == SR_FOLLOW ? "follows" : c.state == SR_BLOCK ? "blocks" : "unfollows";
    action = malloc(strlen(target) + 16);
    if (action) sprintf(action, "%s %s", verb, target);
  } else if (ok && c.type == SR_CT_PROJECT) {
    char *n = cli_text_cut(c.name, c.name_len, NAME_COLS);
    action = malloc(strlen(n) + 32);
    if (action) sprintf(action, "created project %s", n);
    free(n);
  } else if (ok && c.type == SR_CT_MEMBERSHIP) {
    where = project(fd, c.project);
    action = malloc(strlen(where) + 32);
    if (action) {
      if (c.state == SR_LEFT) sprintf(action, "left %s", where);
      else
        sprintf(action, "joined %s as %s", where, sr_role_name(c.state));
    }
  } else if (ok && c.type == SR_CT_SHARE) {
    if (c.has_project) where = project(fd, c.project);
    int of_share = 0;
    if (c.has_reshare) {
      uint8_t buf[SR_ENTRY_MAX];
      size_t len;
      sr_entry_t re;
      if (sr_store_get_entry(fd->st, c.reshare, buf, sizeof(buf), &len, NULL) == 0 &&
          sr_entry_decode(buf, len, &re) == 0) {
        target = who(fd, re.author);
        of_share = re.type_len == 5 && memcmp(re.type, "share", 5) == 0;
      }
    }
    action = malloc((target ? strlen(target) : 0) + (where ? strlen(where) : 0) + 48);
    if (action)
      sprintf(action, "%s%s%s%s%s:", c.has_reshare ? "reshared" : "shared",
              target ? (of_share ? " a share by " : " an entry by ") : "",
              target          ? target
              : c.has_reshare ? " an entry"
                              : "",
              where ? " in " : "", where ? where : "");
  } else if (ok && c.type == SR_CT_DEVICE) {
    /* "added the device laptop (5c1d7e22)", "revoked the device 5c1d7e22 (its entries up to seq 4 stay theirs)" */
    char hex[SR_HEX_KEY_LEN + 1], *n = c.name ? cli_text_cut(c.name, c.name_len, NAME_COLS) : NULL;
    sr_hex_encode(c.device, SR_KEY_BYTES, hex);
    action = malloc((n ? strlen(n) : 0) + 96);
    if (action && c.state == SR_DEVICE_REVOKE)
      sprintf(action, "revoked the device %s%s%.8s%s (its entries up to seq %llu stay theirs)", n ? n : "",
              n ? " (" : "", hex, n ? ")" : "", (unsigned long long)c.upto);
    else if (action)
      sprintf(action, "added the device %s%s%.8s%s", n ? n : "", n ? " (" : "", hex, n ? ")" : "");
    free(n);
  } else if (ok && c.type == SR_CT_DEVICE_OF) {
    /* bound: the header already names the person; else a claim nobody certified */
    uint8_t p[SR_KEY_BYTES];
    if (sr_store_person_of(fd->st, e->author, e->seq, p) == 0 && memcmp(p, c.person, SR_KEY_BYTES) == 0)
      action = strdup("paired this device");
    else {
      target = who_as(fd, c.person, 0);
      action = malloc(strlen(target) + 64);
      if (action) sprintf(action, "claimed to be a device of %s (who has not added it)", target);
    }
  } else if (ok && c.type == SR_CT_FLOW_REPORT) {
    action = strdup("published a flow report (`seurone flow network` reads them)");
  } else {
    char *ty = cli_text_cut(e->type, e->type_len, CLI_TEXT_WHOLE);
    action = malloc(strlen(ty) + 64);
    if (action) sprintf(action, "wrote a \"%s\" entry%s", ty, ok ? ":" : " that does not fit its type's schema:");
    free(ty);
  }
  if (!action) cli_out_of_memory();

  /* header: the time, who, what (wrapped when long, behind the indent) */
  {
    const char *w = inner ? inner_author : author;
    size_t n = strlen(t) + strlen(w) + strlen(action) + 8;
    char *h = malloc(n);
    if (!h) cli_out_of_memory();
    snprintf(h, n, "%s  %s %s", t, w, action);
    lines_t p = {prefix, body, 0};
    size_t pw = sr_text_width(prefix, strlen(prefix)), bw = sr_text_width(body, strlen(body));
    /* a hanging indent: the lines after the first go behind the body's */
    if (sr_text_wrap(h, strlen(h), width > pw + 20 ? width - pw : 20, width > bw + 20 ? width - bw : 20, print_line,
                     &p))
      cli_out_of_memory();
    free(h);
  }
  /* body: what they wrote */
  if (ok && c.type == SR_CT_ABOUT) field(body, content, "bio", "bio", width);
  else if (ok && c.type == SR_CT_PROJECT) {
    field(body, content, "description", NULL, width);
    json_t *tags = json_object_get(content, "tags");
    if (json_array_size(tags)) {
      size_t i;
      json_t *tag;
      size_t n = 8;
      json_array_foreach(tags, i, tag) n += json_string_length(tag) + 2;
      char *s = malloc(n);
      if (!s) cli_out_of_memory();
      strcpy(s, "tags: ");
      json_array_foreach(tags, i, tag) {
        if (i) strcat(s, ", ");
        strncat(s, json_string_value(tag) ? json_string_value(tag) : "", json_string_length(tag));
      }
      para(body, s, strlen(s), width);
      free(s);
    }
    field(body, content, "url", "url", width);
  } else if (ok && c.type == SR_CT_SHARE) {
    field(body, content, "text", NULL, width);
    field(body, content, "link", "link", width);
    /* one level inline: a reshare of a reshare shows its own words and who it
     * reshared, not the whole chain */
    if (c.has_reshare && !inner) reshared_view(fd, c.reshare, body);
  } else if (!ok || c.type == SR_CT_OTHER) {
    char *s = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
    if (s) para(body, s, strlen(s), width);
    free(s);
  }
  sr_hex_encode(e->id, SR_ID_BYTES, hex);
  if (!inner) printf("%s(seq %llu, entry %.16s)\n\n", body, (unsigned long long)e->seq, hex);
  json_decref(content);
  free(action);
  free(target);
  free(where);
  free(inner_author);
}

void cli_feed_entry(cli_feed_t *fd, const sr_entry_t *e) { entry_view(fd, e, "", 0); }
