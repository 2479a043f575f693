/* device_pair.c: the person's side of pairing a device (docs/protocol.md,
 * "Devices"). A new device redeems its one-time code with the invite frame
 * (kind 6), the same frame a relay's newcomer sends; sr_node_redeem
 * (relay_invites.c) asks here first, on the queue of small writes, whether the
 * secret is one of this person's device codes. When it is, the loop publishes
 * the certificate `device {device, state: add, name}` for the key the session
 * proved (the device's own SHS key: nobody can pair a key it does not hold),
 * waits for the scope to hold the new device, and only then answers ok
 * "device added".
 *
 * Any node answers device codes, not only a relay. The secret is never
 * logged: lines name the device by its key.
 */
#include "core/content_build.h"
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/device_code.h"
#include "node/device_pair.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SR_DEVICE_SECRET_BYTES == SR_INVITE_SECRET_BYTES, "one invite frame carries both");

int sr_node_device_code_redeem(sr_node_t *n, const uint8_t key[SR_KEY_BYTES],
                               const uint8_t secret[SR_DEVICE_SECRET_BYTES], uint64_t now, int *again, char *name,
                               size_t cap) {
  sr_device_code_t rec;
  int rc = sr_device_claimed(n->store, n->pk, NULL);
  *again = 0;
  if (rc < 0) return rc;
  if (rc == 1) {
    /* A device of a person adds no devices: a code it may hold from before
     * it joined is refused, and the code is not used up. */
    rc = sr_store_device_code_get(n->store, secret, &rec);
    return rc == SR_ENOTFOUND ? SR_EDEVCODE : rc ? rc : SR_EISDEVICE;
  }
  if ((rc = sr_store_device_code_use(n->store, secret, key, now, again, &rec))) return rc;
  snprintf(name, cap, "%s", rec.name);
  return 0;
}

typedef struct certify {
  sr_node_pub_t *pub;
  sr_node_job_t release; /* the code given back when the certificate failed */
  uint8_t key[SR_KEY_BYTES], secret[SR_DEVICE_SECRET_BYTES];
  char name[SR_DEVICE_CODE_NAME_MAX + 1];
  int rc, release_rc;
  char why[1024];
  sr_node_certified_cb cb;
  void *arg;
} certify_t;

static void certify_end(certify_t *c) {
  c->cb(c->arg, c->rc, c->why);
  sodium_memzero(c->secret, sizeof(c->secret));
  free(c);
}

static void scoped(void *arg) { certify_end(arg); }

static void release_work(sr_node_job_t *w) {
  certify_t *c = (certify_t *)((char *)w - offsetof(certify_t, release));
  c->release_rc = sr_store_device_code_release(w->n->store, c->secret, c->key);
}

static void release_done(sr_node_job_t *w) {
  certify_t *c = (certify_t *)((char *)w - offsetof(certify_t, release));
  /* the code stays used: the person makes a new one */
  if (c->release_rc)
    sr_node_log(w->n, SR_LOG_WARN, "device_code_release_failed", "the device code could not be given back: %s",
                sr_strerror(c->release_rc));
  certify_end(c);
}

static void published(sr_node_pub_t *j) {
  certify_t *c = j->arg;
  sr_node_t *n = j->job.n;
  char k[17];
  sr_node_short_key(c->key, k);
  c->rc = j->rc;
  if (j->rc) snprintf(c->why, sizeof(c->why), "%s", j->why[0] ? j->why : sr_strerror(j->rc));
  free(j);
  c->pub = NULL;
  if (c->rc) {
    sr_node_log(n, SR_LOG_WARN, "device_certify_failed", "could not certify the device %s: %s", k, c->why);
    sr_node_write(n, &c->release, release_work, release_done);
    return;
  }
  sr_node_log(n, SR_LOG_INFO, "device_added", "added the device %s%s%s%s", k, c->name[0] ? " (" : "", c->name,
              c->name[0] ? ")" : "");
  /* the publish answers once the scope holds what a `device` entry changed
   * (node/publish.c): the new device is replicated from here on */
  certify_end(c);
}

void sr_node_device_certify(sr_node_t *n, const uint8_t key[SR_KEY_BYTES], const uint8_t secret[SR_DEVICE_SECRET_BYTES],
                            const char *name, int again, sr_node_certified_cb cb, void *arg) {
  uint8_t content[SR_ENTRY_MAX];
  size_t len = 0;
  certify_t *c = calloc(1, sizeof(*c));
  int rc;
  if (!c) {
    cb(arg, SR_ENOMEM, sr_strerror(SR_ENOMEM));
    return;
  }
  memcpy(c->key, key, SR_KEY_BYTES);
  memcpy(c->secret, secret, SR_DEVICE_SECRET_BYTES);
  snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
  c->cb = cb;
  c->arg = arg;
  if (again) {
    /* a retry after a lost answer: the certificate is out already */
    sr_node_scope_refresh(n, scoped, c);
    return;
  }
  if ((rc = sr_content_device(key, 0, 0, c->name[0] ? c->name : NULL, content, sizeof(content), &len)) ||
      !(c->pub = sr_node_pub_new("device", content, len, published, c))) {
    c->rc = rc ? rc : SR_ENOMEM;
    snprintf(c->why, sizeof(c->why), "cannot make the certificate: %s", sr_strerror(c->rc));
    sr_node_write(n, &c->release, release_work, release_done);
    return;
  }
  if ((rc = sr_node_publish(n, c->pub))) {
    free(c->pub);
    c->pub = NULL;
    c->rc = rc;
    snprintf(c->why, sizeof(c->why), "cannot publish the certificate: %s", sr_strerror(rc));
    sr_node_write(n, &c->release, release_work, release_done);
  }
}
