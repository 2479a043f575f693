/* keyfile.h: the text of HOME/secret, plain or sealed with a passphrase
 * (docs/storage.md, "The key file"). No I/O here: node/identity.c reads and
 * writes the file, the unit tests and tests/fuzz/fuzz_keyfile.c drive these.
 *
 * The key is the first line that is neither empty nor a comment (#); later
 * lines are not read. It is one of:
 *   ed25519 <128 hex>      plain: libsodium's 64-byte secret key (seed, then
 *                          the public key), as `init` writes it
 *   seurone-key 1 argon2id13 ops=<n> mem=<bytes> salt=<32 hex> nonce=<48 hex>
 *       pk=<64 hex> box=<160 hex> sum=<16 hex>       (one line)
 *                          sealed: box = crypto_secretbox(secret key, nonce,
 *                          crypto_pwhash(passphrase, salt, ops, mem, Argon2id
 *                          v1.3)); pk, the public key, in the clear so that
 *                          `id`, `address` and `status` need no passphrase;
 *                          sum = the first 8 bytes of BLAKE2b of the line up
 *                          to " sum=", so a damaged file says so instead of
 *                          "wrong passphrase".
 * A sealed key is refused unless its box opens to a secret key whose public
 * half is pk: the identity stays the one people know.
 */
#ifndef SR_KEYFILE_H
#define SR_KEYFILE_H
#include "core/entry.h"
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

#define SR_KEYFILE_VERSION 1
#define SR_KEYFILE_SALT_BYTES crypto_pwhash_SALTBYTES      /* 16 */
#define SR_KEYFILE_NONCE_BYTES crypto_secretbox_NONCEBYTES /* 24 */
#define SR_KEYFILE_KEY_BYTES crypto_secretbox_KEYBYTES     /* 32: what the passphrase derives */
#define SR_KEYFILE_BOX_BYTES (crypto_secretbox_MACBYTES + SR_SECRET_BYTES)
#define SR_KEYFILE_SUM_BYTES 8
/* What `key passphrase` seals with: libsodium's INTERACTIVE limits, 2 passes
 * over 64 MiB: 0.08 to 0.3 s on one core of a shared server, about a second
 * on a phone-class laptop a few times slower; MODERATE (3 passes over 256 MiB)
 * took four to six times as long, and a quarter of a small machine's memory
 * (docs/storage.md, "The key file"). */
#define SR_KEYFILE_OPS_DEFAULT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define SR_KEYFILE_MEM_DEFAULT crypto_pwhash_MEMLIMIT_INTERACTIVE
/* What a file may ask for: beyond it a damaged or hostile file could make
 * the unlock take minutes or all the memory. */
#define SR_KEYFILE_OPS_MAX 32
#define SR_KEYFILE_MEM_MAX crypto_pwhash_MEMLIMIT_SENSITIVE /* 1 GiB */
/* The file is read whole, at most this much. */
#define SR_KEYFILE_TEXT_MAX 4096
/* A passphrase longer than this is refused (a line of a file or a terminal). */
#define SR_KEYFILE_PASS_MAX 1024

typedef struct sr_keyfile {
  int sealed;               /* 0: plain (the secret key went to sk) */
  uint8_t pk[SR_KEY_BYTES]; /* the identity, in both forms */
  uint64_t ops, mem;        /* sealed: crypto_pwhash opslimit and memlimit (bytes) */
  uint8_t salt[SR_KEYFILE_SALT_BYTES], nonce[SR_KEYFILE_NONCE_BYTES], box[SR_KEYFILE_BOX_BYTES];
} sr_keyfile_t;

/* Parses the n bytes at text (need not end in NUL). A plain key goes into sk
 * (the caller's guarded memory: sodium_malloc) and its public half into
 * kf->pk; a sealed one's fields into kf, sk untouched. SR_EKEYFILE with why
 * (one phrase) when it is neither form, a field is malformed or out of range,
 * the version is unknown, or the sum does not match. */
SR_MUST_USE int sr_keyfile_parse(const char *text, size_t n, sr_keyfile_t *kf, uint8_t sk[SR_SECRET_BYTES], char *why,
                                 size_t whylen);

/* The secretbox key of a sealed kf from pass (crypto_pwhash: the slow part);
 * SR_ENOMEM when the system cannot give it kf->mem bytes. */
SR_MUST_USE int sr_keyfile_derive(const sr_keyfile_t *kf, const char *pass, size_t passlen,
                                  uint8_t key[SR_KEYFILE_KEY_BYTES]);
/* Opens kf's box with key into sk: SR_EPASSPHRASE when it does not open (the
 * wrong passphrase, or a box changed since), SR_EKEYFILE when it opens to a
 * key that is not a whole key pair of kf->pk. sk is wiped on failure. */
SR_MUST_USE int sr_keyfile_unbox(const sr_keyfile_t *kf, const uint8_t key[SR_KEYFILE_KEY_BYTES],
                                 uint8_t sk[SR_SECRET_BYTES]);
/* derive then unbox, the derived key in guarded memory and wiped. */
SR_MUST_USE int sr_keyfile_open(const sr_keyfile_t *kf, const char *pass, size_t passlen, uint8_t sk[SR_SECRET_BYTES]);
/* Seals sk with pass (not empty) into kf: a fresh salt and nonce, ops and
 * mem as given (SR_KEYFILE_*_DEFAULT in the program; tests use less). */
SR_MUST_USE int sr_keyfile_seal(const uint8_t sk[SR_SECRET_BYTES], const char *pass, size_t passlen, uint64_t ops,
                                uint64_t mem, sr_keyfile_t *kf);

/* The file's text into out (cap bytes, NUL-terminated): kf sealed, or, with
 * kf NULL, the plain form of sk (put out in guarded memory then: it holds
 * the secret in hex). Returns the length, or SR_ETOOBIG. */
SR_MUST_USE int sr_keyfile_format(const sr_keyfile_t *kf, const uint8_t sk[SR_SECRET_BYTES], char *out, size_t cap);

#endif
