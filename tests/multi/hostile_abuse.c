/* hostile_abuse.c (part of hostile_peer): misbehaviours of issue 15's list not
 * covered by the other families — frames whose bytes are valid MessagePack but
 * not its one canonical encoding (--noncanon), entries that are signed wrong,
 * fork a log or belong to nobody the node replicates (--bad-sig, --fork,
 * --forged-fork, --foreign), and a frame sent one byte at a time, slower than
 * anything a node would call stalled by its byte count (--trickle,
 * --trickle-raw). */
#include "tests/multi/hostile_peer.h"
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/entry.h"
#include "core/err.h"

int send_noncanon(msgpack_sbuffer *sb, int variant) {
  /* Each says what a canonical encoder writes in fewer bytes: a node that read
   * them would accept two encodings of one frame (and of one entry id). */
  static const uint8_t ping_uint8[] = {0x91, 0xcc, 0x08};         /* [8] with 8 as uint8 */
  static const uint8_t ping_array16[] = {0xdc, 0x00, 0x01, 0x08}; /* [8] in an array16 */
  uint8_t buf[64]; /* size: the longest frame here, a have (37 bytes) with one byte more */
  size_t len;
  int ok;
  if (variant == 0) {
    memcpy(buf, ping_uint8, len = sizeof ping_uint8);
  } else if (variant == 1) {
    memcpy(buf, ping_array16, len = sizeof ping_array16);
  } else {
    /* a have [4, author, 1] whose 32-byte author is a bin16 (bin8 is canonical) */
    uint8_t author[SR_KEY_BYTES];
    randombytes_buf(author, sizeof author);
    if ((ok = sr_frame_have(sb, author, 1))) return ok;
    if (sb->size + 1 > sizeof buf || (uint8_t)sb->data[2] != 0xc4) {
      msgpack_sbuffer_clear(sb);
      return -1;
    }
    buf[0] = (uint8_t)sb->data[0], buf[1] = (uint8_t)sb->data[1];
    buf[2] = 0xc5, buf[3] = 0x00;
    memcpy(buf + 4, sb->data + 3, sb->size - 3);
    len = sb->size + 1;
    msgpack_sbuffer_clear(sb);
  }
  ok = send_boxed(buf, len);
  if (ok == 0) sent_frames++;
  printf("sent a non-canonical frame (variant %d, %zu bytes)\n", variant, len);
  return ok;
}

/* One entry of the log of sk at seq (prev: the id before it, or NULL), an about
 * entry naming name, into raw. */
static int make_entry(const uint8_t *sk, uint64_t seq, const uint8_t *prev, const char *name, uint8_t *raw,
                      size_t *rlen) {
  uint8_t about[40];
  size_t nl = strlen(name);
  sr_entry_t e;
  if (nl > 31) return -1;
  about[0] = 0x81, about[1] = 0xa4, memcpy(about + 2, "name", 4);
  about[6] = (uint8_t)(0xa0 | nl);
  memcpy(about + 7, name, nl);
  int rc =
      sr_entry_create(sk, seq, prev, (uint64_t)time(NULL) * 1000, "about", about, 7 + nl, raw, SR_ENTRY_MAX, rlen, &e);
  if (rc) printf("cannot build an entry: %s\n", sr_errname(rc));
  return rc;
}

static int send_frame_of(msgpack_sbuffer *sb, int fork, const uint8_t *raw, size_t len) {
  int ok = fork ? sr_frame_fork(sb, raw, len) : sr_frame_entry(sb, raw, len, 0);
  if (ok == 0) ok = send_boxed((const uint8_t *)sb->data, sb->size);
  if (ok == 0) sent_frames++;
  msgpack_sbuffer_clear(sb);
  return ok;
}

int send_entries(msgpack_sbuffer *sb, const uint8_t *sk, int kind, unsigned long long count) {
  static uint8_t raw[SR_ENTRY_MAX], raw2[SR_ENTRY_MAX];
  size_t rlen = 0, rlen2 = 0;
  unsigned long long sent = 0;
  uint8_t prev[SR_ID_BYTES];
  int ok = 0;
  switch (kind) {
    case ENTRIES_BAD_SIG:
      /* our log seq 1..count, each with the last byte of its signature flipped */
      for (unsigned long long s = 1; s <= count && ok == 0; s++) {
        if ((ok = make_entry(sk, s, s > 1 ? prev : NULL, "forged", raw, &rlen))) break;
        sr_entry_id(raw, rlen, prev);
        raw[rlen - 1] ^= 0x01;
        if ((ok = send_frame_of(sb, 0, raw, rlen)) == 0) sent++;
      }
      printf("sent %llu entries of our log with a broken signature\n", sent);
      break;
    case ENTRIES_FORK: {
      /* our seq 1, a branch of its own (count names it): two sessions with two
       * branches are a fork, which a node finds only across sessions (one
       * session's second seq 1 is taken for a resend) */
      char name[32]; /* size: make_entry takes names up to 31 bytes */
      snprintf(name, sizeof name, "branch %llu", count);
      ok = make_entry(sk, 1, NULL, name, raw, &rlen);
      if (ok == 0) ok = send_frame_of(sb, 0, raw, rlen);
      printf("sent seq 1 of our log, \"%s\"\n", name);
      break;
    }
    case ENTRIES_FORGED_FORK:
      /* a fork proof of our log whose second entry's signature is broken */
      ok = make_entry(sk, 1, NULL, "branch a", raw, &rlen);
      if (ok == 0) ok = make_entry(sk, 1, NULL, "branch b", raw2, &rlen2);
      raw2[rlen2 - 1] ^= 0x01;
      if (ok == 0) ok = send_frame_of(sb, 1, raw, rlen);
      if (ok == 0) ok = send_frame_of(sb, 1, raw2, rlen2);
      printf("sent a forged fork proof of our log\n");
      break;
    case ENTRIES_FOREIGN:
      /* count valid seq 1 entries, each of a fresh author nobody follows */
      for (sent = 0; sent < count && ok == 0; sent++) {
        uint8_t fpk[SR_KEY_BYTES], fsk[SR_SECRET_BYTES];
        crypto_sign_keypair(fpk, fsk);
        ok = make_entry(fsk, 1, NULL, "stranger", raw, &rlen);
        sodium_memzero(fsk, sizeof fsk);
        if (ok == 0) ok = send_frame_of(sb, 0, raw, rlen);
        if (ok) break;
      }
      printf("sent %llu valid entries of %llu authors outside the scope\n", sent, sent);
      break;
    default:
      return -1;
  }
  return ok;
}

int send_trickle(int raw, int every_ms, int wait_ms) {
  /* An entry frame whose bin claims 16,000 bytes: it never completes while
   * the trickle lasts. Boxed, each byte is a box of its own (a message the
   * node decrypts); raw, the boxed frame goes out one byte of ciphertext at a
   * time (the node never gets a whole box). */
  static uint8_t frame[16010], wire[1 << 15];
  size_t flen = 0, wlen = 0, pos = 0;
  double end = now_ms() + wait_ms;
  frame[flen++] = 0x93, frame[flen++] = 0x03, frame[flen++] = 0xc5, frame[flen++] = 0x3e, frame[flen++] = 0x80;
  memset(frame + flen, 0x55, 16000);
  flen += 16000;
  if (raw && sr_box_writer_seal(&writer, frame, 4096, wire, sizeof wire, &wlen) != 0) return -1;
  while (!closed && now_ms() < end && pos < (raw ? wlen : flen)) {
    int ok = raw ? send_all(wire + pos, 1) : send_boxed(frame + pos, 1);
    if (ok) break;
    pos++;
    double due = now_ms() + every_ms;
    while (!closed && now_ms() < due) {
      struct pollfd pf = {.fd = fd, .events = POLLIN};
      int left = (int)(due - now_ms());
      if (poll(&pf, 1, left > 0 ? left : 0) > 0) read_some();
    }
  }
  printf("trickled %zu bytes%s, one every %d ms\n", pos, raw ? " of ciphertext" : " in boxes of one byte", every_ms);
  return 0;
}
