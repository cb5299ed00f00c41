/* The target of a scan and what it has, the options that describe it, and
 * the facts gathered of it so far (facts/facts.h). Facts are gathered on
 * first use and kept for the rest of the scan, so each file is read once
 * however many checks use it. Opening a target and checking the options
 * it was given is the scan's (checks/scan.h). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "policy/rules.h"
#include "policy/template.h"
#include "tree/tree.h"

/* What a target offers, which decides the checks that run on it (their
 * rows say what they need: checks/checks.h) and where facts come from. The
 * running system has a tree ("/"), its disk and its running kernel; --root
 * a tree, and a disk with --disk; --image an image file (and, once its
 * filesystems are read, a tree and a disk: every system check then runs on
 * it as it does on --root with --disk). */
enum csm_has {
    CSM_HAS_TREE = 1 << 0,   /* the system's files: csm_scan.root */
    CSM_HAS_DISK = 1 << 1,   /* the disk that holds them: the running system's, or --disk */
    CSM_HAS_IMAGE = 1 << 2,  /* an image file (--image) */
    CSM_HAS_KERNEL = 1 << 3, /* the running kernel: /proc, /sys, /dev, the host name (facts/live.c) */
};

struct csm_target {
    unsigned has; /* enum csm_has */
};
/* The report's target.mode: "live" (the running kernel), "image" (an
 * image file), "root" (a tree alone). */
static inline const char *csm_target_mode(unsigned has)
{
    return has & CSM_HAS_IMAGE ? "image" : has & CSM_HAS_KERNEL ? "live" : "root";
}

/* What an image becomes on the target (--role). */
enum csm_role {
    CSM_ROLE_SYSTEM, /* the instance's system disk: it must boot */
    CSM_ROLE_DATA,   /* a block-storage data disk */
};
static inline const char *csm_role_name(enum csm_role r)
{
    return r == CSM_ROLE_DATA ? "data" : "system";
}

struct csm_scan_options {
    const char *root;          /* --root, NULL in live mode */
    const char *disk;          /* --disk */
    uint64_t target_disk_size; /* --target-disk-size, 0 when not given */
    const char *agent_config;  /* --agent-config: the online agent's user.json, on the host */
    const char *image;         /* --image */
    enum csm_role role;        /* --role */
    const char *host_label;    /* --host-label: the name a fleet knows the system by */
    bool quick;                /* --quick: a package is verified within a budget, not to its end */
    bool file_only;            /* --file-only: the image file alone, not the system inside it */
    /* Set when someone watches (stderr is a terminal): a long read, such
     * as a package verified to its end, reports how far it got. */
    void (*progress)(const char *what, uint64_t done, uint64_t total);
};

struct csm_facts; /* facts/facts.h */

struct csm_scan {
    struct csm_target target;
    const struct csm_scan_options *opts;
    struct csm_tree *root; /* NULL when the target has no tree */
    const struct csm_ruleset *rules;
    struct csm_vars globals; /* {root}, {host}, {profile} for every text */
    struct csm_facts *facts;
    /* An image of a system whose guest tree cannot be read (a btrfs root,
     * a package stream): why, and whether the checks that need the tree
     * are skipped for it (a stream without random access) rather than in
     * error. NULL when the tree was read or is not wanted (--file-only,
     * --role data). */
    char *no_tree;
    bool no_tree_skip;
    char *error; /* why csm_scan_init failed, naming the option */
};

/* Does the target have all of these (enum csm_has)? */
static inline bool csm_scan_has(const struct csm_scan *s, unsigned has)
{
    return (s->target.has & has) == has;
}
/* The running system: the target has its running kernel. */
static inline bool csm_scan_live(const struct csm_scan *s)
{
    return csm_scan_has(s, CSM_HAS_KERNEL);
}
