/* cmd_backup.c: `seurone backup` (docs/backup.md): the whole identity in one
 * file (the key sealed with a passphrase, the config, the store; node/backup.h),
 * the store alone (--store-only), or the paper key (--paper, node/paper.h).
 * `seurone restore` is cmd_restore.c. */
#include "tools/cli/cli.h"
#include "node/backup.h"
#include "node/keyfile.h"
#include "node/paper.h"
#include "store/maintenance.h"
#include "store/read.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX (1 << 20)
#define PROGRESS_FROM (8u << 20) /* a store smaller than this is copied without a progress line */

/* The old `backup FILE`: the store alone, an LMDB data file. */
static int store_only(sr_cli_t *cli, const char *file) {
  sr_store_t *st = cli_open_store(cli, 0);
  sr_store_info_t info;
  if (!st) return SR_EXIT_ENV;
  int rc = sr_store_backup(st, file);
  if (rc) {
    rc = cli_fail(SR_EXIT_ENV, "backup failed: %s", sr_store_errmsg(st));
    sr_store_close(st);
    return rc;
  }
  if (sr_store_info(st, &info) != 0) {
    rc = cli_fail(SR_EXIT_ENV, "the backup is written, but the store could not be counted: %s", sr_store_errmsg(st));
    sr_store_close(st);
    return rc;
  }
  /* The store alone is not a person: say what else a complete backup needs. */
  char secret[4200], config[4200];
  sr_home_secret_path(cli->home, secret, sizeof(secret));
  snprintf(config, sizeof(config), "%s/config", cli->home);
  if (cli->json) {
    cli_json_print(json_pack("{s:o, s:I, s:[o,o]}", "file", cli_json_text(file), "entries", (json_int_t)info.entries,
                             "also_back_up", cli_json_text(secret), cli_json_text(config)));
  } else {
    fputs("wrote ", stdout);
    cli_text_put(stdout, file, strlen(file));
    printf(": the store, %zu %s\n", info.entries, cli_plural(info.entries, "entry", "entries"));
    fputs("a complete backup also needs your key file ", stdout);
    cli_text_put(stdout, secret, strlen(secret));
    fputs(" (whoever holds it can write as you: keep that copy\nprivate) and ", stdout);
    cli_text_put(stdout, config, strlen(config));
    fputs(
        ". Restore: key file to HOME/secret (chmod 600), config to HOME/config,\nthe store file to "
        "HOME/store/data.mdb, then `seurone verify`; or make a whole backup with `seurone backup FILE`.\n",
        stdout);
  }
  sr_store_close(st);
  return 0;
}

/* A whole file of at most cap bytes into buf: 0, 1 when it does not exist, or -1 (errno). */
static int slurp(const char *path, char *buf, size_t cap, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  size_t n = 0;
  if (fd < 0) return errno == ENOENT ? 1 : -1;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      close(fd);
      return -1;
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n == cap) {
      close(fd);
      errno = EFBIG;
      return -1;
    }
  }
  close(fd);
  *len = n;
  return 0;
}

/* The key file's text, sealed: HOME/secret as it is when it is sealed (no
 * passphrase asked), else the key sealed with a new passphrase for the
 * backup (asked twice on a terminal, or from --passphrase-file/--passphrase-fd).
 * text is sodium_malloc'd (SR_KEYFILE_TEXT_MAX). 0 or an exit code, said. */
static int sealed_text(sr_cli_t *cli, char *text, size_t *len, int *asked) {
  char err[4600], path[4200];
  sr_keyfile_t kf;
  uint8_t pk[SR_KEY_BYTES], *sk = NULL, *back = NULL;
  char *pass = NULL;
  size_t plen = 0;
  int rc, code = 0;
  *asked = 0;
  if ((rc = sr_identity_probe(cli->home, pk, &kf, err, sizeof(err))) < 0) return cli_fail(SR_EXIT_ENV, "%s", err);
  if (rc == 1) {
    sr_home_secret_path(cli->home, path, sizeof(path));
    if (slurp(path, text, SR_KEYFILE_TEXT_MAX, len))
      return cli_fail(SR_EXIT_ENV, "cannot read %s: %s", path, strerror(errno ? errno : ENOENT));
    if (cli_pass_given(&cli->pass) && !cli->json)
      fprintf(stderr, "%s/secret is sealed already: the backup keeps it as it is (the passphrase given is not used)\n",
              cli->home);
    return 0;
  }
  /* Unsealed at home: the backup gets it sealed (a file that travels). */
  if (!(sk = cli_load_key(cli, &code))) return code;
  if (!(pass = cli_pass_alloc()) || !(back = sodium_malloc(SR_SECRET_BYTES))) {
    code = cli_fail(SR_EXIT_ENV, "out of memory for the passphrase");
    goto out;
  }
  if (!cli->json && !cli_pass_given(&cli->pass))
    fprintf(stderr,
            "%s/secret has no passphrase; the key in the backup is sealed with one. Choose it now (it is asked "
            "by `seurone restore` and every command that signs in the restored home).\n",
            cli->home);
  if ((rc = cli_pass_read(&cli->pass, "passphrase for the key in the backup: ", 1, pass, &plen)) == CLI_PASS_NO_TTY) {
    code = cli_fail(SR_EXIT_PASSPHRASE,
                    "the key of this home has no passphrase, and the backup's key must be sealed with one: no "
                    "terminal here to ask on, so give it with --passphrase-file FILE or --passphrase-fd N; nothing "
                    "was written");
    goto out;
  }
  if (rc) {
    code = rc;
    goto out;
  }
  *asked = 1;
  if ((rc = sr_keyfile_seal(sk, pass, plen, SR_KEYFILE_OPS_DEFAULT, SR_KEYFILE_MEM_DEFAULT, &kf)) ||
      (rc = sr_keyfile_open(&kf, pass, plen, back)) || sodium_memcmp(back, sk, SR_SECRET_BYTES) != 0 ||
      (rc = sr_keyfile_format(&kf, sk, text, SR_KEYFILE_TEXT_MAX)) < 0) {
    code =
        cli_fail(SR_EXIT_ENV, "cannot seal the key: %s; nothing was written",
                 rc == SR_ENOMEM ? "not enough memory for argon2id (64 MiB)" : sr_strerror(rc < 0 ? rc : SR_ECRYPTO));
    goto out;
  }
  *len = (size_t)rc;
out:
  cli_pass_free(pass);
  if (back) sodium_free(back);
  sodium_free(sk);
  return code;
}

/* In MiB, one line per MiB at most. */
static void progress(void *ctx, uint64_t done, uint64_t total) {
  static uint64_t last = UINT64_MAX;
  (void)ctx;
  if (total < PROGRESS_FROM || done >> 20 == last) return;
  last = done >> 20;
  cli_progress("writing the backup (MiB)", (size_t)(done >> 20), (size_t)(total >> 20));
}

static void size_words(uint64_t n, char *out, size_t cap) {
  if (n >= 10u << 20) snprintf(out, cap, "%llu MiB", (unsigned long long)(n >> 20));
  else if (n >= 10u << 10)
    snprintf(out, cap, "%llu KiB", (unsigned long long)(n >> 10));
  else
    snprintf(out, cap, "%llu bytes", (unsigned long long)n);
}

static int whole(sr_cli_t *cli, const char *file) {
  char *text = sodium_malloc(SR_KEYFILE_TEXT_MAX), *config = malloc(CONFIG_MAX), err[4600], cpath[4200], tmpstore[4200],
       hex[SR_HEX_KEY_LEN + 1], sz[40];
  size_t tlen = 0, clen = 0;
  uint8_t pk[SR_KEY_BYTES];
  sr_store_t *st = NULL;
  sr_store_info_t info;
  sr_head_t h;
  uint64_t size = 0;
  struct stat sb;
  int code = 0, asked = 0, rc;
  tmpstore[0] = '\0';
  if (!text || !config) {
    code = cli_fail(SR_EXIT_ENV, "out of memory");
    goto out;
  }
  if (lstat(file, &sb) == 0) {
    code = cli_fail(SR_EXIT_ENV, "%s exists: a backup never overwrites a file (choose another name)", file);
    goto out;
  }
  if (cli_load_pk(cli, pk) || !(st = cli_open_own_store(cli, pk))) {
    code = SR_EXIT_ENV;
    goto out;
  }
  if ((code = sealed_text(cli, text, &tlen, &asked))) goto out;
  snprintf(cpath, sizeof(cpath), "%s/config", cli->home);
  if ((rc = slurp(cpath, config, CONFIG_MAX, &clen)) < 0) {
    code = cli_fail(SR_EXIT_ENV, "cannot read %s: %s", cpath, strerror(errno));
    goto out;
  }
  if (rc == 1) clen = 0;
  /* The store's consistent copy first, beside FILE, then into it. */
  snprintf(tmpstore, sizeof(tmpstore), "%s.store.tmp", file);
  unlink(tmpstore); /* a copy a crashed backup left: never one of ours in use */
  if (sr_store_backup(st, tmpstore)) {
    code = cli_fail(SR_EXIT_ENV, "cannot copy the store: %s", sr_store_errmsg(st));
    tmpstore[0] = '\0';
    goto out;
  }
  if (sr_store_info(st, &info) || sr_store_get_head(st, pk, &h)) {
    code = cli_fail(SR_EXIT_ENV, "cannot count the store: %s", sr_store_errmsg(st));
    goto out;
  }
  sr_backup_section_t secs[3] = {
      {"key", text, tlen, NULL}, {"config", config, clen, NULL}, {"store", NULL, 0, tmpstore}};
  if ((rc = sr_backup_write(file, secs, 3, &size, progress, NULL, err, sizeof(err)))) {
    cli_status_clear();
    code = cli_fail(SR_EXIT_ENV, "backup failed: %s", err);
    goto out;
  }
  cli_status_clear();
  sr_hex_encode(pk, SR_KEY_BYTES, hex);
  if (cli->json) {
    cli_json_print(json_pack("{s:o, s:I, s:s, s:I, s:I, s:b, s:b, s:[s,s,s]}", "file", cli_json_text(file), "bytes",
                             (json_int_t)size, "id", hex, "entries", (json_int_t)info.entries, "seq", (json_int_t)h.seq,
                             "config", clen > 0, "passphrase_new", asked, "holds", "key", "config", "store"));
  } else {
    size_words(size, sz, sizeof(sz));
    fputs("wrote ", stdout);
    cli_text_put(stdout, file, strlen(file));
    printf(
        " (%s): your identity %.16s..., its key sealed with %s, %s, and the store: %zu %s, your log up to seq "
        "%llu.\n",
        sz, hex, asked ? "the passphrase you just gave" : "the passphrase of your key file",
        clen ? "your config" : "no config (none was set)", info.entries, cli_plural(info.entries, "entry", "entries"),
        (unsigned long long)h.seq);
    printf(
        "It also holds whom you follow and talk to: keep it as safe as your passphrase is strong.\n"
        "Restore it on another machine with `seurone --home DIR restore FILE`: it never forks your log (docs/backup.md).\n");
  }
out:
  if (tmpstore[0]) unlink(tmpstore);
  if (st) sr_store_close(st);
  if (text) sodium_free(text);
  free(config);
  return code;
}

static int paper(sr_cli_t *cli) {
  char code[SR_PAPER_TEXT_MAX], hex[SR_HEX_KEY_LEN + 1];
  int rc = 0;
  uint8_t *sk = cli_load_key(cli, &rc);
  if (!sk) return rc;
  sr_paper_encode(sk, code); /* the seed is the first half of libsodium's secret key */
  sr_hex_encode(sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES, hex);
  sodium_free(sk);
  if (cli->json) {
    code[strlen(code) - 1] = '\0';
    for (char *p = code; *p; p++)
      if (*p == '\n') *p = '-';
    cli_json_print(json_pack("{s:s, s:s, s:i}", "id", hex, "paper_key", code, "version", 1));
  } else {
    printf(
        "# seurone paper key 1: the secret key of identity %s\n"
        "# Whoever has it can write as you. Copy it by hand onto paper, keep it offline; type it\n"
        "# back with `seurone restore --paper` (case, spaces and dashes do not matter).\n%s",
        hex, code);
  }
  sodium_memzero(code, sizeof(code));
  return 0;
}

int cmd_backup(sr_cli_t *cli, int argc, char **argv) {
  const char *file = NULL;
  int store = 0, want_paper = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--store-only")) store = 1;
    else if (!strcmp(argv[i], "--paper"))
      want_paper = 1;
    else if (argv[i][0] == '-' && argv[i][1])
      return cli_fail(SR_EXIT_USAGE, "backup: unknown option %s (see seurone backup --help)", argv[i]);
    else if (file)
      return cli_fail(SR_EXIT_USAGE, "backup takes one FILE: got '%s' and '%s'", file, argv[i]);
    else
      file = argv[i];
  }
  if (want_paper) {
    if (file || store) return cli_fail(SR_EXIT_USAGE, "backup --paper takes no FILE: it prints the paper key");
    return paper(cli);
  }
  if (!file) return cli_fail(SR_EXIT_USAGE, "usage: seurone backup FILE | backup --paper | backup --store-only FILE");
  return store ? store_only(cli, file) : whole(cli, file);
}
