/* test_key.c: core/key, the comparator and search over sorted 32-byte keys. */
#include "core/key.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>

static void key_of(uint8_t k[SR_KEY_LEN], unsigned v) {
  memset(k, 0, SR_KEY_LEN);
  k[0] = (uint8_t)(v >> 8);
  k[31] = (uint8_t)v; /* the last byte matters: the whole key is compared */
}

static void finds_sorted_keys(void) {
  uint8_t keys[200][SR_KEY_LEN], k[SR_KEY_LEN];
  for (unsigned i = 0; i < 200; i++) key_of(keys[199 - i], 2 * i + 1); /* odd values, reversed */
  qsort(keys, 200, SR_KEY_LEN, sr_key_cmp);
  for (unsigned i = 0; i < 200; i++) {
    key_of(k, 2 * i + 1);
    T_MEMEQ(keys[i], k, SR_KEY_LEN); /* qsort with sr_key_cmp gives memcmp order */
    T_EQ(sr_key_find(keys, 200, SR_KEY_LEN, k), i);
    key_of(k, 2 * i); /* between two keys: absent */
    T_EQ(sr_key_find(keys, 200, SR_KEY_LEN, k), -1);
  }
  key_of(k, 1000);
  T_EQ(sr_key_find(keys, 200, SR_KEY_LEN, k), -1); /* past the end */
  T_EQ(sr_key_find(NULL, 0, SR_KEY_LEN, k), -1);   /* empty */
  T_EQ(sr_key_find(keys, 1, SR_KEY_LEN, keys[0]), 0);
  T_CHECK(sr_key_cmp(keys[0], keys[1]) < 0);
  T_CHECK(sr_key_cmp(keys[1], keys[0]) > 0);
  T_EQ(sr_key_cmp(keys[3], keys[3]), 0);
}

static void finds_in_records(void) {
  struct rec {
    uint8_t key[SR_KEY_LEN];
    int value;
  } r[50];
  for (int i = 0; i < 50; i++) {
    key_of(r[i].key, (unsigned)(300 + 7 * i));
    r[i].value = i;
  }
  uint8_t k[SR_KEY_LEN];
  for (int i = 0; i < 50; i++) {
    key_of(k, (unsigned)(300 + 7 * i));
    int64_t at = sr_key_find(r, 50, sizeof(r[0]), k);
    T_EQ(at, i);
    T_EQ(r[at].value, i);
  }
  key_of(k, 301);
  T_EQ(sr_key_find(r, 50, sizeof(r[0]), k), -1);
}

int main(void) {
  T_RUN(finds_sorted_keys);
  T_RUN(finds_in_records);
  fprintf(stderr, "test_key: %d checks passed\n", t_checks);
  return 0;
}
