/* device_store.c: the copied-home check with the store's memory of its home
 * (node/device.h, sr_device_check_store). Apart from device.c, which needs no
 * store, so that the parsers' fuzz targets link device.c alone. */
#include "node/device.h"
#include "core/hex.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>

_Static_assert(SR_DEVICE_ID_BYTES == SR_HOME_DEVICE_ID_BYTES, "the store keeps the id HOME/device holds");

int sr_device_check_store(const char *home, sr_store_t *st, char *err, size_t errlen) {
  uint8_t id[SR_HOME_DEVICE_ID_BYTES];
  int found = 0, rc;
  sr_home_device_t *rec = malloc(sizeof(*rec));
  if (!rec) return SR_ENOMEM;
  if (st && (rc = sr_store_home_device_get(st, id, &found))) {
    snprintf(err, errlen, "cannot read the store's record of its home: %s", sr_store_errmsg(st));
    goto out;
  }
  if (found && sr_device_read(home, rec) == SR_ENOTFOUND) {
    char hex[2 * SR_HOME_DEVICE_ID_BYTES + 1], why[300];
    sr_home_device_t *here = malloc(sizeof(*here));
    sr_hex_encode(id, sizeof(id), hex);
    if (!here || (rc = sr_device_here(home, here, err, errlen))) {
      rc = here ? rc : SR_ENOMEM;
      free(here);
      goto out;
    }
    snprintf(why, sizeof(why), "whose store was set up in another home (copy %.8s), but without its HOME/device", hex);
    sr_device_copied_text(home, here, why, err, errlen);
    free(here);
    rc = SR_ECOPIED;
    goto out;
  }
  if ((rc = sr_device_check(home, rec, err, errlen))) goto out;
  if (st && (!found || sodium_memcmp(id, rec->id, sizeof(id)) != 0) && (rc = sr_store_home_device_set(st, rec->id))) {
    snprintf(err, errlen, "cannot record this home in the store: %s", sr_store_errmsg(st));
    goto out;
  }
out:
  free(rec);
  return rc;
}
