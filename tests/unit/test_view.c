/* test_view.c: the web app's read model (node/view.h) on real stores in temp
 * dirs: the feed's order and paging (equal timestamps across pages), blocked
 * people left out, reshares inline and missing, text in any script as written,
 * typed ids (ambiguous, unknown, malformed), a person's log, and the JSON the
 * CLI shares (node/entry_json.h); the helpers every part shares (test_view.h)
 * and main, which runs the tests of every part. Every JSON object is freed:
 * ASan finds a leak. */
#include "tests/unit/test_view.h"
#include "core/content_build.h"
#include "node/entry_json.h"
#include "store/ingest.h"
#include "store/read.h"
#include "store/socialview.h"

t_author_t S, A, B, C;
static char err[8192];

/* Publishes one entry of a's: returns its id in id (may be NULL). */
void pub(sr_store_t *st, const t_author_t *a, const char *type, const uint8_t *c, size_t n, uint64_t ts,
         uint8_t id[SR_KEY_LEN]) {
  uint8_t got[SR_KEY_LEN];
  uint64_t seq;
  char why[200];
  int rc = sr_store_publish(st, a->sk, type, c, n, ts, NOW, id ? id : got, &seq, why, sizeof(why));
  if (rc) fprintf(stderr, "publish: %s\n", why);
  T_OK(rc);
}

void share(sr_store_t *st, const t_author_t *a, const char *text, const uint8_t *project, const uint8_t *reshare,
           uint64_t ts, uint8_t id[SR_KEY_LEN]) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_share(text, NULL, project, reshare, c, sizeof(c), &n));
  pub(st, a, "share", c, n, ts, id);
}

void about(sr_store_t *st, const t_author_t *a, const char *name, const char *bio, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_about(name, bio, c, sizeof(c), &n));
  pub(st, a, "about", c, n, ts, NULL);
}

void contact(sr_store_t *st, const t_author_t *a, const uint8_t who[SR_KEY_LEN], int state, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_contact(who, state, c, sizeof(c), &n));
  pub(st, a, "contact", c, n, ts, NULL);
}

void member(sr_store_t *st, const t_author_t *a, const uint8_t project[SR_KEY_LEN], int role, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_membership(project, role, c, sizeof(c), &n));
  pub(st, a, "membership", c, n, ts, NULL);
}

sr_store_t *fresh(char dir[256]) {
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_set_self(st, S.pk));
  return st;
}

void done(sr_store_t *st, const char *dir) {
  sr_store_close(st);
  t_rmdir(dir);
}

const char *jstr(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }
json_int_t jint(json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }

void hex(const uint8_t *b, char out[SR_HEX_KEY_LEN + 1]) { sr_hex_encode(b, SR_KEY_LEN, out); }

/* ---- the feed ---- */

typedef struct {
  uint64_t ts;
  uint8_t id[SR_KEY_LEN];
} want_t;

static int cmp_want(const void *x, const void *y) {
  const want_t *a = x, *b = y;
  if (a->ts != b->ts) return a->ts > b->ts ? -1 : 1;
  return -memcmp(a->id, b->id, SR_KEY_LEN);
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
  char dir[256], h[SR_HEX_KEY_LEN + 1];
  sr_store_t *st = fresh(dir);
  want_t want[16];
  size_t nw = 0, pages;
  contact(st, &S, A.pk, SR_FOLLOW, TS);
  contact(st, &S, C.pk, SR_FOLLOW, TS + 1);
  about(st, &A, "Ana", NULL, TS + 2); /* not a share: not in the feed */
  /* four of A's shares and one of self's written in the same millisecond */
  uint64_t ts[] = {TS + 10, TS + 20, TS + 20, TS + 20, TS + 20, TS + 30};
  for (int i = 0; i < 6; i++) {
    char text[SR_KEY_LEN];
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
  char dir[256], h[SR_HEX_KEY_LEN + 1];
  sr_store_t *st = fresh(dir);
  uint8_t orig[SR_KEY_LEN], r1[SR_KEY_LEN], r2[SR_KEY_LEN], ghost[SR_KEY_LEN], proj[SR_KEY_LEN];
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
  uint8_t k1[SR_KEY_LEN], k2[SR_KEY_LEN];
  json_t *o = NULL;
  memset(k1, 0, SR_KEY_LEN);
  memset(k2, 0xff, SR_KEY_LEN);
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

/* ---- the JSON the CLI shares ---- */

static void test_entry_json(void) {
  char dir[256];
  sr_store_t *st = fresh(dir);
  uint8_t id[SR_KEY_LEN], buf[SR_ENTRY_MAX];
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
  T_HAS(s,
        ",\"source\":\"self\",\"from\":null,\"hops\":0,\"author_name\":\"Ana\",\"device\":null,\"device_name\":null}");
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
  T_RUN(test_view_devices);
  fprintf(stderr, "test_view: %d checks passed\n", t_checks);
  return 0;
}
