/* A filesystem read by a reader of fs/ (in the reader child) as a backend
 * of the tree interface (tree/backend.h): nodes are the reader's inode
 * numbers, so the tree's resolution, links and mounts work on it as on a
 * host directory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/fs.h"
#include "guest.h"
#include "lib/util.h"
#include "tree/backend.h"

struct reader_fs {
    struct csm_fs fs; /* first: the tree's handle */
    struct csm_fsreader *r;
    uint64_t id; /* the tree's node identity: which filesystem of the guest */
};

struct reader_file {
    struct csm_file file;
    struct csm_fsreader *r;
    struct csm_fs_stat st;
    struct csm_tree_stat tst;
    int copy;  /* a memfd with the file's bytes, or -1 */
    pid_t pid; /* the process that talks to the reader child */
};

/* An open file is copied into a memfd (up to the cap): the initramfs is
 * read by a forked child of the scan (facts/initramfs.c), and a forked
 * process must not talk to the reader child over the parent's socket (its
 * half-read replies would be the parent's). A larger file is read through
 * the reader, in this process only. A path read whole (csm_tree_read) is
 * read the same way. */
#define COPY_CAP (1ull << 30)

static struct csm_fsreader *R(struct csm_fs *fs) { return ((struct reader_fs *)fs)->r; }

static void to_tree_stat(const struct reader_fs *f, const struct csm_fs_stat *in, struct csm_tree_stat *st)
{
    *st = (struct csm_tree_stat){
        .mode = in->mode,
        .uid = in->uid,
        .gid = in->gid,
        .size = in->size,
        .nlink = in->nlink,
        .id = { f->id, in->node },
        .fs = CSM_FS_DATA,
    };
}

static int op_root(struct csm_fs *fs, csm_node *out)
{
    *out = R(fs)->root;
    return 0;
}

static int op_lookup(struct csm_fs *fs, csm_node dir, const char *name, csm_node *out)
{
    if (!strcmp(name, ".")) {
        *out = dir;
        return 0;
    }
    struct csm_fs_stat st;
    int r = csm_fs_lookup(R(fs), dir, name, strlen(name), &st);
    if (r == 0)
        *out = st.node;
    return r;
}

static int op_stat(struct csm_fs *fs, csm_node n, struct csm_tree_stat *st)
{
    struct csm_fs_stat s;
    int r = csm_fs_stat(R(fs), n, &s);
    if (r == 0)
        to_tree_stat((struct reader_fs *)fs, &s, st);
    return r;
}

static ssize_t op_readlink(struct csm_fs *fs, csm_node n, char *buf, size_t size)
{
    char t[CSM_FS_LINK_MAX + 1];
    ssize_t len = csm_fs_readlink(R(fs), n, t, sizeof(t));
    if (len < 0)
        return len;
    if ((size_t)len > size)
        return -ENAMETOOLONG;
    memcpy(buf, t, (size_t)len);
    return len;
}

static ssize_t file_pread(struct csm_file *f, void *buf, size_t len, uint64_t off)
{
    struct reader_file *rf = (struct reader_file *)f;
    if (rf->copy >= 0) {
        for (;;) {
            ssize_t n = pread(rf->copy, buf, len, (off_t)off);
            if (n >= 0 || errno != EINTR)
                return n < 0 ? -errno : n;
        }
    }
    if (getpid() != rf->pid)
        return -EIO;
    return csm_fs_pread(rf->r, rf->st.node, buf, len, off);
}

/* The whole file into a memfd; -errno and the memfd closed on failure. */
static int copy_file(struct reader_file *f)
{
    int fd = memfd_create("guest-file", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t chunk = 1u << 20;
    char *buf = xmalloc(chunk);
    int r = 0;
    for (uint64_t off = 0; off < f->st.size && r == 0;) {
        ssize_t k = csm_fs_pread(f->r, f->st.node, buf, chunk, off);
        if (k <= 0) {
            r = k < 0 ? (int)k : 0;
            break;
        }
        for (ssize_t w = 0; w < k && r == 0;) {
            ssize_t x = pwrite(fd, buf + w, (size_t)(k - w), (off_t)(off + (uint64_t)w));
            if (x < 0 && errno != EINTR)
                r = -errno;
            else if (x > 0)
                w += x;
        }
        off += (uint64_t)k;
    }
    free(buf);
    if (r < 0) {
        close(fd);
        return r;
    }
    f->copy = fd;
    return 0;
}

static int file_stat(struct csm_file *f, struct csm_tree_stat *st)
{
    *st = ((struct reader_file *)f)->tst;
    return 0;
}

static int file_flags(struct csm_file *f, unsigned *flags)
{
    const struct reader_file *rf = (struct reader_file *)f;
    *flags = (rf->st.flags & CSM_FS_IMMUTABLE ? CSM_FILE_IMMUTABLE : 0) |
             (rf->st.flags & CSM_FS_APPEND ? CSM_FILE_APPEND : 0);
    return 0;
}

static void file_close(struct csm_file *f)
{
    struct reader_file *rf = (struct reader_file *)f;
    if (rf->copy >= 0)
        close(rf->copy);
    free(f);
}

static const struct csm_file_ops reader_file_ops = {
    .pread = file_pread,
    .stat = file_stat,
    .flags = file_flags,
    .close = file_close,
};

/* An inode is opened by its number: nothing can replace it in between. */
static int op_open(struct csm_fs *fs, csm_node dir, const char *name, const struct csm_tree_stat *st,
                   struct csm_file **out)
{
    (void)dir;
    (void)name;
    struct reader_file *f = xcalloc(1, sizeof(*f));
    int r = csm_fs_stat(R(fs), st->id.ino, &f->st);
    if (r < 0) {
        free(f);
        return r;
    }
    f->file.ops = &reader_file_ops;
    f->r = R(fs);
    f->copy = -1;
    f->pid = getpid();
    to_tree_stat((struct reader_fs *)fs, &f->st, &f->tst);
    if (S_ISREG(f->st.mode) && f->st.size <= COPY_CAP && (r = copy_file(f)) < 0) {
        free(f);
        return r;
    }
    *out = &f->file;
    return 0;
}

struct list_ctx {
    int (*fn)(const char *name, void *data);
    void *data;
};

static int list_one(void *data, const struct csm_fs_dirent *e)
{
    const struct list_ctx *c = data;
    char name[CSM_FS_NAME_MAX + 1];
    if (e->name_len > CSM_FS_NAME_MAX || memchr(e->name, '\0', e->name_len) || memchr(e->name, '/', e->name_len))
        return 0; /* not a name a path can hold */
    memcpy(name, e->name, e->name_len);
    name[e->name_len] = '\0';
    return c->fn(name, c->data);
}

static int op_list(struct csm_fs *fs, csm_node dir, int (*fn)(const char *name, void *data), void *data)
{
    struct list_ctx c = { fn, data };
    return csm_fs_list(R(fs), dir, list_one, &c);
}

static int op_statfs(struct csm_fs *fs, csm_node n, struct csm_tree_statfs *out)
{
    (void)n;
    struct csm_fs_statfs s;
    int r = csm_fs_statfs(R(fs), &s);
    if (r == 0)
        *out = (struct csm_tree_statfs){
            .block_size = s.block_size,
            .blocks = s.blocks,
            .blocks_free = s.free_blocks,
            .blocks_avail = s.avail_blocks,
            .files = s.files,
            .files_free = s.free_files,
        };
    return r;
}

static void op_put(struct csm_fs *fs, csm_node n)
{
    (void)fs;
    (void)n;
}

/* The reader stays the guest's: it closes it. */
static void op_free(struct csm_fs *fs) { free(fs); }

static const struct csm_fs_ops reader_ops = {
    .name = "image",
    .root = op_root,
    .lookup = op_lookup,
    .stat = op_stat,
    .readlink = op_readlink,
    .open = op_open,
    .list = op_list,
    .statfs = op_statfs,
    .put = op_put,
    .free = op_free,
};

struct csm_fs *csm_guest_backend(struct csm_fsreader *r, uint64_t id)
{
    struct reader_fs *f = xcalloc(1, sizeof(*f));
    *f = (struct reader_fs){ .fs = { &reader_ops }, .r = r, .id = id };
    return &f->fs;
}
