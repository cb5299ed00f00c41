/* XFS through libfsxfs (libyal), behind guards of our own.
 *
 * libfsxfs reads XFS's directory formats, extent lists and B+trees, and
 * symlink targets: what would be the most code to write again. Its
 * upstream calls it experimental, and release 20201117 (Debian 12) has
 * gaps this module closes:
 *   - it checks neither the superblock CRC nor the feature bits it does
 *     not implement: with nrext64 it returns zeros for file contents and
 *     "not found" for directory entries, without an error. The superblock
 *     is read here first and only the incompatible features Debian 12's
 *     and RHEL 9's mkfs.xfs write (ftype, sparse inodes, bigtime) are
 *     accepted; anything else "cannot be read by this build";
 *   - it never looks at the log: a filesystem copied from a running system
 *     reads as it was before the log's transactions. The log's head is
 *     found here and the filesystem is reported dirty unless the last
 *     record is an unmount record (what xfs_logprint and xfs_db check);
 *   - its lookup of one name in a directory is not implemented (a TODO in
 *     the source), and its path lookup follows no symlink and no "..":
 *     a name is looked up by the canonical path of its directory, which
 *     this module keeps for every directory node it handed out; links and
 *     ".." are the tree layer's;
 *   - it does not read the inode flags (immutable, append-only), and its
 *     times are wrong on bigtime inodes: the inode core is read raw here
 *     (its CRC and number checked), and stat comes from it.
 * Some of its error paths free twice ("double free" aborts on crafted
 * inodes): it is meant to run in the reader child process (fs/child.h),
 * where a crash is a named error, not the end of the scan. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ext2fs/ext2fs.h> /* ext2fs_crc32c_le */
#include <libbfio.h>
#include <libfsxfs.h>

#include "internal.h"
#include "lib/util.h"

#define XFS_SB_MAGIC "XFSB"
#define XFS_SB_CRC_OFF 224
#define XFS_DINODE_CRC_OFF 100
#define XFS_LOG_HEADER_MAGIC 0xFEEDBABEu
#define XFS_UNMOUNT_TRANS 0x20
#define XFS_LOG_CLIENT 0xaa

/* features_incompat bits accepted: what libfsxfs reads right */
#define XFS_INCOMPAT_FTYPE 0x1u
#define XFS_INCOMPAT_SPINODES 0x2u
#define XFS_INCOMPAT_BIGTIME 0x8u
#define XFS_INCOMPAT_READ (XFS_INCOMPAT_FTYPE | XFS_INCOMPAT_SPINODES | XFS_INCOMPAT_BIGTIME)

/* v4 versionnum bits */
#define XFS_SB_VERSION_SHAREDBIT 0x0200u
#define XFS_SB_VERSION_DIRV2BIT 0x2000u
#define XFS_SB_VERSION_BORGBIT 0x4000u
#define XFS_SB_VERSION_MOREBITSBIT 0x8000u

#define XFS_DIFLAG_IMMUTABLE 0x8u
#define XFS_DIFLAG_APPEND 0x10u
#define XFS_DIFLAG2_BIGTIME (1ull << 3)
#define XFS_DIFLAG2_NREXT64 (1ull << 4)

#define PATHS_MAX 65536 /* directories whose path is kept */
#define PATH_LEN_MAX 4096

static uint32_t crc32c(const unsigned char *p, size_t len, size_t crc_off)
{
    static const unsigned char zero[4];
    uint32_t c = ext2fs_crc32c_le(~0u, p, crc_off);
    c = ext2fs_crc32c_le(c, zero, 4);
    c = ext2fs_crc32c_le(c, p + crc_off + 4, len - crc_off - 4);
    return ~c;
}

static int log2_exact(uint32_t v)
{
    if (!v || (v & (v - 1)))
        return -1;
    int n = 0;
    while (v >>= 1)
        n++;
    return n;
}

static void names(char *out, size_t len, uint32_t bits, const char *const *table, size_t n_table)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < 32; i++) {
        if (!(bits & (1u << i)))
            continue;
        char unknown[16];
        snprintf(unknown, sizeof(unknown), "0x%x", 1u << i);
        const char *name = i < n_table && table[i] ? table[i] : unknown;
        int k = snprintf(out + used, len - used, "%s%s", used ? ", " : "", name);
        if (k < 0 || (size_t)k >= len - used)
            break;
        used += (size_t)k;
    }
}

int csm_xfs_read_super(const struct csm_fs_source *src, struct csm_xfs_super *sb, char *why, size_t why_len)
{
    unsigned char b[4096];
    memset(sb, 0, sizeof(*sb));
    if (src->size < 512 || src->read(src->ctx, b, 512, 0) < 0)
        return snprintf(why, why_len, "the XFS superblock cannot be read"), -EIO;
    if (memcmp(b, XFS_SB_MAGIC, 4) != 0)
        return snprintf(why, why_len, "no XFS superblock (magic)"), -EUCLEAN;
    sb->block_size = csm_be32(b + 4);
    sb->data_blocks = csm_be64(b + 8);
    sb->log_start = csm_be64(b + 48);
    sb->root_ino = csm_be64(b + 56);
    sb->ag_blocks = csm_be32(b + 84);
    sb->ag_count = csm_be32(b + 88);
    sb->log_blocks = csm_be32(b + 96);
    sb->version = csm_be16(b + 100);
    sb->sect_size = csm_be16(b + 102);
    sb->inode_size = csm_be16(b + 104);
    uint16_t inopblock = csm_be16(b + 106);
    sb->block_log = b[120];
    uint8_t sect_log = b[121], inode_log = b[122];
    sb->inopb_log = b[123];
    sb->agblk_log = b[124];
    uint8_t inprogress = b[126];
    sb->icount = csm_be64(b + 128);
    sb->ifree = csm_be64(b + 136);
    sb->free_blocks = csm_be64(b + 144);
    sb->features2 = csm_be32(b + 200);
    sb->compat = csm_be32(b + 208);
    sb->ro_compat = csm_be32(b + 212);
    sb->incompat = csm_be32(b + 216);
    sb->log_incompat = csm_be32(b + 220);
    const unsigned char *u = b + 32;
    snprintf(sb->uuid, sizeof(sb->uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    memcpy(sb->label, b + 108, 12);
    sb->label[12] = '\0';

    /* the geometry, as xfs_validate_sb_common() checks it */
    int agblk_log = 0;
    while (agblk_log < 32 && (1ull << agblk_log) < sb->ag_blocks)
        agblk_log++;
    if (log2_exact(sb->block_size) != sb->block_log || sb->block_size < 512 || sb->block_size > 65536 ||
        log2_exact(sb->sect_size) != sect_log || sb->sect_size < 512 || sb->sect_size > 32768 ||
        log2_exact(sb->inode_size) != inode_log || sb->inode_size < 256 || sb->inode_size > 2048 ||
        sb->inode_size > sb->block_size || inopblock != sb->block_size / sb->inode_size ||
        sb->inopb_log != sb->block_log - inode_log || sb->ag_blocks < 64 || sb->agblk_log != agblk_log ||
        sb->ag_count == 0 || sb->data_blocks == 0 || sb->data_blocks > (uint64_t)sb->ag_count * sb->ag_blocks ||
        sb->data_blocks <= (uint64_t)(sb->ag_count - 1) * sb->ag_blocks)
        return snprintf(why, why_len, "the XFS superblock's geometry is inconsistent"), -EUCLEAN;
    if (sb->data_blocks > UINT64_MAX / sb->block_size)
        return snprintf(why, why_len, "the XFS superblock's size is out of range"), -EUCLEAN;
    if (inprogress)
        return snprintf(why, why_len, "the XFS filesystem was never finished (mkfs was interrupted)"), -EUCLEAN;

    unsigned v = sb->version & 0xf;
    if (v == 5) {
        if (sb->sect_size > sizeof(b) || src->size < sb->sect_size || src->read(src->ctx, b, sb->sect_size, 0) < 0)
            return snprintf(why, why_len, "the XFS superblock cannot be read"), -EIO;
        uint32_t want = csm_le32(b + XFS_SB_CRC_OFF);
        if (crc32c(b, sb->sect_size, XFS_SB_CRC_OFF) != want)
            return snprintf(why, why_len, "the XFS superblock's checksum does not match"), -EUCLEAN;
        sb->crc = true;
        static const char *const incompat[] = { "ftype",          "sparse inodes",   "meta_uuid",
                                                "bigtime",        "needsrepair",     "nrext64",
                                                "exchange-range", "parent pointers", "metadir" };
        uint32_t unread = sb->incompat & ~XFS_INCOMPAT_READ;
        if (unread) {
            char n[160];
            names(n, sizeof(n), unread, incompat, ARRAY_SIZE(incompat));
            snprintf(why, why_len,
                     "XFS features this build's XFS reader does not read: %s (incompatible features 0x%x)", n, unread);
            return -EOPNOTSUPP;
        }
        if (sb->log_incompat) {
            snprintf(why, why_len, "XFS log features this build's XFS reader does not read (log-incompatible 0x%x)",
                     sb->log_incompat);
            return -EOPNOTSUPP;
        }
    } else if (v == 4) {
        /* directory format 2 is what every XFS since 2002 has; shared
         * and ASCII-case-insensitive filesystems are read differently */
        if (!(sb->version & XFS_SB_VERSION_DIRV2BIT) ||
            (sb->version & (XFS_SB_VERSION_SHAREDBIT | XFS_SB_VERSION_BORGBIT))) {
            snprintf(why, why_len, "an XFS version 4 layout this build's XFS reader does not read (version 0x%x)",
                     sb->version);
            return -EOPNOTSUPP;
        }
        if (!(sb->version & XFS_SB_VERSION_MOREBITSBIT))
            sb->features2 = 0;
    } else {
        snprintf(why, why_len, "XFS version %u, which this build's XFS reader does not read", v);
        return -EOPNOTSUPP;
    }
    if (sb->root_ino == 0)
        return snprintf(why, why_len, "the XFS superblock names no root directory"), -EUCLEAN;
    return 0;
}

/* The byte offset of a filesystem block number (AG number, block in AG). */
static bool fsb_offset(const struct csm_xfs_super *sb, uint64_t fsb, uint64_t *off)
{
    uint64_t agno = fsb >> sb->agblk_log, agbno = fsb & ((1ull << sb->agblk_log) - 1);
    if (agno >= sb->ag_count || agbno >= sb->ag_blocks)
        return false;
    *off = (agno * sb->ag_blocks + agbno) * sb->block_size;
    return true;
}

/* ---- the log ---- */

struct log {
    const struct csm_fs_source *src;
    uint64_t off, blocks; /* 512-byte basic blocks */
    unsigned char b[512];
};

static bool log_block(struct log *l, uint64_t i)
{
    return l->src->read(l->src->ctx, l->b, 512, l->off + (i % l->blocks) * 512) == 0;
}

/* The cycle number a basic block carries: a record header's h_cycle, or
 * the first word of a data block (the log stamps it there). */
static bool log_cycle(struct log *l, uint64_t i, uint32_t *cycle)
{
    if (!log_block(l, i))
        return false;
    *cycle = csm_be32(l->b) == XFS_LOG_HEADER_MAGIC ? csm_be32(l->b + 4) : csm_be32(l->b);
    return true;
}

uint32_t csm_xfs_log_state(const struct csm_fs_source *src, const struct csm_xfs_super *sb, char *why, size_t why_len)
{
    struct log l = { .src = src };
    uint64_t start;
    if (sb->log_start == 0) {
        snprintf(why, why_len, "the XFS log is on another device: whether it is clean cannot be verified");
        return CSM_FS_STATE_UNKNOWN;
    }
    l.blocks = (uint64_t)sb->log_blocks * (sb->block_size / 512);
    if (!fsb_offset(sb, sb->log_start, &start) || l.blocks < 2 || start > src->size ||
        l.blocks > (src->size - start) / 512) {
        snprintf(why, why_len, "the XFS log lies outside the filesystem: whether it is clean cannot be verified");
        return CSM_FS_STATE_UNKNOWN;
    }
    l.off = start;
    /* The head: the first block whose cycle is lower than block 0's (the
     * log is written in cycles c, c, ... c, c-1, ... c-1). */
    uint32_t c0, c, last;
    if (!log_cycle(&l, 0, &c0) || !log_cycle(&l, l.blocks - 1, &last))
        goto unreadable;
    uint64_t head = 0;
    if (last != c0) {
        uint64_t lo = 0, hi = l.blocks - 1; /* cycle(lo) == c0, cycle(hi) != c0 */
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (!log_cycle(&l, mid, &c))
                goto unreadable;
            if (c == c0)
                lo = mid;
            else
                hi = mid;
        }
        head = hi;
    }
    /* The last record before the head (a record is at most 256 KiB: 512
     * basic blocks and its headers). */
    for (uint64_t back = 1; back <= 520 && back <= l.blocks; back++) {
        uint64_t i = (head + l.blocks - back) % l.blocks;
        if (!log_block(&l, i))
            goto unreadable;
        uint32_t want = i < head ? c0 : c0 - 1;
        if (csm_be32(l.b) != XFS_LOG_HEADER_MAGIC || csm_be32(l.b + 4) != want)
            continue;
        uint32_t version = csm_be32(l.b + 8), len = csm_be32(l.b + 12), ops = csm_be32(l.b + 40);
        uint32_t hsize = csm_be32(l.b + 320);
        uint64_t hblocks = (version & 2) && hsize > 32768 ? (hsize + 32767) / 32768 : 1;
        uint64_t end = (i + hblocks + (len + 511) / 512) % l.blocks;
        if (!log_block(&l, i + hblocks))
            goto unreadable;
        if (end == head && ops == 1 && l.b[8] == XFS_LOG_CLIENT && (l.b[9] & XFS_UNMOUNT_TRANS))
            return 0;
        snprintf(why, why_len,
                 "the XFS log was not cleanly unmounted: it holds transactions that were not "
                 "written to the filesystem");
        return CSM_FS_DIRTY_LOG;
    }
    snprintf(why, why_len, "no record found in the XFS log: whether it is clean cannot be verified");
    return CSM_FS_STATE_UNKNOWN;
unreadable:
    snprintf(why, why_len, "the XFS log cannot be read: whether it is clean cannot be verified");
    return CSM_FS_STATE_UNKNOWN;
}

/* ---- the inode core, read raw ---- */

static void xfs_time(const unsigned char *p, bool bigtime, int64_t *sec, uint32_t *nsec)
{
    if (bigtime) {
        uint64_t t = csm_be64(p);
        *sec = (int64_t)(t / 1000000000u) - ((int64_t)1 << 31);
        *nsec = (uint32_t)(t % 1000000000u);
    } else {
        *sec = (int32_t)csm_be32(p);
        *nsec = csm_be32(p + 4);
        if (*nsec > 999999999)
            *nsec = 0;
    }
}

int csm_xfs_read_inode(const struct csm_fs_source *src, const struct csm_xfs_super *sb, uint64_t ino,
                       struct csm_fs_stat *st, char *why, size_t why_len)
{
    unsigned char d[2048];
    uint64_t agno = ino >> (sb->agblk_log + sb->inopb_log);
    uint64_t agbno = (ino >> sb->inopb_log) & ((1ull << sb->agblk_log) - 1);
    uint64_t slot = ino & ((1ull << sb->inopb_log) - 1);
    if (sb->agblk_log + sb->inopb_log >= 64 || agno >= sb->ag_count || agbno >= sb->ag_blocks)
        return snprintf(why, why_len, "inode %llu is out of the filesystem's range", (unsigned long long)ino), -EUCLEAN;
    uint64_t off = (agno * sb->ag_blocks + agbno) * sb->block_size + slot * sb->inode_size;
    if (off > src->size || sb->inode_size > src->size - off || src->read(src->ctx, d, sb->inode_size, off) < 0)
        return snprintf(why, why_len, "inode %llu cannot be read", (unsigned long long)ino), -EIO;
    unsigned version = d[4];
    if (csm_be16(d) != 0x494e || version < 1 || version > 3 || (version == 3) != sb->crc)
        return snprintf(why, why_len, "inode %llu is not an inode (magic or version)", (unsigned long long)ino),
               -EUCLEAN;
    uint64_t flags2 = 0;
    if (version == 3) {
        if (csm_be64(d + 152) != ino)
            return snprintf(why, why_len, "inode %llu carries another inode's number", (unsigned long long)ino),
                   -EUCLEAN;
        if (crc32c(d, sb->inode_size, XFS_DINODE_CRC_OFF) != csm_le32(d + XFS_DINODE_CRC_OFF))
            return snprintf(why, why_len, "inode %llu: its checksum does not match", (unsigned long long)ino), -EUCLEAN;
        flags2 = csm_be64(d + 120);
        if (flags2 & XFS_DIFLAG2_NREXT64)
            return snprintf(why, why_len,
                            "inode %llu has 64-bit extent counters (nrext64), which this build's XFS "
                            "reader does not read",
                            (unsigned long long)ino),
                   -EOPNOTSUPP;
    }
    uint16_t mode = csm_be16(d + 2);
    if (mode == 0)
        return snprintf(why, why_len, "inode %llu is not in use", (unsigned long long)ino), -EUCLEAN;
    uint16_t diflags = csm_be16(d + 90);
    *st = (struct csm_fs_stat){
        .node = ino,
        .mode = mode,
        .uid = csm_be32(d + 8),
        .gid = csm_be32(d + 12),
        .size = csm_be64(d + 56),
        .nlink = version == 1 ? csm_be16(d + 6) : csm_be32(d + 16),
        .flags = ((diflags & XFS_DIFLAG_IMMUTABLE) ? CSM_FS_IMMUTABLE : 0) |
                 ((diflags & XFS_DIFLAG_APPEND) ? CSM_FS_APPEND : 0),
    };
    xfs_time(d + 40, (flags2 & XFS_DIFLAG2_BIGTIME) != 0, &st->mtime, &st->mtime_nsec);
    return 0;
}

/* ---- libbfio over the source ---- */

struct bfio_src {
    const struct csm_fs_source *src;
    uint64_t pos;
};

static int b_free(intptr_t **h, libbfio_error_t **e)
{
    (void)e;
    free(*h);
    *h = NULL;
    return 1;
}

static int b_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
    (void)e;
    struct bfio_src *c = malloc(sizeof(*c));
    if (!c)
        return -1;
    *c = *(struct bfio_src *)src;
    *dst = (intptr_t *)c;
    return 1;
}

static int b_open(intptr_t *h, int flags, libbfio_error_t **e)
{
    (void)h, (void)e;
    return (flags & LIBBFIO_ACCESS_FLAG_WRITE) ? -1 : 1;
}

static int b_close(intptr_t *h, libbfio_error_t **e)
{
    (void)h, (void)e;
    return 0;
}

static ssize_t b_read(intptr_t *h, uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)e;
    struct bfio_src *s = (struct bfio_src *)h;
    if (s->pos >= s->src->size)
        return 0;
    if (len > s->src->size - s->pos)
        len = (size_t)(s->src->size - s->pos);
    if (len > SSIZE_MAX)
        len = SSIZE_MAX;
    if (s->src->read(s->src->ctx, buf, len, s->pos) < 0)
        return -1;
    s->pos += len;
    return (ssize_t)len;
}

static ssize_t b_write(intptr_t *h, const uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)h, (void)buf, (void)len, (void)e;
    return -1;
}

static off64_t b_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
    (void)e;
    struct bfio_src *s = (struct bfio_src *)h;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)s->pos : (int64_t)s->src->size;
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -1;
    s->pos = (uint64_t)(base + off);
    return (off64_t)s->pos;
}

static int b_exists(intptr_t *h, libbfio_error_t **e)
{
    (void)h, (void)e;
    return 1;
}

static int b_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
    (void)e;
    *size = ((struct bfio_src *)h)->src->size;
    return 1;
}

/* ---- the directory paths ---- */

struct path_map {
    uint64_t *ino;
    char **path;
    size_t cap, n;
};

static size_t path_slot(const struct path_map *m, uint64_t ino)
{
    size_t i = (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);
    while (m->path[i] && m->ino[i] != ino)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static const char *path_get(const struct path_map *m, uint64_t ino)
{
    return m->cap ? m->path[path_slot(m, ino)] : NULL;
}

static int path_put(struct path_map *m, uint64_t ino, const char *path, size_t len)
{
    if (m->n + 1 > m->cap / 2) {
        if (m->n >= PATHS_MAX)
            return -ENOMEM;
        struct path_map g = { .cap = m->cap ? m->cap * 2 : 256 };
        g.ino = calloc(g.cap, sizeof(*g.ino));
        g.path = calloc(g.cap, sizeof(*g.path));
        if (!g.ino || !g.path) {
            free(g.ino);
            free(g.path);
            return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->path[i]) {
                size_t k = path_slot(&g, m->ino[i]);
                g.ino[k] = m->ino[i];
                g.path[k] = m->path[i];
            }
        g.n = m->n;
        free(m->ino);
        free(m->path);
        *m = g;
    }
    size_t k = path_slot(m, ino);
    if (m->path[k])
        return 0; /* the first path by which a directory was reached stays its path */
    m->path[k] = strndup(path, len);
    if (!m->path[k])
        return -ENOMEM;
    m->ino[k] = ino;
    m->n++;
    return 0;
}

static void path_free(struct path_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->path[i]);
    free(m->ino);
    free(m->path);
}

/* ---- the operations ---- */

struct xfs {
    struct csm_fsreader fs;
    const struct csm_fs_source *src;
    struct csm_xfs_super sb;
    libbfio_handle_t *bfio;
    libfsxfs_volume_t *vol;
    struct path_map paths;
    libfsxfs_file_entry_t *file; /* the last file read */
    uint64_t file_ino;
};

/* A libfsxfs error into fs->why (its innermost message: the cause). */
static int lib_fail(struct xfs *x, int err, libfsxfs_error_t **e, const char *what)
{
    char buf[512] = "";
    if (e && *e) {
        libfsxfs_error_backtrace_sprint(*e, buf, sizeof(buf));
        libfsxfs_error_free(e);
    }
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    csm_fs_fail(&x->fs, err, "libfsxfs %s%s%s", what, buf[0] ? ": " : "", buf);
    return err;
}

static int xfs_stat(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st)
{
    struct xfs *x = (struct xfs *)fs;
    return csm_xfs_read_inode(x->src, &x->sb, node, st, fs->why, sizeof(fs->why));
}

static int entry_by_inode(struct xfs *x, uint64_t ino, libfsxfs_file_entry_t **fe)
{
    libfsxfs_error_t *e = NULL;
    if (libfsxfs_volume_get_file_entry_by_inode(x->vol, ino, fe, &e) != 1)
        return lib_fail(x, -EUCLEAN, &e, "cannot read the inode");
    return 0;
}

static int dir_path(struct xfs *x, csm_fs_node dir, const char **path)
{
    struct csm_fs_stat st;
    int r = xfs_stat(&x->fs, dir, &st);
    if (r < 0)
        return r;
    if (!S_ISDIR(st.mode))
        return -ENOTDIR;
    *path = path_get(&x->paths, dir);
    if (!*path)
        return csm_fs_fail(&x->fs, -ESTALE, "directory inode %llu was not reached by a lookup",
                           (unsigned long long)dir);
    return 0;
}

static int xfs_lookup(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st)
{
    struct xfs *x = (struct xfs *)fs;
    const char *base;
    int r = dir_path(x, dir, &base);
    if (r < 0)
        return r;
    if (csm_utf8_invalid(name, len) != SIZE_MAX)
        return csm_fs_fail(fs, -EILSEQ, "the XFS reader looks up only UTF-8 names");
    size_t blen = strlen(base);
    if (blen + 1 + len > PATH_LEN_MAX)
        return -ENAMETOOLONG;
    char path[PATH_LEN_MAX + 1];
    memcpy(path, base, blen);
    path[blen] = '/';
    memcpy(path + blen + 1, name, len);
    path[blen + 1 + len] = '\0';
    /* a canonical path: no ".", "..", links or empty names in it, which
     * is all that libfsxfs's lookup handles */
    libfsxfs_file_entry_t *fe = NULL;
    libfsxfs_error_t *e = NULL;
    int found = libfsxfs_volume_get_file_entry_by_utf8_path(x->vol, (const uint8_t *)path, blen + 1 + len, &fe, &e);
    if (found == 0) {
        libfsxfs_error_free(&e);
        return -ENOENT;
    }
    if (found != 1)
        return lib_fail(x, -EUCLEAN, &e, "cannot look the name up");
    uint64_t ino = 0;
    r = libfsxfs_file_entry_get_inode_number(fe, &ino, &e) == 1 ? 0 : lib_fail(x, -EUCLEAN, &e, "gave no inode");
    libfsxfs_file_entry_free(&fe, NULL);
    if (r == 0)
        r = xfs_stat(fs, ino, st);
    if (r == 0 && S_ISDIR(st->mode))
        r = path_put(&x->paths, ino, path, blen + 1 + len);
    return r;
}

static ssize_t xfs_readlink(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap)
{
    struct xfs *x = (struct xfs *)fs;
    struct csm_fs_stat st;
    int r = xfs_stat(fs, node, &st);
    if (r < 0)
        return r;
    if (!S_ISLNK(st.mode))
        return -EINVAL;
    if (st.size == 0)
        return csm_fs_fail(fs, -EUCLEAN, "the symbolic link (inode %llu) is empty", (unsigned long long)node);
    if (st.size >= cap || st.size > CSM_FS_LINK_MAX)
        return -ENAMETOOLONG;
    libfsxfs_file_entry_t *fe = NULL;
    if ((r = entry_by_inode(x, node, &fe)) < 0)
        return r;
    libfsxfs_error_t *e = NULL;
    size_t n = 0; /* the size counts the NUL */
    if (libfsxfs_file_entry_get_utf8_symbolic_link_target_size(fe, &n, &e) != 1)
        r = lib_fail(x, -EUCLEAN, &e, "cannot read the symbolic link");
    else if (n != st.size + 1)
        r = csm_fs_fail(fs, n > 1 ? -EILSEQ : -EUCLEAN,
                        "libfsxfs reads %zu bytes of a symbolic link of %llu (inode %llu)", n ? n - 1 : 0,
                        (unsigned long long)st.size, (unsigned long long)node);
    else if (libfsxfs_file_entry_get_utf8_symbolic_link_target(fe, (uint8_t *)buf, n, &e) != 1)
        r = lib_fail(x, -EUCLEAN, &e, "cannot read the symbolic link");
    libfsxfs_file_entry_free(&fe, NULL);
    if (r < 0)
        return r;
    buf[st.size] = '\0';
    if (strlen(buf) != st.size)
        return csm_fs_fail(fs, -EUCLEAN, "the symbolic link (inode %llu) holds a NUL byte", (unsigned long long)node);
    return (ssize_t)st.size;
}

static ssize_t xfs_pread(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off)
{
    struct xfs *x = (struct xfs *)fs;
    struct csm_fs_stat st;
    int r = xfs_stat(fs, node, &st);
    if (r < 0)
        return r;
    if (S_ISDIR(st.mode))
        return -EISDIR;
    if (!S_ISREG(st.mode))
        return -EINVAL;
    if (off >= st.size || len == 0)
        return 0;
    if (len > st.size - off)
        len = (size_t)(st.size - off);
    if (x->file && x->file_ino != node)
        libfsxfs_file_entry_free(&x->file, NULL);
    if (!x->file) {
        if ((r = entry_by_inode(x, node, &x->file)) < 0)
            return r;
        x->file_ino = node;
    }
    size_t done = 0;
    while (done < len) {
        libfsxfs_error_t *e = NULL;
        ssize_t n = libfsxfs_file_entry_read_buffer_at_offset(x->file, (uint8_t *)buf + done, len - done,
                                                              (off64_t)(off + done), &e);
        if (n < 0) {
            libfsxfs_file_entry_free(&x->file, NULL);
            return lib_fail(x, -EIO, &e, "cannot read the file");
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static uint8_t dt_of(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
    }
    return DT_UNKNOWN;
}

static int xfs_list(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data)
{
    struct xfs *x = (struct xfs *)fs;
    const char *base;
    int r = dir_path(x, dir, &base);
    if (r < 0)
        return r;
    libfsxfs_file_entry_t *fe = NULL;
    if ((r = entry_by_inode(x, dir, &fe)) < 0)
        return r;
    libfsxfs_error_t *e = NULL;
    int n = 0;
    if (libfsxfs_file_entry_get_number_of_sub_file_entries(fe, &n, &e) != 1)
        r = lib_fail(x, -EUCLEAN, &e, "cannot read the directory");
    else if (n > CSM_FS_LIST_MAX)
        r = -E2BIG;
    size_t blen = strlen(base);
    for (int i = 0; r == 0 && i < n; i++) {
        libfsxfs_file_entry_t *sub = NULL;
        uint8_t name[CSM_FS_NAME_MAX * 4 + 1];
        size_t name_size = 0;
        uint64_t ino = 0;
        uint16_t mode = 0;
        if (libfsxfs_file_entry_get_sub_file_entry_by_index(fe, i, &sub, &e) != 1 ||
            libfsxfs_file_entry_get_utf8_name_size(sub, &name_size, &e) != 1 || name_size > sizeof(name) ||
            libfsxfs_file_entry_get_utf8_name(sub, name, sizeof(name), &e) != 1 ||
            libfsxfs_file_entry_get_inode_number(sub, &ino, &e) != 1 ||
            libfsxfs_file_entry_get_file_mode(sub, &mode, &e) != 1) {
            libfsxfs_file_entry_free(&sub, NULL);
            r = lib_fail(x, -EUCLEAN, &e, "cannot read a directory entry");
            break;
        }
        libfsxfs_file_entry_free(&sub, NULL);
        size_t len = strnlen((const char *)name, sizeof(name));
        if (len == 0 || len > CSM_FS_NAME_MAX || memchr(name, '/', len) || (len == 1 && name[0] == '.') ||
            (len == 2 && name[0] == '.' && name[1] == '.'))
            continue;
        if (S_ISDIR(mode) && blen + 1 + len <= PATH_LEN_MAX) {
            char path[PATH_LEN_MAX + 1];
            memcpy(path, base, blen);
            path[blen] = '/';
            memcpy(path + blen + 1, name, len);
            if ((r = path_put(&x->paths, ino, path, blen + 1 + len)) < 0)
                break;
        }
        struct csm_fs_dirent d = { ino, dt_of(mode), (uint16_t)len, (const char *)name };
        if (fn(data, &d))
            break;
    }
    libfsxfs_file_entry_free(&fe, NULL);
    return r;
}

static int xfs_statfs(struct csm_fsreader *fs, struct csm_fs_statfs *out)
{
    struct xfs *x = (struct xfs *)fs;
    const struct csm_xfs_super *sb = &x->sb;
    /* as the kernel's xfs_fs_statfs(): inodes are made on demand, so the
     * free ones are those in use chunks plus what the free blocks hold */
    uint64_t per_block = sb->block_size / sb->inode_size;
    uint64_t more = sb->free_blocks > UINT64_MAX / per_block ? UINT64_MAX : sb->free_blocks * per_block;
    uint64_t files = sb->icount > UINT64_MAX - more ? UINT64_MAX : sb->icount + more;
    uint64_t used = sb->icount > sb->ifree ? sb->icount - sb->ifree : 0;
    *out = (struct csm_fs_statfs){
        .block_size = sb->block_size,
        .blocks = sb->data_blocks,
        .free_blocks = sb->free_blocks,
        .avail_blocks = sb->free_blocks,
        .files = files,
        .free_files = files > used ? files - used : 0,
        /* lazy counters: written to the superblock at unmount only */
        .stale = (fs->info.state & (CSM_FS_DIRTY_LOG | CSM_FS_STATE_UNKNOWN)) != 0,
    };
    return 0;
}

static void xfs_close(struct csm_fsreader *fs)
{
    struct xfs *x = (struct xfs *)fs;
    libfsxfs_file_entry_free(&x->file, NULL);
    if (x->vol) {
        libfsxfs_volume_close(x->vol, NULL);
        libfsxfs_volume_free(&x->vol, NULL);
    }
    if (x->bfio) {
        libbfio_handle_close(x->bfio, NULL);
        libbfio_handle_free(&x->bfio, NULL);
    }
    path_free(&x->paths);
    free(x);
}

static const struct csm_fsreader_ops xfs_ops = {
    .lookup = xfs_lookup,
    .stat = xfs_stat,
    .readlink = xfs_readlink,
    .pread = xfs_pread,
    .list = xfs_list,
    .statfs = xfs_statfs,
    .close = xfs_close,
};

int csm_fs_xfs_open(const struct csm_fs_source *src, struct csm_fsreader **out, char **why)
{
    struct xfs *x = xcalloc(1, sizeof(*x));
    x->fs.ops = &xfs_ops;
    x->src = src;
    char msg[CSM_FS_WHY_MAX] = "";
    int r = csm_xfs_read_super(src, &x->sb, msg, sizeof(msg));
    if (r < 0) {
        free(x);
        return csm_fs_open_fail(why, r, "%s", msg);
    }
    uint64_t bytes = x->sb.data_blocks * x->sb.block_size;
    if (bytes > src->size) {
        free(x);
        return csm_fs_open_fail(why, -EFBIG,
                                "the filesystem spans %llu bytes but its device has %llu: the image is truncated or "
                                "the partition is too small",
                                (unsigned long long)bytes, (unsigned long long)src->size);
    }
    struct csm_fs_info *info = &x->fs.info;
    snprintf(info->type, sizeof(info->type), "xfs");
    snprintf(info->label, sizeof(info->label), "%s", x->sb.label);
    snprintf(info->uuid, sizeof(info->uuid), "%s", x->sb.uuid);
    info->size = bytes;
    info->state = csm_xfs_log_state(src, &x->sb, info->state_why, sizeof(info->state_why));
    struct csm_fs_stat root;
    r = csm_xfs_read_inode(src, &x->sb, x->sb.root_ino, &root, msg, sizeof(msg));
    if (r == 0 && !S_ISDIR(root.mode))
        r = -ENOTDIR, snprintf(msg, sizeof(msg), "the XFS root inode is not a directory");
    if (r < 0) {
        free(x);
        return csm_fs_open_fail(why, r, "%s", msg);
    }
    x->fs.root = x->sb.root_ino;

    struct bfio_src *b = malloc(sizeof(*b));
    libbfio_error_t *be = NULL;
    libfsxfs_error_t *e = NULL;
    if (!b) {
        free(x);
        return -ENOMEM;
    }
    *b = (struct bfio_src){ src, 0 };
    if (libbfio_handle_initialize(
            &x->bfio, (intptr_t *)b, b_free, b_clone, b_open, b_close, b_read, b_write, b_seek, b_exists, b_exists,
            b_size, LIBBFIO_FLAG_IO_HANDLE_MANAGED | LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION, &be) != 1) {
        free(b);
        libbfio_error_free(&be);
        free(x);
        return -ENOMEM;
    }
    if (libbfio_handle_open(x->bfio, LIBBFIO_OPEN_READ, &be) != 1 || libfsxfs_volume_initialize(&x->vol, &e) != 1 ||
        libfsxfs_volume_open_file_io_handle(x->vol, x->bfio, LIBFSXFS_OPEN_READ, &e) != 1) {
        libbfio_error_free(&be);
        lib_fail(x, -EUCLEAN, &e, "cannot open the volume");
        r = csm_fs_open_fail(why, -EUCLEAN, "%s", x->fs.why);
        if (x->vol)
            libfsxfs_volume_free(&x->vol, NULL);
        x->vol = NULL;
        xfs_close(&x->fs);
        return r;
    }
    if (path_put(&x->paths, x->sb.root_ino, "", 0) < 0) {
        xfs_close(&x->fs);
        return -ENOMEM;
    }
    *out = &x->fs;
    return 0;
}
