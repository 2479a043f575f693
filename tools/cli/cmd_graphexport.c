/* cmd_graphexport.c: `seurone export graph` — one view of the graph this node
 * holds as GraphML, CSV or GEXF, so that one call of NetworkX, igraph, pandas
 * or Gephi loads it (docs/metrics.md, "Export"). Views contact, membership and
 * projects are the graphs the metrics run on (store/graphview.h, same node
 * sets), so `nx.pagerank` of the contact view is `seurone metrics pagerank`;
 * reshares is who reshared whose entry (the real parent, not the cascade's
 * root), weighted by how often. Edge times come from the entries that made
 * the edge; view all is every edge kind at once (a multigraph), as before. */
#include "tools/cli/cli.h"
#include "core/content.h"
#include "core/vec.h"
#include "store/devices.h"
#include "store/flowview.h"
#include "store/read.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_nodeset(const char *s, enum sr_nodeset *set) {
  if (!strcmp(s, "held")) *set = SR_NODES_HELD;
  else if (!strcmp(s, "all"))
    *set = SR_NODES_ALL;
  else
    return cli_fail(SR_EXIT_USAGE,
                    "--nodes must be held (the people whose logs this node holds and whom they "
                    "follow) or all (every key the node has seen named)");
  return 0;
}

/* XML text: escape markup and drop characters XML 1.0 cannot carry. */
static void xml_text(FILE *f, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '&':
        fputs("&amp;", f);
        break;
      case '<':
        fputs("&lt;", f);
        break;
      case '>':
        fputs("&gt;", f);
        break;
      case '"':
        fputs("&quot;", f);
        break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') fputs("\xef\xbf\xbd", f); /* U+FFFD */
        else
          fputc(c, f);
    }
  }
}

/* CSV field per RFC 4180: quoted, inner quotes doubled. */
static void csv_text(FILE *f, const char *s, size_t len) {
  fputc('"', f);
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') fputc('"', f);
    fputc(s[i], f);
  }
  fputc('"', f);
}

/* ---- view all: every node and edge kind, one file (a multigraph) ---- */

typedef struct {
  FILE *out, *nodes;
  int graphml;
  size_t nn, ne;
} graph_out_t;

static void node_line(graph_out_t *g, const uint8_t *key, const char *kind, const char *name, size_t name_len) {
  char hex[2 * SR_KEY_LEN + 1]; /* a person key or a project id */
  sr_hex_encode(key, SR_KEY_LEN, hex);
  g->nn++;
  if (g->graphml) {
    fprintf(g->out, "    <node id=\"%s\"><data key=\"kind\">%s</data>", hex, kind);
    if (name) {
      fputs("<data key=\"name\">", g->out);
      xml_text(g->out, name, name_len);
      fputs("</data>", g->out);
    }
    fputs("</node>\n", g->out);
  } else if (g->nodes) {
    fprintf(g->nodes, "%s,", hex);
    csv_text(g->nodes, name ? name : "", name ? name_len : 0);
    fprintf(g->nodes, ",%s\n", kind);
  }
}

static int gperson_cb(void *ctx, const sr_person_t *p) {
  node_line(ctx, p->key, "person", p->name, p->name_len);
  return 0;
}

static int gproject_cb(void *ctx, const sr_project_t *p) {
  node_line(ctx, p->id, "project", p->name, p->name_len);
  return 0;
}

static int gedge_cb(void *ctx, int kind, const uint8_t *src, const uint8_t *dst) {
  graph_out_t *g = ctx;
  char s[SR_HEX_KEY_LEN + 1], d[2 * SR_KEY_LEN + 1]; /* dst: a key or a project id */
  sr_hex_encode(src, SR_KEY_BYTES, s);
  sr_hex_encode(dst, SR_KEY_LEN, d);
  if (g->graphml)
    fprintf(g->out, "    <edge source=\"%s\" target=\"%s\"><data key=\"ekind\">%s</data></edge>\n", s, d,
            sr_edge_kind_name(kind));
  else
    fprintf(g->out, "%s,%s,Directed,%s\n", s, d, sr_edge_kind_name(kind));
  g->ne++;
  return 0;
}

static int export_all(sr_store_t *st, graph_out_t *g) {
  int rc = 0;
  if (g->graphml) {
    fputs(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n"
        "  <key id=\"ekind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <graph id=\"seurone\" edgedefault=\"directed\">\n",
        g->out);
  } else {
    fputs("Source,Target,Type,Kind\n", g->out);
    if (g->nodes) fputs("Id,Label,Kind\n", g->nodes);
  }
  /* GraphML and the CSV node table need every node; the edge CSV alone does not. */
  if (g->graphml || g->nodes) {
    rc = sr_store_foreach_person(st, gperson_cb, g);
    if (!rc) rc = sr_store_foreach_project(st, gproject_cb, g);
  }
  if (!rc) rc = sr_store_foreach_edge(st, gedge_cb, g);
  if (g->graphml) fputs("  </graph>\n</graphml>\n", g->out);
  return rc;
}

/* ---- one view: nodes of a graph, edges with weight and times ---- */

#define NO_TIME UINT64_MAX

typedef struct {
  uint32_t a, b;
  double weight;
  uint64_t first, last; /* ms since the epoch; NO_TIME when unknown */
} xedge_t;

typedef struct {
  sr_graph_t g; /* the nodes (and, for contact and membership, the edges) */
  uint32_t npeople;
  xedge_t *e;
  size_t ne;
  int times_end; /* reshares: an edge's interval ends at its last reshare */
} xview_t;

/* The node of a person key or a project id; -1 when not in the view. */
static int64_t node_of(const xview_t *x, const uint8_t *key, int project) {
  uint32_t lo = project ? x->npeople : 0, hi = project ? x->g.n : x->npeople;
  int64_t at = hi > lo ? sr_key_find(x->g.keys[lo], hi - lo, SR_KEY_LEN, key) : -1;
  return at < 0 ? -1 : lo + at;
}

/* The CSR position of edge a -> b (out_adj is sorted); -1 when absent. */
static int64_t edge_at(const sr_graph_t *g, uint32_t a, uint32_t b) {
  uint64_t lo = g->out_off[a], hi = g->out_off[a + 1];
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (g->out_adj[mid] == b) return (int64_t)mid;
    if (g->out_adj[mid] < b) lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* contact and membership: the CSR's edges, weight 1, times from the entries. */
typedef struct {
  xview_t *x;
  const sr_personmap_t *pm;
  int contact;
} times_t;

static const uint8_t *person_of(const sr_personmap_t *pm, const uint8_t *key) {
  const uint8_t *p = pm ? sr_personmap_person(pm, key, 0) : NULL;
  return p ? p : key;
}

/* first: the earliest entry that made the edge (a follow; a member or
 * supporter role), last: the newest such entry. An edge re-made after an
 * unfollow keeps its first follow. */
static int times_cb(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  times_t *t = ctx;
  sr_content_t c;
  (void)f;
  if (sr_content_parse(e, &c, NULL, 0)) return 0;
  if (t->contact ? c.type != SR_CT_CONTACT || c.state != SR_FOLLOW
                 : c.type != SR_CT_MEMBERSHIP || (c.state != SR_MEMBER && c.state != SR_SUPPORTER))
    return 0;
  int64_t a = node_of(t->x, person_of(t->pm, e->author), 0),
          b = t->contact ? node_of(t->x, person_of(t->pm, c.who), 0) : node_of(t->x, c.project, 1);
  int64_t at = a >= 0 && b >= 0 ? edge_at(&t->x->g, (uint32_t)a, (uint32_t)b) : -1;
  if (at < 0) return 0;
  xedge_t *x = &t->x->e[at];
  if (x->first == NO_TIME || e->ts < x->first) x->first = e->ts;
  if (x->last == NO_TIME || e->ts > x->last) x->last = e->ts;
  return 0;
}

static int csr_edges(sr_store_t *st, xview_t *x, int with_times, int contact) {
  const sr_graph_t *g = &x->g;
  sr_personmap_t *pm = NULL;
  int rc = 0;
  if (!(x->e = malloc((g->m ? g->m : 1) * sizeof(*x->e)))) return SR_ENOMEM;
  for (uint32_t v = 0; v < g->n; v++)
    for (uint64_t i = g->out_off[v]; i < g->out_off[v + 1]; i++)
      x->e[i] = (xedge_t){v, g->out_adj[i], 1.0, NO_TIME, NO_TIME};
  x->ne = g->m;
  if (!with_times) return 0;
  if ((rc = sr_store_personmap(st, &pm))) return rc;
  times_t t = {x, pm, contact};
  rc = sr_store_foreach_entry(st, NULL, times_cb, &t);
  sr_personmap_free(pm);
  return rc;
}

static int cmp_xedge(const void *p, const void *q) {
  const xedge_t *a = p, *b = q;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  return a->b != b->b ? (a->b < b->b ? -1 : 1) : 0;
}

/* Sorts x->e by (a, b) and merges repeats: weights add, times span. */
static void merge_edges(xview_t *x) {
  size_t w = 0;
  if (x->ne) qsort(x->e, x->ne, sizeof(*x->e), cmp_xedge);
  for (size_t i = 0; i < x->ne; i++) {
    if (w && x->e[w - 1].a == x->e[i].a && x->e[w - 1].b == x->e[i].b) {
      xedge_t *m = &x->e[w - 1];
      m->weight += x->e[i].weight;
      if (x->e[i].first < m->first) m->first = x->e[i].first;
      if (x->e[i].last != NO_TIME && (m->last == NO_TIME || x->e[i].last > m->last)) m->last = x->e[i].last;
      continue;
    }
    x->e[w++] = x->e[i];
  }
  x->ne = w;
}

static int push_edge(xview_t *x, size_t *cap, xedge_t e) {
  int rc = sr_grow((void **)&x->e, cap, x->ne + 1, sizeof(*x->e), 256);
  if (!rc) x->e[x->ne++] = e;
  return rc;
}

/* projects: two projects linked both ways with weight the number of people
 * who are members or supporters of both (the membership view's people). */
static int project_edges(xview_t *x) {
  const sr_graph_t *g = &x->g;
  size_t cap = 0;
  int rc = 0;
  for (uint32_t v = 0; v < x->npeople && !rc; v++)
    for (uint64_t i = g->out_off[v]; i < g->out_off[v + 1] && !rc; i++)
      for (uint64_t j = g->out_off[v]; j < g->out_off[v + 1] && !rc; j++)
        if (i != j) rc = push_edge(x, &cap, (xedge_t){g->out_adj[i], g->out_adj[j], 1.0, NO_TIME, NO_TIME});
  if (!rc) merge_edges(x);
  return rc;
}

/* reshares: resharer -> the author of the entry reshared (its parent in the
 * reshare forest), weight the number of such reshares, first and last their
 * times; a reshare of one's own entry is left out (no self-loops). */
static int reshare_edges(sr_store_t *st, xview_t *x, enum sr_nodeset set, size_t *orphans) {
  sr_share_node_t *nodes = NULL;
  size_t n = 0, cap = 0;
  int rc = sr_store_share_forest(st, &nodes, &n);
  *orphans = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (nodes[i].orphan) ++*orphans;
    if (nodes[i].parent == UINT32_MAX) continue;
    int64_t a = node_of(x, nodes[i].person, 0), b = node_of(x, nodes[nodes[i].parent].person, 0);
    if (a >= 0 && b >= 0 && a != b)
      rc = push_edge(x, &cap, (xedge_t){(uint32_t)a, (uint32_t)b, 1.0, nodes[i].ts, nodes[i].ts});
  }
  free(nodes);
  if (rc) return rc;
  merge_edges(x);
  if (set == SR_NODES_ALL) return 0;
  /* held: people whose log is held; the observer only with a reshare edge */
  uint8_t self[SR_KEY_BYTES];
  sr_personmap_t *pm = NULL;
  int has_self = sr_store_get_self(st, self) == 0;
  if (has_self && (rc = sr_store_personmap(st, &pm))) return rc;
  int64_t me = has_self ? node_of(x, person_of(pm, self), 0) : -1;
  sr_personmap_free(pm);
  uint32_t *map = malloc((x->g.n ? x->g.n : 1) * sizeof(*map)), kept = 0;
  int me_linked = 0;
  if (!map) return SR_ENOMEM;
  for (size_t i = 0; i < x->ne; i++) me_linked |= me >= 0 && ((int64_t)x->e[i].a == me || (int64_t)x->e[i].b == me);
  for (uint32_t v = 0; v < x->g.n; v++) {
    int keep = x->g.held[v] && ((int64_t)v != me || me_linked);
    if (keep) {
      memcpy(x->g.keys[kept], x->g.keys[v], SR_KEY_LEN);
      x->g.kind[kept] = x->g.kind[v];
      x->g.held[kept] = x->g.held[v];
      char *nm = x->g.name[v];
      x->g.name[v] = NULL;
      x->g.name[kept] = nm;
    } else {
      free(x->g.name[v]);
      x->g.name[v] = NULL;
    }
    map[v] = keep ? kept++ : UINT32_MAX;
  }
  for (size_t i = 0; i < x->ne; i++) { /* every end is held: a reshare forest holds only held entries */
    x->e[i].a = map[x->e[i].a];
    x->e[i].b = map[x->e[i].b];
  }
  /* The CSR no longer matches the nodes: only the labels are used from here. */
  x->g.n = x->npeople = kept;
  free(map);
  return 0;
}

/* ---- writers ---- */

static void hex_of(const uint8_t *key, char hex[2 * SR_KEY_LEN + 1]) { sr_hex_encode(key, SR_KEY_LEN, hex); }

/* ISO 8601 in UTC with milliseconds, as GEXF's timeformat "date" and Gephi's
 * timeline read it: "2026-12-02T14:36:20.123Z" (24 bytes and a NUL; a year
 * past 9999 takes more, still within the buffer). */
#define ISO_TIME_MAX 40
static void iso_time(uint64_t ms, char out[ISO_TIME_MAX]) {
  time_t s = (time_t)(ms / 1000);
  struct tm tm;
  size_t n = 0;
  if (gmtime_r(&s, &tm)) n = strftime(out, ISO_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, ISO_TIME_MAX - n, ".%03uZ", (unsigned)(ms % 1000));
}

static const char *kind_of(const sr_graph_t *g, uint32_t v) { return g->kind[v] ? "project" : "person"; }

static void write_graphml(FILE *f, const xview_t *x) {
  const sr_graph_t *g = &x->g;
  char hex[2 * SR_KEY_LEN + 1], hb[2 * SR_KEY_LEN + 1];
  fputs(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
      "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
      "  <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n"
      "  <key id=\"held\" for=\"node\" attr.name=\"held\" attr.type=\"boolean\"/>\n"
      "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n"
      "  <key id=\"first\" for=\"edge\" attr.name=\"first\" attr.type=\"long\"/>\n"
      "  <key id=\"last\" for=\"edge\" attr.name=\"last\" attr.type=\"long\"/>\n"
      "  <graph id=\"seurone\" edgedefault=\"directed\">\n",
      f);
  for (uint32_t v = 0; v < g->n; v++) {
    hex_of(g->keys[v], hex);
    fprintf(f, "    <node id=\"%s\"><data key=\"kind\">%s</data><data key=\"held\">%s</data>", hex, kind_of(g, v),
            g->held[v] ? "true" : "false");
    if (g->name[v]) {
      fputs("<data key=\"name\">", f);
      xml_text(f, g->name[v], strlen(g->name[v]));
      fputs("</data>", f);
    }
    fputs("</node>\n", f);
  }
  for (size_t i = 0; i < x->ne; i++) {
    const xedge_t *e = &x->e[i];
    hex_of(g->keys[e->a], hex);
    hex_of(g->keys[e->b], hb);
    fprintf(f, "    <edge source=\"%s\" target=\"%s\"><data key=\"weight\">%.17g</data>", hex, hb, e->weight);
    if (e->first != NO_TIME)
      fprintf(f, "<data key=\"first\">%llu</data><data key=\"last\">%llu</data>", (unsigned long long)e->first,
              (unsigned long long)e->last);
    fputs("</edge>\n", f);
  }
  fputs("  </graph>\n</graphml>\n", f);
}

/* Gephi's spreadsheet import: an edge table (Source, Target, Type, Weight) and
 * a node table (Id, Label); First and Last in ms since the epoch, empty when
 * unknown. */
static void write_csv(FILE *f, FILE *nodes, const xview_t *x) {
  const sr_graph_t *g = &x->g;
  char hex[2 * SR_KEY_LEN + 1], hb[2 * SR_KEY_LEN + 1];
  fputs("Source,Target,Type,Weight,First,Last\n", f);
  for (size_t i = 0; i < x->ne; i++) {
    const xedge_t *e = &x->e[i];
    hex_of(g->keys[e->a], hex);
    hex_of(g->keys[e->b], hb);
    fprintf(f, "%s,%s,Directed,%.17g,", hex, hb, e->weight);
    if (e->first != NO_TIME) fprintf(f, "%llu,%llu", (unsigned long long)e->first, (unsigned long long)e->last);
    else
      fputc(',', f);
    fputc('\n', f);
  }
  if (!nodes) return;
  fputs("Id,Label,Kind,Held\n", nodes);
  for (uint32_t v = 0; v < g->n; v++) {
    hex_of(g->keys[v], hex);
    fprintf(nodes, "%s,", hex);
    csv_text(nodes, g->name[v] ? g->name[v] : "", g->name[v] ? strlen(g->name[v]) : 0);
    fprintf(nodes, ",%s,%s\n", kind_of(g, v), g->held[v] ? "true" : "false");
  }
}

/* GEXF 1.2, dynamic: each edge is there from its first time (contact,
 * membership: on, as the follow or role still holds; reshares: until its last
 * reshare), so Gephi's timeline plays the graph as it grew. */
static void write_gexf(FILE *f, const xview_t *x) {
  const sr_graph_t *g = &x->g;
  char hex[2 * SR_KEY_LEN + 1], hb[2 * SR_KEY_LEN + 1], t0[ISO_TIME_MAX], t1[ISO_TIME_MAX];
  fputs(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<gexf xmlns=\"http://www.gexf.net/1.2draft\" version=\"1.2\">\n"
      "  <graph defaultedgetype=\"directed\" mode=\"dynamic\" timeformat=\"date\">\n"
      "    <attributes class=\"node\">\n"
      "      <attribute id=\"kind\" title=\"kind\" type=\"string\"/>\n"
      "      <attribute id=\"held\" title=\"held\" type=\"boolean\"/>\n"
      "    </attributes>\n"
      "    <nodes>\n",
      f);
  for (uint32_t v = 0; v < g->n; v++) {
    hex_of(g->keys[v], hex);
    fprintf(f, "      <node id=\"%s\" label=\"", hex);
    if (g->name[v]) xml_text(f, g->name[v], strlen(g->name[v]));
    else
      fprintf(f, "%.16s", hex);
    fprintf(f,
            "\"><attvalues><attvalue for=\"kind\" value=\"%s\"/><attvalue for=\"held\" value=\"%s\"/></attvalues>"
            "</node>\n",
            kind_of(g, v), g->held[v] ? "true" : "false");
  }
  fputs("    </nodes>\n    <edges>\n", f);
  for (size_t i = 0; i < x->ne; i++) {
    const xedge_t *e = &x->e[i];
    hex_of(g->keys[e->a], hex);
    hex_of(g->keys[e->b], hb);
    fprintf(f, "      <edge id=\"%zu\" source=\"%s\" target=\"%s\" weight=\"%.17g\"", i, hex, hb, e->weight);
    if (e->first != NO_TIME) {
      iso_time(e->first, t0);
      fprintf(f, " start=\"%s\"", t0);
      if (x->times_end) {
        iso_time(e->last, t1);
        fprintf(f, " end=\"%s\"", t1);
      }
    }
    fputs("/>\n", f);
  }
  fputs("    </edges>\n  </graph>\n</gexf>\n", f);
}

/* ---- the command ---- */

static int build_view(sr_store_t *st, const char *view, enum sr_nodeset set, xview_t *x, size_t *orphans) {
  int rc;
  enum sr_view v = !strcmp(view, "contact") || !strcmp(view, "reshares") ? SR_VIEW_CONTACT : SR_VIEW_MEMBERSHIP;
  /* reshares: the people of the contact view with every key, chosen below */
  if ((rc = sr_store_graph_nodes(st, v, !strcmp(view, "reshares") ? SR_NODES_ALL : set, &x->g))) return rc;
  while (x->npeople < x->g.n && x->g.kind[x->npeople] == SR_NODE_PERSON) x->npeople++;
  if (!strcmp(view, "contact")) return csr_edges(st, x, 1, 1);
  if (!strcmp(view, "membership")) return csr_edges(st, x, 1, 0);
  if (!strcmp(view, "reshares")) {
    x->times_end = 1;
    return reshare_edges(st, x, set, orphans);
  }
  /* projects: the projects of the membership view, its people dropped */
  if ((rc = project_edges(x))) return rc;
  for (size_t i = 0; i < x->ne; i++) {
    x->e[i].a -= x->npeople;
    x->e[i].b -= x->npeople;
  }
  for (uint32_t p = 0; p < x->npeople; p++) free(x->g.name[p]);
  memmove(x->g.keys, x->g.keys + x->npeople, (size_t)(x->g.n - x->npeople) * SR_KEY_LEN);
  memmove(x->g.kind, x->g.kind + x->npeople, x->g.n - x->npeople);
  memmove(x->g.held, x->g.held + x->npeople, x->g.n - x->npeople);
  memmove(x->g.name, x->g.name + x->npeople, (size_t)(x->g.n - x->npeople) * sizeof(char *));
  x->g.n -= x->npeople;
  x->npeople = 0;
  return 0;
}

int cli_export_graph(sr_cli_t *cli, int argc, char **argv) {
  const char *format = NULL, *outp = NULL, *tablep = NULL, *view = "contact", *nodes_s = NULL;
  enum sr_nodeset set = SR_NODES_HELD;
  for (int i = 2; i < argc; i++) {
    int r;
    if ((r = cli_opt(argc, argv, &i, "--format", &format)) || (r = cli_opt(argc, argv, &i, "--out", &outp)) ||
        (r = cli_opt(argc, argv, &i, "--node-table", &tablep)) || (r = cli_opt(argc, argv, &i, "--view", &view)) ||
        (r = cli_opt(argc, argv, &i, "--nodes", &nodes_s))) {
      if (r < 0) return SR_EXIT_USAGE;
      continue;
    }
    return cli_fail(SR_EXIT_USAGE, "export graph: unexpected '%s'", argv[i]);
  }
  if (!format || (strcmp(format, "graphml") && strcmp(format, "csv") && strcmp(format, "gexf")))
    return cli_fail(SR_EXIT_USAGE, "export graph needs --format graphml, csv or gexf");
  if (strcmp(view, "contact") && strcmp(view, "membership") && strcmp(view, "projects") && strcmp(view, "reshares") &&
      strcmp(view, "all"))
    return cli_fail(SR_EXIT_USAGE, "--view must be contact, membership, projects, reshares or all");
  if (nodes_s && strcmp(nodes_s, "held") && strcmp(nodes_s, "all")) /* the earlier --nodes FILE */
    return cli_fail(SR_EXIT_USAGE,
                    "--nodes chooses the node set, held or all; the CSV node table is --node-table "
                    "FILE (it was --nodes FILE)");
  if (nodes_s && cli_nodeset(nodes_s, &set)) return SR_EXIT_USAGE;
  if (tablep && strcmp(format, "csv"))
    return cli_fail(SR_EXIT_USAGE, "--node-table goes with --format csv (GraphML and GEXF hold the nodes)");
  if (!strcmp(view, "all") && (nodes_s || !strcmp(format, "gexf")))
    return cli_fail(SR_EXIT_USAGE, "--view all is every key the node knows, as GraphML or CSV: no --nodes, no gexf");
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  xview_t x = {0};
  graph_out_t all = {0};
  size_t orphans = 0, nn = 0, ne = 0;
  FILE *out = NULL, *table = NULL;
  int rc = 0;
  if (strcmp(view, "all") && (rc = build_view(st, view, set, &x, &orphans))) {
    rc = cli_fail(SR_EXIT_ENV, "reading the %s view failed: %s", view,
                  rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    goto done;
  }
  if (!(out = cli_open_out(outp)) || (tablep && !(table = cli_open_out(tablep)))) {
    rc = SR_EXIT_ENV;
    goto done;
  }
  if (!strcmp(view, "all")) {
    all = (graph_out_t){out, table, !strcmp(format, "graphml"), 0, 0};
    if ((rc = export_all(st, &all))) rc = cli_fail(SR_EXIT_ENV, "export graph failed: %s", sr_store_errmsg(st));
    nn = all.nn;
    ne = all.ne;
  } else {
    if (!strcmp(format, "graphml")) write_graphml(out, &x);
    else if (!strcmp(format, "gexf"))
      write_gexf(out, &x);
    else
      write_csv(out, table, &x);
    nn = x.g.n;
    ne = x.ne;
  }
done:
  if (out && cli_close_out(out, outp) && !rc) rc = SR_EXIT_ENV;
  if (table && cli_close_out(table, tablep) && !rc) rc = SR_EXIT_ENV;
  if (!rc && outp)
    fprintf(stderr, "exported the %s view: %zu %s and %zu %s to %s\n", view, nn, cli_plural(nn, "node", "nodes"), ne,
            cli_plural(ne, "edge", "edges"), outp);
  if (!rc && orphans)
    fprintf(stderr, "%zu %s of entries this node does not hold: no edge (their author is unknown here)\n", orphans,
            cli_plural(orphans, "reshare", "reshares"));
  sr_graph_free(&x.g);
  free(x.e);
  sr_store_close(st);
  return rc;
}
