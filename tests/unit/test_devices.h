/* test_devices.h: the parts of the test_devices program (device keys,
 * docs/format.md "Devices", on real stores in temp dirs): test_devices.c
 * (main; schemas, binding in both orders, hostile certificates and claims,
 * revocation, reindex) and test_devices_views.c (the person in the graph,
 * the metrics, the scope and names). */
#ifndef SR_TEST_DEVICES_H
#define SR_TEST_DEVICES_H
#include "core/key.h"
#include "core/metrics.h"
#include "store/flowview.h"
#include "store/graphview.h"
#include "store/scope.h"
#include "store/devices.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include "store/read.h"
#include "store/store.h"
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"

/* {device, name?, state, upto?} (upto < 0: absent) and {person}. */
void td_device(t_buf_t *b, const uint8_t dev[SR_KEY_BYTES], const char *state, long long upto, const char *name);
void td_device_of(t_buf_t *b, const uint8_t person[SR_KEY_BYTES]);
/* The next entry of a with content c (c freed), ingested: its status. */
int td_put(sr_store_t *st, t_author_t *a, uint64_t ts, const char *type, t_buf_t *c);
/* Shorthands: a's contact about who; p certifies dev (add); dev claims p. */
int td_contact(sr_store_t *st, t_author_t *a, const uint8_t *who, const char *state, uint64_t ts);
int td_add(sr_store_t *st, t_author_t *p, const uint8_t *dev, const char *name);
int td_claim(sr_store_t *st, t_author_t *dev, const uint8_t *person);
/* 1 when key's person (sr_store_person_of, seq) is want. */
int td_person_is(sr_store_t *st, const uint8_t *key, uint64_t seq, const uint8_t *want);

/* test_devices_views.c */
void dev_graph_one_person(void);
void dev_graph_follow_state_newest(void);
void dev_scope_whole_person(void);
void dev_names_newest_about(void);
void dev_flow_one_person(void);

#endif
