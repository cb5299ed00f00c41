/* How the system boots: the boot loader's configuration, EFI, the kernels,
 * their modules and initramfs images, dracut's configuration.
 * Part of facts/facts.h, which includes every domain. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts/target.h"
#include "lib/dracutconf.h"
#include "lib/kv.h"
#include "tree/tree.h"

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

/* ---- dracut's configuration (facts/dracut.c): /etc/dracut.conf and the
 * conf.d files of /etc and /usr/lib, in dracut's order ---- */
struct csm_dracut {
    char **errors;
    struct csm_dracut_conf conf; /* conf.files lists what was read */
};
const struct csm_dracut *csm_facts_dracut(struct csm_scan *s);
