/* The scanned system's files, whatever holds them: a tree is one or more
 * filesystems mounted at paths ("/", "/boot", "/boot/efi"), each read
 * through a backend (tree/backend.h): today a directory of the host
 * (tree/host.c, for the running system and --root); a filesystem inside an
 * image file is another backend of the same interface. Every read of the
 * scanned system goes through here, so that facts and checks never know
 * which backend answers.
 *
 * Every path is resolved inside the tree, one component at a time,
 * written once for every backend (tree/tree.c): absolute symlinks restart
 * at its top, ".." stops there, more than 40 links end in -ELOOP, and a
 * path crosses from one filesystem into another at a mount point. The host
 * backend may have the kernel do the same (openat2 RESOLVE_IN_ROOT).
 *
 * Nothing but a regular file or a directory is ever opened: a path is
 * resolved and looked at first, so a device node, FIFO or socket of the
 * tree is refused without being opened. Nothing on procfs, sysfs and the
 * other kernel filesystems a chroot mounts inside a tree (proc, sys,
 * dev/pts, ...) is looked at either: it is the host's.
 *
 * Paths may be written absolute ("/etc/fstab"): they mean the tree's own.
 * Errors are negative errno values; these carry the project's meaning:
 *   -EMEDIUMTYPE  the path is not a regular file (FIFO, device, socket)
 *   -EFBIG        the file is larger than the caller's size cap
 *   -EBADMSG      a text file holds binary data (csm_tree_read_text)
 *   -EREMOTE      the path is on procfs, sysfs or another kernel filesystem
 * -ENOENT and -ENOTDIR mean the path does not exist (csm_tree_absent());
 * any other error means it cannot be told (EACCES, EIO, ELOOP, EMFILE).
 * Library code: it never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h> /* S_ISREG() and the like, for csm_tree_stat.mode */
#include <sys/types.h>

struct csm_tree;
struct csm_fs;   /* one filesystem of a tree: tree/backend.h */
struct csm_file; /* a regular file open for reading */

/* Which inode a path is: two paths name the same file when their ids are
 * equal (a host directory: device and inode number; another backend: its
 * filesystem and inode number). Comparable, and nothing else. */
struct csm_node_id {
    uint64_t fs, ino;
};
static inline bool csm_node_id_eq(struct csm_node_id a, struct csm_node_id b)
{
    return a.fs == b.fs && a.ino == b.ino;
}

enum csm_fs_kind {
    CSM_FS_DATA,   /* a filesystem of the system's own data */
    CSM_FS_KERNEL, /* procfs, sysfs, ...: what it holds is the host's, never the tree's */
};

struct csm_tree_stat {
    mode_t mode; /* type (S_IFREG, ...) and permission bits */
    uid_t uid;
    gid_t gid;
    uint64_t size;
    uint64_t nlink;
    struct csm_node_id id;
    enum csm_fs_kind fs;
};

/* The counters of the filesystem that holds a path, as statvfs() gives them. */
struct csm_tree_statfs {
    uint64_t block_size;
    uint64_t blocks, blocks_free, blocks_avail; /* avail: what an unprivileged user may use */
    uint64_t files, files_free;
    bool readonly; /* mounted read-only (a host directory; a filesystem read from an image: false) */
};

/* Flags of an open file (chattr). */
#define CSM_FILE_IMMUTABLE 0x1
#define CSM_FILE_APPEND 0x2

/* csm_tree_open() flags. */
#define CSM_TREE_NOFOLLOW 0x1 /* a link in the last component is -ELOOP, not followed */

/* A directory of the host as a tree (the running system: "/"). */
int csm_tree_open_dir(const char *dir, struct csm_tree **out);
/* A tree of no filesystem yet; mount one at "/" first, then others below. */
struct csm_tree *csm_tree_new(void);
/* Mounts fs at path (absolute, without "." or ".."), which must be a
 * directory of the filesystems mounted before it. The tree owns fs. */
int csm_tree_mount(struct csm_tree *t, const char *path, struct csm_fs *fs);
void csm_tree_free(struct csm_tree *t);

/* A NULL tree, or one with nothing mounted, holds nothing: every path in
 * it is -ENOENT. */

/* stat of a path; follow=false does not follow a final symlink. */
int csm_tree_stat(const struct csm_tree *t, const char *path, bool follow, struct csm_tree_stat *st);
/* Is this error of a csm_tree_* call "the path does not exist"? */
bool csm_tree_absent(int err);
/* Does path (links followed, inside the tree) exist with this file type
 * (S_IFREG, S_IFDIR, ...; 0 for any)? 1 yes, 0 no (absent, or another
 * type), a negative errno when it cannot be told. */
int csm_tree_probe(const struct csm_tree *t, const char *path, mode_t type);

/* The target of a symlink, as written (not resolved); -EINVAL for a path
 * that is not one. */
int csm_tree_readlink(const struct csm_tree *t, const char *path, char **target);

/* Reads a regular file of at most cap bytes into a NUL-terminated buffer.
 * Never blocks on a FIFO and never reads more than cap + 1 bytes. */
int csm_tree_read(const struct csm_tree *t, const char *path, size_t cap, char **buf, size_t *len);
/* csm_tree_read() for a text file: one that holds a NUL byte is binary
 * data, refused with -EBADMSG (csm_strerror() says so). */
int csm_tree_read_text(const struct csm_tree *t, const char *path, size_t cap, char **buf, size_t *len);

/* Directory listing inside the tree: names sorted, "." and ".." left out,
 * at most 65536 of them. */
int csm_tree_list(const struct csm_tree *t, const char *dir, char ***names);

/* The counters of the filesystem that holds path (links followed). */
int csm_tree_statfs(const struct csm_tree *t, const char *path, struct csm_tree_statfs *out);

/* Opens a regular file for reading (flags: CSM_TREE_NOFOLLOW). A directory
 * is -EISDIR, anything else that is not a regular file -EMEDIUMTYPE. */
int csm_tree_open(const struct csm_tree *t, const char *path, int flags, struct csm_file **out);

/* ---- an open file ---- */
/* Reads at off; returns the bytes read (0 at the end) or a negative errno. */
ssize_t csm_file_pread(struct csm_file *f, void *buf, size_t len, uint64_t off);
int csm_file_stat(struct csm_file *f, struct csm_tree_stat *st);
/* CSM_FILE_IMMUTABLE, CSM_FILE_APPEND; -errno when the filesystem cannot tell. */
int csm_file_flags(struct csm_file *f, unsigned *flags);
/* The whole file, as csm_tree_read() reads it: at most cap bytes. */
int csm_file_read_all(struct csm_file *f, size_t cap, char **buf, size_t *len);
void csm_file_close(struct csm_file *f);

/* A regular file of the host already open (a test's, a benchmark's), as a
 * file of this interface; it takes fd over. -EMEDIUMTYPE (or -EISDIR) when
 * fd is not a regular file, fd then left open. */
int csm_file_from_fd(int fd, struct csm_file **out);
