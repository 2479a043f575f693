/* view_feed.c: the feed and the logs of node/view.h, and the ITEM and the
 * page every list of entries is built from (view_internal.h).
 *
 * A page is the newest entries older than a cursor, by (ts, id) newest first
 * (store/socialview.h, sr_store_newest): ts alone would cut a run of entries
 * written in the same millisecond between two pages, or show one twice. */
#include "node/view_internal.h"
#include "core/hex.h"
#include "core/num.h"
#include "node/entry_json.h"
#include "store/devices.h"
#include "store/read.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cursors ---- */

void sr_view_cursor_format(const sr_entry_key_t *k, char out[SR_VIEW_CURSOR_MAX]) {
  char hex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(k->id, SR_ID_BYTES, hex);
  snprintf(out, SR_VIEW_CURSOR_MAX, "%llu_%s", (unsigned long long)k->ts, hex);
}

int sr_view_cursor_parse(const char *s, sr_entry_key_t *k) {
  const char *us = strchr(s, '_');
  char ts[21];
  uint64_t v;
  if (!us || us == s || (size_t)(us - s) >= sizeof(ts) || strlen(us + 1) != 64 ||
      !sr_hex_is_hex(us + 1, SR_HEX_KEY_LEN, 1))
    return SR_EINVAL;
  memcpy(ts, s, (size_t)(us - s));
  ts[us - s] = '\0';
  if (sr_parse_u64(ts, 0, UINT64_MAX, &v) || sr_hex_decode(us + 1, k->id, SR_ID_BYTES)) return SR_EINVAL;
  k->ts = v;
  return 0;
}

/* ---- the ITEM ---- */


static json_t *str_or_null(json_t *content, const char *key) {
  json_t *v = json_object_get(content, key);
  return json_is_string(v) ? json_incref(v) : json_null();
}

static json_t *project_ref(sr_store_t *st, const uint8_t pid[SR_ID_BYTES]) {
  char name[SR_ENTRY_MAX + 1];
  size_t len;
  return json_pack(
      "{s:o, s:o}", "id", sr_json_hex(pid, SR_ID_BYTES), "name",
      sr_store_get_project_name(st, pid, name, sizeof(name), &len) == 0 ? json_stringn(name, len) : json_null());
}

/* sr_view_item; the entry's person (its author, or the person its author is a
 * device of) into author when not NULL. */
static int item(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t id[SR_ID_BYTES], int inner,
                uint8_t *author, json_t **out) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len, nres = 0;
  sr_entry_t e;
  sr_flow_t f;
  sr_content_t c;
  int rc = sr_store_get_entry(st, id, buf, sizeof(buf), &len, &f);
  *out = NULL;
  if (rc) return rc;
  if (sr_entry_decode(buf, len, &e)) return SR_ENOTFOUND; /* a damaged entry is none to show (verify says so) */
  if ((rc = sr_store_count_reshares(st, id, &nres))) return rc;
  int parsed = sr_content_parse(&e, &c, NULL, 0) == 0, share = parsed && c.type == SR_CT_SHARE;
  json_t *content = share ? sr_json_from_msgpack(e.content, e.content_len) : NULL;
  json_t *o = json_pack("{s:o, s:n, s:n, s:n, s:n, s:I, s:I, s:s#, s:o, s:o, s:o}", "id",
                        sr_json_hex(e.id, SR_ID_BYTES), "author", "author_name", "device", "device_name", "ts",
                        (json_int_t)e.ts, "received_at", (json_int_t)f.received_at, "type", e.type, (int)e.type_len,
                        "text", share ? str_or_null(content, "text") : json_null(), "link",
                        share ? str_or_null(content, "link") : json_null(), "project",
                        share && c.has_project ? project_ref(st, c.project) : json_null());
  json_decref(content);
  if (!o) return SR_ENOMEM;
  /* the person who wrote it, on which of their devices (docs/format.md, "Devices") */
  uint8_t person[SR_KEY_BYTES], me[SR_KEY_BYTES];
  if ((rc = sr_json_set_author(st, o, e.author, e.seq, person)) || (rc = sr_store_person_of(st, self, 0, me))) {
    json_decref(o);
    return rc;
  }
  if (author) memcpy(author, person, SR_KEY_BYTES);
  if (!inner) {
    json_t *r = json_null();
    if (share && c.has_reshare) {
      /* one level inline: a reshare of a reshare shows its words, not the chain */
      uint8_t by[SR_KEY_BYTES];
      int state = 0;
      rc = item(st, self, c.reshare, 1, by, &r);
      /* self's person about the reshared entry's person (any of their keys) */
      if (!rc && (rc = sr_store_person_contact(st, self, by, &state)) == 0 && state == SR_BLOCK) {
        /* a block hides the person's words, also when a friend passes them on */
        json_decref(r);
        r = json_pack("{s:o, s:b, s:b}", "id", sr_json_hex(c.reshare, SR_ID_BYTES), "missing", 1, "blocked", 1);
      } else if (rc == SR_ENOTFOUND)
        r = json_pack("{s:o, s:b}", "id", sr_json_hex(c.reshare, SR_ID_BYTES), "missing", 1), rc = 0;
      if (rc || !r) {
        json_decref(r);
        json_decref(o);
        return rc ? rc : SR_ENOMEM;
      }
    }
    json_object_set_new(o, "reshare", r);
  }
  json_object_set_new(o, "reshares", json_integer((json_int_t)nres));
  json_object_set_new(o, "mine", json_boolean(memcmp(person, me, SR_KEY_BYTES) == 0)); /* on any of my devices */
  sr_head_t h;
  if ((rc = sr_store_get_head(st, e.author, &h))) {
    json_decref(o);
    return rc;
  }
  json_object_set_new(o, "forked", json_boolean(h.forked)); /* its author's log is forked */
  *out = o;
  return 0;
}

int sr_view_item(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t id[SR_ID_BYTES], int inner,
                 json_t **out) {
  return item(st, self, id, inner, NULL, out);
}

static int feed_item(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t id[SR_ID_BYTES], json_t **out) {
  return sr_view_item(st, self, id, 0, out);
}

/* A `log --json` element (node/entry_json.c). */
static int log_item(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t id[SR_ID_BYTES], json_t **out) {
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  sr_flow_t f;
  int rc = sr_store_get_entry(st, id, buf, sizeof(buf), &len, &f);
  (void)self;
  *out = NULL;
  if (rc) return rc;
  if (sr_entry_decode(buf, len, &e)) return SR_ENOTFOUND;
  *out = sr_json_log_item(st, &e, &f);
  return *out ? 0 : SR_ENOMEM;
}

/* ---- a page ---- */

int sr_view_page(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t (*authors)[SR_KEY_BYTES],
                 size_t nauthors, const char *before, size_t limit, const char *type, sr_keep_fn keep, void *kctx,
                 sr_view_item_fn item, json_t **out, char *err, size_t errlen) {
  sr_entry_key_t cursor, *keys;
  size_t n = 0;
  int rc;
  *out = NULL;
  if (before && *before && sr_view_cursor_parse(before, &cursor)) {
    snprintf(err, errlen, "the cursor 'before' is not one this node gave (\"TS_ID\", as in \"next\")");
    return SR_EINVAL;
  }
  if (!item) item = feed_item;
  if (limit == 0) limit = SR_VIEW_FEED_DEFAULT;
  if (limit > SR_VIEW_FEED_MAX) limit = SR_VIEW_FEED_MAX;
  if (!(keys = malloc((limit + 1) * sizeof(*keys)))) return sr_view_fail(st, SR_ENOMEM, "reading entries", err, errlen);
  /* One more than the page: whether a next page exists. */
  rc =
      sr_store_newest(st, authors, nauthors, before && *before ? &cursor : NULL, type, keep, kctx, keys, limit + 1, &n);
  json_t *items = json_array(), *next = json_null();
  if (!rc && !items) rc = SR_ENOMEM;
  for (size_t i = 0; i < n && i < limit && !rc; i++) {
    json_t *o;
    rc = item(st, self, keys[i].id, &o);
    if (rc == SR_ENOTFOUND) rc = 0; /* gone since the walk (never today: nothing deletes entries) */
    else if (!rc && json_array_append_new(items, o))
      rc = SR_ENOMEM;
  }
  if (!rc && n > limit) {
    char c[SR_VIEW_CURSOR_MAX];
    sr_view_cursor_format(&keys[limit - 1], c);
    next = json_string(c);
  }
  free(keys);
  if (rc) {
    json_decref(items);
    json_decref(next);
    return sr_view_fail(st, rc, "reading entries", err, errlen);
  }
  /* json_pack takes the references even when it fails */
  if (!(*out = json_pack("{s:o, s:o}", "items", items, "next", next)))
    return sr_view_fail(st, SR_ENOMEM, "reading entries", err, errlen);
  return 0;
}

/* ---- the feed and the logs ---- */

int sr_view_feed(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *before, size_t limit, json_t **out,
                 char *err, size_t errlen) {
  sr_rel_t r;
  sr_keyset_t authors = {0}, persons = {0};
  int rc = sr_rel_load(st, self, &r);
  *out = NULL;
  if (rc) return sr_view_fail(st, rc, "reading whom this node follows", err, errlen);
  /* Self's person and the people followed, each with every key of theirs
   * (their devices); never someone blocked (a block replaces a follow, so the
   * two sets are disjoint today: kept as a rule all the same). */
  rc = sr_keyset_add(&persons, r.person);
  for (size_t i = 0; i < r.follows.n && !rc; i++)
    if (!sr_keyset_has(&r.blocks, r.follows.k[i])) rc = sr_keyset_add(&persons, r.follows.k[i]);
  if (!rc) sr_keyset_sort(&persons);
  for (size_t i = 0; i < persons.n && !rc; i++) rc = sr_view_person_keys(r.pm, persons.k[i], &authors);
  if (rc) {
    sr_rel_free(&r);
    sr_keyset_free(&authors);
    sr_keyset_free(&persons);
    return sr_view_fail(st, rc, "reading the feed", err, errlen);
  }
  /* self's key too (a device whose binding is not complete yet still sees its own) */
  if ((rc = sr_keyset_add(&authors, self)) == 0 && (rc = sr_keyset_add(&persons, self)) == 0) {
    sr_keyset_sort(&authors); /* log order: the walk moves forward through the log database */
    sr_keyset_sort(&persons);
    sr_view_person_filter_t f = {r.pm, &persons};
    rc = sr_view_page(st, self, (const uint8_t(*)[SR_KEY_BYTES])authors.k, authors.n, before, limit, "share",
                      r.pm ? sr_view_keep_persons : NULL, r.pm ? &f : NULL, feed_item, out, err, errlen);
  } else
    rc = sr_view_fail(st, rc, "reading the feed", err, errlen);
  sr_rel_free(&r);
  sr_keyset_free(&authors);
  sr_keyset_free(&persons);
  return rc;
}

int sr_view_log(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *author, const char *before, size_t limit,
                json_t **out, char *err, size_t errlen) {
  uint8_t key[SR_KEY_BYTES];
  int rc;
  *out = NULL;
  /* one key's log, as `log` shows it (a device's log is its own chain); its
   * items name the person (sr_json_log_item) */
  if (author && (rc = sr_view_resolve(st, SR_FIND_PERSON, "author", author, key, err, errlen))) return rc;
  return sr_view_page(st, self, author ? (const uint8_t(*)[SR_KEY_BYTES]) & key : NULL, author ? 1 : 0, before, limit,
                      NULL, NULL, NULL, log_item, out, err, errlen);
}
