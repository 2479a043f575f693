/* hostile_frames.c (part of hostile_peer): misbehaviours in well-formed
 * frames — a flood of pings, of peers frames with made-up addresses, of notes
 * for random authors; one entry resent again and again; asking for authors
 * with a claim to hold more; announcing an address that may be a lie; frames
 * a test built itself (fork proofs, forged or not), again and again. */
#include "tests/multi/hostile_peer.h"
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/entry.h"
#include "core/err.h"
#include "core/hex.h"

int send_ping_flood(unsigned long long count) {
  /* Many pings per box: the node's frame counter is what is being tested. */
  uint8_t pings[4096];
  int ok = 0;
  for (size_t k = 0; k + 1 < sizeof pings; k += 2) pings[k] = 0x91, pings[k + 1] = 0x08;
  unsigned long long left = count;
  while (left > 0 && ok == 0) {
    size_t n = left < 512 ? (size_t)left : 512; /* 512 pings = 1 KiB per box */
    ok = send_boxed(pings, n * 2);
    if (ok == 0) sent_frames += n, left -= n;
  }
  printf("sent %llu of %llu ping frames\n", count - left, count);
  return ok;
}

/* count peers frames of made-up addresses, then a clean goodbye. */
int send_peers_flood(msgpack_sbuffer *sb, unsigned long long count, uint64_t rng) {
  static char addrs[SR_FRAME_MAX_PEERS][SR_NET_ADDRESS_MAX];
  const char *ptrs[SR_FRAME_MAX_PEERS];
  unsigned long long f;
  int ok = 0;
  for (f = 0; f < count && ok == 0; f++) {
    for (size_t k = 0; k < SR_FRAME_MAX_PEERS; k++) {
      uint8_t key[SR_KEY_BYTES];
      for (size_t b = 0; b < sizeof key; b++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        key[b] = (uint8_t)(rng >> 24);
      }
      if (ok == 0) ok = sr_net_address_format("127.0.0.1", (uint16_t)(1 + rng % 1000), key, addrs[k], sizeof addrs[k]);
      ptrs[k] = addrs[k];
    }
    if (ok == 0) ok = sr_frame_peers(sb, ptrs, SR_FRAME_MAX_PEERS);
    if (ok == 0) ok = send_boxed((const uint8_t *)sb->data, sb->size);
    if (ok == 0) sent_frames++;
    msgpack_sbuffer_clear(sb);
  }
  printf("sent %llu peers frames of %d made-up addresses\n", f, SR_FRAME_MAX_PEERS);
  if (ok) return ok;
  return send_goodbye();
}

int send_notes_flood(msgpack_sbuffer *sb, unsigned long long seconds, unsigned long long rate, uint64_t rng) {
  /* Notes for random authors, paced to --rate frames per second: what
   * the node keeps per session for them is what is being measured. */
  static uint8_t authors[SR_FRAME_MAX_NOTES][SR_KEY_BYTES];
  sr_note_t notes[SR_FRAME_MAX_NOTES];
  double start = now_ms(), end = start + (double)seconds * 1000.0;
  unsigned long long frames = 0;
  int ok = 0;
  while (ok == 0 && now_ms() < end) {
    double due = start + (double)frames * 1000.0 / (double)rate;
    while (now_ms() < due && !closed) {
      struct pollfd pf = {.fd = fd, .events = POLLIN};
      int wait = (int)(due - now_ms());
      if (poll(&pf, 1, wait > 0 ? wait : 0) > 0) read_some();
    }
    if (closed) break;
    randombytes_buf(authors, sizeof authors);
    for (size_t k = 0; k < SR_FRAME_MAX_NOTES; k++) {
      notes[k].author = authors[k];
      notes[k].seq = 0;
      notes[k].eager = 1;
      notes[k].head = NULL;
    }
    ok = sr_frame_notes(sb, notes, SR_FRAME_MAX_NOTES);
    randombytes_buf(authors[0], SR_KEY_BYTES);
    if (ok == 0) ok = sr_frame_have(sb, authors[0], 1 + (rng++ % 1000));
    if (ok == 0) ok = send_boxed((const uint8_t *)sb->data, sb->size);
    msgpack_sbuffer_clear(sb);
    if (ok == 0) sent_frames += 2, frames++;
  }
  printf("sent %llu notes frames (%llu notes for random authors) and %llu have frames\n", frames,
         frames * SR_FRAME_MAX_NOTES, frames);
  return ok;
}

/* sk: our secret key, whose log's seq 1 is resent. */
int send_resend(msgpack_sbuffer *sb, const uint8_t *sk, unsigned long long count) {
  /* One valid entry of our own log, again and again: a node must see
   * that it is a duplicate before checking its signature, and drop us. */
  static const uint8_t about[] = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa7, 'h', 'o', 's', 't', 'i', 'l', 'e'};
  uint8_t raw[SR_ENTRY_MAX];
  size_t rlen = 0;
  sr_entry_t e;
  int ok = 0, rc;
  rc = sr_entry_create(sk, 1, NULL, (uint64_t)time(NULL) * 1000, "about", about, sizeof about, raw, sizeof raw, &rlen,
                       &e);
  if (rc) {
    printf("cannot build an entry: %s\n", sr_errname(rc));
    return rc;
  }
  if ((rc = sr_frame_entry(sb, raw, rlen, 0))) {
    printf("cannot build an entry frame: %s\n", sr_errname(rc));
    return rc;
  }
  /* Many copies per box, as a fast sender's stream would carry them. */
  static uint8_t many[1 << 15];
  size_t fsize = sb->size, per = sizeof many / fsize;
  unsigned long long sent = 0;
  for (size_t k = 0; k < per; k++) memcpy(many + k * fsize, sb->data, fsize);
  msgpack_sbuffer_clear(sb);
  while (ok == 0 && sent < count) {
    size_t n = count - sent < per ? (size_t)(count - sent) : per;
    ok = send_boxed(many, n * fsize);
    if (ok == 0) sent += n, sent_frames += n;
  }
  printf("sent entry seq 1 %llu of %llu times\n", sent, count);
  return ok;
}

/* A note and a have (a claim to hold a million entries) for each author of ask (HEX[,HEX...]). */
int send_ask(msgpack_sbuffer *sb, const char *ask) {
  sr_note_t notes[SR_FRAME_MAX_NOTES];
  static uint8_t authors[SR_FRAME_MAX_NOTES][SR_KEY_BYTES];
  size_t n = 0;
  int ok;
  memset(notes, 0, sizeof notes); /* an empty --ask sends none; the compiler cannot tell */
  for (const char *q = ask; *q && n < SR_FRAME_MAX_NOTES;) {
    char one[SR_HEX_KEY_LEN + 1];
    snprintf(one, sizeof one, "%.64s", q);
    if (strlen(one) < SR_HEX_KEY_LEN || sr_hex_decode(one, authors[n], SR_KEY_BYTES) != 0) {
      fprintf(stderr, "hostile_peer: bad --ask (HEX[,HEX...])\n");
      return ASK_USAGE;
    }
    notes[n].author = authors[n];
    notes[n].seq = 0;
    notes[n].eager = 1;
    n++;
    q += SR_HEX_KEY_LEN;
    if (*q == ',') q++;
  }
  ok = sr_frame_notes(sb, notes, n);
  for (size_t k = 0; k < n && ok == 0; k++) ok = sr_frame_have(sb, authors[k], 1000000);
  if (ok == 0) ok = send_boxed((const uint8_t *)sb->data, sb->size);
  msgpack_sbuffer_clear(sb);
  if (ok == 0) sent_frames += 1 + n;
  printf("asked for %zu authors (a note and a have each)\n", n);
  return ok;
}

/* A reachable frame [10, announce], then a clean goodbye, as --hello-only. */
int send_announce(msgpack_sbuffer *sb, const char *announce) {
  int ok = sr_frame_reachable(sb, announce);
  if (ok == 0) ok = send_boxed((const uint8_t *)sb->data, sb->size);
  if (ok == 0) sent_frames++;
  msgpack_sbuffer_clear(sb);
  printf("sent reachable %s\n", announce);
  if (ok) return ok;
  return send_goodbye();
}

/* The frames of path (whole frames a test wrote, e.g. fork proofs), repeat
 * times over, as fast as the socket takes them. */
int send_file(const char *path, unsigned long long repeat) {
  static uint8_t buf[1 << 20];
  FILE *f = fopen(path, "rb");
  size_t n, frames = 0, off = 0;
  int ok = 0;
  if (!f) {
    fprintf(stderr, "hostile_peer: cannot open %s\n", path);
    return SEND_FILE_USAGE;
  }
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  while (off < n) { /* counted as the node will cut them */
    size_t len;
    if (sr_frame_next(buf + off, n - off, &len) != 0) {
      fprintf(stderr, "hostile_peer: %s does not hold whole frames (at byte %zu)\n", path, off);
      return SEND_FILE_USAGE;
    }
    off += len;
    frames++;
  }
  unsigned long long r;
  for (r = 0; r < repeat && ok == 0; r++) {
    for (off = 0; off < n && ok == 0; off += 32768) ok = send_boxed(buf + off, n - off < 32768 ? n - off : 32768);
    if (ok == 0) sent_frames += frames;
  }
  printf("sent the %zu frames of %s %llu of %llu times\n", frames, path, r - (ok != 0), repeat);
  return ok;
}
