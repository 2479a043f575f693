/* identity.c: key file and home directory handling (see identity.h).
 * The key file is text so a person can back it up and read what it is; its
 * two forms, plain and sealed with a passphrase, are node/keyfile.h's.
 * Every buffer that holds a secret (the file's text, a key) is sodium_malloc'd
 * (locked out of swap where the system allows, left out of core dumps) and
 * wiped on every exit path. */
#include "node/identity.h"
#include "core/err.h"
#include "core/hex.h"
#include "node/keyfile.h"
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
  char path[4200], *text = NULL;
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
  if (!(text = sodium_malloc(SR_KEYFILE_TEXT_MAX))) {
    rc = SR_ENOMEM;
    goto cleanup;
  }
  if ((n = sr_keyfile_format(NULL, sk, text, SR_KEYFILE_TEXT_MAX)) < 0) rc = n;
  else if (write(fd, text, (size_t)n) != n || fsync(fd) != 0)
    rc = SR_EIO;
cleanup:
  close(fd);
  if (rc) unlink(path);
  if (text) sodium_free(text); /* wipes it */
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

/* Reads and parses HOME/secret: a plain key into sk, a sealed one into kf
 * (kf->pk is set in both). Every refusal has its sentence in err. */
static int read_keyfile(const char *home, sr_keyfile_t *kf, uint8_t sk[SR_SECRET_BYTES], char *err, size_t errlen) {
  char path[4200], why[200], *buf = NULL;
  struct stat sb;
  ssize_t n;
  size_t got = 0;
  int fd, rc;
  /* Every command that signs, and the node, load the key: a home others may
   * write is refused here, before anything in it is trusted. */
  if ((rc = sr_home_check(home, err, errlen))) return rc;
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
  /* One byte more than a key file may hold: a longer file is refused whole. */
  if (!(buf = sodium_malloc(SR_KEYFILE_TEXT_MAX + 1))) {
    close(fd);
    snprintf(err, errlen, "cannot read %s: %s", path, sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  while (got < SR_KEYFILE_TEXT_MAX + 1 && (n = read(fd, buf + got, SR_KEYFILE_TEXT_MAX + 1 - got)) > 0)
    got += (size_t)n;
  close(fd);
  why[0] = '\0';
  rc = sr_keyfile_parse(buf, got, kf, sk, why, sizeof(why));
  sodium_free(buf); /* wipes it */
  if (rc == SR_EKEYFILE) snprintf(err, errlen, "%s is not a seurone key file: %s", path, why);
  else if (rc)
    snprintf(err, errlen, "cannot read %s: %s", path, sr_strerror(rc));
  return rc;
}

int sr_identity_load(const char *home, const char *pass, size_t passlen, uint8_t sk[SR_SECRET_BYTES], char *err,
                     size_t errlen) {
  sr_keyfile_t kf;
  int rc = read_keyfile(home, &kf, sk, err, errlen);
  if (rc || !kf.sealed) return rc;
  if (!pass) {
    snprintf(err, errlen,
             "%s/secret is sealed with a passphrase: type it when asked (on a terminal), or give it with "
             "--passphrase-file FILE or --passphrase-fd N",
             home);
    return SR_ENEEDPASS;
  }
  rc = sr_keyfile_open(&kf, pass, passlen, sk);
  if (rc == SR_EPASSPHRASE)
    snprintf(err, errlen, "wrong passphrase for %s/secret (%s): nothing was done", home, sr_errname(rc));
  else if (rc == SR_EKEYFILE)
    snprintf(err, errlen,
             "%s/secret opens to a key that is not the identity it names (pk=): the file was changed; put it "
             "back from a backup",
             home);
  else if (rc)
    snprintf(err, errlen, "cannot unseal %s/secret: %s", home, sr_strerror(rc));
  return rc;
}

int sr_identity_probe(const char *home, uint8_t pk[SR_KEY_BYTES], sr_keyfile_t *kf_out, char *err, size_t errlen) {
  sr_keyfile_t kf;
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES);
  int rc;
  if (!sk) {
    snprintf(err, errlen, "cannot read the key file: out of memory"); /* the callers print err */
    return SR_ENOMEM;
  }
  rc = read_keyfile(home, &kf, sk, err, errlen);
  sodium_free(sk); /* a plain key is read whole; only its public half is kept */
  if (rc) return rc;
  if (pk) memcpy(pk, kf.pk, SR_KEY_BYTES);
  if (kf_out) *kf_out = kf;
  return kf.sealed;
}

int sr_identity_save(const char *home, const sr_keyfile_t *kf, const uint8_t sk[SR_SECRET_BYTES], char *err,
                     size_t errlen) {
  char path[4200], why[200] = "", *text = NULL;
  uint8_t *back = NULL;
  sr_keyfile_t again;
  int n, rc = 0;
  sr_home_secret_path(home, path, sizeof(path));
  if (!(text = sodium_malloc(SR_KEYFILE_TEXT_MAX)) || !(back = sodium_malloc(SR_SECRET_BYTES))) {
    rc = SR_ENOMEM;
    goto out;
  }
  if ((n = sr_keyfile_format(kf, sk, text, SR_KEYFILE_TEXT_MAX)) < 0) {
    rc = n;
    goto out;
  }
  /* What is written is what the next load reads: parsed back before it
   * replaces anything (a sealed box the caller has opened with its passphrase). */
  if ((rc = sr_keyfile_parse(text, (size_t)n, &again, back, why, sizeof(why))) || again.sealed != (kf != NULL) ||
      sodium_memcmp(again.pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES) != 0 ||
      (!kf && sodium_memcmp(back, sk, SR_SECRET_BYTES) != 0) ||
      (kf && sodium_memcmp(again.box, kf->box, sizeof(kf->box)) != 0)) {
    snprintf(err, errlen, "the new key file would not read back (%s): nothing was changed", why);
    rc = SR_EKEYFILE;
    goto out;
  }
  /* A new file beside the old one, then one rename: a crash leaves the old
   * key or the new one, never half of either. */
  errno = 0;
  if ((rc = sr_home_replace_file(path, text, (size_t)n, 0600)) != 0)
    snprintf(err, errlen, "cannot replace %s: %s (the old key file is as it was, unless only the sync failed)", path,
             strerror(errno));
out:
  if (text) sodium_free(text);
  if (back) sodium_free(back);
  return rc;
}
