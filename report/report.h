/* The report: one model, filled once per scan, rendered by several
 * renderers (text, JSON). Renderers only read it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "result.h"
#include "scan.h"

#define CSM_SCHEMA_VERSION "1.0.0"

enum csm_verdict {
    CSM_VERDICT_READY,
    CSM_VERDICT_WARNINGS,
    CSM_VERDICT_BLOCKED,
    CSM_VERDICT_INCOMPLETE,
};

struct csm_plan_part {
    size_t partno;
    char *device;
    uint64_t start, end, bytes;
    char *type, *fstype, *uuid;
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
    char **commands;
    char **notes;
};

struct csm_report {
    char *generated_at; /* UTC, RFC 3339 */
    char *hostname, *machine_id;
    enum csm_mode mode;
    char *root, *disk;
    char *agent_config; /* --agent-config, NULL when not given */
    char *profile, *ruleset_version;
    char **rule_files;
    struct csm_result *results;
    size_t n_results;
    struct csm_plan plan;
    enum csm_verdict verdict;
    unsigned counts[CSM_ERROR + 1];
    unsigned failed_blockers;
};

/* Runs every check and builds the plan. */
void csm_report_build(struct csm_report *rep, struct csm_scan *s);
void csm_report_clear(struct csm_report *rep);

const char *csm_verdict_name(enum csm_verdict v);
int csm_verdict_exit_code(enum csm_verdict v);

/* Builds the migration plan from the facts and the [plan] rules. */
void csm_plan_build(struct csm_scan *s, struct csm_plan *plan);
void csm_plan_clear(struct csm_plan *plan);

struct csm_render_opts {
    bool color;   /* ANSI colours */
    bool unicode; /* marks such as ✓ ✗ */
};

struct csm_renderer {
    const char *name;
    const char *ext; /* file name extension that selects it */
    int (*write)(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o);
};

const struct csm_renderer *csm_renderer_find(const char *name);
const struct csm_renderer *csm_renderer_for_file(const char *path);
/* Comma-separated renderer names, for messages. */
const char *csm_renderer_names(void);

int csm_report_write_text(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o);
int csm_report_write_json(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o);

/* Writes to path atomically: a temporary file in the same directory,
 * fsync, rename. Returns 0 or -errno. */
int csm_report_save(const struct csm_report *rep, const struct csm_renderer *r, const char *path);
