/* home.h: checks on the home directory and safe creation of the files the node
 * keeps there.
 *
 * The home holds the key, the store and the control socket: whoever may write
 * in it may swap the key, plant a store, or put a symbolic link where the node
 * is about to write (run.json's temporary file, control.lock, config edits) and
 * make it write a file of theirs. So, as ssh refuses a loose ~/.ssh, a home
 * that others may write, or that another user owns, is refused; files are
 * created with O_NOFOLLOW (and O_EXCL for temporary ones); and the store
 * directory and LMDB's files in it must be real files of ours, not links.
 */
#ifndef SR_HOME_H
#define SR_HOME_H
#include "core/err.h"
#include <stddef.h>
#include <sys/types.h>

/* 0 when home is a directory owned by this user that neither group nor others
 * may write (or does not exist yet: `init` makes it 0700); else SR_EPERM (or
 * SR_EINVAL: not a directory), and err says what is wrong and the command that
 * fixes it. A symbolic link as the home itself is followed (the person chose
 * where it lives); what it points to is checked. */
SR_MUST_USE int sr_home_check(const char *home, char *err, size_t errlen);

/* 0 when dir (HOME/store) does not exist or is a real directory (not a link)
 * owned by this user and not writable by others, and data.mdb and lock.mdb in
 * it, where they exist, are regular files of ours (LMDB opens them following
 * links, so they are checked before it does); else SR_EPERM with err. */
SR_MUST_USE int sr_home_check_store(const char *dir, char *err, size_t errlen);

/* Creates path as a new file for writing (O_CREAT | O_EXCL | O_NOFOLLOW,
 * mode): a temporary file about to be renamed into place. A name already there
 * (a temporary left by a crash, or a planted link) is unlinked first, which
 * removes the name and never touches what a link points to. Returns the fd, or
 * -1 with errno set. */
SR_MUST_USE int sr_home_create_tmp(const char *path, mode_t mode);

/* Replaces path with the n bytes at data: written to path.tmp.PID (sr_home_create_tmp,
 * mode), fsynced, renamed over path, and the directory fsynced, so a crash
 * leaves the old file or the new one, never a part. 0, or SR_EIO with errno
 * set (the temporary file removed; path as it was unless the rename was done
 * and only the directory's sync failed). */
SR_MUST_USE int sr_home_replace_file(const char *path, const void *data, size_t n, mode_t mode);

#endif
