/* cmd_export_flow.c: exports for diffusion studies (docs/flow.md, "Exports"):
 * `export entries` (JSON Lines for offline sync, with --with-flow this node's
 * first-arrival records as its observations), `export cascades` — one row per entry of every reshare cascade, with its
 * real parent (the entry it reshared, not the root), depth and first arrival —
 * and the anonymised exports (`export cascades --anonymise`, `export entries
 * --anonymise`): keys and ids replaced by salted hashes, text and links left
 * out, structure and times kept. */
#include "tools/cli/cli.h"
#include "core/content.h"
#include "core/vec.h"
#include "store/flowview.h"
#include "store/observed.h"
#include "store/read.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- salted hashes ---- */

#define ANON_SALT_BYTES 32
#define ANON_HASH_BYTES 16 /* 128 bits: no collision among any number of keys a store holds */

typedef struct {
  int on;
  uint8_t salt[ANON_SALT_BYTES];
} anon_t;

/* A key or an id as 32 hex digits of BLAKE2b keyed with the salt: the same
 * input gives the same hash within one salt (structure is kept), and without
 * the salt nobody can test a guessed key against it. */
static json_t *anon_hex(const anon_t *a, const uint8_t *v, size_t len) {
  if (!a->on) return sr_json_hex(v, len);
  uint8_t h[ANON_HASH_BYTES];
  char hex[2 * ANON_HASH_BYTES + 1];
  crypto_generichash(h, sizeof(h), v, len, a->salt, sizeof(a->salt));
  sr_hex_encode(h, sizeof(h), hex);
  return json_string(hex);
}

/* The salt: from path when it exists (64 hex digits), else a new random one,
 * written to path (mode 0600) when a path is given so that a later export can
 * use the same one. Never printed: whoever holds it can test guesses. */
static int anon_salt(anon_t *a, const char *path) {
  char buf[2 * ANON_SALT_BYTES + 2];
  a->on = 1;
  if (path) {
    FILE *f = fopen(path, "r");
    if (f) {
      size_t n = fread(buf, 1, sizeof(buf) - 1, f);
      fclose(f);
      while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
      buf[n] = '\0';
      if (n != 2 * ANON_SALT_BYTES || sr_hex_decode(buf, a->salt, ANON_SALT_BYTES))
        return cli_fail(SR_EXIT_USAGE, "%s is not a salt (64 hex digits on one line); remove it to make a new one",
                        path);
      return 0;
    }
    if (errno != ENOENT) return cli_fail(SR_EXIT_ENV, "cannot read %s: %s", path, strerror(errno));
  }
  randombytes_buf(a->salt, sizeof(a->salt));
  if (!path) return 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return cli_fail(SR_EXIT_ENV, "cannot create %s: %s", path, strerror(errno));
  sr_hex_encode(a->salt, ANON_SALT_BYTES, buf);
  buf[2 * ANON_SALT_BYTES] = '\n';
  int bad = write(fd, buf, 2 * ANON_SALT_BYTES + 1) != 2 * ANON_SALT_BYTES + 1;
  bad |= close(fd) != 0;
  return bad ? cli_fail(SR_EXIT_ENV, "writing %s failed: %s", path, strerror(errno)) : 0;
}

static const uint8_t zero_key[SR_KEY_BYTES];

/* ---- export entries ---- */

typedef struct {
  FILE *out;
  const uint8_t *author;
  sr_store_t *st;
  size_t n;
  int with_flow;              /* --with-flow: this node's first-arrival record on each line */
  uint8_t self[SR_KEY_BYTES]; /* the observer named in those records */
} export_ctx_t;

/* This node's first-arrival record of an entry, named as its own observation:
 * an import elsewhere keeps it as this node's, never as the importer's. */
static json_t *flow_json(const uint8_t *observer, const sr_flow_t *f) {
  return json_pack("{s:o, s:I, s:s, s:o, s:I}", "observer", sr_json_hex(observer, SR_KEY_BYTES), "received_at",
                   (json_int_t)f->received_at, "source", sr_source_name(f->source), "from",
                   memcmp(f->from, zero_key, SR_KEY_BYTES) ? sr_json_hex(f->from, SR_KEY_BYTES) : json_null(), "hops",
                   (json_int_t)f->hops);
}

static int export_line(export_ctx_t *x, const sr_entry_t *e, const sr_flow_t *f) {
  char b64[sodium_base64_ENCODED_LEN(SR_ENTRY_MAX, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof(b64), e->raw, e->raw_len, sodium_base64_VARIANT_ORIGINAL);
  json_t *o = json_pack("{s:o, s:o, s:I, s:s%, s:s}", "id", sr_json_hex(e->id, SR_ID_BYTES), "author",
                        sr_json_hex(e->author, SR_KEY_BYTES), "seq", (json_int_t)e->seq, "type", e->type, e->type_len,
                        "raw", b64);
  if (o && x->with_flow && f) json_object_set_new(o, "flow", flow_json(x->self, f));
  int rc = cli_json_put(x->out, NULL, o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (rc) return rc;
  fputc('\n', x->out);
  x->n++;
  return ferror(x->out) ? SR_EIO : 0;
}

static int export_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f) { return export_line(ctx, e, f); }

static int export_fork_cb(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id,
                          const uint8_t *fork_id) {
  export_ctx_t *x = ctx;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  (void)seq;
  (void)head_id;
  if (x->author && memcmp(x->author, author, SR_KEY_BYTES) != 0) return 0;
  sr_flow_t f;
  if (sr_store_get_entry(x->st, fork_id, buf, sizeof(buf), &len, &f) || sr_entry_decode(buf, len, &e)) return 0;
  return export_line(x, &e, &f);
}

int cli_export_entries(sr_cli_t *cli, int argc, char **argv) {
  const char *who = NULL, *outp = NULL;
  uint8_t author[SR_KEY_BYTES];
  int with_flow = 0;
  for (int i = 2; i < argc; i++) {
    int r;
    if ((r = cli_opt(argc, argv, &i, "--author", &who)) || (r = cli_opt(argc, argv, &i, "--out", &outp))) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    if (!strcmp(argv[i], "--with-flow")) {
      with_flow = 1;
      continue;
    }
    return cli_fail(SR_EXIT_USAGE, "export entries: unexpected '%s' (see seurone export --help)", argv[i]);
  }
  int r;
  if (who && (r = cli_resolve(cli, SR_FIND_PERSON, "--author", who, author))) return r;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  FILE *out = cli_open_out(outp);
  if (!out) {
    sr_store_close(st);
    return SR_EXIT_ENV;
  }
  export_ctx_t x = {out, who ? author : NULL, st, 0, with_flow, {0}};
  int rc = 0;
  if (with_flow && (rc = sr_store_get_self(st, x.self)) != 0) {
    if (out != stdout) fclose(out);
    sr_store_close(st);
    return cli_fail(SR_EXIT_ENV, "--with-flow names this node as the observer, but its store has no identity (%s)",
                    sr_strerror(rc));
  }
  rc = sr_store_foreach_entry(st, x.author, export_cb, &x);
  if (!rc) rc = sr_store_foreach_fork(st, export_fork_cb, &x);
  int wrc = cli_close_out(out, outp);
  if (rc) rc = cli_fail(SR_EXIT_ENV, "export failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  else if (wrc)
    rc = wrc;
  else if (outp)
    fprintf(stderr, "exported %zu %s to %s\n", x.n, cli_plural(x.n, "entry", "entries"), outp);
  sr_store_close(st);
  return rc;
}

/* ---- observations of another node (store/observed.h), for --observer ---- */

typedef struct {
  const uint8_t *observer;
  sr_observation_t *o;
  size_t n, cap;
} obs_t;

static int obs_row(void *ctx, const sr_observation_t *o) {
  obs_t *s = ctx;
  if (memcmp(o->observer, s->observer, SR_KEY_BYTES)) return 0;
  int rc = sr_grow((void **)&s->o, &s->cap, s->n + 1, sizeof(*s->o), 256);
  if (!rc) s->o[s->n++] = *o;
  return rc;
}

static int cmp_obs_id(const void *k, const void *e) {
  return memcmp(k, ((const sr_observation_t *)e)->id, SR_ID_BYTES);
}

/* ---- export cascades ---- */

/* The columns, in order: CSV header and JSON keys alike. */
static const char *const casc_cols[] = {"entry",       "root",   "parent", "author", "person", "project", "created_at",
                                        "received_at", "source", "hops",   "from",   "depth",  "observer"};
#define CASC_NCOLS (sizeof(casc_cols) / sizeof(casc_cols[0]))

static void csv_value(FILE *f, json_t *v) {
  if (json_is_string(v)) fputs(json_string_value(v), f); /* hex or a source name: nothing to quote */
  else if (json_is_integer(v))
    fprintf(f, "%lld", (long long)json_integer_value(v));
  else if (json_is_true(v))
    fputs("true", f);
  else if (json_is_false(v))
    fputs("false", f);
  /* null: an empty field */
}

/* Writes row (and releases it: cli_json_put takes the reference). */
static int put_row(FILE *f, int csv, json_t *row) {
  int rc;
  if (csv) {
    for (size_t c = 0; c < CASC_NCOLS; c++) {
      if (c) fputc(',', f);
      csv_value(f, json_object_get(row, casc_cols[c]));
    }
    fputc('\n', f);
    json_decref(row);
  } else if ((rc = cli_json_put(f, NULL, row, JSON_COMPACT | JSON_PRESERVE_ORDER)))
    return rc;
  else
    fputc('\n', f);
  return ferror(f) ? SR_EIO : 0;
}

int cli_export_cascades(sr_cli_t *cli, int argc, char **argv) {
  const char *format = NULL, *outp = NULL, *observer_s = NULL, *saltp = NULL;
  anon_t an = {0};
  int anonymise = 0, r;
  for (int i = 2; i < argc; i++) {
    if ((r = cli_opt(argc, argv, &i, "--format", &format)) || (r = cli_opt(argc, argv, &i, "--out", &outp)) ||
        (r = cli_opt(argc, argv, &i, "--observer", &observer_s)) ||
        (r = cli_opt(argc, argv, &i, "--salt-file", &saltp))) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    if (!strcmp(argv[i], "--anonymise") || !strcmp(argv[i], "--anonymize")) {
      anonymise = 1;
      continue;
    }
    return cli_fail(SR_EXIT_USAGE, "export cascades: unexpected '%s' (see seurone export --help)", argv[i]);
  }
  if (!format || (strcmp(format, "csv") && strcmp(format, "jsonl")))
    return cli_fail(SR_EXIT_USAGE, "export cascades needs --format csv or --format jsonl (JSON Lines)");
  if (saltp && !anonymise) return cli_fail(SR_EXIT_USAGE, "--salt-file goes with --anonymise");
  int csv = !strcmp(format, "csv");
  uint8_t observer[SR_KEY_BYTES];
  int other = observer_s && strcmp(observer_s, "self") != 0;
  if (other && (r = cli_resolve(cli, SR_FIND_PERSON, "--observer", observer_s, observer))) return r;
  if (anonymise && (r = anon_salt(&an, saltp))) return r;

  sr_flowforest_t x;
  obs_t ob = {observer, NULL, 0, 0};
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = sr_flowforest_load(st, &x);
  if (!rc && other) rc = sr_store_foreach_observed(st, obs_row, &ob); /* id order: searchable */
  sr_store_close(st);
  if (rc) {
    sr_flowforest_free(&x);
    free(ob.o);
    return cli_fail(SR_EXIT_ENV, "reading the reshares failed: %s", sr_strerror(rc));
  }
  if (other && !ob.n) {
    sr_flowforest_free(&x);
    return cli_fail(SR_EXIT_PROBLEM,
                    "this node holds no first-arrival records of %s (import an `export entries --with-flow` file "
                    "that node wrote)",
                    observer_s);
  }
  FILE *out = cli_open_out(outp);
  if (!out) {
    sr_flowforest_free(&x);
    free(ob.o);
    return SR_EXIT_ENV;
  }
  if (csv)
    for (size_t c = 0; c < CASC_NCOLS; c++) fprintf(out, "%s%s", c ? "," : "", casc_cols[c]);
  if (csv) fputc('\n', out);
  size_t rows = 0;
  /* Tree after tree (root id order), each in breadth-first order: a parent's
   * row always comes before its children's. */
  for (uint32_t t = 0; t < x.f.ntrees && !rc; t++) {
    const sr_cascade_t *c = &x.f.trees[t];
    const sr_share_node_t *root = &x.nodes[c->root];
    for (uint32_t j = 0; j < c->size && !rc; j++) {
      uint32_t v = x.f.order[c->start + j], p = x.parent[v];
      const sr_share_node_t *nd = &x.nodes[v];
      const sr_flow_t *f = &nd->flow;
      if (other) {
        const sr_observation_t *o = bsearch(nd->id, ob.o, ob.n, sizeof(*ob.o), cmp_obs_id);
        f = o ? &o->flow : NULL;
      }
      json_t *row = json_object();
      json_object_set_new(row, "entry", anon_hex(&an, nd->id, SR_ID_BYTES));
      json_object_set_new(row, "root", anon_hex(&an, root->id, SR_ID_BYTES));
      /* the entry it reshared; the root's is null (an orphan's is not held) */
      json_object_set_new(
          row, "parent",
          v != c->root && p != SR_CASCADE_ROOT && p < x.n ? anon_hex(&an, x.nodes[p].id, SR_ID_BYTES) : json_null());
      json_object_set_new(row, "author", anon_hex(&an, nd->author, SR_KEY_BYTES));
      json_object_set_new(row, "person", anon_hex(&an, nd->person, SR_KEY_BYTES));
      json_object_set_new(row, "project", nd->has_project ? anon_hex(&an, nd->project, SR_ID_BYTES) : json_null());
      json_object_set_new(row, "created_at", json_integer((json_int_t)nd->ts));
      json_object_set_new(row, "received_at", f ? json_integer((json_int_t)f->received_at) : json_null());
      json_object_set_new(row, "source", f ? json_string(sr_source_name(f->source)) : json_null());
      json_object_set_new(row, "hops", f ? json_integer((json_int_t)f->hops) : json_null());
      json_object_set_new(
          row, "from",
          f && memcmp(f->from, zero_key, SR_KEY_BYTES) ? anon_hex(&an, f->from, SR_KEY_BYTES) : json_null());
      json_object_set_new(row, "depth", json_integer((json_int_t)x.f.level[v]));
      json_object_set_new(row, "observer",
                          other                             ? anon_hex(&an, observer, SR_KEY_BYTES)
                          : x.self_label != SR_CASCADE_ROOT ? anon_hex(&an, x.self, SR_KEY_BYTES)
                                                            : json_null());
      json_object_set_new(row, "orphan", json_boolean(v == c->root && root->orphan));
      rc = put_row(out, csv, row);
      rows++;
    }
  }
  size_t ntrees = x.f.ntrees;
  sodium_memzero(&an, sizeof(an));
  sr_flowforest_free(&x);
  free(ob.o);
  int wrc = cli_close_out(out, outp);
  if (rc) return cli_fail(SR_EXIT_ENV, "export cascades failed: %s", sr_strerror(rc));
  if (wrc) return wrc;
  if (outp)
    fprintf(stderr, "exported %zu %s of %zu %s to %s%s\n", rows, cli_plural(rows, "entry", "entries"), ntrees,
            cli_plural(ntrees, "cascade", "cascades"), outp, anonymise ? " (anonymised)" : "");
  return 0;
}

/* ---- export entries --anonymise ---- */

typedef struct {
  FILE *out;
  const anon_t *an;
  size_t n;
} anon_entries_t;

/* Only the known types keep their name: another type's name is the author's
 * free text. */
static const char *anon_type(const sr_content_t *c) {
  static const char *const names[] = {
      [SR_CT_ABOUT] = "about",           [SR_CT_CONTACT] = "contact",    [SR_CT_PROJECT] = "project",
      [SR_CT_MEMBERSHIP] = "membership", [SR_CT_SHARE] = "share",        [SR_CT_FLOW_REPORT] = "flow-report",
      [SR_CT_DEVICE] = "device",         [SR_CT_DEVICE_OF] = "device-of"};
  return c->type > SR_CT_OTHER && c->type <= SR_CT_DEVICE_OF ? names[c->type] : "other";
}

static int anon_entry(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  anon_entries_t *a = ctx;
  sr_content_t c;
  if (sr_content_parse(e, &c, NULL, 0)) memset(&c, 0, sizeof(c)); /* stored but not interpreted: "other" */
  json_t *o = json_object();
  json_object_set_new(o, "id", anon_hex(a->an, e->id, SR_ID_BYTES));
  json_object_set_new(o, "author", anon_hex(a->an, e->author, SR_KEY_BYTES));
  json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
  json_object_set_new(o, "ts", json_integer((json_int_t)e->ts));
  json_object_set_new(o, "type", json_string(anon_type(&c)));
  /* structure only: who and what it points at, hashed; no name, text or link */
  switch (c.type) {
    case SR_CT_CONTACT:
      json_object_set_new(o, "who", anon_hex(a->an, c.who, SR_KEY_BYTES));
      json_object_set_new(o, "state", json_string(sr_contact_state_name(c.state)));
      break;
    case SR_CT_MEMBERSHIP:
      json_object_set_new(o, "project", anon_hex(a->an, c.project, SR_ID_BYTES));
      json_object_set_new(o, "role", json_string(sr_role_name(c.state)));
      break;
    case SR_CT_SHARE:
      json_object_set_new(o, "project", c.has_project ? anon_hex(a->an, c.project, SR_ID_BYTES) : json_null());
      json_object_set_new(o, "reshare", c.has_reshare ? anon_hex(a->an, c.reshare, SR_ID_BYTES) : json_null());
      break;
    case SR_CT_DEVICE:
      json_object_set_new(o, "device", anon_hex(a->an, c.device, SR_KEY_BYTES));
      json_object_set_new(o, "state", json_string(sr_device_state_name(c.state)));
      break;
    case SR_CT_DEVICE_OF:
      json_object_set_new(o, "person", anon_hex(a->an, c.person, SR_KEY_BYTES));
      break;
    default:
      break; /* about, project: their names are text; other types: not interpreted */
  }
  if (f)
    json_object_set_new(
        o, "flow",
        json_pack("{s:I, s:s, s:o, s:I}", "received_at", (json_int_t)f->received_at, "source",
                  sr_source_name(f->source), "from",
                  memcmp(f->from, zero_key, SR_KEY_BYTES) ? anon_hex(a->an, f->from, SR_KEY_BYTES) : json_null(),
                  "hops", (json_int_t)f->hops));
  int rc = cli_json_put(a->out, NULL, o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (rc) return rc;
  fputc('\n', a->out);
  a->n++;
  return ferror(a->out) ? SR_EIO : 0;
}

int cli_export_entries_anon(sr_cli_t *cli, int argc, char **argv) {
  const char *outp = NULL, *saltp = NULL;
  anon_t an = {0};
  int r;
  for (int i = 2; i < argc; i++) {
    if ((r = cli_opt(argc, argv, &i, "--out", &outp)) || (r = cli_opt(argc, argv, &i, "--salt-file", &saltp))) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    if (!strcmp(argv[i], "--anonymise") || !strcmp(argv[i], "--anonymize")) continue;
    return cli_fail(SR_EXIT_USAGE,
                    "export entries --anonymise: unexpected '%s' (it takes --out FILE and --salt-file FILE; an "
                    "anonymised file cannot be imported, so --author and --with-flow do not apply)",
                    argv[i]);
  }
  if ((r = anon_salt(&an, saltp))) return r;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  FILE *out = cli_open_out(outp);
  if (!out) {
    sr_store_close(st);
    return SR_EXIT_ENV;
  }
  anon_entries_t a = {out, &an, 0};
  int rc = sr_store_foreach_entry(st, NULL, anon_entry, &a);
  int wrc = cli_close_out(out, outp);
  if (rc) rc = cli_fail(SR_EXIT_ENV, "export failed: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  else if (wrc)
    rc = wrc;
  else if (outp)
    fprintf(stderr, "exported %zu %s to %s (anonymised)\n", a.n, cli_plural(a.n, "entry", "entries"), outp);
  sr_store_close(st);
  sodium_memzero(&an, sizeof(an));
  return rc;
}
