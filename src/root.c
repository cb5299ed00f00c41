#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define MAX_SYMLINKS 40
#define OPENAT2_RETRIES 8

struct csm_root {
    int fd;
    char *dir;
    bool chase_only; /* openat2 unavailable or disabled: walk in user space */
};

int csm_root_open(const char *dir, struct csm_root **out)
{
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;

    struct csm_root *r = xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->dir = xstrdup(dir);
    /* A debugging aid, and how the tests exercise the fallback path. */
    r->chase_only = getenv("CSM_PRECHECK_FORCE_CHASE") != NULL;
    *out = r;
    return 0;
}

void csm_root_free(struct csm_root *r)
{
    if (!r)
        return;
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

/* The user-space walk (systemd's chase()). `stack` holds one O_PATH
 * descriptor per directory below the root, so ".." pops and never climbs
 * above the root. */
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
                r = openat(walk_cur(&w), ".", flags);
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
        if (!is_link && last && !(flags & O_PATH)) {
            close(fd);
            fd = openat(walk_cur(&w), name, flags | O_NOFOLLOW);
            r = fd < 0 ? -errno : fd;
            goto done;
        }
        if (!is_link && last && (flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
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

int csm_root_openat(const struct csm_root *r, const char *path, int flags)
{
    /* An image scan has no tree: nothing in it exists. */
    if (!r)
        return -ENOENT;
    /* openat2 refuses O_PATH with any flag but these few. */
    flags |= O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY);
    if (!r->chase_only) {
        int fd = openat2_in_root(r->fd, path, flags);
        if (fd != -ENOSYS && fd != -EPERM) /* EPERM: seccomp filters that deny openat2 */
            return fd;
    }
    return chase(r->fd, path, flags);
}

int csm_root_stat(const struct csm_root *r, const char *path, bool follow, struct stat *st)
{
    int fd = csm_root_openat(r, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return fd;
    int ret = fstat(fd, st) < 0 ? -errno : 0;
    close(fd);
    return ret;
}

bool csm_root_exists(const struct csm_root *r, const char *path)
{
    struct stat st;
    return csm_root_stat(r, path, true, &st) == 0;
}

bool csm_root_is(const struct csm_root *r, const char *path, mode_t type)
{
    struct stat st;
    return csm_root_stat(r, path, true, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

int csm_root_readlink(const struct csm_root *r, const char *path, char **target)
{
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
