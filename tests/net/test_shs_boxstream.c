/* test_shs_boxstream.c: the pure SHS state machine and Box Stream codec,
 * without I/O: full handshakes in memory, every rejection path the transport
 * relies on, and Box Stream edge cases (split bodies, byte-by-byte feeding,
 * goodbye, truncation, tampering, nonce carry). */
#include <sodium.h>

#include "core/boxstream.h"
#include "core/err.h"
#include "core/shs.h"
#include "tests/net/test_util.h"

typedef struct {
  uint8_t pk[SR_SHS_PK_BYTES], sk[SR_SHS_SK_BYTES];
} keypair_t;

static uint8_t netkey[SR_SHS_NETKEY_BYTES], other_netkey[SR_SHS_NETKEY_BYTES];
static keypair_t alice, bob; /* alice: client, bob: server */

/* Run a handshake in memory; returns the first error (client or server), with
 * *who set to 'c' or 's', or 0 with both results filled. */
static int run_hs(const uint8_t *ck, const uint8_t *sk_net, const uint8_t *server_pk_for_client, sr_shs_result_t *cr,
                  sr_shs_result_t *sr, char *who) {
  sr_shs_t c, s;
  uint8_t m1[SR_SHS_MSG_MAX], m2[SR_SHS_MSG_MAX], m3[SR_SHS_MSG_MAX], m4[SR_SHS_MSG_MAX];
  size_t n1, n2, n3, n4;
  int rc;
  CHECK(sr_shs_client_init(&c, ck, alice.pk, alice.sk, server_pk_for_client, NULL) == 0);
  CHECK(sr_shs_server_init(&s, sk_net, bob.pk, bob.sk, NULL) == 0);
  CHECK(sr_shs_start(&s, m1, &n1) == 0 && n1 == 0);
  CHECK(sr_shs_expect(&s) == SR_SHS_MSG1_BYTES);
  CHECK(sr_shs_start(&c, m1, &n1) == 0 && n1 == SR_SHS_MSG1_BYTES);
  *who = 's';
  if ((rc = sr_shs_recv(&s, m1, n1, m2, &n2))) goto out;
  CHECK(n2 == SR_SHS_MSG2_BYTES);
  *who = 'c';
  if ((rc = sr_shs_recv(&c, m2, n2, m3, &n3))) goto out;
  CHECK(n3 == SR_SHS_MSG3_BYTES);
  *who = 's';
  if ((rc = sr_shs_recv(&s, m3, n3, m4, &n4))) goto out;
  CHECK(n4 == SR_SHS_MSG4_BYTES && sr_shs_done(&s));
  *who = 'c';
  if ((rc = sr_shs_recv(&c, m4, n4, m1, &n1))) goto out;
  CHECK(n1 == 0 && sr_shs_done(&c));
  CHECK(sr_shs_result(&c, cr) == 0 && sr_shs_result(&s, sr) == 0);
out:
  sr_shs_wipe(&c);
  sr_shs_wipe(&s);
  return rc;
}

static void test_handshake_ok(void) {
  sr_shs_result_t cr, sr;
  char who;
  CHECK(run_hs(netkey, netkey, bob.pk, &cr, &sr, &who) == 0);
  CHECK(memcmp(cr.enc_key, sr.dec_key, SR_SHS_KEY_BYTES) == 0 &&
        memcmp(cr.enc_nonce, sr.dec_nonce, SR_SHS_NONCE_BYTES) == 0);
  CHECK(memcmp(cr.dec_key, sr.enc_key, SR_SHS_KEY_BYTES) == 0 &&
        memcmp(cr.dec_nonce, sr.enc_nonce, SR_SHS_NONCE_BYTES) == 0);
  CHECK(memcmp(cr.enc_key, cr.dec_key, SR_SHS_KEY_BYTES) != 0);
  CHECK(memcmp(cr.peer_pk, bob.pk, SR_SHS_PK_BYTES) == 0 && memcmp(sr.peer_pk, alice.pk, SR_SHS_PK_BYTES) == 0);
}

static void test_handshake_rejects(void) {
  sr_shs_result_t cr, sr;
  char who;
  keypair_t mallory;
  crypto_sign_keypair(mallory.pk, mallory.sk);
  /* client on another network: the server fails at msg1 (close silently) */
  CHECK(run_hs(other_netkey, netkey, bob.pk, &cr, &sr, &who) == SR_EHSNETKEY && who == 's');
  /* client dialling another key: the server cannot open msg3 */
  CHECK(run_hs(netkey, netkey, mallory.pk, &cr, &sr, &who) == SR_EHSCLIENTAUTH && who == 's');
  /* client dialling a key that is no usable point (a typo'd key in an address):
   * the client's own fault, named as a wrong key, not as the server's weak key */
  static const uint8_t no_point[SR_SHS_PK_BYTES] = {0};
  CHECK(run_hs(netkey, netkey, no_point, &cr, &sr, &who) == SR_EHSWRONGKEY && who == 'c');
}

static void test_handshake_state_and_weak_keys(void) {
  sr_shs_t s, c;
  uint8_t msg[SR_SHS_MSG_MAX], out[SR_SHS_MSG_MAX];
  size_t n;
  sr_shs_result_t r;
  /* a low-order point with a valid HMAC: only a network member can send it,
   * and scalarmult must refuse it */
  static const uint8_t low_order[SR_SHS_EPH_BYTES] = {0}; /* the all-zero point has order 1..4 */
  CHECK(sr_shs_server_init(&s, netkey, bob.pk, bob.sk, NULL) == 0);
  CHECK(sr_shs_start(&s, out, &n) == 0);
  CHECK(crypto_auth(msg, low_order, SR_SHS_EPH_BYTES, netkey) == 0);
  memcpy(msg + crypto_auth_BYTES, low_order, SR_SHS_EPH_BYTES);
  CHECK(sr_shs_recv(&s, msg, SR_SHS_MSG1_BYTES, out, &n) == SR_EHSWEAKKEY && n == 0);
  CHECK(sr_shs_recv(&s, msg, SR_SHS_MSG1_BYTES, out, &n) == SR_EHSSTATE); /* terminal */
  CHECK(sr_shs_result(&s, &r) == SR_EHSSTATE);
  sr_shs_wipe(&s);
  /* wrong length, and recv before start */
  CHECK(sr_shs_server_init(&s, netkey, bob.pk, bob.sk, NULL) == 0);
  CHECK(sr_shs_expect(&s) == 0);
  CHECK(sr_shs_recv(&s, msg, SR_SHS_MSG1_BYTES, out, &n) == SR_EHSSTATE);
  sr_shs_wipe(&s);
  CHECK(sr_shs_server_init(&s, netkey, bob.pk, bob.sk, NULL) == 0);
  CHECK(sr_shs_start(&s, out, &n) == 0);
  CHECK(sr_shs_recv(&s, msg, SR_SHS_MSG1_BYTES - 1, out, &n) == SR_EHSSTATE);
  sr_shs_wipe(&s);
  /* a client refuses a msg2 on another network */
  CHECK(sr_shs_client_init(&c, netkey, alice.pk, alice.sk, bob.pk, NULL) == 0);
  CHECK(sr_shs_start(&c, out, &n) == 0);
  CHECK(crypto_auth(msg, out + crypto_auth_BYTES, SR_SHS_EPH_BYTES, other_netkey) == 0);
  memcpy(msg + crypto_auth_BYTES, out + crypto_auth_BYTES, SR_SHS_EPH_BYTES);
  CHECK(sr_shs_recv(&c, msg, SR_SHS_MSG2_BYTES, out, &n) == SR_EHSSERVERKEY);
  sr_shs_wipe(&c);
  /* a seeded ephemeral key is deterministic (tests/fuzzing only) */
  {
    uint8_t seed[SR_SHS_SEED_BYTES] = {7}, a[SR_SHS_MSG_MAX], b[SR_SHS_MSG_MAX];
    CHECK(sr_shs_client_init(&c, netkey, alice.pk, alice.sk, bob.pk, seed) == 0);
    CHECK(sr_shs_start(&c, a, &n) == 0);
    sr_shs_wipe(&c);
    CHECK(sr_shs_client_init(&c, netkey, alice.pk, alice.sk, bob.pk, seed) == 0);
    CHECK(sr_shs_start(&c, b, &n) == 0);
    sr_shs_wipe(&c);
    CHECK(memcmp(a, b, SR_SHS_MSG1_BYTES) == 0);
  }
}

static void test_nonce_increment(void) {
  uint8_t n[SR_BOX_NONCE_BYTES];
  memset(n, 0, SR_BOX_NONCE_BYTES);
  n[23] = 0xff;
  n[22] = 0xff;
  sr_box_nonce_increment(n);
  CHECK(n[23] == 0 && n[22] == 0 && n[21] == 1);
  memset(n, 0xff, SR_BOX_NONCE_BYTES);
  sr_box_nonce_increment(n);
  for (int i = 0; i < SR_BOX_NONCE_BYTES; i++) CHECK(n[i] == 0);
}

/* Seal msgs, then decode the stream fed in chunks of `step` bytes. */
static void roundtrip(const size_t *sizes, size_t count, size_t step) {
  uint8_t key[SR_BOX_KEY_BYTES], nonce[SR_BOX_NONCE_BYTES];
  sr_box_writer_t w;
  sr_box_reader_t r;
  size_t total = 0, wire_len = 0, got = 0;
  uint8_t *plain, *wire, *back;
  for (size_t i = 0; i < count; i++) total += sizes[i];
  plain = malloc(total);
  back = malloc(total);
  wire = malloc(sr_box_sealed_size(total) + 64 * count + SR_BOX_GOODBYE_BYTES);
  CHECK(plain && back && wire);
  randombytes_buf(plain, total);
  randombytes_buf(key, SR_BOX_KEY_BYTES);
  randombytes_buf(nonce, SR_BOX_NONCE_BYTES);
  CHECK(sr_box_writer_init(&w, key, nonce) == 0);
  for (size_t i = 0, off = 0; i < count; off += sizes[i], i++) {
    size_t n;
    CHECK(sr_box_writer_seal(&w, plain + off, sizes[i], wire + wire_len, sr_box_sealed_size(sizes[i]), &n) == 0);
    CHECK(n == sr_box_sealed_size(sizes[i]));
    wire_len += n;
  }
  CHECK(sr_box_writer_goodbye(&w, wire + wire_len) == 0);
  wire_len += SR_BOX_GOODBYE_BYTES;
  {
    size_t n;
    CHECK(sr_box_writer_seal(&w, plain, 1, back, 64, &n) == SR_EBOXCLOSED);
  }
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  for (size_t off = 0; off < wire_len;) {
    size_t len = wire_len - off < step ? wire_len - off : step, used, mlen;
    const uint8_t *msg;
    int rc = sr_box_reader_feed(&r, wire + off, len, &used, &msg, &mlen);
    CHECK(rc >= 0);
    off += used;
    if (rc == SR_BOX_MSG) {
      CHECK(mlen >= 1 && mlen <= SR_BOX_BODY_MAX && got + mlen <= total);
      memcpy(back + got, msg, mlen);
      got += mlen;
    } else if (rc == SR_BOX_GOODBYE) {
      CHECK(off == wire_len);
    } else {
      CHECK(used == len);
    }
  }
  CHECK(got == total && memcmp(back, plain, total) == 0);
  CHECK(sr_box_reader_end(&r) == 0);
  sr_box_writer_wipe(&w);
  sr_box_reader_wipe(&r);
  free(plain);
  free(back);
  free(wire);
}

/* Build a stream "one 10-byte message + goodbye" for the error tests. */
static size_t small_stream(const uint8_t *key, const uint8_t *nonce, uint8_t *wire) {
  sr_box_writer_t w;
  size_t n;
  const uint8_t hello[10] = "0123456789";
  CHECK(sr_box_writer_init(&w, key, nonce) == 0);
  CHECK(sr_box_writer_seal(&w, hello, sizeof hello, wire, 64, &n) == 0 && n == 44);
  CHECK(sr_box_writer_goodbye(&w, wire + n) == 0);
  sr_box_writer_wipe(&w);
  return n + SR_BOX_GOODBYE_BYTES;
}

static int feed_all(sr_box_reader_t *r, const uint8_t *wire, size_t len, int *msgs) {
  size_t off = 0;
  *msgs = 0;
  for (;;) {
    size_t used, mlen;
    const uint8_t *msg;
    int rc = sr_box_reader_feed(r, wire + off, len - off, &used, &msg, &mlen);
    off += used;
    if (rc < 0 || rc == SR_BOX_GOODBYE) return rc;
    if (rc == SR_BOX_MSG) (*msgs)++;
    if (rc == SR_BOX_NEED) return rc;
  }
}

static void test_box_errors(void) {
  uint8_t key[SR_BOX_KEY_BYTES], nonce[SR_BOX_NONCE_BYTES], wire[128], bad[160];
  size_t len;
  sr_box_reader_t r;
  int msgs;
  randombytes_buf(key, SR_BOX_KEY_BYTES);
  randombytes_buf(nonce, SR_BOX_NONCE_BYTES);
  len = small_stream(key, nonce, wire);

  /* flipped bit in the header, then in the body */
  for (size_t pos = 0; pos < 44; pos += 20) {
    memcpy(bad, wire, len);
    bad[pos] ^= 1;
    CHECK(sr_box_reader_init(&r, key, nonce) == 0);
    CHECK(feed_all(&r, bad, len, &msgs) == SR_EBOXAUTH && msgs == 0);
    {
      size_t used, mlen;
      const uint8_t *msg;
      CHECK(sr_box_reader_feed(&r, wire, 1, &used, &msg, &mlen) == SR_EBOXAUTH); /* sticky */
    }
    CHECK(sr_box_reader_end(&r) == SR_EBOXAUTH);
    len = small_stream(key, nonce, wire);
  }
  /* truncated in the header, in the body, and at a boundary without goodbye */
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  CHECK(feed_all(&r, wire, 20, &msgs) == SR_BOX_NEED && sr_box_reader_end(&r) == SR_EBOXTRUNC);
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  CHECK(feed_all(&r, wire, 40, &msgs) == SR_BOX_NEED && sr_box_reader_end(&r) == SR_EBOXTRUNC);
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  CHECK(feed_all(&r, wire, 44, &msgs) == SR_BOX_NEED && msgs == 1 && sr_box_reader_end(&r) == SR_EBOXNOBYE);
  /* data after the goodbye, in the same chunk and in a later one */
  memcpy(bad, wire, len);
  bad[len] = 'x';
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  CHECK(feed_all(&r, bad, len + 1, &msgs) == SR_EBOXAFTERBYE && msgs == 1);
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  CHECK(feed_all(&r, wire, len, &msgs) == SR_BOX_GOODBYE && msgs == 1);
  CHECK(feed_all(&r, bad, 1, &msgs) == SR_EBOXAFTERBYE);
  /* a replayed box (same bytes again) fails: the nonce has moved on */
  memcpy(bad, wire, 44);
  memcpy(bad + 44, wire, 44);
  CHECK(sr_box_reader_init(&r, key, nonce) == 0);
  CHECK(feed_all(&r, bad, 88, &msgs) == SR_EBOXAUTH && msgs == 1);
  /* a header announcing 4097 bytes */
  {
    uint8_t plain[18] = {0x10, 0x01, 1};
    CHECK(crypto_secretbox_easy(bad, plain, sizeof plain, nonce, key) == 0);
    CHECK(sr_box_reader_init(&r, key, nonce) == 0);
    CHECK(feed_all(&r, bad, 34, &msgs) == SR_EBOXLEN);
  }
  /* a zero-length seal is refused */
  {
    sr_box_writer_t w;
    size_t n;
    CHECK(sr_box_writer_init(&w, key, nonce) == 0);
    CHECK(sr_box_writer_seal(&w, wire, 0, bad, sizeof bad, &n) == SR_EINVAL);
    CHECK(sr_box_writer_seal(&w, wire, 100, bad, 100, &n) == SR_ETOOBIG);
  }
  sr_box_reader_wipe(&r);
}

int main(void) {
  CHECK(sodium_init() >= 0);
  randombytes_buf(netkey, SR_SHS_NETKEY_BYTES);
  randombytes_buf(other_netkey, SR_SHS_NETKEY_BYTES);
  crypto_sign_keypair(alice.pk, alice.sk);
  crypto_sign_keypair(bob.pk, bob.sk);
  test_handshake_ok();
  test_handshake_rejects();
  test_handshake_state_and_weak_keys();
  test_nonce_increment();
  {
    const size_t one[] = {1}, several[] = {1, 100, 4095, 4096, 4097, 8192, 10000, 70000};
    roundtrip(one, 1, 1);
    roundtrip(several, 8, 1);
    roundtrip(several, 8, 7);
    roundtrip(several, 8, 4130);
    roundtrip(several, 8, 1 << 20);
  }
  test_box_errors();
  CHECK(sr_box_sealed_size(0) == 0 && sr_box_sealed_size(4096) == 4130 && sr_box_sealed_size(4097) == 4097 + 68);
  printf("test_shs_boxstream: all passed\n");
  return 0;
}
