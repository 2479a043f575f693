/* verify_pool.c: the pure checks of ingest (decode, signature, schema) for a batch,
 * on a few threads. Signature verification is the floor of ingest cost, and it
 * needs no store access, so it runs before the single write transaction. */
#include "store/store_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static void verify_one(sr_ingest_item_t *it) {
  int rc = sr_entry_decode(it->raw, it->len, &it->e);
  it->why[0] = '\0';
  if (rc == 0) {
    memcpy(it->id, it->e.id, SR_ID_BYTES);
    memcpy(it->author, it->e.author, SR_KEY_BYTES);
    it->seq = it->e.seq;
    rc = sr_entry_verify(&it->e);
  }
  if (rc == 0) rc = sr_content_parse(&it->e, &it->c, it->why, sizeof(it->why));
  it->vstatus = rc;
  it->verified = 1;
}

typedef struct {
  sr_ingest_item_t *items;
  size_t n;
  atomic_size_t next;
} pool_t;

static void *worker(void *arg) {
  pool_t *p = arg;
  /* Chunks of 16 keep the shared counter off the hot path. */
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 16);
    if (i >= p->n) break;
    size_t end = i + 16 < p->n ? i + 16 : p->n;
    for (; i < end; i++)
      if (!p->items[i].verified) verify_one(&p->items[i]);
  }
  return NULL;
}

#define SR_VERIFY_MAX_THREADS 16

void sr_store_verify_items(sr_ingest_item_t *items, size_t n, int threads) {
  pthread_t tids[SR_VERIFY_MAX_THREADS];
  int started = 0;
  pool_t p = {items, n, 0};
  if (threads > SR_VERIFY_MAX_THREADS) threads = SR_VERIFY_MAX_THREADS;
  if (threads <= 1 || n < 64) {
    worker(&p);
    return;
  }
  /* The calling thread is one of the workers. */
  for (int t = 1; t < threads; t++)
    if (pthread_create(&tids[started], NULL, worker, &p) == 0) started++;
  worker(&p);
  for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
}
