/* test_store_forkproof.c (part of test_store): fork proofs from peers
 * (store/forks.h) taken wherever the receiver's copy of the log ends, refused
 * when they prove nothing, kept through verify and reindex; and the self-fork
 * stop: an entry of the node's own key that a peer sent and the node did not
 * write stops publishing, across a restart, until cleared. */
#include "tests/unit/test_store.h"
#include "store/forks.h"

/* One proof from peer 0x77.. at T_NOW; its status. */
static int proof1(sr_store_t *st, const t_entry_t *x, const t_entry_t *y, sr_fork_proof_t *out) {
  sr_fork_proof_t p;
  memset(&p, 0, sizeof(p));
  p.raw1 = x->raw;
  p.len1 = x->len;
  p.raw2 = y->raw;
  p.len2 = y->len;
  memset(p.from, 0x77, SR_KEY_BYTES);
  p.received_at = NOW;
  T_OK(sr_store_fork_proofs(st, &p, 1, NOW));
  if (out) *out = p;
  return p.status;
}

static size_t entries_held(sr_store_t *st) {
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  return info.entries;
}

static void same_after_reindex(sr_store_t *st) {
  char *before = t_snapshot(st);
  T_OK(sr_store_reindex(st, NULL, NULL));
  char *after = t_snapshot(st);
  if (strcmp(before, after) != 0) fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
  T_CHECK(strcmp(before, after) == 0);
  T_EQ(t_verify(st), 0);
  free(before);
  free(after);
}

/* The proof read back to pass on: the pair, whichever way it is stored. */
static void proof_reads_back(sr_store_t *st, const uint8_t *author, const t_entry_t *x, const t_entry_t *y,
                             uint64_t seq) {
  uint8_t *b1 = malloc(SR_ENTRY_MAX), *b2 = malloc(SR_ENTRY_MAX);
  size_t l1, l2;
  uint64_t s;
  T_OK(sr_store_get_fork_proof(st, author, b1, &l1, b2, &l2, SR_ENTRY_MAX, &s));
  T_EQ(s, seq);
  int xy = l1 == x->len && memcmp(b1, x->raw, l1) == 0 && l2 == y->len && memcmp(b2, y->raw, l2) == 0;
  int yx = l1 == y->len && memcmp(b1, y->raw, l1) == 0 && l2 == x->len && memcmp(b2, x->raw, l2) == 0;
  T_CHECK(xy || yx);
  free(b1);
  free(b2);
}

void store_fork_proof_taken(void) {
  char dir[256], sub[300];
  t_author_t a;
  t_buf_t c;
  sr_head_t h;
  sr_fork_proof_t p;
  t_author_init(&a, 0x0a);
  t_entry_t *es = t_chain(&a, 3);
  t_share(&c, "the other branch", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 50, "share", &c);
  t_entry_t g2 = t_make(&a, 2, es[0].id, TS + 51, "share", &c);
  t_entry_t *all[] = {&es[0], &es[1], &es[2]};
  uint8_t none[SR_KEY_BYTES];
  t_tmpdir(dir);

  /* 1. the receiver holds the log past the fork: the other entry is the proof */
  snprintf(sub, sizeof(sub), "%s/held", dir);
  sr_store_t *st = t_open_store(sub, 1);
  T_OK(t_ingest(st, all, 3, NULL, NULL));
  T_EQ(proof1(st, &es[1], &f2, &p), 0);
  T_MEMEQ(p.author, a.pk, SR_KEY_BYTES);
  T_EQ(p.seq, 2);
  T_EQ(p.self_fork, 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 3);
  T_EQ(h.forked, 1);
  proof_reads_back(st, a.pk, &es[1], &f2, 2);
  /* known now: a second proof (even another one) changes nothing */
  size_t n = entries_held(st);
  T_EQ(proof1(st, &f2, &g2, NULL), SR_EDUP);
  T_EQ(entries_held(st), n);
  T_EQ(t_verify(st), 0);
  same_after_reindex(st);
  sr_store_close(st);

  /* 2. the receiver holds nothing of the author: both entries are kept, on their own */
  snprintf(sub, sizeof(sub), "%s/none", dir);
  st = t_open_store(sub, 1);
  T_EQ(proof1(st, &f2, &es[1], &p), 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 0);
  T_EQ(h.forked, 1);
  T_EQ(entries_held(st), 2);
  T_EQ(t_find_person(st, a.pk).p.forked, 1);
  proof_reads_back(st, a.pk, &es[1], &f2, 2);
  T_EQ(t_verify(st), 0);
  same_after_reindex(st);
  /* and the author's entries are refused from now on */
  T_EQ(t_ingest1(st, &es[0]), SR_EFORKED);
  sr_store_close(st);

  /* 3. the receiver holds seq 1: one entry joins the log, the other is the proof */
  snprintf(sub, sizeof(sub), "%s/next", dir);
  st = t_open_store(sub, 1);
  T_EQ(t_ingest1(st, &es[0]), 0);
  T_EQ(proof1(st, &es[1], &f2, NULL), 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 2);
  T_EQ(h.forked, 1);
  proof_reads_back(st, a.pk, &es[1], &f2, 2);
  same_after_reindex(st);
  sr_store_close(st);

  /* 4. a third branch: neither entry is the logged one; one of them proves it */
  snprintf(sub, sizeof(sub), "%s/third", dir);
  st = t_open_store(sub, 1);
  T_OK(t_ingest(st, all, 3, NULL, NULL));
  T_EQ(proof1(st, &f2, &g2, NULL), 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.forked, 1);
  T_EQ(entries_held(st), 4);
  same_after_reindex(st);
  sr_store_close(st);

  /* no fork held: nothing to pass on */
  memset(none, 0x42, sizeof(none));
  st = t_open_store(sub, 0);
  uint8_t *b = malloc(SR_ENTRY_MAX);
  size_t l1, l2;
  uint64_t s;
  T_EQ(sr_store_get_fork_proof(st, none, b, &l1, b, &l2, SR_ENTRY_MAX, &s), SR_ENOTFOUND);
  free(b);
  sr_store_close(st);

  t_free_chain(es, 3);
  t_entry_free(&f2);
  t_entry_free(&g2);
  t_buf_free(&c);
  t_rmdir(dir);
}

void store_fork_proof_refused(void) {
  char dir[256];
  t_author_t a, b;
  t_buf_t c;
  sr_fork_proof_t p;
  t_author_init(&a, 0x0b);
  t_author_init(&b, 0x0c);
  t_entry_t *es = t_chain(&a, 2);
  t_share(&c, "other", NULL, NULL);
  t_entry_t f2 = t_make(&a, 2, es[0].id, TS + 50, "share", &c);
  t_entry_t b2 = t_make(&b, 2, es[0].id, TS + 50, "share", &c);
  t_entry_t late = t_make(&a, 2, es[0].id, NOW + 11 * 60 * 1000, "share", &c);
  t_entry_t bad = f2;
  bad.raw = malloc(f2.len);
  memcpy(bad.raw, f2.raw, f2.len);
  bad.raw[bad.len - 1] ^= 0x80; /* the signature's last byte */
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  T_EQ(t_ingest1(st, &es[0]), 0);
  size_t n = entries_held(st);
  T_EQ(proof1(st, &es[1], &bad, &p), SR_ESIG);
  T_HAS(p.why, "signature");
  T_EQ(proof1(st, &es[1], &b2, &p), SR_EBADPROOF);
  T_HAS(p.why, "different authors");
  T_EQ(proof1(st, &f2, &f2, &p), SR_EBADPROOF);
  T_HAS(p.why, "twice");
  T_EQ(proof1(st, &es[0], &f2, &p), SR_EBADPROOF);
  T_HAS(p.why, "different seqs");
  T_EQ(proof1(st, &es[1], &late, &p), SR_EFUTURE);
  /* nothing of them is stored, and nobody is forked */
  T_EQ(entries_held(st), n);
  sr_head_t h;
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.forked, 0);
  T_EQ(h.seq, 1);
  T_OK(sr_store_get_head(st, b.pk, &h));
  T_EQ(h.forked, 0);
  T_EQ(t_verify(st), 0);
  /* a batch: the good one taken beside the bad ones */
  sr_fork_proof_t ps[2];
  memset(ps, 0, sizeof(ps));
  ps[0].raw1 = ps[0].raw2 = ps[1].raw2 = f2.raw;
  ps[0].len1 = ps[0].len2 = ps[1].len2 = f2.len;
  ps[1].raw1 = es[1].raw;
  ps[1].len1 = es[1].len;
  T_OK(sr_store_fork_proofs(st, ps, 2, NOW));
  T_EQ(ps[0].status, SR_EBADPROOF);
  T_EQ(ps[1].status, 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.forked, 1);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  free(bad.raw);
  t_free_chain(es, 2);
  t_entry_free(&f2);
  t_entry_free(&b2);
  t_entry_free(&late);
  t_buf_free(&c);
  t_rmdir(dir);
}

/* Publishes one about entry as me; returns the status, id and seq in *id, *seq. */
static int pub(sr_store_t *st, const t_author_t *me, uint64_t ts, uint8_t id[SR_ID_BYTES], uint64_t *seq, char *why,
               size_t whylen) {
  t_buf_t c;
  t_about(&c, "me");
  int rc = sr_store_publish(st, me->sk, "about", T_DATA(&c), T_SIZE(&c), ts, NOW, id, seq, why, whylen);
  t_buf_free(&c);
  return rc;
}

/* A store whose self is me, with n entries published by it. */
static sr_store_t *own_store(const char *dir, const t_author_t *me, int n, uint8_t head[SR_ID_BYTES]) {
  char why[600];
  uint64_t seq;
  sr_store_t *st = t_open_store(dir, 1);
  T_OK(sr_store_set_self(st, me->pk));
  for (int i = 0; i < n; i++) T_OK(pub(st, me, TS + (uint64_t)i, head, &seq, why, sizeof(why)));
  return st;
}

void store_self_fork_stops_publishing(void) {
  char dir[256], sub[300], why[600];
  uint8_t head[SR_ID_BYTES], id[SR_ID_BYTES];
  uint64_t seq;
  t_buf_t c;
  sr_self_fork_t sf;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  t_author_t me;
  t_author_init(&me, 0x3e);
  t_share(&c, "written by the other copy", NULL, NULL);
  t_tmpdir(dir);

  /* 1. the next entry of the own log, from a peer: another copy wrote it */
  snprintf(sub, sizeof(sub), "%s/entry", dir);
  sr_store_t *st = own_store(sub, &me, 2, head);
  t_entry_t other3 = t_make(&me, 3, head, TS + 10, "share", &c);
  t_entry_t *p3 = &other3;
  T_OK(t_ingest(st, &p3, 1, &s, &items));
  T_EQ(items[0].status, 0); /* a valid entry: it joins the log */
  T_EQ(items[0].self_fork, 1);
  T_EQ(s.self_fork, 1);
  free(items);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.set, 1);
  T_EQ(sf.reason, SR_SELF_FORK_ENTRY);
  T_EQ(sf.seq, 3);
  T_MEMEQ(sf.id, other3.id, SR_ID_BYTES);
  T_EQ(sf.from[0], 0x99);
  T_EQ(pub(st, &me, TS + 20, id, &seq, why, sizeof(why)), SR_ESELFFORK);
  T_HAS(why, "another copy of this identity published");
  T_HAS(why, "seurone fork keep-this");
  /* kept in the store: a restart still refuses */
  sr_store_close(st);
  st = t_open_store(sub, 0);
  T_EQ(pub(st, &me, TS + 21, id, &seq, why, sizeof(why)), SR_ESELFFORK);
  /* the person chose this copy: the chain goes on from the other copy's entry */
  int was = 0;
  T_OK(sr_store_self_fork_clear(st, &was));
  T_EQ(was, 1);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.set, 0);
  T_OK(pub(st, &me, TS + 22, id, &seq, why, sizeof(why)));
  T_EQ(seq, 4);
  T_OK(sr_store_self_fork_clear(st, &was));
  T_EQ(was, 0);
  T_EQ(t_ingest1(st, &other3), SR_EDUP);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);

  /* 2. another entry for a seq the own log holds: the log forked */
  snprintf(sub, sizeof(sub), "%s/fork", dir);
  st = own_store(sub, &me, 2, head);
  sr_head_t h;
  T_OK(sr_store_get_head(st, me.pk, &h));
  uint8_t first[SR_ID_BYTES];
  t_log_q_t q = {0};
  T_OK(sr_store_foreach_entry(st, me.pk, t_log_cb, &q));
  memcpy(first, q.ids[0], SR_ID_BYTES);
  t_entry_t other2 = t_make(&me, 2, first, TS + 30, "share", &c);
  T_EQ(t_ingest1(st, &other2), SR_EFORK);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.reason, SR_SELF_FORK_FORK);
  T_EQ(sf.seq, 2);
  T_EQ(pub(st, &me, TS + 31, id, &seq, why, sizeof(why)), SR_ESELFFORK);
  T_HAS(why, "your log forked");
  T_OK(sr_store_reindex(st, NULL, NULL)); /* the stop is not derived: a reindex keeps it */
  T_EQ(pub(st, &me, TS + 32, id, &seq, why, sizeof(why)), SR_ESELFFORK);
  /* cleared: the fork stays, and a forked log publishes nothing */
  T_OK(sr_store_self_fork_clear(st, &was));
  T_EQ(pub(st, &me, TS + 33, id, &seq, why, sizeof(why)), SR_EFORKED);
  T_HAS(why, "your log is forked");
  T_EQ(t_verify(st), 0);
  sr_store_close(st);

  /* 3. a fork proof of the own key */
  snprintf(sub, sizeof(sub), "%s/proof", dir);
  st = own_store(sub, &me, 2, head);
  t_entry_t x3 = t_make(&me, 3, head, TS + 40, "share", &c);
  t_buf_t c2;
  t_share(&c2, "and a third copy", NULL, NULL);
  t_entry_t y3 = t_make(&me, 3, head, TS + 41, "share", &c2);
  sr_fork_proof_t p;
  T_EQ(proof1(st, &x3, &y3, &p), 0);
  T_EQ(p.self_fork, 1);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.reason, SR_SELF_FORK_PROOF);
  T_EQ(sf.seq, 3);
  T_EQ(pub(st, &me, TS + 42, id, &seq, why, sizeof(why)), SR_ESELFFORK);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);

  /* 4. no stop: a home that holds none of its own log catching up on it from a
   * peer, an entry of the own key that was imported, and another author's */
  snprintf(sub, sizeof(sub), "%s/catchup", dir);
  t_author_t me2 = me;
  me2.seq = 0;
  t_entry_t *mine = t_chain(&me2, 2);
  st = t_open_store(sub, 1);
  T_OK(sr_store_set_self(st, me.pk));
  t_entry_t *pm[] = {&mine[0], &mine[1]};
  T_OK(t_ingest(st, pm, 2, &s, NULL));
  T_EQ(s.accepted, 2);
  T_EQ(s.self_fork, 0);
  T_OK(pub(st, &me, TS + 50, id, &seq, why, sizeof(why)));
  T_EQ(seq, 3);
  /* an import of the next entry (source import): the person's own doing */
  t_entry_t imp = t_make(&me, 4, id, TS + 51, "share", &c);
  sr_ingest_item_t it;
  memset(&it, 0, sizeof(it));
  it.raw = imp.raw;
  it.len = imp.len;
  it.flow.received_at = NOW;
  it.flow.source = SR_SRC_IMPORT;
  T_OK(sr_store_ingest(st, &it, 1, 1, NOW, &s));
  T_EQ(it.status, 0);
  T_EQ(it.self_fork, 0);
  T_OK(sr_store_self_fork_get(st, &sf));
  T_EQ(sf.set, 0);
  sr_store_close(st);

  t_entry_free(&other3);
  t_entry_free(&other2);
  t_entry_free(&x3);
  t_entry_free(&y3);
  t_entry_free(&imp);
  t_free_chain(mine, 2);
  t_buf_free(&c);
  t_buf_free(&c2);
  t_rmdir(dir);
}
