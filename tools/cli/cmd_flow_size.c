/* cmd_flow_size.c: `seurone flow cascades --by-size` — cascades compared
 * within size bins (the matched-size comparison: differences between kinds of
 * cascades are read at equal size, docs/flow.md), with depth, breadth and
 * structural virality per bin, overall and per root author or project. */
#include "tools/cli/cli.h"
#include "store/flowview.h"
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

static int cmp_group(const void *a, const void *b) {
  const uint8_t *x = group_key(group_forest, *(const uint32_t *)a, group_by),
                *y = group_key(group_forest, *(const uint32_t *)b, group_by);
  if (!x || !y) return !x && !y ? 0 : !x ? 1 : -1; /* no project: last */
  return memcmp(x, y, SR_KEY_BYTES);
}

int cli_flow_by_size(sr_cli_t *cli, const sr_flowforest_t *x, uint32_t *idx, int group, const cli_names_t *ns) {
  json_t *o = json_pack("{s:I, s:o}", "count", (json_int_t)x->f.ntrees, "bins", size_bins(x, idx, x->f.ntrees));
  json_t *groups = json_array();
  if (group != CLI_GROUP_NONE) {
    group_forest = x;
    group_by = group;
    qsort(idx, x->f.ntrees, sizeof(*idx), cmp_group);
    for (uint32_t a = 0, b; a < x->f.ntrees; a = b) {
      for (b = a + 1; b < x->f.ntrees && cmp_group(&idx[a], &idx[b]) == 0; b++) {
      }
      const uint8_t *key = group_key(x, idx[a], group);
      json_t *g = json_pack("{s:o, s:I, s:o}", "group", key ? sr_json_hex(key, SR_KEY_LEN) : json_null(), "cascades",
                            (json_int_t)(b - a), "bins", size_bins(x, idx + a, b - a));
      if (group == CLI_GROUP_AUTHOR) json_object_set_new(g, "name", cli_json_name(ns, key));
      json_array_append_new(groups, g);
    }
  }
  json_object_set_new(
      o, "group_by",
      group == CLI_GROUP_NONE ? json_null() : json_string(group == CLI_GROUP_AUTHOR ? "author" : "project"));
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
    if (!hex) printf("%s: none\n", group == CLI_GROUP_AUTHOR ? "root author" : "project");
    else {
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
