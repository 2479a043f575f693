/* test_device: HOME/device (node/device.h) on real directories, issue 14.
 * The machine is played with SEURONE_MACHINE_ID_FILE, the variable that is
 * there for tests: a home checked under another machine id is a copy. */
#include "node/device.h"
#include "t.h"
#include "store/store.h"
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char machine_file[400];

static void set_machine(const char *id) {
  FILE *f = fopen(machine_file, "w");
  T_CHECK(f != NULL);
  fputs(id, f);
  fclose(f);
}

static void slurp(const char *path, char *out, size_t cap) {
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(out, 1, cap - 1, f) : 0;
  out[n] = '\0';
  if (f) fclose(f);
}

static void format_round_trip(void) {
  sr_home_device_t d, got;
  char text[SR_DEVICE_TEXT_MAX];
  memset(&d, 0, sizeof(d));
  randombytes_buf(d.id, sizeof(d.id));
  d.has_machine = 1;
  randombytes_buf(d.machine, sizeof(d.machine));
  d.inode = 1234567890123ULL;
  snprintf(d.path, sizeof(d.path), "/home/ada/my%%20seurone");
  int n = sr_device_format(&d, text, sizeof(text));
  T_CHECK(n > 0);
  T_OK(sr_device_parse(text, (size_t)n, &got));
  T_MEMEQ(got.id, d.id, sizeof(d.id));
  T_EQ(got.has_machine, 1);
  T_MEMEQ(got.machine, d.machine, sizeof(d.machine));
  T_EQ(got.inode, d.inode);
  T_CHECK(strcmp(got.path, d.path) == 0);
  d.has_machine = 0;
  n = sr_device_format(&d, text, sizeof(text));
  T_HAS(text, " machine=none ");
  T_OK(sr_device_parse(text, (size_t)n, &got));
  T_EQ(got.has_machine, 0);
  /* malformed: another tag, a short id, a bad inode, a raw control byte in the path, no path */
  static const char *const bad[] = {"device 2 id=00000000000000000000000000000000 machine=none inode=1 path=/x\n",
                                    "device 1 id=0000000000000000000000000000000 machine=none inode=1 path=/x\n",
                                    "device 1 id=00000000000000000000000000000000 machine=none inode=-1 path=/x\n",
                                    "device 1 id=00000000000000000000000000000000 machine=nope inode=1 path=/x\n",
                                    "device 1 id=00000000000000000000000000000000 machine=none inode=1 path=/a\tb\n",
                                    "device 1 id=00000000000000000000000000000000 machine=none inode=1 path=\n",
                                    "# only a comment\n",
                                    ""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    T_EQ(sr_device_parse(bad[i], strlen(bad[i]), &got), SR_EINVAL);
  const char *good = "# c\ndevice 1 id=00000000000000000000000000000000 machine=none inode=1 path=/x\n";
  T_OK(sr_device_parse(good, strlen(good), &got));
}

static void here_escapes_the_path(void) {
  char dir[256], home[400], err[600];
  sr_home_device_t d;
  t_tmpdir(dir);
  snprintf(home, sizeof(home), "%s/a b%%c\nd", dir);
  T_OK(mkdir(home, 0700));
  T_OK(sr_device_here(home, &d, err, sizeof(err)));
  T_HAS(d.path, "/a%20b%25c%0Ad");
  T_CHECK(strchr(d.path, '\n') == NULL && strchr(d.path, ' ') == NULL);
  struct stat sb;
  T_OK(stat(home, &sb));
  T_EQ(d.inode, sb.st_ino);
  /* it is recorded and checked like any other */
  T_OK(sr_device_check(home, NULL, err, sizeof(err)));
  T_OK(sr_device_check(home, NULL, err, sizeof(err)));
  t_rmdir(dir);
}

static void copies_refused(void) {
  char dir[256], a[400], b[400], a2[400], path[500], text[SR_DEVICE_TEXT_MAX], err[4600];
  sr_home_device_t first, d, before;
  struct stat sb;
  t_tmpdir(dir);
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  snprintf(a2, sizeof(a2), "%s/moved", dir);
  T_OK(mkdir(a, 0700));
  T_OK(mkdir(b, 0700));
  set_machine("0123456789abcdef0123456789abcdef\n");

  /* the first check records the home; the same home passes again */
  T_OK(sr_device_check(a, &first, err, sizeof(err)));
  snprintf(path, sizeof(path), "%s/device", a);
  T_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
  T_OK(sr_device_check(a, &d, err, sizeof(err)));
  T_MEMEQ(d.id, first.id, sizeof(d.id));
  /* the machine id as written with or without its newline is the same machine */
  set_machine("0123456789abcdef0123456789abcdef");
  T_OK(sr_device_check(a, NULL, err, sizeof(err)));

  /* a copy in another directory: its record names a's inode */
  slurp(path, text, sizeof(text));
  snprintf(path, sizeof(path), "%s/device", b);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  T_EQ(sr_device_check(b, NULL, err, sizeof(err)), SR_ECOPIED);
  T_HAS(err, "on this machine: this directory is another one");
  T_HAS(err, "/a");
  T_HAS(err, "device claim");

  /* the same directory under another machine id: a copy to another machine */
  set_machine("fedcba9876543210fedcba9876543210\n");
  T_EQ(sr_device_check(a, NULL, err, sizeof(err)), SR_ECOPIED);
  T_HAS(err, "another machine");
  /* a machine with no machine id is another machine too (the record has one) */
  snprintf(path, sizeof(path), "%s/no-such-file", dir);
  T_OK(setenv("SEURONE_MACHINE_ID_FILE", path, 1));
  T_EQ(sr_device_check(a, NULL, err, sizeof(err)), SR_ECOPIED);
  T_OK(setenv("SEURONE_MACHINE_ID_FILE", machine_file, 1));
  set_machine("0123456789abcdef0123456789abcdef\n");
  T_OK(sr_device_check(a, NULL, err, sizeof(err)));

  /* a move keeps the inode: it passes, and the record follows it */
  T_OK(rename(a, a2));
  T_OK(sr_device_check(a2, &d, err, sizeof(err)));
  T_HAS(d.path, "/moved");
  T_MEMEQ(d.id, first.id, sizeof(d.id));
  snprintf(path, sizeof(path), "%s/device", a2);
  slurp(path, text, sizeof(text));
  T_HAS(text, "/moved\n");

  /* a record changed by hand is not trusted */
  f = fopen(path, "w");
  fputs("device 1 id=zz\n", f);
  fclose(f);
  T_EQ(sr_device_check(a2, NULL, err, sizeof(err)), SR_ECOPIED);
  T_HAS(err, "cannot be read");
  T_OK(sr_device_claim(a2, &d, &before, err, sizeof(err)));
  T_EQ(before.inode, 0); /* nothing readable was replaced */
  T_OK(sr_device_check(a2, NULL, err, sizeof(err)));

  /* a claim makes the copy the one: a new id, its own directory */
  T_OK(sr_device_claim(b, &d, &before, err, sizeof(err)));
  T_OK(sr_device_check(b, NULL, err, sizeof(err)));
  T_CHECK(memcmp(d.id, first.id, sizeof(d.id)) != 0);
  T_MEMEQ(before.id, first.id, sizeof(d.id));
  T_HAS(before.path, "/a");
  T_OK(stat(b, &sb));
  T_EQ(d.inode, sb.st_ino);
  t_rmdir(dir);
}

/* A store copied without its HOME/device (the key and the store taken, the
 * record left behind) is still a copy: the store remembers its home. */
static void store_remembers_its_home(void) {
  char dir[256], a[300], b[300], path[400], err[13000];
  sr_home_device_t d;
  uint8_t id[SR_HOME_DEVICE_ID_BYTES];
  int found;
  t_tmpdir(dir);
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  T_OK(mkdir(a, 0700));
  T_OK(mkdir(b, 0700));
  set_machine("0123456789abcdef0123456789abcdef\n");
  sr_store_t *st = NULL;
  T_OK(sr_store_open(a, 1, &st, err, sizeof(err)));
  /* a new home: recorded in HOME/device and in the store alike */
  T_OK(sr_store_home_device_get(st, id, &found));
  T_EQ(found, 0);
  T_OK(sr_device_check_store(a, st, err, sizeof(err)));
  T_OK(sr_device_check(a, &d, err, sizeof(err)));
  T_OK(sr_store_home_device_get(st, id, &found));
  T_EQ(found, 1);
  T_MEMEQ(id, d.id, sizeof(id));
  T_OK(sr_device_check_store(a, st, err, sizeof(err)));

  /* HOME/device gone, the store kept: refused, and nothing is written */
  snprintf(path, sizeof(path), "%s/device", a);
  T_OK(unlink(path));
  T_EQ(sr_device_check_store(a, st, err, sizeof(err)), SR_ECOPIED);
  T_HAS(err, "without its HOME/device");
  T_HAS(err, "device claim");
  T_CHECK(access(path, F_OK) != 0);
  T_EQ(sr_device_check_store(a, st, err, sizeof(err)), SR_ECOPIED);
  /* without the store it looks new (what this check is for) */
  T_OK(sr_device_check_store(b, NULL, err, sizeof(err)));

  /* a claim makes it the copy; the store then names the new record */
  T_OK(sr_device_claim(a, &d, NULL, err, sizeof(err)));
  T_OK(sr_device_check_store(a, st, err, sizeof(err)));
  T_OK(sr_store_home_device_get(st, id, &found));
  T_MEMEQ(id, d.id, sizeof(id));
  /* an older store with a record and no memory of it learns it */
  sr_store_close(st);
  snprintf(path, sizeof(path), "%s/store-b", dir);
  T_OK(mkdir(path, 0700));
  T_OK(sr_store_open(path, 1, &st, err, sizeof(err)));
  T_OK(sr_device_check_store(b, st, err, sizeof(err)));
  T_OK(sr_device_check(b, &d, err, sizeof(err)));
  T_OK(sr_store_home_device_get(st, id, &found));
  T_CHECK(found && memcmp(id, d.id, sizeof(id)) == 0);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  char dir[256];
  if (sodium_init() < 0) return 1;
  t_tmpdir(dir);
  snprintf(machine_file, sizeof(machine_file), "%s/machine-id", dir);
  if (setenv("SEURONE_MACHINE_ID_FILE", machine_file, 1) != 0) return 1;
  set_machine("0123456789abcdef0123456789abcdef\n");
  T_RUN(format_round_trip);
  T_RUN(here_escapes_the_path);
  T_RUN(copies_refused);
  T_RUN(store_remembers_its_home);
  t_rmdir(dir);
  printf("test_device: %d checks passed\n", t_checks);
  return 0;
}
