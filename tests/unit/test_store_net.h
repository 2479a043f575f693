/* test_store_net.h: the parts of the test_store_net program (the store's
 * pieces for the gossip daemon): test_store_net.c (main, the fixtures below,
 * log reads and streams, old stores, reindex), test_store_net_peers.c,
 * test_store_net_scope.c and test_store_net_members.c. */
#ifndef SR_TEST_STORE_NET_H
#define SR_TEST_STORE_NET_H
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "store/peers.h"
#include "store/scope.h"
#include "store/store.h"
#include "store/ingest.h"
#include "store/maintenance.h"
#include "store/read.h"

#define TS T_TS
#define NOW T_NOW

/* received_at of the next ingested item: strictly increasing. */
extern uint64_t g_arrival;
/* Ingests es[0..n) as one batch (hops 2, from 0x77..., a peer); every item
 * must be accepted unless want_status says otherwise for all of them. */
void ingest_all(sr_store_t *st, t_entry_t *const *es, size_t n, int want_status);
void ingest1(sr_store_t *st, t_entry_t *e, int want_status);
/* a's next entry: a contact about who with state ("follow", "block", ...). */
void contact(sr_store_t *st, t_author_t *a, const t_author_t *who, const char *state);

/* A peer record of key keybyte..., with addr as its one address ("": none). */
void peer_fill(sr_peer_rec_t *p, uint8_t keybyte, const char *addr);

/* The relay members of sr_store_foreach_member, the first 8 (n counts all). */
typedef struct {
  size_t n;
  uint8_t keys[8][SR_KEY_BYTES];
  uint64_t joined[8];
} member_q_t;
int member_cb(void *ctx, const sr_member_rec_t *m);

/* The scope graph's people: S follows A and F, blocks D; A follows B and D; B
 * follows C; D follows E (E is reachable only through blocked D); F forks and
 * follows G (G only through forked F). Relay member M1 follows H and D; H
 * follows I. init_authors makes the keys; build_scope_graph also ingests the
 * graph into st. */
extern t_author_t S, A, B, C, D, E, F, G, M1, H, I;
void init_authors(void);
void build_scope_graph(sr_store_t *st);

/* The scope holds exactly the keys of the authors listed, sorted and unique. */
void check_scope(const sr_scope_t *sc, const t_author_t *const *want, size_t n, const char *file, int line);
#define CHECK_SCOPE(sc, ...)                                                                                           \
  do {                                                                                                                 \
    const t_author_t *w_[] = {__VA_ARGS__};                                                                            \
    check_scope((sc), w_, sizeof(w_) / sizeof(w_[0]), __FILE__, __LINE__);                                             \
  } while (0)

/* test_store_net.c */
void log_by_seq_and_stream(void);
void open_adds_missing_node_dbs(void);
void reindex_keeps_node_state(void);
/* test_store_net_members.c */
void invites_expire_revoke_and_drop(void);
void members_removed_stay_out(void);
void members_and_invites_of_the_first_format(void);
/* test_store_net_peers.c */
void peers_round_trip(void);
void peer_address_list(void);
void peer_table_rules(void);
/* test_store_net_scope.c */
void invites_count_down_and_add_members(void);
void scope_hops_blocks_forks_and_members(void);
void scope_forked_self_still_expands(void);

#endif
