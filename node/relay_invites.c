/* relay_invites.c: a relay's invites while the node runs (daemon.h): `invite
 * create` through the control socket, and an invite a newcomer redeems in a
 * session (gossip's redeem_invite hook). The same frame carries a new device's
 * one-time code (device_pair.c): every node checks its device codes first, and
 * only a relay goes on to its invites. Both are writes on the node's queue
 * of small writes (job.c), never on the loop; `invite accept` on the
 * member's side is node/invite.c.
 *
 * Two newcomers redeeming one invite at once: each use is one write
 * transaction that reads the use count and writes it back
 * (sr_store_invite_use), and the queue runs them one after the other, so a
 * single-use invite admits exactly one of them. The welcome goes out once the
 * use is stored and the scope holds the new member, so what it sends next is
 * taken.
 */
#include "core/core.h"
#include "node/daemon_internal.h"
#include "node/device_ops.h"
#include "node/device_pair.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redemptions queued and not answered yet, at most one per key: a peer
 * sending invite after invite waits for its answer rather than fill the queue. */
#define REDEEMS_MAX 64
/* What a node that is not a relay answers a secret that is none of its device
 * codes: the first words are those it always answered an invite with. */
#define NOT_RELAY "this node is not a relay, and no device code of it matches"

struct redeem {
  sr_node_job_t job; /* first */
  uint8_t key[SR_KEY_BYTES], secret[SR_INVITE_SECRET_BYTES];
  uint64_t now;
  int rc;
  int device, again; /* the secret is a device code (device_pair.c); used by this key before */
  char name[SR_DEVICE_CODE_NAME_MAX + 1];
  char label[SR_DEVICE_CODE_NAME_MAX + 1]; /* the device's own name for itself ("" none) */
  char why[300];
  redeem_t *next; /* n->redeems */
};

static void redeem_work(sr_node_job_t *w) {
  redeem_t *r = (redeem_t *)w;
  sr_node_t *n = w->n;
  r->rc = sr_node_device_code_redeem(n, r->key, r->secret, r->now, &r->again, r->name, sizeof(r->name));
  r->device = r->rc != SR_EDEVCODE;
  if (!r->device) {
    if (n->relay) r->rc = sr_store_invite_use(n->store, r->secret, r->key, r->now);
    else
      snprintf(r->why, sizeof(r->why), "%s", NOT_RELAY);
  }
  sr_node_store_why(n, r->rc, r->why, sizeof(r->why));
}

static void redeem_free(redeem_t *r) {
  sr_node_t *n = r->job.n;
  redeem_t **at = &n->redeems;
  while (*at && *at != r) at = &(*at)->next;
  if (*at) *at = r->next;
  n->nredeems--;
  sodium_memzero(r, sizeof(*r)); /* the secret */
  free(r);
}

/* The member is in the scope: welcome. */
static void welcome(void *arg) {
  redeem_t *r = arg;
  sr_node_t *n = r->job.n;
  if (!n->stopping) sr_gossip_invite_answer(n->g, r->key, 1, "welcome");
  redeem_free(r);
}

/* The device is certified and in the scope (or could not be). */
static void device_done(void *arg, int rc, const char *why) {
  redeem_t *r = arg;
  sr_node_t *n = r->job.n;
  if (!n->stopping) sr_gossip_invite_answer(n->g, r->key, rc == 0, rc == 0 ? "device added" : why);
  redeem_free(r);
}

static void redeem_done(sr_node_job_t *w) {
  redeem_t *r = (redeem_t *)w;
  sr_node_t *n = w->n;
  char k[17];
  sr_node_short_key(r->key, k);
  if (r->device && r->rc) {
    /* the reason is the code's, never the secret */
    sr_node_log(n, SR_LOG_WARN, "device_code_refused", "refused a device code from %s: %s", k,
                r->rc == SR_ESTORE ? r->why : sr_strerror(r->rc));
    if (!n->stopping) sr_gossip_invite_answer(n->g, r->key, 0, sr_strerror(r->rc));
    redeem_free(r);
    return;
  }
  if (r->device) {
    /* the name given at `device add` first, else the one the device gave */
    sr_node_device_certify(n, r->key, r->secret, r->name[0] ? r->name : r->label, r->again, device_done, r);
    return;
  }
  if (!n->relay) {
    if (!n->stopping) sr_gossip_invite_answer(n->g, r->key, 0, r->why);
    redeem_free(r);
    return;
  }
  if (r->rc) {
    if (r->rc == SR_ESTORE)
      sr_node_log_peer(n, SR_LOG_WARN, "invite_refused", k, "refused an invite from %s: %s: %s", k, sr_strerror(r->rc),
                       r->why);
    else
      sr_node_log_peer(n, SR_LOG_WARN, "invite_refused", k, "refused an invite from %s: %s", k, sr_strerror(r->rc));
    /* the member's side knows the codes by their text (node/invite.c) */
    if (!n->stopping) sr_gossip_invite_answer(n->g, r->key, 0, sr_strerror(r->rc));
    redeem_free(r);
    return;
  }
  sr_node_log_peer(n, SR_LOG_INFO, "member_joined", k, "%s joined this relay with an invite", k);
  n->prom_members_ms = 0; /* the metrics' member list, at the next tick */
  sr_node_scope_refresh(n, welcome, r);
}

int sr_node_redeem(void *ctx, const uint8_t key[SR_KEY_BYTES], const uint8_t secret[SR_INVITE_SECRET_BYTES],
                   const char *label, size_t label_len, char *why, size_t whylen) {
  sr_node_t *n = ctx;
  redeem_t *r;
  for (r = n->redeems; r; r = r->next)
    if (memcmp(r->key, key, SR_KEY_BYTES) == 0) break;
  if (r || n->nredeems >= REDEEMS_MAX) {
    snprintf(why, whylen, "%s", r ? "an invite from this key is being redeemed already" : sr_strerror(SR_ERATE));
    return SR_ERATE;
  }
  if (!(r = calloc(1, sizeof(*r)))) {
    snprintf(why, whylen, "%s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  memcpy(r->key, key, SR_KEY_BYTES);
  memcpy(r->secret, secret, sizeof(r->secret));
  if (label && label_len < sizeof(r->label)) {
    char err[200];
    memcpy(r->label, label, label_len);
    r->label[label_len] = '\0';
    /* someone else's bytes: a label the schema would refuse is dropped */
    if (sr_device_label_check(r->label, err, sizeof(err))) r->label[0] = '\0';
  }
  r->now = sr_node_now_ms();
  r->next = n->redeems;
  n->redeems = r;
  n->nredeems++;
  sr_node_write(n, &r->job, redeem_work, redeem_done);
  return 0;
}

typedef struct create {
  sr_node_job_t job; /* first */
  uint32_t uses;
  uint64_t now, expires; /* expires: 0 never */
  uint8_t id[SR_INVITE_ID_BYTES];
  uint8_t secret[SR_INVITE_SECRET_BYTES];
  int rc;
  char why[300];
  sr_node_done_cb done;
  void *arg;
} create_t;

static void create_work(sr_node_job_t *w) {
  create_t *c = (create_t *)w;
  c->rc = sr_store_invite_create(w->n->store, c->uses, c->now, c->expires, c->secret, c->id);
  sr_node_store_why(w->n, c->rc, c->why, sizeof(c->why));
}

static void create_done(sr_node_job_t *w) {
  create_t *c = (create_t *)w;
  sr_node_t *n = w->n;
  char hex[2 * SR_INVITE_SECRET_BYTES + 1], err[400], id[2 * SR_INVITE_ID_BYTES + 1];
  if (c->rc) {
    snprintf(err, sizeof(err), "cannot store the invite: %s", c->why[0] ? c->why : sr_strerror(c->rc));
    c->done(c->arg, c->rc, err, NULL);
  } else {
    sr_hex_encode(c->id, sizeof(c->id), id);
    sr_node_log(n, SR_LOG_INFO, "invite_created", "an invite for %u use%s was created (id %s)", c->uses,
                c->uses == 1 ? "" : "s", id);
    sr_hex_encode(c->secret, sizeof(c->secret), hex);
    c->done(c->arg, 0, NULL,
            json_pack("{s:s, s:s, s:o}", "secret", hex, "id", id, "expires_ms",
                      c->expires ? json_integer((json_int_t)c->expires) : json_null()));
    sodium_memzero(hex, sizeof(hex));
  }
  sodium_memzero(c, sizeof(*c)); /* the secret */
  free(c);
}

int sr_node_invite_create(sr_node_t *n, uint32_t uses, uint64_t ttl_ms, sr_node_done_cb done, void *arg, char *err,
                          size_t errlen) {
  create_t *c;
  if (!n->relay) {
    snprintf(err, errlen,
             "this node is not a relay, so it would refuse the invite: start it with `seurone run --relay`");
    return SR_EINVAL;
  }
  if (!(c = calloc(1, sizeof(*c)))) {
    snprintf(err, errlen, "cannot store the invite: %s", sr_strerror(SR_ENOMEM));
    return SR_ENOMEM;
  }
  c->uses = uses;
  c->now = sr_node_now_ms();
  c->expires = ttl_ms ? c->now + ttl_ms : 0;
  c->done = done;
  c->arg = arg;
  sr_node_write(n, &c->job, create_work, create_done);
  return 0;
}
