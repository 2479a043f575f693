/* hostile_peer.h: the parts of the hostile_peer program (a misbehaving peer for
 * the multi-node tests; hostile_peer.c says how to run it). hostile_peer.c:
 * main (arguments, connect, handshake, hello, the JSON report);
 * hostile_session.c: the one session's state and I/O below; the misbehaviours
 * by family: hostile_bytes.c (bytes that are no frames), hostile_frames.c
 * (well-formed frames in abuse), hostile_abuse.c (non-canonical frames, bad
 * entries, a trickle), hostile_conns.c (many connections). */
#ifndef SR_TEST_HOSTILE_PEER_H
#define SR_TEST_HOSTILE_PEER_H
#include <stdint.h>
#include <stddef.h>

#include "core/boxstream.h"
#include "core/frame.h"
#include "net/address.h"

/* ---- the session (hostile_session.c) ---- */

extern int fd; /* the connection (-1: none) */
extern sr_box_writer_t writer;
extern sr_box_reader_t reader;
extern int boxed;   /* handshake done: reader/writer usable */
extern double t_hs; /* time the handshake finished (or connect, for --silent) */
extern double t_action;
extern unsigned long long sent_frames, sent_bytes, recv_bytes, recv_frames, recv_kinds[16];
extern int closed; /* the node ended the connection: how says how, at t_closed */
extern const char *how;
extern double t_closed;
/* Authors the node told us about (notes) and sent entries of: what it reveals. */
#define SEEN_MAX 256
extern uint8_t noted[SEEN_MAX][SR_KEY_BYTES], entried[SEEN_MAX][SR_KEY_BYTES];
extern unsigned long long entried_n[SEEN_MAX];
extern size_t nnoted, nentried;

double now_ms(void);
/* Notes that the node closed the connection (the first time), why: "eof", "reset"... */
void mark_closed(const char *why);
/* Handle readable bytes (decoding what is boxed). Returns 1 if the connection ended. */
int read_some(void);
/* Write all of buf, reading meanwhile. Returns 0, or -1 if the node closed. */
int send_all(const uint8_t *buf, size_t len);
/* msg in one box. 0, or -1. */
int send_boxed(const uint8_t *msg, size_t len);
/* Blocking read of exactly len bytes with a deadline (handshake only). 0 or an SR_E* code. */
int read_exact(uint8_t *buf, size_t len, int timeout_ms);
/* Reads until the node closes or wait_ms have passed. */
void wait_for_close(int wait_ms);
/* A clean goodbye. 0, or an SR_E* code or -1. */
int send_goodbye(void);

/* ---- the misbehaviours, once the handshake (and hello) are done ----
 * Each returns 0 or the error that stopped it (an SR_E* code or -1); rng seeds
 * the random bytes (--seed). */

/* hostile_bytes.c: --garbage, --raw-garbage (raw: outside Box Stream), --huge */
int send_garbage(int raw, unsigned long long count, uint64_t rng);
int send_huge(void);
/* hostile_frames.c: --flood, --peers-flood, --notes-flood, --resend, --ask, --announce, --send-file */
int send_ping_flood(unsigned long long count);
int send_peers_flood(msgpack_sbuffer *sb, unsigned long long count, uint64_t rng);
int send_notes_flood(msgpack_sbuffer *sb, unsigned long long seconds, unsigned long long rate, uint64_t rng);
int send_resend(msgpack_sbuffer *sb, const uint8_t *sk, unsigned long long count);
#define ASK_USAGE 2 /* send_ask: a bad --ask; the program exits 2 */
int send_ask(msgpack_sbuffer *sb, const char *ask);
int send_announce(msgpack_sbuffer *sb, const char *announce);
#define SEND_FILE_USAGE 3 /* send_file: a file that cannot be read or holds no whole frames; exit 2 */
int send_file(const char *path, unsigned long long repeat);

/* hostile_abuse.c: --noncanon VARIANT, --bad-sig N, --fork N, --forged-fork,
 * --foreign N (send_entries; sk: our secret key), --trickle MS, --trickle-raw MS
 * (until the node closes or wait_ms) */
int send_noncanon(msgpack_sbuffer *sb, int variant);
enum { ENTRIES_BAD_SIG = 1, ENTRIES_FORK, ENTRIES_FORGED_FORK, ENTRIES_FOREIGN };
int send_entries(msgpack_sbuffer *sb, const uint8_t *sk, int kind, unsigned long long count);
int send_trickle(int raw, int every_ms, int wait_ms);

/* hostile_conns.c: --sessions, --reconnect and --reconnect-loop, each a whole run of its own
 * (the program's exit code). */
int run_sessions(const char *host, const char *portstr, const uint8_t server_pk[SR_KEY_BYTES],
                 const uint8_t netkey[SR_NET_NETKEY_BYTES], int n, int wait_ms, int ping_ms);
int run_reconnect(const char *host, const char *portstr, int n);
/* n sessions one after another with one identity (pk, sk): handshake, hello, close. */
int run_reconnect_loop(const char *host, const char *portstr, const uint8_t server_pk[SR_KEY_BYTES],
                       const uint8_t netkey[SR_NET_NETKEY_BYTES], int n, const uint8_t *pk, const uint8_t *sk);

#endif
