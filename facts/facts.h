/* Everything the checks know about the scanned system. Each getter gathers
 * its fact on first use and returns the same object afterwards; it never
 * returns NULL. A fact that could not be gathered has err < 0 and why set,
 * and a check that needs it reports error (or skip) with that reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "scan.h"

/* Size caps for the files of a scanned tree: a hostile or broken file is
 * refused, not read into memory whole. */
#define CSM_CAP_CONFIG (1024 * 1024)     /* fstab, os-release, grub defaults */
#define CSM_CAP_BOOTCFG (8 * 1024 * 1024) /* grub.cfg */
#define CSM_CAP_ACCOUNTS (16 * 1024 * 1024)

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
    size_t n_bad;
};
const struct csm_fstab *csm_facts_fstab(struct csm_scan *s);
/* The entry for a mount point, or NULL. */
const struct csm_fstab_entry *csm_fstab_find(const struct csm_fstab *f, const char *target);

/* ---- os-release ---- */
enum csm_family {
    CSM_FAMILY_UNKNOWN,
    CSM_FAMILY_DEBIAN, /* Debian, Ubuntu, ... */
    CSM_FAMILY_RHEL,   /* RHEL, CentOS, Rocky, Alma, Fedora, Oracle, Amazon */
    CSM_FAMILY_SUSE,
};

struct csm_osrel {
    int err;
    char *why;
    char *path;
    struct csm_kvs kv;
    const char *id, *id_like, *name, *version_id, *pretty;
    enum csm_family family;
};
const struct csm_osrel *csm_facts_osrel(struct csm_scan *s);
const char *csm_family_name(enum csm_family f);

/* ---- the host's identity (hostname, machine-id) ---- */
struct csm_identity {
    char *hostname;   /* never NULL; "unknown" when not found */
    char *machine_id; /* NULL when not found */
};
const struct csm_identity *csm_facts_identity(struct csm_scan *s);

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

/* ---- what must be exported (seed 004 §7): MBR + the partitions the
 * system needs, up to the last sector of the last one ---- */
struct csm_export_part {
    const struct csm_partition *part;
    char *why; /* "holds /", "swap in /etc/fstab" */
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

/* ---- boot loader configuration ---- */
struct csm_boot_entry {
    char *source; /* "/boot/grub/grub.cfg:120" */
    char *title;
    char *kernel;
    char *initrd;
    char **args; /* the kernel command line, word by word */
};

struct csm_bootcfg {
    char **files;   /* every configuration file that was read */
    char **errors;  /* files that exist but could not be read, with why */
    struct csm_boot_entry *e;
    size_t n;
    struct csm_kvs defaults; /* /etc/default/grub */
    struct csm_kvs grubenv;
    bool has_defaults;
};
const struct csm_bootcfg *csm_facts_bootcfg(struct csm_scan *s);
/* The value of the last "name=" argument, or NULL. */
const char *csm_boot_arg(char *const *args, const char *name);

/* ---- /etc/shadow, as a file ---- */
struct csm_shadow {
    int err; /* could not be examined at all */
    char *why;
    bool is_symlink;
    char *link_target;
    bool is_regular;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    char *owner, *group; /* names from the tree's own passwd/group */
    int attr_err;        /* FS_IOC_GETFLAGS failure, 0 when flags are known */
    bool immutable, append_only;
    int read_err;        /* could not be read (not root, ...) */
    unsigned n_entries;
    unsigned bad_line;   /* first malformed line, 0 if none */
    unsigned root_line;  /* line of the root entry, 0 if none */
    char *root_pw_kind;  /* "hash (yescrypt)", "locked", "empty", ... never the hash */
    bool readonly_fs;    /* live: the filesystem is mounted read-only */
};
const struct csm_shadow *csm_facts_shadow(struct csm_scan *s);

/* ---- installed packages (dpkg status; RPM systems: none readable) ---- */
struct csm_package {
    char *name, *version;
};

struct csm_packages {
    int err; /* no readable database: callers fall back to files */
    char *why;
    const char *db; /* the file read */
    struct csm_package *p;
    size_t n;
};
const struct csm_packages *csm_facts_packages(struct csm_scan *s);
/* The installed version, or NULL. */
const char *csm_package_version(const struct csm_packages *pk, const char *name);

/* ---- firmware (live) and EFI traces in the tree ---- */
struct csm_efi {
    int live_booted;  /* live: 1 /sys/firmware/efi exists, 0 not; -1 not known */
    char **efi_signs;  /* what points at EFI boot */
    char **bios_signs; /* what points at BIOS boot */
};
const struct csm_efi *csm_facts_efi(struct csm_scan *s);

/* ---- an image file (--image): its format, and its guest disk read by
 * libfdisk and libblkid through image/guest.h ---- */
struct csm_image;
struct csm_image_info;

/* What the image adds to each partition of its guest disk. */
struct csm_image_part {
    char *last_mounted; /* ext2/3/4: the directory it was last mounted on */
    const char *use;    /* "/", "/boot", "swap", "EFI", "LVM" or NULL */
    char *use_why;      /* how that was told: "last mounted on /", "label root" */
    bool past_end;      /* the partition ends past the end of the disk */
};

struct csm_image_facts {
    int err; /* the file cannot be opened at all (an operational error) */
    char *why;
    const char *path;
    struct csm_image *img;
    const struct csm_image_info *info;
    struct csm_disk *disk; /* NULL when the guest disk could not be read */
    char *disk_why;
    struct csm_image_part *parts; /* parallel to disk->parts */
    char **read_errors;           /* guest ranges that could not be read */
    uint64_t fetched;             /* guest bytes read for the probe */
    bool blank;                   /* the first MiB of the guest holds only zeros */
    int root, boot, lvm;          /* indexes into disk->parts, -1: none */
};
const struct csm_image_facts *csm_facts_image(struct csm_scan *s);

struct csm_facts *csm_facts_new(void);
void csm_facts_free(struct csm_facts *f);
