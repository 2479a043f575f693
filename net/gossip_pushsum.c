/* gossip_pushsum.c: push-sum rounds over the live sessions (core/pushsum.h;
 * docs/network-stats.md). */
#include "net/gossip_internal.h"
#include "core/core.h"
#include "core/frame.h"
#include <sodium.h>
#include <string.h>

static size_t live_sessions(const sr_gossip_t *g) {
  size_t n = 0;
  for (const sr_gpeer_t *p = g->peers; p; p = p->next) n += p->hello && !p->closing;
  return n;
}

/* This node's own values, measured once per epoch so that joining an instance
 * mid-epoch adds the same numbers the node started its own instance with. */
static void pushsum_measure(sr_gossip_t *g, uint64_t epoch) {
  sr_store_info_t info;
  uint64_t now = sr_gossip_wall_ms();
  if (g->ps_own_epoch == epoch + 1) return;
  memset(&info, 0, sizeof(info));
  int rc = sr_store_info(g->store, &info);
  if (rc) /* info stays zero: this epoch counts no entries here */
    sr_gossip_log(g, SR_LOG_WARN, "pushsum_count_failed", "push-sum: counting the stored entries failed: %s (%s)",
                  sr_strerror(rc), sr_store_errmsg(g->store));
  double minutes = g->ps_mark_ms && now > g->ps_mark_ms ? (double)(now - g->ps_mark_ms) / 60000.0 : 0;
  double rate = minutes > 0 ? (double)(g->st.entries_in - g->ps_mark_in) / minutes : 0;
  g->ps_own[SR_PUSHSUM_X_ENTRIES] = (double)info.entries;
  g->ps_own[SR_PUSHSUM_X_SESSIONS] = (double)live_sessions(g);
  g->ps_own[SR_PUSHSUM_X_RATE] = rate;
  g->ps_own_epoch = epoch + 1;
  g->ps_mark_ms = now;
  g->ps_mark_in = g->st.entries_in;
}

void sr_gossip_pushsum_take(sr_gossip_t *g, const sr_frame_t *f) {
  sr_pushsum_msg_t m;
  /* Off, or a frame with another set of quantities (a later version): mixing
   * them would corrupt the averages, so it is ignored like an unknown frame. */
  if (!g->ps_interval_ms || f->ps_nx != SR_PUSHSUM_NVALUES) return;
  /* The decoder passed only bit patterns of finite, non-negative doubles. */
  m.epoch = f->ps_epoch;
  memcpy(m.key, f->ps_key, SR_KEY_BYTES);
  memcpy(&m.w, &f->ps_w, 8);
  memcpy(&m.c, &f->ps_c, 8);
  for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) memcpy(&m.x[i], &f->ps_x[i], 8);
  if (!sr_pushsum_plausible(&m, sr_pushsum_epoch_of(sr_gossip_wall_ms(), g->ps_epoch_s))) return;
  if (!g->ps.started || m.epoch > g->ps.cur.epoch) pushsum_measure(g, m.epoch);
  sr_pushsum_absorb(&g->ps, &m, g->ps_own);
}

/* A live session whose write queue is not backed up. */
static int pushsum_target(const sr_gpeer_t *p) {
  return p->hello && !p->closing && sr_net_conn_queued(p->conn) < HIGH_WATER;
}

/* One round: roll the epoch over when the clock says so, then send half of the
 * mass to one random live session. A session whose write queue is backed up
 * (a sync in progress) is not picked: the round waits rather than queueing
 * behind replication; with no session the node keeps everything. */
static void on_pushsum_timer(uv_timer_t *t) {
  sr_gossip_t *g = t->data;
  uint64_t epoch = sr_pushsum_epoch_of(sr_gossip_wall_ms(), g->ps_epoch_s);
  if (g->stopping) return;
  if (!g->ps.started || epoch > g->ps.cur.epoch) {
    pushsum_measure(g, epoch);
    sr_pushsum_rollover(&g->ps, epoch, g->ps_own);
  }
  size_t n = 0;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) n += pushsum_target(p);
  if (!n) return;
  uint32_t pick = randombytes_uniform((uint32_t)n);
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (!pushsum_target(p) || pick--) continue;
    sr_pushsum_msg_t m;
    msgpack_sbuffer sb;
    uint64_t w, c, x[SR_PUSHSUM_NVALUES];
    sr_pushsum_halve(&g->ps, &m);
    memcpy(&w, &m.w, 8); /* doubles travel as their bit patterns (core/pushsum.h) */
    memcpy(&c, &m.c, 8);
    for (int i = 0; i < SR_PUSHSUM_NVALUES; i++) memcpy(&x[i], &m.x[i], 8);
    msgpack_sbuffer_init(&sb);
    int rc = sr_frame_pushsum(&sb, m.epoch, m.key, w, c, x, SR_PUSHSUM_NVALUES);
    if (rc == 0) rc = sr_gossip_send_sb(p, &sb); /* send_sb frees sb */
    else
      msgpack_sbuffer_destroy(&sb);
    /* Not sent: take the half back (the mass must not vanish on our side). */
    if (rc) sr_pushsum_absorb(&g->ps, &m, g->ps_own);
    break;
  }
}

void sr_gossip_pushsum_start(sr_gossip_t *g, uint32_t interval_ms, uint32_t epoch_s) {
  if (!interval_ms) return;
  g->ps_interval_ms = interval_ms;
  g->ps_epoch_s = epoch_s ? epoch_s : 60;
  uv_timer_start(&g->ps_timer, on_pushsum_timer, interval_ms, interval_ms);
}

void sr_gossip_pushsum_info(const sr_gossip_t *g, sr_gossip_pushsum_info_t *out) {
  memset(out, 0, sizeof(*out));
  if (!g->ps_interval_ms) return;
  out->on = 1;
  sr_pushsum_estimate(&g->ps, &out->running);
  out->started = g->ps.started;
  /* The completed epoch is the stable value. */
  out->have_prev = g->ps.started && g->ps.prev.epoch != 0;
  out->prev = g->ps.prev;
  out->epoch_s = g->ps_epoch_s;
  out->interval_ms = g->ps_interval_ms;
}
