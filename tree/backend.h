/* What a filesystem backend of a tree provides (tree/tree.h uses it): a
 * table of operations on inodes, in the manner of libext2fs's io_manager
 * and libfdisk's label operations. The resolution of paths, the links, the
 * mount points, the caps and the refusals are the tree's (tree/tree.c),
 * written once; a backend only answers for one inode at a time.
 *
 * A node is a backend's handle of one inode, a plain number: a descriptor
 * for the host's directories, an inode number for a filesystem read from
 * an image (which a reader in another process can hand over as it is).
 * Every operation that returns a node gives the caller one reference,
 * which it gives back with put(). Errors are negative errno values: -ENOENT
 * for a name that is not there, -ENOTDIR for a lookup in what is not a
 * directory. A backend never prints. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tree/tree.h"

typedef uint64_t csm_node;

struct csm_fs_ops {
    const char *name; /* "host", "ext4", ... */
    /* The filesystem's top directory. */
    int (*root)(struct csm_fs *fs, csm_node *out);
    /* One name of a directory, not followed when it is a link ("." is the
     * directory itself). */
    int (*lookup)(struct csm_fs *fs, csm_node dir, const char *name, csm_node *out);
    int (*stat)(struct csm_fs *fs, csm_node n, struct csm_tree_stat *st);
    /* A symlink's target into buf (size bytes), not NUL-terminated; the
     * length, -EINVAL when n is not a link, -ENAMETOOLONG when it does not fit. */
    ssize_t (*readlink)(struct csm_fs *fs, csm_node n, char *buf, size_t size);
    /* Opens the regular file that lookup found as name in dir and stat
     * described as st, for reading. A backend that opens an inode by its
     * number takes st->id; the host's reopens name and says -EAGAIN when it
     * is no longer that file (replaced in between: the tree looks again). */
    int (*open)(struct csm_fs *fs, csm_node dir, const char *name, const struct csm_tree_stat *st,
                struct csm_file **out);
    /* Calls fn with each name of a directory but "." and ".."; fn returns
     * nonzero to stop. */
    int (*list)(struct csm_fs *fs, csm_node dir, int (*fn)(const char *name, void *data), void *data);
    int (*statfs)(struct csm_fs *fs, csm_node n, struct csm_tree_statfs *out);
    void (*put)(struct csm_fs *fs, csm_node n);
    /* Optional: resolves a whole path inside this filesystem alone, exactly
     * as the tree's walk would (flags: CSM_TREE_NOFOLLOW, and
     * CSM_RESOLVE_DIRECTORY for a directory only). NULL, or -ENOSYS: the
     * tree walks it. Used only when the tree is this filesystem alone. */
    int (*resolve)(struct csm_fs *fs, const char *path, int flags, csm_node *out);
    void (*free)(struct csm_fs *fs);
};

#define CSM_RESOLVE_DIRECTORY 0x100

/* Backends embed this first in their own filesystem structure. */
struct csm_fs {
    const struct csm_fs_ops *ops;
};

struct csm_file_ops {
    ssize_t (*pread)(struct csm_file *f, void *buf, size_t len, uint64_t off);
    int (*stat)(struct csm_file *f, struct csm_tree_stat *st);
    int (*flags)(struct csm_file *f, unsigned *flags);
    void (*close)(struct csm_file *f);
};

/* ... and this first in their open files. */
struct csm_file {
    const struct csm_file_ops *ops;
};

/* The host's directories (tree/host.c). */
int csm_fs_host_open(const char *dir, struct csm_fs **out);
