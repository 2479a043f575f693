/* control_req.h: decoding one control-socket request line (control.h lists the
 * requests). Pure: no socket, no node; control.c decodes with it and then acts,
 * and tests/fuzz/fuzz_control.c feeds it arbitrary bytes. */
#ifndef SR_CONTROL_REQ_H
#define SR_CONTROL_REQ_H
#include "core/entry.h"
#include <jansson.h>
#include <stddef.h>

typedef enum {
  SR_CTL_STATUS = 1,
  SR_CTL_PEERS,
  SR_CTL_PEER_ADD,
  SR_CTL_PEER_REMOVE,
  SR_CTL_PUBLISH,
  SR_CTL_STOP,
  SR_CTL_INGEST,
  SR_CTL_INVITE_CREATE,
  SR_CTL_WEB_LOGIN,
  SR_CTL_FORK_KEEP,
  SR_CTL_DEVICE_ADD,
  SR_CTL_DEVICE_LIST,
  SR_CTL_DEVICE_REVOKE,
  SR_CTL_RELOAD,
  SR_CTL_MEMBERS,
  SR_CTL_MEMBER_REMOVE,
  SR_CTL_INVITE_LIST,
  SR_CTL_INVITE_REVOKE,
  SR_CTL_PURGE,
  SR_CTL_END /* one past the last command: a new one goes above it */
} sr_ctl_cmd_t;

/* Entries one ingest request may carry (the line's 64 KiB bounds it first). */
#define SR_CTL_INGEST_MAX 256

typedef struct {
  sr_ctl_cmd_t cmd;
  json_t *doc;                   /* the parsed request, owned: sr_control_req_free */
  const char *address;           /* peer_add (always), peer_remove (NULL: the whole peer); in doc */
  int relay;                     /* peer_add: the peer is a relay that took this node in (an invite) */
  int dial;                      /* peer_add: dial it now (default), or only keep it */
  uint8_t key[SR_KEY_BYTES];     /* peer_remove, purge */
  char type[SR_TYPE_MAX + 1];    /* publish: 1..SR_TYPE_MAX bytes, no NUL inside */
  uint8_t content[SR_ENTRY_MAX]; /* publish: one canonical msgpack map */
  size_t content_len;
  uint8_t *raw[SR_CTL_INGEST_MAX]; /* ingest: the entries' bytes, each malloc'd (freed with req) */
  size_t raw_len[SR_CTL_INGEST_MAX];
  size_t nraw;
  uint32_t uses;           /* invite_create: 1..1000000 */
  uint64_t ttl_ms;         /* invite_create: how long it is valid, 0 never (node/members.h) */
  const char *device_name; /* device_add: the label, or NULL; in doc */
  const char *device;      /* device_revoke: a key, a prefix of one, or a name; in doc */
  const char *which;       /* member_remove, invite_revoke: a key, id, prefix or name; in doc */
  int undo;                /* purge: take the key off the purged list instead */
} sr_control_req_t;

/* Decodes line[0..len) (newline excluded) into req. NULL when it is a valid
 * request (free req with sr_control_req_free); else the error reply to send,
 * {"ok":false, "error", "code"}, and req holds nothing to free. */
json_t *sr_control_req_decode(const char *line, size_t len, sr_control_req_t *req);
void sr_control_req_free(sr_control_req_t *req);

/* {"ok":false, "error":msg, "code":sr_errname(code)}. */
json_t *sr_control_fail(int code, const char *msg);

/* jansson reports an allocation that failed inside its parser as a syntax error
 * ("invalid token", "string or '}' expected") or not at all (a value silently
 * missing from an object; a dump with a hole in it). sr_json_track_oom (once, at
 * the start of the process) gives jansson an allocator that notes each failure;
 * sr_json_oom_take returns 1 when one failed since the last take or clear, and
 * clears it. */
void sr_json_track_oom(void);
SR_MUST_USE int sr_json_oom_take(void);
void sr_json_oom_clear(void);

#endif
