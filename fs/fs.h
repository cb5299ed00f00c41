/* Guest filesystems read without mounting: ext2/3/4 (libext2fs), XFS
 * (libfsxfs, behind guards of our own) and FAT (the ESP), each opened over
 * a block-read callback, so that the bytes may come from a partition of an
 * image file, an LVM logical volume mapped onto it, or a plain file.
 *
 * The operations are those of an inode-level filesystem: the root node,
 * looking up one name in a directory node, stat, readlink, pread, listing
 * a directory, statfs counters, and the filesystem's own state. Path
 * resolution is not here: it is the tree layer's, which crosses from one
 * filesystem into another at mount points. Names "." and ".." are never
 * looked up or listed: the resolver handles them.
 *
 * A node is a plain value (an inode number; for FAT the place of the
 * directory entry), so that a parent process can hold nodes of a
 * filesystem read in a child process (fs/child.h) and send them back.
 *
 * Everything read is untrusted: every size and count taken from the
 * filesystem is bounded. Nothing is ever written. Errors are negative
 * errno values; when a library has more to say than errno, the text is in
 * csm_fs_why(). Library code: it never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes of a block device: read() fills all of len bytes or fails with a
 * negative errno (-EIO). size is the device's size in bytes. free (may be
 * NULL) releases ctx. */
struct csm_fs_source {
    int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
    void *ctx;
    uint64_t size;
    void (*free)(void *ctx);
};

void csm_fs_source_free(struct csm_fs_source *src);
/* A range of a descriptor (a disk image's partition in tests): pread at
 * off + offset. The descriptor stays the caller's. */
void csm_fs_source_fd(int fd, uint64_t offset, uint64_t size, struct csm_fs_source *out);
/* A range of another source (a partition of a guest disk); base must
 * outlive it. */
int csm_fs_source_range(const struct csm_fs_source *base, uint64_t offset, uint64_t size, struct csm_fs_source *out);
/* A read cache of cache_bytes in front of in (which it takes over): reads
 * are served from aligned chunks of CSM_FS_CACHE_CHUNK bytes, so that the
 * single-block reads of the filesystem libraries cost one read per chunk. */
#define CSM_FS_CACHE_CHUNK (64u << 10)
void csm_fs_source_cached(struct csm_fs_source *in, size_t cache_bytes, struct csm_fs_source *out);

typedef uint64_t csm_fs_node;

#define CSM_FS_IMMUTABLE 0x1u /* chattr +i */
#define CSM_FS_APPEND 0x2u    /* chattr +a */

struct csm_fs_stat {
    csm_fs_node node; /* the inode's identity inside its filesystem */
    uint32_t mode;    /* S_IFMT type bits and permissions, as Linux has them */
    uint32_t uid, gid;
    uint32_t flags; /* CSM_FS_IMMUTABLE, CSM_FS_APPEND */
    uint64_t size;
    uint64_t nlink;
    int64_t mtime; /* seconds since the epoch */
    uint32_t mtime_nsec;
};

struct csm_fs_statfs {
    uint32_t block_size;
    uint64_t blocks, free_blocks;
    uint64_t avail_blocks;      /* free to an unprivileged user (minus the reserved blocks) */
    uint64_t files, free_files; /* inodes; 0 and 0 where the filesystem has no such limit (FAT) */
    bool stale;                 /* the counters were not updated since the filesystem was last mounted */
};

/* The filesystem's own state, as its superblock or log records it. A
 * filesystem in such a state opens and reads, but what is read may not be
 * what the system saw last: a check that depends on it cannot pass. */
#define CSM_FS_NEEDS_RECOVERY 0x01u /* ext3/4: the journal holds transactions not yet written back */
#define CSM_FS_DIRTY_LOG 0x02u      /* XFS: the log was not cleanly unmounted */
#define CSM_FS_UNCLEAN 0x04u        /* not cleanly unmounted (ext2 without a journal, FAT's dirty bit) */
#define CSM_FS_ERRORS 0x08u         /* the kernel recorded errors in it */
#define CSM_FS_ORPHANS 0x10u        /* inodes deleted while open, not yet freed */
#define CSM_FS_STATE_UNKNOWN 0x20u  /* the state cannot be told (an external XFS log) */

struct csm_fs_info {
    char type[16]; /* "ext2", "ext3", "ext4", "xfs", "vfat" */
    char label[64];
    char uuid[40];       /* as blkid prints it */
    uint32_t state;      /* CSM_FS_NEEDS_RECOVERY, ... */
    char state_why[256]; /* what the flags mean, in words; "" when none */
    uint64_t size;       /* bytes the filesystem says it spans */
};

struct csm_fs_dirent {
    csm_fs_node node;
    uint8_t type; /* DT_REG, DT_DIR, DT_LNK, ...; DT_UNKNOWN when the directory does not say */
    uint16_t name_len;
    const char *name; /* not NUL-terminated */
};
/* Called for each entry; a nonzero return ends the listing with it. */
typedef int (*csm_fs_list_fn)(void *data, const struct csm_fs_dirent *e);

/* Caps on what one call takes from a filesystem. */
#define CSM_FS_NAME_MAX 255
#define CSM_FS_LINK_MAX 4095   /* a link's target: PATH_MAX - 1, as the kernel */
#define CSM_FS_LIST_MAX 100000 /* entries of one directory */
#define CSM_FS_WHY_MAX 256

struct csm_fsreader;
struct csm_fsreader_ops {
    /* st receives the found node's stat (st->node is the node). */
    int (*lookup)(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st);
    int (*stat)(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st);
    /* The target, NUL-terminated, its length returned; -ENAMETOOLONG when
     * it does not fit in cap - 1 bytes, -EINVAL when node is not a link. */
    ssize_t (*readlink)(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap);
    /* Bytes read, short only at the end of the file; -EISDIR, -EINVAL
     * (not a regular file). */
    ssize_t (*pread)(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off);
    /* Every entry but "." and "..", in the directory's order; -E2BIG past
     * CSM_FS_LIST_MAX entries. */
    int (*list)(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data);
    int (*statfs)(struct csm_fsreader *fs, struct csm_fs_statfs *out);
    void (*close)(struct csm_fsreader *fs);
};

struct csm_fsreader {
    const struct csm_fsreader_ops *ops;
    csm_fs_node root;
    struct csm_fs_info info;
    char why[CSM_FS_WHY_MAX]; /* the last failure, when errno does not say it all */
};

/* The filesystem types this build reads, and whether it reads type (a
 * libblkid TYPE: "ext4", "xfs", "vfat", ...). */
bool csm_fs_type_supported(const char *type);
/* The type of the filesystem in src from its superblock ("ext4", "xfs",
 * "vfat"), or NULL. Only the signatures this module reads are known. */
const char *csm_fs_probe(const struct csm_fs_source *src);

/* Opens the filesystem of the given type (NULL: probed) on src, which
 * must outlive it. On failure *why (if why is not NULL) says why in words,
 * for a report: -EPROTONOSUPPORT for a type no reader of this build reads
 * (btrfs, an XFS without libfsxfs), -EOPNOTSUPP for features the reader
 * does not handle, -EUCLEAN for a corrupt superblock, -EFBIG when the
 * filesystem is larger than src (a truncated image). */
int csm_fs_open(const char *type, const struct csm_fs_source *src, struct csm_fsreader **out, char **why);
void csm_fs_close(struct csm_fsreader *fs);

/* The operations, each clearing fs->why first. */
int csm_fs_lookup(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st);
int csm_fs_stat(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st);
ssize_t csm_fs_readlink(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap);
ssize_t csm_fs_pread(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off);
int csm_fs_list(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data);
int csm_fs_statfs(struct csm_fsreader *fs, struct csm_fs_statfs *out);

/* The reason of the last failure err of an operation on fs, in words: the
 * filesystem's own when it gave one, else strerror. */
const char *csm_fs_why(const struct csm_fsreader *fs, int err);
