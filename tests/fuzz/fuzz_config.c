/* fuzz_config: the HOME/config parser (sr_config_read) under libFuzzer. Any
 * bytes: never a crash; an accepted config holds values in their documented
 * ranges, and a refused one says why. */
#include "core/core.h"
#include "node/config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sr_config_t cfg;
  char err[4600] = "";
  if (size == 0) return 0; /* fmemopen refuses an empty buffer */
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  int rc = sr_config_read(f, "fuzz/config", &cfg, err, sizeof(err));
  fclose(f);
  if (rc != 0 && err[0] == '\0') abort(); /* a refusal always says why */
  if (rc == 0) {
    if (memchr(cfg.listen_host, '\0', sizeof(cfg.listen_host)) == NULL) abort();
    if (cfg.max_conns < 1 || cfg.nbootstrap < 0) abort();
  }
  return 0;
}
