/* test_home: node/home.c on real directories, and the config edit that writes
 * through it (issue 11): a link planted at the name of a temporary file never
 * makes its target written; the home and store checks refuse what others may
 * write. The CLI side is tests/cli/test_home.py. */
#include "node/config.h"
#include "node/home.h"
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void read_file(const char *path, char *out, size_t cap) {
  int fd = open(path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, out, cap - 1) : -1;
  out[n > 0 ? n : 0] = '\0';
  if (fd >= 0) close(fd);
}

/* config_edit.c's temporary file is HOME/config.tmp.PID: this process's pid,
 * since the edit runs here. */
static void config_edit_ignores_planted_link(void) {
  char dir[256], home[300], victim[300], tmp[400], cfg[400], got[512], err[600];
  t_tmpdir(dir);
  snprintf(home, sizeof(home), "%s/home", dir);
  snprintf(victim, sizeof(victim), "%s/victim", dir);
  T_OK(mkdir(home, 0700));
  FILE *f = fopen(victim, "w");
  fputs("the victim's own data\n", f);
  fclose(f);
  snprintf(tmp, sizeof(tmp), "%s/config.tmp.%ld", home, (long)getpid());
  T_OK(symlink(victim, tmp));
  T_OK(sr_config_set_key(home, "relay", "yes", err, sizeof(err)));
  read_file(victim, got, sizeof(got));
  T_CHECK(strcmp(got, "the victim's own data\n") == 0);
  snprintf(cfg, sizeof(cfg), "%s/config", home);
  read_file(cfg, got, sizeof(got));
  T_HAS(got, "relay = yes");
  struct stat sb;
  T_CHECK(lstat(cfg, &sb) == 0 && S_ISREG(sb.st_mode));
  T_CHECK(lstat(tmp, &sb) != 0); /* the link is gone, renamed over by the new file */
  t_rmdir(dir);
}

static void create_tmp_never_follows(void) {
  char dir[256], victim[300], name[300];
  struct stat sb;
  t_tmpdir(dir);
  snprintf(victim, sizeof(victim), "%s/absent-victim", dir);
  snprintf(name, sizeof(name), "%s/x.tmp", dir);
  T_OK(symlink(victim, name)); /* a dangling link: following it would create the victim */
  int fd = sr_home_create_tmp(name, 0600);
  T_CHECK(fd >= 0);
  if (fd >= 0) close(fd);
  T_CHECK(lstat(victim, &sb) != 0);
  T_CHECK(lstat(name, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0777) == 0600);
  t_rmdir(dir);
}

static void loose_homes_refused(void) {
  char dir[256], store[300], link[300], err[4600];
  t_tmpdir(dir);
  T_OK(chmod(dir, 0700));
  T_OK(sr_home_check(dir, err, sizeof(err)));
  T_OK(chmod(dir, 0750));
  T_OK(sr_home_check(dir, err, sizeof(err))); /* group may read: not a way in */
  T_OK(chmod(dir, 0770));
  T_EQ(sr_home_check(dir, err, sizeof(err)), SR_EPERM);
  T_HAS(err, "chmod go-w");
  T_OK(chmod(dir, 0702));
  T_EQ(sr_home_check(dir, err, sizeof(err)), SR_EPERM);
  T_OK(chmod(dir, 0700));
  snprintf(store, sizeof(store), "%s/store", dir);
  T_OK(sr_home_check_store(store, err, sizeof(err))); /* none yet */
  T_OK(mkdir(store, 0777));
  T_OK(chmod(store, 0777));
  T_EQ(sr_home_check_store(store, err, sizeof(err)), SR_EPERM);
  T_OK(chmod(store, 0700));
  T_OK(sr_home_check_store(store, err, sizeof(err)));
  snprintf(link, sizeof(link), "%s/store/lock.mdb", dir);
  T_OK(symlink("/etc/passwd", link));
  T_EQ(sr_home_check_store(store, err, sizeof(err)), SR_EPERM);
  T_HAS(err, "symbolic link");
  t_rmdir(dir);
}

int main(void) {
  T_RUN(config_edit_ignores_planted_link);
  T_RUN(create_tmp_never_follows);
  T_RUN(loose_homes_refused);
  fprintf(stderr, "test_home: %d checks passed\n", t_checks);
  return 0;
}
