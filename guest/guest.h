/* The guest system inside a disk image, read as a tree without mounting:
 * its filesystems (partitions, and linear LVM volumes mapped from their
 * metadata) are opened by the readers of fs/ in the limited reader child,
 * the guest's root is found by what it holds (/etc/fstab and
 * /etc/os-release), and its /boot, /boot/efi, /usr and /var are mounted
 * where the guest's own fstab puts them, in a tree of the tree interface
 * (tree/tree.h), each filesystem a backend of it (guest/tree.c): the tree
 * resolves paths across those mounts as the guest's kernel would.
 *
 * This sits above image/ (the bytes of the guest disk), fs/ (the
 * filesystems) and tree/. The partitions are given by the
 * caller (the disk facts have them from libfdisk), so that this layer
 * reads no partition table of its own. Errors are negative errno values;
 * a filesystem that cannot be read says why in its csm_guest_fs. Library
 * code: it never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/child.h"
#include "fs/fs.h"
#include "image/image.h"
#include "tree/tree.h"

/* A partition of the guest disk, as the caller found it. */
struct csm_guest_part {
    size_t partno; /* 1-based */
    uint64_t offset, size; /* bytes */
    const char *partuuid, *partlabel; /* may be NULL */
    const char *fstype; /* what libblkid found ("btrfs"), or NULL: named when no reader reads it */
};

/* A filesystem of the guest: on a partition or on a logical volume. */
struct csm_guest_fs {
    char *where;  /* "partition 2", "LV vgsys/root" */
    size_t partno; /* the partition it is on (the PV's, for an LV) */
    char *vg, *lv; /* for an LV */
    char *type;   /* "ext4", "xfs", "vfat", or what was found and not read; NULL: an LV not mapped */
    char *mount;  /* where the guest mounts it ("/", "/boot"), or NULL */
    char *error;  /* why it cannot be read, or NULL */
    struct csm_fsreader *fs; /* NULL when it cannot be read */
};

struct csm_guest;

/* Reads the filesystems of the guest disk of img, finds the root and the
 * mounts. Fails only when the guest cannot be read at all (-ESPIPE: the
 * image is a compressed stream without random access; -ENODEV: its guest
 * disk is not readable); no root found is not a failure: csm_guest_root_why()
 * says why. limits may be NULL. */
int csm_guest_open(struct csm_image *img, const struct csm_guest_part *parts, size_t n_parts,
                   const struct csm_fs_limits *limits, struct csm_guest **out);
void csm_guest_free(struct csm_guest *g);

size_t csm_guest_filesystems(const struct csm_guest *g, const struct csm_guest_fs **out);
/* NULL when the root was found; else why not, in words. */
const char *csm_guest_root_why(const struct csm_guest *g);
/* The fstab mounts (/boot, /boot/efi, /usr, /var) that could not be made:
 * "/boot: UUID=... names no filesystem of this image". */
char *const *csm_guest_mount_errors(const struct csm_guest *g);

/* Why the reader child is gone (a crash, a limit, a hang), NULL while it
 * serves: every read after that fails with EIO. */
const char *csm_guest_failure(const struct csm_guest *g);

/* The guest's tree (tree/tree.h): its root at "/", the mounts below;
 * NULL when no root was found. The guest keeps it. */
struct csm_tree *csm_guest_tree(const struct csm_guest *g);
/* The same, given to the caller, who frees it before the guest. */
struct csm_tree *csm_guest_take_tree(struct csm_guest *g);

/* A filesystem reader as a backend of the tree interface (guest/tree.c):
 * id tells its nodes from other filesystems'. r stays the caller's. */
struct csm_fs;
struct csm_fs *csm_guest_backend(struct csm_fsreader *r, uint64_t id);
