/* fuzz_session: one gossip session (net/gossip.c) under libFuzzer, against a
 * real LMDB store in a temp dir, over real sockets on 127.0.0.1.
 *
 * Each input is a fresh node: a new store, an sr_net_t listening on an ephemeral
 * port with the gossip callbacks, and a client sr_net_t on the same libuv loop
 * that dials it with the key of F, the one author the node follows (its scope
 * is {node, F}). After the handshake the client sends hello, then the frames
 * the input describes, then goodbye; the loop runs until the connection ends
 * (the node may drop it first), and the node shuts down as the daemon does.
 * The node must never crash, leak or trip a sanitizer, whatever arrives.
 *
 * The input is a little script, so that the fuzzer reaches the paths of signed
 * entries (duplicates, gaps, forks) that it could never sign itself:
 *   0x00 LEN_HI LEN_LO BYTES   BYTES as they are (any frame, or garbage)
 *   0x01 SEQ TS N TEXT[N]      F's about entry at SEQ (prev: the entry this input
 *                              made at SEQ-1, else random bytes), [3, entry, TS]
 *   0x02                       the last entry frame again (a duplicate)
 *   0x03 N (WHO SEQ EAGER)*N   a notes frame; WHO 0: F, 1: the node, 2: a fixed author
 *                              outside the scope, else a random one; EAGER bit 1
 *                              adds a head id (the entry made at SEQ, else random)
 *   0x04 WHO SEQ               a have frame (WHO as above)
 *   0x05                       let the loop run (batches commit, answers go out)
 *   0x06                       the last entry made, as a fork frame [11, entry]: two
 *                              at one seq are a fork proof
 * An unknown opcode ends the script.
 */
#include "core/core.h"
#include "core/entry.h"
#include "core/frame.h"
#include "net/address.h"
#include "net/gossip.h"
#include "net/net.h"
#include "store/store.h"
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIR_MAX 64 /* "/tmp/fuzz_session.XXXXXX" */
static char dir[DIR_MAX];
static uint8_t node_pk[SR_KEY_BYTES], node_sk[SR_SECRET_BYTES], f_pk[SR_KEY_BYTES], f_sk[SR_SECRET_BYTES],
    other_pk[SR_KEY_BYTES];

/* The node's scope: itself and F (sorted, for scope_keys). */
static uint8_t scope[2][SR_KEY_BYTES];
static int h_in_scope(void *ctx, const uint8_t a[SR_KEY_BYTES]) {
  (void)ctx;
  return !memcmp(a, scope[0], SR_KEY_BYTES) || !memcmp(a, scope[1], SR_KEY_BYTES);
}
static size_t h_scope_keys(void *ctx, const uint8_t (**keys)[SR_KEY_BYTES]) {
  (void)ctx;
  *keys = (const uint8_t(*)[SR_KEY_BYTES])scope;
  return 2;
}
static int h_may_share(void *ctx, const uint8_t peer[SR_KEY_BYTES]) { return h_in_scope(ctx, peer); }
static void h_log(void *ctx, const char *line) { (void)ctx, (void)line; }

typedef struct client {
  sr_net_conn_t *conn;
  int up, closed;
} client_t;

static void c_connected(sr_net_conn_t *c, const uint8_t pk[SR_NET_KEY_BYTES]) {
  (void)pk;
  ((client_t *)c->net->data)->up = 1;
}
static void c_message(sr_net_conn_t *c, const uint8_t *buf, size_t len) { (void)c, (void)buf, (void)len; }
static void c_closed(sr_net_conn_t *c, int reason) {
  (void)reason;
  ((client_t *)c->net->data)->closed = 1;
}
static void c_log(sr_net_t *n, const char *line) { (void)n, (void)line; }
static void s_log(sr_net_t *n, const char *line) { (void)n, (void)line; }

static void wipe_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char path[128];
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    unlink(path);
  }
  if (d) closedir(d);
}

static void remove_dir(void) {
  wipe_dir();
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  uint8_t seed[crypto_sign_SEEDBYTES];
  if (sodium_init() < 0) abort();
  memset(seed, 1, sizeof(seed));
  crypto_sign_seed_keypair(node_pk, node_sk, seed);
  memset(seed, 2, sizeof(seed));
  crypto_sign_seed_keypair(f_pk, f_sk, seed);
  memset(other_pk, 3, sizeof(other_pk));
  int lt = memcmp(node_pk, f_pk, SR_KEY_BYTES) < 0;
  memcpy(scope[0], lt ? node_pk : f_pk, SR_KEY_BYTES);
  memcpy(scope[1], lt ? f_pk : node_pk, SR_KEY_BYTES);
  snprintf(dir, sizeof(dir), "/tmp/fuzz_session.XXXXXX");
  if (!mkdtemp(dir)) abort();
  atexit(remove_dir);
  return 0;
}

static const uint8_t *who_key(uint8_t who, uint8_t rnd[SR_KEY_BYTES]) {
  if (who == 0) return f_pk;
  if (who == 1) return node_pk;
  if (who == 2) return other_pk;
  randombytes_buf(rnd, SR_KEY_BYTES);
  return rnd;
}

static void run_a_little(uv_loop_t *loop) {
  for (int i = 0; i < 8; i++) uv_run(loop, UV_RUN_NOWAIT);
}

/* Sends what the script describes; stops at its end or when the node closed. */
static void play(const uint8_t *data, size_t size, client_t *cl, uv_loop_t *loop) {
  static uint8_t made[256][SR_ID_BYTES];
  static uint8_t have_made[256];
  static uint8_t last[SR_FRAME_MAX], last_raw[SR_ENTRY_MAX];
  size_t last_len = 0, last_rlen = 0, off = 0;
  memset(have_made, 0, sizeof(have_made));
  while (off < size && !cl->closed) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    uint8_t op = data[off++];
    if (op == 0x00 && off + 2 <= size) {
      size_t n = (size_t)data[off] << 8 | data[off + 1];
      off += 2;
      if (n > size - off) n = size - off;
      if (n) msgpack_sbuffer_write(&sb, (const char *)data + off, n); /* 0 bytes: sb.data is NULL */
      off += n;
    } else if (op == 0x01 && off + 3 <= size) {
      uint8_t seq = data[off], ts = data[off + 1], n = data[off + 2];
      off += 3;
      if (n > size - off) n = (uint8_t)(size - off);
      /* {"name": TEXT}: canonical when TEXT is valid UTF-8; the store decides. */
      uint8_t content[8 + 255], raw[SR_ENTRY_MAX], prev[SR_ID_BYTES];
      size_t clen = 0, rlen = 0;
      content[clen++] = 0x81;
      content[clen++] = 0xa4;
      memcpy(content + clen, "name", 4), clen += 4;
      if (n < 32) content[clen++] = (uint8_t)(0xa0 | n);
      else
        content[clen++] = 0xd9, content[clen++] = n;
      memcpy(content + clen, data + off, n), clen += n;
      off += n;
      if (seq > 1 && have_made[seq - 1]) memcpy(prev, made[seq - 1], SR_ID_BYTES);
      else
        randombytes_buf(prev, sizeof(prev));
      sr_entry_t e;
      uint64_t s = seq ? seq : 1;
      if (sr_entry_create(f_sk, s, s == 1 ? NULL : prev, 1700000000000ull + (uint64_t)ts * 1000, "about", content, clen,
                          raw, sizeof(raw), &rlen, &e) == 0) {
        memcpy(made[s], e.id, SR_ID_BYTES);
        have_made[s] = 1;
        memcpy(last_raw, raw, rlen);
        last_rlen = rlen;
        if (sr_frame_entry(&sb, raw, rlen, ts) != 0) abort();
        if (sb.size <= sizeof(last)) memcpy(last, sb.data, sb.size), last_len = sb.size;
      }
    } else if (op == 0x02) {
      if (last_len) msgpack_sbuffer_write(&sb, (const char *)last, last_len);
    } else if (op == 0x03 && off < size) {
      size_t n = data[off++];
      sr_note_t notes[SR_FRAME_MAX_NOTES];
      static uint8_t rnd[SR_FRAME_MAX_NOTES][SR_KEY_BYTES];
      size_t k = 0;
      while (k < n && k < SR_FRAME_MAX_NOTES && off + 3 <= size) {
        notes[k].author = who_key(data[off], rnd[k]);
        notes[k].seq = data[off + 1];
        notes[k].eager = data[off + 2] & 1;
        /* a head id now and then: one of ours, or one no node holds */
        notes[k].head = data[off + 2] & 2 ? (have_made[data[off + 1]] ? made[data[off + 1]] : rnd[k]) : NULL;
        off += 3, k++;
      }
      if (k > SR_FRAME_MAX_NOTES_HEADS)
        for (size_t j = 0; j < k; j++) notes[j].head = NULL;
      if (sr_frame_notes(&sb, notes, k) != 0) abort();
    } else if (op == 0x04 && off + 2 <= size) {
      uint8_t rnd[SR_KEY_BYTES];
      if (sr_frame_have(&sb, who_key(data[off], rnd), data[off + 1]) != 0) abort();
      off += 2;
    } else if (op == 0x05) {
      run_a_little(loop);
    } else if (op == 0x06 && last_rlen) {
      /* the last entry made, as a fork frame: two of them at one seq are a proof */
      if (sr_frame_fork(&sb, last_raw, last_rlen) != 0) abort();
    } else {
      msgpack_sbuffer_destroy(&sb);
      break;
    }
    if (sb.size && sr_net_conn_write(cl->conn, (const uint8_t *)sb.data, sb.size) != 0) {
      /* best effort: the node may have dropped us already; what it does then is the point */
    }
    msgpack_sbuffer_destroy(&sb);
    run_a_little(loop);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uv_loop_t loop;
  sr_store_t *st = NULL;
  sr_gossip_t *g = NULL;
  sr_net_t server, client;
  client_t cl = {0};
  char err[256];
  wipe_dir();
  if (uv_loop_init(&loop) != 0) abort();
  if (sr_store_open(dir, 1, &st, err, sizeof(err)) != 0) abort();
  if (sr_store_set_self(st, node_pk) != 0) abort();

  sr_net_config_t sc;
  memset(&sc, 0, sizeof(sc));
  sr_net_netkey_default(sc.netkey);
  memcpy(sc.pk, node_pk, SR_NET_KEY_BYTES);
  memcpy(sc.sk, node_sk, SR_NET_SECRET_BYTES);
  sr_gossip_net_callbacks(&sc.cb);
  sc.cb.log = s_log;
  if (sr_net_init(&server, &loop, &sc) != 0) abort();
  /* Small limits, so that the rate and duplicate budgets are reachable. */
  sr_gossip_limits_t lim = {"fuzz", 4, 10000, 200, 1 << 20, 1 << 20};
  sr_gossip_hooks_t hooks = {
      .in_scope = h_in_scope, .scope_keys = h_scope_keys, .log = h_log, .may_share = h_may_share};
  if (sr_gossip_init(&g, &server, st, node_pk, 0, &lim, &hooks) != 0) abort();
  if (sr_net_listen(&server, "127.0.0.1", 0) != 0) abort();
  int port = sr_net_listen_port(&server);

  sr_net_config_t cc;
  memset(&cc, 0, sizeof(cc));
  sr_net_netkey_default(cc.netkey);
  memcpy(cc.pk, f_pk, SR_NET_KEY_BYTES);
  memcpy(cc.sk, f_sk, SR_NET_SECRET_BYTES);
  cc.cb.connected = c_connected;
  cc.cb.message = c_message;
  cc.cb.closed = c_closed;
  cc.cb.log = c_log;
  cc.data = &cl;
  if (sr_net_init(&client, &loop, &cc) != 0) abort();
  if (sr_net_dial(&client, "127.0.0.1", (uint16_t)port, node_pk, NULL, &cl.conn) != 0) abort();
  while (!cl.up && !cl.closed) uv_run(&loop, UV_RUN_ONCE);
  if (cl.up) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (sr_frame_hello(&sb, "fuzz_session", 0) != 0) abort();
    if (sr_net_conn_write(cl.conn, (const uint8_t *)sb.data, sb.size) != 0) {
      /* best effort: a node that dropped us at once is fuzzed all the same */
    }
    msgpack_sbuffer_destroy(&sb);
    play(data, size, &cl, &loop);
    if (!cl.closed && sr_net_conn_goodbye(cl.conn) != 0) {
      /* best effort: the loop below waits for the end either way */
    }
    while (!cl.closed) uv_run(&loop, UV_RUN_ONCE);
  }
  sr_gossip_shutdown(g);
  sr_net_close(&server);
  sr_net_close(&client);
  uv_run(&loop, UV_RUN_DEFAULT);
  sr_gossip_free(g);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) abort();
  sr_store_close(st);
  return 0;
}
