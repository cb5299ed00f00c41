/* One scan: opens its target (facts/target.h) from the options and checks
 * the input files they name. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "facts/target.h"

/* Opens the tree (live: "/"), or the image file in image mode, and checks
 * the input files named with it (--disk, --agent-config): a missing or
 * unusable one is an operational error, not a check's. Returns -errno with
 * s->error set (free it with csm_scan_done) when the scan cannot start. */
int csm_scan_init(struct csm_scan *s, const struct csm_scan_options *opts, const struct csm_ruleset *rules);
void csm_scan_done(struct csm_scan *s);

