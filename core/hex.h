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

#endif
