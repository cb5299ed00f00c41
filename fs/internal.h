/* What the backends of fs/ share. */
#pragma once

#include "fs.h"

/* Each backend's open: the same contract as csm_fs_open. */
int csm_fs_ext_open(const struct csm_fs_source *src, struct csm_fsreader **out, char **why);
int csm_fs_xfs_open(const struct csm_fs_source *src, struct csm_fsreader **out, char **why);
int csm_fs_fat_open(const struct csm_fs_source *src, struct csm_fsreader **out, char **why);

/* Sets fs->why; returns err, so that "return fs_fail(fs, -EIO, ...)" reads. */
int csm_fs_fail(struct csm_fsreader *fs, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets *why (when why is not NULL); returns err. */
int csm_fs_open_fail(char **why, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The superblock guards of the XFS backend, which read what libfsxfs does
 * not check: for the fuzz target and the unit tests. */
struct csm_xfs_super {
    uint32_t block_size, ag_blocks, ag_count, log_blocks;
    uint64_t data_blocks, log_start, root_ino, icount, ifree, free_blocks;
    uint16_t version, sect_size, inode_size;
    uint8_t block_log, inopb_log, agblk_log;
    uint32_t features2, compat, ro_compat, incompat, log_incompat;
    bool crc;
    char uuid[40], label[16];
};
/* Reads and validates the superblock; -EOPNOTSUPP for features libfsxfs
 * does not read right (*why names them), -EUCLEAN for a corrupt one. */
int csm_xfs_read_super(const struct csm_fs_source *src, struct csm_xfs_super *sb, char *why, size_t why_len);
/* Whether the internal log was cleanly unmounted: 0 clean, CSM_FS_DIRTY_LOG,
 * or CSM_FS_STATE_UNKNOWN (external log, no record found), with why. */
uint32_t csm_xfs_log_state(const struct csm_fs_source *src, const struct csm_xfs_super *sb, char *why, size_t why_len);
/* The core of an inode read raw (mode, owner, size, links, flags, mtime). */
int csm_xfs_read_inode(const struct csm_fs_source *src, const struct csm_xfs_super *sb, uint64_t ino,
                       struct csm_fs_stat *st, char *why, size_t why_len);

/* Little- and big-endian fields. */
static inline uint16_t csm_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t csm_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t csm_le64(const unsigned char *p)
{
    return csm_le32(p) | (uint64_t)csm_le32(p + 4) << 32;
}
static inline uint16_t csm_be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t csm_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t csm_be64(const unsigned char *p)
{
    return (uint64_t)csm_be32(p) << 32 | csm_be32(p + 4);
}
