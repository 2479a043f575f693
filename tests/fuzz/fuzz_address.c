/* fuzz_address: the seurone://HOST:PORT/KEY parser (net/address.c) under
 * libFuzzer. A parsed address formats to an address that parses to the same
 * host, port and key. */
#include "core/core.h"
#include "net/address.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char s[SR_NET_ADDRESS_MAX * 2], host[SR_NET_HOST_MAX], host2[SR_NET_HOST_MAX], out[SR_NET_ADDRESS_MAX];
  uint8_t pk[SR_KEY_BYTES], pk2[SR_KEY_BYTES];
  uint16_t port, port2;
  if (size >= sizeof(s)) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  if (sr_net_address_parse(s, host, sizeof(host), &port, pk) != 0) return 0;
  if (sr_net_address_format(host, port, pk, out, sizeof(out)) != 0) abort();
  if (sr_net_address_parse(out, host2, sizeof(host2), &port2, pk2) != 0) abort();
  if (strcmp(host, host2) != 0 || port != port2 || memcmp(pk, pk2, SR_KEY_BYTES) != 0) abort();
  return 0;
}
