/* test_entry_forkproof.c (part of test_entry): the fork proof rule,
 * sr_rule_fork_proof (core/rules.h): two valid entries of one author, one seq,
 * two ids, whichever comes first; everything else is refused with the rule
 * it breaks. */
#include "tests/unit/test_entry.h"
#include "core/core.h"

static int check(const t_entry_t *x, const t_entry_t *y, char *why, size_t whylen) {
  sr_entry_t a, b;
  why[0] = '\0';
  return sr_rule_fork_proof(x->raw, x->len, y->raw, y->len, &a, &b, why, whylen);
}

void fork_proof_good_and_each_refusal(void) {
  t_buf_t one, two;
  char why[200];
  sr_entry_t a, b;
  t_author_t al = alice, bo = bob;
  al.seq = bo.seq = 0;
  t_share(&one, "one branch", NULL, NULL);
  t_share(&two, "the other branch", NULL, NULL);
  t_entry_t a1 = t_next(&al, TS, "share", &one);
  t_entry_t a2 = t_make(&al, 2, a1.id, TS + 1, "share", &one);
  t_entry_t a2x = t_make(&al, 2, a1.id, TS + 2, "share", &two); /* a fork of a2 */
  t_entry_t a1x = t_make(&al, 1, NULL, TS + 3, "share", &two);  /* a fork of a1 */
  t_entry_t b2 = t_make(&bo, 2, a1.id, TS + 1, "share", &two);  /* bob's seq 2 */

  /* a fork: either order, and the decoded entries come back */
  T_OK(sr_rule_fork_proof(a2.raw, a2.len, a2x.raw, a2x.len, &a, &b, why, sizeof(why)));
  T_MEMEQ(a.id, a2.id, SR_ID_BYTES);
  T_MEMEQ(b.id, a2x.id, SR_ID_BYTES);
  T_MEMEQ(a.author, al.pk, SR_KEY_BYTES);
  T_EQ(b.seq, 2);
  T_OK(check(&a2x, &a2, why, sizeof(why)));
  T_OK(check(&a1, &a1x, why, sizeof(why))); /* at seq 1 too */

  /* the same entry twice */
  T_EQ(check(&a2, &a2, why, sizeof(why)), SR_EBADPROOF);
  T_HAS(why, "one entry twice");
  /* two authors */
  T_EQ(check(&a2, &b2, why, sizeof(why)), SR_EBADPROOF);
  T_HAS(why, "different authors");
  /* two seqs of one log: a chain, not a fork */
  T_EQ(check(&a1, &a2, why, sizeof(why)), SR_EBADPROOF);
  T_HAS(why, "different seqs");
  /* a bad signature, in either place */
  t_entry_t bad = a2x;
  bad.raw = malloc(a2x.len);
  memcpy(bad.raw, a2x.raw, a2x.len);
  bad.raw[bad.len - 1] ^= 0x01; /* the last byte of the signature */
  T_EQ(check(&a2, &bad, why, sizeof(why)), SR_ESIG);
  T_HAS(why, "the second entry");
  T_EQ(check(&bad, &a2, why, sizeof(why)), SR_ESIG);
  T_HAS(why, "the first entry");
  /* bytes that are no entry */
  t_entry_t junk = {(uint8_t *)"\x92\xc4\x00\xc4\x00", 5, {0}, 0};
  T_CHECK(check(&a2, &junk, why, sizeof(why)) < 0);
  T_CHECK(check(&junk, &a2, why, sizeof(why)) != SR_EBADPROOF);
  /* why may be NULL */
  T_EQ(sr_rule_fork_proof(a2.raw, a2.len, a2.raw, a2.len, &a, &b, NULL, 0), SR_EBADPROOF);

  free(bad.raw);
  t_entry_free(&a1);
  t_entry_free(&a2);
  t_entry_free(&a2x);
  t_entry_free(&a1x);
  t_entry_free(&b2);
  t_buf_free(&one);
  t_buf_free(&two);
}
