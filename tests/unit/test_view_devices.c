/* test_view_devices.c: the read model with device keys (docs/format.md,
 * "Devices"; node/view.h): A's laptop L and self's phone M are bound devices.
 * An entry L wrote is A's in every view (author A, A's name, device L and its
 * label), people list A once with her devices, a device's key shows its
 * person, the feed reads every key of the people followed, a follow made on
 * a device is the person's, and a revoked device's entries after its upto are
 * no longer its person's. On a real store in a temp dir. */
#include "tests/unit/test_view.h"
#include "core/content_build.h"
#include "core/hex.h"
#include "node/entry_json.h"
#include <string.h>

static char err[8192];
static t_author_t L, M, Q;

static void device(sr_store_t *st, const t_author_t *p, const uint8_t dev[SR_KEY_BYTES], int revoke, uint64_t upto,
                   const char *name, uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_device(dev, revoke, upto, name, c, sizeof(c), &n));
  pub(st, p, "device", c, n, ts, NULL);
}

static void device_of(sr_store_t *st, const t_author_t *d, const uint8_t person[SR_KEY_BYTES], uint64_t ts) {
  uint8_t c[SR_ENTRY_MAX];
  size_t n;
  T_OK(sr_content_device_of(person, c, sizeof(c), &n));
  pub(st, d, "device-of", c, n, ts, NULL);
}

/* The element of arr whose key equals hex of k (NULL: none). */
static json_t *find(json_t *arr, const char *key, const uint8_t *k) {
  char h[SR_HEX_KEY_LEN + 1];
  size_t i;
  json_t *x;
  hex(k, h);
  json_array_foreach(arr, i, x) if (jstr(x, key) && strcmp(jstr(x, key), h) == 0) return x;
  return NULL;
}

static int is_key(json_t *o, const char *key, const uint8_t *k) {
  char h[SR_HEX_KEY_LEN + 1];
  hex(k, h);
  return jstr(o, key) && strcmp(jstr(o, key), h) == 0;
}

void test_view_devices(void) {
  char dir[256], ah[SR_HEX_KEY_LEN + 1], lh[SR_HEX_KEY_LEN + 1];
  uint8_t s1[SR_ID_BYTES], s2[SR_ID_BYTES], s3[SR_ID_BYTES], own[SR_ID_BYTES];
  json_t *o;
  t_author_init(&L, 21);
  t_author_init(&M, 22);
  t_author_init(&Q, 23);
  sr_store_t *st = fresh(dir);
  hex(A.pk, ah);
  hex(L.pk, lh);
  about(st, &S, "Sam", NULL, TS);
  about(st, &A, "Ana", "on two machines", TS + 1);
  about(st, &B, "Bo", NULL, TS + 2);
  /* L claims A first, A certifies it after: the binding holds in either order */
  device_of(st, &L, A.pk, TS + 3);
  device(st, &A, L.pk, 0, 0, "laptop", TS + 4);
  /* self's phone M: M follows B, so self's person follows B */
  device(st, &S, M.pk, 0, 0, "phone", TS + 5);
  device_of(st, &M, S.pk, TS + 6);
  contact(st, &M, B.pk, SR_FOLLOW, TS + 7);
  /* self follows A by her laptop's key: a follow of a device is one of its person */
  contact(st, &S, L.pk, SR_FOLLOW, TS + 8);
  share(st, &L, "from the laptop", NULL, NULL, TS + 10, s1);
  share(st, &A, "from the first device", NULL, NULL, TS + 11, s2);
  share(st, &B, "Bo's", NULL, NULL, TS + 12, s3);
  share(st, &M, "from my phone", NULL, NULL, TS + 13, own);

  /* the feed: self's phone's share is self's, A's laptop's is A's, B followed on the phone */
  T_OK(sr_view_feed(st, S.pk, NULL, 0, &o, err, sizeof(err)));
  json_t *items = json_object_get(o, "items");
  T_EQ(json_array_size(items), 4);
  json_t *it = find(items, "id", s1);
  T_CHECK(it && is_key(it, "author", A.pk) && strcmp(jstr(it, "author_name"), "Ana") == 0);
  T_CHECK(is_key(it, "device", L.pk) && strcmp(jstr(it, "device_name"), "laptop") == 0);
  T_CHECK(json_is_false(json_object_get(it, "mine")));
  it = find(items, "id", s2);
  T_CHECK(it && is_key(it, "author", A.pk) && json_is_null(json_object_get(it, "device")) &&
          json_is_null(json_object_get(it, "device_name")));
  it = find(items, "id", own);
  T_CHECK(it && is_key(it, "author", S.pk) && json_is_true(json_object_get(it, "mine")));
  T_CHECK(find(items, "id", s3) != NULL);
  json_decref(o);

  /* people: A once, by her key, with her laptop; L never; search finds A */
  T_OK(sr_view_people(st, S.pk, NULL, &o, err, sizeof(err)));
  json_t *people = json_object_get(o, "people");
  T_CHECK(find(people, "id", L.pk) == NULL && find(people, "id", M.pk) == NULL);
  json_t *pa = find(people, "id", A.pk);
  T_CHECK(pa && json_is_true(json_object_get(pa, "following")));
  T_EQ(json_array_size(json_object_get(pa, "devices")), 1);
  T_CHECK(is_key(json_array_get(json_object_get(pa, "devices"), 0), "key", L.pk));
  T_CHECK(json_is_true(json_object_get(find(people, "id", B.pk), "following"))); /* followed on the phone */
  json_decref(o);
  T_OK(sr_view_people(st, S.pk, "ana", &o, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(o, "people")), 1);
  T_CHECK(find(json_object_get(o, "people"), "id", A.pk) != NULL);
  json_decref(o);

  /* a person's page by the device's key: the person, her devices, both keys' shares */
  T_OK(sr_view_person(st, S.pk, lh, &o, err, sizeof(err)));
  T_CHECK(is_key(o, "id", A.pk) && strcmp(jstr(o, "name"), "Ana") == 0);
  json_t *dv = json_array_get(json_object_get(o, "devices"), 0);
  T_CHECK(strcmp(jstr(dv, "name"), "laptop") == 0 && strcmp(jstr(dv, "state"), "active") == 0 &&
          json_is_true(json_object_get(dv, "bound")) && json_is_null(json_object_get(dv, "upto")));
  T_CHECK(find(json_object_get(o, "shares"), "id", s1) && find(json_object_get(o, "shares"), "id", s2));
  T_EQ(jint(o, "followers_count"), 1); /* self, through its follow of L */
  json_decref(o);
  /* self's own profile: its phone counts as self */
  T_OK(sr_view_person(st, S.pk, "Sam", &o, err, sizeof(err)));
  T_CHECK(json_is_true(json_object_get(o, "self")) && jint(o, "following_count") == 2); /* A and B */
  json_decref(o);

  /* the log of the laptop's key: its own chain, each item naming the person */
  T_OK(sr_view_log(st, S.pk, lh, NULL, 0, &o, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(o, "items")), 2);
  it = json_array_get(json_object_get(o, "items"), 0);
  T_CHECK(is_key(it, "author", A.pk) && is_key(it, "device", L.pk) && jint(it, "seq") == 2);
  json_decref(o);

  /* the cascade of the laptop's share names Ana */
  {
    char sh[SR_HEX_KEY_LEN + 1];
    hex(s1, sh);
    T_OK(sr_view_flow_entry(st, sh, &o, err, sizeof(err)));
    json_t *c = json_object_get(o, "cascade");
    T_CHECK(is_key(c, "author", A.pk) && strcmp(jstr(c, "author_name"), "Ana") == 0 && is_key(c, "device", L.pk));
    json_decref(o);
  }

  /* the neighbourhood: one node for A, none for L; self's is Sam with its phone's follow */
  T_OK(sr_view_neighbourhood(st, S.pk, NULL, 1, &o, err, sizeof(err)));
  json_t *nodes = json_object_get(o, "nodes");
  T_CHECK(find(nodes, "id", A.pk) && find(nodes, "id", B.pk) && !find(nodes, "id", L.pk) && !find(nodes, "id", M.pk));
  json_decref(o);

  /* A unfollow on the first device, later than the phone's follow: self no longer follows B */
  contact(st, &S, B.pk, SR_UNFOLLOW, TS + 20);
  T_OK(sr_view_people(st, S.pk, "Bo", &o, err, sizeof(err)));
  T_CHECK(json_is_false(json_object_get(json_array_get(json_object_get(o, "people"), 0), "following")));
  json_decref(o);

  /* revoked up to seq 2: the laptop's later share is not Ana's (not in the feed; its own author) */
  share(st, &L, "written before the revocation arrived", NULL, NULL, TS + 21, s3);
  device(st, &A, L.pk, 1, 2, NULL, TS + 22);
  T_OK(sr_view_feed(st, S.pk, NULL, 0, &o, err, sizeof(err)));
  items = json_object_get(o, "items");
  T_CHECK(find(items, "id", s1) != NULL && find(items, "id", s3) == NULL);
  json_decref(o);
  T_OK(sr_view_person(st, S.pk, ah, &o, err, sizeof(err)));
  dv = json_array_get(json_object_get(o, "devices"), 0);
  T_CHECK(strcmp(jstr(dv, "state"), "revoked") == 0 && jint(dv, "upto") == 2);
  json_decref(o);
  {
    uint8_t buf[SR_ENTRY_MAX];
    size_t len;
    sr_entry_t e;
    sr_flow_t f;
    T_OK(sr_store_get_entry(st, s3, buf, sizeof(buf), &len, &f));
    T_OK(sr_entry_decode(buf, len, &e));
    o = sr_json_log_item(st, &e, &f);
    T_CHECK(is_key(o, "author", L.pk) && json_is_null(json_object_get(o, "device"))); /* its own, not Ana's */
    json_decref(o);
  }
  /* a certificate by the wrong key: Q certifies A's laptop: Q gets no device */
  about(st, &Q, "Quinn", NULL, TS + 23);
  device(st, &Q, L.pk, 0, 0, "stolen", TS + 24);
  T_OK(sr_view_people(st, S.pk, NULL, &o, err, sizeof(err)));
  T_EQ(json_array_size(json_object_get(find(json_object_get(o, "people"), "id", Q.pk), "devices")), 0);
  json_decref(o);
  done(st, dir);
}
