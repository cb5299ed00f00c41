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

/* What to export and how (seed 004 §7-8). */
struct csm_plan {
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
};

/* Builds the migration plan from the facts and the [plan] rules. */
void csm_plan_build(struct csm_scan *s, struct csm_plan *plan);
void csm_plan_clear(struct csm_plan *plan);
