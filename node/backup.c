/* backup.c: the backup file (see backup.h). Read and written in pieces of
 * CHUNK bytes: a store of gigabytes never sits in memory. */
#include "node/backup.h"
#include "core/hex.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define LEN_MAX (UINT64_C(1) << 62)
#define HASH_BYTES crypto_generichash_BYTES /* 32 */
#define END_PREFIX "end blake2b-256 "
#define END_LINE_LEN (sizeof(END_PREFIX) - 1 + 2 * HASH_BYTES + 1)
#define HEADER_MAX 80 /* "section <31> <20 digits>\n" fits */

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads exactly n bytes: 0, 1 at the end of the file before n, -1 an error. */
static int read_all(int fd, void *p, size_t n) {
  uint8_t *b = p;
  while (n) {
    ssize_t r = read(fd, b, n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) return 1;
    b += r;
    n -= (size_t)r;
  }
  return 0;
}

static int name_ok(const char *s, size_t n) {
  if (n < 1 || n > SR_BACKUP_NAME_MAX) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) return 0;
  return 1;
}

typedef struct {
  int fd;
  crypto_generichash_state h;
  uint64_t done, total;
  sr_backup_progress_cb progress;
  void *pctx;
  uint8_t *buf;
} out_t;

static int put(out_t *o, const void *p, size_t n) {
  if (write_all(o->fd, p, n)) return -1;
  crypto_generichash_update(&o->h, p, n);
  o->done += n;
  return 0;
}

static int put_file(out_t *o, const char *path, uint64_t len, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  uint64_t left = len;
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return SR_EIO;
  }
  while (left) {
    size_t n = left < CHUNK ? (size_t)left : CHUNK;
    int r = read_all(fd, o->buf, n);
    if (r || put(o, o->buf, n)) {
      snprintf(err, errlen, "%s %s: %s", r ? "cannot read" : "cannot write the backup while copying", path,
               r > 0 ? "it became shorter" : strerror(errno));
      close(fd);
      return SR_EIO;
    }
    left -= n;
    if (o->progress) o->progress(o->pctx, o->done, o->total);
  }
  close(fd);
  return 0;
}

static void fsync_dir_of(const char *path) {
  char *d = strdup(path);
  if (!d) return;
  int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)!fsync(fd);
    close(fd);
  }
  free(d);
}

int sr_backup_write(const char *path, const sr_backup_section_t *s, size_t n, uint64_t *size,
                    sr_backup_progress_cb progress, void *pctx, char *err, size_t errlen) {
  char tmp[4200], line[HEADER_MAX], hex[2 * HASH_BYTES + 1];
  uint8_t sum[HASH_BYTES];
  uint64_t lens[SR_BACKUP_SECTIONS_MAX];
  struct stat sb;
  out_t o;
  int rc = SR_EIO;
  memset(&o, 0, sizeof(o));
  o.fd = -1;
  if (n > SR_BACKUP_SECTIONS_MAX) return SR_EINVAL;
  if (lstat(path, &sb) == 0) {
    snprintf(err, errlen, "%s exists: a backup never overwrites a file (choose another name, or remove it)", path);
    return SR_EEXIST;
  }
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
    snprintf(err, errlen, "the backup file's name is too long");
    return SR_EINVAL;
  }
  o.total = sizeof(SR_BACKUP_MAGIC) + 2;
  for (size_t i = 0; i < n; i++) {
    if (!name_ok(s[i].name, strlen(s[i].name))) return SR_EINVAL;
    if (s[i].data || !s[i].path) lens[i] = s[i].len;
    else if (stat(s[i].path, &sb) == 0)
      lens[i] = (uint64_t)sb.st_size;
    else {
      snprintf(err, errlen, "cannot read %s: %s", s[i].path, strerror(errno));
      return SR_EIO;
    }
    o.total += lens[i] + HEADER_MAX;
  }
  if (!(o.buf = malloc(CHUNK))) {
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  o.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (o.fd < 0) {
    snprintf(err, errlen,
             errno == EEXIST ? "cannot write %s: it exists (a backup that stopped half-way? remove it)"
                             : "cannot write %s: %s",
             tmp, strerror(errno));
    free(o.buf);
    return errno == EEXIST ? SR_EEXIST : SR_EIO;
  }
  o.progress = progress;
  o.pctx = pctx;
  crypto_generichash_init(&o.h, NULL, 0, HASH_BYTES);
  int len = snprintf(line, sizeof(line), "%s %d\n", SR_BACKUP_MAGIC, SR_BACKUP_VERSION);
  if (put(&o, line, (size_t)len)) goto io;
  for (size_t i = 0; i < n; i++) {
    len = snprintf(line, sizeof(line), "section %s %" PRIu64 "\n", s[i].name, lens[i]);
    if (put(&o, line, (size_t)len)) goto io;
    if (s[i].data || !s[i].path) {
      if (lens[i] && put(&o, s[i].data, lens[i])) goto io;
    } else if ((rc = put_file(&o, s[i].path, lens[i], err, errlen))) {
      goto fail;
    }
    if (put(&o, "\n", 1)) goto io;
  }
  crypto_generichash_final(&o.h, sum, sizeof(sum));
  sr_hex_encode(sum, sizeof(sum), hex);
  len = snprintf(line, sizeof(line), "%s", END_PREFIX);
  if (write_all(o.fd, line, (size_t)len) || write_all(o.fd, hex, 2 * HASH_BYTES) || write_all(o.fd, "\n", 1)) goto io;
  o.done += END_LINE_LEN;
  if (fsync(o.fd) != 0) goto io;
  if (close(o.fd) != 0) {
    o.fd = -1;
    goto io;
  }
  o.fd = -1;
  /* Checked again just before: the rename would replace a file made meanwhile. */
  if (lstat(path, &sb) == 0) {
    snprintf(err, errlen, "%s appeared while the backup was written: left as it is, the backup is in %s", path, tmp);
    free(o.buf);
    return SR_EEXIST;
  }
  if (rename(tmp, path) != 0) goto io;
  fsync_dir_of(path);
  if (size) *size = o.done;
  free(o.buf);
  return 0;
io:
  snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : EIO));
  rc = SR_EIO;
fail:
  if (o.fd >= 0) close(o.fd);
  unlink(tmp);
  free(o.buf);
  return rc;
}

/* ---- reading ---- */

/* One line of at most cap-1 bytes into line (no newline kept): 0; 1 at the
 * end of the file or no newline within cap; -1 an error. */
static int get_line(int fd, crypto_generichash_state *h, char *line, size_t cap, size_t *len) {
  size_t n = 0;
  for (;;) {
    char c;
    int r = read_all(fd, &c, 1);
    if (r) return r;
    if (h) crypto_generichash_update(h, (const uint8_t *)&c, 1);
    if (c == '\n') break;
    if (n + 1 >= cap) return 1;
    line[n++] = c;
  }
  line[n] = '\0';
  *len = n;
  return 0;
}

static int bad(char *err, size_t errlen, const char *path, const char *what) {
  snprintf(err, errlen, "%s is not a whole seurone backup: %s", path, what);
  return SR_EBACKUP;
}

int sr_backup_check(const char *path, sr_backup_info_t *info, sr_backup_progress_cb progress, void *pctx, char *err,
                    size_t errlen) {
  char line[HEADER_MAX + 8], what[300], hex[2 * HASH_BYTES + 1];
  uint8_t sum[HASH_BYTES], *buf = NULL;
  crypto_generichash_state h;
  struct stat sb;
  size_t len;
  int fd = open(path, O_RDONLY | O_CLOEXEC), rc = SR_EBACKUP, r;
  uint64_t off = 0;
  memset(info, 0, sizeof(*info));
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return SR_EIO;
  }
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    snprintf(err, errlen, "%s is not a regular file", path);
    close(fd);
    return SR_EIO;
  }
  info->size = (uint64_t)sb.st_size;
  if (!(buf = malloc(CHUNK))) {
    close(fd);
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  crypto_generichash_init(&h, NULL, 0, HASH_BYTES);
  if ((r = get_line(fd, &h, line, sizeof(line), &len)) != 0 || strncmp(line, SR_BACKUP_MAGIC " ", 15) != 0) {
    rc = r < 0 ? SR_EIO : bad(err, errlen, path, "it does not begin with the line \"seurone-backup 1\"");
    goto out;
  }
  off += len + 1;
  if (strcmp(line + 15, "1") != 0) {
    snprintf(what, sizeof(what),
             "it is of version \"%.20s\", and this seurone reads version %d (a later seurone made it?)", line + 15,
             SR_BACKUP_VERSION);
    rc = bad(err, errlen, path, what);
    goto out;
  }
  info->version = SR_BACKUP_VERSION;
  for (;;) {
    if ((r = get_line(fd, NULL, line, sizeof(line), &len)) != 0) {
      rc = r < 0 ? SR_EIO : bad(err, errlen, path, "it ends before its end line (truncated)");
      goto out;
    }
    if (!strncmp(line, END_PREFIX, sizeof(END_PREFIX) - 1)) break;
    crypto_generichash_update(&h, (const uint8_t *)line, len);
    crypto_generichash_update(&h, (const uint8_t *)"\n", 1);
    off += len + 1;
    char *name = line + 8, *sp, *end;
    if (strncmp(line, "section ", 8) != 0 || !(sp = strchr(name, ' ')) || !name_ok(name, (size_t)(sp - name))) {
      rc = bad(err, errlen, path, "a section header is malformed (the file is damaged)");
      goto out;
    }
    *sp = '\0';
    errno = 0;
    unsigned long long v = strtoull(sp + 1, &end, 10);
    if (errno || end == sp + 1 || *end || sp[1] < '0' || sp[1] > '9' || v > LEN_MAX) {
      rc = bad(err, errlen, path, "a section length is malformed (the file is damaged)");
      goto out;
    }
    if (info->n == SR_BACKUP_SECTIONS_MAX) {
      rc = bad(err, errlen, path, "it has too many sections");
      goto out;
    }
    if (v > info->size || off + v + 1 > info->size) {
      snprintf(what, sizeof(what), "section %s announces %llu bytes and the file ends before them (truncated)", name,
               v);
      rc = bad(err, errlen, path, what);
      goto out;
    }
    memcpy(info->sec[info->n].name, name, (size_t)(sp - name) + 1); /* name_ok: at most SR_BACKUP_NAME_MAX */
    info->sec[info->n].off = off;
    info->sec[info->n].len = v;
    info->n++;
    for (uint64_t left = v; left;) {
      size_t k = left < CHUNK ? (size_t)left : CHUNK;
      if ((r = read_all(fd, buf, k))) {
        rc = r < 0 ? SR_EIO : bad(err, errlen, path, "a section ends early (truncated)");
        goto out;
      }
      crypto_generichash_update(&h, buf, k);
      left -= k;
      off += k;
      if (progress) progress(pctx, off, info->size);
    }
    char nl;
    if ((r = read_all(fd, &nl, 1)) || nl != '\n') {
      rc = r < 0 ? SR_EIO : bad(err, errlen, path, "a section is not followed by a line end (the file is damaged)");
      goto out;
    }
    crypto_generichash_update(&h, (const uint8_t *)"\n", 1);
    off++;
  }
  crypto_generichash_final(&h, sum, sizeof(sum));
  sr_hex_encode(sum, sizeof(sum), hex);
  if (len != END_LINE_LEN - 1 || strcmp(line + sizeof(END_PREFIX) - 1, hex) != 0) {
    rc = bad(err, errlen, path, "its checksum does not match (the file is damaged)");
    goto out;
  }
  if (off + END_LINE_LEN != info->size) {
    rc = bad(err, errlen, path, "there are bytes after its end line");
    goto out;
  }
  rc = 0;
out:
  if (rc == SR_EIO) snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno ? errno : EIO));
  free(buf);
  close(fd);
  return rc;
}

int sr_backup_find(const sr_backup_info_t *info, const char *name) {
  for (size_t i = 0; i < info->n; i++)
    if (!strcmp(info->sec[i].name, name)) return (int)i;
  return -1;
}

int sr_backup_read(const char *path, const sr_backup_info_t *info, int i, void *buf, size_t cap, size_t *len, char *err,
                   size_t errlen) {
  int fd, r;
  if (info->sec[i].len > cap) {
    snprintf(err, errlen, "section %s of %s is larger than it may be (%llu bytes)", info->sec[i].name, path,
             (unsigned long long)info->sec[i].len);
    return SR_ETOOBIG;
  }
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || lseek(fd, (off_t)info->sec[i].off, SEEK_SET) < 0 ||
      (r = read_all(fd, buf, (size_t)info->sec[i].len)) != 0) {
    snprintf(err, errlen, "cannot read %s: %s", path, errno ? strerror(errno) : "it became shorter");
    if (fd >= 0) close(fd);
    return SR_EIO;
  }
  close(fd);
  *len = (size_t)info->sec[i].len;
  return 0;
}

int sr_backup_extract(const char *path, const sr_backup_info_t *info, int i, const char *dest,
                      sr_backup_progress_cb progress, void *pctx, char *err, size_t errlen) {
  uint8_t *buf = malloc(CHUNK);
  int in = -1, out = -1, rc = SR_EIO;
  uint64_t left = info->sec[i].len, done = 0;
  if (!buf) {
    snprintf(err, errlen, "out of memory");
    return SR_ENOMEM;
  }
  in = open(path, O_RDONLY | O_CLOEXEC);
  if (in < 0 || lseek(in, (off_t)info->sec[i].off, SEEK_SET) < 0) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    goto out;
  }
  out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
    goto out;
  }
  while (left) {
    size_t k = left < CHUNK ? (size_t)left : CHUNK;
    int r = read_all(in, buf, k);
    if (r) {
      snprintf(err, errlen, "cannot read %s: %s", path, r > 0 ? "it became shorter" : strerror(errno));
      goto out;
    }
    if (write_all(out, buf, k)) {
      snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
      goto out;
    }
    left -= k;
    done += k;
    if (progress) progress(pctx, done, info->sec[i].len);
  }
  if (fsync(out) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
    goto out;
  }
  rc = 0;
out:
  if (in >= 0) close(in);
  if (out >= 0 && close(out) != 0 && rc == 0) {
    snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
    rc = SR_EIO;
  }
  if (rc && out >= 0) unlink(dest);
  free(buf);
  return rc;
}
