/* counters.h: the node's operational counters, and their Prometheus text.
 *
 * One set per process (a node process runs one node): the transport, gossip
 * and the node bump them where things happen, and the metrics endpoint
 * (node/prom.h) renders them as Prometheus text exposition on its own thread.
 *
 * Threads: every counter is a C11 atomic, bumped with a relaxed fetch-add and
 * read with relaxed loads. Writers are mostly the loop thread, but a store
 * worker may bump one too (a quota refusal found inside the ingest write
 * transaction), so a plain load-then-store would lose counts; an uncontended
 * relaxed add is one instruction. A scrape is not a snapshot across counters
 * (Prometheus does not need one): each value is a whole, untorn number.
 *
 * What is counted never names a member: no key, no address, only kinds
 * (error names, entry types) from fixed tables, so a scrape has a bounded
 * number of series whatever peers send (an unknown entry type is "other").
 *
 * Every name, its type and its labels are in docs/monitoring.md.
 */
#ifndef SR_COUNTERS_H
#define SR_COUNTERS_H
#include <stddef.h>
#include <stdint.h>

/* Reasons are SR_E* codes (core/err.h), kept for codes -1..-(SR_COUNTERS_CODES-1);
 * any other code counts under "other". */
#define SR_COUNTERS_CODES 256
/* Entry types: enum sr_ctype (core/content.h), SR_CT_OTHER included. */
#define SR_COUNTERS_TYPES 9

/* What a rate limit refused (seurone_rate_limited_total{limit}). */
enum sr_counters_limit {
  SR_LIMIT_FRAMES = 0,  /* a peer's frames or bytes per second (rate_frames_per_s, rate_bytes_per_s) */
  SR_LIMIT_DUPLICATES,  /* a peer kept sending entries this node holds */
  SR_LIMIT_HANDSHAKES,  /* handshakes in progress at once (SR_EHSLIMIT) */
  SR_LIMIT_CONNECTIONS, /* new connections from one address (the per-address limit) */
  SR_LIMIT_COUNT
};

/* ---- bumped where things happen ---- */
void sr_counters_handshake_ok(void);
void sr_counters_handshake_failed(int reason);
/* A session came up (after the handshake, accepted by gossip) / ended. */
void sr_counters_session_up(void);
void sr_counters_session_down(int reason); /* reason 0: a clean end */
/* One entry taken from a peer, or sent to one; ctype is an enum sr_ctype. */
void sr_counters_entry_in(int ctype);
void sr_counters_entry_out(int ctype);
void sr_counters_duplicate(void);
/* A received entry the store refused (reason: its SR_E code). */
void sr_counters_rejected(int reason);
void sr_counters_rate_limited(enum sr_counters_limit what);
/* An entry a relay refused before storing it (reason: SR_EQUOTA, SR_EPURGED
 * or SR_EPOLICY; net/gossip_refuse.c), once per refused entry, any thread. */
void sr_counters_quota_refused(int reason);
void sr_counters_bytes_in(uint64_t n);
void sr_counters_bytes_out(uint64_t n);
/* One ingest batch committed (or failed), taking ns nanoseconds of store work. */
void sr_counters_ingest_batch(uint64_t ns);
/* The store's size on disk and its map size, in bytes (set, not added). */
void sr_counters_store_sizes(uint64_t file_bytes, uint64_t map_bytes);

/* Back to zero (tests; a node process never needs it). */
void sr_counters_reset(void);

/* Extra lines of exposition text appended after the counters: the hook for
 * figures the counters do not hold (per-member disk use: see docs/monitoring.md).
 * fn writes at most cap bytes into out and returns how many; it runs on the
 * rendering thread, so it must read only what is safe there. NULL: none. */
typedef size_t (*sr_counters_extra_fn)(void *ctx, char *out, size_t cap);
void sr_counters_set_extra(sr_counters_extra_fn fn, void *ctx);

/* The whole exposition (Prometheus text format 0.0.4) into out (cap bytes,
 * NUL-terminated). Returns its length, or 0 when cap is too small
 * (SR_COUNTERS_TEXT_MAX is always enough without the extra hook). */
#define SR_COUNTERS_TEXT_MAX (64 * 1024)
size_t sr_counters_render(char *out, size_t cap);

#endif
