/* invite.h: relay invites.
 *
 * Code: seurone-invite:1:<relay address>:<network key, 64 hex>:<secret, 64 hex>
 * where the address is the relay's seurone://HOST:PORT/KEY. One line, no spaces,
 * copy-pasteable; the secret is single-use (or N uses, `invite create --uses N`).
 */
#ifndef SR_INVITE_H
#define SR_INVITE_H
#include "core/err.h"
#include "net/address.h"
#include "store/peers.h"
#include "store/store.h"
#include <stddef.h>
#include <stdint.h>

#define SR_INVITE_PREFIX "seurone-invite:1:"
#define SR_INVITE_CODE_MAX 512 /* prefix + address (< 352) + 2 x (":" + 64 hex) + NUL */
/* An invite's expiry when `invite create` names none (docs/cli.md), and the
 * longest one may ask for. */
#define SR_INVITE_TTL_DEFAULT_MS (7ull * 24 * 3600 * 1000)
#define SR_INVITE_TTL_MAX_MS (366ull * 24 * 3600 * 1000)

/* Writes the code for (address, network key, secret) into out (cap >=
 * SR_INVITE_CODE_MAX is always enough). SR_EINVITECODE when address is not a
 * seurone:// address, SR_ETOOBIG when cap is short. */
SR_MUST_USE int sr_invite_format(const char *address, const uint8_t netkey[SR_NET_NETKEY_BYTES],
                                 const uint8_t secret[SR_INVITE_SECRET_BYTES], char *out, size_t cap);
/* Parses a code strictly: the prefix, a valid seurone:// address, then the
 * network key and the secret as 64 lowercase hex digits each; nothing before,
 * between or after (callers trim what a user pasted). address (acap >=
 * SR_NET_ADDRESS_MAX) gets the relay's address; secret may be NULL.
 * SR_EINVITECODE when malformed (sr_invite_problem() says how). */
SR_MUST_USE int sr_invite_parse(const char *code, char *address, size_t acap, uint8_t netkey[SR_NET_NETKEY_BYTES],
                                uint8_t *secret);
/* NULL when code parses, else a sentence saying what is wrong with it (static). */
const char *sr_invite_problem(const char *code);

/* One redemption over the network, as `invite accept` and `device join` make
 * it: dials address with netkey as the key pair sk (its secret half, then its
 * public half, as HOME/secret holds them), and once the session is up sends
 * the invite frame with secret, then waits at most timeout_ms for the answer.
 * A device join sets sync_person (P): after an ok answer the session goes on
 * replicating P's log into store, until store holds P's certificate of this
 * key (synced = 1), P's node closes, or sync_ms pass. progress (may be NULL)
 * hears each stage: "connecting", "connected; waiting for the answer",
 * "accepted; fetching the person's log". */
typedef struct sr_invite_dial {
  const char *address;
  const uint8_t *netkey, *secret, *sk;
  sr_store_t *store;
  int timeout_ms;
  const uint8_t *sync_person;
  int sync_ms;
  const char *label; /* a device join's name for itself (the frame's label), or NULL */
  void (*progress)(void *ctx, const char *what);
  void *ctx;
  uint8_t secret_buf[SR_INVITE_SECRET_BYTES]; /* room for the caller's secret, wiped with the struct */
  /* filled in */
  int replied, ok, synced;
  char reason[600]; /* the answer's reason (from the network: may hold anything), or what went wrong */
} sr_invite_dial_t;
/* 0 when the node answered (d->ok, d->reason), else the network's error (no
 * answer: d->reason says what happened). */
SR_MUST_USE int sr_node_invite_dial(sr_invite_dial_t *d);

/* What accepting changed besides the peer table. */
typedef struct sr_invite_joined {
  int wrote_network_key; /* HOME/config now names the invite's network key */
  int restart_needed;    /* a node runs in home with the old key: it must restart */
  int dialing;           /* a node runs in home and is dialing the relay now */
  char refused[300];     /* a node runs in home but did not take the relay: why; else "" */
} sr_invite_joined_t;

/* Redeems an invite from the home's identity: dials the relay with the code's
 * network key, proves the secret, stores the relay in the peer table (telling a
 * running node to dial it) and, when the code is for another network than the
 * config's, writes its network_key into HOME/config, so the node connects after
 * its next start (a node running with the old key cannot: restart_needed).
 * A config that already names another non-default network key is not changed
 * and nothing is joined (SR_ENETKEYCONFLICT): a node is on one network at a time.
 * store: the home's store when the caller holds it open (the running node's
 * web app, on a thread of its own: the accept blocks up to 15 s), else NULL:
 * it is opened here. key: the home's key pair when the caller holds it (the
 * running node's; the CLI's, which asked for the passphrase of a sealed key),
 * else NULL: HOME/secret is read here (a plain key only: SR_ENEEDPASS). Errors: SR_EINVITECODE, SR_EINVITE (unknown or refused), SR_EINVITEUSED,
 * SR_EINVITEEXPIRED, SR_EINVITEREVOKED, SR_EMEMBERREMOVED,
 * SR_ENETKEYCONFLICT, or the reason the relay could not be reached; err is one
 * sentence saying which and what to do. */
SR_MUST_USE int sr_node_invite_accept(const char *home, sr_store_t *store, const uint8_t *key, const char *code,
                                      sr_invite_joined_t *joined, char *err, size_t errlen);

#endif
