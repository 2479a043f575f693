/* periodic.c: the node's timers: the tick (gossip's timers, aging of learned
 * peers, dials, the log limit's sums) and the flow reports (config
 * flow_report). Push-sum's rounds run on gossip's own timer
 * (sr_gossip_pushsum_start). */
#include "core/core.h"
#include "core/counters.h"
#include "core/flowreport.h"
#include "node/daemon_internal.h"
#include "node/prom_members.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  if (dropped)
    sr_node_log(n, SR_LOG_INFO, "peers_pruned", "dropped %zu learned peer%s never reached", dropped,
                dropped == 1 ? "" : "s");
}

/* ---- flow reports (core/flowreport.h, docs/network-stats.md) ---- */

/* Every interval: count what arrived from peers since the last report, noise it
 * and publish it as this node's own entry (it gossips like any other). Periods
 * follow each other without overlap, also across restarts (the last report's
 * period_end is read back from the log), so each received entry is counted in
 * at most one report and the epsilon of one report is the epsilon overall. */
typedef struct {
  sr_node_pub_t pub; /* first: the job's address is the publish's */
  uint64_t start, now;
  /* the config's when queued: a reload may change them meanwhile (node/reload.c) */
  uint64_t interval_ms;
  uint32_t epsilon_milli;
  int64_t exact;
  int skip;
} flowjob_t;

/* On the worker: the count is a full scan of what arrived, kept off the loop. */
static int flow_prepare(sr_node_pub_t *p) {
  flowjob_t *j = (flowjob_t *)p;
  sr_node_t *n = p->job.n;
  uint64_t interval = j->interval_ms;
  sr_flowreport_t r;
  msgpack_sbuffer sb;
  int rc;
  /* read back each time: `flow report --publish` may have published one too */
  j->start = sr_store_flow_next_start(n->store, n->pk, j->now, interval);
  if (j->start >= j->now) { /* clock went back: wait for the next turn */
    j->skip = 1;
    return SR_EINVAL;
  }
  sr_flowreport_init(&r, j->start, j->now, j->epsilon_milli);
  msgpack_sbuffer_init(&sb);
  if ((rc = sr_store_flow_count(n->store, &r)) == 0) {
    j->exact = sr_flowreport_total(&r);
    if ((rc = sr_flowreport_noise(&r)) == 0 && (rc = sr_flowreport_encode(&r, &sb)) == 0) {
      if (sb.size > sizeof(p->content)) rc = SR_ETOOBIG;
      else
        memcpy(p->content, sb.data, p->content_len = sb.size);
    }
  }
  msgpack_sbuffer_destroy(&sb);
  return rc;
}

static void flow_done(sr_node_pub_t *p) {
  flowjob_t *j = (flowjob_t *)p;
  sr_node_t *n = p->job.n;
  char hex[SR_HEX_ID_LEN + 1];
  n->flowrep_busy = 0;
  if (j->skip) {
  } else if (p->rc) {
    sr_node_log(n, SR_LOG_WARN, "flow_report_failed", "could not publish a flow report: %s%s%s", sr_strerror(p->rc),
                p->why[0] ? ": " : "", p->why);
  } else {
    sr_hex_encode(p->id, SR_ID_BYTES, hex);
    /* The exact count stays in this node's own log file, never in the entry. */
    sr_node_log(n, SR_LOG_INFO, "flow_report",
                "published flow report seq %llu (%lld entr%s received in %llu s, epsilon %.3f) %.16s",
                (unsigned long long)p->seq, (long long)j->exact, j->exact == 1 ? "y" : "ies",
                (unsigned long long)((j->now - j->start) / 1000), j->epsilon_milli / 1000.0, hex);
  }
  free(j);
}

static void on_flow_report(uv_timer_t *t) {
  sr_node_t *n = t->data;
  flowjob_t *j;
  int rc;
  if (n->flowrep_busy) return; /* the last one still counts: this turn is its */
  if (!(j = calloc(1, sizeof(*j)))) {
    sr_node_log(n, SR_LOG_WARN, "flow_report_failed", "could not publish a flow report: %s", sr_strerror(SR_ENOMEM));
    return;
  }
  snprintf(j->pub.type, sizeof(j->pub.type), "%s", SR_FLOWREPORT_TYPE);
  j->pub.prepare = flow_prepare;
  j->pub.done = flow_done;
  j->now = sr_node_now_ms();
  j->interval_ms = (uint64_t)n->cfg.flow_report_interval * 1000;
  j->epsilon_milli = n->cfg.flow_epsilon_milli;
  if ((rc = sr_node_publish(n, &j->pub))) {
    sr_node_log(n, SR_LOG_WARN, "flow_report_failed", "could not publish a flow report: %s", sr_strerror(rc));
    free(j);
    return;
  }
  n->flowrep_busy = 1;
}

/* ---- the tick ---- */

static void on_tick(uv_timer_t *t) {
  sr_node_t *n = t->data;
  uint64_t now = sr_node_now_ms();
  sr_gossip_tick(n->g, uv_now(&n->loop));
  known_age(n, now);
  sr_node_dial_due(n, now);
  sr_loglimit_flush(&n->loglimit, uv_now(&n->loop), sr_node_log_sink, n);
  if (n->prom) { /* the store's sizes for the metrics endpoint (node/prom.h) */
    uint64_t file_bytes, map_size;
    sr_store_sizes(n->store, &file_bytes, &map_size);
    sr_counters_store_sizes(file_bytes, map_size);
    sr_prom_members_tick(n, now); /* a relay's disk use per member, every 5 s */
  }
}

void sr_node_periodic_flow(sr_node_t *n) {
  uint64_t every = (uint64_t)n->cfg.flow_report_interval * 1000;
  if (n->flowrep_on) uv_timer_stop(&n->flowrep); /* a reload: the new interval counts from now */
  if (!n->cfg.flow_report) {
    if (n->flowrep_on) sr_node_log(n, SR_LOG_INFO, "flow_report_off", "flow reports off");
    return; /* the handle, once made, stays until sr_node_periodic_stop closes it */
  }
  if (!n->flowrep_on) {
    uv_timer_init(&n->loop, &n->flowrep);
    n->flowrep.data = n;
    n->flowrep_on = 1;
  }
  uv_timer_start(&n->flowrep, on_flow_report, every, every);
  sr_node_log(n, SR_LOG_INFO, "flow_report_on", "flow reports on: one every %u s, epsilon %.3f",
              n->cfg.flow_report_interval, n->cfg.flow_epsilon_milli / 1000.0);
}

void sr_node_periodic_start(sr_node_t *n) {
  uv_timer_init(&n->loop, &n->tick);
  n->tick.data = n;
  uv_timer_start(&n->tick, on_tick, 0, TICK_MS);
  sr_node_periodic_flow(n);
}

void sr_node_periodic_stop(sr_node_t *n) {
  uv_timer_stop(&n->tick);
  uv_close((uv_handle_t *)&n->tick, NULL);
  if (n->flowrep_on) {
    uv_timer_stop(&n->flowrep);
    uv_close((uv_handle_t *)&n->flowrep, NULL);
  }
}
