/* verify_pool.c: the pure checks of ingest (decode, signature, schema) for a batch,
 * on a few threads. Signature verification is the floor of ingest cost, and it
 * needs no store access, so it runs on worker threads while the write
 * transaction takes the items already checked (sr_verify_pool_*): the commit
 * waits only for the item it is about to take, never for the whole batch. */
#include "store/store_internal.h"
#include "core/clock.h"
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

/* Chunks of 16 keep the shared counter off the hot path. */
#define CHUNK 16

/* Verifies the next unclaimed chunk; 0 when none was left. */
static int verify_chunk(sr_verify_pool_t *p) {
  size_t i = atomic_fetch_add(&p->next, CHUNK), start = i;
  if (i >= p->n) return 0;
  uint64_t t0 = sr_mono_ns();
  size_t end = i + CHUNK < p->n ? i + CHUNK : p->n;
  for (; i < end; i++)
    if (!p->items[i].verified) verify_one(&p->items[i]);
  uint64_t dt = sr_mono_ns() - t0;
  /* The lock orders the items' writes before the writer reads them. */
  pthread_mutex_lock(&p->mu);
  p->done[start / CHUNK] = 1;
  p->check_ns += dt;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return 1;
}

static void *worker(void *arg) {
  sr_verify_pool_t *p = arg;
  while (verify_chunk(p)) {
  }
  return NULL;
}

int sr_verify_pool_start(sr_verify_pool_t *p, sr_ingest_item_t *items, size_t n, int threads) {
  memset(p, 0, sizeof(*p));
  p->items = items;
  p->n = n;
  atomic_init(&p->next, 0);
  if (threads > SR_VERIFY_MAX_THREADS) threads = SR_VERIFY_MAX_THREADS;
  if (!(p->done = calloc(n / CHUNK + 1, 1))) return SR_ENOMEM;
  if (pthread_mutex_init(&p->mu, NULL)) {
    free(p->done);
    return SR_ENOMEM;
  }
  if (pthread_cond_init(&p->cv, NULL)) {
    pthread_mutex_destroy(&p->mu);
    free(p->done);
    return SR_ENOMEM;
  }
  /* Every thread verifies; the caller's thread writes and, when no worker
   * could start, verifies what it waits for itself (sr_verify_pool_wait). */
  for (int t = 0; t < threads; t++)
    if (pthread_create(&p->tids[p->started], NULL, worker, p) == 0) p->started++;
  return 0;
}

void sr_verify_pool_wait(sr_verify_pool_t *p, size_t i) {
  if (i >= p->n) return;
  uint64_t t0 = sr_mono_ns();
  pthread_mutex_lock(&p->mu);
  while (!p->done[i / CHUNK]) {
    if (atomic_load(&p->next) <= i) {
      /* Nobody took it yet (no worker started): the writer checks it. */
      pthread_mutex_unlock(&p->mu);
      verify_chunk(p);
      pthread_mutex_lock(&p->mu);
      continue;
    }
    pthread_cond_wait(&p->cv, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  p->wait_ns += sr_mono_ns() - t0;
}

void sr_verify_pool_finish(sr_verify_pool_t *p) {
  /* Workers stop once every chunk is claimed; claim the rest so a write that
   * failed early does not leave them working for nothing. */
  atomic_store(&p->next, p->n);
  for (int t = 0; t < p->started; t++) pthread_join(p->tids[t], NULL);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p->done);
  p->done = NULL;
}

void sr_store_verify_items(sr_ingest_item_t *items, size_t n, int threads) {
  sr_verify_pool_t p;
  if (threads <= 1 || n < SR_VERIFY_POOL_MIN || sr_verify_pool_start(&p, items, n, threads - 1)) {
    for (size_t i = 0; i < n; i++)
      if (!items[i].verified) verify_one(&items[i]);
    return;
  }
  /* The calling thread is one of the workers. */
  worker(&p);
  sr_verify_pool_finish(&p);
}
