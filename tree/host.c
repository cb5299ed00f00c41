/* The host's directories as a filesystem of a tree: the running system
 * ("/") and an offline tree given with --root. A node is an O_PATH
 * descriptor, so that looking at a name opens nothing: a device node,
 * FIFO or socket is never opened for reading (opening a tape rewinds it,
 * reading /proc/self/fd would be reading procfs), and a regular file is
 * reopened by its name from its directory, then compared by device and
 * inode with what was looked at.
 *
 * The kernel resolves a whole path inside the directory itself with
 * openat2(RESOLVE_IN_ROOT) since Linux 5.6: absolute links restart at its
 * top and ".." stops there, as in the tree's own walk, which takes over on
 * kernels without it (and with CSM_PRECHECK_FORCE_CHASE set, which is how
 * the tests hold both to the same results). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"
#include "tree/backend.h"

#define OPENAT2_RETRIES 8

struct host_fs {
    struct csm_fs fs;
    int rootfd;
};

struct host_file {
    struct csm_file file;
    int fd;
};

static int rootfd_of(struct csm_fs *fs)
{
    return ((struct host_fs *)fs)->rootfd;
}

static int openat2_in_root(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (unsigned long long)flags,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    for (int i = 0; i < OPENAT2_RETRIES; i++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0)
            return (int)fd;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

/* Whether openat2 can be used at all is asked once, of the tree's own top:
 * an error on a path inside the tree (EPERM from a file's own rules, say)
 * is that path's answer, never a reason to resolve it a second way. */
static bool openat2_usable(int rootfd)
{
    int fd = openat2_in_root(rootfd, ".", O_PATH | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    /* ENOSYS: older kernels; EPERM: seccomp filters that deny the call. */
    return fd != -ENOSYS && fd != -EPERM;
}

static int host_resolve(struct csm_fs *fs, const char *path, int flags, csm_node *out)
{
    int oflags = O_PATH | O_CLOEXEC | (flags & CSM_TREE_NOFOLLOW ? O_NOFOLLOW : 0) |
                 (flags & CSM_RESOLVE_DIRECTORY ? O_DIRECTORY : 0);
    int fd = openat2_in_root(rootfd_of(fs), path, oflags);
    if (fd < 0)
        return fd;
    *out = (csm_node)fd;
    return 0;
}

static int host_root(struct csm_fs *fs, csm_node *out)
{
    *out = (csm_node)rootfd_of(fs);
    return 0;
}

static int host_lookup(struct csm_fs *fs, csm_node dir, const char *name, csm_node *out)
{
    (void)fs;
    int fd = openat((int)dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    *out = (csm_node)fd;
    return 0;
}

/* Kernel filesystems a chroot mounts inside a tree (proc, sys, dev): what
 * they hold is the host's, never the tree's. devtmpfs shows as tmpfs, but
 * holds device nodes, which are refused anyway. */
static bool kernel_fs(unsigned long type)
{
    static const unsigned long magic[] = {
        PROC_SUPER_MAGIC, SYSFS_MAGIC,       DEBUGFS_MAGIC,       TRACEFS_MAGIC,  SECURITYFS_MAGIC,
        SELINUX_MAGIC,    SMACK_MAGIC,       CGROUP_SUPER_MAGIC,  CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC,
        DEVPTS_SUPER_MAGIC, EFIVARFS_MAGIC,  PSTOREFS_MAGIC,      BINFMTFS_MAGIC, NSFS_MAGIC,
        RDTGROUP_SUPER_MAGIC, XENFS_SUPER_MAGIC, OPENPROM_SUPER_MAGIC, USBDEVICE_SUPER_MAGIC,
        0x62656570 /* configfs */, 0x65735543 /* fusectl */, 0x19800202 /* mqueue */,
    };
    for (size_t i = 0; i < ARRAY_SIZE(magic); i++)
        if (type == magic[i])
            return true;
    return false;
}

static void from_stat(const struct stat *st, struct csm_tree_stat *out)
{
    *out = (struct csm_tree_stat){
        .mode = st->st_mode,
        .uid = st->st_uid,
        .gid = st->st_gid,
        .size = (uint64_t)st->st_size,
        .nlink = (uint64_t)st->st_nlink,
        .id = { (uint64_t)st->st_dev, (uint64_t)st->st_ino },
        .fs = CSM_FS_DATA,
    };
}

static int host_stat(struct csm_fs *fs, csm_node n, struct csm_tree_stat *out)
{
    (void)fs;
    struct stat st;
    struct statfs sf;
    if (fstat((int)n, &st) < 0 || fstatfs((int)n, &sf) < 0)
        return -errno;
    from_stat(&st, out);
    if (kernel_fs((unsigned long)sf.f_type))
        out->fs = CSM_FS_KERNEL;
    return 0;
}

static ssize_t host_readlink(struct csm_fs *fs, csm_node n, char *buf, size_t size)
{
    (void)fs;
    ssize_t len = readlinkat((int)n, "", buf, size);
    if (len < 0)
        return errno == ENOENT ? -EINVAL : -errno; /* "" on a non-link: ENOENT */
    return (size_t)len == size ? -ENAMETOOLONG : len;
}

static const struct csm_file_ops host_file_ops;

static struct csm_file *host_file_new(int fd)
{
    struct host_file *hf = xcalloc(1, sizeof(*hf));
    hf->file.ops = &host_file_ops;
    hf->fd = fd;
    return &hf->file;
}

static int host_open(struct csm_fs *fs, csm_node dir, const char *name, const struct csm_tree_stat *st,
                     struct csm_file **out)
{
    (void)fs;
    struct stat got;
    int fd = openat((int)dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &got) < 0) {
        int e = -errno;
        if (fd >= 0)
            close(fd);
        return e;
    }
    if ((uint64_t)got.st_dev != st->id.fs || (uint64_t)got.st_ino != st->id.ino) {
        close(fd);
        return -EAGAIN; /* replaced in between: look again */
    }
    *out = host_file_new(fd);
    return 0;
}

static int host_list(struct csm_fs *fs, csm_node dir, int (*fn)(const char *name, void *data), void *data)
{
    (void)fs;
    int fd = openat((int)dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = -errno;
        close(fd);
        return e;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && fn(de->d_name, data))
            break;
    closedir(d);
    return 0;
}

static int host_statfs(struct csm_fs *fs, csm_node n, struct csm_tree_statfs *out)
{
    (void)fs;
    struct statvfs v;
    if (fstatvfs((int)n, &v) < 0)
        return -errno;
    *out = (struct csm_tree_statfs){
        .block_size = v.f_frsize ? v.f_frsize : v.f_bsize,
        .blocks = v.f_blocks,
        .blocks_free = v.f_bfree,
        .blocks_avail = v.f_bavail,
        .files = v.f_files,
        .files_free = v.f_ffree,
        .readonly = v.f_flag & ST_RDONLY,
    };
    return 0;
}

static void host_put(struct csm_fs *fs, csm_node n)
{
    if ((int)n != rootfd_of(fs))
        close((int)n);
}

static void host_free(struct csm_fs *fs)
{
    close(rootfd_of(fs));
    free(fs);
}

/* Two tables: the one with openat2, and the one for the walk. */
#define HOST_OPS(resolver)                                                                                     \
    {                                                                                                          \
        .name = "host", .root = host_root, .lookup = host_lookup, .stat = host_stat,                          \
        .readlink = host_readlink, .open = host_open, .list = host_list, .statfs = host_statfs,               \
        .put = host_put, .resolve = resolver, .free = host_free,                                              \
    }
static const struct csm_fs_ops host_ops = HOST_OPS(host_resolve);
static const struct csm_fs_ops host_walk_ops = HOST_OPS(NULL);

int csm_fs_host_open(const char *dir, struct csm_fs **out)
{
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct host_fs *h = xcalloc(1, sizeof(*h));
    h->rootfd = fd;
    /* A debugging aid, and how the tests exercise the walk. */
    h->fs.ops = getenv("CSM_PRECHECK_FORCE_CHASE") || !openat2_usable(fd) ? &host_walk_ops : &host_ops;
    *out = &h->fs;
    return 0;
}

/* ---- open files ---- */

static int file_fd(struct csm_file *f)
{
    return ((struct host_file *)f)->fd;
}

static ssize_t host_pread(struct csm_file *f, void *buf, size_t len, uint64_t off)
{
    for (;;) {
        ssize_t n = pread(file_fd(f), buf, len, (off_t)off);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

/* The file was looked at on its way here: what its filesystem is, is known. */
static int host_fstat(struct csm_file *f, struct csm_tree_stat *out)
{
    struct stat st;
    if (fstat(file_fd(f), &st) < 0)
        return -errno;
    from_stat(&st, out);
    return 0;
}

static int host_flags(struct csm_file *f, unsigned *flags)
{
    int fl = 0;
    if (ioctl(file_fd(f), FS_IOC_GETFLAGS, &fl) < 0)
        return -errno;
    *flags = (fl & FS_IMMUTABLE_FL ? CSM_FILE_IMMUTABLE : 0) | (fl & FS_APPEND_FL ? CSM_FILE_APPEND : 0);
    return 0;
}

static void host_close(struct csm_file *f)
{
    close(file_fd(f));
    free(f);
}

static const struct csm_file_ops host_file_ops = {
    .pread = host_pread,
    .stat = host_fstat,
    .flags = host_flags,
    .close = host_close,
};

int csm_file_from_fd(int fd, struct csm_file **out)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
    *out = host_file_new(fd);
    return 0;
}
