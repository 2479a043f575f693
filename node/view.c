/* view.c: what the views of node/view.h share (view_internal.h) — errors,
 * typed ids, key sets, this node's relations, the latest about — and the
 * smallest view, the profile. The feed and the logs are view_feed.c's, people
 * and projects view_people.c's, flow and neighbourhood view_flow.c's. */
#include "node/view_internal.h"
#include "core/key.h"
#include "core/vec.h"
#include "node/entry_json.h"
#include "store/lookup.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sr_view_fail(sr_store_t *st, int rc, const char *what, char *err, size_t errlen) {
  snprintf(err, errlen, "%s failed: %s", what, rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  return rc;
}

int sr_view_resolve(sr_store_t *st, int kind, const char *what, const char *arg, uint8_t out[SR_ID_BYTES], char *err,
                    size_t errlen) {
  if (!arg) {
    snprintf(err, errlen, "%s is missing", what);
    return SR_EINVAL;
  }
  return sr_store_resolve(st, kind, what, arg, 0, out, err, errlen);
}

/* ---- key sets ---- */

int sr_keyset_add(sr_keyset_t *s, const uint8_t key[SR_KEY_BYTES]) {
  int rc = sr_grow((void **)&s->k, &s->cap, s->n + 1, SR_KEY_BYTES, 64);
  if (rc) return rc;
  memcpy(s->k[s->n++], key, SR_KEY_BYTES);
  return 0;
}

void sr_keyset_sort(sr_keyset_t *s) {
  size_t u = 0;
  if (s->n) qsort(s->k, s->n, SR_KEY_BYTES, sr_key_cmp);
  for (size_t i = 0; i < s->n; i++)
    if (u == 0 || memcmp(s->k[u - 1], s->k[i], SR_KEY_BYTES)) memmove(s->k[u++], s->k[i], SR_KEY_BYTES);
  s->n = u;
}

int sr_keyset_has(const sr_keyset_t *s, const uint8_t key[SR_KEY_BYTES]) {
  return sr_key_find(s->k, s->n, SR_KEY_BYTES, key) >= 0;
}

void sr_keyset_free(sr_keyset_t *s) {
  free(s->k);
  memset(s, 0, sizeof(*s));
}

static int keyset_row(void *ctx, int kind, const uint8_t other[SR_KEY_BYTES]) {
  (void)kind;
  return sr_keyset_add(ctx, other);
}

int sr_keyset_edges(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int dir, int kind, sr_keyset_t *s) {
  int rc = sr_store_edges_of(st, key, dir, kind, keyset_row, s);
  if (!rc) sr_keyset_sort(s); /* one kind comes sorted; a merge of kinds does not */
  return rc;
}

/* ---- persons ---- */

int sr_view_person_keys(const sr_personmap_t *pm, const uint8_t p[SR_KEY_BYTES], sr_keyset_t *s) {
  size_t first = 0, n = sr_personmap_count(pm) ? sr_personmap_devices(pm, p, &first) : 0;
  int rc = sr_keyset_add(s, p);
  for (size_t i = first; i < first + n && !rc; i++) {
    const uint8_t *key;
    sr_personmap_at(pm, i, &key, NULL);
    if (key) rc = sr_keyset_add(s, key);
  }
  if (!rc) sr_keyset_sort(s);
  return rc;
}

int sr_view_has_devices(const sr_personmap_t *pm, const uint8_t p[SR_KEY_BYTES]) {
  size_t first;
  return sr_personmap_count(pm) && sr_personmap_devices(pm, p, &first) > 0;
}

/* 1 when key is a device or a person with devices: its contacts are merged. */
static int multi_key(const sr_personmap_t *pm, const uint8_t key[SR_KEY_BYTES]) {
  return sr_personmap_person(pm, key, 0) != NULL || sr_view_has_devices(pm, key);
}

typedef struct {
  sr_store_t *st;
  const sr_personmap_t *pm;
  const uint8_t *p;       /* the person */
  int dir, kind, contact; /* contact: kind is follow or block (a state, newest by ts) */
  sr_keyset_t *s;
} person_edge_t;

static int person_edge_row(void *ctx, int kind, const uint8_t other[SR_KEY_BYTES]) {
  person_edge_t *w = ctx;
  const uint8_t *o = sr_personmap_person(w->pm, other, 0);
  int state, rc;
  (void)kind;
  if (!o) o = other;
  if (memcmp(o, w->p, SR_KEY_BYTES) == 0) return 0; /* a device's edge to its own person */
  /* an edge holds the state one key gave; the person's is the newest of its
   * keys' (store/devices.h, as the graph reads it) */
  if (w->contact && (multi_key(w->pm, w->p) || multi_key(w->pm, o))) {
    if (w->dir == SR_EDGES_OUT) rc = sr_store_person_contact(w->st, w->p, o, &state);
    else
      rc = sr_store_person_contact(w->st, o, w->p, &state);
    if (rc) return rc;
    if (state != (w->kind == SR_EDGE_FOLLOW ? SR_FOLLOW : SR_BLOCK)) return 0; /* an edge kind, a contact state */
  }
  return sr_keyset_add(w->s, o);
}

int sr_view_person_edges(sr_store_t *st, const sr_personmap_t *pm, const uint8_t p[SR_KEY_BYTES], int dir, int kind,
                         sr_keyset_t *s) {
  sr_keyset_t keys = {0};
  person_edge_t w = {st, pm, p, dir, kind, kind == SR_EDGE_FOLLOW || kind == SR_EDGE_BLOCK, s};
  int rc;
  if (!sr_personmap_count(pm)) return sr_keyset_edges(st, p, dir, kind, s); /* no device anywhere: as it always was */
  if ((rc = sr_view_person_keys(pm, p, &keys))) return rc;
  for (size_t i = 0; i < keys.n && !rc; i++) rc = sr_store_edges_of(st, keys.k[i], dir, kind, person_edge_row, &w);
  sr_keyset_free(&keys);
  if (!rc) sr_keyset_sort(s);
  return rc;
}

int sr_view_keep_persons(void *ctx, const sr_entry_t *e) {
  const sr_view_person_filter_t *f = ctx;
  const uint8_t *p = sr_personmap_person(f->pm, e->author, e->seq);
  return sr_keyset_has(f->persons, p ? p : e->author);
}

int sr_rel_load(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], sr_rel_t *r) {
  int rc;
  memset(r, 0, sizeof(*r));
  r->self = self;
  if ((rc = sr_store_personmap(st, &r->pm))) return rc;
  if (!sr_personmap_count(r->pm)) { /* no device: every view reads as before */
    sr_personmap_free(r->pm);
    r->pm = NULL;
  }
  const uint8_t *p = sr_personmap_person(r->pm, self, 0);
  memcpy(r->person, p ? p : self, SR_KEY_BYTES);
  if ((rc = sr_view_person_edges(st, r->pm, r->person, SR_EDGES_OUT, SR_EDGE_FOLLOW, &r->follows)) ||
      (rc = sr_view_person_edges(st, r->pm, r->person, SR_EDGES_OUT, SR_EDGE_BLOCK, &r->blocks)) ||
      (rc = sr_view_person_edges(st, r->pm, r->person, SR_EDGES_IN, SR_EDGE_FOLLOW, &r->followers)))
    sr_rel_free(r);
  return rc;
}

void sr_rel_free(sr_rel_t *r) {
  sr_keyset_free(&r->follows);
  sr_keyset_free(&r->blocks);
  sr_keyset_free(&r->followers);
  sr_personmap_free(r->pm);
  r->pm = NULL;
}

/* ---- the latest about, the profile ---- */

/* The latest about entry of one key, decoded into name and bio (left as they
 * are when it holds none); its ts into *ts (0: none held). */
static int about_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], json_t **name, json_t **bio, uint64_t *ts) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  *ts = 0;
  int rc = sr_store_latest_of_type(st, key, "about", buf, sizeof(buf), &len, NULL);
  if (rc == SR_ENOTFOUND) return 0;
  if (rc) return rc;
  if (sr_entry_decode(buf, len, &e) == 0) {
    json_t *c = sr_json_from_msgpack(e.content, e.content_len);
    json_t *n = json_object_get(c, "name"), *b = json_object_get(c, "bio");
    *ts = e.ts ? e.ts : 1;
    json_decref(*name);
    json_decref(*bio);
    *name = json_is_string(n) ? json_incref(n) : json_null();
    *bio = json_is_string(b) ? json_incref(b) : json_null();
    json_decref(c);
  }
  return 0;
}

int sr_view_about(sr_store_t *st, const sr_personmap_t *pm, const uint8_t key[SR_KEY_BYTES], json_t **name,
                  json_t **bio) {
  sr_keyset_t keys = {0};
  uint64_t best = 0, ts;
  int rc;
  *name = json_null();
  *bio = json_null();
  if (!sr_view_has_devices(pm, key)) return about_of(st, key, name, bio, &ts);
  /* the person's name: the newest about by ts among its keys (docs/format.md, "Devices") */
  if ((rc = sr_view_person_keys(pm, key, &keys))) return rc;
  for (size_t i = 0; i < keys.n && !rc; i++) {
    json_t *n = json_null(), *b = json_null();
    if (!(rc = about_of(st, keys.k[i], &n, &b, &ts)) && ts && ts >= best) {
      best = ts;
      json_decref(*name);
      json_decref(*bio);
      *name = json_incref(n);
      *bio = json_incref(b);
    }
    json_decref(n);
    json_decref(b);
  }
  sr_keyset_free(&keys);
  return rc;
}

int sr_view_profile(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], json_t **out, char *err, size_t errlen) {
  json_t *name, *bio;
  sr_personmap_t *pm = NULL;
  uint8_t person[SR_KEY_BYTES];
  int rc = sr_store_personmap(st, &pm);
  *out = NULL;
  if (rc) return sr_view_fail(st, rc, "reading the profile", err, errlen);
  /* a device's profile is its person's */
  const uint8_t *p = sr_personmap_person(pm, self, 0);
  memcpy(person, p ? p : self, SR_KEY_BYTES);
  rc = sr_view_about(st, pm, person, &name, &bio);
  sr_personmap_free(pm);
  if (rc) return sr_view_fail(st, rc, "reading the profile", err, errlen);
  *out = json_pack("{s:o, s:o, s:o}", "id", sr_json_hex(self, SR_KEY_BYTES), "name", name, "bio", bio);
  return *out ? 0 : sr_view_fail(st, SR_ENOMEM, "building the profile", err, errlen);
}
