/* entry_json.c: the JSON of entries, logs, the graph and one entry's flow
 * (entry_json.h), moved here from the CLI so that `seurone ... --json` and the
 * web API (node/view*.c) build it with the same code. */
#include "node/entry_json.h"
#include "core/key.h"
#include "core/canon.h"
#include "core/hex.h"
#include "store/devices.h"
#include "store/read.h"
#include <stdio.h>
#include <string.h>

json_t *sr_json_hex(const uint8_t *b, size_t len) {
  char buf[2 * SR_ENTRY_MAX + 1];
  if (len > SR_ENTRY_MAX) return json_null();
  sr_hex_encode(b, len, buf);
  return json_string(buf);
}

/* mp passed sr_canon_check (sr_json_from_msgpack): a read that fails here is
 * not reached, and gives null as a value that is not canonical does. */
static json_t *from_mp(sr_mp_t *mp) {
  uint32_t n, len;
  const char *s;
  const uint8_t *b;
  uint64_t u;
  json_t *out;
  switch (sr_mp_peek(mp)) {
    case SR_MP_NIL:
      if (sr_mp_nil(mp)) { /* null either way */
      }
      return json_null();
    case SR_MP_BOOL:
      return json_boolean(*mp->p++ == 0xc3);
    case SR_MP_UINT:
      if (sr_mp_uint(mp, &u)) return json_null();
      if (u <= (uint64_t)INT64_MAX) return json_integer((json_int_t)u);
      {
        char num[24];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)u);
        return json_string(num);
      }
    case SR_MP_INT: {
      /* Negative ints: decode by hand (sr_mp reads unsigned only). */
      uint8_t t = *mp->p;
      int64_t v;
      if (t >= 0xe0) {
        v = (int8_t)t;
        mp->p++;
      } else {
        int bytes = 1 << (t - 0xd0);
        uint64_t raw = 0;
        for (int i = 1; i <= bytes; i++) raw = raw << 8 | mp->p[i];
        v = bytes == 1 ? (int8_t)raw : bytes == 2 ? (int16_t)raw : bytes == 4 ? (int32_t)raw : (int64_t)raw;
        mp->p += 1 + bytes;
      }
      return json_integer(v);
    }
    case SR_MP_STR:
      return sr_mp_str(mp, &s, &len) ? json_null() : json_stringn(s, len);
    case SR_MP_BIN:
      return sr_mp_bin(mp, &b, &len) ? json_null() : sr_json_hex(b, len);
    case SR_MP_ARRAY:
      if (sr_mp_array(mp, &n)) return json_null();
      out = json_array();
      for (uint32_t i = 0; i < n; i++) json_array_append_new(out, from_mp(mp));
      return out;
    case SR_MP_MAP:
      if (sr_mp_map(mp, &n)) return json_null();
      out = json_object();
      for (uint32_t i = 0; i < n; i++) {
        char key[SR_ENTRY_MAX + 1];
        if (sr_mp_str(mp, &s, &len)) { /* a key that is no string: canon_check refuses it */
          json_decref(out);
          return json_null();
        }
        memcpy(key, s, len);
        key[len] = '\0';
        json_object_set_new(out, key, from_mp(mp));
      }
      return out;
    default:
      if (sr_mp_skip(mp)) { /* null either way */
      }
      return json_null();
  }
}

json_t *sr_json_from_msgpack(const uint8_t *buf, size_t len) {
  sr_mp_t mp;
  if (sr_canon_check(buf, len, SR_CANON_MAX_DEPTH, NULL) != 0) return json_null();
  sr_mp_init(&mp, buf, len);
  return from_mp(&mp);
}

json_t *sr_json_entry(const sr_entry_t *e, const sr_flow_t *f) {
  json_t *o = json_object();
  json_object_set_new(o, "id", sr_json_hex(e->id, SR_ID_BYTES));
  json_object_set_new(o, "author", sr_json_hex(e->author, SR_KEY_BYTES));
  json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
  json_object_set_new(o, "prev", e->has_prev ? sr_json_hex(e->prev, SR_ID_BYTES) : json_null());
  json_object_set_new(o, "ts", json_integer((json_int_t)e->ts));
  json_object_set_new(o, "type", json_stringn(e->type, e->type_len));
  json_object_set_new(o, "content", sr_json_from_msgpack(e->content, e->content_len));
  if (f) {
    static const uint8_t zero[SR_KEY_BYTES];
    json_object_set_new(o, "received_at", json_integer((json_int_t)f->received_at));
    json_object_set_new(o, "source", json_string(sr_source_name(f->source)));
    json_object_set_new(o, "from",
                        memcmp(f->from, zero, SR_KEY_BYTES) ? sr_json_hex(f->from, SR_KEY_BYTES) : json_null());
    json_object_set_new(o, "hops", json_integer(f->hops));
  }
  return o;
}

json_t *sr_json_author_name(sr_store_t *st, const uint8_t author[SR_KEY_BYTES]) {
  char name[SR_ENTRY_MAX + 1];
  size_t len;
  return sr_store_get_name(st, author, name, sizeof(name), &len) == 0 ? json_stringn(name, len) : json_null();
}

json_t *sr_json_person_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  char name[SR_ENTRY_MAX + 1];
  size_t len = 0;
  int found = 0;
  return sr_store_person_name(st, key, name, sizeof(name), &len, &found) == 0 && found ? json_stringn(name, len)
                                                                                       : json_null();
}

int sr_json_set_author(sr_store_t *st, json_t *o, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint8_t *person) {
  uint8_t p[SR_KEY_BYTES];
  sr_device_t d;
  int found = 0, rc = sr_store_person_of(st, author, seq, p);
  if (rc) return rc;
  int device = memcmp(p, author, SR_KEY_BYTES) != 0;
  if (device && (rc = sr_store_device_get(st, author, &d, &found))) return rc;
  /* a key that is its own person keeps the name it always had (sr_store_get_name) */
  if (json_object_set_new(o, "author", sr_json_hex(p, SR_KEY_BYTES)) ||
      json_object_set_new(o, "author_name", device ? sr_json_person_name(st, p) : sr_json_author_name(st, p)) ||
      json_object_set_new(o, "device", device ? sr_json_hex(author, SR_KEY_BYTES) : json_null()) ||
      json_object_set_new(o, "device_name", device && found && d.name[0] ? json_string(d.name) : json_null()))
    return SR_ENOMEM;
  if (person) memcpy(person, p, SR_KEY_BYTES);
  return 0;
}

json_t *sr_json_log_item(sr_store_t *st, const sr_entry_t *e, const sr_flow_t *f) {
  json_t *o = sr_json_entry(e, f);
  if (o && sr_json_set_author(st, o, e->author, e->seq, NULL)) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* ---- graph ---- */

typedef struct {
  json_t *people, *projects, *edges, *forked;
  sr_store_t *st;
  sr_personmap_t *pm; /* the device bindings: a device key is its person in the graph */
} graph_t;

/* A person (never a bound device key: it is listed in its person's "devices"). */
static int graph_person(void *ctx, const sr_person_t *p) {
  graph_t *g = ctx;
  char hex[SR_HEX_KEY_LEN + 1], name[SR_ENTRY_MAX + 1];
  size_t first, nd = sr_personmap_devices(g->pm, p->key, &first), len = 0;
  int found = 0;
  json_t *devs = json_array(), *nm;
  if (!devs) return SR_ENOMEM;
  if (sr_personmap_person(g->pm, p->key, 0)) {
    json_decref(devs);
    return 0;
  }
  for (size_t i = 0; i < nd; i++) {
    const uint8_t *dev;
    sr_personmap_at(g->pm, first + i, &dev, NULL);
    json_array_append_new(devs, sr_json_hex(dev, SR_KEY_BYTES));
  }
  /* the person's name: the newest about among its keys */
  if (nd && sr_store_person_name(g->st, p->key, name, sizeof(name), &len, &found) == 0 && found)
    nm = json_stringn(name, len);
  else
    nm = p->name ? json_stringn(p->name, p->name_len) : json_null();
  sr_hex_encode(p->key, SR_KEY_LEN, hex);
  return json_array_append_new(g->people, json_pack("{s:s, s:o, s:I, s:b, s:b, s:o, s:b}", "id", hex, "name", nm, "seq",
                                                    (json_int_t)p->seq, "forked", p->forked, "self", p->is_self,
                                                    "devices", devs, "log_held", p->seq > 0))
             ? SR_ENOMEM
             : 0;
}

static int graph_project(void *ctx, const sr_project_t *p) {
  graph_t *g = ctx;
  char hex[SR_HEX_KEY_LEN + 1], ahex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(p->id, SR_KEY_LEN, hex);
  if (p->author) sr_hex_encode(p->author, SR_KEY_LEN, ahex);
  return json_array_append_new(g->projects, json_pack("{s:s, s:o, s:o}", "id", hex, "name",
                                                      p->name ? json_stringn(p->name, p->name_len) : json_null(),
                                                      "author", p->author ? json_string(ahex) : json_null()))
             ? SR_ENOMEM
             : 0;
}

/* An edge between persons: a device key's edge is its person's (a key that
 * is its own person: as stored). Two keys of one person with one edge give
 * one; an edge of a person to itself (a device following its person) none. */
static int graph_edge(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  graph_t *g = ctx;
  char s[SR_HEX_KEY_LEN + 1], d[SR_HEX_KEY_LEN + 1];
  const uint8_t *ps = sr_personmap_person(g->pm, src, 0),
                *pd = kind == SR_EDGE_FOLLOW || kind == SR_EDGE_BLOCK ? sr_personmap_person(g->pm, dst, 0) : NULL;
  json_t *arr, *e;
  size_t i;
  if (kind < 1 || kind > SR_EDGE_KINDS) return 0;
  arr = json_object_get(g->edges, sr_edge_kind_name(kind));
  sr_hex_encode(ps ? ps : src, SR_KEY_LEN, s);
  sr_hex_encode(pd ? pd : dst, SR_KEY_LEN, d);
  if ((ps || pd) && !strcmp(s, d)) return 0;
  if (ps || pd) /* rare (edges of devices): the array is walked for the same pair */
    json_array_foreach(arr, i, e) if (!strcmp(json_string_value(json_array_get(e, 0)), s) &&
                                      !strcmp(json_string_value(json_array_get(e, 1)), d)) return 0;
  return json_array_append_new(arr, json_pack("[s,s]", s, d)) ? SR_ENOMEM : 0;
}

static int graph_forked(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id,
                        const uint8_t *fork_id) {
  graph_t *g = ctx;
  char a[SR_HEX_KEY_LEN + 1], h[SR_HEX_KEY_LEN + 1], f[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(author, SR_KEY_LEN, a);
  sr_hex_encode(fork_id, SR_KEY_LEN, f);
  if (head_id) sr_hex_encode(head_id, SR_KEY_LEN, h);
  return json_array_append_new(g->forked, json_pack("{s:s, s:I, s:o, s:s}", "author", a, "seq", (json_int_t)seq, "head",
                                                    head_id ? json_string(h) : json_null(), "fork", f))
             ? SR_ENOMEM
             : 0;
}

int sr_json_graph(sr_store_t *st, json_t **out) {
  graph_t g = {json_array(), json_array(), json_object(), json_array(), st, NULL};
  int rc = g.people && g.projects && g.edges && g.forked ? 0 : SR_ENOMEM;
  if (!rc) rc = sr_store_personmap(st, &g.pm);
  for (int k = 1; k <= SR_EDGE_KINDS && !rc; k++)
    if (json_object_set_new(g.edges, sr_edge_kind_name(k), json_array())) rc = SR_ENOMEM;
  if (!rc) rc = sr_store_foreach_person(st, graph_person, &g);
  if (!rc) rc = sr_store_foreach_project(st, graph_project, &g);
  if (!rc) rc = sr_store_foreach_edge(st, graph_edge, &g);
  if (!rc) rc = sr_store_foreach_fork(st, graph_forked, &g);
  sr_personmap_free(g.pm);
  if (rc) {
    json_decref(g.people);
    json_decref(g.projects);
    json_decref(g.edges);
    json_decref(g.forked);
    return rc;
  }
  *out = json_pack("{s:o, s:o, s:o, s:o}", "people", g.people, "projects", g.projects, "edges", g.edges,
                   "forked_authors", g.forked);
  return *out ? 0 : SR_ENOMEM;
}

/* ---- forks (status) ---- */

json_t *sr_json_forked_authors(sr_store_t *st, const uint8_t (*keys)[SR_KEY_BYTES], size_t n,
                               const uint8_t self[SR_KEY_BYTES]) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < n; i++) {
    sr_head_t h;
    if (sr_store_get_head(st, keys[i], &h)) memset(&h, 0, sizeof(h));
    if (json_array_append_new(arr, json_pack("{s:o, s:o, s:I, s:b}", "id", sr_json_hex(keys[i], SR_KEY_BYTES), "name",
                                             sr_json_author_name(st, keys[i]), "seq", (json_int_t)h.seq, "self",
                                             memcmp(keys[i], self, SR_KEY_BYTES) == 0))) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

json_t *sr_json_self_fork(const sr_self_fork_t *sf) {
  char msg[700];
  if (!sf->set) return json_null();
  sr_self_fork_sentence(sf, msg, sizeof(msg));
  return json_pack("{s:s, s:I, s:o, s:o, s:I, s:s}", "reason", sr_self_fork_reason_name(sf->reason), "seq",
                   (json_int_t)sf->seq, "id", sr_json_hex(sf->id, SR_ID_BYTES), "from",
                   sr_json_hex(sf->from, SR_KEY_BYTES), "at", (json_int_t)sf->at_ms, "message", msg);
}

json_t *sr_json_restore_gate(const sr_restore_gate_t *g, uint64_t head) {
  char msg[800];
  if (!g->set) return json_null();
  sr_restore_gate_sentence(g, head, msg, sizeof(msg));
  return json_pack("{s:I, s:b, s:o, s:o, s:I, s:s}", "since", (json_int_t)g->at_ms, "paper", g->paper, "peer_head",
                   g->want ? json_integer((json_int_t)g->want) : json_null(), "from",
                   g->want ? sr_json_hex(g->from, SR_KEY_BYTES) : json_null(), "head", (json_int_t)head, "message",
                   msg);
}

/* ---- flow entry ---- */

json_t *sr_json_flow_entry(const sr_entry_t *e, const sr_flow_t *f, const sr_flowforest_t *x) {
  uint32_t reshares = 0;
  int64_t reach = sr_flowforest_reach(x, e->id, e->author, &reshares);
  if (reach < 0) return NULL;
  int64_t d = (int64_t)f->received_at - (int64_t)e->ts;
  json_t *o = sr_json_entry(e, f);
  if (!o) return NULL;
  json_object_del(o, "content");
  json_object_set_new(o, "latency_ms", json_integer(d < 0 ? 0 : d));
  json_object_set_new(o, "skewed", json_boolean(d < 0));
  json_object_set_new(o, "reach", json_integer((json_int_t)reach));
  json_object_set_new(o, "reshares", json_integer((json_int_t)reshares));
  return o;
}
