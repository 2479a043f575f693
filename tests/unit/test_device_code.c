/* test_device_code: the one-time device code of pairing (issue 14): its text
 * (node/device_code.c: the prefix, the check digits, what a person may get
 * wrong) and its record in a real store (store/device_codes.c: single use,
 * one hour, a retry by the same key, hashed at rest). */
#include "node/device_code.h"
#include "node/device_ops.h"
#include "store/device_codes.h"
#include "tests/unit/t_store.h"
#include <stdio.h>
#include <string.h>

static const char *const ADDR =
    "seurone://127.0.0.1:8008/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void text_round_trip(void) {
  uint8_t nk[SR_NET_NETKEY_BYTES], sec[SR_DEVICE_SECRET_BYTES], nk2[SR_NET_NETKEY_BYTES], sec2[SR_DEVICE_SECRET_BYTES];
  char code[SR_DEVICE_CODE_MAX], addr[SR_NET_ADDRESS_MAX];
  const char *why = NULL;
  memset(nk, 0x5a, sizeof(nk));
  randombytes_buf(sec, sizeof(sec));
  T_OK(sr_device_code_format(ADDR, nk, sec, code, sizeof(code)));
  T_CHECK(!strncmp(code, SR_DEVICE_CODE_PREFIX, strlen(SR_DEVICE_CODE_PREFIX)));
  T_OK(sr_device_code_parse(code, addr, sizeof(addr), nk2, sec2, &why));
  T_CHECK(!strcmp(addr, ADDR));
  T_MEMEQ(nk2, nk, sizeof(nk));
  T_MEMEQ(sec2, sec, sizeof(sec));
  /* IPv6 hosts have colons of their own: the code is read from the right */
  T_OK(sr_device_code_format("seurone://[::1]:9/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", nk,
                             sec, code, sizeof(code)));
  T_OK(sr_device_code_parse(code, addr, sizeof(addr), NULL, NULL, NULL));
  T_CHECK(!strncmp(addr, "seurone://[::1]:9/", 18));
  T_EQ(sr_device_code_format("http://x", nk, sec, code, sizeof(code)), SR_EDEVCODEFORMAT);
  T_EQ(sr_device_code_format(ADDR, nk, sec, code, 40), SR_ETOOBIG);
}

/* code parses with SR_EDEVCODEFORMAT and a reason containing part. */
static void refused(const char *code, const char *part) {
  const char *why = NULL;
  T_EQ(sr_device_code_parse(code, NULL, 0, NULL, NULL, &why), SR_EDEVCODEFORMAT);
  T_CHECK(why != NULL);
  if (!strstr(why, part)) t_fail(__FILE__, __LINE__, "reason '%s' lacks '%s'", why, part);
}

static void text_refusals(void) {
  uint8_t nk[SR_NET_NETKEY_BYTES] = {0}, sec[SR_DEVICE_SECRET_BYTES];
  char code[SR_DEVICE_CODE_MAX], bad[SR_DEVICE_CODE_MAX + 8];
  randombytes_buf(sec, sizeof(sec));
  T_OK(sr_device_code_format(ADDR, nk, sec, code, sizeof(code)));
  size_t len = strlen(code);
  /* one digit of the secret mistyped: the check digits catch it */
  snprintf(bad, sizeof(bad), "%s", code);
  bad[len - 20] = bad[len - 20] == 'a' ? 'b' : 'a';
  refused(bad, "check digits");
  /* the check digits themselves */
  snprintf(bad, sizeof(bad), "%s", code);
  bad[len - 1] = bad[len - 1] == '0' ? '1' : '0';
  refused(bad, "check digits");
  /* cut short, or one character more */
  snprintf(bad, sizeof(bad), "%.*s", (int)(len - 1), code);
  refused(bad, "");
  snprintf(bad, sizeof(bad), "%s0", code);
  refused(bad, "");
  /* upper case hex is not the code's text */
  snprintf(bad, sizeof(bad), "%s", code);
  for (char *p = bad + len - 8; *p; p++) *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
  if (strcmp(bad, code)) refused(bad, "lowercase");
  /* the prefix: an invite, another version, anything else */
  snprintf(bad, sizeof(bad), "seurone-invite:1:%s", code + strlen(SR_DEVICE_CODE_PREFIX));
  refused(bad, "invite code, not a device code");
  snprintf(bad, sizeof(bad), "seurone-device:2:%s", code + strlen(SR_DEVICE_CODE_PREFIX));
  refused(bad, "another version");
  refused("hello", "starts with seurone-device:1:");
  refused("", "starts with");
  /* all zeros: the check digits do not match */
  refused(
      "seurone-device:1:x:0000000000000000000000000000000000000000000000000000000000000000:"
      "0000000000000000000000000000000000000000000000000000000000000000:00000000",
      "check digits");
}

static void store_single_use(void) {
  char dir[256];
  uint8_t sec[SR_DEVICE_SECRET_BYTES], d1[SR_KEY_BYTES], d2[SR_KEY_BYTES], other[SR_DEVICE_SECRET_BYTES];
  sr_device_code_t rec;
  int again = -1;
  uint64_t now = T_TS;
  memset(d1, 0xd1, sizeof(d1));
  memset(d2, 0xd2, sizeof(d2));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_device_code_create(st, "laptop", now, SR_DEVICE_CODE_TTL_MS, sec));
  T_OK(sr_store_device_code_get(st, sec, &rec));
  T_EQ(rec.created_ms, now);
  T_EQ(rec.expires_ms, now + SR_DEVICE_CODE_TTL_MS);
  T_EQ(rec.used_ms, 0);
  T_CHECK(!strcmp(rec.name, "laptop"));
  /* unknown secrets */
  randombytes_buf(other, sizeof(other));
  T_EQ(sr_store_device_code_use(st, other, d1, now, &again, NULL), SR_EDEVCODE);
  T_EQ(sr_store_device_code_get(st, other, &rec), SR_ENOTFOUND);
  /* used once, by d1 */
  T_OK(sr_store_device_code_use(st, sec, d1, now + 1000, &again, &rec));
  T_EQ(again, 0);
  T_CHECK(!strcmp(rec.name, "laptop"));
  T_EQ(rec.used_ms, now + 1000);
  T_MEMEQ(rec.device, d1, sizeof(d1));
  /* reused by another key: refused, even within the hour */
  T_EQ(sr_store_device_code_use(st, sec, d2, now + 2000, &again, NULL), SR_EDEVCODEUSED);
  /* the same key again (its answer was lost): nothing changes */
  T_OK(sr_store_device_code_use(st, sec, d1, now + 3000, &again, &rec));
  T_EQ(again, 1);
  T_EQ(rec.used_ms, now + 1000);
  /* given back (its certificate failed): usable again, by anyone */
  T_EQ(sr_store_device_code_release(st, sec, d2), SR_ENOTFOUND);
  T_OK(sr_store_device_code_release(st, sec, d1));
  T_OK(sr_store_device_code_use(st, sec, d2, now + 4000, &again, NULL));
  T_EQ(again, 0);
  T_EQ(sr_store_device_code_use(st, sec, d1, now + 5000, &again, NULL), SR_EDEVCODEUSED);
  sr_store_close(st);
  t_rmdir(dir);
}

static void store_expiry(void) {
  char dir[256];
  uint8_t sec[SR_DEVICE_SECRET_BYTES], sec2[SR_DEVICE_SECRET_BYTES], d1[SR_KEY_BYTES];
  sr_device_code_t rec;
  int again;
  uint64_t now = T_TS;
  memset(d1, 0xd1, sizeof(d1));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_device_code_create(st, NULL, now, SR_DEVICE_CODE_TTL_MS, sec));
  T_OK(sr_store_device_code_get(st, sec, &rec));
  T_CHECK(rec.name[0] == '\0');
  /* a millisecond before the hour ends it still works; at the hour it does not */
  T_EQ(sr_store_device_code_use(st, sec, d1, now + SR_DEVICE_CODE_TTL_MS, &again, NULL), SR_EDEVCODEOLD);
  T_OK(sr_store_device_code_use(st, sec, d1, now + SR_DEVICE_CODE_TTL_MS - 1, &again, NULL));
  /* expired and unused: says so */
  T_OK(sr_store_device_code_create(st, NULL, now, SR_DEVICE_CODE_TTL_MS, sec2));
  T_EQ(sr_store_device_code_use(st, sec2, d1, now + 2 * SR_DEVICE_CODE_TTL_MS, &again, NULL), SR_EDEVCODEOLD);
  /* a day after they expired, the next create drops both */
  uint8_t sec3[SR_DEVICE_SECRET_BYTES];
  T_OK(sr_store_device_code_create(st, "x", now + SR_DEVICE_CODE_TTL_MS + SR_DEVICE_CODE_KEEP_MS, SR_DEVICE_CODE_TTL_MS,
                                   sec3));
  T_EQ(sr_store_device_code_get(st, sec, &rec), SR_ENOTFOUND);
  T_EQ(sr_store_device_code_get(st, sec2, &rec), SR_ENOTFOUND);
  T_OK(sr_store_device_code_get(st, sec3, &rec));
  /* names longer than a label may be are refused */
  char longname[SR_DEVICE_CODE_NAME_MAX + 2];
  memset(longname, 'n', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  T_EQ(sr_store_device_code_create(st, longname, now, SR_DEVICE_CODE_TTL_MS, sec3), SR_EINVAL);
  sr_store_close(st);
  t_rmdir(dir);
}

/* The secret is never in the store: its bytes appear nowhere in the file. */
static void store_hashed(void) {
  char dir[256], path[400];
  uint8_t sec[SR_DEVICE_SECRET_BYTES];
  static uint8_t buf[1 << 22];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_device_code_create(st, "phone", T_TS, SR_DEVICE_CODE_TTL_MS, sec));
  sr_store_close(st);
  snprintf(path, sizeof(path), "%s/data.mdb", dir);
  FILE *f = fopen(path, "rb");
  T_CHECK(f != NULL);
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  T_CHECK(n > 0);
  int found = 0;
  for (size_t i = 0; i + sizeof(sec) <= n; i++)
    if (!memcmp(buf + i, sec, sizeof(sec))) found = 1;
  T_EQ(found, 0);
  t_rmdir(dir);
}

static void labels(void) {
  char err[200];
  T_OK(sr_device_label_check(NULL, err, sizeof(err)));
  T_OK(sr_device_label_check("laptop", err, sizeof(err)));
  T_OK(sr_device_label_check("téléphone", err, sizeof(err)));
  T_EQ(sr_device_label_check("", err, sizeof(err)), SR_EINVAL);
  T_EQ(sr_device_label_check("a\tb", err, sizeof(err)), SR_EINVAL);
  T_EQ(sr_device_label_check("\x1b[31m", err, sizeof(err)), SR_EINVAL);
  T_EQ(sr_device_label_check("\xff", err, sizeof(err)), SR_EINVAL);
  T_EQ(sr_device_label_check("a\xc2\x85"
                             "b",
                             err, sizeof(err)),
       SR_EINVAL); /* NEL, a C1 control */
  T_EQ(sr_device_label_check("\xc2\x9b"
                             "31m",
                             err, sizeof(err)),
       SR_EINVAL);                                                       /* CSI */
  T_OK(sr_device_label_check("caf\xc3\xa9 \xc2\xa0", err, sizeof(err))); /* U+00A0 is no control */
}

int main(void) {
  T_RUN(text_round_trip);
  T_RUN(text_refusals);
  T_RUN(store_single_use);
  T_RUN(store_expiry);
  T_RUN(store_hashed);
  T_RUN(labels);
  printf("test_device_code: %d checks passed\n", t_checks);
  return 0;
}
