/* Opening a filesystem by its type, and what every backend shares. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "lib/util.h"

#ifndef CSM_HAVE_XFS
#define CSM_HAVE_XFS 0
#endif

static const char *const ext_types[] = { "ext2", "ext3", "ext4", "ext4dev" };

static bool is_ext(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(ext_types); i++)
        if (streq(type, ext_types[i]))
            return true;
    return false;
}

bool csm_fs_type_supported(const char *type)
{
    return type && (is_ext(type) || streq(type, "vfat") || (CSM_HAVE_XFS && streq(type, "xfs")));
}

const char *csm_fs_probe(const struct csm_fs_source *src)
{
    unsigned char b[2048];
    if (src->size < sizeof(b) || src->read(src->ctx, b, sizeof(b), 0) < 0)
        return NULL;
    if (csm_le16(b + 1024 + 56) == 0xEF53)
        return "ext4"; /* the backend tells ext2, ext3 and ext4 apart by features */
    if (!memcmp(b, "XFSB", 4))
        return "xfs";
    /* FAT: a jump, a sector size that is a power of two, a file system
     * type string where FAT12/16 or FAT32 boot sectors keep one */
    uint16_t bps = csm_le16(b + 11);
    if ((b[0] == 0xEB || b[0] == 0xE9) && bps >= 512 && bps <= 4096 && !(bps & (bps - 1)) &&
        (!memcmp(b + 54, "FAT", 3) || !memcmp(b + 82, "FAT32", 5)))
        return "vfat";
    return NULL;
}

int csm_fs_open(const char *type, const struct csm_fs_source *src, struct csm_fsreader **out, char **why)
{
    *out = NULL;
    if (why)
        *why = NULL;
    if (!type)
        type = csm_fs_probe(src);
    if (!type)
        return csm_fs_open_fail(why, -EPROTONOSUPPORT, "no filesystem this build reads was found");
    if (is_ext(type))
        return csm_fs_ext_open(src, out, why);
    if (streq(type, "vfat"))
        return csm_fs_fat_open(src, out, why);
    if (streq(type, "xfs")) {
        if (!CSM_HAVE_XFS)
            return csm_fs_open_fail(why, -EPROTONOSUPPORT, "XFS cannot be read by this build (built without libfsxfs)");
        return csm_fs_xfs_open(src, out, why);
    }
    if (streq(type, "btrfs") || streq(type, "zfs_member") || streq(type, "bcachefs") || streq(type, "f2fs") ||
        streq(type, "reiserfs") || streq(type, "jfs") || streq(type, "ntfs") || streq(type, "exfat"))
        return csm_fs_open_fail(why, -EPROTONOSUPPORT,
                                "%s cannot be read without mounting it: no library this tool uses reads it", type);
    return csm_fs_open_fail(why, -EPROTONOSUPPORT, "%s is not a filesystem this tool reads", type);
}

void csm_fs_close(struct csm_fsreader *fs)
{
    if (fs)
        fs->ops->close(fs);
}

int csm_fs_lookup(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st)
{
    fs->why[0] = '\0';
    if (len == 0 || len > CSM_FS_NAME_MAX || memchr(name, '/', len) || memchr(name, '\0', len))
        return len > CSM_FS_NAME_MAX ? -ENAMETOOLONG : -EINVAL;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return -EINVAL; /* the resolver's: a filesystem never sees them */
    return fs->ops->lookup(fs, dir, name, len, st);
}

int csm_fs_stat(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st)
{
    fs->why[0] = '\0';
    return fs->ops->stat(fs, node, st);
}

ssize_t csm_fs_readlink(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap)
{
    fs->why[0] = '\0';
    if (cap < 2)
        return -ENAMETOOLONG;
    return fs->ops->readlink(fs, node, buf, cap);
}

ssize_t csm_fs_pread(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off)
{
    fs->why[0] = '\0';
    if (len > SSIZE_MAX)
        len = SSIZE_MAX;
    return fs->ops->pread(fs, node, buf, len, off);
}

int csm_fs_list(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data)
{
    fs->why[0] = '\0';
    return fs->ops->list(fs, dir, fn, data);
}

int csm_fs_statfs(struct csm_fsreader *fs, struct csm_fs_statfs *out)
{
    fs->why[0] = '\0';
    *out = (struct csm_fs_statfs){ 0 };
    return fs->ops->statfs(fs, out);
}

const char *csm_fs_why(const struct csm_fsreader *fs, int err)
{
    return fs && fs->why[0] ? fs->why : csm_strerror(err);
}

int csm_fs_fail(struct csm_fsreader *fs, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->why, sizeof(fs->why), fmt, ap);
    va_end(ap);
    return err;
}

int csm_fs_open_fail(char **why, int err, const char *fmt, ...)
{
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        free(*why);
        *why = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return err;
}
