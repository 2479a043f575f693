/* members.c: a relay's members and invites for its operator (members.h): the
 * JSON that `seurone members` and `invite list` print, finding a member or an
 * invite by what a person types, and the running node's jobs for them.
 *
 * Removing a member, on the running node: the record is written on the queue
 * of small writes (job.c), then the scope is recomputed (the key is kept out
 * of it, store/scope.h), and only once the new scope is in place are the
 * member's sessions ended and the caller answered: from then on nothing of
 * the member is taken (gossip takes only authors of the scope), forwarded or
 * served, and a session it opens again is ended at hello (peer_table.c asks
 * sr_node_member_removed).
 */
#include "node/members.h"
#include "store/usage.h"
#include "core/core.h"
#include "core/vec.h"
#include "node/daemon_internal.h"
#include "store/read.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the store ---- */

/* From the usage table the ingest keeps (store/usage.h): no read of the log. */
int sr_member_usage(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t *entries, uint64_t *bytes) {
  sr_usage_t u;
  int rc = sr_usage_get(st, key, 0, &u);
  if (rc) return rc;
  *entries = u.entries;
  *bytes = u.bytes;
  return 0;
}

int sr_invite_ttl_parse(const char *s, uint64_t *ttl_ms) {
  uint64_t v = 0, unit;
  const char *p = s;
  if (!s) return SR_EINVAL;
  if (!strcmp(s, "never")) {
    *ttl_ms = 0;
    return 0;
  }
  if (!isdigit((unsigned char)*p)) return SR_EINVAL;
  for (; isdigit((unsigned char)*p); p++) {
    v = v * 10 + (uint64_t)(*p - '0');
    if (v > 1000000) return SR_EINVAL;
  }
  unit = !strcmp(p, "m") ? 60000ull : !strcmp(p, "h") ? 3600000ull : !strcmp(p, "d") ? 86400000ull : 0;
  if (!unit || v == 0 || v * unit > SR_INVITE_TTL_MAX_MS) return SR_EINVAL;
  *ttl_ms = v * unit;
  return 0;
}

/* key's about name as a JSON string, or null. */
static json_t *name_json(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  static _Thread_local char name[SR_ENTRY_MAX + 1];
  size_t len = 0;
  if (sr_store_get_name(st, key, name, sizeof(name), &len) != 0 || len >= sizeof(name)) return json_null();
  json_t *j = json_stringn(name, len); /* an about entry's text is UTF-8 (core/canon) */
  return j ? j : json_null();
}

/* When key was last heard of: its last session in the peer table, or the
 * receipt of its newest entry, the later of the two (0: neither). */
static uint64_t last_seen(sr_store_t *st, const uint8_t key[SR_KEY_BYTES]) {
  static _Thread_local uint8_t buf[SR_ENTRY_MAX];
  static _Thread_local sr_peer_rec_t p;
  uint64_t t = 0;
  sr_head_t h;
  sr_flow_t f;
  size_t len;
  if (sr_store_peer_get(st, key, &p) == 0) t = p.last_seen_ms;
  if (sr_store_get_head(st, key, &h) == 0 && h.seq &&
      sr_store_get_by_seq(st, key, h.seq, buf, sizeof(buf), &len, &f) == 0 && f.received_at > t)
    t = f.received_at;
  return t;
}

static json_t *ms_or_null(uint64_t ms) { return ms ? json_integer((json_int_t)ms) : json_null(); }

typedef struct {
  sr_store_t *st;
  json_t *arr;
  int rc;
} list_ctx_t;

static int member_row(void *ctx, const sr_member_rec_t *m) {
  list_ctx_t *c = ctx;
  char hex[SR_HEX_KEY_LEN + 1], inv[SR_INVITE_ID_HEX + 1];
  uint64_t entries = 0, bytes = 0;
  if ((c->rc = sr_member_usage(c->st, m->key, &entries, &bytes))) return 1;
  sr_hex_encode(m->key, SR_KEY_BYTES, hex);
  sr_hex_encode(m->invite, SR_INVITE_ID_BYTES, inv);
  json_t *o = json_pack("{s:s, s:o, s:I, s:I, s:o, s:I, s:o, s:b}", "key", hex, "name", name_json(c->st, m->key),
                        "disk_bytes", (json_int_t)bytes, "entries", (json_int_t)entries, "last_seen_ms",
                        ms_or_null(last_seen(c->st, m->key)), "joined_ms", (json_int_t)m->joined_ms, "invite",
                        m->invite_known ? json_string(inv) : json_null(), "connected", 0);
  if (!o || json_array_append_new(c->arr, o)) {
    c->rc = SR_ENOMEM;
    return 1;
  }
  return 0;
}

int sr_members_json(sr_store_t *st, json_t **out) {
  list_ctx_t c = {st, json_array(), 0};
  int rc;
  *out = NULL;
  if (!c.arr) return SR_ENOMEM;
  rc = sr_store_foreach_member(st, 0, member_row, &c);
  if (rc < 0 || c.rc) {
    json_decref(c.arr);
    return c.rc ? c.rc : rc;
  }
  *out = c.arr;
  return 0;
}

/* The members who redeemed an invite are found by a walk over the members
 * for each invite: a relay has tens of invites and members, not thousands. */
typedef struct {
  list_ctx_t *c;
  const uint8_t *id;
  json_t *who;
} used_ctx_t;

static int used_row(void *ctx, const sr_member_rec_t *m) {
  used_ctx_t *u = ctx;
  char hex[SR_HEX_KEY_LEN + 1];
  if (!m->invite_known || memcmp(m->invite, u->id, SR_INVITE_ID_BYTES) != 0) return 0;
  sr_hex_encode(m->key, SR_KEY_BYTES, hex);
  json_t *o =
      json_pack("{s:s, s:o, s:b}", "key", hex, "name", name_json(u->c->st, m->key), "removed", m->removed_ms != 0);
  if (!o || json_array_append_new(u->who, o)) {
    u->c->rc = SR_ENOMEM;
    return 1;
  }
  return 0;
}

typedef struct {
  list_ctx_t c;
  uint64_t now;
  sr_invite_rec_t *recs; /* copied out: members are read in another transaction */
  size_t n, cap;
} invites_ctx_t;

static int invite_row(void *ctx, const sr_invite_rec_t *r) {
  invites_ctx_t *a = ctx;
  if (a->n == a->cap) {
    size_t ncap = sr_grow_cap(a->cap, 16);
    if (!ncap || sr_realloc_n((void **)&a->recs, ncap, sizeof(*a->recs))) {
      a->c.rc = SR_ENOMEM;
      return 1;
    }
    a->cap = ncap;
  }
  a->recs[a->n++] = *r;
  return 0;
}

static const char *invite_state(const sr_invite_rec_t *r, uint64_t now) {
  if (r->revoked_ms) return "revoked";
  if (r->expires_ms && now >= r->expires_ms) return "expired";
  return r->uses_left ? "active" : "used up";
}

int sr_invites_json(sr_store_t *st, uint64_t now_ms, json_t **out) {
  invites_ctx_t a = {{st, json_array(), 0}, now_ms, NULL, 0, 0};
  char hex[SR_INVITE_ID_HEX + 1];
  int rc = 0;
  *out = NULL;
  if (!a.c.arr) return SR_ENOMEM;
  if ((rc = sr_store_foreach_invite(st, invite_row, &a)) < 0 || (rc = a.c.rc)) goto fail;
  for (size_t i = 0; i < a.n; i++) {
    sr_invite_rec_t *r = &a.recs[i];
    used_ctx_t u = {&a.c, r->id, json_array()};
    if (!u.who) {
      rc = SR_ENOMEM;
      goto fail;
    }
    if ((rc = sr_store_foreach_member(st, 1, used_row, &u)) < 0 || (rc = a.c.rc)) {
      json_decref(u.who);
      goto fail;
    }
    sr_hex_encode(r->id, SR_INVITE_ID_BYTES, hex);
    json_t *o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:s, s:o}", "id", hex, "uses_left", (json_int_t)r->uses_left,
                          "created_ms", (json_int_t)r->created_ms, "expires_ms", ms_or_null(r->expires_ms),
                          "revoked_ms", ms_or_null(r->revoked_ms), "state", invite_state(r, now_ms), "members", u.who);
    if (!o || json_array_append_new(a.c.arr, o)) {
      rc = SR_ENOMEM;
      goto fail;
    }
  }
  free(a.recs);
  *out = a.c.arr;
  return 0;
fail:
  free(a.recs);
  json_decref(a.c.arr);
  return rc ? rc : SR_ENOMEM;
}

/* Whether arg (min..max hex digits, any case) is a prefix of the hex of bin. */
static int hex_prefix(const char *arg, size_t min, const uint8_t *bin, size_t binlen) {
  char hex[SR_HEX_KEY_LEN + 1];
  size_t len = strlen(arg);
  if (len < min || len > 2 * binlen || binlen > SR_KEY_BYTES) return 0;
  sr_hex_encode(bin, binlen, hex);
  for (size_t i = 0; i < len; i++)
    if (tolower((unsigned char)arg[i]) != hex[i]) return 0;
  return 1;
}

typedef struct {
  sr_store_t *st;
  const char *which;
  int by_name; /* second pass: exact names */
  size_t hits;
  uint8_t key[SR_KEY_BYTES];
  char seen[400]; /* the first candidates' short keys, for the error */
} find_ctx_t;

static int find_row(void *ctx, const sr_member_rec_t *m) {
  find_ctx_t *f = ctx;
  static _Thread_local char name[SR_ENTRY_MAX + 1];
  size_t len = 0;
  int hit;
  if (f->by_name)
    hit = sr_store_get_name(f->st, m->key, name, sizeof(name), &len) == 0 && len < sizeof(name) &&
          strlen(f->which) == len && memcmp(name, f->which, len) == 0;
  else
    hit = hex_prefix(f->which, 8, m->key, SR_KEY_BYTES);
  if (!hit) return 0;
  if (f->hits++ < 5) {
    char hex[SR_HEX_KEY_LEN + 1];
    size_t at = strlen(f->seen);
    sr_hex_encode(m->key, SR_KEY_BYTES, hex);
    snprintf(f->seen + at, sizeof(f->seen) - at, "%s%.16s", at ? ", " : "", hex);
  }
  memcpy(f->key, m->key, SR_KEY_BYTES);
  return 0;
}

int sr_member_find(sr_store_t *st, const char *which, uint8_t key[SR_KEY_BYTES], char *err, size_t errlen) {
  find_ctx_t f;
  sr_member_rec_t m = {0};
  int rc;
  memset(&f, 0, sizeof(f));
  f.st = st;
  f.which = which;
  if (strlen(which) == SR_HEX_KEY_LEN && sr_hex_decode(which, key, SR_KEY_BYTES) == 0) {
    rc = sr_store_member_get(st, key, &m);
    if (rc == SR_ENOTFOUND) {
      snprintf(err, errlen, "%.16s... is not a member of this relay: `seurone members` lists them", which);
      return SR_ENOTMEMBER;
    }
    if (rc) goto store;
    if (m.removed_ms) {
      snprintf(err, errlen, "%.16s... was removed from this relay's members already: nothing to do", which);
      return SR_EMEMBERREMOVED;
    }
    return 0;
  }
  if ((rc = sr_store_foreach_member(st, 0, find_row, &f)) < 0) goto store;
  if (!f.hits) {
    f.by_name = 1;
    if ((rc = sr_store_foreach_member(st, 0, find_row, &f)) < 0) goto store;
  }
  if (f.hits == 1) {
    memcpy(key, f.key, SR_KEY_BYTES);
    return 0;
  }
  /* which is someone's typing: never echoed raw (the CLI escapes err too) */
  if (f.hits)
    snprintf(err, errlen,
             "more than one member matches that (%s%s): give more of the key (`seurone members` "
             "lists them)",
             f.seen, f.hits > 5 ? ", ..." : "");
  else
    snprintf(err, errlen,
             "no member of this relay is that: give a member's key, 8 or more of its first hex digits, or its "
             "name as `seurone members` shows it");
  return f.hits ? SR_EAMBIGUOUS : SR_ENOTMEMBER;
store:
  snprintf(err, errlen, "cannot read the members: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  return rc;
}

typedef struct {
  const char *which;
  size_t hits;
  uint8_t id[SR_INVITE_ID_BYTES];
} ifind_ctx_t;

static int ifind_row(void *ctx, const sr_invite_rec_t *r) {
  ifind_ctx_t *f = ctx;
  if (hex_prefix(f->which, 6, r->id, SR_INVITE_ID_BYTES) && f->hits++ == 0) memcpy(f->id, r->id, SR_INVITE_ID_BYTES);
  return 0;
}

int sr_invite_find(sr_store_t *st, const char *which, uint8_t id[SR_INVITE_ID_BYTES], char *err, size_t errlen) {
  ifind_ctx_t f = {which, 0, {0}};
  int rc = sr_store_foreach_invite(st, ifind_row, &f);
  if (rc < 0) {
    snprintf(err, errlen, "cannot read the invites: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    return rc;
  }
  if (f.hits == 1) {
    memcpy(id, f.id, SR_INVITE_ID_BYTES);
    return 0;
  }
  snprintf(err, errlen,
           f.hits ? "more than one invite has an id that begins so: give all %d digits (`seurone invite list`)"
                  : "no invite of this relay has that id: give the id `seurone invite list` shows (%d hex digits, "
                    "or 6 or more of the first)",
           SR_INVITE_ID_HEX);
  return f.hits ? SR_EAMBIGUOUS : SR_EINVITEID;
}

static int count_row(void *ctx, const sr_member_rec_t *m) {
  (void)m;
  (*(size_t *)ctx)++;
  return 0;
}

int sr_member_count(sr_store_t *st, size_t *n) {
  *n = 0;
  int rc = sr_store_foreach_member(st, 0, count_row, n);
  return rc < 0 ? rc : 0;
}

int sr_members_status(sr_store_t *st, int relay, json_t *doc) {
  size_t n = 0;
  int rc = relay ? sr_member_count(st, &n) : 0;
  if (rc) return rc;
  return json_object_set_new(doc, "members", relay ? json_integer((json_int_t)n) : json_null()) ? SR_ENOMEM : 0;
}

int sr_members_annotate(sr_store_t *st, int relay, json_t *arr) {
  json_t *o;
  size_t i;
  json_array_foreach(arr, i, o) {
    uint8_t key[SR_KEY_BYTES];
    if (sr_hex_decode(json_string_value(json_object_get(o, "key")), key, sizeof(key))) continue;
    int member = relay ? sr_store_is_member(st, key) : 0;
    if (member < 0) return member;
    if (json_object_set_new(o, "name", name_json(st, key)) || json_object_set_new(o, "member", json_boolean(member)))
      return SR_ENOMEM;
  }
  return 0;
}

/* ---- the running node ---- */

typedef struct op {
  sr_node_job_t job; /* first */
  char which[256];
  uint8_t key[SR_KEY_BYTES], id[SR_INVITE_ID_BYTES];
  json_t *out;
  int rc;
  char why[600];
  sr_node_done_cb done;
  void *arg;
} op_t;

static op_t *op_new(const char *which, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  op_t *o;
  if (which && (!which[0] || strlen(which) >= sizeof(o->which))) {
    snprintf(err, errlen, "name what to act on: a key, an id, or a name of at most 255 bytes");
    return NULL;
  }
  if (!(o = calloc(1, sizeof(*o)))) {
    snprintf(err, errlen, "%s", sr_strerror(SR_ENOMEM));
    return NULL;
  }
  if (which) snprintf(o->which, sizeof(o->which), "%s", which);
  o->done = done;
  o->arg = arg;
  return o;
}

/* Answers and frees o: out on success, else the reason. */
static void op_answer(op_t *o, const char *what) {
  char err[800];
  if (o->rc) {
    snprintf(err, sizeof(err), "%s%s", o->why[0] ? "" : what, o->why[0] ? o->why : sr_strerror(o->rc));
    json_decref(o->out);
    o->done(o->arg, o->rc, err, NULL);
  } else
    o->done(o->arg, 0, NULL, o->out);
  free(o);
}

static void members_work(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  json_t *arr = NULL;
  o->rc = sr_members_json(w->n->store, &arr);
  sr_node_store_why(w->n, o->rc, o->why, sizeof(o->why));
  if (!o->rc && !(o->out = json_pack("{s:o}", "members", arr))) o->rc = SR_ENOMEM;
}

/* On the loop: who is connected now is gossip's to say. */
static void members_done(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  sr_node_t *n = w->n;
  json_t *m;
  size_t i;
  uint64_t now = sr_node_now_ms();
  json_array_foreach(json_object_get(o->out, "members"), i, m) {
    uint8_t key[SR_KEY_BYTES];
    if (sr_hex_decode(json_string_value(json_object_get(m, "key")), key, sizeof(key))) continue;
    if (!n->g || !sr_gossip_connected(n->g, key)) continue;
    json_object_set_new(m, "connected", json_true());
    json_object_set_new(m, "last_seen_ms", json_integer((json_int_t)now));
  }
  op_answer(o, "cannot list the members: ");
}

static int not_relay(sr_node_t *n, char *err, size_t errlen) {
  if (n->relay) return 0;
  snprintf(err, errlen,
           "this node is not a relay, so it has no members or invites: start it with `seurone run --relay`");
  return SR_EINVAL;
}

static int run_read(sr_node_t *n, op_t *o, sr_node_job_fn work, sr_node_job_fn done, char *err, size_t errlen) {
  if (sr_node_job_run(n, &o->job, work, done)) {
    free(o);
    snprintf(err, errlen, "%s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  return 0;
}

int sr_node_members(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  op_t *o;
  int rc;
  if ((rc = not_relay(n, err, errlen))) return rc;
  if (!(o = op_new(NULL, done, arg, err, errlen))) return SR_ENOMEM;
  return run_read(n, o, members_work, members_done, err, errlen);
}

static void invites_work(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  json_t *arr = NULL;
  o->rc = sr_invites_json(w->n->store, sr_node_now_ms(), &arr);
  sr_node_store_why(w->n, o->rc, o->why, sizeof(o->why));
  if (!o->rc && !(o->out = json_pack("{s:o}", "invites", arr))) o->rc = SR_ENOMEM;
}

static void invites_done(sr_node_job_t *w) { op_answer((op_t *)w, "cannot list the invites: "); }

int sr_node_invite_list(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  op_t *o;
  int rc;
  if ((rc = not_relay(n, err, errlen))) return rc;
  if (!(o = op_new(NULL, done, arg, err, errlen))) return SR_ENOMEM;
  return run_read(n, o, invites_work, invites_done, err, errlen);
}

static void revoke_work(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  sr_store_t *st = w->n->store;
  if ((o->rc = sr_invite_find(st, o->which, o->id, o->why, sizeof(o->why)))) return;
  if ((o->rc = sr_store_invite_revoke(st, o->id, sr_node_now_ms())) == SR_EEXIST)
    snprintf(o->why, sizeof(o->why), "that invite was revoked already: nothing to do");
  sr_node_store_why(w->n, o->rc, o->why, sizeof(o->why));
}

static void revoke_done(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  char hex[SR_INVITE_ID_HEX + 1];
  if (!o->rc) {
    sr_hex_encode(o->id, SR_INVITE_ID_BYTES, hex);
    sr_node_log(w->n, SR_LOG_INFO, "invite_revoked", "revoked the invite %s", hex);
    if (!(o->out = json_pack("{s:s}", "id", hex))) o->rc = SR_ENOMEM;
  }
  op_answer(o, "cannot revoke the invite: ");
}

int sr_node_invite_revoke(sr_node_t *n, const char *which, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  op_t *o;
  int rc;
  if ((rc = not_relay(n, err, errlen))) return rc;
  if (!(o = op_new(which, done, arg, err, errlen))) return which && which[0] ? SR_ENOMEM : SR_EINVAL;
  sr_node_write(n, &o->job, revoke_work, revoke_done);
  return 0;
}

static void remove_work(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  sr_store_t *st = w->n->store;
  if ((o->rc = sr_member_find(st, o->which, o->key, o->why, sizeof(o->why)))) return;
  o->rc = sr_store_member_remove(st, o->key, sr_node_now_ms());
  sr_node_store_why(w->n, o->rc, o->why, sizeof(o->why));
  if (!o->rc) o->out = json_pack("{s:o}", "name", name_json(st, o->key));
}

/* The scope no longer holds the member: its sessions end now. */
static void removed_in_scope(void *arg) {
  op_t *o = arg;
  sr_node_t *n = o->job.n;
  char hex[SR_HEX_KEY_LEN + 1];
  if (n->g && !n->stopping) sr_gossip_refuse_key(n->g, o->key, SR_EMEMBERREMOVED, "the relay's operator removed it");
  sr_hex_encode(o->key, SR_KEY_BYTES, hex);
  if (!o->out || json_object_set_new(o->out, "key", json_string(hex))) o->rc = SR_ENOMEM;
  op_answer(o, "cannot remove the member: ");
}

static void remove_done(sr_node_job_t *w) {
  op_t *o = (op_t *)w;
  char k[17];
  if (o->rc) {
    op_answer(o, "cannot remove the member: ");
    return;
  }
  sr_node_short_key(o->key, k);
  sr_node_log(w->n, SR_LOG_INFO, "member_removed", "removed %s from this relay's members", k);
  w->n->prom_members_ms = 0; /* the metrics' member list, at the next tick */
  sr_node_scope_refresh(w->n, removed_in_scope, o);
}

int sr_node_member_remove(sr_node_t *n, const char *which, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  op_t *o;
  int rc;
  if ((rc = not_relay(n, err, errlen))) return rc;
  if (!(o = op_new(which, done, arg, err, errlen))) return which && which[0] ? SR_ENOMEM : SR_EINVAL;
  sr_node_write(n, &o->job, remove_work, remove_done);
  return 0;
}

int sr_node_member_removed(sr_node_t *n, const uint8_t key[SR_KEY_BYTES]) {
  sr_member_rec_t m = {0};
  /* a read on the loop, as the connection limit's classify makes one */
  return n->relay && sr_store_member_get(n->store, key, &m) == 0 && m.removed_ms != 0;
}
