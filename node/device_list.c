/* device_list.c: the person's devices, listed and revoked (device_ops.h), for
 * the running node and for the CLI when none runs: both read the store's
 * bindings (store/devices.h) through the functions here. */
#include "core/content_build.h"
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/device_code.h"
#include "node/device_ops.h"
#include "store/devices.h"
#include "store/read.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ts of key's entry seq, 0 when not held. */
static uint64_t entry_ts(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint64_t seq) {
  static _Thread_local uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_entry_t e;
  if (!seq || sr_store_get_by_seq(st, key, seq, buf, sizeof(buf), &len, NULL) || sr_entry_decode(buf, len, &e))
    return 0;
  return e.ts;
}

/* The person of self: self, or the person its seq 1 names. *is_device says which. */
static int person_of_self(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], uint8_t person[SR_KEY_BYTES],
                          int *is_device) {
  int rc = sr_device_claimed(st, self, person);
  if (rc < 0) return rc;
  *is_device = rc == 1;
  if (!*is_device) memcpy(person, self, SR_KEY_BYTES);
  return 0;
}

int sr_device_list_json(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], json_t **out) {
  char hex[SR_HEX_KEY_LEN + 1], phex[SR_HEX_KEY_LEN + 1];
  uint8_t person[SR_KEY_BYTES];
  sr_device_t *devs = NULL;
  size_t n = 0;
  int rc, is_device;
  json_t *arr = NULL;
  *out = NULL;
  if ((rc = person_of_self(st, self, person, &is_device)) || (rc = sr_store_devices_of(st, person, &devs, &n)))
    return rc;
  if (!(arr = json_array())) {
    free(devs);
    return SR_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    sr_device_t *d = &devs[i];
    sr_head_t h;
    if ((rc = sr_store_get_head(st, d->key, &h))) goto fail;
    uint64_t ts = entry_ts(st, d->key, h.seq);
    sr_hex_encode(d->key, SR_KEY_BYTES, hex);
    json_t *o = json_pack("{s:s, s:o, s:I, s:s, s:b, s:o, s:I, s:o, s:b}", "key", hex, "name",
                          d->name[0] ? json_string(d->name) : json_null(), "added_ms", (json_int_t)d->added_ms, "state",
                          d->revoked ? "revoked" : "active", "bound", d->bound, "upto",
                          d->revoked ? json_integer((json_int_t)d->upto) : json_null(), "last_seq", (json_int_t)h.seq,
                          "last_ts", ts ? json_integer((json_int_t)ts) : json_null(), "this",
                          !memcmp(d->key, self, SR_KEY_BYTES));
    if (!o || json_array_append_new(arr, o)) {
      rc = SR_ENOMEM;
      goto fail;
    }
  }
  free(devs);
  sr_hex_encode(person, SR_KEY_BYTES, phex);
  sr_hex_encode(self, SR_KEY_BYTES, hex);
  if (!(*out =
            json_pack("{s:s, s:s, s:b, s:o}", "person", phex, "self", hex, "self_device", is_device, "devices", arr)))
    return SR_ENOMEM;
  return 0;
fail:
  free(devs);
  json_decref(arr);
  return rc;
}

/* Whether arg is a prefix (of at least 8 hex digits, any case) of key. */
static int hex_prefix(const char *arg, const uint8_t key[SR_KEY_BYTES]) {
  char hex[SR_HEX_KEY_LEN + 1];
  size_t len = strlen(arg);
  if (len < 8 || len > SR_HEX_KEY_LEN) return 0;
  sr_hex_encode(key, SR_KEY_BYTES, hex);
  for (size_t i = 0; i < len; i++)
    if (tolower((unsigned char)arg[i]) != hex[i]) return 0;
  return 1;
}

int sr_device_revoke_prepare(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const char *which, sr_device_revoke_t *r,
                             char *err, size_t errlen) {
  uint8_t person[SR_KEY_BYTES];
  sr_device_t *devs = NULL;
  size_t n = 0, hits = 0, at = 0;
  int rc, is_device;
  sr_head_t h;
  memset(r, 0, sizeof(*r));
  if ((rc = person_of_self(st, self, person, &is_device))) goto store;
  if (is_device) {
    snprintf(err, errlen,
             "this node is itself a device of a person: only the person's first device (the one that made the "
             "identity) revokes devices; run `seurone device revoke` there");
    return SR_EISDEVICE;
  }
  if ((rc = sr_store_devices_of(st, person, &devs, &n))) goto store;
  /* a key or a prefix first (a name that looks like hex is rare), then a name */
  for (size_t i = 0; i < n; i++)
    if (hex_prefix(which, devs[i].key)) hits++, at = i;
  if (!hits)
    for (size_t i = 0; i < n; i++)
      if (!strcmp(which, devs[i].name)) hits++, at = i;
  if (hits != 1) {
    int k = snprintf(err, errlen,
                     hits ? "more than one of your devices matches '%.80s': give more of its key (`seurone device "
                            "list` shows them)"
                          : "none of your devices is '%.80s' (a key, 8 or more of its first hex digits, or its "
                            "name): `seurone device list` shows them",
                     which);
    (void)k;
    free(devs);
    return hits ? SR_EAMBIGUOUS : SR_ENOTFOUND;
  }
  memcpy(r->device, devs[at].key, SR_KEY_BYTES);
  snprintf(r->name, sizeof(r->name), "%s", devs[at].name);
  if (devs[at].revoked) {
    snprintf(err, errlen, "that device was revoked already (its entries after seq %llu are not yours): nothing to do",
             (unsigned long long)devs[at].upto);
    free(devs);
    return SR_EEXIST;
  }
  free(devs);
  if ((rc = sr_store_get_head(st, r->device, &h))) goto store;
  r->upto = h.seq;
  if ((rc = sr_content_device(r->device, 1, r->upto, r->name[0] ? r->name : NULL, r->content, sizeof(r->content),
                              &r->content_len))) {
    snprintf(err, errlen, "cannot make the revocation: %s", sr_strerror(rc));
    return rc;
  }
  return 0;
store:
  snprintf(err, errlen, "cannot read your devices: %s", rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
  return rc;
}

/* ---- through the running node ---- */

typedef struct list {
  sr_node_job_t job; /* first */
  json_t *out;
  int rc;
  char why[300];
  sr_node_done_cb done;
  void *arg;
} list_t;

static void list_work(sr_node_job_t *w) {
  list_t *l = (list_t *)w;
  l->rc = sr_device_list_json(w->n->store, w->n->pk, &l->out);
  sr_node_store_why(w->n, l->rc, l->why, sizeof(l->why));
}

static void list_done(sr_node_job_t *w) {
  list_t *l = (list_t *)w;
  char err[400];
  if (l->rc) {
    snprintf(err, sizeof(err), "cannot list the devices: %s", l->why[0] ? l->why : sr_strerror(l->rc));
    l->done(l->arg, l->rc, err, NULL);
  } else
    l->done(l->arg, 0, NULL, l->out);
  free(l);
}

int sr_node_device_list(sr_node_t *n, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  list_t *l = calloc(1, sizeof(*l));
  if (!l) {
    snprintf(err, errlen, "cannot list the devices: %s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  l->done = done;
  l->arg = arg;
  if (sr_node_job_run(n, &l->job, list_work, list_done)) {
    free(l);
    snprintf(err, errlen, "cannot list the devices: %s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  return 0;
}

typedef struct revoke {
  sr_node_pub_t pub; /* first: the publish's job is this one */
  char which[256];
  sr_device_revoke_t r;
  sr_node_done_cb done;
  void *arg;
} revoke_t;

/* On the publish's worker, before it signs: which device, and its upto as
 * the store holds it now. */
static int revoke_prepare(sr_node_pub_t *j) {
  revoke_t *v = (revoke_t *)j;
  int rc = sr_device_revoke_prepare(j->job.n->store, j->job.n->pk, v->which, &v->r, j->why, sizeof(j->why));
  if (rc == 0) {
    memcpy(j->content, v->r.content, v->r.content_len);
    j->content_len = v->r.content_len;
  }
  return rc;
}

static void revoked(sr_node_pub_t *j) {
  revoke_t *v = (revoke_t *)j;
  sr_node_t *n = j->job.n;
  char hex[SR_HEX_KEY_LEN + 1], id[SR_HEX_ID_LEN + 1], k[17];
  if (j->rc) {
    v->done(v->arg, j->rc, j->why[0] ? j->why : sr_strerror(j->rc), NULL);
  } else {
    sr_hex_encode(v->r.device, SR_KEY_BYTES, hex);
    sr_hex_encode(j->id, SR_ID_BYTES, id);
    sr_node_short_key(v->r.device, k);
    sr_node_log(n, SR_LOG_INFO, "device_revoked",
                "revoked the device %s: its entries after seq %llu are not this person's", k,
                (unsigned long long)v->r.upto);
    v->done(v->arg, 0, NULL,
            json_pack("{s:s, s:o, s:I, s:s, s:I}", "device", hex, "name",
                      v->r.name[0] ? json_string(v->r.name) : json_null(), "upto", (json_int_t)v->r.upto, "id", id,
                      "seq", (json_int_t)j->seq));
  }
  free(v);
}

int sr_node_device_revoke(sr_node_t *n, const char *which, sr_node_done_cb done, void *arg, char *err, size_t errlen) {
  revoke_t *v;
  int rc;
  if (!which || !which[0] || strlen(which) >= sizeof(v->which)) {
    snprintf(err, errlen, "name the device to revoke: its key, 8 or more of its first hex digits, or its name");
    return SR_EINVAL;
  }
  if (!(v = calloc(1, sizeof(*v)))) {
    snprintf(err, errlen, "cannot revoke: %s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  snprintf(v->which, sizeof(v->which), "%s", which);
  snprintf(v->pub.type, sizeof(v->pub.type), "device");
  v->pub.prepare = revoke_prepare;
  v->pub.done = revoked;
  v->pub.arg = v;
  v->done = done;
  v->arg = arg;
  if ((rc = sr_node_publish(n, &v->pub))) {
    free(v);
    snprintf(err, errlen, "cannot revoke: %s", sr_strerror(rc));
    return rc;
  }
  return 0;
}
