/* keyfile.c: the two forms of HOME/secret (see keyfile.h). */
#include "node/keyfile.h"
#include "core/hex.h"
#include "core/num.h"
#include <stdio.h>
#include <string.h>

#define PLAIN_TAG "ed25519 "
#define SEALED_TAG "seurone-key "
#define KDF_NAME "argon2id13"
#define PLAIN_COMMENT "# seurone secret key: whoever holds this file can write as you. Keep it private.\n"
#define SEALED_COMMENT                                                                                                 \
  "# seurone secret key, sealed with a passphrase: whoever holds this file and the passphrase can\n"                   \
  "# write as you. Keep both private. The format: docs/storage.md, \"The key file\".\n"

static int fail(char *why, size_t whylen, const char *msg) {
  if (why && whylen) snprintf(why, whylen, "%s", msg);
  return SR_EKEYFILE;
}

/* The sum of the sealed line's first n bytes (all before " sum="). */
static void line_sum(const char *line, size_t n, uint8_t sum[SR_KEYFILE_SUM_BYTES]) {
  crypto_generichash(sum, SR_KEYFILE_SUM_BYTES, (const uint8_t *)line, n, NULL, 0);
}

/* At *p (end e): "NAME=" then hex for exactly len bytes, then a space (or
 * the end when last). Advances *p past the space. */
static int field_hex(const char **p, const char *e, const char *name, uint8_t *out, size_t len, int last) {
  size_t nl = strlen(name), hl = 2 * len;
  const char *s = *p;
  if ((size_t)(e - s) < nl + 1 + hl || memcmp(s, name, nl) != 0 || s[nl] != '=') return -1;
  s += nl + 1;
  if (!sr_hex_is_hex(s, hl, 1) || sr_hex_decode_span(s, hl, out, len) != 0) return -1;
  s += hl;
  if (last ? s != e : (s == e || *s != ' ')) return -1;
  *p = last ? s : s + 1;
  return 0;
}

/* At *p: "NAME=" then decimal digits in [min, max], then a space. */
static int field_num(const char **p, const char *e, const char *name, uint64_t min, uint64_t max, uint64_t *out) {
  size_t nl = strlen(name);
  const char *s = *p, *sp;
  if ((size_t)(e - s) < nl + 1 || memcmp(s, name, nl) != 0 || s[nl] != '=') return -1;
  s += nl + 1;
  if (!(sp = memchr(s, ' ', (size_t)(e - s)))) return -1;
  if (sp - s > 1 && s[0] == '0') return -1; /* one spelling of each number: what format writes */
  if (sr_parse_u64_span(s, (size_t)(sp - s), min, max, out) != 0) return -1;
  *p = sp + 1;
  return 0;
}

static int parse_sealed(const char *line, size_t n, sr_keyfile_t *kf, char *why, size_t whylen) {
  const char *p = line + strlen(SEALED_TAG), *e = line + n, *sum_at;
  uint8_t sum[SR_KEYFILE_SUM_BYTES], want[SR_KEYFILE_SUM_BYTES];
  uint64_t version;
  const char *sp = memchr(p, ' ', (size_t)(e - p));
  if (!sp || sr_parse_u64_span(p, (size_t)(sp - p), 1, UINT32_MAX, &version) != 0)
    return fail(why, whylen, "the sealed key line has no version number after `seurone-key`");
  if (version != SR_KEYFILE_VERSION)
    return fail(why, whylen,
                "the sealed key is of a later format version than this seurone reads: use the newer seurone that "
                "wrote it (or its backup)");
  p = sp + 1;
  if ((size_t)(e - p) < strlen(KDF_NAME) + 1 || memcmp(p, KDF_NAME " ", strlen(KDF_NAME) + 1) != 0)
    return fail(why, whylen, "the sealed key names a key derivation other than argon2id13");
  p += strlen(KDF_NAME) + 1;
  /* The sum first: a damaged line says so, whichever field the damage hit. */
  sum_at = NULL;
  for (const char *q = p; q + 5 <= e; q++)
    if (memcmp(q, " sum=", 5) == 0) sum_at = q;
  if (!sum_at) return fail(why, whylen, "the sealed key line has no sum= field at its end");
  {
    const char *q = sum_at + 1;
    if (field_hex(&q, e, "sum", want, sizeof(want), 1))
      return fail(why, whylen, "the sum= field of the sealed key is not 16 hex digits at the end of the line");
  }
  line_sum(line, (size_t)(sum_at - line), sum);
  if (sodium_memcmp(sum, want, sizeof(sum)) != 0)
    return fail(why, whylen,
                "the sealed key line does not match its sum: the file was damaged or changed; put the key file "
                "back from a backup");
  e = sum_at;
  if (field_num(&p, e, "ops", crypto_pwhash_OPSLIMIT_MIN, SR_KEYFILE_OPS_MAX, &kf->ops) ||
      field_num(&p, e, "mem", crypto_pwhash_MEMLIMIT_MIN, SR_KEYFILE_MEM_MAX, &kf->mem))
    return fail(why, whylen, "the sealed key's ops= or mem= is missing or out of range");
  if (field_hex(&p, e, "salt", kf->salt, sizeof(kf->salt), 0) ||
      field_hex(&p, e, "nonce", kf->nonce, sizeof(kf->nonce), 0) || field_hex(&p, e, "pk", kf->pk, sizeof(kf->pk), 0) ||
      field_hex(&p, e, "box", kf->box, sizeof(kf->box), 1))
    return fail(why, whylen, "a salt=, nonce=, pk= or box= field of the sealed key is missing or malformed");
  kf->sealed = 1;
  return 0;
}

static int parse_plain(const char *line, size_t n, sr_keyfile_t *kf, uint8_t sk[SR_SECRET_BYTES], char *why,
                       size_t whylen) {
  uint8_t *sk2 = NULL, pk[SR_KEY_BYTES];
  size_t tl = strlen(PLAIN_TAG);
  int rc = SR_EKEYFILE;
  if (sr_hex_decode_span(line + tl, n - tl, sk, SR_SECRET_BYTES) != 0)
    return fail(why, whylen, "expected a line `ed25519 <128 hex digits>`");
  /* The public half is stored in the secret key; check it matches the seed. */
  if (!(sk2 = sodium_malloc(SR_SECRET_BYTES))) {
    sodium_memzero(sk, SR_SECRET_BYTES);
    return SR_ENOMEM;
  }
  if (crypto_sign_seed_keypair(pk, sk2, sk) == 0 && sodium_memcmp(sk2, sk, SR_SECRET_BYTES) == 0) {
    memcpy(kf->pk, pk, SR_KEY_BYTES);
    rc = 0;
  } else {
    sodium_memzero(sk, SR_SECRET_BYTES);
    fail(why, whylen, "its public half does not belong to its seed: the key is damaged");
  }
  sodium_free(sk2);
  return rc;
}

int sr_keyfile_parse(const char *text, size_t n, sr_keyfile_t *kf, uint8_t sk[SR_SECRET_BYTES], char *why,
                     size_t whylen) {
  const char *p = text, *e = text + n;
  memset(kf, 0, sizeof(*kf));
  if (n > SR_KEYFILE_TEXT_MAX) return fail(why, whylen, "it is larger than a key file");
  while (p < e) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
    if (len && p[len - 1] == '\r') len--; /* a file that went through an editor of another system */
    if (len == 0 || p[0] == '#') {
      p = nl ? nl + 1 : e;
      continue;
    }
    if (memchr(p, '\0', len)) return fail(why, whylen, "it holds a NUL byte");
    if (len >= strlen(PLAIN_TAG) && memcmp(p, PLAIN_TAG, strlen(PLAIN_TAG)) == 0)
      return parse_plain(p, len, kf, sk, why, whylen);
    if (len >= strlen(SEALED_TAG) && memcmp(p, SEALED_TAG, strlen(SEALED_TAG)) == 0)
      return parse_sealed(p, len, kf, why, whylen);
    break;
  }
  return fail(why, whylen,
              "expected a line `ed25519 <128 hex digits>` or `seurone-key 1 ...` (a key sealed with a passphrase)");
}

int sr_keyfile_derive(const sr_keyfile_t *kf, const char *pass, size_t passlen, uint8_t key[SR_KEYFILE_KEY_BYTES]) {
  if (!kf->sealed || kf->ops < crypto_pwhash_OPSLIMIT_MIN || kf->ops > SR_KEYFILE_OPS_MAX ||
      kf->mem < crypto_pwhash_MEMLIMIT_MIN || kf->mem > SR_KEYFILE_MEM_MAX)
    return SR_EINVAL;
  /* It fails only when argon2 cannot have its memory. */
  if (crypto_pwhash(key, SR_KEYFILE_KEY_BYTES, pass, passlen, kf->salt, kf->ops, (size_t)kf->mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return SR_ENOMEM;
  return 0;
}

int sr_keyfile_unbox(const sr_keyfile_t *kf, const uint8_t key[SR_KEYFILE_KEY_BYTES], uint8_t sk[SR_SECRET_BYTES]) {
  uint8_t pk[SR_KEY_BYTES], *sk2;
  int rc = SR_EKEYFILE;
  if (crypto_secretbox_open_easy(sk, kf->box, sizeof(kf->box), kf->nonce, key) != 0) {
    sodium_memzero(sk, SR_SECRET_BYTES);
    return SR_EPASSPHRASE;
  }
  if (!(sk2 = sodium_malloc(SR_SECRET_BYTES))) {
    sodium_memzero(sk, SR_SECRET_BYTES);
    return SR_ENOMEM;
  }
  /* A whole key pair, and the identity of the line: whoever sealed another
   * key under this file's pk made the file lie about whose it is. */
  if (crypto_sign_seed_keypair(pk, sk2, sk) == 0 && sodium_memcmp(sk2, sk, SR_SECRET_BYTES) == 0 &&
      sodium_memcmp(pk, kf->pk, SR_KEY_BYTES) == 0)
    rc = 0;
  sodium_free(sk2);
  if (rc) sodium_memzero(sk, SR_SECRET_BYTES);
  return rc;
}

int sr_keyfile_open(const sr_keyfile_t *kf, const char *pass, size_t passlen, uint8_t sk[SR_SECRET_BYTES]) {
  uint8_t *key = sodium_malloc(SR_KEYFILE_KEY_BYTES);
  int rc;
  if (!key) return SR_ENOMEM;
  if ((rc = sr_keyfile_derive(kf, pass, passlen, key)) == 0) rc = sr_keyfile_unbox(kf, key, sk);
  sodium_free(key); /* wipes it */
  return rc;
}

int sr_keyfile_seal(const uint8_t sk[SR_SECRET_BYTES], const char *pass, size_t passlen, uint64_t ops, uint64_t mem,
                    sr_keyfile_t *kf) {
  uint8_t *key;
  int rc;
  if (passlen == 0) return SR_EINVAL;
  memset(kf, 0, sizeof(*kf));
  kf->sealed = 1;
  kf->ops = ops;
  kf->mem = mem;
  memcpy(kf->pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  randombytes_buf(kf->salt, sizeof(kf->salt));
  randombytes_buf(kf->nonce, sizeof(kf->nonce));
  if (!(key = sodium_malloc(SR_KEYFILE_KEY_BYTES))) return SR_ENOMEM;
  if ((rc = sr_keyfile_derive(kf, pass, passlen, key)) == 0 &&
      crypto_secretbox_easy(kf->box, sk, SR_SECRET_BYTES, kf->nonce, key) != 0)
    rc = SR_ECRYPTO;
  sodium_free(key);
  return rc;
}

/* Appends " NAME=" and the hex of len bytes at *o (the room was checked). */
static char *put_hex(char *o, const char *name, const uint8_t *bin, size_t len) {
  o += sprintf(o, " %s=", name);
  sr_hex_encode(bin, len, o);
  return o + 2 * len;
}

int sr_keyfile_format(const sr_keyfile_t *kf, const uint8_t sk[SR_SECRET_BYTES], char *out, size_t cap) {
  char line[SR_KEYFILE_TEXT_MAX], *o = line;
  uint8_t sum[SR_KEYFILE_SUM_BYTES];
  int n;
  if (!kf) {
    if (cap < sizeof(PLAIN_COMMENT) + strlen(PLAIN_TAG) + 2 * SR_SECRET_BYTES + 2) return SR_ETOOBIG;
    o = out + sprintf(out, "%s%s", PLAIN_COMMENT, PLAIN_TAG);
    sr_hex_encode(sk, SR_SECRET_BYTES, o);
    strcpy(o + 2 * SR_SECRET_BYTES, "\n");
    return (int)strlen(out);
  }
  o += sprintf(o, "%s%d %s ops=%llu mem=%llu", SEALED_TAG, SR_KEYFILE_VERSION, KDF_NAME, (unsigned long long)kf->ops,
               (unsigned long long)kf->mem);
  o = put_hex(o, "salt", kf->salt, sizeof(kf->salt));
  o = put_hex(o, "nonce", kf->nonce, sizeof(kf->nonce));
  o = put_hex(o, "pk", kf->pk, sizeof(kf->pk));
  o = put_hex(o, "box", kf->box, sizeof(kf->box));
  line_sum(line, (size_t)(o - line), sum);
  o = put_hex(o, "sum", sum, sizeof(sum));
  n = snprintf(out, cap, "%s%s\n", SEALED_COMMENT, line);
  return n > 0 && (size_t)n < cap ? n : SR_ETOOBIG;
}
