/* device.h: which machine and which directory a home runs from (HOME/device),
 * so that a copy of the home does not publish as if it were the original.
 *
 * Two copies of one key that both publish fork the log for good, and a home
 * is easily copied (to a second laptop, to a backup disk that is then run).
 * So the home records where it was set up, and a publish (by the node, by
 * `seurone publish`) is refused from anywhere else until the person says,
 * with `seurone device claim`, that this copy is the one to use. The record
 * (docs/storage.md, "HOME/device"):
 *   device 1 id=<32 hex> machine=<64 hex|none> inode=<n> path=<the home's real path>
 *  - id: 16 random bytes naming this copy, made when the record is and new at
 *    every claim;
 *  - machine: BLAKE2b-256, keyed with "seurone-machine-id-v1", of the
 *    machine id (/etc/machine-id, else /var/lib/dbus/machine-id; the id is
 *    meant to stay private, hence the hash); "none" when there is neither;
 *  - inode: the home directory's inode number. A copy is a new directory
 *    with a new inode, wherever it is put (also at the original's path); a
 *    move keeps it. st_dev is not compared: it may change at a reboot
 *    (btrfs subvolumes, LVM);
 *  - path: the home's real path when the record was made, for the messages
 *    (bytes below 0x21, % and DEL as %XX); a move updates it.
 * The home passes when the machine and the inode are the recorded ones.
 * A home with no record (made before HOME/device existed, or a new one) is
 * recorded as it is at its first check.
 * SEURONE_MACHINE_ID_FILE, when set, names the file read instead of the
 * system's: for tests only, which play a second machine with it.
 */
#ifndef SR_DEVICE_H
#define SR_DEVICE_H
#include "core/err.h"
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define SR_DEVICE_ID_BYTES 16
#define SR_DEVICE_MACHINE_BYTES crypto_generichash_BYTES /* 32 */
#define SR_DEVICE_PATH_MAX 12300                         /* a 4096-byte path with every byte escaped */
#define SR_DEVICE_TEXT_MAX (SR_DEVICE_PATH_MAX + 400)

typedef struct sr_home_device {
  uint8_t id[SR_DEVICE_ID_BYTES];
  int has_machine; /* 0: the machine had no machine id */
  uint8_t machine[SR_DEVICE_MACHINE_BYTES];
  uint64_t inode;
  char path[SR_DEVICE_PATH_MAX]; /* escaped as in the file */
} sr_home_device_t;

/* Parses the n bytes at text (a HOME/device file): 0, or SR_EINVAL. */
SR_MUST_USE int sr_device_parse(const char *text, size_t n, sr_home_device_t *d);
/* The file's text into out: its length, or SR_ETOOBIG. */
SR_MUST_USE int sr_device_format(const sr_home_device_t *d, char *out, size_t cap);

/* This home as it is now: its machine, inode and escaped real path; id
 * zero. SR_EIO when the home cannot be found, with err. */
SR_MUST_USE int sr_device_here(const char *home, sr_home_device_t *d, char *err, size_t errlen);

/* The check a publish makes: 0 when HOME/device names this machine and this
 * directory (it is written first when missing, and its path brought up to
 * date after a move), with the record in *d (may be NULL); SR_ECOPIED when
 * the home is a copy or its record is unreadable, err saying which, and that
 * `seurone device claim` makes this copy the one that publishes after every
 * other is stopped; SR_EIO when it cannot be read or written. */
SR_MUST_USE int sr_device_check(const char *home, sr_home_device_t *d, char *err, size_t errlen);

/* sr_device_check, with the store's memory of its home (store.h,
 * sr_store_home_device_*): a home with no HOME/device whose store names a
 * copy is a copy of the store (the key and the store copied without
 * HOME/device), SR_ECOPIED with what to do, and nothing is written; else the
 * check, and the store then names this copy (an older store, a claim, a
 * restore). st may be NULL: then it is sr_device_check. */
struct sr_store;
SR_MUST_USE int sr_device_check_store(const char *home, struct sr_store *st, char *err, size_t errlen);
/* For device_store.c: HOME/device into *d (0, SR_ENOTFOUND when there is none,
 * SR_EINVAL when it cannot be parsed, SR_EIO), and the sentence that says home
 * is a copy (why: how it differs) and what to do, into err. */
SR_MUST_USE int sr_device_read(const char *home, sr_home_device_t *d);
void sr_device_copied_text(const char *home, const sr_home_device_t *here, const char *why, char *err, size_t errlen);

/* Records this copy as the real one: a new id, this machine and directory,
 * into *after; *before gets the record it replaces (all zero when there was
 * none or it could not be read). Either may be NULL. */
SR_MUST_USE int sr_device_claim(const char *home, sr_home_device_t *after, sr_home_device_t *before, char *err,
                                size_t errlen);

#endif
