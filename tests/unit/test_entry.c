/* test_entry.c: the entry format (core/entry) and the ingest rule
 * (core/rules), to the byte of docs/format.md "Entries"; main also runs the
 * content schemas' tests (core/content, test_entry_content.c). */
#include "tests/unit/test_entry.h"

t_author_t alice, bob;

/* ---- entry encode / decode ---- */

static void entry_roundtrip_fields_and_id(void) {
  t_buf_t c;
  sr_entry_t e, d;
  uint8_t buf[SR_ENTRY_MAX], id[SR_ID_BYTES];
  size_t len;
  t_about(&c, "Alice");
  T_OK(sr_entry_create(alice.sk, 1, NULL, TS, "about", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, &e));
  T_OK(sr_entry_decode(buf, len, &d));
  T_MEMEQ(d.author, alice.pk, SR_KEY_BYTES);
  T_EQ(d.seq, 1);
  T_EQ(d.has_prev, 0);
  T_EQ(d.ts, TS);
  T_EQ(d.type_len, 5);
  T_MEMEQ(d.type, "about", 5);
  T_EQ(d.content_len, T_SIZE(&c));
  T_MEMEQ(d.content, T_DATA(&c), T_SIZE(&c));
  T_EQ(d.raw_len, len);
  T_CHECK(d.raw == buf);
  /* id = BLAKE2b-256 of the entry bytes, computed independently */
  crypto_generichash(id, sizeof(id), buf, len, NULL, 0);
  T_MEMEQ(d.id, id, SR_ID_BYTES);
  T_MEMEQ(e.id, id, SR_ID_BYTES);
  sr_entry_id(buf, len, id);
  T_MEMEQ(d.id, id, SR_ID_BYTES);
  T_OK(sr_entry_verify(&d));
  T_OK(sr_entry_check(buf, len, &d, NULL, 0));
  /* the signature is ed25519 over exactly the body bytes */
  T_EQ(crypto_sign_verify_detached(d.sig, d.body, d.body_len, alice.pk), 0);
  /* the body starts [1, bin32 author, 1, nil, ...] */
  T_EQ(d.body[0], 0x97);
  T_EQ(d.body[1], 0x01);
  T_EQ(d.body[2], 0xc4);
  T_EQ(d.body[3], 32);
  T_MEMEQ(d.body + 4, alice.pk, SR_KEY_BYTES);
  T_EQ(d.body[36], 0x01);
  T_EQ(d.body[37], 0xc0);
  /* the outer layer is [bin body, bin 64 sig] */
  T_EQ(buf[0], 0x92);
  T_EQ(buf[len - 66], 0xc4);
  T_EQ(buf[len - 65], 64);
  t_buf_free(&c);
}

static void entry_prev_chain(void) {
  t_author_t a;
  t_buf_t c;
  sr_entry_t d;
  t_author_init(&a, 0x11);
  t_about(&c, "A");
  t_entry_t e1 = t_next(&a, TS, "about", &c);
  t_entry_t e2 = t_next(&a, TS + 1, "about", &c);
  t_entry_t e3 = t_next(&a, TS + 2, "about", &c);
  T_OK(sr_entry_decode(e2.raw, e2.len, &d));
  T_EQ(d.seq, 2);
  T_EQ(d.has_prev, 1);
  T_MEMEQ(d.prev, e1.id, SR_ID_BYTES);
  T_OK(sr_entry_decode(e3.raw, e3.len, &d));
  T_EQ(d.seq, 3);
  T_MEMEQ(d.prev, e2.id, SR_ID_BYTES);
  /* same content, different seq: different ids */
  T_CHECK(memcmp(e1.id, e2.id, SR_ID_BYTES) != 0);
  t_entry_free(&e1);
  t_entry_free(&e2);
  t_entry_free(&e3);
  t_buf_free(&c);
}

static void entry_create_rejects_bad_arguments(void) {
  t_buf_t c, arr, noncanon;
  uint8_t buf[SR_ENTRY_MAX], prev[SR_ID_BYTES] = {1};
  size_t len;
  t_about(&c, "A");
  T_EQ(sr_entry_create(alice.sk, 0, NULL, TS, "about", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, NULL),
       SR_EINVAL);
  T_EQ(sr_entry_create(alice.sk, 2, NULL, TS, "about", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, NULL),
       SR_EINVAL);
  T_EQ(sr_entry_create(alice.sk, 1, prev, TS, "about", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, NULL),
       SR_EINVAL);
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, NULL), SR_ETYPE);
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "abcdefghijklmnopqrstuvwxyz0123456", T_DATA(&c), T_SIZE(&c), buf,
                       sizeof(buf), &len, NULL),
       SR_ETYPE);
  T_OK(sr_entry_create(alice.sk, 1, NULL, TS, "abcdefghijklmnopqrstuvwxyz012345", T_DATA(&c), T_SIZE(&c), buf,
                       sizeof(buf), &len, NULL));
  /* the content must be one canonical map */
  t_buf_init(&arr);
  t_mp_array(&arr, 0);
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "about", T_DATA(&arr), T_SIZE(&arr), buf, sizeof(buf), &len, NULL),
       SR_ECONTENT);
  t_buf_init(&noncanon);
  t_mp_raw(&noncanon, "\x81\xa1x\xcc\x05", 5); /* {"x": 5 as uint8} */
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "about", T_DATA(&noncanon), T_SIZE(&noncanon), buf, sizeof(buf), &len,
                       NULL),
       SR_ECONTENT);
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "about", T_DATA(&c), 0, buf, sizeof(buf), &len, NULL), SR_ECONTENT);
  /* the output buffer is too small */
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "about", T_DATA(&c), T_SIZE(&c), buf, 50, &len, NULL), SR_ETOOBIG);
  t_buf_free(&c);
  t_buf_free(&arr);
  t_buf_free(&noncanon);
}

static void entry_flipped_signature_byte_is_esig(void) {
  t_buf_t c;
  sr_entry_t d;
  t_share(&c, "hello world", NULL, NULL);
  t_entry_t e = t_make(&alice, 1, NULL, TS, "share", &c);
  /* a byte of the signature (the last byte of the entry) */
  e.raw[e.len - 1] ^= 0x01;
  T_OK(sr_entry_decode(e.raw, e.len, &d));
  T_EQ(sr_entry_verify(&d), SR_ESIG);
  T_EQ(sr_entry_check(e.raw, e.len, &d, NULL, 0), SR_ESIG);
  e.raw[e.len - 1] ^= 0x01;
  T_OK(sr_entry_decode(e.raw, e.len, &d));
  T_OK(sr_entry_verify(&d));
  /* a byte of the body: 'h' of "hello" becomes 'j', still canonical */
  uint8_t *h = memmem(e.raw, e.len, "hello", 5);
  T_CHECK(h != NULL);
  *h = 'j';
  T_OK(sr_entry_decode(e.raw, e.len, &d));
  T_EQ(sr_entry_verify(&d), SR_ESIG);
  *h = 'h';
  /* the author's key inside the body */
  uint8_t *pk = memmem(e.raw, e.len, alice.pk, SR_KEY_BYTES);
  T_CHECK(pk != NULL);
  pk[5] ^= 0x80;
  T_OK(sr_entry_decode(e.raw, e.len, &d));
  T_EQ(sr_entry_verify(&d), SR_ESIG);
  pk[5] ^= 0x80;
  /* another author's valid signature over the same body */
  sr_entry_t ok;
  T_OK(sr_entry_decode(e.raw, e.len, &ok));
  crypto_sign_detached((uint8_t *)ok.sig, NULL, ok.body, ok.body_len, bob.sk);
  T_EQ(sr_entry_verify(&ok), SR_ESIG);
  t_entry_free(&e);
  t_buf_free(&c);
}

static void entry_seq_zero_is_eseq(void) {
  t_buf_t c;
  sr_entry_t d;
  t_about(&c, "A");
  t_entry_t e = t_forge(&alice, 1, 0, NULL, TS, "about", 5, T_DATA(&c), T_SIZE(&c));
  T_EQ(sr_entry_decode(e.raw, e.len, &d), SR_ESEQ);
  t_entry_free(&e);
  t_buf_free(&c);
}

static void entry_prev_must_be_nil_exactly_at_seq1(void) {
  t_buf_t c;
  sr_entry_t d;
  uint8_t prev[SR_ID_BYTES];
  memset(prev, 7, sizeof(prev));
  t_about(&c, "A");
  t_entry_t e1 = t_forge(&alice, 1, 1, prev, TS, "about", 5, T_DATA(&c), T_SIZE(&c));
  T_EQ(sr_entry_decode(e1.raw, e1.len, &d), SR_EPREV);
  t_entry_t e2 = t_forge(&alice, 1, 2, NULL, TS, "about", 5, T_DATA(&c), T_SIZE(&c));
  T_EQ(sr_entry_decode(e2.raw, e2.len, &d), SR_EPREV);
  /* the forge itself is sound: the same call with consistent prev decodes */
  t_entry_t e3 = t_forge(&alice, 1, 2, prev, TS, "about", 5, T_DATA(&c), T_SIZE(&c));
  T_OK(sr_entry_decode(e3.raw, e3.len, &d));
  T_OK(sr_entry_verify(&d));
  t_entry_free(&e1);
  t_entry_free(&e2);
  t_entry_free(&e3);
  t_buf_free(&c);
}

static void entry_version_other_than_1_is_eversion(void) {
  t_buf_t c;
  sr_entry_t d;
  t_about(&c, "A");
  uint64_t versions[] = {0, 2, 255};
  for (size_t i = 0; i < 3; i++) {
    t_entry_t e = t_forge(&alice, versions[i], 1, NULL, TS, "about", 5, T_DATA(&c), T_SIZE(&c));
    T_EQ(sr_entry_decode(e.raw, e.len, &d), SR_EVERSION);
    t_entry_free(&e);
  }
  t_buf_free(&c);
}

static void entry_type_length_1_to_32(void) {
  t_buf_t c;
  sr_entry_t d;
  const char *t33 = "abcdefghijklmnopqrstuvwxyz0123456";
  t_about(&c, "A");
  t_entry_t e0 = t_forge(&alice, 1, 1, NULL, TS, "", 0, T_DATA(&c), T_SIZE(&c));
  T_EQ(sr_entry_decode(e0.raw, e0.len, &d), SR_ETYPE);
  t_entry_t e33 = t_forge(&alice, 1, 1, NULL, TS, t33, 33, T_DATA(&c), T_SIZE(&c));
  T_EQ(sr_entry_decode(e33.raw, e33.len, &d), SR_ETYPE);
  t_entry_t e32 = t_forge(&alice, 1, 1, NULL, TS, t33, 32, T_DATA(&c), T_SIZE(&c));
  T_OK(sr_entry_decode(e32.raw, e32.len, &d));
  T_EQ(d.type_len, 32);
  t_entry_t e1 = t_forge(&alice, 1, 1, NULL, TS, "x", 1, T_DATA(&c), T_SIZE(&c));
  T_OK(sr_entry_decode(e1.raw, e1.len, &d));
  /* a type that is not UTF-8 fails the canonical check */
  t_entry_t bad = t_forge(&alice, 1, 1, NULL, TS, "\xff", 1, T_DATA(&c), T_SIZE(&c));
  T_EQ(sr_entry_decode(bad.raw, bad.len, &d), SR_EUTF8);
  t_entry_free(&e0);
  t_entry_free(&e33);
  t_entry_free(&e32);
  t_entry_free(&e1);
  t_entry_free(&bad);
  t_buf_free(&c);
}

/* Content {"x": "aaa..."} with a string of n bytes. */
static void filler(t_buf_t *b, size_t n) {
  char *s = malloc(n + 1);
  memset(s, 'a', n);
  s[n] = '\0';
  t_buf_init(b);
  t_mp_map(b, 1);
  t_mp_str(b, "x");
  t_mp_str(b, s);
  free(s);
}

static void entry_size_limit_is_16_kib(void) {
  t_buf_t c;
  sr_entry_t d;
  uint8_t buf[SR_ENTRY_MAX + 64];
  size_t len;
  /* measure the overhead, then aim at exactly SR_ENTRY_MAX bytes */
  filler(&c, 1000);
  t_entry_t probe = t_forge(&alice, 1, 1, NULL, TS, "note", 4, T_DATA(&c), T_SIZE(&c));
  size_t exact = 1000 + (SR_ENTRY_MAX - probe.len);
  t_entry_free(&probe);
  t_buf_free(&c);

  filler(&c, exact);
  t_entry_t at = t_forge(&alice, 1, 1, NULL, TS, "note", 4, T_DATA(&c), T_SIZE(&c));
  T_EQ(at.len, SR_ENTRY_MAX);
  T_OK(sr_entry_decode(at.raw, at.len, &d));
  T_OK(sr_entry_verify(&d));
  T_OK(sr_entry_create(alice.sk, 1, NULL, TS, "note", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, NULL));
  T_EQ(len, SR_ENTRY_MAX);
  T_MEMEQ(buf, at.raw, len);
  t_buf_free(&c);

  filler(&c, exact + 1);
  t_entry_t over = t_forge(&alice, 1, 1, NULL, TS, "note", 4, T_DATA(&c), T_SIZE(&c));
  T_EQ(over.len, SR_ENTRY_MAX + 1);
  T_EQ(sr_entry_decode(over.raw, over.len, &d), SR_EENTRYSIZE);
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "note", T_DATA(&c), T_SIZE(&c), buf, sizeof(buf), &len, NULL),
       SR_EENTRYSIZE);
  t_entry_free(&at);
  t_entry_free(&over);
  t_buf_free(&c);
}

/* Content {"a": [[...[]...]]}: the map is depth 1 and each array adds one. */
static void nested(t_buf_t *b, int depth) {
  t_buf_init(b);
  t_mp_map(b, 1);
  t_mp_str(b, "a");
  for (int i = 1; i < depth; i++) t_mp_array(b, i + 1 < depth ? 1 : 0);
}

static void entry_content_depth_8_ok_9_rejected(void) {
  t_buf_t c8, c9;
  sr_entry_t d;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  nested(&c8, 8);
  nested(&c9, 9);
  T_OK(sr_canon_check(T_DATA(&c8), T_SIZE(&c8), 8, NULL));
  T_EQ(sr_canon_check(T_DATA(&c9), T_SIZE(&c9), 8, NULL), SR_EDEPTH);
  T_OK(sr_canon_check(T_DATA(&c9), T_SIZE(&c9), 9, NULL));
  t_entry_t e8 = t_forge(&alice, 1, 1, NULL, TS, "deep", 4, T_DATA(&c8), T_SIZE(&c8));
  T_OK(sr_entry_decode(e8.raw, e8.len, &d));
  T_OK(sr_entry_check(e8.raw, e8.len, &d, NULL, 0));
  t_entry_t e9 = t_forge(&alice, 1, 1, NULL, TS, "deep", 4, T_DATA(&c9), T_SIZE(&c9));
  T_EQ(sr_entry_decode(e9.raw, e9.len, &d), SR_EDEPTH);
  T_OK(sr_entry_create(alice.sk, 1, NULL, TS, "deep", T_DATA(&c8), T_SIZE(&c8), buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, e8.raw, len);
  T_EQ(sr_entry_create(alice.sk, 1, NULL, TS, "deep", T_DATA(&c9), T_SIZE(&c9), buf, sizeof(buf), &len, NULL),
       SR_ECONTENT);
  /* maps count like arrays: {"a":{"a":...}} eight maps deep is fine, nine is not */
  for (int depth = 8; depth <= 9; depth++) {
    t_buf_t m;
    t_buf_init(&m);
    for (int i = 1; i < depth; i++) {
      t_mp_map(&m, 1);
      t_mp_str(&m, "a");
    }
    t_mp_map(&m, 0);
    t_entry_t e = t_forge(&alice, 1, 1, NULL, TS, "deep", 4, T_DATA(&m), T_SIZE(&m));
    T_EQ(sr_entry_decode(e.raw, e.len, &d), depth == 8 ? 0 : SR_EDEPTH);
    t_entry_free(&e);
    t_buf_free(&m);
  }
  t_entry_free(&e8);
  t_entry_free(&e9);
  t_buf_free(&c8);
  t_buf_free(&c9);
}

static void entry_shape_errors(void) {
  t_buf_t b, c;
  sr_entry_t d;
  uint8_t sig[63] = {0};
  t_about(&c, "A");
  /* not [body, sig] */
  T_EQ(sr_entry_decode((const uint8_t *)"\x91\xc4\x00", 3, &d), SR_ESHAPE);
  T_EQ(sr_entry_decode((const uint8_t *)"\x80", 1, &d), SR_ESHAPE);
  t_buf_init(&b);
  t_mp_array(&b, 2);
  t_mp_bin(&b, (const uint8_t *)"\x90", 1);
  t_mp_bin(&b, sig, sizeof(sig));
  T_EQ(sr_entry_decode(T_DATA(&b), T_SIZE(&b), &d), SR_ESHAPE);
  t_buf_free(&b);
  /* a body of 6 elements */
  t_buf_init(&b);
  t_mp_array(&b, 6);
  t_mp_uint(&b, 1);
  t_mp_bin(&b, alice.pk, SR_KEY_BYTES);
  t_mp_uint(&b, 1);
  t_mp_raw(&b, "\xc0", 1);
  t_mp_uint(&b, TS);
  t_mp_str(&b, "about");
  t_entry_t e6 = t_wrap_body(&alice, T_DATA(&b), T_SIZE(&b));
  T_EQ(sr_entry_decode(e6.raw, e6.len, &d), SR_EBODYSHAPE);
  t_buf_free(&b);
  /* an author of 31 bytes */
  t_buf_init(&b);
  t_mp_array(&b, 7);
  t_mp_uint(&b, 1);
  t_mp_bin(&b, alice.pk, 31);
  t_mp_uint(&b, 1);
  t_mp_raw(&b, "\xc0", 1);
  t_mp_uint(&b, TS);
  t_mp_str(&b, "about");
  t_mp_raw(&b, T_DATA(&c), T_SIZE(&c));
  t_entry_t e31 = t_wrap_body(&alice, T_DATA(&b), T_SIZE(&b));
  T_EQ(sr_entry_decode(e31.raw, e31.len, &d), SR_EBODYSHAPE);
  t_buf_free(&b);
  /* content that is not a map */
  t_entry_t ea = t_forge(&alice, 1, 1, NULL, TS, "about", 5, (const uint8_t *)"\x90", 1);
  T_EQ(sr_entry_decode(ea.raw, ea.len, &d), SR_EBODYSHAPE);
  /* a body with a non-shortest seq (0xcc 0x01) is not canonical */
  t_buf_init(&b);
  t_mp_array(&b, 7);
  t_mp_uint(&b, 1);
  t_mp_bin(&b, alice.pk, SR_KEY_BYTES);
  t_mp_raw(&b, "\xcc\x01\xc0", 3);
  t_mp_uint(&b, TS);
  t_mp_str(&b, "about");
  t_mp_raw(&b, T_DATA(&c), T_SIZE(&c));
  t_entry_t ens = t_wrap_body(&alice, T_DATA(&b), T_SIZE(&b));
  T_EQ(sr_entry_decode(ens.raw, ens.len, &d), SR_ENONSHORT);
  t_buf_free(&b);
  /* a trailing byte after a good entry */
  t_entry_t good = t_make(&alice, 1, NULL, TS, "about", &c);
  uint8_t *longer = malloc(good.len + 1);
  memcpy(longer, good.raw, good.len);
  longer[good.len] = 0;
  T_EQ(sr_entry_decode(longer, good.len + 1, &d), SR_ETRAILING);
  T_EQ(sr_entry_decode(good.raw, good.len - 1, &d), SR_ETRUNC);
  T_EQ(sr_entry_decode(good.raw, 0, &d), SR_ETRUNC);
  free(longer);
  t_entry_free(&e6);
  t_entry_free(&e31);
  t_entry_free(&ea);
  t_entry_free(&ens);
  t_entry_free(&good);
  t_buf_free(&c);
}

/* ---- the ingest rule ---- */

static void rule_next_every_verdict(void) {
  t_author_t a;
  t_buf_t c;
  sr_entry_t d1, d2, d3, dbad, dfut, dedge;
  uint8_t other[SR_ID_BYTES];
  uint64_t now = TS + 1000;
  memset(other, 0x42, sizeof(other));
  t_author_init(&a, 0x21);
  t_about(&c, "A");
  t_entry_t e1 = t_next(&a, TS, "about", &c);
  t_entry_t e2 = t_next(&a, TS, "about", &c);
  t_entry_t e3 = t_next(&a, TS, "about", &c);
  t_entry_t wrong = t_make(&a, 2, other, TS, "about", &c);
  t_entry_t fut = t_make(&a, 1, NULL, now + SR_FUTURE_SLACK_MS + 1, "about", &c);
  t_entry_t edge = t_make(&a, 1, NULL, now + SR_FUTURE_SLACK_MS, "about", &c);
  T_OK(sr_entry_decode(e1.raw, e1.len, &d1));
  T_OK(sr_entry_decode(e2.raw, e2.len, &d2));
  T_OK(sr_entry_decode(e3.raw, e3.len, &d3));
  T_OK(sr_entry_decode(wrong.raw, wrong.len, &dbad));
  T_OK(sr_entry_decode(fut.raw, fut.len, &dfut));
  T_OK(sr_entry_decode(edge.raw, edge.len, &dedge));

  sr_head_t none = {0, {0}, 0};
  T_OK(sr_rule_next(&d1, &none, now));
  T_EQ(sr_rule_next(&d2, &none, now), SR_EGAP);
  T_EQ(sr_rule_next(&dfut, &none, now), SR_EFUTURE);
  T_OK(sr_rule_next(&dedge, &none, now)); /* exactly 10 minutes ahead is allowed */

  sr_head_t h1 = {1, {0}, 0};
  memcpy(h1.id, e1.id, SR_ID_BYTES);
  T_OK(sr_rule_next(&d2, &h1, now));
  T_EQ(sr_rule_next(&d1, &h1, now), SR_ESEQ);
  T_EQ(sr_rule_next(&d3, &h1, now), SR_EGAP);
  T_EQ(sr_rule_next(&dbad, &h1, now), SR_EPREV);

  sr_head_t h2 = {2, {0}, 0};
  memcpy(h2.id, e2.id, SR_ID_BYTES);
  T_OK(sr_rule_next(&d3, &h2, now));
  T_EQ(sr_rule_next(&d2, &h2, now), SR_ESEQ);

  sr_head_t forked = h2;
  forked.forked = 1;
  T_EQ(sr_rule_next(&d3, &forked, now), SR_EFORKED);
  /* a future timestamp is reported even for a forked author */
  T_EQ(sr_rule_next(&dfut, &forked, now), SR_EFUTURE);

  /* a hand-made seq 1 that claims a prev (the decoder never yields one) */
  sr_entry_t hand = d1;
  hand.has_prev = 1;
  memcpy(hand.prev, other, SR_ID_BYTES);
  T_EQ(sr_rule_next(&hand, &none, now), SR_EPREV);
  /* a seq 2 without prev */
  hand = d2;
  hand.has_prev = 0;
  memset(hand.prev, 0, SR_ID_BYTES);
  T_EQ(sr_rule_next(&hand, &h1, now), SR_EPREV);

  t_entry_free(&e1);
  t_entry_free(&e2);
  t_entry_free(&e3);
  t_entry_free(&wrong);
  t_entry_free(&fut);
  t_entry_free(&edge);
  t_buf_free(&c);
}

int main(void) {
  t_author_init(&alice, 0xa1);
  t_author_init(&bob, 0xb0);
  T_RUN(entry_roundtrip_fields_and_id);
  T_RUN(entry_prev_chain);
  T_RUN(entry_create_rejects_bad_arguments);
  T_RUN(entry_flipped_signature_byte_is_esig);
  T_RUN(entry_seq_zero_is_eseq);
  T_RUN(entry_prev_must_be_nil_exactly_at_seq1);
  T_RUN(entry_version_other_than_1_is_eversion);
  T_RUN(entry_type_length_1_to_32);
  T_RUN(entry_size_limit_is_16_kib);
  T_RUN(entry_content_depth_8_ok_9_rejected);
  T_RUN(entry_shape_errors);
  T_RUN(content_valid_each_type);
  T_RUN(content_invalid_each_kind);
  T_RUN(content_state_and_role_names);
  T_RUN(rule_next_every_verdict);
  T_RUN(fork_proof_good_and_each_refusal);
  parse_free();
  printf("test_entry: %d checks passed\n", t_checks);
  return 0;
}
