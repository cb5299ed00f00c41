/* The disk and what is on it: /etc/fstab and /etc/crypttab, LVM, the system
 * disk's partition table, which disk holds each filesystem, what must be
 * exported, LVM's configuration and free space.
 * Part of facts/facts.h, which includes every domain. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "facts/target.h"
#include "lib/lvmconf.h"

/* ---- /etc/fstab (libmount) ---- */
struct csm_fstab_entry {
    unsigned line;
    char *source, *target, *fstype, *options;
    char *tag, *tag_value; /* UUID=..., LABEL=..., also /dev/disk/by-uuid/... */
    bool swap, net, pseudo, bind, nofail, noauto, netdev;
};

struct csm_fstab {
    int err;
    char *why;
    const char *path;
    struct csm_fstab_entry *e;
    size_t n;
    unsigned *bad_lines;
    char **bad_text; /* the text of each bad line, cut at 200 bytes */
    size_t n_bad;
    bool unconfigured; /* debootstrap's "# UNCONFIGURED FSTAB FOR BASE SYSTEM" placeholder */
};
const struct csm_fstab *csm_facts_fstab(struct csm_scan *s);
/* The entry for a mount point, or NULL. */
const struct csm_fstab_entry *csm_fstab_find(const struct csm_fstab *f, const char *target);

/* ---- /etc/crypttab (crypttab(5)): the encrypted volumes opened at boot ----
 * systemd-cryptsetup-generator makes a unit for each entry, and boot waits
 * for its device unless the entry has nofail or noauto. */
struct csm_crypttab_entry {
    unsigned line;
    char *name, *device, *keyfile, *options; /* keyfile and options "" when absent */
    char *tag, *tag_value; /* UUID=, PARTUUID=, LABEL=, PARTLABEL= (also /dev/disk/by-uuid/...); NULL */
    bool nofail, noauto;
};
struct csm_crypttab {
    int err; /* -ENOENT: there is none */
    char *why;
    const char *path;
    struct csm_crypttab_entry *e;
    size_t n;
    unsigned *bad_lines; /* lines of fewer than two fields */
    size_t n_bad;
};
const struct csm_crypttab *csm_facts_crypttab(struct csm_scan *s);

/* ---- LVM2 metadata of a physical volume, read offline (facts/lvm.c) ---- */
struct csm_lvm_lv {
    char *name;
    char **pvs; /* UUIDs (without dashes) of the PVs its segments use */
};

struct csm_lvm_pv {
    char *pv_uuid; /* this PV, without dashes */
    char *vg;
    char **vg_pvs;     /* every PV of the volume group, without dashes */
    char **pv_devices; /* the device each had when the metadata was written */
    struct csm_lvm_lv *lvs;
    size_t n_lvs;
};

/* NULL when the range holds no readable LVM2 label and metadata. */
struct csm_lvm_pv *csm_lvm_pv_read(int fd, uint64_t offset, uint64_t size);
void csm_lvm_pv_free(struct csm_lvm_pv *pv);
const struct csm_lvm_lv *csm_lvm_find_lv(const struct csm_lvm_pv *pv, const char *lv);
/* "/dev/mapper/vg--a-root" -> ("vg-a", "root"); "/dev/vg/root" -> ("vg", "root"). */
bool csm_lvm_split_name(const char *source, char **vg, char **lv);

/* ---- the system disk, read with libfdisk and libblkid ---- */
struct csm_partition {
    size_t partno; /* 1-based */
    char *device;  /* /dev/sda1 for a block device, NULL for an image file */
    uint64_t start, end, size; /* sectors */
    char *type;      /* "Linux", "EFI System" */
    char *type_code; /* "0x83" or a GPT type GUID */
    char *partuuid, *partlabel;
    char *fstype, *uuid, *label; /* the filesystem inside, from libblkid */
    bool esp, bios_boot, lvm, container, bootable;
    struct csm_lvm_pv *lvm_pv; /* an LVM physical volume's metadata, or NULL */
};

/* Where a disk's bytes come from when it is not a plain file or device:
 * an image format fills a sparse copy on demand. prefetch() is called with
 * a partition's byte range before libblkid probes it. */
struct csm_disk_source {
    void (*prefetch)(void *data, uint64_t offset, uint64_t size);
    void *data;
};

struct csm_disk {
    int err;
    char *why;
    char *path;
    bool is_file;
    uint64_t size; /* bytes */
    unsigned long sector_size;
    uint64_t nsectors;
    char *label; /* "dos", "gpt"; NULL when the disk has none */
    char *disk_id;
    bool boot_code;      /* MBR bytes 0..439 not all zero */
    bool mbr_signature;  /* 0x55AA at 510 */
    char *whole_fstype;  /* a filesystem on the whole disk, no label */
    char *whole_uuid;
    struct csm_partition *parts;
    size_t n_parts;
    const struct csm_disk_source *src; /* during the probe only */
};
/* The system disk: --disk in root mode, the disk under / in live mode, the
 * guest disk in image mode. */
const struct csm_disk *csm_facts_disk(struct csm_scan *s);
/* Probes any disk (used by the above and by tests); never fails, err set. */
struct csm_disk *csm_disk_probe(const char *path);
/* The same on an open descriptor; src may be NULL. */
struct csm_disk *csm_disk_probe_fd(int fd, const char *name, const struct csm_disk_source *src);
void csm_disk_free(struct csm_disk *d);
const struct csm_partition *csm_disk_find_tag(const struct csm_disk *d, const char *tag, const char *value);
const struct csm_partition *csm_disk_partition(const struct csm_disk *d, size_t partno);

/* ---- what holds each filesystem, on which disk ---- */
enum csm_where {
    CSM_WHERE_SYSTEM,  /* on the system disk */
    CSM_WHERE_OTHER,   /* on another disk */
    CSM_WHERE_MISSING, /* names a device that does not exist (live) */
    CSM_WHERE_UNKNOWN, /* cannot be told (why says why) */
    CSM_WHERE_REMOVABLE, /* an optical or removable drive, noauto: mounted by hand, not at boot */
};

struct csm_extent {
    char *disk;    /* "sda" live; the --disk path in root mode */
    size_t partno; /* 0: the whole disk */
    char *device;  /* /dev/sda2, or NULL */
};

struct csm_volume {
    const struct csm_fstab_entry *fstab; /* NULL: mounted, not in fstab (live) */
    char *mountpoint; /* "swap" for swap */
    char *source;     /* as written */
    char *fstype;
    char *device;  /* what the source resolved to, when known */
    char *fs_uuid; /* UUID of the filesystem, when known */
    struct csm_extent *ext;
    size_t n_ext;
    enum csm_where where;
    char *why;
};

struct csm_storage {
    int err;
    char *why;
    char **system_disks; /* the disks under / and /boot */
    char *disk_path;     /* the system disk to export: /dev/sda, or --disk */
    struct csm_volume *v;
    size_t n;
};
const struct csm_storage *csm_facts_storage(struct csm_scan *s);
const struct csm_volume *csm_storage_find(const struct csm_storage *st, const char *mountpoint);
const char *csm_where_name(enum csm_where w);
/* Live only: 1 when a device path or tag ("UUID=...") names a block device
 * of this system, 0 when not, -EOPNOTSUPP offline. */
int csm_facts_device_exists(struct csm_scan *s, const char *spec);
/* "/dev/nvme0n1p2" -> ("nvme0n1", 2); "/dev/sda" -> ("sda", 0). False for
 * names that are not kernel disk or partition names. */
bool csm_split_device(const char *path, char **disk, size_t *partno);

/* ---- what must be exported (seed 004 §7): MBR + the partitions the
 * system needs, up to the last sector of the last one ---- */
struct csm_export_part {
    const struct csm_partition *part;
    char *why; /* "holds /", "swap in /etc/fstab" */
    const char *mount; /* "/", "swap": the mount point that needs it */
};

struct csm_export {
    int err;
    char *why;
    const struct csm_disk *disk;
    struct csm_export_part *parts;
    size_t n;
    bool whole;           /* the whole disk must be copied */
    char *whole_why;      /* why it must */
    uint64_t last_sector; /* inclusive */
    uint64_t copy_bytes;  /* bytes from sector 0 through last_sector */
    uint64_t min_target_bytes;
    char **left_out;      /* partitions past the copied span */
};
const struct csm_export *csm_facts_export(struct csm_scan *s);

/* ---- LVM's configuration of the tree (facts/lvmcfg.c) ---- */
struct csm_lvmcfg {
    char **errors;                /* files that exist but cannot be read, syntax errors */
    struct csm_lvmconf conf;      /* /etc/lvm/lvm.conf */
    struct csm_lvmconf local;     /* /etc/lvm/lvmlocal.conf, which overrides it */
    bool has_conf, has_local;
    const struct csm_lvm_setting *filter, *global_filter; /* the ones in force, or NULL */
    const char *filter_file, *global_filter_file;
    int use_devicesfile;          /* 1 or 0 */
    char *use_source;             /* "/etc/lvm/lvm.conf:120", or why it is the default */
    char *devices_path;           /* /etc/lvm/devices/system.devices */
    bool has_devices;
    struct csm_lvm_devices devices;
    char *uses_lvm;               /* what says the system is on LVM ("/etc/fstab:3 /dev/mapper/vg-root"), NULL when nothing */
    const char *names[2];         /* where conf and local come from: "/etc/lvm/lvm.conf", or the initramfs's copy */
    char *own[2];                 /* names[] when allocated */
    struct csm_lvmcfg *initramfs; /* the same from the default kernel's initramfs, NULL when it has no copy */
    char *initramfs_why;          /* the initramfs could not be read */
};
const struct csm_lvmcfg *csm_facts_lvmcfg(struct csm_scan *s);

/* ---- free space of / and /boot (facts/space.c) ---- */
struct csm_fsspace {
    char *mount;   /* "/", "/boot" */
    uint64_t free_bytes, total_bytes; /* free: what an unprivileged user may use (statvfs f_bavail) */
    uint64_t free_inodes, total_inodes; /* total 0: the filesystem has no fixed inode count (btrfs) */
    char *source;  /* "statvfs(/boot)" */
};
struct csm_space {
    int err;       /* -EOPNOTSUPP: no counters for this target (a --root scan without its filesystems) */
    char *why;
    struct csm_fsspace fs[2];
    size_t n;
};
const struct csm_space *csm_facts_space(struct csm_scan *s);
