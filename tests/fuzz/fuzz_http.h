/* fuzz_http.h: what the web app's answers must be, whatever request arrives
 * (tests/fuzz/fuzz_http.c sends it; fuzz_http_check.c judges the answer). */
#ifndef SR_FUZZ_HTTP_H
#define SR_FUZZ_HTTP_H
#include <stddef.h>

/* What the request carried once its placeholders were filled in (by what its
 * bytes hold, not by which placeholders it used: a fuzzer may find a value). */
typedef struct fuzz_http_sent {
  int session;           /* a valid session cookie (@S@) or the Bearer token (@T@) */
  int old_session;       /* a valid cookie more than a day old (@OLD@): its answer renews it */
  int token;             /* the token itself, anywhere (@T@) */
  int csrf;              /* the CSRF value (@C@) */
  int post;              /* the first request line's method is POST */
  int head;              /* ... or HEAD (an answer without a body) */
  const char *token_hex; /* the secret no answer may hold unless the request sent it */
} fuzz_http_sent_t;

/* Whether needle occurs in hay[0..n), without telling libFuzzer what was sought. */
int fuzz_http_contains(const char *hay, size_t n, const char *needle);

/* Checks every answer in rsp[0..n) (pipelined requests get several; an event
 * stream ends the check at its headers). NULL when the answers keep every rule,
 * else a sentence saying which rule broke. */
const char *fuzz_http_check(const fuzz_http_sent_t *s, const char *rsp, size_t n);

#endif
