/* test_frame.c: the gossip frame codec (core/frame.c). */
#include "core/frame.h"
#include "t.h"

static void roundtrip_every_kind(void) {
  msgpack_sbuffer sb;
  sr_frame_t *f = malloc(sizeof(*f));
  uint8_t a[32], b[32], secret[32];
  memset(a, 0xaa, 32);
  memset(b, 0xbb, 32);
  memset(secret, 0x55, 32);
  sr_note_t notes[2] = {{a, 3, 1}, {b, 0, 0}};
  const char *addrs[] = {"seurone://127.0.0.1:8708/00", "seurone://[::1]:9/11"};

  msgpack_sbuffer_init(&sb);
  T_OK(sr_frame_hello(&sb, "seurone/0.1.0", 1));
  T_OK(sr_frame_notes(&sb, notes, 2));
  T_OK(sr_frame_entry(&sb, (const uint8_t *)"\x01\x02\x03", 3, 7));
  T_OK(sr_frame_have(&sb, a, 42));
  T_OK(sr_frame_peers(&sb, addrs, 2));
  T_OK(sr_frame_invite(&sb, secret));
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
      T_MEMEQ(f->notes[0].author, a, 32);
      T_EQ(f->notes[0].seq, 3);
      T_EQ(f->notes[0].eager, 1);
      T_EQ(f->notes[1].eager, 0);
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
      T_MEMEQ(f->secret, secret, 32);
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
  big[0] = 0x93; big[1] = 0x03; big[2] = 0xc6; big[3] = 0x40; big[4] = 0; big[5] = 0; big[6] = 0;
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
  badnote[6 + 32] = 0xc3;
  T_EQ(sr_frame_decode(badnote, 6 + 33, f), SR_EFRAME);
  const uint8_t scalar[] = {0x05};
  T_EQ(sr_frame_decode(scalar, 1, f), SR_EFRAME);
  /* an unknown kind decodes (ignored by receivers) */
  const uint8_t future[] = {0x92, 0x63, 0xc0};
  T_OK(sr_frame_decode(future, sizeof(future), f));
  T_EQ(f->kind, 99);
  free(f);
}

int main(void) {
  T_RUN(roundtrip_every_kind);
  T_RUN(incomplete_oversized_and_bad);
  T_RUN(reachable_frame);
  printf("test_frame: %d checks passed\n", t_checks);
  return 0;
}
