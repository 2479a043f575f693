/* home.c: home directory checks and safe file creation (see home.h). */
#include "node/home.h"
#include "core/err.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Says what is wrong with sb (the lstat or stat of path, `what` names it) and
 * how to fix it; 0 when it is ours and only we may write it. */
static int owned_by_us(const char *path, const char *what, const struct stat *sb, char *err, size_t errlen) {
  if (sb->st_uid != geteuid()) {
    snprintf(err, errlen,
             "%s %s belongs to another user (uid %u, you are %u): anyone who can write there can "
             "replace your key or your store. Use a home of your own (--home DIR), or, if it is yours, "
             "run `chown -R %u %s`",
             what, path, (unsigned)sb->st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path);
    return SR_EPERM;
  }
  if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(err, errlen,
             "%s %s may be written by others (mode %03o): anyone who can write there can replace your "
             "key or your store. Run `chmod go-w %s` (or `chmod 700 %s`), and check that nothing in it was changed",
             what, path, (unsigned)(sb->st_mode & 0777), path, path);
    return SR_EPERM;
  }
  return 0;
}

int sr_home_check(const char *home, char *err, size_t errlen) {
  struct stat sb;
  if (stat(home, &sb) != 0) return 0; /* nothing to protect yet; commands say what is missing */
  if (!S_ISDIR(sb.st_mode)) {
    snprintf(err, errlen, "the home %s is not a directory: pass --home DIR with a directory", home);
    return SR_EINVAL;
  }
  return owned_by_us(home, "the home", &sb, err, errlen);
}

int sr_home_check_store(const char *dir, char *err, size_t errlen) {
  static const char *const files[] = {"data.mdb", "lock.mdb"};
  char path[4200];
  struct stat sb;
  int rc;
  if (lstat(dir, &sb) != 0) return 0; /* none yet: sr_store_open makes it (or says there is none) */
  if (!S_ISDIR(sb.st_mode)) {
    snprintf(err, errlen,
             "%s is %s, not a directory: the store must be a directory of its own in the home; move "
             "it away (a store elsewhere: move the directory itself into the home)",
             dir, S_ISLNK(sb.st_mode) ? "a symbolic link" : "a file");
    return SR_EPERM;
  }
  if ((rc = owned_by_us(dir, "the store", &sb, err, errlen))) return rc;
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
    if (lstat(path, &sb) != 0) continue;
    if (!S_ISREG(sb.st_mode)) {
      snprintf(err, errlen,
               "%s is %s, not a regular file: the store would write through it; move it away "
               "(restore the store from a backup if it was data.mdb)",
               path, S_ISLNK(sb.st_mode) ? "a symbolic link" : "no regular file");
      return SR_EPERM;
    }
    if ((rc = owned_by_us(path, "the store file", &sb, err, errlen))) return rc;
  }
  return 0;
}

int sr_home_create_tmp(const char *path, mode_t mode) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(path, flags, mode);
  if (fd < 0 && errno == EEXIST && unlink(path) == 0) fd = open(path, flags, mode);
  return fd;
}

int sr_home_replace_file(const char *path, const void *data, size_t n, mode_t mode) {
  char tmp[4300], dir[4300], *slash;
  int fd, dfd, e;
  /* this process's own name: two processes replacing one file never write
   * into each other's temporary file */
  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return SR_EIO;
  }
  if ((fd = sr_home_create_tmp(tmp, mode)) < 0) return SR_EIO;
  if (write(fd, data, n) != (ssize_t)n || fsync(fd) != 0) {
    e = errno ? errno : EIO; /* a short write sets none */
    close(fd);
    unlink(tmp);
    errno = e;
    return SR_EIO;
  }
  close(fd);
  if (rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    errno = e;
    return SR_EIO;
  }
  /* The rename is durable once the directory that holds both names is. */
  snprintf(dir, sizeof(dir), "%s", path);
  if ((slash = strrchr(dir, '/'))) *slash = '\0';
  else
    snprintf(dir, sizeof(dir), ".");
  if ((dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return SR_EIO;
  e = fsync(dfd) == 0 ? 0 : SR_EIO;
  close(dfd);
  return e;
}
