/* frame.h: the gossip frames carried inside Box Stream (docs/protocol.md).
 *
 * Every frame is one canonical MessagePack array whose first element is its kind:
 *   [1, version, agent, relay]            hello: first frame each side sends
 *   [2, [[author, seq, eager, head?], ...]]  notes: what this side holds and wants;
 *                                         head, when given, the id of its entry seq
 *   [3, entry, hops]                      entry: one signed entry, unsigned hop counter
 *   [4, author, seq]                      have: lazy announcement
 *   [5, [address, ...]]                   peers: addresses this side can share
 *   [6, secret, label?]                   invite: redeem an invite on a relay, or a
 *                                         device code (label: the new device's name)
 *   [7, ok, reason]                       invite reply
 *   [8]                                   ping: keepalive, no answer expected
 *   [9, epoch, key, w, c, [x, ...]]       pushsum: half a node's push-sum mass; w, c,
 *                                         x are IEEE-754 doubles' bit patterns as
 *                                         uints (finite, >= 0; core/pushsum.h)
 *   [10, address]                         reachable: the sender chose to be reachable
 *                                         by strangers at address (its own)
 *   [11, entry]                           fork: one signed entry of a fork proof; a
 *                                         proof is two of them in a row, one author
 *                                         and one seq, two ids (docs/protocol.md)
 * Frames follow each other with no length prefix (MessagePack delimits itself);
 * a frame is at most SR_FRAME_MAX bytes. Pure code: no I/O.
 */
#ifndef SR_FRAME_H
#define SR_FRAME_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "core/entry.h"

#define SR_PROTO_VERSION 1
#define SR_FRAME_MAX (SR_ENTRY_MAX + 1024)
#define SR_FRAME_MAX_NOTES 256
/* Notes that carry a head id are longer: a notes frame with any head id holds
 * at most this many (192 of the longest notes fit SR_FRAME_MAX). */
#define SR_FRAME_MAX_NOTES_HEADS 192
#define SR_FRAME_MAX_PEERS 32
#define SR_FRAME_AGENT_MAX 64
#define SR_FRAME_ADDR_MAX 352
#define SR_FRAME_PUSHSUM_MAXV 8  /* averaged quantities in one pushsum frame */
#define SR_FRAME_LABEL_MAX 64    /* an invite frame's label (a device's name) */
#define SR_FRAME_SECRET_BYTES 32 /* an invite secret (the store names it SR_INVITE_SECRET_BYTES) */

enum sr_frame_kind {
  SR_FRAME_HELLO = 1,
  SR_FRAME_NOTES,
  SR_FRAME_ENTRY,
  SR_FRAME_HAVE,
  SR_FRAME_PEERS,
  SR_FRAME_INVITE,
  SR_FRAME_INVITE_REPLY,
  SR_FRAME_PING,
  SR_FRAME_PUSHSUM,
  SR_FRAME_REACHABLE,
  SR_FRAME_FORK,
  SR_FRAME_REFUSED
};

/* A refused frame's version and reasons (docs/protocol.md, "Refusals"). */
#define SR_FRAME_REFUSED_VERSION 1
#define SR_FRAME_REFUSED_TEXT_MAX 160
enum { SR_REFUSED_QUOTA = 1, SR_REFUSED_PURGED = 2, SR_REFUSED_POLICY = 3 };

typedef struct sr_note {
  const uint8_t *author; /* SR_KEY_BYTES, points into the frame */
  uint64_t seq;
  int eager;
  /* the id (SR_ID_BYTES) of the sender's entry seq of author, or NULL (not
   * sent: seq 0, or an earlier version): how a receiver that holds another
   * entry at seq sees a fork the two seqs alone hide (docs/protocol.md) */
  const uint8_t *head;
} sr_note_t;

/* A decoded frame; pointers point into the bytes given to sr_frame_decode. */
typedef struct sr_frame {
  int kind;
  uint64_t version;  /* hello */
  const char *agent; /* hello (not NUL-terminated) */
  uint32_t agent_len;
  int relay; /* hello */
  sr_note_t notes[SR_FRAME_MAX_NOTES];
  uint32_t nnotes;      /* notes */
  const uint8_t *entry; /* entry, fork */
  size_t entry_len;
  uint64_t hops;         /* entry */
  const uint8_t *author; /* have */
  uint64_t seq;          /* have */
  const char *addrs[SR_FRAME_MAX_PEERS];
  uint32_t addr_lens[SR_FRAME_MAX_PEERS];
  uint32_t naddrs;       /* peers; reachable: 1 (its address is addrs[0]) */
  const uint8_t *secret; /* invite (SR_FRAME_SECRET_BYTES) */
  const char *label;     /* invite: the third element when it is a str of at most
                            SR_FRAME_LABEL_MAX bytes (a device's name), else NULL */
  uint32_t label_len;
  int ok;             /* invite reply */
  uint64_t code;      /* refused: SR_REFUSED_* (another value: a later reason) */
  const char *reason; /* invite reply, refused */
  uint32_t reason_len;
  uint64_t ps_epoch, ps_w, ps_c; /* pushsum (w, c, x: binary64 bit patterns) */
  const uint8_t *ps_key;         /* pushsum (SR_KEY_BYTES) */
  uint64_t ps_x[SR_FRAME_PUSHSUM_MAXV];
  uint32_t ps_nx;
} sr_frame_t;

/* Finds where the first frame in buf ends. Returns 0 and *frame_len, or SR_ETRUNC
 * when more bytes are needed, SR_EFRAMESIZE when the frame cannot fit in
 * SR_FRAME_MAX, or another code when the bytes are not a canonical value. */
SR_MUST_USE int sr_frame_next(const uint8_t *buf, size_t len, size_t *frame_len);

/* Decodes one whole frame (exactly len bytes). Unknown kinds decode with only
 * kind set (forward compatibility: the receiver ignores them); a known kind with
 * trailing elements a later version added is read for its known fields (also
 * inside each note), and one missing a field is SR_EFRAME (docs/protocol.md,
 * "Extending frames"). Errors: SR_EFRAME, or a canonical-msgpack code. */
SR_MUST_USE int sr_frame_decode(const uint8_t *buf, size_t len, sr_frame_t *f);

/* Encoders append one frame to sb (msgpack-c's growing buffer). */
SR_MUST_USE int sr_frame_hello(msgpack_sbuffer *sb, const char *agent, int relay);
SR_MUST_USE int sr_frame_notes(msgpack_sbuffer *sb, const sr_note_t *notes, size_t n);
SR_MUST_USE int sr_frame_entry(msgpack_sbuffer *sb, const uint8_t *raw, size_t len, uint64_t hops);
SR_MUST_USE int sr_frame_have(msgpack_sbuffer *sb, const uint8_t author[SR_KEY_BYTES], uint64_t seq);
SR_MUST_USE int sr_frame_peers(msgpack_sbuffer *sb, const char *const *addrs, size_t n);
/* label: NULL for none (the frame of version 1: [6, secret]); else at most
 * SR_FRAME_LABEL_MAX bytes (SR_EINVAL). */
SR_MUST_USE int sr_frame_invite(msgpack_sbuffer *sb, const uint8_t secret[SR_FRAME_SECRET_BYTES], const char *label);
SR_MUST_USE int sr_frame_invite_reply(msgpack_sbuffer *sb, int ok, const char *reason);
SR_MUST_USE int sr_frame_ping(msgpack_sbuffer *sb);
SR_MUST_USE int sr_frame_reachable(msgpack_sbuffer *sb, const char *address);
/* One half of a fork proof: [11, entry] (raw at most SR_ENTRY_MAX bytes). */
SR_MUST_USE int sr_frame_fork(msgpack_sbuffer *sb, const uint8_t *raw, size_t len);
/* [12, 1, author, seq, code, text]: the entries of author from seq on were
 * refused for reason code (SR_REFUSED_*); text (cut to
 * SR_FRAME_REFUSED_TEXT_MAX bytes) says why, for people. */
SR_MUST_USE int sr_frame_refused(msgpack_sbuffer *sb, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint64_t code,
                                 const char *text);
SR_MUST_USE int sr_frame_pushsum(msgpack_sbuffer *sb, uint64_t epoch, const uint8_t key[SR_KEY_BYTES], uint64_t w,
                                 uint64_t c, const uint64_t *x, size_t nx);

#endif
