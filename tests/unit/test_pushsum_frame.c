/* test_pushsum_frame.c (part of test_pushsum): the push-sum frame (core/frame.c)
 * — a round trip of exact bit patterns, the encoder's refusals, and malformed
 * frames written by hand so that the encoder cannot hide a decoder bug. */
#include "tests/unit/test_pushsum.h"
#include "core/frame.h"
#include <math.h>

#include <float.h>

void frame_roundtrip_and_rejects(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  uint8_t key[SR_KEY_BYTES];
  uint64_t x[3] = {0, t_bits(1e-300), t_bits(DBL_MAX)};
  size_t len;
  memset(key, 0x3c, SR_KEY_BYTES);
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_pushsum(&sb, 29400000, key, t_bits(0.5), t_bits(12345.25), x, 3));
  T_OK(sr_frame_next((const uint8_t *)sb.data, sb.size, &len));
  T_EQ(len, sb.size);
  T_OK(sr_frame_decode((const uint8_t *)sb.data, sb.size, f));
  T_EQ(f->kind, SR_FRAME_PUSHSUM);
  T_EQ(f->kind, 9);
  T_EQ(f->ps_epoch, 29400000);
  T_MEMEQ(f->ps_key, key, SR_KEY_BYTES);
  T_CHECK(f->ps_w == t_bits(0.5) && f->ps_c == t_bits(12345.25));
  T_EQ(f->ps_nx, 3);
  T_CHECK(f->ps_x[0] == 0 && f->ps_x[1] == t_bits(1e-300) && f->ps_x[2] == t_bits(DBL_MAX));
  msgpack_sbuffer_destroy(&sb);
  /* The encoder refuses what every decoder would: too many values, negative,
   * infinite or NaN masses. */
  msgpack_sbuffer_init(&sb);
  T_EQ(sr_frame_pushsum(&sb, 1, key, 1, 1, x, SR_FRAME_PUSHSUM_MAXV + 1), SR_EINVAL);
  T_EQ(sr_frame_pushsum(&sb, 1, key, t_bits(-1.0), 1, x, 3), SR_EINVAL);
  T_EQ(sr_frame_pushsum(&sb, 1, key, 1, t_bits(INFINITY), x, 3), SR_EINVAL);
  x[1] = t_bits(NAN);
  T_EQ(sr_frame_pushsum(&sb, 1, key, 1, 1, x, 3), SR_EINVAL);
  T_EQ(sb.size, 0);
  msgpack_sbuffer_destroy(&sb);

  /* Malformed frames, hand-written so the encoder cannot hide a decoder bug. */
  static const struct {
    const char *hex;
    int want;
  } bad[] = {
      /* [9, 1, key31, 1, 1, []]: key one byte short */
      {"9609"
       "01"
       "c41f"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01"
       "90",
       SR_EFRAME},
      /* five elements: no x array */
      {"9509"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01",
       SR_EFRAME},
      /* key as a str */
      {"9609"
       "01"
       "d920"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01"
       "90",
       SR_EFRAME},
      /* negative w */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "ff"
       "01"
       "90",
       SR_EFRAME},
      /* nine x values (at most 8) */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01"
       "99010101010101010101",
       SR_EFRAME},
      /* an x value that is a string */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01"
       "91a130",
       SR_EFRAME},
      /* epoch 1 in a two-byte form: not canonical */
      {"9609"
       "cc01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01"
       "90",
       SR_ENONSHORT},
      /* w = -0.0 (sign bit) */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "cf8000000000000000"
       "01"
       "90",
       SR_EFRAME},
      /* c = +infinity */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "cf7ff0000000000000"
       "90",
       SR_EFRAME},
      /* an x that is NaN */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "01"
       "01"
       "91cf7ff8000000000000",
       SR_EFRAME},
      /* a float w (MessagePack's own float: not canonical) */
      {"9609"
       "01"
       "c420"
       "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
       "ca3f000000"
       "01"
       "90",
       SR_EFLOAT},
      /* truncated */
      {"9609"
       "01"
       "c420"
       "3c3c3c",
       SR_ETRUNC},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uint8_t buf[128];
    size_t n = strlen(bad[i].hex) / 2;
    T_OK(sr_hex_decode(bad[i].hex, buf, n));
    int rc = sr_frame_decode(buf, n, f);
    if (rc != bad[i].want) fprintf(stderr, "   bad frame %zu: got %s\n", i, t_name(rc));
    T_EQ(rc, bad[i].want);
  }
  /* Seven elements: a field a later version appends is skipped and the six known
   * ones are read (docs/protocol.md, "Extending frames"). */
  {
    static const char seven[] =
        "9709"
        "02"
        "c420"
        "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
        "03"
        "04"
        "9105"
        "01";
    uint8_t buf[128];
    size_t n = strlen(seven) / 2;
    T_OK(sr_hex_decode(seven, buf, n));
    T_OK(sr_frame_decode(buf, n, f));
    T_EQ(f->kind, SR_FRAME_PUSHSUM);
    T_EQ(f->ps_epoch, 2);
    T_EQ(f->ps_key[0], 0x3c);
    T_EQ(f->ps_w, 3);
    T_EQ(f->ps_c, 4);
    T_EQ(f->ps_nx, 1);
    T_EQ(f->ps_x[0], 5);
  }
  /* The same bytes, well formed, decode (the rejects above are for their one flaw). */
  {
    static const char *good =
        "9609"
        "01"
        "c420"
        "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
        "01"
        "01"
        "90";
    uint8_t buf[128];
    size_t n = strlen(good) / 2;
    T_OK(sr_hex_decode(good, buf, n));
    T_OK(sr_frame_decode(buf, n, f));
    T_EQ(f->ps_nx, 0);
  }
  free(f);
}
