/* util.c: helpers shared by the subcommands (see cli.h). */
#include "tools/cli/cli.h"
#include "node/control_req.h"
#include "core/clock.h"
#include "core/num.h"
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A message can quote what others sent (a relay's refusal, a bad line) or a
 * file name: escaped like every other text for the terminal (text.c). */
int cli_fail(int code, const char *fmt, ...) {
  va_list ap;
  char small[512], *msg = small;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL) {
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  if (!msg) msg = small; /* out of memory: the message cut */
  fputs("seurone: ", stderr);
  cli_text_put(stderr, msg, n < 0 ? 0 : msg == small && n >= (int)sizeof(small) ? sizeof(small) - 1 : (size_t)n);
  fputc('\n', stderr);
  if (msg != small) free(msg);
  return code;
}

int cli_is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_fail(SR_EXIT_USAGE, "%s needs a value", name);
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

sr_store_t *cli_open_store(sr_cli_t *cli, int create) {
  char path[4200], err[4600];
  sr_store_t *st = NULL;
  int rc;
  if ((rc = sr_home_check(cli->home, err, sizeof(err)))) {
    cli_fail(SR_EXIT_ENV, "%s", err);
    return NULL;
  }
  sr_home_store_path(cli->home, path, sizeof(path));
  rc = sr_home_store_open(cli->home, create, &st, err, sizeof(err));
  if (rc == SR_EPERM) cli_fail(SR_EXIT_ENV, "%s", err);
  else if (rc == SR_ENOSTORE)
    cli_fail(SR_EXIT_ENV, "no store in %s: run `seurone init` first (or pass --home DIR)", cli->home);
  else if (rc)
    cli_fail(SR_EXIT_ENV, "cannot open the store in %s: %s", path, err);
  return st;
}

int cli_load_pk(sr_cli_t *cli, uint8_t pk[SR_KEY_BYTES]) {
  char err[4600];
  int rc = sr_identity_probe(cli->home, pk, NULL, err, sizeof(err));
  if (rc < 0) {
    cli_fail(SR_EXIT_ENV, "%s", err);
    return rc;
  }
  return 0;
}

sr_store_t *cli_open_own_store(sr_cli_t *cli, const uint8_t pk[SR_KEY_BYTES]) {
  char err[4600];
  sr_store_t *st = cli_open_store(cli, 0);
  if (st && sr_identity_check_store(cli->home, st, pk, err, sizeof(err))) {
    cli_fail(SR_EXIT_ENV, "%s", err);
    sr_store_close(st);
    st = NULL;
  }
  return st;
}

static int output_lost; /* a JSON output could not be built or written: the exit code says so */

/* UTF-8 as written: jansson holds only valid UTF-8 strings, and escapes the
 * controls itself, so nothing in a JSON output needs \uXXXX for non-ASCII.
 * The document is dumped to memory first so that a dump failing half-way (out
 * of memory) writes nothing rather than a cut document, and a failure ends the
 * command with a non-zero exit (cli_exit_code) instead of an exit 0 without its
 * output. */
void cli_json_print(json_t *doc) {
  /* json_pack returns NULL for a string that is not UTF-8: say so, not "" */
  int rc = cli_json_put(stdout, NULL, doc, JSON_COMPACT);
  if (rc == SR_EINVAL)
    fputs("seurone: could not build the JSON output (out of memory, or a string that is not UTF-8)\n", stderr);
  else if (rc)
    fputs("seurone: could not build the JSON output: out of memory\n", stderr);
  if (rc) output_lost = 1;
  else
    fputc('\n', stdout);
}

int cli_json_put(FILE *f, const char *before, json_t *o, size_t flags) {
  /* a value that could not be made is missing from its object without a word,
   * and a dump that ran out of memory may return a text with a hole in it */
  int lost = sr_json_oom_take(), none = !o;
  char *text = o && !lost ? json_dumps(o, flags) : NULL;
  lost |= sr_json_oom_take();
  json_decref(o);
  if (!text || lost) {
    free(text);
    return none && !lost ? SR_EINVAL : SR_ENOMEM;
  }
  if (before) fputs(before, f);
  fputs(text, f);
  free(text);
  return 0;
}

void cli_output_lost(void) { output_lost = 1; }

int cli_exit_code(int rc) { return rc == 0 && output_lost ? SR_EXIT_ENV : rc; }

json_t *cli_json_text(const char *s) {
  json_t *j = json_string(s);
  if (!j) { /* not UTF-8 (a file name, say): its escaped form, which is */
    char *t = cli_text_cut(s, strlen(s), CLI_TEXT_WHOLE);
    j = json_string(t);
    free(t);
  }
  return j;
}

uint64_t cli_now_ms(void) {
  /* A test's clock (tests/multi/test_members.py makes an invite that expired
   * long ago with it): the wall time in ms, as digits; else the real one. */
  const char *t = getenv("SEURONE_TEST_NOW_MS");
  uint64_t v;
  if (t && sr_parse_u64(t, 1, UINT64_MAX, &v) == 0) return v;
  return sr_wall_ms();
}

void cli_time_utc(uint64_t ms, char *out, size_t cap) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!ms || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M", &tm)) snprintf(out, cap, "-");
}

int cli_tty(void) { return isatty(2); }

void cli_status(const char *fmt, ...) {
  va_list ap;
  if (!cli_tty()) return;
  fputs("\r\033[K", stderr); /* replace the line in place */
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fflush(stderr);
}

void cli_status_clear(void) {
  if (cli_tty()) fputs("\r\033[K", stderr), fflush(stderr);
}

void cli_progress(void *ctx, size_t done, size_t total) {
  static uint64_t last_ms;
  const char *what = ctx ? ctx : "working";
  uint64_t now = cli_now_ms();
  int last = total && done >= total;
  /* at most ~10 updates a second, plus the first and the last */
  if (!cli_tty() || (done > 1 && !last && now - last_ms < 100)) return;
  last_ms = now;
  if (total) cli_status("%s: %zu/%zu (%zu%%)", what, done, total, done * 100 / total);
  else
    cli_status("%s: %zu", what, done);
  if (last) fputc('\n', stderr);
}

int cli_read_code(int fd, char *code, size_t cap) {
  /* A little more than a code may hold, so that one too long is told so. */
  char buf[CLI_CODE_READ_MAX];
  size_t n = 0, a = 0;
  ssize_t r;
  int rc = 0;
  while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) != 0) {
    if (r < 0) {
      if (errno == EINTR) continue;
      rc = -1;
      goto out;
    }
    n += (size_t)r;
  }
  while (a < n && isspace((unsigned char)buf[a])) a++;
  while (n > a && isspace((unsigned char)buf[n - 1])) n--;
  if (n - a >= cap || n == sizeof(buf)) {
    rc = 1;
    goto out;
  }
  memcpy(code, buf + a, n - a);
  code[n - a] = '\0';
out:
  sodium_memzero(buf, sizeof(buf));
  return rc;
}
