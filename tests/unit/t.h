/* t.h: the unit tests' tiny harness — checks that print file:line and fail the
 * process, plus builders for keys, content maps and entries (valid or not).
 *
 * A test program is a main() calling T_RUN(test_fn) for each test; the first
 * failed check exits with status 1. Helpers allocate with malloc and abort on
 * out-of-memory: a test has nothing better to do.
 */
#ifndef SR_TEST_T_H
#define SR_TEST_T_H
#include "core/core.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int t_checks;
void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

#define T_CHECK(cond)                                                                                                  \
  do {                                                                                                                 \
    t_checks++;                                                                                                        \
    if (!(cond)) t_fail(__FILE__, __LINE__, "check failed: %s", #cond);                                                \
  } while (0)

/* Integer equality; negative values are also printed as SR_E* names. */
#define T_EQ(a, b)                                                                                                     \
  do {                                                                                                                 \
    long long a_ = (long long)(a), b_ = (long long)(b);                                                                \
    t_checks++;                                                                                                        \
    if (a_ != b_)                                                                                                      \
      t_fail(__FILE__, __LINE__, "%s == %s: got %lld (%s), want %lld (%s)", #a, #b, a_, t_name(a_), b_, t_name(b_));   \
  } while (0)

#define T_OK(expr) T_EQ((expr), 0)
#define T_MEMEQ(a, b, n) T_CHECK(memcmp((a), (b), (n)) == 0)
/* s contains the substring sub. */
#define T_HAS(s, sub)                                                                                                  \
  do {                                                                                                                 \
    t_checks++;                                                                                                        \
    if (!strstr((s), (sub))) t_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", (s), (sub));                 \
  } while (0)

#define T_RUN(fn)                                                                                                      \
  do {                                                                                                                 \
    fprintf(stderr, "-- %s\n", #fn);                                                                                   \
    fn();                                                                                                              \
  } while (0)

const char *t_name(long long code);

/* Deterministic identities: the same seed byte gives the same key pair. */
typedef struct t_author {
  uint8_t pk[SR_KEY_BYTES];
  uint8_t sk[SR_SECRET_BYTES];
  uint64_t seq;              /* seq of the last entry made by t_next */
  uint8_t head[SR_ID_BYTES]; /* its id */
} t_author_t;
void t_author_init(t_author_t *a, uint8_t seed_byte);

/* One encoded entry, owned (free with t_entry_free). */
typedef struct t_entry {
  uint8_t *raw;
  size_t len;
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
} t_entry_t;
void t_entry_free(t_entry_t *e);

/* A byte buffer growing on demand; bytes written by the t_mp_* packers. */
typedef struct t_buf {
  msgpack_sbuffer sb;
  msgpack_packer pk;
} t_buf_t;
void t_buf_init(t_buf_t *b);
void t_buf_free(t_buf_t *b);
#define T_DATA(b) ((const uint8_t *)(b)->sb.data)
#define T_SIZE(b) ((b)->sb.size)
void t_mp_str(t_buf_t *b, const char *s);
void t_mp_bin(t_buf_t *b, const uint8_t *p, size_t n);
void t_mp_map(t_buf_t *b, uint32_t n);
void t_mp_array(t_buf_t *b, uint32_t n);
void t_mp_uint(t_buf_t *b, uint64_t v);
void t_mp_raw(t_buf_t *b, const void *p, size_t n);

/* Content maps of the version-1 types, canonical (keys in order); absent
 * optional fields are NULL. The buffer is initialised by the call. */
void t_about(t_buf_t *b, const char *name);
void t_contact(t_buf_t *b, const uint8_t who[SR_KEY_BYTES], const char *state);
void t_project(t_buf_t *b, const char *name);
void t_membership(t_buf_t *b, const uint8_t project[SR_ID_BYTES], const char *role);
void t_share(t_buf_t *b, const char *text, const uint8_t *project, const uint8_t *reshare);

/* Makes a's next entry (seq+1, prev = head) with sr_entry_create and advances a. */
t_entry_t t_next(t_author_t *a, uint64_t ts, const char *type, const t_buf_t *content);
/* The same without advancing a (for forks): seq and prev given. */
t_entry_t t_make(const t_author_t *a, uint64_t seq, const uint8_t *prev, uint64_t ts, const char *type,
                 const t_buf_t *content);

/* Builds and signs an entry with no validation at all: any version, seq, type
 * bytes, prev (NULL: nil) and content bytes. The outer layer is canonical. */
t_entry_t t_forge(const t_author_t *a, uint64_t version, uint64_t seq, const uint8_t *prev, uint64_t ts,
                  const char *type, size_t type_len, const uint8_t *content, size_t content_len);
/* Wraps body bytes as [bin body, bin sig] signed by a. */
t_entry_t t_wrap_body(const t_author_t *a, const uint8_t *body, size_t body_len);

/* The bit pattern of a double: exact comparisons, hex for a mirror to replay. */
uint64_t t_bits(double d);

/* A temporary directory under /tmp and its recursive removal. */
void t_tmpdir(char out[256]);
void t_rmdir(const char *dir);

#endif
