/* The cache of gathered facts; only the facts/ files see it. */
#pragma once

#include "facts.h"

struct csm_facts {
    struct csm_fstab *fstab;
    struct csm_osrel *osrel;
    struct csm_identity *identity;
    struct csm_disk *disk;
    struct csm_storage *storage;
    struct csm_bootcfg *bootcfg;
    struct csm_shadow *shadow;
    struct csm_efi *efi;
    struct csm_packages *packages;
    struct csm_export *export;
    struct csm_image_facts *image;
};

void csm_fstab_free(struct csm_fstab *f);
void csm_osrel_free(struct csm_osrel *o);
void csm_identity_free(struct csm_identity *id);
void csm_storage_free(struct csm_storage *st);
void csm_bootcfg_free(struct csm_bootcfg *b);
void csm_shadow_free(struct csm_shadow *sh);
void csm_efi_free(struct csm_efi *e);
void csm_packages_free(struct csm_packages *pk);
void csm_export_free(struct csm_export *ex);
void csm_image_facts_free(struct csm_image_facts *im);

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
bool csm_live_efi_booted(void);

void csm_extents_free(struct csm_extent *ext, size_t n);
