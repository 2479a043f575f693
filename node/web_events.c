/* web_events.c: GET /api/events, the page's live feed (Server-Sent Events).
 *
 * The loop thread writes what happened into w, under emu: each stored entry
 * into a ring of the last SR_WEB_RING (sr_web_entry), and a status snapshot
 * every SR_WEB_STATUS_MS (sr_web_events_tick); it never waits for a stream.
 * Each stream runs on its connection's thread, in libmicrohttpd's content
 * callback: it waits on ecv until the ring or the status moved, or its ping is
 * due, or the node stops, then writes the events it has not sent yet. A stream
 * that falls more than the ring behind skips to the oldest event held (the
 * page reloads its feed on the next status anyway).
 *
 *   event: entry   data: {"id", "author", "type"}
 *   event: status  data: {"peers", "entries_in", "entries_out"}
 *   : ping         (a comment every SR_WEB_PING_MS, so a dead client is noticed)
 */
#include "node/web_internal.h"
#include "core/core.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUT_CAP 16384 /* what one wake-up writes at most */

typedef struct {
  sr_web_t *w;
  uint64_t next;       /* the next ring event to send */
  uint64_t status_gen; /* the status snapshot last sent */
  uint64_t ping_due;   /* monotonic ms */
  char out[OUT_CAP];   /* written but not yet taken by libmicrohttpd */
  size_t off, len;
  int ended;
} stream_t;

static uint64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void sr_web_entry(sr_web_t *w, const uint8_t id[SR_ID_BYTES], const uint8_t author[SR_KEY_BYTES], const char *type,
                  size_t type_len) {
  sr_web_event_t *e;
  if (!w) return;
  if (type_len > SR_TYPE_MAX) type_len = SR_TYPE_MAX;
  pthread_mutex_lock(&w->emu);
  e = &w->ring[w->ehead % SR_WEB_RING];
  memcpy(e->id, id, SR_ID_BYTES);
  memcpy(e->author, author, SR_KEY_BYTES);
  memcpy(e->type, type, type_len);
  e->type[type_len] = '\0';
  w->ehead++;
  pthread_cond_broadcast(&w->ecv);
  pthread_mutex_unlock(&w->emu);
}

void sr_web_events_tick(uv_timer_t *t) {
  sr_web_t *w = t->data;
  sr_web_status_t s = {0};
  if (w->status_fn) w->status_fn(w->ctx, &s);
  pthread_mutex_lock(&w->emu);
  w->status = s;
  w->status_gen++;
  pthread_cond_broadcast(&w->ecv);
  pthread_mutex_unlock(&w->emu);
}

void sr_web_events_wake(sr_web_t *w) {
  pthread_mutex_lock(&w->emu);
  pthread_cond_broadcast(&w->ecv);
  pthread_mutex_unlock(&w->emu);
}

/* Appends one event (type may be JSON text: its characters need no escape in
 * a data line, as JSON has no raw newline). */
static void put(stream_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(stream_t *s, const char *fmt, ...) {
  va_list ap;
  int n;
  if (s->len >= OUT_CAP) return;
  va_start(ap, fmt);
  n = vsnprintf(s->out + s->len, OUT_CAP - s->len, fmt, ap);
  va_end(ap);
  if (n > 0 && (size_t)n < OUT_CAP - s->len) s->len += (size_t)n;
  else
    s->out[s->len] = '\0'; /* it did not fit: left for the next wake-up */
}

/* Under emu: the events s has not sent, as much as fits. */
static void take(stream_t *s, sr_web_t *w) {
  char id[65], author[65];
  if (w->ehead > s->next + SR_WEB_RING) s->next = w->ehead - SR_WEB_RING;
  while (s->next < w->ehead && OUT_CAP - s->len > 400) {
    const sr_web_event_t *e = &w->ring[s->next % SR_WEB_RING];
    json_t *type = json_string(e->type); /* a type is any bytes: JSON-escaped, or dropped when not UTF-8 */
    char *ts = type ? json_dumps(type, JSON_ENCODE_ANY) : NULL;
    sr_hex_encode(e->id, SR_ID_BYTES, id);
    sr_hex_encode(e->author, SR_KEY_BYTES, author);
    put(s, "event: entry\ndata: {\"id\":\"%s\",\"author\":\"%s\",\"type\":%s}\n\n", id, author, ts ? ts : "null");
    free(ts);
    json_decref(type);
    s->next++;
  }
  if (s->status_gen != w->status_gen && OUT_CAP - s->len > 200) {
    put(s, "event: status\ndata: {\"peers\":%zu,\"entries_in\":%llu,\"entries_out\":%llu}\n\n", w->status.peers,
        (unsigned long long)w->status.entries_in, (unsigned long long)w->status.entries_out);
    s->status_gen = w->status_gen;
  }
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max) {
  stream_t *s = cls;
  sr_web_t *w = s->w;
  size_t n;
  (void)pos;
  if (s->off == s->len) {
    s->off = s->len = 0;
    pthread_mutex_lock(&w->emu);
    for (;;) {
      uint64_t now = mono_ms();
      if (atomic_load(&w->stopping)) {
        s->ended = 1;
        break;
      }
      if (s->next < w->ehead || s->status_gen != w->status_gen) {
        take(s, w);
        break;
      }
      if (now >= s->ping_due) {
        put(s, ": ping\n\n");
        break;
      }
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      uint64_t wait = s->ping_due - now;
      until.tv_sec += (time_t)(wait / 1000);
      until.tv_nsec += (long)(wait % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&w->ecv, &w->emu, &until);
    }
    pthread_mutex_unlock(&w->emu);
    if (s->ended) return MHD_CONTENT_READER_END_OF_STREAM;
    s->ping_due = mono_ms() + SR_WEB_PING_MS;
  }
  n = s->len - s->off < max ? s->len - s->off : max;
  memcpy(buf, s->out + s->off, n);
  s->off += n;
  return (ssize_t)n;
}

static void stream_free(void *cls) {
  stream_t *s = cls;
  pthread_mutex_lock(&s->w->emu);
  s->w->streams--;
  pthread_mutex_unlock(&s->w->emu);
  free(s);
}

unsigned sr_web_get_events(sr_web_req_t *r) {
  sr_web_t *w = r->w;
  stream_t *s = calloc(1, sizeof(*s));
  int full;
  if (!s) return sr_web_fail(r, 500, SR_ENOMEM, "out of memory");
  s->w = w;
  pthread_mutex_lock(&w->emu);
  full = w->streams >= SR_WEB_STREAMS;
  if (!full) w->streams++;
  s->next = w->ehead;
  s->status_gen = w->status_gen;
  pthread_mutex_unlock(&w->emu);
  if (full) {
    free(s);
    return sr_web_fail(r, 503, SR_ETOOBIG, "too many event streams are open (at most %d): close a tab", SR_WEB_STREAMS);
  }
  /* The first status at once, so the page shows the node's state. */
  s->status_gen--;
  put(s, "retry: 3000\n\n");
  s->ping_due = mono_ms() + SR_WEB_PING_MS;
  r->resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, stream_free);
  if (!r->resp) {
    stream_free(s);
    return sr_web_fail(r, 500, SR_ENOMEM, "out of memory");
  }
  MHD_add_response_header(r->resp, "Content-Type", "text/event-stream; charset=utf-8");
  MHD_add_response_header(r->resp, "X-Accel-Buffering", "no");
  return 200;
}
