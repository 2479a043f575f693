/* scope.c: the set of authors this node replicates (scope.h).
 *
 * Breadth-first over follow edges, one level at a time, with sorted key arrays
 * instead of a hash set: each level's new keys are sorted, stripped of keys
 * already seen, and merged into the seen set. Nothing here allocates in
 * proportion to the store, only to the keys reached and the follow edges read
 * from them. Invariant: `seen` is sorted and unique after every step.
 */
#include "store/scope.h"
#include "core/key.h"
#include "core/vec.h"
#include "store/store_internal.h"
#include <stdlib.h>
#include <string.h>

typedef uint8_t scope_key_t[SR_KEY_BYTES];

/* A growable array of keys. */
typedef struct keyvec {
  scope_key_t *k;
  size_t n, cap;
} keyvec_t;

static void kv_free(keyvec_t *v) {
  free(v->k);
  memset(v, 0, sizeof(*v));
}

static int kv_push(keyvec_t *v, const uint8_t *key) {
  int rc = sr_grow((void **)&v->k, &v->cap, v->n + 1, sizeof(*v->k), 64);
  if (rc) return rc;
  memcpy(v->k[v->n++], key, SR_KEY_BYTES);
  return 0;
}

static void kv_sort_unique(keyvec_t *v) {
  size_t w = 0;
  if (v->n < 2) return;
  qsort(v->k, v->n, sizeof(*v->k), sr_key_cmp);
  for (size_t r = 1; r < v->n; r++)
    if (memcmp(v->k[r], v->k[w], SR_KEY_BYTES) != 0) memcpy(v->k[++w], v->k[r], SR_KEY_BYTES);
  v->n = w + 1;
}

static int kv_has(const keyvec_t *v, const uint8_t *key) { return sr_key_find(v->k, v->n, sizeof(*v->k), key) >= 0; }

/* into := into ∪ add (both sorted and unique; so is the result). */
static int kv_merge(keyvec_t *into, const keyvec_t *add) {
  keyvec_t m = {0};
  size_t i = 0, j = 0;
  if (!add->n) return 0;
  m.cap = into->n + add->n;
  if (!(m.k = malloc(m.cap * sizeof(*m.k)))) return SR_ENOMEM;
  while (i < into->n || j < add->n) {
    int c = i == into->n ? 1 : j == add->n ? -1 : memcmp(into->k[i], add->k[j], SR_KEY_BYTES);
    if (c <= 0) memcpy(m.k[m.n++], into->k[i++], SR_KEY_BYTES);
    else
      memcpy(m.k[m.n++], add->k[j++], SR_KEY_BYTES);
    if (c == 0) j++;
  }
  kv_free(into);
  *into = m;
  return 0;
}

typedef struct scope_walk {
  sr_store_t *st;
  MDB_txn *txn;
  MDB_cursor *edges;  /* on edges_out */
  keyvec_t blocked;   /* keys self blocks, sorted */
  sr_personmap_t *pm; /* device bindings (store/devices.h); NULL: none */
} scope_walk_t;

/* Appends key's whole person to out: its person and every bound device of it
 * (revoked ones too: their log up to upto is the person's). */
static int person_keys(const scope_walk_t *w, const uint8_t *key, keyvec_t *out) {
  const uint8_t *p = sr_personmap_person(w->pm, key, 0), *dev;
  size_t first, nd;
  int rc;
  if (!p) p = key;
  if ((rc = kv_push(out, p))) return rc;
  nd = w->pm ? sr_personmap_devices(w->pm, p, &first) : 0;
  for (size_t i = 0; i < nd; i++) {
    sr_personmap_at(w->pm, first + i, &dev, NULL);
    if ((rc = kv_push(out, dev))) return rc;
  }
  return 0;
}

/* v := every key of the persons of v's keys (unsorted). */
static int kv_persons(const scope_walk_t *w, keyvec_t *v) {
  size_t n = v->n;
  int rc;
  if (!w->pm) return 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t k[SR_KEY_BYTES];
    memcpy(k, v->k[i], SR_KEY_BYTES); /* v may move as it grows */
    if ((rc = person_keys(w, k, v))) return rc;
  }
  return 0;
}

/* Appends every dst of an edge src -kind-> dst to out. The dupsort values are
 * kind || dst, so one kind's edges are one run starting at (kind, 0...). */
static int edges_of_kind(scope_walk_t *w, const uint8_t *src, int kind, keyvec_t *out) {
  uint8_t first[1 + SR_KEY_BYTES] = {(uint8_t)kind};
  MDB_val k = {SR_KEY_BYTES, (void *)src}, v = {sizeof(first), first};
  int mrc, rc;
  for (mrc = mdb_cursor_get(w->edges, &k, &v, MDB_GET_BOTH_RANGE); mrc == 0;
       mrc = mdb_cursor_get(w->edges, &k, &v, MDB_NEXT_DUP)) {
    const uint8_t *d = v.mv_data;
    if (v.mv_size != sizeof(first) || d[0] != kind) break;
    if ((rc = kv_push(out, d + 1))) return rc;
  }
  if (mrc != 0 && mrc != MDB_NOTFOUND) return sr_store_fail(w->st, "walk edges", mrc);
  return 0;
}

/* 1 when key is out of scope: blocked by self or forked. */
static int excluded(scope_walk_t *w, const uint8_t *key, int *out) {
  sr_head_t h;
  int rc;
  *out = 1;
  if (kv_has(&w->blocked, key)) return 0;
  if ((rc = sr_head_read(w->txn, w->st, key, &h))) return rc;
  *out = h.forked != 0;
  return 0;
}

/* Adds every author src follows to out, unless src is excluded. */
static int expand_key(scope_walk_t *w, const uint8_t *src, int always, keyvec_t *out) {
  int ex = 0, rc;
  if (!always && (rc = excluded(w, src, &ex))) return rc;
  return ex ? 0 : edges_of_kind(w, src, SR_EDGE_FOLLOW, out);
}

/* The follows of src's whole person: for a person with devices, the newest
 * contact state by ts among its keys that are not excluded (store/devices.h),
 * each followed key with its whole person. */
static int expand(scope_walk_t *w, const uint8_t *src, int always, keyvec_t *out) {
  keyvec_t keys = {0};
  size_t from = out->n, n = 0;
  int rc;
  if (!w->pm) return expand_key(w, src, always, out);
  if ((rc = person_keys(w, src, &keys))) goto done;
  if (keys.n == 1) {
    rc = expand_key(w, keys.k[0], always, out);
    goto done;
  }
  for (size_t i = 0; i < keys.n; i++) { /* an excluded key's follows count for nothing */
    int ex = 0;
    if (!always && (rc = excluded(w, keys.k[i], &ex))) goto done;
    if (!ex) memmove(keys.k[n++], keys.k[i], SR_KEY_BYTES);
  }
  uint8_t(*follows)[SR_KEY_BYTES] = NULL;
  size_t nf = 0;
  if ((rc = sr_store_follows_merged_in(w->st, w->txn, (const uint8_t(*)[SR_KEY_BYTES])keys.k, n, &follows, &nf))) {
    if (rc != SR_ENOMEM) rc = sr_store_fail(w->st, "walk contacts", rc);
    goto done;
  }
  for (size_t i = 0; i < nf && !rc; i++) rc = kv_push(out, follows[i]);
  free(follows);
done:
  kv_free(&keys);
  /* the new keys' persons, appended after them */
  for (size_t i = 0, m = out->n - from; i < m && !rc; i++) {
    uint8_t k[SR_KEY_BYTES];
    memcpy(k, out->k[from + i], SR_KEY_BYTES);
    rc = person_keys(w, k, out);
  }
  return rc;
}

/* Appends to out every key person certified whose first entry (its claim,
 * device-of) is not held yet: until it arrives the device is bound to nobody,
 * and it arrives only if its log is replicated, so the scope must hold it.
 * Read from the devices records (devices.c: person[32] || flags u8 ..., the
 * record naming the certifier while no claim is held: bit 1 claim, bit 2
 * certificate). A key whose claim names someone else is not taken. */
static int pending_devices(scope_walk_t *w, MDB_cursor *pd, const uint8_t *person, keyvec_t *out) {
  MDB_val k = {SR_KEY_BYTES, (void *)person}, v, dk, dv;
  int mrc, rc;
  for (mrc = mdb_cursor_get(pd, &k, &v, MDB_SET_KEY); mrc == 0; mrc = mdb_cursor_get(pd, &k, &v, MDB_NEXT_DUP)) {
    if (v.mv_size != SR_KEY_BYTES) continue;
    dk.mv_size = SR_KEY_BYTES;
    dk.mv_data = v.mv_data;
    if ((rc = mdb_get(w->txn, w->st->dbi[DB_DEVICES], &dk, &dv)) == MDB_NOTFOUND) continue;
    if (rc) return sr_store_fail(w->st, "read a device", rc);
    const uint8_t *r = dv.mv_data;
    if (dv.mv_size < SR_KEY_BYTES + 1 || memcmp(r, person, SR_KEY_BYTES) || (r[SR_KEY_BYTES] & 3u) != 2u) continue;
    if ((rc = kv_push(out, v.mv_data))) return rc;
  }
  if (mrc != 0 && mrc != MDB_NOTFOUND) return sr_store_fail(w->st, "walk a person's devices", mrc);
  return 0;
}

/* Removes from v every key that is in seen (v sorted or not; order kept). */
static void kv_minus(keyvec_t *v, const keyvec_t *seen) {
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++)
    if (!kv_has(seen, v->k[i])) memmove(v->k[n++], v->k[i], SR_KEY_BYTES);
  v->n = n;
}

/* Adds the relay members removed (`members remove`) to w->blocked, which
 * stays sorted. */
static int removed_members(scope_walk_t *w) {
  MDB_cursor *cur;
  MDB_val k, v;
  int rc, mrc = mdb_cursor_open(w->txn, w->st->dbi[DB_RELAY_MEMBERS], &cur);
  if (mrc) return sr_store_fail(w->st, "open a cursor", mrc);
  rc = 0;
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    if (k.mv_size == SR_KEY_BYTES && sr_member_val_removed(&v)) rc = kv_push(&w->blocked, k.mv_data);
  mdb_cursor_close(cur);
  if (!rc && mrc != MDB_NOTFOUND) rc = sr_store_fail(w->st, "walk relay members", mrc);
  kv_sort_unique(&w->blocked);
  return rc;
}

int sr_store_scope(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], int hops, int relay, sr_scope_t *out) {
  scope_walk_t w = {st, NULL, NULL, {0}, NULL};
  keyvec_t seen = {0}, frontier = {0}, next = {0}, result = {0};
  MDB_cursor *mcur = NULL, *pcur = NULL;
  MDB_val k, v;
  int rc, mrc;

  memset(out, 0, sizeof(*out));
  if (hops < 0) return SR_EINVAL;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &w.txn))) return rc;
  if ((mrc = mdb_cursor_open(w.txn, st->dbi[DB_EDGES_OUT], &w.edges))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  if ((mrc = sr_store_personmap_in(st, w.txn, &w.pm))) {
    rc = mrc == SR_ENOMEM ? mrc : sr_store_fail(st, "read the devices", mrc);
    goto done;
  }
  if (!sr_personmap_count(w.pm)) {
    sr_personmap_free(w.pm);
    w.pm = NULL;
  }
  /* Self is its whole person: a device node replicates as its person does,
   * and a block from any of the person's keys applies (to a whole person). */
  if ((rc = w.pm ? person_keys(&w, self, &frontier) : kv_push(&frontier, self))) goto done;
  {
    /* The halves of self's bindings: the person self's seq 1 names and the keys
     * self certified, bound or not yet (pairing needs both logs to meet). */
    uint8_t(*half)[SR_KEY_BYTES] = NULL;
    size_t nh = 0;
    if ((mrc = sr_store_device_halves_in(st, w.txn, self, &half, &nh))) {
      rc = mrc == SR_ENOMEM ? mrc : sr_store_fail(st, "read the devices", mrc);
      goto done;
    }
    for (size_t i = 0; i < nh && !rc; i++)
      rc = w.pm ? person_keys(&w, half[i], &frontier) : kv_push(&frontier, half[i]);
    free(half);
    if (rc) goto done;
  }
  for (size_t i = 0; i < frontier.n; i++)
    if ((rc = edges_of_kind(&w, frontier.k[i], SR_EDGE_BLOCK, &w.blocked))) goto done;
  if ((rc = kv_persons(&w, &w.blocked))) goto done;
  kv_sort_unique(&w.blocked);
  kv_sort_unique(&frontier);
  kv_minus(&w.blocked, &frontier); /* never blocks itself out */
  /* A relay keeps the members it removed out as a block would (store/peers.h). */
  if (relay && (rc = removed_members(&w))) goto done;

  /* Breadth-first over follows, level by level. */
  if ((rc = kv_merge(&seen, &frontier))) goto done;
  for (int level = 1; level <= hops && frontier.n; level++) {
    next.n = 0;
    for (size_t i = 0; i < frontier.n; i++)
      if ((rc = expand(&w, frontier.k[i], level == 1, &next))) goto done;
    kv_sort_unique(&next);
    kv_minus(&next, &seen);
    if ((rc = kv_merge(&seen, &next))) goto done;
    keyvec_t t = frontier;
    frontier = next;
    next = t;
  }

  /* A relay: its members and whom each member follows directly. */
  if (relay) {
    next.n = 0;
    if ((mrc = mdb_cursor_open(w.txn, st->dbi[DB_RELAY_MEMBERS], &mcur))) {
      rc = sr_store_fail(st, "open a cursor", mrc);
      goto done;
    }
    for (mrc = mdb_cursor_get(mcur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(mcur, &k, &v, MDB_NEXT)) {
      if (k.mv_size != SR_KEY_BYTES || sr_member_val_removed(&v)) continue;
      if ((rc = kv_push(&next, k.mv_data)) || (rc = expand(&w, k.mv_data, 0, &next))) goto done;
      if (w.pm && (rc = person_keys(&w, k.mv_data, &next))) goto done;
    }
    if (mrc != MDB_NOTFOUND) {
      rc = sr_store_fail(st, "walk relay members", mrc);
      goto done;
    }
    kv_sort_unique(&next);
    if ((rc = kv_merge(&seen, &next))) goto done;
  }

  /* The devices certified by a key of the scope and not bound yet. */
  if ((mrc = mdb_cursor_open(w.txn, st->dbi[DB_PERSON_DEVICES], &pcur))) {
    rc = sr_store_fail(st, "open a cursor", mrc);
    goto done;
  }
  next.n = 0;
  for (size_t i = 0; i < seen.n; i++)
    if ((rc = pending_devices(&w, pcur, seen.k[i], &next))) goto done;
  if (next.n) {
    kv_sort_unique(&next);
    kv_minus(&next, &seen);
    if ((rc = kv_merge(&seen, &next))) goto done;
  }

  /* Minus blocked and forked. seen is sorted, so result is too. */
  for (size_t i = 0; i < seen.n; i++) {
    int ex;
    if ((rc = excluded(&w, seen.k[i], &ex))) goto done;
    if (!ex && (rc = kv_push(&result, seen.k[i]))) goto done;
  }
  out->keys = result.k;
  out->n = result.n;
  result.k = NULL;
  if (!out->n) {
    free(out->keys);
    out->keys = NULL;
  }
done:
  if (mcur) mdb_cursor_close(mcur);
  if (pcur) mdb_cursor_close(pcur);
  if (w.edges) mdb_cursor_close(w.edges);
  sr_store_txn_abort(st, w.txn);
  kv_free(&w.blocked);
  sr_personmap_free(w.pm);
  kv_free(&seen);
  kv_free(&frontier);
  kv_free(&next);
  kv_free(&result);
  return rc;
}

int sr_scope_has(const sr_scope_t *s, const uint8_t key[SR_KEY_BYTES]) {
  return sr_key_find(s->keys, s->n, sizeof(*s->keys), key) >= 0;
}

void sr_scope_free(sr_scope_t *s) {
  if (!s) return;
  free(s->keys);
  s->keys = NULL;
  s->n = 0;
}
