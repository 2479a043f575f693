/* identity.h: the node's home directory and its long-term ed25519 key pair.
 *
 * Home layout:  HOME/secret  the key pair, mode 0600 (refused if more open)
 *               HOME/store/  the LMDB environment (store/store.h)
 * The home is --home, else $SEURONE_HOME, else ~/.seurone.
 */
#ifndef SR_IDENTITY_H
#define SR_IDENTITY_H
#include "core/entry.h"
#include <stddef.h>

/* Resolves the home directory into out. flag may be NULL. */
int sr_home_resolve(const char *flag, char *out, size_t cap);
/* HOME/store and HOME/secret. */
void sr_home_store_path(const char *home, char *out, size_t cap);
void sr_home_secret_path(const char *home, char *out, size_t cap);

/* Creates HOME (0700) and a new key pair in HOME/secret (0600). SR_EEXIST when a
 * key is already there (it is never overwritten). */
int sr_identity_create(const char *home, uint8_t sk[SR_SECRET_BYTES]);
/* Loads HOME/secret. SR_ENOKEY: none; SR_EPERM: group or others may read it;
 * SR_EKEYFILE: malformed. err receives a sentence saying what to do. */
int sr_identity_load(const char *home, uint8_t sk[SR_SECRET_BYTES], char *err, size_t errlen);

#endif
