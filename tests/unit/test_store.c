/* test_store.c: the LMDB store (store/store.h) on real stores in temp dirs:
 * opening, the ingest rules, the threaded verification phase, publish; and
 * main, which runs the tests of every part (test_store.h lists them): forks,
 * graph effects, verify, map growth, format version and backup. */
#include "tests/unit/test_store.h"

t_author_t A, B, C, D;

void store_open_missing_is_enostore(void) {
  char dir[256], sub[300], err[256] = "";
  sr_store_t *st = (sr_store_t *)1;
  t_tmpdir(dir);
  snprintf(sub, sizeof(sub), "%s/none", dir);
  T_EQ(sr_store_open(sub, 0, &st, err, sizeof(err)), SR_ENOSTORE);
  T_CHECK(st == NULL);
  T_CHECK(err[0] != '\0');
  /* an empty directory is no store either */
  T_EQ(sr_store_open(dir, 0, &st, err, sizeof(err)), SR_ENOSTORE);
  st = t_open_store(sub, 1);
  sr_store_close(st);
  T_OK(sr_store_open(sub, 0, &st, err, sizeof(err)));
  sr_store_close(st);
  t_rmdir(dir);
}

void store_ingest_chain(void) {
  char dir[256];
  t_author_t a;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  t_log_q_t q = {0};
  t_entry_t *ptr[5];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x01);
  t_entry_t *es = t_chain(&a, 5);
  for (int i = 0; i < 5; i++) ptr[i] = &es[i];
  uint64_t first_arrival = t_arrival;
  T_OK(t_ingest(st, ptr, 5, &s, &items));
  T_EQ(s.accepted, 5);
  T_EQ(s.duplicates + s.forks + s.rejected, 0);
  for (int i = 0; i < 5; i++) {
    T_EQ(items[i].status, 0);
    T_MEMEQ(items[i].id, es[i].id, SR_ID_BYTES);
    T_MEMEQ(items[i].author, a.pk, SR_KEY_BYTES);
    T_EQ(items[i].seq, i + 1);
  }
  free(items);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 5);
  T_MEMEQ(h.id, es[4].id, SR_ID_BYTES);
  T_EQ(h.forked, 0);
  T_OK(sr_store_foreach_entry(st, a.pk, t_log_cb, &q));
  T_EQ(q.n, 5);
  for (int i = 0; i < 5; i++) {
    T_EQ(q.seqs[i], i + 1);
    T_MEMEQ(q.ids[i], es[i].id, SR_ID_BYTES);
    T_EQ(q.flows[i].received_at, first_arrival + i);
    T_EQ(q.flows[i].hops, 1);
    T_EQ(q.flows[i].source, SR_SRC_PEER);
    T_EQ(q.flows[i].from[0], 0x99);
  }
  /* entries come back byte for byte */
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_flow_t fl;
  T_OK(sr_store_get_entry(st, es[2].id, buf, sizeof(buf), &len, &fl));
  T_EQ(len, es[2].len);
  T_MEMEQ(buf, es[2].raw, len);
  T_EQ(fl.received_at, first_arrival + 2);
  T_EQ(sr_store_get_entry(st, es[2].id, buf, 10, &len, &fl), SR_ETOOBIG);
  uint8_t nope[SR_KEY_LEN] = {0};
  T_EQ(sr_store_get_entry(st, nope, buf, sizeof(buf), &len, &fl), SR_ENOTFOUND);
  /* an unknown author has head seq 0 */
  T_OK(sr_store_get_head(st, nope, &h));
  T_EQ(h.seq, 0);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, 5);
  T_EQ(info.authors, 1);
  T_EQ(info.people, 1);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(es, 5);
  t_rmdir(dir);
}

void store_duplicates_counted(void) {
  char dir[256];
  t_author_t a;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  t_entry_t *ptr[6];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x02);
  t_entry_t *es = t_chain(&a, 4);
  for (int i = 0; i < 4; i++) ptr[i] = &es[i];
  T_OK(t_ingest(st, ptr, 3, &s, NULL));
  T_EQ(s.accepted, 3);
  uint64_t later = t_arrival + 1000;
  T_OK(t_ingest_at(st, ptr, 3, 1, later, &s, &items));
  T_EQ(s.accepted, 0);
  T_EQ(s.duplicates, 3);
  T_EQ(s.rejected, 0);
  for (int i = 0; i < 3; i++) {
    T_EQ(items[i].status, SR_EDUP);
    T_HAS(items[i].why, "duplicate");
  }
  free(items);
  /* the first arrival's flow is kept */
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_flow_t fl;
  T_OK(sr_store_get_entry(st, es[0].id, buf, sizeof(buf), &len, &fl));
  T_CHECK(fl.received_at < later);
  /* a duplicate inside one batch */
  ptr[0] = &es[3];
  ptr[1] = &es[3];
  ptr[2] = &es[1];
  T_OK(t_ingest(st, ptr, 3, &s, &items));
  T_EQ(items[0].status, 0);
  T_EQ(items[1].status, SR_EDUP);
  T_EQ(items[2].status, SR_EDUP);
  T_EQ(s.accepted, 1);
  T_EQ(s.duplicates, 2);
  free(items);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, 4);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(es, 4);
  t_rmdir(dir);
}

void store_out_of_order_batch_applied(void) {
  char dir[256];
  t_author_t a, b;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x03);
  t_author_init(&b, 0x04);
  t_entry_t *ea = t_chain(&a, 5), *eb = t_chain(&b, 3);
  /* two authors interleaved, each reversed or shuffled */
  t_entry_t *ptr[] = {&ea[2], &eb[2], &ea[0], &ea[4], &eb[1], &ea[1], &ea[3], &eb[0]};
  T_OK(t_ingest(st, ptr, 8, &s, &items));
  T_EQ(s.accepted, 8);
  for (int i = 0; i < 8; i++) T_EQ(items[i].status, 0);
  free(items);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 5);
  T_MEMEQ(h.id, ea[4].id, SR_ID_BYTES);
  T_OK(sr_store_get_head(st, b.pk, &h));
  T_EQ(h.seq, 3);
  T_MEMEQ(h.id, eb[2].id, SR_ID_BYTES);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(ea, 5);
  t_free_chain(eb, 3);
  t_rmdir(dir);
}

void store_gap_rejected_with_missing_seq(void) {
  char dir[256];
  t_author_t a;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  sr_head_t h;
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x05);
  t_entry_t *es = t_chain(&a, 6);
  t_entry_t *ptr[] = {&es[0], &es[3], &es[2], &es[5]}; /* seq 1, 4, 3, 6: 2 and 5 missing */
  T_OK(t_ingest(st, ptr, 4, &s, &items));
  T_EQ(s.accepted, 1);
  T_EQ(s.rejected, 3);
  T_EQ(items[0].status, 0);
  for (int i = 1; i < 4; i++) {
    T_EQ(items[i].status, SR_EGAP);
    T_HAS(items[i].why, "seq 2 is missing");
  }
  free(items);
  T_EQ(sr_store_get_entry(st, es[2].id, buf, sizeof(buf), &len, NULL), SR_ENOTFOUND);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 1);
  /* the gap filled in a later batch: 2..4 go in, 6 still waits for 5 */
  t_entry_t *ptr2[] = {&es[5], &es[3], &es[2], &es[1]};
  T_OK(t_ingest(st, ptr2, 4, &s, &items));
  T_EQ(s.accepted, 3);
  T_EQ(items[0].status, SR_EGAP);
  T_HAS(items[0].why, "seq 5 is missing");
  T_HAS(items[0].why, "up to seq 4");
  free(items);
  T_EQ(t_ingest1(st, &es[4]), 0);
  T_EQ(t_ingest1(st, &es[5]), 0);
  T_OK(sr_store_get_head(st, a.pk, &h));
  T_EQ(h.seq, 6);
  /* a new author whose first entry is seq 3 */
  t_author_t n;
  t_author_init(&n, 0x06);
  t_entry_t *en = t_chain(&n, 3);
  sr_ingest_item_t *it;
  t_entry_t *p3 = &en[2];
  T_OK(t_ingest(st, &p3, 1, &s, &it));
  T_EQ(it[0].status, SR_EGAP);
  T_HAS(it[0].why, "seq 1 is missing");
  free(it);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(es, 6);
  t_free_chain(en, 3);
  t_rmdir(dir);
}

void store_wrong_prev_future_and_bad_sig(void) {
  char dir[256];
  t_author_t a;
  t_buf_t c;
  sr_ingest_stats_t s;
  sr_ingest_item_t *items;
  uint8_t other[SR_KEY_BYTES];
  memset(other, 0x5a, sizeof(other));
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_init(&a, 0x07);
  t_entry_t *es = t_chain(&a, 2);
  T_EQ(t_ingest1(st, &es[0]), 0);
  t_about(&c, "A");
  t_entry_t wrong = t_make(&a, 2, other, TS, "about", &c);
  t_entry_t fut = t_make(&a, 2, es[0].id, NOW + SR_FUTURE_SLACK_MS + 1, "about", &c);
  t_entry_t edge = t_make(&a, 2, es[0].id, NOW + SR_FUTURE_SLACK_MS, "about", &c);
  t_entry_t badsig = t_make(&a, 3, edge.id, TS, "about", &c);
  badsig.raw[badsig.len - 3] ^= 0x10;
  t_entry_t garbage = {(uint8_t *)"\x92\xc4", 2, {0}, 0};
  t_entry_t *ptr[] = {&wrong, &fut, &garbage, &badsig, &edge};
  T_OK(t_ingest(st, ptr, 5, &s, &items));
  T_EQ(items[0].status, SR_EPREV);
  T_HAS(items[0].why, "prev");
  T_EQ(items[1].status, SR_EFUTURE);
  T_HAS(items[1].why, "10 minutes");
  T_EQ(items[2].status, SR_ETRUNC);
  T_CHECK(items[2].why[0] != '\0');
  T_EQ(items[3].status, SR_ESIG);
  T_EQ(items[4].status, 0); /* exactly at the slack is fine */
  T_EQ(s.accepted, 1);
  T_EQ(s.rejected, 4);
  free(items);
  /* a content schema failure is a rejection with the field named */
  t_buf_t bad;
  t_buf_init(&bad);
  t_mp_map(&bad, 1);
  t_mp_str(&bad, "who");
  t_mp_bin(&bad, other, SR_KEY_BYTES);
  t_entry_t badc = t_make(&a, 3, edge.id, TS, "contact", &bad);
  t_entry_t *pb = &badc;
  T_OK(t_ingest(st, &pb, 1, &s, &items));
  T_EQ(items[0].status, SR_ECONTENT);
  T_HAS(items[0].why, "state");
  free(items);
  sr_store_info_t info;
  T_OK(sr_store_info(st, &info));
  T_EQ(info.entries, 2);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_free_chain(es, 2);
  t_entry_free(&wrong);
  t_entry_free(&fut);
  t_entry_free(&edge);
  t_entry_free(&badsig);
  t_entry_free(&badc);
  t_buf_free(&c);
  t_buf_free(&bad);
  t_rmdir(dir);
}

/* A messy batch: several authors, shuffled, with duplicates, a fork, gaps and
 * bad signatures. threads=1 and threads=2 must give the same statuses and store. */
void store_threads_same_result(void) {
  enum { AUTHORS = 5, PER = 40 };
  t_author_t au[AUTHORS];
  t_entry_t *chains[AUTHORS];
  t_entry_t extra[3];
  t_entry_t *batch[AUTHORS * PER + 8];
  size_t n = 0;
  t_buf_t c;
  for (int i = 0; i < AUTHORS; i++) {
    t_author_init(&au[i], (uint8_t)(0x60 + i));
    chains[i] = t_chain(&au[i], PER);
    for (int j = 0; j < PER; j++)
      if (!(i == 4 && j == 20)) batch[n++] = &chains[i][j]; /* author 4 misses seq 21 */
  }
  t_share(&c, "fork!", NULL, NULL);
  extra[0] = t_make(&au[1], 10, chains[1][8].id, TS, "share", &c);
  t_buf_free(&c);
  t_share(&c, "x", NULL, NULL);
  extra[1] = t_make(&au[2], 41, chains[2][39].id, TS, "share", &c);
  extra[1].raw[extra[1].len - 1] ^= 1; /* bad signature */
  extra[2] = t_make(&au[3], 41, chains[3][39].id, NOW + 3600 * 1000ull, "share", &c);
  t_buf_free(&c);
  batch[n++] = &extra[0];
  batch[n++] = &extra[1];
  batch[n++] = &extra[2];
  batch[n++] = &chains[0][5]; /* duplicates inside the batch */
  batch[n++] = &chains[3][0];
  /* deterministic shuffle */
  uint32_t x = 12345;
  for (size_t i = n - 1; i > 0; i--) {
    x = x * 1103515245u + 12345u;
    size_t j = (x >> 8) % (i + 1);
    t_entry_t *tmp = batch[i];
    batch[i] = batch[j];
    batch[j] = tmp;
  }
  char *snaps[2];
  sr_ingest_item_t *items[2];
  sr_ingest_stats_t stats[2];
  for (int t = 0; t < 2; t++) {
    char dir[256];
    t_tmpdir(dir);
    sr_store_t *st = t_open_store(dir, 1);
    T_OK(t_ingest_at(st, batch, n, t + 1, TS + 5, &stats[t], &items[t]));
    snaps[t] = t_snapshot(st);
    T_EQ(t_verify(st), 0);
    sr_store_close(st);
    t_rmdir(dir);
  }
  T_EQ(stats[0].accepted, stats[1].accepted);
  T_EQ(stats[0].duplicates, 2);
  T_EQ(stats[1].duplicates, 2);
  T_EQ(stats[0].forks, 1);
  T_EQ(stats[1].forks, 1);
  T_EQ(stats[0].rejected, stats[1].rejected);
  T_CHECK(stats[0].rejected >= 19 + 1 + 1); /* author 4's seq 22..40, the bad signature, the future ts */
  for (size_t i = 0; i < n; i++) {
    if (batch[i] == &extra[1]) T_EQ(items[0][i].status, SR_ESIG);
    if (batch[i] == &extra[2]) T_EQ(items[0][i].status, SR_EFUTURE);
    if (batch[i] >= &chains[4][21] && batch[i] < &chains[4][PER]) T_EQ(items[0][i].status, SR_EGAP);
    T_EQ(items[0][i].status, items[1][i].status);
    T_CHECK(strcmp(items[0][i].why, items[1][i].why) == 0);
  }
  T_CHECK(strcmp(snaps[0], snaps[1]) == 0);
  for (int t = 0; t < 2; t++) {
    free(snaps[t]);
    free(items[t]);
  }
  for (int i = 0; i < AUTHORS; i++) t_free_chain(chains[i], PER);
  for (int i = 0; i < 3; i++) t_entry_free(&extra[i]);
}

void store_publish_appends(void) {
  char dir[256], why[160];
  uint8_t id1[SR_ID_BYTES], id2[SR_ID_BYTES];
  uint64_t seq;
  t_buf_t c;
  sr_head_t h;
  t_log_q_t q = {0};
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_about(&c, "Carol");
  T_OK(sr_store_publish(st, C.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id1, &seq, why, sizeof(why)));
  T_EQ(seq, 1);
  T_OK(sr_store_publish(st, C.sk, "about", T_DATA(&c), T_SIZE(&c), TS + 1, NOW, id2, &seq, why, sizeof(why)));
  T_EQ(seq, 2);
  t_buf_free(&c);
  T_OK(sr_store_get_head(st, C.pk, &h));
  T_EQ(h.seq, 2);
  T_MEMEQ(h.id, id2, SR_ID_BYTES);
  T_OK(sr_store_foreach_entry(st, C.pk, t_log_cb, &q));
  T_EQ(q.n, 2);
  T_MEMEQ(q.ids[0], id1, SR_ID_BYTES);
  T_EQ(q.flows[0].source, SR_SRC_SELF);
  /* a schema violation is refused with the field named */
  t_buf_init(&c);
  t_mp_map(&c, 0);
  T_EQ(sr_store_publish(st, C.sk, "about", T_DATA(&c), T_SIZE(&c), TS, NOW, id1, &seq, why, sizeof(why)), SR_ECONTENT);
  T_HAS(why, "name");
  t_buf_free(&c);
  T_EQ(t_verify(st), 0);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  t_author_init(&A, 0xa1);
  t_author_init(&B, 0xb2);
  t_author_init(&C, 0xc3);
  t_author_init(&D, 0xd4);
  T_RUN(store_open_missing_is_enostore);
  T_RUN(store_ingest_chain);
  T_RUN(store_duplicates_counted);
  T_RUN(store_out_of_order_batch_applied);
  T_RUN(store_gap_rejected_with_missing_seq);
  T_RUN(store_wrong_prev_future_and_bad_sig);
  T_RUN(store_fork_kept_and_author_stopped);
  T_RUN(store_fork_in_one_batch_survives_reindex);
  T_RUN(store_fork_proof_taken);
  T_RUN(store_fork_proof_refused);
  T_RUN(store_self_fork_stops_publishing);
  T_RUN(store_graph_effects);
  T_RUN(store_verify_finds_damage);
  T_RUN(store_map_grows);
  T_RUN(store_map_grows_while_checks_overlap);
  T_RUN(store_other_format_version_refused);
  T_RUN(store_damaged_head_says_so);
  T_RUN(store_backup_restores);
  T_RUN(store_upgrade_from_format1);
  T_RUN(store_threads_same_result);
  T_RUN(store_publish_appends);
  printf("test_store: %d checks passed\n", t_checks);
  return 0;
}
