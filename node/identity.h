/* identity.h: the node's home directory and its long-term ed25519 key pair.
 *
 * Home layout:  HOME/secret  the key pair, mode 0600 (refused if more open),
 *                            plain or sealed with a passphrase (node/keyfile.h)
 *               HOME/device  which machine and directory the home runs from (node/device.h)
 *               HOME/store/  the LMDB environment (store/store.h)
 * The home is --home, else $SEURONE_HOME, else ~/.seurone.
 */
#ifndef SR_IDENTITY_H
#define SR_IDENTITY_H
#include "core/err.h"
#include "core/entry.h"
#include "node/home.h"
#include "node/keyfile.h"
#include <stddef.h>

struct sr_store;

/* Resolves the home directory into out. flag may be NULL. */
SR_MUST_USE int sr_home_resolve(const char *flag, char *out, size_t cap);
/* HOME/store and HOME/secret. */
void sr_home_store_path(const char *home, char *out, size_t cap);
void sr_home_secret_path(const char *home, char *out, size_t cap);

/* Opens HOME/store (sr_store_open) after checking it is a real directory of
 * ours with real files (sr_home_check_store): SR_EPERM and err when not. */
SR_MUST_USE int sr_home_store_open(const char *home, int create, struct sr_store **out, char *err, size_t errlen);

/* Creates HOME (0700) and a new key pair in HOME/secret (0600). SR_EEXIST when a
 * key is already there (it is never overwritten). */
SR_MUST_USE int sr_identity_create(const char *home, uint8_t sk[SR_SECRET_BYTES]);
/* Loads HOME/secret into sk. SR_ENOKEY: none; SR_EPERM: group or others may read it;
 * SR_EKEYFILE: malformed (err says how); SR_EPERM also when the home may be written by others
 * or is another user's (sr_home_check). A key sealed with a passphrase
 * (node/keyfile.h) is opened with pass (passlen bytes): SR_ENEEDPASS when pass
 * is NULL, SR_EPASSPHRASE when it is wrong; a plain key ignores pass.
 * err receives a sentence saying what to do. When there
 * is no key file but HOME/store names the identity it belongs to (a store
 * restored without its key), err says to restore the key file rather than to run
 * `seurone init`: it opens the store to find out, so call it before this process
 * opens the store itself. */
SR_MUST_USE int sr_identity_load(const char *home, const char *pass, size_t passlen, uint8_t sk[SR_SECRET_BYTES],
                                 char *err, size_t errlen);
/* The public key of HOME/secret, with no passphrase (a sealed file keeps it
 * in the clear), into pk, and the file's fields into kf (either may be NULL).
 * Returns 0 for a plain key, 1 for a sealed one, or sr_identity_load's errors. */
SR_MUST_USE int sr_identity_probe(const char *home, uint8_t pk[SR_KEY_BYTES], sr_keyfile_t *kf, char *err,
                                  size_t errlen);
/* Replaces HOME/secret with sk, sealed as kf (sr_keyfile_seal of sk), or plain
 * when kf is NULL: the text is parsed back first, written to HOME/secret.tmp.PID
 * (mode 0600, never through a link), fsynced, renamed over HOME/secret, and
 * the home fsynced; a failure leaves the old file as it was (SR_EIO, err). */
SR_MUST_USE int sr_identity_save(const char *home, const sr_keyfile_t *kf, const uint8_t sk[SR_SECRET_BYTES], char *err,
                                 size_t errlen);

/* Checks that st (the store of home) belongs to pk, the public key of HOME/secret,
 * or NULL when there is no key file. A store records the identity it was made for
 * (sr_store_set_self): a key file and a store are one person's only together, and
 * making a new key over a restored store, or running another home's key on it,
 * would silently turn the person into someone else. Returns 0 when the store
 * names no identity or names pk; else SR_EIDENTITY, and err says which
 * identities they are and how to bring the right key back. */
SR_MUST_USE int sr_identity_check_store(const char *home, struct sr_store *st, const uint8_t *pk, char *err,
                                        size_t errlen);

#endif
