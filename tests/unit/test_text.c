/* test_text.c: terminal text (core/text.c): escaping of controls, bidi and bad
 * bytes; display width of CJK, emoji and combining marks; cutting on character
 * boundaries; padding; wrapping. */
#include "core/text.h"
#include "core/canon.h"
#include "t.h"

static const char *esc(const char *s, int flags) {
  static char buf[512];
  size_t n = sr_text_escape(s, strlen(s), flags, buf, sizeof(buf));
  T_EQ(n, strlen(buf));
  return buf;
}

static const char *fit(const char *s, size_t width, int pad) {
  static char buf[512];
  size_t n = sr_text_fit(s, strlen(s), width, pad, buf, sizeof(buf));
  T_EQ(n, strlen(buf));
  T_OK(sr_utf8_valid((const uint8_t *)buf, n) ? 0 : 1);
  return buf;
}

static size_t width(const char *s) { return sr_text_width(s, strlen(s)); }

static void escapes_what_a_terminal_obeys(void) {
  T_CHECK(!strcmp(esc("plain ascii", 0), "plain ascii"));
  T_CHECK(!strcmp(esc("周六昆明市场见！", 0), "周六昆明市场见！"));
  T_CHECK(!strcmp(esc("a\x1b[2Jb", 0), "a\\x1b[2Jb"));
  T_CHECK(!strcmp(esc("x\ry\nz\tw", 0), "x\\ry\\nz\\tw"));
  T_CHECK(!strcmp(esc("\x01\x7f", 0), "\\x01\\x7f"));
  T_CHECK(!strcmp(esc("\xc2\x9b"
                      "31m",
                      0),
                  "\\u009b31m")); /* C1 CSI */
  T_CHECK(!strcmp(esc("abc\xe2\x80\xae"
                      "cba",
                      0),
                  "abc\\u202ecba")); /* RLO */
  T_CHECK(!strcmp(esc("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9", 0), "\\u202a\\u2066\\u2069"));
  T_CHECK(!strcmp(esc("l\xe2\x80\xa8p", 0), "l\\u2028p"));
  /* bytes outside UTF-8: a lone continuation, a truncated character, an overlong
   * NUL, a surrogate */
  T_CHECK(!strcmp(esc("\x80", 0), "\\x80"));
  T_CHECK(!strcmp(esc("a\xe5\x91", 0), "a\\xe5\\x91"));
  T_CHECK(!strcmp(esc("\xc0\x80", 0), "\\xc0\\x80"));
  T_CHECK(!strcmp(esc("\xed\xa0\x80", 0), "\\xed\\xa0\\x80"));
  T_CHECK(!strcmp(esc("\xf4\x90\x80\x80", 0), "\\xf4\\x90\\x80\\x80"));
  /* newlines kept on request; escaping is idempotent */
  T_CHECK(!strcmp(esc("a\nb\r", SR_TEXT_KEEP_NL), "a\nb\\r"));
  char once[128];
  sr_text_escape("\x1b]0;pwn\x07\xe2\x80\xae", 11, 0, once, sizeof(once));
  T_CHECK(!strcmp(esc(once, 0), once));
  /* snprintf semantics: the needed length, a NUL-terminated prefix */
  char small[4];
  T_EQ(sr_text_escape("\x1b\x1b", 2, 0, small, sizeof(small)), 8);
  T_CHECK(!strcmp(small, "\\x1"));
  T_EQ(sr_text_escape("abc", 3, 0, NULL, 0), 3);
}

static void widths_are_columns(void) {
  T_EQ(sr_text_cp_width('a'), 1);
  T_EQ(sr_text_cp_width(0x5468), 2);  /* 周 */
  T_EQ(sr_text_cp_width(0xff01), 2);  /* ！ fullwidth */
  T_EQ(sr_text_cp_width(0x1f600), 2); /* 😀 */
  T_EQ(sr_text_cp_width(0x1f30d), 2); /* 🌍 */
  T_EQ(sr_text_cp_width(0x0301), 0);  /* combining acute */
  T_EQ(sr_text_cp_width(0x200d), 0);  /* zero width joiner */
  T_EQ(sr_text_cp_width(0xfe0f), 0);  /* variation selector 16 */
  T_EQ(sr_text_cp_width(0x00e9), 1);  /* é precomposed */
  T_EQ(sr_text_cp_width(0xac00), 2);  /* 가 */
  T_EQ(sr_text_cp_width(0x1160), 0);  /* Hangul jungseong */
  T_EQ(sr_text_cp_width(0x0627), 1);  /* Arabic alef */
  T_EQ(sr_text_cp_width(0x20000), 2); /* CJK extension B */
  T_EQ(sr_text_cp_width(0x2fffd), 2); /* unassigned there: wide by default */
  T_EQ(width(""), 0);
  T_EQ(width("Ada"), 3);
  T_EQ(width("周六昆明市场见！"), 16);
  T_EQ(width("e\xcc\x81t\xc3\xa9"), 3); /* é as e + U+0301, then é */
  T_EQ(width("\xf0\x9f\x98\x80!"), 3);
  T_EQ(width("a\x1b"), 5); /* a + \x1b as printed */
  T_EQ(width("\xe2\x80\xae"), 6);
}

static void cuts_on_boundaries(void) {
  T_CHECK(!strcmp(fit("Ada", 5, 0), "Ada"));
  T_CHECK(!strcmp(fit("Ada", 5, 1), "Ada  "));
  T_CHECK(!strcmp(fit("Ada", 3, 1), "Ada"));
  T_CHECK(!strcmp(fit("Adalovelace", 5, 1), "Adal\xe2\x80\xa6"));
  /* a wide character that would end past the cut is left out, the pad fills */
  T_CHECK(!strcmp(fit("周六昆明市场", 5, 0), "周六\xe2\x80\xa6"));
  T_CHECK(!strcmp(fit("周六昆明市场", 6, 1), "周六\xe2\x80\xa6 "));
  T_EQ(width(fit("周六昆明市场", 6, 1)), 6);
  T_CHECK(!strcmp(fit("😀😀😀", 4, 1), "😀\xe2\x80\xa6 "));
  /* combining marks stay with their base */
  T_CHECK(!strcmp(fit("e\xcc\x81"
                      "e\xcc\x81"
                      "e\xcc\x81"
                      "e",
                      3, 0),
                  "e\xcc\x81"
                  "e\xcc\x81\xe2\x80\xa6"));
  /* an escape is never split */
  T_CHECK(!strcmp(fit("ab\x1b[2J", 5, 1), "ab\xe2\x80\xa6  "));
  T_CHECK(!strcmp(fit("ab\x1b[2J", 7, 0), "ab\\x1b\xe2\x80\xa6"));
  T_CHECK(!strcmp(fit("abc", 0, 1), ""));
  T_CHECK(!strcmp(fit("abc", 1, 0), "\xe2\x80\xa6"));
  for (size_t w = 0; w < 20; w++) {
    T_EQ(width(fit("日本語とEnglish😀混在", w, 1)), w);
    T_CHECK(width(fit("日本語とEnglish😀混在", w, 0)) <= w);
  }
}

#define LINES_MAX 32
typedef struct {
  char lines[LINES_MAX][256];
  int n;
} lines_t;

static int collect(void *ctx, const char *l, size_t n) {
  lines_t *ls = ctx;
  T_CHECK(ls->n < LINES_MAX && n < 256);
  memcpy(ls->lines[ls->n], l, n);
  ls->lines[ls->n++][n] = '\0';
  return 0;
}

static lines_t wrap(const char *s, size_t w) {
  lines_t ls = {0};
  T_OK(sr_text_wrap(s, strlen(s), w, w, collect, &ls));
  return ls;
}

static void wraps_by_width(void) {
  lines_t ls = wrap("the quick brown fox jumps", 10);
  T_EQ(ls.n, 3);
  T_CHECK(!strcmp(ls.lines[0], "the quick"));
  T_CHECK(!strcmp(ls.lines[1], "brown fox"));
  T_CHECK(!strcmp(ls.lines[2], "jumps"));
  ls = wrap("exactly10c more", 10); /* the break falls on the space */
  T_EQ(ls.n, 2);
  T_CHECK(!strcmp(ls.lines[0], "exactly10c"));
  T_CHECK(!strcmp(ls.lines[1], "more"));
  ls = wrap("two  spaces", 6); /* spaces at a break are dropped */
  T_EQ(ls.n, 2);
  T_CHECK(!strcmp(ls.lines[0], "two"));
  T_CHECK(!strcmp(ls.lines[1], "spaces"));
  ls = wrap("周六昆明市场见！", 5); /* no spaces: between characters, by columns */
  T_EQ(ls.n, 4);
  T_CHECK(!strcmp(ls.lines[0], "周六"));
  T_CHECK(!strcmp(ls.lines[3], "见！"));
  ls = wrap("para one\n\npara two\x1b[2J", 40);
  T_EQ(ls.n, 3);
  T_CHECK(!strcmp(ls.lines[0], "para one"));
  T_CHECK(!strcmp(ls.lines[1], ""));
  T_CHECK(!strcmp(ls.lines[2], "para two\\x1b[2J"));
  ls = wrap("abcdefghij", 4);
  T_EQ(ls.n, 3);
  T_CHECK(!strcmp(ls.lines[2], "ij"));
  ls = wrap(
      "ab\x1b"
      "cd",
      5); /* the escape moves whole to the next line */
  T_EQ(ls.n, 3);
  T_CHECK(!strcmp(ls.lines[0], "ab"));
  T_CHECK(!strcmp(ls.lines[1], "\\x1bc"));
  T_CHECK(!strcmp(ls.lines[2], "d"));
  ls = wrap("😀", 1); /* wider than the line: alone on it */
  T_EQ(ls.n, 1);
  T_CHECK(!strcmp(ls.lines[0], "😀"));
  ls = (lines_t){0}; /* a hanging indent: the first line narrower */
  T_OK(sr_text_wrap("aaa bbb ccc ddd", 15, 3, 7, collect, &ls));
  T_EQ(ls.n, 3);
  T_CHECK(!strcmp(ls.lines[0], "aaa"));
  T_CHECK(!strcmp(ls.lines[1], "bbb ccc"));
  T_CHECK(!strcmp(ls.lines[2], "ddd"));
  ls = wrap("", 10);
  T_EQ(ls.n, 1);
  T_CHECK(!strcmp(ls.lines[0], ""));
  ls = wrap("a\rb", 10); /* \r never breaks a line, it is shown */
  T_EQ(ls.n, 1);
  T_CHECK(!strcmp(ls.lines[0], "a\\rb"));
}

int main(void) {
  T_RUN(escapes_what_a_terminal_obeys);
  T_RUN(widths_are_columns);
  T_RUN(cuts_on_boundaries);
  T_RUN(wraps_by_width);
  printf("test_text: %d checks passed\n", t_checks);
  return 0;
}
