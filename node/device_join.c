/* device_join.c: the new device's side of pairing (device_join.h). The code
 * is redeemed in the invite frame, as a relay invite is (node/invite.c's
 * dial); the difference is what comes before (the device's first entry names
 * its person) and after (the person's log is fetched, the person's node is a
 * peer, not a relay). */
#include "node/device_join.h"
#include "core/clock.h"
#include "core/content_build.h"
#include "core/core.h"
#include "node/config.h"
#include "node/device_code.h"
#include "node/invite.h"
#include "store/ingest.h"
#include "store/peers.h"
#include "store/read.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One sentence for a refusal by the person's node. The reason comes from the
 * network: control characters never reach a terminal. */
static int refusal(char *reason, const char *address, char *err, size_t errlen) {
  static const char *const redo = "make a new code with `seurone device add` on your first device";
  for (char *p = reason; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  if (!strcmp(reason, sr_strerror(SR_EDEVCODEUSED))) {
    snprintf(err, errlen, "your first device refused: this device code has been used already; %s", redo);
    return SR_EDEVCODEUSED;
  }
  if (!strcmp(reason, sr_strerror(SR_EDEVCODEOLD))) {
    snprintf(err, errlen, "your first device refused: this device code has expired (a code lasts one hour); %s", redo);
    return SR_EDEVCODEOLD;
  }
  if (!strcmp(reason, sr_strerror(SR_EISDEVICE))) {
    snprintf(err, errlen,
             "the node at %s is itself a device of a person, so it adds no devices: make the code on the first "
             "device, the one that made the identity",
             address);
    return SR_EISDEVICE;
  }
  /* a relay answers an unknown secret as an unknown invite; another node as
   * no relay and no device code */
  if (!strcmp(reason, sr_strerror(SR_EDEVCODE)) || !strcmp(reason, sr_strerror(SR_EINVITE)) ||
      !strncmp(reason, "this node is not a relay", 24)) {
    snprintf(err, errlen,
             "your first device does not know this device code: check that it was copied whole, that it was made "
             "on the node at %s, or %s",
             address, redo);
    return SR_EDEVCODE;
  }
  snprintf(err, errlen, "your first device refused the code (it said: \"%.200s\"); %s", reason[0] ? reason : "nothing",
           redo);
  return SR_EDEVCODE;
}

/* This identity's log: empty (0), or seq 1 `device-of person` alone (1, a
 * join tried before); else SR_EEXIST with err saying what to do. */
static int log_state(sr_store_t *st, const uint8_t self[SR_KEY_BYTES], const uint8_t person[SR_KEY_BYTES],
                     const char *home, char *err, size_t errlen) {
  uint8_t claimed[SR_KEY_BYTES];
  sr_head_t h;
  int rc;
  if ((rc = sr_store_get_head(st, self, &h))) return rc;
  if (h.seq == 0) return 0;
  if (h.seq == 1 && (rc = sr_device_claimed(st, self, claimed)) == 1 && !memcmp(claimed, person, SR_KEY_BYTES))
    return 1;
  if (rc < 0) return rc;
  snprintf(err, errlen,
           "the identity of %s already has %llu entr%s: a device joins with an identity of its own, whose log "
           "begins with the join; make a fresh home for it (e.g. `seurone --home ~/.seurone-device device join "
           "-`), or use this identity as it is",
           home, (unsigned long long)h.seq, h.seq == 1 ? "y" : "ies");
  return SR_EEXIST;
}

/* The code's network for this home: its key written into a config that names
 * none (the open network's default); a config on another closed network is
 * refused. *write: the key must be written once the code is accepted. */
static int network(const char *home, const uint8_t netkey[SR_NET_NETKEY_BYTES], int *write, char *err, size_t errlen) {
  uint8_t def[SR_NET_NETKEY_BYTES];
  sr_config_t cfg;
  int rc;
  *write = 0;
  if ((rc = sr_config_load(home, &cfg, err, errlen))) return rc;
  sr_net_netkey_default(def);
  if (!memcmp(cfg.network_key, netkey, SR_NET_NETKEY_BYTES)) return 0;
  if (!memcmp(cfg.network_key, def, SR_NET_NETKEY_BYTES)) {
    *write = 1;
    return 0;
  }
  snprintf(err, errlen,
           "not joined: your first device is on %s, but %s/config sets another network_key; a node is on one "
           "network at a time: remove the network_key line from that file (docs/config.md), then join again",
           memcmp(netkey, def, SR_NET_NETKEY_BYTES) ? "another closed network" : "the open Seurone network", home);
  return SR_ENETKEYCONFLICT;
}

int sr_node_device_join(const char *home, sr_store_t *st, const uint8_t *sk, const char *code, const char *label,
                        void (*progress)(void *ctx, const char *what), void *ctx, sr_device_joined_t *out, char *err,
                        size_t errlen) {
  char host[SR_NET_HOST_MAX], why[600] = "";
  uint8_t netkey[SR_NET_NETKEY_BYTES], content[2 * SR_KEY_BYTES] /* size: {person: bin 32} and its map */,
      id[SR_ID_BYTES];
  const uint8_t *self = sk + SR_SECRET_PK_OFFSET;
  const char *problem = NULL;
  uint16_t port;
  size_t len;
  uint64_t seq;
  sr_invite_dial_t *d = NULL;
  int rc, write_key, state;
  memset(out, 0, sizeof(*out));
  if (!(d = calloc(1, sizeof(*d)))) return SR_ENOMEM;
  if ((rc = sr_device_code_parse(code, out->address, sizeof(out->address), netkey, d->secret_buf, &problem))) {
    snprintf(err, errlen, "%s: %s", sr_strerror(rc), problem);
    goto done;
  }
  if ((rc = sr_net_address_parse(out->address, host, sizeof(host), &port, out->person))) { /* parsed: not reached */
    snprintf(err, errlen, "the device code's address is malformed (%s)", sr_strerror(rc));
    goto done;
  }
  if (!memcmp(out->person, self, SR_KEY_BYTES)) {
    rc = SR_EINVAL;
    snprintf(err, errlen,
             "this code was made by this very identity (%s): join from the new device's own fresh home, not from "
             "the first device's",
             home);
    goto done;
  }
  if ((state = log_state(st, self, out->person, home, err, errlen)) < 0) {
    rc = state;
    if (rc != SR_EEXIST) snprintf(err, errlen, "cannot read this identity's log: %s", sr_store_errmsg(st));
    goto done;
  }
  if ((rc = network(home, netkey, &write_key, err, errlen))) goto done;
  if (state == 0) {
    /* the device's consent comes first: the person's node certifies a key
     * whose log already names it (the binding needs both) */
    uint64_t now = sr_wall_ms();
    if ((rc = sr_content_device_of(out->person, content, sizeof(content), &len)) ||
        (rc = sr_store_publish(st, sk, "device-of", content, len, now, now, id, &seq, why, sizeof(why)))) {
      snprintf(err, errlen, "cannot write this device's first entry: %s",
               why[0]            ? why
               : rc == SR_ESTORE ? sr_store_errmsg(st)
                                 : sr_strerror(rc));
      goto done;
    }
    out->published = 1;
  }
  d->address = out->address;
  d->netkey = netkey;
  d->secret = d->secret_buf;
  d->sk = sk;
  d->store = st;
  d->timeout_ms = SR_DEVICE_JOIN_ANSWER_MS;
  d->sync_person = out->person;
  d->sync_ms = SR_DEVICE_JOIN_SYNC_MS;
  d->label = label;
  d->progress = progress;
  d->ctx = ctx;
  if ((rc = sr_node_invite_dial(d))) {
    snprintf(err, errlen,
             "could not reach your first device at %s: %s; is its node running (`seurone run`), and can this "
             "machine reach that address? The code stays valid: try again",
             out->address, d->reason);
    goto done;
  }
  if (!d->ok) {
    rc = refusal(d->reason, out->address, err, errlen);
    goto done;
  }
  out->synced = d->synced;
  /* No node runs here (the caller checked): the store's peer table is the
   * one `seurone run` loads. */
  if ((rc = sr_store_peer_give(st, out->person, out->address, SR_PEER_MANUAL))) {
    snprintf(err, errlen, "joined, but could not save your first device's address in the peer table: %s",
             rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    goto done;
  }
  if (write_key) {
    if ((rc = sr_config_save_network_key(home, netkey, "your first device", err, errlen))) goto done;
    out->wrote_network_key = 1;
  }
  rc = 0;
done:
  sodium_memzero(d, sizeof(*d)); /* the secret */
  free(d);
  return rc;
}
