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

int sr_hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int sr_hex_is_hex(const char *s, size_t n, int lower_only) {
  for (size_t i = 0; i < n; i++)
    if (sr_hex_digit_value(s[i]) < 0 || (lower_only && s[i] >= 'A' && s[i] <= 'F')) return 0;
  return 1;
}

int sr_hex_decode(const char *hex, uint8_t *bin, size_t len) {
  if (hex == NULL) return SR_EINVAL;
  return sr_hex_decode_span(hex, strlen(hex), bin, len);
}

int sr_hex_decode_span(const char *hex, size_t n, uint8_t *bin, size_t len) {
  if (hex == NULL || n != 2 * len) return SR_EINVAL;
  for (size_t i = 0; i < len; i++) {
    int hi = sr_hex_digit_value(hex[2 * i]), lo = sr_hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return SR_EINVAL;
    bin[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}
