/* text.c: printing other people's text for people (core/text.h does the work).
 * Every name, share, entry type or other string that came from someone else and
 * is printed in a human-readable output goes through one of these, so that no
 * control character, escape sequence or bidi override reaches the terminal. JSON
 * outputs keep the exact strings (JSON escapes controls itself). */
#include "tools/cli/cli.h"
#include "core/num.h"
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void cli_out_of_memory(void) {
  fputs("seurone: out of memory\n", stderr);
  exit(SR_EXIT_ENV);
}

/* Room for the escaped form of len bytes, an ellipsis and width spaces of pad. */
static char *room(size_t len, size_t width) {
  char *out = malloc(SR_TEXT_ESCAPED_MAX(len) + width + 4);
  if (!out) cli_out_of_memory();
  return out;
}

char *cli_text_cut(const char *s, size_t len, size_t width) {
  size_t cap = SR_TEXT_ESCAPED_MAX(len) + 4;
  char *out = room(len, 0);
  if (width == CLI_TEXT_WHOLE) sr_text_escape(s, len, 0, out, cap);
  else
    sr_text_fit(s, len, width, 0, out, cap);
  return out;
}

void cli_text_put(FILE *f, const char *s, size_t len) {
  char *t = cli_text_cut(s, len, CLI_TEXT_WHOLE);
  fputs(t, f);
  free(t);
}

void cli_text_cell(FILE *f, const char *s, size_t len, size_t width) {
  char *out = room(len, width);
  sr_text_fit(s, len, width, 1, out, SR_TEXT_ESCAPED_MAX(len) + width + 4);
  fputs(out, f);
  free(out);
}

size_t cli_term_width(void) {
  const char *c = getenv("COLUMNS");
  struct winsize ws;
  if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  uint64_t cols;
  if (c && sr_parse_u64(c, 20, 10000, &cols) == 0) return (size_t)cols;
  return 80;
}

const char *cli_plural(size_t n, const char *one, const char *many) { return n == 1 ? one : many; }
