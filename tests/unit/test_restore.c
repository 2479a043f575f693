/* test_restore.c: backup and restore (docs/backup.md) — the backup file
 * (node/backup.h: truncated, a flipped byte, another magic or version, bytes
 * after the end, and the sealed key inside refusing a wrong passphrase), the
 * paper key (node/paper.h: round trips, every single wrong character and every
 * swap of neighbours caught and placed in its group), and the restore stop
 * (store/restore_gate.h) on a real store: publish refused, a peer's head
 * waited for, the own log caught up without setting the self-fork stop. */
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "node/backup.h"
#include "node/keyfile.h"
#include "node/paper.h"
#include "store/forks.h"
#include "store/restore_gate.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char ALPHA[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* ---- the paper key ---- */

/* The 64 code characters of a printed code, without dashes and line ends. */
static void code_chars(const char *text, char out[SR_PAPER_CHARS + 1]) {
  size_t n = 0;
  for (const char *p = text; *p; p++)
    if (*p != '-' && *p != '\n') out[n++] = *p;
  out[n] = '\0';
}

static void paper_round_trip(void) {
  uint8_t seed[SR_PAPER_SEED_BYTES], back[SR_PAPER_SEED_BYTES];
  char text[SR_PAPER_TEXT_MAX], why[300], messy[400];
  for (int i = 0; i < 200; i++) {
    randombytes_buf(seed, sizeof(seed));
    if (i == 0) memset(seed, 0, sizeof(seed));
    if (i == 1) memset(seed, 0xff, sizeof(seed));
    sr_paper_encode(seed, text);
    T_EQ(strlen(text), SR_PAPER_CHARS + 8);
    T_EQ(text[8], '-');
    T_EQ(text[35], '\n');
    T_OK(sr_paper_decode(text, strlen(text), back, NULL, NULL, why, sizeof(why)));
    T_MEMEQ(back, seed, SR_PAPER_SEED_BYTES);
    /* as a person types it back: lower case, spaces, no dashes, o for 0, l for 1, a comment line */
    size_t m = (size_t)snprintf(messy, sizeof(messy), "# my paper key\n  ");
    for (const char *p = text; *p; p++) {
      char c = *p;
      if (c == '-') c = ' ';
      else if (c == '0')
        c = 'o';
      else if (c == '1')
        c = 'l';
      else if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
      messy[m++] = c;
    }
    memset(back, 0, sizeof(back));
    T_OK(sr_paper_decode(messy, m, back, NULL, NULL, why, sizeof(why)));
    T_MEMEQ(back, seed, SR_PAPER_SEED_BYTES);
  }
}

static void paper_every_error(void) {
  uint8_t seed[SR_PAPER_SEED_BYTES], back[SR_PAPER_SEED_BYTES];
  char text[SR_PAPER_TEXT_MAX], code[SR_PAPER_CHARS + 1], bad[SR_PAPER_CHARS + 1], why[300];
  int group, nbad, cases = 0;
  for (int round = 0; round < 8; round++) {
    randombytes_buf(seed, sizeof(seed));
    sr_paper_encode(seed, text);
    code_chars(text, code);
    T_EQ(strlen(code), SR_PAPER_CHARS);
    /* every position, every other character of the alphabet */
    for (int i = 0; i < SR_PAPER_CHARS; i++)
      for (int v = 0; v < 32; v++) {
        if (ALPHA[v] == code[i]) continue;
        memcpy(bad, code, sizeof(code));
        bad[i] = ALPHA[v];
        T_EQ(sr_paper_decode(bad, SR_PAPER_CHARS, back, &group, &nbad, why, sizeof(why)), SR_EPAPER);
        T_EQ(group, i / 8 + 1);
        T_EQ(nbad, 1);
        cases++;
      }
    /* every swap of two neighbours that differ, across groups too */
    for (int i = 0; i + 1 < SR_PAPER_CHARS; i++) {
      if (code[i] == code[i + 1]) continue;
      memcpy(bad, code, sizeof(code));
      bad[i] = code[i + 1];
      bad[i + 1] = code[i];
      T_EQ(sr_paper_decode(bad, SR_PAPER_CHARS, back, &group, &nbad, why, sizeof(why)), SR_EPAPER);
      T_EQ(group, i / 8 + 1);
      T_EQ(nbad, i % 8 == 7 ? 2 : 1);
      if (nbad == 1) T_HAS(why, "swapped");
      cases++;
    }
  }
  T_CHECK(cases > 8 * 64 * 31);
  /* two groups in the wrong order: each checks, the whole does not (the group number is in the check) */
  memcpy(bad, code, sizeof(code));
  memcpy(bad, code + 8, 8);
  memcpy(bad + 8, code, 8);
  T_EQ(sr_paper_decode(bad, SR_PAPER_CHARS, back, &group, &nbad, why, sizeof(why)), SR_EPAPER);
  /* a character not in the alphabet, one missing, one too many */
  memcpy(bad, code, sizeof(code));
  bad[10] = 'U';
  T_EQ(sr_paper_decode(bad, SR_PAPER_CHARS, back, NULL, NULL, why, sizeof(why)), SR_EPAPER);
  T_HAS(why, "'U'");
  T_EQ(sr_paper_decode(code, SR_PAPER_CHARS - 1, back, NULL, NULL, why, sizeof(why)), SR_EPAPER);
  T_HAS(why, "63 characters");
  char longer[SR_PAPER_CHARS + 2];
  memcpy(longer, code, SR_PAPER_CHARS);
  longer[SR_PAPER_CHARS] = 'A';
  T_EQ(sr_paper_decode(longer, SR_PAPER_CHARS + 1, back, NULL, NULL, why, sizeof(why)), SR_EPAPER);
  T_HAS(why, "65 characters");
}

/* ---- the backup file ---- */

static uint8_t *slurp(const char *path, size_t *n) {
  struct stat sb;
  T_OK(stat(path, &sb));
  uint8_t *b = malloc((size_t)sb.st_size + 1);
  int fd = open(path, O_RDONLY);
  T_CHECK(fd >= 0 && b);
  T_EQ(read(fd, b, (size_t)sb.st_size), sb.st_size);
  close(fd);
  *n = (size_t)sb.st_size;
  return b;
}

static void spit(const char *path, const void *b, size_t n) {
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  T_CHECK(fd >= 0);
  T_EQ(write(fd, b, n), (ssize_t)n);
  close(fd);
}

static int check_file(const char *path, char *err, size_t cap) {
  sr_backup_info_t info;
  return sr_backup_check(path, &info, NULL, NULL, err, cap);
}

static void backup_container(void) {
  char dir[256], path[300], bad[300], store[300], err[600], key[SR_KEYFILE_TEXT_MAX], why[200];
  uint8_t store_bytes[3000], out[4000];
  t_author_t a;
  sr_keyfile_t kf, kf2;
  sr_backup_info_t info;
  uint64_t size;
  size_t n, len;
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES);
  t_tmpdir(dir);
  t_author_init(&a, 0x41);
  /* the key sealed with little work (a test), as the backup holds it */
  T_OK(sr_keyfile_seal(a.sk, "right one", 9, 1, 8192, &kf));
  int klen = sr_keyfile_format(&kf, a.sk, key, sizeof(key));
  T_CHECK(klen > 0);
  for (size_t i = 0; i < sizeof(store_bytes); i++) store_bytes[i] = (uint8_t)(i * 7);
  snprintf(store, sizeof(store), "%s/store.mdb", dir);
  spit(store, store_bytes, sizeof(store_bytes));
  snprintf(path, sizeof(path), "%s/b", dir);
  snprintf(bad, sizeof(bad), "%s/bad", dir);
  sr_backup_section_t s[3] = {
      {"key", key, (size_t)klen, NULL}, {"config", "listen = 127.0.0.1:0\n", 21, NULL}, {"store", NULL, 0, store}};
  T_OK(sr_backup_write(path, s, 3, &size, NULL, NULL, err, sizeof(err)));
  T_EQ(sr_backup_write(path, s, 3, NULL, NULL, NULL, err, sizeof(err)), SR_EEXIST); /* never overwrites */
  struct stat sb;
  T_OK(stat(path, &sb));
  T_EQ(sb.st_mode & 0777, 0600);
  T_EQ((uint64_t)sb.st_size, size);
  snprintf(bad, sizeof(bad), "%s/b.tmp", dir);
  T_CHECK(access(bad, F_OK) != 0); /* renamed away */
  snprintf(bad, sizeof(bad), "%s/bad", dir);
  /* read back */
  T_OK(sr_backup_check(path, &info, NULL, NULL, err, sizeof(err)));
  T_EQ(info.n, 3);
  T_EQ(sr_backup_find(&info, "store"), 2);
  T_EQ(sr_backup_find(&info, "device"), -1);
  T_OK(sr_backup_read(path, &info, 0, out, sizeof(out), &len, err, sizeof(err)));
  T_EQ(len, (size_t)klen);
  T_MEMEQ(out, key, len);
  T_OK(sr_backup_read(path, &info, 1, out, sizeof(out), &len, err, sizeof(err)));
  T_EQ(len, 21);
  T_EQ(sr_backup_read(path, &info, 2, out, 100, &len, err, sizeof(err)), SR_ETOOBIG);
  char dest[300];
  snprintf(dest, sizeof(dest), "%s/restored.mdb", dir);
  T_OK(sr_backup_extract(path, &info, 2, dest, NULL, NULL, err, sizeof(err)));
  uint8_t *got = slurp(dest, &n);
  T_EQ(n, sizeof(store_bytes));
  T_MEMEQ(got, store_bytes, n);
  free(got);
  /* the key inside: a wrong passphrase does not open it, the right one does */
  T_OK(sr_backup_read(path, &info, 0, out, sizeof(out), &len, err, sizeof(err)));
  T_OK(sr_keyfile_parse((const char *)out, len, &kf2, sk, why, sizeof(why)));
  T_EQ(kf2.sealed, 1);
  T_MEMEQ(kf2.pk, a.pk, SR_KEY_BYTES);
  T_EQ(sr_keyfile_open(&kf2, "wrong one", 9, sk), SR_EPASSPHRASE);
  T_OK(sr_keyfile_open(&kf2, "right one", 9, sk));
  T_MEMEQ(sk, a.sk, SR_SECRET_BYTES);

  uint8_t *whole = slurp(path, &n);
  /* truncated anywhere */
  for (size_t cut = 0; cut < n; cut++) {
    spit(bad, whole, cut);
    T_EQ(check_file(bad, err, sizeof(err)), SR_EBACKUP);
  }
  /* any byte flipped */
  for (size_t i = 0; i < n; i++) {
    whole[i] ^= 0x20;
    spit(bad, whole, n);
    int rc = check_file(bad, err, sizeof(err));
    whole[i] ^= 0x20;
    if (rc != SR_EBACKUP) fprintf(stderr, "flip at %zu of %zu: %s\n", i, n, t_name(rc));
    T_EQ(rc, SR_EBACKUP);
  }
  /* the checksum names damage; another magic, another version; bytes after the end */
  whole[n - 200] ^= 1;
  spit(bad, whole, n);
  T_EQ(check_file(bad, err, sizeof(err)), SR_EBACKUP);
  T_HAS(err, "checksum");
  whole[n - 200] ^= 1;
  whole[0] = 'S';
  spit(bad, whole, n);
  T_EQ(check_file(bad, err, sizeof(err)), SR_EBACKUP);
  T_HAS(err, "does not begin with");
  whole[0] = 's';
  whole[15] = '2';
  spit(bad, whole, n);
  T_EQ(check_file(bad, err, sizeof(err)), SR_EBACKUP);
  T_HAS(err, "version \"2\"");
  whole[15] = '1';
  uint8_t *more = malloc(n + 1);
  memcpy(more, whole, n);
  more[n] = '\n';
  spit(bad, more, n + 1);
  T_EQ(check_file(bad, err, sizeof(err)), SR_EBACKUP);
  T_HAS(err, "after its end");
  spit(bad, whole, n);
  T_OK(check_file(bad, err, sizeof(err))); /* the copy put back whole is good again */
  free(more);
  free(whole);
  sodium_free(sk);
  t_rmdir(dir);
}

/* ---- the restore stop on a store ---- */

static void restore_gate(void) {
  char dir[256], why[800];
  t_author_t a;
  t_buf_t c;
  uint8_t id[SR_ID_BYTES], ids[2][SR_ID_BYTES], peer[SR_KEY_BYTES];
  uint64_t seq, head;
  sr_head_t h;
  sr_restore_gate_t g;
  sr_self_fork_t sf;
  int cleared, was;
  memset(peer, 0x99, sizeof(peer));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x42);
  T_OK(sr_store_set_self(st, a.pk));
  t_share(&c, "before the backup", NULL, NULL);
  for (int i = 0; i < 2; i++)
    T_OK(sr_store_publish(st, a.sk, "share", T_DATA(&c), T_SIZE(&c), T_TS + (uint64_t)i, T_NOW, ids[i], &seq, why,
                          sizeof(why)));
  /* the backup was taken here; the other copy (the lost laptop) went on to seq 4 */
  t_author_t later = a;
  later.seq = 2;
  memcpy(later.head, ids[1], SR_ID_BYTES);
  t_entry_t e3 = t_next(&later, T_TS + 10, "share", &c), e4 = t_next(&later, T_TS + 11, "share", &c);

  T_OK(sr_store_restore_gate_set(st, T_NOW, 0));
  T_OK(sr_store_restore_gate_get(st, &g));
  T_EQ(g.set, 1);
  T_EQ(g.want, 0);
  T_EQ(sr_store_publish(st, a.sk, "share", T_DATA(&c), T_SIZE(&c), T_TS + 5, T_NOW, id, &seq, why, sizeof(why)),
       SR_ERESTORING);
  T_HAS(why, "restored from a backup");
  T_HAS(why, "--no-other-copy");
  /* a peer that holds nothing of the own log proves nothing */
  T_OK(sr_store_restore_gate_peer_head(st, peer, 0, &cleared, &head));
  T_EQ(cleared, 0);
  T_EQ(head, 2);
  /* a peer holds it up to 4: the stop stays until this node does too */
  T_OK(sr_store_restore_gate_peer_head(st, peer, 4, &cleared, &head));
  T_EQ(cleared, 0);
  T_OK(sr_store_restore_gate_get(st, &g));
  T_EQ(g.want, 4);
  T_MEMEQ(g.from, peer, SR_KEY_BYTES);
  sr_restore_gate_sentence(&g, 2, why, sizeof(why));
  T_HAS(why, "up to seq 4");
  T_EQ(sr_store_publish(st, a.sk, "share", T_DATA(&c), T_SIZE(&c), T_TS + 5, T_NOW, id, &seq, why, sizeof(why)),
       SR_ERESTORING);
  /* a lower report later does not lower what is waited for */
  T_OK(sr_store_restore_gate_peer_head(st, peer, 3, &cleared, &head));
  T_EQ(cleared, 0);
  /* the own history comes back from the peer: after a head this home wrote,
   * and yet no self-fork stop while the restore is pending */
  T_EQ(t_ingest1(st, &e3), 0);
  T_OK(sr_store_restore_gate_peer_head(st, peer, 0, &cleared, &head));
  T_EQ(cleared, 0); /* 3 < 4 */
  T_EQ(t_ingest1(st, &e4), 0);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.set, 0);
  T_OK(sr_store_restore_gate_peer_head(st, peer, 0, &cleared, &head));
  T_EQ(cleared, 1);
  T_EQ(head, 4);
  T_OK(sr_store_restore_gate_get(st, &g));
  T_EQ(g.set, 0);
  T_OK(sr_store_publish(st, a.sk, "share", T_DATA(&c), T_SIZE(&c), T_TS + 20, T_NOW, id, &seq, why, sizeof(why)));
  T_EQ(seq, 5); /* continues the chain */
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.forked, 0);
  /* once cleared, an entry of the own key after a head written here is another copy's, as before */
  t_author_t other = a;
  other.seq = 5;
  memcpy(other.head, id, SR_ID_BYTES);
  t_entry_t e6 = t_next(&other, T_TS + 30, "share", &c);
  T_EQ(t_ingest1(st, &e6), 0);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.set, 1);
  T_EQ(sf.reason, SR_SELF_FORK_ENTRY);
  /* lifted by the person */
  T_OK(sr_store_restore_gate_set(st, T_NOW, 1));
  T_OK(sr_store_restore_gate_get(st, &g));
  T_EQ(g.paper, 1);
  T_OK(sr_store_restore_gate_clear(st, &was));
  T_EQ(was, 1);
  T_OK(sr_store_restore_gate_clear(st, &was));
  T_EQ(was, 0);
  t_entry_free(&e3);
  t_entry_free(&e4);
  t_entry_free(&e6);
  t_buf_free(&c);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  T_RUN(paper_round_trip);
  T_RUN(paper_every_error);
  T_RUN(backup_container);
  T_RUN(restore_gate);
  printf("test_restore: %d checks passed\n", t_checks);
  return 0;
}
