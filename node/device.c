/* device.c: HOME/device, the record of where a home runs (see device.h). */
#include "node/device.h"
#include "core/hex.h"
#include "core/num.h"
#include "node/home.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAG "device 1 "
#define MACHINE_KEY "seurone-machine-id-v1"
#define MACHINE_ID_MAX 256 /* a machine id is 32 hex digits; more is not one */
#define COMMENT                                                                                                        \
  "# seurone device: the machine and directory this home runs from (docs/storage.md, \"HOME/device\").\n"              \
  "# A copy of this home elsewhere publishes nothing until `seurone device claim` is run there.\n"

static void device_path(const char *home, char *out, size_t cap) { snprintf(out, cap, "%s/device", home); }

/* The machine id's keyed hash into d: the first of the files that holds one. */
static void machine_of(sr_home_device_t *d) {
  static const char *const files[] = {"/etc/machine-id", "/var/lib/dbus/machine-id"};
  const char *test = getenv("SEURONE_MACHINE_ID_FILE");
  char buf[MACHINE_ID_MAX + 1];
  d->has_machine = 0;
  memset(d->machine, 0, sizeof(d->machine));
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    const char *name = test && *test ? test : files[i];
    FILE *f = fopen(name, "re");
    size_t n = 0;
    if (f) {
      n = fread(buf, 1, MACHINE_ID_MAX + 1, f);
      fclose(f);
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r')) n--;
    if (n && n <= MACHINE_ID_MAX) {
      crypto_generichash(d->machine, sizeof(d->machine), (const uint8_t *)buf, n, (const uint8_t *)MACHINE_KEY,
                         strlen(MACHINE_KEY));
      d->has_machine = 1;
      return;
    }
    if (test && *test) return; /* a test's machine without an id: no fallback to the real one */
  }
}

/* The path as the file holds it: bytes below 0x21 (space, newline), % and DEL
 * as %XX, so the line stays one line; UTF-8 as it is. */
static int escape_path(const char *p, char *out, size_t cap) {
  size_t o = 0;
  for (; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (o + 4 > cap) return SR_ETOOBIG;
    if (c < 0x21 || c == '%' || c == 0x7f) o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
    else
      out[o++] = (char)c;
  }
  out[o] = '\0';
  return 0;
}

int sr_device_here(const char *home, sr_home_device_t *d, char *err, size_t errlen) {
  char *real;
  struct stat sb;
  int rc;
  memset(d, 0, sizeof(*d));
  if (!(real = realpath(home, NULL)) || stat(real, &sb) != 0) {
    snprintf(err, errlen, "cannot find the home %s: %s", home, strerror(errno));
    free(real);
    return SR_EIO;
  }
  d->inode = (uint64_t)sb.st_ino;
  rc = escape_path(real, d->path, sizeof(d->path));
  free(real);
  if (rc) {
    snprintf(err, errlen, "the path of the home %s is too long", home);
    return rc;
  }
  machine_of(d);
  return 0;
}

int sr_device_parse(const char *text, size_t n, sr_home_device_t *d) {
  const char *p = text, *e = text + n;
  memset(d, 0, sizeof(*d));
  while (p < e) { /* the first line that is no comment */
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
    if (len && p[0] != '#') {
      e = p + len;
      break;
    }
    p = nl ? nl + 1 : e;
  }
  const char *sp;
  size_t tl = strlen(TAG);
  if ((size_t)(e - p) < tl || memcmp(p, TAG, tl) != 0 || memchr(p, '\0', (size_t)(e - p))) return SR_EINVAL;
  p += tl;
  if ((size_t)(e - p) < 3 + 2 * SR_DEVICE_ID_BYTES + 1 || memcmp(p, "id=", 3) != 0 ||
      sr_hex_decode_span(p + 3, 2 * SR_DEVICE_ID_BYTES, d->id, SR_DEVICE_ID_BYTES) != 0 ||
      p[3 + 2 * SR_DEVICE_ID_BYTES] != ' ')
    return SR_EINVAL;
  p += 3 + 2 * SR_DEVICE_ID_BYTES + 1;
  if ((size_t)(e - p) >= 13 && memcmp(p, "machine=none ", 13) == 0) p += 13;
  else {
    if ((size_t)(e - p) < 8 + 2 * SR_DEVICE_MACHINE_BYTES + 1 || memcmp(p, "machine=", 8) != 0 ||
        sr_hex_decode_span(p + 8, 2 * SR_DEVICE_MACHINE_BYTES, d->machine, SR_DEVICE_MACHINE_BYTES) != 0 ||
        p[8 + 2 * SR_DEVICE_MACHINE_BYTES] != ' ')
      return SR_EINVAL;
    d->has_machine = 1;
    p += 8 + 2 * SR_DEVICE_MACHINE_BYTES + 1;
  }
  if ((size_t)(e - p) < 6 || memcmp(p, "inode=", 6) != 0 || !(sp = memchr(p, ' ', (size_t)(e - p))) ||
      sr_parse_u64_span(p + 6, (size_t)(sp - p - 6), 0, UINT64_MAX, &d->inode) != 0)
    return SR_EINVAL;
  p = sp + 1;
  if ((size_t)(e - p) < 6 || memcmp(p, "path=", 5) != 0 || (size_t)(e - p - 5) >= sizeof(d->path)) return SR_EINVAL;
  p += 5;
  for (const char *q = p; q < e; q++)
    if ((unsigned char)*q < 0x21 || *q == 0x7f) return SR_EINVAL; /* the writer escapes them */
  memcpy(d->path, p, (size_t)(e - p));
  d->path[e - p] = '\0';
  return 0;
}

int sr_device_format(const sr_home_device_t *d, char *out, size_t cap) {
  char id[2 * SR_DEVICE_ID_BYTES + 1], machine[2 * SR_DEVICE_MACHINE_BYTES + 1];
  int n;
  sr_hex_encode(d->id, sizeof(d->id), id);
  if (d->has_machine) sr_hex_encode(d->machine, sizeof(d->machine), machine);
  else
    snprintf(machine, sizeof(machine), "none");
  n = snprintf(out, cap, "%s%sid=%s machine=%s inode=%llu path=%s\n", COMMENT, TAG, id, machine,
               (unsigned long long)d->inode, d->path);
  return n > 0 && (size_t)n < cap ? n : SR_ETOOBIG;
}

/* Reads HOME/device: 0, SR_ENOTFOUND (none), SR_EINVAL (unreadable), SR_EIO. */
int sr_device_read(const char *home, sr_home_device_t *d) {
  char path[4200], *buf;
  ssize_t n;
  size_t got = 0;
  int fd, rc;
  device_path(home, path, sizeof(path));
  if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) return errno == ENOENT ? SR_ENOTFOUND : SR_EINVAL;
  if (!(buf = malloc(SR_DEVICE_TEXT_MAX + 1))) {
    close(fd);
    return SR_ENOMEM;
  }
  while (got < SR_DEVICE_TEXT_MAX + 1 && (n = read(fd, buf + got, SR_DEVICE_TEXT_MAX + 1 - got)) > 0) got += (size_t)n;
  close(fd);
  rc = got > SR_DEVICE_TEXT_MAX ? SR_EINVAL : sr_device_parse(buf, got, d);
  free(buf);
  return rc;
}

static int write_record(const char *home, const sr_home_device_t *d, char *err, size_t errlen) {
  char path[4200], *text = malloc(SR_DEVICE_TEXT_MAX);
  int n, rc;
  if (!text) return SR_ENOMEM;
  device_path(home, path, sizeof(path));
  if ((n = sr_device_format(d, text, SR_DEVICE_TEXT_MAX)) < 0) rc = n;
  else if ((rc = sr_home_replace_file(path, text, (size_t)n, 0600)) != 0)
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
  free(text);
  return rc;
}

/* The sentence of a copy: what the record says, what this home is, what to do. */
void sr_device_copied_text(const char *home, const sr_home_device_t *here, const char *why, char *err, size_t errlen) {
  snprintf(err, errlen,
           "%s is a copy of a home %s: publishing from two copies of one key forks your log for good, so this "
           "one publishes nothing (it still syncs and reads). If this is the copy you will use from now on, stop "
           "the node of every other copy (and delete them), then run `seurone --home %s device claim`; otherwise "
           "use the other copy and delete this one",
           here->path, why, home);
}

int sr_device_check(const char *home, sr_home_device_t *out, char *err, size_t errlen) {
  sr_home_device_t *rec = malloc(sizeof(*rec)), *here = malloc(sizeof(*here));
  char why[SR_DEVICE_PATH_MAX + 200];
  int rc;
  if (!rec || !here) {
    rc = SR_ENOMEM;
    goto out;
  }
  if ((rc = sr_device_here(home, here, err, errlen))) goto out;
  rc = sr_device_read(home, rec);
  if (rc == SR_ENOTFOUND) { /* a home from before HOME/device, or a new one: recorded as it is */
    randombytes_buf(here->id, sizeof(here->id));
    if ((rc = write_record(home, here, err, errlen)) == 0 && out) *out = *here;
    goto out;
  }
  if (rc == SR_EINVAL) {
    snprintf(why, sizeof(why), "whose %s/device cannot be read (changed by hand, or damaged)", home);
    sr_device_copied_text(home, here, why, err, errlen);
    rc = SR_ECOPIED;
    goto out;
  }
  if (rc) goto out;
  if (rec->has_machine != here->has_machine ||
      (rec->has_machine && sodium_memcmp(rec->machine, here->machine, sizeof(rec->machine)) != 0)) {
    snprintf(why, sizeof(why), "set up on another machine (at %s there; this machine's id differs)", rec->path);
    sr_device_copied_text(home, here, why, err, errlen);
    rc = SR_ECOPIED;
    goto out;
  }
  if (rec->inode != here->inode) {
    snprintf(why, sizeof(why), "set up in %s on this machine: this directory is another one (inode %llu, not %llu)",
             rec->path, (unsigned long long)here->inode, (unsigned long long)rec->inode);
    sr_device_copied_text(home, here, why, err, errlen);
    rc = SR_ECOPIED;
    goto out;
  }
  if (strcmp(rec->path, here->path) != 0) { /* the same directory, moved: the messages name where it is now */
    snprintf(rec->path, sizeof(rec->path), "%s", here->path);
    if ((rc = write_record(home, rec, err, errlen))) goto out;
  }
  if (out) *out = *rec;
out:
  free(rec);
  free(here);
  return rc;
}

int sr_device_claim(const char *home, sr_home_device_t *after, sr_home_device_t *before, char *err, size_t errlen) {
  sr_home_device_t *old = malloc(sizeof(*old)), *here = malloc(sizeof(*here));
  int rc;
  if (!old || !here) {
    rc = SR_ENOMEM;
    goto out;
  }
  if (sr_device_read(home, old) != 0) memset(old, 0, sizeof(*old));
  if ((rc = sr_device_here(home, here, err, errlen))) goto out;
  randombytes_buf(here->id, sizeof(here->id));
  if ((rc = write_record(home, here, err, errlen))) goto out;
  if (after) *after = *here;
  if (before) *before = *old;
out:
  free(old);
  free(here);
  return rc;
}
