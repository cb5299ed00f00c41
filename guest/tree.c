/* The guest as a tree of the tree layer (root.h's csm_root_ops), so that
 * the facts read a guest inside an image as they read a --root tree. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "root.h"
#include "util.h"

static void to_stat(const struct csm_guest_node *n, struct stat *st)
{
    *st = (struct stat){
        .st_dev = (dev_t)n->fs + 1, /* an identity inside the guest, not a host device */
        .st_ino = (ino_t)n->st.node,
        .st_mode = n->st.mode,
        .st_nlink = (nlink_t)n->st.nlink,
        .st_uid = n->st.uid,
        .st_gid = n->st.gid,
        .st_size = (off_t)n->st.size,
        .st_blksize = 4096,
        .st_blocks = (blkcnt_t)((n->st.size + 511) / 512),
    };
    st->st_mtim = (struct timespec){ .tv_sec = n->st.mtime, .tv_nsec = n->st.mtime_nsec };
}

static int op_stat(void *data, const char *path, bool follow, struct stat *st)
{
    struct csm_guest_node n;
    int r = csm_guest_resolve(data, path, follow, &n);
    if (r == 0)
        to_stat(&n, st);
    return r;
}

static int op_readlink(void *data, const char *path, char **target)
{
    return csm_guest_readlink(data, path, target);
}

static int op_read(void *data, const char *path, size_t cap, char **buf, size_t *len)
{
    return csm_guest_read(data, path, cap, buf, len);
}

static int op_list(void *data, const char *dir, char ***names)
{
    return csm_guest_list(data, dir, names);
}

static int op_attr(void *data, const char *path, int *flags)
{
    struct csm_guest_node n;
    int r = csm_guest_resolve(data, path, true, &n);
    if (r < 0)
        return r;
    *flags = (n.st.flags & CSM_FS_IMMUTABLE ? FS_IMMUTABLE_FL : 0) | (n.st.flags & CSM_FS_APPEND ? FS_APPEND_FL : 0);
    return 0;
}

/* A sealed memfd with the file's bytes: what a reader that wants a
 * descriptor (libarchive over the initramfs) reads. */
static int op_open(void *data, const char *path, int flags, size_t cap)
{
    struct csm_guest_node n;
    int r = csm_guest_resolve(data, path, !(flags & O_NOFOLLOW), &n);
    if (r < 0)
        return r;
    if (S_ISLNK(n.st.mode))
        return -ELOOP;
    if (flags & O_DIRECTORY)
        return S_ISDIR(n.st.mode) ? -EOPNOTSUPP : -ENOTDIR;
    if (S_ISDIR(n.st.mode))
        return -EISDIR;
    if (!S_ISREG(n.st.mode))
        return -EMEDIUMTYPE;
    if (n.st.size > cap)
        return -EFBIG;
    int fd = memfd_create("guest-file", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    char *buf = xmalloc(1u << 20);
    uint64_t off = 0;
    while (off < n.st.size) {
        ssize_t k = csm_guest_pread(data, &n, buf, 1u << 20, off);
        if (k <= 0) {
            r = k < 0 ? (int)k : 0;
            break;
        }
        for (ssize_t w = 0; w < k;) {
            ssize_t x = pwrite(fd, buf + w, (size_t)(k - w), (off_t)(off + (uint64_t)w));
            if (x < 0) {
                r = -errno;
                break;
            }
            w += x;
        }
        if (r < 0)
            break;
        off += (uint64_t)k;
    }
    free(buf);
    if (r == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
        r = -errno;
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

static const struct csm_root_ops guest_ops = {
    .stat = op_stat,
    .readlink = op_readlink,
    .read = op_read,
    .list = op_list,
    .open = op_open,
    .attr = op_attr,
};

int csm_guest_tree(struct csm_guest *g, const char *name, struct csm_root **out)
{
    if (csm_guest_root_why(g))
        return -ENOENT;
    return csm_root_open_ops(&guest_ops, g, name, out);
}
