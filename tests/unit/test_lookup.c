/* test_lookup.c: store/lookup.c on real stores in temp dirs — hex prefixes of
 * people, entries and projects (one seek), names, and what the node knows of
 * an id. Keys that share a prefix are made by following chosen 32-byte values:
 * a contact's target becomes a person, a membership's project a project. */
#include "core/key.h"
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/lookup.h"

#define TS 1700000000000ull
#define NOW (TS + 3600 * 1000ull)

static t_author_t A, B, C;
static uint64_t g_ts = TS;

/* Publishes content of type in a's log (and frees the content); the id goes to id if not NULL. */
static void publish(sr_store_t *st, const t_author_t *a, const char *type, t_buf_t *c, uint8_t *id) {
  uint8_t got[SR_ID_BYTES];
  uint64_t seq;
  char why[160] = "";
  int rc = sr_store_publish(st, a->sk, type, T_DATA(c), T_SIZE(c), g_ts++, NOW, got, &seq, why, sizeof(why));
  if (rc) t_fail(__FILE__, __LINE__, "publish %s: %s %s", type, sr_errname(rc), why);
  if (id) memcpy(id, got, SR_ID_BYTES);
  t_buf_free(c);
}

static void follow(sr_store_t *st, const t_author_t *a, const uint8_t who[SR_KEY_BYTES]) {
  t_buf_t c;
  t_contact(&c, who, "follow");
  publish(st, a, "contact", &c, NULL);
}

static void about(sr_store_t *st, const t_author_t *a, const char *name) {
  t_buf_t c;
  t_about(&c, name);
  publish(st, a, "about", &c, NULL);
}

/* A key-sized value: the four bytes given, then fill. */
static void key_of(uint8_t k[SR_KEY_LEN], uint32_t first, uint8_t fill) {
  memset(k, fill, SR_KEY_LEN);
  k[0] = (uint8_t)(first >> 24), k[1] = (uint8_t)(first >> 16), k[2] = (uint8_t)(first >> 8), k[3] = (uint8_t)first;
}

static void lookup_prefixes(void) {
  char dir[256], hex[2 * SR_KEY_LEN + 1];
  uint8_t k1[SR_KEY_LEN], k2[SR_KEY_LEN], k3[SR_KEY_LEN], kff[SR_KEY_LEN], p1[SR_KEY_LEN], about_id[SR_ID_BYTES];
  sr_match_t m[4];
  size_t n;
  t_buf_t c;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  key_of(k1, 0xabcdef01, 0x00);
  key_of(k2, 0xabcdef01, 0xff);
  key_of(k3, 0xabcdef02, 0x11);
  memset(kff, 0xff, SR_KEY_LEN); /* the last key a database can hold: the seek must still land on it */
  t_about(&c, "Ana");
  publish(st, &A, "about", &c, about_id);
  follow(st, &A, k1);
  follow(st, &A, k2);
  follow(st, &A, k3);
  follow(st, &A, kff);
  t_membership(&c, k1, "member"); /* the same bytes as a person, as a project: kinds are apart */
  publish(st, &A, "membership", &c, NULL);
  key_of(p1, 0xabcdef01, 0x77);
  t_membership(&c, p1, "member");
  publish(st, &A, "membership", &c, NULL);

  /* two people share the 8 digits: both found, in key order */
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "abcdef01", m, 4, &n));
  T_EQ(n, 2);
  T_MEMEQ(m[0].id, k1, SR_KEY_LEN);
  T_MEMEQ(m[1].id, k2, SR_KEY_LEN);
  T_EQ(m[0].name_len, 0);
  /* an odd digit more, in either case, tells them apart */
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "abcdef010", m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, k1, SR_KEY_LEN);
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "ABCDEF01F", m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, k2, SR_KEY_LEN);
  /* counted up to max + 1, only max filled */
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "abcdef0", m, 1, &n));
  T_EQ(n, 2);
  T_MEMEQ(m[0].id, k1, SR_KEY_LEN);
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "abcdef0", m, 4, &n));
  T_EQ(n, 3);
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "abcdef03", m, 4, &n));
  T_EQ(n, 0);
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, "ffffffff", m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, kff, SR_KEY_LEN);
  /* a real person, with the name of their latest about; the full 64 digits */
  sr_hex_encode(A.pk, SR_KEY_BYTES, hex);
  T_OK(sr_store_find_prefix(st, SR_FIND_PERSON, hex, m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, A.pk, SR_KEY_LEN);
  T_EQ(m[0].name_len, 3);
  T_CHECK(strcmp(m[0].name, "Ana") == 0);

  /* projects: the membership targets only, not the people with the same digits */
  T_OK(sr_store_find_prefix(st, SR_FIND_PROJECT, "abcdef01", m, 4, &n));
  T_EQ(n, 2);
  T_MEMEQ(m[0].id, k1, SR_KEY_LEN);
  T_MEMEQ(m[1].id, p1, SR_KEY_LEN);
  T_OK(sr_store_find_prefix(st, SR_FIND_PROJECT, "abcdef017", m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, p1, SR_KEY_LEN);
  T_OK(sr_store_find_prefix(st, SR_FIND_PROJECT, "abcdef02", m, 4, &n));
  T_EQ(n, 0);

  /* entries: an id's first 8 digits find it, with its type and author's name */
  sr_hex_encode(about_id, SR_ID_BYTES, hex);
  hex[8] = '\0';
  T_OK(sr_store_find_prefix(st, SR_FIND_ENTRY, hex, m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, about_id, SR_KEY_LEN);
  T_CHECK(strcmp(m[0].type, "about") == 0);
  T_CHECK(strcmp(m[0].name, "Ana") == 0);
  T_OK(sr_store_find_prefix(st, SR_FIND_ENTRY, "abcdef01", m, 4, &n)); /* people and projects are not entries */
  T_EQ(n, 0);

  /* what is not a prefix */
  T_EQ(sr_store_find_prefix(st, SR_FIND_PERSON, "", m, 4, &n), SR_EINVAL);
  T_EQ(sr_store_find_prefix(st, SR_FIND_PERSON, "abcdefg1", m, 4, &n), SR_EINVAL);
  T_EQ(sr_store_find_prefix(st, SR_FIND_PERSON, "00000000000000000000000000000000000000000000000000000000000000000", m,
                            4, &n),
       SR_EINVAL); /* 65 digits */
  T_EQ(sr_store_find_prefix(st, 99, "abcdef01", m, 4, &n), SR_EINVAL);
  sr_store_close(st);
  t_rmdir(dir);
}

static void lookup_names(void) {
  char dir[256], longname[200];
  uint8_t pid[SR_ID_BYTES], phantom[SR_KEY_LEN];
  sr_match_t m[4];
  size_t n;
  t_buf_t c;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  about(st, &A, "Ana");
  about(st, &B, "Ana");
  about(st, &C, "周六");
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "Ana", 3, m, 4, &n));
  T_EQ(n, 2);
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "周六", strlen("周六"), m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, C.pk, SR_KEY_LEN);
  T_CHECK(strcmp(m[0].name, "周六") == 0);
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "ana", 3, m, 4, &n)); /* exact: case counts */
  T_EQ(n, 0);
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "An", 2, m, 4, &n)); /* a name is not a prefix */
  T_EQ(n, 0);
  /* only the latest about counts */
  about(st, &A, "Zed");
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, "Ana", 3, m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, B.pk, SR_KEY_LEN);
  /* a long name is kept whole up to SR_FIND_NAME_MAX bytes, cut between characters */
  strcpy(longname, "a");
  for (int i = 0; i < 40; i++) strcat(longname, "周");
  about(st, &B, longname);
  T_OK(sr_store_find_name(st, SR_FIND_PERSON, longname, strlen(longname), m, 4, &n));
  T_EQ(n, 1);
  T_EQ(m[0].name_len, 94); /* 1 + 31 * 3: the 32nd character would end past byte 96 */
  T_CHECK(memcmp(m[0].name, longname, 94) == 0);

  /* projects by name; one named only by a membership has none */
  t_project(&c, "Garden 花园");
  publish(st, &B, "project", &c, pid);
  key_of(phantom, 0x12345678, 0);
  t_membership(&c, phantom, "member");
  publish(st, &A, "membership", &c, NULL);
  T_OK(sr_store_find_name(st, SR_FIND_PROJECT, "Garden 花园", strlen("Garden 花园"), m, 4, &n));
  T_EQ(n, 1);
  T_MEMEQ(m[0].id, pid, SR_KEY_LEN);
  T_OK(sr_store_find_name(st, SR_FIND_PROJECT, "Ana", 3, m, 4, &n)); /* people are not projects */
  T_EQ(n, 0);
  T_EQ(sr_store_find_name(st, SR_FIND_ENTRY, "Ana", 3, m, 4, &n), SR_EINVAL);
  sr_store_close(st);
  t_rmdir(dir);
}

static void lookup_what_is(void) {
  char dir[256];
  uint8_t k1[SR_KEY_LEN], pid[SR_ID_BYTES], about_id[SR_ID_BYTES], phantom[SR_KEY_LEN], nothing[SR_KEY_LEN];
  sr_known_t k;
  t_buf_t c;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_set_self(st, A.pk));
  key_of(k1, 0xabcdef01, 0);
  key_of(phantom, 0x12345678, 0);
  key_of(nothing, 0x55555555, 0x55);
  t_about(&c, "Ana");
  publish(st, &A, "about", &c, about_id);
  follow(st, &A, k1);
  t_project(&c, "Garden");
  publish(st, &B, "project", &c, pid);
  t_membership(&c, phantom, "member");
  publish(st, &A, "membership", &c, NULL);

  T_OK(sr_store_what_is(st, A.pk, &k));
  T_CHECK(k.person && k.authored && k.self && !k.entry && !k.project);
  T_OK(sr_store_what_is(st, B.pk, &k));
  T_CHECK(k.person && k.authored && !k.self);
  T_OK(sr_store_what_is(st, k1, &k)); /* followed, never heard from */
  T_CHECK(k.person && !k.authored && !k.self && !k.entry && !k.project);
  T_OK(sr_store_what_is(st, pid, &k));
  T_CHECK(!k.person && k.entry && k.project && k.project_held);
  T_CHECK(strcmp(k.entry_type, "project") == 0);
  T_OK(sr_store_what_is(st, phantom, &k)); /* named by a membership only */
  T_CHECK(!k.person && !k.entry && k.project && !k.project_held);
  T_OK(sr_store_what_is(st, about_id, &k));
  T_CHECK(k.entry && !k.project && !k.person);
  T_CHECK(strcmp(k.entry_type, "about") == 0);
  T_OK(sr_store_what_is(st, nothing, &k));
  T_CHECK(!k.person && !k.authored && !k.self && !k.entry && !k.project && !k.project_held);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  t_author_init(&A, 0xa1);
  t_author_init(&B, 0xb2);
  t_author_init(&C, 0xc3);
  T_RUN(lookup_prefixes);
  T_RUN(lookup_names);
  T_RUN(lookup_what_is);
  printf("test_lookup: %d checks passed\n", t_checks);
  return 0;
}
