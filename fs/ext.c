/* ext2, ext3 and ext4 through libext2fs (e2fsprogs), over a block source.
 *
 * libext2fs reads through an io_manager: ours reads the source and refuses
 * every write with EROFS, and the filesystem is opened without
 * EXT2_FLAG_RW, so nothing in the library writes (no journal replay, no
 * MMP update). Checksums are verified (no EXT2_FLAG_IGNORE_CSUM_ERRORS).
 *
 * Paths are not resolved here but one name at a time (ext2fs_lookup) by
 * the tree layer: ext2fs_namei_follow() is not used, because for a slow
 * symlink it takes the inode's i_size as the length of a one-block buffer
 * (a forged i_size reads past it, e2fsprogs 1.47 and later alike).
 *
 * Two traps of libext2fs 1.47.0 are worked around: a symlink's target is
 * read only when its i_size fits the caller's buffer, and file reads ask
 * for no more than i_size (ext2fs_file_read of inline data returns the
 * inline capacity, 60 bytes and more, not i_size; fixed in 1.47.4). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <et/com_err.h>
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>

#include "internal.h"
#include "lib/util.h"

struct ext {
    struct csm_fsreader fs;
    ext2_filsys e2;
    ext2_file_t file; /* the last file read, kept open for sequential reads */
    ext2_ino_t file_ino;
};

/* ---- the read-only io_manager ---- */

/* ext2fs_open2() passes the manager only a name: the source the next open
 * binds to is set here just before (fs/ is used from one thread). */
static const struct csm_fs_source *next_source;

static struct struct_io_manager guest_io_manager;

static errcode_t io_open(const char *name, int flags, io_channel *out)
{
    if ((flags & IO_FLAG_RW) || !next_source)
        return EROFS;
    io_channel io = calloc(1, sizeof(*io));
    char *n = strdup(name);
    if (!io || !n) {
        free(io);
        free(n);
        return EXT2_ET_NO_MEMORY;
    }
    io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    io->manager = &guest_io_manager;
    io->name = n;
    io->block_size = 1024;
    io->refcount = 1;
    io->private_data = (void *)next_source;
    *out = io;
    return 0;
}

static errcode_t io_close(io_channel io)
{
    if (--io->refcount > 0)
        return 0;
    free(io->name);
    free(io);
    return 0;
}

static errcode_t io_set_blksize(io_channel io, int size)
{
    if (size < 1024 || size > 65536)
        return EXT2_ET_INVALID_ARGUMENT;
    io->block_size = size;
    return 0;
}

static errcode_t io_read_blk64(io_channel io, unsigned long long blk, int count, void *data)
{
    const struct csm_fs_source *src = io->private_data;
    /* a negative count is a number of bytes (the superblock is read so) */
    uint64_t len = count < 0 ? (uint64_t) - (int64_t)count : (uint64_t)count * (uint64_t)io->block_size;
    uint64_t bs = (uint64_t)io->block_size;
    if (blk > src->size / bs || blk * bs > src->size || len > src->size - blk * bs) {
        memset(data, 0, len);
        return EXT2_ET_SHORT_READ; /* outside the partition */
    }
    int r = src->read(src->ctx, data, len, blk * bs);
    if (r < 0) {
        memset(data, 0, len);
        return r == -ENOMEM ? EXT2_ET_NO_MEMORY : (errcode_t)-r;
    }
    return 0;
}

static errcode_t io_read_blk(io_channel io, unsigned long blk, int count, void *data)
{
    return io_read_blk64(io, blk, count, data);
}

static errcode_t io_write_blk(io_channel io, unsigned long blk, int count, const void *data)
{
    (void)io, (void)blk, (void)count, (void)data;
    return EROFS;
}

static errcode_t io_write_blk64(io_channel io, unsigned long long blk, int count, const void *data)
{
    (void)io, (void)blk, (void)count, (void)data;
    return EROFS;
}

static errcode_t io_write_byte(io_channel io, unsigned long off, int count, const void *data)
{
    (void)io, (void)off, (void)count, (void)data;
    return EROFS;
}

static errcode_t io_flush(io_channel io)
{
    (void)io;
    return 0;
}

static struct struct_io_manager guest_io_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "csm-precheck read-only guest I/O",
    .open = io_open,
    .close = io_close,
    .set_blksize = io_set_blksize,
    .read_blk = io_read_blk,
    .write_blk = io_write_blk,
    .flush = io_flush,
    .write_byte = io_write_byte,
    .read_blk64 = io_read_blk64,
    .write_blk64 = io_write_blk64,
};

/* ---- errors ---- */

/* A libext2fs error as a negative errno, its text in fs->why. */
static int fail(struct ext *x, errcode_t e)
{
    switch (e) {
    case 0: return 0;
    case EXT2_ET_FILE_NOT_FOUND: return -ENOENT;
    case EXT2_ET_NO_DIRECTORY: return -ENOTDIR;
    case EXT2_ET_NO_MEMORY: return -ENOMEM;
    }
    if (e > 0 && e < 4096) /* an errno value, from the io_manager or the C library */
        return -(int)e;
    csm_fs_fail(&x->fs, 0, "%s", error_message(e));
    switch (e) {
    case EXT2_ET_SHORT_READ: return -EIO;
    case EXT2_ET_UNSUPP_FEATURE: return -EOPNOTSUPP;
    case EXT2_ET_BAD_INODE_NUM: return -EINVAL;
    }
    return -EUCLEAN; /* every other libext2fs error is about the filesystem's structures */
}

/* ---- the operations ---- */

static int read_inode(struct ext *x, csm_fs_node node, struct ext2_inode_large *in)
{
    if (node < 1 || node > x->e2->super->s_inodes_count)
        return -EINVAL;
    memset(in, 0, sizeof(*in));
    int r = fail(x, ext2fs_read_inode_full(x->e2, (ext2_ino_t)node, (struct ext2_inode *)in, sizeof(*in)));
    if (r == 0 && in->i_mode == 0)
        return csm_fs_fail(&x->fs, -EUCLEAN, "inode %llu is not in use", (unsigned long long)node);
    return r;
}

static void to_stat(struct ext *x, csm_fs_node node, const struct ext2_inode_large *in, struct csm_fs_stat *st)
{
    *st = (struct csm_fs_stat){
        .node = node,
        .mode = in->i_mode,
        .uid = inode_uid(*in),
        .gid = inode_gid(*in),
        .size = EXT2_I_SIZE(in),
        .nlink = in->i_links_count,
        .mtime = (int32_t)in->i_mtime,
    };
    if (in->i_flags & EXT2_IMMUTABLE_FL)
        st->flags |= CSM_FS_IMMUTABLE;
    if (in->i_flags & EXT2_APPEND_FL)
        st->flags |= CSM_FS_APPEND;
    /* large inodes extend the times: two more epoch bits, nanoseconds */
    size_t extra_end = offsetof(struct ext2_inode_large, i_mtime_extra) + sizeof(in->i_mtime_extra);
    if (EXT2_INODE_SIZE(x->e2->super) > EXT2_GOOD_OLD_INODE_SIZE &&
        EXT2_GOOD_OLD_INODE_SIZE + (size_t)in->i_extra_isize >= extra_end) {
        st->mtime += (int64_t)(in->i_mtime_extra & 3) << 32;
        st->mtime_nsec = in->i_mtime_extra >> 2;
        if (st->mtime_nsec > 999999999)
            st->mtime_nsec = 0;
    }
}

static int ext_stat(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st)
{
    struct ext *x = (struct ext *)fs;
    struct ext2_inode_large in;
    int r = read_inode(x, node, &in);
    if (r == 0)
        to_stat(x, node, &in, st);
    return r;
}

static int dir_inode(struct ext *x, csm_fs_node dir)
{
    struct ext2_inode_large in;
    int r = read_inode(x, dir, &in);
    if (r < 0)
        return r;
    return LINUX_S_ISDIR(in.i_mode) ? 0 : -ENOTDIR;
}

static int ext_lookup(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st)
{
    struct ext *x = (struct ext *)fs;
    int r = dir_inode(x, dir);
    if (r < 0)
        return r;
    ext2_ino_t ino = 0;
    r = fail(x, ext2fs_lookup(x->e2, (ext2_ino_t)dir, name, (int)len, NULL, &ino));
    if (r < 0)
        return r;
    return ext_stat(fs, ino, st);
}

static ssize_t ext_readlink(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap)
{
    struct ext *x = (struct ext *)fs;
    struct ext2_inode_large in;
    int r = read_inode(x, node, &in);
    if (r < 0)
        return r;
    if (!LINUX_S_ISLNK(in.i_mode))
        return -EINVAL;
    /* the size is checked before anything is read: the target is never
     * longer than what the caller has room for */
    uint64_t size = EXT2_I_SIZE(&in);
    if (size == 0)
        return csm_fs_fail(fs, -EUCLEAN, "the symbolic link (inode %llu) is empty", (unsigned long long)node);
    if (size >= cap || size > CSM_FS_LINK_MAX)
        return -ENAMETOOLONG;
    if (ext2fs_is_fast_symlink((struct ext2_inode *)&in)) {
        memcpy(buf, in.i_block, size); /* in i_block itself, under 60 bytes */
    } else {
        ext2_file_t f;
        unsigned int got = 0;
        r = fail(x, ext2fs_file_open2(x->e2, (ext2_ino_t)node, (struct ext2_inode *)&in, 0, &f));
        if (r < 0)
            return r;
        r = fail(x, ext2fs_file_read(f, buf, (unsigned int)size, &got));
        ext2fs_file_close(f);
        if (r < 0)
            return r;
        if (got != size)
            return csm_fs_fail(fs, -EUCLEAN, "the symbolic link (inode %llu) holds %u of its %llu bytes",
                               (unsigned long long)node, got, (unsigned long long)size);
    }
    buf[size] = '\0';
    if (memchr(buf, '\0', size))
        return csm_fs_fail(fs, -EUCLEAN, "the symbolic link (inode %llu) holds a NUL byte", (unsigned long long)node);
    return (ssize_t)size;
}

static ssize_t ext_pread(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off)
{
    struct ext *x = (struct ext *)fs;
    struct ext2_inode_large in;
    int r = read_inode(x, node, &in);
    if (r < 0)
        return r;
    if (LINUX_S_ISDIR(in.i_mode))
        return -EISDIR;
    if (!LINUX_S_ISREG(in.i_mode))
        return -EINVAL;
    uint64_t size = EXT2_I_SIZE(&in);
    if (off >= size || len == 0)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off); /* never more than i_size: see the inline-data trap above */
    if (x->file && x->file_ino != node) {
        ext2fs_file_close(x->file);
        x->file = NULL;
    }
    if (!x->file) {
        r = fail(x, ext2fs_file_open2(x->e2, (ext2_ino_t)node, (struct ext2_inode *)&in, 0, &x->file));
        if (r < 0) {
            x->file = NULL;
            return r;
        }
        x->file_ino = (ext2_ino_t)node;
    }
    r = fail(x, ext2fs_file_llseek(x->file, off, EXT2_SEEK_SET, NULL));
    size_t done = 0;
    while (r == 0 && done < len) {
        unsigned int want = len - done > (1u << 30) ? 1u << 30 : (unsigned int)(len - done), got = 0;
        r = fail(x, ext2fs_file_read(x->file, (char *)buf + done, want, &got));
        if (r == 0 && got == 0)
            break;
        done += got > want ? want : got;
    }
    if (r < 0) {
        ext2fs_file_close(x->file);
        x->file = NULL;
        return r;
    }
    return (ssize_t)done;
}

struct list_ctx {
    csm_fs_list_fn fn;
    void *data;
    size_t n;
    bool too_many, stopped;
};

static int list_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset, int blocksize, char *buf,
                      void *priv)
{
    (void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
    struct list_ctx *c = priv;
    int len = ext2fs_dirent_name_len(d);
    if (d->inode == 0 || len == 0 || (len == 1 && d->name[0] == '.') ||
        (len == 2 && d->name[0] == '.' && d->name[1] == '.'))
        return 0;
    /* a name with a slash or a NUL cannot be named by any path: left out */
    if (memchr(d->name, '/', (size_t)len) || memchr(d->name, '\0', (size_t)len))
        return 0;
    if (++c->n > CSM_FS_LIST_MAX) {
        c->too_many = true;
        return DIRENT_ABORT;
    }
    static const uint8_t types[] = { DT_UNKNOWN, DT_REG, DT_DIR, DT_CHR, DT_BLK, DT_FIFO, DT_SOCK, DT_LNK };
    int t = ext2fs_dirent_file_type(d);
    struct csm_fs_dirent e = {
        .node = d->inode,
        .type = t >= 0 && t < (int)sizeof(types) ? types[t] : DT_UNKNOWN,
        .name_len = (uint16_t)len,
        .name = d->name,
    };
    if (c->fn(c->data, &e)) {
        c->stopped = true;
        return DIRENT_ABORT;
    }
    return 0;
}

static int ext_list(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data)
{
    struct ext *x = (struct ext *)fs;
    int r = dir_inode(x, dir);
    if (r < 0)
        return r;
    struct list_ctx c = { fn, data, 0, false, false };
    r = fail(x, ext2fs_dir_iterate2(x->e2, (ext2_ino_t)dir, 0, NULL, list_entry, &c));
    if (c.too_many)
        return -E2BIG;
    return r;
}

static int ext_statfs(struct csm_fsreader *fs, struct csm_fs_statfs *out)
{
    struct ext *x = (struct ext *)fs;
    struct ext2_super_block *sb = x->e2->super;
    uint64_t free_blocks = ext2fs_free_blocks_count(sb), reserved = ext2fs_r_blocks_count(sb);
    *out = (struct csm_fs_statfs){
        .block_size = x->e2->blocksize,
        .blocks = ext2fs_blocks_count(sb),
        .free_blocks = free_blocks,
        .avail_blocks = free_blocks > reserved ? free_blocks - reserved : 0,
        .files = sb->s_inodes_count,
        .free_files = sb->s_free_inodes_count,
        /* the kernel writes the counters back at unmount and commit: with
         * transactions still in the journal they are older than the data */
        .stale = (fs->info.state & (CSM_FS_NEEDS_RECOVERY | CSM_FS_UNCLEAN)) != 0,
    };
    return 0;
}

static void ext_close(struct csm_fsreader *fs)
{
    struct ext *x = (struct ext *)fs;
    if (x->file)
        ext2fs_file_close(x->file);
    ext2fs_close_free(&x->e2);
    free(x);
}

static const struct csm_fsreader_ops ext_ops = {
    .lookup = ext_lookup,
    .stat = ext_stat,
    .readlink = ext_readlink,
    .pread = ext_pread,
    .list = ext_list,
    .statfs = ext_statfs,
    .close = ext_close,
};

/* ---- opening ---- */

/* What blkid calls it: ext4 with any feature ext3 does not have, ext3
 * with a journal, else ext2. */
static const char *ext_kind(struct ext2_super_block *sb)
{
    if ((sb->s_feature_incompat &
         ~(uint32_t)(EXT2_FEATURE_INCOMPAT_FILETYPE | EXT3_FEATURE_INCOMPAT_RECOVER | EXT2_FEATURE_INCOMPAT_META_BG)) ||
        (sb->s_feature_ro_compat & ~(uint32_t)(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE |
                                               0x0004u /* btree_dir, never used */)))
        return "ext4";
    return ext2fs_has_feature_journal(sb) ? "ext3" : "ext2";
}

static void add_state(struct csm_fs_info *info, uint32_t flag, const char *what)
{
    size_t n = strlen(info->state_why);
    info->state |= flag;
    snprintf(info->state_why + n, sizeof(info->state_why) - n, "%s%s", n ? "; " : "", what);
}

static void ext_info(struct ext *x)
{
    struct ext2_super_block *sb = x->e2->super;
    struct csm_fs_info *info = &x->fs.info;
    snprintf(info->type, sizeof(info->type), "%s", ext_kind(sb));
    size_t n = strnlen((const char *)sb->s_volume_name, sizeof(sb->s_volume_name));
    memcpy(info->label, sb->s_volume_name, n);
    info->label[n] = '\0';
    const unsigned char *u = sb->s_uuid;
    snprintf(info->uuid, sizeof(info->uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    info->size = ext2fs_blocks_count(sb) * (uint64_t)x->e2->blocksize;
    if (ext2fs_has_feature_journal_needs_recovery(sb))
        add_state(info, CSM_FS_NEEDS_RECOVERY,
                  "the journal holds transactions not yet written to the filesystem (it was not unmounted)");
    else if (!(sb->s_state & EXT2_VALID_FS))
        add_state(info, CSM_FS_UNCLEAN, "the filesystem was not cleanly unmounted");
    if ((sb->s_state & EXT2_ERROR_FS) || sb->s_error_count) {
        char what[96];
        snprintf(what, sizeof(what), "the kernel recorded %u %s in it", sb->s_error_count,
                 plural(sb->s_error_count, "error", "errors"));
        add_state(info, CSM_FS_ERRORS, sb->s_error_count ? what : "the kernel recorded errors in it");
    }
    if (sb->s_last_orphan || ext2fs_has_feature_orphan_present(sb))
        add_state(info, CSM_FS_ORPHANS, "it holds orphan inodes (deleted while open, not yet freed)");
}

int csm_fs_ext_open(const struct csm_fs_source *src, struct csm_fsreader **out, char **why)
{
    static bool error_table;
    if (!error_table) {
        initialize_ext2_error_table(); /* else error_message() says "Unknown code ext2 76" */
        error_table = true;
    }
    ext2_filsys e2 = NULL;
    next_source = src;
    /* 64-bit bitmaps (bigalloc and large filesystems need them); MMP is a
     * mount-time protocol of a writer. The name must not hold a '?'. */
    errcode_t e = ext2fs_open2("guest", NULL, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP, 0, 0, &guest_io_manager, &e2);
    next_source = NULL;
    if (e) {
        int err = e == EXT2_ET_UNSUPP_FEATURE ? -EOPNOTSUPP
                  : e == EXT2_ET_NO_MEMORY    ? -ENOMEM
                  : e == EXT2_ET_SHORT_READ   ? -EIO
                  : e > 0 && e < 4096         ? -(int)e
                                              : -EUCLEAN;
        if (e == EXT2_ET_UNSUPP_FEATURE) {
            unsigned char sb[1024];
            if (src->size >= 2048 && src->read(src->ctx, sb, sizeof(sb), 1024) == 0)
                return csm_fs_open_fail(why, err,
                                        "the ext filesystem has features libext2fs %s does not read "
                                        "(incompatible features 0x%x)",
                                        EXT2FS_VERSION,
                                        csm_le32(sb + 0x60) & ~(uint32_t)EXT2_LIB_FEATURE_INCOMPAT_SUPP);
        }
        return csm_fs_open_fail(why, err, "%s", error_message(e));
    }
    uint64_t bytes = ext2fs_blocks_count(e2->super) * (uint64_t)e2->blocksize;
    if (bytes > src->size) {
        ext2fs_close_free(&e2);
        return csm_fs_open_fail(why, -EFBIG,
                                "the filesystem spans %llu bytes but its device has %llu: the image is truncated or "
                                "the partition is too small",
                                (unsigned long long)bytes, (unsigned long long)src->size);
    }
    struct ext *x = xcalloc(1, sizeof(*x));
    x->fs.ops = &ext_ops;
    x->fs.root = EXT2_ROOT_INO;
    x->e2 = e2;
    ext_info(x);
    *out = &x->fs;
    return 0;
}
