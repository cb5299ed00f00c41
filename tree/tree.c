/* The tree: paths resolved inside it over its filesystems' operations
 * (tree/backend.h), written once for every backend. A walk keeps one node
 * per directory below the top, so ".." pops and never climbs above it;
 * absolute links restart at the top; more than MAX_SYMLINKS links end the
 * walk with -ELOOP; a directory that is a mount point of the tree is
 * replaced by the top of the filesystem mounted there. A tree of one
 * filesystem whose backend resolves whole paths itself (the host's, with
 * openat2) lets it: the result is the same. */
#include "tree/tree.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/hostfile.h"
#include "lib/util.h"
#include "tree/backend.h"

#define MAX_SYMLINKS 40
#define REOPEN_RETRIES 8
#define LIST_CAP 65536

struct mount {
    char *path; /* absolute, no trailing slash; "" for the top */
    struct csm_fs *fs;
};

struct csm_tree {
    struct mount *m; /* m[0] is "/" */
    size_t n;
};

/* Where a walk stands: a node of one filesystem. */
struct loc {
    struct csm_fs *fs;
    csm_node node;
};

static void loc_put(struct loc *l)
{
    if (l->fs)
        l->fs->ops->put(l->fs, l->node);
    l->fs = NULL;
}

struct csm_tree *csm_tree_new(void)
{
    return xcalloc(1, sizeof(struct csm_tree));
}

int csm_tree_mount(struct csm_tree *t, const char *path, struct csm_fs *fs)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    if (path[0] != '/' || (t->n == 0) != (len == 1)) {
        fs->ops->free(fs);
        return -EINVAL;
    }
    if (t->n) {
        /* The mount point must be a directory of what is mounted already. */
        char *p = xstrndup(path, len);
        struct csm_tree_stat st;
        int e = csm_tree_stat(t, p, false, &st);
        if (e == 0 && !S_ISDIR(st.mode))
            e = -ENOTDIR;
        if (e < 0) {
            free(p);
            fs->ops->free(fs);
            return e;
        }
        t->m = xrealloc(t->m, (t->n + 1) * sizeof(*t->m));
        t->m[t->n++] = (struct mount){ p, fs };
        return 0;
    }
    t->m = xcalloc(1, sizeof(*t->m));
    t->m[0] = (struct mount){ xstrdup(""), fs };
    t->n = 1;
    return 0;
}

int csm_tree_open_dir(const char *dir, struct csm_tree **out)
{
    struct csm_fs *fs;
    int e = csm_fs_host_open(dir, &fs);
    if (e < 0)
        return e;
    struct csm_tree *t = csm_tree_new();
    e = csm_tree_mount(t, "/", fs);
    if (e < 0) {
        csm_tree_free(t);
        return e;
    }
    *out = t;
    return 0;
}

void csm_tree_free(struct csm_tree *t)
{
    if (!t)
        return;
    for (size_t i = t->n; i-- > 0;) {
        t->m[i].fs->ops->free(t->m[i].fs);
        free(t->m[i].path);
    }
    free(t->m);
    free(t);
}

bool csm_tree_absent(int err)
{
    return err == -ENOENT || err == -ENOTDIR;
}

/* The filesystem mounted at the absolute path p[0..len), if any. */
static struct csm_fs *mounted_at(const struct csm_tree *t, const char *p, size_t len)
{
    for (size_t i = 1; i < t->n; i++)
        if (strlen(t->m[i].path) == len && memcmp(t->m[i].path, p, len) == 0)
            return t->m[i].fs;
    return NULL;
}

/* ---- the walk ---- */

struct frame {
    struct loc at;
    size_t plen; /* length of path up to and including this directory */
};

struct walk {
    const struct csm_tree *t;
    struct loc top;
    struct frame stack[PATH_MAX / 2];
    size_t depth;
    bool mounts;         /* the tree has more than one filesystem: track the path */
    char path[PATH_MAX]; /* where the walk stands, "" at the top */
    size_t plen;
};

static struct loc *walk_cur(struct walk *w)
{
    return w->depth ? &w->stack[w->depth - 1].at : &w->top;
}

static void walk_pop(struct walk *w)
{
    loc_put(&w->stack[--w->depth].at);
    w->plen = w->depth ? w->stack[w->depth - 1].plen : 0;
}

static void walk_reset(struct walk *w)
{
    while (w->depth)
        walk_pop(w);
}

/* Replaces "todo" with "target/rest" after a symlink. */
static char *join_link(const char *target, const char *rest)
{
    return *rest ? xasprintf("%s/%s", target, rest) : xstrdup(target);
}

/* A symlink's target, as readlink(2) gives it with a PATH_MAX buffer. */
static int read_link(struct loc *l, char target[PATH_MAX + 1])
{
    ssize_t len = l->fs->ops->readlink(l->fs, l->node, target, PATH_MAX);
    if (len < 0)
        return (int)len;
    target[len] = '\0';
    return 0;
}

/* If the directory reached at w->path + "/" + name is a mount point, the
 * top of what is mounted there instead. */
static int cross_mount(struct walk *w, const char *name, struct loc *l, struct csm_tree_stat *st)
{
    if (!w->mounts)
        return 0;
    size_t n = strlen(name);
    if (w->plen + 1 + n >= sizeof(w->path))
        return -ENAMETOOLONG;
    char p[PATH_MAX];
    memcpy(p, w->path, w->plen);
    p[w->plen] = '/';
    memcpy(p + w->plen + 1, name, n);
    struct csm_fs *fs = mounted_at(w->t, p, w->plen + 1 + n);
    if (!fs)
        return 0;
    struct loc top = { fs, 0 };
    int e = fs->ops->root(fs, &top.node);
    if (e < 0)
        return e;
    e = fs->ops->stat(fs, top.node, st);
    if (e < 0) {
        loc_put(&top);
        return e;
    }
    loc_put(l);
    *l = top;
    return 0;
}

static void walk_push(struct walk *w, struct loc l, const char *name)
{
    if (w->mounts) {
        size_t n = strlen(name);
        w->path[w->plen] = '/';
        memcpy(w->path + w->plen + 1, name, n);
        w->plen += 1 + n;
    }
    w->stack[w->depth++] = (struct frame){ l, w->plen };
}

/* Resolves path to a node (the caller puts it) and its stat. flags:
 * CSM_TREE_NOFOLLOW, CSM_RESOLVE_DIRECTORY. A node on a kernel filesystem
 * is -EREMOTE. */
static int resolve(const struct csm_tree *t, const char *path, int flags, struct loc *out, struct csm_tree_stat *st)
{
    if (!t || !t->n)
        return -ENOENT; /* a target without a tree holds nothing */
    struct csm_fs *top = t->m[0].fs;
    int r;
    if (t->n == 1 && top->ops->resolve) {
        csm_node n;
        r = top->ops->resolve(top, path, flags, &n);
        if (r != -ENOSYS) {
            if (r < 0)
                return r;
            *out = (struct loc){ top, n };
            r = top->ops->stat(top, n, st);
            if (r == 0 && st->fs == CSM_FS_KERNEL)
                r = -EREMOTE;
            if (r < 0)
                loc_put(out);
            return r;
        }
    }

    struct walk *w = xmalloc(sizeof(*w));
    w->t = t;
    w->depth = 0;
    w->plen = 0;
    w->mounts = t->n > 1;
    w->top.fs = top;
    r = top->ops->root(top, &w->top.node);
    if (r < 0) {
        free(w);
        return r;
    }
    char *todo = xstrdup(path);
    int links = 0;

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
            if (streq(name, "..") && w->depth)
                walk_pop(w);
            if (last) {
                /* The directory itself: the walk hands its node over. */
                if (w->depth) {
                    *out = w->stack[--w->depth].at;
                } else {
                    *out = w->top;
                    w->top.fs = NULL;
                }
                r = out->fs->ops->stat(out->fs, out->node, st);
                if (r == 0 && st->fs == CSM_FS_KERNEL)
                    r = -EREMOTE;
                if (r < 0)
                    loc_put(out);
                goto done;
            }
            char *next = xstrdup(rest);
            free(todo);
            todo = next;
            continue;
        }

        /* Look at each component without following it first: only then
         * is it known whether it is a link to resolve inside the tree. */
        struct loc *cur = walk_cur(w);
        struct loc l = { cur->fs, 0 };
        r = cur->fs->ops->lookup(cur->fs, cur->node, name, &l.node);
        if (r < 0)
            goto done;
        r = l.fs->ops->stat(l.fs, l.node, st);
        if (r == 0 && S_ISDIR(st->mode))
            r = cross_mount(w, name, &l, st);
        if (r < 0) {
            loc_put(&l);
            goto done;
        }
        bool is_link = S_ISLNK(st->mode) && (!last || !(flags & CSM_TREE_NOFOLLOW));
        if (!is_link && (!last || (flags & CSM_RESOLVE_DIRECTORY)) && !S_ISDIR(st->mode)) {
            loc_put(&l);
            r = -ENOTDIR;
            goto done;
        }

        if (!is_link) {
            if (last) {
                r = st->fs == CSM_FS_KERNEL ? -EREMOTE : 0;
                if (r < 0)
                    loc_put(&l);
                else
                    *out = l;
                goto done;
            }
            if (w->depth == ARRAY_SIZE(w->stack) || (w->mounts && w->plen + 1 + n >= sizeof(w->path))) {
                loc_put(&l);
                r = -ENAMETOOLONG;
                goto done;
            }
            walk_push(w, l, name);
            char *next = xstrdup(rest);
            free(todo);
            todo = next;
            continue;
        }

        char target[PATH_MAX + 1];
        r = read_link(&l, target);
        loc_put(&l);
        if (r < 0)
            goto done;
        if (++links > MAX_SYMLINKS) {
            r = -ELOOP;
            goto done;
        }
        if (target[0] == '/')
            walk_reset(w);
        char *next = join_link(target, rest);
        free(todo);
        todo = next;
    }
done:
    walk_reset(w);
    loc_put(&w->top);
    free(w);
    free(todo);
    return r;
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

int csm_tree_stat(const struct csm_tree *t, const char *path, bool follow, struct csm_tree_stat *st)
{
    struct loc l;
    int e = resolve(t, path, follow ? 0 : CSM_TREE_NOFOLLOW, &l, st);
    if (e == 0)
        loc_put(&l);
    return e;
}

int csm_tree_probe(const struct csm_tree *t, const char *path, mode_t type)
{
    struct csm_tree_stat st;
    int e = csm_tree_stat(t, path, true, &st);
    if (e < 0)
        return csm_tree_absent(e) ? 0 : e;
    return !type || (st.mode & S_IFMT) == type;
}

int csm_tree_readlink(const struct csm_tree *t, const char *path, char **target)
{
    struct loc l;
    struct csm_tree_stat st;
    int e = resolve(t, path, CSM_TREE_NOFOLLOW, &l, &st);
    if (e < 0)
        return e;
    char buf[PATH_MAX + 1];
    e = read_link(&l, buf);
    loc_put(&l);
    if (e < 0)
        return e;
    *target = xstrdup(buf);
    return 0;
}

int csm_tree_statfs(const struct csm_tree *t, const char *path, struct csm_tree_statfs *out)
{
    struct loc l;
    struct csm_tree_stat st;
    int e = resolve(t, path, 0, &l, &st);
    if (e < 0)
        return e;
    e = l.fs->ops->statfs(l.fs, l.node, out);
    loc_put(&l);
    return e;
}

/* Opens for reading the regular file path resolves to, without opening
 * anything else: the last component is looked at first, its links
 * followed here, and the file opened by its backend from its directory
 * (the host's reopens it by name and compares it with what was looked at;
 * -EAGAIN when it was replaced in between, and the tree looks again). */
int csm_tree_open(const struct csm_tree *t, const char *path, int flags, struct csm_file **out)
{
    _cleanup_free_ char *todo = xstrdup(path);
    int links = 0, races = 0;
    for (;;) {
        _cleanup_free_ char *dir = NULL, *name = NULL;
        split_last(todo, &dir, &name);
        struct loc pl, l;
        struct csm_tree_stat st;
        int e = resolve(t, dir, CSM_RESOLVE_DIRECTORY, &pl, &st);
        if (e < 0)
            return e;
        if (!*name) {
            loc_put(&pl);
            return -EISDIR;
        }
        l.fs = pl.fs;
        e = pl.fs->ops->lookup(pl.fs, pl.node, name, &l.node);
        if (e < 0) {
            loc_put(&pl);
            return e;
        }
        e = l.fs->ops->stat(l.fs, l.node, &st);
        if (e == 0 && st.fs == CSM_FS_KERNEL)
            e = -EREMOTE;
        if (e == 0 && S_ISLNK(st.mode) && !(flags & CSM_TREE_NOFOLLOW)) {
            char target[PATH_MAX + 1];
            e = read_link(&l, target);
            loc_put(&l);
            loc_put(&pl);
            if (e < 0)
                return e;
            if (++links > MAX_SYMLINKS)
                return -ELOOP;
            char *next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", dir, target);
            free(todo);
            todo = next;
            continue;
        }
        loc_put(&l);
        if (e == 0 && S_ISLNK(st.mode))
            e = -ELOOP; /* CSM_TREE_NOFOLLOW, as open(2) says it */
        else if (e == 0 && S_ISDIR(st.mode))
            e = -EISDIR;
        else if (e == 0 && !S_ISREG(st.mode))
            e = -EMEDIUMTYPE;
        if (e == 0)
            e = pl.fs->ops->open(pl.fs, pl.node, name, &st, out);
        loc_put(&pl);
        if (e == -EAGAIN && ++races < REOPEN_RETRIES)
            continue;
        return e;
    }
}

static ssize_t file_read_at(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct csm_file *f = ctx;
    return f->ops->pread(f, buf, len, off);
}

int csm_file_read_all(struct csm_file *f, size_t cap, char **buf, size_t *len)
{
    struct csm_tree_stat st;
    int e = f->ops->stat(f, &st);
    if (e < 0)
        return e;
    if (!S_ISREG(st.mode))
        return S_ISDIR(st.mode) ? -EISDIR : -EMEDIUMTYPE;
    return csm_read_capped(st.size, cap, file_read_at, f, buf, len);
}

int csm_tree_read(const struct csm_tree *t, const char *path, size_t cap, char **buf, size_t *len)
{
    struct csm_file *f;
    int e = csm_tree_open(t, path, 0, &f);
    if (e < 0)
        return e;
    e = csm_file_read_all(f, cap, buf, len);
    csm_file_close(f);
    return e;
}

int csm_tree_read_text(const struct csm_tree *t, const char *path, size_t cap, char **buf, size_t *len)
{
    size_t n;
    int ret = csm_tree_read(t, path, cap, buf, &n);
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

struct names {
    char **v;
    size_t n;
};

static int add_name(const char *name, void *data)
{
    struct names *ns = data;
    /* A hostile tree may hold millions of entries: cap what we keep. */
    if (ns->n == LIST_CAP)
        return 1;
    strv_push(&ns->v, xstrdup(name));
    ns->n++;
    return 0;
}

int csm_tree_list(const struct csm_tree *t, const char *dir, char ***names)
{
    struct loc l;
    struct csm_tree_stat st;
    int e = resolve(t, dir, CSM_RESOLVE_DIRECTORY, &l, &st);
    if (e < 0)
        return e;
    struct names ns = { NULL, 0 };
    e = l.fs->ops->list(l.fs, l.node, add_name, &ns);
    loc_put(&l);
    if (e < 0) {
        strv_free(ns.v);
        return e;
    }
    if (ns.v)
        qsort(ns.v, ns.n, sizeof(char *), cmp_names);
    *names = ns.v;
    return 0;
}

/* ---- an open file ---- */

ssize_t csm_file_pread(struct csm_file *f, void *buf, size_t len, uint64_t off)
{
    return f->ops->pread(f, buf, len, off);
}

int csm_file_stat(struct csm_file *f, struct csm_tree_stat *st)
{
    return f->ops->stat(f, st);
}

int csm_file_flags(struct csm_file *f, unsigned *flags)
{
    return f->ops->flags ? f->ops->flags(f, flags) : -ENOTTY;
}

void csm_file_close(struct csm_file *f)
{
    if (f)
        f->ops->close(f);
}
