/* frame.c: gossip frame codec (see frame.h). Frames are checked canonical before
 * they are read, so a frame has one encoding, like an entry. */
#include "core/frame.h"
#include "core/canon.h"
#include "core/err.h"
#include <string.h>

/* Frames nest at most 3 deep: [2, [[author, seq, eager]]]. */
#define FRAME_DEPTH 3

int sr_frame_next(const uint8_t *buf, size_t len, size_t *frame_len) {
  sr_mp_t mp;
  size_t n = len < SR_FRAME_MAX ? len : SR_FRAME_MAX;
  sr_mp_init(&mp, buf, n);
  int rc = sr_mp_skip(&mp);
  if (rc == SR_ETRUNC) return len >= SR_FRAME_MAX ? SR_EFRAMESIZE : SR_ETRUNC;
  if (rc) return rc;
  *frame_len = (size_t)(mp.p - buf);
  return 0;
}

#define NEED(x)                                                                                                        \
  do {                                                                                                                 \
    if (x) return SR_EFRAME;                                                                                           \
  } while (0)

/* A push-sum mass: the bits of a finite, non-negative double (no sign bit, and
 * not the all-ones exponent of infinity and NaN). */
static int mass_bad(uint64_t bits) { return bits >> 63 || ((bits >> 52) & 0x7ff) == 0x7ff; }

/* Extension rule (docs/protocol.md "Extending frames"): a known kind may carry more
 * elements than version 1 defines; the receiver reads its fields and skips the rest,
 * so a later version can add trailing fields. Missing fields stay an error. Only
 * needed inside nested arrays: after the last top-level field nothing is read. */
static int skip_extra(sr_mp_t *mp, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    int rc = sr_mp_skip(mp);
    if (rc) return rc;
  }
  return 0;
}

int sr_frame_decode(const uint8_t *buf, size_t len, sr_frame_t *f) {
  sr_mp_t mp;
  uint32_t n, m, blen;
  uint64_t kind;
  const uint8_t *b;
  int rc = sr_canon_check(buf, len, FRAME_DEPTH, NULL);
  if (rc) return rc;
  memset(f, 0, sizeof(*f));
  sr_mp_init(&mp, buf, len);
  NEED(sr_mp_array(&mp, &n) || n < 1 || sr_mp_uint(&mp, &kind));
  f->kind = kind > 1000 ? 1000 : (int)kind;
  switch (kind) {
    case SR_FRAME_HELLO:
      NEED(n < 4 || sr_mp_uint(&mp, &f->version) || sr_mp_str(&mp, &f->agent, &f->agent_len));
      NEED(f->agent_len > SR_FRAME_AGENT_MAX || sr_mp_peek(&mp) != SR_MP_BOOL);
      f->relay = *mp.p++ == 0xc3;
      break;
    case SR_FRAME_NOTES:
      NEED(n < 2 || sr_mp_array(&mp, &m) || m > SR_FRAME_MAX_NOTES);
      for (uint32_t i = 0; i < m; i++) {
        uint32_t k;
        NEED(sr_mp_array(&mp, &k) || k < 3 || sr_mp_bin(&mp, &b, &blen) || blen != SR_KEY_BYTES);
        f->notes[i].author = b;
        NEED(sr_mp_uint(&mp, &f->notes[i].seq) || sr_mp_peek(&mp) != SR_MP_BOOL);
        f->notes[i].eager = *mp.p++ == 0xc3;
        f->notes[i].head = NULL;
        /* The head id, added to version 1 after it shipped: a fourth element
         * that is a bin of 32 bytes; anything else there is skipped, as any
         * field a later version appends. */
        if (k >= 4 && sr_mp_peek(&mp) == SR_MP_BIN) {
          sr_mp_t at = mp;
          if (sr_mp_bin(&at, &b, &blen) == 0 && blen == SR_ID_BYTES) {
            f->notes[i].head = b;
            mp = at;
            k--; /* read: one fewer to skip */
          }
        }
        NEED(skip_extra(&mp, k - 3));
      }
      f->nnotes = m;
      break;
    case SR_FRAME_ENTRY:
      NEED(n < 3 || sr_mp_bin(&mp, &f->entry, &blen) || blen > SR_ENTRY_MAX || sr_mp_uint(&mp, &f->hops));
      f->entry_len = blen;
      break;
    case SR_FRAME_FORK:
      NEED(n < 2 || sr_mp_bin(&mp, &f->entry, &blen) || blen > SR_ENTRY_MAX);
      f->entry_len = blen;
      break;
    case SR_FRAME_HAVE:
      NEED(n < 3 || sr_mp_bin(&mp, &f->author, &blen) || blen != SR_KEY_BYTES || sr_mp_uint(&mp, &f->seq));
      break;
    case SR_FRAME_PEERS:
      NEED(n < 2 || sr_mp_array(&mp, &m) || m > SR_FRAME_MAX_PEERS);
      for (uint32_t i = 0; i < m; i++) {
        NEED(sr_mp_str(&mp, &f->addrs[i], &f->addr_lens[i]) || f->addr_lens[i] >= SR_FRAME_ADDR_MAX);
      }
      f->naddrs = m;
      break;
    case SR_FRAME_INVITE:
      NEED(n < 2 || sr_mp_bin(&mp, &f->secret, &blen) || blen != SR_FRAME_SECRET_BYTES);
      /* The label, added to version 1 after it shipped (a device join's
       * name): a str of at most SR_FRAME_LABEL_MAX bytes; anything else there
       * is skipped, as any field a later version appends. */
      if (n >= 3 && sr_mp_peek(&mp) == SR_MP_STR) {
        const char *l;
        uint32_t ll;
        if (sr_mp_str(&mp, &l, &ll) == 0 && ll <= SR_FRAME_LABEL_MAX) {
          f->label = l;
          f->label_len = ll;
        }
      }
      break;
    case SR_FRAME_INVITE_REPLY:
      NEED(n < 3 || sr_mp_peek(&mp) != SR_MP_BOOL);
      f->ok = *mp.p++ == 0xc3;
      NEED(sr_mp_str(&mp, &f->reason, &f->reason_len));
      break;
    case SR_FRAME_PING:
      break; /* [8], and whatever a later version appends */
    case SR_FRAME_REACHABLE:
      NEED(n < 2 || sr_mp_str(&mp, &f->addrs[0], &f->addr_lens[0]) || f->addr_lens[0] >= SR_FRAME_ADDR_MAX);
      f->naddrs = 1;
      break;
    case SR_FRAME_PUSHSUM:
      NEED(n < 6 || sr_mp_uint(&mp, &f->ps_epoch) || sr_mp_bin(&mp, &f->ps_key, &blen) || blen != SR_KEY_BYTES);
      NEED(sr_mp_uint(&mp, &f->ps_w) || sr_mp_uint(&mp, &f->ps_c) || mass_bad(f->ps_w) || mass_bad(f->ps_c));
      NEED(sr_mp_array(&mp, &m) || m > SR_FRAME_PUSHSUM_MAXV);
      for (uint32_t i = 0; i < m; i++) NEED(sr_mp_uint(&mp, &f->ps_x[i]) || mass_bad(f->ps_x[i]));
      f->ps_nx = m;
      break;
    case SR_FRAME_REFUSED: {
      uint64_t ver;
      NEED(n < 6 || sr_mp_uint(&mp, &ver));
      /* A later version of the frame may change what follows: ignored whole. */
      if (ver != SR_FRAME_REFUSED_VERSION) {
        f->kind = 1000;
        break;
      }
      NEED(sr_mp_bin(&mp, &f->author, &blen) || blen != SR_KEY_BYTES || sr_mp_uint(&mp, &f->seq));
      NEED(sr_mp_uint(&mp, &f->code) || sr_mp_str(&mp, &f->reason, &f->reason_len));
      NEED(f->reason_len > SR_FRAME_REFUSED_TEXT_MAX);
      break;
    }
    default:
      break; /* a later version's frame: ignored by the caller */
  }
  return 0;
}

#define PK(call)                                                                                                       \
  do {                                                                                                                 \
    if (call) return SR_ENOMEM;                                                                                        \
  } while (0)

static int begin(msgpack_sbuffer *sb, msgpack_packer *pk, uint32_t n, int kind) {
  msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
  PK(msgpack_pack_array(pk, n));
  PK(msgpack_pack_uint64(pk, (uint64_t)kind));
  return 0;
}

int sr_frame_hello(msgpack_sbuffer *sb, const char *agent, int relay) {
  msgpack_packer pk;
  size_t alen = strlen(agent);
  if (alen > SR_FRAME_AGENT_MAX) return SR_EINVAL;
  PK(begin(sb, &pk, 4, SR_FRAME_HELLO));
  PK(msgpack_pack_uint64(&pk, SR_PROTO_VERSION));
  PK(msgpack_pack_str_with_body(&pk, agent, alen));
  PK(relay ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
  return 0;
}

int sr_frame_notes(msgpack_sbuffer *sb, const sr_note_t *notes, size_t n) {
  msgpack_packer pk;
  size_t heads = 0;
  if (n > SR_FRAME_MAX_NOTES) return SR_EINVAL;
  for (size_t i = 0; i < n; i++) heads += notes[i].head != NULL;
  if (heads && n > SR_FRAME_MAX_NOTES_HEADS) return SR_EINVAL; /* it would not fit SR_FRAME_MAX */
  PK(begin(sb, &pk, 2, SR_FRAME_NOTES));
  PK(msgpack_pack_array(&pk, n));
  for (size_t i = 0; i < n; i++) {
    PK(msgpack_pack_array(&pk, notes[i].head ? 4 : 3));
    PK(msgpack_pack_bin_with_body(&pk, notes[i].author, SR_KEY_BYTES));
    PK(msgpack_pack_uint64(&pk, notes[i].seq));
    PK(notes[i].eager ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
    if (notes[i].head) PK(msgpack_pack_bin_with_body(&pk, notes[i].head, SR_ID_BYTES));
  }
  return 0;
}

int sr_frame_entry(msgpack_sbuffer *sb, const uint8_t *raw, size_t len, uint64_t hops) {
  msgpack_packer pk;
  if (len > SR_ENTRY_MAX) return SR_EINVAL;
  PK(begin(sb, &pk, 3, SR_FRAME_ENTRY));
  PK(msgpack_pack_bin_with_body(&pk, raw, len));
  PK(msgpack_pack_uint64(&pk, hops));
  return 0;
}

int sr_frame_fork(msgpack_sbuffer *sb, const uint8_t *raw, size_t len) {
  msgpack_packer pk;
  if (len > SR_ENTRY_MAX) return SR_EINVAL;
  PK(begin(sb, &pk, 2, SR_FRAME_FORK));
  PK(msgpack_pack_bin_with_body(&pk, raw, len));
  return 0;
}

int sr_frame_have(msgpack_sbuffer *sb, const uint8_t author[SR_KEY_BYTES], uint64_t seq) {
  msgpack_packer pk;
  PK(begin(sb, &pk, 3, SR_FRAME_HAVE));
  PK(msgpack_pack_bin_with_body(&pk, author, SR_KEY_BYTES));
  PK(msgpack_pack_uint64(&pk, seq));
  return 0;
}

int sr_frame_peers(msgpack_sbuffer *sb, const char *const *addrs, size_t n) {
  msgpack_packer pk;
  if (n > SR_FRAME_MAX_PEERS) n = SR_FRAME_MAX_PEERS;
  PK(begin(sb, &pk, 2, SR_FRAME_PEERS));
  PK(msgpack_pack_array(&pk, n));
  for (size_t i = 0; i < n; i++) PK(msgpack_pack_str_with_body(&pk, addrs[i], strlen(addrs[i])));
  return 0;
}

int sr_frame_reachable(msgpack_sbuffer *sb, const char *address) {
  msgpack_packer pk;
  PK(begin(sb, &pk, 2, SR_FRAME_REACHABLE));
  PK(msgpack_pack_str_with_body(&pk, address, strlen(address)));
  return 0;
}

int sr_frame_invite(msgpack_sbuffer *sb, const uint8_t secret[SR_FRAME_SECRET_BYTES], const char *label) {
  msgpack_packer pk;
  size_t ll = label ? strlen(label) : 0;
  if (ll > SR_FRAME_LABEL_MAX) return SR_EINVAL;
  PK(begin(sb, &pk, label ? 3 : 2, SR_FRAME_INVITE));
  PK(msgpack_pack_bin_with_body(&pk, secret, SR_FRAME_SECRET_BYTES));
  if (label) PK(msgpack_pack_str_with_body(&pk, label, ll));
  return 0;
}

int sr_frame_invite_reply(msgpack_sbuffer *sb, int ok, const char *reason) {
  msgpack_packer pk;
  PK(begin(sb, &pk, 3, SR_FRAME_INVITE_REPLY));
  PK(ok ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
  PK(msgpack_pack_str_with_body(&pk, reason, strlen(reason)));
  return 0;
}

int sr_frame_ping(msgpack_sbuffer *sb) {
  msgpack_packer pk;
  return begin(sb, &pk, 1, SR_FRAME_PING);
}

int sr_frame_pushsum(msgpack_sbuffer *sb, uint64_t epoch, const uint8_t key[SR_KEY_BYTES], uint64_t w, uint64_t c,
                     const uint64_t *x, size_t nx) {
  msgpack_packer pk;
  if (nx > SR_FRAME_PUSHSUM_MAXV || mass_bad(w) || mass_bad(c)) return SR_EINVAL;
  for (size_t i = 0; i < nx; i++)
    if (mass_bad(x[i])) return SR_EINVAL; /* never send what every receiver refuses */
  PK(begin(sb, &pk, 6, SR_FRAME_PUSHSUM));
  PK(msgpack_pack_uint64(&pk, epoch));
  PK(msgpack_pack_bin_with_body(&pk, key, SR_KEY_BYTES));
  PK(msgpack_pack_uint64(&pk, w));
  PK(msgpack_pack_uint64(&pk, c));
  PK(msgpack_pack_array(&pk, nx));
  for (size_t i = 0; i < nx; i++) PK(msgpack_pack_uint64(&pk, x[i]));
  return 0;
}

int sr_frame_refused(msgpack_sbuffer *sb, const uint8_t author[SR_KEY_BYTES], uint64_t seq, uint64_t code,
                     const char *text) {
  msgpack_packer pk;
  size_t tl = strlen(text);
  if (tl > SR_FRAME_REFUSED_TEXT_MAX) tl = SR_FRAME_REFUSED_TEXT_MAX;
  /* never cut inside a UTF-8 sequence: the text is shown as written */
  while (tl && tl < strlen(text) && ((unsigned char)text[tl] & 0xc0) == 0x80) tl--;
  PK(begin(sb, &pk, 6, SR_FRAME_REFUSED));
  PK(msgpack_pack_uint64(&pk, SR_FRAME_REFUSED_VERSION));
  PK(msgpack_pack_bin_with_body(&pk, author, SR_KEY_BYTES));
  PK(msgpack_pack_uint64(&pk, seq));
  PK(msgpack_pack_uint64(&pk, code));
  PK(msgpack_pack_str_with_body(&pk, text, tl));
  return 0;
}
