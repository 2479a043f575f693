/* hostile_peer.c: a misbehaving Seurone peer for the multi-node tests.
 *
 *   hostile_peer ADDRESS MODE [--netkey HEX] [--wait MS] [--seed N] [--no-hello]
 *
 * Dials ADDRESS (seurone://HOST:PORT/KEYHEX) with a fresh identity, completes
 * Secret Handshake v1 (core/shs.h) with the network key (default: Seurone's),
 * and then, inside Box Stream (core/boxstream.h), sends hello [1, 1, agent,
 * false] (unless --no-hello) and misbehaves:
 *
 *   --garbage [BYTES]   BYTES (default 65536) random bytes in valid boxes
 *   --raw-garbage [BYTES] BYTES random bytes straight on the socket (not boxed)
 *   --stall             nothing more; stays connected and reads
 *   --silent            not even the handshake: TCP connect, then nothing
 *   --flood N           N ping frames [8] as fast as the socket takes them
 *   --huge              an entry frame whose bin header claims 1 GiB, then filler
 *                       (up to 1 MiB) until the node hangs up
 *   --hello-only        hello, then a clean goodbye (a well-behaved control)
 *   --announce ADDRESS  hello, a reachable frame [10, ADDRESS] (an address that may
 *                       name another key than ours: a lie), then a clean goodbye
 *   --peers-flood N     N peers frames, each with 32 made-up addresses of random
 *                       keys (seurone://127.0.0.1:PORT/KEY, PORT in 1..1000, where
 *                       nothing listens), then a clean goodbye
 *   --notes-flood SECONDS  for SECONDS, notes frames of 256 random authors, each
 *                       followed by a have frame for another random author, at
 *                       --rate pairs per second (default 400: about 4.5 MB/s and
 *                       800 frames/s, inside the default rate limits), then waits
 *   --resend N          an entry of our own log (seq 1, an about entry) N times as
 *                       fast as the socket takes it, then waits
 *   --ask HEX[,HEX...]  notes [A, 0, eager] for each author A and a have
 *                       [A, 1000000] (a claim to hold more than the node), then
 *                       waits and reads what the node answers
 *
 *   --noncanon VARIANT  one frame in a non-canonical encoding: 0 a ping whose kind
 *                       is a uint8, 1 a ping in an array16, 2 a have whose author
 *                       is a bin16; then waits
 *   --bad-sig N         entries seq 1..N of our own log, each signature broken
 *   --fork N            a validly signed seq 1 of our own log, "branch N": two
 *                       sessions with two N fork the log
 *   --forged-fork       fork frames [11, ...] of two seq 1 entries of our log, the
 *                       second's signature broken
 *   --foreign N         N valid entries, each of a fresh author (outside any scope),
 *                       as fast as the socket takes them
 *   --trickle MS        an entry frame (claiming 16,000 bytes) one byte per box,
 *                       a box every MS ms, until the node hangs up or --wait
 *   --trickle-raw MS    the same frame's ciphertext, one byte every MS ms
 *   --claim-key HEX     claim the key HEX in the handshake while signing with our
 *                       own secret: a second session of another node's key
 *                       without its secret
 *
 *   --no-read           after the misbehaviour (e.g. --ask, so that the node has
 *                       much to send), read nothing more (a 4 KiB receive buffer)
 *                       and send nothing for --wait MS; then only the node's log
 *                       says whether and why it dropped us
 *
 *   --send-file FILE [--repeat N]
 *                       the frames FILE holds (whole frames a test built: fork
 *                       proofs, forged ones...), N times over (default 1), as
 *                       fast as the socket takes them, then waits and reads
 *
 *   --key-seed HEX      our identity from a 32-byte seed (64 hex digits) instead of
 *                       a fresh one: a test can make the node follow us
 *   --sessions N [--ping-ms MS]
 *                       N sessions at once, each with a fresh identity (throwaway
 *                       keys), each sending hello and then only a ping every MS
 *                       (default 1000) while reading whatever the node sends;
 *                       until --wait MS or SIGTERM. The last line is then
 *                       {"mode": "sessions", "sessions": N, "opened" (handshake
 *                       and hello done), "handshake_failed", "ended" (closed by
 *                       the node), "alive", "elapsed_ms"}; one line "session I
 *                       ended by the node after MS ms" per session it closed.
 *   --reconnect-loop N  N sessions one after another with one identity (--key-seed
 *                       or a fresh one): handshake, hello, close at once; the last
 *                       line is {"mode": "reconnect-loop", "connections": N,
 *                       "sessions" (handshakes done), "handshake_failed",
 *                       "elapsed_ms"}.
 *   --reconnect N       a reconnect flood: N TCP connections one after another,
 *                       each sending 64 bytes that are no handshake message, then
 *                       waiting for the node to hang up; the last line is
 *                       {"mode": "reconnect", "connections": N, "made",
 *                       "elapsed_ms"}.
 *
 * Then it waits up to --wait MS (default 15000) for the node to close the
 * connection, reading (and decoding) whatever the node sends. Human-readable
 * lines go to stdout; the LAST line is one JSON object:
 *   {"mode", "key" (our key hex), "handshake": bool, "handshake_error": str|null,
 *    "sent_frames", "sent_bytes", "received_bytes", "received_frames",
 *    "received_kinds": {"1": n, ...}, "closed": bool, "how": "eof"|"reset"|
 *    "goodbye"|"box-error"|null, "noted": [author hex the node sent notes for],
 *    "entries": {author hex: entry frames received}, "closed_after_ms" (from the end of the handshake,
 *    or from connect for --silent; null if still open), "action_ms" (when the
 *    misbehaviour was fully sent), "elapsed_ms"}
 * Exit 0 whatever the node did; 2 on a usage error or when the TCP connection
 * cannot be made.
 *
 * This file is main; hostile_peer.h names the other parts (the session, the
 * misbehaviours by family).
 */
#include "tests/multi/hostile_peer.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/num.h"
#include "core/shs.h"

enum {
  M_GARBAGE = 1,
  M_RAW,
  M_STALL,
  M_SILENT,
  M_FLOOD,
  M_HUGE,
  M_HELLO_ONLY,
  M_ANNOUNCE,
  M_PEERS_FLOOD,
  M_NOTES,
  M_RESEND,
  M_ASK,
  M_SESSIONS,
  M_RECONNECT,
  M_SEND_FILE,
  M_NONCANON,
  M_ENTRIES,
  M_TRICKLE,
  M_RECONNECT_LOOP
};
static const char *MODE_NAMES[] = {"",        "garbage",       "raw-garbage", "stall",       "silent",      "flood",
                                   "huge",    "hello-only",    "announce",    "peers-flood", "notes-flood", "resend",
                                   "ask",     "sessions",      "reconnect",   "send-file",   "noncanon",    "entries",
                                   "trickle", "reconnect-loop"};

static void usage(void) {
  fprintf(stderr,
          "usage: hostile_peer ADDRESS (--garbage [BYTES] | --raw-garbage [BYTES] | --stall | --silent |\n"
          "                     --flood N | --huge | --hello-only | --announce ADDRESS | --peers-flood N |\n"
          "                     --notes-flood SECONDS | --resend N | --ask HEX[,HEX...] |\n"
          "                     --sessions N [--ping-ms MS] | --reconnect N | --send-file FILE [--repeat N] |\n"
          "                     --noncanon 0|1|2 | --bad-sig N | --fork N | --forged-fork | --foreign N |\n"
          "                     --trickle MS | --trickle-raw MS | --reconnect-loop N)\n"
          "                     [--netkey HEX] [--wait MS]\n"
          "                     [--seed N] [--rate N] [--key-seed HEX] [--claim-key HEX] [--no-hello] [--no-read]\n");
  exit(2);
}

/* Digits only, up to INT32_MAX: then atoi and strtoull below read it exactly. */
static int is_number(const char *s) {
  uint64_t v;
  return sr_parse_u64(s, 0, INT32_MAX, &v) == 0;
}

int main(int argc, char **argv) {
  const char *address = NULL, *netkey_hex = NULL, *announce = NULL, *key_seed = NULL, *ask = NULL, *file = NULL;
  const char *claim = NULL;
  int mode = 0, wait_ms = 15000, hello = 1, ping_ms = 1000, kind = 0, raw_trickle = 0, no_read = 0;
  unsigned long long count = 0, seed = 1, rate = 400, repeat = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--garbage") || !strcmp(a, "--raw-garbage")) {
      mode = !strcmp(a, "--garbage") ? M_GARBAGE : M_RAW;
      count = 65536;
      if (i + 1 < argc && is_number(argv[i + 1])) count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--stall")) {
      mode = M_STALL;
    } else if (!strcmp(a, "--silent")) {
      mode = M_SILENT;
    } else if (!strcmp(a, "--huge")) {
      mode = M_HUGE;
    } else if (!strcmp(a, "--hello-only")) {
      mode = M_HELLO_ONLY;
    } else if (!strcmp(a, "--announce") && i + 1 < argc) {
      mode = M_ANNOUNCE;
      announce = argv[++i];
    } else if (!strcmp(a, "--peers-flood") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_PEERS_FLOOD;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--flood") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_FLOOD;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--notes-flood") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_NOTES;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--resend") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_RESEND;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--ask") && i + 1 < argc) {
      mode = M_ASK;
      ask = argv[++i];
    } else if (!strcmp(a, "--send-file") && i + 1 < argc) {
      mode = M_SEND_FILE;
      file = argv[++i];
    } else if (!strcmp(a, "--noncanon") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_NONCANON;
      count = strtoull(argv[++i], NULL, 10);
      if (count > 2) usage();
    } else if ((!strcmp(a, "--bad-sig") || !strcmp(a, "--foreign") || !strcmp(a, "--fork")) && i + 1 < argc &&
               is_number(argv[i + 1])) {
      mode = M_ENTRIES;
      kind = !strcmp(a, "--bad-sig") ? ENTRIES_BAD_SIG : !strcmp(a, "--fork") ? ENTRIES_FORK : ENTRIES_FOREIGN;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--forged-fork")) {
      mode = M_ENTRIES;
      kind = ENTRIES_FORGED_FORK;
    } else if ((!strcmp(a, "--trickle") || !strcmp(a, "--trickle-raw")) && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_TRICKLE;
      raw_trickle = !strcmp(a, "--trickle-raw");
      count = strtoull(argv[++i], NULL, 10);
      if (count < 1) usage();
    } else if (!strcmp(a, "--reconnect-loop") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_RECONNECT_LOOP;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--claim-key") && i + 1 < argc) {
      claim = argv[++i];
    } else if (!strcmp(a, "--repeat") && i + 1 < argc && is_number(argv[i + 1])) {
      repeat = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--rate") && i + 1 < argc && is_number(argv[i + 1])) {
      rate = strtoull(argv[++i], NULL, 10);
      if (!rate) usage();
    } else if (!strcmp(a, "--key-seed") && i + 1 < argc) {
      key_seed = argv[++i];
    } else if (!strcmp(a, "--sessions") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_SESSIONS;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--reconnect") && i + 1 < argc && is_number(argv[i + 1])) {
      mode = M_RECONNECT;
      count = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--ping-ms") && i + 1 < argc && is_number(argv[i + 1])) {
      ping_ms = atoi(argv[++i]);
    } else if (!strcmp(a, "--netkey") && i + 1 < argc) {
      netkey_hex = argv[++i];
    } else if (!strcmp(a, "--wait") && i + 1 < argc && is_number(argv[i + 1])) {
      wait_ms = atoi(argv[++i]);
    } else if (!strcmp(a, "--seed") && i + 1 < argc && is_number(argv[i + 1])) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--no-read")) {
      no_read = 1;
    } else if (!strcmp(a, "--no-hello")) {
      hello = 0;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage();
    } else if (a[0] != '-' && !address) {
      address = a;
    } else {
      usage();
    }
  }
  if (!address || !mode) usage();
  if (sodium_init() < 0) return 2;
  signal(SIGPIPE, SIG_IGN);

  char host[SR_NET_HOST_MAX];
  uint16_t port;
  uint8_t server_pk[SR_KEY_BYTES], netkey[SR_NET_NETKEY_BYTES], pk[SR_KEY_BYTES], sk[SR_SECRET_BYTES];
  int rc = sr_net_address_parse(address, host, sizeof host, &port, server_pk);
  if (rc != 0) {
    fprintf(stderr, "hostile_peer: bad address %s: %s\n", address, sr_errname(rc));
    return 2;
  }
  if (netkey_hex) {
    if (sr_net_netkey_parse(netkey_hex, netkey) != 0) {
      fprintf(stderr, "hostile_peer: bad --netkey\n");
      return 2;
    }
  } else {
    sr_net_netkey_default(netkey);
  }
  if (mode == M_RECONNECT) {
    char ps[8];
    if (count < 1 || count > 10000000) usage();
    snprintf(ps, sizeof ps, "%u", port);
    return run_reconnect(host, ps, (int)count);
  }
  if (mode == M_SESSIONS) {
    char ps[8];
    if (count < 1 || count > 1024 || ping_ms < 1) usage();
    snprintf(ps, sizeof ps, "%u", port);
    return run_sessions(host, ps, server_pk, netkey, (int)count, wait_ms, ping_ms);
  }
  if (key_seed) {
    uint8_t ks[crypto_sign_SEEDBYTES];
    if (strlen(key_seed) != 2 * sizeof ks || sr_hex_decode(key_seed, ks, sizeof ks) != 0) {
      fprintf(stderr, "hostile_peer: bad --key-seed (64 hex digits)\n");
      return 2;
    }
    crypto_sign_seed_keypair(pk, sk, ks);
  } else {
    crypto_sign_keypair(pk, sk);
  }
  /* The key claimed is not the one signed with: the node must refuse the handshake. */
  if (claim && (strlen(claim) != SR_HEX_KEY_LEN || sr_hex_decode(claim, pk, SR_KEY_BYTES) != 0)) {
    fprintf(stderr, "hostile_peer: bad --claim-key (64 hex digits)\n");
    return 2;
  }
  if (mode == M_RECONNECT_LOOP) {
    char ps[8];
    if (count < 1 || count > 10000000) usage();
    snprintf(ps, sizeof ps, "%u", port);
    return run_reconnect_loop(host, ps, server_pk, netkey, (int)count, pk, sk);
  }
  char pkhex[SR_HEX_KEY_LEN + 1];
  sr_hex_encode(pk, SR_KEY_BYTES, pkhex);
  printf("hostile peer %s, mode %s\n", pkhex, MODE_NAMES[mode]);

  /* TCP connect. */
  char portstr[8];
  snprintf(portstr, sizeof portstr, "%u", port);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
    fprintf(stderr, "hostile_peer: cannot resolve %s\n", host);
    return 2;
  }
  fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd >= 0 && no_read) {
    int small = 4096; /* set before connect: the window stays small */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
  if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    fprintf(stderr, "hostile_peer: cannot connect to %s:%s: %s\n", host, portstr, strerror(errno));
    freeaddrinfo(res);
    return 2;
  }
  freeaddrinfo(res);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  printf("connected to %s:%s\n", host, portstr);
  fflush(stdout);
  double t0 = now_ms();

  int handshake = 0;
  const char *hs_error = NULL;
  if (mode == M_SILENT) {
    t_hs = t0;
    t_action = 0;
    wait_for_close(wait_ms);
  } else {
    sr_shs_t hs;
    uint8_t out[SR_SHS_MSG_MAX], in[SR_SHS_MSG_MAX];
    size_t olen = 0;
    rc = sr_shs_client_init(&hs, netkey, pk, sk, server_pk, NULL);
    if (rc == 0) rc = sr_shs_start(&hs, out, &olen);
    if (rc == 0 && send(fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
    while (rc == 0 && !sr_shs_done(&hs)) {
      size_t want = sr_shs_expect(&hs);
      rc = read_exact(in, want, 15000);
      if (rc == 0) rc = sr_shs_recv(&hs, in, want, out, &olen);
      if (rc == 0 && olen > 0 && send(fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) rc = SR_ENETIO;
    }
    if (rc == 0) {
      sr_shs_result_t r;
      rc = sr_shs_result(&hs, &r);
      if (rc == 0) rc = sr_box_writer_init(&writer, r.enc_key, r.enc_nonce);
      if (rc == 0) rc = sr_box_reader_init(&reader, r.dec_key, r.dec_nonce);
      sodium_memzero(&r, sizeof r);
    }
    if (rc == 0) {
      boxed = 1;
      handshake = 1;
      t_hs = now_ms();
      printf("handshake done in %.0f ms\n", t_hs - t0);
    } else {
      hs_error = sr_errname(rc);
      t_hs = t0;
      printf("handshake failed: %s\n", hs_error);
      if (rc == SR_EHSCLOSED) mark_closed("eof");
    }
    sr_shs_wipe(&hs);
    fflush(stdout);
  }

  if (handshake) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int ok = 0;
    if (hello && mode != M_RAW) {
      ok = sr_frame_hello(&sb, "hostile_peer/1", 0);
      if (ok == 0) ok = send_boxed((const uint8_t *)sb.data, sb.size);
      if (ok == 0) sent_frames++;
      msgpack_sbuffer_clear(&sb);
      printf("sent hello\n");
    }
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    if (ok == 0) switch (mode) {
        case M_GARBAGE:
        case M_RAW:
          ok = send_garbage(mode == M_RAW, count, rng);
          break;
        case M_HUGE:
          ok = send_huge();
          break;
        case M_FLOOD:
          ok = send_ping_flood(count);
          break;
        case M_PEERS_FLOOD:
          ok = send_peers_flood(&sb, count, rng);
          break;
        case M_NOTES:
          ok = send_notes_flood(&sb, count, rate, rng);
          break;
        case M_RESEND:
          ok = send_resend(&sb, sk, count);
          break;
        case M_ASK:
          ok = send_ask(&sb, ask);
          if (ok == ASK_USAGE) return 2;
          break;
        case M_ANNOUNCE:
          ok = send_announce(&sb, announce);
          break;
        case M_NONCANON:
          ok = send_noncanon(&sb, (int)count);
          break;
        case M_ENTRIES:
          ok = send_entries(&sb, sk, kind, count);
          break;
        case M_TRICKLE:
          ok = send_trickle(raw_trickle, (int)count, wait_ms);
          break;
        case M_SEND_FILE:
          ok = send_file(file, repeat);
          if (ok == SEND_FILE_USAGE) return 2;
          break;
        case M_HELLO_ONLY:
          ok = send_goodbye();
          break;
        default:
          break;
      }
    msgpack_sbuffer_destroy(&sb);
    t_action = now_ms() - t_hs;
    fflush(stdout);
    if (no_read) {
      printf("reading and sending nothing for %d ms\n", wait_ms);
      fflush(stdout);
      poll(NULL, 0, wait_ms);
    } else {
      wait_for_close(wait_ms);
    }
  }
  if (!closed) printf("connection still open after %.0f ms\n", now_ms() - t_hs);
  double elapsed = now_ms() - t0;

  printf("{\"mode\":\"%s\",\"key\":\"%s\",\"handshake\":%s,\"handshake_error\":", MODE_NAMES[mode], pkhex,
         handshake ? "true" : "false");
  if (hs_error) printf("\"%s\"", hs_error);
  else
    printf("null");
  printf(
      ",\"sent_frames\":%llu,\"sent_bytes\":%llu,\"received_bytes\":%llu,\"received_frames\":%llu,"
      "\"received_kinds\":{",
      sent_frames, sent_bytes, recv_bytes, recv_frames);
  int first = 1;
  for (int k = 0; k < 16; k++)
    if (recv_kinds[k]) printf("%s\"%d\":%llu", first ? "" : ",", k, recv_kinds[k]), first = 0;
  printf("},\"noted\":[");
  for (size_t k = 0; k < nnoted; k++) {
    char hx[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(noted[k], SR_KEY_BYTES, hx);
    printf("%s\"%s\"", k ? "," : "", hx);
  }
  printf("],\"entries\":{");
  for (size_t k = 0; k < nentried; k++) {
    char hx[SR_HEX_KEY_LEN + 1];
    sr_hex_encode(entried[k], SR_KEY_BYTES, hx);
    printf("%s\"%s\":%llu", k ? "," : "", hx, entried_n[k]);
  }
  printf("},\"closed\":%s,\"how\":", closed ? "true" : "false");
  if (how) printf("\"%s\"", how);
  else
    printf("null");
  printf(",\"closed_after_ms\":");
  if (closed) printf("%.0f", t_closed - t_hs);
  else
    printf("null");
  printf(",\"action_ms\":%.0f,\"elapsed_ms\":%.0f}\n", t_action < 0 ? 0 : t_action, elapsed);
  fflush(stdout);
  if (boxed) {
    sr_box_writer_wipe(&writer);
    sr_box_reader_wipe(&reader);
  }
  sodium_memzero(sk, sizeof sk);
  close(fd);
  return 0;
}
