/* test_counters.c: core/counters (the Prometheus text: names, HELP and TYPE,
 * labels from fixed tables, a cumulative histogram) and core/logline (logfmt
 * fields written and read back, whatever bytes a value holds). */
#include "core/content.h"
#include "core/counters.h"
#include "core/err.h"
#include "core/logline.h"
#include "tests/unit/t.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char text[SR_COUNTERS_TEXT_MAX];

/* The value of the sample line that starts with `series ` (-1: none). */
static long long sample(const char *series) {
  char want[200];
  snprintf(want, sizeof want, "\n%s ", series);
  const char *p = strstr(text, want);
  return p ? strtoll(p + strlen(want), NULL, 10) : -1;
}

static void exposition_counts_what_happened(void) {
  sr_counters_reset();
  T_CHECK(sr_counters_render(text, sizeof text) > 0);
  T_EQ(sample("seurone_sessions"), 0);
  T_EQ(sample("seurone_entries_in_total{type=\"share\"}"), 0);
  sr_counters_session_up();
  sr_counters_session_up();
  sr_counters_session_down(SR_ERATE);
  for (int i = 0; i < 3; i++) sr_counters_entry_in(SR_CT_SHARE);
  sr_counters_entry_in(SR_CT_ABOUT);
  sr_counters_entry_in(99); /* out of the table: "other", never a new series */
  sr_counters_entry_out(SR_CT_CONTACT);
  sr_counters_rejected(SR_ESIG);
  sr_counters_rejected(-9999);
  sr_counters_handshake_failed(SR_EHSNETKEY);
  sr_counters_quota_refused(SR_ETOOBIG);
  sr_counters_rate_limited(SR_LIMIT_DUPLICATES);
  sr_counters_bytes_in(1000);
  sr_counters_store_sizes(4096, 1 << 20);
  T_CHECK(sr_counters_render(text, sizeof text) > 0);
  T_EQ(sample("seurone_sessions"), 1);
  T_EQ(sample("seurone_sessions_opened_total"), 2);
  T_EQ(sample("seurone_session_drops_total{reason=\"SR_ERATE\"}"), 1);
  T_EQ(sample("seurone_entries_in_total{type=\"share\"}"), 3);
  T_EQ(sample("seurone_entries_in_total{type=\"about\"}"), 1);
  T_EQ(sample("seurone_entries_in_total{type=\"other\"}"), 1);
  T_EQ(sample("seurone_entries_out_total{type=\"contact\"}"), 1);
  T_EQ(sample("seurone_rejected_entries_total{reason=\"SR_ESIG\"}"), 1);
  T_EQ(sample("seurone_rejected_entries_total{reason=\"other\"}"), 1);
  T_EQ(sample("seurone_handshakes_failed_total{reason=\"SR_EHSNETKEY\"}"), 1);
  T_EQ(sample("seurone_quota_refused_total{reason=\"SR_ETOOBIG\"}"), 1);
  T_EQ(sample("seurone_rate_limited_total{limit=\"duplicates\"}"), 1);
  T_EQ(sample("seurone_received_bytes_total"), 1000);
  T_EQ(sample("seurone_store_size_bytes"), 4096);
  T_EQ(sample("seurone_store_map_size_bytes"), 1 << 20);
  /* Every family has its HELP and TYPE, counters end in _total. */
  T_HAS(text, "# TYPE seurone_sessions gauge\n");
  T_HAS(text, "# TYPE seurone_entries_in_total counter\n");
  T_HAS(text, "# HELP seurone_rejected_entries_total ");
  T_HAS(text, "# TYPE seurone_ingest_batch_duration_seconds histogram\n");
  for (const char *p = text; (p = strstr(p, "# TYPE ")) != NULL; p++) {
    char name[100], type[20];
    T_EQ(sscanf(p, "# TYPE %99s %19s", name, type), 2);
    if (!strcmp(type, "counter")) T_CHECK(strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"));
    T_CHECK(!strncmp(name, "seurone_", 8));
  }
}

static void histogram_is_cumulative(void) {
  sr_counters_reset();
  sr_counters_ingest_batch(100 * 1000);      /* 0.1 ms */
  sr_counters_ingest_batch(3 * 1000 * 1000); /* 3 ms */
  sr_counters_ingest_batch(20000000000ull);  /* 20 s: past the last bound */
  T_CHECK(sr_counters_render(text, sizeof text) > 0);
  T_EQ(sample("seurone_ingest_batch_duration_seconds_bucket{le=\"0.00025\"}"), 1);
  T_EQ(sample("seurone_ingest_batch_duration_seconds_bucket{le=\"0.0025\"}"), 1);
  T_EQ(sample("seurone_ingest_batch_duration_seconds_bucket{le=\"0.005\"}"), 2);
  T_EQ(sample("seurone_ingest_batch_duration_seconds_bucket{le=\"10\"}"), 2);
  T_EQ(sample("seurone_ingest_batch_duration_seconds_bucket{le=\"+Inf\"}"), 3);
  T_EQ(sample("seurone_ingest_batch_duration_seconds_count"), 3);
  T_HAS(text, "seurone_ingest_batch_duration_seconds_sum 20.0031\n");
  T_EQ(sr_counters_render(text, 100), 0); /* too small: nothing half written */
  T_EQ(text[0], '\0');
}

static size_t extra(void *ctx, char *out, size_t cap) {
  (void)ctx;
  return (size_t)snprintf(out, cap, "seurone_member_disk_bytes{member=\"ada\"} 12\n");
}

static void extra_hook_appends(void) {
  sr_counters_reset();
  sr_counters_set_extra(extra, NULL);
  T_CHECK(sr_counters_render(text, sizeof text) > 0);
  T_EQ(sample("seurone_member_disk_bytes{member=\"ada\"}"), 12);
  sr_counters_set_extra(NULL, NULL);
}

/* ---- logline ---- */

typedef struct {
  char keys[8][32] /* size: test keys are short */, vals[8][256];
  int n;
} pairs_t;

static int collect(void *ctx, const char *k, size_t klen, const char *v, size_t vlen) {
  pairs_t *p = ctx;
  T_CHECK(p->n < 8 && klen < 32 && vlen < 256);
  memcpy(p->keys[p->n], k, klen);
  p->keys[p->n][klen] = '\0';
  memcpy(p->vals[p->n], v, vlen);
  p->vals[p->n][vlen] = '\0';
  p->n++;
  return 0;
}

static void logfmt_round_trips(void) {
  char line[SR_LOGLINE_MAX], scratch[256];
  const char *nasty = "say \"hi\"\n\x1b[2J back\\slash = done\t";
  pairs_t p = {0};
  sr_logline_start(line, sizeof line, SR_LOG_WARN, "session_drop");
  sr_logline_add(line, sizeof line, "peer", "0123456789abcdef");
  sr_logline_add(line, sizeof line, "empty", "");
  sr_logline_add(line, sizeof line, "msg", nasty);
  T_CHECK(!strncmp(line, "level=warn event=session_drop peer=0123456789abcdef empty=\"\" msg=\"say \\\"hi\\\"\\n\\x1b",
                   80));
  for (const char *c = line; *c; c++) T_CHECK((unsigned char)*c >= ' ' && *c != 0x7f); /* no raw control byte */
  T_OK(sr_logline_parse(line, scratch, sizeof scratch, collect, &p));
  T_EQ(p.n, 5);
  T_CHECK(!strcmp(p.keys[0], "level") && !strcmp(p.vals[0], "warn"));
  T_CHECK(!strcmp(p.keys[1], "event") && !strcmp(p.vals[1], "session_drop"));
  T_CHECK(!strcmp(p.keys[3], "empty") && !strcmp(p.vals[3], ""));
  T_CHECK(!strcmp(p.keys[4], "msg") && !strcmp(p.vals[4], nasty));
}

static void cut_values_stay_quoted(void) {
  char line[40], big[200], scratch[64] /* size: small on purpose, to cut */;
  pairs_t p = {0};
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  big[5] = ' ';
  sr_logline_start(line, sizeof line, SR_LOG_INFO, "e");
  sr_logline_add(line, sizeof line, "msg", big);
  T_EQ(line[strlen(line) - 1], '"'); /* the quote it opened is closed */
  T_CHECK(strlen(line) < sizeof line);
  T_OK(sr_logline_parse(line, scratch, sizeof scratch, collect, &p));
  T_EQ(p.n, 3);
  T_CHECK(!strncmp(p.vals[2], "xxxxx xx", 8));
  sr_logline_add(line, sizeof line, "more", "y"); /* full: left out, the line stays whole */
  T_EQ(line[strlen(line) - 1], '"');
}

int main(void) {
  T_RUN(exposition_counts_what_happened);
  T_RUN(histogram_is_cumulative);
  T_RUN(extra_hook_appends);
  T_RUN(logfmt_round_trips);
  T_RUN(cut_values_stay_quoted);
  fprintf(stderr, "test_counters: %d checks passed\n", t_checks);
  return 0;
}
