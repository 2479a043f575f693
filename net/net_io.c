/* net_io.c: the handshake and Box Stream I/O of one connection (see net.c for
 * the states and invariants): gathered sealed writes, the goodbye, reading
 * handshake bytes exactly as many as expected and the rest as Box Stream. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/err.h"
#include "net/net_internal.h"
#include "core/counters.h"

/* ---- writing ---- */

static void maybe_clean_end(sr_net_conn_t *c) {
  if (c->state == CS_OPEN && c->bye_written && c->bye_received) sr_net_conn_end(c, 0);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  free(req);
}

static void on_written(uv_write_t *req, int status) {
  write_req_t *w = (write_req_t *)req;
  sr_net_conn_t *c = w->conn;
  int bye = w->is_goodbye;
  c->queued -= w->len;
  /* sealed bytes are ciphertext (or public handshake bytes): nothing to wipe */
  free(w);
  if (c->state == CS_CLOSING) return;
  if (status < 0) {
    /* once the peer said goodbye it wants nothing more from us */
    if (c->bye_received) {
      sr_net_conn_end(c, 0);
      return;
    }
    c->uv_err = status;
    sr_net_conn_end(c, SR_ENETIO);
    return;
  }
  if (bye) {
    uv_shutdown_t *sh = malloc(sizeof *sh);
    c->bye_written = 1;
    /* half-close our side; failure to shut down is harmless */
    if (sh && uv_shutdown(sh, (uv_stream_t *)&c->tcp, on_shutdown) != 0) free(sh);
    maybe_clean_end(c);
    if (c->state == CS_CLOSING) return;
    /* the peer gets as long to answer our goodbye as to finish a handshake */
    uv_timer_start(&c->timer, sr_net_on_timeout, c->net->cfg.handshake_timeout_ms, 0);
  }
  if (c->queued == 0 && c->state == CS_OPEN && c->net->cfg.cb.drained) c->net->cfg.cb.drained(c);
}

/* Hand len bytes (already sealed, or handshake bytes) to libuv. */
static int queue_bytes(sr_net_conn_t *c, const uint8_t *bytes, size_t len, int is_goodbye, write_req_t *prepared) {
  write_req_t *w = prepared;
  uv_buf_t buf;
  int err;
  if (!w) {
    w = malloc(sizeof *w + len);
    if (!w) return SR_ENOMEM;
    memcpy(w->bytes, bytes, len);
  }
  w->conn = c;
  w->len = len;
  w->is_goodbye = is_goodbye;
  buf = uv_buf_init((char *)w->bytes, (unsigned)len);
  err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
  if (err) {
    sodium_memzero(w->bytes, len);
    free(w);
    c->uv_err = err;
    return SR_ENETIO;
  }
  c->queued += len;
  return 0;
}

/* Hand the gathered fill buffer to libuv. */
static int flush_fill(sr_net_conn_t *c) {
  write_req_t *w = c->fill;
  int rc;
  if (!w) return 0;
  c->fill = NULL;
  c->queued -= w->len;                         /* queue_bytes counts it again */
  rc = queue_bytes(c, w->bytes, w->len, 0, w); /* bytes unused when prepared */
  if (rc) sr_net_conn_end(c, rc);
  return rc;
}

static void on_flush(uv_prepare_t *p) {
  sr_net_t *n = p->data;
  while (n->dirty) {
    sr_net_conn_t *c = n->dirty;
    n->dirty = c->dirty_next;
    c->dirty = 0;
    flush_fill(c);
  }
  uv_prepare_stop(p);
}

int sr_net_conn_write(sr_net_conn_t *c, const uint8_t *buf, size_t len) {
  size_t need, out_len = 0;
  int rc;
  if (!c || !buf || len == 0) return SR_EINVAL;
  if (c->state == CS_CLOSING) return SR_ENETQUEUE;
  if (c->state != CS_OPEN) return SR_EHSSTATE;
  if (c->bye_sent) return SR_EBOXCLOSED;
  need = sr_box_sealed_size(len);
  if (c->fill && c->fill->cap - c->fill->len < need && (rc = flush_fill(c)) != 0) return rc;
  if (!c->fill) {
    size_t cap = need > FILL_BYTES ? need : FILL_BYTES;
    c->fill = malloc(sizeof *c->fill + cap);
    if (!c->fill) return SR_ENOMEM;
    c->fill->cap = cap;
    c->fill->len = 0;
  }
  rc = sr_box_writer_seal(&c->writer, buf, len, c->fill->bytes + c->fill->len, c->fill->cap - c->fill->len, &out_len);
  if (rc) return rc;
  c->fill->len += out_len;
  c->queued += out_len;
  if (!c->dirty) {
    c->dirty = 1;
    c->dirty_next = c->net->dirty;
    c->net->dirty = c;
    uv_prepare_start(&c->net->flusher, on_flush);
  }
  return 0;
}

size_t sr_net_conn_queued(const sr_net_conn_t *c) { return c ? c->queued : 0; }

int sr_net_conn_goodbye(sr_net_conn_t *c) {
  uint8_t bye[SR_BOX_GOODBYE_BYTES];
  int rc;
  if (!c) return SR_EINVAL;
  if (c->state == CS_CLOSING) return SR_ENETQUEUE;
  if (c->state != CS_OPEN) return SR_EHSSTATE;
  if (c->bye_sent) return 0;
  if ((rc = flush_fill(c)) != 0) return rc; /* everything written so far goes first */
  rc = sr_box_writer_goodbye(&c->writer, bye);
  if (rc) return rc;
  c->bye_sent = 1;
  rc = queue_bytes(c, bye, sizeof bye, 1, NULL);
  if (rc) sr_net_conn_end(c, rc);
  return rc;
}

void sr_net_conn_close(sr_net_conn_t *c) {
  if (!c) return;
  if (c->state != CS_CLOSING) c->closed_here = 1;
  sr_net_conn_end(c, 0);
}

void sr_net_conn_close_logged(sr_net_conn_t *c) {
  if (!c) return;
  if (c->state != CS_CLOSING) c->end_logged = 1;
  sr_net_conn_close(c);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  sr_net_conn_t *c = h->data;
  (void)suggested;
  *buf = uv_buf_init((char *)c->read_buf, SR_NET_READ_BUF);
}

/* Feed Box Stream bytes to the reader and the upper layer. */
static void box_input(sr_net_conn_t *c, const uint8_t *in, size_t len) {
  size_t off = 0;
  while (c->state == CS_OPEN) {
    size_t used = 0, mlen = 0;
    const uint8_t *msg = NULL;
    int rc = sr_box_reader_feed(c->reader, in + off, len - off, &used, &msg, &mlen);
    off += used;
    if (rc < 0) {
      sr_net_conn_end(c, rc);
      return;
    }
    if (rc == SR_BOX_MSG) {
      if (c->net->cfg.cb.message) c->net->cfg.cb.message(c, msg, mlen);
      continue;
    }
    if (rc == SR_BOX_GOODBYE) {
      if (!c->bye_received) {
        c->bye_received = 1;
        if (!c->bye_sent && sr_net_conn_goodbye(c)) {
          /* best effort: the peer is leaving; a failed answer ends the connection (sr_net_conn_end) */
        }
        maybe_clean_end(c);
      }
      return;
    }
    return; /* SR_BOX_NEED: all consumed */
  }
}

static void handshake_done(sr_net_conn_t *c) {
  sr_shs_result_t res;
  int rc = sr_shs_result(&c->hs, &res);
  sr_shs_wipe(&c->hs);
  if (rc == 0) {
    c->reader = malloc(sizeof *c->reader);
    if (!c->reader) rc = SR_ENOMEM;
  }
  if (rc == 0) rc = sr_box_writer_init(&c->writer, res.enc_key, res.enc_nonce);
  if (rc == 0) rc = sr_box_reader_init(c->reader, res.dec_key, res.dec_nonce);
  if (rc == 0) memcpy(c->peer_pk, res.peer_pk, SR_NET_KEY_BYTES);
  sodium_memzero(&res, sizeof res);
  if (rc) {
    sr_net_conn_end(c, rc);
    return;
  }
  uv_timer_stop(&c->timer);
  c->state = CS_OPEN;
  c->seen = 1;
  sr_counters_handshake_ok();
  if (c->net->cfg.cb.connected) c->net->cfg.cb.connected(c, c->peer_pk);
}

/* Feed handshake bytes; returns how many were consumed. */
static size_t handshake_input(sr_net_conn_t *c, const uint8_t *in, size_t len) {
  size_t off = 0;
  while (c->state == CS_HANDSHAKE && off < len) {
    size_t want = sr_shs_expect(&c->hs), take, out_len = 0;
    uint8_t out[SR_SHS_MSG_MAX];
    int rc;
    take = want - c->hs_have;
    if (take > len - off) take = len - off;
    memcpy(c->hs_buf + c->hs_have, in + off, take);
    c->hs_have += take;
    off += take;
    if (c->hs_have < want) break;
    c->hs_have = 0;
    rc = sr_shs_recv(&c->hs, c->hs_buf, want, out, &out_len);
    if (rc == 0 && c->hs_msgs_in++ == 0 && !c->outbound) {
      /* The first message came: the rest of the handshake timeout applies. */
      uint64_t spent = uv_now(c->net->loop) - c->accepted_ms, all = c->net->cfg.handshake_timeout_ms;
      uv_timer_start(&c->timer, sr_net_on_timeout, spent < all ? all - spent : 1, 0);
    }
    if (rc == 0 && out_len) rc = queue_bytes(c, out, out_len, 0, NULL);
    if (rc) {
      sr_net_conn_end(c, rc); /* on SR_EHSNETKEY nothing was sent: a silent close */
      break;
    }
    if (sr_shs_done(&c->hs)) handshake_done(c);
  }
  return off;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  sr_net_conn_t *c = s->data;
  const uint8_t *in = (const uint8_t *)buf->base;
  size_t off;
  (void)buf;
  if (c->state == CS_CLOSING || nread == 0) return;
  if (nread < 0) {
    int rc;
    if (nread != UV_EOF) {
      c->uv_err = (int)nread;
      sr_net_conn_end(c, SR_ENETIO);
      return;
    }
    if (c->state == CS_HANDSHAKE) {
      sr_net_conn_end(c, SR_EHSCLOSED);
      return;
    }
    rc = sr_box_reader_end(c->reader);
    if (rc == 0) {
      uv_read_stop(s);
      if (c->bye_written) sr_net_conn_end(c, 0); /* else wait for our goodbye's write */
      return;
    }
    sr_net_conn_end(c, rc);
    return;
  }
  off = 0;
  if (c->state == CS_HANDSHAKE) off = handshake_input(c, in, (size_t)nread);
  if (c->state == CS_OPEN && off < (size_t)nread) box_input(c, in + off, (size_t)nread - off);
}

int sr_net_conn_pause(sr_net_conn_t *c, int pause) {
  if (!c || c->state != CS_OPEN) return SR_EHSSTATE;
  if (pause) return uv_read_stop((uv_stream_t *)&c->tcp) ? SR_ENETIO : 0;
  return uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) ? SR_ENETIO : 0;
}

void sr_net_on_timeout(uv_timer_t *t) {
  sr_net_conn_t *c = t->data;
  /* an accepted peer whose first message never arrived (see on_connection) */
  sr_net_conn_end(c, !c->outbound && c->state == CS_HANDSHAKE && c->hs_msgs_in == 0 ? SR_EHSSILENT : SR_ETIMEOUT);
}

int sr_net_start_handshake(sr_net_conn_t *c) {
  uint8_t out[SR_SHS_MSG_MAX];
  size_t out_len = 0;
  int rc, err;
  c->state = CS_HANDSHAKE;
  err = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (err) {
    c->uv_err = err;
    return SR_ENETIO;
  }
  rc = sr_shs_start(&c->hs, out, &out_len);
  if (rc == 0 && out_len) rc = queue_bytes(c, out, out_len, 0, NULL);
  return rc;
}
