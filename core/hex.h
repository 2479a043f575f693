/* hex.h: lowercase hex for keys and ids (docs/cli.md: machine output uses 64-char hex). */
#ifndef SR_HEX_H
#define SR_HEX_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL into out (capacity >= 2*len+1). */
void sr_hex_encode(const uint8_t *bin, size_t len, char *out);
/* Parses exactly 2*len hex digits (either case) from a NUL-terminated string into
 * bin. Returns 0, or SR_EINVAL when the string has another length or a non-hex digit. */
SR_MUST_USE int sr_hex_decode(const char *hex, uint8_t *bin, size_t len);
/* The same for the n bytes at hex (not NUL-terminated): n must be 2*len. */
SR_MUST_USE int sr_hex_decode_span(const char *hex, size_t n, uint8_t *bin, size_t len);
/* The value 0-15 of one hex digit (either case), or -1 when c is none. */
SR_MUST_USE int sr_hex_digit_value(char c);
/* 1 when all n bytes at s are hex digits (only lowercase ones when lower_only:
 * where a format fixes the case, e.g. addresses and invite codes), else 0. */
SR_MUST_USE int sr_hex_is_hex(const char *s, size_t n, int lower_only);

#endif
