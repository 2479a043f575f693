/* num.c: strict decimal parsing; see num.h for why strtoul is not enough. */
#include "core/num.h"

size_t sr_num_digits(const char *s) {
  size_t n = 0;
  while (s[n] >= '0' && s[n] <= '9') n++;
  return n;
}

int sr_parse_u64_span(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  if (!s || n == 0) return SR_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return SR_EINVAL;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return SR_EINVAL; /* overflow: never clamp */
    v = v * 10 + d;
  }
  if (v < min || v > max) return SR_EINVAL;
  *out = v;
  return 0;
}

int sr_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
  if (!s) return SR_EINVAL;
  size_t n = 0;
  while (s[n]) n++;
  return sr_parse_u64_span(s, n, min, max, out);
}
