/* passphrase.c: where a passphrase comes from (cli.h): a terminal, asked
 * without echo, or, for a service, a file or a file descriptor. Never the
 * command line or the environment, which other users of the machine can read
 * (ps, /proc/PID/cmdline, /proc/PID/environ of their own children...): there
 * is no option that takes the passphrase itself. The passphrase is held in
 * sodium_malloc'd memory (locked out of swap where allowed, out of core
 * dumps) and wiped when freed. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "node/keyfile.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define TTY_TRIES 3 /* a mistyped passphrase on a terminal is asked again, so many times in all */

/* ---- the terminal ---- */

/* While echo is off: the terminal as it was, restored by a signal that ends
 * the process (Ctrl-C at the prompt must not leave a terminal that echoes
 * nothing). */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void tty_restore_and_die(int sig) {
  if (tty_fd >= 0) tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* One line from fd into buf (cap bytes, at most SR_KEYFILE_PASS_MAX of
 * passphrase), read a byte at a time so that nothing after the line is
 * taken from a pipe (two passphrases may come one a line through one fd).
 * 0; SR_ETOOBIG (too long), SR_EIO (a read failed). */
static int read_line(int fd, char *buf, size_t cap, size_t *len) {
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return SR_EIO;
    if (r == 0 || c == '\n') break;
    if (n + 1 >= cap) {
      sodium_memzero(&c, sizeof(c));
      return SR_ETOOBIG;
    }
    buf[n++] = c;
    sodium_memzero(&c, sizeof(c));
  }
  if (n && buf[n - 1] == '\r') n--; /* a file written on another system */
  buf[n] = '\0';
  *len = n;
  return 0;
}

/* Asks on the process's terminal (/dev/tty, as ssh and gpg do: stdin may be
 * a pipe of data) with echo off: 0, SR_ENOTFOUND when there is no terminal,
 * or read_line's errors. */
static int ask_tty(const char *prompt, char *buf, size_t cap, size_t *len) {
  struct termios t;
  struct sigaction sa, old[sizeof(tty_signals) / sizeof(tty_signals[0])];
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc;
  if (fd < 0) return SR_ENOTFOUND;
  if (tcgetattr(fd, &tty_saved) != 0) {
    close(fd);
    return SR_ENOTFOUND;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = tty_restore_and_die;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++) sigaction(tty_signals[i], &sa, &old[i]);
  tty_fd = fd;
  t = tty_saved;
  t.c_lflag &= ~(tcflag_t)ECHO;
  t.c_lflag |= ECHONL; /* the Enter shows, the passphrase does not */
  if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &t) != 0) rc = SR_EIO;
  else
    rc = read_line(fd, buf, cap, len);
  tcsetattr(fd, TCSAFLUSH, &tty_saved);
  tty_fd = -1;
  for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++) sigaction(tty_signals[i], &old[i], NULL);
  close(fd);
  return rc;
}

/* ---- files and descriptors ---- */

static int from_file(const char *file, char *buf, size_t cap, size_t *len) {
  struct stat sb;
  int fd = open(file, O_RDONLY | O_CLOEXEC), rc;
  if (fd < 0) return cli_fail(SR_EXIT_ENV, "cannot open the passphrase file %s: %s", file, strerror(errno));
  /* A passphrase others may read protects nothing from them (as ssh refuses
   * a key file others may read): a pipe or a terminal given as FILE is fine. */
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077)) {
    close(fd);
    return cli_fail(SR_EXIT_ENV,
                    "the passphrase file %s may be read by others (mode %03o): run `chmod 600 %s`, or give the "
                    "passphrase through --passphrase-fd N",
                    file, (unsigned)(sb.st_mode & 0777), file);
  }
  rc = read_line(fd, buf, cap, len);
  close(fd);
  if (rc == SR_ETOOBIG)
    return cli_fail(SR_EXIT_ENV, "the first line of %s is longer than a passphrase may be (%d bytes)", file,
                    SR_KEYFILE_PASS_MAX);
  if (rc) return cli_fail(SR_EXIT_ENV, "cannot read the passphrase file %s: %s", file, strerror(errno));
  if (*len == 0)
    return cli_fail(SR_EXIT_ENV, "the passphrase file %s holds no passphrase (its first line is empty)", file);
  return 0;
}

static int from_fd(const char *fdarg, const char *opt, char *buf, size_t cap, size_t *len) {
  uint64_t v;
  int rc;
  if (sr_parse_u64(fdarg, 0, INT_MAX, &v) != 0)
    return cli_fail(SR_EXIT_USAGE, "%s takes a file descriptor number (the passphrase is never an argument), got '%s'",
                    opt, fdarg);
  if (fcntl((int)v, F_GETFD) < 0) return cli_fail(SR_EXIT_ENV, "%s %s: no such open file descriptor", opt, fdarg);
  rc = read_line((int)v, buf, cap, len);
  if (rc == SR_ETOOBIG)
    return cli_fail(SR_EXIT_ENV, "the line read from %s %s is longer than a passphrase may be (%d bytes)", opt, fdarg,
                    SR_KEYFILE_PASS_MAX);
  if (rc) return cli_fail(SR_EXIT_ENV, "cannot read a passphrase from %s %s: %s", opt, fdarg, strerror(errno));
  if (*len == 0) return cli_fail(SR_EXIT_ENV, "%s %s gave an empty passphrase", opt, fdarg);
  return 0;
}

/* ---- what the commands call ---- */

char *cli_pass_alloc(void) { return sodium_malloc(SR_KEYFILE_PASS_MAX + 1); }

void cli_pass_free(char *pass) {
  if (pass) sodium_free(pass); /* wipes it */
}

int cli_pass_given(const cli_pass_src_t *src) { return src->file || src->fd; }

int cli_pass_read(const cli_pass_src_t *src, const char *prompt, int confirm, char *pass, size_t *len) {
  char *again;
  size_t alen;
  int rc;
  if (src->file) return from_file(src->file, pass, SR_KEYFILE_PASS_MAX + 1, len);
  if (src->fd) return from_fd(src->fd, src->fd_opt, pass, SR_KEYFILE_PASS_MAX + 1, len);
  for (;;) {
    rc = ask_tty(prompt, pass, SR_KEYFILE_PASS_MAX + 1, len);
    if (rc == SR_ENOTFOUND) return CLI_PASS_NO_TTY;
    if (rc == SR_ETOOBIG) return cli_fail(SR_EXIT_USAGE, "a passphrase is at most %d bytes", SR_KEYFILE_PASS_MAX);
    if (rc) return cli_fail(SR_EXIT_ENV, "cannot read from the terminal: %s", strerror(errno));
    if (*len == 0) {
      if (!confirm) return cli_fail(SR_EXIT_PASSPHRASE, "no passphrase typed: nothing was done");
      fputs("seurone: an empty passphrase seals nothing; type one (or Ctrl-C)\n", stderr);
      continue;
    }
    if (!confirm) return 0;
    if (!(again = cli_pass_alloc())) return cli_fail(SR_EXIT_ENV, "out of memory for the passphrase");
    rc = ask_tty("the same passphrase again: ", again, SR_KEYFILE_PASS_MAX + 1, &alen);
    int same = rc == 0 && alen == *len && sodium_memcmp(again, pass, alen) == 0;
    cli_pass_free(again);
    if (rc) return cli_fail(SR_EXIT_ENV, "cannot read from the terminal: %s", strerror(errno));
    if (same) return 0;
    fputs("seurone: the two passphrases differ; once more\n", stderr);
  }
}

uint8_t *cli_load_key(sr_cli_t *cli, int *code) {
  char err[4600], prompt[4300], *pass = NULL;
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES);
  size_t len = 0;
  int rc, tries = 0;
  if (code) *code = SR_EXIT_ENV;
  if (!sk) {
    cli_fail(SR_EXIT_ENV, "out of memory for the secret key");
    return NULL;
  }
  rc = sr_identity_load(cli->home, NULL, 0, sk, err, sizeof(err));
  if (rc == SR_ENEEDPASS && !(pass = cli_pass_alloc())) {
    cli_fail(SR_EXIT_ENV, "out of memory for the passphrase");
    goto fail;
  }
  snprintf(prompt, sizeof(prompt), "passphrase of %s/secret: ", cli->home);
  while (rc == SR_ENEEDPASS || (rc == SR_EPASSPHRASE && !cli_pass_given(&cli->pass) && tries < TTY_TRIES)) {
    if (rc == SR_EPASSPHRASE) fputs("seurone: wrong passphrase; try again\n", stderr);
    int r = cli_pass_read(&cli->pass, prompt, 0, pass, &len);
    if (r == CLI_PASS_NO_TTY) {
      if (code) *code = SR_EXIT_PASSPHRASE;
      cli_fail(SR_EXIT_PASSPHRASE, "%s (no terminal here to ask on)", err);
      goto fail;
    }
    if (r) { /* said */
      if (code) *code = r;
      goto fail;
    }
    rc = sr_identity_load(cli->home, pass, len, sk, err, sizeof(err));
    tries++;
  }
  if (rc) {
    int c = cli_fail(rc == SR_EPASSPHRASE || rc == SR_ENEEDPASS ? SR_EXIT_PASSPHRASE : SR_EXIT_ENV, "%s", err);
    if (code) *code = c;
    goto fail;
  }
  cli_pass_free(pass);
  if (code) *code = 0;
  return sk;
fail:
  cli_pass_free(pass);
  sodium_free(sk);
  return NULL;
}
