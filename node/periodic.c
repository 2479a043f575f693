/* periodic.c: the node's timers: the tick (gossip's timers, aging of learned
 * peers, dials, the log limit's sums) and the flow reports (config
 * flow_report). Push-sum's rounds run on gossip's own timer
 * (sr_gossip_pushsum_start). */
#include "core/core.h"
#include "core/flowreport.h"
#include "node/daemon_internal.h"
#include <stdio.h>

/* ---- aging of learned peers ---- */

/* Learned peers never reached within SR_PEER_LEARNED_TTL_MS leave the table. */
static void known_age(sr_node_t *n, uint64_t now) {
  size_t dropped = 0;
  if (now - n->aged_ms < AGE_EVERY_MS) return;
  n->aged_ms = now;
  for (size_t i = n->nknown; i-- > 0;) {
    known_t *k = &n->known[i];
    if (k->dialing || sr_gossip_connected(n->g, k->rec.key) || !sr_peer_learned_stale(&k->rec, now)) continue;
    sr_node_known_drop(n, i);
    dropped++;
  }
  if (dropped) sr_node_log(n, "dropped %zu learned peer%s never reached", dropped, dropped == 1 ? "" : "s");
}

/* ---- flow reports (core/flowreport.h, docs/network-stats.md) ---- */

/* Every interval: count what arrived from peers since the last report, noise it
 * and publish it as this node's own entry (it gossips like any other). Periods
 * follow each other without overlap, also across restarts (the last report's
 * period_end is read back from the log), so each received entry is counted in
 * at most one report and the epsilon of one report is the epsilon overall. */
static void on_flow_report(uv_timer_t *t) {
  sr_node_t *n = t->data;
  uint64_t now = sr_node_now_ms(), interval = (uint64_t)n->cfg.flow_report_interval * 1000, seq;
  uint8_t id[SR_ID_BYTES];
  char why[200] = "", hex[65];
  sr_flowreport_t r;
  msgpack_sbuffer sb;
  int rc;
  /* read back each time: `flow report --publish` may have published one too */
  uint64_t start = sr_store_flow_next_start(n->store, n->pk, now, interval);
  if (start >= now) return; /* clock went back: wait for the next turn */
  sr_flowreport_init(&r, start, now, n->cfg.flow_epsilon_milli);
  msgpack_sbuffer_init(&sb);
  if ((rc = sr_store_flow_count(n->store, &r)) == 0) {
    int64_t exact = sr_flowreport_total(&r);
    if ((rc = sr_flowreport_noise(&r)) == 0 && (rc = sr_flowreport_encode(&r, &sb)) == 0 &&
        (rc = sr_node_publish(n, SR_FLOWREPORT_TYPE, (const uint8_t *)sb.data, sb.size, id, &seq, why, sizeof(why))) == 0) {
      sr_hex_encode(id, SR_ID_BYTES, hex);
      /* The exact count stays in this node's own log file, never in the entry. */
      sr_node_log(n, "published flow report seq %llu (%lld entr%s received in %llu s, epsilon %.3f) %.16s",
           (unsigned long long)seq, (long long)exact, exact == 1 ? "y" : "ies", (unsigned long long)((now - start) / 1000),
           n->cfg.flow_epsilon_milli / 1000.0, hex);
    }
  }
  if (rc) sr_node_log(n, "could not publish a flow report: %s%s%s", sr_strerror(rc), why[0] ? ": " : "", why);
  msgpack_sbuffer_destroy(&sb);
}

/* ---- the tick ---- */

static void on_tick(uv_timer_t *t) {
  sr_node_t *n = t->data;
  uint64_t now = sr_node_now_ms();
  sr_gossip_tick(n->g, uv_now(&n->loop));
  known_age(n, now);
  sr_node_dial_due(n, now);
  sr_loglimit_flush(&n->loglimit, uv_now(&n->loop), sr_node_log_sink, n);
}

void sr_node_periodic_start(sr_node_t *n) {
  uv_timer_init(&n->loop, &n->tick);
  n->tick.data = n;
  uv_timer_start(&n->tick, on_tick, 0, TICK_MS);
  if (n->cfg.flow_report) {
    uint64_t every = (uint64_t)n->cfg.flow_report_interval * 1000;
    uv_timer_init(&n->loop, &n->flowrep);
    n->flowrep.data = n;
    n->flowrep_on = 1;
    uv_timer_start(&n->flowrep, on_flow_report, every, every);
    sr_node_log(n, "flow reports on: one every %u s, epsilon %.3f", n->cfg.flow_report_interval,
         n->cfg.flow_epsilon_milli / 1000.0);
  }
}

void sr_node_periodic_stop(sr_node_t *n) {
  uv_timer_stop(&n->tick);
  uv_close((uv_handle_t *)&n->tick, NULL);
  if (n->flowrep_on) {
    uv_timer_stop(&n->flowrep);
    uv_close((uv_handle_t *)&n->flowrep, NULL);
  }
}
