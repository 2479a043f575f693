/* logline.c: logfmt fields, written and read back (logline.h). Invariant: a
 * body written here holds no control byte and every quote it opens is closed,
 * even when the buffer cut a value. */
#include "core/logline.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sr_log_level_name(int level) {
  switch (level) {
    case SR_LOG_DEBUG:
      return "debug";
    case SR_LOG_WARN:
      return "warn";
    case SR_LOG_ERROR:
      return "error";
    default:
      return "info";
  }
}

static int bare_ok(const char *v) {
  if (!*v) return 0;
  for (const unsigned char *p = (const unsigned char *)v; *p; p++)
    if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f) return 0;
  return 1;
}

void sr_logline_add(char *buf, size_t cap, const char *key, const char *value) {
  size_t len = strnlen(buf, cap);
  if (!value || len + 1 >= cap) return;
  int n = snprintf(buf + len, cap - len, len ? " %s=" : "%s=", key);
  if (n < 0 || (size_t)n >= cap - len) {
    buf[len] = '\0'; /* not even the key fits: leave the field out */
    return;
  }
  len += (size_t)n;
  if (bare_ok(value)) {
    snprintf(buf + len, cap - len, "%s", value); /* cut at cap if need be: a bare token stays bare */
    return;
  }
  /* Quoted: room for the closing quote and the NUL is kept at every step. */
  if (len + 3 > cap) {
    buf[len] = '\0';
    return;
  }
  buf[len++] = '"';
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    char esc[5];
    size_t e = 0;
    if (*p == '"' || *p == '\\') esc[e++] = '\\', esc[e++] = (char)*p;
    else if (*p == '\n')
      esc[e++] = '\\', esc[e++] = 'n';
    else if (*p == '\r')
      esc[e++] = '\\', esc[e++] = 'r';
    else if (*p == '\t')
      esc[e++] = '\\', esc[e++] = 't';
    else if (*p < ' ' || *p == 0x7f)
      e = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
    else
      esc[e++] = (char)*p;
    if (len + e + 2 > cap) break;
    memcpy(buf + len, esc, e);
    len += e;
  }
  buf[len++] = '"';
  buf[len] = '\0';
}

void sr_logline_addf(char *buf, size_t cap, const char *key, const char *fmt, ...) {
  char v[SR_LOGLINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v, sizeof v, fmt, ap);
  va_end(ap);
  sr_logline_add(buf, cap, key, v);
}

void sr_logline_start(char *buf, size_t cap, int level, const char *event) {
  if (!cap) return;
  buf[0] = '\0';
  sr_logline_add(buf, cap, "level", sr_log_level_name(level));
  sr_logline_add(buf, cap, "event", event);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int sr_logline_parse(const char *line, char *scratch, size_t cap, sr_logline_pair_fn fn, void *ctx) {
  const char *p = line;
  if (!cap) return 0;
  while (*p) {
    while (*p == ' ') p++;
    const char *k = p;
    while (*p && *p != '=' && *p != ' ') p++;
    if (*p != '=' || p == k) { /* not a field: skip the word */
      while (*p && *p != ' ') p++;
      continue;
    }
    size_t klen = (size_t)(p - k), vlen = 0;
    p++;
    if (*p == '"') {
      p++;
      while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\' && *p) {
          c = *p++;
          if (c == 'n') c = '\n';
          else if (c == 'r')
            c = '\r';
          else if (c == 't')
            c = '\t';
          else if (c == 'x' && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
            c = (char)(hexval(p[0]) * 16 + hexval(p[1]));
            p += 2;
          }
        }
        if (vlen + 1 < cap) scratch[vlen++] = c;
      }
      if (*p == '"') p++;
    } else {
      while (*p && *p != ' ') {
        if (vlen + 1 < cap) scratch[vlen++] = *p;
        p++;
      }
    }
    scratch[vlen] = '\0';
    int rc = fn(ctx, k, klen, scratch, vlen);
    if (rc) return rc;
  }
  return 0;
}
