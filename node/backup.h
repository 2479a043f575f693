/* backup.h: the backup file `seurone backup` writes and `seurone restore`
 * reads (docs/backup.md, "The backup file"). No knowledge of what the
 * sections mean here: tools/cli/cmd_backup.c fills and reads them.
 *
 * The file, byte for byte:
 *   seurone-backup 1\n                     the magic line and the version
 *   section <name> <length>\n<length bytes>\n   one per section, in order
 *   ...
 *   end blake2b-256 <64 hex>\n             BLAKE2b-256 of every byte before "end"
 * and nothing after. Names are 1 to 31 of a-z, 0-9 and _; a length is
 * decimal, at most 2^62. Version 1 writes "key" (the key file's text, always
 * sealed with a passphrase), "config" (HOME/config; empty when there is none)
 * and "store" (an LMDB data file, store/maintenance.h sr_store_backup). A
 * reader skips sections it does not know (a later version may add some), and
 * refuses another version, a missing checksum, any byte after the end line,
 * and a file whose checksum does not match. The file is written to FILE.tmp
 * (mode 0600, never through a link), fsynced, renamed to FILE and the
 * directory fsynced: a crash leaves FILE whole or absent. */
#ifndef SR_BACKUP_H
#define SR_BACKUP_H
#include "core/err.h"
#include <stddef.h>
#include <stdint.h>

#define SR_BACKUP_VERSION 1
#define SR_BACKUP_MAGIC "seurone-backup"
#define SR_BACKUP_NAME_MAX 31
#define SR_BACKUP_SECTIONS_MAX 32

/* Progress: done and total bytes (total 0 when not known). */
typedef void (*sr_backup_progress_cb)(void *ctx, uint64_t done, uint64_t total);

/* A section to write: len bytes at data, or (data NULL) the whole file at path. */
typedef struct sr_backup_section {
  const char *name;
  const void *data;
  size_t len;
  const char *path;
} sr_backup_section_t;

/* Writes sections s[0..n) to path (which must not exist: SR_EEXIST) as
 * above. SR_EIO, SR_EEXIST or SR_EINVAL with err; nothing left behind on a
 * failure. *size (may be NULL): the file's size. */
SR_MUST_USE int sr_backup_write(const char *path, const sr_backup_section_t *s, size_t n, uint64_t *size,
                                sr_backup_progress_cb progress, void *pctx, char *err, size_t errlen);

/* Where each section of a checked file is. */
typedef struct sr_backup_info {
  int version;
  uint64_t size;
  size_t n;
  struct {
    char name[SR_BACKUP_NAME_MAX + 1];
    uint64_t off, len; /* of its bytes in the file */
  } sec[SR_BACKUP_SECTIONS_MAX];
} sr_backup_info_t;

/* Reads path whole and checks it (magic, version, sections, checksum, end):
 * 0 with info; SR_EBACKUP with err saying what is wrong (and that the file is
 * damaged or not a backup), SR_EIO when it cannot be read. */
SR_MUST_USE int sr_backup_check(const char *path, sr_backup_info_t *info, sr_backup_progress_cb progress, void *pctx,
                                char *err, size_t errlen);
/* The index of section name in info, or -1. */
int sr_backup_find(const sr_backup_info_t *info, const char *name);
/* Section i of a checked file into buf (cap bytes): SR_ETOOBIG when it is
 * longer, SR_EIO. */
SR_MUST_USE int sr_backup_read(const char *path, const sr_backup_info_t *info, int i, void *buf, size_t cap,
                               size_t *len, char *err, size_t errlen);
/* Section i of a checked file into a new file dest (mode 0600, O_EXCL, never
 * through a link), fsynced: 0, or SR_EIO with err (dest removed). */
SR_MUST_USE int sr_backup_extract(const char *path, const sr_backup_info_t *info, int i, const char *dest,
                                  sr_backup_progress_cb progress, void *pctx, char *err, size_t errlen);

#endif
