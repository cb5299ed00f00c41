/* A directory tree opened for reading: the running system ("/") or an
 * offline tree given with --root. Every path is resolved inside the tree:
 * absolute symlinks restart at its top, ".." stops there, loops end in
 * -ELOOP. The kernel does this with openat2(RESOLVE_IN_ROOT); where it
 * cannot, the tree is walked one component at a time.
 *
 * Paths may be written absolute ("/etc/fstab"): they mean the tree's own.
 * Errors are negative errno values; two carry the project's meaning:
 *   -EMEDIUMTYPE  the path is not a regular file (FIFO, device, directory)
 *   -EFBIG        the file is larger than the caller's size cap
 *   -EBADMSG      a text file holds binary data (csm_root_read_text)
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
void csm_root_free(struct csm_root *r);
const char *csm_root_dir(const struct csm_root *r);

/* Opens a path inside the tree. flags are open(2) flags; O_NOFOLLOW means the
 * last component is not followed. O_CLOEXEC|O_NOCTTY are always added.
 * Returns a file descriptor or a negative errno. */
int csm_root_openat(const struct csm_root *r, const char *path, int flags);

/* stat of a path; follow=false does not follow a final symlink. */
int csm_root_stat(const struct csm_root *r, const char *path, bool follow, struct stat *st);
bool csm_root_exists(const struct csm_root *r, const char *path);
/* Does path (links followed, inside the tree) exist with this file type
 * (S_IFREG, S_IFDIR, ...)? */
bool csm_root_is(const struct csm_root *r, const char *path, mode_t type);

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
