/* The migration plan: what to export of the system disk and how (seed 004
 * §7-8), built from the facts and the [plan] rules; the report shows it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/scan.h"

struct csm_plan_part {
    size_t partno;
    char *device;
    uint64_t start, end, bytes;
    char *type, *fstype, *uuid;
    char *mount; /* the mount point that needs it: "/", "swap"; NULL */
    bool required;
    char *why;
};

/* An image plan: a mount point the image holds for its import. */
struct csm_plan_mount {
    char *mount;   /* "/", "/boot", "swap" */
    size_t partno; /* the partition that holds it (a logical volume's PV's) */
    char *where;   /* "partition 1", "LV vgsys/root" */
    char *fstype;  /* may be NULL */
};

/* An image plan: what the import lacks to boot. */
struct csm_plan_missing {
    char *item;    /* "boot-code", "partition-table", "root", "mount", "partition" */
    char *mount;   /* the mount point it concerns, or NULL */
    char *message;
};

enum csm_plan_kind {
    CSM_PLAN_EXPORT, /* what to export of a system disk, and how */
    CSM_PLAN_IMAGE,  /* what an exported image holds, and what it lacks */
};

/* What to export and how (seed 004 §7-8); for an image, what it holds
 * and what is missing for its import to boot. */
struct csm_plan {
    enum csm_plan_kind kind;
    bool available;
    char *reason; /* when not available */
    char *disk;
    uint64_t disk_bytes;
    unsigned long sector_size;
    char *label;
    struct csm_plan_part *parts;
    size_t n_parts;
    bool whole;
    char *whole_why;
    uint64_t last_sector, copy_bytes, min_target_bytes, min_target_gib;
    uint64_t target_bytes; /* --target-disk-size, 0 when not given */
    char **commands;
    char **notes;
    /* image plans only */
    bool mbr_signature, boot_code;
    struct csm_plan_mount *holds;
    size_t n_holds;
    struct csm_plan_missing *missing;
    size_t n_missing;
    char *guest_reason; /* why the guest's mounts are not known; NULL when they are */
};

/* Builds the migration plan from the facts and the [plan] rules. */
void csm_plan_build(struct csm_scan *s, struct csm_plan *plan);
void csm_plan_clear(struct csm_plan *plan);
