/* Everything the checks know about the scanned system. Each getter gathers
 * its fact on first use and returns the same object afterwards; it never
 * returns NULL. A fact that could not be gathered has err < 0 and why set,
 * and a check that needs it reports error (or skip) with that reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts/target.h"
#include "tree/tree.h"

/* Size caps for the files of a scanned tree: a hostile or broken file is
 * refused, not read into memory whole. */
#define CSM_CAP_CONFIG (1024 * 1024)     /* fstab, os-release, grub defaults */
#define CSM_CAP_BOOTCFG (8 * 1024 * 1024) /* grub.cfg */
#define CSM_CAP_ACCOUNTS (16 * 1024 * 1024)

/* The facts by domain; a caller includes this header, whichever it needs. */
#include "facts/boot.h"
#include "facts/disk.h"
#include "facts/image.h"
#include "facts/network.h"
#include "facts/software.h"
#include "facts/system.h"

/* Adds "path: why" to *errors when err (of a csm_tree_* call on path) says
 * the path could not be examined, rather than that it does not exist; true
 * then. 0, -ENOENT and -ENOTDIR add nothing. */
bool csm_fact_unreadable(char ***errors, const char *path, int err);

struct csm_facts *csm_facts_new(void);
void csm_facts_free(struct csm_facts *f);
