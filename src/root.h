/* A directory tree opened for reading: the running system ("/") or an
 * offline tree given with --root. Every path is resolved inside the tree:
 * absolute symlinks restart at its top, ".." stops there, loops end in
 * -ELOOP. The kernel does this with openat2(RESOLVE_IN_ROOT); where it
 * cannot, the tree is walked one component at a time.
 *
 * Nothing but a regular file or a directory is ever opened: a path is
 * resolved with O_PATH and looked at first, so a device node, FIFO or
 * socket of the tree is refused without being opened. Nothing on procfs,
 * sysfs and the other kernel filesystems a chroot mounts inside a tree
 * (proc, sys, dev/pts, ...) is looked at either: it is the host's.
 *
 * Paths may be written absolute ("/etc/fstab"): they mean the tree's own.
 * Errors are negative errno values; these carry the project's meaning:
 *   -EMEDIUMTYPE  the path is not a regular file (FIFO, device, socket)
 *   -EFBIG        the file is larger than the caller's size cap
 *   -EBADMSG      a text file holds binary data (csm_root_read_text)
 *   -EREMOTE      the path is on procfs, sysfs or another kernel filesystem
 * -ENOENT and -ENOTDIR mean the path does not exist (csm_root_absent());
 * any other error means it cannot be told (EACCES, EIO, ELOOP, EMFILE).
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct csm_root;

/* A NULL tree (an image scan has none) holds nothing: every path in it is
 * -ENOENT. */

int csm_root_open(const char *dir, struct csm_root **out);

/* A tree whose files are not the host's (a guest's, inside a disk image):
 * its backend resolves paths with the same rules and answers these. stat
 * fills st_dev/st_ino with an identity that is only comparable inside the
 * tree; open returns a descriptor with the bytes of a regular file (at
 * most cap) for readers that need one (libarchive, ioctl-less); attr gives
 * FS_IMMUTABLE_FL / FS_APPEND_FL. */
struct csm_root_ops {
    int (*stat)(void *data, const char *path, bool follow, struct stat *st);
    int (*readlink)(void *data, const char *path, char **target);
    int (*read)(void *data, const char *path, size_t cap, char **buf, size_t *len);
    int (*list)(void *data, const char *dir, char ***names);
    int (*open)(void *data, const char *path, int flags, size_t cap);
    int (*attr)(void *data, const char *path, int *flags);
};
/* name is what csm_root_dir() says ("image.qcow2"); ops and data stay the
 * caller's and must outlive the tree. */
int csm_root_open_ops(const struct csm_root_ops *ops, void *data, const char *name, struct csm_root **out);
/* FS_IOC_GETFLAGS of a file of the tree: fd is the descriptor
 * csm_root_openat() gave for path (the host's), used when the tree is the
 * host's. */
int csm_root_attr(const struct csm_root *r, const char *path, int fd, int *flags);
void csm_root_free(struct csm_root *r);
const char *csm_root_dir(const struct csm_root *r);

/* Opens a path inside the tree, for reading. flags: O_PATH (resolve only:
 * any file type), O_DIRECTORY (a directory), otherwise a regular file;
 * O_NOFOLLOW means the last component is not followed (a link there is
 * -ELOOP). A directory without O_DIRECTORY is -EISDIR, anything else that
 * is not a regular file -EMEDIUMTYPE. Returns a descriptor (O_CLOEXEC, and
 * O_NONBLOCK for a file) or a negative errno. */
int csm_root_openat(const struct csm_root *r, const char *path, int flags);

/* stat of a path; follow=false does not follow a final symlink. */
int csm_root_stat(const struct csm_root *r, const char *path, bool follow, struct stat *st);
/* Is this error of a csm_root_* call "the path does not exist"? */
bool csm_root_absent(int err);
/* Does path (links followed, inside the tree) exist with this file type
 * (S_IFREG, S_IFDIR, ...; 0 for any)? 1 yes, 0 no (absent, or another
 * type), a negative errno when it cannot be told. */
int csm_root_probe(const struct csm_root *r, const char *path, mode_t type);

/* The target of a symlink, as written (not resolved). */
int csm_root_readlink(const struct csm_root *r, const char *path, char **target);

/* Reads a regular file of at most cap bytes into a NUL-terminated buffer.
 * Never blocks on a FIFO and never reads more than cap + 1 bytes. */
int csm_root_read(const struct csm_root *r, const char *path, size_t cap, char **buf, size_t *len);

/* Reads from an open descriptor with the same rules (regular file, cap). */
int csm_fd_read(int fd, size_t cap, char **buf, size_t *len);
/* The same for a file named on the command line (a report, a key). */
int csm_file_read(const char *path, size_t cap, char **buf, size_t *len);

/* csm_root_read() for a text file: one that holds a NUL byte is binary
 * data, refused with -EBADMSG (csm_strerror() says so). */
int csm_root_read_text(const struct csm_root *r, const char *path, size_t cap, char **buf, size_t *len);

/* Directory listing inside the tree: names sorted, "." and ".." left out. */
int csm_root_list(const struct csm_root *r, const char *dir, char ***names);
