/* The cache of gathered facts; only the facts/ files see it. */
#pragma once

#include "facts/facts.h"

struct csm_facts {
    struct csm_fact_slot *slots; /* the facts of the registry (csm_fact_get) */
    size_t n_slots;
};

/* A fact of the registry: one descriptor, in the file that gathers it, is
 * all a new fact needs (no field here, no line in csm_facts_free):
 *   static const struct csm_fact_desc crypttab_fact = { "crypttab", gather, free };
 *   ... return csm_fact_get(s, &crypttab_fact);
 * gather() runs on first use; its result is kept for the rest of the scan
 * and freed with the scan's facts. */
struct csm_fact_desc {
    const char *name;
    void *(*gather)(struct csm_scan *s);
    void (*free)(void *fact);
};
struct csm_fact_slot {
    const struct csm_fact_desc *desc;
    void *fact;
};
void *csm_fact_get(struct csm_scan *s, const struct csm_fact_desc *desc);

void csm_fstab_free(struct csm_fstab *f);
void csm_osrel_free(struct csm_osrel *o);
void csm_identity_free(struct csm_identity *id);
void csm_storage_free(struct csm_storage *st);
void csm_bootcfg_free(struct csm_bootcfg *b);
void csm_shadow_free(struct csm_shadow *sh);
void csm_efi_free(struct csm_efi *e);
void csm_packages_free(struct csm_packages *pk);
void csm_export_free(struct csm_export *ex);
void csm_kernels_free(struct csm_kernels *ks);
struct csm_kmods;
void csm_kmods_free(struct csm_kmods *km);
void csm_initramfs_free(struct csm_initramfs *ir);
void csm_units_free(struct csm_units *u);
void csm_selinux_free(struct csm_selinux *se);
void csm_cloudinit_free(struct csm_cloudinit *ci);
void csm_guest_tools_free(struct csm_guest_tools *gt);
void csm_image_facts_free(struct csm_image_facts *im);

/* The files a pattern with a glob in its last component names (an Include
 * of sshd_config, of nftables), sorted, with their texts read from the tree
 * (CSM_CAP_CONFIG); 0 (nothing matched is not an error) or the first error. */
int csm_facts_glob_texts(struct csm_scan *s, const char *pattern, char ***paths, char ***texts);

/* Sets err and a formatted why on any fact with those two fields. */
#define FACT_FAIL(fact, e, ...)                                                                                \
    do {                                                                                                       \
        (fact)->err = (e);                                                                                     \
        (fact)->why = xasprintf(__VA_ARGS__);                                                                  \
    } while (0)

/* ---- live mode only: the running kernel's view (facts/live.c) ----
 * Reads /proc, /sys and /dev. A --root scan never calls these: the tests
 * trace the system calls of such a scan to hold that. */
struct libmnt_table;
int csm_live_mounts(struct libmnt_table **tb);
/* The partitions or whole disks under a block device, through partitions,
 * device-mapper and md (sysfs slaves). */
int csm_live_extents(dev_t dev, struct csm_extent **ext, size_t *n);
/* The device a tag (UUID=, LABEL=, ...) names on this system, or NULL. */
char *csm_live_tag_device(const char *tag, const char *value);
char *csm_live_fs_uuid(const char *device);
/* The device number of the block device at path (links followed), 0 when
 * there is none. */
dev_t csm_live_block_device(const char *path);
char *csm_live_hostname(void); /* NULL when it cannot be told */
/* 1 booted by EFI firmware, 0 not, -1 cannot be told. */
int csm_live_efi_booted(void);
/* The running kernel's release (uname -r). */
char *csm_live_kernel_release(void);
/* The kernel's SELinux mode: 1 enforcing, 0 permissive, -2 not enabled,
 * -1 cannot be told. */
int csm_live_selinux(void);
/* AppArmor in the running kernel: 1 enabled, 0 not (or not built in), -1 cannot be told. */
int csm_live_apparmor(void);

void csm_extents_free(struct csm_extent *ext, size_t n);
