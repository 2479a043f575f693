/* content_build.c: the content builders of content_build.h. Each fills a small
 * msgpack object map in any key order and lets sr_canon_encode sort it, so the
 * bytes are the one canonical encoding sr_content_parse accepts. */
#include "core/content_build.h"
#include "core/canon.h"
#include "core/err.h"
#include <msgpack.h>
#include <string.h>

#define MAX_FIELDS 4

typedef struct {
  msgpack_object_kv kv[MAX_FIELDS];
  uint32_t n;
} map_t;

static msgpack_object *put(map_t *m, const char *key) {
  msgpack_object_kv *kv = &m->kv[m->n++];
  kv->key.type = MSGPACK_OBJECT_STR;
  kv->key.via.str.ptr = key;
  kv->key.via.str.size = (uint32_t)strlen(key);
  return &kv->val;
}

static void put_str(map_t *m, const char *key, const char *val) {
  if (!val) return;
  msgpack_object *o = put(m, key);
  o->type = MSGPACK_OBJECT_STR;
  o->via.str.ptr = val;
  o->via.str.size = (uint32_t)strlen(val);
}

static void put_bin(map_t *m, const char *key, const uint8_t *val, uint32_t size) {
  if (!val) return;
  msgpack_object *o = put(m, key);
  o->type = MSGPACK_OBJECT_BIN;
  o->via.bin.ptr = (const char *)val;
  o->via.bin.size = size;
}

static void put_uint(map_t *m, const char *key, uint64_t val) {
  msgpack_object *o = put(m, key);
  o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
  o->via.u64 = val;
}

/* Encodes m canonically into out[0..cap). */
static int finish(const map_t *m, uint8_t *out, size_t cap, size_t *len) {
  msgpack_sbuffer sb;
  msgpack_packer pk;
  msgpack_object root = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = m->n, .ptr = (msgpack_object_kv *)m->kv}};
  int rc;
  msgpack_sbuffer_init(&sb);
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  if ((rc = sr_canon_encode(&pk, &root, SR_CANON_MAX_DEPTH))) goto done;
  if (sb.size > cap) {
    rc = SR_ETOOBIG;
    goto done;
  }
  memcpy(out, sb.data, sb.size);
  *len = sb.size;
done:
  msgpack_sbuffer_destroy(&sb);
  return rc;
}

int sr_content_about(const char *name, const char *bio, uint8_t *out, size_t cap, size_t *len) {
  map_t m = {.n = 0};
  if (!name) return SR_EINVAL;
  put_str(&m, "name", name);
  put_str(&m, "bio", bio);
  return finish(&m, out, cap, len);
}

int sr_content_contact(const uint8_t who[SR_KEY_BYTES], int state, uint8_t *out, size_t cap, size_t *len) {
  map_t m = {.n = 0};
  if (!who || state < SR_FOLLOW || state > SR_BLOCK) return SR_EINVAL;
  put_bin(&m, "who", who, SR_KEY_BYTES);
  put_str(&m, "state", sr_contact_state_name(state));
  return finish(&m, out, cap, len);
}

int sr_content_project(const char *name, const char *description, const char *const *tags, size_t ntags,
                       const char *url, uint8_t *out, size_t cap, size_t *len) {
  map_t m = {.n = 0};
  msgpack_object t[SR_CONTENT_TAGS_MAX];
  if (!name || ntags > SR_CONTENT_TAGS_MAX || (ntags && !tags)) return SR_EINVAL;
  put_str(&m, "name", name);
  put_str(&m, "description", description);
  if (ntags) {
    for (size_t i = 0; i < ntags; i++) {
      if (!tags[i]) return SR_EINVAL;
      t[i].type = MSGPACK_OBJECT_STR;
      t[i].via.str.ptr = tags[i];
      t[i].via.str.size = (uint32_t)strlen(tags[i]);
    }
    msgpack_object *o = put(&m, "tags");
    o->type = MSGPACK_OBJECT_ARRAY;
    o->via.array.ptr = t;
    o->via.array.size = (uint32_t)ntags;
  }
  put_str(&m, "url", url);
  return finish(&m, out, cap, len);
}

int sr_content_membership(const uint8_t project[SR_ID_BYTES], int role, uint8_t *out, size_t cap, size_t *len) {
  map_t m = {.n = 0};
  if (!project || role < SR_MEMBER || role > SR_LEFT) return SR_EINVAL;
  put_bin(&m, "project", project, SR_ID_BYTES);
  put_str(&m, "role", sr_role_name(role));
  return finish(&m, out, cap, len);
}

int sr_content_share(const char *text, const char *link, const uint8_t *project, const uint8_t *reshare, uint8_t *out,
                     size_t cap, size_t *len) {
  map_t m = {.n = 0};
  if (!text && !link && !reshare) return SR_EINVAL;
  put_str(&m, "text", text);
  put_str(&m, "link", link);
  put_bin(&m, "project", project, SR_ID_BYTES);
  put_bin(&m, "reshare", reshare, SR_ID_BYTES);
  return finish(&m, out, cap, len);
}

int sr_content_device(const uint8_t device[SR_KEY_BYTES], int revoke, uint64_t upto, const char *name, uint8_t *out,
                      size_t cap, size_t *len) {
  map_t m = {.n = 0};
  if (!device) return SR_EINVAL;
  put_bin(&m, "device", device, SR_KEY_BYTES);
  put_str(&m, "state", revoke ? "revoke" : "add");
  if (revoke) put_uint(&m, "upto", upto);
  put_str(&m, "name", name);
  return finish(&m, out, cap, len);
}

int sr_content_device_of(const uint8_t person[SR_KEY_BYTES], uint8_t *out, size_t cap, size_t *len) {
  map_t m = {.n = 0};
  if (!person) return SR_EINVAL;
  put_bin(&m, "person", person, SR_KEY_BYTES);
  return finish(&m, out, cap, len);
}
