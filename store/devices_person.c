/* devices_person.c: what a person is across its keys (store/devices.h): its
 * name (the newest about by ts among its keys; people rows hold each key's
 * about ts) and its contact state about another person (the newest contact by
 * ts among its keys). The bindings themselves are devices.c's. */
#include "store/devices.h"
#include "core/vec.h"
#include "store/store_internal.h"
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

/* The about ts people[key] holds (0: none known). */
static uint64_t about_ts(sr_store_t *st, MDB_txn *txn, const uint8_t *key) {
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  if (mdb_get(txn, st->dbi[DB_PEOPLE], &k, &v) || v.mv_size != 8) return 0;
  return sr_be64_get(v.mv_data);
}

int sr_store_person_name_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, MDB_val *name) {
  uint8_t person[SR_KEY_BYTES], best[SR_KEY_BYTES];
  uint64_t best_ts = 0;
  int have = 0, rc;
  MDB_cursor *cur;
  MDB_val k = {SR_KEY_BYTES, person}, v, nv;
  if ((rc = sr_store_person_of_in(st, txn, key, 0, person))) return rc;
  /* The person's own about first, then each bound device's. */
  if (mdb_get(txn, st->dbi[DB_PROFILES], &k, &nv) == 0) {
    memcpy(best, person, SR_KEY_BYTES);
    best_ts = about_ts(st, txn, person);
    have = 1;
  }
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_PERSON_DEVICES], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    uint8_t dev[SR_KEY_BYTES], of[SR_KEY_BYTES];
    if (v.mv_size != SR_KEY_BYTES) continue;
    memcpy(dev, v.mv_data, SR_KEY_BYTES);
    if ((rc = sr_store_person_of_in(st, txn, dev, 0, of))) break;
    MDB_val dk = {SR_KEY_BYTES, dev};
    if (memcmp(of, person, SR_KEY_BYTES) != 0 || mdb_get(txn, st->dbi[DB_PROFILES], &dk, &nv)) continue;
    uint64_t ts = about_ts(st, txn, dev);
    /* newest by ts; ties: the higher key bytes */
    if (!have || ts > best_ts || (ts == best_ts && memcmp(dev, best, SR_KEY_BYTES) > 0)) {
      memcpy(best, dev, SR_KEY_BYTES);
      best_ts = ts;
      have = 1;
    }
  }
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND) return rc;
  if (!have) return MDB_NOTFOUND;
  k.mv_data = best;
  return mdb_get(txn, st->dbi[DB_PROFILES], &k, name);
}

int sr_store_person_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], char *name, size_t cap, size_t *len,
                         int *found) {
  MDB_txn *txn;
  MDB_val nv;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  *found = 0;
  if (len) *len = 0;
  if (rc) return rc;
  rc = sr_store_person_name_in(st, txn, key, &nv);
  if (rc == 0) {
    size_t n = nv.mv_size < cap ? nv.mv_size : cap;
    if (n) memcpy(name, nv.mv_data, n);
    if (len) *len = n;
    *found = 1;
  } else if (rc == MDB_NOTFOUND)
    rc = 0;
  sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "read a name", rc) : 0;
}

/* ---- a person's contact state ---- */

/* The keys of key's person: the person, then each bound device. */
static int person_keyset(sr_store_t *st, MDB_txn *txn, const uint8_t *key, uint8_t (**keys)[SR_KEY_BYTES], size_t *n) {
  uint8_t person[SR_KEY_BYTES];
  size_t cap = 0;
  MDB_cursor *cur;
  MDB_val k = {SR_KEY_BYTES, person}, v;
  int rc;
  *n = 0;
  if ((rc = sr_store_person_of_in(st, txn, key, 0, person))) return rc;
  if (sr_grow((void **)keys, &cap, 1, SR_KEY_BYTES, 4)) return SR_ENOMEM;
  memcpy((*keys)[(*n)++], person, SR_KEY_BYTES);
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_PERSON_DEVICES], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    uint8_t dev[SR_KEY_BYTES], of[SR_KEY_BYTES];
    if (v.mv_size != SR_KEY_BYTES) continue;
    memcpy(dev, v.mv_data, SR_KEY_BYTES);
    if ((rc = sr_store_person_of_in(st, txn, dev, 0, of))) break;
    if (memcmp(of, person, SR_KEY_BYTES) != 0) continue; /* not bound to this person */
    if (sr_grow((void **)keys, &cap, *n + 1, SR_KEY_BYTES, 4)) {
      rc = SR_ENOMEM;
      break;
    }
    memcpy((*keys)[(*n)++], dev, SR_KEY_BYTES);
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int sr_store_person_contact(sr_store_t *st, const uint8_t a[SR_KEY_BYTES], const uint8_t b[SR_KEY_BYTES], int *state) {
  uint8_t(*ak)[SR_KEY_BYTES] = NULL, (*bk)[SR_KEY_BYTES] = NULL;
  size_t na = 0, nb = 0;
  int any[4] = {0}, rc;
  MDB_txn *txn;
  *state = 0;
  if ((rc = sr_store_txn_begin(st, MDB_RDONLY, &txn))) return rc;
  if ((rc = person_keyset(st, txn, a, &ak, &na)) || (rc = person_keyset(st, txn, b, &bk, &nb))) goto out;
  for (size_t j = 0; j < nb; j++) {
    uint64_t best_ts = 0;
    int best = 0;
    const uint8_t *best_author = NULL;
    for (size_t i = 0; i < na; i++) {
      uint8_t pair[2 * SR_KEY_BYTES];
      memcpy(pair, ak[i], SR_KEY_BYTES);
      memcpy(pair + SR_KEY_BYTES, bk[j], SR_KEY_BYTES);
      MDB_val k = {sizeof(pair), pair}, v;
      int mrc = mdb_get(txn, st->dbi[DB_CONTACTS], &k, &v);
      if (mrc == MDB_NOTFOUND || (mrc == 0 && v.mv_size < 1)) continue;
      if (mrc) {
        rc = mrc;
        goto out;
      }
      const uint8_t *p = v.mv_data;
      uint64_t ts = v.mv_size >= 9 ? sr_be64_get(p + 1) : 0;
      if (!best || ts > best_ts || (ts == best_ts && memcmp(ak[i], best_author, SR_KEY_BYTES) > 0)) {
        best = p[0];
        best_ts = ts;
        best_author = ak[i];
      }
    }
    if (best >= 1 && best <= 3) any[best] = 1;
  }
  *state = any[SR_FOLLOW] ? SR_FOLLOW : any[SR_BLOCK] ? SR_BLOCK : any[SR_UNFOLLOW] ? SR_UNFOLLOW : 0;
out:
  sr_store_txn_abort(st, txn);
  free(ak);
  free(bk);
  if (rc == SR_ENOMEM) return rc;
  return rc ? sr_store_fail(st, "read a contact state", rc) : 0;
}

/* ---- a person's follows ---- */

typedef struct {
  uint8_t who[SR_KEY_BYTES], author[SR_KEY_BYTES];
  uint64_t ts;
  uint8_t state;
} contact_row_t;

static int cmp_contact_row(const void *a, const void *b) {
  const contact_row_t *x = a, *y = b;
  int c = memcmp(x->who, y->who, SR_KEY_BYTES);
  if (c) return c;
  if (x->ts != y->ts) return x->ts > y->ts ? -1 : 1;  /* newest first */
  return -memcmp(x->author, y->author, SR_KEY_BYTES); /* ties: the higher author key */
}

/* The contacts of one key appended to rows (state u8 || ts u64; 1 byte: ts 0). */
static int contacts_of(sr_store_t *st, MDB_txn *txn, const uint8_t *key, contact_row_t **rows, size_t *n, size_t *cap) {
  MDB_cursor *cur;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  int rc = mdb_cursor_open(txn, st->dbi[DB_CONTACTS], &cur);
  if (rc) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != 2 * SR_KEY_BYTES || memcmp(k.mv_data, key, SR_KEY_BYTES) != 0) break;
    if (v.mv_size < 1) continue;
    if (sr_grow((void **)rows, cap, *n + 1, sizeof(**rows), 64)) {
      rc = SR_ENOMEM;
      break;
    }
    contact_row_t *r = &(*rows)[(*n)++];
    memcpy(r->who, (const uint8_t *)k.mv_data + SR_KEY_BYTES, SR_KEY_BYTES);
    memcpy(r->author, key, SR_KEY_BYTES);
    r->state = ((const uint8_t *)v.mv_data)[0];
    r->ts = v.mv_size >= 9 ? sr_be64_get((const uint8_t *)v.mv_data + 1) : 0;
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int sr_store_follows_merged_in(sr_store_t *st, MDB_txn *txn, const uint8_t (*keys)[SR_KEY_BYTES], size_t nkeys,
                               uint8_t (**out)[SR_KEY_BYTES], size_t *n) {
  contact_row_t *rows = NULL;
  size_t nr = 0, cap = 0, ocap = 0;
  int rc = 0;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; i < nkeys && !rc; i++) rc = contacts_of(st, txn, keys[i], &rows, &nr, &cap);
  if (!rc && nr) qsort(rows, nr, sizeof(*rows), cmp_contact_row);
  for (size_t j = 0; j < nr && !rc; j++) {
    if (j && memcmp(rows[j].who, rows[j - 1].who, SR_KEY_BYTES) == 0) continue; /* an older state */
    if (rows[j].state != SR_FOLLOW) continue;
    if (sr_grow((void **)out, &ocap, *n + 1, SR_KEY_BYTES, 16)) {
      rc = SR_ENOMEM;
      break;
    }
    memcpy((*out)[(*n)++], rows[j].who, SR_KEY_BYTES);
  }
  free(rows);
  if (rc) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return rc;
}
