/* cmd_flow_size.c: `seurone flow cascades --by-size` — cascades compared
 * within size bins (the matched-size comparison: differences between kinds of
 * cascades are read at equal size, docs/flow.md), with depth, breadth and
 * structural virality per bin, overall and per root author or project. */
#include "tools/cli/cli.h"
#include "store/flowview.h"
#include "core/vec.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- flow cascades --by-size: the matched-size comparison ---- */

/* Size bins by powers of two: [1], [2, 3], [4, 7], ... — the bin of size s
 * is the index of its highest bit. */
#define BY_SIZE_BINS 33

static int bin_of(uint32_t size) {
  int b = 0;
  while (size >>= 1) b++;
  return b;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* {"mean", "median"} of v[0..n) (sorts v). */
static json_t *mean_median(double *v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += v[i];
  qsort(v, n, sizeof(*v), cmp_double);
  double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return json_pack("{s:f, s:f}", "mean", sum / (double)n, "median", med);
}

/* The bins of the cascades idx[0..k): an array of {min_size, max_size,
 * cascades, size, depth, max_breadth, structural_virality} (each metric
 * {mean, median}); empty bins are left out. */
static json_t *size_bins(const sr_flowforest_t *x, const uint32_t *idx, size_t k) {
  json_t *bins = json_array();
  double *v[4];
  for (int m = 0; m < 4; m++)
    if (!(v[m] = malloc((k + 1) * sizeof(double)))) cli_out_of_memory();
  for (int b = 0; b < BY_SIZE_BINS; b++) {
    size_t n = 0;
    for (size_t j = 0; j < k; j++) {
      const sr_cascade_t *c = &x->f.trees[idx[j]];
      if (bin_of(c->size) != b) continue;
      v[0][n] = c->size;
      v[1][n] = c->depth;
      v[2][n] = c->max_breadth;
      v[3][n++] = c->virality;
    }
    if (!n) continue;
    uint64_t lo = (uint64_t)1 << b;
    json_array_append_new(bins, json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "min_size", (json_int_t)lo, "max_size",
                                          (json_int_t)(2 * lo - 1), "cascades", (json_int_t)n, "size",
                                          mean_median(v[0], n), "depth", mean_median(v[1], n), "max_breadth",
                                          mean_median(v[2], n), "structural_virality", mean_median(v[3], n)));
  }
  for (int m = 0; m < 4; m++) free(v[m]);
  return bins;
}

static void print_bins(json_t *bins) {
  printf("  %-13s %8s %12s %12s %12s %12s\n", "sizes", "cascades", "mean size", "mean depth", "mean breadth",
         "virality");
  for (size_t i = 0; i < json_array_size(bins); i++) {
    json_t *b = json_array_get(bins, i);
    char sizes[48];
    long long lo = (long long)json_integer_value(json_object_get(b, "min_size")),
              hi = (long long)json_integer_value(json_object_get(b, "max_size"));
    if (lo == hi) snprintf(sizes, sizeof(sizes), "%lld", lo);
    else
      snprintf(sizes, sizeof(sizes), "%lld-%lld", lo, hi);
#define MEAN(k) json_real_value(json_object_get(json_object_get(b, k), "mean"))
    printf("  %-13s %8lld %12.2f %12.2f %12.2f %12.3f\n", sizes,
           (long long)json_integer_value(json_object_get(b, "cascades")), MEAN("size"), MEAN("depth"),
           MEAN("max_breadth"), MEAN("structural_virality"));
#undef MEAN
  }
}

/* The group key of tree t: its root's author, or the project its root share
 * names (NULL: none). */
static const uint8_t *group_key(const sr_flowforest_t *x, uint32_t t, int group) {
  const sr_share_node_t *r = &x->nodes[x->f.trees[t].root];
  if (group == CLI_GROUP_AUTHOR) return r->author;
  return r->has_project ? r->project : NULL;
}

static const sr_flowforest_t *group_forest;
static int group_by;
static const int *group_label; /* --group-file: per tree, its label's index (-1: none) */

static int cmp_group(const void *a, const void *b) {
  if (group_by == CLI_GROUP_FILE) {
    int x = group_label[*(const uint32_t *)a], y = group_label[*(const uint32_t *)b];
    if (x < 0 || y < 0) return x < 0 && y < 0 ? 0 : x < 0 ? 1 : -1; /* no group: last */
    return x < y ? -1 : x > y;
  }
  const uint8_t *x = group_key(group_forest, *(const uint32_t *)a, group_by),
                *y = group_key(group_forest, *(const uint32_t *)b, group_by);
  if (!x || !y) return !x && !y ? 0 : !x ? 1 : -1; /* no project: last */
  return memcmp(x, y, SR_KEY_BYTES);
}

/* ---- --group-file FILE: a researcher's groups of people ---- */

#define GROUP_LABEL_MAX 64

typedef struct {
  uint8_t (*key)[SR_KEY_BYTES];
  int *label; /* index into labels */
  size_t n;
  char (*labels)[GROUP_LABEL_MAX + 1];
  size_t nlabels;
} groups_t;

static void groups_free(groups_t *g) {
  free(g->key);
  free(g->label);
  free(g->labels);
}

/* Lines "KEY,LABEL": a person's 64 hex digits and a group name (at most 64
 * bytes of UTF-8); blank lines, lines starting with # and a header line whose
 * first field is not a key are skipped. A key listed twice keeps its first
 * label. Errors are printed; returns an exit code. */
static int groups_load(const char *path, groups_t *g) {
  FILE *f = fopen(path, "r");
  char line[512];
  size_t lineno = 0, cap = 0;
  memset(g, 0, sizeof(*g));
  if (!f) return cli_fail(SR_EXIT_ENV, "cannot read %s: %s", path, strerror(errno));
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    size_t len = strcspn(line, "\r\n");
    line[len] = '\0';
    char *comma = strchr(line, ',');
    uint8_t key[SR_KEY_BYTES];
    if (!len || line[0] == '#') continue;
    if (comma) *comma = '\0'; /* the key alone, for the decoder */
    if (!comma || comma - line != SR_HEX_KEY_LEN || sr_hex_decode(line, key, SR_KEY_BYTES)) {
      if (lineno == 1) continue; /* a header */
      fclose(f);
      groups_free(g);
      return cli_fail(SR_EXIT_USAGE, "%s line %zu: want KEY,GROUP with the person's 64 hex digits", path, lineno);
    }
    const char *lab = comma + 1;
    json_t *probe = json_string(lab); /* jansson checks the UTF-8 */
    if (!*lab || strlen(lab) > GROUP_LABEL_MAX || !probe) {
      json_decref(probe);
      fclose(f);
      groups_free(g);
      return cli_fail(SR_EXIT_USAGE, "%s line %zu: a group name is 1 to %d bytes of UTF-8", path, lineno,
                      GROUP_LABEL_MAX);
    }
    json_decref(probe);
    size_t l = 0;
    while (l < g->nlabels && strcmp(g->labels[l], lab)) l++;
    if (l == g->nlabels) {
      size_t lc = g->nlabels;
      if (sr_grow((void **)&g->labels, &lc, g->nlabels + 1, sizeof(*g->labels), 16)) cli_out_of_memory();
      snprintf(g->labels[g->nlabels++], GROUP_LABEL_MAX + 1, "%s", lab);
    }
    size_t c1 = cap;
    if (sr_grow((void **)&g->key, &c1, g->n + 1, SR_KEY_BYTES, 64) ||
        sr_grow((void **)&g->label, &cap, g->n + 1, sizeof(int), 64))
      cli_out_of_memory();
    memcpy(g->key[g->n], key, SR_KEY_BYTES);
    g->label[g->n++] = (int)l;
  }
  fclose(f);
  return 0;
}

/* The label of a key (-1: not listed); linear, the lists are small. */
static int groups_of(const groups_t *g, const uint8_t *key) {
  for (size_t i = 0; i < g->n; i++)
    if (!memcmp(g->key[i], key, SR_KEY_BYTES)) return g->label[i];
  return -1;
}

int cli_flow_by_size(sr_cli_t *cli, const sr_flowforest_t *x, uint32_t *idx, int group, const char *group_file,
                     const cli_names_t *ns) {
  groups_t gf = {0};
  int *tree_label = NULL, rc;
  if (group == CLI_GROUP_FILE) {
    if ((rc = groups_load(group_file, &gf))) return rc;
    if (!(tree_label = malloc((x->f.ntrees + 1) * sizeof(int)))) cli_out_of_memory();
    /* a root's person is listed, or the key that signed it */
    for (uint32_t t = 0; t < x->f.ntrees; t++) {
      const sr_share_node_t *r = &x->nodes[x->f.trees[t].root];
      int l = groups_of(&gf, r->person);
      tree_label[t] = l >= 0 ? l : groups_of(&gf, r->author);
    }
    group_label = tree_label;
  }
  json_t *o = json_pack("{s:I, s:o}", "count", (json_int_t)x->f.ntrees, "bins", size_bins(x, idx, x->f.ntrees));
  json_t *groups = json_array();
  if (group != CLI_GROUP_NONE) {
    group_forest = x;
    group_by = group;
    qsort(idx, x->f.ntrees, sizeof(*idx), cmp_group);
    for (uint32_t a = 0, b; a < x->f.ntrees; a = b) {
      for (b = a + 1; b < x->f.ntrees && cmp_group(&idx[a], &idx[b]) == 0; b++) {
      }
      json_t *gname;
      const uint8_t *key = NULL;
      if (group == CLI_GROUP_FILE)
        gname = tree_label[idx[a]] >= 0 ? json_string(gf.labels[tree_label[idx[a]]]) : json_null();
      else {
        key = group_key(x, idx[a], group);
        gname = key ? sr_json_hex(key, SR_KEY_LEN) : json_null();
      }
      json_t *g = json_pack("{s:o, s:I, s:o}", "group", gname, "cascades", (json_int_t)(b - a), "bins",
                            size_bins(x, idx + a, b - a));
      if (group == CLI_GROUP_AUTHOR) json_object_set_new(g, "name", cli_json_name(ns, key));
      json_array_append_new(groups, g);
    }
  }
  free(tree_label);
  groups_free(&gf);
  static const char *const by_names[] = {NULL, "author", "project", "file"};
  json_object_set_new(o, "group_by", group == CLI_GROUP_NONE ? json_null() : json_string(by_names[group]));
  json_object_set_new(o, "groups", groups);
  if (cli->json) {
    cli_json_print(o);
    return 0;
  }
  printf("%u reshare %s by size (bins by powers of two: compare cascades of the same size)\n", x->f.ntrees,
         cli_plural(x->f.ntrees, "cascade", "cascades"));
  print_bins(json_object_get(o, "bins"));
  for (size_t i = 0; i < json_array_size(groups); i++) {
    json_t *g = json_array_get(groups, i);
    const char *hex = json_string_value(json_object_get(g, "group"));
    static const char *const what[] = {NULL, "root author", "project", "group"};
    if (!hex) printf("%s: none\n", what[group]);
    else if (group == CLI_GROUP_FILE) {
      printf("group: ");
      cli_text_put(stdout, hex, strlen(hex)); /* the researcher's label: escaped like any text */
      putchar('\n');
    } else {
      uint8_t key[SR_KEY_BYTES];
      char *who = NULL;
      if (group == CLI_GROUP_AUTHOR && sr_hex_decode(hex, key, SR_KEY_BYTES) == 0) who = cli_short_who(ns, key);
      printf("%s: ", group == CLI_GROUP_AUTHOR ? "root author" : "project");
      if (who) cli_text_put(stdout, who, strlen(who));
      else
        fputs(hex, stdout);
      putchar('\n');
      free(who);
    }
    print_bins(json_object_get(g, "bins"));
  }
  json_decref(o);
  return 0;
}
