/* resolve.c: a key or id as a person types it -> 32 bytes, or a clear error.
 *
 * The rule and the messages are store/lookup.c's (sr_store_resolve), shared
 * with the web views: the full 64 hex digits, taken as given; a prefix of at
 * least 8 hex digits that is unique among what the node knows of that kind
 * (git's rule); or an exact name, unique among the people (latest about) or
 * projects the node knows. Everything else fails with exit 2 and says what to
 * type instead; an ambiguous prefix or name lists the candidates.
 */
#include "tools/cli/cli.h"
#include "core/hex.h"
#include "store/lookup.h"
#include <string.h>

int cli_resolve_in(sr_store_t *st, int kind, const char *what, const char *arg, uint8_t out[32]) {
  char err[8192];
  int rc = sr_store_resolve(st, kind, what, arg, SR_RESOLVE_CLI, out, err, sizeof(err));
  if (rc == 0) return 0;
  /* Already escaped. The candidates of an ambiguous one are indented lines; the
   * other lines are the program's, "seurone: " in front. */
  for (const char *l = err; *l;) {
    const char *nl = strchr(l, '\n');
    size_t n = nl ? (size_t)(nl - l) : strlen(l);
    fprintf(stderr, "%s%.*s\n", strncmp(l, "  ", 2) == 0 ? "" : "seurone: ", (int)n, l);
    l += n + (nl != NULL);
  }
  return rc == SR_EINVAL || rc == SR_ENOTFOUND || rc == SR_EAMBIGUOUS ? SR_EXIT_USAGE : SR_EXIT_ENV;
}

int cli_resolve(sr_cli_t *cli, int kind, const char *what, const char *arg, uint8_t out[32]) {
  /* The full 64 digits need no store: commands that accept them keep working
   * before `init` has made one (they fail later, with their own message). */
  if (strlen(arg) == 64 && sr_hex_decode(arg, out, 32) == 0) return 0;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = cli_resolve_in(st, kind, what, arg, out);
  sr_store_close(st);
  return rc;
}
