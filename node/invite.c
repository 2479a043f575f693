/* invite.c: `seurone invite accept` — dials the relay named in an invite code on
 * a short-lived loop of its own, proves the one-time secret inside the encrypted
 * session, and on success remembers the relay in the peer table, so the node
 * (now, if it runs; else at its next start) keeps connecting to it and the relay
 * replicates this node's log. */
#include "node/invite.h"
#include "core/core.h"
#include "net/address.h"
#include "net/gossip.h"
#include "node/config.h"
#include "node/control.h"
#include "node/device_code.h"
#include "node/identity.h"
#include "core/version.h"
#include "store/peers.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCEPT_TIMEOUT_MS 15000

typedef struct {
  uv_loop_t loop;
  sr_net_t net;
  sr_gossip_t *g;
  uv_timer_t timer;
  sr_invite_dial_t *d;
  uint8_t self[SR_KEY_BYTES];
  uint8_t scope[2][SR_KEY_BYTES]; /* sorted: self, and the person of a device join */
  size_t nscope;
  int done, sent, net_rc, syncing;
} accept_t;

static int a_in_scope(void *ctx, const uint8_t author[SR_KEY_BYTES]) {
  accept_t *a = ctx;
  for (size_t i = 0; i < a->nscope; i++)
    if (memcmp(a->scope[i], author, SR_KEY_BYTES) == 0) return 1;
  return 0;
}
static size_t a_scope_keys(void *ctx, const uint8_t (**keys)[SR_KEY_BYTES]) {
  accept_t *a = ctx;
  *keys = (const uint8_t(*)[SR_KEY_BYTES])a->scope;
  return a->nscope;
}

static void a_finish(accept_t *a) {
  if (a->done) return;
  a->done = 1;
  uv_timer_stop(&a->timer);
  uv_close((uv_handle_t *)&a->timer, NULL);
  sr_gossip_shutdown(a->g);
  sr_net_close(&a->net);
}

static void a_progress(accept_t *a, const char *what) {
  if (a->d->progress) a->d->progress(a->d->ctx, what);
}

static void a_up(void *ctx, sr_gpeer_t *p, const uint8_t key[SR_KEY_BYTES], int outbound) {
  accept_t *a = ctx;
  (void)key;
  (void)outbound;
  if (!a->sent) {
    a->sent = 1;
    a_progress(a, "connected; waiting for the answer");
    int rc = sr_gossip_send_invite(a->g, p, a->d->secret, a->d->label);
    if (rc) { /* else the accept would wait for a reply to nothing until its timeout */
      snprintf(a->d->reason, sizeof(a->d->reason), "cannot send the code: %s", sr_strerror(rc));
      a->net_rc = rc;
      a_finish(a);
    }
  }
}

static void a_down(void *ctx, const uint8_t key[SR_KEY_BYTES], int outbound, int reason) {
  accept_t *a = ctx;
  (void)key;
  (void)outbound;
  if (a->done) return;
  if (!a->d->replied) {
    a->net_rc = reason ? reason : SR_ENETEOF;
    snprintf(a->d->reason, sizeof(a->d->reason),
             "it closed the connection: %s (is the address right, and does the network key match?)",
             sr_strerror(reason ? reason : SR_ENETEOF));
  }
  a_finish(a); /* after an answer: what the session synced is kept */
}

static void a_timeout(uv_timer_t *t) {
  accept_t *a = t->data;
  if (!a->d->replied)
    snprintf(a->d->reason, sizeof(a->d->reason), "it did not answer within %d s", a->d->timeout_ms / 1000);
  a_finish(a);
}

static void a_reply(void *ctx, sr_gpeer_t *p, int ok, const char *reason, size_t len) {
  accept_t *a = ctx;
  (void)p;
  if (a->d->replied) return;
  a->d->ok = ok;
  a->d->replied = 1;
  snprintf(a->d->reason, sizeof(a->d->reason), "%.*s", (int)len, reason);
  if (ok && a->d->sync_person && a->d->sync_ms > 0) {
    /* the person's log, until it holds the certificate of this key */
    a->syncing = 1;
    a_progress(a, "accepted; fetching the person's log");
    uv_timer_stop(&a->timer);
    uv_timer_start(&a->timer, a_timeout, (uint64_t)a->d->sync_ms, 0);
    return;
  }
  a_finish(a);
}

static void a_stored(void *ctx, const sr_entry_t *e) {
  accept_t *a = ctx;
  if (!a->syncing || memcmp(e->author, a->d->sync_person, SR_KEY_BYTES)) return;
  if (sr_device_certifies(e, a->self)) {
    a->d->synced = 1;
    a_finish(a);
  }
}

static void a_log(void *ctx, const char *line) {
  (void)ctx;
  (void)line;
}

int sr_node_invite_dial(sr_invite_dial_t *d) {
  char host[SR_NET_HOST_MAX], agent[40];
  uint8_t peer_key[SR_KEY_BYTES];
  uint16_t port;
  sr_net_conn_t *c;
  sr_net_config_t ncfg;
  accept_t *a;
  int rc;
  d->replied = d->ok = d->synced = 0;
  d->reason[0] = '\0';
  if ((rc = sr_net_address_parse(d->address, host, sizeof(host), &port, peer_key))) {
    snprintf(d->reason, sizeof(d->reason), "the address is malformed (%s)", sr_strerror(rc));
    return rc;
  }
  if (!(a = calloc(1, sizeof(*a)))) return SR_ENOMEM;
  signal(SIGPIPE, SIG_IGN);
  a->d = d;
  memcpy(a->self, d->sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  memcpy(a->scope[0], a->self, SR_KEY_BYTES);
  a->nscope = 1;
  if (d->sync_person && memcmp(d->sync_person, a->self, SR_KEY_BYTES)) {
    int after = memcmp(d->sync_person, a->self, SR_KEY_BYTES) > 0;
    memcpy(a->scope[after], d->sync_person, SR_KEY_BYTES);
    memcpy(a->scope[!after], a->self, SR_KEY_BYTES);
    a->nscope = 2;
  }
  uv_loop_init(&a->loop);
  memset(&ncfg, 0, sizeof(ncfg));
  memcpy(ncfg.netkey, d->netkey, SR_NET_NETKEY_BYTES);
  memcpy(ncfg.pk, a->self, SR_NET_KEY_BYTES);
  memcpy(ncfg.sk, d->sk, SR_NET_SECRET_BYTES);
  sr_gossip_net_callbacks(&ncfg.cb);
  snprintf(agent, sizeof(agent), "seurone/%s", SR_VERSION);
  sr_gossip_limits_t lim = {agent, 4, (uint32_t)d->timeout_ms, 1000, 1 << 20, 1 << 22};
  sr_gossip_hooks_t hooks = {.ctx = a,
                             .in_scope = a_in_scope,
                             .scope_keys = a_scope_keys,
                             .session_up = a_up,
                             .session_down = a_down,
                             .invite_reply = a_reply,
                             .log = a_log,
                             .stored = a_stored};
  rc = sr_net_init(&a->net, &a->loop, &ncfg);
  sodium_memzero(ncfg.sk, sizeof(ncfg.sk)); /* net holds the key now, as guarded as the caller's copy */
  if (rc) {
    snprintf(d->reason, sizeof(d->reason), "network init failed: %s", sr_strerror(rc));
    uv_loop_close(&a->loop);
    goto out;
  }
  if ((rc = sr_gossip_init(&a->g, &a->net, d->store, a->self, 0, &lim, &hooks))) {
    snprintf(d->reason, sizeof(d->reason), "network init failed: %s", sr_strerror(rc));
    sr_net_close(&a->net);
    uv_run(&a->loop, UV_RUN_DEFAULT); /* lets the net's handles close */
    uv_loop_close(&a->loop);
    goto out;
  }
  uv_timer_init(&a->loop, &a->timer);
  a->timer.data = a;
  uv_timer_start(&a->timer, a_timeout, (uint64_t)d->timeout_ms, 0);
  a_progress(a, "connecting");
  if ((rc = sr_net_dial(&a->net, host, port, peer_key, NULL, &c))) {
    snprintf(d->reason, sizeof(d->reason), "cannot dial it: %s", sr_strerror(rc));
    a->net_rc = rc;
    a_finish(a);
  }
  uv_run(&a->loop, UV_RUN_DEFAULT);
  sr_gossip_free(a->g);
  uv_loop_close(&a->loop);
  /* Never heard an answer: a network problem, not a refusal. */
  rc = d->replied ? 0 : a->net_rc ? a->net_rc : SR_ETIMEOUT;
out:
  free(a);
  return rc;
}

/* Refuses a code for another network than the one the config names, unless the
 * config names none (the default): then accepting switches the node over. */
static int network_check(const char *home, const sr_config_t *cfg, const uint8_t netkey[SR_NET_NETKEY_BYTES], char *err,
                         size_t errlen) {
  uint8_t def[SR_NET_NETKEY_BYTES];
  char have[SR_NET_KEYHEX_BYTES], want[SR_NET_KEYHEX_BYTES];
  sr_net_netkey_default(def);
  if (memcmp(cfg->network_key, netkey, SR_NET_NETKEY_BYTES) == 0 ||
      memcmp(cfg->network_key, def, SR_NET_NETKEY_BYTES) == 0)
    return 0;
  sr_hex_encode(cfg->network_key, SR_NET_NETKEY_BYTES, have);
  sr_hex_encode(netkey, SR_NET_NETKEY_BYTES, want);
  if (memcmp(netkey, def, SR_NET_NETKEY_BYTES) == 0)
    snprintf(err, errlen,
             "not joined: this invite is for the open Seurone network, but %s/config sets network_key = "
             "%.8s... (a closed network); a node is on one network at a time: remove the network_key line from that "
             "file to leave the closed network (docs/config.md), then accept the invite again",
             home, have);
  else
    snprintf(err, errlen,
             "not joined: this invite is for the network %.8s..., but %s/config sets network_key = "
             "%.8s... (another closed network); a node is on one network at a time: remove the network_key line "
             "from that file to switch networks (docs/config.md), then accept the invite again",
             want, home, have);
  return SR_ENETKEYCONFLICT;
}

/* One sentence for a relay's refusal: what it said and what to do. The reason
 * comes from the network: control characters never reach a terminal. */
static int refusal(char *reason, char *err, size_t errlen) {
  for (char *p = reason; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  if (!strcmp(reason, sr_strerror(SR_EINVITEUSED))) {
    snprintf(err, errlen, "the relay refused: this invite code has been used up; ask the relay for a new one");
    return SR_EINVITEUSED;
  }
  if (!strcmp(reason, sr_strerror(SR_EINVITEEXPIRED))) {
    snprintf(err, errlen, "the relay refused: this invite code has expired; ask the relay for a new one");
    return SR_EINVITEEXPIRED;
  }
  if (!strcmp(reason, sr_strerror(SR_EINVITEREVOKED))) {
    snprintf(err, errlen, "the relay refused: this invite code was revoked; ask the relay's operator for a new one");
    return SR_EINVITEREVOKED;
  }
  if (!strcmp(reason, sr_strerror(SR_EMEMBERREMOVED))) {
    snprintf(err, errlen,
             "the relay refused: its operator removed this key from its members, and no invite admits it again");
    return SR_EMEMBERREMOVED;
  }
  if (!strcmp(reason, sr_strerror(SR_EINVITE))) {
    snprintf(err, errlen,
             "the relay refused: unknown invite code; check that it was copied whole, or ask the "
             "relay for a new one");
    return SR_EINVITE;
  }
  snprintf(err, errlen, "the relay refused the invite (it said: \"%.200s\"); ask the relay's operator for a new code",
           reason[0] ? reason : "no reason given");
  return SR_EINVITE;
}

int sr_node_invite_accept(const char *home, sr_store_t *store, const uint8_t *key, const char *code,
                          sr_invite_joined_t *joined, char *err, size_t errlen) {
  char address[SR_NET_ADDRESS_MAX], host[SR_NET_HOST_MAX];
  uint8_t netkey[SR_NET_NETKEY_BYTES], relay_key[SR_KEY_BYTES], *sk = NULL; /* sodium_malloc'd: out of core dumps */
  uint16_t port;
  sr_store_t *st = NULL;
  sr_invite_dial_t *d = NULL;
  sr_config_t cfg;
  int rc, new_network;
  memset(joined, 0, sizeof(*joined));
  if ((rc = sr_invite_parse(code, address, sizeof(address), netkey, NULL)) != 0) {
    snprintf(err, errlen, "this is not a seurone invite code (%s)", sr_strerror(rc));
    return rc;
  }
  /* The config's network first: joining a relay whose network the node cannot
   * then reach would leave a member that never syncs. */
  if ((rc = sr_config_load(home, &cfg, err, errlen))) return rc;
  if ((rc = network_check(home, &cfg, netkey, err, errlen))) return rc;
  new_network = memcmp(cfg.network_key, netkey, SR_NET_NETKEY_BYTES) != 0;
  if (!(d = calloc(1, sizeof(*d)))) return SR_ENOMEM;
  if ((rc = sr_invite_parse(code, address, sizeof(address), netkey, d->secret_buf))) { /* parsed above: not reached */
    snprintf(err, errlen, "this is not a seurone invite code (%s)", sr_strerror(rc));
    goto out;
  }
  if ((rc = sr_net_address_parse(address, host, sizeof(host), &port, relay_key))) {
    snprintf(err, errlen, "the invite's address is malformed (%s)", sr_strerror(rc));
    goto out;
  }
  if (!(sk = sodium_malloc(SR_SECRET_BYTES))) {
    rc = SR_ENOMEM;
    goto out;
  }
  if (key) memcpy(sk, key, SR_SECRET_BYTES);
  else if ((rc = sr_identity_load(home, NULL, 0, sk, err, errlen)))
    goto out;
  /* The running node's own handle when it accepts (the web app): LMDB wants
   * one environment per process, whose locks a second handle's close drops. */
  if (store) st = store;
  else if ((rc = sr_home_store_open(home, 0, &st, err, errlen)))
    goto out;
  /* The accept signs nothing yet, but it makes this identity a member: a key
   * file swapped for another identity's must not join in this store's name. */
  if ((rc = sr_identity_check_store(home, st, sk + SR_SECRET_PK_OFFSET, err, errlen))) goto out;

  d->address = address;
  d->netkey = netkey;
  d->secret = d->secret_buf;
  d->sk = sk;
  d->store = st;
  d->timeout_ms = ACCEPT_TIMEOUT_MS;
  rc = sr_node_invite_dial(d);
  sodium_free(sk); /* the dial is over: wiped */
  sk = NULL;
  if (rc) {
    if (!strncmp(d->reason, "network init", 12)) snprintf(err, errlen, "%s", d->reason);
    else
      snprintf(err, errlen, "could not reach the relay %s: %s", address, d->reason);
    goto out;
  }
  if (!d->ok) {
    rc = refusal(d->reason, err, errlen);
    goto out;
  }
  /* While a node runs it owns the peer table: a record written behind it is
   * overwritten by its own at its next save (the relay flag lost). So it
   * takes the relay, and dials it at once unless it is on the old network key;
   * with no node, or one that refused (its table full: the relay is not in
   * it), the store is written here by the same rule (sr_peer_give). */
  json_t *req =
             json_pack("{s:s, s:s, s:b, s:b}", "cmd", "peer_add", "address", address, "relay", 1, "dial", !new_network),
         *reply = NULL;
  int saved = 0;
  if (req && sr_control_call(home, req, &reply, 3000) == 0) {
    saved = sr_control_reply_code(reply) == 0;
    if (new_network) {
      joined->restart_needed = 1;
    } else if (saved) {
      joined->dialing = 1;
    } else {
      /* Joined, and the relay is in the store (dialled at the next start), but
       * the person must hear that the running node does not dial it now. */
      const char *why = json_string_value(json_object_get(reply, "error"));
      snprintf(joined->refused, sizeof(joined->refused), "%s", why ? why : "no reason given");
    }
    json_decref(reply);
  }
  json_decref(req);
  if (!saved && (rc = sr_store_peer_give(st, relay_key, address, SR_PEER_RELAY | SR_PEER_MANUAL))) {
    snprintf(err, errlen, "joined, but could not save the relay in the peer table: %s",
             rc == SR_ESTORE ? sr_store_errmsg(st) : sr_strerror(rc));
    goto out;
  }
  if (new_network) {
    if ((rc = sr_config_save_network_key(home, netkey, "the relay", err, errlen))) goto out;
    joined->wrote_network_key = 1;
  }
  rc = 0;
out:
  if (sk) sodium_free(sk); /* wipes it */
  if (st && st != store) sr_store_close(st);
  if (d) sodium_memzero(d, sizeof(*d)); /* a code is a secret until the relay used it up */
  free(d);
  return rc;
}
