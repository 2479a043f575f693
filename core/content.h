/* content.h: the content schemas of version 1 (docs/format.md) and what each entry
 * means for the graph.
 *
 * Schemas (keys not listed are allowed and ignored, so that later versions can
 * extend a type without breaking older nodes):
 *   about:      {name: str (non-empty), bio?: str}
 *   contact:    {who: bin 32, state: "follow"|"unfollow"|"block"}
 *   project:    {name: str (non-empty), description?: str, tags?: [str], url?: str}
 *   membership: {project: bin 32 (entry id), role: "member"|"supporter"|"left"}
 *   share:      {text?: str, link?: str, project?: bin 32, reshare?: bin 32},
 *               at least one of text, link, reshare
 *   flow-report: {v: 1, period_start, period_end, epsilon_milli, hops: [17 ints],
 *               latency_ms: [ints], latency_edges: [uints], skewed: int}; strict,
 *               and no binary or string value anywhere (core/flowreport.h)
 *   device:     {device: bin 32, state: "add"|"revoke", upto?: uint, name?: str};
 *               upto required with revoke and absent with add; device != author;
 *               name at most SR_DEVICE_NAME_MAX bytes (docs/format.md "Devices")
 *   device-of:  {person: bin 32}; only at seq 1; person != author
 * Any other type is stored and forwarded but not interpreted (SR_CT_OTHER).
 */
#ifndef SR_CONTENT_H
#define SR_CONTENT_H
#include "core/err.h"
#include "core/entry.h"

enum sr_ctype {
  SR_CT_OTHER = 0,
  SR_CT_ABOUT,
  SR_CT_CONTACT,
  SR_CT_PROJECT,
  SR_CT_MEMBERSHIP,
  SR_CT_SHARE,
  SR_CT_FLOW_REPORT,
  SR_CT_DEVICE,   /* a person certifies or revokes one of its device keys */
  SR_CT_DEVICE_OF /* seq 1 of a device's log: the person it belongs to */
};
enum sr_contact_state { SR_FOLLOW = 1, SR_UNFOLLOW, SR_BLOCK };
enum sr_role { SR_MEMBER = 1, SR_SUPPORTER, SR_LEFT };
enum sr_device_state { SR_DEVICE_ADD = 1, SR_DEVICE_REVOKE };
/* The longest device label (bytes of UTF-8): a longer one is a schema error, so
 * every stored label fits the store's fixed buffers (store/devices.h). */
#define SR_DEVICE_NAME_MAX 64

/* What an entry says, with pointers into the entry's raw bytes. */
typedef struct sr_content {
  enum sr_ctype type;
  const char *name; /* about.name, project.name, device.name (NULL: none) */
  uint32_t name_len;
  uint8_t who[SR_KEY_BYTES];    /* contact.who */
  int state;                    /* contact: sr_contact_state; membership: sr_role; device: sr_device_state */
  uint8_t project[SR_ID_BYTES]; /* membership.project, share.project */
  int has_project;
  uint8_t reshare[SR_ID_BYTES]; /* share.reshare */
  int has_reshare;
  uint8_t device[SR_KEY_BYTES]; /* device.device */
  uint8_t person[SR_KEY_BYTES]; /* device-of.person */
  uint64_t upto;                /* device.upto (with revoke) */
  int has_upto;
} sr_content_t;

/* The type e names (SR_CT_OTHER for one not listed above); nothing else is read. */
enum sr_ctype sr_content_type_of(const sr_entry_t *e);
/* Checks e's content against its type's schema (device-of also against e's
 * seq and author, device against e's author) and fills c. Returns 0 or
 * SR_ECONTENT with a sentence in why (if why != NULL) naming the field. */
SR_MUST_USE int sr_content_parse(const sr_entry_t *e, sr_content_t *c, char *why, size_t whylen);

/* 1 for the types whose entries change the replication scope (store/scope.h):
 * contact, membership, device, device-of. */
SR_MUST_USE int sr_content_changes_scope(enum sr_ctype type);

const char *sr_contact_state_name(int state);
const char *sr_role_name(int role);
/* Parses "follow"/"unfollow"/"block" (or member/supporter/left): value or SR_EINVAL. */
SR_MUST_USE int sr_contact_state_parse(const char *s, size_t len);
SR_MUST_USE int sr_role_parse(const char *s, size_t len);
/* "add"/"revoke" (sr_device_state), and back; "unknown" for any other value. */
const char *sr_device_state_name(int state);
SR_MUST_USE int sr_device_state_parse(const char *s, size_t len);

#endif
