/* ingest.c: the write side of the store — ingest batches and publish.
 *
 * (reindex.c rebuilds the derived databases; forks.c takes fork proofs from
 * peers and keeps the self-fork stop.)
 *
 * Invariants:
 *  - a batch is one write transaction; on any LMDB failure nothing of it stays;
 *  - an author's log in `log` is contiguous from seq 1 and linked by prev;
 *  - derived databases are a function of the entries (and, for which branch of
 *    a fork is the head, of their first arrival), so reindex can rebuild them.
 * Internal functions return 0 or an LMDB code; item verdicts go into the items.
 */
#include "store/store_internal.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUT(db, kp, kl, vp, vl, fl)                                                                                    \
  do {                                                                                                                 \
    MDB_val k_ = {(kl), (void *)(kp)}, v_ = {(vl), (void *)(vp)};                                                      \
    int r_ = mdb_put(txn, st->dbi[db], &k_, &v_, (fl));                                                                \
    if (r_ && r_ != MDB_KEYEXIST) return r_;                                                                           \
  } while (0)

/* Adds a person; a read first, because a put of an existing key still dirties a page. */
int sr_store_person_add(sr_store_t *st, MDB_txn *txn, const uint8_t *key) {
  MDB_val k = {SR_KEY_BYTES, (void *)key}, v;
  int rc = mdb_get(txn, st->dbi[DB_PEOPLE], &k, &v);
  if (rc != MDB_NOTFOUND) return rc;
  PUT(DB_PEOPLE, key, SR_KEY_BYTES, "", 0, 0);
  return 0;
}

static int edge_change(sr_store_t *st, MDB_txn *txn, int kind, const uint8_t *src, const uint8_t *dst, int add) {
  uint8_t out[1 + SR_KEY_BYTES], in[1 + SR_KEY_BYTES];
  /* Self-loops carry no flow between people; the graph leaves them out. */
  if (memcmp(src, dst, SR_KEY_BYTES) == 0) return 0;
  out[0] = in[0] = (uint8_t)kind;
  memcpy(out + 1, dst, SR_KEY_BYTES);
  memcpy(in + 1, src, SR_KEY_BYTES);
  MDB_val ko = {SR_KEY_BYTES, (void *)src}, vo = {sizeof(out), out};
  MDB_val ki = {SR_KEY_BYTES, (void *)dst}, vi = {sizeof(in), in};
  int rc;
  if (add) {
    if ((rc = mdb_put(txn, st->dbi[DB_EDGES_OUT], &ko, &vo, MDB_NODUPDATA)) && rc != MDB_KEYEXIST) return rc;
    if ((rc = mdb_put(txn, st->dbi[DB_EDGES_IN], &ki, &vi, MDB_NODUPDATA)) && rc != MDB_KEYEXIST) return rc;
  } else {
    if ((rc = mdb_del(txn, st->dbi[DB_EDGES_OUT], &ko, &vo)) && rc != MDB_NOTFOUND) return rc;
    if ((rc = mdb_del(txn, st->dbi[DB_EDGES_IN], &ki, &vi)) && rc != MDB_NOTFOUND) return rc;
  }
  return 0;
}

/* Reads the state stored under author||other (its first byte); 0 when none. */
static int state_get(sr_store_t *st, MDB_txn *txn, int db, const uint8_t *key64, int *state) {
  MDB_val k = {2 * SR_KEY_BYTES, (void *)key64}, v;
  int rc = mdb_get(txn, st->dbi[db], &k, &v);
  *state = 0;
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  if (v.mv_size == 1 || v.mv_size == 9) *state = ((const uint8_t *)v.mv_data)[0];
  return 0;
}

static int author_of(sr_store_t *st, MDB_txn *txn, const uint8_t *id, uint8_t author[SR_KEY_BYTES], int *found) {
  MDB_val v;
  sr_entry_t e;
  int rc = sr_row_by_id(st, txn, id, &v, NULL);
  *found = 0;
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  if (sr_entry_decode(v.mv_data, v.mv_size, &e) == 0) {
    memcpy(author, e.author, SR_KEY_BYTES);
    *found = 1;
  }
  return 0;
}

static int project_placeholder(sr_store_t *st, MDB_txn *txn, const uint8_t *project) {
  PUT(DB_PROJECTS, project, SR_ID_BYTES, "", 0, MDB_NOOVERWRITE);
  return 0;
}

/* The edge kind each contact state and each membership role stands for (0:
 * none), indexed by the state (1..3). */
static const int contact_edge[4] = {[SR_FOLLOW] = SR_EDGE_FOLLOW, [SR_BLOCK] = SR_EDGE_BLOCK};
static const int member_edge[4] = {[SR_MEMBER] = SR_EDGE_MEMBER, [SR_SUPPORTER] = SR_EDGE_SUPPORTER};

/* The author's state towards target (a key, or a project id: both 32 bytes)
 * becomes state, stored under author||target in db: the edge of the state it
 * had goes, the edge of the new one comes. Contacts keep the entry's ts after
 * the state (state u8 || ts u64): a person's follow state is its keys' newest. */
static int state_set(sr_store_t *st, MDB_txn *txn, int db, const uint8_t *author, const uint8_t *target, int state,
                     uint64_t ts, const int edge[4]) {
  uint8_t pair[2 * SR_KEY_BYTES], val[9] = {(uint8_t)state};
  int rc, old;
  memcpy(pair, author, SR_KEY_BYTES);
  memcpy(pair + SR_KEY_BYTES, target, SR_KEY_BYTES);
  if ((rc = state_get(st, txn, db, pair, &old))) return rc;
  if (old > 0 && old < 4 && edge[old] && (rc = edge_change(st, txn, edge[old], author, target, 0))) return rc;
  sr_be64_put(val + 1, ts);
  PUT(db, pair, sizeof(pair), val, db == DB_CONTACTS ? 9 : 1, 0);
  if (state > 0 && state < 4 && edge[state] && (rc = edge_change(st, txn, edge[state], author, target, 1))) return rc;
  return 0;
}

/* What an appended entry changes in the graph (store_internal.h). */
int sr_store_apply_effects(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, const sr_content_t *c) {
  uint8_t val[SR_KEY_BYTES + SR_ENTRY_MAX]; /* a name is shorter than its entry */
  int rc;

  switch (c->type) {
    case SR_CT_ABOUT:
      PUT(DB_PROFILES, e->author, SR_KEY_BYTES, c->name, c->name_len, 0);
      /* people holds the about's ts: a person's name is its keys' newest. */
      sr_be64_put(val, e->ts);
      PUT(DB_PEOPLE, e->author, SR_KEY_BYTES, val, 8, 0);
      break;
    case SR_CT_CONTACT:
      if ((rc = sr_store_person_add(st, txn, c->who))) return rc;
      if ((rc = state_set(st, txn, DB_CONTACTS, e->author, c->who, c->state, e->ts, contact_edge))) return rc;
      break;
    case SR_CT_DEVICE:
    case SR_CT_DEVICE_OF:
      if ((rc = sr_store_device_effect(st, txn, e, c))) return rc;
      break;
    case SR_CT_PROJECT: {
      size_t nl = c->name_len < sizeof(val) - SR_KEY_BYTES ? c->name_len : sizeof(val) - SR_KEY_BYTES;
      memcpy(val, e->author, SR_KEY_BYTES);
      memcpy(val + SR_KEY_BYTES, c->name, nl);
      PUT(DB_PROJECTS, e->id, SR_ID_BYTES, val, SR_KEY_BYTES + nl, 0);
      break;
    }
    case SR_CT_MEMBERSHIP:
      if ((rc = project_placeholder(st, txn, c->project))) return rc;
      if ((rc = state_set(st, txn, DB_MEMBERS, e->author, c->project, c->state, e->ts, member_edge))) return rc;
      break;
    case SR_CT_SHARE:
      if (c->has_project) {
        if ((rc = project_placeholder(st, txn, c->project))) return rc;
        if ((rc = edge_change(st, txn, SR_EDGE_SHARE, e->author, c->project, 1))) return rc;
      }
      if (c->has_reshare) {
        uint8_t orig_author[SR_KEY_BYTES];
        int found;
        memcpy(val, e->id, SR_ID_BYTES);
        memcpy(val + SR_ID_BYTES, e->author, SR_KEY_BYTES);
        PUT(DB_RESHARES, c->reshare, SR_ID_BYTES, val, SR_ID_BYTES + SR_KEY_BYTES, MDB_NODUPDATA);
        if ((rc = author_of(st, txn, c->reshare, orig_author, &found))) return rc;
        if (found && (rc = edge_change(st, txn, SR_EDGE_RESHARE, e->author, orig_author, 1))) return rc;
      }
      break;
    case SR_CT_OTHER:
    case SR_CT_FLOW_REPORT: /* no graph effect */
      break;
  }

  /* Reshares that arrived before this entry: now their edge can point at its author. */
  {
    MDB_cursor *cur;
    MDB_val k = {SR_ID_BYTES, (void *)e->id}, v;
    if ((rc = mdb_cursor_open(txn, st->dbi[DB_RESHARES], &cur))) return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
      const uint8_t *resharer = (const uint8_t *)v.mv_data + SR_ID_BYTES;
      /* Copy: edge_change writes, which may move the page under v. */
      uint8_t who[SR_KEY_BYTES];
      memcpy(who, resharer, SR_KEY_BYTES);
      if ((rc = edge_change(st, txn, SR_EDGE_RESHARE, who, e->author, 1))) break;
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND) return rc;
  }
  return 0;
}

/* An entry of a revoked device past upto, taken by reindex: only what
 * devices.c leaves in place when the revocation comes after the entry (the
 * keys and projects it named, a project it made), so both give one picture. */
static int tail_effects(sr_store_t *st, MDB_txn *txn, const sr_entry_t *e, const sr_content_t *c) {
  uint8_t val[SR_KEY_BYTES + SR_ENTRY_MAX];
  if (c->type == SR_CT_CONTACT) return sr_store_person_add(st, txn, c->who);
  if ((c->type == SR_CT_MEMBERSHIP || c->type == SR_CT_SHARE) && c->has_project)
    return project_placeholder(st, txn, c->project);
  if (c->type == SR_CT_PROJECT) {
    memcpy(val, e->author, SR_KEY_BYTES);
    memcpy(val + SR_KEY_BYTES, c->name, c->name_len);
    PUT(DB_PROJECTS, e->id, SR_ID_BYTES, val, SR_KEY_BYTES + c->name_len, 0);
  }
  return 0;
}

int sr_store_head_write(sr_store_t *st, MDB_txn *txn, const uint8_t *author, const sr_head_t *h) {
  uint8_t v[HEAD_VAL_BYTES];
  sr_be64_put(v, h->seq);
  memcpy(v + 8, h->id, SR_ID_BYTES);
  v[8 + SR_ID_BYTES] = (uint8_t)h->forked;
  PUT(DB_HEADS, author, SR_KEY_BYTES, v, sizeof(v), 0);
  return 0;
}

int sr_store_raw_put(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *it) {
  /* First arrival wins: a later copy of the same entry never rewrites its row. */
  int rc = sr_row_add(st, txn, it->e.id, it->raw, it->len, &it->flow, &it->row);
  if (!rc) rc = sr_usage_add_in(st, txn, it->e.author, it->len, it->flow.received_at);
  return rc ? rc : sr_store_person_add(st, txn, it->e.author);
}

static void reject(sr_ingest_item_t *it, int code, const char *fmt, unsigned long long a, unsigned long long b) {
  it->status = code;
  if (fmt) snprintf(it->why, sizeof(it->why), fmt, a, b);
  else if (!it->why[0])
    snprintf(it->why, sizeof(it->why), "%s", sr_strerror(code));
}

/* An entry of this node's own key that a peer sent and this node did not
 * write: another copy of the identity publishes (docs/format.md, "Forks").
 * The self-fork stop is set in the same transaction (store/forks.h). */
static int self_seen(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *it, int reason) {
  int newly = 0,
      rc = sr_store_self_fork_mark(st, txn, reason, it->e.seq, it->e.id, it->flow.from, it->flow.received_at, &newly);
  if (newly) it->self_fork = 1;
  return rc;
}

/* Whether the own log's head h was written here (published or imported, not
 * received): then a next entry from a peer was written by another copy. A
 * head received from a peer (a home catching up on its own log) says nothing. */
static int head_written_here(sr_store_t *st, MDB_txn *txn, const sr_head_t *h, int *here) {
  MDB_val v;
  sr_flow_t f;
  int rc;
  *here = 0;
  if (!h->seq) return 0;
  memset(&f, 0, sizeof(f));
  rc = sr_row_by_id(st, txn, h->id, &v, &f);
  if (rc && rc != MDB_NOTFOUND) return rc;
  *here = f.source != SR_SRC_PEER;
  return 0;
}

/* Tries to take one verified item. Sets it->status; returns an LMDB code only
 * when the transaction itself failed. SR_EGAP leaves the item for a later try.
 * self: this node's key, to notice another copy of it (NULL: not looked at). */
static int take(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *it, uint64_t now_ms, int reindex, const uint8_t *self) {
  const sr_entry_t *e = &it->e;
  sr_head_t h;
  MDB_val k, v;
  uint8_t lk[LOG_KEY_BYTES];
  int rc, verdict;

  if (!reindex) {
    k.mv_size = SR_ID_BYTES;
    k.mv_data = (void *)e->id;
    rc = mdb_get(txn, st->dbi[DB_IDS], &k, &v);
    if (rc == 0) {
      it->status = SR_EDUP;
      snprintf(it->why, sizeof(it->why), "duplicate: entry already stored");
      return 0;
    }
    if (rc != MDB_NOTFOUND) return rc;
  }
  /* A purged author, or one over the relay's quota: refused before any rule,
   * so the rest of its burst is refused alike (no gap asked for again). */
  if (!reindex) {
    int refused;
    if ((rc = sr_usage_admit_in(st, txn, it, self, now_ms, &refused))) return rc;
    if (refused) return 0;
  }
  /* A device its person revoked: nothing after upto is the person's any more. */
  uint64_t upto;
  int revoked_tail = sr_store_device_refuses(st, txn, e, &upto);
  if (revoked_tail && !reindex) {
    /* This node's own publish: the person at it needs what to do, not the rule. */
    if (it->flow.source == SR_SRC_SELF)
      reject(it, SR_EREVOKED,
             "your first device revoked this one after its seq %llu (seq %llu refused): to write here, pair a "
             "new home (`seurone device join`)",
             (unsigned long long)upto, (unsigned long long)e->seq);
    else
      reject(it, SR_EREVOKED, "revoked after its seq %llu, seq %llu refused", (unsigned long long)upto,
             (unsigned long long)e->seq);
    return 0;
  }
  if ((rc = sr_head_read(txn, st, e->author, &h))) return rc; /* SR_ESTORE, text set */
  int was_forked = h.forked;
  int mine = self && it->flow.source == SR_SRC_PEER && memcmp(e->author, self, SR_KEY_BYTES) == 0;
  if (reindex) h.forked = 0; /* a rebuild re-takes the whole branch after a fork */
  verdict = sr_rule_next(e, &h, now_ms);
  switch (verdict) {
    case 0:
      break;
    case SR_ESEQ:
      sr_log_key(lk, e->author, e->seq);
      {
        uint64_t logged, mine_row;
        if ((rc = sr_log_find(st, txn, e->author, e->seq, &logged))) return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
        /* the same entry when its id names the logged row (a reindex) */
        rc = sr_row_of_id(st, txn, e->id, &mine_row);
        if (rc && rc != MDB_NOTFOUND) return rc;
        if (rc == 0 && mine_row == logged) {
          it->status = SR_EDUP;
          return 0;
        }
      }
      /* Two valid entries for one seq: keep the newcomer as proof, stop the author. */
      if (!reindex && (rc = sr_store_raw_put(st, txn, it))) return rc;
      PUT(DB_FORKS, lk, sizeof(lk), e->id, SR_ID_BYTES, MDB_NODUPDATA);
      if (!h.forked) {
        sr_head_read(txn, st, e->author, &h);
        h.forked = 1;
        if ((rc = sr_store_head_write(st, txn, e->author, &h))) return rc;
      }
      reject(it, SR_EFORK,
             "fork: a different entry with seq %llu is already stored; kept as proof, author marked forked",
             (unsigned long long)e->seq, 0);
      return mine ? self_seen(st, txn, it, SR_SELF_FORK_FORK) : 0;
    case SR_EGAP:
      reject(it, SR_EGAP, "seq %llu is missing (this node holds the author up to seq %llu)",
             (unsigned long long)h.seq + 1, (unsigned long long)h.seq);
      return 0;
    case SR_EPREV:
      reject(it, SR_EPREV, "prev does not match the id of the author's entry seq %llu", (unsigned long long)h.seq, 0);
      return 0;
    case SR_EFUTURE:
      reject(it, SR_EFUTURE, "ts %llu is in the future, more than 10 minutes ahead of this node's clock (%llu)",
             (unsigned long long)e->ts, (unsigned long long)now_ms);
      return 0;
    default:
      reject(it, verdict, NULL, 0, 0);
      return 0;
  }

  if (mine) {
    int here;
    sr_restore_gate_t rg = {0};
    if ((rc = head_written_here(st, txn, &h, &here))) return rc;
    /* A restored home fetching its own log (store/restore_gate.h): its head
     * was written here before the backup, and what follows it is its own
     * history coming back, not another copy's. */
    if (here && (rc = sr_store_restore_gate_in(st, txn, &rg))) return rc;
    if (here && !rg.set && (rc = self_seen(st, txn, it, SR_SELF_FORK_ENTRY))) return rc;
  }
  if (!reindex && (rc = sr_store_raw_put(st, txn, it))) return rc;
  if (reindex && (rc = sr_store_person_add(st, txn, e->author))) return rc;
  if ((rc = sr_log_add(st, txn, e->author, e->seq, it->row))) return rc;
  /* keep the forked mark a previous fork proof set (reindex walks past forks) */
  sr_head_t nh = {e->seq, {0}, was_forked};
  memcpy(nh.id, e->id, SR_ID_BYTES);
  if ((rc = sr_store_head_write(st, txn, e->author, &nh))) return rc;
  /* reindex keeps a revoked device's entries stored before the revocation in
   * the log (append-only) but, as ingest does once the revocation arrives
   * (devices.c), applies nothing of them. */
  rc = revoked_tail ? tail_effects(st, txn, e, &it->c) : sr_store_apply_effects(st, txn, e, &it->c);
  if (rc) return rc;
  it->status = 0;
  it->why[0] = '\0';
  return 0;
}

int sr_store_cmp_author_seq(const void *a, const void *b) {
  const sr_ingest_item_t *x = *(sr_ingest_item_t *const *)a, *y = *(sr_ingest_item_t *const *)b;
  int c = memcmp(x->e.author, y->e.author, SR_KEY_BYTES);
  if (c) return c;
  if (x->e.seq != y->e.seq) return x->e.seq < y->e.seq ? -1 : 1;
  return x->flow.received_at < y->flow.received_at ? -1 : x->flow.received_at > y->flow.received_at;
}

/* pool: the verification running beside this transaction (NULL: none);
 * each item is waited for just before it is taken, in the batch's order. */
static int apply_batch(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *items, size_t n, uint64_t now_ms, int reindex,
                       sr_verify_pool_t *pool, sr_ingest_stats_t *stats) {
  sr_ingest_item_t **held = NULL;
  size_t nheld = 0;
  uint8_t selfkey[SR_KEY_BYTES];
  const uint8_t *self = NULL;
  int rc = 0;
  memset(stats, 0, sizeof(*stats));
  /* A store made without a self (tests, tools) notices no other copy. */
  if (!reindex && sr_store_self_in(st, txn, selfkey) == 0) self = selfkey;
  for (size_t i = 0; i < n; i++) {
    sr_ingest_item_t *it = &items[i];
    if (pool) sr_verify_pool_wait(pool, i);
    if (!it->verified) sr_store_verify_items(it, 1, 1);
    if (it->vstatus) {
      it->status = it->vstatus;
      if (!it->why[0]) snprintf(it->why, sizeof(it->why), "%s", sr_strerror(it->vstatus));
      continue;
    }
    it->why[0] = '\0';
    it->self_fork = 0;
    if ((rc = take(st, txn, it, now_ms, reindex, self))) goto done;
    if (it->status == SR_EGAP) {
      if (!held && !(held = malloc(sizeof(*held) * n))) {
        rc = SR_ENOMEM;
        goto done;
      }
      held[nheld++] = it;
    }
  }
  /* Entries that came ahead of their predecessors: in (author, seq) order one
   * pass applies every run whose gap the batch itself filled. */
  if (nheld) {
    qsort(held, nheld, sizeof(*held), sr_store_cmp_author_seq);
    for (size_t i = 0; i < nheld; i++)
      if ((rc = take(st, txn, held[i], now_ms, reindex, self))) goto done;
  }
  for (size_t i = 0; i < n; i++) {
    stats->self_fork += items[i].self_fork;
    switch (items[i].status) {
      case 0:
        stats->accepted++;
        break;
      case SR_EDUP:
        stats->duplicates++;
        break;
      case SR_EFORK:
        stats->forks++;
        break;
      default:
        stats->rejected++;
        break;
    }
  }
done:
  free(held);
  return rc;
}

int sr_store_apply_batch(sr_store_t *st, MDB_txn *txn, sr_ingest_item_t *items, size_t n, uint64_t now_ms, int reindex,
                         sr_ingest_stats_t *stats) {
  return apply_batch(st, txn, items, n, now_ms, reindex, NULL, stats);
}

typedef struct {
  sr_ingest_item_t *items;
  size_t n;
  uint64_t now;
  sr_verify_pool_t *pool;
  sr_ingest_stats_t *stats;
} ingest_arg_t;

static int ingest_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  ingest_arg_t *a = arg;
  return apply_batch(st, txn, a->items, a->n, a->now, 0, a->pool, a->stats);
}

int sr_store_ingest(sr_store_t *st, sr_ingest_item_t *items, size_t n, int threads, uint64_t now_ms,
                    sr_ingest_stats_t *stats) {
  sr_ingest_stats_t local;
  sr_verify_pool_t pool;
  ingest_arg_t a = {items, n, now_ms, NULL, stats ? stats : &local};
  uint64_t t0 = sr_mono_ns(), t1;
  int rc;
  for (size_t i = 0; i < n; i++) items[i].verified = 0;
  /* With threads, verification and the write transaction overlap: the
   * threads check items in batch order while this one takes each as soon as
   * it is checked. Same order, same verdicts as checking everything first. */
  if (threads > 1 && n >= SR_VERIFY_POOL_MIN && sr_verify_pool_start(&pool, items, n, threads) == 0) {
    a.pool = &pool;
    rc = sr_store_write(st, ingest_fn, &a);
    t1 = sr_mono_ns();
    sr_verify_pool_finish(&pool);
    a.stats->check_ns = pool.check_ns;
    a.stats->wait_ns = pool.wait_ns;
    a.stats->write_ns = t1 - t0 - pool.wait_ns;
    return rc;
  }
  sr_store_verify_items(items, n, threads);
  t1 = sr_mono_ns();
  rc = sr_store_write(st, ingest_fn, &a);
  a.stats->check_ns = t1 - t0;
  a.stats->write_ns = sr_mono_ns() - t1;
  a.stats->wait_ns = 0;
  return rc;
}

typedef struct {
  const uint8_t *sk;
  const char *type;
  const uint8_t *content;
  size_t content_len;
  uint64_t ts, now;
  uint8_t buf[SR_ENTRY_MAX];
  sr_ingest_item_t item;
  char *why;
  size_t whylen;
} publish_arg_t;

static int publish_fn(sr_store_t *st, MDB_txn *txn, void *arg) {
  publish_arg_t *a = arg;
  sr_head_t h;
  sr_ingest_stats_t stats;
  size_t len;
  int rc;
  sr_self_fork_t sf;
  /* Another copy of this identity published: nothing more from this one
   * until the person chose (store/forks.h); the same for a forked log. */
  sr_restore_gate_t rg;
  if ((rc = sr_store_self_fork_in(st, txn, &sf))) return rc;
  if ((rc = sr_head_read(txn, st, a->sk + SR_SECRET_PK_OFFSET, &h))) return rc; /* SR_ESTORE, text set */
  /* Restored, and the own latest entry not fetched yet: a next entry now
   * could take a seq the network holds another entry for. */
  if ((rc = sr_store_restore_gate_in(st, txn, &rg))) return rc;
  if (rg.set && !sf.set && !h.forked) {
    sr_restore_gate_sentence(&rg, h.seq, a->why, a->whylen);
    return SR_ERESTORING;
  }
  if (sf.set || h.forked) {
    if (sf.set) sr_self_fork_sentence(&sf, a->why, a->whylen);
    else if (a->why)
      snprintf(a->why, a->whylen,
               "your log is forked: two different entries with one seq are signed with your key, so nodes that "
               "hold both no longer take entries of this identity; see docs/cli.md, \"Another copy of your "
               "identity\"");
    return sf.set ? SR_ESELFFORK : SR_EFORKED;
  }
  rc = sr_entry_create(a->sk, h.seq + 1, h.seq ? h.id : NULL, a->ts, a->type, a->content, a->content_len, a->buf,
                       sizeof(a->buf), &len, NULL);
  if (rc) return rc;
  memset(&a->item, 0, sizeof(a->item));
  a->item.raw = a->buf;
  a->item.len = len;
  a->item.flow.received_at = a->now;
  a->item.flow.source = SR_SRC_SELF;
  if ((rc = sr_store_apply_batch(st, txn, &a->item, 1, a->now, 0, &stats))) return rc;
  if (a->item.status) {
    if (a->why) snprintf(a->why, a->whylen, "%s", a->item.why);
    return a->item.status;
  }
  return 0;
}

int sr_store_publish(sr_store_t *st, const uint8_t sk[SR_SECRET_BYTES], const char *type, const uint8_t *content,
                     size_t content_len, uint64_t ts, uint64_t now_ms, uint8_t id[SR_ID_BYTES], uint64_t *seq,
                     char *why, size_t whylen) {
  publish_arg_t *a = calloc(1, sizeof(*a));
  int rc;
  if (!a) return SR_ENOMEM;
  a->sk = sk;
  a->type = type;
  a->content = content;
  a->content_len = content_len;
  a->ts = ts;
  a->now = now_ms;
  a->why = why;
  a->whylen = whylen;
  if (why && whylen) why[0] = '\0';
  rc = sr_store_write(st, publish_fn, a);
  if (rc == 0) {
    memcpy(id, a->item.e.id, SR_ID_BYTES);
    *seq = a->item.e.seq;
  }
  free(a);
  return rc;
}
