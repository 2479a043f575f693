/* test_external.c: entries written by an independent implementation
 * (tests/data/make_entries.py: PyNaCl + msgpack, from docs/format.md alone) against
 * the C library.
 *
 *   test_external GOOD.jsonl BAD.jsonl
 *
 * Every good line must decode, verify, fit its schema and carry the id, author,
 * seq and type the Python side computed; all of them must ingest into a fresh
 * store (in file order and, in a second store, in reverse order within one
 * batch). Then each tampered line, in file order, on top of the good ones,
 * must get exactly the status named in its "expect" field. */
#include "tests/unit/t.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include <jansson.h>

#define NOW 1800000000000ull /* after every good ts, before year 2100 */

#define TYPE_TEXT_MAX 64
typedef struct {
  uint8_t *raw;
  size_t len;
  uint8_t id[SR_ID_BYTES], author[SR_KEY_BYTES];
  uint64_t seq;
  char type[TYPE_TEXT_MAX]; /* as the vector file gives it, valid or not */
  int expect;
  char reason[160];
} row_t;

static int code_of(const char *name) {
  if (strcmp(name, "SR_OK") == 0) return 0;
  for (int c = -1; c > -1000; c--)
    if (strcmp(sr_errname(c), name) == 0) return c;
  t_fail(__FILE__, __LINE__, "unknown error name %s", name);
}

static size_t load(const char *path, row_t **out) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0, n = 0, alloc = 0;
  row_t *rows = NULL;
  if (!f) t_fail(__FILE__, __LINE__, "cannot open %s", path);
  while (getline(&line, &cap, f) > 0) {
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    if (!o) t_fail(__FILE__, __LINE__, "%s:%zu: %s", path, n + 1, jerr.text);
    if (n == alloc) {
      alloc = alloc ? 2 * alloc : 64;
      rows = realloc(rows, alloc * sizeof(*rows));
      T_CHECK(rows != NULL);
    }
    row_t *r = &rows[n++];
    memset(r, 0, sizeof(*r));
    const char *b64 = json_string_value(json_object_get(o, "raw"));
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *author = json_string_value(json_object_get(o, "author"));
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *expect = json_string_value(json_object_get(o, "expect"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    T_CHECK(b64 && id && author && type && json_is_integer(json_object_get(o, "seq")));
    r->raw = malloc(strlen(b64) + 1);
    T_CHECK(r->raw != NULL);
    T_OK(sodium_base642bin(r->raw, strlen(b64), b64, strlen(b64), NULL, &r->len, NULL, sodium_base64_VARIANT_ORIGINAL));
    T_OK(sr_hex_decode(id, r->id, SR_ID_BYTES));
    T_OK(sr_hex_decode(author, r->author, SR_KEY_BYTES));
    r->seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
    snprintf(r->type, sizeof(r->type), "%s", type);
    r->expect = expect ? code_of(expect) : 0;
    snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
    json_decref(o);
  }
  free(line);
  fclose(f);
  *out = rows;
  return n;
}

static void free_rows(row_t *rows, size_t n) {
  for (size_t i = 0; i < n; i++) free(rows[i].raw);
  free(rows);
}

static int ingest_rows(sr_store_t *st, row_t *rows, size_t n, int reverse, sr_ingest_item_t **out) {
  sr_ingest_item_t *items = calloc(n, sizeof(*items));
  sr_ingest_stats_t s;
  T_CHECK(items != NULL);
  for (size_t i = 0; i < n; i++) {
    row_t *r = &rows[reverse ? n - 1 - i : i];
    items[i].raw = r->raw;
    items[i].len = r->len;
    items[i].flow.received_at = NOW;
    items[i].flow.source = SR_SRC_IMPORT;
  }
  T_OK(sr_store_ingest(st, items, n, 2, NOW, &s));
  *out = items;
  return (int)s.accepted;
}

static void report(void *ctx, const char *problem) {
  (void)ctx;
  fprintf(stderr, "verify: %s\n", problem);
}

int main(int argc, char **argv) {
  row_t *good, *bad;
  size_t ng, nb;
  char why[160], dir[256], err[256];
  sr_ingest_item_t *items;
  if (argc != 3) {
    fprintf(stderr, "usage: %s GOOD.jsonl BAD.jsonl\n", argv[0]);
    return 2;
  }
  T_CHECK(sodium_init() >= 0);
  ng = load(argv[1], &good);
  nb = load(argv[2], &bad);
  T_CHECK(ng > 0 && nb > 0);

  /* 1. each good entry on its own */
  size_t types[SR_CT_SHARE + 1] = {0};
  for (size_t i = 0; i < ng; i++) {
    sr_entry_t e;
    sr_content_t c;
    row_t *r = &good[i];
    int rc = sr_entry_check(r->raw, r->len, &e, why, sizeof(why));
    if (rc) t_fail(__FILE__, __LINE__, "good line %zu: %s (%s)", i + 1, sr_errname(rc), why);
    T_MEMEQ(e.id, r->id, SR_ID_BYTES);
    T_MEMEQ(e.author, r->author, SR_KEY_BYTES);
    T_EQ(e.seq, r->seq);
    T_EQ(e.type_len, strlen(r->type));
    T_MEMEQ(e.type, r->type, e.type_len);
    T_OK(sr_content_parse(&e, &c, why, sizeof(why)));
    types[c.type]++;
    /* canonical both ways: re-encoding the content gives the same bytes */
    msgpack_unpacked u;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked_init(&u);
    T_EQ(msgpack_unpack_next(&u, (const char *)e.content, e.content_len, NULL), MSGPACK_UNPACK_SUCCESS);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    T_OK(sr_canon_encode(&pk, &u.data, SR_CANON_MAX_DEPTH));
    T_EQ(sb.size, e.content_len);
    T_MEMEQ(sb.data, e.content, e.content_len);
    msgpack_sbuffer_destroy(&sb);
    msgpack_unpacked_destroy(&u);
  }
  /* the generator covers every version-1 type and an unknown one */
  for (int t = SR_CT_OTHER; t <= SR_CT_SHARE; t++) T_CHECK(types[t] > 0);

  /* 2. all good entries ingest, in file order and reversed */
  for (int reverse = 0; reverse < 2; reverse++) {
    t_tmpdir(dir);
    sr_store_t *st = NULL;
    T_OK(sr_store_open(dir, 1, &st, err, sizeof(err)));
    T_EQ(ingest_rows(st, good, ng, reverse, &items), ng);
    for (size_t i = 0; i < ng; i++) {
      row_t *r = &good[reverse ? ng - 1 - i : i];
      if (items[i].status)
        t_fail(__FILE__, __LINE__, "good line %zu: %s: %s", i + 1, sr_errname(items[i].status), items[i].why);
      T_MEMEQ(items[i].id, r->id, SR_ID_BYTES);
    }
    free(items);
    T_EQ(sr_store_verify(st, report, NULL, NULL, NULL), 0);

    /* 3. tampered entries, one at a time in file order */
    if (!reverse) {
      for (size_t i = 0; i < nb; i++) {
        row_t *r = &bad[i];
        sr_ingest_item_t *it;
        ingest_rows(st, r, 1, 0, &it);
        if (it[0].status != r->expect)
          t_fail(__FILE__, __LINE__, "tampered line %zu (%s): got %s (%s), want %s", i + 1, r->reason,
                 sr_errname(it[0].status), it[0].why, sr_errname(r->expect));
        if (r->expect && r->expect != SR_EDUP) T_CHECK(it[0].why[0] != '\0');
        free(it);
      }
      T_EQ(sr_store_verify(st, report, NULL, NULL, NULL), 0);
    }
    sr_store_close(st);
    t_rmdir(dir);
  }
  printf("test_external: %zu good and %zu tampered entries agree (%d checks)\n", ng, nb, t_checks);
  free_rows(good, ng);
  free_rows(bad, nb);
  return 0;
}
