/* test_observed.c: store/observed.c on a real store in a temp dir — another
 * node's first-arrival records, kept apart from this node's own: only for
 * entries held, never naming this node itself, the earlier arrival kept, and
 * this node's own flow record untouched. */
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/observed.h"
#include "store/read.h"
#include <string.h>

typedef struct {
  sr_observation_t o[8];
  size_t n;
} seen_t;

static int seen_row(void *ctx, const sr_observation_t *o) {
  seen_t *s = ctx;
  if (s->n < 8) s->o[s->n] = *o;
  s->n++;
  return 0;
}

static void rules(void) {
  char dir[256];
  t_tmpdir(dir);
  sr_store_t *st = t_open_store(dir, 1);
  t_author_t self, a, relay;
  t_author_init(&self, 1);
  t_author_init(&a, 2);
  t_author_init(&relay, 3);
  T_OK(sr_store_set_self(st, self.pk));
  t_buf_t c;
  t_about(&c, "ada");
  t_entry_t e = t_next(&a, T_TS, "about", &c);
  t_buf_free(&c);
  T_EQ(t_ingest1(st, &e), 0);
  uint8_t buf[SR_ENTRY_MAX];
  size_t len;
  sr_flow_t own, after;
  T_OK(sr_store_get_entry(st, e.id, buf, sizeof(buf), &len, &own));

  sr_observation_t obs[4];
  memset(obs, 0, sizeof(obs));
  for (int i = 0; i < 4; i++) {
    memcpy(obs[i].id, e.id, SR_ID_BYTES);
    memcpy(obs[i].observer, relay.pk, SR_KEY_BYTES);
    obs[i].flow.received_at = T_TS + 500;
    obs[i].flow.hops = 3;
    obs[i].flow.source = SR_SRC_PEER;
    memset(obs[i].flow.from, 0x44, SR_KEY_BYTES);
  }
  memset(obs[1].id, 0x77, SR_ID_BYTES);           /* an entry not held */
  memcpy(obs[2].observer, self.pk, SR_KEY_BYTES); /* this node itself */
  obs[3].flow.source = 9;                         /* no such source */
  size_t stored = 99, skipped = 99;
  T_OK(sr_store_observed_put(st, obs, 4, &stored, &skipped));
  T_EQ(stored, 1);
  T_EQ(skipped, 3);
  seen_t s = {0};
  T_OK(sr_store_foreach_observed(st, seen_row, &s));
  T_EQ(s.n, 1);
  T_MEMEQ(s.o[0].id, e.id, SR_ID_BYTES);
  T_MEMEQ(s.o[0].observer, relay.pk, SR_KEY_BYTES);
  T_EQ(s.o[0].flow.received_at, T_TS + 500);
  T_EQ(s.o[0].flow.hops, 3);
  T_EQ(s.o[0].flow.source, SR_SRC_PEER);
  /* this node's own record is what it was */
  T_OK(sr_store_get_entry(st, e.id, buf, sizeof(buf), &len, &after));
  T_CHECK(memcmp(&own, &after, sizeof(own)) == 0);

  /* a later arrival of the same entry at the same node changes nothing; an earlier one wins */
  obs[0].flow.received_at = T_TS + 900;
  T_OK(sr_store_observed_put(st, obs, 1, &stored, NULL));
  obs[0].flow.received_at = T_TS + 100;
  obs[0].flow.hops = 1;
  T_OK(sr_store_observed_put(st, obs, 1, &stored, NULL));
  memset(&s, 0, sizeof(s));
  T_OK(sr_store_foreach_observed(st, seen_row, &s));
  T_EQ(s.n, 1);
  T_EQ(s.o[0].flow.received_at, T_TS + 100);
  T_EQ(s.o[0].flow.hops, 1);
  t_entry_free(&e);
  sr_store_close(st);

  /* the database persists: reopened, it is still there */
  st = t_open_store(dir, 0);
  memset(&s, 0, sizeof(s));
  T_OK(sr_store_foreach_observed(st, seen_row, &s));
  T_EQ(s.n, 1);
  sr_store_close(st);
  t_rmdir(dir);
}

int main(void) {
  T_CHECK(sodium_init() >= 0);
  T_RUN(rules);
  fprintf(stderr, "test_observed: %d checks passed\n", t_checks);
  return 0;
}
