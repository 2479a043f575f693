/* test_flowreport_schema.c (part of test_flowreport): the strict schema of a
 * flow report — a valid report's object tree mutated one way at a time and
 * re-encoded canonically, with the same verdict from sr_flowreport_parse and
 * from the entry checker (sr_content_parse, sr_entry_check). */
#include "tests/unit/test_flowreport.h"
#include <stddef.h>

/* ---- schema: mutate a valid report's object tree, re-encode canonically ---- */

static const uint8_t KEY32[SR_KEY_BYTES] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

typedef struct {
  msgpack_object_kv kv[12];
  uint32_t n;
  msgpack_object extra[8];
  msgpack_object_kv extra_kv[2];
} tree_t;

static msgpack_object *val_of(tree_t *t, const char *key) {
  for (uint32_t i = 0; i < t->n; i++)
    if (t->kv[i].key.via.str.size == strlen(key) && !memcmp(t->kv[i].key.via.str.ptr, key, strlen(key)))
      return &t->kv[i].val;
  t_fail(__FILE__, __LINE__, "no key %s", key);
}

static void set_bin32(msgpack_object *o) {
  o->type = MSGPACK_OBJECT_BIN;
  o->via.bin.ptr = (const char *)KEY32;
  o->via.bin.size = SR_KEY_BYTES;
}

static void set_str(msgpack_object *o, const char *s) {
  o->type = MSGPACK_OBJECT_STR;
  o->via.str.ptr = s;
  o->via.str.size = (uint32_t)strlen(s);
}

static void set_int(msgpack_object *o, int64_t v) {
  if (v >= 0) {
    o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    o->via.u64 = (uint64_t)v;
  } else {
    o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    o->via.i64 = v;
  }
}

static msgpack_object *add_key(tree_t *t, const char *key) {
  msgpack_object_kv *kv = &t->kv[t->n++];
  set_str(&kv->key, key);
  return &kv->val;
}

static void drop_key(tree_t *t, const char *key) {
  msgpack_object *v = val_of(t, key);
  msgpack_object_kv *kv = (msgpack_object_kv *)((char *)v - offsetof(msgpack_object_kv, val));
  *kv = t->kv[--t->n];
}

enum mut {
  M_NONE,
  M_WHO_BIN,
  M_HOPS_BIN,
  M_NESTED_BIN,
  M_NUMBERS_ONLY,
  M_NAME_STR,
  M_HOPS_16,
  M_HOPS_18,
  M_LAT_SHORT,
  M_EDGE_NEG,
  M_EDGE_ZERO,
  M_EDGE_ORDER,
  M_V2,
  M_V2_NAMED,
  M_V0,
  M_EPS_0,
  M_EPS_BIG,
  M_NO_SKEWED,
  M_PERIOD,
  M_COUNT_BIG,
  M_COUNT_NEG,
  M_EDGES_EMPTY,
  M_BIN16_EXTRA,
  M_EPS_NEG
};

/* Encodes the sample report with one mutation and returns the parser's verdict. */
static int parse_mutated(enum mut m, char *why, size_t whylen) {
  sr_flowreport_t r = sample(), out;
  t_buf_t b, c;
  msgpack_unpacked u;
  tree_t t;
  msgpack_object *v;
  msgpack_object big[40];
  encode(&r, &b);
  msgpack_unpacked_init(&u);
  T_EQ(msgpack_unpack_next(&u, (const char *)T_DATA(&b), T_SIZE(&b), NULL), MSGPACK_UNPACK_SUCCESS);
  T_EQ(u.data.type, MSGPACK_OBJECT_MAP);
  t.n = u.data.via.map.size;
  memcpy(t.kv, u.data.via.map.ptr, t.n * sizeof(msgpack_object_kv));
  switch (m) {
    case M_NONE:
      break;
    case M_WHO_BIN:
      set_bin32(add_key(&t, "who"));
      break;
    case M_HOPS_BIN:
      set_bin32(&val_of(&t, "hops")->via.array.ptr[3]);
      break;
    case M_NESTED_BIN:
    case M_NUMBERS_ONLY:
      /* extra: [1, {"a": bin32 | -3}] */
      v = add_key(&t, "extra");
      set_int(&t.extra[0], 1);
      t.extra[1].type = MSGPACK_OBJECT_MAP;
      t.extra[1].via.map.ptr = t.extra_kv;
      t.extra[1].via.map.size = 1;
      set_str(&t.extra_kv[0].key, "a");
      if (m == M_NESTED_BIN) set_bin32(&t.extra_kv[0].val);
      else
        set_int(&t.extra_kv[0].val, -3);
      v->type = MSGPACK_OBJECT_ARRAY;
      v->via.array.ptr = t.extra;
      v->via.array.size = 2;
      break;
    case M_BIN16_EXTRA:
      set_bin32(add_key(&t, "salt"));
      t.kv[t.n - 1].val.via.bin.size = 16;
      break;
    case M_NAME_STR:
      set_str(add_key(&t, "note"), "alice");
      break;
    case M_HOPS_16:
      val_of(&t, "hops")->via.array.size = 16;
      break;
    case M_HOPS_18: {
      msgpack_object *h = val_of(&t, "hops");
      memcpy(big, h->via.array.ptr, 17 * sizeof(msgpack_object));
      set_int(&big[17], 4);
      h->via.array.ptr = big;
      h->via.array.size = 18;
      break;
    }
    case M_LAT_SHORT:
      val_of(&t, "latency_ms")->via.array.size = SR_FLOWREPORT_LAT - 1;
      break;
    case M_EDGE_NEG:
      set_int(&val_of(&t, "latency_edges")->via.array.ptr[0], -50);
      break;
    case M_EDGE_ZERO:
      set_int(&val_of(&t, "latency_edges")->via.array.ptr[0], 0);
      break;
    case M_EDGE_ORDER:
      set_int(&val_of(&t, "latency_edges")->via.array.ptr[4], 100);
      break;
    case M_EDGES_EMPTY:
      val_of(&t, "latency_edges")->via.array.size = 0;
      val_of(&t, "latency_ms")->via.array.size = 1;
      break;
    case M_V2: /* a later version, with a layout of its own */
      set_int(val_of(&t, "v"), 2);
      val_of(&t, "hops")->via.array.size = 16;
      break;
    case M_V2_NAMED:
      set_int(val_of(&t, "v"), 2);
      set_str(add_key(&t, "note"), "alice");
      break;
    case M_V0:
      set_int(val_of(&t, "v"), 0);
      break;
    case M_EPS_0:
      set_int(val_of(&t, "epsilon_milli"), 0);
      break;
    case M_EPS_BIG:
      set_int(val_of(&t, "epsilon_milli"), 10001);
      break;
    case M_EPS_NEG:
      set_int(val_of(&t, "epsilon_milli"), -1000);
      break;
    case M_NO_SKEWED:
      drop_key(&t, "skewed");
      break;
    case M_PERIOD:
      set_int(val_of(&t, "period_start"), (int64_t)r.period_end);
      break;
    case M_COUNT_BIG:
      set_int(&val_of(&t, "hops")->via.array.ptr[0], (1ll << 40) + 1);
      break;
    case M_COUNT_NEG:
      set_int(&val_of(&t, "hops")->via.array.ptr[0], -(1ll << 40));
      break;
  }
  msgpack_object root = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = t.n, .ptr = t.kv}};
  t_buf_init(&c);
  T_OK(sr_canon_encode(&c.pk, &root, SR_CANON_MAX_DEPTH));
  int rc = sr_flowreport_parse(T_DATA(&c), T_SIZE(&c), &out, why, whylen);
  /* The same verdict through the content schema of an entry of this type. */
  t_author_t a;
  sr_entry_t e;
  uint8_t raw[SR_ENTRY_MAX];
  size_t len;
  char why2[200];
  sr_content_t ct;
  t_author_init(&a, 0x42);
  int erc = sr_entry_create(a.sk, 1, NULL, NOW, SR_FLOWREPORT_TYPE, T_DATA(&c), T_SIZE(&c), raw, sizeof(raw), &len, &e);
  T_OK(erc);                          /* creation checks only the canonical map; the schema is the checker's */
  if (rc == 0 || rc == SR_EVERSION) { /* a later version is kept, not interpreted */
    T_OK(sr_entry_check(raw, len, &e, why2, sizeof(why2)));
    T_OK(sr_content_parse(&e, &ct, why2, sizeof(why2)));
    T_EQ(ct.type, SR_CT_FLOW_REPORT);
  } else {
    T_EQ(sr_entry_check(raw, len, &e, why2, sizeof(why2)), SR_ECONTENT);
    T_HAS(why2, "flow-report");
  }
  msgpack_unpacked_destroy(&u);
  t_buf_free(&b);
  t_buf_free(&c);
  return rc;
}

#define ACCEPTS(m)                                                                                                     \
  do {                                                                                                                 \
    char w_[200];                                                                                                      \
    T_OK(parse_mutated((m), w_, sizeof(w_)));                                                                          \
  } while (0)
#define REJECTS(m, word)                                                                                               \
  do {                                                                                                                 \
    char w_[200];                                                                                                      \
    T_EQ(parse_mutated((m), w_, sizeof(w_)), SR_ECONTENT);                                                             \
    T_HAS(w_, (word));                                                                                                 \
  } while (0)

void schema_strict(void) {
  ACCEPTS(M_NONE);
  ACCEPTS(M_NUMBERS_ONLY); /* a later version may add numeric keys */
  ACCEPTS(M_COUNT_NEG);
  /* never names a person: no binary (of any length) or string anywhere */
  REJECTS(M_WHO_BIN, "who");
  REJECTS(M_HOPS_BIN, "hops");
  REJECTS(M_NESTED_BIN, "extra");
  REJECTS(M_BIN16_EXTRA, "salt");
  REJECTS(M_NAME_STR, "note");
  /* lengths */
  REJECTS(M_HOPS_16, "hops");
  REJECTS(M_HOPS_18, "hops");
  REJECTS(M_LAT_SHORT, "one count more");
  REJECTS(M_EDGES_EMPTY, "latency");
  /* edges */
  REJECTS(M_EDGE_NEG, "latency_edges");
  REJECTS(M_EDGE_ZERO, "latency_edges");
  REJECTS(M_EDGE_ORDER, "increasing");
  /* scalars and bounds */
  REJECTS(M_V0, "v must be 1");
  /* a later version: valid if it names nobody (refusing it would stop
   * replicating its author), but not parsed into this layout */
  {
    char w_[200];
    T_EQ(parse_mutated(M_V2, w_, sizeof(w_)), SR_EVERSION);
  }
  REJECTS(M_V2_NAMED, "names anyone");
  REJECTS(M_EPS_0, "epsilon_milli");
  REJECTS(M_EPS_BIG, "epsilon_milli");
  REJECTS(M_EPS_NEG, "epsilon_milli");
  REJECTS(M_NO_SKEWED, "needs skewed");
  REJECTS(M_PERIOD, "before period_end");
  REJECTS(M_COUNT_BIG, "hops");
  /* bytes that are not canonical (keys out of order) are refused before anything */
  const uint8_t unsorted[] = {0x82, 0xa1, 'v', 0x01, 0xa4, 'h', 'o', 'p', 's', 0x90};
  char why[200];
  sr_flowreport_t r;
  T_EQ(sr_flowreport_parse(unsorted, sizeof(unsorted), &r, why, sizeof(why)), SR_ECONTENT);
  T_HAS(why, "canonical");
}
