/* num.h: strict parsing of whole numbers from text (command lines, config, environment).
 * strtoul and atoi accept "10x", " 10", "+10", "-1" (as a huge number) and silently
 * clamp on overflow; every number a person types goes through here instead. */
#ifndef SR_NUM_H
#define SR_NUM_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* Parses the n bytes at s as a decimal whole number in [min, max] into *out.
 * Only the digits 0-9: no sign, no space, no suffix, not empty. Returns 0, or
 * SR_EINVAL (not a number, or out of range, overflow included); *out is untouched
 * on failure. */
SR_MUST_USE int sr_parse_u64_span(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out);
/* The same for a NUL-terminated string (NULL is SR_EINVAL). */
SR_MUST_USE int sr_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The length of the run of decimal digits at the start of s: where a number with a
 * suffix ("64MiB") ends, to parse the digits with sr_parse_u64_span. */
size_t sr_num_digits(const char *s);

#endif
