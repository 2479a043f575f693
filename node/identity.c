/* identity.c: key file and home directory handling (see identity.h).
 * The key file is text so a person can back it up and read what it is:
 *   # seurone secret key ...
 *   ed25519 <128 lowercase hex: libsodium's 64-byte secret key>
 * Secrets are wiped from every buffer on every exit path. */
#include "node/identity.h"
#include "core/err.h"
#include "core/hex.h"
#include "store/store.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sr_home_resolve(const char *flag, char *out, size_t cap) {
  const char *env = getenv("SEURONE_HOME"), *home = getenv("HOME");
  int n;
  if (flag && *flag) n = snprintf(out, cap, "%s", flag);
  else if (env && *env)
    n = snprintf(out, cap, "%s", env);
  else if (home && *home)
    n = snprintf(out, cap, "%s/.seurone", home);
  else
    return SR_EINVAL;
  return n > 0 && (size_t)n < cap ? 0 : SR_ETOOBIG;
}

void sr_home_store_path(const char *home, char *out, size_t cap) { snprintf(out, cap, "%s/store", home); }
void sr_home_secret_path(const char *home, char *out, size_t cap) { snprintf(out, cap, "%s/secret", home); }

int sr_home_store_open(const char *home, int create, sr_store_t **out, char *err, size_t errlen) {
  char path[4200], why[4600];
  int rc;
  sr_home_store_path(home, path, sizeof(path));
  if ((rc = sr_home_check_store(path, why, sizeof(why)))) {
    if (err) snprintf(err, errlen, "%s", why);
    return rc;
  }
  return sr_store_open(path, create, out, err, errlen);
}

int sr_identity_create(const char *home, uint8_t sk[SR_SECRET_BYTES]) {
  char path[4200], hex[2 * SR_SECRET_BYTES + 1], text[400];
  uint8_t pk[SR_KEY_BYTES];
  int fd, rc = 0, n;
  if (mkdir(home, 0700) != 0 && errno != EEXIST) return SR_EIO;
  sr_home_secret_path(home, path, sizeof(path));
  /* O_EXCL never follows a link; O_NOFOLLOW says so twice. */
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return errno == EEXIST ? SR_EEXIST : SR_EIO;
  if (crypto_sign_keypair(pk, sk) != 0) {
    rc = SR_ECRYPTO;
    goto cleanup;
  }
  sr_hex_encode(sk, SR_SECRET_BYTES, hex);
  n = snprintf(text, sizeof(text),
               "# seurone secret key: whoever holds this file can write as you. Keep it private.\n"
               "ed25519 %s\n",
               hex);
  if (write(fd, text, (size_t)n) != n || fsync(fd) != 0) rc = SR_EIO;
cleanup:
  close(fd);
  if (rc) unlink(path);
  sodium_memzero(hex, sizeof(hex));
  sodium_memzero(text, sizeof(text));
  return rc;
}

/* 1 when HOME/store names an identity although HOME/secret is missing: err then
 * says how to restore the key (sr_identity_check_store). */
static int no_key_but_owned(const char *home, char *err, size_t errlen) {
  char path[4200];
  sr_store_t *st = NULL;
  int owned;
  sr_home_store_path(home, path, sizeof(path));
  if (access(path, F_OK) != 0 || sr_home_store_open(home, 0, &st, NULL, 0) != 0) return 0;
  owned = sr_identity_check_store(home, st, NULL, err, errlen) == SR_EIDENTITY;
  sr_store_close(st);
  return owned;
}

int sr_identity_check_store(const char *home, sr_store_t *st, const uint8_t *pk, char *err, size_t errlen) {
  uint8_t self[SR_KEY_BYTES];
  char shex[SR_KEY_BYTES * 2 + 1], khex[SR_KEY_BYTES * 2 + 1];
  if (sr_store_get_self(st, self) != 0) return 0; /* a store that names nobody fits any key */
  if (pk && memcmp(pk, self, SR_KEY_BYTES) == 0) return 0;
  sr_hex_encode(self, SR_KEY_BYTES, shex);
  if (!pk) {
    snprintf(err, errlen,
             "the store in %s/store belongs to the identity %s, but %s/secret (its key) is missing. "
             "Restore the key file from your backup: copy it to %s/secret and run `chmod 600 %s/secret`. "
             "Do not run `seurone init` here: a new identity could never write to this log",
             home, shex, home, home, home);
  } else {
    sr_hex_encode(pk, SR_KEY_BYTES, khex);
    snprintf(err, errlen,
             "%s/secret holds the identity %s, but the store in %s/store belongs to %s. "
             "Put that identity's key file back as %s/secret, or, to start afresh as %s, move %s/store away",
             home, khex, home, shex, home, khex, home);
  }
  return SR_EIDENTITY;
}

int sr_identity_load(const char *home, uint8_t sk[SR_SECRET_BYTES], char *err, size_t errlen) {
  char path[4200], buf[512], *line, *save = NULL;
  struct stat sb;
  ssize_t n;
  int fd, rc = SR_EKEYFILE;
  /* Every command that signs, and the node, load the key: a home others may
   * write is refused here, before anything in it is trusted. */
  if ((rc = sr_home_check(home, err, errlen))) return rc;
  rc = SR_EKEYFILE;
  sr_home_secret_path(home, path, sizeof(path));
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (no_key_but_owned(home, err, errlen)) return SR_ENOKEY;
    snprintf(err, errlen, "no identity in %s: run `seurone init` (or pass --home DIR)", home);
    return SR_ENOKEY;
  }
  if (fstat(fd, &sb) == 0 && sb.st_uid != geteuid()) {
    snprintf(err, errlen,
             "%s belongs to another user (uid %u, you are %u): a key file that is not yours is not "
             "your identity; put your own key file back there",
             path, (unsigned)sb.st_uid, (unsigned)geteuid());
    close(fd);
    return SR_EPERM;
  }
  if (fstat(fd, &sb) != 0 || (sb.st_mode & 077)) {
    snprintf(err, errlen, "%s is readable by others (mode %03o); run `chmod 600 %s` and check who may have copied it",
             path, (unsigned)(sb.st_mode & 0777), path);
    close(fd);
    return SR_EPERM;
  }
  n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) goto bad;
  buf[n] = '\0';
  for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || line[0] == '\0') continue;
    if (strncmp(line, "ed25519 ", 8) != 0 || sr_hex_decode(line + 8, sk, SR_SECRET_BYTES) != 0) break;
    /* The public half is stored in the secret key; check it matches the seed. */
    uint8_t pk[SR_KEY_BYTES], sk2[SR_SECRET_BYTES];
    crypto_sign_seed_keypair(pk, sk2, sk);
    rc = sodium_memcmp(sk2, sk, SR_SECRET_BYTES) == 0 ? 0 : SR_EKEYFILE;
    sodium_memzero(sk2, sizeof(sk2));
    break;
  }
bad:
  sodium_memzero(buf, sizeof(buf));
  if (rc) {
    sodium_memzero(sk, SR_SECRET_BYTES);
    snprintf(err, errlen, "%s is not a seurone key file (expected a line `ed25519 <128 hex digits>`)", path);
  }
  return rc;
}
