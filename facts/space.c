/* Free space and inodes of / and /boot: live, statvfs of the running
 * system; offline, the counters the filesystem keeps in its superblock, on
 * the partition of --disk that fstab mounts there. A --root tree without a
 * disk has none (its free space would be the host's filesystem's).
 *
 * The counters are two numbers at fixed offsets of ext's and XFS's
 * superblocks, read here directly: libext2fs would read and check every
 * group descriptor for them, and no library reads XFS's. They are as the
 * filesystem last wrote them: a filesystem mounted elsewhere, or not
 * cleanly unmounted, may be behind (said in the evidence). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "facts/internal.h"
#include "lib/util.h"

static uint32_t le32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return le32toh(v);
}

static uint32_t be32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return be32toh(v);
}

static uint64_t be64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64toh(v);
}

/* ext2/3/4: the superblock 1024 bytes in. Free for a user is free less the
 * blocks reserved for root, as statvfs's f_bavail. */
static int ext_counters(const unsigned char *sb, struct csm_fsspace *f)
{
    if (sb[0x38] != 0x53 || sb[0x39] != 0xef || le32(sb + 0x18) > 6)
        return -EINVAL;
    uint64_t bsize = 1024ULL << le32(sb + 0x18);
    bool wide = le32(sb + 0x60) & 0x80; /* INCOMPAT_64BIT: the high halves count */
    uint64_t blocks = le32(sb + 0x04) | (wide ? (uint64_t)le32(sb + 0x150) << 32 : 0);
    uint64_t reserved = le32(sb + 0x08) | (wide ? (uint64_t)le32(sb + 0x154) << 32 : 0);
    uint64_t free = le32(sb + 0x0c) | (wide ? (uint64_t)le32(sb + 0x158) << 32 : 0);
    if (blocks > UINT64_MAX / bsize || free > blocks || le32(sb + 0x10) > le32(sb + 0x00))
        return -EINVAL;
    f->total_bytes = blocks * bsize;
    f->free_bytes = (free > reserved ? free - reserved : 0) * bsize;
    f->total_inodes = le32(sb + 0x00);
    f->free_inodes = le32(sb + 0x10);
    return 0;
}

/* XFS: the superblock at 0, big-endian. Inodes are allocated as needed:
 * no fixed count (total_inodes 0). */
static int xfs_counters(const unsigned char *sb, struct csm_fsspace *f)
{
    uint32_t bsize = be32(sb + 4);
    if (memcmp(sb, "XFSB", 4) != 0 || bsize < 512 || bsize > 65536)
        return -EINVAL;
    uint64_t blocks = be64(sb + 8), free = be64(sb + 144);
    if (blocks > UINT64_MAX / bsize || free > blocks)
        return -EINVAL;
    f->total_bytes = blocks * bsize;
    f->free_bytes = free * bsize;
    f->total_inodes = f->free_inodes = 0;
    return 0;
}

int csm_fs_counters(const char *fstype, const unsigned char *head, size_t n, struct csm_fsspace *f)
{
    if (n < CSM_FS_HEAD)
        return -EIO;
    if (startswith(fstype, "ext"))
        return ext_counters(head + 1024, f);
    if (streq(fstype, "xfs"))
        return xfs_counters(head, f);
    return -EOPNOTSUPP;
}

/* The partition (or the whole disk's filesystem) an fstab entry names. */
static bool names_fs(const struct csm_fstab_entry *e, const char *uuid, const char *label, const char *partuuid,
                     const char *partlabel, const char *device)
{
    const char *v = e->tag_value;
    if (e->tag && v) {
        if (streq(e->tag, "UUID"))
            return uuid && strcasecmp(uuid, v) == 0;
        if (streq(e->tag, "LABEL"))
            return label && streq(label, v);
        if (streq(e->tag, "PARTUUID"))
            return partuuid && strcasecmp(partuuid, v) == 0;
        if (streq(e->tag, "PARTLABEL"))
            return partlabel && streq(partlabel, v);
        return false;
    }
    return device && streq(device, e->source);
}

/* One mount point's counters from --disk: 1 read, 0 not in fstab, -errno
 * with *why set. */
static int disk_counters(struct csm_scan *s, int fd, const struct csm_disk *d, const char *mount,
                         struct csm_fsspace *f, char **why)
{
    const struct csm_fstab *ft = csm_facts_fstab(s);
    const struct csm_fstab_entry *e = ft->err ? NULL : csm_fstab_find(ft, mount);
    if (!e)
        return 0;
    uint64_t at = 0;
    const char *fstype = NULL;
    char *where = NULL;
    if (d->whole_fstype && names_fs(e, d->whole_uuid, NULL, NULL, NULL, NULL)) {
        fstype = d->whole_fstype;
        where = xstrdup("the whole disk");
    }
    for (size_t i = 0; i < d->n_parts && !fstype; i++) {
        const struct csm_partition *p = &d->parts[i];
        if (p->fstype && names_fs(e, p->uuid, p->label, p->partuuid, p->partlabel, p->device)) {
            fstype = p->fstype;
            at = p->start * d->sector_size;
            where = xasprintf("partition %zu", p->partno);
        }
    }
    if (!fstype) {
        *why = xasprintf("%s (%s, %s:%u) is not a filesystem on a partition of %s%s", mount, e->source, ft->path,
                         e->line, d->path, startswith(e->source, "/dev/mapper/") ? ": LVM volumes are not read" : "");
        return -ENOENT;
    }
    unsigned char head[CSM_FS_HEAD];
    ssize_t got = pread(fd, head, sizeof(head), (off_t)at);
    int r = got < 0 ? -errno : csm_fs_counters(fstype, head, (size_t)got, f);
    if (r < 0) {
        *why = r == -EOPNOTSUPP ? xasprintf("%s is %s: only ext2/3/4 and XFS counters are read", mount, fstype)
                                : xasprintf("%s: the %s superblock on %s of %s cannot be read: %s", mount, fstype,
                                            where, d->path, csm_strerror(r));
        free(where);
        return r;
    }
    f->mount = xstrdup(mount);
    f->source = xasprintf("%s superblock, %s of %s (as last written)", fstype, where, d->path);
    free(where);
    return 1;
}

static void offline(struct csm_scan *s, struct csm_space *sp)
{
    const struct csm_disk *d = csm_facts_disk(s);
    if (d->err) {
        FACT_FAIL(sp, -EOPNOTSUPP, "a --root tree's free space would be that of the host's filesystem it is "
                                   "stored on: without --disk, the system's own filesystems are not read");
        return;
    }
    int fd = open(d->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        FACT_FAIL(sp, -errno, "%s: %s", d->path, csm_strerror(-errno));
        return;
    }
    static const char *const mounts[] = { "/", "/boot" };
    for (size_t i = 0; i < ARRAY_SIZE(mounts); i++) {
        char *why = NULL;
        int r = disk_counters(s, fd, d, mounts[i], &sp->fs[sp->n], &why);
        if (r == 0 && i == 0)
            FACT_FAIL(sp, -EOPNOTSUPP, "fstab mounts nothing on /: which filesystem of %s is / is not known",
                      d->path);
        if (r < 0) {
            sp->err = r == -ENOENT || r == -EOPNOTSUPP ? -EOPNOTSUPP : r; /* skip: not read here */
            sp->why = why;
        }
        if (r != 1)
            break;
        sp->n++;
    }
    close(fd);
}

const struct csm_space *csm_facts_space(struct csm_scan *s)
{
    if (s->facts->space)
        return s->facts->space;
    struct csm_space *sp = s->facts->space = xcalloc(1, sizeof(*sp));
    if (!csm_scan_live(s)) {
        offline(s, sp);
        return sp;
    }
    /* live: the tree's own counters (statvfs of the host directory) */
    static const char *const mounts[] = { "/", "/boot" };
    struct csm_node_id root_id = { 0, 0 };
    for (size_t i = 0; i < ARRAY_SIZE(mounts); i++) {
        struct csm_tree_stat st;
        struct csm_tree_statfs v;
        int r = csm_tree_stat(s->root, mounts[i], true, &st);
        if (r == 0)
            r = csm_tree_statfs(s->root, mounts[i], &v);
        if (i == 0 && r < 0) {
            FACT_FAIL(sp, r, "statvfs(/): %s", csm_strerror(r));
            return sp;
        }
        if (i == 0)
            root_id = st.id;
        else if (r < 0 || st.id.fs == root_id.fs) /* /boot is on / */
            break;
        struct csm_fsspace *f = &sp->fs[sp->n++];
        f->mount = xstrdup(mounts[i]);
        f->free_bytes = v.blocks_avail * v.block_size;
        f->total_bytes = v.blocks * v.block_size;
        f->free_inodes = v.files_free;
        f->total_inodes = v.files;
        f->source = xasprintf("statvfs(%s)", mounts[i]);
    }
    return sp;
}

void csm_space_free(struct csm_space *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; i++) {
        free(sp->fs[i].mount);
        free(sp->fs[i].source);
    }
    free(sp->why);
    free(sp);
}
