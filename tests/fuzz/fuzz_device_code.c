/* fuzz_device_code: the device code parser (node/device_code.c) under
 * libFuzzer. A refusal always says why; what a code parses to formats to the
 * very same text (one text per address, network key and secret, the check
 * digits included). */
#include "core/core.h"
#include "net/address.h"
#include "node/device_code.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char code[SR_DEVICE_CODE_MAX + 64], address[SR_NET_ADDRESS_MAX], again[SR_DEVICE_CODE_MAX];
  uint8_t netkey[SR_NET_NETKEY_BYTES], secret[SR_DEVICE_SECRET_BYTES];
  const char *why = NULL;
  if (size >= sizeof(code)) return 0;
  memcpy(code, data, size);
  code[size] = '\0';
  int rc = sr_device_code_parse(code, address, sizeof(address), netkey, secret, &why);
  if (rc != 0 && (rc != SR_EDEVCODEFORMAT || !why)) abort();
  if (rc == 0) {
    if (sr_device_code_format(address, netkey, secret, again, sizeof(again)) != 0) abort();
    if (strcmp(again, code) != 0) abort();
  }
  return 0;
}
