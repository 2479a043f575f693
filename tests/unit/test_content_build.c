/* test_content_build.c: the content builders (core/content_build.h). Each
 * builder's bytes equal a canonical map written by hand here (keys in bytewise
 * order, t_mp_*), and, signed into an entry, pass sr_content_parse with the
 * values given. Bad arguments are refused. */
#include "tests/unit/t.h"
#include "core/content_build.h"

#define TS 1700000000000ull

static uint8_t out[SR_ENTRY_MAX];
static size_t len;
static t_author_t au;

/* out[0..len) equals want and parses as type; c receives what it says. */
static void same_and_parses(const t_buf_t *want, const char *type, sr_content_t *c) {
  char why[160] = "";
  sr_entry_t e;
  T_EQ(len, T_SIZE(want));
  T_CHECK(memcmp(out, T_DATA(want), len) == 0);
  t_buf_t got;
  t_buf_init(&got);
  t_mp_raw(&got, out, len);
  t_entry_t ent = t_next(&au, TS + au.seq, type, &got);
  T_OK(sr_entry_decode(ent.raw, ent.len, &e));
  int rc = sr_content_parse(&e, c, why, sizeof(why));
  if (rc) t_fail(__FILE__, __LINE__, "sr_content_parse: %s", why);
  /* c->name points into the entry, freed below: keep a copy */
  static char name[SR_ENTRY_MAX];
  if (c->name) {
    memcpy(name, c->name, c->name_len);
    c->name = name;
  }
  t_entry_free(&ent);
  t_buf_free(&got);
}

static void build_about(void) {
  t_buf_t w;
  sr_content_t c;
  T_OK(sr_content_about("Ada Łovelace", NULL, out, sizeof(out), &len));
  t_about(&w, "Ada Łovelace");
  same_and_parses(&w, "about", &c);
  T_EQ(c.type, SR_CT_ABOUT);
  T_EQ(c.name_len, strlen("Ada Łovelace"));
  T_CHECK(memcmp(c.name, "Ada Łovelace", c.name_len) == 0);
  t_buf_free(&w);
  T_OK(sr_content_about("Ada", "writes programs", out, sizeof(out), &len));
  t_buf_init(&w);
  t_mp_map(&w, 2);
  t_mp_str(&w, "bio");
  t_mp_str(&w, "writes programs");
  t_mp_str(&w, "name");
  t_mp_str(&w, "Ada");
  same_and_parses(&w, "about", &c);
  t_buf_free(&w);
  T_EQ(sr_content_about(NULL, "x", out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_about("\xff", NULL, out, sizeof(out), &len), SR_EUTF8);
  T_EQ(sr_content_about("Ada", NULL, out, 4, &len), SR_ETOOBIG);
}

static void build_contact(void) {
  t_buf_t w;
  sr_content_t c;
  uint8_t who[SR_KEY_BYTES];
  memset(who, 0xab, sizeof(who));
  static const char *const names[] = {NULL, "follow", "unfollow", "block"};
  for (int s = SR_FOLLOW; s <= SR_BLOCK; s++) {
    T_OK(sr_content_contact(who, s, out, sizeof(out), &len));
    t_contact(&w, who, names[s]);
    same_and_parses(&w, "contact", &c);
    T_EQ(c.type, SR_CT_CONTACT);
    T_EQ(c.state, s);
    T_CHECK(memcmp(c.who, who, SR_KEY_BYTES) == 0);
    t_buf_free(&w);
  }
  T_EQ(sr_content_contact(who, 0, out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_contact(who, 4, out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_contact(NULL, SR_FOLLOW, out, sizeof(out), &len), SR_EINVAL);
}

static void build_project(void) {
  t_buf_t w;
  sr_content_t c;
  T_OK(sr_content_project("Clean Water", NULL, NULL, 0, NULL, out, sizeof(out), &len));
  t_project(&w, "Clean Water");
  same_and_parses(&w, "project", &c);
  T_EQ(c.type, SR_CT_PROJECT);
  t_buf_free(&w);
  const char *tags[] = {"water", "aid"};
  T_OK(sr_content_project("Clean Water", "wells", tags, 2, "https://example.org/w", out, sizeof(out), &len));
  t_buf_init(&w);
  t_mp_map(&w, 4);
  t_mp_str(&w, "description");
  t_mp_str(&w, "wells");
  t_mp_str(&w, "name");
  t_mp_str(&w, "Clean Water");
  t_mp_str(&w, "tags");
  t_mp_array(&w, 2);
  t_mp_str(&w, "water"); /* tags keep the order given */
  t_mp_str(&w, "aid");
  t_mp_str(&w, "url");
  t_mp_str(&w, "https://example.org/w");
  same_and_parses(&w, "project", &c);
  t_buf_free(&w);
  T_EQ(sr_content_project(NULL, NULL, NULL, 0, NULL, out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_project("p", NULL, tags, SR_CONTENT_TAGS_MAX + 1, NULL, out, sizeof(out), &len), SR_EINVAL);
}

static void build_membership(void) {
  t_buf_t w;
  sr_content_t c;
  uint8_t project[SR_ID_BYTES];
  memset(project, 0x17, sizeof(project));
  static const char *const names[] = {NULL, "member", "supporter", "left"};
  for (int r = SR_MEMBER; r <= SR_LEFT; r++) {
    T_OK(sr_content_membership(project, r, out, sizeof(out), &len));
    t_membership(&w, project, names[r]);
    same_and_parses(&w, "membership", &c);
    T_EQ(c.type, SR_CT_MEMBERSHIP);
    T_EQ(c.state, r);
    T_EQ(c.has_project, 1);
    T_CHECK(memcmp(c.project, project, SR_ID_BYTES) == 0);
    t_buf_free(&w);
  }
  T_EQ(sr_content_membership(project, 9, out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_membership(NULL, SR_MEMBER, out, sizeof(out), &len), SR_EINVAL);
}

static void build_share(void) {
  t_buf_t w;
  sr_content_t c;
  uint8_t project[SR_ID_BYTES], reshare[SR_ID_BYTES];
  memset(project, 0x21, sizeof(project));
  memset(reshare, 0x42, sizeof(reshare));
  T_OK(sr_content_share("hello", NULL, project, reshare, out, sizeof(out), &len));
  t_share(&w, "hello", project, reshare);
  same_and_parses(&w, "share", &c);
  T_EQ(c.type, SR_CT_SHARE);
  T_EQ(c.has_project, 1);
  T_EQ(c.has_reshare, 1);
  T_CHECK(memcmp(c.reshare, reshare, SR_ID_BYTES) == 0);
  t_buf_free(&w);
  T_OK(sr_content_share(NULL, "https://example.org", NULL, NULL, out, sizeof(out), &len));
  t_buf_init(&w);
  t_mp_map(&w, 1);
  t_mp_str(&w, "link");
  t_mp_str(&w, "https://example.org");
  same_and_parses(&w, "share", &c);
  T_EQ(c.has_project, 0);
  T_EQ(c.has_reshare, 0);
  t_buf_free(&w);
  /* a project alone is no share */
  T_EQ(sr_content_share(NULL, NULL, project, NULL, out, sizeof(out), &len), SR_EINVAL);
}

/* device and device-of (issue 14): the bytes; their schema is core/content.c's. */
static void build_device(void) {
  uint8_t d[SR_KEY_BYTES], p[SR_KEY_BYTES];
  sr_content_t c;
  t_buf_t w;
  memset(d, 0xd1, sizeof(d));
  memset(p, 0x9e, sizeof(p));
  T_OK(sr_content_device(d, 0, 99, "laptop", out, sizeof(out), &len)); /* an add ignores upto */
  t_buf_init(&w);
  t_mp_map(&w, 3);
  t_mp_str(&w, "device");
  t_mp_bin(&w, d, sizeof(d));
  t_mp_str(&w, "name");
  t_mp_str(&w, "laptop");
  t_mp_str(&w, "state");
  t_mp_str(&w, "add");
  same_and_parses(&w, "device", &c);
  t_buf_free(&w);
  T_OK(sr_content_device(d, 1, 0, NULL, out, sizeof(out), &len)); /* upto 0 is kept: nothing of it stays */
  t_buf_init(&w);
  t_mp_map(&w, 3);
  t_mp_str(&w, "device");
  t_mp_bin(&w, d, sizeof(d));
  t_mp_str(&w, "state");
  t_mp_str(&w, "revoke");
  t_mp_str(&w, "upto");
  t_mp_uint(&w, 0);
  same_and_parses(&w, "device", &c);
  t_buf_free(&w);
  T_OK(sr_content_device(d, 1, 70000, "phone", out, sizeof(out), &len));
  t_buf_init(&w);
  t_mp_map(&w, 4);
  t_mp_str(&w, "device");
  t_mp_bin(&w, d, sizeof(d));
  t_mp_str(&w, "name");
  t_mp_str(&w, "phone");
  t_mp_str(&w, "state");
  t_mp_str(&w, "revoke");
  t_mp_str(&w, "upto");
  t_mp_uint(&w, 70000);
  same_and_parses(&w, "device", &c);
  t_buf_free(&w);
  T_OK(sr_content_device_of(p, out, sizeof(out), &len));
  t_buf_init(&w);
  t_mp_map(&w, 1);
  t_mp_str(&w, "person");
  t_mp_bin(&w, p, sizeof(p));
  T_EQ(len, T_SIZE(&w));
  T_CHECK(memcmp(out, T_DATA(&w), len) == 0);
  t_buf_free(&w);
  T_EQ(sr_content_device(NULL, 0, 0, NULL, out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_device(d, 0, 0, "\xff", out, sizeof(out), &len), SR_EUTF8);
  T_EQ(sr_content_device_of(NULL, out, sizeof(out), &len), SR_EINVAL);
  T_EQ(sr_content_device_of(p, out, 8, &len), SR_ETOOBIG);
}

int main(void) {
  t_author_init(&au, 0x44);
  T_RUN(build_about);
  T_RUN(build_contact);
  T_RUN(build_project);
  T_RUN(build_membership);
  T_RUN(build_share);
  T_RUN(build_device);
  printf("test_content_build: %d checks passed\n", t_checks);
  return 0;
}
