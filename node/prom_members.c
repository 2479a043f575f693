/* prom_members.c: see prom_members.h. Labels are names, what the operator
 * knows, never keys or addresses; two members of one name are told apart by
 * "#2", "#3" after it (Prometheus refuses two series with the same labels).
 * Everyone past SR_PROM_MEMBERS_MAX is in one series, member="(others)". */
#include "node/prom_members.h"
#include "core/counters.h"
#include "core/core.h"
#include "store/peers.h"
#include "store/read.h"
#include "store/usage.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *snap; /* the exposition text, under mu */
static size_t snap_len;

typedef struct {
  sr_node_t *n;
  char *buf;
  size_t len, cap;
  size_t count;
  uint64_t other_bytes, other_entries;
  char (*names)[SR_PROM_LABEL_MAX]; /* the labels given so far, for "#2" */
  int failed;
} build_t;

static void put(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(build_t *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int k = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->failed = 1;
      return;
    }
    if ((size_t)k < b->cap - b->len) {
      b->len += (size_t)k;
      return;
    }
    char *g = realloc(b->buf, b->cap * 2 + (size_t)k);
    if (!g) {
      b->failed = 1;
      return;
    }
    b->buf = g, b->cap = b->cap * 2 + (size_t)k;
  }
}

/* A label value: backslash and quote escaped (the exposition format),
 * control characters and bytes that are not UTF-8 become '?' (a name is
 * someone's bytes); cut to whole characters within SR_PROM_LABEL_MAX. */
static void label_of(const char *name, size_t len, char out[SR_PROM_LABEL_MAX]) {
  size_t o = 0, i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)name[i];
    size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (k > 1 && (i + k > len || !sr_utf8_valid((const uint8_t *)name + i, k))) k = 0;
    int esc = k == 1 && (c == '\\' || c == '"');
    size_t need = esc ? 2 : k ? k : 1;
    if (o + need >= SR_PROM_LABEL_MAX) break;
    if (k == 0 || (k == 1 && (c < 0x20 || c == 0x7f))) {
      out[o++] = '?';
      i += 1;
      continue;
    }
    if (esc) out[o++] = '\\';
    memcpy(out + o, name + i, k);
    o += k, i += k;
  }
  out[o] = '\0';
}

static int member_cb(void *ctx, const sr_member_rec_t *m) {
  build_t *b = ctx;
  sr_usage_t u;
  char name[SR_ENTRY_MAX + 1], label[SR_PROM_LABEL_MAX];
  size_t nl = 0;
  if (sr_usage_get(b->n->store, m->key, 0, &u) != 0) memset(&u, 0, sizeof(u));
  if (b->count >= SR_PROM_MEMBERS_MAX) {
    b->other_bytes += u.bytes, b->other_entries += u.entries;
    return 0;
  }
  if (sr_store_get_name(b->n->store, m->key, name, sizeof(name), &nl) != 0 || nl == 0 || nl >= sizeof(name))
    snprintf(label, sizeof(label), "(no name)");
  else
    label_of(name, nl, label);
  size_t same = 1;
  for (size_t i = 0; i < b->count; i++) same += !strncmp(b->names[i], label, SR_PROM_LABEL_MAX);
  memcpy(b->names[b->count++], label, SR_PROM_LABEL_MAX);
  char shown[SR_PROM_LABEL_MAX + 24];
  if (same > 1) snprintf(shown, sizeof(shown), "%s #%zu", label, same);
  else
    snprintf(shown, sizeof(shown), "%s", label);
  put(b, "seurone_member_disk_bytes{member=\"%s\"} %llu\n", shown, (unsigned long long)u.bytes);
  put(b, "seurone_member_entries{member=\"%s\"} %llu\n", shown, (unsigned long long)u.entries);
  return b->failed ? 1 : 0;
}

static size_t extra(void *ctx, char *out, size_t cap) {
  size_t n = 0;
  (void)ctx;
  pthread_mutex_lock(&mu);
  if (snap && snap_len < cap) {
    memcpy(out, snap, snap_len);
    n = snap_len;
  }
  pthread_mutex_unlock(&mu);
  return n;
}

void sr_prom_members_tick(sr_node_t *n, uint64_t now_ms) {
  if (!n->prom || !n->relay || (n->prom_members_ms && now_ms - n->prom_members_ms < SR_PROM_MEMBERS_EVERY_MS)) return;
  n->prom_members_ms = now_ms ? now_ms : 1;
  build_t b = {n, malloc(4096), 0, 4096, 0, 0, 0, calloc(SR_PROM_MEMBERS_MAX, SR_PROM_LABEL_MAX), 0};
  if (!b.buf || !b.names) goto out;
  put(&b,
      "# HELP seurone_member_disk_bytes Bytes of a relay member's entries held (fork proofs included).\n"
      "# TYPE seurone_member_disk_bytes gauge\n"
      "# HELP seurone_member_entries Entries of a relay member held.\n"
      "# TYPE seurone_member_entries gauge\n");
  if (sr_store_foreach_member(n->store, 0, member_cb, &b) < 0 || b.failed) goto out;
  if (b.other_entries || b.other_bytes) {
    put(&b, "seurone_member_disk_bytes{member=\"(others)\"} %llu\n", (unsigned long long)b.other_bytes);
    put(&b, "seurone_member_entries{member=\"(others)\"} %llu\n", (unsigned long long)b.other_entries);
  }
  if (b.failed) goto out;
  pthread_mutex_lock(&mu);
  free(snap);
  snap = b.buf, snap_len = b.len;
  b.buf = NULL;
  pthread_mutex_unlock(&mu);
  sr_counters_set_extra(extra, NULL);
out:
  free(b.buf);
  free(b.names);
}

void sr_prom_members_stop(void) {
  sr_counters_set_extra(NULL, NULL);
  pthread_mutex_lock(&mu);
  free(snap);
  snap = NULL, snap_len = 0;
  pthread_mutex_unlock(&mu);
}
