/* libFuzzer target: one guest filesystem reader, chosen at build time by
 * FUZZ_KIND (ext, xfs, fat). The input is the start of a filesystem of
 * 64 MiB whose other bytes read as zeros (the seeds are small images made
 * by mke2fs, mkfs.xfs and mkfs.vfat); the tree is walked as a scan walks
 * it: the root listed, each name looked up and stat'ed, links read, files
 * read, directories entered, to a bounded depth and count.
 *
 * ext and fat run in-process. For xfs, the superblock, log and inode
 * guards run in-process and libfsxfs in the reader child, as a scan runs
 * it: libfsxfs aborts on some crafted inodes (that is why it is confined),
 * and the target checks that such an end is a named error of the child,
 * not a crash of the caller. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/child.h"
#include "fs/fs.h"
#include "fs/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VIRTUAL (64u << 20)

struct input {
    const uint8_t *data;
    size_t size;
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    const struct input *in = ctx;
    memset(buf, 0, len);
    if (off < in->size)
        memcpy(buf, in->data + off, in->size - off < len ? in->size - off : len);
    return 0;
}

static int ops;

/* Names of a directory, then each looked up from it. */
struct names {
    char name[64][CSM_FS_NAME_MAX + 1];
    size_t n;
};

static int collect(void *data, const struct csm_fs_dirent *e)
{
    struct names *n = data;
    if (n->n == 64)
        return 1;
    memcpy(n->name[n->n], e->name, e->name_len);
    n->name[n->n++][e->name_len] = '\0';
    return 0;
}

static void walk(struct csm_fsreader *fs, csm_fs_node dir, int depth)
{
    static struct names levels[4];
    struct names *n = &levels[depth];
    n->n = 0;
    if (csm_fs_list(fs, dir, collect, n) < 0)
        return;
    for (size_t i = 0; i < n->n && ops < 200; i++, ops++) {
        struct csm_fs_stat st;
        if (csm_fs_lookup(fs, dir, n->name[i], strlen(n->name[i]), &st) < 0)
            continue;
        char buf[4096];
        if (S_ISLNK(st.mode))
            csm_fs_readlink(fs, st.node, buf, sizeof(buf));
        else if (S_ISREG(st.mode))
            csm_fs_pread(fs, st.node, buf, sizeof(buf), st.size > 8192 ? st.size - 4096 : 0);
        else if (S_ISDIR(st.mode) && depth + 1 < 4)
            walk(fs, st.node, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    struct csm_fs_source src = { mem_read, &in, size > VIRTUAL ? size : VIRTUAL, NULL };
    struct csm_fsreader *fs = NULL;
    char *why = NULL;
    ops = 0;
    if (!strcmp(FUZZ_KIND, "xfs")) {
        struct csm_xfs_super sb;
        char msg[256];
        if (csm_xfs_read_super(&src, &sb, msg, sizeof(msg)) < 0)
            return 0;
        csm_xfs_log_state(&src, &sb, msg, sizeof(msg));
        struct csm_fs_stat st;
        for (uint64_t ino = sb.root_ino; ino < sb.root_ino + 64; ino++)
            csm_xfs_read_inode(&src, &sb, ino, &st, msg, sizeof(msg));
        struct csm_fs_child *c = NULL;
        if (csm_fs_child_start(&src, 1, NULL, 0, NULL, &c) < 0)
            return 0;
        if (csm_fs_child_open(c, 0, "xfs", &fs, &why) == 0) {
            struct csm_fs_statfs sf;
            csm_fs_statfs(fs, &sf);
            walk(fs, fs->root, 0);
            csm_fs_close(fs);
        }
        csm_fs_child_free(c);
    } else if (csm_fs_open(!strcmp(FUZZ_KIND, "fat") ? "vfat" : "ext4", &src, &fs, &why) == 0) {
        struct csm_fs_statfs sf;
        csm_fs_statfs(fs, &sf);
        walk(fs, fs->root, 0);
        csm_fs_close(fs);
    }
    free(why);
    return 0;
}
