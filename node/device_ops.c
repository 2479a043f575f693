/* device_ops.c: `device add` through the running node (device_ops.h): the
 * code is stored on the queue of small writes, as a relay's invite is
 * (relay_invites.c), and formed here, where the node's address and network
 * key are known, so the CLI and the web app print the same code. The list
 * and the revocation are device_list.c's. */
#include "node/device_ops.h"
#include "core/canon.h"
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/device_code.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sr_device_label_check(const char *name, char *err, size_t errlen) {
  size_t len = name ? strlen(name) : 0;
  if (!name) return 0;
  if (len == 0 || len > SR_DEVICE_CODE_NAME_MAX || !sr_utf8_valid((const uint8_t *)name, len)) {
    snprintf(err, errlen, "a device name is 1 to %d bytes of UTF-8 (e.g. \"laptop\")", SR_DEVICE_CODE_NAME_MAX);
    return SR_EINVAL;
  }
  for (size_t i = 0; i < len; i++)
    /* C0, DEL, and C1 (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8): a terminal acts on them */
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
        ((unsigned char)name[i] == 0xc2 && i + 1 < len && (unsigned char)name[i + 1] >= 0x80 &&
         (unsigned char)name[i + 1] <= 0x9f)) {
      snprintf(err, errlen, "a device name holds no control characters (tabs, newlines, escapes)");
      return SR_EINVAL;
    }
  return 0;
}

typedef struct add {
  sr_node_job_t job; /* first */
  char name[SR_DEVICE_CODE_NAME_MAX + 1];
  uint64_t now;
  uint8_t secret[SR_DEVICE_SECRET_BYTES];
  int rc;
  char why[300];
  sr_node_done_cb done;
  void *arg;
} add_t;

static void add_work(sr_node_job_t *w) {
  add_t *a = (add_t *)w;
  sr_node_t *n = w->n;
  a->rc = sr_device_claimed(n->store, n->pk, NULL);
  if (a->rc == 1) a->rc = SR_EISDEVICE;
  if (a->rc == 0)
    a->rc =
        sr_store_device_code_create(n->store, a->name[0] ? a->name : NULL, a->now, SR_DEVICE_CODE_TTL_MS, a->secret);
  sr_node_store_why(n, a->rc, a->why, sizeof(a->why));
}

static void add_done(sr_node_job_t *w) {
  add_t *a = (add_t *)w;
  sr_node_t *n = w->n;
  char code[SR_DEVICE_CODE_MAX], err[600];
  int rc = a->rc;
  if (!rc) rc = sr_device_code_format(n->address, n->cfg.network_key, a->secret, code, sizeof(code));
  if (rc == SR_EISDEVICE) {
    snprintf(err, sizeof(err),
             "this node is itself a device of a person: only the person's first device (the one that made the "
             "identity) adds devices; run `seurone device add` there");
    a->done(a->arg, rc, err, NULL);
  } else if (rc) {
    snprintf(err, sizeof(err), "cannot make a device code: %s", a->why[0] ? a->why : sr_strerror(rc));
    a->done(a->arg, rc, err, NULL);
  } else {
    /* never the secret in a log line */
    sr_node_log(n, SR_LOG_INFO, "device_code_made", "a device code was made%s%s%s, valid for %llu minutes",
                a->name[0] ? " for \"" : "", a->name, a->name[0] ? "\"" : "",
                (unsigned long long)(SR_DEVICE_CODE_TTL_MS / 60000));
    a->done(
        a->arg, 0, NULL,
        json_pack("{s:s, s:s, s:o, s:I, s:I}", "code", code, "address", n->address, "name",
                  a->name[0] ? json_string(a->name) : json_null(), "expires_ms",
                  (json_int_t)(a->now + SR_DEVICE_CODE_TTL_MS), "valid_s", (json_int_t)(SR_DEVICE_CODE_TTL_MS / 1000)));
  }
  sodium_memzero(code, sizeof(code));
  sodium_memzero(a, sizeof(*a)); /* the secret */
  free(a);
}

int sr_node_device_add(sr_node_t *n, const char *name, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  add_t *a;
  int rc;
  if (name && !name[0]) name = NULL;
  if ((rc = sr_device_label_check(name, err, errlen))) return rc;
  if (!(a = calloc(1, sizeof(*a)))) {
    snprintf(err, errlen, "cannot make a device code: %s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  snprintf(a->name, sizeof(a->name), "%s", name ? name : "");
  a->now = sr_node_now_ms();
  a->done = done;
  a->arg = arg;
  sr_node_write(n, &a->job, add_work, add_done);
  return 0;
}
