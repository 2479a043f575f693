/* web_auth.c: who may use the web app (docs/api.md, "Auth").
 *
 * HOME/web.token is the secret: whoever can read the home can sign in, nobody
 * else. `seurone ui` gives it once in a link (/login?token=), which answers
 * with the session cookie (HttpOnly, SameSite=Strict) and sends the browser on
 * at once, so the token leaves the address bar. Other clients send it as a
 * Bearer token. Every POST also carries the CSRF value (from GET /api/session)
 * in a header, which a page of another site cannot set, and its Origin, when
 * sent, must be this server's; the Host header must name this server, so that
 * a name rebound to 127.0.0.1 by a hostile DNS reaches nothing. Every secret is
 * compared in constant time, and none is ever logged.
 */
#include "node/web_internal.h"
#include "core/core.h"
#include "node/home.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOKEN_FILE_MAX 256 /* more than a token and its newline: not a token file */
#define IP_TEXT_MAX 64     /* an IP literal in a Host value, NUL included, with room to spare */

static int make_token(const char *path, char *err, size_t errlen) {
  char tmp[4300], hex[SR_WEB_TOKEN_HEX + 2];
  uint8_t raw[SR_WEB_TOKEN_BYTES];
  int fd, rc = 0;
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  randombytes_buf(raw, sizeof(raw));
  sr_hex_encode(raw, sizeof(raw), hex);
  sodium_memzero(raw, sizeof(raw));
  hex[SR_WEB_TOKEN_HEX] = '\n';
  /* A new file, never through a link planted at the name (node/home.h). */
  if ((fd = sr_home_create_tmp(tmp, 0600)) < 0) {
    snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    sodium_memzero(hex, sizeof(hex));
    return SR_EIO;
  }
  if (write(fd, hex, SR_WEB_TOKEN_HEX + 1) != SR_WEB_TOKEN_HEX + 1 || fsync(fd) != 0) rc = SR_EIO;
  if (close(fd) != 0) rc = SR_EIO;
  sodium_memzero(hex, sizeof(hex));
  /* link(): a token another process made meanwhile stays the one. */
  if (!rc && link(tmp, path) != 0 && errno != EEXIST) rc = SR_EIO;
  if (rc) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
  unlink(tmp);
  return rc;
}

int sr_web_token(const char *home, int create, char hex[SR_WEB_TOKEN_HEX + 1], char *err, size_t errlen) {
  char path[4200], buf[TOKEN_FILE_MAX + 1];
  struct stat st;
  ssize_t n;
  size_t a = 0, len;
  int fd, rc = 0;
  snprintf(path, sizeof(path), "%s/web.token", home);
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if ((rc = make_token(path, err, errlen))) return rc;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) {
    snprintf(err, errlen, "cannot read %s: %s%s", path, strerror(errno),
             errno == ELOOP    ? " (it is a symbolic link: remove it, and the node makes a new token)"
             : errno == ENOENT ? " (`seurone run` makes it)"
                               : "");
    return errno == ENOENT ? SR_ENOTFOUND : SR_EIO;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
    snprintf(err, errlen, "%s is not a regular file of yours: remove it, and the node makes a new token", path);
    close(fd);
    return SR_EPERM;
  }
  if (st.st_mode & 077) {
    snprintf(err, errlen, "%s may be read by others, who could then use your node: run `chmod 600 %s`", path, path);
    close(fd);
    return SR_EPERM;
  }
  n = read(fd, buf, TOKEN_FILE_MAX + 1);
  close(fd);
  if (n < 0) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return SR_EIO;
  }
  len = (size_t)n;
  while (a < len && isspace((unsigned char)buf[a])) a++;
  while (len > a && isspace((unsigned char)buf[len - 1])) len--;
  if ((size_t)n > TOKEN_FILE_MAX || len - a != SR_WEB_TOKEN_HEX || !sr_hex_is_hex(buf + a, SR_WEB_TOKEN_HEX, 0)) {
    snprintf(err, errlen, "%s does not hold a token (64 hex digits): remove it, and the node makes a new one", path);
    rc = SR_EINVAL;
  } else {
    for (size_t i = 0; i < SR_WEB_TOKEN_HEX; i++) hex[i] = (char)tolower((unsigned char)buf[a + i]);
    hex[SR_WEB_TOKEN_HEX] = '\0';
  }
  sodium_memzero(buf, sizeof(buf));
  return rc;
}

/* hex of HMAC-SHA256 keyed with the token's bytes over what. */
static int derive(const char *token, const char *what, char out[SR_WEB_MAC_HEX + 1]) {
  uint8_t key[SR_WEB_TOKEN_BYTES], mac[crypto_auth_hmacsha256_BYTES];
  if (sr_hex_decode(token, key, sizeof(key))) return SR_EINVAL;
  crypto_auth_hmacsha256(mac, (const uint8_t *)what, strlen(what), key);
  sr_hex_encode(mac, sizeof(mac), out);
  sodium_memzero(key, sizeof(key));
  sodium_memzero(mac, sizeof(mac));
  return 0;
}

int sr_web_auth_init(sr_web_t *w) { return derive(w->sec->token, "csrf", w->sec->csrf); }

/* The cookie of a session opened at t (seconds since the epoch): "T.MAC",
 * MAC = hex HMAC-SHA256(token, "session T"). The time is in the value, so a
 * session ends by itself (SR_WEB_SESSION_S) and survives a restart of the node;
 * the MAC binds it to the token, so deleting HOME/web.token ends them all. */
static int session_value(const char *token, uint64_t t, char out[SR_WEB_SESSION_TEXT]) {
  char what[40], mac[SR_WEB_MAC_HEX + 1];
  int rc;
  snprintf(what, sizeof(what), "session %" PRIu64, t);
  if ((rc = derive(token, what, mac))) return rc;
  if ((size_t)snprintf(out, SR_WEB_SESSION_TEXT, "%" PRIu64 ".%s", t, mac) >= SR_WEB_SESSION_TEXT) rc = SR_ETOOBIG;
  sodium_memzero(mac, sizeof(mac));
  return rc;
}

int sr_web_session_cookie(const sr_web_t *w, char *out, size_t cap) {
  char v[SR_WEB_SESSION_TEXT];
  int rc = session_value(w->sec->token, (uint64_t)time(NULL), v);
  if (!rc && (size_t)snprintf(out, cap, "sr_session=%s; Max-Age=%d; HttpOnly; SameSite=Strict; Path=/", v,
                              SR_WEB_SESSION_S) >= cap)
    rc = SR_ETOOBIG;
  sodium_memzero(v, sizeof(v));
  return rc;
}

/* 1 when cookie is a session of this token opened less than SR_WEB_SESSION_S
 * ago (and not in the future beyond a little clock skew), with *age its age in
 * seconds. The MAC is compared in constant time; the time is no secret. */
static int session_ok(const sr_web_t *w, const char *cookie, uint64_t *age) {
  char want[SR_WEB_SESSION_TEXT];
  const char *dot;
  uint64_t t = 0, now = (uint64_t)time(NULL);
  size_t digits;
  int ok;
  if (!cookie || !(dot = strchr(cookie, '.')) || (digits = (size_t)(dot - cookie)) == 0 || digits > 12) return 0;
  for (size_t i = 0; i < digits; i++) {
    if (cookie[i] < '0' || cookie[i] > '9') return 0;
    t = t * 10 + (uint64_t)(cookie[i] - '0');
  }
  if (t > now + SR_WEB_SESSION_SKEW_S || now >= t + SR_WEB_SESSION_S) return 0;
  if (session_value(w->sec->token, t, want)) return 0;
  ok = strlen(cookie) == strlen(want) && sodium_memcmp(cookie, want, strlen(want)) == 0;
  sodium_memzero(want, sizeof(want));
  *age = now > t ? now - t : 0;
  return ok;
}

_Static_assert(SR_WEB_MAC_HEX == SR_WEB_TOKEN_HEX, "same_secret compares the token and the MACs at one length");
/* 1 when given equals want (the token, the session or the CSRF value: all of
 * one length), in time independent of where they differ. The length is no
 * secret. */
static int same_secret(const char *given, const char *want) {
  return given && strlen(given) == SR_WEB_TOKEN_HEX && sodium_memcmp(given, want, SR_WEB_TOKEN_HEX) == 0;
}

/* A Host value that is an IP literal with this server's port: no DNS name,
 * so nothing a rebinding attack can use. */
static int ip_host(const char *h, uint16_t port) {
  char host[IP_TEXT_MAX], want[8];
  const char *colon;
  struct in6_addr a6;
  struct in_addr a4;
  size_t n;
  if (h[0] == '[') {
    const char *end = strchr(h, ']');
    if (!end || end[1] != ':' || (n = (size_t)(end - h - 1)) >= sizeof(host)) return 0;
    memcpy(host, h + 1, n);
    host[n] = '\0';
    colon = end + 1;
    if (inet_pton(AF_INET6, host, &a6) != 1) return 0;
  } else {
    if (!(colon = strrchr(h, ':')) || (n = (size_t)(colon - h)) >= sizeof(host)) return 0;
    memcpy(host, h, n);
    host[n] = '\0';
    if (inet_pton(AF_INET, host, &a4) != 1) return 0;
  }
  snprintf(want, sizeof(want), "%u", port);
  return strcmp(colon + 1, want) == 0;
}

int sr_web_host_ok(const sr_web_req_t *r) {
  const char *h = sr_web_header(r, MHD_HTTP_HEADER_HOST);
  if (!h) return 0;
  for (int i = 0; i < SR_WEB_HOSTS && r->w->hosts[i][0]; i++)
    if (!strcasecmp(h, r->w->hosts[i])) return 1;
  return r->w->any_ip_host && ip_host(h, r->w->port);
}

int sr_web_authed(sr_web_req_t *r) {
  const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "sr_session");
  const char *auth = sr_web_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
  uint64_t age = 0;
  if (session_ok(r->w, cookie, &age)) {
    r->renew = age >= SR_WEB_RENEW_S; /* a browser in use keeps its session */
    return 1;
  }
  return auth && !strncmp(auth, "Bearer ", 7) && same_secret(auth + 7, r->w->sec->token);
}

int sr_web_post_ok(const sr_web_req_t *r, const char **why) {
  const char *csrf = sr_web_header(r, "X-Seurone-CSRF");
  const char *origin = sr_web_header(r, "Origin"), *host = sr_web_header(r, MHD_HTTP_HEADER_HOST);
  if (!same_secret(csrf, r->w->sec->csrf)) {
    *why = "a change needs the X-Seurone-CSRF header that GET /api/session gives (reload the page)";
    return -1;
  }
  /* Sent by browsers with every POST: it must be this very server. */
  if (origin && (strncasecmp(origin, "http://", 7) || !host || strcasecmp(origin + 7, host))) {
    *why = "the request comes from another site (its Origin is not this server)";
    return -1;
  }
  return 0;
}

static uint64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int sr_web_once(sr_web_t *w, char *url, size_t cap) {
  uint8_t raw[SR_WEB_ONCE_BYTES];
  size_t slot = 0;
  int rc = 0;
  pthread_mutex_lock(&w->omu);
  for (size_t i = 1; i < SR_WEB_ONCE_MAX; i++)
    if (w->sec->once[i].until_ms < w->sec->once[slot].until_ms) slot = i; /* a free one (0), else the oldest */
  randombytes_buf(raw, sizeof(raw));
  sr_hex_encode(raw, sizeof(raw), w->sec->once[slot].code);
  sodium_memzero(raw, sizeof(raw));
  w->sec->once[slot].until_ms = mono_ms() + SR_WEB_ONCE_MS;
  if ((size_t)snprintf(url, cap, "%s/login?once=%s", w->url, w->sec->once[slot].code) >= cap) {
    sodium_memzero(w->sec->once[slot].code, sizeof(w->sec->once[slot].code));
    w->sec->once[slot].until_ms = 0;
    rc = SR_ETOOBIG;
  }
  pthread_mutex_unlock(&w->omu);
  return rc;
}

/* 1 when code is a live one-time code, which is then used up. Every slot is
 * compared, in constant time, whatever matches. */
static int once_used(sr_web_t *w, const char *code) {
  uint64_t now = mono_ms();
  int hit = 0;
  if (!code || strlen(code) != SR_WEB_ONCE_HEX) return 0;
  pthread_mutex_lock(&w->omu);
  for (size_t i = 0; i < SR_WEB_ONCE_MAX; i++) {
    int live = w->sec->once[i].until_ms > now;
    int same = sodium_memcmp(w->sec->once[i].code, code, SR_WEB_ONCE_HEX) == 0;
    if (live && same && w->sec->once[i].code[0]) {
      hit = 1;
      sodium_memzero(w->sec->once[i].code, sizeof(w->sec->once[i].code));
      w->sec->once[i].until_ms = 0;
    }
  }
  pthread_mutex_unlock(&w->omu);
  return hit;
}

static enum MHD_Result page(struct MHD_Connection *c, unsigned status, const char *html) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(html), (void *)html, MHD_RESPMEM_PERSISTENT);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
  return sr_web_queue(c, status, resp, 1);
}

/* GET /login?token=TOKEN, or ?once=CODE (sr_web_once). */
enum MHD_Result sr_web_login(sr_web_req_t *r) {
  const char *token = sr_web_arg(r, "token");
  char cookie[200];
  struct MHD_Response *resp;
  if (!same_secret(token, r->w->sec->token) && !once_used(r->w, sr_web_arg(r, "once")))
    return page(r->conn, MHD_HTTP_UNAUTHORIZED,
                "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Seurone: not signed in</title>"
                "<h1>This link does not open your node</h1><p>Run <code>seurone ui</code> on the machine where your "
                "node runs, and open the link it prints.</p></html>\n");
  if (sr_web_session_cookie(r->w, cookie, sizeof(cookie))) return MHD_NO;
  resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    sodium_memzero(cookie, sizeof(cookie));
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Set-Cookie", cookie);
  MHD_add_response_header(resp, "Location", "/");
  sodium_memzero(cookie, sizeof(cookie));
  return sr_web_queue(r->conn, MHD_HTTP_SEE_OTHER, resp, 1);
}

int sr_web_login_url(const char *home, char *url, size_t cap, char *err, size_t errlen) {
  char path[4200], token[SR_WEB_TOKEN_HEX + 1];
  json_error_t je;
  json_t *o;
  const char *web;
  int rc = sr_control_run_info(home, NULL, NULL, 0);
  if (rc) {
    snprintf(
        err, errlen,
        "no node is running in %s: start it with `seurone --home %s run` (in its own terminal, or as a service), then `seurone ui` again",
        home, home);
    return rc == SR_ECONTROL ? SR_ECONTROL : SR_ENONODE;
  }
  snprintf(path, sizeof(path), "%s/run.json", home);
  if (!(o = json_load_file(path, 0, &je))) {
    snprintf(err, errlen, "cannot read %s", path);
    return SR_ENONODE;
  }
  web = json_string_value(json_object_get(o, "web"));
  if (!web || strncmp(web, "http://", 7)) {
    snprintf(err, errlen,
             "the node running in %s serves no web app (`web = off` in %s/config, a relay, or its port was taken: "
             "its log says which); set `web = 127.0.0.1:8737` there and restart it",
             home, home);
    json_decref(o);
    return SR_ENOTFOUND;
  }
  if ((rc = sr_web_token(home, 0, token, err, errlen)) == 0) {
    if ((size_t)snprintf(url, cap, "%s/login?token=%s", web, token) >= cap) rc = SR_ETOOBIG;
    sodium_memzero(token, sizeof(token));
  }
  json_decref(o);
  return rc;
}
