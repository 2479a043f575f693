/* text.c: escaping, display width, cutting and wrapping of other people's text
 * for terminals (see text.h). Everything works on "units": one character as
 * written (bytes kept, with its width), or one visible escape (ASCII, width =
 * its length). Cutting and wrapping happen between units, so they never split a
 * UTF-8 character or an escape. */
#include "core/text.h"
#include "core/err.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint32_t lo, hi;
} sr_text_range_t;
#include "core/text_widths.h"

static int in_ranges(const sr_text_range_t *r, size_t n, uint32_t cp) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cp < r[mid].lo) hi = mid;
    else if (cp > r[mid].hi)
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

int sr_text_cp_width(uint32_t cp) {
  if (cp < 0x300) return 1; /* the tables start at the first combining mark */
  if (in_ranges(sr_text_zero, sizeof(sr_text_zero) / sizeof(sr_text_zero[0]), cp)) return 0;
  if (in_ranges(sr_text_wide, sizeof(sr_text_wide) / sizeof(sr_text_wide[0]), cp)) return 2;
  return 1;
}

/* Decodes one strict UTF-8 character (the rules of sr_utf8_valid) at s; returns
 * its length, or 0 when s[0] does not start a valid one. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp) {
  unsigned char b = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  if (b >= 0xc2 && b <= 0xdf) n = 2, *cp = b & 0x1f;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3, *cp = b & 0x0f;
    if (b == 0xe0) lo = 0xa0; /* overlong */
    if (b == 0xed) hi = 0x9f; /* surrogates */
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4, *cp = b & 0x07;
    if (b == 0xf0) lo = 0x90; /* overlong */
    if (b == 0xf4) hi = 0x8f; /* above U+10FFFF */
  } else
    return 0;
  if (len < n) return 0;
  for (size_t i = 1; i < n; i++) {
    unsigned char c = s[i];
    if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xbf)) return 0;
    *cp = *cp << 6 | (c & 0x3f);
  }
  return n;
}

/* Whether a character must not reach a terminal as it is. */
static int unsafe(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x2028 || cp == 0x2029;
}

typedef struct {
  size_t n;    /* input bytes */
  size_t w;    /* columns */
  char esc[8]; /* the escape, when esclen > 0 */
  size_t esclen;
} unit_t;

static void unit_at(const char *s, size_t len, size_t i, int flags, unit_t *u) {
  static const char hex[] = "0123456789abcdef";
  uint32_t cp = 0;
  size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
  u->esclen = 0;
  if (n == 0) { /* a byte outside UTF-8 */
    unsigned char b = (unsigned char)s[i];
    u->n = 1;
    memcpy(u->esc, "\\x", 2);
    u->esc[2] = hex[b >> 4];
    u->esc[3] = hex[b & 15];
    u->esclen = 4;
  } else if (unsafe(cp) && !(cp == '\n' && (flags & SR_TEXT_KEEP_NL))) {
    u->n = n;
    if (cp == '\n' || cp == '\r' || cp == '\t') {
      u->esc[0] = '\\';
      u->esc[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
      u->esclen = 2;
    } else if (cp < 0x80) {
      memcpy(u->esc, "\\x", 2);
      u->esc[2] = hex[cp >> 4];
      u->esc[3] = hex[cp & 15];
      u->esclen = 4;
    } else {
      memcpy(u->esc, "\\u", 2);
      for (int k = 0; k < 4; k++) u->esc[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
      u->esclen = 6;
    }
  } else {
    u->n = n;
  }
  u->w = u->esclen ? u->esclen : cp == '\n' ? 0 : (size_t)sr_text_cp_width(cp);
}

/* Appends bytes to out[cap] at *at (counting past cap, like snprintf). */
static void put(char *out, size_t cap, size_t *at, const char *b, size_t n) {
  if (*at < cap) memcpy(out + *at, b, *at + n < cap ? n : cap - *at);
  *at += n;
}

static void put_unit(char *out, size_t cap, size_t *at, const char *s, size_t i, const unit_t *u) {
  if (u->esclen) put(out, cap, at, u->esc, u->esclen);
  else
    put(out, cap, at, s + i, u->n);
}

static size_t finish(char *out, size_t cap, size_t at) {
  if (cap) out[at < cap ? at : cap - 1] = '\0';
  return at;
}

size_t sr_text_escape(const char *s, size_t len, int flags, char *out, size_t cap) {
  size_t at = 0;
  unit_t u;
  for (size_t i = 0; i < len; i += u.n) {
    unit_at(s, len, i, flags, &u);
    put_unit(out, cap, &at, s, i, &u);
  }
  return finish(out, cap, at);
}

size_t sr_text_width(const char *s, size_t len) {
  size_t w = 0;
  unit_t u;
  for (size_t i = 0; i < len; i += u.n) {
    unit_at(s, len, i, 0, &u);
    w += u.w;
  }
  return w;
}

size_t sr_text_fit(const char *s, size_t len, size_t width, int pad, char *out, size_t cap) {
  static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026, one column */
  size_t at = 0, used = 0, i = 0, total = sr_text_width(s, len);
  unit_t u;
  if (total <= width) {
    at = sr_text_escape(s, len, 0, out, cap);
    used = total;
  } else if (width > 0) {
    /* Keep what fits in width - 1 columns, then the ellipsis. */
    for (; i < len; i += u.n) {
      unit_at(s, len, i, 0, &u);
      if (used + u.w > width - 1) break;
      put_unit(out, cap, &at, s, i, &u);
      used += u.w;
    }
    put(out, cap, &at, ellipsis, 3);
    used++;
  }
  while (pad && used < width) {
    put(out, cap, &at, " ", 1);
    used++;
  }
  return finish(out, cap, at);
}

/* Emits the escaped form of s[a, b) as one line. */
static int emit(const char *s, size_t a, size_t b, char *buf, size_t cap,
                int (*line)(void *ctx, const char *l, size_t n), void *ctx) {
  size_t n = sr_text_escape(s + a, b - a, 0, buf, cap);
  return line(ctx, buf, n < cap ? n : cap - 1);
}

int sr_text_wrap(const char *s, size_t len, size_t first, size_t width, int (*line)(void *ctx, const char *l, size_t n),
                 void *ctx) {
  size_t cap = SR_TEXT_ESCAPED_MAX(len), start = 0;
  char *buf = malloc(cap);
  int rc = 0;
  unit_t u;
  if (!buf) return SR_ENOMEM;
  if (width < 1) width = 1;
  if (first < 1) first = 1;
  for (size_t w = first; !rc; w = width) {
    /* Scan the units that fit on this line (w columns); remember the last space. */
    size_t i = start, used = 0, space = (size_t)-1;
    int nl = 0;
    for (; i < len; i += u.n) {
      unit_at(s, len, i, SR_TEXT_KEEP_NL, &u);
      if (s[i] == '\n') {
        nl = 1;
        break;
      }
      if (used + u.w > w) break;
      if (s[i] == ' ') space = i;
      used += u.w;
    }
    if (i >= len || nl) { /* the rest of the paragraph fits */
      rc = emit(s, start, i, buf, cap, line, ctx);
      if (i >= len) break;
      start = i + 1;
      continue;
    }
    if (s[i] == ' ' || (space != (size_t)-1 && space > start)) {
      /* break at a space, dropping it and the spaces before it (invisible at a line end) */
      size_t at = s[i] == ' ' ? i : space, end = at;
      while (end > start && s[end - 1] == ' ') end--;
      rc = emit(s, start, end, buf, cap, line, ctx);
      start = at + 1;
    } else {
      if (i == start) i += u.n; /* one unit wider than the line: it goes alone */
      rc = emit(s, start, i, buf, cap, line, ctx);
      start = i;
    }
    if (start >= len) break;
  }
  free(buf);
  return rc;
}
