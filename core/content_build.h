/* content_build.h: the content maps of version 1 (the schemas in content.h),
 * built canonically (sorted keys, shortest encodings: core/canon.h) into a
 * buffer the caller owns. The one place that writes these schemas: `seurone
 * publish` and anything else that makes content use these.
 *
 * Every builder writes at most cap bytes into out and sets *len. Optional
 * fields are NULL when absent (a string) and NULL when absent (a 32-byte key or
 * id). Strings must be UTF-8 (SR_EUTF8 otherwise). Errors: SR_EINVAL (a
 * required field NULL, an unknown state or role), SR_ETOOBIG (the
 * map does not fit in cap; cap = SR_ENTRY_MAX is the most an entry may hold),
 * SR_ENOMEM, or a core/canon code.
 */
#ifndef SR_CONTENT_BUILD_H
#define SR_CONTENT_BUILD_H
#include "core/content.h"
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

/* At most this many tags in a project (what the builder keeps on its stack). */
#define SR_CONTENT_TAGS_MAX 64

/* The value rules of the schema (a non-empty name) are sr_content_parse's,
 * which sr_store_publish runs, so its sentence reaches the person. */

/* about: {name, bio?}. */
SR_MUST_USE int sr_content_about(const char *name, const char *bio, uint8_t *out, size_t cap, size_t *len);
/* contact: {who, state}; state is an enum sr_contact_state. */
SR_MUST_USE int sr_content_contact(const uint8_t who[SR_KEY_BYTES], int state, uint8_t *out, size_t cap, size_t *len);
/* project: {name, description?, tags?, url?}; tags[0..ntags) (ntags 0: no
 * tags key), ntags <= SR_CONTENT_TAGS_MAX. */
SR_MUST_USE int sr_content_project(const char *name, const char *description, const char *const *tags, size_t ntags,
                                   const char *url, uint8_t *out, size_t cap, size_t *len);
/* membership: {project, role}; role is an enum sr_role. */
SR_MUST_USE int sr_content_membership(const uint8_t project[SR_ID_BYTES], int role, uint8_t *out, size_t cap,
                                      size_t *len);
/* share: {text?, link?, project?, reshare?}; at least one of text, link, reshare. */
SR_MUST_USE int sr_content_share(const char *text, const char *link, const uint8_t *project, const uint8_t *reshare,
                                 uint8_t *out, size_t cap, size_t *len);

/* device (the person's log): {device, state: "add"|"revoke", upto?, name?}.
 * revoke != 0: a revocation, which carries upto (the last seq of the device's
 * log that stays the person's); an add carries no upto. name NULL: none. */
SR_MUST_USE int sr_content_device(const uint8_t device[SR_KEY_BYTES], int revoke, uint64_t upto, const char *name,
                                  uint8_t *out, size_t cap, size_t *len);
/* device-of (seq 1 of a device's log): {person}. */
SR_MUST_USE int sr_content_device_of(const uint8_t person[SR_KEY_BYTES], uint8_t *out, size_t cap, size_t *len);

#endif
