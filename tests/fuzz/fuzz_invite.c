/* fuzz_invite: the invite code parser (node/invite_code.c) under libFuzzer.
 * sr_invite_problem and sr_invite_parse agree; what a code parses to formats
 * to a code that parses to the same. */
#include "core/core.h"
#include "net/address.h"
#include "node/invite.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char code[SR_INVITE_CODE_MAX + 64], address[SR_NET_ADDRESS_MAX], again[SR_INVITE_CODE_MAX + 64];
  uint8_t netkey[SR_NET_NETKEY_BYTES], secret[SR_INVITE_SECRET_BYTES];
  if (size >= sizeof(code)) return 0;
  memcpy(code, data, size);
  code[size] = '\0';
  const char *why = sr_invite_problem(code);
  int rc = sr_invite_parse(code, address, sizeof(address), netkey, secret);
  if ((why == NULL) != (rc == 0)) abort();
  if (rc == 0) {
    /* What it parsed formats to a code that parses to the same thing. */
    char address2[SR_NET_ADDRESS_MAX];
    uint8_t netkey2[SR_NET_NETKEY_BYTES], secret2[SR_INVITE_SECRET_BYTES];
    if (sr_invite_format(address, netkey, secret, again, sizeof(again)) != 0) abort();
    if (sr_invite_parse(again, address2, sizeof(address2), netkey2, secret2) != 0) abort();
    if (strcmp(address, address2) || memcmp(netkey, netkey2, SR_NET_NETKEY_BYTES) ||
        memcmp(secret, secret2, SR_INVITE_SECRET_BYTES))
      abort();
  }
  return 0;
}
