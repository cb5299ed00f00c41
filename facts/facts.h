/* Everything the checks know about the scanned system. Each getter gathers
 * its fact on first use and returns the same object afterwards; it never
 * returns NULL. A fact that could not be gathered has err < 0 and why set,
 * and a check that needs it reports error (or skip) with that reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts/target.h"
#include "lib/dracutconf.h"
#include "lib/firewall.h"
#include "lib/kv.h"
#include "lib/lvmconf.h"
#include "lib/sshdconf.h"
#include "tree/tree.h"

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
    char **errors;    /* /etc/hostname or /etc/machine-id exist but were not read: why */
};
const struct csm_identity *csm_facts_identity(struct csm_scan *s);

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

/* ---- boot loader configuration ---- */

/* Where a grub menu entry sits: one item per level, submenus first.
 * grub's "default" names an entry by these ("1>2", an id or a title). */
struct csm_menu_item {
    unsigned index; /* 0-based among the menu items of its level */
    char *title;
    char *id; /* --id / $menuentry_id_option; BLS: the file name without .conf */
};

struct csm_boot_entry {
    char *source; /* "/boot/grub/grub.cfg:120" */
    char *file;   /* the configuration file ("/boot/grub/grub.cfg") */
    char *title;
    char *kernel;
    char *initrd;
    char **args; /* the kernel command line, word by word */
    struct csm_menu_item *menu; /* grub and legacy entries; NULL for BLS */
    size_t menu_depth;
    char *bls_id; /* BLS entries: the file name without .conf */
};

/* A "set default=..." (grub 2) or "default N" (legacy) of a grub file:
 * the last one that does not name the one-shot next_entry. */
struct csm_boot_default {
    char *file;
    char *value;  /* as written, unquoted: "0", "${saved_entry}", "1>2" */
    char *source; /* file:line */
};

struct csm_bootcfg {
    char **files;   /* every configuration file that was read */
    char **errors;  /* files that exist but could not be read, with why */
    struct csm_boot_entry *e;
    size_t n;
    struct csm_kvs defaults; /* /etc/default/grub */
    struct csm_kvs grubenv;
    bool has_defaults;
    struct csm_boot_default *dflt; /* one per grub file that sets one */
    size_t n_dflt;
    char *blscfg_file;    /* the grub.cfg whose menu includes the BLS entries (blscfg), or NULL */
    unsigned blscfg_at;   /* menu index at which they start */
    char *loader_default; /* /boot/loader/loader.conf "default" (systemd-boot), or NULL */
    char *loader_default_source;
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

/* ---- installed packages: dpkg's status file, or the RPM database read
 * by librpm from a private copy (facts/rpmdb.h) ---- */
struct csm_package {
    char *name;
    char *version;  /* as the package manager writes it: dpkg "1:3.2.7-1", rpm "[E:]V-R" */
    char *upstream; /* the software's own version: dpkg without epoch and revision, rpm's VERSION */
    unsigned line;  /* dpkg: where its stanza starts; rpm: its header number */
};

enum csm_pkg_kind { CSM_PKG_DPKG, CSM_PKG_RPM };

struct csm_packages {
    int err; /* no readable database: callers fall back to files */
    char *why;
    enum csm_pkg_kind kind;
    char *db;       /* the file read, in the tree */
    char **notes;   /* other databases found and not read; headers librpm skipped */
    struct csm_package *p;
    size_t n;
};
const struct csm_packages *csm_facts_packages(struct csm_scan *s);
/* The installed version, or NULL. */
const char *csm_package_version(const struct csm_packages *pk, const char *name);
/* The installed package, or NULL (the newest, when several are installed). */
const struct csm_package *csm_package_find(const struct csm_packages *pk, const char *name);
/* Where a package's entry is, for the evidence: "/var/lib/dpkg/status:12",
 * "/var/lib/rpm/rpmdb.sqlite #12". */
char *csm_package_source(const struct csm_packages *pk, const struct csm_package *p);
/* Does the package's upstream version reach min (in its package manager's order)? */
bool csm_package_at_least(const struct csm_packages *pk, const struct csm_package *p, const char *min);

/* ---- firmware (live) and EFI traces in the tree ---- */
struct csm_efi {
    int live_booted;  /* live: 1 /sys/firmware/efi exists, 0 not; -1 not known */
    char **efi_signs;  /* what points at EFI boot */
    char **bios_signs; /* what points at BIOS boot */
    char **errors;     /* places of EFI traces that could not be looked at */
};
const struct csm_efi *csm_facts_efi(struct csm_scan *s);

/* ---- installed kernels, and the one that boots by default ----
 * Versions come from /lib/modules/<ver>, /usr/lib/modules/<ver>,
 * /boot/vmlinuz-<ver> and the /vmlinuz, /boot/vmlinuz links; the default
 * from the boot loader (grub.cfg "set default", grubenv saved_entry,
 * BLS entries, loader.conf), never from the host. */
#define CSM_CAP_KERNEL_CONFIG (8 * 1024 * 1024)   /* /boot/config-<ver> */
#define CSM_CAP_MODULES_INDEX (64 * 1024 * 1024)  /* modules.dep.bin, modules.builtin */

struct csm_kernel {
    char *version;
    char *image;  /* /boot/vmlinuz-<ver>, NULL when absent */
    char *moddir; /* /lib/modules/<ver> or /usr/lib/modules/<ver>, NULL when absent */
    char *config; /* /boot/config-<ver>, NULL when absent */
    char *initrd; /* its initramfs (initrd.img-<ver>, initramfs-<ver>.img, initrd-<ver>), NULL when none */
    char **seen;  /* where the version was found, for evidence */
    /* Set when the one above is NULL because it could not be looked at
     * ("/lib/modules/<ver>: Permission denied"), not because it is absent. */
    char *moddir_why, *config_why, *initrd_why;
};

enum csm_default_how {
    CSM_DEFAULT_NONE,    /* no kernel is installed */
    CSM_DEFAULT_BOOTCFG, /* the boot loader's default entry */
    CSM_DEFAULT_LINK,    /* /vmlinuz (or /boot/vmlinuz) points at it */
    CSM_DEFAULT_ONLY,    /* the only kernel installed */
    CSM_DEFAULT_NEWEST,  /* assumed: the newest of several */
};

struct csm_kernels {
    int err;
    char *why;
    char **errors; /* directories and files that could not be looked at: more kernels may be installed */
    struct csm_kernel *k; /* newest first */
    size_t n;
    const struct csm_kernel *def; /* the kernel that boots by default; NULL when none is installed
                                     or the default entry names one that is not */
    enum csm_default_how how;
    char *def_version; /* the version the boot loader names, even when not installed */
    char *def_source;  /* file:line of the entry, or the link */
    char **trail;      /* how the default was found, step by step ("set default=0 (file:line)") */
    char *def_problem; /* why the boot loader's default could not be used; NULL when it was */
    char *running;     /* live mode: the running kernel's release; NULL in root mode */
};
const struct csm_kernels *csm_facts_kernels(struct csm_scan *s);
const struct csm_kernel *csm_kernels_find(const struct csm_kernels *ks, const char *version);
/* The version in a kernel image name ("/boot/vmlinuz-6.1.0-13-amd64"), or NULL. */
char *csm_kernel_version_of(const char *image_path);

/* ---- kernel modules of one installed kernel ----
 * Built in: modules.builtin, or CONFIG_...=y in /boot/config-<ver>.
 * A module: modules.dep.bin read through libkmod, and the file itself in
 * the tree. libkmod is given a private copy of the index (read from the
 * tree with csm_tree_*, so no symlink of the tree leads it elsewhere), an
 * empty configuration list, and runs in a child confined to that copy:
 * it never sees the host's uname, /etc/modprobe.d or /lib/modules. */
enum csm_mod_state {
    CSM_MOD_UNKNOWN, /* neither modules.dep nor the kernel config can tell */
    CSM_MOD_ABSENT,  /* not built in, not a module of this kernel */
    CSM_MOD_BUILTIN,
    CSM_MOD_MODULE, /* a module whose file is in the tree */
    CSM_MOD_NOFILE, /* listed in modules.dep or =m in the config, but no file in the tree */
};

struct csm_modinfo {
    const char *name;  /* as asked (borrowed from the caller) */
    enum csm_mod_state state;
    char *path;        /* the module file in the tree, MODULE and NOFILE */
    char **deps;       /* modules it needs before it loads (modules.dep, transitive), by name */
    char *source;      /* evidence: "modules.builtin:12", "/boot/config-<ver>:4120 CONFIG_VIRTIO_BLK=m" */
    char *note;        /* why UNKNOWN, or a remark */
};
/* Fills *out (freed with csm_modinfo_clear). Returns 0, or -errno when
 * nothing about the kernel's modules can be read (out->note says why). */
int csm_kernel_module(struct csm_scan *s, const struct csm_kernel *k, const char *name, struct csm_modinfo *out);
void csm_modinfo_clear(struct csm_modinfo *m);
const char *csm_mod_state_name(enum csm_mod_state st);
/* Module names compare with '-' and '_' alike; a copy with '_' only. */
char *csm_module_name(const char *name_or_path);
/* Is this file name a kernel module (.ko, .ko.xz, .ko.zst, .ko.gz)? */
bool csm_is_module_file(const char *path);

/* ---- the initramfs of one kernel: which kernel modules it holds ----
 * Read as a stream with libarchive (an uncompressed early cpio, then a
 * gzip/xz/zstd/lz4/bzip2/lzma or plain cpio), never held in memory, capped
 * in bytes, entries and time. One pass per initramfs for the whole scan,
 * shared by every check:
 *
 *   const struct csm_initramfs *ir = csm_facts_initramfs(s, k, names, false);
 *   switch (csm_initramfs_has(ir, "vboxguest", &path)) {
 *   case 1:  inside, at path
 *   case 0:  not inside: the archive was read to the end
 *   default: not known (ir->err set, or the read stopped early)
 *   }
 *
 * The read stops as soon as every name of `names` has been seen; a check
 * that must prove absence passes complete=true (or names=NULL), and the
 * read resumes where an earlier call stopped. Every .ko seen on the way is
 * recorded, so later questions are often answered without reading. */
#define CSM_CAP_INITRAMFS_BYTES (1024ULL * 1024 * 1024) /* uncompressed */
#define CSM_CAP_INITRAMFS_ENTRIES 1000000
#define CSM_CAP_INITRAMFS_SECONDS 60

struct csm_initramfs {
    int err;   /* -ENOENT: the kernel has no initramfs; others: it cannot be read */
    char *why;
    const char *path;  /* in the tree */
    char **segments;   /* "cpio", "gzip cpio": each archive of the file */
    char **modules;    /* module names seen (normalised) */
    char **mod_paths;  /* parallel to modules: the member's path */
    size_t n_modules;
    uint64_t entries;
    uint64_t bytes;    /* uncompressed bytes read */
    bool complete;     /* read to the end: a module not listed is not inside */
    struct csm_irscan *scan; /* the open stream while incomplete */
    char **kept_paths, **kept_texts; /* the configuration files csm_initramfs_kept names, as found */
};
const struct csm_initramfs *csm_facts_initramfs(struct csm_scan *s, const struct csm_kernel *k, char *const *names,
                                                bool complete);
/* 1 inside (*path set when path is not NULL), 0 proven absent, -ENODATA not known. */
int csm_initramfs_has(const struct csm_initramfs *ir, const char *module, const char **path);

/* The stream reader behind it, on any open file (tests, fuzzing, bench).
 * next() returns 0 with the member's path, 1 at the end, -errno on error
 * with a message in *why (owned by the reader). new() reads in this
 * process; confined() in a child process under a limit of memory (1 GiB of
 * address space) and CPU time, which bounds what libarchive and its
 * decoders may allocate for a hostile file. */
struct csm_irscan;
/* Both take f over: it is closed with the scan, or on an error. */
int csm_irscan_new(struct csm_file *f, struct csm_irscan **out);
int csm_irscan_confined(struct csm_file *f, struct csm_irscan **out);
int csm_irscan_next(struct csm_irscan *sc, const char **member, const char **why);
const char *csm_irscan_segment(const struct csm_irscan *sc); /* of the current archive */
uint64_t csm_irscan_bytes(const struct csm_irscan *sc);
uint64_t csm_irscan_entries(const struct csm_irscan *sc);
/* The text of the current member when csm_initramfs_kept names it (up to
 * CSM_IR_KEPT_MAX bytes): 0, -ENODATA for another member, -EBADMSG when
 * it cannot be read. The text is the reader's until the next member. */
#define CSM_IR_KEPT_MAX (60 * 1024)
int csm_irscan_data(struct csm_irscan *sc, const char **data, size_t *len);
/* The members whose text is kept: LVM's configuration, compared with the tree's. */
bool csm_initramfs_kept(const char *member);
void csm_irscan_free(struct csm_irscan *sc);

/* ---- programs and systemd units in the tree (facts/software.c) ---- */
/* The path of a program in the tree's bin and sbin directories, or NULL;
 * then what could not be looked at ("path: why") is added to *errors
 * (errors may be NULL): absent is not the same as unreadable. */
char *csm_facts_program(struct csm_scan *s, const char *name, char ***errors);
/* The path of a unit file in /etc, /usr/lib or /lib systemd/system, or NULL. */
char *csm_facts_unit_file(struct csm_scan *s, const char *unit, char ***errors);

struct csm_unit_link {
    char *unit;
    char *path; /* /etc/systemd/system/multi-user.target.wants/cloud-init.service */
};
struct csm_unit_preset {
    char *file;
    unsigned line;
    bool enable;
    char *pattern;
};
struct csm_units {
    struct csm_unit_link *links; /* *.wants/ and *.requires/ in /etc, /usr/lib, /lib */
    size_t n_links;
    struct csm_unit_preset *presets; /* in the order systemd consults them */
    size_t n_presets;
    char **errors;
};
const struct csm_units *csm_facts_units(struct csm_scan *s);

enum csm_unit_state {
    CSM_UNIT_ABSENT,   /* no unit file, no init script */
    CSM_UNIT_DISABLED, /* installed, nothing pulls it in */
    CSM_UNIT_ENABLED,  /* a .wants/.requires link or an rc?.d/S* script */
    CSM_UNIT_PRESET,   /* no link, but the presets enable it */
    CSM_UNIT_MASKED,   /* linked to /dev/null */
};
struct csm_unit_status {
    enum csm_unit_state state;
    char *file;   /* the unit file or init script */
    char *source; /* the link, the preset file:line, the mask */
    char *error;  /* what could not be read, so the state may be wrong ("path: why"); NULL */
};
/* unit is "name.service" or "name.target"; for a service without a unit
 * file the SysV script /etc/init.d/name is looked at too. */
void csm_facts_unit_status(struct csm_scan *s, const char *unit, struct csm_unit_status *out);
void csm_unit_status_clear(struct csm_unit_status *st);
const char *csm_unit_state_name(enum csm_unit_state st);

/* ---- SELinux (facts/software.c) ---- */
struct csm_selinux {
    int err; /* the config exists but cannot be read */
    char *why;
    const char *path;  /* /etc/selinux/config, NULL when absent */
    struct csm_kvs kv;
    const struct csm_kv *mode; /* SELINUX= */
    const struct csm_kv *type; /* SELINUXTYPE= */
    char *cmdline;        /* "selinux=0" or "enforcing=0" on a boot entry */
    char *cmdline_source;
    bool cmdline_all;     /* every boot entry carries it */
    int live;             /* live: 1 enforcing, 0 permissive, -2 not in the kernel; -1 unknown/offline */
};
const struct csm_selinux *csm_facts_selinux(struct csm_scan *s);

/* ---- the SSH server (facts/sshd.c): installed, enabled, configured ---- */
struct csm_sshd {
    int err;  /* the configuration exists but cannot be read */
    char *why;
    const struct csm_package *pkg; /* openssh-server (dpkg, rpm), openssh (SUSE), or NULL */
    char *program;                 /* /usr/sbin/sshd */
    char **errors;                 /* places that could not be looked at */
    struct csm_unit_status unit;   /* the best of sshd.service, ssh.service, ssh.socket */
    const char *unit_name;
    char *config;                  /* /etc/ssh/sshd_config (SUSE: /usr/etc/ssh/sshd_config), NULL when absent */
    struct csm_sshd_config cfg;
};
const struct csm_sshd *csm_facts_sshd(struct csm_scan *s);
/* The value in force for a connection of user: its directive (NULL: the
 * default), and the value. */
const char *csm_sshd_value(const struct csm_sshd *sd, const char *key, const char *user,
                           const struct csm_sshd_directive **d, const struct csm_sshd_directive **cond);

/* ---- the firewalls enabled at boot (facts/firewall.c) ---- */
enum csm_fw_kind { CSM_FW_FIREWALLD, CSM_FW_UFW, CSM_FW_NFTABLES, CSM_FW_IPTABLES };
#define CSM_FW_KINDS 4
struct csm_fw_found {
    enum csm_fw_kind kind;
    const char *name;            /* "firewalld", "ufw", "nftables", "iptables" */
    bool enabled;                /* starts at boot */
    char *enabled_by;            /* the unit link, or ufw.conf:line */
    char *config;                /* what decided: the zone file, user.rules, nftables.conf */
    char *detail;                /* "default zone public (/etc/firewalld/firewalld.conf:6)" */
    struct csm_fw_decision d;    /* for new TCP connections to the SSH port */
    char *problem;               /* the configuration cannot be read or judged: why */
};
struct csm_firewall {
    unsigned port;               /* sshd's (the first Port), 22 by default */
    char *port_source;
    struct csm_fw_found fw[CSM_FW_KINDS];
    size_t n;                    /* the ones installed (a unit or their configuration is there) */
    char **errors;
};
const struct csm_firewall *csm_facts_firewall(struct csm_scan *s);

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

/* ---- dracut's configuration (facts/dracut.c): /etc/dracut.conf and the
 * conf.d files of /etc and /usr/lib, in dracut's order ---- */
struct csm_dracut {
    char **errors;
    struct csm_dracut_conf conf; /* conf.files lists what was read */
};
const struct csm_dracut *csm_facts_dracut(struct csm_scan *s);

/* ---- AppArmor (facts/apparmor.c) ---- */
struct csm_apparmor {
    int kernel;         /* the default kernel: 1 built with AppArmor and on by default, 0 built with it but
                           off by default, -1 without it, -2 not known (no config) */
    char *kernel_source; /* /boot/config-<ver>:N CONFIG_... */
    const struct csm_package *pkg; /* apparmor, apparmor-parser */
    struct csm_unit_status unit;   /* apparmor.service */
    char *cmdline;        /* apparmor=0, security=selinux, lsm=... without apparmor; or apparmor=1 */
    char *cmdline_source;
    bool cmdline_all;     /* every boot entry carries it */
    bool cmdline_on;      /* it turns AppArmor on rather than off */
    int live;             /* live: 1 enabled in the running kernel, 0 not, -1 not known or offline */
    char **errors;
};
const struct csm_apparmor *csm_facts_apparmor(struct csm_scan *s);

/* ---- cloud-init (facts/software.c) ---- */
struct csm_cloudinit {
    char **errors;                  /* files that exist but cannot be read */
    const struct csm_package *pkg;  /* from the package database, or NULL */
    bool pkg_db;                    /* a package database was read */
    char *program;                  /* /usr/bin/cloud-init */
    char **program_errors;          /* no program found, but these places could not be looked at */
    char *config;                   /* /etc/cloud/cloud.cfg, when it exists */
    struct csm_unit_status units[5]; /* CSM_CLOUDINIT_UNITS, in boot order */
    char *disabled_file;            /* /etc/cloud/cloud-init.disabled */
    char *cmdline_disabled;         /* the boot entry with cloud-init=disabled */
    char **cfg_files;               /* cloud.cfg, then cloud.cfg.d/NAME.cfg, in the order read */
    char **datasources;             /* datasource_list in force, NULL when none is set */
    char *ds_source;                /* its file:line */
    bool network_disabled;          /* network: {config: disabled} */
    char *network_source;
    char **invalid;                 /* files cloud-init cannot parse either: it ignores them */
};
extern const char *const csm_cloudinit_units[5];
/* Whether units[i] is one of the first stages, which the later ones need. */
bool csm_cloudinit_first_stage(size_t i);
const struct csm_cloudinit *csm_facts_cloudinit(struct csm_scan *s);
/* The datasource_list of one cloud-init YAML file: 1 found, 0 not. */
int csm_cloudinit_parse(const char *text, const char *file, struct csm_cloudinit *ci);

/* ---- guest tools of other hypervisors (facts/guesttools.c) ---- */
enum csm_gt_kind {
    CSM_GT_PACKAGE,   /* package database entry */
    CSM_GT_FILE,      /* installer files, programs */
    CSM_GT_UNIT,      /* service unit or init script */
    CSM_GT_MODULE,    /* kernel module in extra/, misc/, updates/ */
    CSM_GT_FORCED,    /* module configured into the initramfs or to load at boot */
    CSM_GT_INITRAMFS, /* module inside an initramfs image */
};
const char *csm_gt_kind_name(enum csm_gt_kind k);

struct csm_gt_evidence {
    enum csm_gt_kind kind;
    char *what;   /* "package open-vm-tools 2:12.2.0", "/lib/modules/5.10.0/misc/vboxguest.ko" */
    char *source; /* file:line, or the path */
};
struct csm_guest_tool {
    const char *cls;     /* stable class the rules weigh: "vmware-tools", "open-vm-tools", ... */
    const char *product; /* "VMware Tools (installer)" */
    struct csm_gt_evidence *ev;
    size_t n_ev;
};
struct csm_guest_tools {
    struct csm_guest_tool *t;
    size_t n;
    char **errors;   /* what exists but could not be read */
    char **searched; /* where was looked, for the evidence of a pass */
};
const struct csm_guest_tools *csm_facts_guest_tools(struct csm_scan *s);
/* The module names (without .ko) a config file forces into the initramfs
 * or loads at boot, each with its line. kind: "initramfs-tools", "dracut",
 * "modules-load". */
void csm_gt_parse_modules(const char *text, const char *kind, char ***names, unsigned **lines, size_t *n);

/* ---- network configuration (facts/netcfg.c) ---- */
enum csm_net_source {
    CSM_NET_UDEV,     /* udev rules: 70-persistent-net.rules */
    CSM_NET_IFCFG,    /* /etc/sysconfig/network-scripts, /etc/sysconfig/network */
    CSM_NET_NETPLAN,  /* /etc/netplan */
    CSM_NET_NM,       /* NetworkManager keyfiles */
    CSM_NET_LINK,     /* systemd .link */
    CSM_NET_NETWORKD, /* systemd .network */
    CSM_NET_IFUPDOWN, /* /etc/network/interfaces */
};
const char *csm_net_source_name(enum csm_net_source src);

enum csm_net_method {
    CSM_NET_NONE,   /* says nothing about addresses (a .link, a udev rule) */
    CSM_NET_DHCP,
    CSM_NET_STATIC,
    CSM_NET_MANUAL, /* up without an address: bond or bridge member */
    CSM_NET_LOOPBACK,
};
const char *csm_net_method_name(enum csm_net_method m);

/* One interface configuration: a stanza, a file, a rule. */
struct csm_netif {
    enum csm_net_source src;
    char *file;
    unsigned line;     /* where it starts */
    char *id;          /* netplan id, NM connection id: for messages */
    char *name;        /* the interface name it applies to; may be a glob; NULL: any/by hardware */
    unsigned name_line;
    char *match_mac;   /* applies only to the NIC with this address */
    unsigned match_line;
    char *set_mac;     /* writes this address onto the NIC */
    unsigned set_line;
    char *rename;      /* renames the NIC it matches to this */
    unsigned rename_line;
    enum csm_net_method method;
    unsigned method_line;
    char *address;     /* the first static address */
    unsigned address_line;
    char *match_other; /* applies only to NICs of a type or driver: "Type=wlan" */
    bool virt;         /* a bond, bridge, VLAN, ...: not a NIC */
    char *down;        /* not brought up at boot: "ONBOOT=no", "STARTMODE=manual", "autoconnect=false" */
    unsigned down_line;
};
struct csm_netcfg {
    struct csm_netif *i;
    size_t n;
    char **files;  /* every file read */
    char **errors; /* "file: why" for files that exist but cannot be read */
    unsigned skipped; /* unreadable lines, all files together */
    char *nm_no_auto_default; /* "file:line no-auto-default=*": NetworkManager makes no automatic profile */
    char *wicked_xml;         /* wicked's native configuration (/etc/wicked/ifconfig/NAME.xml), not read */
};
const struct csm_netcfg *csm_facts_netcfg(struct csm_scan *s);
/* The parsers, on one file's text (used by the fact, the tests, the fuzzers). */
void csm_netcfg_parse(struct csm_netcfg *nc, enum csm_net_source src, const char *file, const char *text);
void csm_netcfg_free(struct csm_netcfg *nc);

/* ---- the online agent's user.json, --agent-config (facts/agent.c) ---- */
struct csm_agent_disk {
    char *value;   /* the path as written */
    char *field;   /* the object field it came from, NULL for a plain string */
};
struct csm_agent_config {
    int err;
    char *why;      /* "user.json:3:14: expected ..." */
    char *path;
    bool has_datadisks; /* the key is there */
    char *key_path;     /* where: "DataDisks", "Client.DataDisks" */
    char *shape;        /* "list of strings", "list of objects (field MountPoint)", ... */
    struct csm_agent_disk *d;
    size_t n;
    char **ignored;     /* entries that name no path */
};
/* NULL when no --agent-config was given. */
const struct csm_agent_config *csm_facts_agent_config(struct csm_scan *s);
/* Parses the text of a user.json (also for the tests and the fuzzer); text[len]
 * is a NUL byte. */
void csm_agent_config_parse(struct csm_agent_config *ac, const char *text, size_t len);
void csm_agent_config_free(struct csm_agent_config *ac);

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

/* ---- the guest's filesystems, root and mounts inside the image
 * (guest/guest.h), read in the reader child; image mode only ---- */
struct csm_guest;
struct csm_guest_facts {
    int err; /* the guest cannot be read at all: a package stream, an unreadable disk */
    char *why;
    struct csm_guest *guest; /* NULL when err */
};
const struct csm_guest_facts *csm_facts_guest(struct csm_scan *s);

/* Adds "path: why" to *errors when err (of a csm_tree_* call on path) says
 * the path could not be examined, rather than that it does not exist; true
 * then. 0, -ENOENT and -ENOTDIR add nothing. */
bool csm_fact_unreadable(char ***errors, const char *path, int err);

struct csm_facts *csm_facts_new(void);
void csm_facts_free(struct csm_facts *f);
