/* prom_members.h: a relay's disk use per member for the metrics endpoint
 * (docs/monitoring.md): seurone_member_disk_bytes and seurone_member_entries,
 * labelled by the member's name. */
#ifndef SR_PROM_MEMBERS_H
#define SR_PROM_MEMBERS_H
#include "node/daemon_internal.h"

#define SR_PROM_MEMBERS_EVERY_MS 5000 /* how stale a scrape's member figures may be */
#define SR_PROM_MEMBERS_MAX 1000      /* members shown; more are summed in one series */
#define SR_PROM_LABEL_MAX 128         /* a label value: a name cut to this, escaped */

/* Loop thread, from the tick while the endpoint runs on a relay: every
 * SR_PROM_MEMBERS_EVERY_MS, reads the members and their usage (store/usage.h)
 * and hands the text to the endpoint's thread (a snapshot swapped under a
 * mutex; the endpoint never reads the store). */
void sr_prom_members_tick(sr_node_t *n, uint64_t now_ms);
/* As the node stops (before the endpoint's thread ends): no more extra text. */
void sr_prom_members_stop(void);

#endif
