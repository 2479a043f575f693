/* fuzz_control: decoding a control-socket request line (node/control_req.c,
 * what control.c runs on every line a local client sends) under libFuzzer.
 * Either a valid request whose fields are within bounds, or an error reply
 * {"ok": false, "error": str, "code": "SR_E..."}; never a crash or a leak. */
#include "core/core.h"
#include "node/control_req.h"
#include "node/invite.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sr_control_req_t *req = malloc(sizeof(*req));
  if (!req) return 0;
  json_t *bad = sr_control_req_decode((const char *)data, size, req);
  if (bad) {
    const char *code = json_string_value(json_object_get(bad, "code"));
    if (!json_is_false(json_object_get(bad, "ok")) || !json_is_string(json_object_get(bad, "error")) || !code ||
        strncmp(code, "SR_E", 4) != 0)
      abort();
    json_decref(bad);
  } else {
    if (req->cmd < SR_CTL_STATUS || req->cmd >= SR_CTL_END) abort();
    if (req->cmd == SR_CTL_PEER_ADD && !req->address) abort();
    if (req->cmd == SR_CTL_DEVICE_REVOKE && (!req->device || !req->device[0])) abort();
    if ((req->cmd == SR_CTL_MEMBER_REMOVE || req->cmd == SR_CTL_INVITE_REVOKE) &&
        (!req->which || !req->which[0] || strlen(req->which) > 0xffff))
      abort();
    if (req->cmd == SR_CTL_INVITE_CREATE && req->ttl_ms > SR_INVITE_TTL_MAX_MS) abort();
    if (req->cmd == SR_CTL_PUBLISH) {
      size_t t = strlen(req->type);
      if (t == 0 || t > SR_TYPE_MAX || req->content_len == 0 || req->content_len > SR_ENTRY_MAX) abort();
      if (sr_canon_check(req->content, req->content_len, SR_CANON_MAX_DEPTH, NULL) != 0) abort();
    }
    sr_control_req_free(req);
  }
  free(req);
  return 0;
}
