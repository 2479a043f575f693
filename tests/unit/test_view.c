/* test_view.c: the web app's read model (node/view.h) on real stores in temp
 * dirs: the feed's order and paging (equal timestamps across pages), blocked
 * people left out, reshares inline and missing, text in any script as written,
 * typed ids (ambiguous, unknown, malformed), people and projects, the cascade
 * tree of an entry, the neighbourhood's depth and cap, and the JSON the CLI
 * shares (node/entry_json.h). Every JSON object is freed: ASan finds a leak. */
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "core/content_build.h"
#include "node/entry_json.h"
#include "node/view.h"
#include "store/ingest.h"
#include "store/read.h"
#include "store/socialview.h"

#define TS 1700000000000ull
#define NOW (TS + 30ull * 24 * 3600 * 1000)

static t_author_t S, A, B, C;
static char err[8192];

/* Publishes one entry of a's: returns its id in id (may be NULL). */
static void pub(sr_store_t *st, const t_author_t *a, const char *type, const uint8_t *c, size_t n, uint64_t ts,
                uint8_t id[32]) {
  uint8_t got[32];
  uint64_t seq;
  char why[200];
  int rc = sr_store_publish(st, a->sk, type, c, n, ts, NOW, id ? id : got, &seq, why, sizeof(why));
  if (rc) fprintf(stderr, "publish: %s\n", why);
  T_OK(rc);
}

static void share(sr_store_t *st, const t_author_t *a, const char *text, const uint8_t *project, const uint8_t *reshare,
                  uint64_t ts, uint8_t id[32]) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_share(text, NULL, project, reshare, c, sizeof(c), &n));
  pub(st, a, "share", c, n, ts, id);
}

static void about(sr_store_t *st, const t_author_t *a, const char *name, const char *bio, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_about(name, bio, c, sizeof(c), &n));
  pub(st, a, "about", c, n, ts, NULL);
}

static void contact(sr_store_t *st, const t_author_t *a, const uint8_t who[32], int state, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_contact(who, state, c, sizeof(c), &n));
  pub(st, a, "contact", c, n, ts, NULL);
}

static void member(sr_store_t *st, const t_author_t *a, const uint8_t project[32], int role, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_membership(project, role, c, sizeof(c), &n));
  pub(st, a, "membership", c, n, ts, NULL);
}

static sr_store_t *fresh(char dir[256]) {
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_set_self(st, S.pk));
  return st;
}

static void done(sr_store_t *st, const char *dir) {
  sr_store_close(st);
  t_rmdir(dir);
}

static const char *jstr(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }
static json_int_t jint(json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }

static void hex(const uint8_t *b, char out[65]) { sr_hex_encode(b, 32, out); }

/* ---- the feed ---- */

typedef struct {
  uint64_t ts;
  uint8_t id[32];
} want_t;

static int cmp_want(const void *x, const void *y) {
  const want_t *a = x, *b = y;
  if (a->ts != b->ts) return a->ts > b->ts ? -1 : 1;
  return -memcmp(a->id, b->id, 32);
}

/* Every page of the feed with limit, concatenated; checks each page's size. */
static json_t *all_pages(sr_store_t *st, size_t limit, size_t *pages) {
  json_t *all = json_array(), *page = NULL;
  char cursor[200] = "";
  *pages = 0;
  for (;;) {
    T_OK(sr_view_feed(st, S.pk, cursor, limit, &page, err, sizeof(err)));
    json_t *items = json_object_get(page, "items"), *next = json_object_get(page, "next");
    T_CHECK(json_array_size(items) <= limit);
    json_array_extend(all, items);
    ++*pages;
    if (json_is_null(next)) {
      json_decref(page);
      return all;
    }
    T_EQ(json_array_size(items), limit); /* only a full page has a next */
    snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
    json_decref(page);
    T_CHECK(*pages < 100);
  }
}

static void test_feed_order_paging_blocked(void) {
  char dir[256], h[65];
  sr_store_t *st = fresh(dir);
  want_t want[16];
  size_t nw = 0, pages;
  contact(st, &S, A.pk, SR_FOLLOW, TS);
  contact(st, &S, C.pk, SR_FOLLOW, TS + 1);
  about(st, &A, "Ana", NULL, TS + 2); /* not a share: not in the feed */
  /* four of A's shares and one of self's written in the same millisecond */
  uint64_t ts[] = {TS + 10, TS + 20, TS + 20, TS + 20, TS + 20, TS + 30};
  for (int i = 0; i < 6; i++) {
    char text[32];
    snprintf(text, sizeof(text), "a%d", i);
    want[nw].ts = ts[i];
    share(st, i == 3 ? &S : &A, text, NULL, NULL, ts[i], want[nw].id);
    nw++;
  }
  share(st, &B, "not followed", NULL, NULL, TS + 25, NULL);
  want[nw].ts = TS + 15;
  share(st, &C, "followed, then blocked", NULL, NULL, TS + 15, want[nw].id);
  nw++;
  qsort(want, nw, sizeof(*want), cmp_want);

  json_t *all = all_pages(st, 200, &pages);
  T_EQ(pages, 1);
  T_EQ(json_array_size(all), nw);
  for (size_t i = 0; i < nw; i++) {
    json_t *it = json_array_get(all, i);
    hex(want[i].id, h);
    T_CHECK(strcmp(jstr(it, "id"), h) == 0);
    T_EQ(jint(it, "ts"), want[i].ts);
    T_CHECK(strcmp(jstr(it, "type"), "share") == 0);
    T_CHECK(json_is_null(json_object_get(it, "reshare")));
    T_CHECK(json_is_null(json_object_get(it, "project")));
    T_CHECK(json_is_null(json_object_get(it, "link")));
    T_EQ(jint(it, "reshares"), 0);
    T_CHECK(json_is_true(json_object_get(it, "mine")) == (strcmp(jstr(it, "text"), "a3") == 0));
  }
  /* Pages of 2 (and 1, 3) cut the run of equal timestamps; together they are the whole feed, once each. */
  for (size_t limit = 1; limit <= 3; limit++) {
    json_t *paged = all_pages(st, limit, &pages);
    T_EQ(pages, (nw + limit - 1) / limit);
    T_CHECK(json_equal(paged, all));
    json_decref(paged);
  }
  json_decref(all);

  /* S blocks C: C's share leaves the feed. */
  contact(st, &S, C.pk, SR_BLOCK, TS + 40);
  all = all_pages(st, 200, &pages);
  T_EQ(json_array_size(all), nw - 1);
  for (size_t i = 0; i < json_array_size(all); i++)
    T_CHECK(strcmp(jstr(json_array_get(all, i), "text"), "followed, then blocked") != 0);
  json_decref(all);

  /* a cursor this node did not give */
  json_t *page = NULL;
  const char *bad[] = {"x",
                       "12",
                       "12_abc",
                       "_0000000000000000000000000000000000000000000000000000000000000000",
                       "1_000000000000000000000000000000000000000000000000000000000000000G",
                       "99999999999999999999999_0000000000000000000000000000000000000000000000000000000000000000"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    T_EQ(sr_view_feed(st, S.pk, bad[i], 10, &page, err, sizeof(err)), SR_EINVAL);
    T_CHECK(page == NULL);
    T_HAS(err, "cursor");
  }
  done(st, dir);
}

static void test_feed_limits(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  json_t *page;
  for (int i = 0; i < 250; i++) share(st, &S, "many", NULL, NULL, TS + (uint64_t)i, NULL);
  T_OK(sr_view_feed(st, S.pk, NULL, 0, &page, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(page, "items")), SR_VIEW_FEED_DEFAULT);
  T_EQ(jint(json_array_get(json_object_get(page, "items"), 0), "ts"), TS + 249);
  json_decref(page);
  T_OK(sr_view_feed(st, S.pk, "", 100000, &page, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(page, "items")), SR_VIEW_FEED_MAX);
  T_CHECK(json_is_string(json_object_get(page, "next")));
  json_decref(page);
  done(st, dir);
}

/* ---- reshares, text as written ---- */

static void test_reshare_and_text(void) {
  char dir[256], h[65];
  sr_store_t *st = fresh(dir);
  uint8_t orig[32], r1[32], r2[32], ghost[32], proj[32];
  const char *zh = "河流清理：星期六上午十点，市场见。", *ar = "تنظيف النهر يوم السبت 🌊🧤",
             *emoji = "👩🏽‍🎤🎶 ✊🏾";
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  const char *tags[] = {"河流", "نظيف"};
  T_OK(sr_content_project("清洁河流", "مشروع", tags, 2, NULL, c, sizeof(c), &n));
  pub(st, &B, "project", c, n, TS, proj);
  contact(st, &S, A.pk, SR_FOLLOW, TS);
  about(st, &A, "阿娜 Ana", "يغني 🎤", TS + 1);
  about(st, &B, "بشرى", NULL, TS + 1);
  share(st, &B, zh, proj, NULL, TS + 2, orig);
  share(st, &A, ar, NULL, orig, TS + 3, r1);
  memset(ghost, 0x5a, sizeof(ghost));
  share(st, &A, emoji, NULL, ghost, TS + 4, r2);

  json_t *page;
  T_OK(sr_view_feed(st, S.pk, NULL, 10, &page, err, sizeof(err)));
  json_t *items = json_object_get(page, "items");
  T_EQ(json_array_size(items), 2);
  json_t *i2 = json_array_get(items, 0), *i1 = json_array_get(items, 1);
  /* the reshare of an entry not held */
  T_CHECK(strcmp(jstr(i2, "text"), emoji) == 0);
  json_t *miss = json_object_get(i2, "reshare");
  hex(ghost, h);
  T_CHECK(strcmp(jstr(miss, "id"), h) == 0);
  T_CHECK(json_is_true(json_object_get(miss, "missing")));
  T_EQ(json_object_size(miss), 2);
  /* the reshare of a held one: its text inline, one level, with its project */
  T_CHECK(strcmp(jstr(i1, "text"), ar) == 0);
  T_CHECK(strcmp(jstr(i1, "author_name"), "阿娜 Ana") == 0);
  json_t *in = json_object_get(i1, "reshare");
  hex(orig, h);
  T_CHECK(strcmp(jstr(in, "id"), h) == 0);
  T_CHECK(strcmp(jstr(in, "text"), zh) == 0);
  T_CHECK(strcmp(jstr(in, "author_name"), "بشرى") == 0);
  T_CHECK(json_object_get(in, "reshare") == NULL); /* ITEM without reshare */
  T_EQ(jint(in, "reshares"), 1);
  T_CHECK(json_is_false(json_object_get(in, "mine")));
  T_CHECK(strcmp(jstr(json_object_get(in, "project"), "name"), "清洁河流") == 0);
  /* UTF-8 as written in the serialised JSON too: no \u escapes */
  char *s = json_dumps(page, JSON_COMPACT);
  T_HAS(s, zh);
  T_HAS(s, ar);
  T_HAS(s, emoji);
  T_CHECK(strstr(s, "\\u") == NULL);
  free(s);
  json_decref(page);

  /* S blocks B: B's words leave the feed, also inside a friend's reshare */
  contact(st, &S, B.pk, SR_BLOCK, TS + 5);
  T_OK(sr_view_feed(st, S.pk, NULL, 10, &page, err, sizeof(err)));
  in = json_object_get(json_array_get(json_object_get(page, "items"), 1), "reshare");
  hex(orig, h);
  T_CHECK(strcmp(jstr(in, "id"), h) == 0);
  T_CHECK(json_is_true(json_object_get(in, "missing")) && json_is_true(json_object_get(in, "blocked")));
  s = json_dumps(page, JSON_COMPACT);
  T_CHECK(strstr(s, zh) == NULL);
  free(s);
  json_decref(page);

  /* profile and project keep the text as written */
  json_t *p;
  T_OK(sr_view_person(st, S.pk, "阿娜 Ana", &p, err, sizeof(err)));
  T_CHECK(strcmp(jstr(p, "bio"), "يغني 🎤") == 0);
  json_decref(p);
  T_OK(sr_view_project(st, S.pk, "清洁河流", &p, err, sizeof(err)));
  T_CHECK(strcmp(jstr(p, "description"), "مشروع") == 0);
  T_CHECK(strcmp(json_string_value(json_array_get(json_object_get(p, "tags"), 0)), "河流") == 0);
  json_decref(p);
  done(st, dir);
}

/* ---- typed ids ---- */

static void test_resolve(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  uint8_t k1[32], k2[32];
  json_t *o = NULL;
  memset(k1, 0, 32);
  memset(k2, 0xff, 32);
  k1[0] = k2[0] = 0xab, k1[1] = k2[1] = 0xcd, k1[2] = k2[2] = 0xef, k1[3] = k2[3] = 0x01;
  contact(st, &S, k1, SR_FOLLOW, TS);
  contact(st, &S, k2, SR_FOLLOW, TS + 1);
  about(st, &A, "Ana", NULL, TS);
  about(st, &B, "Ana", NULL, TS);
  about(st, &C, "Eve\x1b[2J", NULL, TS);
  about(st, &S, "Eve\x1b[2J", NULL, TS);

  T_EQ(sr_view_person(st, S.pk, "abcdef01", &o, err, sizeof(err)), SR_EAMBIGUOUS);
  T_CHECK(o == NULL);
  T_HAS(err, "is ambiguous: two people's keys start with it");
  T_HAS(err, "\n  abcdef0100000000");
  T_HAS(err, "\n  abcdef01ffffffff");
  T_HAS(err, "more hex digits");
  T_CHECK(strstr(err, "seurone") == NULL); /* no CLI hints for the web */
  T_EQ(sr_view_person(st, S.pk, "Ana", &o, err, sizeof(err)), SR_EAMBIGUOUS);
  T_HAS(err, "two people have that name");
  /* names are shown escaped in the sentence */
  T_EQ(sr_view_log(st, S.pk, "Eve\x1b[2J", NULL, 10, &o, err, sizeof(err)), SR_EAMBIGUOUS);
  T_HAS(err, "Eve\\x1b[2J");
  T_CHECK(strchr(err, 0x1b) == NULL);

  T_EQ(sr_view_person(st, S.pk, "abcdef03", &o, err, sizeof(err)), SR_ENOTFOUND);
  T_HAS(err, "matches no person");
  T_EQ(sr_view_person(st, S.pk, "Nobody", &o, err, sizeof(err)), SR_ENOTFOUND);
  T_HAS(err, "is neither a key");
  T_EQ(sr_view_person(st, S.pk, "abc", &o, err, sizeof(err)), SR_EINVAL);
  T_HAS(err, "too short");
  T_EQ(sr_view_person(st, S.pk, "00000000000000000000000000000000000000000000000000000000000000000", &o, err,
                      sizeof(err)),
       SR_EINVAL);
  T_HAS(err, "65 hex digits");
  T_EQ(sr_view_flow_entry(st, "not-an-id", &o, err, sizeof(err)), SR_EINVAL);
  T_EQ(sr_view_flow_entry(st, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &o, err, sizeof(err)),
       SR_ENOTFOUND);
  T_HAS(err, "does not hold entry");
  /* a full key nobody here knows */
  T_EQ(sr_view_person(st, S.pk, "1111111111111111111111111111111111111111111111111111111111111111", &o, err,
                      sizeof(err)),
       SR_ENOTFOUND);
  T_EQ(sr_view_project(st, S.pk, "1111111111111111111111111111111111111111111111111111111111111111", &o, err,
                       sizeof(err)),
       SR_ENOTFOUND);
  T_CHECK(o == NULL);

  /* the unique prefix and the exact name resolve */
  T_OK(sr_view_person(st, S.pk, "abcdef0100", &o, err, sizeof(err)));
  T_CHECK(strncmp(jstr(o, "id"), "abcdef0100000000", 16) == 0);
  T_CHECK(json_is_true(json_object_get(o, "following")));
  T_CHECK(json_is_null(json_object_get(o, "name")));
  json_decref(o);
  done(st, dir);
}

/* ---- people and projects ---- */

static void test_people_projects(void) {
  char dir[256], h[65];
  sr_store_t *st = fresh(dir);
  uint8_t proj[32], other[32], c[SR_ENTRY_MAX];
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

/* ---- the log ---- */

static void test_log(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  json_t *o;
  about(st, &A, "Ana", NULL, TS);
  for (int i = 0; i < 5; i++) share(st, &A, "x", NULL, NULL, TS + 10, NULL);
  share(st, &B, "y", NULL, NULL, TS + 5, NULL);
  T_OK(sr_view_log(st, S.pk, "Ana", NULL, 4, &o, err, sizeof(err)));
  json_t *items = json_object_get(o, "items");
  T_EQ(json_array_size(items), 4);
  /* `log --json` items: the entry's log form and its author's name */
  json_t *it = json_array_get(items, 0);
  T_CHECK(json_object_get(it, "seq") && json_object_get(it, "content") && json_object_get(it, "hops"));
  T_CHECK(strcmp(jstr(it, "author_name"), "Ana") == 0);
  char cursor[200];
  snprintf(cursor, sizeof(cursor), "%s", json_string_value(json_object_get(o, "next")));
  json_decref(o);
  T_OK(sr_view_log(st, S.pk, "Ana", cursor, 4, &o, err, sizeof(err)));
  items = json_object_get(o, "items");
  T_EQ(json_array_size(items), 2);
  T_CHECK(strcmp(jstr(json_array_get(items, 1), "type"), "about") == 0);
  T_CHECK(json_is_null(json_object_get(o, "next")));
  json_decref(o);
  T_OK(sr_view_log(st, S.pk, NULL, NULL, 100, &o, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(o, "items")), 7);
  json_decref(o);
  done(st, dir);
}

/* ---- the cascade ---- */

static json_t *child_by(json_t *node, const uint8_t id[32]) {
  char h[65];
  hex(id, h);
  json_t *kids = json_object_get(node, "children");
  for (size_t i = 0; i < json_array_size(kids); i++)
    if (strcmp(jstr(json_array_get(kids, i), "id"), h) == 0) return json_array_get(kids, i);
  return NULL;
}

static void test_cascade(void) {
  char dir[256], h[65];
  sr_store_t *st = fresh(dir);
  uint8_t o0[32], r1[32], r2[32], r3[32], lone[32], orphan[32], ghost[32];
  json_t *o;
  about(st, &A, "Ana", NULL, TS);
  share(st, &B, "original", NULL, NULL, TS + 1, o0);
  share(st, &A, NULL, NULL, o0, TS + 2, r1);
  share(st, &S, "passing it on", NULL, r1, TS + 3, r2);
  share(st, &C, NULL, NULL, o0, TS + 4, r3);
  share(st, &C, "alone", NULL, NULL, TS + 5, lone);
  memset(ghost, 0x33, 32);
  share(st, &A, NULL, NULL, ghost, TS + 6, orphan);

  /* asked from a leaf, the tree comes from the original */
  hex(r2, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(o, "id"), h) == 0);
  T_CHECK(json_object_get(o, "content") == NULL); /* `flow entry --json`: no content */
  T_CHECK(json_object_get(o, "latency_ms") && json_object_get(o, "skewed"));
  T_EQ(jint(o, "reshares"), 0);
  T_EQ(jint(o, "reach"), 1); /* its author is this node, and no one reshared it */
  json_t *root = json_object_get(o, "cascade");
  hex(o0, h);
  T_CHECK(strcmp(jstr(root, "id"), h) == 0);
  T_EQ(json_array_size(json_object_get(root, "children")), 2);
  json_t *n1 = child_by(root, r1), *n3 = child_by(root, r3);
  T_CHECK(n1 && n3);
  T_CHECK(strcmp(jstr(n1, "author_name"), "Ana") == 0);
  T_EQ(json_array_size(json_object_get(n3, "children")), 0);
  T_EQ(json_array_size(json_object_get(n1, "children")), 1);
  json_t *n2 = child_by(n1, r2);
  T_CHECK(n2 != NULL);
  T_EQ(jint(n2, "ts"), TS + 3);
  T_CHECK(json_object_get(n2, "received_at") && json_object_get(n2, "hops"));
  T_EQ(json_array_size(json_object_get(n2, "children")), 0);
  json_decref(o);
  /* asked from the original: the same tree, its reach and reshares */
  hex(o0, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_EQ(jint(o, "reshares"), 2);
  T_EQ(jint(o, "reach"), 4); /* B, A, S, C */
  json_decref(o);
  /* a share no one reshared, and one of an entry not held: a tree of one */
  hex(lone, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(json_object_get(o, "cascade"), "id"), h) == 0);
  T_EQ(json_array_size(json_object_get(json_object_get(o, "cascade"), "children")), 0);
  json_decref(o);
  hex(orphan, h);
  T_OK(sr_view_flow_entry(st, h, &o, err, sizeof(err)));
  T_CHECK(strcmp(jstr(json_object_get(o, "cascade"), "id"), h) == 0);
  json_decref(o);
  done(st, dir);
}

/* ---- the neighbourhood ---- */

static int has_node(json_t *nodes, const uint8_t key[32], int distance) {
  char h[65];
  hex(key, h);
  for (size_t i = 0; i < json_array_size(nodes); i++) {
    json_t *n = json_array_get(nodes, i);
    if (strcmp(jstr(n, "id"), h) == 0) return jint(n, "distance") == distance;
  }
  return 0;
}

static void test_neighbourhood(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  t_author_t P[3], Q[2];
  uint8_t z[32], far[32];
  json_t *o;
  for (int i = 0; i < 3; i++) t_author_init(&P[i], (uint8_t)(40 + i));
  for (int i = 0; i < 2; i++) t_author_init(&Q[i], (uint8_t)(50 + i));
  memset(far, 0x77, 32);
  contact(st, &S, P[0].pk, SR_FOLLOW, TS);
  contact(st, &S, P[1].pk, SR_FOLLOW, TS);
  contact(st, &P[2], S.pk, SR_FOLLOW, TS); /* a follower counts too */
  contact(st, &P[0], Q[0].pk, SR_FOLLOW, TS);
  contact(st, &Q[1], P[1].pk, SR_FOLLOW, TS);
  contact(st, &P[0], P[1].pk, SR_BLOCK, TS); /* an edge among kept nodes, not a path */
  contact(st, &Q[0], far, SR_FOLLOW, TS);    /* distance 3 */
  about(st, &P[0], "Pia", NULL, TS);

  T_OK(sr_view_neighbourhood(st, S.pk, NULL, 1, &o, err, sizeof(err)));
  json_t *nodes = json_object_get(o, "nodes");
  T_EQ(json_array_size(nodes), 4);
  T_CHECK(has_node(nodes, S.pk, 0) && has_node(nodes, P[0].pk, 1) && has_node(nodes, P[1].pk, 1) &&
          has_node(nodes, P[2].pk, 1));
  T_CHECK(json_is_true(json_object_get(json_array_get(nodes, 0), "self")));
  T_EQ(json_array_size(json_object_get(o, "edges")), 4); /* 3 follows + the block */
  json_decref(o);

  T_OK(sr_view_neighbourhood(st, S.pk, "Pia", 2, &o, err, sizeof(err)));
  nodes = json_object_get(o, "nodes");
  T_CHECK(has_node(nodes, P[0].pk, 0) && has_node(nodes, S.pk, 1) && has_node(nodes, Q[0].pk, 1));
  T_CHECK(has_node(nodes, P[1].pk, 2) && has_node(nodes, P[2].pk, 2) && has_node(nodes, far, 2));
  T_CHECK(!has_node(nodes, Q[1].pk, 3));
  T_EQ(json_array_size(nodes), 6);
  /* closest first */
  for (size_t i = 1; i < json_array_size(nodes); i++)
    T_CHECK(jint(json_array_get(nodes, i - 1), "distance") <= jint(json_array_get(nodes, i), "distance"));
  /* every edge joins two kept nodes */
  json_t *edges = json_object_get(o, "edges");
  for (size_t i = 0; i < json_array_size(edges); i++) {
    uint8_t s[32], d[32];
    T_OK(sr_hex_decode(jstr(json_array_get(edges, i), "src"), s, 32));
    T_OK(sr_hex_decode(jstr(json_array_get(edges, i), "dst"), d, 32));
    T_CHECK(has_node(nodes, s, 0) || has_node(nodes, s, 1) || has_node(nodes, s, 2));
    T_CHECK(has_node(nodes, d, 0) || has_node(nodes, d, 1) || has_node(nodes, d, 2));
  }
  json_decref(o);
  T_EQ(sr_view_neighbourhood(st, S.pk, NULL, 3, &o, err, sizeof(err)), SR_EINVAL);

  /* the cap: 200 people followed, 150 nodes kept, the center among them */
  for (int i = 0; i < 200; i++) {
    memset(z, 0, 32);
    z[0] = 0xee, z[1] = (uint8_t)i;
    contact(st, &S, z, SR_FOLLOW, TS + 1);
  }
  T_OK(sr_view_neighbourhood(st, S.pk, NULL, 2, &o, err, sizeof(err)));
  nodes = json_object_get(o, "nodes");
  T_EQ(json_array_size(nodes), SR_VIEW_NEIGHBOURS_MAX);
  T_CHECK(has_node(nodes, S.pk, 0));
  T_EQ(jint(json_array_get(nodes, SR_VIEW_NEIGHBOURS_MAX - 1), "distance"), 1);
  json_decref(o);
  done(st, dir);
}

/* ---- the JSON the CLI shares ---- */

static void test_entry_json(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  uint8_t id[32], buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  sr_flow_t f;
  json_t *g;
  about(st, &A, "Ana", NULL, TS);
  contact(st, &A, B.pk, SR_FOLLOW, TS + 1);
  share(st, &A, "hé", NULL, NULL, TS + 2, id);
  T_OK(sr_store_get_entry(st, id, buf, sizeof(buf), &len, &f));
  T_OK(sr_entry_decode(buf, len, &e));
  json_t *o = sr_json_log_item(st, &e, &f);
  char *s = json_dumps(o, JSON_COMPACT);
  /* the key order is the CLI's (tests/cli compare its output) */
  T_CHECK(strncmp(s, "{\"id\":", 6) == 0);
  T_HAS(s, "\"type\":\"share\",\"content\":{\"text\":\"hé\"},\"received_at\":");
  T_HAS(s, ",\"source\":\"self\",\"from\":null,\"hops\":0,\"author_name\":\"Ana\"}");
  free(s);
  json_decref(o);
  T_OK(sr_json_graph(st, &g));
  T_EQ(json_array_size(json_object_get(g, "people")), 3); /* self, A and B */
  T_EQ(json_array_size(json_object_get(json_object_get(g, "edges"), "follow")), 1);
  T_CHECK(json_is_array(json_object_get(g, "forked_authors")));
  json_decref(g);
  done(st, dir);
}

int main(void) {
  t_author_init(&S, 1);
  t_author_init(&A, 2);
  t_author_init(&B, 3);
  t_author_init(&C, 4);
  T_RUN(test_feed_order_paging_blocked);
  T_RUN(test_feed_limits);
  T_RUN(test_reshare_and_text);
  T_RUN(test_resolve);
  T_RUN(test_people_projects);
  T_RUN(test_log);
  T_RUN(test_cascade);
  T_RUN(test_neighbourhood);
  T_RUN(test_entry_json);
  fprintf(stderr, "test_view: %d checks passed\n", t_checks);
  return 0;
}
