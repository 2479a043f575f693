/* mkstore_v1: writes a format-1 store (t_store_v1.h) for tests/cli/test_upgrade.py.
 *   mkstore_v1 DIR ENTRIES AUTHORS SELF_HEX IDS_FILE
 * ENTRIES shares from AUTHORS authors, interleaved, each log from seq 1; SELF_HEX
 * the home's key (meta "self"); the ids, one a line in hex, go to IDS_FILE. */
#include "tests/unit/t.h"
#include "tests/unit/t_store.h"
#include "tests/unit/t_store_v1.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  uint8_t self[SR_KEY_BYTES];
  if (argc != 6 || sr_hex_decode(argv[4], self, SR_KEY_BYTES) != 0) {
    fprintf(stderr, "usage: mkstore_v1 DIR ENTRIES AUTHORS SELF_HEX IDS_FILE\n");
    return 2;
  }
  size_t n = strtoul(argv[2], NULL, 10), na = strtoul(argv[3], NULL, 10);
  if (!n || !na || na > 250) return 2;
  FILE *ids = fopen(argv[5], "w");
  if (!ids) return 1;
  t_author_t *au = calloc(na, sizeof(*au));
  t_v1_t w;
  for (size_t i = 0; i < na; i++) t_author_init(&au[i], (uint8_t)(i + 1));
  t_v1_begin(&w, argv[1], self);
  for (size_t i = 0; i < n; i++) {
    char text[96], hex[2 * SR_ID_BYTES + 1];
    t_buf_t c;
    sr_flow_t f;
    memset(&f, 0, sizeof(f));
    f.received_at = T_NOW + i;
    f.source = i % 3 ? SR_SRC_IMPORT : SR_SRC_PEER;
    if (f.source == SR_SRC_PEER) {
      memcpy(f.from, au[(i + 1) % na].pk, SR_KEY_BYTES);
      f.hops = (uint32_t)(i % 5);
    }
    snprintf(text, sizeof(text), "entry %zu of a format-1 store, kept through the upgrade", i);
    t_share(&c, text, NULL, NULL);
    t_entry_t e = t_next(&au[i % na], T_TS + i, "share", &c);
    t_buf_free(&c);
    t_v1_entry(&w, e.raw, e.len, &f, 1);
    sr_hex_encode(e.id, SR_ID_BYTES, hex);
    fprintf(ids, "%s\n", hex);
    t_entry_free(&e);
  }
  t_v1_end(&w);
  free(au);
  return fclose(ids) == 0 ? 0 : 1; /* a failed check exited already */
}
