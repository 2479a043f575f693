/* test_net_drops.h: the parts of the test_net_drops program (the listener and
 * dialer over real sockets on loopback): test_net_drops.c (main, the listener
 * and the good peer, the loop), test_net_drops_attacks.c (bad peers on a
 * thread with raw sockets) and test_net_drops_flood.c (floods from many
 * sources). What they share lives in test_net_drops.c unless said otherwise. */
#ifndef SR_TEST_NET_DROPS_H
#define SR_TEST_NET_DROPS_H
#include <uv.h>

#include "core/clock.h"
#include "core/err.h"
#include "net/net.h"
#include "tests/net/test_util.h"

#define TIMEOUT_MS 300          /* the listener's handshake timeout, but where a case says otherwise */
#define ECHO_BYTES 10000        /* what a good peer sends and gets back */
#define FLOOD_MIN_CONNECTS 3000 /* log_flood: enough connections to dwarf the log bound */

typedef struct {
  uint8_t pk[SR_NET_KEY_BYTES], sk[SR_NET_SECRET_BYTES];
} keypair_t;

extern uv_loop_t loop;
extern uint8_t netkey[SR_NET_NETKEY_BYTES];
extern keypair_t alice, bob, mallory; /* alice dials, bob listens */
extern sr_net_t srv, cli;
extern char listen_host[16];
extern int port; /* the listener's */

extern int srv_lines; /* every line the listener logged */
extern int quiet_log; /* a flood: do not echo the lines (counted all the same) */
/* the good peer's (the dialer's) observations */
extern int cli_connected, cli_closed, cli_closed_reason;
extern size_t cli_rx_len;
extern double watchdog_extra_s; /* run_until waits this much longer (a longer flood) */
extern size_t max_live;         /* most connections the listener held at once */

double now_s(void);
/* Lines logged so far that contain a (and b, if not NULL); "S " the listener's, "C " the dialer's. */
int count_log(const char *a, const char *b);
/* Runs the loop until pred holds; exits the test if it does not within the watchdog. */
void run_until(int (*pred)(void));
void reset_counters(void);

/* test_net_drops_attacks.c: a bad peer on its thread, and what it saw */
typedef void (*attack_fn)(void);
extern volatile int attacker_done;
extern size_t attacker_bytes;   /* bytes received after the part it expected */
extern int attacker_eof;        /* saw an orderly EOF (not a timeout) */
extern double attacker_elapsed; /* seconds from its last send to EOF */
void attack_wrong_netkey(void);
void attack_garbage(void);
void attack_replayed_msg1(void);
void attack_stalled(void);
void attack_flood(void);
void attack_corrupt_box(void);
void attack_silent(void);
/* Runs fn on its thread and the loop until done holds. */
void attack(attack_fn fn, int (*done)(void));
/* attack(fn) until the listener logged its drop: exactly one, naming errname, and it closed. */
void bad_peer(attack_fn fn, const char *errname);

/* test_net_drops_flood.c: set by main before prefix_flood */
extern int flood_spread; /* 0: sources 127.0.0.2-17 (one /24); 1: 127.N.0.1 (16 /24s); 2: 16 addresses of one
                            IPv6 /64, FLOOD_V6_PREFIX::2-17 (tests/net/netns6.sh puts them on a namespace's lo) */
extern const uint8_t flood_v6_prefix[8]; /* fd5e:0:0:1::/64 */
extern size_t max_flood64;               /* most inbound handshakes from it at once */
extern int flood_per_source;             /* connections held from each source */
extern double flood_min_s;               /* keep flooding at least this long */
extern unsigned long flood_min_connects; /* and make at least this many connections */
void prefix_flood(void);

#endif
