/* logline.h: one log event per line, as logfmt fields.
 *
 * Every layer writes the body of a line as fields: `level=warn event=session_drop
 * peer=0123456789abcdef reason=SR_ERATE msg="dropping ..."`, always level first,
 * then event, then what the event has, msg last (the sentence for people). The
 * node puts `ts=...` in front and writes it (logfmt), or turns the same fields
 * into one JSON object (`seurone run --json-log`): sr_logline_parse reads them back.
 * docs/monitoring.md lists the events and their fields.
 *
 * A value is written bare when it is a plain token, else in double quotes with
 * \" \\ \n \r \t and \xNN for other control bytes, so a line never carries a
 * raw control character and never breaks in two, whatever a peer sent.
 *
 * Pure: no clock, no I/O.
 */
#ifndef SR_LOGLINE_H
#define SR_LOGLINE_H
#include "core/err.h"
#include <stddef.h>

enum sr_log_level { SR_LOG_DEBUG = 0, SR_LOG_INFO, SR_LOG_WARN, SR_LOG_ERROR };

/* "debug", "info", "warn", "error" ("info" for anything else). */
const char *sr_log_level_name(int level);

/* The longest body a layer builds (longer values are cut, the line stays whole). */
#define SR_LOGLINE_MAX 1024

/* Starts buf (cap bytes) with "level=L event=E". */
void sr_logline_start(char *buf, size_t cap, int level, const char *event);
/* Appends " key=value" to the NUL-terminated buf, quoting value as needed; a
 * value that does not fit is cut (its quote closed). NULL value: nothing added. */
void sr_logline_add(char *buf, size_t cap, const char *key, const char *value);
/* The same with a printf-style value. */
void sr_logline_addf(char *buf, size_t cap, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Calls fn for each key=value of line, in order, the value unquoted (into
 * scratch, cap bytes: a value longer is cut). Returns 0, or fn's first non-zero
 * return. Text that is not key=value is skipped. */
typedef int (*sr_logline_pair_fn)(void *ctx, const char *key, size_t klen, const char *value, size_t vlen);
SR_MUST_USE int sr_logline_parse(const char *line, char *scratch, size_t cap, sr_logline_pair_fn fn, void *ctx);

#endif
