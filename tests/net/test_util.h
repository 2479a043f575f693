/* test_util.h: tiny helpers shared by the tests/net programs (hex, exact
 * reads/writes on file descriptors, a CHECK macro that fails the test). */
#ifndef SR_TEST_NET_UTIL_H
#define SR_TEST_NET_UTIL_H

#include "core/hex.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                                         \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

/* core/hex under the names these programs use: exactly 2n hex digits. */
static inline int tu_unhex(const char *hex, uint8_t *out, size_t n) { return sr_hex_decode(hex, out, n) ? -1 : 0; }

static inline void tu_hex(const uint8_t *in, size_t n, char *out) { sr_hex_encode(in, n, out); }

/* Read exactly n bytes; 0 on success, -1 on EOF or error. */
static inline int tu_read_exact(int fd, uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static inline int tu_write_all(int fd, const uint8_t *buf, size_t n) {
  size_t put = 0;
  while (put < n) {
    ssize_t r = write(fd, buf + put, n - put);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    put += (size_t)r;
  }
  return 0;
}

#endif
