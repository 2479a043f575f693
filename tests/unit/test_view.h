/* test_view.h: the parts of the test_view program (the web app's read model,
 * node/view.h, on real stores in temp dirs): test_view.c (main, the helpers
 * below; the feed, reshares and text, typed ids, the log, the JSON the CLI
 * shares), test_view_people.c (people and projects) and test_view_flow.c (the
 * cascade, the neighbourhood), test_view_devices.c (a person's device keys
 * in every view). */
#ifndef SR_TEST_VIEW_H
#define SR_TEST_VIEW_H
#include "core/key.h"
#include "node/view.h"
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include <jansson.h>

#define TS 1700000000000ull
#define NOW (TS + 30ull * 24 * 3600 * 1000)

/* The node's own identity (S, the store's self) and three others, made once
 * by main. */
extern t_author_t S, A, B, C;

/* test_view.c, the helpers. Publishes one entry of a's at ts (the store's
 * clock at NOW): returns its id in id (may be NULL); share, about, contact and
 * member build the content of their type first. */
void pub(sr_store_t *st, const t_author_t *a, const char *type, const uint8_t *c, size_t n, uint64_t ts,
         uint8_t id[SR_KEY_LEN]);
void share(sr_store_t *st, const t_author_t *a, const char *text, const uint8_t *project, const uint8_t *reshare,
           uint64_t ts, uint8_t id[SR_KEY_LEN]);
void about(sr_store_t *st, const t_author_t *a, const char *name, const char *bio, uint64_t ts);
void contact(sr_store_t *st, const t_author_t *a, const uint8_t who[SR_KEY_LEN], int state, uint64_t ts);
void member(sr_store_t *st, const t_author_t *a, const uint8_t project[SR_KEY_LEN], int role, uint64_t ts);
/* A new store in a new temp dir (dir), its self S; done closes and removes it. */
sr_store_t *fresh(char dir[256]);
void done(sr_store_t *st, const char *dir);
/* A member of o: a string, an integer. */
const char *jstr(json_t *o, const char *key);
json_int_t jint(json_t *o, const char *key);
/* A key or an id as hex. */
void hex(const uint8_t *b, char out[SR_HEX_KEY_LEN + 1]);

/* test_view_people.c */
void test_people_projects(void);
/* test_view_devices.c */
void test_view_devices(void);
/* test_view_flow.c */
void test_cascade(void);
void test_neighbourhood(void);

#endif
