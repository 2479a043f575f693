/* canon.h: canonical MessagePack (docs/format.md).
 *
 * Canonical means exactly one byte string per value: integers in their shortest
 * encoding (non-negative values always in the unsigned family), lengths in their
 * shortest header, map keys strings sorted bytewise and unique, strings valid UTF-8,
 * no floats, no ext types, bounded nesting. Because every value has one encoding,
 * every entry has exactly one id.
 *
 * Three parts:
 *  - sr_canon_check(): the gate. It accepts a byte string only if it is one
 *    canonical value and nothing else, and says which rule the bytes broke.
 *  - sr_mp_*: a small cursor that reads values out of bytes that already passed
 *    the check (no allocation, pointers into the caller's buffer).
 *  - sr_canon_encode(): turns a msgpack-c object tree into canonical bytes
 *    (sorting map keys), so a writer can never emit a non-canonical entry.
 */
#ifndef SR_CANON_H
#define SR_CANON_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>

/* Depth as docs/format.md counts it: the outermost container is depth 1. */
#define SR_CANON_MAX_DEPTH 8

/* Checks that buf[0..len) is exactly one canonical value whose containers nest at
 * most max_depth deep (the top-level container is depth 1). Returns 0 or one of
 * SR_ETRUNC, SR_ETRAILING, SR_ENONSHORT, SR_ESIGNED, SR_EKEYORDER, SR_EKEYDUP,
 * SR_EKEYTYPE, SR_EUTF8, SR_EFLOAT, SR_EEXT, SR_EDEPTH, SR_ENEVERUSED.
 * If err_off is not NULL it receives the offset of the offending byte. */
SR_MUST_USE int sr_canon_check(const uint8_t *buf, size_t len, int max_depth, size_t *err_off);

/* Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). */
int sr_utf8_valid(const uint8_t *s, size_t len);

/* Encodes obj canonically onto pk. Map keys are sorted; a float, ext, non-string
 * or duplicate key, invalid UTF-8 or a tree deeper than max_depth is refused
 * with the same codes as sr_canon_check. Nothing is written on error only if the
 * caller discards the buffer; check the return. */
SR_MUST_USE int sr_canon_encode(msgpack_packer *pk, const msgpack_object *obj, int max_depth);

/* The cursor over checked canonical bytes. Each reader consumes one value of the
 * named type and returns 0, or SR_EINVAL (cursor unchanged) when the next value
 * has another type, or SR_ETRUNC at the end. Returned pointers point into the
 * buffer the cursor was made over and live as long as it does. */
typedef struct sr_mp {
  const uint8_t *p;
  const uint8_t *end;
} sr_mp_t;

enum sr_mp_kind {
  SR_MP_END = 0,
  SR_MP_NIL,
  SR_MP_BOOL,
  SR_MP_UINT,
  SR_MP_INT,
  SR_MP_STR,
  SR_MP_BIN,
  SR_MP_ARRAY,
  SR_MP_MAP,
  SR_MP_OTHER
};

void sr_mp_init(sr_mp_t *mp, const uint8_t *buf, size_t len);
enum sr_mp_kind sr_mp_peek(const sr_mp_t *mp);
SR_MUST_USE int sr_mp_array(sr_mp_t *mp, uint32_t *n);
SR_MUST_USE int sr_mp_map(sr_mp_t *mp, uint32_t *n);
SR_MUST_USE int sr_mp_str(sr_mp_t *mp, const char **s, uint32_t *len);
SR_MUST_USE int sr_mp_bin(sr_mp_t *mp, const uint8_t **b, uint32_t *len);
SR_MUST_USE int sr_mp_uint(sr_mp_t *mp, uint64_t *v);
SR_MUST_USE int sr_mp_nil(sr_mp_t *mp);
/* Skips one whole value (containers included). */
SR_MUST_USE int sr_mp_skip(sr_mp_t *mp);

#endif
