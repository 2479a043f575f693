/* fuzz_http_check.c: the rules every answer of the web app keeps (docs/api.md),
 * checked on the bytes that came back over the socket. They can fail: an API
 * answer given without a session, a POST taken without its CSRF value, a
 * cookie handed to someone who showed no credential, the token in an answer,
 * JSON that does not parse, an error without its code, an answer of ours
 * without the security headers. libmicrohttpd's own error pages (a request it
 * cannot parse, 4xx or 5xx without a Content-Type of ours) carry none of our
 * headers; they are only checked for their status line, and nothing after
 * one that closes the connection is judged: libmicrohttpd 0.9.75 (Debian 12)
 * sends its headers twice when it refuses a malformed Content-Length. */
#include "tests/fuzz/fuzz_http.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether needle occurs in hay, out of the fuzzer's sight: memmem is hooked
 * by libFuzzer, which would take the secret searched for as a word to try;
 * a loop of one-byte compares tells it nothing it can use. */
int fuzz_http_contains(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  if (!k || k > n) return 0;
  for (size_t i = 0; i + k <= n; i++) {
    size_t j = 0;
    while (j < k && hay[i + j] == needle[j]) j++;
    if (j == k) return 1;
  }
  return 0;
}

/* The value of header name in head[0..n) (one line per header), or NULL; its
 * length in *len. */
static const char *header(const char *head, size_t n, const char *name, size_t *len) {
  size_t nl = strlen(name);
  const char *p = head, *end = head + n;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (v < eol && *v == ' ') v++;
      const char *ve = eol;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ')) ve--;
      *len = (size_t)(ve - v);
      return v;
    }
    p = eol + 1;
  }
  return NULL;
}

static int has_header(const char *head, size_t n, const char *name, const char *want) {
  size_t len;
  const char *v = header(head, n, name, &len);
  return v && len == strlen(want) && !strncasecmp(v, want, len);
}

static int starts(const char *v, size_t len, const char *prefix) {
  size_t pl = strlen(prefix);
  return len >= pl && !strncasecmp(v, prefix, pl);
}

static const char *check_json(const char *body, size_t n, unsigned status) {
  json_error_t e;
  json_t *doc = json_loadb(body, n, 0, &e);
  const char *why = NULL;
  if (!doc) return "an answer says it is JSON but its body does not parse";
  if (status >= 400) {
    const char *code = json_string_value(json_object_get(doc, "code"));
    if (!json_is_false(json_object_get(doc, "ok")) || !json_is_string(json_object_get(doc, "error")) || !code ||
        strncmp(code, "SR_E", 4))
      why = "an error answer lacks {\"ok\": false, \"error\", \"code\": \"SR_E...\"}";
  }
  json_decref(doc);
  return why;
}

/* 1 when p[0..n) begins "HTTP/1.0 " or "HTTP/1.1 " and a status 100-599. */
static int status_line(const char *p, size_t n) {
  return n >= 12 && !memcmp(p, "HTTP/1.", 7) && (p[7] == '0' || p[7] == '1') && p[8] == ' ' && p[9] >= '1' &&
         p[9] <= '5' && p[10] >= '0' && p[10] <= '9' && p[11] >= '0' && p[11] <= '9';
}

/* One answer at rsp[0..n): its length in *used (0: it runs to the end, or is a stream). */
static const char *check_one(const fuzz_http_sent_t *s, const char *rsp, size_t n, int first, size_t *used) {
  *used = 0;
  if (!status_line(rsp, n)) return "an answer does not begin with an HTTP/1.x status line";
  unsigned status = (unsigned)((rsp[9] - '0') * 100 + (rsp[10] - '0') * 10 + (rsp[11] - '0'));
  const char *hend = NULL;
  for (size_t i = 0; i + 3 < n; i++)
    if (!memcmp(rsp + i, "\r\n\r\n", 4)) {
      hend = rsp + i;
      break;
    }
  if (!hend) return NULL; /* cut short (the node may close at once after an error): nothing more to judge */
  size_t hn = (size_t)(hend - rsp), ctl, cll;
  const char *body = hend + 4, *ct = header(rsp, hn, "Content-Type", &ctl);
  size_t bn = n - (size_t)(body - rsp);
  int json = ct && starts(ct, ctl, "application/json");
  int ours = status < 400 || (ct && (json || starts(ct, ctl, "text/plain") || starts(ct, ctl, "text/html")));
  if (ours && (!has_header(rsp, hn, "X-Content-Type-Options", "nosniff") ||
               !header(rsp, hn, "Content-Security-Policy", &cll) || !has_header(rsp, hn, "X-Frame-Options", "DENY")))
    return "an answer of the web app lacks its security headers";
  if (!s->token && fuzz_http_contains(rsp, n, s->token_hex))
    return "an answer holds the web token, which the request did not send";
  const char *sc = header(rsp, hn, "Set-Cookie", &cll);
  if (sc && !s->token && !s->session && !s->old_session)
    return "a session cookie went to a request that showed no credential";
  if (first && json && status < 300) {
    if (!s->session && !s->old_session) return "an API answer (2xx JSON) went to a request without a session";
    if (s->post && !s->csrf) return "a POST was taken without its CSRF header";
    if (s->old_session && !s->session && !sc) return "an API answer to a day-old session did not renew its cookie";
  }
  if (ct && starts(ct, ctl, "text/event-stream")) return NULL;          /* a stream: no end to wait for */
  if (!ours && has_header(rsp, hn, "Connection", "close")) return NULL; /* libmicrohttpd's last word */
  const char *te = header(rsp, hn, "Transfer-Encoding", &cll);
  if (te) return NULL; /* chunked: only our event stream is; not parsed here */
  const char *cl = header(rsp, hn, "Content-Length", &cll);
  size_t blen = bn;
  if (cl) {
    char tmp[24];
    if (cll == 0 || cll >= sizeof(tmp)) return "an answer's Content-Length is not a number";
    memcpy(tmp, cl, cll);
    tmp[cll] = '\0';
    char *e;
    unsigned long long v = strtoull(tmp, &e, 10);
    if (*e) return "an answer's Content-Length is not a number";
    if (s->head && first) v = 0;
    /* A HEAD further down a pipeline: its answer names a length and has no
     * body, and the next answer follows at once (no body of ours starts so). */
    if (v && bn >= 13 && status_line(body, bn) && body[12] == ' ') v = 0;
    if (v > bn) return NULL; /* cut short */
    blen = (size_t)v;
  }
  if (json && blen && !(s->head && first)) {
    const char *why = check_json(body, blen, status);
    if (why) return why;
  }
  *used = (size_t)(body - rsp) + blen;
  return NULL;
}

const char *fuzz_http_check(const fuzz_http_sent_t *s, const char *rsp, size_t n) {
  int first = 1;
  while (n > 0) {
    size_t used;
    const char *why = check_one(s, rsp, n, first, &used);
    if (why || used == 0 || used > n) return why;
    rsp += used, n -= used, first = 0;
  }
  return NULL;
}
