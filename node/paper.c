/* paper.c: the paper key's code (see paper.h). */
#include "node/paper.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
#define HASH_BYTES 3
#define DATA_BYTES (SR_PAPER_SEED_BYTES + HASH_BYTES)
#define DATA_CHARS (DATA_BYTES * 8 / 5) /* 56 */
#define DATA_PER_GROUP (SR_PAPER_GROUP_CHARS - 1)

/* GF(32) with x^5 + x^2 + 1: a * b by shift and reduce (small, no tables). */
static uint8_t gf_mul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  for (int i = 0; i < 5; i++) {
    if (b & 1) r ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 0x20) a ^= 0x25;
  }
  return r;
}

static uint8_t gf_pow_a(int e) {
  uint8_t r = 1;
  for (int i = 0; i < e; i++) r = gf_mul(r, 2);
  return r;
}

static uint8_t gf_inv(uint8_t a) { /* a^30, since a^31 = 1 */
  uint8_t r = 1;
  for (int i = 0; i < 30; i++) r = gf_mul(r, a);
  return r;
}

/* sum over i < len of a^(i+1) * c[i] */
static uint8_t weighted(const uint8_t *c, int len) {
  uint8_t s = 0;
  for (int i = 0; i < len; i++) s ^= gf_mul(gf_pow_a(i + 1), c[i]);
  return s;
}

static void seed_hash(const uint8_t *seed, uint8_t out[HASH_BYTES]) {
  uint8_t h[crypto_generichash_BYTES];
  static const char key[] = "seurone-paper-1";
  crypto_generichash(h, sizeof(h), seed, SR_PAPER_SEED_BYTES, (const unsigned char *)key, sizeof(key) - 1);
  memcpy(out, h, HASH_BYTES);
}

void sr_paper_encode(const uint8_t seed[SR_PAPER_SEED_BYTES], char out[SR_PAPER_TEXT_MAX]) {
  uint8_t data[DATA_BYTES], v[SR_PAPER_CHARS];
  memcpy(data, seed, SR_PAPER_SEED_BYTES);
  seed_hash(seed, data + SR_PAPER_SEED_BYTES);
  for (int g = 0; g < SR_PAPER_GROUPS; g++) {
    uint8_t *c = v + g * SR_PAPER_GROUP_CHARS;
    for (int i = 0; i < DATA_PER_GROUP; i++) {
      int bit = (g * DATA_PER_GROUP + i) * 5;
      uint8_t x = 0;
      for (int b = 0; b < 5; b++) x = (uint8_t)(x << 1 | (data[(bit + b) / 8] >> (7 - (bit + b) % 8) & 1));
      c[i] = x;
    }
    c[DATA_PER_GROUP] = gf_mul(gf_inv(gf_pow_a(SR_PAPER_GROUP_CHARS)), (uint8_t)(g + 1) ^ weighted(c, DATA_PER_GROUP));
  }
  char *o = out;
  for (int g = 0; g < SR_PAPER_GROUPS; g++) {
    for (int i = 0; i < SR_PAPER_GROUP_CHARS; i++) *o++ = ALPHABET[v[g * SR_PAPER_GROUP_CHARS + i]];
    *o++ = g == SR_PAPER_GROUPS - 1 || g == SR_PAPER_GROUPS / 2 - 1 ? '\n' : '-';
  }
  *o = '\0';
  sodium_memzero(data, sizeof(data));
  sodium_memzero(v, sizeof(v));
}

static int char_value(char ch) {
  if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
  if (ch == 'O') return 0;
  if (ch == 'I' || ch == 'L') return 1;
  for (int i = 0; i < 32; i++)
    if (ALPHABET[i] == ch) return i;
  return -1;
}

int sr_paper_decode(const char *text, size_t n, uint8_t seed[SR_PAPER_SEED_BYTES], int *bad_group, int *nbad, char *why,
                    size_t whylen) {
  uint8_t v[SR_PAPER_CHARS], data[DATA_BYTES], h[HASH_BYTES];
  size_t count = 0;
  int bol = 1, comment = 0, first_bad = 0, bad = 0, rc = SR_EPAPER;
  if (bad_group) *bad_group = 0;
  if (nbad) *nbad = 0;
  if (why && whylen) why[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    char ch = text[i];
    if (ch == '\n') {
      bol = 1;
      comment = 0;
      continue;
    }
    if (comment || ch == ' ' || ch == '\t' || ch == '-' || ch == '\r') continue;
    if (bol && ch == '#') {
      comment = 1;
      continue;
    }
    bol = 0;
    int x = char_value(ch);
    if (x < 0) {
      if (why)
        snprintf(why, whylen,
                 (unsigned char)ch >= 0x21 && (unsigned char)ch < 0x7f
                     ? "'%c' (after %zu characters of the code) is not in a paper key: it uses 0-9 and A-Z without I, "
                       "L, O and U"
                     : "a byte 0x%02x (after %zu characters of the code) is not in a paper key: it uses 0-9 and A-Z "
                       "without I, L, O and U",
                 (unsigned char)ch >= 0x21 && (unsigned char)ch < 0x7f ? ch : (unsigned char)ch, count);
      goto out;
    }
    if (count < SR_PAPER_CHARS) v[count] = (uint8_t)x;
    count++;
  }
  if (count != SR_PAPER_CHARS) {
    if (why)
      snprintf(why, whylen, "the code has %zu characters; a paper key has %d (%d groups of %d): %s", count,
               SR_PAPER_CHARS, SR_PAPER_GROUPS, SR_PAPER_GROUP_CHARS,
               count < SR_PAPER_CHARS ? "a character or a group is missing" : "a character or a group is there twice");
    goto out;
  }
  for (int g = 0; g < SR_PAPER_GROUPS; g++)
    if (weighted(v + g * SR_PAPER_GROUP_CHARS, SR_PAPER_GROUP_CHARS) != (uint8_t)(g + 1)) {
      if (!bad) first_bad = g + 1;
      bad++;
    }
  if (bad) {
    if (bad_group) *bad_group = first_bad;
    if (nbad) *nbad = bad;
    if (why) {
      if (bad == 1)
        snprintf(why, whylen, "group %d (of %d) does not check: one of its 8 characters is wrong, or two are swapped",
                 first_bad, SR_PAPER_GROUPS);
      else
        snprintf(why, whylen,
                 "%d groups do not check, the first is group %d (of %d): characters are wrong there, or the groups "
                 "are out of order (or a character was left out or typed twice)",
                 bad, first_bad, SR_PAPER_GROUPS);
    }
    goto out;
  }
  memset(data, 0, sizeof(data));
  for (int j = 0; j < DATA_CHARS; j++) {
    uint8_t x = v[j / DATA_PER_GROUP * SR_PAPER_GROUP_CHARS + j % DATA_PER_GROUP];
    for (int b = 0; b < 5; b++)
      if (x >> (4 - b) & 1) data[(j * 5 + b) / 8] |= (uint8_t)(0x80 >> ((j * 5 + b) % 8));
  }
  seed_hash(data, h);
  if (sodium_memcmp(h, data + SR_PAPER_SEED_BYTES, HASH_BYTES) != 0) {
    if (why)
      snprintf(why, whylen,
               "every group checks but the whole key does not: two characters of one group are wrong, or groups are "
               "out of order");
    goto out;
  }
  memcpy(seed, data, SR_PAPER_SEED_BYTES);
  rc = 0;
out:
  sodium_memzero(v, sizeof(v));
  sodium_memzero(data, sizeof(data));
  return rc;
}
