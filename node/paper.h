/* paper.h: the paper key, the identity key's 32-byte seed as a short text a
 * person copies by hand and types back (docs/backup.md, "The paper key"). No
 * I/O here: tools/cli/cmd_backup.c prints and reads it, tests/unit/test_paper.c
 * drives it.
 *
 * The code is 64 characters of Crockford's base32 (0-9 and A-Z without I, L,
 * O, U: no two look alike), printed as 8 groups of 8 with dashes between.
 * The 35 bytes seed || the first 3 bytes of BLAKE2b-256 of the seed, keyed
 * with "seurone-paper-1", are 280 bits: 56 characters, 5 bits each, most
 * significant first, 7 to a group. The 8th character of group k (0..7) makes
 *   sum over i = 0..7 of  a^(i+1) * c_i  =  k + 1
 * in GF(32) (x^5 + x^2 + 1, a = x, c_i the group's characters as 5-bit
 * values). Every single wrong character, and every swap of two neighbours,
 * breaks that sum for its group, so the reader can say which group is wrong;
 * the hash catches most of what a group's check cannot (two errors in one
 * group, groups in the wrong order). Reading back ignores case, spaces, tabs,
 * dashes, line ends and lines that begin with #, and takes o as 0, i and l
 * as 1 (Crockford's rule). */
#ifndef SR_PAPER_H
#define SR_PAPER_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

#define SR_PAPER_SEED_BYTES 32
#define SR_PAPER_GROUPS 8
#define SR_PAPER_GROUP_CHARS 8
#define SR_PAPER_CHARS (SR_PAPER_GROUPS * SR_PAPER_GROUP_CHARS)
/* The printed code: two lines of 4 groups, "XXXXXXXX-...-XXXXXXXX\n" twice, NUL. */
#define SR_PAPER_TEXT_MAX (SR_PAPER_CHARS + 8 + 1)

/* The code of seed, as printed, into out. */
void sr_paper_encode(const uint8_t seed[SR_PAPER_SEED_BYTES], char out[SR_PAPER_TEXT_MAX]);
/* Reads a code typed back (n bytes at text) into seed. SR_EPAPER with why
 * (one sentence) when a character is not of the alphabet, the count is not
 * 64, a group does not check (*bad_group its number, 1..8, the first that
 * fails; *nbad how many fail) or the whole does not (*bad_group 0). bad_group
 * and nbad may be NULL. */
SR_MUST_USE int sr_paper_decode(const char *text, size_t n, uint8_t seed[SR_PAPER_SEED_BYTES], int *bad_group,
                                int *nbad, char *why, size_t whylen);

#endif
