/* jsonl.c: one line of a JSON Lines log file, as `seurone export entries`
 * writes it (see cli.h, cli_jsonl_parse). Apart from cmd_exchange.c so that a
 * fuzz target (tests/fuzz/fuzz_jsonl.c) drives exactly this code. */
#include "tools/cli/cli.h"
#include "node/control_req.h"
#include <string.h>

/* The "flow" object of a line: every field present with its type and range,
 * else the line is refused (a record half understood is never stored). */
static int parse_flow(json_t *flow, cli_jsonl_t *out) {
  const char *obs = json_string_value(json_object_get(flow, "observer"));
  const char *src = json_string_value(json_object_get(flow, "source"));
  json_t *from = json_object_get(flow, "from"), *at = json_object_get(flow, "received_at"),
         *hops = json_object_get(flow, "hops");
  int s;
  if (!json_is_object(flow) || !obs || sr_hex_decode(obs, out->observer, SR_KEY_BYTES) != 0) {
    snprintf(out->why, sizeof(out->why), "\"flow\" needs \"observer\": the 64 hex digits of the node that recorded it");
    return -1;
  }
  for (s = SR_SRC_SELF; s <= SR_SRC_REINDEX; s++)
    if (src && strcmp(src, sr_source_name(s)) == 0) break;
  if (s > SR_SRC_REINDEX) {
    snprintf(out->why, sizeof(out->why), "\"flow\" \"source\" must be self, import, peer or reindex");
    return -1;
  }
  if (!json_is_integer(at) || json_integer_value(at) < 0 || !json_is_integer(hops) || json_integer_value(hops) < 0 ||
      json_integer_value(hops) > UINT32_MAX) {
    snprintf(out->why, sizeof(out->why), "\"flow\" needs \"received_at\" (ms) and \"hops\" as whole numbers >= 0");
    return -1;
  }
  memset(&out->flow, 0, sizeof(out->flow));
  if (from && !json_is_null(from) &&
      (!json_is_string(from) || sr_hex_decode(json_string_value(from), out->flow.from, SR_KEY_BYTES) != 0)) {
    snprintf(out->why, sizeof(out->why), "\"flow\" \"from\" must be null or 64 hex digits");
    return -1;
  }
  out->flow.received_at = (uint64_t)json_integer_value(at);
  out->flow.hops = (uint32_t)json_integer_value(hops);
  out->flow.source = (uint8_t)s;
  out->has_flow = 1;
  return 0;
}

int cli_jsonl_parse(const char *text, size_t n, cli_jsonl_t *out) {
  json_error_t jerr;
  json_t *o = NULL;
  const char *b64, *id;
  size_t b64len;
  int rc = -1;
  memset(out, 0, sizeof(*out));
  if (n > CLI_JSONL_LINE_MAX) {
    snprintf(out->why, sizeof(out->why), "longer than any exported entry line (%d bytes at most)", CLI_JSONL_LINE_MAX);
    return -1;
  }
  sr_json_oom_clear();
  o = json_loadb(text, n, 0, &jerr);
  if (sr_json_oom_take() || (!o && json_error_code(&jerr) == json_error_out_of_memory)) {
    /* the line may be good: say why it was not read */
    snprintf(out->why, sizeof(out->why), "out of memory");
    goto out;
  }
  if (!o || !json_is_object(o)) {
    snprintf(out->why, sizeof(out->why), "not a JSON object (%s)", o ? "another JSON value" : jerr.text);
    goto out;
  }
  json_t *raw = json_object_get(o, "raw");
  if (!(b64 = json_string_value(raw))) {
    snprintf(out->why, sizeof(out->why), "no \"raw\" field with the base64 entry bytes");
    goto out;
  }
  /* Decoded straight into the fixed buffer: a "raw" longer than any entry
   * never costs more than SR_ENTRY_MAX bytes. */
  b64len = json_string_length(raw);
  if (b64len > sodium_base64_ENCODED_LEN(SR_ENTRY_MAX, sodium_base64_VARIANT_ORIGINAL) ||
      sodium_base642bin(out->raw, sizeof(out->raw), b64, b64len, NULL, &out->len, NULL,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    snprintf(out->why, sizeof(out->why), "\"raw\" is not valid base64 of at most %d bytes (the largest entry)",
             SR_ENTRY_MAX);
    goto out;
  }
  if ((id = json_string_value(json_object_get(o, "id")))) {
    if (sr_hex_decode(id, out->expect_id, SR_ID_BYTES) != 0) {
      snprintf(out->why, sizeof(out->why), "\"id\" is not 64 hex digits");
      goto out;
    }
    out->has_expect = 1;
  }
  json_t *flow = json_object_get(o, "flow");
  if (flow && !json_is_null(flow) && parse_flow(flow, out)) goto out;
  rc = 0;
out:
  json_decref(o);
  return rc;
}
