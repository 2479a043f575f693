/* hex.c: hex encoding; decoding is strict about length so a key never half-parses. */
#include "core/hex.h"
#include "core/err.h"
#include <string.h>

void sr_hex_encode(const uint8_t *bin, size_t len, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[bin[i] >> 4];
    out[2 * i + 1] = digits[bin[i] & 15];
  }
  out[2 * len] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int sr_hex_decode(const char *hex, uint8_t *bin, size_t len) {
  if (hex == NULL || strlen(hex) != 2 * len) return SR_EINVAL;
  for (size_t i = 0; i < len; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return SR_EINVAL;
    bin[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}
