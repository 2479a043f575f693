/* resolve.c: a key or id as a person types it -> 32 bytes, or a clear error.
 *
 * Accepted (cli.h, cli_resolve): the full 64 hex digits, taken as given; a
 * prefix of at least 8 hex digits that is unique among what the node knows of
 * that kind (git's rule); or an exact name, unique among the people (latest
 * about) or projects the node knows. Everything else fails with exit 2 and says
 * what to type instead; an ambiguous prefix or name lists the candidates.
 */
#include "tools/cli/cli.h"
#include "core/hex.h"
#include "core/key.h"
#include "store/lookup.h"
#include <string.h>

#define MIN_PREFIX 8
#define FULL_HEX (2 * SR_KEY_LEN) /* a key or an id, all of it */
#define SHOWN 10                  /* candidates listed for an ambiguous argument */

static const char *kind_noun(int kind) {
  return kind == SR_FIND_PERSON ? "person" : kind == SR_FIND_PROJECT ? "project" : "entry";
}

static int all_hex(const char *s) { return *s && sr_hex_is_hex(s, strlen(s), 0); }

/* The shortest hex length, at least 16 (what `log` prints), that tells the
 * candidates apart. */
static int shown_digits(const sr_match_t *m, size_t n) {
  int digits = 16;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      while (digits < FULL_HEX && memcmp(m[i].id, m[j].id, (size_t)digits / 2) == 0) digits += 8;
  return digits;
}

static int ambiguous(int kind, const char *what, const char *arg, int by_name, const sr_match_t *m, size_t n) {
  char hex[FULL_HEX + 1];
  int digits = shown_digits(m, n < SHOWN ? n : SHOWN);
  fprintf(stderr, "seurone: %s '", what);
  cli_text_put(stderr, arg, strlen(arg));
  fprintf(stderr, "' is ambiguous: %s %s:\n",
          n > SHOWN ? "more than 10"
          : n == 2  ? "two"
                    : "several",
          by_name ? (kind == SR_FIND_PERSON ? "people have that name" : "projects have that name")
                  : (kind == SR_FIND_PERSON    ? "people's keys start with it"
                     : kind == SR_FIND_PROJECT ? "project ids start with it"
                                               : "entry ids start with it"));
  for (size_t i = 0; i < n && i < SHOWN; i++) {
    sr_hex_encode(m[i].id, SR_ID_BYTES, hex);
    fprintf(stderr, "  %.*s", digits, hex);
    if (m[i].type[0]) {
      fputs("  ", stderr);
      cli_text_put(stderr, m[i].type, strlen(m[i].type));
      fputs(m[i].name_len ? " by " : "", stderr);
    } else if (m[i].name_len) {
      fputs("  ", stderr);
    }
    if (m[i].name_len) cli_text_put(stderr, m[i].name, m[i].name_len);
    else if (!m[i].type[0])
      fputs("  (no name known)", stderr);
    fputc('\n', stderr);
  }
  fprintf(stderr, "seurone: pick one by giving more hex digits of its %s (the full 64 always work)\n",
          kind == SR_FIND_PERSON ? "key" : "id");
  return SR_EXIT_USAGE;
}

/* Which other kind of thing a prefix begins, for the hint when the asked-for
 * kind has none (a project id typed where a person goes, say). */
static const char *other_kind(sr_store_t *st, int kind, const char *prefix) {
  static const int kinds[] = {SR_FIND_PERSON, SR_FIND_PROJECT, SR_FIND_ENTRY};
  sr_match_t m;
  size_t n;
  for (int i = 0; i < 3; i++)
    if (kinds[i] != kind && sr_store_find_prefix(st, kinds[i], prefix, &m, 1, &n) == 0 && n > 0)
      return kinds[i] == SR_FIND_PERSON    ? "a person's key"
             : kinds[i] == SR_FIND_PROJECT ? "a project id"
                                           : "an entry id";
  return NULL;
}

int cli_resolve_in(sr_store_t *st, int kind, const char *what, const char *arg, uint8_t out[SR_KEY_LEN]) {
  sr_match_t m[SHOWN];
  size_t n = 0, len = strlen(arg);
  int hex = all_hex(arg), rc = 0;
  if (hex && len == FULL_HEX && sr_hex_decode(arg, out, SR_KEY_LEN) == 0) return 0;
  if (hex && len > FULL_HEX) return cli_fail(SR_EXIT_USAGE, "%s has %zu hex digits: a key or id has 64", what, len);
  if (hex && len >= MIN_PREFIX && (rc = sr_store_find_prefix(st, kind, arg, m, SHOWN, &n)) == 0 && n > 1)
    return ambiguous(kind, what, arg, 0, m, n);
  /* No id starts with it, or it is too short for a prefix, or not hex: a name? */
  if (!rc && n == 0 && kind != SR_FIND_ENTRY) rc = sr_store_find_name(st, kind, arg, len, m, SHOWN, &n);
  if (rc)
    return cli_fail(SR_EXIT_ENV, "looking up %s failed: %s", what,
                    rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  if (n > 1) return ambiguous(kind, what, arg, 1, m, n);
  if (n == 1) {
    memcpy(out, m[0].id, SR_KEY_LEN);
    return 0;
  }
  /* Nothing matched: say why, and what would. */
  fprintf(stderr, "seurone: %s '", what);
  cli_text_put(stderr, arg, len);
  if (hex && len < MIN_PREFIX)
    fprintf(stderr,
            "' is too short: give at least %d hex digits of the %s (as `seurone log` prints them), or all "
            "64%s\n",
            MIN_PREFIX, kind == SR_FIND_PERSON ? "key" : "id",
            kind == SR_FIND_ENTRY    ? ""
            : kind == SR_FIND_PERSON ? ", or the person's exact name"
                                     : ", or the project's exact name");
  else if (hex) {
    const char *other = other_kind(st, kind, arg);
    fprintf(stderr, "' matches no %s this node knows%s%s%s: check it, or give all 64 hex digits\n", kind_noun(kind),
            other ? " (it begins " : "", other ? other : "", other ? ")" : "");
  } else if (kind == SR_FIND_ENTRY)
    fprintf(stderr,
            "' is not an entry id: give its 64 hex digits, or at least the first %d (as `seurone log` "
            "prints them)\n",
            MIN_PREFIX);
  else
    fprintf(stderr,
            "' is neither a %s (64 hex digits, or at least the first %d) nor the name of a %s this node "
            "knows (`seurone graph` lists them; a name must match exactly, case included)\n",
            kind == SR_FIND_PERSON ? "key" : "project id", MIN_PREFIX, kind_noun(kind));
  return SR_EXIT_USAGE;
}

int cli_resolve(sr_cli_t *cli, int kind, const char *what, const char *arg, uint8_t out[SR_KEY_LEN]) {
  /* The full 64 digits need no store: commands that accept them keep working
   * before `init` has made one (they fail later, with their own message). */
  if (strlen(arg) == FULL_HEX && sr_hex_decode(arg, out, SR_KEY_LEN) == 0) return 0;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = cli_resolve_in(st, kind, what, arg, out);
  sr_store_close(st);
  return rc;
}
