/* test_entry_content.c (part of test_entry): the content schemas
 * (core/content) of docs/format.md "Entries" — every type valid, every kind of
 * invalid field named in the why, the state and role names. */
#include "tests/unit/test_entry.h"

/* ---- content schemas ---- */

/* The entry parse() made last: out's pointers point into it, so it lives until the
 * next parse() (or exit). */
static t_entry_t parse_last;
static int parse_last_set;

void parse_free(void) {
  if (parse_last_set) t_entry_free(&parse_last);
  parse_last_set = 0;
}

/* Parses content under type; returns the code, why into w. */
static int parse(const char *type, const t_buf_t *c, sr_content_t *out, char *w, size_t wl) {
  sr_entry_t d;
  parse_free();
  parse_last = t_make(&alice, 1, NULL, TS, type, c);
  parse_last_set = 1;
  int rc = sr_entry_decode(parse_last.raw, parse_last.len, &d);
  if (rc == 0) rc = sr_content_parse(&d, out, w, wl);
  return rc;
}

/* Expect SR_ECONTENT with a why containing field. Frees c. */
#define BAD(type, c, field)                                                                                            \
  do {                                                                                                                 \
    sr_content_t o_;                                                                                                   \
    char w_[160] = "";                                                                                                 \
    T_EQ(parse((type), (c), &o_, w_, sizeof(w_)), SR_ECONTENT);                                                        \
    T_HAS(w_, (field));                                                                                                \
    t_buf_free(c);                                                                                                     \
  } while (0)

void content_valid_each_type(void) {
  t_buf_t c;
  sr_content_t o;
  char w[160];
  uint8_t pid[SR_ID_BYTES], rid[SR_ID_BYTES];
  memset(pid, 0xab, sizeof(pid));
  memset(rid, 0xcd, sizeof(rid));

  t_about(&c, "Alice");
  T_OK(parse("about", &c, &o, w, sizeof(w)));
  T_EQ(o.type, SR_CT_ABOUT);
  T_EQ(o.name_len, 5);
  T_MEMEQ(o.name, "Alice", 5);
  T_EQ(w[0], '\0');
  t_buf_free(&c);
  /* with bio and an unknown extra key */
  t_buf_init(&c);
  t_mp_map(&c, 3);
  t_mp_str(&c, "bio");
  t_mp_str(&c, "organiser");
  t_mp_str(&c, "name");
  t_mp_str(&c, "A");
  t_mp_str(&c, "zz_future");
  t_mp_array(&c, 1);
  t_mp_uint(&c, 7);
  T_OK(parse("about", &c, &o, w, sizeof(w)));
  t_buf_free(&c);

  t_contact(&c, bob.pk, "follow");
  T_OK(parse("contact", &c, &o, w, sizeof(w)));
  T_EQ(o.type, SR_CT_CONTACT);
  T_MEMEQ(o.who, bob.pk, SR_KEY_BYTES);
  T_EQ(o.state, SR_FOLLOW);
  t_buf_free(&c);
  t_contact(&c, bob.pk, "unfollow");
  T_OK(parse("contact", &c, &o, w, sizeof(w)));
  T_EQ(o.state, SR_UNFOLLOW);
  t_buf_free(&c);
  t_contact(&c, bob.pk, "block");
  T_OK(parse("contact", &c, &o, w, sizeof(w)));
  T_EQ(o.state, SR_BLOCK);
  t_buf_free(&c);

  /* project with every optional field */
  t_buf_init(&c);
  t_mp_map(&c, 4);
  t_mp_str(&c, "description");
  t_mp_str(&c, "clean the river");
  t_mp_str(&c, "name");
  t_mp_str(&c, "River");
  t_mp_str(&c, "tags");
  t_mp_array(&c, 2);
  t_mp_str(&c, "water");
  t_mp_str(&c, "city");
  t_mp_str(&c, "url");
  t_mp_str(&c, "https://example.org");
  T_OK(parse("project", &c, &o, w, sizeof(w)));
  T_EQ(o.type, SR_CT_PROJECT);
  T_EQ(o.name_len, 5);
  T_MEMEQ(o.name, "River", 5);
  t_buf_free(&c);

  const char *roles[] = {"member", "supporter", "left"};
  for (int i = 0; i < 3; i++) {
    t_membership(&c, pid, roles[i]);
    T_OK(parse("membership", &c, &o, w, sizeof(w)));
    T_EQ(o.type, SR_CT_MEMBERSHIP);
    T_EQ(o.state, SR_MEMBER + i);
    T_EQ(o.has_project, 1);
    T_MEMEQ(o.project, pid, SR_ID_BYTES);
    t_buf_free(&c);
  }

  t_share(&c, "hi", NULL, NULL);
  T_OK(parse("share", &c, &o, w, sizeof(w)));
  T_EQ(o.type, SR_CT_SHARE);
  T_EQ(o.has_project, 0);
  T_EQ(o.has_reshare, 0);
  t_buf_free(&c);
  t_share(&c, NULL, pid, rid);
  T_OK(parse("share", &c, &o, w, sizeof(w)));
  T_EQ(o.has_project, 1);
  T_MEMEQ(o.project, pid, SR_ID_BYTES);
  T_EQ(o.has_reshare, 1);
  T_MEMEQ(o.reshare, rid, SR_ID_BYTES);
  t_buf_free(&c);
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "link");
  t_mp_str(&c, "https://example.org/x");
  T_OK(parse("share", &c, &o, w, sizeof(w)));
  t_buf_free(&c);

  /* an unknown type is accepted with any content map */
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "name");
  t_mp_uint(&c, 3);
  T_OK(parse("poll", &c, &o, w, sizeof(w)));
  T_EQ(o.type, SR_CT_OTHER);
  T_OK(parse("About", &c, &o, w, sizeof(w))); /* types are case-sensitive */
  T_EQ(o.type, SR_CT_OTHER);
  t_buf_free(&c);
}

void content_invalid_each_kind(void) {
  t_buf_t c;
  uint8_t pid[SR_ID_BYTES + 1];
  memset(pid, 0xab, sizeof(pid));

  /* about */
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "bio");
  t_mp_str(&c, "x");
  BAD("about", &c, "name");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "name");
  t_mp_uint(&c, 1);
  BAD("about", &c, "about.name must be a string");
  t_about(&c, "");
  BAD("about", &c, "name must not be empty");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "bio");
  t_mp_uint(&c, 1);
  t_mp_str(&c, "name");
  t_mp_str(&c, "A");
  BAD("about", &c, "about.bio");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "name");
  t_mp_bin(&c, (const uint8_t *)"A", 1);
  BAD("about", &c, "about.name");

  /* contact */
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "state");
  t_mp_str(&c, "follow");
  BAD("contact", &c, "who");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "who");
  t_mp_bin(&c, bob.pk, SR_KEY_BYTES);
  BAD("contact", &c, "state");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "state");
  t_mp_str(&c, "follow");
  t_mp_str(&c, "who");
  t_mp_bin(&c, bob.pk, 31);
  BAD("contact", &c, "contact.who must be 32 bytes");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "state");
  t_mp_str(&c, "follow");
  t_mp_str(&c, "who");
  t_mp_bin(&c, pid, 33);
  BAD("contact", &c, "contact.who");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "state");
  t_mp_str(&c, "follow");
  t_mp_str(&c, "who");
  t_mp_str(&c, "bob");
  BAD("contact", &c, "contact.who");
  t_contact(&c, bob.pk, "like");
  BAD("contact", &c, "contact.state");
  t_contact(&c, bob.pk, "Follow");
  BAD("contact", &c, "contact.state");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "state");
  t_mp_uint(&c, 1);
  t_mp_str(&c, "who");
  t_mp_bin(&c, bob.pk, SR_KEY_BYTES);
  BAD("contact", &c, "contact.state");

  /* project */
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "url");
  t_mp_str(&c, "https://x");
  BAD("project", &c, "name");
  t_project(&c, "");
  BAD("project", &c, "name");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "name");
  t_mp_str(&c, "P");
  t_mp_str(&c, "tags");
  t_mp_str(&c, "a");
  BAD("project", &c, "project.tags");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "name");
  t_mp_str(&c, "P");
  t_mp_str(&c, "tags");
  t_mp_array(&c, 2);
  t_mp_str(&c, "a");
  t_mp_uint(&c, 1);
  BAD("project", &c, "project.tags");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "name");
  t_mp_str(&c, "P");
  t_mp_str(&c, "url");
  t_mp_uint(&c, 80);
  BAD("project", &c, "project.url");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "description");
  t_mp_array(&c, 0);
  t_mp_str(&c, "name");
  t_mp_str(&c, "P");
  BAD("project", &c, "project.description");

  /* membership */
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "role");
  t_mp_str(&c, "member");
  BAD("membership", &c, "project");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "project");
  t_mp_bin(&c, pid, SR_ID_BYTES);
  BAD("membership", &c, "role");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "project");
  t_mp_bin(&c, pid, 16);
  t_mp_str(&c, "role");
  t_mp_str(&c, "member");
  BAD("membership", &c, "membership.project must be 32 bytes");
  t_membership(&c, pid, "boss");
  BAD("membership", &c, "membership.role");

  /* share */
  t_buf_init(&c);
  t_mp_map(&c, 0);
  BAD("share", &c, "share needs text, link or reshare");
  t_share(&c, NULL, pid, NULL); /* a project alone says nothing */
  BAD("share", &c, "share needs text, link or reshare");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "text");
  t_mp_uint(&c, 5);
  BAD("share", &c, "share.text");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "link");
  t_mp_raw(&c, "\xc0", 1);
  BAD("share", &c, "share.link");
  t_buf_init(&c);
  t_mp_map(&c, 1);
  t_mp_str(&c, "reshare");
  t_mp_bin(&c, pid, 31);
  BAD("share", &c, "share.reshare");
  t_buf_init(&c);
  t_mp_map(&c, 2);
  t_mp_str(&c, "project");
  t_mp_str(&c, "p");
  t_mp_str(&c, "text");
  t_mp_str(&c, "t");
  BAD("share", &c, "share.project");
}

void content_state_and_role_names(void) {
  T_EQ(sr_contact_state_parse("follow", 6), SR_FOLLOW);
  T_EQ(sr_contact_state_parse("block", 5), SR_BLOCK);
  T_EQ(sr_contact_state_parse("blocks", 6), SR_EINVAL);
  T_EQ(sr_contact_state_parse("bloc", 4), SR_EINVAL);
  T_EQ(sr_role_parse("left", 4), SR_LEFT);
  T_EQ(sr_role_parse("member", 6), SR_MEMBER);
  T_EQ(sr_role_parse("", 0), SR_EINVAL);
  T_CHECK(strcmp(sr_contact_state_name(SR_UNFOLLOW), "unfollow") == 0);
  T_CHECK(strcmp(sr_role_name(SR_SUPPORTER), "supporter") == 0);
  T_CHECK(strcmp(sr_role_name(9), "unknown") == 0);
}
