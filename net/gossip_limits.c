/* gossip_limits.c: who gets a session when every slot is taken
 * (docs/protocol.md, "Connection limits"): friends, members and this node's
 * own dials before known peers before strangers, a quarter of the slots kept
 * from strangers, and the least recently useful session ended to make room. */
#include "net/gossip_internal.h"
#include <string.h>

/* Friends and members alike, then known peers, then strangers. */
static int rank(int standing) { return standing >= SR_GOSSIP_MEMBER ? 2 : standing == SR_GOSSIP_KNOWN ? 1 : 0; }

/* A quarter of max_conns (at least one when there are two) only friends,
 * members, known peers and this node's own dials may use. */
static size_t reserved(const sr_gossip_t *g) { return g->lim.max_conns >= 2 ? (g->lim.max_conns + 3) / 4 : 0; }

/* A stranger makes room only by ending another stranger that has given this
 * node nothing for this long: pinging alone never keeps a slot, and a
 * newcomer cannot push out one that is syncing. */
static uint64_t stranger_idle_ms(const sr_gossip_t *g) { return g->lim.idle_timeout_ms / 5; }

/* Whether a session of rank r fits without ending another; refresh: ask the
 * standing of the inbound sessions again first. */
static int fits(sr_gossip_t *g, int r, int refresh) {
  size_t strangers = 0, live = 0;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (p->closing) continue;
    live++;
    if (refresh && !p->outbound && g->h.classify) p->standing = g->h.classify(g->h.ctx, p->key);
    strangers += !p->outbound && rank(p->standing) == 0;
  }
  return r == 0 ? live < g->lim.max_conns && strangers + reserved(g) < g->lim.max_conns : live < g->lim.max_conns;
}

/* Makes room for a new session of the given standing: 0 when it may come in
 * (after ending the least recently useful session of a lower rank, or an idle
 * stranger, when that was needed), SR_ECONNCAP when it must be refused. The
 * standing of inbound sessions is asked again here: the scope, the members
 * and the peer table change while a session lasts. */
int sr_gossip_make_room(sr_gossip_t *g, int standing) {
  uint64_t now = sr_gossip_now(g);
  int r = rank(standing);
  sr_gpeer_t *victim = NULL;
  /* The standings are asked again only when a limit is reached (a relay's
   * member check reads the store). */
  if (fits(g, r, 0) || fits(g, r, 1)) return 0;
  for (sr_gpeer_t *p = g->peers; p; p = p->next) {
    if (p->closing || p->outbound) continue;
    int pr = rank(p->standing);
    if (r == 0 ? pr != 0 || now - p->last_useful < stranger_idle_ms(g) : pr >= r) continue;
    if (!victim || pr < rank(victim->standing) ||
        (pr == rank(victim->standing) && p->last_useful < victim->last_useful))
      victim = p;
  }
  if (!victim) return SR_ECONNCAP;
  sr_gossip_drop(victim, SR_EEVICTED,
                 r == 0 ? "it sent nothing this node needed for a while; room for a newcomer"
                        : "room for a peer this node knows better");
  return 0;
}

void sr_gossip_set_limits(sr_gossip_t *g, const sr_gossip_limits_t *limits) {
  const char *agent = g->lim.agent; /* sent in hellos already: a session sees one agent */
  g->lim = *limits;
  g->lim.agent = agent;
}
