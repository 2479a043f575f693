/* fuzz_jsonl: one line of a JSON Lines import (tools/cli/jsonl.c,
 * cli_jsonl_parse) under libFuzzer. A line is refused with a reason or gives
 * at most SR_ENTRY_MAX entry bytes; never a crash, never more memory than the
 * line. */
#include "tools/cli/cli.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cli_jsonl_t *j = malloc(sizeof(*j));
  if (!j) return 0;
  int rc = cli_jsonl_parse((const char *)data, size, j);
  if (rc != 0 && j->why[0] == '\0') abort();
  if (rc == 0 && j->len > SR_ENTRY_MAX) abort();
  free(j);
  return 0;
}
