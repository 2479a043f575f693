/* text.h: other people's text made safe and tidy for a terminal.
 *
 * Names, shares and entry types come from strangers. Printed raw, an ESC
 * sequence repaints the screen, a \r or \n fakes a line, a bidi override
 * (U+202A-U+202E, U+2066-U+2069) reorders what follows it. Every human-readable
 * output passes such text through sr_text_escape (or a function built on it),
 * which shows these characters visibly instead:
 *   \n \r \t            for those three,
 *   \xHH                other C0 controls and DEL (ESC is \x1b), and each byte
 *                       that is not part of valid UTF-8,
 *   \uHHHH              C1 controls U+0080-U+009F, the bidi embeddings,
 *                       overrides and isolates, U+2028 and U+2029.
 * Everything else is kept as written. Backslashes are not doubled: the text is
 * for reading, and a name that spells "\x1b" fakes nothing. Escaping is
 * idempotent (the escaped form has nothing left to escape).
 *
 * Widths are terminal columns (after escaping): 2 for CJK and emoji, 0 for
 * combining marks, 1 for the rest (tables in text_widths.h, Unicode 14,
 * independent of the locale). Output is always valid UTF-8.
 *
 * Functions that fill out[cap] work like snprintf: they write at most cap - 1
 * bytes and a NUL (when cap > 0) and return the length the whole result needs. */
#ifndef SR_TEXT_H
#define SR_TEXT_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

/* Pass '\n' through unescaped (sr_text_wrap breaks lines there). */
#define SR_TEXT_KEEP_NL 1

/* The most bytes the escaped form of len bytes can take (a byte becomes at most 4). */
#define SR_TEXT_ESCAPED_MAX(len) (4 * (size_t)(len) + 4)

/* Columns a code point takes: 0, 1 or 2 (controls: see sr_text_escape). */
int sr_text_cp_width(uint32_t cp);

size_t sr_text_escape(const char *s, size_t len, int flags, char *out, size_t cap);

/* Columns the escaped form of s takes. */
size_t sr_text_width(const char *s, size_t len);

/* The escaped form of s cut to at most width columns on a character boundary,
 * ending in an ellipsis (U+2026) when cut; with pad, followed by spaces up to
 * exactly width columns. Combining marks stay with their base character. */
size_t sr_text_fit(const char *s, size_t len, size_t width, int pad, char *out, size_t cap);

/* Breaks the escaped text into lines of at most width columns (at least 1;
 * the first line: first columns, for a hanging indent):
 * at the text's own newlines, else at the last space that fits (the space is
 * dropped), else between characters. Calls line(ctx, l, n) for each line in
 * order (l is escaped, not NUL-terminated, valid during the call); a nonzero
 * return stops the walk and is returned. Empty text gives one empty line.
 * Returns 0, or SR_ENOMEM. */
SR_MUST_USE int sr_text_wrap(const char *s, size_t len, size_t first, size_t width,
                             int (*line)(void *ctx, const char *l, size_t n), void *ctx);

#endif
