/* FAT12, FAT16 and FAT32 (the EFI System Partition), read-only, as far as
 * the boot checks need it: directories (long names included), file
 * contents, and the free space.
 *
 * Written here rather than taken from a library: Debian 12 packages no
 * FAT reader that works on a buffer but The Sleuth Kit (libtsk), which
 * maps 45 shared libraries (libstdc++, curl, gnutls, krb5, ldap, sqlite,
 * afflib, ewf, vmdk, ...) into the reader for 13 MB of memory, and whose
 * static archive needs all of them; libblkid only probes, mtools and
 * fatcat are programs, fusefat is FUSE. What the ESP needs is small and
 * fully specified (Microsoft's FAT specification, "FAT: General Overview
 * of On-Disk Format" 1.03): the boot sector's geometry, cluster chains,
 * 32-byte directory entries and long-name entries. Every value read is
 * bounded: a chain is at most as long as there are clusters, a directory
 * at most 65536 entries (the FAT limit), and it runs in the reader child
 * like the other backends.
 *
 * A node is the byte offset of a file's short directory entry in the
 * volume (the root directory, which has none, is node 0). Names match
 * without regard to ASCII case, by the long name or the 8.3 name, as
 * Linux's vfat does. Files and directories read as mode 0755 (0555 when
 * read-only), owned by root: what a mount with the default umask shows. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "lib/util.h"

#define ROOT_NODE 0
#define DIR_ENTRIES_MAX 65536
#define ATTR_RO 0x01
#define ATTR_VOLUME 0x08
#define ATTR_DIR 0x10
#define ATTR_LFN 0x0F
#define FAT_STATE_DIRTY 0x01 /* Linux's flag in the boot sector while mounted */

struct fat {
    struct csm_fsreader fs;
    const struct csm_fs_source *src;
    unsigned bits; /* 12, 16, 32 */
    uint32_t bps, cluster_size;
    uint32_t clusters;           /* data clusters: numbers 2 .. clusters + 1 */
    uint64_t fat_off, fat_bytes; /* the FAT in use */
    uint64_t root_off;           /* FAT12/16: the fixed root directory area */
    uint32_t root_entries;
    uint32_t root_cluster; /* FAT32 */
    uint64_t data_off;
    /* the place in the last file read, for sequential reads */
    csm_fs_node cur_node;
    uint64_t cur_index;
    uint32_t cur_cluster;
};

struct fat_entry {
    uint8_t attr;
    uint32_t cluster;
    uint32_t size;
    uint16_t time, date;
};

static int read_at(struct fat *f, void *buf, size_t len, uint64_t off)
{
    if (off > f->src->size || len > f->src->size - off)
        return csm_fs_fail(&f->fs, -EUCLEAN, "FAT: a read past the end of the volume (byte %llu)",
                           (unsigned long long)off);
    return f->src->read(f->src->ctx, buf, len, off);
}

/* The FAT's entry for cluster c. */
static int fat_next(struct fat *f, uint32_t c, uint32_t *next)
{
    unsigned char b[4] = { 0 };
    uint64_t off = f->bits == 12 ? c + c / 2 : (uint64_t)c * (f->bits / 8);
    size_t len = f->bits == 32 ? 4 : 2;
    if (off + len > f->fat_bytes)
        return csm_fs_fail(&f->fs, -EUCLEAN, "FAT: cluster %u is past the end of the FAT", c);
    int r = read_at(f, b, len, f->fat_off + off);
    if (r < 0)
        return r;
    if (f->bits == 12)
        *next = (c & 1) ? csm_le16(b) >> 4 : csm_le16(b) & 0xfff;
    else if (f->bits == 16)
        *next = csm_le16(b);
    else
        *next = csm_le32(b) & 0x0fffffff;
    return 0;
}

static bool chain_end(const struct fat *f, uint32_t v)
{
    return v >= (f->bits == 12 ? 0xff8u : f->bits == 16 ? 0xfff8u : 0x0ffffff8u);
}

static bool valid_cluster(const struct fat *f, uint32_t c)
{
    return c >= 2 && c - 2 < f->clusters;
}

static uint64_t cluster_off(const struct fat *f, uint32_t c)
{
    return f->data_off + (uint64_t)(c - 2) * f->cluster_size;
}

/* The cluster after c in a chain; 0 at the end of the chain. */
static int chain_step(struct fat *f, uint32_t c, uint32_t *next)
{
    uint32_t v;
    int r = fat_next(f, c, &v);
    if (r < 0)
        return r;
    if (chain_end(f, v)) {
        *next = 0;
        return 0;
    }
    if (!valid_cluster(f, v))
        return csm_fs_fail(&f->fs, -EUCLEAN, "FAT: cluster %u is followed by %u, which is not a data cluster", c, v);
    *next = v;
    return 0;
}

/* ---- directories ---- */

/* Calls fn for each 32-byte slot of a directory (first cluster, or 0 and
 * the root), with its byte offset, until fn returns nonzero or the end
 * entry. */
typedef int (*slot_fn)(struct fat *f, const unsigned char *e, uint64_t off, void *data);

static int dir_walk(struct fat *f, csm_fs_node dir, uint32_t first, slot_fn fn, void *data)
{
    unsigned char sec[4096];
    uint32_t per_sector = f->bps / 32, seen = 0;
    bool fixed = dir == ROOT_NODE && f->bits != 32;
    uint32_t c = dir == ROOT_NODE && f->bits == 32 ? f->root_cluster : first;
    uint64_t steps = 0;
    if (!fixed && !valid_cluster(f, c))
        return csm_fs_fail(&f->fs, -EUCLEAN, "FAT: the directory starts at cluster %u, not a data cluster", c);
    for (;;) {
        uint64_t base = fixed ? f->root_off : cluster_off(f, c);
        uint64_t bytes = fixed ? (uint64_t)f->root_entries * 32 : f->cluster_size;
        for (uint64_t s = 0; s < bytes; s += f->bps) {
            size_t len = bytes - s < f->bps ? (size_t)(bytes - s) : f->bps;
            int r = read_at(f, sec, len, base + s);
            if (r < 0)
                return r;
            for (uint32_t i = 0; i < per_sector && i * 32 < len; i++) {
                if (++seen > DIR_ENTRIES_MAX)
                    return csm_fs_fail(&f->fs, -EUCLEAN, "FAT: a directory of more than %d entries", DIR_ENTRIES_MAX);
                const unsigned char *e = sec + i * 32;
                if (e[0] == 0)
                    return 0;
                if ((r = fn(f, e, base + s + i * 32, data)) != 0)
                    return r < 0 ? r : 0;
            }
        }
        if (fixed)
            return 0;
        if (++steps > f->clusters)
            return csm_fs_fail(&f->fs, -EUCLEAN, "FAT: the directory's cluster chain loops");
        int r = chain_step(f, c, &c);
        if (r < 0)
            return r;
        if (!c)
            return 0;
    }
}

static void parse_entry(const unsigned char *e, struct fat_entry *out)
{
    *out = (struct fat_entry){
        .attr = e[11],
        .cluster = (uint32_t)csm_le16(e + 20) << 16 | csm_le16(e + 26),
        .size = csm_le32(e + 28),
        .time = csm_le16(e + 22),
        .date = csm_le16(e + 24),
    };
}

static uint8_t short_checksum(const unsigned char *name)
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

/* UTF-8 of one code point; non-characters become U+FFFD. */
static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* A directory being read: the long name gathered from the entries before
 * a short entry. */
struct names {
    uint16_t lfn[20 * 13 + 1];
    int expect; /* the sequence number the next long-name entry must have; 0: none pending */
    uint8_t checksum;
    bool complete;
    char name[CSM_FS_NAME_MAX * 3 + 1]; /* the entry's name, UTF-8 */
    char short_name[13];
};

static void lfn_part(struct names *n, const unsigned char *e)
{
    static const int at[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    int seq = e[0] & 0x1f;
    if (e[0] & 0x40) {
        if (seq < 1 || seq > 20) {
            n->expect = 0;
            return;
        }
        memset(n->lfn, 0xff, sizeof(n->lfn));
        n->lfn[seq * 13] = 0;
        n->checksum = e[13];
        n->expect = seq;
        n->complete = false;
    } else if (!n->expect || seq != n->expect || e[13] != n->checksum) {
        n->expect = 0;
        return;
    }
    for (int i = 0; i < 13; i++)
        n->lfn[(seq - 1) * 13 + i] = csm_le16(e + at[i]);
    n->expect = seq - 1;
    n->complete = seq == 1;
}

/* A character of an 8.3 name: lower case when the entry says so (the
 * flags Windows NT sets), '_' for a byte of an OEM code page. */
static char short_char(unsigned char c, bool lower)
{
    if (c >= 0x80)
        return '_';
    return lower && c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
}

/* Makes n->name and n->short_name for the short entry e. */
static void entry_name(struct names *n, const unsigned char *e)
{
    char *o = n->short_name;
    unsigned char raw[11];
    memcpy(raw, e, 11);
    if (raw[0] == 0x05)
        raw[0] = 0xe5; /* a name that starts with 0xE5 is stored as 0x05 */
    int base = 8, ext = 3;
    while (base > 0 && raw[base - 1] == ' ')
        base--;
    while (ext > 0 && raw[8 + ext - 1] == ' ')
        ext--;
    for (int i = 0; i < base; i++)
        *o++ = short_char(raw[i], e[12] & 0x08);
    if (ext)
        *o++ = '.';
    for (int i = 0; i < ext; i++)
        *o++ = short_char(raw[8 + i], e[12] & 0x10);
    *o = '\0';

    bool lfn = n->complete && n->checksum == short_checksum(e);
    n->complete = false;
    n->expect = 0;
    if (!lfn) {
        snprintf(n->name, sizeof(n->name), "%s", n->short_name);
        return;
    }
    size_t len = 0;
    for (int i = 0; i < 20 * 13 && n->lfn[i] && n->lfn[i] != 0xffff && len + 4 < sizeof(n->name); i++) {
        uint32_t c = n->lfn[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < 20 * 13 && n->lfn[i + 1] >= 0xdc00 && n->lfn[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (n->lfn[i + 1] - 0xdc00);
            i++;
        } else if (c >= 0xd800 && c < 0xe000) {
            c = 0xfffd;
        }
        len += put_utf8(n->name + len, c);
    }
    n->name[len] = '\0';
    if (!len)
        snprintf(n->name, sizeof(n->name), "%s", n->short_name);
}

/* A slot that names a file: neither deleted, nor a long-name part, nor the
 * volume label, nor "." or "..". */
static bool names_file(const unsigned char *e)
{
    if (e[0] == 0xe5 || (e[11] & 0x3f) == ATTR_LFN || (e[11] & ATTR_VOLUME))
        return false;
    return e[0] != '.';
}

static int ascii_casecmp(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return 1;
    for (size_t i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return 1;
    }
    return 0;
}

/* ---- nodes ---- */

static int node_entry(struct fat *f, csm_fs_node node, struct fat_entry *fe)
{
    if (node == ROOT_NODE) {
        *fe = (struct fat_entry){ .attr = ATTR_DIR, .cluster = f->bits == 32 ? f->root_cluster : 0 };
        return 0;
    }
    unsigned char e[32];
    if (node % 32 || node < f->root_off || node > f->src->size - 32)
        return -EINVAL;
    int r = read_at(f, e, 32, node);
    if (r < 0)
        return r;
    if (e[0] == 0 || !names_file(e))
        return csm_fs_fail(&f->fs, -ESTALE, "FAT: no directory entry at byte %llu", (unsigned long long)node);
    parse_entry(e, fe);
    return 0;
}

static int64_t dos_time(uint16_t date, uint16_t time)
{
    int y = 1980 + (date >> 9), m = (date >> 5) & 15, d = date & 31;
    if (m < 1 || m > 12 || d < 1)
        return 0;
    /* days from the civil date (Howard Hinnant's algorithm) */
    int yy = y - (m <= 2);
    int era = yy / 400, yoe = yy - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t days = (int64_t)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return days * 86400 + (time >> 11) * 3600 + ((time >> 5) & 63) * 60 + (time & 31) * 2;
}

static void to_stat(csm_fs_node node, const struct fat_entry *fe, struct csm_fs_stat *st)
{
    bool dir = fe->attr & ATTR_DIR;
    *st = (struct csm_fs_stat){
        .node = node,
        .mode = (dir ? S_IFDIR : S_IFREG) | ((fe->attr & ATTR_RO) ? 0555 : 0755),
        .size = dir ? 0 : fe->size,
        .nlink = dir ? 2 : 1,
        .mtime = node == ROOT_NODE ? 0 : dos_time(fe->date, fe->time),
    };
}

static int fat_stat(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st)
{
    struct fat *f = (struct fat *)fs;
    struct fat_entry fe;
    int r = node_entry(f, node, &fe);
    if (r == 0)
        to_stat(node, &fe, st);
    return r;
}

struct find {
    struct names n;
    const char *name;
    size_t len;
    uint64_t found;
};

static int find_slot(struct fat *f, const unsigned char *e, uint64_t off, void *data)
{
    (void)f;
    struct find *q = data;
    if (e[0] != 0xe5 && (e[11] & 0x3f) == ATTR_LFN) {
        lfn_part(&q->n, e);
        return 0;
    }
    if (!names_file(e)) {
        q->n.expect = 0;
        q->n.complete = false;
        return 0;
    }
    entry_name(&q->n, e);
    if (!ascii_casecmp(q->name, q->len, q->n.name) || !ascii_casecmp(q->name, q->len, q->n.short_name)) {
        q->found = off;
        return 1;
    }
    return 0;
}

static int dir_first(struct fat *f, csm_fs_node dir, uint32_t *first)
{
    struct fat_entry fe;
    int r = node_entry(f, dir, &fe);
    if (r < 0)
        return r;
    if (!(fe.attr & ATTR_DIR))
        return -ENOTDIR;
    *first = fe.cluster;
    return 0;
}

static int fat_lookup(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st)
{
    struct fat *f = (struct fat *)fs;
    uint32_t first;
    int r = dir_first(f, dir, &first);
    if (r < 0)
        return r;
    struct find *q = xcalloc(1, sizeof(*q));
    q->name = name;
    q->len = len;
    r = dir_walk(f, dir, first, find_slot, q);
    uint64_t found = q->found;
    free(q);
    if (r < 0)
        return r;
    if (!found)
        return -ENOENT;
    return fat_stat(fs, found, st);
}

struct lister {
    struct names n;
    csm_fs_list_fn fn;
    void *data;
};

static int list_slot(struct fat *f, const unsigned char *e, uint64_t off, void *data)
{
    (void)f;
    struct lister *l = data;
    if (e[0] != 0xe5 && (e[11] & 0x3f) == ATTR_LFN) {
        lfn_part(&l->n, e);
        return 0;
    }
    if (!names_file(e)) {
        l->n.expect = 0;
        l->n.complete = false;
        return 0;
    }
    entry_name(&l->n, e);
    size_t len = strlen(l->n.name);
    if (!len || len > CSM_FS_NAME_MAX || strchr(l->n.name, '/'))
        return 0;
    struct csm_fs_dirent d = { off, (e[11] & ATTR_DIR) ? DT_DIR : DT_REG, (uint16_t)len, l->n.name };
    return l->fn(l->data, &d) ? 1 : 0;
}

static int fat_list(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data)
{
    struct fat *f = (struct fat *)fs;
    uint32_t first;
    int r = dir_first(f, dir, &first);
    if (r < 0)
        return r;
    struct lister *l = xcalloc(1, sizeof(*l));
    l->fn = fn;
    l->data = data;
    r = dir_walk(f, dir, first, list_slot, l);
    free(l);
    return r;
}

static ssize_t fat_readlink(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap)
{
    (void)buf, (void)cap;
    struct csm_fs_stat st;
    int r = fat_stat(fs, node, &st);
    return r < 0 ? r : -EINVAL; /* FAT has no symbolic links */
}

static ssize_t fat_pread(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off)
{
    struct fat *f = (struct fat *)fs;
    struct fat_entry fe;
    int r = node_entry(f, node, &fe);
    if (r < 0)
        return r;
    if (fe.attr & ATTR_DIR)
        return -EISDIR;
    if (off >= fe.size || len == 0)
        return 0;
    if (len > fe.size - off)
        len = (size_t)(fe.size - off);
    uint64_t index = off / f->cluster_size;
    uint32_t c;
    uint64_t at;
    if (f->cur_node == node && f->cur_index <= index && f->cur_cluster) {
        c = f->cur_cluster;
        at = f->cur_index;
    } else {
        c = fe.cluster;
        at = 0;
    }
    if (!valid_cluster(f, c))
        return csm_fs_fail(fs, -EUCLEAN, "FAT: a file of %u bytes starts at cluster %u", fe.size, c);
    size_t done = 0;
    while (done < len) {
        while (at < index) {
            if (at > f->clusters)
                return csm_fs_fail(fs, -EUCLEAN, "FAT: the file's cluster chain loops");
            if ((r = chain_step(f, c, &c)) < 0)
                return r;
            if (!c)
                return csm_fs_fail(fs, -EUCLEAN, "FAT: the file's cluster chain is shorter than its size");
            at++;
        }
        size_t in = (size_t)((off + done) % f->cluster_size);
        size_t n = f->cluster_size - in < len - done ? f->cluster_size - in : len - done;
        if ((r = read_at(f, (char *)buf + done, n, cluster_off(f, c) + in)) < 0)
            return r;
        done += n;
        index++;
    }
    if (off + len == fe.size) {
        /* the chain ends where the size does: a chain that goes on (a
         * loop back into the file) would give other bytes than it holds */
        uint32_t after;
        if ((r = chain_step(f, c, &after)) < 0)
            return r;
        if (after)
            return csm_fs_fail(fs, -EUCLEAN, "FAT: the file's cluster chain goes on past its size (a loop?)");
    }
    f->cur_node = node;
    f->cur_index = at;
    f->cur_cluster = c;
    return (ssize_t)done;
}

static int fat_statfs(struct csm_fsreader *fs, struct csm_fs_statfs *out)
{
    struct fat *f = (struct fat *)fs;
    uint64_t free_clusters = 0;
    if (f->fat_bytes > (64u << 20))
        return csm_fs_fail(fs, -EFBIG, "FAT: the FAT is too large to count its free clusters");
    unsigned char buf[4096];
    uint64_t need =
        f->bits == 12 ? ((uint64_t)f->clusters + 2) * 3 / 2 + 2 : ((uint64_t)f->clusters + 2) * (f->bits / 8);
    if (need > f->fat_bytes)
        need = f->fat_bytes;
    /* FAT12 entries straddle bytes: those go one by one; 16 and 32 in blocks */
    if (f->bits == 12) {
        for (uint32_t c = 2; c < f->clusters + 2; c++) {
            uint32_t v;
            int r = fat_next(f, c, &v);
            if (r < 0)
                return r;
            free_clusters += v == 0;
        }
    } else {
        size_t width = f->bits / 8;
        for (uint64_t off = 0; off < need; off += sizeof(buf)) {
            size_t len = need - off < sizeof(buf) ? (size_t)(need - off) : sizeof(buf);
            int r = read_at(f, buf, len, f->fat_off + off);
            if (r < 0)
                return r;
            for (size_t i = 0; i + width <= len; i += width) {
                uint64_t c = (off + i) / width;
                if (c < 2 || c >= (uint64_t)f->clusters + 2)
                    continue;
                uint32_t v = f->bits == 16 ? csm_le16(buf + i) : csm_le32(buf + i) & 0x0fffffff;
                free_clusters += v == 0;
            }
        }
    }
    *out = (struct csm_fs_statfs){
        .block_size = f->cluster_size,
        .blocks = f->clusters,
        .free_blocks = free_clusters,
        .avail_blocks = free_clusters,
    };
    return 0;
}

static void fat_close(struct csm_fsreader *fs)
{
    free(fs);
}

static const struct csm_fsreader_ops fat_ops = {
    .lookup = fat_lookup,
    .stat = fat_stat,
    .readlink = fat_readlink,
    .pread = fat_pread,
    .list = fat_list,
    .statfs = fat_statfs,
    .close = fat_close,
};

/* ---- opening: the boot sector ---- */

static bool pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

int csm_fs_fat_open(const struct csm_fs_source *src, struct csm_fsreader **out, char **why)
{
    unsigned char b[512];
    if (src->size < 512 || src->read(src->ctx, b, sizeof(b), 0) < 0)
        return csm_fs_open_fail(why, -EIO, "the FAT boot sector cannot be read");
    uint32_t bps = csm_le16(b + 11), spc = b[13], reserved = csm_le16(b + 14), nfats = b[16];
    uint32_t root_entries = csm_le16(b + 17), fat16 = csm_le16(b + 22), fat32 = csm_le32(b + 36);
    uint64_t total = csm_le16(b + 19) ? csm_le16(b + 19) : csm_le32(b + 32);
    uint32_t fat_sectors = fat16 ? fat16 : fat32;
    if (bps < 512 || bps > 4096 || !pow2(bps) || !pow2(spc) || spc > 128 || bps * spc > 65536 || reserved == 0 ||
        nfats < 1 || nfats > 2 || fat_sectors == 0 || total == 0)
        return csm_fs_open_fail(why, -EUCLEAN, "the FAT boot sector's geometry is invalid");
    uint64_t root_sectors = ((uint64_t)root_entries * 32 + bps - 1) / bps;
    uint64_t data_start = reserved + (uint64_t)nfats * fat_sectors + root_sectors;
    if (data_start >= total)
        return csm_fs_open_fail(why, -EUCLEAN, "the FAT boot sector's geometry is invalid (no data area)");
    uint64_t clusters = (total - data_start) / spc;
    /* the type follows from the number of clusters, nothing else */
    unsigned bits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    if (bits == 32 && (fat16 || root_entries || clusters > 0x0ffffff5))
        return csm_fs_open_fail(why, -EUCLEAN, "the FAT32 boot sector is inconsistent");
    if (bits != 32 && (!fat16 || !root_entries))
        return csm_fs_open_fail(why, -EUCLEAN, "the FAT%u boot sector is inconsistent", bits);
    uint64_t fat_bytes = (uint64_t)fat_sectors * bps;
    if (fat_bytes * 8 / bits < clusters + 2)
        return csm_fs_open_fail(why, -EUCLEAN, "the FAT is too small for the volume's clusters");
    if (total * bps > src->size)
        return csm_fs_open_fail(why, -EFBIG,
                                "the filesystem spans %llu bytes but its device has %llu: the image is truncated or "
                                "the partition is too small",
                                (unsigned long long)(total * bps), (unsigned long long)src->size);
    struct fat *f = xcalloc(1, sizeof(*f));
    f->fs.ops = &fat_ops;
    f->fs.root = ROOT_NODE;
    f->src = src;
    f->bits = bits;
    f->bps = bps;
    f->cluster_size = bps * spc;
    f->clusters = (uint32_t)clusters;
    unsigned active = 0;
    if (bits == 32 && (csm_le16(b + 40) & 0x80))
        active = csm_le16(b + 40) & 0xf; /* mirroring off: one FAT is in use */
    if (active >= nfats) {
        free(f);
        return csm_fs_open_fail(why, -EUCLEAN, "the FAT32 boot sector names a FAT it does not have");
    }
    f->fat_off = (uint64_t)reserved * bps + (uint64_t)active * fat_bytes;
    f->fat_bytes = fat_bytes;
    f->root_off = ((uint64_t)reserved + (uint64_t)nfats * fat_sectors) * bps;
    f->root_entries = root_entries;
    f->data_off = data_start * bps;
    if (bits == 32) {
        f->root_cluster = csm_le32(b + 44);
        if (!valid_cluster(f, f->root_cluster)) {
            free(f);
            return csm_fs_open_fail(why, -EUCLEAN, "the FAT32 root directory's cluster is out of range");
        }
    }

    struct csm_fs_info *info = &f->fs.info;
    snprintf(info->type, sizeof(info->type), "vfat");
    info->size = total * bps;
    const unsigned char *ext = bits == 32 ? b + 64 : b + 36; /* the extended boot record */
    if (ext[2] == 0x29) {
        uint32_t serial = csm_le32(ext + 3);
        snprintf(info->uuid, sizeof(info->uuid), "%04X-%04X", serial >> 16, serial & 0xffff);
        char label[12];
        memcpy(label, ext + 7, 11);
        label[11] = '\0';
        for (int i = 10; i >= 0 && label[i] == ' '; i--)
            label[i] = '\0';
        for (char *p = label; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x80)
                *p = '_';
        if (strcmp(label, "NO NAME") != 0)
            snprintf(info->label, sizeof(info->label), "%s", label);
    }
    /* Linux marks a mounted FAT in the boot sector; Windows clears the
     * clean-shutdown bit of the second FAT entry */
    uint32_t fat1 = 0;
    bool dirty = ext[1] & FAT_STATE_DIRTY;
    if (bits != 12 && fat_next(f, 1, &fat1) == 0)
        dirty |= !(fat1 & (bits == 16 ? 0x8000u : 0x08000000u));
    if (dirty) {
        info->state |= CSM_FS_UNCLEAN;
        snprintf(info->state_why, sizeof(info->state_why),
                 "the FAT volume was not cleanly unmounted (its dirty bit is set)");
    }
    f->fs.why[0] = '\0';
    *out = &f->fs;
    return 0;
}
