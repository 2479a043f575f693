/* cmd_restore.c: `seurone restore` (docs/backup.md): a backup file
 * (node/backup.h) or a paper key (node/paper.h) into a new or empty home,
 * which then publishes nothing until it has fetched its own latest entry from
 * a peer (the restore stop, store/restore_gate.h); and `restore
 * --no-other-copy`, the person lifting that stop. */
#include "tools/cli/cli.h"
#include "node/backup.h"
#include "node/device.h"
#include "node/keyfile.h"
#include "node/paper.h"
#include "store/read.h"
#include "store/restore_gate.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX (1 << 20)
#define PAPER_TEXT_MAX 8192
#define TTY_TRIES 3

/* A new or empty home: no key file, no store file; made (0700) when missing. */
static int empty_home(sr_cli_t *cli) {
  char path[4200], err[4600];
  struct stat sb;
  sr_home_secret_path(cli->home, path, sizeof(path));
  if (lstat(path, &sb) == 0)
    return cli_fail(SR_EXIT_ENV,
                    "%s holds an identity already (%s): restore into a new home, e.g. `seurone --home NEWDIR restore "
                    "...`; nothing was changed",
                    cli->home, path);
  snprintf(path, sizeof(path), "%s/store/data.mdb", cli->home);
  if (lstat(path, &sb) == 0)
    return cli_fail(SR_EXIT_ENV,
                    "%s holds a store already (%s) but no key: restore into a new home (--home NEWDIR), or remove "
                    "that store first; nothing was changed",
                    cli->home, path);
  if (mkdir(cli->home, 0700) != 0 && errno != EEXIST)
    return cli_fail(SR_EXIT_ENV, "cannot create %s: %s", cli->home, strerror(errno));
  if (sr_home_check(cli->home, err, sizeof(err))) return cli_fail(SR_EXIT_ENV, "%s", err);
  sr_home_store_path(cli->home, path, sizeof(path));
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return cli_fail(SR_EXIT_ENV, "cannot create %s: %s", path, strerror(errno));
  return 0;
}

/* HOME/device written fresh: the person says this is the copy that publishes. */
static int claim_device(sr_cli_t *cli) {
  char err[4600];
  sr_home_device_t *d = calloc(1, sizeof(*d));
  int rc = d ? sr_device_claim(cli->home, d, NULL, err, sizeof(err)) : SR_ENOMEM;
  free(d);
  if (rc == SR_ENOMEM) snprintf(err, sizeof(err), "out of memory");
  return rc ? cli_fail(SR_EXIT_ENV, "the identity is restored, but HOME/device could not be written: %s", err) : 0;
}

/* In MiB, one line per MiB at most (a store of 8 MiB or more). */
static void progress(void *ctx, uint64_t done, uint64_t total) {
  static uint64_t last = UINT64_MAX;
  if (total < (8u << 20) || done >> 20 == last) return;
  last = done >> 20;
  cli_progress(ctx, (size_t)(done >> 20), (size_t)(total >> 20));
}

static void next_steps(sr_cli_t *cli, int paper) {
  if (cli->json) return;
  fprintf(stderr,
          "This home publishes nothing until it has fetched your latest entry from a peer or relay that holds your "
          "log: %s. %s`seurone run` fetches it, and says so when publishing is allowed again (`seurone status` "
          "shows it).\n"
          "If no peer or relay holds your log and no other copy of this identity exists anywhere: `seurone restore "
          "--no-other-copy --yes`.\n",
          paper ? "its store is empty, and a first entry now would fork your log"
                : "an entry now could take the place of one written after the backup, and fork your log",
          paper ? "Add a friend or your relay first (`seurone peer add ADDRESS`); " : "");
}

static int from_file(sr_cli_t *cli, const char *file) {
  sr_backup_info_t info;
  char err[4600], path[4200], why[200], hex[SR_HEX_KEY_LEN + 1];
  char *text = sodium_malloc(SR_KEYFILE_TEXT_MAX + 1), *config = NULL;
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES), self[SR_KEY_BYTES];
  sr_keyfile_t kf;
  sr_store_t *st = NULL;
  sr_store_info_t si;
  sr_head_t h;
  size_t tlen = 0, clen = 0;
  int code = 0, rc, ik, ic, is, wrote_store = 0;
  if (!text || !sk) {
    code = cli_fail(SR_EXIT_ENV, "out of memory");
    goto out;
  }
  if (!cli->json && cli_tty()) fprintf(stderr, "checking the backup...\n");
  if ((rc = sr_backup_check(file, &info, progress, "checking the backup (MiB)", err, sizeof(err)))) {
    cli_status_clear();
    code = cli_fail(rc == SR_EBACKUP ? SR_EXIT_PROBLEM : SR_EXIT_ENV, "%s; nothing was restored", err);
    goto out;
  }
  cli_status_clear();
  ik = sr_backup_find(&info, "key");
  ic = sr_backup_find(&info, "config");
  is = sr_backup_find(&info, "store");
  if (ik < 0 || is < 0) {
    code = cli_fail(SR_EXIT_PROBLEM, "%s holds no %s: not a backup of a home; nothing was restored", file,
                    ik < 0 ? "key" : "store");
    goto out;
  }
  if ((rc = sr_backup_read(file, &info, ik, text, SR_KEYFILE_TEXT_MAX, &tlen, err, sizeof(err))) ||
      (rc = sr_keyfile_parse(text, tlen, &kf, sk, why, sizeof(why)))) {
    code = cli_fail(SR_EXIT_PROBLEM, "the key in %s cannot be read: %s; nothing was restored", file,
                    rc == SR_EKEYFILE ? why : err);
    goto out;
  }
  if (ic >= 0 && info.sec[ic].len) {
    if (!(config = malloc(CONFIG_MAX)) ||
        (rc = sr_backup_read(file, &info, ic, config, CONFIG_MAX, &clen, err, sizeof(err)))) {
      code = cli_fail(SR_EXIT_PROBLEM, "the config in %s cannot be read: %s; nothing was restored", file,
                      config ? err : "out of memory");
      goto out;
    }
  }
  if ((code = empty_home(cli))) goto out;
  snprintf(path, sizeof(path), "%s/store/data.mdb", cli->home);
  if ((rc = sr_backup_extract(file, &info, is, path, progress, "restoring the store (MiB)", err, sizeof(err)))) {
    cli_status_clear();
    code = cli_fail(SR_EXIT_ENV, "cannot restore the store: %s", err);
    goto out;
  }
  cli_status_clear();
  wrote_store = 1;
  if (!(st = cli_open_store(cli, 0))) {
    code = SR_EXIT_ENV;
    goto out;
  }
  /* The key and the store are one person's only together (node/identity.h). */
  if (sr_store_get_self(st, self) == 0 && sodium_memcmp(self, kf.pk, SR_KEY_BYTES) != 0) {
    code = cli_fail(SR_EXIT_PROBLEM, "the store in %s belongs to another identity than its key; nothing was restored",
                    file);
    goto out;
  }
  if ((rc = sr_store_set_self(st, kf.pk)) || (rc = sr_store_restore_gate_set(st, cli_now_ms(), 0)) ||
      (rc = sr_store_info(st, &si)) || (rc = sr_store_get_head(st, kf.pk, &h))) {
    code = cli_fail(SR_EXIT_ENV, "cannot set up the restored store: %s",
                    rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    goto out;
  }
  sr_store_close(st);
  st = NULL;
  snprintf(path, sizeof(path), "%s/config", cli->home);
  errno = 0;
  if (clen && sr_home_replace_file(path, config, clen, 0600)) {
    code = cli_fail(SR_EXIT_ENV, "cannot write %s: %s", path, strerror(errno));
    goto out;
  }
  /* The key last: a restore that failed before leaves a home without one. */
  sr_home_secret_path(cli->home, path, sizeof(path));
  errno = 0;
  if (sr_home_replace_file(path, text, tlen, 0600)) {
    code = cli_fail(SR_EXIT_ENV, "cannot write %s: %s", path, strerror(errno));
    goto out;
  }
  wrote_store = 0;
  if ((code = claim_device(cli))) goto out;
  sr_hex_encode(kf.pk, SR_KEY_BYTES, hex);
  if (cli->json)
    cli_json_print(json_pack("{s:s, s:o, s:I, s:I, s:b, s:b, s:b}", "id", hex, "home", cli_json_text(cli->home),
                             "entries", (json_int_t)si.entries, "seq", (json_int_t)h.seq, "sealed", kf.sealed, "config",
                             clen > 0, "restore_pending", 1));
  else {
    printf("%s\n", hex);
    fprintf(stderr, "restored identity %.16s... into ", hex);
    cli_text_put(stderr, cli->home, strlen(cli->home));
    fprintf(stderr, ": %zu %s, your log up to seq %llu%s%s.\n", si.entries, cli_plural(si.entries, "entry", "entries"),
            (unsigned long long)h.seq, clen ? ", the config" : "",
            kf.sealed ? ", the key sealed with the passphrase of the backup" : "");
    next_steps(cli, 0);
  }
out:
  if (st) sr_store_close(st);
  if (wrote_store && code) { /* no half-restored home: the store without its key is removed */
    snprintf(path, sizeof(path), "%s/store/data.mdb", cli->home);
    unlink(path);
    snprintf(path, sizeof(path), "%s/store/lock.mdb", cli->home);
    unlink(path);
  }
  if (text) sodium_free(text);
  if (sk) sodium_free(sk);
  free(config);
  return code;
}

/* ---- the paper key ---- */

/* Lines from the terminal (echoed: a code typed blind is mistyped) until 64
 * characters of a code came, or an empty line. 0, SR_ENOTFOUND without a
 * terminal, SR_EIO. */
static int ask_code(char *buf, size_t cap, size_t *len) {
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  size_t n = 0, chars = 0;
  static const char prompt[] =
      "type your paper key (64 characters; case, spaces and dashes do not matter), then Enter:\n";
  if (fd < 0) return SR_ENOTFOUND;
  if (write(fd, prompt, sizeof(prompt) - 1) < 0) {
    close(fd);
    return SR_EIO;
  }
  while (n + 1 < cap) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (c == '\n') {
      if (chars >= SR_PAPER_CHARS || chars == 0) break;
      buf[n++] = c;
      continue;
    }
    buf[n++] = c;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) chars++;
  }
  close(fd);
  *len = n;
  return 0;
}

static int read_paper_file(const char *file, char *buf, size_t cap, size_t *len) {
  int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
  size_t n = 0;
  if (fd < 0) return cli_fail(SR_EXIT_ENV, "cannot open %s: %s", file, strerror(errno));
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      if (fd) close(fd);
      return cli_fail(SR_EXIT_ENV, "cannot read %s: %s", file, strerror(errno));
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n == cap) {
      if (fd) close(fd);
      return cli_fail(SR_EXIT_USAGE, "%s is longer than a paper key could be", file);
    }
  }
  if (fd) close(fd);
  *len = n;
  return 0;
}

/* Whether to seal the key: 1 yes, 0 no, else an exit code (said). */
static int choose_seal(sr_cli_t *cli, int no_pass) {
  char answer[16];
  if (no_pass) return 0;
  if (cli_pass_given(&cli->pass)) return 1;
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return cli_fail(SR_EXIT_USAGE,
                    "no terminal here to ask whether to seal the key: give a passphrase with --passphrase-file FILE "
                    "or --passphrase-fd N, or say --no-passphrase; nothing was restored");
  static const char q[] = "seal the key in this home with a passphrase? [Y/n] ";
  ssize_t r = write(fd, q, sizeof(q) - 1);
  r = r < 0 ? r : read(fd, answer, sizeof(answer) - 1);
  close(fd);
  if (r < 0) return cli_fail(SR_EXIT_ENV, "cannot read from the terminal: %s", strerror(errno));
  return !(r > 0 && (answer[0] == 'n' || answer[0] == 'N'));
}

static int from_paper(sr_cli_t *cli, const char *pfile, int no_pass) {
  char *text = sodium_malloc(PAPER_TEXT_MAX), why[300], err[4600], hex[SR_HEX_KEY_LEN + 1], *pass = NULL;
  uint8_t *seed = sodium_malloc(SR_PAPER_SEED_BYTES), *sk = sodium_malloc(SR_SECRET_BYTES), pk[SR_KEY_BYTES];
  sr_keyfile_t kf;
  sr_store_t *st = NULL;
  size_t len = 0, plen = 0;
  int code = 0, rc, seal, bad, tries = 0;
  if (!text || !seed || !sk) {
    code = cli_fail(SR_EXIT_ENV, "out of memory");
    goto out;
  }
  for (;;) {
    if (pfile) code = read_paper_file(pfile, text, PAPER_TEXT_MAX, &len);
    else if ((rc = ask_code(text, PAPER_TEXT_MAX, &len)))
      code = cli_fail(SR_EXIT_USAGE, rc == SR_ENOTFOUND
                                         ? "no terminal here to type the paper key on: give it with --paper-file FILE "
                                           "(- for standard input)"
                                         : "cannot read from the terminal");
    if (code) goto out;
    if (!(rc = sr_paper_decode(text, len, seed, &bad, NULL, why, sizeof(why)))) break;
    if (pfile || ++tries >= TTY_TRIES) {
      code = cli_fail(SR_EXIT_PROBLEM, "the paper key does not check: %s; nothing was restored", why);
      goto out;
    }
    fprintf(stderr, "seurone: %s; type it again\n", why);
  }
  crypto_sign_seed_keypair(pk, sk, seed);
  sr_hex_encode(pk, SR_KEY_BYTES, hex);
  if ((code = empty_home(cli))) goto out;
  if ((seal = choose_seal(cli, no_pass)) > 1) {
    code = seal;
    goto out;
  }
  if (seal) {
    if (!(pass = cli_pass_alloc())) {
      code = cli_fail(SR_EXIT_ENV, "out of memory for the passphrase");
      goto out;
    }
    if ((rc = cli_pass_read(&cli->pass, "new passphrase for the key: ", 1, pass, &plen))) {
      code = rc == CLI_PASS_NO_TTY ? cli_fail(SR_EXIT_PASSPHRASE, "no terminal here to ask for the passphrase on") : rc;
      goto out;
    }
    if (!cli->json) fprintf(stderr, "sealing the key (argon2id: about a second)...\n");
    if ((rc = sr_keyfile_seal(sk, pass, plen, SR_KEYFILE_OPS_DEFAULT, SR_KEYFILE_MEM_DEFAULT, &kf))) {
      code = cli_fail(SR_EXIT_ENV, "cannot seal the key: %s; nothing was restored", sr_strerror(rc));
      goto out;
    }
  }
  /* The store first, with its stop, then the key: never a key without the stop. */
  if (!(st = cli_open_store(cli, 1))) {
    code = SR_EXIT_ENV;
    goto out;
  }
  if ((rc = sr_store_set_self(st, pk)) || (rc = sr_store_restore_gate_set(st, cli_now_ms(), 1))) {
    code =
        cli_fail(SR_EXIT_ENV, "cannot set up the store: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    goto out;
  }
  sr_store_close(st);
  st = NULL;
  if (sr_identity_save(cli->home, seal ? &kf : NULL, sk, err, sizeof(err))) {
    code = cli_fail(SR_EXIT_ENV, "%s", err);
    goto out;
  }
  if ((code = claim_device(cli))) goto out;
  if (cli->json)
    cli_json_print(json_pack("{s:s, s:o, s:b, s:b}", "id", hex, "home", cli_json_text(cli->home), "sealed", seal,
                             "restore_pending", 1));
  else {
    printf("%s\n", hex);
    fprintf(stderr, "restored identity %.16s... from the paper key into ", hex);
    cli_text_put(stderr, cli->home, strlen(cli->home));
    fprintf(stderr, "%s. Check that it is the identity your friends know.\n",
            seal ? " (the key sealed with the passphrase you gave)"
                 : " (the key unsealed: `seurone key passphrase` seals it)");
    next_steps(cli, 1);
  }
out:
  if (st) sr_store_close(st);
  cli_pass_free(pass);
  if (text) sodium_free(text);
  if (seed) sodium_free(seed);
  if (sk) sodium_free(sk);
  return code;
}

/* ---- restore --no-other-copy ---- */

static int no_other_copy(sr_cli_t *cli, int yes) {
  uint8_t pk[SR_KEY_BYTES];
  sr_store_t *st;
  int was = 0, rc;
  if (!yes) {
    fprintf(stderr,
            "seurone: restore --no-other-copy lets this restored home publish before it has fetched your latest entry "
            "from a peer. Do it only when no peer or relay holds your log and no other copy of this identity exists "
            "anywhere (an old laptop, a second home): if one does and has published after the backup, your next "
            "entry forks your log for good. Then run `seurone restore --no-other-copy --yes`.\n");
    return SR_EXIT_USAGE;
  }
  if (cli_load_pk(cli, pk) || !(st = cli_open_own_store(cli, pk))) return SR_EXIT_ENV;
  /* Straight into the store, also while the node runs: its publish reads the stop each time. */
  rc = sr_store_restore_gate_clear(st, &was);
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "restore --no-other-copy failed: %s",
                  rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    sr_store_close(st);
    return rc;
  }
  sr_store_close(st);
  if (cli->json) cli_json_print(json_pack("{s:b}", "cleared", was));
  else
    fprintf(stderr, was ? "the restore stop is lifted: this home publishes again\n"
                        : "no restore was pending in this home: nothing changed\n");
  return 0;
}

int cmd_restore(sr_cli_t *cli, int argc, char **argv) {
  const char *file = NULL, *pfile = NULL;
  int paper = 0, none = 0, yes = 0, no_pass = 0, r;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--paper")) paper = 1;
    else if (!strcmp(argv[i], "--no-other-copy"))
      none = 1;
    else if (!strcmp(argv[i], "--yes"))
      yes = 1;
    else if (!strcmp(argv[i], "--no-passphrase"))
      no_pass = 1;
    else if ((r = cli_opt(argc, argv, &i, "--paper-file", &pfile)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      paper = 1;
    } else if (argv[i][0] == '-' && argv[i][1])
      return cli_fail(SR_EXIT_USAGE, "restore: unknown option %s (see seurone restore --help)", argv[i]);
    else if (file)
      return cli_fail(SR_EXIT_USAGE, "restore takes one FILE: got '%s' and '%s'", file, argv[i]);
    else
      file = argv[i];
  }
  if (none) {
    if (file || paper) return cli_fail(SR_EXIT_USAGE, "restore --no-other-copy takes no FILE and no paper key");
    return no_other_copy(cli, yes);
  }
  if (no_pass && cli_pass_given(&cli->pass))
    return cli_fail(SR_EXIT_USAGE, "restore: --no-passphrase, or a passphrase to seal with, not both");
  if (paper) {
    if (file)
      return cli_fail(SR_EXIT_USAGE, "restore --paper takes no FILE (--paper-file FILE reads the code from one)");
    return from_paper(cli, pfile, no_pass);
  }
  if (no_pass)
    return cli_fail(SR_EXIT_USAGE,
                    "restore FILE: the key stays sealed as it is in the backup (--no-passphrase is for --paper)");
  if (!file)
    return cli_fail(SR_EXIT_USAGE,
                    "usage: seurone restore FILE | restore --paper [--paper-file F] | restore --no-other-copy --yes");
  return from_file(cli, file);
}
