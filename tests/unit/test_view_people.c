/* test_view_people.c (part of test_view): people and projects,
 * node/view_people.c: the lists of people and of projects, a person, a project
 * and its members, on a real store. */
#include "tests/unit/test_view.h"
#include "core/content_build.h"

static char err[8192];

/* ---- people and projects ---- */

void test_people_projects(void) {
  char dir[256], h[SR_HEX_KEY_LEN + 1];
  sr_store_t *st = fresh(dir);
  uint8_t proj[SR_KEY_LEN], other[SR_KEY_LEN], c[SR_ENTRY_MAX];
  size_t n;
  json_t *o;
  about(st, &S, "Sara", "sings", TS);
  about(st, &A, "ANAÏS", "river clean-up", TS);
  about(st, &A, "Anaïs", "river clean-up, Saturdays", TS + 1); /* the latest about counts */
  about(st, &B, "Bashir", NULL, TS);
  contact(st, &S, A.pk, SR_FOLLOW, TS + 2);
  contact(st, &B, S.pk, SR_FOLLOW, TS + 2);
  contact(st, &S, C.pk, SR_BLOCK, TS + 3);
  const char *tags[] = {"river", "clean-up"};
  T_OK(sr_content_project("Clean River", "bring gloves", tags, 2, "https://example.org/river", c, sizeof(c), &n));
  pub(st, &A, "project", c, n, TS + 4, proj);
  T_OK(sr_content_project("Other", NULL, NULL, 0, NULL, c, sizeof(c), &n));
  pub(st, &B, "project", c, n, TS + 4, other);
  member(st, &A, proj, SR_MEMBER, TS + 5);
  member(st, &S, proj, SR_SUPPORTER, TS + 5);
  member(st, &B, proj, SR_MEMBER, TS + 5);
  member(st, &B, proj, SR_LEFT, TS + 6);
  for (int i = 0; i < 25; i++) share(st, &A, "in the project", proj, NULL, TS + 100 + (uint64_t)i, NULL);
  share(st, &A, "elsewhere", other, NULL, TS + 200, NULL);
  share(st, &B, "no project", NULL, NULL, TS + 201, NULL);

  /* q: a part of the name, ASCII case ignored */
  T_OK(sr_view_people(st, S.pk, "anA", &o, err, sizeof(err)));
  json_t *people = json_object_get(o, "people");
  T_EQ(json_array_size(people), 1);
  json_t *p = json_array_get(people, 0);
  hex(A.pk, h);
  T_CHECK(strcmp(jstr(p, "id"), h) == 0);
  T_CHECK(strcmp(jstr(p, "name"), "Anaïs") == 0);
  T_CHECK(strcmp(jstr(p, "bio"), "river clean-up, Saturdays") == 0);
  T_CHECK(json_is_true(json_object_get(p, "following")) && json_is_false(json_object_get(p, "follows_me")));
  T_CHECK(json_is_false(json_object_get(p, "blocked")) && json_is_false(json_object_get(p, "self")));
  json_decref(o);
  /* everyone: self, followed, follower, then the rest */
  T_OK(sr_view_people(st, S.pk, NULL, &o, err, sizeof(err)));
  people = json_object_get(o, "people");
  T_EQ(json_array_size(people), 4);
  T_CHECK(json_is_true(json_object_get(json_array_get(people, 0), "self")));
  T_CHECK(strcmp(jstr(json_array_get(people, 1), "name"), "Anaïs") == 0);
  T_CHECK(strcmp(jstr(json_array_get(people, 2), "name"), "Bashir") == 0);
  T_CHECK(json_is_true(json_object_get(json_array_get(people, 2), "follows_me")));
  T_CHECK(json_is_true(json_object_get(json_array_get(people, 3), "blocked")));
  T_CHECK(json_is_null(json_object_get(json_array_get(people, 3), "bio")));
  json_decref(o);
  T_OK(sr_view_people(st, S.pk, "zzz", &o, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(o, "people")), 0);
  json_decref(o);

  /* one person: projects with roles, counts, the latest 20 shares newest first */
  T_OK(sr_view_person(st, S.pk, "Anaïs", &o, err, sizeof(err)));
  json_t *projects = json_object_get(o, "projects");
  T_EQ(json_array_size(projects), 1);
  T_CHECK(strcmp(jstr(json_array_get(projects, 0), "name"), "Clean River") == 0);
  T_CHECK(strcmp(jstr(json_array_get(projects, 0), "role"), "member") == 0);
  T_EQ(jint(o, "following_count"), 0);
  T_EQ(jint(o, "followers_count"), 1);
  json_t *shares = json_object_get(o, "shares");
  T_EQ(json_array_size(shares), 20);
  T_EQ(jint(json_array_get(shares, 0), "ts"), TS + 200);
  T_EQ(jint(json_array_get(shares, 19), "ts"), TS + 106);
  json_decref(o);

  /* projects: fields, counts, my role */
  T_OK(sr_view_projects(st, S.pk, "river", &o, err, sizeof(err)));
  projects = json_object_get(o, "projects");
  T_EQ(json_array_size(projects), 1);
  p = json_array_get(projects, 0);
  hex(proj, h);
  T_CHECK(strcmp(jstr(p, "id"), h) == 0);
  T_CHECK(strcmp(jstr(p, "description"), "bring gloves") == 0);
  T_CHECK(strcmp(jstr(p, "url"), "https://example.org/river") == 0);
  T_EQ(json_array_size(json_object_get(p, "tags")), 2);
  T_CHECK(strcmp(jstr(p, "author_name"), "Anaïs") == 0);
  T_EQ(jint(p, "members"), 1); /* B left */
  T_EQ(jint(p, "supporters"), 1);
  T_CHECK(strcmp(jstr(p, "my_role"), "supporter") == 0);
  json_decref(o);
  T_OK(sr_view_projects(st, S.pk, "", &o, err, sizeof(err)));
  projects = json_object_get(o, "projects");
  T_EQ(json_array_size(projects), 2);
  T_CHECK(strcmp(jstr(json_array_get(projects, 0), "name"), "Clean River") == 0);
  T_CHECK(json_is_null(json_object_get(json_array_get(projects, 1), "my_role")));
  T_CHECK(json_is_null(json_object_get(json_array_get(projects, 1), "description")));
  T_EQ(json_array_size(json_object_get(json_array_get(projects, 1), "tags")), 0);
  json_decref(o);

  /* one project: who is in it, its shares only */
  T_OK(sr_view_project(st, S.pk, "Clean River", &o, err, sizeof(err)));
  json_t *ml = json_object_get(o, "member_list"), *sl = json_object_get(o, "supporter_list");
  T_EQ(json_array_size(ml), 1);
  T_CHECK(strcmp(jstr(json_array_get(ml, 0), "name"), "Anaïs") == 0);
  T_EQ(json_array_size(sl), 1);
  T_CHECK(strcmp(jstr(json_array_get(sl, 0), "name"), "Sara") == 0);
  shares = json_object_get(o, "shares");
  T_EQ(json_array_size(shares), 20);
  for (size_t i = 0; i < 20; i++) {
    T_CHECK(strcmp(jstr(json_array_get(shares, i), "text"), "in the project") == 0);
    T_EQ(jint(json_array_get(shares, i), "ts"), TS + 124 - i);
  }
  json_decref(o);

  /* the profile */
  T_OK(sr_view_profile(st, S.pk, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(o, "name"), "Sara") == 0 && strcmp(jstr(o, "bio"), "sings") == 0);
  json_decref(o);
  T_OK(sr_view_profile(st, C.pk, &o, err, sizeof(err)));
  T_CHECK(json_is_null(json_object_get(o, "name")) && json_is_null(json_object_get(o, "bio")));
  json_decref(o);
  done(st, dir);
}
