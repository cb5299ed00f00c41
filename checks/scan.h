/* One scan: the target, the loaded rules, and the facts gathered so far.
 * Facts are gathered on first use (facts/facts.h) and kept for the rest of
 * the scan, so each file is read once however many checks use it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "tree/tree.h"
#include "policy/rules.h"
#include "policy/template.h"

enum csm_mode {
    CSM_MODE_LIVE,  /* the running system: may also read /proc, /sys, /dev */
    CSM_MODE_ROOT,  /* an offline tree: reads nothing outside it (and --disk) */
    CSM_MODE_IMAGE, /* an image file (--image): reads nothing else, has no tree */
};

/* What an image becomes on the target (--role). */
enum csm_role {
    CSM_ROLE_SYSTEM, /* the instance's system disk: it must boot */
    CSM_ROLE_DATA,   /* a block-storage data disk */
};
const char *csm_role_name(enum csm_role r);

struct csm_scan_options {
    const char *root;          /* --root, NULL in live mode */
    const char *disk;          /* --disk */
    uint64_t target_disk_size; /* --target-disk-size, 0 when not given */
    const char *agent_config;  /* --agent-config: the online agent's user.json, on the host */
    const char *image;         /* --image */
    enum csm_role role;        /* --role */
    const char *host_label;    /* --host-label: the name a fleet knows the system by */
    bool quick;                /* --quick: a package is verified within a budget, not to its end */
    /* Set when someone watches (stderr is a terminal): a long read, such
     * as a package verified to its end, reports how far it got. */
    void (*progress)(const char *what, uint64_t done, uint64_t total);
};

struct csm_facts; /* facts/facts.h */

struct csm_scan {
    enum csm_mode mode;
    const struct csm_scan_options *opts;
    struct csm_tree *root; /* NULL in image mode */
    const struct csm_ruleset *rules;
    struct csm_vars globals; /* {root}, {host}, {profile} for every text */
    struct csm_facts *facts;
    char *error; /* why csm_scan_init failed, naming the option */
};

/* Opens the tree (live: "/"), or the image file in image mode, and checks
 * the input files named with it (--disk, --agent-config): a missing or
 * unusable one is an operational error, not a check's. Returns -errno with
 * s->error set (free it with csm_scan_done) when the scan cannot start. */
int csm_scan_init(struct csm_scan *s, const struct csm_scan_options *opts, const struct csm_ruleset *rules);
void csm_scan_done(struct csm_scan *s);

static inline bool csm_scan_live(const struct csm_scan *s)
{
    return s->mode == CSM_MODE_LIVE;
}
