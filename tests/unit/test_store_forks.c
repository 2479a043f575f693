/* test_store_forks.c (part of test_store): two entries for one seq of one log
 * — the first branch stays, the proof is kept, the author is no longer
 * replicated, and a reindex rebuilds the same picture. */
#include "tests/unit/test_store.h"

typedef struct {
  int n;
  uint8_t author[SR_KEY_BYTES], head[SR_ID_BYTES], fork[SR_ID_BYTES];
  uint64_t seq;
  int head_null;
} fork_q_t;
static int fork_cb(void *ctx, const uint8_t *author, uint64_t seq, const uint8_t *head_id, const uint8_t *fork_id) {
  fork_q_t *q = ctx;
  q->n++;
  memcpy(q->author, author, SR_KEY_BYTES);
  q->seq = seq;
  q->head_null = head_id == NULL;
  if (head_id) memcpy(q->head, head_id, SR_ID_BYTES);
  memcpy(q->fork, fork_id, SR_ID_BYTES);
  return 0;
}

void store_fork_kept_and_author_stopped(void) {
  char dir[256];
  t_author_t a;
  t_buf_t c;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  fork_q_t fq = {0};
  t_log_q_t lq = {0};
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x08);
  t_entry_t *es = t_chain(&a, 4);
  t_entry_t *ptr[] = {&es[0], &es[1], &es[2]};
  T_OK(t_ingest(st, ptr, 3, &s, NULL));
  t_share(&c, "the other branch", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 50, "share", &c);
  t_entry_t *pf = &f2;
  T_OK(t_ingest(st, &pf, 1, &s, &items));
  T_EQ(items[0].status, SR_EFORK);
  T_HAS(items[0].why, "fork");
  T_EQ(s.forks, 1);
  T_EQ(s.accepted + s.rejected + s.duplicates, 0);
  free(items);
  /* the first branch stays the head; the author is marked forked */
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 3);
  T_MEMEQ(h.id, es[2].id, SR_ID_BYTES);
  T_EQ(h.forked, 1);
  t_person_q_t pq = t_find_person(st, a.pk);
  T_EQ(pq.found, 1);
  T_EQ(pq.p.forked, 1);
  T_EQ(pq.p.seq, 3);
  /* the proof is kept and listed */
  T_OK(sr_store_get_entry(st, f2.id, buf, sizeof(buf), &len, NULL));
  T_MEMEQ(buf, f2.raw, len);
  T_OK(sr_store_foreach_fork(st, fork_cb, &fq));
  T_EQ(fq.n, 1);
  T_MEMEQ(fq.author, a.pk, SR_KEY_BYTES);
  T_EQ(fq.seq, 2);
  T_EQ(fq.head_null, 0);
  T_MEMEQ(fq.head, es[1].id, SR_ID_BYTES);
  T_MEMEQ(fq.fork, f2.id, SR_ID_BYTES);
  /* the log still follows the first branch */
  T_OK(sr_store_foreach_entry(st, a.pk, t_log_cb, &lq));
  T_EQ(lq.n, 3);
  T_MEMEQ(lq.ids[1], es[1].id, SR_ID_BYTES);
  /* later entries of either branch are refused; the proof again is a duplicate */
  t_entry_t f3 = t_make(&a, 3, f2.id, TS + 51, "share", &c);
  T_EQ(t_ingest1(st, &es[3]), SR_EFORKED);
  T_EQ(t_ingest1(st, &f3), SR_EFORKED);
  T_EQ(t_ingest1(st, &f2), SR_EDUP);
  T_EQ(t_ingest1(st, &es[1]), SR_EDUP);
  /* a third entry for seq 2 is not stored: the author is no longer replicated */
  t_buf_free(&c);
  t_share(&c, "third", NULL, NULL);
  t_entry_t g2 = t_make(&a, 2, es[0].id, TS + 52, "share", &c);
  T_EQ(t_ingest1(st, &g2), SR_EFORKED);
  T_EQ(sr_store_get_entry(st, g2.id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  /* publishing as a forked author is refused */
  uint8_t id[SR_ID_BYTES];
  uint64_t seq;
  char why[160];
  t_buf_t ab;
  t_about(&ab, "me");
  T_EQ(sr_store_publish(st, a.sk, "about", T_DATA(&ab), T_SIZE(&ab), TS, NOW, id, &seq, why, sizeof(why)), SR_EFORKED);
  T_EQ(t_verify(st), 0);

  /* reindex rebuilds the same picture, fork included */
  char *before = t_snapshot(st);
  T_OK(sr_store_reindex(st, NULL, NULL));
  char *after = t_snapshot(st);
  if (strcmp(before, after) != 0) fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
  T_CHECK(strcmp(before, after) == 0);
  T_EQ(t_verify(st), 0);
  free(before);
  free(after);
  sr_store_close(st);
  t_free_chain(es, 4);
  t_entry_free(&f2);
  t_entry_free(&f3);
  t_entry_free(&g2);
  t_buf_free(&c);
  t_buf_free(&ab);
  t_rmdir(dir);
}

/* Both branches of a fork in one batch with the same received_at (an import):
 * the first in the batch is the head, and a reindex must keep it so. */
void store_fork_in_one_batch_survives_reindex(void) {
  char dir[256];
  t_author_t a;
  t_buf_t c;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  t_tmpdir(dir);
  t_author_init(&a, 0x09);
  t_entry_t *es = t_chain(&a, 3);
  t_share(&c, "other branch", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 9, "share", &c);
  /* whichever id sorts lower, try both batch orders */
  for (int order = 0; order < 2; order++) {
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/%d", dir, order);
    sr_store_t *s2 = t_open_store(sub, 1);
    t_entry_t *ptr0[] = {&es[0], &es[1], &es[2], &f2};
    t_entry_t *ptr1[] = {&es[0], &f2, &es[1], &es[2]};
    T_OK(t_ingest_at(s2, order ? ptr1 : ptr0, 4, 1, TS + 777, &s, &items));
    T_EQ(s.forks, 1);
    T_OK(sr_store_get_head(s2, a.pk, &h));
    /* order 0: e2 first, head e3; order 1: f2 first, head f2 and e3 refused */
    T_EQ(h.seq, order ? 2 : 3);
    T_MEMEQ(h.id, order ? f2.id : es[2].id, SR_ID_BYTES);
    T_EQ(h.forked, 1);
    T_EQ(t_verify(s2), 0);
    char *before = t_snapshot(s2);
    T_OK(sr_store_reindex(s2, NULL, NULL));
    char *after = t_snapshot(s2);
    if (strcmp(before, after) != 0) fprintf(stderr, "order %d before:\n%s\nafter:\n%s\n", order, before, after);
    T_CHECK(strcmp(before, after) == 0);
    T_EQ(t_verify(s2), 0);
    free(before);
    free(after);
    free(items);
    sr_store_close(s2);
  }
  t_free_chain(es, 3);
  t_entry_free(&f2);
  t_buf_free(&c);
  t_rmdir(dir);
}
