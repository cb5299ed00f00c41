/* csm-precheck rollup: the reports of a migration wave. Each report is
 * read, verified (the verify code of archive.c) and reduced to a small
 * record, then freed: a wave of thousands of hosts takes the memory of its
 * records, not of its reports. One model (struct csm_rollup), four
 * renderers: text, JSON (report/rollup.schema.json), CSV and HTML. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

#define CSM_ROLLUP_SCHEMA_VERSION "1.0.0"

/* What is wrong with a host's report, beside its verdict. Keys are a public
 * interface (csm_rollup_flag_name). */
enum csm_rollup_flag {
    CSM_FLAG_MISSING,      /* expected (or a host directory) without a report */
    CSM_FLAG_UNREADABLE,   /* not a csm-precheck JSON report: truncated, another tool's, too large */
    CSM_FLAG_SCHEMA,       /* a schema major version this version does not read */
    CSM_FLAG_TAMPERED,     /* digest or signature does not match, or the report contradicts itself */
    CSM_FLAG_UNVERIFIED,   /* no digest to verify */
    CSM_FLAG_STALE,        /* older than --max-age */
    CSM_FLAG_DUPLICATE_ID, /* another host's report has the same machine ID (a cloned system) */
    CSM_FLAG_UNEXPECTED,   /* a report of a host that --expect-hosts does not name */
    CSM_FLAG_COUNT,
};
const char *csm_rollup_flag_name(enum csm_rollup_flag f);
/* The flags after which the report does not tell what the host is now: the
 * host counts as incomplete (or blocked, when the report says so). */
#define CSM_FLAGS_UNTRUSTED                                                                                          \
    (1u << CSM_FLAG_MISSING | 1u << CSM_FLAG_UNREADABLE | 1u << CSM_FLAG_SCHEMA | 1u << CSM_FLAG_TAMPERED |         \
     1u << CSM_FLAG_UNVERIFIED | 1u << CSM_FLAG_STALE)

/* One result of a host's report; strings are interned in the roll-up. */
struct csm_rollup_result {
    size_t check; /* index into csm_rollup.checks */
    const char *status, *severity, *outcome;
};

struct csm_rollup_waiver {
    const char *id;
    char *reason, *approved_by, *expires;
};

struct csm_rollup_host {
    char *name;   /* the inventory name: the report's directory */
    char *report; /* the report's path, NULL when there is none */
    char *html;   /* the host's own HTML report beside it, NULL when there is none */
    char *hostname, *label, *machine_id, *generated_at;
    const char *schema_version, *tool_version, *ruleset_version, *profile; /* interned */
    const char *reported; /* the verdict the report states, NULL without one */
    enum csm_verdict verdict; /* in the wave, after the flags */
    int exit_code;            /* the verdict's (csm_rollup_options.verdict_codes) */
    double age_days;          /* < 0: unknown */
    struct csm_rollup_result *results;
    size_t n_results;
    char **blockers, **warnings, **errors; /* check ids */
    struct csm_rollup_waiver *waived;
    size_t n_waived;
    bool plan;                   /* the report has a migration plan */
    char *plan_disk, *plan_why;  /* the system disk; why there is no plan */
    uint64_t disk_bytes, copy_bytes, min_target_bytes;
    const char *digest, *signature; /* as verify says; NULL when unread */
    unsigned flags;                 /* 1 << enum csm_rollup_flag */
    char **problems;                /* what the flags mean for this host, in words */
};

/* How many hosts have each status of one check, and which. */
enum csm_rollup_tally { CSM_TALLY_FAIL, CSM_TALLY_WARN, CSM_TALLY_ERROR, CSM_TALLY_WAIVED, CSM_TALLY_COUNT };
struct csm_rollup_check {
    const char *id;
    const char *severity; /* the highest seen */
    size_t hosts;         /* reports that hold it */
    size_t blocking;      /* hosts on which it is a failed blocker */
    size_t *tally[CSM_TALLY_COUNT]; /* host indices */
    size_t n_tally[CSM_TALLY_COUNT];
};

struct csm_rollup_duplicate {
    const char *machine_id;
    size_t *hosts;
    size_t n_hosts;
};

struct csm_pool;

struct csm_rollup {
    char *generated_at;
    char **inputs;
    const char *expect_hosts; /* --expect-hosts FILE, NULL when not given */
    double max_age_days;      /* --max-age; < 0 when not given */
    struct csm_rollup_host *hosts; /* by name */
    size_t n_hosts;
    struct csm_rollup_check *checks; /* most failing first */
    size_t n_checks;
    struct csm_rollup_duplicate *duplicates;
    size_t n_duplicates;
    size_t verdicts[4];                /* hosts per enum csm_verdict */
    size_t flagged[CSM_FLAG_COUNT];    /* hosts per flag */
    enum csm_verdict verdict;          /* the worst of the wave */
    int exit_code;                     /* the verdict's (csm_rollup_options.verdict_codes) */
    struct csm_pool *pool;
};

struct csm_rollup_options {
    const char *expect_hosts;
    double max_age_days; /* < 0: no limit */
    bool per_check;      /* CSV: a row per host and check */
    const char *output;  /* the file being written (its directory anchors the links); NULL: standard output */
    const int *verdict_codes; /* csm_verdict_codes, the command's */
};

/* Reads every report of inputs (directories of host directories, or report
 * files). Returns 0, or -errno when an input or --expect-hosts cannot be
 * read (*why says which). */
int csm_rollup_build(struct csm_rollup *ru, char *const *inputs, const struct csm_rollup_options *o, char **why);
void csm_rollup_clear(struct csm_rollup *ru);
/* The exit code: the worst verdict, blocked > incomplete > warnings > ready. */
int csm_rollup_exit_code(const struct csm_rollup *ru);

struct csm_rollup_renderer {
    const char *name, *ext;
    int (*write)(const struct csm_rollup *ru, FILE *f, const struct csm_rollup_options *o);
};
const struct csm_rollup_renderer *csm_rollup_renderer_find(const char *name);
const struct csm_rollup_renderer *csm_rollup_renderer_for_file(const char *path);
/* Writes the roll-up to o->output atomically (csm_file_save). */
int csm_rollup_save(const struct csm_rollup *ru, const struct csm_rollup_renderer *r,
                    const struct csm_rollup_options *o);
