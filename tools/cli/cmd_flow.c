/* cmd_flow.c: `seurone flow` — how information reached this node, from what it
 * recorded at first arrival (time, sending peer, hops). Latency is first arrival
 * minus the author's timestamp; negative values (clock skew) count as 0 and are
 * counted as skewed (DESIGN.md, Definitions). */
#include "tools/cli/cli.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint64_t *lat;
  size_t n, cap, skewed, by_source[5];
  uint64_t hops[17]; /* 16 = "16 or more" */
  const uint8_t *author;
} stats_t;

static int collect(void *ctx, const sr_entry_t *e, const sr_flow_t *f) {
  stats_t *s = ctx;
  s->by_source[f->source <= 4 ? f->source : 0]++;
  if (f->source != SR_SRC_PEER) return 0; /* own and imported entries did not flow here */
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 1024;
    uint64_t *l = realloc(s->lat, nc * sizeof(*l));
    if (!l) return SR_ENOMEM;
    s->lat = l;
    s->cap = nc;
  }
  int64_t d = (int64_t)f->received_at - (int64_t)e->ts;
  if (d < 0) {
    s->skewed++;
    d = 0;
  }
  s->lat[s->n++] = (uint64_t)d;
  s->hops[f->hops < 16 ? f->hops : 16]++;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static uint64_t pct(const uint64_t *v, size_t n, double p) {
  if (!n) return 0;
  size_t r = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (r < 1) r = 1;
  return v[(r > n ? n : r) - 1];
}

static json_t *stats_json(stats_t *s) {
  static const char *const src[] = {"unknown", "self", "import", "peer", "reindex"};
  json_t *hops = json_object(), *sources = json_object();
  if (s->n) qsort(s->lat, s->n, sizeof(*s->lat), cmp_u64);
  for (int h = 0; h <= 16; h++)
    if (s->hops[h]) {
      char k[8];
      snprintf(k, sizeof(k), h == 16 ? "16+" : "%d", h);
      json_object_set_new(hops, k, json_integer((json_int_t)s->hops[h]));
    }
  for (int i = 0; i < 5; i++)
    if (s->by_source[i]) json_object_set_new(sources, src[i], json_integer((json_int_t)s->by_source[i]));
  return json_pack("{s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:o}", "received", (json_int_t)s->n, "by_source",
                   sources, "latency_ms", "p50", (json_int_t)pct(s->lat, s->n, 50), "p90",
                   (json_int_t)pct(s->lat, s->n, 90), "p99", (json_int_t)pct(s->lat, s->n, 99), "min",
                   (json_int_t)(s->n ? s->lat[0] : 0), "max", (json_int_t)(s->n ? s->lat[s->n - 1] : 0), "skewed",
                   (json_int_t)s->skewed, "hops", hops);
}

static void stats_print(json_t *o, const char *title) {
  json_t *l = json_object_get(o, "latency_ms"), *h = json_object_get(o, "hops");
  const char *k;
  json_t *v;
  printf("%s\n", title);
  printf("received from peers  %lld entries (%lld with clock skew, counted as 0 ms)\n",
         (long long)json_integer_value(json_object_get(o, "received")),
         (long long)json_integer_value(json_object_get(o, "skewed")));
  printf("latency ms           p50 %lld   p90 %lld   p99 %lld   max %lld\n",
         (long long)json_integer_value(json_object_get(l, "p50")), (long long)json_integer_value(json_object_get(l, "p90")),
         (long long)json_integer_value(json_object_get(l, "p99")), (long long)json_integer_value(json_object_get(l, "max")));
  printf("hops                ");
  json_object_foreach(h, k, v) printf(" %s: %lld", k, (long long)json_integer_value(v));
  printf("\n");
}

static int flow_stats(sr_cli_t *cli, const uint8_t *author, const char *title) {
  stats_t s = {0};
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = sr_store_foreach_entry(st, author, collect, &s);
  sr_store_close(st);
  if (rc) {
    free(s.lat);
    return cli_fail(SR_EXIT_ENV, "reading the store failed: %s", sr_strerror(rc));
  }
  json_t *o = stats_json(&s);
  if (author) json_object_set_new(o, "author", cli_json_hex(author, 32));
  if (cli->json) cli_json_print(o);
  else {
    stats_print(o, title);
    json_decref(o);
  }
  free(s.lat);
  return 0;
}

static int flow_entry(sr_cli_t *cli, const char *idhex) {
  uint8_t id[32], buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  sr_flow_t f;
  if (cli_parse_key("ID", idhex, id)) return SR_EXIT_USAGE;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  int rc = sr_store_get_entry(st, id, buf, sizeof(buf), &len, &f);
  sr_store_close(st);
  if (rc == SR_ENOTFOUND) return cli_fail(SR_EXIT_PROBLEM, "this node does not hold entry %s", idhex);
  if (rc || sr_entry_decode(buf, len, &e)) return cli_fail(SR_EXIT_ENV, "reading the entry failed: %s", sr_strerror(rc));
  int64_t d = (int64_t)f.received_at - (int64_t)e.ts;
  json_t *o = cli_json_entry(&e, &f);
  json_object_del(o, "content");
  json_object_set_new(o, "latency_ms", json_integer(d < 0 ? 0 : d));
  json_object_set_new(o, "skewed", json_boolean(d < 0));
  if (cli->json) {
    cli_json_print(o);
    return 0;
  }
  printf("entry        %s\nauthor       %s  seq %lld  type %s\n", idhex, json_string_value(json_object_get(o, "author")),
         (long long)e.seq, json_string_value(json_object_get(o, "type")));
  printf("arrived      %s%s%s after %lld hops, %lld ms after it was written%s\n",
         json_string_value(json_object_get(o, "source")), json_is_string(json_object_get(o, "from")) ? " from " : "",
         json_is_string(json_object_get(o, "from")) ? json_string_value(json_object_get(o, "from")) : "",
         (long long)f.hops, (long long)(d < 0 ? 0 : d), d < 0 ? " (clock skew: written after it arrived)" : "");
  json_decref(o);
  return 0;
}

int cmd_flow(sr_cli_t *cli, int argc, char **argv) {
  uint8_t author[32];
  if (argc == 3 && !strcmp(argv[1], "entry")) return flow_entry(cli, argv[2]);
  if (argc == 3 && !strcmp(argv[1], "author")) {
    if (cli_parse_key("KEY", argv[2], author)) return SR_EXIT_USAGE;
    return flow_stats(cli, author, "how this author's entries reached this node");
  }
  if (argc >= 2 && !strcmp(argv[1], "network")) return cmd_flow_network(cli, argc - 1, argv + 1);
  if (argc == 2 && !strcmp(argv[1], "summary")) return flow_stats(cli, NULL, "how entries reached this node");
  return cli_fail(SR_EXIT_USAGE, "usage: seurone flow entry ID | flow author KEY | flow summary  [--json]");
}
