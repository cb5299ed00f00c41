/* The checks: one static table. Each row names a stable id (a public
 * interface: reports, waivers and daemons key on it), the parameters and
 * placeholders its rule texts may use, what it needs before it can run,
 * and the function that decides. Severity, texts and remediation are in
 * rules/, not here. */
#pragma once

#include <stddef.h>

#include "checks/result.h"
#include "policy/rules.h"
#include "checks/scan.h"

/* What a check needs of its target (checks/scan.h: what a target has),
 * as git's command table says RUN_SETUP | NEED_WORK_TREE. A target that
 * lacks the tree or the image file a check needs does not run it, nor
 * list it; one that lacks the disk or the target size lists it as skipped,
 * saying which option would give it. */
enum csm_needs {
    CSM_NEED_TREE = CSM_HAS_TREE,   /* the system's files */
    CSM_NEED_DISK = CSM_HAS_DISK,   /* the disk that holds them (--root: --disk) */
    CSM_NEED_IMAGE = CSM_HAS_IMAGE, /* an image file (--image) */
    CSM_NEED_TARGET_SIZE = 1 << 8,  /* --target-disk-size */
};

/* Which scans a check belongs to, for --list-checks: those of a system
 * (live, --root) when it needs the tree, those of an image file when it
 * needs one, both when it needs neither. */
enum csm_scope {
    CSM_SCOPE_SYSTEM = 1 << 0, /* live and --root scans */
    CSM_SCOPE_IMAGE = 1 << 1,  /* --image scans */
};

/* The documents' tables a check is listed in (README, man page): the
 * checks of a system, or of an image file. */
enum csm_check_group {
    CSM_CHECKS_SYSTEM,
    CSM_CHECKS_IMAGE,
    CSM_CHECKS_GROUP_COUNT,
};

/* A NULL-terminated list of names, for a row: CSM_WORDS("modules", "optional"). */
#define CSM_WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct csm_check {
    const char *id;
    enum csm_check_group group;
    /* What it establishes, one line (markdown: `code` spans), as the
     * README's and the man page's tables say it. */
    const char *summary;
    unsigned needs; /* enum csm_needs */
    void (*run)(struct csm_scan *s, struct csm_result *r);
    const char *const *params; /* param.<name> in rule files; NULL: none */
    const char *const *vars;   /* {placeholders} its texts may use; NULL: none */
    const char *twin;          /* the image check that reports the same fact of an image ("image.size") */
};

/* The heading of a group's table: "Checks of a system (...):". */
const char *csm_check_group_intro(enum csm_check_group g);

extern const struct csm_check csm_checks[];
extern const size_t csm_n_checks;

const struct csm_check *csm_check_find(const char *id);

/* What rule files may contain: a section per check, and [plan]. */
struct csm_rules_section *csm_checks_sections(size_t *n);

/* The scans a check belongs to (enum csm_scope bits). */
unsigned csm_check_scope(const struct csm_check *c);
/* Does a check run on a target that has this (enum csm_has)? It does when
 * the target has the tree and the image file the check needs; a missing
 * disk or target size makes it a skip, not absent. */
bool csm_check_applies(const struct csm_check *c, unsigned has);
/* Names of a scope's bits: "system", "image", "system image". */
const char *csm_scope_name(unsigned scope);

/* Runs the checks of the table that are in the scan's scope, in table
 * order; *n is how many results there are. */
struct csm_result *csm_checks_run(struct csm_scan *s, size_t *n);

/* A parameter of the running check (declared in its row). */
char *const *csm_check_param(const struct csm_result *r, const char *name);

/* The check functions, one file per group. */
void csm_check_disk_partition_table(struct csm_scan *s, struct csm_result *r);
void csm_check_disk_layout(struct csm_scan *s, struct csm_result *r);
void csm_check_disk_capacity(struct csm_scan *s, struct csm_result *r);
void csm_check_boot_efi(struct csm_scan *s, struct csm_result *r);
void csm_check_boot_grub_root(struct csm_scan *s, struct csm_result *r);
void csm_check_boot_resume(struct csm_scan *s, struct csm_result *r);
void csm_check_fstab_other_disks(struct csm_scan *s, struct csm_result *r);
void csm_check_fstab_device_names(struct csm_scan *s, struct csm_result *r);
void csm_check_fstab_network_mounts(struct csm_scan *s, struct csm_result *r);
void csm_check_fstab_crypttab(struct csm_scan *s, struct csm_result *r);
void csm_check_accounts_shadow(struct csm_scan *s, struct csm_result *r);
void csm_check_os_release(struct csm_scan *s, struct csm_result *r);
void csm_check_boot_default_kernel(struct csm_scan *s, struct csm_result *r);
void csm_check_drivers_virtio_kernel(struct csm_scan *s, struct csm_result *r);
void csm_check_drivers_virtio_initramfs(struct csm_scan *s, struct csm_result *r);
void csm_check_drivers_initramfs_tooling(struct csm_scan *s, struct csm_result *r);
void csm_check_software_cloud_init(struct csm_scan *s, struct csm_result *r);
void csm_check_software_guest_tools(struct csm_scan *s, struct csm_result *r);
void csm_check_network_mac_binding(struct csm_scan *s, struct csm_result *r);
void csm_check_network_interface_names(struct csm_scan *s, struct csm_result *r);
void csm_check_system_selinux(struct csm_scan *s, struct csm_result *r);
void csm_check_software_rsync(struct csm_scan *s, struct csm_result *r);
void csm_check_system_sshd(struct csm_scan *s, struct csm_result *r);
void csm_check_system_firewall(struct csm_scan *s, struct csm_result *r);
void csm_check_system_apparmor(struct csm_scan *s, struct csm_result *r);
void csm_check_storage_lvm_filter(struct csm_scan *s, struct csm_result *r);
void csm_check_disk_free_space(struct csm_scan *s, struct csm_result *r);
void csm_check_online_data_disks(struct csm_scan *s, struct csm_result *r);
void csm_check_image_format(struct csm_scan *s, struct csm_result *r);
void csm_check_image_integrity(struct csm_scan *s, struct csm_result *r);
void csm_check_image_size(struct csm_scan *s, struct csm_result *r);
void csm_check_image_partition_table(struct csm_scan *s, struct csm_result *r);
void csm_check_image_filesystems(struct csm_scan *s, struct csm_result *r);
void csm_check_image_bootable(struct csm_scan *s, struct csm_result *r);

struct csm_disk;
struct csm_evidence;
/* The partition-table rule shared by the disk and the image checks: the
 * label's evidence row (and {label}, {disk_id}, {fstype}), then the verdict. */
struct csm_evidence *csm_partition_table_row(struct csm_result *r, const struct csm_disk *d);
void csm_judge_partition_table(struct csm_result *r, const struct csm_disk *d, struct csm_evidence *label_row);

/* In image mode, the guest disk; NULL after the result is set to a skip
 * (the file holds no disk image) or an error (the disk could not be read). */
const struct csm_disk *csm_image_guest_disk(struct csm_scan *s, struct csm_result *r);

/* Does a device name match one of the glob patterns (fnmatch)? */
bool csm_name_matches(char *const *patterns, const char *name);
