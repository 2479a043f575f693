/* t.c: the unit-test harness and entry builders (see t.h). */
#include "tests/unit/t.h"
#include <ftw.h>
#include <stdarg.h>
#include <unistd.h>

int t_checks;

void t_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nFAILED after %d checks\n", t_checks);
  exit(1);
}

const char *t_name(long long code) {
  if (code >= 0 || code < -1000) return "";
  return sr_errname((int)code);
}

static void *t_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    abort();
  }
  return p;
}

void t_author_init(t_author_t *a, uint8_t seed_byte) {
  uint8_t seed[crypto_sign_SEEDBYTES];
  memset(a, 0, sizeof(*a));
  memset(seed, seed_byte, sizeof(seed));
  if (sodium_init() < 0 || crypto_sign_seed_keypair(a->pk, a->sk, seed) != 0) t_fail(__FILE__, __LINE__, "keypair");
}

void t_entry_free(t_entry_t *e) {
  free(e->raw);
  e->raw = NULL;
  e->len = 0;
}

void t_buf_init(t_buf_t *b) {
  msgpack_sbuffer_init(&b->sb);
  msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
}
void t_buf_free(t_buf_t *b) { msgpack_sbuffer_destroy(&b->sb); }

#define PK(call)                                                                                                       \
  do {                                                                                                                 \
    if (call) t_fail(__FILE__, __LINE__, "msgpack packer: %s", #call);                                                 \
  } while (0)

void t_mp_str(t_buf_t *b, const char *s) {
  size_t n = strlen(s);
  PK(msgpack_pack_str(&b->pk, n));
  PK(msgpack_pack_str_body(&b->pk, s, n));
}
void t_mp_bin(t_buf_t *b, const uint8_t *p, size_t n) {
  PK(msgpack_pack_bin(&b->pk, n));
  PK(msgpack_pack_bin_body(&b->pk, p, n));
}
void t_mp_map(t_buf_t *b, uint32_t n) { PK(msgpack_pack_map(&b->pk, n)); }
void t_mp_array(t_buf_t *b, uint32_t n) { PK(msgpack_pack_array(&b->pk, n)); }
void t_mp_uint(t_buf_t *b, uint64_t v) { PK(msgpack_pack_uint64(&b->pk, v)); }
void t_mp_raw(t_buf_t *b, const void *p, size_t n) { PK(msgpack_sbuffer_write(&b->sb, p, n)); }

void t_about(t_buf_t *b, const char *name) {
  t_buf_init(b);
  t_mp_map(b, 1);
  t_mp_str(b, "name");
  t_mp_str(b, name);
}

void t_contact(t_buf_t *b, const uint8_t who[SR_KEY_BYTES], const char *state) {
  t_buf_init(b);
  t_mp_map(b, 2);
  t_mp_str(b, "state");
  t_mp_str(b, state);
  t_mp_str(b, "who");
  t_mp_bin(b, who, SR_KEY_BYTES);
}

/* The same content as an about with a name alone: {name}. */
void t_project(t_buf_t *b, const char *name) { t_about(b, name); }

void t_membership(t_buf_t *b, const uint8_t project[SR_ID_BYTES], const char *role) {
  t_buf_init(b);
  t_mp_map(b, 2);
  t_mp_str(b, "project");
  t_mp_bin(b, project, SR_ID_BYTES);
  t_mp_str(b, "role");
  t_mp_str(b, role);
}

void t_share(t_buf_t *b, const char *text, const uint8_t *project, const uint8_t *reshare) {
  t_buf_init(b);
  t_mp_map(b, (text != NULL) + (project != NULL) + (reshare != NULL));
  if (project) {
    t_mp_str(b, "project");
    t_mp_bin(b, project, SR_ID_BYTES);
  }
  if (reshare) {
    t_mp_str(b, "reshare");
    t_mp_bin(b, reshare, SR_ID_BYTES);
  }
  if (text) {
    t_mp_str(b, "text");
    t_mp_str(b, text);
  }
}

t_entry_t t_make(const t_author_t *a, uint64_t seq, const uint8_t *prev, uint64_t ts, const char *type,
                 const t_buf_t *content) {
  t_entry_t out = {0};
  sr_entry_t e;
  uint8_t *buf = t_alloc(SR_ENTRY_MAX);
  int rc =
      sr_entry_create(a->sk, seq, prev, ts, type, T_DATA(content), T_SIZE(content), buf, SR_ENTRY_MAX, &out.len, &e);
  if (rc) t_fail(__FILE__, __LINE__, "sr_entry_create: %s", sr_errname(rc));
  out.raw = buf;
  out.seq = seq;
  memcpy(out.id, e.id, SR_ID_BYTES);
  return out;
}

t_entry_t t_next(t_author_t *a, uint64_t ts, const char *type, const t_buf_t *content) {
  t_entry_t out = t_make(a, a->seq + 1, a->seq ? a->head : NULL, ts, type, content);
  a->seq++;
  memcpy(a->head, out.id, SR_ID_BYTES);
  return out;
}

t_entry_t t_wrap_body(const t_author_t *a, const uint8_t *body, size_t body_len) {
  t_entry_t out = {0};
  t_buf_t b;
  uint8_t sig[SR_SIG_BYTES];
  crypto_sign_detached(sig, NULL, body, body_len, a->sk);
  t_buf_init(&b);
  t_mp_array(&b, 2);
  t_mp_bin(&b, body, body_len);
  t_mp_bin(&b, sig, SR_SIG_BYTES);
  out.len = T_SIZE(&b);
  out.raw = t_alloc(out.len);
  memcpy(out.raw, T_DATA(&b), out.len);
  sr_entry_id(out.raw, out.len, out.id);
  t_buf_free(&b);
  return out;
}

t_entry_t t_forge(const t_author_t *a, uint64_t version, uint64_t seq, const uint8_t *prev, uint64_t ts,
                  const char *type, size_t type_len, const uint8_t *content, size_t content_len) {
  t_buf_t body;
  t_entry_t out;
  t_buf_init(&body);
  t_mp_array(&body, 7);
  t_mp_uint(&body, version);
  t_mp_bin(&body, a->pk, SR_KEY_BYTES);
  t_mp_uint(&body, seq);
  if (prev) t_mp_bin(&body, prev, SR_ID_BYTES);
  else
    PK(msgpack_pack_nil(&body.pk));
  t_mp_uint(&body, ts);
  PK(msgpack_pack_str(&body.pk, type_len));
  PK(msgpack_pack_str_body(&body.pk, type, type_len));
  t_mp_raw(&body, content, content_len);
  out = t_wrap_body(a, T_DATA(&body), T_SIZE(&body));
  out.seq = seq;
  t_buf_free(&body);
  return out;
}

uint64_t t_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof(b));
  return b;
}

void t_tmpdir(char out[256]) {
  snprintf(out, 256, "/tmp/seurone-test-XXXXXX");
  if (!mkdtemp(out)) t_fail(__FILE__, __LINE__, "mkdtemp");
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void t_rmdir(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }
