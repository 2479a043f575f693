/* lookup.c: finding keys and ids by what a person typed — a hex prefix or a
 * name — and what the node knows of a given id (store.h, "lookups").
 *
 * Prefixes are served by the key order of the people, entries and projects
 * databases: one MDB_SET_RANGE seek to the first key at or after the prefix,
 * then MDB_NEXT while keys still start with it, so the cost is a seek plus one
 * step per match (at most max + 1), whatever the size of the store. Names have
 * no index: a name lookup reads every row of profiles or projects.
 */
#include "core/key.h"
#include "core/vec.h"
#include "store/store_internal.h"
#include <stdio.h>
#include <string.h>

/* Copies at most SR_FIND_NAME_MAX bytes of a name, backing off to a UTF-8
 * character boundary so a long name is not cut inside a character. */
static void copy_name(sr_match_t *m, const void *p, size_t len) {
  const uint8_t *s = p;
  if (len > SR_FIND_NAME_MAX) {
    len = SR_FIND_NAME_MAX;
    while (len > 0 && (s[len] & 0xc0) == 0x80) len--;
  }
  memcpy(m->name, s, len);
  m->name[len] = '\0';
  m->name_len = len;
}

/* The name of key's person (a device key shows its person's, store/devices.h). */
static void profile_name(sr_store_t *st, MDB_txn *txn, const uint8_t *key, sr_match_t *m) {
  MDB_val v;
  if (sr_store_person_name_in(st, txn, key, &v) == 0) copy_name(m, v.mv_data, v.mv_size);
}

/* Fills what a match shows besides its id: names, and an entry's type. */
static void describe(sr_store_t *st, MDB_txn *txn, int kind, const MDB_val *k, const MDB_val *v, sr_match_t *m) {
  memset(m, 0, sizeof(*m));
  memcpy(m->id, k->mv_data, SR_ID_BYTES);
  if (kind == SR_FIND_PERSON) {
    profile_name(st, txn, m->id, m);
  } else if (kind == SR_FIND_PROJECT) {
    if (v->mv_size > SR_KEY_BYTES) copy_name(m, (const uint8_t *)v->mv_data + SR_KEY_BYTES, v->mv_size - SR_KEY_BYTES);
  } else {
    sr_entry_t e;
    MDB_val raw;
    /* an entry's key is in ids; its bytes are in the row ids names */
    if (v->mv_size == ROWID_BYTES && sr_row_read(st, txn, sr_rowid_get(v->mv_data), &raw, NULL) == 0 &&
        sr_entry_decode(raw.mv_data, raw.mv_size, &e) == 0) {
      memcpy(m->type, e.type, e.type_len < SR_TYPE_MAX ? e.type_len : SR_TYPE_MAX);
      profile_name(st, txn, e.author, m);
    }
  }
}

static int db_of(int kind) {
  return kind == SR_FIND_PERSON    ? DB_PEOPLE
         : kind == SR_FIND_ENTRY   ? DB_IDS
         : kind == SR_FIND_PROJECT ? DB_PROJECTS
                                   : -1;
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Whether the 32-byte key starts with the hex digits whose values are in d[0..nd). */
static int starts_with(const uint8_t *key, const uint8_t *d, size_t nd) {
  for (size_t i = 0; i < nd; i++)
    if (((i & 1) ? key[i / 2] & 0x0f : key[i / 2] >> 4) != d[i]) return 0;
  return 1;
}

int sr_store_find_prefix(sr_store_t *st, int kind, const char *hex, sr_match_t *out, size_t max, size_t *n) {
  uint8_t d[2 * SR_ID_BYTES], seek[SR_ID_BYTES] = {0};
  size_t nd = hex ? strlen(hex) : 0;
  int db = db_of(kind), rc, mrc;
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  *n = 0;
  if (db < 0 || nd == 0 || nd > sizeof(d)) return SR_EINVAL;
  for (size_t i = 0; i < nd; i++) {
    int v = nibble(hex[i]);
    if (v < 0) return SR_EINVAL;
    d[i] = (uint8_t)v;
    seek[i / 2] |= (uint8_t)((i & 1) ? v : v << 4);
  }
  /* The seek key is the prefix's bytes (an odd last digit as the high nibble):
   * every key starting with the prefix sorts at or after it, and they are
   * contiguous, so the walk stops at the first key that does not match. */
  MDB_val k = {(nd + 1) / 2, seek}, v;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((mrc = mdb_cursor_open(txn, st->dbi[db], &cur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && *n <= max;
       mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != SR_ID_BYTES) continue; /* no other keys are written there; skip rather than trust */
    if (!starts_with(k.mv_data, d, nd)) break;
    if (*n < max) describe(st, txn, kind, &k, &v, &out[*n]);
    ++*n;
  }
  if (mrc != 0 && mrc != MDB_NOTFOUND) rc = sr_store_fail(st, "look up a prefix", mrc);
done:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  return rc;
}

typedef struct {
  int kind;
  const char *name;
  size_t len, max, *n;
  sr_match_t *out;
  int pm_read;
  sr_personmap_t *pm; /* device bindings; NULL: none */
  uint8_t (*seen)[SR_KEY_BYTES];
  size_t nseen, capseen;
} name_scan_t;

/* With devices, a person matches by its name (the newest about among its keys)
 * and once, as its person key p: a device's own about names no one else. */
static int person_row(sr_store_t *st, MDB_txn *txn, const uint8_t *p, name_scan_t *a) {
  MDB_val nv;
  for (size_t i = 0; i < a->nseen; i++)
    if (memcmp(a->seen[i], p, SR_KEY_BYTES) == 0) return 0;
  if (sr_grow((void **)&a->seen, &a->capseen, a->nseen + 1, SR_KEY_BYTES, 8)) return SR_ENOMEM;
  memcpy(a->seen[a->nseen++], p, SR_KEY_BYTES);
  if (sr_store_person_name_in(st, txn, p, &nv) || nv.mv_size != a->len || memcmp(nv.mv_data, a->name, a->len) != 0)
    return 0;
  if (*a->n < a->max) {
    sr_match_t *m = &a->out[*a->n];
    memset(m, 0, sizeof(*m));
    memcpy(m->id, p, SR_KEY_BYTES);
    copy_name(m, nv.mv_data, nv.mv_size);
  }
  return ++*a->n > a->max ? SR_SCAN_STOP : 0;
}

static int name_row(sr_store_t *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v, void *arg) {
  name_scan_t *a = arg;
  const char *name = v->mv_data;
  size_t len = v->mv_size;
  if (k->mv_size != SR_ID_BYTES) return 0;
  if (a->kind == SR_FIND_PERSON) {
    if (!a->pm_read) { /* once per scan: the bindings, if there are any */
      a->pm_read = 1;
      if (sr_store_personmap_in(st, txn, &a->pm) == 0 && !sr_personmap_count(a->pm)) {
        sr_personmap_free(a->pm);
        a->pm = NULL;
      }
    }
    const uint8_t *p = a->pm ? sr_personmap_person(a->pm, k->mv_data, 0) : NULL;
    size_t first;
    if (!p && a->pm && sr_personmap_devices(a->pm, k->mv_data, &first)) p = k->mv_data;
    if (p) return person_row(st, txn, p, a);
  }
  if (a->kind == SR_FIND_PROJECT) {
    if (len <= SR_KEY_BYTES) return 0; /* named by a membership or share only: no name */
    name += SR_KEY_BYTES;
    len -= SR_KEY_BYTES;
  }
  if (len != a->len || memcmp(name, a->name, len) != 0) return 0;
  if (*a->n < a->max) {
    sr_match_t *m = &a->out[*a->n];
    memset(m, 0, sizeof(*m));
    memcpy(m->id, k->mv_data, SR_ID_BYTES);
    copy_name(m, name, len);
  }
  (void)st;
  (void)txn;
  return ++*a->n > a->max ? SR_SCAN_STOP : 0;
}

int sr_store_find_name(sr_store_t *st, int kind, const char *name, size_t len, sr_match_t *out, size_t max, size_t *n) {
  name_scan_t a = {kind, name, len, max, n, out, 0, NULL, NULL, 0, 0};
  int rc;
  *n = 0;
  if (kind != SR_FIND_PERSON && kind != SR_FIND_PROJECT) return SR_EINVAL;
  if (len == 0) return 0; /* names are never empty (content schema) */
  rc = sr_store_scan(st, kind == SR_FIND_PERSON ? DB_PROFILES : DB_PROJECTS, NULL,
                     kind == SR_FIND_PERSON ? "profiles" : "projects", name_row, &a);
  sr_personmap_free(a.pm);
  free(a.seen);
  return rc;
}

int sr_store_what_is(sr_store_t *st, const uint8_t id[SR_ID_BYTES], sr_known_t *kn) {
  MDB_txn *txn;
  MDB_val k = {SR_ID_BYTES, (void *)id}, v, sk = {4, "self"};
  sr_entry_t e;
  int rc, mrc;
  memset(kn, 0, sizeof(*kn));
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
    /* Each lookup: 0 found, MDB_NOTFOUND not, anything else is a failure. */
#define LOOKUP(db, found)                                                                                              \
  do {                                                                                                                 \
    mrc = mdb_get(txn, st->dbi[db], &k, &v);                                                                           \
    if (mrc && mrc != MDB_NOTFOUND) {                                                                                  \
      rc = sr_store_fail(st, "look up an id", mrc);                                                                    \
      goto done;                                                                                                       \
    }                                                                                                                  \
    found = mrc == 0;                                                                                                  \
  } while (0)
  LOOKUP(DB_PEOPLE, kn->person);
  LOOKUP(DB_HEADS, kn->authored);
  LOOKUP(DB_PROJECTS, kn->project);
  kn->project_held = kn->project && v.mv_size >= SR_KEY_BYTES;
  LOOKUP(DB_IDS, kn->entry);
  if (kn->entry && v.mv_size == ROWID_BYTES && sr_row_read(st, txn, sr_rowid_get(v.mv_data), &v, NULL) == 0 &&
      sr_entry_decode(v.mv_data, v.mv_size, &e) == 0)
    memcpy(kn->entry_type, e.type, e.type_len < SR_TYPE_MAX ? e.type_len : SR_TYPE_MAX);
#undef LOOKUP
  if (mdb_get(txn, st->dbi[DB_META], &sk, &v) == 0 && v.mv_size == SR_KEY_BYTES)
    kn->self = memcmp(v.mv_data, id, SR_KEY_BYTES) == 0;
done:
  sr_store_txn_abort(st, txn);
  return rc;
}

/* ---- resolving what a person typed (sr_store_resolve) ---- */

typedef struct {
  char *p;
  size_t cap, len; /* len may pass cap: the message is cut, never overrun */
} msg_t;

static void put(msg_t *m, const char *s, size_t n) {
  if (m->len < m->cap) {
    size_t room = m->cap - 1 - m->len, c = n < room ? n : room;
    memcpy(m->p + m->len, s, c);
    m->p[m->len + c] = '\0';
  }
  m->len += n;
}

static void puts_(msg_t *m, const char *s) { put(m, s, strlen(s)); }

/* Someone's text (or what was typed), escaped for a terminal. */
static void put_text(msg_t *m, const char *s, size_t n) {
  char small[4 * SR_FIND_NAME_MAX + 8];
  if (SR_TEXT_ESCAPED_MAX(n) <= sizeof(small)) {
    sr_text_escape(s, n, 0, small, sizeof(small));
    puts_(m, small);
    return;
  }
  for (size_t i = 0; i < n; i += SR_FIND_NAME_MAX) { /* long input: escaped piece by piece, cut at bytes */
    size_t c = n - i < SR_FIND_NAME_MAX ? n - i : SR_FIND_NAME_MAX;
    sr_text_escape(s + i, c, 0, small, sizeof(small));
    puts_(m, small);
  }
}

static const char *kind_noun(int kind) {
  return kind == SR_FIND_PERSON ? "person" : kind == SR_FIND_PROJECT ? "project" : "entry";
}

/* The shortest hex length, at least 16 (what `log` prints), that tells the
 * candidates apart. */
static int shown_digits(const sr_match_t *m, size_t n) {
  int digits = 16;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      while (digits < 64 && memcmp(m[i].id, m[j].id, (size_t)digits / 2) == 0) digits += 8;
  return digits;
}

static int ambiguous(msg_t *e, int kind, const char *what, const char *arg, int by_name, const sr_match_t *m,
                     size_t n) {
  char hex[SR_HEX_KEY_LEN + 1];
  int digits = shown_digits(m, n < SR_RESOLVE_SHOWN ? n : SR_RESOLVE_SHOWN);
  puts_(e, what);
  puts_(e, " '");
  put_text(e, arg, strlen(arg));
  puts_(e, "' is ambiguous: ");
  puts_(e, n > SR_RESOLVE_SHOWN ? "more than 10" : n == 2 ? "two" : "several");
  puts_(e, " ");
  puts_(e, by_name ? (kind == SR_FIND_PERSON ? "people have that name" : "projects have that name")
                   : (kind == SR_FIND_PERSON    ? "people's keys start with it"
                      : kind == SR_FIND_PROJECT ? "project ids start with it"
                                                : "entry ids start with it"));
  puts_(e, ":\n");
  for (size_t i = 0; i < n && i < SR_RESOLVE_SHOWN; i++) {
    sr_hex_encode(m[i].id, SR_ID_BYTES, hex);
    puts_(e, "  ");
    put(e, hex, (size_t)digits);
    if (m[i].type[0]) {
      puts_(e, "  ");
      put_text(e, m[i].type, strlen(m[i].type));
      puts_(e, m[i].name_len ? " by " : "");
    } else if (m[i].name_len) {
      puts_(e, "  ");
    }
    if (m[i].name_len) put_text(e, m[i].name, m[i].name_len);
    else if (!m[i].type[0])
      puts_(e, "  (no name known)");
    puts_(e, "\n");
  }
  puts_(e, "pick one by giving more hex digits of its ");
  puts_(e, kind == SR_FIND_PERSON ? "key" : "id");
  puts_(e, " (the full 64 always work)");
  return SR_EAMBIGUOUS;
}

/* Which other kind of thing a prefix begins, for the hint when the asked-for
 * kind has none (a project id typed where a person goes, say). */
static const char *other_kind(sr_store_t *st, int kind, const char *prefix) {
  static const int kinds[] = {SR_FIND_PERSON, SR_FIND_PROJECT, SR_FIND_ENTRY};
  sr_match_t m;
  size_t n;
  for (int i = 0; i < 3; i++)
    if (kinds[i] != kind && sr_store_find_prefix(st, kinds[i], prefix, &m, 1, &n) == 0 && n > 0)
      return kinds[i] == SR_FIND_PERSON    ? "a person's key"
             : kinds[i] == SR_FIND_PROJECT ? "a project id"
                                           : "an entry id";
  return NULL;
}

int sr_store_resolve(sr_store_t *st, int kind, const char *what, const char *arg, int flags, uint8_t out[SR_ID_BYTES],
                     char *err, size_t errlen) {
  sr_match_t m[SR_RESOLVE_SHOWN];
  size_t n = 0, len = strlen(arg);
  int hex = len && sr_hex_is_hex(arg, len, 0), rc = 0, cli = flags & SR_RESOLVE_CLI;
  char line[256];
  msg_t e = {err, errlen, 0};
  if (errlen) err[0] = '\0';
  if (kind != SR_FIND_PERSON && kind != SR_FIND_ENTRY && kind != SR_FIND_PROJECT) return SR_EINVAL;
  if (hex && len == SR_HEX_KEY_LEN && sr_hex_decode(arg, out, SR_KEY_LEN) == 0) return 0;
  if (hex && len > SR_HEX_KEY_LEN) {
    snprintf(line, sizeof(line), "%s has %zu hex digits: a key or id has 64", what, len);
    puts_(&e, line);
    return SR_EINVAL;
  }
  if (hex && len >= SR_RESOLVE_MIN_PREFIX && (rc = sr_store_find_prefix(st, kind, arg, m, SR_RESOLVE_SHOWN, &n)) == 0 &&
      n > 1)
    return ambiguous(&e, kind, what, arg, 0, m, n);
  /* No id starts with it, or it is too short for a prefix, or not hex: a name? */
  if (!rc && n == 0 && kind != SR_FIND_ENTRY) rc = sr_store_find_name(st, kind, arg, len, m, SR_RESOLVE_SHOWN, &n);
  if (rc) {
    snprintf(line, sizeof(line), "looking up %s failed: ", what);
    puts_(&e, line);
    puts_(&e, rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    return rc;
  }
  if (n > 1) return ambiguous(&e, kind, what, arg, 1, m, n);
  if (n == 1) {
    memcpy(out, m[0].id, SR_KEY_LEN);
    return 0;
  }
  /* Nothing matched: say why, and what would. */
  puts_(&e, what);
  puts_(&e, " '");
  put_text(&e, arg, len);
  if (hex && len < SR_RESOLVE_MIN_PREFIX) {
    snprintf(line, sizeof(line), "' is too short: give at least %d hex digits of the %s%s, or all 64%s",
             SR_RESOLVE_MIN_PREFIX, kind == SR_FIND_PERSON ? "key" : "id", cli ? " (as `seurone log` prints them)" : "",
             kind == SR_FIND_ENTRY    ? ""
             : kind == SR_FIND_PERSON ? ", or the person's exact name"
                                      : ", or the project's exact name");
    puts_(&e, line);
    return SR_EINVAL;
  }
  if (hex) {
    const char *other = other_kind(st, kind, arg);
    snprintf(line, sizeof(line), "' matches no %s this node knows%s%s%s: check it, or give all 64 hex digits",
             kind_noun(kind), other ? " (it begins " : "", other ? other : "", other ? ")" : "");
    puts_(&e, line);
    return SR_ENOTFOUND;
  }
  if (kind == SR_FIND_ENTRY) {
    snprintf(line, sizeof(line), "' is not an entry id: give its 64 hex digits, or at least the first %d%s",
             SR_RESOLVE_MIN_PREFIX, cli ? " (as `seurone log` prints them)" : "");
    puts_(&e, line);
    return SR_EINVAL;
  }
  snprintf(line, sizeof(line),
           "' is neither a %s (64 hex digits, or at least the first %d) nor the name of a %s this node knows (%sa "
           "name must match exactly, case included)",
           kind == SR_FIND_PERSON ? "key" : "project id", SR_RESOLVE_MIN_PREFIX, kind_noun(kind),
           cli ? "`seurone graph` lists them; " : "");
  puts_(&e, line);
  return SR_ENOTFOUND;
}
