/* A private directory of the tool's own (mode 0700, under $TMPDIR or
 * /tmp) for copies of the scanned system's files that a library insists on
 * opening by path: libkmod's index, librpm's database. The copy is read
 * through the tree (capped, confined) and written here, so that the
 * library never follows a path of the scanned system and never sees the
 * host's own files. Every file made in it is removed with it. */
#pragma once

#include <stddef.h>

struct csm_private_dir;

/* Makes csm-<what>.XXXXXX; -errno when it cannot. */
int csm_private_dir_new(const char *what, struct csm_private_dir **out);
const char *csm_private_dir_path(const struct csm_private_dir *d);
/* Creates the file name in it (O_EXCL, mode 0600) and returns a descriptor
 * open with flags (O_WRONLY, O_RDWR; O_CLOEXEC unless a child inherits it). */
int csm_private_create(struct csm_private_dir *d, const char *name, int flags);
/* Creates name holding data[0..len). */
int csm_private_write(struct csm_private_dir *d, const char *name, const void *data, size_t len);
/* Removes every file in it (made here or by the library), then the
 * directory. NULL is nothing. */
void csm_private_dir_free(struct csm_private_dir *d);
