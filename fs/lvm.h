/* LVM2 read offline: a physical volume's label, header and metadata (with
 * their CRCs checked), the volume group the metadata describes (its PVs,
 * its LVs and their segments), and a linear LV as a block source over the
 * bytes of its PVs, so that the filesystem on it can be opened without
 * device-mapper. There is no library that reads LVM metadata from a file
 * (liblvm2app is gone; liblvm2cmd scans the host's devices), so the few
 * structures are read here, by their on-disk layout (lvm2's
 * format_text/layout.h):
 *
 *   label (one of sectors 0-3): "LABELONE", its sector, a CRC of the rest
 *                of the sector, the offset of the PV header, "LVM2 001"
 *   PV header: the PV's UUID (32 characters), the device size, then lists
 *              of data areas and metadata areas {offset, size}, each ended
 *              by a zero pair
 *   metadata area header: a CRC, magic " LVM2 x[5A%r0N*>", version 1,
 *              start, size, then raw locations {offset, size, CRC, flags}:
 *              the first names the current metadata text in the circular
 *              buffer (which may wrap around its end)
 *   metadata text: vg { seqno = N extent_size = S physical_volumes { pv0
 *              { id = ".." pe_start = P pe_count = C } } logical_volumes {
 *              lv { segment1 { start_extent = 0 extent_count = N type =
 *              "striped" stripe_count = 1 stripes = ["pv0", 0] } } } }
 *
 * The CRC is lvm2's calc_crc(): the reflected CRC-32 of zlib's table
 * without the pre- and post-inversion, from 0xf597a6cf. Everything read
 * is bounds-checked and capped: the input may be hostile. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs.h"

#define CSM_LVM_SECTOR 512ull
#define CSM_LVM_METADATA_MAX (1u << 20) /* bytes of metadata text */

struct csm_lvm_segment {
    uint64_t start_extent, extent_count;
    char *type; /* "striped" (linear when one stripe), "thin", "raid1", "mirror", ... */
    uint32_t stripe_count;
    char *pv;           /* the first stripe's PV key ("pv0"), or NULL */
    uint64_t pv_extent; /* where it starts on that PV, in extents */
};

struct csm_lvm_volume {
    char *name;
    char *id;     /* without dashes */
    bool visible; /* not a sub-LV of a pool, mirror or RAID */
    struct csm_lvm_segment *segments;
    size_t n_segments;
    char **refs; /* every name its segments use: PV keys and sub-LVs */
};

struct csm_lvm_vg_pv {
    char *key;         /* "pv0" */
    char *id;          /* the PV's UUID without dashes */
    char *device;      /* the device name when the metadata was written, or "" */
    uint64_t pe_start; /* sectors: where the first extent starts */
    uint64_t pe_count;
};

struct csm_lvm_vg {
    char *name;
    char *id;
    uint64_t seqno;
    uint64_t extent_size; /* sectors */
    struct csm_lvm_vg_pv *pvs;
    size_t n_pvs;
    struct csm_lvm_volume *lvs;
    size_t n_lvs;
};

struct csm_lvm_label {
    char pv_uuid[33]; /* without dashes */
    uint64_t device_size;
    uint64_t data_offset; /* bytes: the first data area, 0 when none is listed */
    unsigned n_mdas;
};

/* lvm2's CRC of len bytes of buf, continuing from crc (0xf597a6cf to start). */
#define CSM_LVM_INITIAL_CRC 0xf597a6cfu
uint32_t csm_lvm_crc(uint32_t crc, const void *buf, size_t len);

/* Reads the PV on src: its label, and the volume group of its newest
 * metadata copy (the highest seqno of its metadata areas). -ENOENT: no
 * LVM2 label; -ENODATA: a PV without a metadata area (label is filled);
 * -EBADMSG: a checksum or a field is wrong, or the text does not parse
 * (*why says which). */
int csm_lvm_read(const struct csm_fs_source *src, struct csm_lvm_label *label, struct csm_lvm_vg **vg, char **why);
/* Parses metadata text (len bytes, or up to a NUL). */
int csm_lvm_parse(const char *text, size_t len, struct csm_lvm_vg **vg, char **why);
void csm_lvm_vg_free(struct csm_lvm_vg *vg);

const struct csm_lvm_volume *csm_lvm_vg_volume(const struct csm_lvm_vg *vg, const char *name);
/* The index of the PV with this key ("pv0") or UUID, -1 when none. */
ssize_t csm_lvm_vg_pv(const struct csm_lvm_vg *vg, const char *key_or_id);
/* The size of a volume in bytes (its extents). */
uint64_t csm_lvm_volume_size(const struct csm_lvm_vg *vg, const struct csm_lvm_volume *lv);

/* A linear LV as a source: every segment must be "striped" with one
 * stripe on a PV of the group, the segments contiguous from extent 0, and
 * each inside its PV. pvs[i] is the source of vg->pvs[i] (its whole
 * partition), NULL when that PV is not on this disk; they must outlive
 * the result. -EOPNOTSUPP for another kind of volume (thin, RAID,
 * mirror, cache, VDO, striped over several PVs), -ENXIO when a PV it
 * uses is missing, -EBADMSG when the segments are inconsistent; *why
 * says which, in words. */
int csm_lvm_map(const struct csm_lvm_vg *vg, const char *lv, const struct csm_fs_source *const *pvs,
                struct csm_fs_source *out, char **why);
