/* cmd_flow.c: `seurone flow` — how information reached this node, from what it
 * recorded at first arrival (time, sending peer, hops), and how it spread among
 * people: reshare cascades (core/cascade over the store's reshare forest),
 * per-contact-edge flow counts, per-project flow, per-entry reach (docs/flow.md).
 * Latency is first arrival minus the author's timestamp; negative values (clock
 * skew) count as 0 and are counted as skewed (docs/format.md, Definitions). */
#include "tools/cli/cli.h"
#include "core/key.h"
#include "core/vec.h"
#include "core/num.h"
#include "core/cascade.h"
#include "core/flowstats.h"
#include "store/flowview.h"
#include "store/devices.h"
#include "store/lookup.h"
#include "store/observed.h"
#include "store/read.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  sr_arrivals_t a;
  uint8_t (*ids)[SR_ID_BYTES]; /* the entries seen, when want_ids (for reach) */
  size_t nids, capids;
  int want_ids;
} stats_t;

static int collect_one(stats_t *s, uint64_t ts, const sr_flow_t *f) {
  return sr_arrivals_add(&s->a, ts, f->received_at, f->hops, f->source, f->source == SR_SRC_PEER);
}

static int collect(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  stats_t *s = ctx;
  if (s->want_ids) {
    int rc = sr_grow((void **)&s->ids, &s->capids, s->nids + 1, SR_ID_BYTES, 256);
    if (rc) return rc;
    memcpy(s->ids[s->nids++], e->id, SR_ID_BYTES);
  }
  return collect_one(s, e->ts, f);
}

static json_t *stats_json(const sr_arrival_stats_t *s) {
  json_t *hops = json_object(), *sources = json_object();
  for (int h = 0; h < SR_ARRIVAL_HOPS; h++)
    if (s->hops[h]) {
      char k[8];
      snprintf(k, sizeof(k), h == SR_ARRIVAL_HOPS - 1 ? "16+" : "%d", h);
      json_object_set_new(hops, k, json_integer((json_int_t)s->hops[h]));
    }
  for (int i = 0; i < SR_ARRIVAL_SOURCES; i++)
    if (s->by_source[i]) json_object_set_new(sources, sr_source_name(i), json_integer((json_int_t)s->by_source[i]));
  return json_pack("{s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:o}", "received", (json_int_t)s->received,
                   "by_source", sources, "latency_ms", "p50", (json_int_t)s->p50, "p90", (json_int_t)s->p90, "p99",
                   (json_int_t)s->p99, "min", (json_int_t)s->min, "max", (json_int_t)s->max, "skewed",
                   (json_int_t)s->skewed, "hops", hops);
}

static void stats_print(const sr_arrival_stats_t *s, const char *title) {
  printf("%s\n", title);
  printf("received from peers  %lld %s (%lld with clock skew, counted as 0 ms)\n", (long long)s->received,
         cli_plural(s->received, "entry", "entries"), (long long)s->skewed);
  if (s->received == 0) {
    printf("latency, hops        none yet: no entry has arrived from a peer (`seurone run`, then `peer add`)\n");
    return;
  }
  printf("latency ms           p50 %lld   p90 %lld   p99 %lld   max %lld\n", (long long)s->p50, (long long)s->p90,
         (long long)s->p99, (long long)s->max);
  printf("hops                ");
  for (int h = 0; h < SR_ARRIVAL_HOPS; h++)
    if (s->hops[h] && h == SR_ARRIVAL_HOPS - 1) printf(" 16+: %lld", (long long)s->hops[h]);
    else if (s->hops[h])
      printf(" %d: %lld", h, (long long)s->hops[h]);
  printf("\n");
}


/* ---- people: sorted keys with their profile names (for labels and tables) ---- */


static int names_row(void *ctx, const sr_person_t *p) {
  cli_names_t *ns = ctx;
  if (ns->n == ns->cap) { /* two parallel arrays: each keeps what it got if the other fails */
    size_t nc = sr_grow_cap(ns->cap, 256);
    if (!nc || sr_realloc_n((void **)&ns->key, nc, SR_KEY_BYTES) ||
        sr_realloc_n((void **)&ns->name, nc, sizeof(char *)))
      return SR_ENOMEM;
    ns->cap = nc;
  }
  memcpy(ns->key[ns->n], p->key, SR_KEY_BYTES);
  ns->name[ns->n] = NULL;
  const char *name = p->name;
  size_t len = p->name_len;
  char pname[SR_ENTRY_MAX + 1];
  int found = 0, rc;
  /* a device's entries are its person's: the person's name (store/devices.h) */
  if (ns->st) {
    if ((rc = sr_store_person_name(ns->st, p->key, pname, sizeof(pname), &len, &found))) return rc;
    name = found ? pname : NULL;
  }
  if (name && !(ns->name[ns->n] = strndup(name, len))) return SR_ENOMEM;
  ns->n++;
  return 0;
}

/* Every person's name into ns (by person with devices: store/devices.h). */
int cli_names_load(sr_store_t *st, cli_names_t *ns) {
  sr_personmap_t *pm = NULL;
  int rc = sr_store_personmap(st, &pm);
  if (!rc && sr_personmap_count(pm)) ns->st = st;
  sr_personmap_free(pm);
  return rc ? rc : sr_store_foreach_person(st, names_row, ns);
}

void cli_names_free(cli_names_t *ns) {
  for (size_t i = 0; i < ns->n; i++) free(ns->name[i]);
  free(ns->key);
  free(ns->name);
}

/* The person's profile name, or NULL. The people database is in key order. */
static const char *name_of(const cli_names_t *ns, const uint8_t *key) {
  int64_t i = sr_key_find(ns->key, ns->n, SR_KEY_BYTES, key);
  return i >= 0 ? ns->name[i] : NULL;
}

json_t *cli_json_name(const cli_names_t *ns, const uint8_t *key) {
  const char *n = name_of(ns, key);
  return n ? json_string(n) : json_null();
}

/* "name (abcdef01)" with the name escaped and cut to 20 columns, or the first
 * 16 hex digits, for tables; malloc'd. Escaped, so printing it again through
 * cli_text_cell (which pads by columns) changes nothing but the padding. */
char *cli_short_who(const cli_names_t *ns, const uint8_t *key) {
  char hex[SR_HEX_KEY_LEN + 1];
  const char *n = name_of(ns, key);
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  char *name = n ? cli_text_cut(n, strlen(n), 20) : NULL;
  size_t cap = (name ? strlen(name) : 0) + 24;
  char *out = malloc(cap);
  if (!out) cli_out_of_memory();
  if (name) snprintf(out, cap, "%s (%.8s)", name, hex);
  else
    snprintf(out, cap, "%.16s", hex);
  free(name);
  return out;
}

/* ---- --top K ---- */

static int parse_top(int argc, char **argv, size_t *top) {
  for (int i = 2; i < argc; i++) {
    const char *v = NULL;
    int r = cli_opt(argc, argv, &i, "--top", &v);
    if (r < 0) return SR_EXIT_USAGE;
    if (r == 0) return cli_fail(SR_EXIT_USAGE, "unexpected argument '%s' (see seurone flow --help)", argv[i]);
    uint64_t t;
    if (sr_parse_u64(v, 0, SIZE_MAX, &t)) return cli_fail(SR_EXIT_USAGE, "--top must be a whole number (0: all)");
    *top = (size_t)t;
  }
  return 0;
}

/* ---- flow cascades ---- */

static const sr_flowforest_t *sort_forest; /* qsort has no context argument */

static int cmp_tree(const void *a, const void *b) {
  const sr_cascade_t *x = &sort_forest->f.trees[*(const uint32_t *)a], *y = &sort_forest->f.trees[*(const uint32_t *)b];
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  if (x->depth != y->depth) return x->depth > y->depth ? -1 : 1;
  return memcmp(sort_forest->nodes[x->root].id, sort_forest->nodes[y->root].id, SR_ID_BYTES);
}

static int flow_cascades(sr_cli_t *cli, int argc, char **argv) {
  size_t top = 10;
  sr_flowforest_t x;
  cli_names_t ns = {0};
  int by_size = 0, group = CLI_GROUP_NONE, rc;
  const char *group_file = NULL;
  /* --by-size [--group author|project] first; the rest is --top */
  char **rest = malloc((size_t)(argc + 1) * sizeof(*rest));
  int nrest = 0;
  if (!rest) cli_out_of_memory();
  for (int i = 0; i < argc; i++) {
    if (i >= 2 && !strcmp(argv[i], "--by-size")) by_size = 1;
    else if (i >= 2 && !strcmp(argv[i], "--group-file")) {
      if (i + 1 >= argc) {
        free(rest);
        return cli_fail(SR_EXIT_USAGE, "--group-file needs a FILE of KEY,GROUP lines");
      }
      group_file = argv[++i];
      group = CLI_GROUP_FILE;
    } else if (i >= 2 && !strcmp(argv[i], "--group")) {
      const char *g = i + 1 < argc ? argv[++i] : "";
      if (!strcmp(g, "author")) group = CLI_GROUP_AUTHOR;
      else if (!strcmp(g, "project"))
        group = CLI_GROUP_PROJECT;
      else {
        free(rest);
        return cli_fail(SR_EXIT_USAGE, "--group takes author or project, got '%s'", g);
      }
    } else
      rest[nrest++] = argv[i];
  }
  rc = parse_top(nrest, rest, &top);
  free(rest);
  if (rc) return rc;
  if (group != CLI_GROUP_NONE && !by_size) return cli_fail(SR_EXIT_USAGE, "--group and --group-file go with --by-size");
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  rc = sr_flowforest_load(st, &x);
  if (!rc) rc = cli_names_load(st, &ns);
  sr_store_close(st);
  if (rc) {
    sr_flowforest_free(&x); /* safe on what forest_load left after a failure */
    cli_names_free(&ns);
    return cli_fail(SR_EXIT_ENV, "reading the reshares failed: %s", sr_strerror(rc));
  }
  uint32_t *idx = malloc((x.f.ntrees + 1) * sizeof(*idx));
  if (!idx) {
    sr_flowforest_free(&x);
    cli_names_free(&ns);
    return cli_fail(SR_EXIT_ENV, "out of memory");
  }
  for (uint32_t t = 0; t < x.f.ntrees; t++) idx[t] = t;
  if (by_size) {
    rc = cli_flow_by_size(cli, &x, idx, group, group_file, &ns);
    free(idx);
    sr_flowforest_free(&x);
    cli_names_free(&ns);
    return rc;
  }
  sort_forest = &x;
  qsort(idx, x.f.ntrees, sizeof(*idx), cmp_tree);
  size_t k = top && top < x.f.ntrees ? top : x.f.ntrees;
  json_t *rows = json_array();
  for (size_t j = 0; j < k; j++) {
    const sr_cascade_t *c = &x.f.trees[idx[j]];
    const sr_share_node_t *r = &x.nodes[c->root];
    int64_t reach = sr_cascade_subtree_people(&x.f, x.label, c->root, x.self_label);
    json_array_append_new(
        rows,
        json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:b}", "root", sr_json_hex(r->id, SR_KEY_LEN),
                  "root_author", sr_json_hex(r->author, SR_KEY_LEN), "root_author_name", cli_json_name(&ns, r->author),
                  "size", (json_int_t)c->size, "depth", (json_int_t)c->depth, "max_breadth", (json_int_t)c->max_breadth,
                  "structural_virality", c->virality, "people", (json_int_t)c->people, "reach", (json_int_t)reach,
                  "reshares", (json_int_t)sr_cascade_children(&x.f, c->root), "orphan", r->orphan));
  }
  size_t total_nodes = x.n;
  uint32_t ntrees = x.f.ntrees;
  free(idx);
  sr_flowforest_free(&x);
  if (cli->json) {
    cli_json_print(json_pack("{s:I, s:I, s:o}", "count", (json_int_t)ntrees, "entries", (json_int_t)total_nodes,
                             "cascades", rows));
    cli_names_free(&ns);
    return 0;
  }
  printf("%u reshare %s over %zu %s%s\n", ntrees, cli_plural(ntrees, "cascade", "cascades"), total_nodes,
         cli_plural(total_nodes, "entry", "entries"), k < ntrees ? " (largest first; --top 0 for all)" : "");
  if (k)
    printf("%4s %6s %5s %7s %8s %6s  %-16s %s\n", "#", "size", "depth", "breadth", "virality", "people", "root",
           "root author");
  for (size_t j = 0; j < k; j++) {
    json_t *o = json_array_get(rows, j);
    uint8_t author[SR_KEY_LEN];
    if (sr_hex_decode(json_string_value(json_object_get(o, "root_author")), author, SR_KEY_LEN))
      memset(author, 0, sizeof(author)); /* not reached: sr_json_hex wrote it above */
    char *who = cli_short_who(&ns, author);
    printf("%4zu %6lld %5lld %7lld %8.3f %6lld  %.16s %s%s\n", j + 1,
           (long long)json_integer_value(json_object_get(o, "size")),
           (long long)json_integer_value(json_object_get(o, "depth")),
           (long long)json_integer_value(json_object_get(o, "max_breadth")),
           json_real_value(json_object_get(o, "structural_virality")),
           (long long)json_integer_value(json_object_get(o, "people")), json_string_value(json_object_get(o, "root")),
           who, json_is_true(json_object_get(o, "orphan")) ? "  [reshares an entry not held here]" : "");
    free(who);
  }
  json_decref(rows);
  cli_names_free(&ns);
  return 0;
}

/* ---- flow edges ---- */

static int flow_edges(sr_cli_t *cli, int argc, char **argv) {
  size_t top = 20, m = 0;
  sr_flowpair_t *pairs = NULL;
  cli_names_t ns = {0};
  int rc = parse_top(argc, argv, &top);
  if (rc) return rc;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  rc = sr_store_flow_pairs(st, &pairs, &m);
  if (!rc) rc = cli_names_load(st, &ns);
  sr_store_close(st);
  if (rc) {
    free(pairs);
    cli_names_free(&ns);
    return cli_fail(SR_EXIT_ENV, "reading the store failed: %s", sr_strerror(rc));
  }
  size_t k = top && top < m ? top : m;
  json_t *rows = json_array();
  for (size_t i = 0; i < k; i++) {
    const sr_flowpair_t *p = &pairs[i];
    json_array_append_new(
        rows, json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:b}", "a", sr_json_hex(p->a, SR_KEY_LEN), "b",
                        sr_json_hex(p->b, SR_KEY_LEN), "a_name", cli_json_name(&ns, p->a), "b_name",
                        cli_json_name(&ns, p->b), "reshares_a_to_b", (json_int_t)p->reshares_ab, "reshares_b_to_a",
                        (json_int_t)p->reshares_ba, "arrivals_a_to_b", (json_int_t)p->arrivals_ab, "arrivals_b_to_a",
                        (json_int_t)p->arrivals_ba, "contact", p->contact));
  }
  if (cli->json) {
    cli_json_print(json_pack("{s:I, s:o}", "count", (json_int_t)m, "edges", rows));
  } else {
    printf("%zu %s with a follow edge or entries flowing between them%s\n", m, cli_plural(m, "pair", "pairs"),
           k < m ? " (most flow first; --top 0 for all)" : "");
    /* Two kinds of evidence, never added together: reshares (content level,
     * seen for any pair) and first arrivals from a peer (transport level, only
     * into this node). */
    if (k)
      printf("%-30s %-30s %9s %9s %9s %9s  %s\n", "a", "b", "resh a>b", "resh b>a", "arr a>b", "arr b>a", "contact");
    for (size_t i = 0; i < k; i++) {
      char *wa = cli_short_who(&ns, pairs[i].a), *wb = cli_short_who(&ns, pairs[i].b);
      cli_text_cell(stdout, wa, strlen(wa), 30);
      putchar(' ');
      cli_text_cell(stdout, wb, strlen(wb), 30);
      printf(" %9llu %9llu %9llu %9llu  %s\n", (unsigned long long)pairs[i].reshares_ab,
             (unsigned long long)pairs[i].reshares_ba, (unsigned long long)pairs[i].arrivals_ab,
             (unsigned long long)pairs[i].arrivals_ba, pairs[i].contact ? "yes" : "no");
      free(wa);
      free(wb);
    }
    json_decref(rows);
  }
  free(pairs);
  cli_names_free(&ns);
  return 0;
}

/* ---- flow author / summary ---- */

static int flow_stats(sr_cli_t *cli, const uint8_t *author, const char *title) {
  stats_t s = {0};
  sr_flowforest_t x;
  uint64_t reach_sum = 0, reach_max = 0;
  memset(&x, 0, sizeof(x));
  s.want_ids = author != NULL;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = sr_store_foreach_entry(st, author, collect, &s);
  if (!rc && author) rc = sr_flowforest_load(st, &x);
  sr_store_close(st);
  for (size_t i = 0; i < s.nids && !rc; i++) {
    int64_t r = sr_flowforest_reach(&x, s.ids[i], author, NULL);
    if (r < 0) rc = (int)r;
    else {
      reach_sum += (uint64_t)r;
      if ((uint64_t)r > reach_max) reach_max = (uint64_t)r;
    }
  }
  sr_flowforest_free(&x);
  free(s.ids);
  if (rc) {
    sr_arrivals_free(&s.a);
    return cli_fail(SR_EXIT_ENV, "reading the store failed: %s", sr_strerror(rc));
  }
  sr_arrival_stats_t as;
  sr_arrivals_stats(&s.a, &as);
  sr_arrivals_free(&s.a);
  json_t *o = stats_json(&as);
  if (author) {
    json_object_set_new(o, "author", sr_json_hex(author, SR_KEY_LEN));
    json_object_set_new(o, "entries", json_integer((json_int_t)s.nids));
    json_object_set_new(o, "reach",
                        json_pack("{s:f, s:I}", "mean", s.nids ? (double)reach_sum / (double)s.nids : 0.0, "max",
                                  (json_int_t)reach_max));
  }
  if (cli->json) cli_json_print(o);
  else {
    stats_print(&as, title);
    if (author)
      printf("reach               mean %.2f   max %llu %s over %zu %s\n",
             s.nids ? (double)reach_sum / (double)s.nids : 0.0, (unsigned long long)reach_max,
             cli_plural(reach_max, "person", "people"), s.nids, cli_plural(s.nids, "entry", "entries"));
    json_decref(o);
  }
  return 0;
}

/* ---- flow entry ---- */

static const uint8_t no_key[SR_KEY_BYTES];

/* One observation of another node (store/observed.h) as JSON. */
static int observed_row(void *ctx, const sr_observation_t *o) {
  json_t *row =
      json_pack("{s:o, s:I, s:s, s:o, s:I}", "observer", sr_json_hex(o->observer, SR_KEY_BYTES), "received_at",
                (json_int_t)o->flow.received_at, "source", sr_source_name(o->flow.source), "from",
                memcmp(o->flow.from, no_key, SR_KEY_BYTES) ? sr_json_hex(o->flow.from, SR_KEY_BYTES) : json_null(),
                "hops", (json_int_t)o->flow.hops);
  return row && json_array_append_new(ctx, row) == 0 ? 0 : SR_ENOMEM;
}

static int flow_entry(sr_cli_t *cli, const char *idhex) {
  uint8_t id[SR_ID_BYTES], buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  sr_flow_t f;
  sr_flowforest_t x;
  char full[SR_HEX_ID_LEN + 1];
  int r;
  if ((r = cli_resolve(cli, SR_FIND_ENTRY, "ID", idhex, id))) return r;
  sr_hex_encode(id, SR_ID_BYTES, full);
  idhex = full; /* messages show the whole id, not what was typed */
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = sr_store_get_entry(st, id, buf, sizeof(buf), &len, &f);
  if (rc == SR_ENOTFOUND) {
    sr_store_close(st);
    return cli_fail(SR_EXIT_PROBLEM, "this node does not hold entry %s (see `seurone log --all` for what it holds)",
                    idhex);
  }
  json_t *observed = json_array();
  if (!rc) rc = sr_flowforest_load(st, &x);
  if (!rc && (rc = sr_store_observed_of(st, id, observed_row, observed))) sr_flowforest_free(&x);
  sr_store_close(st);
  if (rc || sr_entry_decode(buf, len, &e)) {
    json_decref(observed);
    if (!rc) sr_flowforest_free(&x);
    return cli_fail(SR_EXIT_ENV, "reading the entry failed: %s",
                    rc ? sr_strerror(rc) : "the stored entry does not decode (run `seurone verify`)");
  }
  json_t *o = sr_json_flow_entry(&e, &f, &x); /* shared with the web API (node/entry_json.c) */
  sr_flowforest_free(&x);
  if (!o) {
    json_decref(observed);
    return cli_fail(SR_EXIT_ENV, "computing the reach failed: %s", sr_strerror(SR_ENOMEM));
  }
  json_object_set_new(o, "observed", observed); /* other nodes' records, never this node's */
  int64_t d = (int64_t)f.received_at - (int64_t)e.ts;
  int64_t reach = json_integer_value(json_object_get(o, "reach"));
  uint32_t reshares = (uint32_t)json_integer_value(json_object_get(o, "reshares"));
  if (cli->json) {
    cli_json_print(o);
    return 0;
  }
  static const uint8_t zero[SR_KEY_BYTES];
  char author[SR_HEX_KEY_LEN + 1], from[SR_HEX_KEY_LEN + 1] = "";
  int has_from = memcmp(f.from, zero, SR_KEY_BYTES) != 0;
  sr_hex_encode(e.author, SR_KEY_BYTES, author);
  if (has_from) sr_hex_encode(f.from, SR_KEY_BYTES, from);
  printf("entry        %s\nauthor       %s  seq %lld  type ", idhex, author, (long long)e.seq);
  cli_text_put(stdout, e.type, e.type_len); /* the author chose it */
  printf("\narrived      %s%s%s after %lld %s, %lld ms after it was written%s\n", sr_source_name(f.source),
         has_from ? " from " : "", from, (long long)f.hops, cli_plural(f.hops, "hop", "hops"),
         (long long)(d < 0 ? 0 : d), d < 0 ? " (clock skew: written after it arrived)" : "");
  printf("reach        %lld %s known to hold it (author, resharers, this node); %u direct %s\n", (long long)reach,
         cli_plural((size_t)reach, "person", "people"), reshares, cli_plural(reshares, "reshare", "reshares"));
  for (size_t i = 0; i < json_array_size(observed); i++) {
    json_t *ob = json_array_get(observed, i);
    json_t *fr = json_object_get(ob, "from");
    printf("observed by  %.16s (imported): %s%s%.16s after %lld %s, at %lld ms\n",
           json_string_value(json_object_get(ob, "observer")), json_string_value(json_object_get(ob, "source")),
           json_is_string(fr) ? " from " : "", json_is_string(fr) ? json_string_value(fr) : "",
           (long long)json_integer_value(json_object_get(ob, "hops")),
           cli_plural((size_t)json_integer_value(json_object_get(ob, "hops")), "hop", "hops"),
           (long long)json_integer_value(json_object_get(ob, "received_at")));
  }
  json_decref(o);
  return 0;
}

/* ---- flow project ---- */

static int flow_project(sr_cli_t *cli, const char *idhex) {
  uint8_t pid[SR_ID_BYTES], buf[SR_ENTRY_MAX];
  size_t len;
  sr_flow_t pf;
  sr_entry_t pe;
  sr_content_t pc;
  sr_flowforest_t x;
  stats_t s = {0};
  int held = 0, rc;
  char full[SR_HEX_ID_LEN + 1];
  if ((rc = cli_resolve(cli, SR_FIND_PROJECT, "ID", idhex, pid))) return rc;
  sr_hex_encode(pid, SR_ID_BYTES, full);
  idhex = full; /* messages show the whole id, not what was typed */
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  rc = sr_store_get_entry(st, pid, buf, sizeof(buf), &len, &pf);
  if (rc == 0) {
    if (sr_entry_decode(buf, len, &pe) || sr_content_parse(&pe, &pc, NULL, 0) || pc.type != SR_CT_PROJECT) {
      sr_store_close(st);
      return cli_fail(SR_EXIT_PROBLEM, "entry %s is not a project entry (`seurone flow entry` shows any entry)", idhex);
    }
    held = 1;
  } else if (rc != SR_ENOTFOUND) {
    sr_store_close(st);
    return cli_fail(SR_EXIT_ENV, "reading the store failed: %s", sr_strerror(rc));
  }
  rc = sr_flowforest_load(st, &x);
  sr_store_close(st);
  if (rc) return cli_fail(SR_EXIT_ENV, "reading the reshares failed: %s", sr_strerror(rc));

  /* The shares for the project: their flow, their authors, their cascades. */
  sr_flowproject_t fp = {0};
  if (held) rc = collect_one(&s, pe.ts, &pf);
  if (!rc) rc = sr_flowforest_project(&x, pid, &s.a, &fp);
  size_t nshares = fp.shares, ncasc = fp.cascades, casc_nodes = fp.cascade_entries, people = fp.people,
         reach = fp.reach;
  if (!rc && !held && !nshares)
    rc = cli_fail(SR_EXIT_PROBLEM,
                  "this node knows no project %s: it holds neither its project entry nor a share for it "
                  "(`seurone graph` lists the projects it knows)",
                  idhex);
  else if (rc)
    rc = cli_fail(SR_EXIT_ENV, "computing the project's flow failed: %s", sr_strerror(rc));
  sr_flowforest_free(&x);
  if (rc) {
    sr_arrivals_free(&s.a);
    return rc;
  }

  sr_arrival_stats_t as;
  sr_arrivals_stats(&s.a, &as);
  sr_arrivals_free(&s.a);
  json_t *o = stats_json(&as);
  json_object_set_new(o, "project", sr_json_hex(pid, SR_KEY_LEN));
  json_object_set_new(o, "name", held ? json_stringn(pc.name, pc.name_len) : json_null());
  json_object_set_new(o, "author", held ? sr_json_hex(pe.author, SR_KEY_LEN) : json_null());
  json_object_set_new(o, "held", json_boolean(held));
  json_object_set_new(o, "shares", json_integer((json_int_t)nshares));
  json_object_set_new(o, "people", json_integer((json_int_t)people));
  json_object_set_new(o, "cascades", json_integer((json_int_t)ncasc));
  json_object_set_new(o, "cascade_entries", json_integer((json_int_t)casc_nodes));
  json_object_set_new(o, "reach", json_integer((json_int_t)reach));
  if (cli->json) {
    cli_json_print(o);
    return 0;
  }
  printf("project %s  ", idhex);
  if (held) cli_text_put(stdout, pc.name, pc.name_len); /* its author chose it */
  else
    fputs("(project entry not held)", stdout);
  printf("\nshares               %zu by %zu %s, in %zu %s of %zu %s; reach %zu %s\n", nshares, people,
         cli_plural(people, "person", "people"), ncasc, cli_plural(ncasc, "cascade", "cascades"), casc_nodes,
         cli_plural(casc_nodes, "entry", "entries"), reach, cli_plural(reach, "person", "people"));
  stats_print(&as, "how the project and its shares reached this node");
  json_decref(o);
  return 0;
}

int cmd_flow(sr_cli_t *cli, int argc, char **argv) {
  uint8_t author[SR_KEY_BYTES];
  if (argc == 3 && !strcmp(argv[1], "entry")) return flow_entry(cli, argv[2]);
  if (argc == 3 && !strcmp(argv[1], "author")) {
    int rc = cli_resolve(cli, SR_FIND_PERSON, "KEY", argv[2], author);
    if (rc) return rc;
    return flow_stats(cli, author, "how this author's entries reached this node");
  }
  if (argc == 3 && !strcmp(argv[1], "project")) return flow_project(cli, argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "cascades")) return flow_cascades(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "edges")) return flow_edges(cli, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "network")) return cmd_flow_network(cli, argc - 1, argv + 1);
  if (argc >= 2 && !strcmp(argv[1], "report")) return cmd_flow_report(cli, argc - 1, argv + 1);
  if (argc == 2 && !strcmp(argv[1], "summary")) return flow_stats(cli, NULL, "how entries reached this node");
  return cli_fail(SR_EXIT_USAGE,
                  "usage: seurone flow entry ID | author KEY | project ID | summary | cascades [--top K | --by-size "
                  "[--group author|project | --group-file FILE]] "
                  "| edges [--top K] | report ... | network ...  [--json]  (see seurone flow --help)");
}
