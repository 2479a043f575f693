/* device_claim.c: what the pairing code reads of entries (device_code.h):
 * whether a key's log opens with device-of, and whether an entry certifies a
 * device. Apart from device_code.c, whose text functions need no store. */
#include "core/core.h"
#include "node/device_code.h"
#include "store/read.h"
#include <msgpack.h>
#include <string.h>

/* content's field key: a bin of SR_KEY_BYTES into out (may be NULL), or a str
 * into str/slen: 0, or SR_ECONTENT when absent or of another type. */
static int field(const uint8_t *content, size_t len, const char *key, uint8_t out[SR_KEY_BYTES], const char **str,
                 size_t *slen) {
  msgpack_unpacked u;
  size_t kl = strlen(key);
  int rc = SR_ECONTENT;
  msgpack_unpacked_init(&u);
  if (msgpack_unpack_next(&u, (const char *)content, len, NULL) == MSGPACK_UNPACK_SUCCESS &&
      u.data.type == MSGPACK_OBJECT_MAP) {
    for (uint32_t i = 0; i < u.data.via.map.size; i++) {
      const msgpack_object_kv *kv = &u.data.via.map.ptr[i];
      if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size != kl || memcmp(kv->key.via.str.ptr, key, kl))
        continue;
      if (!str && kv->val.type == MSGPACK_OBJECT_BIN && kv->val.via.bin.size == SR_KEY_BYTES) {
        if (out) memcpy(out, kv->val.via.bin.ptr, SR_KEY_BYTES);
        rc = 0;
      } else if (str && kv->val.type == MSGPACK_OBJECT_STR) {
        /* points into content: msgpack_unpack_next copies nothing for a str (zone refs) */
        *str = (const char *)content + (kv->val.via.str.ptr - (const char *)content);
        *slen = kv->val.via.str.size;
        rc = 0;
      }
    }
  }
  msgpack_unpacked_destroy(&u);
  return rc;
}

int sr_device_certifies(const sr_entry_t *e, const uint8_t device[SR_KEY_BYTES]) {
  uint8_t d[SR_KEY_BYTES];
  const char *state = NULL;
  size_t slen = 0;
  if (e->type_len != 6 || memcmp(e->type, "device", 6)) return 0;
  if (field(e->content, e->content_len, "device", d, NULL, NULL) || memcmp(d, device, SR_KEY_BYTES)) return 0;
  if (field(e->content, e->content_len, "state", NULL, &state, &slen)) return 0;
  return slen == 3 && !memcmp(state, "add", 3);
}

int sr_device_claimed(sr_store_t *st, const uint8_t key[SR_KEY_BYTES], uint8_t person[SR_KEY_BYTES]) {
  static _Thread_local uint8_t buf[SR_ENTRY_MAX]; /* a worker's or the CLI's; never shared */
  size_t len;
  sr_entry_t e;
  int rc = sr_store_get_by_seq(st, key, 1, buf, sizeof(buf), &len, NULL);
  if (rc == SR_ENOTFOUND) return 0;
  if (rc) return rc;
  if (sr_entry_decode(buf, len, &e) || e.type_len != 9 || memcmp(e.type, "device-of", 9)) return 0;
  /* a device-of that names nobody (the schema refuses it at ingest) claims nothing */
  return field(e.content, e.content_len, "person", person, NULL, NULL) == 0 ? 1 : 0;
}
