/* hostile_bytes.c (part of hostile_peer): misbehaviours that send bytes that
 * are no frames — --garbage (random bytes in valid boxes), --raw-garbage (the
 * same straight on the socket) and --huge (an entry frame whose header claims
 * 1 GiB). */
#include "tests/multi/hostile_peer.h"
#include <stdio.h>
#include <string.h>

int send_garbage(int raw, unsigned long long count, uint64_t rng) {
  uint8_t chunk[4096];
  unsigned long long left = count;
  int ok = 0;
  while (left > 0 && ok == 0) {
    size_t n = left < sizeof chunk ? (size_t)left : sizeof chunk;
    for (size_t k = 0; k < n; k++) {
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
      chunk[k] = (uint8_t)(rng >> 24);
    }
    /* 0xc1 is never valid MessagePack: the first garbage byte makes the
     * stream undecodable at once rather than, by chance, the start of a
     * long but well-formed value. */
    if (left == count) chunk[0] = 0xc1;
    ok = raw ? send_all(chunk, n) : send_boxed(chunk, n);
    left -= n;
  }
  printf("sent %llu garbage bytes%s\n", count - left, raw ? " outside Box Stream" : " in boxes");
  return ok;
}

int send_huge(void) {
  /* [3, bin32 claiming 1 GiB, ...]: the header, then filler (up to 1 MiB)
   * until the node hangs up. A node that trusts the header would try to
   * buffer 1 GiB; one that looks only at what arrived must give up once
   * more than a frame's maximum (17,408 bytes) is buffered. */
  uint8_t big[4096];
  int ok = 0;
  memset(big, 0x55, sizeof big);
  big[0] = 0x93;
  big[1] = 0x03;
  big[2] = 0xc6;
  big[3] = 0x40, big[4] = 0x00, big[5] = 0x00, big[6] = 0x00;
  size_t total = 0;
  while (ok == 0 && total < (1u << 20)) {
    ok = send_boxed(big, sizeof big);
    if (ok == 0) total += sizeof big;
    big[0] = big[1] = big[2] = big[3] = big[4] = big[5] = big[6] = 0x55;
  }
  printf("sent an entry frame claiming a 1 GiB bin: %zu bytes of it\n", total);
  return ok;
}
