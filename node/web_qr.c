/* web_qr.c: POST /api/qr {"text"} -> the QR code of text as SVG, drawn here
 * (libqrencode), so an address or an invite never leaves the machine to be
 * drawn. Error correction M; a 4-module quiet zone; one path, a rectangle per
 * run of dark modules in a row, so the image stays small. */
#include "node/web_internal.h"
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QR_TEXT_MAX 2048 /* more than fits at level M anyway (2331 bytes at version 40) */
#define QUIET 4

unsigned sr_web_post_qr(sr_web_req_t *r) {
  const char *text = json_string_value(json_object_get(r->json, "text"));
  size_t n = text ? json_string_length(json_object_get(r->json, "text")) : 0, cap, len = 0;
  QRcode *q;
  char *svg;
  if (!text || n == 0) return sr_web_fail(r, 400, SR_EINVAL, "give the text to draw: {\"text\": \"...\"}");
  if (n > QR_TEXT_MAX) return sr_web_fail(r, 400, SR_ETOOBIG, "a QR code holds at most %d bytes", QR_TEXT_MAX);
  if (!(q = QRcode_encodeData((int)n, (const unsigned char *)text, 0, QR_ECLEVEL_M)))
    return sr_web_fail(r, 400, SR_ETOOBIG, "this text does not fit in a QR code");
  int w = q->width, side = w + 2 * QUIET;
  /* at most one "M x y h n v1 h -n z" (< 40 bytes) per dark module */
  cap = 400 + (size_t)w * (size_t)w * 40;
  if (!(svg = malloc(cap))) {
    QRcode_free(q);
    return sr_web_fail(r, 500, SR_ENOMEM, "out of memory");
  }
  len += (size_t)snprintf(svg + len, cap - len,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                          "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                          "<path fill=\"#000\" d=\"",
                          side, side, side, side);
  for (int y = 0; y < w; y++) {
    for (int x = 0; x < w;) {
      if (!(q->data[y * w + x] & 1)) {
        x++;
        continue;
      }
      int run = 1;
      while (x + run < w && (q->data[y * w + x + run] & 1)) run++;
      len += (size_t)snprintf(svg + len, cap - len, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
      x += run;
    }
  }
  len += (size_t)snprintf(svg + len, cap - len, "\"/></svg>\n");
  QRcode_free(q);
  r->resp = MHD_create_response_from_buffer(len, svg, MHD_RESPMEM_MUST_FREE);
  if (!r->resp) {
    free(svg);
    return sr_web_fail(r, 500, SR_ENOMEM, "out of memory");
  }
  MHD_add_response_header(r->resp, "Content-Type", "image/svg+xml");
  return 200;
}
