/* fuzz_http: the web app's HTTP requests (node/web*.c) under libFuzzer, sent
 * to a real node over a real socket on 127.0.0.1.
 *
 * Once, at start: a new home in a temp dir (identity, store, HOME/config with
 * `listen` and `web` on 127.0.0.1 port 0), and the whole node (sr_node_run, as
 * `seurone run` runs it) on a thread of its own; HOME/run.json says the web
 * port, HOME/web.token gives what a signed-in browser holds. Then each input
 * is the bytes of one connection: placeholders are filled in, so the fuzzer
 * reaches what lies behind the sign-in, which it could never guess:
 *   @S@   a valid session cookie value (T.MAC, made now)
 *   @OLD@ a valid cookie two days old (its answer must renew it)
 *   @X@   a cookie past its 14 days (no credential at all)
 *   @T@   the web token (Bearer, /login?token=)
 *   @C@   the CSRF value
 *   @H@   127.0.0.1:PORT, the Host the server answers to
 * The bytes go out, the writing side is shut, and everything that comes back
 * until the node closes is judged by fuzz_http_check (fuzz_http.h): the node
 * must answer by the rules or close, never crash, leak, hang or stop. A node
 * thread that returns is a crash too.
 *
 * The node logs a line for much of what arrives: the harness adds libFuzzer's
 * -close_fd_mask=2, so that stderr goes nowhere while libFuzzer's own lines and
 * the sanitizers' reports still come out (FUZZ_HTTP_LOG=1 keeps the node's log).
 * Stop a run with Ctrl-C or libFuzzer's own limits: the node catches SIGTERM
 * (as `seurone run` does) and stops, which this harness reports as a crash.
 */
#include "core/core.h"
#include "node/daemon.h"
#include "node/device.h"
#include "node/identity.h"
#include "node/web.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_http.h"
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX (SR_WEB_BODY_MAX + 8192) /* a full body and its headers, filled in */
#define RSP_MAX (1u << 20)
#define STREAM_WAIT_MS 200 /* an event stream: read its headers, then hang up */

#define HOME_MAX 64 /* TMPDIR/fuzz_http.XXXXXX, a short TMPDIR */
static char home[HOME_MAX];
static uint16_t port;
static char token[SR_WEB_TOKEN_HEX + 1], csrf[2 * crypto_auth_hmacsha256_BYTES + 1];
static char cookie_now[160], cookie_old[160], cookie_expired[160], host[sizeof("127.0.0.1:65535")];
static atomic_int node_done, node_rc;
static char *req, *rsp;
static FILE *out; /* the real stderr (libFuzzer points fd 2 at /dev/null) */

static void die(const char *what) {
  fprintf(out, "fuzz_http: %s\n", what);
  fflush(out);
  abort();
}

/* T.MAC as the node makes it (docs/api.md, "Auth"). */
static void make_cookie(uint64_t t, char *out, size_t cap) {
  uint8_t key[SR_WEB_TOKEN_BYTES], mac[crypto_auth_hmacsha256_BYTES];
  char what[40], hex[2 * sizeof(mac) + 1];
  if (sr_hex_decode(token, key, sizeof(key)) != 0) die("the web token is not hex");
  snprintf(what, sizeof(what), "session %" PRIu64, t);
  crypto_auth_hmacsha256(mac, (const uint8_t *)what, strlen(what), key);
  sr_hex_encode(mac, sizeof(mac), hex);
  snprintf(out, cap, "%" PRIu64 ".%s", t, hex);
}

static void *node_main(void *arg) {
  sr_node_opts_t o = {.home = home, .relay = -1, .sk = arg};
  atomic_store(&node_rc, sr_node_run(&o));
  atomic_store(&node_done, 1);
  return NULL;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  remove(path);
  return 0;
}
/* At exit the node still runs (its files stay mapped until the process ends). */
static void rm_home(void) { nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static void setup_home(uint8_t *sk) {
  char err[256], path[128];
  const char *tmp = getenv("TMPDIR");
  sr_store_t *st = NULL;
  if (!tmp || !*tmp || strlen(tmp) > sizeof(home) - 24) tmp = "/tmp";
  snprintf(home, sizeof(home), "%s/fuzz_http.XXXXXX", tmp);
  if (!mkdtemp(home)) die("cannot make a temp dir");
  atexit(rm_home);
  if (sr_identity_create(home, sk) != 0) die("cannot create the identity");
  if (sr_home_store_open(home, 1, &st, err, sizeof(err)) != 0) die(err);
  if (sr_store_set_self(st, sk + SR_SECRET_PK_OFFSET) != 0) die("cannot record the identity");
  if (sr_device_check_store(home, st, err, sizeof(err)) != 0) die(err);
  sr_store_close(st);
  snprintf(path, sizeof(path), "%s/config", home);
  FILE *f = fopen(path, "w");
  if (!f || fputs("listen = 127.0.0.1:0\nweb = 127.0.0.1:0\n", f) < 0 || fclose(f) != 0) die("cannot write the config");
}

/* Waits for HOME/run.json to name the web app's port. */
static void wait_for_web(void) {
  char path[128], err[256];
  snprintf(path, sizeof(path), "%s/run.json", home);
  for (int i = 0; i < 3000 && !port; i++) {
    if (atomic_load(&node_done)) die("the node stopped as it started");
    json_t *run = json_load_file(path, 0, NULL);
    const char *web = json_string_value(json_object_get(run, "web"));
    const char *colon = web ? strrchr(web, ':') : NULL;
    if (colon) port = (uint16_t)atoi(colon + 1);
    json_decref(run);
    if (!port) usleep(10000);
  }
  if (!port) die("the node did not start its web app within 30 s");
  if (sr_web_token(home, 0, token, err, sizeof(err)) != 0) die(err);
  snprintf(host, sizeof(host), "127.0.0.1:%u", port);
}

static void start_node(void) {
  if (sodium_init() < 0) die("sodium_init failed");
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES); /* sr_node_run takes it over */
  if (!sk || !(req = malloc(REQ_MAX)) || !(rsp = malloc(RSP_MAX))) die("out of memory");
  setup_home(sk);
  pthread_t t;
  if (pthread_create(&t, NULL, node_main, sk) != 0) die("cannot start the node's thread");
  pthread_detach(t);
  wait_for_web();
  uint8_t key[SR_WEB_TOKEN_BYTES], mac[crypto_auth_hmacsha256_BYTES];
  if (sr_hex_decode(token, key, sizeof(key)) != 0) die("the web token is not hex");
  crypto_auth_hmacsha256(mac, (const uint8_t *)"csrf", 4, key);
  sr_hex_encode(mac, sizeof(mac), csrf);
  uint64_t now = (uint64_t)time(NULL);
  make_cookie(now, cookie_now, sizeof(cookie_now));
  make_cookie(now - 2 * 86400, cookie_old, sizeof(cookie_old));
  make_cookie(now - 15 * 86400, cookie_expired, sizeof(cookie_expired));
}

/* Adds -close_fd_mask=2 to the flags (libFuzzer reads them after this), and
 * -detect_leaks=0: libFuzzer's leak check after an input counts the node's own
 * threads' allocations against that input, and took a web job of an earlier
 * connection, still being answered, for a leak of the one being run (never
 * seen again on replay). Leaks stay checked by LeakSanitizer when this process
 * exits, and at the exit of every node of the ASan suite. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  static char *args[256], quiet[] = "-close_fd_mask=2", noleak[] = "-detect_leaks=0";
  int fd = dup(2);
  if (fd < 0 || !(out = fdopen(fd, "w"))) out = stderr;
  if (*argc + 3 > (int)(sizeof(args) / sizeof(args[0]))) return 0;
  int k = 0;
  args[k++] = (*argv)[0];
  args[k++] = noleak;
  if (!getenv("FUZZ_HTTP_LOG")) args[k++] = quiet;
  for (int i = 1; i < *argc; i++) args[k++] = (*argv)[i];
  args[k] = NULL;
  *argc = k;
  *argv = args;
  return 0;
}

/* The input with its placeholders filled in, into req; its length, and what it carried in *s. */
static size_t fill(const uint8_t *in, size_t n, fuzz_http_sent_t *s) {
  static const struct {
    const char *tag;
    const char *val;
  } tags[] = {{"@S@", cookie_now}, {"@OLD@", cookie_old}, {"@X@", cookie_expired},
              {"@T@", token},      {"@C@", csrf},         {"@H@", host}};
  size_t o = 0;
  memset(s, 0, sizeof(*s));
  s->token_hex = token;
  for (size_t i = 0; i < n;) {
    size_t k = 0, tl = 0;
    if (in[i] == '@')
      for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
        tl = strlen(tags[k].tag);
        if (n - i >= tl && !memcmp(in + i, tags[k].tag, tl)) break;
      }
    if (in[i] == '@' && k < sizeof(tags) / sizeof(tags[0])) {
      size_t vl = strlen(tags[k].val);
      if (o + vl > REQ_MAX) break;
      memcpy(req + o, tags[k].val, vl);
      o += vl, i += tl;
    } else {
      if (o + 1 > REQ_MAX) break;
      req[o++] = (char)in[i++];
    }
  }
  s->token = fuzz_http_contains(req, o, token);
  s->session = s->token || fuzz_http_contains(req, o, cookie_now);
  s->old_session = fuzz_http_contains(req, o, cookie_old);
  s->csrf = fuzz_http_contains(req, o, csrf);
  size_t a = 0;
  while (a < o && (req[a] == '\r' || req[a] == '\n')) a++;
  s->post = o - a >= 5 && !memcmp(req + a, "POST ", 5);
  s->head = o - a >= 5 && !memcmp(req + a, "HEAD ", 5);
  return o;
}

/* Sends req[0..n) and reads what comes back until the node closes; its length. */
static size_t exchange(size_t n) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket() failed");
  /* A refused or failed connect is tried again for a second before it counts:
   * what is judged is a web app that stopped listening, not a busy moment. */
  int tries = 0;
  while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    char why[200];
    int e = errno;
    close(fd);
    if (++tries == 10) {
      snprintf(why, sizeof(why), "the node no longer accepts connections: %s", strerror(e));
      die(why);
    }
    usleep(100000);
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) die("socket() failed");
  }
  for (size_t o = 0; o < n;) {
    ssize_t w = send(fd, req + o, n - o, MSG_NOSIGNAL);
    if (w <= 0) break; /* the node may close early (a refused request): what it said is still read */
    o += (size_t)w;
  }
  shutdown(fd, SHUT_WR);
  size_t got = 0;
  int stream = 0;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, stream ? STREAM_WAIT_MS : -1); /* no answer at all: libFuzzer's -timeout says so */
    if (r <= 0) break;
    ssize_t k = recv(fd, rsp + got, RSP_MAX - got, 0);
    if (k <= 0) break;
    got += (size_t)k;
    if (got == RSP_MAX) break;
    if (!stream && memmem(rsp, got, "text/event-stream", 17)) stream = 1;
  }
  close(fd);
  return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_http_sent_t s;
  if (!port) start_node(); /* here, not in LLVMFuzzerInitialize: after libFuzzer has silenced fd 2 */
  if (atomic_load(&node_done)) die("the node stopped");
  size_t n = fill(data, size, &s);
  size_t got = exchange(n);
  const char *why = fuzz_http_check(&s, rsp, got);
  if (why) {
    fprintf(out, "fuzz_http: %s\n--- request (%zu bytes) ---\n%.*s\n--- answer (%zu bytes) ---\n%.*s\n", why, n,
            (int)(n > 4000 ? 4000 : n), req, got, (int)(got > 4000 ? 4000 : got), rsp);
    fflush(out);
    abort();
  }
  if (atomic_load(&node_done)) {
    fprintf(out, "fuzz_http: the node stopped (rc %d)\n", atomic_load(&node_rc));
    fflush(out);
    abort();
  }
  return 0;
}
