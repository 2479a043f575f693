/* test_canon_mp.c (part of test_canon): the sr_mp reader (core/canon.h) —
 * each type read or refused with the cursor left in place, skipping, 16- and
 * 32-bit headers, headers promising more than the buffer holds. */
#include "tests/unit/test_canon.h"

void mp_reader_basics(void) {
  /* [1, "ab", bin[3], nil, {"k": 300}, -5, true, 70000, "long..."(40)] */
  t_buf_t b;
  sr_mp_t mp, saved;
  uint32_t n, len;
  uint64_t v;
  const char *s;
  const uint8_t *bin;
  char longstr[41];
  memset(longstr, 'L', 40);
  longstr[40] = '\0';
  t_buf_init(&b);
  t_mp_array(&b, 9);
  t_mp_uint(&b, 1);
  t_mp_str(&b, "ab");
  t_mp_bin(&b, (const uint8_t *)"xyz", 3);
  msgpack_pack_nil(&b.pk);
  t_mp_map(&b, 1);
  t_mp_str(&b, "k");
  t_mp_uint(&b, 300);
  msgpack_pack_int64(&b.pk, -5);
  msgpack_pack_true(&b.pk);
  t_mp_uint(&b, 70000);
  t_mp_str(&b, longstr);
  T_OK(sr_canon_check(T_DATA(&b), T_SIZE(&b), 8, NULL));

  sr_mp_init(&mp, T_DATA(&b), T_SIZE(&b));
  T_EQ(sr_mp_peek(&mp), SR_MP_ARRAY);
  saved = mp;
  T_EQ(sr_mp_map(&mp, &n), SR_EINVAL);
  T_CHECK(mp.p == saved.p); /* cursor unchanged on a type mismatch */
  T_OK(sr_mp_array(&mp, &n));
  T_EQ(n, 9);
  T_EQ(sr_mp_peek(&mp), SR_MP_UINT);
  T_EQ(sr_mp_str(&mp, &s, &len), SR_EINVAL);
  T_OK(sr_mp_uint(&mp, &v));
  T_EQ(v, 1);
  T_EQ(sr_mp_peek(&mp), SR_MP_STR);
  T_EQ(sr_mp_uint(&mp, &v), SR_EINVAL);
  T_OK(sr_mp_str(&mp, &s, &len));
  T_EQ(len, 2);
  T_MEMEQ(s, "ab", 2);
  T_EQ(sr_mp_peek(&mp), SR_MP_BIN);
  T_EQ(sr_mp_str(&mp, &s, &len), SR_EINVAL);
  T_OK(sr_mp_bin(&mp, &bin, &len));
  T_EQ(len, 3);
  T_MEMEQ(bin, "xyz", 3);
  T_EQ(sr_mp_peek(&mp), SR_MP_NIL);
  T_OK(sr_mp_nil(&mp));
  T_EQ(sr_mp_peek(&mp), SR_MP_MAP);
  saved = mp;
  T_OK(sr_mp_map(&mp, &n));
  T_EQ(n, 1);
  T_OK(sr_mp_str(&mp, &s, &len));
  T_OK(sr_mp_uint(&mp, &v));
  T_EQ(v, 300);
  mp = saved;
  T_OK(sr_mp_skip(&mp)); /* skip the whole map */
  T_EQ(sr_mp_peek(&mp), SR_MP_INT);
  T_EQ(sr_mp_uint(&mp, &v), SR_EINVAL);
  T_OK(sr_mp_skip(&mp));
  T_EQ(sr_mp_peek(&mp), SR_MP_BOOL);
  T_EQ(sr_mp_nil(&mp), SR_EINVAL);
  T_OK(sr_mp_skip(&mp));
  T_OK(sr_mp_uint(&mp, &v));
  T_EQ(v, 70000);
  T_OK(sr_mp_str(&mp, &s, &len)); /* a str8 */
  T_EQ(len, 40);
  T_MEMEQ(s, longstr, 40);
  T_EQ(sr_mp_peek(&mp), SR_MP_END);
  T_EQ(sr_mp_uint(&mp, &v), SR_ETRUNC);
  T_EQ(sr_mp_str(&mp, &s, &len), SR_ETRUNC);
  T_EQ(sr_mp_array(&mp, &n), SR_ETRUNC);
  T_EQ(sr_mp_nil(&mp), SR_ETRUNC);
  T_CHECK(sr_mp_skip(&mp) < 0);
  t_buf_free(&b);

  /* 16-bit and 32-bit headers */
  t_buf_init(&b);
  t_mp_raw(&b, "\xdc\x00\x10", 3);
  for (int i = 0; i < 16; i++) t_mp_uint(&b, UINT64_MAX);
  sr_mp_init(&mp, T_DATA(&b), T_SIZE(&b));
  T_OK(sr_mp_array(&mp, &n));
  T_EQ(n, 16);
  T_OK(sr_mp_uint(&mp, &v));
  T_CHECK(v == UINT64_MAX);
  t_buf_free(&b);
  /* a header promising more than the buffer holds */
  sr_mp_init(&mp, (const uint8_t *)"\xa5" "ab", 3);
  T_EQ(sr_mp_str(&mp, &s, &len), SR_ETRUNC);
  sr_mp_init(&mp, (const uint8_t *)"\xc4\x05" "ab", 4);
  T_EQ(sr_mp_bin(&mp, &bin, &len), SR_ETRUNC);
  sr_mp_init(&mp, (const uint8_t *)"\xcd\x01", 2);
  T_EQ(sr_mp_uint(&mp, &v), SR_ETRUNC);
  sr_mp_init(&mp, (const uint8_t *)"\xca\x00\x00\x00\x00", 5);
  T_EQ(sr_mp_peek(&mp), SR_MP_OTHER);
}
