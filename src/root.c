#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define MAX_SYMLINKS 40
#define OPENAT2_RETRIES 8
#define REOPEN_RETRIES 8

struct csm_root {
    int fd;
    char *dir;
    bool chase_only; /* openat2 unavailable or disabled: walk in user space */
    const struct csm_root_ops *ops; /* another backend's tree: fd is -1 */
    void *data;
};

/* The largest file a backend tree hands out as a descriptor (an initramfs). */
#define OPS_OPEN_CAP (1ull << 30)

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

int csm_root_open(const char *dir, struct csm_root **out)
{
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;

    struct csm_root *r = xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->dir = xstrdup(dir);
    /* A debugging aid, and how the tests exercise the fallback path. */
    r->chase_only = getenv("CSM_PRECHECK_FORCE_CHASE") != NULL || !openat2_usable(fd);
    *out = r;
    return 0;
}

int csm_root_open_ops(const struct csm_root_ops *ops, void *data, const char *name, struct csm_root **out)
{
    struct csm_root *r = xcalloc(1, sizeof(*r));
    *r = (struct csm_root){ .fd = -1, .dir = xstrdup(name), .ops = ops, .data = data };
    *out = r;
    return 0;
}

int csm_root_attr(const struct csm_root *r, const char *path, int fd, int *flags)
{
    if (r && r->ops)
        return r->ops->attr(r->data, path, flags);
    return ioctl(fd, FS_IOC_GETFLAGS, flags) < 0 ? -errno : 0;
}

void csm_root_free(struct csm_root *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->dir);
    free(r);
}

const char *csm_root_dir(const struct csm_root *r)
{
    if (!r)
        return "";
    return r->dir;
}

/* The user-space walk (systemd's chase()). `stack` holds one O_PATH
 * descriptor per directory below the root, so ".." pops and never climbs
 * above the root. It only resolves: it returns an O_PATH descriptor. */
struct walk {
    int root;
    int stack[PATH_MAX / 2];
    size_t depth;
};

static int walk_cur(const struct walk *w)
{
    return w->depth ? w->stack[w->depth - 1] : w->root;
}

static void walk_reset(struct walk *w)
{
    while (w->depth)
        close(w->stack[--w->depth]);
}

/* Replaces "todo" with "target/rest" after a symlink. */
static char *join_link(const char *target, const char *rest)
{
    return *rest ? xasprintf("%s/%s", target, rest) : xstrdup(target);
}

/* flags: O_PATH, and O_NOFOLLOW or O_DIRECTORY. */
static int chase(int rootfd, const char *path, int flags)
{
    struct walk w;
    w.root = rootfd; /* the stack stays uninitialised: depth says what is in it */
    w.depth = 0;
    char *todo = xstrdup(path);
    int links = 0, r;

    for (;;) {
        char *p = todo;
        while (*p == '/')
            p++;
        char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        const char *rest = slash ? slash + 1 : "";
        while (*rest == '/')
            rest++;
        bool last = *rest == '\0';
        char name[NAME_MAX + 1];

        if (n > NAME_MAX) {
            r = -ENAMETOOLONG;
            goto done;
        }
        memcpy(name, p, n);
        name[n] = '\0';

        if (n == 0 || streq(name, ".") || streq(name, "..")) {
            if (streq(name, "..") && w.depth)
                close(w.stack[--w.depth]);
            if (last) {
                r = openat(walk_cur(&w), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                r = r < 0 ? -errno : r;
                goto done;
            }
            char *next = xstrdup(rest);
            free(todo);
            todo = next;
            continue;
        }

        /* Look at each component without following it first: only then
         * is it known whether it is a link to resolve inside the tree. */
        int fd = openat(walk_cur(&w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            r = -errno;
            if (fd >= 0)
                close(fd);
            goto done;
        }
        bool is_link = S_ISLNK(st.st_mode) && (!last || !(flags & O_NOFOLLOW));
        if (!is_link && (!last || (flags & O_DIRECTORY)) && !S_ISDIR(st.st_mode)) {
            close(fd);
            r = -ENOTDIR;
            goto done;
        }

        if (!is_link) {
            if (last) {
                r = fd;
                goto done;
            }
            if (w.depth == ARRAY_SIZE(w.stack)) {
                close(fd);
                r = -ENAMETOOLONG;
                goto done;
            }
            w.stack[w.depth++] = fd;
            char *next = xstrdup(rest);
            free(todo);
            todo = next;
            continue;
        }

        char target[PATH_MAX];
        ssize_t len = readlinkat(fd, "", target, sizeof(target) - 1);
        r = len < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
            goto done;
        if (++links > MAX_SYMLINKS) {
            r = -ELOOP;
            goto done;
        }
        target[len] = '\0';
        if (target[0] == '/')
            walk_reset(&w);
        char *next = join_link(target, rest);
        free(todo);
        todo = next;
    }
done:
    walk_reset(&w);
    free(todo);
    return r;
}

/* Kernel filesystems a chroot mounts inside a tree (proc, sys, dev): what
 * they hold is the host's, never the tree's. devtmpfs shows as tmpfs, but
 * holds device nodes, which are refused anyway. */
static int on_kernel_fs(int fd)
{
    static const unsigned long magic[] = {
        PROC_SUPER_MAGIC, SYSFS_MAGIC,       DEBUGFS_MAGIC,       TRACEFS_MAGIC,  SECURITYFS_MAGIC,
        SELINUX_MAGIC,    SMACK_MAGIC,       CGROUP_SUPER_MAGIC,  CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC,
        DEVPTS_SUPER_MAGIC, EFIVARFS_MAGIC,  PSTOREFS_MAGIC,      BINFMTFS_MAGIC, NSFS_MAGIC,
        RDTGROUP_SUPER_MAGIC, XENFS_SUPER_MAGIC, OPENPROM_SUPER_MAGIC, USBDEVICE_SUPER_MAGIC,
        0x62656570 /* configfs */, 0x65735543 /* fusectl */, 0x19800202 /* mqueue */,
    };
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return -errno;
    for (size_t i = 0; i < ARRAY_SIZE(magic); i++)
        if ((unsigned long)sf.f_type == magic[i])
            return -EREMOTE;
    return 0;
}

/* An O_PATH descriptor of a path inside the tree, on no kernel filesystem. */
static int resolve(const struct csm_root *r, const char *path, int flags)
{
    flags = O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY));
    int fd = r->chase_only ? chase(r->fd, path, flags) : openat2_in_root(r->fd, path, flags);
    if (fd < 0)
        return fd;
    int k = on_kernel_fs(fd);
    if (k < 0) {
        close(fd);
        return k;
    }
    return fd;
}

/* Splits path into its directory and last name; "" for a last component
 * that is not a name (".", "..", a trailing slash, the top). */
static void split_last(const char *path, char **dir, char **name)
{
    size_t n = strlen(path);
    const char *slash = memrchr(path, '/', n);
    const char *last = slash ? slash + 1 : path;
    if (!*last || streq(last, ".") || streq(last, "..")) {
        *dir = xstrdup(*path ? path : ".");
        *name = xstrdup("");
        return;
    }
    *dir = slash ? (slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path))) : xstrdup(".");
    *name = xstrdup(last);
}

/* Opens for reading what path resolves to, without opening anything but
 * a regular file or a directory: the last component is looked at with
 * O_PATH, its links followed here, and a regular file is reopened by its
 * name from its directory with O_NOFOLLOW, then compared by st_dev and
 * st_ino with what was looked at. A device node, FIFO or socket is never
 * opened (reading /proc/self/fd would be reading procfs). */
static int open_read(const struct csm_root *r, const char *path, int flags)
{
    _cleanup_free_ char *todo = xstrdup(path);
    int links = 0, races = 0;
    for (;;) {
        _cleanup_free_ char *dir = NULL, *name = NULL;
        split_last(todo, &dir, &name);
        if (!*name) {
            int fd = resolve(r, dir, O_DIRECTORY);
            if (fd < 0)
                return fd;
            int dfd = flags & O_DIRECTORY ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
            int e = flags & O_DIRECTORY ? (dfd < 0 ? -errno : dfd) : -EISDIR;
            close(fd);
            return e;
        }
        int pfd = resolve(r, dir, O_DIRECTORY);
        if (pfd < 0)
            return pfd;
        struct stat st, got;
        int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int e = fd < 0 ? -errno : fstat(fd, &st) < 0 ? -errno : on_kernel_fs(fd);
        if (e == 0 && S_ISLNK(st.st_mode) && !(flags & O_NOFOLLOW)) {
            char target[PATH_MAX];
            ssize_t len = readlinkat(fd, "", target, sizeof(target) - 1);
            close(fd);
            close(pfd);
            if (len < 0)
                return -errno;
            if (++links > MAX_SYMLINKS)
                return -ELOOP;
            target[len] = '\0';
            char *next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", dir, target);
            free(todo);
            todo = next;
            continue;
        }
        if (e == 0 && S_ISLNK(st.st_mode))
            e = -ELOOP; /* O_NOFOLLOW, as open(2) says it */
        else if (e == 0 && S_ISDIR(st.st_mode))
            e = flags & O_DIRECTORY ? 0 : -EISDIR;
        else if (e == 0 && (flags & O_DIRECTORY))
            e = -ENOTDIR;
        else if (e == 0 && !S_ISREG(st.st_mode))
            e = -EMEDIUMTYPE;
        if (e == 0 && S_ISDIR(st.st_mode)) {
            int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            e = dfd < 0 ? -errno : dfd;
        } else if (e == 0) {
            close(fd); /* one descriptor fewer while the file is reopened */
            fd = -1;
            int rfd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
            e = rfd < 0 || fstat(rfd, &got) < 0 ? -errno : rfd;
            if (e >= 0 && (got.st_dev != st.st_dev || got.st_ino != st.st_ino))
                e = -EAGAIN; /* replaced in between: look again */
            if (e < 0 && rfd >= 0)
                close(rfd);
        }
        if (fd >= 0)
            close(fd);
        close(pfd);
        if (e == -EAGAIN && ++races < REOPEN_RETRIES)
            continue;
        return e;
    }
}

int csm_root_openat(const struct csm_root *r, const char *path, int flags)
{
    /* An image scan has no tree: nothing in it exists. */
    if (!r)
        return -ENOENT;
    if (r->ops) /* a backend's tree has no host descriptors to resolve with */
        return flags & O_PATH ? -EOPNOTSUPP : r->ops->open(r->data, path, flags, OPS_OPEN_CAP);
    return flags & O_PATH ? resolve(r, path, flags) : open_read(r, path, flags);
}

int csm_root_stat(const struct csm_root *r, const char *path, bool follow, struct stat *st)
{
    if (r && r->ops)
        return r->ops->stat(r->data, path, follow, st);
    int fd = csm_root_openat(r, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return fd;
    int ret = fstat(fd, st) < 0 ? -errno : 0;
    close(fd);
    return ret;
}

bool csm_root_absent(int err)
{
    return err == -ENOENT || err == -ENOTDIR;
}

int csm_root_probe(const struct csm_root *r, const char *path, mode_t type)
{
    struct stat st;
    int e = csm_root_stat(r, path, true, &st);
    if (e < 0)
        return csm_root_absent(e) ? 0 : e;
    return !type || (st.st_mode & S_IFMT) == type;
}

int csm_root_readlink(const struct csm_root *r, const char *path, char **target)
{
    if (r && r->ops)
        return r->ops->readlink(r->data, path, target);
    int fd = csm_root_openat(r, path, O_PATH | O_NOFOLLOW);
    if (fd < 0)
        return fd;
    char buf[PATH_MAX];
    ssize_t n = readlinkat(fd, "", buf, sizeof(buf) - 1);
    int ret = n < 0 ? -errno : 0;
    close(fd);
    if (ret < 0)
        return ret == -ENOENT ? -EINVAL : ret; /* "" on a non-link: ENOENT */
    buf[n] = '\0';
    *target = xstrdup(buf);
    return 0;
}

int csm_fd_read(int fd, size_t cap, char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
    if ((uint64_t)st.st_size > cap)
        return -EFBIG;

    /* The size can change under us (a live file, a hostile tree): read up
     * to cap + 1 bytes whatever fstat said, and refuse past the cap. */
    size_t alloc = (size_t)st.st_size + 1, n = 0;
    char *p = xmalloc(alloc + 1);
    for (;;) {
        if (n == alloc) {
            if (alloc > cap) {
                free(p);
                return -EFBIG;
            }
            alloc = alloc * 2 > cap + 1 ? cap + 1 : alloc * 2;
            p = xrealloc(p, alloc + 1);
        }
        ssize_t k = read(fd, p + n, alloc - n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            free(p);
            return e;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    if (n > cap) {
        free(p);
        return -EFBIG;
    }
    p[n] = '\0';
    *buf = p;
    if (len)
        *len = n;
    return 0;
}

int csm_root_read(const struct csm_root *r, const char *path, size_t cap, char **buf, size_t *len)
{
    if (r && r->ops) {
        size_t n;
        int e = r->ops->read(r->data, path, cap, buf, &n);
        if (e == 0 && len)
            *len = n;
        return e;
    }
    int fd = csm_root_openat(r, path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return fd;
    int ret = csm_fd_read(fd, cap, buf, len);
    close(fd);
    return ret;
}

int csm_file_read(const char *path, size_t cap, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int ret = csm_fd_read(fd, cap, buf, len);
    close(fd);
    return ret;
}

int csm_root_read_text(const struct csm_root *r, const char *path, size_t cap, char **buf, size_t *len)
{
    size_t n;
    int ret = csm_root_read(r, path, cap, buf, &n);
    if (ret < 0)
        return ret;
    if (memchr(*buf, '\0', n)) {
        free(*buf);
        *buf = NULL;
        return -EBADMSG;
    }
    if (len)
        *len = n;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int csm_root_list(const struct csm_root *r, const char *dir, char ***names)
{
    if (r && r->ops) {
        int e = r->ops->list(r->data, dir, names);
        if (e == 0 && !**names) { /* as below: an empty directory is NULL */
            free(*names);
            *names = NULL;
        }
        return e;
    }
    int fd = csm_root_openat(r, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return fd;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = -errno;
        close(fd);
        return e;
    }
    char **v = NULL;
    size_t n = 0;
    struct dirent *de;
    /* A hostile tree may hold millions of entries: cap what we keep. */
    while ((de = readdir(d)) && n < 65536) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        strv_push(&v, xstrdup(de->d_name));
        n++;
    }
    closedir(d);
    if (v)
        qsort(v, n, sizeof(char *), cmp_names);
    *names = v;
    return 0;
}
