/* content.c: schema checks for the version-1 content types (see content.h).
 * Works on canonical bytes with the sr_mp cursor: no allocation per entry. */
#include "core/content.h"
#include "core/canon.h"
#include "core/err.h"
#include "core/flowreport.h"
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {NULL, "follow", "unfollow", "block"};
static const char *const role_names[] = {NULL, "member", "supporter", "left"};
static const char *const device_state_names[] = {NULL, "add", "revoke", NULL};

static int parse_name(const char *const *names, const char *s, size_t len) {
  for (int i = 1; i <= 3 && names[i]; i++)
    if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return i;
  return SR_EINVAL;
}

const char *sr_contact_state_name(int st) { return st >= 1 && st <= 3 ? state_names[st] : "unknown"; }
const char *sr_role_name(int r) { return r >= 1 && r <= 3 ? role_names[r] : "unknown"; }
int sr_content_changes_scope(enum sr_ctype t) {
  return t == SR_CT_CONTACT || t == SR_CT_MEMBERSHIP || t == SR_CT_DEVICE || t == SR_CT_DEVICE_OF;
}

int sr_contact_state_parse(const char *s, size_t len) { return parse_name(state_names, s, len); }
int sr_role_parse(const char *s, size_t len) { return parse_name(role_names, s, len); }
const char *sr_device_state_name(int st) { return st >= 1 && st <= 2 ? device_state_names[st] : "unknown"; }
int sr_device_state_parse(const char *s, size_t len) { return parse_name(device_state_names, s, len); }

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    if (why) snprintf(why, whylen, __VA_ARGS__);                                                                       \
    return SR_ECONTENT;                                                                                                \
  } while (0)

static int key_is(const char *k, uint32_t klen, const char *want) {
  return strlen(want) == klen && memcmp(k, want, klen) == 0;
}

static enum sr_ctype type_of(const sr_entry_t *e) {
  static const char *const names[] = {
      NULL, "about", "contact", "project", "membership", "share", SR_FLOWREPORT_TYPE, "device", "device-of"};
  for (int i = 1; i <= 8; i++)
    if (key_is(e->type, (uint32_t)e->type_len, names[i])) return (enum sr_ctype)i;
  return SR_CT_OTHER;
}

enum sr_ctype sr_content_type_of(const sr_entry_t *e) { return type_of(e); }

int sr_content_parse(const sr_entry_t *e, sr_content_t *c, char *why, size_t whylen) {
  sr_mp_t mp;
  uint32_t n, klen, len;
  const char *k, *s;
  const uint8_t *b;
  int seen_name = 0, seen_who = 0, seen_state = 0, seen_project = 0, seen_body = 0, seen_key = 0;

  memset(c, 0, sizeof(*c));
  if (why && whylen) why[0] = '\0';
  c->type = type_of(e);
  if (c->type == SR_CT_OTHER) return 0;
  if (c->type == SR_CT_FLOW_REPORT) {
    /* Its own strict parser: counts only, never a key or a name. */
    sr_flowreport_t r;
    int rc = sr_flowreport_parse(e->content, e->content_len, &r, why, whylen);
    return rc == SR_EVERSION ? 0 : rc; /* a later version: kept, not interpreted */
  }
  sr_mp_init(&mp, e->content, e->content_len);
  if (sr_mp_map(&mp, &n)) FAIL("content is not a map");
  for (uint32_t i = 0; i < n; i++) {
    if (sr_mp_str(&mp, &k, &klen)) FAIL("content key is not a string");
    enum sr_mp_kind kind = sr_mp_peek(&mp);
    int str_field = 0, bin_field = 0;
    switch (c->type) {
      case SR_CT_ABOUT:
        if (key_is(k, klen, "name")) {
          str_field = 1;
          seen_name = 1;
        } else if (key_is(k, klen, "bio"))
          str_field = 2;
        break;
      case SR_CT_CONTACT:
        if (key_is(k, klen, "who")) {
          bin_field = 1;
          seen_who = 1;
        } else if (key_is(k, klen, "state")) {
          str_field = 3;
          seen_state = 1;
        }
        break;
      case SR_CT_PROJECT:
        if (key_is(k, klen, "name")) {
          str_field = 1;
          seen_name = 1;
        } else if (key_is(k, klen, "description") || key_is(k, klen, "url"))
          str_field = 2;
        else if (key_is(k, klen, "tags")) {
          uint32_t m;
          if (sr_mp_array(&mp, &m)) FAIL("project.tags must be an array of strings");
          for (uint32_t j = 0; j < m; j++)
            if (sr_mp_str(&mp, &s, &len)) FAIL("project.tags must be an array of strings");
          continue;
        }
        break;
      case SR_CT_MEMBERSHIP:
        if (key_is(k, klen, "project")) {
          bin_field = 2;
          seen_project = 1;
        } else if (key_is(k, klen, "role")) {
          str_field = 4;
          seen_state = 1;
        }
        break;
      case SR_CT_SHARE:
        if (key_is(k, klen, "text") || key_is(k, klen, "link")) {
          str_field = 2;
          seen_body = 1;
        } else if (key_is(k, klen, "project"))
          bin_field = 2;
        else if (key_is(k, klen, "reshare")) {
          bin_field = 3;
          seen_body = 1;
        }
        break;
      case SR_CT_DEVICE:
        if (key_is(k, klen, "device")) {
          bin_field = 4;
          seen_key = 1;
        } else if (key_is(k, klen, "state")) {
          str_field = 5;
          seen_state = 1;
        } else if (key_is(k, klen, "name"))
          str_field = 6;
        else if (key_is(k, klen, "upto")) {
          if (kind != SR_MP_UINT || sr_mp_uint(&mp, &c->upto)) FAIL("device.upto must be an unsigned integer");
          c->has_upto = 1;
          continue;
        }
        break;
      case SR_CT_DEVICE_OF:
        if (key_is(k, klen, "person")) {
          bin_field = 5;
          seen_key = 1;
        }
        break;
      case SR_CT_OTHER:
      case SR_CT_FLOW_REPORT:
        break;
    }
    if (str_field) {
      if (kind != SR_MP_STR || sr_mp_str(&mp, &s, &len))
        FAIL("%.*s.%.*s must be a string", (int)e->type_len, e->type, (int)klen, k);
      if (str_field == 1) {
        if (len == 0) FAIL("%.*s.name must not be empty", (int)e->type_len, e->type);
        c->name = s;
        c->name_len = len;
      } else if (str_field == 3) {
        if ((c->state = sr_contact_state_parse(s, len)) < 0) FAIL("contact.state must be follow, unfollow or block");
      } else if (str_field == 4) {
        if ((c->state = sr_role_parse(s, len)) < 0) FAIL("membership.role must be member, supporter or left");
      } else if (str_field == 5) {
        if ((c->state = sr_device_state_parse(s, len)) < 0) FAIL("device.state must be add or revoke");
      } else if (str_field == 6) {
        if (len > SR_DEVICE_NAME_MAX) FAIL("device.name must be at most %d bytes", SR_DEVICE_NAME_MAX);
        c->name = len ? s : NULL; /* an empty label is no label */
        c->name_len = len;
      }
    } else if (bin_field) {
      /* who, device and person are keys; project, reshare are ids */
      size_t want = bin_field == 1 || bin_field >= 4 ? SR_KEY_BYTES : SR_ID_BYTES;
      if (kind != SR_MP_BIN || sr_mp_bin(&mp, &b, &len) || len != want)
        FAIL("%.*s.%.*s must be 32 bytes of binary", (int)e->type_len, e->type, (int)klen, k);
      if (bin_field == 1) memcpy(c->who, b, SR_KEY_BYTES);
      else if (bin_field == 4)
        memcpy(c->device, b, SR_KEY_BYTES);
      else if (bin_field == 5)
        memcpy(c->person, b, SR_KEY_BYTES);
      else if (bin_field == 2) {
        memcpy(c->project, b, SR_ID_BYTES);
        c->has_project = 1;
      } else {
        memcpy(c->reshare, b, SR_ID_BYTES);
        c->has_reshare = 1;
      }
    } else if (sr_mp_skip(&mp)) {
      FAIL("content is truncated");
    }
  }
  switch (c->type) {
    case SR_CT_ABOUT:
    case SR_CT_PROJECT:
      if (!seen_name) FAIL("%s needs a name", c->type == SR_CT_ABOUT ? "about" : "project");
      break;
    case SR_CT_CONTACT:
      if (!seen_who || !seen_state) FAIL("contact needs who and state");
      break;
    case SR_CT_MEMBERSHIP:
      if (!seen_project || !seen_state) FAIL("membership needs project and role");
      break;
    case SR_CT_SHARE:
      if (!seen_body) FAIL("share needs text, link or reshare");
      break;
    case SR_CT_DEVICE:
      if (!seen_key || !seen_state) FAIL("device needs device and state");
      if (c->state == SR_DEVICE_REVOKE && !c->has_upto) FAIL("device.upto is required with state revoke");
      if (c->state == SR_DEVICE_ADD && c->has_upto) FAIL("device.upto must be absent with state add");
      /* A person's identity key is the person; it is never one of its devices. */
      if (memcmp(c->device, e->author, SR_KEY_BYTES) == 0) FAIL("device.device must not be the author's own key");
      break;
    case SR_CT_DEVICE_OF:
      if (!seen_key) FAIL("device-of needs person");
      /* The claim opens the device's log, so it can be found without a scan
       * and a device can never name a second person. */
      if (e->seq != 1) FAIL("device-of is only valid as seq 1 of a log (this is seq %llu)", (unsigned long long)e->seq);
      if (memcmp(c->person, e->author, SR_KEY_BYTES) == 0) FAIL("device-of.person must not be the author's own key");
      break;
    case SR_CT_OTHER:
    case SR_CT_FLOW_REPORT:
      break;
  }
  return 0;
}
