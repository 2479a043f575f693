/* devices.h: device keys (docs/format.md "Devices"): which keys are the
 * devices of which person, from the `devices` and `person_devices` databases
 * that ingest keeps (derived, rebuilt by reindex).
 *
 * A device D is bound to person P when D's seq 1 is `device-of {person: P}`
 * AND P's log certifies D (`device {device: D, state: add}`), and P is not
 * itself a device (P's seq 1 is not a device-of). A revocation by P is final:
 * entries of D after its `upto` are not P's (ingest refuses them,
 * SR_EREVOKED). Views treat a person and its bound devices as one person:
 * sr_store_person_of for one key, a personmap for many.
 */
#ifndef SR_STORE_DEVICES_H
#define SR_STORE_DEVICES_H
#include "core/content.h"
#include "core/err.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

/* The binding of one key. */
typedef struct sr_device {
  uint8_t key[SR_KEY_BYTES], person[SR_KEY_BYTES];
  int bound;                         /* both certificate and claim held, P not a device */
  int revoked;                       /* a revocation held */
  uint64_t upto;                     /* with revoked */
  uint64_t added_ms;                 /* ts of the certificate entry (0: no certificate held) */
  char name[SR_DEVICE_NAME_MAX + 1]; /* label, "" if none */
} sr_device_t;

/* person_of: P for a bound device (seq == 0: ignore upto; else seq <= upto or
 * not revoked), else key itself. 0 or SR_ESTORE. */
SR_MUST_USE int sr_store_person_of(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t seq,
                                   uint8_t person[SR_KEY_BYTES]);
/* The devices certified by person (bound or not; a key it only revoked is
 * listed too), in certificate order (seq of the person's first `device` entry
 * about it); caller frees *out (NULL when *n == 0). 0, SR_ENOMEM or SR_ESTORE. */
SR_MUST_USE int sr_store_devices_of(sr_store_t *st, const uint8_t person[SR_KEY_BYTES], sr_device_t **out, size_t *n);
/* The binding record of one key as a device (*found 0 when the store knows
 * nothing of key as a device). 0 or SR_ESTORE. */
SR_MUST_USE int sr_store_device_get(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], sr_device_t *out, int *found);

/* An in-memory map of every binding, for views that walk many keys in one pass. */
typedef struct sr_personmap sr_personmap_t;
SR_MUST_USE int sr_store_personmap(sr_store_t *st, sr_personmap_t **out);
/* The person of key's entry seq (seq 0: of the key itself, upto ignored);
 * NULL: key is its own person. m may be NULL (no devices). */
const uint8_t *sr_personmap_person(const sr_personmap_t *m, const uint8_t key[SR_KEY_BYTES], uint64_t seq);
/* 1 when key is a bound device its person revoked and seq is past upto: the
 * entry is no one's in the views (not the person's, and not a person of its
 * own either: feed, graph and metrics leave it out). m may be NULL. */
SR_MUST_USE int sr_personmap_revoked_tail(const sr_personmap_t *m, const uint8_t key[SR_KEY_BYTES], uint64_t seq);
/* The number of bound devices in m (0 for NULL). */
size_t sr_personmap_count(const sr_personmap_t *m);
/* Bound device i (0..count) of m, ordered by person then device key: its key,
 * its person (either pointer may be NULL). */
void sr_personmap_at(const sr_personmap_t *m, size_t i, const uint8_t **key, const uint8_t **person);
/* The bound devices of person: *first and the count of its rows in the
 * sr_personmap_at order (0 when it has none). */
size_t sr_personmap_devices(const sr_personmap_t *m, const uint8_t person[SR_KEY_BYTES], size_t *first);
void sr_personmap_free(sr_personmap_t *m);

/* The follow state of a's person about b's person (SR_FOLLOW, SR_UNFOLLOW,
 * SR_BLOCK, or 0 when none): for each key of b's person, the newest contact
 * entry by ts among the keys of a's person (ties: the higher author key);
 * follow when any of those is follow, else block when any is block, else
 * unfollow when any is. For keys without devices this is sr_store_get_contact.
 * 0 or SR_ESTORE / SR_ENOMEM. */
SR_MUST_USE int sr_store_person_contact(sr_store_t *st, const uint8_t a[SR_KEY_BYTES], const uint8_t b[SR_KEY_BYTES],
                                        int *state);

/* The name of key's person: the newest `about` by ts among the person's keys
 * (the person and its bound devices). 0 with name[0..*len) (not
 * NUL-terminated, truncated to cap) and *found, or SR_ESTORE. */
SR_MUST_USE int sr_store_person_name(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], char *name, size_t cap,
                                     size_t *len, int *found);

#endif
