/* fuzz_forkproof: fork frames (kind 11) and the fork proof rule under
 * libFuzzer. The input is LEN_HI LEN_LO, then the first entry's LEN bytes,
 * then the second entry's bytes. Both are wrapped in fork frames as a sender
 * does (sr_frame_fork), cut and decoded as a receiver does, and the decoded
 * entries are checked with sr_rule_fork_proof. Must never crash; a frame
 * that encodes must decode to the same bytes; a proof the rule takes must be
 * two entries that verify, of one author and one seq, with two ids. Seeds
 * (corpus/fuzz_forkproof, make_forkproof_corpus.py): a real fork, a bad
 * signature, two authors, one entry twice, two seqs. */
#include "core/core.h"
#include "core/frame.h"
#include <stdlib.h>
#include <string.h>

/* [11, raw] through the frame codec: the entry bytes a receiver gets, or NULL. */
static const uint8_t *through_frame(const uint8_t *raw, size_t len, msgpack_sbuffer *sb, sr_frame_t *f, size_t *out) {
  size_t flen;
  if (sr_frame_fork(sb, raw, len) != 0) return NULL; /* over 16 KiB: no frame */
  if (sr_frame_next((const uint8_t *)sb->data, sb->size, &flen) != 0 || flen != sb->size) abort();
  if (sr_frame_decode((const uint8_t *)sb->data, flen, f) != 0 || f->kind != SR_FRAME_FORK) abort();
  if (f->entry_len != len || (len && memcmp(f->entry, raw, len) != 0)) abort();
  *out = f->entry_len;
  return f->entry;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t l1 = (size_t)data[0] << 8 | data[1];
  if (l1 > size - 2) l1 = size - 2;
  const uint8_t *r1 = data + 2, *r2 = data + 2 + l1;
  size_t l2 = size - 2 - l1, n1, n2;
  msgpack_sbuffer s1, s2;
  sr_frame_t *f1 = malloc(sizeof(*f1)), *f2 = malloc(sizeof(*f2));
  if (!f1 || !f2) abort();
  msgpack_sbuffer_init(&s1);
  msgpack_sbuffer_init(&s2);
  const uint8_t *e1 = through_frame(r1, l1, &s1, f1, &n1), *e2 = through_frame(r2, l2, &s2, f2, &n2);
  if (e1 && e2) {
    sr_entry_t a, b;
    char why[200];
    if (sr_rule_fork_proof(e1, n1, e2, n2, &a, &b, why, sizeof(why)) == 0) {
      if (memcmp(a.author, b.author, SR_KEY_BYTES) != 0 || a.seq != b.seq || !memcmp(a.id, b.id, SR_ID_BYTES)) abort();
      if (sr_entry_verify(&a) != 0 || sr_entry_verify(&b) != 0) abort();
    }
  }
  msgpack_sbuffer_destroy(&s1);
  msgpack_sbuffer_destroy(&s2);
  free(f1);
  free(f2);
  return 0;
}
