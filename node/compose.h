/* compose.h: the content of a publish from what a person typed, with the
 * rules of `seurone publish` (docs/cli.md, "Keys and ids in publish"): which
 * fields each type takes and needs, the keys and ids resolved as typed (a
 * unique prefix of 8+ hex digits, or an exact name: store/lookup.h), the
 * impossible refused and the unknown warned about, then the canonical map
 * (core/content_build.h). The CLI (flags --name, --who...) and the web API
 * (JSON fields name, who...) both publish through it, so they never differ.
 */
#ifndef SR_COMPOSE_H
#define SR_COMPOSE_H
#include "core/content_build.h"
#include "core/err.h"
#include "store/store.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum sr_compose_field {
  SR_COMPOSE_NAME,
  SR_COMPOSE_BIO,
  SR_COMPOSE_WHO,
  SR_COMPOSE_STATE,
  SR_COMPOSE_DESCRIPTION,
  SR_COMPOSE_TAG, /* repeatable: tags[] */
  SR_COMPOSE_URL,
  SR_COMPOSE_PROJECT,
  SR_COMPOSE_ROLE,
  SR_COMPOSE_TEXT,
  SR_COMPOSE_LINK,
  SR_COMPOSE_RESHARE,
  SR_COMPOSE_FIELDS
};

typedef struct sr_compose {
  const char *type;                   /* about, contact, project, membership, share */
  const char *val[SR_COMPOSE_FIELDS]; /* NULL: not given (tag: unused) */
  const char *tags[SR_CONTENT_TAGS_MAX];
  size_t ntags;
} sr_compose_t;

/* Messages name the fields as the CLI's flags ("--who") with SR_COMPOSE_CLI,
 * else as they are ("who"); resolving, the CLI's hints too (SR_RESOLVE_CLI). */
#define SR_COMPOSE_CLI 1

/* 1 when type is one publish knows. */
SR_MUST_USE int sr_compose_type_known(const char *type);
/* The i-th field type takes (0, 1, ...; NULL past the last), as an
 * sr_compose_field in *field. */
const char *sr_compose_type_field(const char *type, size_t i, int *field);
/* The name of a field ("who"). */
const char *sr_compose_field_name(int field);

/* What can be checked without the store: the fields type needs, a state or
 * role among those known. 0, or SR_EINVAL with err. */
SR_MUST_USE int sr_compose_check(const sr_compose_t *c, int flags, char *err, size_t errlen);
/* Resolves and checks who, project and reshare in st (st may be NULL when c
 * names none), appending a sentence to warnings for each one the node does not
 * hold yet (it may still arrive), then writes the canonical content into
 * out[0..cap) and *len. Errors, with err: SR_EINVAL (refused: yourself as who,
 * an id of the wrong kind, a malformed key), SR_ENOTFOUND and SR_EAMBIGUOUS
 * (what was typed matches none, or several), SR_ETOOBIG (over 16 KiB with
 * cap = SR_ENTRY_MAX), SR_ESTORE, SR_ENOMEM, or an encoding error. */
SR_MUST_USE int sr_compose_content(sr_store_t *st, const sr_compose_t *c, int flags, uint8_t *out, size_t cap,
                                   size_t *len, json_t *warnings, char *err, size_t errlen);

#endif
