/* cmd_flownet.c: `seurone flow network` — network-wide flow distributions
 * combined from the flow-report entries this node holds — and `seurone flow
 * report`, the noised report this node would publish (docs/network-stats.md).
 *
 * Error bars: each bucket of each report carries independent Laplace noise of
 * variance 2 b^2 (b = 3 / epsilon); a bucket summed over k reports has standard
 * error sqrt(sum 2 b_i^2) and the 95% interval is +-1.96 of that. The interval
 * covers the noise only: what a report says is an exact count of what reached
 * that node, not a sample of the network. */
#include "tools/cli/cli.h"
#include "core/num.h"
#include "core/flowreport.h"
#include "core/flowstats.h"
#include "node/config.h"
#include "store/flowstore.h"
#include "store/read.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared ---- */

static json_t *int_array(const int64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer((json_int_t)v[i]));
  return a;
}

static json_t *uint_array(const uint64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer((json_int_t)v[i]));
  return a;
}

/* "0".."15", "16+", in a buffer of HOPS_LABEL_MAX. */
#define HOPS_LABEL_MAX 32
static void hops_label(int i, char *out, size_t cap) {
  snprintf(out, cap, i == SR_FLOWREPORT_HOPS - 1 ? "%d+" : "%d", i);
}

/* "[100, 250)" style label of latency bucket i. */
static void lat_label(const uint64_t *edges, uint32_t nlat, uint32_t i, char *out, size_t cap) {
  uint64_t from = i ? edges[i - 1] : 0;
  if (i + 1 < nlat) snprintf(out, cap, "%llu-%llu", (unsigned long long)from, (unsigned long long)edges[i]);
  else
    snprintf(out, cap, ">=%llu", (unsigned long long)from);
}

/* ---- flow report ---- */

static json_t *report_json(const sr_flowreport_t *r) {
  return json_pack("{s:I, s:I, s:f, s:I, s:o, s:o, s:o, s:I, s:I}", "period_start", (json_int_t)r->period_start,
                   "period_end", (json_int_t)r->period_end, "epsilon", r->epsilon_milli / 1000.0, "epsilon_milli",
                   (json_int_t)r->epsilon_milli, "hops", int_array(r->hops, SR_FLOWREPORT_HOPS), "latency_ms",
                   int_array(r->latency, r->nlat), "latency_edges", uint_array(r->edges, r->nlat - 1), "skewed",
                   (json_int_t)r->skewed, "total", (json_int_t)sr_flowreport_total(r));
}

/* ms since the epoch as "2026-11-24 14:35:16 UTC", for people (JSON keeps ms), in a
 * buffer of UTC_TEXT_MAX. */
#define UTC_TEXT_MAX 32
static const char *utc_text(uint64_t ms, char *buf, size_t len) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
    snprintf(buf, len, "%llu ms", (unsigned long long)ms);
  return buf;
}

int cmd_flow_report(sr_cli_t *cli, int argc, char **argv) {
  const char *eps_s = NULL, *since_s = NULL, *v;
  int publish = 0, rc;
  sr_config_t cfg;
  char err[4600];
  uint64_t now = cli_now_ms(), since;
  uint32_t eps_milli;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_opt(argc, argv, &i, "--epsilon", &v)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      eps_s = v;
    } else if ((r = cli_opt(argc, argv, &i, "--since", &v)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      since_s = v;
    } else if (!strcmp(argv[i], "--publish")) {
      publish = 1;
    } else {
      return cli_fail(SR_EXIT_USAGE,
                      "flow report does not take '%s' (usage: seurone flow report [--epsilon E] "
                      "[--since MS] [--publish] [--json])",
                      argv[i]);
    }
  }
  if ((rc = sr_config_load(cli->home, &cfg, err, sizeof(err))) != 0) return cli_fail(SR_EXIT_ENV, "%s", err);
  eps_milli = cfg.flow_epsilon_milli;
  if (eps_s && sr_flowreport_epsilon_parse(eps_s, &eps_milli))
    return cli_fail(SR_EXIT_USAGE,
                    "--epsilon must be a number above 0 and at most 10 with at most 3 decimals "
                    "(e.g. 0.5), got '%s'",
                    eps_s);
  if (since_s && sr_parse_u64(since_s, 0, UINT64_MAX, &since))
    return cli_fail(SR_EXIT_USAGE, "--since must be a time in ms since the epoch (0: everything), got '%s'", since_s);
  if (since_s && since >= now) return cli_fail(SR_EXIT_USAGE, "--since must be in the past");

  sr_flowreport_t r, exact;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  if (!since_s) {
    /* The daemon's period: from the end of this node's last report, at most one
     * interval back, so that no entry is counted in two reports. */
    uint8_t self[SR_KEY_BYTES];
    uint64_t interval = (uint64_t)cfg.flow_report_interval * 1000;
    since = sr_store_get_self(st, self) == 0 ? sr_store_flow_next_start(st, self, now, interval) : now - interval;
    if (since >= now) {
      sr_store_close(st);
      return cli_fail(SR_EXIT_PROBLEM, "this node's last report already covers everything up to now; try again later");
    }
  }
  sr_flowreport_init(&r, since, now, eps_milli);
  rc = sr_store_flow_count(st, &r);
  sr_store_close(st);
  if (rc) return cli_fail(SR_EXIT_ENV, "reading the store failed: %s", sr_strerror(rc));
  exact = r;
  if ((rc = sr_flowreport_noise(&r)) != 0) return cli_fail(SR_EXIT_USAGE, "bad epsilon: %s", sr_strerror(rc));

  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  if ((rc = sr_flowreport_encode(&r, &sb)) != 0) {
    msgpack_sbuffer_destroy(&sb);
    return cli_fail(SR_EXIT_PROBLEM, "cannot encode the report: %s", sr_strerror(rc));
  }
  char idhex[SR_HEX_ID_LEN + 1] = "";
  uint64_t seq = 0;
  if (publish && (rc = cli_publish(cli, SR_FLOWREPORT_TYPE, (const uint8_t *)sb.data, sb.size, 0, idhex, &seq))) {
    msgpack_sbuffer_destroy(&sb);
    return rc;
  }
  msgpack_sbuffer_destroy(&sb);

  json_t *o = report_json(&r);
  /* The exact counts stay on this machine: shown to its owner, never published. */
  json_object_set_new(o, "exact",
                      json_pack("{s:o, s:o, s:I, s:I}", "hops", int_array(exact.hops, SR_FLOWREPORT_HOPS), "latency_ms",
                                int_array(exact.latency, exact.nlat), "skewed", (json_int_t)exact.skewed, "total",
                                (json_int_t)sr_flowreport_total(&exact)));
  json_object_set_new(o, "scale", json_real(sr_flowreport_scale(eps_milli)));
  json_object_set_new(o, "published", json_boolean(publish));
  if (publish) {
    json_object_set_new(o, "id", json_string(idhex));
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
  }
  if (cli->json) {
    cli_json_print(o);
    return 0;
  }
  char from_s[UTC_TEXT_MAX], to_s[UTC_TEXT_MAX];
  printf("flow report for %s .. %s (%llu s), epsilon %.3f (Laplace scale %.2f per count)\n",
         utc_text(since, from_s, sizeof(from_s)), utc_text(now, to_s, sizeof(to_s)),
         (unsigned long long)((now - since) / 1000), eps_milli / 1000.0, sr_flowreport_scale(eps_milli));
  printf("%-16s %10s %10s\n", "bucket", "noised", "exact");
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) {
    char l[HOPS_LABEL_MAX], lab[40];
    hops_label(i, l, sizeof(l));
    snprintf(lab, sizeof(lab), "hops %s", l);
    printf("%-16s %10lld %10lld\n", lab, (long long)r.hops[i], (long long)exact.hops[i]);
  }
  for (uint32_t i = 0; i < r.nlat; i++) {
    char l[40], lab[48];
    lat_label(r.edges, r.nlat, i, l, sizeof(l));
    snprintf(lab, sizeof(lab), "ms %s", l);
    printf("%-16s %10lld %10lld\n", lab, (long long)r.latency[i], (long long)exact.latency[i]);
  }
  printf("%-16s %10lld %10lld\n", "skewed", (long long)r.skewed, (long long)exact.skewed);
  printf("%-16s %10lld %10lld\n", "total", (long long)sr_flowreport_total(&r), (long long)sr_flowreport_total(&exact));
  if (publish) printf("published as entry %s (seq %llu)\n", idhex, (unsigned long long)seq);
  else
    printf("not published (the exact column never is); --publish sends the noised one\n");
  json_decref(o);
  return 0;
}

/* ---- flow network ---- */

/* [est - half, est + half], to 2 decimals (more would be false precision). */
static json_t *interval(int64_t est, double half) {
  return json_pack("[f, f]", round(((double)est - half) * 100) / 100, round(((double)est + half) * 100) / 100);
}

static json_t *lat_range(const sr_flowreport_sum_t *s, int from_b, int to_b) {
  return json_pack("{s:I, s:o}", "from_ms", (json_int_t)(from_b ? s->edges[from_b - 1] : 0), "to_ms",
                   (uint32_t)to_b + 1 < s->nlat ? json_integer((json_int_t)s->edges[to_b]) : json_null());
}

/* A latency percentile: the bucket holding it, its 95% interval (from the
 * lower bucket's start to the upper one's end) and whether it is reliable. */
static json_t *pct_lat(const sr_flowreport_sum_t *s, const sr_flownoise_pct_t *p) {
  if (p->bucket < 0) return json_null();
  json_t *o = lat_range(s, p->bucket, p->bucket);
  json_object_set_new(o, "ci95", lat_range(s, p->lo, p->hi));
  json_object_set_new(o, "reliable", json_boolean(p->reliable));
  return o;
}

static json_t *pct_hops(const sr_flownoise_pct_t *p) {
  if (p->bucket < 0) return json_null();
  return json_pack("{s:i, s:[i, i], s:b}", "bucket", p->bucket, "ci95", p->lo, p->hi, "reliable", p->reliable);
}

static json_t *consistent(double v) { return json_real(round(v * 100) / 100); }

static void print_lat_bucket(const sr_flowreport_sum_t *s, int b) {
  long long from = (long long)(b ? s->edges[b - 1] : 0);
  if ((uint32_t)b + 1 >= s->nlat) printf(">=%lld", from);
  else
    printf("%lld-%lld", from, (long long)s->edges[b]);
}

/* "p99 100-250 (95%: 50-100 .. 250-500)" and a mark when noise dominates. */
static void print_pct_lat(const char *name, const sr_flowreport_sum_t *s, const sr_flownoise_pct_t *p) {
  printf("  %s ", name);
  if (p->bucket < 0) {
    printf("-\n");
    return;
  }
  print_lat_bucket(s, p->bucket);
  printf(" ms (95%%: ");
  print_lat_bucket(s, p->lo);
  if (p->hi != p->lo) {
    printf(" .. ");
    print_lat_bucket(s, p->hi);
  }
  printf(")%s\n", p->reliable ? "" : "  unreliable: the noise dominates the counts");
}

static void print_pct_hops(const char *name, const sr_flownoise_pct_t *p) {
  printf("  %s ", name);
  if (p->bucket < 0) {
    printf("-\n");
    return;
  }
  printf("%d%s (95%%: %d%s", p->bucket, p->bucket == 16 ? "+" : "", p->lo, p->lo == 16 ? "+" : "");
  if (p->hi != p->lo) printf(" .. %d%s", p->hi, p->hi == 16 ? "+" : "");
  printf(")%s\n", p->reliable ? "" : "  unreliable: the noise dominates the counts");
}

int cmd_flow_network(sr_cli_t *cli, int argc, char **argv) {
  const char *v;
  uint64_t latest = 1, since = 0;
  int since_set = 0, latest_set = 0, rc;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_opt(argc, argv, &i, "--latest", &v)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      if (sr_parse_u64(v, 0, UINT64_MAX, &latest))
        return cli_fail(SR_EXIT_USAGE, "--latest must be a whole number (0: all), got '%s'", v);
      latest_set = 1;
    } else if ((r = cli_opt(argc, argv, &i, "--since", &v)) != 0) {
      if (r < 0) return SR_EXIT_USAGE;
      if (sr_parse_u64(v, 0, UINT64_MAX, &since))
        return cli_fail(SR_EXIT_USAGE, "--since must be a time in ms since the epoch, got '%s'", v);
      since_set = 1;
    } else {
      return cli_fail(SR_EXIT_USAGE,
                      "flow network does not take '%s' (usage: seurone flow network [--latest N] "
                      "[--since MS] [--json])",
                      argv[i]);
    }
  }
  /* --since alone means every report in the window. */
  if (since_set && !latest_set) latest = 0;

  sr_flowheld_t *held = NULL;
  size_t nheld = 0, bad = 0, later = 0;
  sr_store_t *st = cli_open_store(cli, 0);
  if (!st) return SR_EXIT_ENV;
  rc = sr_store_flow_reports(st, &held, &nheld, &bad, &later);
  sr_store_close(st);
  if (rc) return cli_fail(SR_EXIT_ENV, "reading the store failed: %s", sr_strerror(rc));

  sr_flownet_t fn;
  rc = sr_flownet_combine(held, nheld, latest, since, &fn);
  if (rc) {
    free(held);
    return cli_fail(SR_EXIT_ENV, "combining the reports failed: %s", sr_strerror(rc));
  }
  const sr_flowreport_sum_t s = fn.s;
  size_t nodes = fn.nodes, other_layout = fn.other_layout;
  double se = fn.se, half = fn.half, se_total = fn.se_total;
  int64_t total = fn.total;
  json_t *sources = json_array();
  for (size_t u = 0; u < fn.nused; u++) {
    const sr_flowheld_t *h = &held[fn.used[u]];
    json_array_append_new(
        sources, json_pack("{s:o, s:o, s:I, s:I, s:I, s:f, s:I}", "author", sr_json_hex(h->author, SR_KEY_LEN), "id",
                           sr_json_hex(h->id, SR_KEY_LEN), "seq", (json_int_t)h->seq, "period_start",
                           (json_int_t)h->r.period_start, "period_end", (json_int_t)h->r.period_end, "epsilon",
                           h->r.epsilon_milli / 1000.0, "total", (json_int_t)sr_flowreport_total(&h->r)));
  }
  free(held);
  /* copied out: fn's arrays are freed below, its numbers are used after */
  double cons_hops[SR_FLOWREPORT_HOPS], cons_lat[SR_FLOWREPORT_LAT_MAX];
  sr_flownoise_pct_t npl[SR_FLOWNET_PCTS], nph[SR_FLOWNET_PCTS];
  memcpy(cons_hops, fn.cons_hops, sizeof(cons_hops));
  memcpy(cons_lat, fn.cons_lat, sizeof(cons_lat));
  memcpy(npl, fn.npct_lat, sizeof(npl));
  memcpy(nph, fn.npct_hops, sizeof(nph));
  sr_flownet_free(&fn);
  json_t *hops = json_array(), *lat = json_array();
  for (int i = 0; i < SR_FLOWREPORT_HOPS; i++) {
    char lab[8];
    hops_label(i, lab, sizeof(lab));
    json_array_append_new(hops, json_pack("{s:s, s:I, s:o, s:o}", "bucket", lab, "count", (json_int_t)s.hops[i], "ci95",
                                          interval(s.hops[i], half), "consistent", consistent(cons_hops[i])));
  }
  for (uint32_t i = 0; s.k && i < s.nlat; i++)
    json_array_append_new(lat, json_pack("{s:I, s:o, s:I, s:o, s:o}", "from_ms", (json_int_t)(i ? s.edges[i - 1] : 0),
                                         "to_ms", i + 1 < s.nlat ? json_integer((json_int_t)s.edges[i]) : json_null(),
                                         "count", (json_int_t)s.latency[i], "ci95", interval(s.latency[i], half),
                                         "consistent", consistent(cons_lat[i])));
  json_t *o = json_pack(
      "{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:f, s:f, s:{s:I, s:f, s:o}, s:{s:I, s:o}, s:o, s:o, "
      "s:{s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}}, s:o}",
      "reports", (json_int_t)s.k, "reporting_nodes", (json_int_t)nodes, "other_layout", (json_int_t)other_layout,
      "unparsable", (json_int_t)bad, "period_start", s.k ? json_integer((json_int_t)s.period_start) : json_null(),
      "period_end", s.k ? json_integer((json_int_t)s.period_end) : json_null(), "epsilon_min",
      s.k ? json_real(s.eps_min / 1000.0) : json_null(), "epsilon_max",
      s.k ? json_real(s.eps_max / 1000.0) : json_null(), "se_bucket", se, "ci95_half_width", half, "total", "count",
      (json_int_t)total, "se", se_total, "ci95", interval(total, SR_FLOWREPORT_Z95 * se_total), "skewed", "count",
      (json_int_t)s.skewed, "ci95", interval(s.skewed, half), "hops", hops, "latency_ms", lat, "percentiles",
      "latency_ms", "p50", pct_lat(&s, &npl[0]), "p90", pct_lat(&s, &npl[1]), "p99", pct_lat(&s, &npl[2]), "hops",
      "p50", pct_hops(&nph[0]), "p90", pct_hops(&nph[1]), "p99", pct_hops(&nph[2]), "sources", sources);
  if (!o) return cli_fail(SR_EXIT_PROBLEM, "building the JSON failed");
  json_object_set_new(o, "later_version", json_integer((json_int_t)later));
  json_object_set_new(o, "post_processing",
                      json_string("consistent: the closest non-negative histogram with monotone cumulative counts "
                                  "(isotonic regression); percentiles are read from it"));
  if (!s.k) {
    static const char none[] =
        "no flow reports held: relays publish them by default, personal nodes with "
        "flow_report = yes; follow a reporting node (or join a relay) to replicate its reports";
    json_object_set_new(o, "message", json_string(none));
    if (!cli->json) {
      printf("%s%s\n", none, since_set ? " (or none ends after --since)" : "");
      json_decref(o);
      return 0;
    }
  }
  if (cli->json) {
    cli_json_print(o);
    return 0;
  }
  printf("network flow from %zu report%s by %zu node%s (epsilon %.3f..%.3f), %s\n", s.k, s.k == 1 ? "" : "s", nodes,
         nodes == 1 ? "" : "s", s.eps_min / 1000.0, s.eps_max / 1000.0,
         latest ? "latest per node" : "every report in the window");
  {
    char a[UTC_TEXT_MAX], b[UTC_TEXT_MAX];
    printf("periods           %s .. %s\n", utc_text(s.period_start, a, sizeof(a)),
           utc_text(s.period_end, b, sizeof(b)));
  }
  printf("entries received  %lld +- %.0f (95%%)   skewed %lld +- %.0f\n", (long long)total,
         SR_FLOWREPORT_Z95 * se_total, (long long)s.skewed, half);
  printf("every bucket below: count +- %.1f (95%%, noise only)\n", half);
  printf("%-8s %10s %10s      %-16s %10s %10s\n", "hops", "count", "consistent", "latency ms", "count", "consistent");
  for (uint32_t i = 0; i < SR_FLOWREPORT_HOPS || i < s.nlat; i++) {
    char hl[8] = "", ll[40] = "", hc[24] = "", lc[24] = "", hq[24] = "", lq[24] = "";
    if (i < SR_FLOWREPORT_HOPS) {
      hops_label((int)i, hl, sizeof(hl));
      snprintf(hc, sizeof(hc), "%lld", (long long)s.hops[i]);
      snprintf(hq, sizeof(hq), "%.1f", cons_hops[i]);
    }
    if (i < s.nlat) {
      lat_label(s.edges, s.nlat, i, ll, sizeof(ll));
      snprintf(lc, sizeof(lc), "%lld", (long long)s.latency[i]);
      snprintf(lq, sizeof(lq), "%.1f", cons_lat[i]);
    }
    printf("%-8s %10s %10s      %-16s %10s %10s\n", hl, hc, hq, ll, lc, lq);
  }
  const char *pn[] = {"p50", "p90", "p99"};
  printf("percentiles from the consistent histogram (no negative bucket), with 95%% intervals:\n");
  printf("latency (bucket holding it):\n");
  for (int i = 0; i < SR_FLOWNET_PCTS; i++) print_pct_lat(pn[i], &s, &npl[i]);
  printf("hops:\n");
  for (int i = 0; i < SR_FLOWNET_PCTS; i++) print_pct_hops(pn[i], &nph[i]);
  if (other_layout)
    printf("%zu report%s with other latency buckets left out\n", other_layout, other_layout == 1 ? "" : "s");
  if (later)
    printf("%zu report%s of a later format version left out (a newer seurone reads them)\n", later,
           later == 1 ? "" : "s");
  json_decref(o);
  return 0;
}
