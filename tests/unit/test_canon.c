/* test_canon.c: canonical MessagePack (core/canon): the gate's verdict for each
 * rule, the encoder's output and refusals, both directions agreeing; main also
 * runs the sr_mp reader's tests (test_canon_mp.c). */
#include "tests/unit/test_canon.h"

/* The verdict of the gate on a byte-string literal (which may hold NULs). */
#define CHECK_BYTES(lit, depth) sr_canon_check((const uint8_t *)(lit), sizeof(lit) - 1, (depth), NULL)
#define ACCEPT(lit) T_EQ(CHECK_BYTES(lit, 8), 0)
#define REJECT(lit, code) T_EQ(CHECK_BYTES(lit, 8), (code))

/* Unpacks bytes into an object (any encoding msgpack-c reads), encodes it
 * canonically into out. Returns the encoder's code. */
static int recode(const uint8_t *in, size_t len, t_buf_t *out, int depth) {
  msgpack_unpacked u;
  msgpack_unpacked_init(&u);
  if (msgpack_unpack_next(&u, (const char *)in, len, NULL) != MSGPACK_UNPACK_SUCCESS)
    t_fail(__FILE__, __LINE__, "msgpack_unpack_next failed");
  t_buf_init(out);
  int rc = sr_canon_encode(&out->pk, &u.data, depth);
  msgpack_unpacked_destroy(&u);
  return rc;
}

/* Encodes, checks the gate accepts the result, and that it is a fixed point. */
static void roundtrip(const uint8_t *in, size_t len, const uint8_t *want, size_t want_len) {
  t_buf_t a, b;
  T_OK(recode(in, len, &a, 8));
  T_OK(sr_canon_check(T_DATA(&a), T_SIZE(&a), 8, NULL));
  if (want) {
    T_EQ(T_SIZE(&a), want_len);
    T_MEMEQ(T_DATA(&a), want, want_len);
  }
  T_OK(recode(T_DATA(&a), T_SIZE(&a), &b, 8));
  T_EQ(T_SIZE(&a), T_SIZE(&b));
  T_MEMEQ(T_DATA(&a), T_DATA(&b), T_SIZE(&a));
  t_buf_free(&a);
  t_buf_free(&b);
}

#define ROUNDTRIP(in, want) roundtrip((const uint8_t *)(in), sizeof(in) - 1, (const uint8_t *)(want), sizeof(want) - 1)

static void canon_encode_sorts_and_shortens(void) {
  /* keys sorted bytewise: {"b":1,"a":2} -> {"a":2,"b":1} */
  ROUNDTRIP(
      "\x82\xa1"
      "b\x01\xa1"
      "a\x02",
      "\x82\xa1"
      "a\x02\xa1"
      "b\x01");
  /* shorter key first when one is a prefix of the other; bytewise, not by code point class */
  ROUNDTRIP(
      "\x83\xa2"
      "ab\x01\xa1"
      "a\x02\xa1"
      "B\x03",
      "\x83\xa1"
      "B\x03\xa1"
      "a\x02\xa2"
      "ab\x01");
  /* non-shortest integers become shortest */
  ROUNDTRIP("\xcd\x00\x05", "\x05");
  ROUNDTRIP("\xcf\x00\x00\x00\x00\x00\x00\x01\x00", "\xcd\x01\x00");
  ROUNDTRIP("\xd0\xff", "\xff");
  ROUNDTRIP("\xd1\xff\x80", "\xd0\x80");
  ROUNDTRIP("\xd3\x00\x00\x00\x00\x00\x00\x00\x07", "\x07"); /* non-negative leaves the signed family */
  /* non-shortest headers become shortest */
  ROUNDTRIP("\xd9\x02hi", "\xa2hi");
  ROUNDTRIP("\xc5\x00\x01z", "\xc4\x01z");
  ROUNDTRIP("\xdc\x00\x01\xc0", "\x91\xc0");
  ROUNDTRIP("\xde\x00\x01\xa1k\xc3", "\x81\xa1k\xc3");
  /* nested maps are sorted too */
  ROUNDTRIP("\x81\xa1m\x82\xa1z\x01\xa1y\x92\x81\xa1q\xc2\xc0", "\x81\xa1m\x82\xa1y\x92\x81\xa1q\xc2\xc0\xa1z\x01");
  /* scalars and empties */
  ROUNDTRIP("\xc0", "\xc0");
  ROUNDTRIP("\x80", "\x80");
  ROUNDTRIP("\x90", "\x90");
  ROUNDTRIP("\xa0", "\xa0");
  ROUNDTRIP("\xc4\x00", "\xc4\x00");
}

/* Encodes one integer through a msgpack object; checks the first byte and length. */
static void int_form(int64_t v, int is_unsigned, uint64_t u, uint8_t first, size_t len) {
  msgpack_object o;
  t_buf_t b;
  memset(&o, 0, sizeof(o));
  if (is_unsigned) {
    o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    o.via.u64 = u;
  } else {
    o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    o.via.i64 = v;
  }
  t_buf_init(&b);
  T_OK(sr_canon_encode(&b.pk, &o, 8));
  T_EQ(T_SIZE(&b), len);
  T_EQ(T_DATA(&b)[0], first);
  T_OK(sr_canon_check(T_DATA(&b), T_SIZE(&b), 8, NULL));
  t_buf_free(&b);
}

static void canon_integer_boundaries(void) {
  int_form(0, 1, 0, 0x00, 1);
  int_form(0, 1, 127, 0x7f, 1);
  int_form(0, 1, 128, 0xcc, 2);
  int_form(0, 1, 255, 0xcc, 2);
  int_form(0, 1, 256, 0xcd, 3);
  int_form(0, 1, 65535, 0xcd, 3);
  int_form(0, 1, 65536, 0xce, 5);
  int_form(0, 1, 0xffffffffull, 0xce, 5);
  int_form(0, 1, 0x100000000ull, 0xcf, 9);
  int_form(0, 1, UINT64_MAX, 0xcf, 9);
  int_form(-1, 0, 0, 0xff, 1);
  int_form(-32, 0, 0, 0xe0, 1);
  int_form(-33, 0, 0, 0xd0, 2);
  int_form(-128, 0, 0, 0xd0, 2);
  int_form(-129, 0, 0, 0xd1, 3);
  int_form(-32768, 0, 0, 0xd1, 3);
  int_form(-32769, 0, 0, 0xd2, 5);
  int_form(INT32_MIN, 0, 0, 0xd2, 5);
  int_form((int64_t)INT32_MIN - 1, 0, 0, 0xd3, 9);
  int_form(INT64_MIN, 0, 0, 0xd3, 9);
}

static void canon_rejects_non_shortest_integers(void) {
  REJECT("\xcc\x05", SR_ENONSHORT);
  REJECT("\xcc\x7f", SR_ENONSHORT);
  ACCEPT("\xcc\x80");
  REJECT("\xcd\x00\xff", SR_ENONSHORT);
  REJECT("\xcd\x00\x00", SR_ENONSHORT);
  ACCEPT("\xcd\x01\x00");
  REJECT("\xce\x00\x00\xff\xff", SR_ENONSHORT); /* uint32 holding 65535 */
  ACCEPT("\xce\x00\x01\x00\x00");
  REJECT("\xcf\x00\x00\x00\x00\xff\xff\xff\xff", SR_ENONSHORT);
  ACCEPT("\xcf\x00\x00\x00\x01\x00\x00\x00\x00");
  /* err_off points at the offending value */
  size_t off = 99;
  T_EQ(sr_canon_check((const uint8_t *)"\x92\x01\xcc\x05", 4, 8, &off), SR_ENONSHORT);
  T_EQ(off, 2);
}

static void canon_rejects_signed_forms_of_non_negative(void) {
  REJECT("\xd0\x00", SR_ESIGNED);
  REJECT("\xd0\x05", SR_ESIGNED);
  REJECT("\xd0\x7f", SR_ESIGNED);
  REJECT("\xd1\x00\x05", SR_ESIGNED);
  REJECT("\xd1\x7f\xff", SR_ESIGNED);
  REJECT("\xd2\x00\x00\x00\x05", SR_ESIGNED);
  REJECT("\xd3\x00\x00\x00\x00\x00\x00\x00\x00", SR_ESIGNED);
  REJECT("\xd3\x7f\xff\xff\xff\xff\xff\xff\xff", SR_ESIGNED);
}

static void canon_rejects_negative_not_shortest(void) {
  REJECT("\xd0\xff", SR_ENONSHORT); /* -1 must be a negative fixint */
  REJECT("\xd0\xe0", SR_ENONSHORT); /* -32 too */
  ACCEPT("\xd0\xdf");               /* -33 */
  ACCEPT("\xd0\x80");               /* -128 */
  REJECT("\xd1\xff\xff", SR_ENONSHORT);
  REJECT("\xd1\xff\x80", SR_ENONSHORT); /* -128 in int16 */
  ACCEPT("\xd1\xff\x7f");               /* -129 */
  ACCEPT("\xd1\x80\x00");               /* -32768 */
  REJECT("\xd2\xff\xff\x80\x00", SR_ENONSHORT);
  ACCEPT("\xd2\xff\xff\x7f\xff"); /* -32769 */
  REJECT("\xd3\xff\xff\xff\xff\x80\x00\x00\x00", SR_ENONSHORT);
  ACCEPT("\xd3\xff\xff\xff\xff\x7f\xff\xff\xff"); /* -2^31 - 1 */
  ACCEPT("\xd3\x80\x00\x00\x00\x00\x00\x00\x00"); /* INT64_MIN */
  ACCEPT("\xff");
  ACCEPT("\xe0");
}

static void canon_map_keys(void) {
  ACCEPT(
      "\x82\xa1"
      "a\x01\xa1"
      "b\x02");
  REJECT(
      "\x82\xa1"
      "b\x01\xa1"
      "a\x02",
      SR_EKEYORDER);
  REJECT(
      "\x82\xa1"
      "a\x01\xa1"
      "a\x02",
      SR_EKEYDUP);
  ACCEPT(
      "\x82\xa1"
      "a\x01\xa2"
      "ab\x02");
  REJECT(
      "\x82\xa2"
      "ab\x01\xa1"
      "a\x02",
      SR_EKEYORDER);
  ACCEPT(
      "\x82\xa1"
      "B\x01\xa1"
      "a\x02");                            /* bytewise: 'B' < 'a' */
  ACCEPT("\x82\xa1z\x01\xa2\xc3\xa9\x02"); /* "z" < "é" bytewise */
  REJECT("\x82\xa2\xc3\xa9\x01\xa1z\x02", SR_EKEYORDER);
  ACCEPT(
      "\x82\xa0\x01\xa1"
      "a\x02"); /* the empty key sorts first */
  REJECT(
      "\x82\xa1"
      "a\x01\xa0\x02",
      SR_EKEYORDER);
  REJECT("\x81\x01\x01", SR_EKEYTYPE);
  REJECT(
      "\x81\xc4\x01"
      "a\x01",
      SR_EKEYTYPE); /* a bin key */
  REJECT("\x81\xc0\x01", SR_EKEYTYPE);
  REJECT(
      "\x82\xa1"
      "a\x01\x02\x01",
      SR_EKEYTYPE);
  REJECT("\x81\x90\x01", SR_EKEYTYPE);
  REJECT(
      "\x81\xd9\x01"
      "a\x01",
      SR_ENONSHORT);                    /* a key in a str8 header */
  REJECT("\x81\xa1\xff\x01", SR_EUTF8); /* a key that is not UTF-8 */
  /* the order check runs in nested maps too */
  REJECT(
      "\x91\x82\xa1"
      "b\x01\xa1"
      "a\x02",
      SR_EKEYORDER);
  REJECT(
      "\x81\xa1k\x82\xa1"
      "a\x01\xa1"
      "a\x02",
      SR_EKEYDUP);
  size_t off = 0;
  T_EQ(sr_canon_check((const uint8_t *)"\x82\xa1"
                                       "b\x01\xa1"
                                       "a\x02",
                      7, 8, &off),
       SR_EKEYORDER);
  T_EQ(off, 4);
}

static void canon_utf8(void) {
  ACCEPT("\xa5hello");
  ACCEPT("\xa2\xc3\xa9");                   /* é */
  ACCEPT("\xa3\xef\xbf\xbf");               /* U+FFFF */
  ACCEPT("\xa4\xf0\x9f\x8c\x8d");           /* U+1F30D */
  ACCEPT("\xa4\xf4\x8f\xbf\xbf");           /* U+10FFFF */
  ACCEPT("\xa1\x00");                       /* NUL is valid UTF-8 */
  REJECT("\xa2\xc0\xaf", SR_EUTF8);         /* overlong '/' */
  REJECT("\xa2\xc1\xbf", SR_EUTF8);         /* overlong */
  REJECT("\xa3\xe0\x80\xaf", SR_EUTF8);     /* overlong 3-byte */
  REJECT("\xa4\xf0\x80\x80\xaf", SR_EUTF8); /* overlong 4-byte */
  REJECT("\xa3\xed\xa0\x80", SR_EUTF8);     /* surrogate U+D800 */
  REJECT("\xa3\xed\xbf\xbf", SR_EUTF8);     /* surrogate U+DFFF */
  REJECT("\xa2\xe2\x82", SR_EUTF8);         /* truncated 3-byte sequence */
  REJECT("\xa1\xc3", SR_EUTF8);             /* truncated at the end */
  REJECT(
      "\xa2\xc3"
      "a",
      SR_EUTF8);                            /* bad continuation */
  REJECT("\xa1\x80", SR_EUTF8);             /* lone continuation */
  REJECT("\xa4\xf4\x90\x80\x80", SR_EUTF8); /* above U+10FFFF */
  REJECT("\xa4\xf5\x80\x80\x80", SR_EUTF8);
  REJECT("\xa1\xff", SR_EUTF8);
  REJECT("\xa1\xfe", SR_EUTF8);
  REJECT("\x91\xa1\xff", SR_EUTF8); /* inside an array */
  /* bin holds any bytes */
  ACCEPT("\xc4\x02\xff\xfe");
  T_EQ(sr_utf8_valid((const uint8_t *)"", 0), 1);
  T_EQ(sr_utf8_valid((const uint8_t *)"\xe2\x82\xac", 3), 1);
  T_EQ(sr_utf8_valid((const uint8_t *)"\xe2\x82\xac", 2), 0);
  T_EQ(sr_utf8_valid((const uint8_t *)"a\xed\x9f\xbf", 4), 1); /* U+D7FF, just below the surrogates */
  T_EQ(sr_utf8_valid((const uint8_t *)"\xee\x80\x80", 3), 1);  /* U+E000, just above */
}

static void canon_no_floats_no_ext(void) {
  REJECT("\xca\x00\x00\x00\x00", SR_EFLOAT);
  REJECT("\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", SR_EFLOAT);
  REJECT("\x81\xa1x\xca\x3f\xc0\x00\x00", SR_EFLOAT);
  REJECT("\xd4\x01\x00", SR_EEXT);
  REJECT("\xd5\x01\x00\x00", SR_EEXT);
  REJECT("\xd6\x01\x00\x00\x00\x00", SR_EEXT);
  REJECT("\xd7\x01\x00\x00\x00\x00\x00\x00\x00\x00", SR_EEXT);
  REJECT("\xd8\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", SR_EEXT);
  REJECT("\xc7\x01\x01\x00", SR_EEXT);
  REJECT("\xc8\x00\x01\x01\x00", SR_EEXT);
  REJECT("\xc9\x00\x00\x00\x01\x01\x00", SR_EEXT);
  REJECT("\xc1", SR_ENEVERUSED);
  REJECT("\x92\x01\xc1", SR_ENEVERUSED);
  size_t off = 0;
  T_EQ(sr_canon_check((const uint8_t *)"\x92\x01\xc1", 3, 8, &off), SR_ENEVERUSED);
  T_EQ(off, 2);
  ACCEPT("\xc0");
  ACCEPT("\xc2");
  ACCEPT("\xc3");
}

/* n nested containers: arrays ([[...]]) or maps ({"a":{"a":...}}). */
static void nest(t_buf_t *b, int n, int maps) {
  t_buf_init(b);
  for (int i = 1; i <= n; i++) {
    if (maps) {
      t_mp_map(b, i < n ? 1 : 0);
      if (i < n) t_mp_str(b, "a");
    } else {
      t_mp_array(b, i < n ? 1 : 0);
    }
  }
}

static void canon_depth(void) {
  for (int maps = 0; maps < 2; maps++) {
    t_buf_t b8, b9, r;
    nest(&b8, 8, maps);
    nest(&b9, 9, maps);
    T_OK(sr_canon_check(T_DATA(&b8), T_SIZE(&b8), 8, NULL));
    T_EQ(sr_canon_check(T_DATA(&b9), T_SIZE(&b9), 8, NULL), SR_EDEPTH);
    T_OK(sr_canon_check(T_DATA(&b9), T_SIZE(&b9), 9, NULL));
    T_EQ(sr_canon_check(T_DATA(&b8), T_SIZE(&b8), 7, NULL), SR_EDEPTH);
    /* the encoder agrees */
    T_OK(recode(T_DATA(&b8), T_SIZE(&b8), &r, 8));
    t_buf_free(&r);
    T_EQ(recode(T_DATA(&b9), T_SIZE(&b9), &r, 8), SR_EDEPTH);
    t_buf_free(&r);
    t_buf_free(&b8);
    t_buf_free(&b9);
  }
  /* scalars have no depth; a top-level container is depth 1 */
  T_EQ(CHECK_BYTES("\x01", 0), 0);
  T_EQ(CHECK_BYTES("\x90", 1), 0);
  T_EQ(CHECK_BYTES("\x91\x90", 1), SR_EDEPTH);
  T_EQ(CHECK_BYTES("\x91\x01", 1), 0);
  /* a deep array inside a map value: {"a": [[[[[[[ ]]]]]]]} is 8 */
  ACCEPT(
      "\x81\xa1"
      "a\x91\x91\x91\x91\x91\x91\x90");
  REJECT(
      "\x81\xa1"
      "a\x91\x91\x91\x91\x91\x91\x91\x90",
      SR_EDEPTH);
  /* very deep input fails cleanly, without unbounded recursion */
  uint8_t deep[100000];
  memset(deep, 0x91, sizeof(deep));
  deep[sizeof(deep) - 1] = 0x90;
  T_EQ(sr_canon_check(deep, sizeof(deep), 8, NULL), SR_EDEPTH);
}

static void canon_trailing_and_truncated(void) {
  size_t off = 0;
  T_EQ(sr_canon_check((const uint8_t *)"\x01\x02", 2, 8, &off), SR_ETRAILING);
  T_EQ(off, 1);
  REJECT("\x90\x00", SR_ETRAILING);
  T_EQ(sr_canon_check((const uint8_t *)"", 0, 8, NULL), SR_ETRUNC);
  REJECT("\xcd\x01", SR_ETRUNC);
  REJECT("\xcf\x01\x00\x00", SR_ETRUNC);
  REJECT("\xd3\xff", SR_ETRUNC);
  REJECT("\x92\x01", SR_ETRUNC);
  REJECT(
      "\x81\xa1"
      "a",
      SR_ETRUNC);
  REJECT(
      "\xa5"
      "ab",
      SR_ETRUNC);
  REJECT("\xd9", SR_ETRUNC);
  REJECT(
      "\xd9\x40"
      "abc",
      SR_ETRUNC);
  REJECT("\xc4\x05\x01", SR_ETRUNC);
  REJECT("\xc5\x01", SR_ETRUNC);
  REJECT("\xdc\x00", SR_ETRUNC);
  REJECT("\xdd\xff\xff\xff\xff", SR_ETRUNC); /* a huge count with nothing behind it */
  REJECT("\xdf\xff\xff\xff\xff\x01", SR_ETRUNC);
  REJECT("\xc6\xff\xff\xff\xff", SR_ETRUNC);
  REJECT("\xdb\xff\xff\xff\xff", SR_ETRUNC);
}

/* A buffer: header bytes then n filler bytes of value fill. */
static void header_then(t_buf_t *b, const char *hdr, size_t hlen, size_t n, uint8_t fill) {
  t_buf_init(b);
  t_mp_raw(b, hdr, hlen);
  for (size_t i = 0; i < n; i++) t_mp_raw(b, &fill, 1);
}

static void canon_rejects_non_shortest_headers(void) {
  t_buf_t b;
  struct {
    const char *hdr;
    size_t hlen, n;
    uint8_t fill;
    int want;
  } cases[] = {
      {"\xd9\x05", 2, 5, 'a', SR_ENONSHORT}, /* str8 of 5: fixstr exists */
      {"\xd9\x1f", 2, 31, 'a', SR_ENONSHORT},
      {"\xd9\x20", 2, 32, 'a', 0},
      {"\xda\x00\xff", 3, 255, 'a', SR_ENONSHORT}, /* str16 of 255 */
      {"\xda\x01\x00", 3, 256, 'a', 0},
      {"\xdb\x00\x00\xff\xff", 5, 65535, 'a', SR_ENONSHORT},
      {"\xdb\x00\x01\x00\x00", 5, 65536, 'a', 0},
      {"\xc4\x00", 2, 0, 0, 0},                 /* bin8 is the shortest bin */
      {"\xc5\x00\x10", 3, 16, 0, SR_ENONSHORT}, /* bin16 of 16 */
      {"\xc5\x00\xff", 3, 255, 0, SR_ENONSHORT},
      {"\xc5\x01\x00", 3, 256, 0, 0},
      {"\xc6\x00\x00\xff\xff", 5, 65535, 0, SR_ENONSHORT},
      {"\xc6\x00\x01\x00\x00", 5, 65536, 0, 0},
      {"\xdc\x00\x0f", 3, 15, 0x01, SR_ENONSHORT}, /* array16 of 15 */
      {"\xdc\x00\x10", 3, 16, 0x01, 0},
      {"\xdd\x00\x00\xff\xff", 5, 65535, 0x01, SR_ENONSHORT},
      {"\xdd\x00\x01\x00\x00", 5, 65536, 0x01, 0},
      {"\xde\x00\x00", 3, 0, 0, SR_ENONSHORT}, /* map16 of 0 */
      {"\xde\x00\x0f", 3, 0, 0, SR_ENONSHORT},
      {"\xdf\x00\x00\x00\x01", 5, 0, 0, SR_ENONSHORT},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    header_then(&b, cases[i].hdr, cases[i].hlen, cases[i].n, cases[i].fill);
    int rc = sr_canon_check(T_DATA(&b), T_SIZE(&b), 8, NULL);
    if (rc != cases[i].want) fprintf(stderr, "case %zu\n", i);
    T_EQ(rc, cases[i].want);
    t_buf_free(&b);
  }
  /* a map16 of 16 sorted keys is fine */
  t_buf_init(&b);
  t_mp_raw(&b, "\xde\x00\x10", 3);
  for (int i = 0; i < 16; i++) {
    char k[3] = {(char)('a' + i), 0, 0};
    t_mp_str(&b, k);
    t_mp_uint(&b, (uint64_t)i);
  }
  T_OK(sr_canon_check(T_DATA(&b), T_SIZE(&b), 8, NULL));
  t_buf_free(&b);
}

static void canon_encoder_refusals(void) {
  msgpack_object o, kv_obj;
  msgpack_object_kv kv[2];
  t_buf_t b;
  memset(&o, 0, sizeof(o));
  t_buf_init(&b);
  o.type = MSGPACK_OBJECT_FLOAT64;
  o.via.f64 = 1.5;
  T_EQ(sr_canon_encode(&b.pk, &o, 8), SR_EFLOAT);
  o.type = MSGPACK_OBJECT_FLOAT32;
  T_EQ(sr_canon_encode(&b.pk, &o, 8), SR_EFLOAT);
  o.type = MSGPACK_OBJECT_EXT;
  o.via.ext.type = 1;
  o.via.ext.size = 1;
  o.via.ext.ptr = "x";
  T_EQ(sr_canon_encode(&b.pk, &o, 8), SR_EEXT);
  o.type = MSGPACK_OBJECT_STR;
  o.via.str.ptr = "\xc0\xaf";
  o.via.str.size = 2;
  T_EQ(sr_canon_encode(&b.pk, &o, 8), SR_EUTF8);
  /* maps: a non-string key, a duplicate key */
  memset(&kv_obj, 0, sizeof(kv_obj));
  memset(kv, 0, sizeof(kv));
  kv[0].key.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
  kv[0].key.via.u64 = 1;
  kv[0].val.type = MSGPACK_OBJECT_NIL;
  kv_obj.type = MSGPACK_OBJECT_MAP;
  kv_obj.via.map.size = 1;
  kv_obj.via.map.ptr = kv;
  T_EQ(sr_canon_encode(&b.pk, &kv_obj, 8), SR_EKEYTYPE);
  for (int i = 0; i < 2; i++) {
    kv[i].key.type = MSGPACK_OBJECT_STR;
    kv[i].key.via.str.ptr = "same";
    kv[i].key.via.str.size = 4;
    kv[i].val.type = MSGPACK_OBJECT_NIL;
  }
  kv_obj.via.map.size = 2;
  T_EQ(sr_canon_encode(&b.pk, &kv_obj, 8), SR_EKEYDUP);
  /* a value inside a map that is refused: a float */
  kv[1].key.via.str.ptr = "samf";
  kv[1].val.type = MSGPACK_OBJECT_FLOAT64;
  T_EQ(sr_canon_encode(&b.pk, &kv_obj, 8), SR_EFLOAT);
  /* and with a nil the same map encodes, sorted */
  kv[1].val.type = MSGPACK_OBJECT_NIL;
  t_buf_free(&b);
  t_buf_init(&b);
  T_OK(sr_canon_encode(&b.pk, &kv_obj, 8));
  T_EQ(T_SIZE(&b), 13);
  T_MEMEQ(T_DATA(&b), "\x82\xa4same\xc0\xa4samf\xc0", 13);
  t_buf_free(&b);
  /* a NEGATIVE_INTEGER object holding a non-negative value still comes out unsigned */
  memset(&o, 0, sizeof(o));
  o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
  o.via.i64 = 200;
  t_buf_init(&b);
  T_OK(sr_canon_encode(&b.pk, &o, 8));
  T_EQ(T_SIZE(&b), 2);
  T_MEMEQ(T_DATA(&b), "\xcc\xc8", 2);
  t_buf_free(&b);
}

/* Every value a canonical encoder makes from a non-canonical-but-valid input
 * passes the gate: a mixed document built by msgpack-c directly. */
static void canon_mixed_document_roundtrip(void) {
  t_buf_t in;
  t_buf_init(&in);
  t_mp_map(&in, 5);
  t_mp_str(&in, "zeta");
  t_mp_array(&in, 4);
  t_mp_uint(&in, 300);
  msgpack_pack_int64(&in.pk, -70000);
  msgpack_pack_nil(&in.pk);
  msgpack_pack_true(&in.pk);
  t_mp_str(&in, "alpha");
  t_mp_bin(&in, (const uint8_t *)"\x00\x01\x02", 3);
  t_mp_str(&in, "\xc3\xa9t\xc3\xa9");
  t_mp_str(&in, "summer");
  t_mp_str(&in, "mid");
  t_mp_map(&in, 2);
  t_mp_str(&in, "y");
  t_mp_uint(&in, 1);
  t_mp_str(&in, "x");
  t_mp_uint(&in, 2);
  t_mp_str(&in, "");
  t_mp_uint(&in, 0);
  roundtrip(T_DATA(&in), T_SIZE(&in), NULL, 0);
  /* the unsorted input itself is refused */
  T_EQ(sr_canon_check(T_DATA(&in), T_SIZE(&in), 8, NULL), SR_EKEYORDER);
  t_buf_free(&in);
}

int main(void) {
  T_RUN(canon_encode_sorts_and_shortens);
  T_RUN(canon_integer_boundaries);
  T_RUN(canon_rejects_non_shortest_integers);
  T_RUN(canon_rejects_signed_forms_of_non_negative);
  T_RUN(canon_rejects_negative_not_shortest);
  T_RUN(canon_map_keys);
  T_RUN(canon_utf8);
  T_RUN(canon_no_floats_no_ext);
  T_RUN(canon_depth);
  T_RUN(canon_trailing_and_truncated);
  T_RUN(canon_rejects_non_shortest_headers);
  T_RUN(canon_encoder_refusals);
  T_RUN(canon_mixed_document_roundtrip);
  T_RUN(mp_reader_basics);
  printf("test_canon: %d checks passed\n", t_checks);
  return 0;
}
