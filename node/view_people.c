/* view_people.c: people and projects (node/view.h): PERSON and PROJECT, the
 * lists filtered by name, one person's or project's page.
 *
 * Lists put what a person most likely looks for first: themself, the people
 * they follow, those who follow them, then everyone else by name (ASCII case
 * ignored; people with no name known last, by key). */
#include "node/view_internal.h"
#include "core/key.h"
#include "core/vec.h"
#include "node/entry_json.h"
#include "store/read.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SR_VIEW_SHARES_SHOWN 20 /* latest shares on a person's or project's page */

/* Whether name contains q, ASCII letters compared without case (other bytes
 * as they are: no Unicode case folding). */
static int name_has(const char *name, size_t len, const char *q) {
  size_t ql = strlen(q);
  if (ql == 0) return 1;
  for (size_t i = 0; i + ql <= len; i++) {
    size_t j = 0;
    while (j < ql && tolower((unsigned char)name[i + j]) == tolower((unsigned char)q[j])) j++;
    if (j == ql) return 1;
  }
  return 0;
}

static int name_cmp(const char *a, size_t al, const char *b, size_t bl) {
  for (size_t i = 0; i < al && i < bl; i++) {
    int x = tolower((unsigned char)a[i]), y = tolower((unsigned char)b[i]);
    if (x != y) return x - y;
  }
  return al < bl ? -1 : al > bl;
}

/* ---- PERSON ---- */

/* PERSON's "devices": [{"key", "name", "added_ms", "state", "bound", "upto"}]:
 * the bound ones (a certificate alone, which anyone can write about any key,
 * is no device of the person's; `device list` shows self's waiting ones). */
static json_t *devices_json(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], int *rc) {
  sr_device_t *d = NULL;
  size_t n = 0;
  json_t *a = json_array();
  if (!a) *rc = SR_ENOMEM;
  else if ((*rc = sr_store_devices_of(st, key, &d, &n)) == 0)
    for (size_t i = 0; i < n && !*rc; i++) /* a certificate without the device's claim binds nothing: not shown */
      if (d[i].bound &&
          json_array_append_new(
              a, json_pack("{s:o, s:o, s:I, s:s, s:b, s:o}", "key", sr_json_hex(d[i].key, SR_KEY_BYTES), "name",
                           d[i].name[0] ? json_string(d[i].name) : json_null(), "added_ms", (json_int_t)d[i].added_ms,
                           "state", d[i].revoked ? "revoked" : "active", "bound", d[i].bound, "upto",
                           d[i].revoked ? json_integer((json_int_t)d[i].upto) : json_null())))
        *rc = SR_ENOMEM;
  free(d);
  if (*rc) {
    json_decref(a);
    return NULL;
  }
  return a;
}

static json_t *person_json(sr_store_t *st, const sr_rel_t *r, const uint8_t key[SR_KEY_BYTES], int *rc) {
  json_t *name, *bio, *devices;
  if ((*rc = sr_view_about(st, r->pm, key, &name, &bio))) return NULL;
  sr_head_t h;
  if ((*rc = sr_store_get_head(st, key, &h)) || !(devices = devices_json(st, key, rc))) {
    json_decref(name);
    json_decref(bio);
    return NULL;
  }
  /* log_held: this node holds their log, so what they said is known here;
   * otherwise only that someone follows them. (A person with bound devices
   * has a log here: its certificates bind them, store/devices.h.) */
  int held = h.seq > 0;
  /* forked: two entries of one seq signed by this key are held (docs/format.md) */
  json_t *o =
      json_pack("{s:o, s:o, s:o, s:b, s:b, s:b, s:b, s:b, s:o, s:b}", "id", sr_json_hex(key, SR_KEY_BYTES), "name",
                name, "bio", bio, "following", sr_keyset_has(&r->follows, key), "follows_me",
                sr_keyset_has(&r->followers, key), "blocked", sr_keyset_has(&r->blocks, key), "self",
                memcmp(key, r->person, SR_KEY_BYTES) == 0, "forked", h.forked, "devices", devices, "log_held", held);
  if (!o) *rc = SR_ENOMEM;
  return o;
}

/* A person or a project that a list may show, and the list of them. */
typedef struct {
  uint8_t key[SR_KEY_LEN]; /* a person's key, a project's id */
  int rank;                /* people: 0 self, 1 followed, 2 follows self, 3 the others */
  char *name;
  size_t name_len;
} cand_t;

typedef struct {
  cand_t *c;
  size_t n, cap;
} cands_t;

/* Appends a candidate, its name copied (NULL: none known). */
static int cand_add(cands_t *l, const uint8_t key[SR_KEY_LEN], int rank, const char *name, size_t name_len) {
  int rc = sr_grow((void **)&l->c, &l->cap, l->n + 1, sizeof(*l->c), 64);
  if (rc) return rc;
  cand_t *c = &l->c[l->n];
  memcpy(c->key, key, SR_KEY_LEN);
  c->rank = rank;
  c->name = NULL;
  c->name_len = name ? name_len : 0;
  if (name && !(c->name = malloc(name_len + 1))) return SR_ENOMEM;
  if (name) memcpy(c->name, name, name_len);
  l->n++;
  return 0;
}

static void cands_free(cands_t *l) {
  for (size_t i = 0; i < l->n; i++) free(l->c[i].name);
  free(l->c);
}

/* The end of a list call: {"<name>": list} in *out, or rc's message (list
 * released). */
static int list_out(sr_store_t *st, int rc, const char *name, json_t *list, json_t **out, char *err, size_t errlen) {
  char what[40];
  snprintf(what, sizeof(what), "reading the %s", name);
  if (rc) {
    json_decref(list);
    return sr_view_fail(st, rc, what, err, errlen);
  }
  if (!(*out = json_pack("{s:o}", name, list))) return sr_view_fail(st, SR_ENOMEM, what, err, errlen);
  return 0;
}

typedef struct {
  sr_store_t *st;
  const sr_rel_t *r;
  const char *q;
  cands_t l;
} people_t;

static int people_row(void *ctx, const sr_person_t *p) {
  people_t *w = ctx;
  const char *name = p->name;
  size_t name_len = p->name_len;
  char pname[SR_ENTRY_MAX + 1];
  /* a device is its person, listed once under the person's key */
  if (sr_personmap_person(w->r->pm, p->key, 0)) return 0;
  if (sr_view_has_devices(w->r->pm, p->key)) {
    int found = 0, rc = sr_store_person_name(w->st, p->key, pname, sizeof(pname), &name_len, &found);
    if (rc) return rc;
    name = found ? pname : NULL;
  }
  if (!name && w->q && *w->q) return 0;
  if (name && w->q && !name_has(name, name_len, w->q)) return 0;
  int rank = memcmp(p->key, w->r->person, SR_KEY_BYTES) == 0 ? 0
             : sr_keyset_has(&w->r->follows, p->key)         ? 1
             : sr_keyset_has(&w->r->followers, p->key)       ? 2
                                                             : 3;
  return cand_add(&w->l, p->key, rank, name, name_len);
}

static int cmp_cand(const void *x, const void *y) {
  const cand_t *a = x, *b = y;
  if (a->rank != b->rank) return a->rank - b->rank;
  if (!a->name != !b->name) return a->name ? -1 : 1;
  int c = a->name ? name_cmp(a->name, a->name_len, b->name, b->name_len) : 0;
  return c ? c : memcmp(a->key, b->key, SR_KEY_LEN);
}

int sr_view_people(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out, char *err,
                   size_t errlen) {
  sr_rel_t r;
  people_t w = {st, &r, q, {NULL, 0, 0}};
  json_t *list = NULL;
  int rc = sr_rel_load(st, self, &r);
  *out = NULL;
  if (rc) return sr_view_fail(st, rc, "reading whom this node follows", err, errlen);
  rc = sr_store_foreach_person(st, people_row, &w);
  if (!rc && w.l.n) qsort(w.l.c, w.l.n, sizeof(*w.l.c), cmp_cand);
  if (!rc && !(list = json_array())) rc = SR_ENOMEM;
  for (size_t i = 0; i < w.l.n && i < SR_VIEW_PEOPLE_MAX && !rc; i++) {
    json_t *p = person_json(st, &r, w.l.c[i].key, &rc);
    if (p && json_array_append_new(list, p)) rc = SR_ENOMEM;
  }
  cands_free(&w.l);
  sr_rel_free(&r);
  return list_out(st, rc, "people", list, out, err, errlen);
}

/* The shares of authors kept by keep: an "items" list without paging. */
static int latest_shares(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t (*authors)[SR_KEY_BYTES],
                         size_t n, sr_keep_fn keep, void *kctx, json_t **items, char *err, size_t errlen) {
  json_t *page;
  int rc =
      n ? sr_view_page(st, self, authors, n, NULL, SR_VIEW_SHARES_SHOWN, "share", keep, kctx, NULL, &page, err, errlen)
        : 0;
  if (rc) return rc;
  *items = n ? json_incref(json_object_get(page, "items")) : json_array();
  if (n) json_decref(page);
  return *items ? 0 : sr_view_fail(st, SR_ENOMEM, "reading the shares", err, errlen);
}

/* [{"id","name"}] of the keys in s; with role, {"id","name","role"}. */
static json_t *named_list(sr_store_t *st, const sr_keyset_t *s, int project_names, const char *role) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->n; i++) {
    char name[SR_ENTRY_MAX + 1];
    size_t len;
    int found = 0;
    if (project_names) found = sr_store_get_project_name(st, s->k[i], name, sizeof(name), &len) == 0;
    else if (sr_store_person_name(st, s->k[i], name, sizeof(name), &len, &found))
      found = 0;
    json_t *o = json_pack("{s:o, s:o}", "id", sr_json_hex(s->k[i], SR_KEY_BYTES), "name",
                          found ? json_stringn(name, len) : json_null());
    if (o && role) json_object_set_new(o, "role", json_string(role));
    if (!o || json_array_append_new(a, o)) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

int sr_view_person(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out, char *err,
                   size_t errlen) {
  uint8_t key[SR_KEY_BYTES];
  sr_known_t kn;
  sr_rel_t r;
  sr_keyset_t member = {0}, supporter = {0}, following = {0}, followers = {0}, keys = {0}, persons = {0};
  json_t *o = NULL, *shares = NULL, *pm = NULL, *ps = NULL;
  int rc;
  *out = NULL;
  if ((rc = sr_view_resolve(st, SR_FIND_PERSON, "id", id, key, err, errlen))) return rc;
  if ((rc = sr_store_what_is(st, key, &kn))) return sr_view_fail(st, rc, "looking up the person", err, errlen);
  if (!kn.person && !kn.authored && !kn.self && memcmp(key, self, SR_KEY_BYTES) != 0) {
    char hex[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(key, SR_KEY_BYTES, hex);
    snprintf(err, errlen, "this node knows no person with key %s", hex);
    return SR_ENOTFOUND;
  }
  if ((rc = sr_rel_load(st, self, &r))) return sr_view_fail(st, rc, "reading whom this node follows", err, errlen);
  /* a device's key shows its person: the one people know */
  const uint8_t *p = sr_personmap_person(r.pm, key, 0);
  if (p) memcpy(key, p, SR_KEY_BYTES);
  o = person_json(st, &r, key, &rc);
  if (!rc) rc = sr_view_person_edges(st, r.pm, key, SR_EDGES_OUT, SR_EDGE_MEMBER, &member);
  if (!rc) rc = sr_view_person_edges(st, r.pm, key, SR_EDGES_OUT, SR_EDGE_SUPPORTER, &supporter);
  if (!rc) rc = sr_view_person_edges(st, r.pm, key, SR_EDGES_OUT, SR_EDGE_FOLLOW, &following);
  if (!rc) rc = sr_view_person_edges(st, r.pm, key, SR_EDGES_IN, SR_EDGE_FOLLOW, &followers);
  if (!rc && (!(pm = named_list(st, &member, 1, "member")) || !(ps = named_list(st, &supporter, 1, "supporter"))))
    rc = SR_ENOMEM;
  if (!rc && json_array_extend(pm, ps)) rc = SR_ENOMEM;
  if (!rc) rc = sr_view_person_keys(r.pm, key, &keys);
  if (!rc) rc = sr_keyset_add(&persons, key);
  sr_keyset_free(&member);
  sr_keyset_free(&supporter);
  json_decref(ps);
  if (rc) {
    json_decref(o);
    json_decref(pm);
    sr_keyset_free(&following);
    sr_keyset_free(&followers);
    sr_keyset_free(&keys);
    sr_keyset_free(&persons);
    sr_rel_free(&r);
    return sr_view_fail(st, rc, "reading the person", err, errlen);
  }
  json_object_set_new(o, "projects", pm);
  json_object_set_new(o, "following_count", json_integer((json_int_t)following.n));
  json_object_set_new(o, "followers_count", json_integer((json_int_t)followers.n));
  sr_keyset_free(&following);
  sr_keyset_free(&followers);
  /* the shares of every key of the person, none of a revoked device after its upto */
  sr_view_person_filter_t f = {r.pm, &persons};
  rc = latest_shares(st, self, (const uint8_t(*)[SR_KEY_BYTES])keys.k, keys.n, r.pm ? sr_view_keep_persons : NULL,
                     r.pm ? &f : NULL, &shares, err, errlen);
  sr_keyset_free(&keys);
  sr_keyset_free(&persons);
  sr_rel_free(&r);
  if (rc) {
    json_decref(o);
    return rc;
  }
  json_object_set_new(o, "shares", shares);
  *out = o;
  return 0;
}

/* ---- PROJECT ---- */

static json_t *project_json(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t pid[SR_ID_BYTES], int *rc) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len, nmembers = 0, nsupporters = 0;
  sr_entry_t e;
  sr_content_t c;
  json_t *content = NULL, *tags = NULL;
  int held = 0, role = 0;
  *rc = sr_store_get_entry(st, pid, buf, sizeof(buf), &len, NULL);
  if (*rc == 0 && sr_entry_decode(buf, len, &e) == 0 && sr_content_parse(&e, &c, NULL, 0) == 0 &&
      c.type == SR_CT_PROJECT) {
    held = 1;
    content = sr_json_from_msgpack(e.content, e.content_len);
  }
  if (*rc == SR_ENOTFOUND) *rc = 0;
  if (!*rc) *rc = sr_store_count_edges_of(st, pid, SR_EDGES_IN, SR_EDGE_MEMBER, &nmembers);
  if (!*rc) *rc = sr_store_count_edges_of(st, pid, SR_EDGES_IN, SR_EDGE_SUPPORTER, &nsupporters);
  if (!*rc) *rc = sr_store_get_role(st, self, pid, &role);
  if (*rc) {
    json_decref(content);
    return NULL;
  }
  tags = json_object_get(content, "tags");
  tags = json_is_array(tags) ? json_incref(tags) : json_array();
  json_t *desc = json_object_get(content, "description"), *url = json_object_get(content, "url");
  json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o}", "id", sr_json_hex(pid, SR_ID_BYTES),
                        "name", held ? json_stringn(c.name, c.name_len) : json_null(), "description",
                        json_is_string(desc) ? json_incref(desc) : json_null(), "tags", tags, "url",
                        json_is_string(url) ? json_incref(url) : json_null(), "author",
                        held ? sr_json_hex(e.author, SR_KEY_BYTES) : json_null(), "author_name",
                        held ? sr_json_author_name(st, e.author) : json_null(), "members", (json_int_t)nmembers,
                        "supporters", (json_int_t)nsupporters, "my_role",
                        role == SR_MEMBER || role == SR_SUPPORTER ? json_string(sr_role_name(role)) : json_null());
  json_decref(content);
  if (!o) *rc = SR_ENOMEM;
  return o;
}

typedef struct {
  const char *q;
  cands_t l; /* rank unused */
} projects_t;

static int projects_row(void *ctx, const sr_project_t *p) {
  projects_t *w = ctx;
  if (w->q && *w->q && (!p->name || !name_has(p->name, p->name_len, w->q))) return 0;
  return cand_add(&w->l, p->id, 0, p->name, p->name_len);
}

int sr_view_projects(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *q, json_t **out, char *err,
                     size_t errlen) {
  projects_t w = {q, {NULL, 0, 0}};
  json_t *list = json_array();
  int rc = list ? sr_store_foreach_project(st, projects_row, &w) : SR_ENOMEM;
  *out = NULL;
  if (!rc && w.l.n) qsort(w.l.c, w.l.n, sizeof(*w.l.c), cmp_cand); /* by name, unnamed (not held) last */
  for (size_t i = 0; i < w.l.n && i < SR_VIEW_PEOPLE_MAX && !rc; i++) {
    json_t *p = project_json(st, self, w.l.c[i].key, &rc);
    if (p && json_array_append_new(list, p)) rc = SR_ENOMEM;
  }
  cands_free(&w.l);
  return list_out(st, rc, "projects", list, out, err, errlen);
}

static int keep_project_share(void *ctx, const sr_entry_t *e) {
  sr_content_t c;
  return sr_content_parse(e, &c, NULL, 0) == 0 && c.has_project && memcmp(c.project, ctx, SR_ID_BYTES) == 0;
}

int sr_view_project(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *id, json_t **out, char *err,
                    size_t errlen) {
  uint8_t pid[SR_ID_BYTES];
  sr_known_t kn;
  sr_keyset_t members = {0}, supporters = {0}, sharers = {0};
  json_t *o = NULL, *ml = NULL, *sl = NULL, *shares = NULL;
  int rc;
  *out = NULL;
  if ((rc = sr_view_resolve(st, SR_FIND_PROJECT, "id", id, pid, err, errlen))) return rc;
  if ((rc = sr_store_what_is(st, pid, &kn))) return sr_view_fail(st, rc, "looking up the project", err, errlen);
  if (!kn.project) {
    char hex[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(pid, SR_ID_BYTES, hex);
    snprintf(err, errlen, "this node knows no project %s", hex);
    return SR_ENOTFOUND;
  }
  o = project_json(st, self, pid, &rc);
  if (!rc) rc = sr_keyset_edges(st, pid, SR_EDGES_IN, SR_EDGE_MEMBER, &members);
  if (!rc) rc = sr_keyset_edges(st, pid, SR_EDGES_IN, SR_EDGE_SUPPORTER, &supporters);
  /* Whoever shared in the project has a share edge to it: only their logs are read. */
  if (!rc) rc = sr_keyset_edges(st, pid, SR_EDGES_IN, SR_EDGE_SHARE, &sharers);
  if (!rc && (!(ml = named_list(st, &members, 0, NULL)) || !(sl = named_list(st, &supporters, 0, NULL))))
    rc = SR_ENOMEM;
  if (!rc)
    rc = latest_shares(st, self, (const uint8_t(*)[SR_KEY_BYTES])sharers.k, sharers.n, keep_project_share, pid, &shares,
                       err, errlen);
  else
    sr_view_fail(st, rc, "reading the project", err, errlen);
  sr_keyset_free(&members);
  sr_keyset_free(&supporters);
  sr_keyset_free(&sharers);
  if (rc) {
    json_decref(o);
    json_decref(ml);
    json_decref(sl);
    return rc;
  }
  json_object_set_new(o, "member_list", ml);
  json_object_set_new(o, "supporter_list", sl);
  json_object_set_new(o, "shares", shares);
  *out = o;
  return 0;
}
