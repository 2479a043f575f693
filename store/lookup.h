/* lookup.h: what a person typed, matched against what the node knows
 * (lookup.c). A prefix costs one cursor seek (MDB_SET_RANGE) and a step per
 * match; a name costs a scan of the profiles or projects database (no name
 * index). */
#ifndef SR_STORE_LOOKUP_H
#define SR_STORE_LOOKUP_H
#include "core/err.h"
#include "store/store.h"

enum sr_find_kind { SR_FIND_PERSON = 1, SR_FIND_ENTRY, SR_FIND_PROJECT };
#define SR_FIND_NAME_MAX 96 /* bytes of a name kept in a match (cut at a UTF-8 boundary) */

/* One match. name: a person's latest about name, a project's name, or for an
 * entry its author's name; name_len 0 when none is known. type: an entry's type. */
typedef struct sr_match {
  uint8_t id[SR_ID_BYTES];
  char name[SR_FIND_NAME_MAX + 1];
  size_t name_len;
  char type[SR_TYPE_MAX + 1];
} sr_match_t;

/* The people (people database), entries (entries database) or projects (the
 * projects database: project entries held and ids named by memberships and
 * shares) of kind whose lowercase hex starts with hex (1..64 hex digits, either
 * case). Fills out[0..min(*n, max)); *n is the number found, counted up to
 * max + 1 (so *n > max means more than max match). Errors: SR_EINVAL (hex is not
 * 1..64 hex digits or kind unknown), SR_ESTORE. */
SR_MUST_USE int sr_store_find_prefix(sr_store_t *st, int kind, const char *hex, sr_match_t *out, size_t max, size_t *n);
/* The people whose latest about name, or the projects whose project entry's
 * name, is exactly the len bytes of name (byte equality: case-sensitive, no
 * Unicode normalisation); out and *n as sr_store_find_prefix. SR_EINVAL for
 * SR_FIND_ENTRY (entries have no names). */
SR_MUST_USE int sr_store_find_name(sr_store_t *st, int kind, const char *name, size_t len, sr_match_t *out, size_t max,
                                   size_t *n);

/* What a person typed for a person (SR_FIND_PERSON), an entry or a project,
 * resolved to its 32 bytes: all 64 hex digits are taken as given, known or not;
 * a prefix of at least SR_RESOLVE_MIN_PREFIX hex digits must match exactly one
 * of that kind the node knows (git's rule); a person's or project's exact name
 * (as sr_store_find_name) must be unique. The CLI (tools/cli/resolve.c) and the
 * web views (node/view*.c) both resolve this way. what names the argument in
 * the message ("KEY", "id"). On failure err receives what a person should read
 * (what they typed and the names shown escaped, core/text.h): for an ambiguous
 * one, a first line, the candidates one per line each indented by two spaces
 * (at most SR_RESOLVE_SHOWN), and a last line saying what to type. With
 * SR_RESOLVE_CLI the hints name `seurone` commands. Errors: SR_EINVAL (not a
 * key, id or name: too many or too few hex digits, an entry given by name),
 * SR_ENOTFOUND (well formed, but nothing the node knows), SR_EAMBIGUOUS,
 * SR_ESTORE. */
#define SR_RESOLVE_MIN_PREFIX 8
#define SR_RESOLVE_SHOWN 10
#define SR_RESOLVE_CLI 1
SR_MUST_USE int sr_store_resolve(sr_store_t *st, int kind, const char *what, const char *arg, int flags,
                                 uint8_t out[SR_ID_BYTES], char *err, size_t errlen);

/* Everything the node knows of one 32-byte value, read in one transaction. */
typedef struct sr_known {
  int person;                       /* in the people database (an author, or named by a contact) */
  int authored;                     /* the node holds at least one entry by this key */
  int self;                         /* it is this node's own key */
  int entry;                        /* the node holds an entry with this id */
  char entry_type[SR_TYPE_MAX + 1]; /* its type ("" if it does not decode) */
  int project;                      /* in the projects database (held, or named by a membership or share) */
  int project_held;                 /* the project entry itself is held */
} sr_known_t;
SR_MUST_USE int sr_store_what_is(sr_store_t *st, const uint8_t id[SR_ID_BYTES], sr_known_t *k);

#endif
