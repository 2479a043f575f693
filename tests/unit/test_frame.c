/* test_frame.c: the gossip frame codec (core/frame.c). */
#include "core/frame.h"
#include "t.h"

static void roundtrip_every_kind(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  uint8_t a[SR_KEY_BYTES], b[SR_KEY_BYTES], secret[SR_FRAME_SECRET_BYTES];
  memset(a, 0xaa, sizeof a);
  memset(b, 0xbb, sizeof b);
  memset(secret, 0x55, sizeof secret);
  uint8_t hid[SR_ID_BYTES];
  memset(hid, 0x77, sizeof hid);
  sr_note_t notes[2] = {{a, 3, 1, hid}, {b, 0, 0, NULL}};
  const char *addrs[] = {"seurone://127.0.0.1:8708/00", "seurone://[::1]:9/11"};

  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_hello(&sb, "seurone/0.1.0", 1));
  T_OK(sr_frame_notes(&sb, notes, 2));
  T_OK(sr_frame_entry(&sb, (const uint8_t *)"\x01\x02\x03", 3, 7));
  T_OK(sr_frame_have(&sb, a, 42));
  T_OK(sr_frame_peers(&sb, addrs, 2));
  T_OK(sr_frame_invite(&sb, secret, NULL));
  T_OK(sr_frame_invite_reply(&sb, 0, "used up"));
  T_OK(sr_frame_ping(&sb));

  const uint8_t *p = (const uint8_t *)sb.data;
  size_t left = sb.size, len;
  int kinds[8], n = 0;
  while (left) {
    T_OK(sr_frame_next(p, left, &len));
    T_OK(sr_frame_decode(p, len, f));
    kinds[n++] = f->kind;
    switch (f->kind) {
      case SR_FRAME_HELLO:
        T_EQ(f->version, 1);
        T_EQ(f->agent_len, 13);
        T_EQ(f->relay, 1);
        break;
      case SR_FRAME_NOTES:
        T_EQ(f->nnotes, 2);
        T_MEMEQ(f->notes[0].author, a, SR_KEY_BYTES);
        T_EQ(f->notes[0].seq, 3);
        T_EQ(f->notes[0].eager, 1);
        T_EQ(f->notes[1].eager, 0);
        T_CHECK(f->notes[0].head != NULL);
        T_MEMEQ(f->notes[0].head, hid, SR_ID_BYTES);
        T_CHECK(f->notes[1].head == NULL);
        break;
      case SR_FRAME_ENTRY:
        T_EQ(f->entry_len, 3);
        T_EQ(f->hops, 7);
        break;
      case SR_FRAME_HAVE:
        T_EQ(f->seq, 42);
        break;
      case SR_FRAME_PEERS:
        T_EQ(f->naddrs, 2);
        T_EQ(f->addr_lens[1], strlen(addrs[1]));
        break;
      case SR_FRAME_INVITE:
        T_MEMEQ(f->secret, secret, SR_FRAME_SECRET_BYTES);
        break;
      case SR_FRAME_INVITE_REPLY:
        T_EQ(f->ok, 0);
        T_EQ(f->reason_len, 7);
        break;
    }
    p += len;
    left -= len;
  }
  T_EQ(n, 8);
  for (int i = 0; i < 8; i++) T_EQ(kinds[i], i + 1);
  msgpack_sbuffer_destroy(&sb);
  free(f);
}

/* The reachable frame (kind 10): one address; anything else is malformed. */
static void reachable_frame(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  const char *addr = "seurone://127.0.0.1:8708/00000000000000000000000000000000000000000000000000000000000000aa";
  size_t len;
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_reachable(&sb, addr));
  T_OK(sr_frame_next((uint8_t *)sb.data, sb.size, &len));
  T_EQ(len, sb.size);
  T_OK(sr_frame_decode((uint8_t *)sb.data, len, f));
  T_EQ(f->kind, SR_FRAME_REACHABLE);
  T_EQ(f->naddrs, 1);
  T_EQ(f->addr_lens[0], strlen(addr));
  T_MEMEQ(f->addrs[0], addr, strlen(addr));
  msgpack_sbuffer_destroy(&sb);
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_peers(&sb, &addr, 1)); /* [5, [addr]]: an array where kind 10 has a str */
  ((uint8_t *)sb.data)[1] = SR_FRAME_REACHABLE;
  T_EQ(sr_frame_decode((uint8_t *)sb.data, sb.size, f), SR_EFRAME);
  msgpack_sbuffer_destroy(&sb);
  free(f);
}

static void incomplete_oversized_and_bad(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  size_t len;
  uint8_t big[SR_FRAME_MAX + 16];
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_entry(&sb, (const uint8_t *)"abcdef", 6, 0));
  /* every proper prefix needs more bytes */
  for (size_t cut = 1; cut < sb.size; cut++) T_EQ(sr_frame_next((uint8_t *)sb.data, cut, &len), SR_ETRUNC);
  msgpack_sbuffer_destroy(&sb);
  /* a header claiming 1 GiB: more bytes never help, past the limit it is oversized */
  memset(big, 0, sizeof(big));
  big[0] = 0x93;
  big[1] = 0x03;
  big[2] = 0xc6;
  big[3] = 0x40;
  big[4] = 0;
  big[5] = 0;
  big[6] = 0;
  T_EQ(sr_frame_next(big, 100, &len), SR_ETRUNC);
  T_EQ(sr_frame_next(big, sizeof(big), &len), SR_EFRAMESIZE);
  /* non-canonical: uint 3 written as uint8 */
  const uint8_t noncanon[] = {0x91, 0xcc, 0x08};
  T_EQ(sr_frame_decode(noncanon, sizeof(noncanon), f), SR_ENONSHORT);
  /* malformed: hello with 2 elements, notes with a 31-byte author, not an array */
  const uint8_t shorthello[] = {0x92, 0x01, 0x01};
  T_EQ(sr_frame_decode(shorthello, sizeof(shorthello), f), SR_EFRAME);
  uint8_t badnote[40] = {0x92, 0x02, 0x91, 0x93, 0xc4, 31};
  badnote[6 + 31] = 0x00;
  badnote[6 + 31 + 1] = 0xc3;
  T_EQ(sr_frame_decode(badnote, 6 + 33, f), SR_EFRAME);
  const uint8_t scalar[] = {0x05};
  T_EQ(sr_frame_decode(scalar, 1, f), SR_EFRAME);
  /* an unknown kind decodes (ignored by receivers) */
  const uint8_t future[] = {0x92, 0x63, 0xc0};
  T_OK(sr_frame_decode(future, sizeof(future), f));
  T_EQ(f->kind, 99);
  free(f);
}

/* The extension rule (docs/protocol.md "Extending frames"): a later version may append
 * fields to a known kind, and this version reads the fields it knows; a frame missing
 * one of them is still refused. */
static void extended_frames(void) {
  sr_frame_t *f = malloc(sizeof(*f));
  /* [1, 1, "a", true, {"x": 1}]: a 5-field hello */
  const uint8_t hello5[] = {0x95, 0x01, 0x01, 0xa1, 'a', 0xc3, 0x81, 0xa1, 'x', 0x01};
  T_OK(sr_frame_decode(hello5, sizeof(hello5), f));
  T_EQ(f->kind, SR_FRAME_HELLO);
  T_EQ(f->version, 1);
  T_EQ(f->agent_len, 1);
  T_EQ(f->relay, 1);
  /* [8, 1]: a ping with an extra field */
  const uint8_t ping2[] = {0x92, 0x08, 0x01};
  T_OK(sr_frame_decode(ping2, sizeof(ping2), f));
  T_EQ(f->kind, SR_FRAME_PING);
  /* [3, h'0102', 7, "later"]: an entry frame with a trailing field */
  const uint8_t entry4[] = {0x94, 0x03, 0xc4, 0x02, 0x01, 0x02, 0x07, 0xa5, 'l', 'a', 't', 'e', 'r'};
  T_OK(sr_frame_decode(entry4, sizeof(entry4), f));
  T_EQ(f->entry_len, 2);
  T_EQ(f->hops, 7);
  /* [2, [[A, 5, true, 9], [B, 0, false]]]: a note with an extra field is skipped over
   * so that the next note is read from its own start */
  uint8_t notes[96];
  size_t k = 0;
  notes[k++] = 0x92;
  notes[k++] = 0x02;
  notes[k++] = 0x92;
  notes[k++] = 0x94;
  notes[k++] = 0xc4;
  notes[k++] = SR_KEY_BYTES;
  memset(notes + k, 0xaa, SR_KEY_BYTES);
  k += SR_KEY_BYTES;
  notes[k++] = 0x05;
  notes[k++] = 0xc3;
  notes[k++] = 0x09;
  notes[k++] = 0x93;
  notes[k++] = 0xc4;
  notes[k++] = SR_KEY_BYTES;
  memset(notes + k, 0xbb, SR_KEY_BYTES);
  k += SR_KEY_BYTES;
  notes[k++] = 0x00;
  notes[k++] = 0xc2;
  T_OK(sr_frame_decode(notes, k, f));
  T_EQ(f->nnotes, 2);
  T_EQ(f->notes[0].seq, 5);
  T_EQ(f->notes[0].eager, 1);
  T_EQ(f->notes[1].author[0], 0xbb);
  T_EQ(f->notes[1].seq, 0);
  T_EQ(f->notes[1].eager, 0);
  /* still refused: a hello without relay, an entry without hops, a have without seq */
  const uint8_t hello3[] = {0x93, 0x01, 0x01, 0xa1, 'a'};
  T_EQ(sr_frame_decode(hello3, sizeof(hello3), f), SR_EFRAME);
  const uint8_t entry2[] = {0x92, 0x03, 0xc4, 0x02, 0x01, 0x02};
  T_EQ(sr_frame_decode(entry2, sizeof(entry2), f), SR_EFRAME);
  uint8_t have2[4 + SR_KEY_BYTES] = {0x92, 0x04, 0xc4, SR_KEY_BYTES};
  T_EQ(sr_frame_decode(have2, 4 + SR_KEY_BYTES, f), SR_EFRAME);
  /* and an extra field that is itself malformed is not canonical: refused */
  const uint8_t ping_bad[] = {0x92, 0x08, 0xcc, 0x01};
  T_EQ(sr_frame_decode(ping_bad, sizeof(ping_bad), f), SR_ENONSHORT);
  free(f);
}

/* The invite frame's label (a new device's name, issue 14): written and read
 * back; none gives the version-1 frame; a third element that is no str, or a
 * str too long for a label, is skipped (label NULL), never an error. */
static void invite_label(void) {
  sr_frame_t *f = malloc(sizeof(*f));
  uint8_t secret[SR_FRAME_SECRET_BYTES], buf[128];
  char longl[SR_FRAME_LABEL_MAX + 2];
  msgpack_sbuffer sb;
  memset(secret, 0x5e, sizeof(secret));
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_invite(&sb, secret, "laptop"));
  T_OK(sr_frame_decode((const uint8_t *)sb.data, sb.size, f));
  T_EQ(f->kind, SR_FRAME_INVITE);
  T_MEMEQ(f->secret, secret, sizeof(secret));
  T_EQ(f->label_len, 6);
  T_CHECK(f->label && !memcmp(f->label, "laptop", 6));
  msgpack_sbuffer_clear(&sb);
  T_OK(sr_frame_invite(&sb, secret, NULL));
  T_EQ(((const uint8_t *)sb.data)[0], 0x92); /* [6, secret]: what version 1 reads */
  T_OK(sr_frame_decode((const uint8_t *)sb.data, sb.size, f));
  T_CHECK(f->label == NULL);
  memset(longl, 'x', sizeof(longl) - 1);
  longl[sizeof(longl) - 1] = '\0';
  msgpack_sbuffer_clear(&sb);
  T_EQ(sr_frame_invite(&sb, secret, longl), SR_EINVAL);
  /* [6, secret, 7] and [6, secret, "x" * 65]: skipped */
  size_t k = 0;
  buf[k++] = 0x93;
  buf[k++] = 0x06;
  buf[k++] = 0xc4;
  buf[k++] = SR_FRAME_SECRET_BYTES;
  memcpy(buf + k, secret, sizeof(secret));
  k += sizeof(secret);
  buf[k] = 0x07;
  T_OK(sr_frame_decode(buf, k + 1, f));
  T_CHECK(f->label == NULL);
  T_MEMEQ(f->secret, secret, sizeof(secret));
  uint8_t big[4 + SR_FRAME_SECRET_BYTES + 2 + SR_FRAME_LABEL_MAX + 1];
  memcpy(big, buf, k);
  big[k] = 0xd9;
  big[k + 1] = SR_FRAME_LABEL_MAX + 1;
  memset(big + k + 2, 'x', SR_FRAME_LABEL_MAX + 1);
  T_OK(sr_frame_decode(big, sizeof(big), f));
  T_CHECK(f->label == NULL);
  msgpack_sbuffer_destroy(&sb);
  free(f);
}

/* Notes with head ids: the longest 192 fit a frame, 193 are refused by the
 * encoder; a head that is not a bin 32 is malformed, a later fifth field skipped. */
static void notes_with_heads(void) {
  static uint8_t keys[SR_FRAME_MAX_NOTES][SR_KEY_BYTES], hid[SR_ID_BYTES];
  sr_note_t notes[SR_FRAME_MAX_NOTES];
  sr_frame_t *f = malloc(sizeof(*f));
  msgpack_sbuffer sb;
  size_t len;
  for (size_t i = 0; i < SR_FRAME_MAX_NOTES; i++) {
    memset(keys[i], (int)i, SR_KEY_BYTES);
    notes[i].author = keys[i];
    notes[i].seq = UINT64_MAX; /* the longest seq */
    notes[i].eager = 1;
    notes[i].head = hid;
  }
  msgpack_sbuffer_init(&sb);
  T_EQ(sr_frame_notes(&sb, notes, SR_FRAME_MAX_NOTES_HEADS + 1), SR_EINVAL);
  T_EQ(sb.size, 0); /* nothing half-written */
  T_OK(sr_frame_notes(&sb, notes, SR_FRAME_MAX_NOTES_HEADS));
  T_CHECK(sb.size <= SR_FRAME_MAX);
  T_OK(sr_frame_next((const uint8_t *)sb.data, sb.size, &len));
  T_OK(sr_frame_decode((const uint8_t *)sb.data, len, f));
  T_EQ(f->nnotes, SR_FRAME_MAX_NOTES_HEADS);
  T_CHECK(f->notes[SR_FRAME_MAX_NOTES_HEADS - 1].head != NULL);
  msgpack_sbuffer_destroy(&sb);
  /* without heads, 256 as before */
  for (size_t i = 0; i < SR_FRAME_MAX_NOTES; i++) notes[i].head = NULL;
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_notes(&sb, notes, SR_FRAME_MAX_NOTES));
  msgpack_sbuffer_destroy(&sb);
  /* [2, [[A, 1, true, "x"]]]: a fourth element that is no bin 32 is no head: skipped */
  uint8_t bad[96];
  size_t k = 0;
  bad[k++] = 0x92, bad[k++] = 0x02, bad[k++] = 0x91, bad[k++] = 0x94, bad[k++] = 0xc4, bad[k++] = SR_KEY_BYTES;
  memset(bad + k, 0xaa, SR_KEY_BYTES);
  k += SR_KEY_BYTES;
  bad[k++] = 0x01, bad[k++] = 0xc3, bad[k++] = 0xa1, bad[k++] = 'x';
  T_OK(sr_frame_decode(bad, k, f));
  T_EQ(f->nnotes, 1);
  T_CHECK(f->notes[0].head == NULL);
  /* ... and a bin of another length too */
  bad[k - 2] = 0xc4, bad[k - 1] = 0x00;
  T_OK(sr_frame_decode(bad, k, f));
  T_CHECK(f->notes[0].head == NULL);
  /* [2, [[A, 1, true, h'77..', 9]]]: a head, then a later field */
  k -= 2;
  bad[3] = 0x95;
  bad[k++] = 0xc4, bad[k++] = SR_ID_BYTES;
  memset(bad + k, 0x77, SR_ID_BYTES);
  k += SR_ID_BYTES;
  bad[k++] = 0x09;
  T_OK(sr_frame_decode(bad, k, f));
  T_CHECK(f->notes[0].head != NULL && f->notes[0].head[0] == 0x77);
  free(f);
}

/* The fork frame (kind 11): [11, entry]; a later field is skipped, a missing
 * entry, another type or an entry over 16 KiB is malformed. */
static void fork_frame(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  uint8_t *big = calloc(1, SR_ENTRY_MAX + 1);
  size_t len;
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_fork(&sb, (const uint8_t *)"\x05\x06\x07", 3));
  T_OK(sr_frame_next((const uint8_t *)sb.data, sb.size, &len));
  T_EQ(len, sb.size);
  T_OK(sr_frame_decode((const uint8_t *)sb.data, len, f));
  T_EQ(f->kind, SR_FRAME_FORK);
  T_EQ(f->entry_len, 3);
  T_EQ(f->entry[2], 7);
  msgpack_sbuffer_destroy(&sb);
  msgpack_sbuffer_init(&sb);
  T_EQ(sr_frame_fork(&sb, big, SR_ENTRY_MAX + 1), SR_EINVAL);
  T_OK(sr_frame_fork(&sb, big, SR_ENTRY_MAX)); /* the largest entry fits a frame */
  T_OK(sr_frame_next((const uint8_t *)sb.data, sb.size, &len));
  T_OK(sr_frame_decode((const uint8_t *)sb.data, len, f));
  T_EQ(f->entry_len, SR_ENTRY_MAX);
  msgpack_sbuffer_destroy(&sb);
  const uint8_t extra[] = {0x93, 0x0b, 0xc4, 0x01, 0x09, 0x01};
  T_OK(sr_frame_decode(extra, sizeof(extra), f));
  T_EQ(f->entry_len, 1);
  const uint8_t none[] = {0x91, 0x0b};
  T_EQ(sr_frame_decode(none, sizeof(none), f), SR_EFRAME);
  const uint8_t str[] = {0x92, 0x0b, 0xa1, 'x'};
  T_EQ(sr_frame_decode(str, sizeof(str), f), SR_EFRAME);
  /* [11, bin of 16385 bytes]: one byte over the entry limit */
  uint8_t *over = calloc(1, SR_ENTRY_MAX + 8);
  over[0] = 0x92;
  over[1] = 0x0b;
  over[2] = 0xc5;
  over[3] = (uint8_t)((SR_ENTRY_MAX + 1) >> 8);
  over[4] = (uint8_t)((SR_ENTRY_MAX + 1) & 0xff);
  T_EQ(sr_frame_decode(over, 5 + SR_ENTRY_MAX + 1, f), SR_EFRAME);
  free(over);
  free(big);
  free(f);
}

/* [12, 1, author, seq, code, text] (docs/protocol.md, "Refusals"): round
 * trip, the text cut at its limit on a character boundary, another version
 * ignored whole, a missing field an error. */
static void refused_frame(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  uint8_t author[SR_KEY_BYTES];
  char text[SR_FRAME_REFUSED_TEXT_MAX + 8];
  size_t len;
  memset(author, 0x42, sizeof(author));
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_refused(&sb, author, 50, SR_REFUSED_QUOTA, "over quota"));
  T_OK(sr_frame_next((const uint8_t *)sb.data, sb.size, &len));
  T_EQ(len, sb.size);
  T_OK(sr_frame_decode((const uint8_t *)sb.data, len, f));
  T_EQ(f->kind, SR_FRAME_REFUSED);
  T_MEMEQ(f->author, author, SR_KEY_BYTES);
  T_EQ(f->seq, 50);
  T_EQ(f->code, SR_REFUSED_QUOTA);
  T_EQ(f->reason_len, 10);
  T_MEMEQ(f->reason, "over quota", 10);
  msgpack_sbuffer_destroy(&sb);
  /* 159 ASCII bytes then a 2-byte character: cut before it, not inside */
  memset(text, 'a', sizeof(text));
  text[SR_FRAME_REFUSED_TEXT_MAX - 1] = (char)0xc3;
  text[SR_FRAME_REFUSED_TEXT_MAX] = (char)0xa9;
  text[SR_FRAME_REFUSED_TEXT_MAX + 1] = '\0';
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_refused(&sb, author, 1, SR_REFUSED_POLICY, text));
  T_OK(sr_frame_decode((const uint8_t *)sb.data, sb.size, f));
  T_EQ(f->reason_len, SR_FRAME_REFUSED_TEXT_MAX - 1);
  msgpack_sbuffer_destroy(&sb);
  /* version 2: a later layout, ignored (an unknown kind) */
  uint8_t v2[64] = {0x96, 0x0c, 0x02, 0xc4, 0x20}; /* size: the 40-byte frame below */
  memcpy(v2 + 5, author, SR_KEY_BYTES);
  v2[37] = 0x01;
  v2[38] = 0x01;
  v2[39] = 0xa0;
  T_OK(sr_frame_decode(v2, 40, f));
  T_CHECK(f->kind != SR_FRAME_REFUSED);
  v2[2] = 0x01; /* version 1 again: read */
  T_OK(sr_frame_decode(v2, 40, f));
  T_EQ(f->kind, SR_FRAME_REFUSED);
  const uint8_t short_[] = {0x93, 0x0c, 0x01, 0x01};
  T_EQ(sr_frame_decode(short_, sizeof(short_), f), SR_EFRAME);
  free(f);
}

/* The empty notes frame that ends a node's first notes (docs/protocol.md, "A
 * session"): [2, []], which decodes as notes with none, as every version does. */
static void empty_notes(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  size_t len;
  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_notes(&sb, NULL, 0));
  T_EQ(sb.size, 3);
  T_EQ(memcmp(sb.data, "\x92\x02\x90", 3), 0);
  T_OK(sr_frame_next((uint8_t *)sb.data, sb.size, &len));
  T_EQ(len, sb.size);
  T_OK(sr_frame_decode((uint8_t *)sb.data, sb.size, f));
  T_EQ(f->kind, SR_FRAME_NOTES);
  T_EQ(f->nnotes, 0);
  msgpack_sbuffer_destroy(&sb);
  free(f);
}

int main(void) {
  T_RUN(refused_frame);
  T_RUN(roundtrip_every_kind);
  T_RUN(incomplete_oversized_and_bad);
  T_RUN(reachable_frame);
  T_RUN(extended_frames);
  T_RUN(invite_label);
  T_RUN(fork_frame);
  T_RUN(notes_with_heads);
  T_RUN(empty_notes);
  printf("test_frame: %d checks passed\n", t_checks);
  return 0;
}
