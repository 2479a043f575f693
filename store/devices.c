/* devices.c: the device bindings (devices.h, docs/format.md "Devices").
 *
 *   devices         D -> person[32] || flags u8 || cert_seq u64 || upto u64 || added_ms u64 || name
 *   person_devices  P -> D (dupsort): every key P's log names in a `device` entry
 *
 * The record of D is about ONE person: the one D's seq 1 names once the claim
 * is held, before that the first person whose certificate arrived. A
 * certificate by anyone else leaves the record alone; when the claim arrives
 * and names another person than the record holds, that person's log is read
 * again for its `device` entries about D (rare: a hostile certificate, or two
 * people certifying one key). So the record never depends on arrival order:
 * it is what the named person's log says, which is what reindex computes.
 *
 * Names and contact states across a person's keys are in devices_person.c.
 * Internal functions return 0, an LMDB code or an SR_E* code (ingest's rule).
 */
#include "store/devices.h"
#include "core/hex.h"
#include "core/key.h"
#include "core/vec.h"
#include "store/store_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F_CLAIM 1u   /* D's seq 1 is device-of this person */
#define F_CERT 2u    /* the person's log certifies D (an add before any revoke) */
#define F_REVOKED 4u /* the person's log revokes D (the first revocation) */
#define REC_FIXED (SR_KEY_BYTES + 1 + 8 + 8 + 8)

typedef struct {
  uint8_t person[SR_KEY_BYTES];
  unsigned flags;
  uint64_t cert_seq, upto, added_ms;
  char name[SR_DEVICE_NAME_MAX + 1];
  size_t name_len;
} rec_t;

static int rec_get(sr_store_t *st, MDB_txn *txn, const uint8_t *key, rec_t *r, int *found) {
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  int rc = mdb_get(txn, st->dbi[DB_DEVICES], &k, &v);
  memset(r, 0, sizeof(*r));
  *found = 0;
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  if (v.mv_size < REC_FIXED) return 0; /* unreadable: as if none (reindex rewrites it) */
  const uint8_t *p = v.mv_data;
  memcpy(r->person, p, SR_KEY_BYTES);
  r->flags = p[SR_KEY_BYTES];
  r->cert_seq = sr_be64_get(p + SR_KEY_BYTES + 1);
  r->upto = sr_be64_get(p + SR_KEY_BYTES + 9);
  r->added_ms = sr_be64_get(p + SR_KEY_BYTES + 17);
  r->name_len = v.mv_size - REC_FIXED;
  if (r->name_len > SR_DEVICE_NAME_MAX) r->name_len = SR_DEVICE_NAME_MAX;
  memcpy(r->name, p + REC_FIXED, r->name_len);
  r->name[r->name_len] = '\0';
  *found = 1;
  return 0;
}

static int rec_put(sr_store_t *st, MDB_txn *txn, const uint8_t *key, const rec_t *r) {
  uint8_t buf[REC_FIXED + SR_DEVICE_NAME_MAX];
  memcpy(buf, r->person, SR_KEY_BYTES);
  buf[SR_KEY_BYTES] = (uint8_t)r->flags;
  sr_be64_put(buf + SR_KEY_BYTES + 1, r->cert_seq);
  sr_be64_put(buf + SR_KEY_BYTES + 9, r->upto);
  sr_be64_put(buf + SR_KEY_BYTES + 17, r->added_ms);
  memcpy(buf + REC_FIXED, r->name, r->name_len);
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v = {REC_FIXED + r->name_len, buf};
  return mdb_put(txn, st->dbi[DB_DEVICES], &k, &v, 0);
}

static int rec_bound(const rec_t *r) { return (r->flags & (F_CLAIM | F_CERT)) == (F_CLAIM | F_CERT); }

/* Whether key's own log opens with a device-of: then key is a device, and
 * its certificates have no effect (no chains). */
static int is_device(sr_store_t *st, MDB_txn *txn, const uint8_t *key, int *dev) {
  rec_t r;
  int found, rc = rec_get(st, txn, key, &r, &found);
  *dev = found && (r.flags & F_CLAIM);
  return rc;
}

/* One `device` entry of r's person about r's key, in log order. Returns 1
 * when it is the revocation that takes effect. First add wins (its seq, ts,
 * name); first revoke wins (its upto); an add after a revoke is ignored. */
static int cert_apply(rec_t *r, const sr_content_t *c, uint64_t seq, uint64_t ts) {
  if (c->state == SR_DEVICE_ADD) {
    if (r->flags & (F_REVOKED | F_CERT)) return 0;
    r->flags |= F_CERT;
    r->cert_seq = seq;
    r->added_ms = ts;
    r->name_len = c->name ? c->name_len : 0;
    if (r->name_len > SR_DEVICE_NAME_MAX) r->name_len = SR_DEVICE_NAME_MAX;
    if (r->name_len) memcpy(r->name, c->name, r->name_len);
    r->name[r->name_len] = '\0';
    return 0;
  }
  if (r->flags & F_REVOKED) return 0;
  r->flags |= F_REVOKED;
  r->upto = c->upto;
  if (!r->cert_seq) r->cert_seq = seq; /* listed in order even when never added */
  return 1;
}

/* Reads r->person's log again for its `device` entries about key. */
static int cert_scan(sr_store_t *st, MDB_txn *txn, const uint8_t *key, rec_t *r) {
  MDB_cursor *cur;
  MDB_val k = {SR_KEY_BYTES, r->person}, v, ev;
  int rc;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    sr_entry_t e;
    sr_content_t c;
    uint64_t seq, row;
    if (sr_logdup_get(&v, &seq, &row) || sr_row_read(st, txn, row, &ev, NULL) ||
        sr_entry_decode(ev.mv_data, ev.mv_size, &e))
      continue;
    if (e.type_len != 6 || memcmp(e.type, "device", 6) != 0) continue;
    if (sr_content_parse(&e, &c, NULL, 0) || c.type != SR_CT_DEVICE || memcmp(c.device, key, SR_KEY_BYTES) != 0)
      continue;
    (void)cert_apply(r, &c, e.seq, e.ts);
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The entries of D after upto stopped being the person's after they were
 * stored: every row D's entries made in the graph is removed and D's entries
 * 1..upto are applied again, as if the later ones had never been taken. */
static int drop_tail(sr_store_t *st, MDB_txn *txn, const uint8_t *dev, uint64_t upto) {
  static const int per_author[] = {DB_CONTACTS, DB_MEMBERS};
  uint8_t *buf = NULL;
  sr_head_t h;
  MDB_cursor *cur = NULL;
  MDB_val k, v;
  int rc;
  if ((rc = sr_head_read(txn, st, dev, &h)) || h.seq <= upto) return rc;
  if (!(buf = malloc(SR_ENTRY_MAX))) return SR_ENOMEM;
  /* Reshares made by the dropped entries. */
  for (uint64_t s = upto + 1; s <= h.seq; s++) {
    size_t len;
    sr_entry_t e;
    sr_content_t c;
    if (sr_store_by_seq_in(st, txn, dev, s, buf, SR_ENTRY_MAX, &len, NULL) || sr_entry_decode(buf, len, &e) ||
        sr_content_parse(&e, &c, NULL, 0) || c.type != SR_CT_SHARE || !c.has_reshare)
      continue;
    uint8_t val[SR_ID_BYTES + SR_KEY_BYTES];
    memcpy(val, e.id, SR_ID_BYTES);
    memcpy(val + SR_ID_BYTES, dev, SR_KEY_BYTES);
    MDB_val rk = {SR_ID_BYTES, c.reshare}, rv = {sizeof(val), val};
    if ((rc = mdb_del(txn, st->dbi[DB_RESHARES], &rk, &rv)) && rc != MDB_NOTFOUND) goto done;
  }
  /* Every edge out of D came from D's entries: all go, with their mirror in edges_in. */
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_EDGES_OUT], &cur))) goto done;
  k.mv_size = SR_KEY_BYTES;
  k.mv_data = (void *)dev;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    uint8_t in[1 + SR_KEY_BYTES], dst[SR_KEY_BYTES];
    if (v.mv_size != sizeof(in)) continue;
    memcpy(dst, (const uint8_t *)v.mv_data + 1, SR_KEY_BYTES);
    in[0] = ((const uint8_t *)v.mv_data)[0];
    memcpy(in + 1, dev, SR_KEY_BYTES);
    MDB_val ik = {SR_KEY_BYTES, dst}, iv = {sizeof(in), in};
    int drc = mdb_del(txn, st->dbi[DB_EDGES_IN], &ik, &iv);
    if (drc && drc != MDB_NOTFOUND) {
      rc = drc;
      break;
    }
  }
  mdb_cursor_close(cur);
  cur = NULL;
  if (rc && rc != MDB_NOTFOUND) goto done;
  k.mv_size = SR_KEY_BYTES;
  k.mv_data = (void *)dev;
  if ((rc = mdb_del(txn, st->dbi[DB_EDGES_OUT], &k, NULL)) && rc != MDB_NOTFOUND) goto done;
  for (size_t i = 0; i < sizeof(per_author) / sizeof(per_author[0]); i++) {
    if ((rc = mdb_cursor_open(txn, st->dbi[per_author[i]], &cur))) goto done;
    k.mv_size = SR_KEY_BYTES;
    k.mv_data = (void *)dev;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      if (k.mv_size != 2 * SR_KEY_BYTES || memcmp(k.mv_data, dev, SR_KEY_BYTES) != 0) break;
      if ((rc = mdb_cursor_del(cur, 0))) break;
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (rc && rc != MDB_NOTFOUND) goto done;
  }
  k.mv_size = SR_KEY_BYTES;
  k.mv_data = (void *)dev;
  if ((rc = mdb_del(txn, st->dbi[DB_PROFILES], &k, NULL)) && rc != MDB_NOTFOUND) goto done;
  MDB_val empty = {0, ""};
  if ((rc = mdb_put(txn, st->dbi[DB_PEOPLE], &k, &empty, 0))) goto done;
  /* D's entries that stay the person's, again (a copy: writes move pages). */
  for (uint64_t s = 1; s <= upto && s <= h.seq; s++) {
    size_t len;
    sr_entry_t e;
    sr_content_t c;
    if (sr_store_by_seq_in(st, txn, dev, s, buf, SR_ENTRY_MAX, &len, NULL) || sr_entry_decode(buf, len, &e) ||
        sr_content_parse(&e, &c, NULL, 0))
      continue;
    if (c.type == SR_CT_DEVICE || c.type == SR_CT_DEVICE_OF) continue; /* the binding is not the graph */
    if ((rc = sr_store_apply_effects(st, txn, &e, &c))) goto done;
  }
  rc = 0;
done:
  if (cur) mdb_cursor_close(cur);
  free(buf);
  return rc;
}

static int claim(sr_store_t *st, MDB_txn *txn, const uint8_t *dev, const uint8_t *person) {
  rec_t r;
  int found, rc;
  if ((rc = rec_get(st, txn, dev, &r, &found))) return rc;
  if (!found || memcmp(r.person, person, SR_KEY_BYTES) != 0) {
    int pdev;
    memset(&r, 0, sizeof(r));
    memcpy(r.person, person, SR_KEY_BYTES);
    if ((rc = is_device(st, txn, person, &pdev))) return rc;
    MDB_val k = {SR_KEY_BYTES, (void *)person}, v = {SR_KEY_BYTES, (void *)dev};
    MDB_cursor *cur;
    if (!pdev) {
      if ((rc = mdb_cursor_open(txn, st->dbi[DB_PERSON_DEVICES], &cur))) return rc;
      int listed = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH) == 0;
      mdb_cursor_close(cur);
      if (listed && (rc = cert_scan(st, txn, dev, &r))) return rc;
    }
  }
  r.flags |= F_CLAIM;
  return rec_put(st, txn, dev, &r);
}

static int certificate(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, const sr_content_t *c) {
  rec_t r;
  int found, pdev, rc;
  if ((rc = is_device(st, txn, e->author, &pdev)) || pdev) return rc;
  MDB_val k = {SR_KEY_BYTES, (void *)e->author}, v = {SR_KEY_BYTES, (void *)c->device};
  if ((rc = mdb_put(txn, st->dbi[DB_PERSON_DEVICES], &k, &v, MDB_NODUPDATA)) && rc != MDB_KEYEXIST) return rc;
  if ((rc = rec_get(st, txn, c->device, &r, &found))) return rc;
  if (!found) memcpy(r.person, e->author, SR_KEY_BYTES);
  else if (memcmp(r.person, e->author, SR_KEY_BYTES) != 0)
    return 0; /* another person's record: the claim decides (see the top) */
  int revoked_now = cert_apply(&r, c, e->seq, e->ts);
  if ((rc = rec_put(st, txn, c->device, &r))) return rc;
  return revoked_now && (r.flags & F_CLAIM) ? drop_tail(st, txn, c->device, r.upto) : 0;
}

int sr_store_device_effect(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, const sr_content_t *c) {
  if (c->type == SR_CT_DEVICE_OF) return e->seq == 1 ? claim(st, txn, e->author, c->person) : 0;
  if (c->type == SR_CT_DEVICE) return certificate(st, txn, e, c);
  return 0;
}

int sr_store_device_refuses(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, uint64_t *upto) {
  rec_t r;
  int found, rc = rec_get(st, txn, e->author, &r, &found);
  *upto = 0;
  if (rc || !found) return 0;
  if ((r.flags & (F_CLAIM | F_REVOKED)) != (F_CLAIM | F_REVOKED) || e->seq <= r.upto) return 0;
  *upto = r.upto;
  return 1;
}

static void rec_to_device(const uint8_t *key, const rec_t *r, sr_device_t *d) {
  memset(d, 0, sizeof(*d));
  memcpy(d->key, key, SR_KEY_BYTES);
  memcpy(d->person, r->person, SR_KEY_BYTES);
  d->bound = rec_bound(r);
  d->revoked = !!(r->flags & F_REVOKED);
  d->upto = r->upto;
  d->added_ms = (r->flags & F_CERT) ? r->added_ms : 0;
  memcpy(d->name, r->name, r->name_len);
  d->name[r->name_len] = '\0';
}

int sr_store_person_of_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, uint64_t seq, uint8_t *person) {
  rec_t r;
  int found, rc = rec_get(st, txn, key, &r, &found);
  memcpy(person, key, SR_KEY_BYTES);
  if (rc) return rc;
  if (found && rec_bound(&r) && (seq == 0 || !(r.flags & F_REVOKED) || seq <= r.upto))
    memcpy(person, r.person, SR_KEY_BYTES);
  return 0;
}

int sr_store_person_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t seq, uint8_t person[SR_KEY_BYTES]) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = sr_store_person_of_in(st, txn, key, seq, person);
  sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "read a device", rc) : 0;
}

int sr_store_device_get(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], sr_device_t *out, int *found) {
  MDB_txn *txn;
  rec_t r;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  if (rc) return rc;
  rc = rec_get(st, txn, key, &r, found);
  if (!rc && *found) rec_to_device(key, &r, out);
  sr_store_txn_abort(st, txn);
  return rc ? sr_store_fail(st, "read a device", rc) : 0;
}

typedef struct {
  sr_device_t d;
  uint64_t seq;
} listed_t;

static int cmp_listed(const void *a, const void *b) {
  const listed_t *x = a, *y = b;
  if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
  return memcmp(x->d.key, y->d.key, SR_KEY_BYTES);
}

int sr_store_devices_of(sr_store_t *st, const uint8_t person[SR_KEY_BYTES], sr_device_t **out, size_t *n) {
  MDB_txn *txn;
  MDB_cursor *cur = NULL;
  listed_t *l = NULL;
  size_t nl = 0, cap = 0;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn), mrc;
  *out = NULL;
  *n = 0;
  if (rc) return rc;
  MDB_val k = {SR_KEY_BYTES, (void *)person}, v;
  if ((mrc = mdb_cursor_open(txn, st->dbi[DB_PERSON_DEVICES], &cur))) goto fail;
  for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    rec_t r;
    int found;
    uint8_t dev[SR_KEY_BYTES];
    if (v.mv_size != SR_KEY_BYTES) continue;
    memcpy(dev, v.mv_data, SR_KEY_BYTES);
    if ((mrc = rec_get(st, txn, dev, &r, &found))) goto fail;
    if (!found || memcmp(r.person, person, SR_KEY_BYTES) != 0) {
      /* The record is another person's (the device named them): what this
       * person's own log says, never bound. */
      memset(&r, 0, sizeof(r));
      memcpy(r.person, person, SR_KEY_BYTES);
      if ((mrc = cert_scan(st, txn, dev, &r))) goto fail;
      r.flags &= ~F_CLAIM;
    }
    if ((rc = sr_grow((void **)&l, &cap, nl + 1, sizeof(*l), 8))) goto out;
    rec_to_device(dev, &r, &l[nl].d);
    l[nl++].seq = r.cert_seq;
  }
  if (mrc != MDB_NOTFOUND) goto fail;
  if (nl) qsort(l, nl, sizeof(*l), cmp_listed);
  if (nl) {
    sr_device_t *d = malloc(nl * sizeof(*d));
    if (!d) {
      rc = SR_ENOMEM;
      goto out;
    }
    for (size_t i = 0; i < nl; i++) d[i] = l[i].d;
    *out = d;
    *n = nl;
  }
  rc = 0;
  goto out;
fail:
  rc = sr_store_fail(st, "read the devices of a person", mrc);
out:
  if (cur) mdb_cursor_close(cur);
  sr_store_txn_abort(st, txn);
  free(l);
  return rc;
}

int sr_store_device_halves_in(sr_store_t *st, MDB_txn *txn, const uint8_t *key, uint8_t (**out)[SR_KEY_BYTES],
                              size_t *n) {
  rec_t r;
  size_t cap = 0;
  int found, rc;
  MDB_cursor *cur;
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  *out = NULL;
  *n = 0;
  if ((rc = rec_get(st, txn, key, &r, &found))) return rc;
  if (found && (r.flags & F_CLAIM)) { /* key's seq 1 names this person */
    if (sr_grow((void **)out, &cap, 1, SR_KEY_BYTES, 4)) return SR_ENOMEM;
    memcpy((*out)[(*n)++], r.person, SR_KEY_BYTES);
  }
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_PERSON_DEVICES], &cur))) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
    if (v.mv_size != SR_KEY_BYTES) continue;
    if (sr_grow((void **)out, &cap, *n + 1, SR_KEY_BYTES, 4)) {
      rc = SR_ENOMEM;
      break;
    }
    memcpy((*out)[(*n)++], v.mv_data, SR_KEY_BYTES);
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The entry of author at seq, decoded and parsed into buf/e/c: 1 when it is
 * of type want, 0 when not (or not held). */
static int entry_is(sr_store_t *st, MDB_txn *txn, const uint8_t *author, uint64_t seq, enum sr_ctype want, uint8_t *buf,
                    sr_entry_t *e, sr_content_t *c) {
  size_t len;
  return sr_store_by_seq_in(st, txn, author, seq, buf, SR_ENTRY_MAX, &len, NULL) == 0 &&
         sr_entry_decode(buf, len, e) == 0 && sr_content_parse(e, c, NULL, 0) == 0 && c->type == want;
}

int sr_store_devices_verify_in(sr_store_t *st, MDB_txn *txn, void (*problem)(void *ctx, const char *what), void *ctx) {
  MDB_cursor *cur;
  MDB_val k, v;
  uint8_t *buf = malloc(SR_ENTRY_MAX);
  int rc;
  if (!buf) return SR_ENOMEM;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_DEVICES], &cur))) {
    free(buf);
    return rc;
  }
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    uint8_t dev[SR_KEY_BYTES];
    char hx[SR_HEX_KEY_LEN + 1], msg[256];
    rec_t r;
    int found;
    sr_entry_t e;
    sr_content_t c;
    if (k.mv_size != SR_KEY_BYTES) continue;
    memcpy(dev, k.mv_data, SR_KEY_BYTES);
    if (rec_get(st, txn, dev, &r, &found) || !found) continue;
    sr_hex_encode(dev, SR_KEY_BYTES, hx);
    msg[0] = '\0';
    /* what the record says must be what the logs say */
    if ((r.flags & F_CLAIM) &&
        !(entry_is(st, txn, dev, 1, SR_CT_DEVICE_OF, buf, &e, &c) && memcmp(c.person, r.person, SR_KEY_BYTES) == 0))
      snprintf(msg, sizeof(msg), "device %s: its seq 1 is not the device-of the devices database holds", hx);
    else if ((r.flags & F_CERT) && !(entry_is(st, txn, r.person, r.cert_seq, SR_CT_DEVICE, buf, &e, &c) &&
                                     c.state == SR_DEVICE_ADD && memcmp(c.device, dev, SR_KEY_BYTES) == 0))
      snprintf(msg, sizeof(msg), "device %s: its person's seq %llu is not the certificate the devices database holds",
               hx, (unsigned long long)r.cert_seq);
    if (msg[0] && problem) problem(ctx, msg);
  }
  mdb_cursor_close(cur);
  free(buf);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- personmap ---- */

typedef struct {
  uint8_t key[SR_KEY_BYTES], person[SR_KEY_BYTES];
  uint64_t upto;
  int revoked;
} pm_row_t;

struct sr_personmap {
  pm_row_t *by_key;    /* sorted by key */
  pm_row_t *by_person; /* sorted by person, then key */
  size_t n;
};

static int cmp_by_person(const void *a, const void *b) {
  const pm_row_t *x = a, *y = b;
  int c = memcmp(x->person, y->person, SR_KEY_BYTES);
  return c ? c : memcmp(x->key, y->key, SR_KEY_BYTES);
}

int sr_store_personmap_in(sr_store_t *st, MDB_txn *txn, sr_personmap_t **out) {
  sr_personmap_t *m = calloc(1, sizeof(*m));
  MDB_cursor *cur;
  MDB_val k, v;
  size_t cap = 0;
  int rc;
  *out = NULL;
  if (!m) return SR_ENOMEM;
  if ((rc = mdb_cursor_open(txn, st->dbi[DB_DEVICES], &cur))) {
    free(m);
    return rc;
  }
  /* LMDB key order: by_key comes out sorted. */
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    const uint8_t *p = v.mv_data;
    if (k.mv_size != SR_KEY_BYTES || v.mv_size < REC_FIXED) continue;
    if ((p[SR_KEY_BYTES] & (F_CLAIM | F_CERT)) != (F_CLAIM | F_CERT)) continue;
    if (sr_grow((void **)&m->by_key, &cap, m->n + 1, sizeof(*m->by_key), 16)) {
      rc = SR_ENOMEM;
      break;
    }
    pm_row_t *r = &m->by_key[m->n++];
    memcpy(r->key, k.mv_data, SR_KEY_BYTES);
    memcpy(r->person, p, SR_KEY_BYTES);
    r->revoked = !!(p[SR_KEY_BYTES] & F_REVOKED);
    r->upto = sr_be64_get(p + SR_KEY_BYTES + 9);
  }
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND) {
    sr_personmap_free(m);
    return rc;
  }
  if (m->n) {
    if (!(m->by_person = malloc(m->n * sizeof(*m->by_person)))) {
      sr_personmap_free(m);
      return SR_ENOMEM;
    }
    memcpy(m->by_person, m->by_key, m->n * sizeof(*m->by_key));
    qsort(m->by_person, m->n, sizeof(*m->by_person), cmp_by_person);
  }
  *out = m;
  return 0;
}

int sr_store_personmap(sr_store_t *st, sr_personmap_t **out) {
  MDB_txn *txn;
  int rc = sr_store_txn_begin(st, MDB_RDONLY, &txn);
  *out = NULL;
  if (rc) return rc;
  rc = sr_store_personmap_in(st, txn, out);
  sr_store_txn_abort(st, txn);
  if (rc == SR_ENOMEM) return rc;
  return rc ? sr_store_fail(st, "read the devices", rc) : 0;
}

static int cmp_row_key(const void *key, const void *row) {
  return memcmp(key, ((const pm_row_t *)row)->key, SR_KEY_BYTES);
}

const uint8_t *sr_personmap_person(const sr_personmap_t *m, const uint8_t key[SR_KEY_BYTES], uint64_t seq) {
  if (!m || !m->n) return NULL;
  const pm_row_t *r = bsearch(key, m->by_key, m->n, sizeof(*m->by_key), cmp_row_key);
  if (!r || (seq && r->revoked && seq > r->upto)) return NULL;
  return r->person;
}

int sr_personmap_revoked_tail(const sr_personmap_t *m, const uint8_t key[SR_KEY_BYTES], uint64_t seq) {
  if (!m || !m->n) return 0;
  const pm_row_t *r = bsearch(key, m->by_key, m->n, sizeof(*m->by_key), cmp_row_key);
  return r && r->revoked && seq > r->upto;
}

size_t sr_personmap_count(const sr_personmap_t *m) { return m ? m->n : 0; }

void sr_personmap_at(const sr_personmap_t *m, size_t i, const uint8_t **key, const uint8_t **person) {
  if (key) *key = m->by_person[i].key;
  if (person) *person = m->by_person[i].person;
}

size_t sr_personmap_devices(const sr_personmap_t *m, const uint8_t person[SR_KEY_BYTES], size_t *first) {
  size_t lo = 0, hi = m ? m->n : 0, n = 0;
  while (lo < hi) { /* the first row of person */
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(m->by_person[mid].person, person, SR_KEY_BYTES) < 0) lo = mid + 1;
    else
      hi = mid;
  }
  *first = lo;
  while (m && lo + n < m->n && memcmp(m->by_person[lo + n].person, person, SR_KEY_BYTES) == 0) n++;
  return n;
}

void sr_personmap_free(sr_personmap_t *m) {
  if (!m) return;
  free(m->by_key);
  free(m->by_person);
  free(m);
}
