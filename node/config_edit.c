/* config_edit.c: changes one key of HOME/config in place (see config.h).
 *
 * The file is the user's: every other line and every comment stays as it was,
 * only the key's own line is replaced (or one line appended). The new file is
 * written beside the old one, synced and renamed over it, so a crash leaves the
 * old config or the new one, never half of either; it keeps the old file's mode
 * (a new file gets 0600: a closed network's key is a secret of that network). */
#include "node/config.h"
#include "core/err.h"
#include "core/hex.h"
#include "node/home.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether line (one line of the file, without its newline) sets key. */
static int line_sets(const char *line, size_t len, const char *key) {
  size_t klen = strlen(key), i = 0;
  while (i < len && isspace((unsigned char)line[i])) i++;
  if (len - i < klen || memcmp(line + i, key, klen) != 0) return 0;
  i += klen;
  while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
  return i < len && line[i] == '=';
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int sr_config_set_key(const char *home, const char *key, const char *value, char *err, size_t errlen) {
  char path[4200], tmp[4300];
  char *old = NULL;
  size_t oldlen = 0;
  mode_t mode = 0600;
  struct stat st;
  int fd = -1, rc = SR_EIO, replaced = 0;
  snprintf(path, sizeof(path), "%s/config", home);
  snprintf(tmp, sizeof(tmp), "%s/config.tmp.%ld", home, (long)getpid());

  FILE *f = fopen(path, "r");
  if (f) {
    if (fstat(fileno(f), &st) == 0) mode = st.st_mode & 07777;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
      char *grown = realloc(old, oldlen + n + 1);
      if (!grown) {
        rc = SR_ENOMEM;
        fclose(f);
        goto out;
      }
      old = grown;
      memcpy(old + oldlen, buf, n);
      oldlen += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
      snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
      goto out;
    }
  } else if (errno != ENOENT) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    goto out;
  }

  fd = sr_home_create_tmp(tmp, mode);    /* a new file, never through a planted link */
  if (fd < 0 || fchmod(fd, mode) != 0) { /* fchmod: the umask must not change the mode */
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto out;
  }
  for (size_t off = 0; off < oldlen;) {
    const char *nl = memchr(old + off, '\n', oldlen - off);
    size_t len = nl ? (size_t)(nl - (old + off)) : oldlen - off;
    const char *line = old + off;
    int werr;
    if (!replaced && line_sets(line, len, key)) {
      /* Keep a comment that followed the old value on the same line. */
      const char *hash = memchr(line, '#', len);
      werr = write_all(fd, key, strlen(key)) || write_all(fd, " = ", 3) || write_all(fd, value, strlen(value)) ||
             (hash && (write_all(fd, "  ", 2) || write_all(fd, hash, len - (size_t)(hash - line)))) ||
             write_all(fd, "\n", 1);
      replaced = 1;
    } else {
      werr = write_all(fd, line, len) || write_all(fd, "\n", 1);
    }
    if (werr) {
      snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
      goto out;
    }
    off += len + 1;
  }
  if (!replaced) {
    if (write_all(fd, key, strlen(key)) || write_all(fd, " = ", 3) || write_all(fd, value, strlen(value)) ||
        write_all(fd, "\n", 1)) {
      snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
      goto out;
    }
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto out;
  }
  fd = -1;
  if (rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
    goto out;
  }
  /* The rename itself lasts only once the directory is synced. */
  int dfd = open(home, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  rc = 0;
out:
  if (fd >= 0) close(fd);
  if (rc) unlink(tmp);
  free(old);
  return rc;
}

int sr_config_save_network_key(const char *home, const uint8_t netkey[SR_NET_NETKEY_BYTES], const char *whom, char *err,
                               size_t errlen) {
  char hex[SR_NET_KEYHEX_BYTES], why[4400];
  int rc;
  sr_hex_encode(netkey, SR_NET_NETKEY_BYTES, hex);
  if ((rc = sr_config_set_key(home, "network_key", hex, why, sizeof(why))))
    snprintf(err, errlen,
             "joined, but could not write the network key into %s/config (%s): add the line `network_key = %s` there "
             "yourself, or this node cannot reach %s",
             home, why, hex, whom);
  return rc;
}
