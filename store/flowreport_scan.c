/* flowreport_scan.c: what a flow report counts, read from the store — the flow
 * record of every entry that arrived from a peer in a period — and where this
 * node's last report ended. The count walks every entry's row (its flow
 * record, received_at, from, hops, source, packed in front of the entry's
 * bytes: store/rows.c) in one read transaction and decodes an entry only when
 * its record falls in the period (for its ts): a period holds a fraction of
 * what the store holds, so most entries are never decoded. */
#include "store/store_internal.h"
#include "core/vec.h"
#include "core/flowstats.h"
#include <stdlib.h>
#include <string.h>

static int count_one(sr_store_t *st, MDB_txn *txn, const uint8_t *id, const MDB_val *raw, const sr_flow_t *f,
                     void *arg) {
  sr_flowreport_t *r = arg;
  sr_entry_t e;
  (void)st, (void)txn, (void)id;
  /* Own and imported entries did not flow here through the network. */
  if (f->source != SR_SRC_PEER || f->received_at < r->period_start || f->received_at >= r->period_end) return 0;
  if (sr_entry_decode(raw->mv_data, raw->mv_size, &e)) return 0; /* verify reports it; a report skips it */
  sr_flowreport_count(r, f->hops, (int64_t)f->received_at - (int64_t)e.ts);
  return 0;
}

int sr_store_flow_count(sr_store_t *st, sr_flowreport_t *r) {
  return sr_store_scan_ids(st, "count the flow records", count_one, r);
}

typedef struct {
  uint64_t end;
} last_t;

static int last_one(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  last_t *l = ctx;
  sr_flowreport_t r;
  (void)f;
  if (!sr_flowreport_is_type(e->type, e->type_len)) return 0;
  if (sr_flowreport_parse(e->content, e->content_len, &r, NULL, 0) == 0 && r.period_end > l->end) l->end = r.period_end;
  return 0;
}

int sr_store_flow_last_end(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t *end) {
  last_t l = {0};
  int rc = sr_store_foreach_entry(st, author, last_one, &l);
  *end = l.end;
  return rc;
}

uint64_t sr_store_flow_next_start(sr_store_t *st, const uint8_t author[SR_KEY_BYTES], uint64_t now,
                                  uint64_t interval_ms) {
  uint64_t last = 0, floor = now > interval_ms ? now - interval_ms : 0;
  if (sr_store_flow_last_end(st, author, &last) != 0) last = 0; /* unreadable: one interval, as at first */
  return last > floor ? last : floor;
}

/* ---- the flow reports held (sr_store_flow_reports) ---- */

typedef struct {
  sr_flowheld_t *v;
  size_t n, cap, bad, later;
} held_list_t;

static int collect(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  held_list_t *l = ctx;
  (void)f;
  if (!sr_flowreport_is_type(e->type, e->type_len)) return 0;
  int grc = sr_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64);
  if (grc) return grc;
  sr_flowheld_t *h = &l->v[l->n];
  int prc = sr_flowreport_parse(e->content, e->content_len, &h->r, NULL, 0);
  if (prc == SR_EVERSION) {
    l->later++; /* a later version of the format: valid, not in our layout */
    return 0;
  }
  if (prc != 0) {
    l->bad++; /* stored before this node checked the schema */
    return 0;
  }
  memcpy(h->author, e->author, SR_KEY_BYTES);
  memcpy(h->id, e->id, SR_ID_BYTES);
  h->seq = e->seq;
  l->n++;
  return 0;
}

int sr_store_flow_reports(sr_store_t *st, sr_flowheld_t **held, size_t *n, size_t *bad, size_t *later) {
  held_list_t l = {0};
  int rc = sr_store_foreach_entry(st, NULL, collect, &l);
  if (rc) {
    free(l.v);
    l.v = NULL;
    l.n = 0;
  }
  *held = l.v;
  *n = l.n;
  *bad = l.bad;
  *later = l.later;
  return rc;
}
