/* test_keyfile: the two forms of HOME/secret (node/keyfile.h) and their
 * replacement on disk (sr_identity_save/load/probe, node/identity.c), issue 14.
 * The sum is recomputed here from docs/storage.md ("The key file"): BLAKE2b,
 * 8 bytes, of the line up to " sum=", so a test can change a field and make
 * the line consistent again, and see what the box and pk checks alone do. */
#include "node/identity.h"
#include "node/keyfile.h"
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Small limits where the test is not about argon2's cost: the format and
 * the checks are the same. */
#define OPS_FAST 1
#define MEM_FAST 8192
#define TEXT_CAP SR_KEYFILE_TEXT_MAX

static void keypair(uint8_t sk[SR_SECRET_BYTES], uint8_t byte) {
  uint8_t seed[crypto_sign_SEEDBYTES], pk[SR_KEY_BYTES];
  memset(seed, byte, sizeof(seed));
  crypto_sign_seed_keypair(pk, sk, seed);
}

/* The sealed line of text (its last line) with its sum made right again. */
static void resum(char *text) {
  char *line = strstr(text, "seurone-key "), *sum = strstr(line, " sum=");
  uint8_t h[SR_KEYFILE_SUM_BYTES];
  crypto_generichash(h, sizeof(h), (const uint8_t *)line, (size_t)(sum - line), NULL, 0);
  sr_hex_encode(h, sizeof(h), sum + 5);
  sum[5 + 2 * sizeof(h)] = '\n';
}

/* The first hex digit of field name= in the sealed line. */
static char *field(char *text, const char *name) {
  char pat[40]; /* " name=" */
  snprintf(pat, sizeof(pat), " %s=", name);
  char *p = strstr(strstr(text, "seurone-key "), pat);
  T_CHECK(p != NULL);
  return p + strlen(pat);
}
static void flip(char *c) { *c = *c == '0' ? '1' : '0'; }

static void plain_round_trip(void) {
  uint8_t sk[SR_SECRET_BYTES], back[SR_SECRET_BYTES];
  char text[TEXT_CAP], why[200];
  sr_keyfile_t kf;
  keypair(sk, 7);
  int n = sr_keyfile_format(NULL, sk, text, sizeof(text));
  T_CHECK(n > 0 && (size_t)n == strlen(text));
  T_HAS(text, "\ned25519 ");
  T_OK(sr_keyfile_parse(text, (size_t)n, &kf, back, why, sizeof(why)));
  T_EQ(kf.sealed, 0);
  T_MEMEQ(back, sk, SR_SECRET_BYTES);
  T_MEMEQ(kf.pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  /* the file `init` wrote before this format existed: no comment, no sum */
  char old[300] = "ed25519 ";
  sr_hex_encode(sk, SR_SECRET_BYTES, old + 8);
  strcat(old, "\n");
  T_OK(sr_keyfile_parse(old, strlen(old), &kf, back, why, sizeof(why)));
  T_MEMEQ(back, sk, SR_SECRET_BYTES);
  /* a public half that is not the seed's: damaged, refused, sk wiped */
  flip(old + 8 + 2 * SR_SECRET_BYTES - 1);
  T_EQ(sr_keyfile_parse(old, strlen(old), &kf, back, why, sizeof(why)), SR_EKEYFILE);
  T_HAS(why, "public half");
  uint8_t zero[SR_SECRET_BYTES] = {0};
  T_MEMEQ(back, zero, SR_SECRET_BYTES);
}

static void sealed_round_trip(void) {
  uint8_t sk[SR_SECRET_BYTES], back[SR_SECRET_BYTES];
  char text[TEXT_CAP], why[200];
  sr_keyfile_t kf, got;
  keypair(sk, 9);
  T_OK(sr_keyfile_seal(sk, "correct horse", 13, OPS_FAST, MEM_FAST, &kf));
  int n = sr_keyfile_format(&kf, NULL, text, sizeof(text));
  T_CHECK(n > 0);
  T_HAS(text, "seurone-key 1 argon2id13 ops=1 mem=8192 salt=");
  /* the secret is nowhere in the text, in hex or raw */
  char hex[2 * SR_SECRET_BYTES + 1];
  sr_hex_encode(sk, crypto_sign_SEEDBYTES, hex);
  T_CHECK(strstr(text, hex) == NULL);
  T_CHECK(memmem(text, (size_t)n, sk, crypto_sign_SEEDBYTES) == NULL);
  memset(back, 0xee, sizeof(back));
  T_OK(sr_keyfile_parse(text, (size_t)n, &got, back, why, sizeof(why)));
  T_EQ(got.sealed, 1);
  T_EQ(back[0], 0xee); /* a sealed file leaves sk alone */
  T_EQ(got.ops, OPS_FAST);
  T_EQ(got.mem, MEM_FAST);
  T_MEMEQ(got.pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  T_MEMEQ(got.salt, kf.salt, sizeof(kf.salt));
  T_MEMEQ(got.nonce, kf.nonce, sizeof(kf.nonce));
  T_MEMEQ(got.box, kf.box, sizeof(kf.box));
  T_OK(sr_keyfile_open(&got, "correct horse", 13, back));
  T_MEMEQ(back, sk, SR_SECRET_BYTES);
  /* a wrong passphrase, one byte short, one byte more */
  T_EQ(sr_keyfile_open(&got, "correct horsf", 13, back), SR_EPASSPHRASE);
  T_EQ(sr_keyfile_open(&got, "correct hors", 12, back), SR_EPASSPHRASE);
  T_EQ(sr_keyfile_open(&got, "correct horse!", 14, back), SR_EPASSPHRASE);
  /* two seals of one key differ (salt and nonce are fresh) */
  sr_keyfile_t again;
  T_OK(sr_keyfile_seal(sk, "correct horse", 13, OPS_FAST, MEM_FAST, &again));
  T_CHECK(memcmp(again.salt, kf.salt, sizeof(kf.salt)) != 0 && memcmp(again.box, kf.box, sizeof(kf.box)) != 0);
  T_EQ(sr_keyfile_seal(sk, "", 0, OPS_FAST, MEM_FAST, &again), SR_EINVAL); /* an empty passphrase seals nothing */
}

/* What the program writes: the defaults, opened by a passphrase (the
 * unlock a person waits for, timed by tests/cli/test_keyrest.py). */
static void defaults_seal_and_open(void) {
  uint8_t sk[SR_SECRET_BYTES], back[SR_SECRET_BYTES];
  sr_keyfile_t kf;
  keypair(sk, 11);
  T_OK(sr_keyfile_seal(sk, "pw", 2, SR_KEYFILE_OPS_DEFAULT, SR_KEYFILE_MEM_DEFAULT, &kf));
  T_EQ(kf.ops, crypto_pwhash_OPSLIMIT_INTERACTIVE);
  T_EQ(kf.mem, crypto_pwhash_MEMLIMIT_INTERACTIVE);
  T_OK(sr_keyfile_open(&kf, "pw", 2, back));
  T_MEMEQ(back, sk, SR_SECRET_BYTES);
}

/* Every field changed: the sum catches it first; with the sum made right
 * again, the box and the pk checks catch it. */
static void tampered_refused(void) {
  uint8_t sk[SR_SECRET_BYTES], other[SR_SECRET_BYTES], back[SR_SECRET_BYTES];
  char text[TEXT_CAP], t[TEXT_CAP], why[200];
  sr_keyfile_t kf, got;
  static const char *const fields[] = {"salt", "nonce", "pk", "box", "sum"};
  keypair(sk, 13);
  T_OK(sr_keyfile_seal(sk, "pw", 2, OPS_FAST, MEM_FAST, &kf));
  T_CHECK(sr_keyfile_format(&kf, NULL, text, sizeof(text)) > 0);
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    memcpy(t, text, sizeof(t));
    flip(field(t, fields[i]));
    T_EQ(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)), SR_EKEYFILE);
    T_HAS(why, "sum");
  }
  /* the sum made right: a changed salt, nonce or box no longer opens */
  for (size_t i = 0; i < 3; i++) {
    static const char *const boxy[] = {"salt", "nonce", "box"};
    memcpy(t, text, sizeof(t));
    flip(field(t, boxy[i]));
    resum(t);
    T_OK(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)));
    T_EQ(sr_keyfile_open(&got, "pw", 2, back), SR_EPASSPHRASE);
  }
  /* pk claims another identity: the box opens, to a key that is not it */
  keypair(other, 14);
  memcpy(t, text, sizeof(t));
  sr_hex_encode(other + SR_SECRET_PK_OFFSET, SR_KEY_BYTES, field(t, "pk"));
  field(t, "pk")[2 * SR_KEY_BYTES] = ' ';
  resum(t);
  T_OK(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)));
  T_EQ(sr_keyfile_open(&got, "pw", 2, back), SR_EKEYFILE);
  /* the kdf's limits changed: another key is derived, the box does not open */
  memcpy(t, text, sizeof(t));
  memcpy(strstr(t, "mem=8192"), "mem=9216", 8);
  resum(t);
  T_OK(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)));
  T_EQ(sr_keyfile_open(&got, "pw", 2, back), SR_EPASSPHRASE);
}

static void malformed_refused(void) {
  uint8_t sk[SR_SECRET_BYTES], back[SR_SECRET_BYTES];
  char text[TEXT_CAP], t[TEXT_CAP * 2], why[200];
  sr_keyfile_t kf, got;
  keypair(sk, 15);
  T_OK(sr_keyfile_seal(sk, "pw", 2, OPS_FAST, MEM_FAST, &kf));
  T_CHECK(sr_keyfile_format(&kf, NULL, text, sizeof(text)) > 0);
  /* a later version: named as such, not as damage */
  memcpy(t, text, sizeof(text));
  memcpy(strstr(t, "seurone-key 1"), "seurone-key 2", 13);
  T_EQ(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)), SR_EKEYFILE);
  T_HAS(why, "later format version");
  /* another kdf */
  memcpy(t, text, sizeof(text));
  memcpy(strstr(t, "argon2id13"), "argon2i13 ", 10);
  T_EQ(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)), SR_EKEYFILE);
  T_HAS(why, "argon2id13");
  /* limits out of range, even with a right sum: never minutes of work or all the memory */
  static const char *const bad[][2] = {{"ops=1 ", "ops=0 "},       {"ops=1 ", "ops=33"},
                                       {"mem=8192 ", "mem=8191 "}, {"mem=8192 ", "mem=2147483648 "},
                                       {"ops=1 ", "ops=01 "},      {"ops=1 ", "ops=+1 "}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *at;
    snprintf(t, sizeof(t), "%s", text);
    at = strstr(t, bad[i][0]);
    memmove(at + strlen(bad[i][1]), at + strlen(bad[i][0]), strlen(at + strlen(bad[i][0])) + 1);
    memcpy(at, bad[i][1], strlen(bad[i][1]));
    resum(t);
    T_EQ(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)), SR_EKEYFILE);
    T_HAS(why, "out of range");
  }
  /* a field short by one digit */
  snprintf(t, sizeof(t), "%s", text);
  char *s = field(t, "salt");
  memmove(s, s + 1, strlen(s + 1) + 1);
  resum(t);
  T_EQ(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)), SR_EKEYFILE);
  /* truncated anywhere: refused (never a crash, never a key) */
  for (size_t n = 0; n < strlen(text) - 1; n++)
    T_EQ(sr_keyfile_parse(text, n, &got, back, why, sizeof(why)), SR_EKEYFILE);
  /* comments and blank lines before, CRLF line ends, and lines after are fine */
  snprintf(t, sizeof(t), "\n# mine\n\n%s", text);
  *strrchr(t, '\n') = '\r';
  strcat(t, "\nanything after the key\n");
  T_OK(sr_keyfile_parse(t, strlen(t), &got, back, why, sizeof(why)));
  /* a NUL byte, another first line, larger than a key file */
  memcpy(t, text, sizeof(text));
  t[strstr(t, "seurone-key") - t + 20] = '\0';
  T_EQ(sr_keyfile_parse(t, strlen(text), &got, back, why, sizeof(why)), SR_EKEYFILE);
  T_EQ(sr_keyfile_parse("hello\n", 6, &got, back, why, sizeof(why)), SR_EKEYFILE);
  memset(t, '#', sizeof(t));
  T_EQ(sr_keyfile_parse(t, SR_KEYFILE_TEXT_MAX + 1, &got, back, why, sizeof(why)), SR_EKEYFILE);
}

/* sr_identity_save on a real home: plain -> sealed -> sealed anew -> plain,
 * the identity the same throughout, mode 0600, no temporary left. */
static void save_on_disk(void) {
  char dir[256], path[400], err[4600], tmp[400];
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES), *back = sodium_malloc(SR_SECRET_BYTES), pk[SR_KEY_BYTES];
  sr_keyfile_t kf;
  struct stat sb;
  t_tmpdir(dir);
  T_OK(sr_identity_create(dir, sk));
  T_EQ(sr_identity_probe(dir, pk, NULL, err, sizeof(err)), 0);
  T_MEMEQ(pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  T_OK(sr_keyfile_seal(sk, "pw", 2, OPS_FAST, MEM_FAST, &kf));
  T_OK(sr_identity_save(dir, &kf, sk, err, sizeof(err)));
  snprintf(path, sizeof(path), "%s/secret", dir);
  T_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
  snprintf(tmp, sizeof(tmp), "%s/secret.tmp.%ld", dir, (long)getpid());
  T_CHECK(access(tmp, F_OK) != 0);
  T_EQ(sr_identity_probe(dir, pk, NULL, err, sizeof(err)), 1);
  T_MEMEQ(pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  T_EQ(sr_identity_load(dir, NULL, 0, back, err, sizeof(err)), SR_ENEEDPASS);
  T_HAS(err, "--passphrase-file");
  T_EQ(sr_identity_load(dir, "px", 2, back, err, sizeof(err)), SR_EPASSPHRASE);
  T_HAS(err, "wrong passphrase");
  T_OK(sr_identity_load(dir, "pw", 2, back, err, sizeof(err)));
  T_MEMEQ(back, sk, SR_SECRET_BYTES);
  T_OK(sr_keyfile_seal(sk, "new", 3, OPS_FAST, MEM_FAST, &kf));
  T_OK(sr_identity_save(dir, &kf, sk, err, sizeof(err)));
  T_EQ(sr_identity_load(dir, "pw", 2, back, err, sizeof(err)), SR_EPASSPHRASE);
  T_OK(sr_identity_load(dir, "new", 3, back, err, sizeof(err)));
  T_OK(sr_identity_save(dir, NULL, sk, err, sizeof(err)));
  T_OK(sr_identity_load(dir, NULL, 0, back, err, sizeof(err)));
  T_MEMEQ(back, sk, SR_SECRET_BYTES);
  /* a home that cannot be written: the old file stays as it was */
  T_OK(sr_keyfile_seal(sk, "pw", 2, OPS_FAST, MEM_FAST, &kf));
  T_OK(chmod(dir, 0500));
  if (access(dir, W_OK) != 0) { /* root writes anyway: then there is nothing to see */
    T_EQ(sr_identity_save(dir, &kf, sk, err, sizeof(err)), SR_EIO);
    T_HAS(err, "cannot replace");
    T_EQ(sr_identity_probe(dir, pk, NULL, err, sizeof(err)), 0);
  }
  T_OK(chmod(dir, 0700));
  sodium_free(sk);
  sodium_free(back);
  t_rmdir(dir);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  T_RUN(plain_round_trip);
  T_RUN(sealed_round_trip);
  T_RUN(defaults_seal_and_open);
  T_RUN(tampered_refused);
  T_RUN(malformed_refused);
  T_RUN(save_on_disk);
  printf("test_keyfile: %d checks passed\n", t_checks);
  return 0;
}
