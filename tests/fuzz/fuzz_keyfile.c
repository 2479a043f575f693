/* fuzz_keyfile: the parsers of HOME/secret (node/keyfile.c) and HOME/device
 * (node/device.c) under libFuzzer, issue 14. Any bytes: never a crash; a
 * refusal always says why; what is accepted formats back to a text that
 * parses to the same fields (plain: the same key); a sealed key's box is
 * opened with a fixed key (argon2 is left out: a file may ask for 1 GiB),
 * which gives a key pair of its pk or a refusal, never anything else. */
#include "core/core.h"
#include "core/hex.h"
#include "node/device.h"
#include "node/keyfile.h"
#include <stdlib.h>
#include <string.h>

static void keyfile(const uint8_t *data, size_t size) {
  char why[200] = "", text[SR_KEYFILE_TEXT_MAX];
  uint8_t sk[SR_SECRET_BYTES], sk2[SR_SECRET_BYTES], key[SR_KEYFILE_KEY_BYTES];
  sr_keyfile_t kf, again;
  int rc = sr_keyfile_parse((const char *)data, size, &kf, sk, why, sizeof(why));
  if (rc != 0) {
    if (rc != SR_EKEYFILE || why[0] == '\0') abort();
    return;
  }
  int n = sr_keyfile_format(kf.sealed ? &kf : NULL, sk, text, sizeof(text));
  if (n <= 0 || sr_keyfile_parse(text, (size_t)n, &again, sk2, why, sizeof(why)) != 0) abort();
  if (again.sealed != kf.sealed || memcmp(again.pk, kf.pk, SR_KEY_BYTES) != 0) abort();
  if (!kf.sealed) {
    if (memcmp(sk, sk2, SR_SECRET_BYTES) != 0 || memcmp(sk + SR_SECRET_PK_OFFSET, kf.pk, SR_KEY_BYTES) != 0) abort();
    return;
  }
  if (again.ops != kf.ops || again.mem != kf.mem || memcmp(again.salt, kf.salt, sizeof(kf.salt)) ||
      memcmp(again.nonce, kf.nonce, sizeof(kf.nonce)) || memcmp(again.box, kf.box, sizeof(kf.box)))
    abort();
  memset(key, 0, sizeof(key));
  rc = sr_keyfile_unbox(&kf, key, sk);
  if (rc == 0 && memcmp(sk + SR_SECRET_PK_OFFSET, kf.pk, SR_KEY_BYTES) != 0) abort();
  if (rc != 0 && rc != SR_EPASSPHRASE && rc != SR_EKEYFILE) abort();
}

static void device(const uint8_t *data, size_t size) {
  static sr_home_device_t d, again; /* large: the path */
  static char text[SR_DEVICE_TEXT_MAX];
  if (sr_device_parse((const char *)data, size, &d) != 0) return;
  int n = sr_device_format(&d, text, sizeof(text));
  if (n <= 0 || sr_device_parse(text, (size_t)n, &again) != 0) abort();
  if (memcmp(d.id, again.id, sizeof(d.id)) || d.has_machine != again.has_machine ||
      memcmp(d.machine, again.machine, sizeof(d.machine)) || d.inode != again.inode || strcmp(d.path, again.path))
    abort();
}

/* The input with the sum of its sealed line made right (docs/storage.md:
 * BLAKE2b-64 of the line up to " sum="), so that mutations reach the fields
 * behind the sum check, not only the check. 0 when there is no such line. */
static size_t resummed(const uint8_t *data, size_t size, char *out) {
  const char *p = (const char *)out, *e;
  char *sum = NULL;
  if (size > SR_KEYFILE_TEXT_MAX) return 0;
  memcpy(out, data, size);
  e = out + size;
  while (p < e && (*p == '#' || *p == '\n')) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    p = nl ? nl + 1 : e;
  }
  const char *eol = memchr(p, '\n', (size_t)(e - p));
  if (!eol) eol = e;
  if ((size_t)(eol - p) < 12 || memcmp(p, "seurone-key ", 12) != 0) return 0;
  for (char *q = (char *)p; q + 5 + 2 * SR_KEYFILE_SUM_BYTES <= eol; q++)
    if (memcmp(q, " sum=", 5) == 0) sum = q;
  if (!sum) return 0;
  uint8_t h[SR_KEYFILE_SUM_BYTES];
  char hex[2 * SR_KEYFILE_SUM_BYTES + 1];
  crypto_generichash(h, sizeof(h), (const uint8_t *)p, (size_t)(sum - p), NULL, 0);
  sr_hex_encode(h, sizeof(h), hex);
  memcpy(sum + 5, hex, 2 * SR_KEYFILE_SUM_BYTES);
  return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  static char fixed[SR_KEYFILE_TEXT_MAX];
  size_t n;
  if (!ready) {
    if (sodium_init() < 0) abort();
    ready = 1;
  }
  keyfile(data, size);
  if ((n = resummed(data, size, fixed)) > 0) keyfile((const uint8_t *)fixed, n);
  device(data, size);
  return 0;
}
