/* util.c: helpers shared by the subcommands (see cli.h). */
#include "tools/cli/cli.h"
#include "core/clock.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* A message can quote what others sent (a relay's refusal, a bad line) or a
 * file name: escaped like every other text for the terminal (text.c). */
int cli_fail(int code, const char *fmt, ...) {
  va_list ap;
  char small[512], *msg = small;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL) {
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  if (!msg) msg = small; /* out of memory: the message cut */
  fputs("seurone: ", stderr);
  cli_text_put(stderr, msg, n < 0 ? 0 : msg == small && n >= (int)sizeof(small) ? sizeof(small) - 1 : (size_t)n);
  fputc('\n', stderr);
  if (msg != small) free(msg);
  return code;
}

int cli_is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_fail(SR_EXIT_USAGE, "%s needs a value", name);
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

sr_store_t *cli_open_store(sr_cli_t *cli, int create) {
  char path[4200], err[4600];
  sr_store_t *st = NULL;
  int rc;
  if ((rc = sr_home_check(cli->home, err, sizeof(err)))) {
    cli_fail(SR_EXIT_ENV, "%s", err);
    return NULL;
  }
  sr_home_store_path(cli->home, path, sizeof(path));
  rc = sr_home_store_open(cli->home, create, &st, err, sizeof(err));
  if (rc == SR_EPERM) cli_fail(SR_EXIT_ENV, "%s", err);
  else if (rc == SR_ENOSTORE)
    cli_fail(SR_EXIT_ENV, "no store in %s: run `seurone init` first (or pass --home DIR)", cli->home);
  else if (rc)
    cli_fail(SR_EXIT_ENV, "cannot open the store in %s: %s", path, err);
  return st;
}

uint8_t *cli_load_key(sr_cli_t *cli) {
  char err[4600];
  uint8_t *sk = sodium_malloc(SR_SECRET_BYTES);
  int rc;
  if (!sk) {
    cli_fail(SR_EXIT_ENV, "out of memory for the secret key");
    return NULL;
  }
  if ((rc = sr_identity_load(cli->home, sk, err, sizeof(err)))) {
    cli_fail(SR_EXIT_ENV, "%s", err);
    sodium_free(sk);
    return NULL;
  }
  return sk;
}

int cli_load_pk(sr_cli_t *cli, uint8_t pk[SR_KEY_BYTES]) {
  uint8_t *sk = cli_load_key(cli);
  if (!sk) return SR_ENOKEY;
  memcpy(pk, sk + SR_SECRET_PK_OFFSET, SR_KEY_BYTES);
  sodium_free(sk);
  return 0;
}

sr_store_t *cli_open_own_store(sr_cli_t *cli, const uint8_t pk[SR_KEY_BYTES]) {
  char err[4600];
  sr_store_t *st = cli_open_store(cli, 0);
  if (st && sr_identity_check_store(cli->home, st, pk, err, sizeof(err))) {
    cli_fail(SR_EXIT_ENV, "%s", err);
    sr_store_close(st);
    st = NULL;
  }
  return st;
}

/* UTF-8 as written: jansson holds only valid UTF-8 strings, and escapes the
 * controls itself, so nothing in a JSON output needs \uXXXX for non-ASCII. */
void cli_json_print(json_t *doc) {
  /* json_pack returns NULL for a string that is not UTF-8: say so, not "" */
  if (!doc) fputs("seurone: could not build the JSON output (a string that is not UTF-8?)\n", stderr);
  json_dumpf(doc, stdout, JSON_COMPACT);
  fputc('\n', stdout);
  json_decref(doc);
}

json_t *cli_json_text(const char *s) {
  json_t *j = json_string(s);
  if (!j) { /* not UTF-8 (a file name, say): its escaped form, which is */
    char *t = cli_text_cut(s, strlen(s), CLI_TEXT_WHOLE);
    j = json_string(t);
    free(t);
  }
  return j;
}

json_t *cli_json_hex(const uint8_t *b, size_t len) {
  char buf[2 * SR_ENTRY_MAX + 1];
  if (len > SR_ENTRY_MAX) return json_null();
  sr_hex_encode(b, len, buf);
  return json_string(buf);
}

/* mp passed sr_canon_check (cli_json_from_msgpack): a read that fails here is
 * not reached, and gives null as a value that is not canonical does. */
static json_t *from_mp(sr_mp_t *mp) {
  uint32_t n, len;
  const char *s;
  const uint8_t *b;
  uint64_t u;
  json_t *out;
  switch (sr_mp_peek(mp)) {
    case SR_MP_NIL:
      if (sr_mp_nil(mp)) { /* null either way */
      }
      return json_null();
    case SR_MP_BOOL:
      return json_boolean(*mp->p++ == 0xc3);
    case SR_MP_UINT:
      if (sr_mp_uint(mp, &u)) return json_null();
      if (u <= (uint64_t)INT64_MAX) return json_integer((json_int_t)u);
      {
        char num[24];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)u);
        return json_string(num);
      }
    case SR_MP_INT: {
      /* Negative ints: decode by hand (sr_mp reads unsigned only). */
      uint8_t t = *mp->p;
      int64_t v;
      if (t >= 0xe0) {
        v = (int8_t)t;
        mp->p++;
      } else {
        int bytes = 1 << (t - 0xd0);
        uint64_t raw = 0;
        for (int i = 1; i <= bytes; i++) raw = raw << 8 | mp->p[i];
        v = bytes == 1 ? (int8_t)raw : bytes == 2 ? (int16_t)raw : bytes == 4 ? (int32_t)raw : (int64_t)raw;
        mp->p += 1 + bytes;
      }
      return json_integer(v);
    }
    case SR_MP_STR:
      return sr_mp_str(mp, &s, &len) ? json_null() : json_stringn(s, len);
    case SR_MP_BIN:
      return sr_mp_bin(mp, &b, &len) ? json_null() : cli_json_hex(b, len);
    case SR_MP_ARRAY:
      if (sr_mp_array(mp, &n)) return json_null();
      out = json_array();
      for (uint32_t i = 0; i < n; i++) json_array_append_new(out, from_mp(mp));
      return out;
    case SR_MP_MAP:
      if (sr_mp_map(mp, &n)) return json_null();
      out = json_object();
      for (uint32_t i = 0; i < n; i++) {
        char key[SR_ENTRY_MAX + 1];
        if (sr_mp_str(mp, &s, &len)) { /* a key that is no string: canon_check refuses it */
          json_decref(out);
          return json_null();
        }
        memcpy(key, s, len);
        key[len] = '\0';
        json_object_set_new(out, key, from_mp(mp));
      }
      return out;
    default:
      if (sr_mp_skip(mp)) { /* null either way */
      }
      return json_null();
  }
}

json_t *cli_json_from_msgpack(const uint8_t *buf, size_t len) {
  sr_mp_t mp;
  if (sr_canon_check(buf, len, SR_CANON_MAX_DEPTH, NULL) != 0) return json_null();
  sr_mp_init(&mp, buf, len);
  return from_mp(&mp);
}

json_t *cli_json_entry(const sr_entry_t *e, const sr_flow_t *f) {
  json_t *o = json_object();
  json_object_set_new(o, "id", cli_json_hex(e->id, SR_ID_BYTES));
  json_object_set_new(o, "author", cli_json_hex(e->author, SR_KEY_BYTES));
  json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
  json_object_set_new(o, "prev", e->has_prev ? cli_json_hex(e->prev, SR_ID_BYTES) : json_null());
  json_object_set_new(o, "ts", json_integer((json_int_t)e->ts));
  json_object_set_new(o, "type", json_stringn(e->type, e->type_len));
  json_object_set_new(o, "content", cli_json_from_msgpack(e->content, e->content_len));
  if (f) {
    static const uint8_t zero[SR_KEY_BYTES];
    json_object_set_new(o, "received_at", json_integer((json_int_t)f->received_at));
    json_object_set_new(o, "source", json_string(sr_source_name(f->source)));
    json_object_set_new(o, "from",
                        memcmp(f->from, zero, SR_KEY_BYTES) ? cli_json_hex(f->from, SR_KEY_BYTES) : json_null());
    json_object_set_new(o, "hops", json_integer(f->hops));
  }
  return o;
}

uint64_t cli_now_ms(void) { return sr_wall_ms(); }

int cli_tty(void) { return isatty(2); }

void cli_status(const char *fmt, ...) {
  va_list ap;
  if (!cli_tty()) return;
  fputs("\r\033[K", stderr); /* replace the line in place */
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fflush(stderr);
}

void cli_status_clear(void) {
  if (cli_tty()) fputs("\r\033[K", stderr), fflush(stderr);
}

void cli_progress(void *ctx, size_t done, size_t total) {
  static uint64_t last_ms;
  const char *what = ctx ? ctx : "working";
  uint64_t now = cli_now_ms();
  int last = total && done >= total;
  /* at most ~10 updates a second, plus the first and the last */
  if (!cli_tty() || (done > 1 && !last && now - last_ms < 100)) return;
  last_ms = now;
  if (total) cli_status("%s: %zu/%zu (%zu%%)", what, done, total, done * 100 / total);
  else
    cli_status("%s: %zu", what, done);
  if (last) fputc('\n', stderr);
}
