/* The report: one model, filled once per scan, rendered by several
 * renderers (text, JSON). Renderers only read it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "checks/result.h"
#include "checks/plan.h"
#include "checks/scan.h"

#define CSM_SCHEMA_VERSION "1.3.0"

enum csm_verdict {
    CSM_VERDICT_READY,
    CSM_VERDICT_WARNINGS,
    CSM_VERDICT_BLOCKED,
    CSM_VERDICT_INCOMPLETE,
    CSM_VERDICT_COUNT,
};

/* The exit code of each verdict is the command's documented interface
 * (tool/exitcodes.h), and the documents record it: a report's exit_code,
 * a roll-up's and each host's, and verify compares a report's with its
 * verdict. The command hands the codes in (an array of CSM_VERDICT_COUNT,
 * by enum csm_verdict): no code below tool/ picks an exit code. */
typedef int csm_verdict_codes[CSM_VERDICT_COUNT];

/* A setting a site's rule file changed from the shipped rules. */
struct csm_override {
    char *id, *key, *value;
    char *shipped; /* NULL: the shipped rules did not set it */
    char *source;  /* file:line */
};

struct csm_waivers;

/* An image scan's findings, shown beside the checks. */
struct csm_report_part {
    size_t partno;
    uint64_t start, end, bytes; /* sectors, sectors, bytes */
    char *type, *type_code, *fstype, *uuid, *label, *last_mounted;
    const char *use; /* "/", "/boot", "swap", "EFI", "LVM" or NULL */
    char *use_why;
    bool bootable, past_end;
};

struct csm_report_image {
    char *path;
    const char *role;
    char *format, *subformat, *package, *member;
    uint64_t file_size, virtual_size, allocated;
    bool allocated_known;
    bool readable; /* the guest disk was read */
    char *unreadable_why;
    char *label, *disk_id, *whole_fstype;
    bool boot_code, mbr_signature;
    struct csm_report_part *parts;
    size_t n_parts;
};

struct csm_key;

struct csm_report {
    char *generated_at; /* UTC, RFC 3339 */
    char *hostname, *machine_id;
    const char *host_label;       /* --host-label, NULL when not given */
    const struct csm_key *signer; /* --sign: the JSON report is signed with it; NULL when not */
    const char *mode; /* target.mode, from what the target has: "live", "root", "image" */
    char *root, *disk;
    char *agent_config; /* --agent-config, NULL when not given */
    struct csm_report_image *image; /* image scans only */
    char *profile, *ruleset_version;
    char **rule_files;
    const struct csm_ruleset *rules; /* borrowed: its digests are computed when a renderer asks */
    struct csm_override *overrides;
    size_t n_overrides;
    const struct csm_waivers *waivers; /* borrowed; NULL without --waivers */
    struct csm_result *results;
    size_t n_results;
    struct csm_plan plan;
    enum csm_verdict verdict;
    int exit_code; /* the verdict's, set by the command (csm_verdict_codes) */
    unsigned counts[CSM_STATUS_COUNT];
    unsigned failed_blockers;
};

/* Runs every check, applies the waivers (may be NULL) and builds the plan. */
void csm_report_build(struct csm_report *rep, struct csm_scan *s, struct csm_waivers *waivers);

/* The verdict from the results, one at a time: blocked > incomplete >
 * warnings > ready, and an info check never moves it. verify recomputes an
 * archived report's verdict with the same tally. */
struct csm_tally {
    bool blocked, incomplete, warnings;
    unsigned failed_blockers;
};
void csm_tally_add(struct csm_tally *t, enum csm_status st, enum csm_severity sev);
enum csm_verdict csm_tally_verdict(const struct csm_tally *t);
void csm_report_clear(struct csm_report *rep);

const char *csm_verdict_name(enum csm_verdict v);
/* "Blocked", "Fix the blockers below before the migration." */
const char *csm_verdict_title(enum csm_verdict v);
const char *csm_verdict_sentence(enum csm_verdict v);

/* How renderers group results, in the order they show them. */
enum csm_group {
    CSM_GROUP_BLOCKER, /* failed blockers */
    CSM_GROUP_WARNING, /* failed warnings, and warn */
    CSM_GROUP_ERROR,   /* could not be checked */
    CSM_GROUP_WAIVED,
    CSM_GROUP_SKIP,
    CSM_GROUP_INFO, /* informational checks that did not pass */
    CSM_GROUP_PASS,
    CSM_GROUP_COUNT,
};
enum csm_group csm_result_group(const struct csm_result *r);
const char *csm_group_heading(enum csm_group g);
const char *csm_group_anchor(enum csm_group g);


/* The image model from the facts of an image scan. */
struct csm_report_image *csm_report_image_build(struct csm_scan *s);
void csm_report_image_free(struct csm_report_image *im);

struct csm_render_opts {
    bool color;   /* ANSI colours */
    bool unicode; /* marks such as ✓ ✗ */
    int width;    /* text: wrap prose at this column; 0 = do not wrap */
    int detail;   /* text: -1 quiet (verdict and blockers), 0 normal, 1 verbose */
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
int csm_report_write_html(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o);

/* Today's date, "YYYY-MM-DD" (UTC), for waiver expiry; buf of 11 bytes. */
const char *csm_today(char *buf);

/* The report's digest: SHA-256 of its JSON without the "digest" member,
 * serialized compactly (cJSON, document order). verify recomputes it. */
#define CSM_DIGEST_CANON "cjson-compact"
struct cJSON;
/* The digest of a report tree that holds no "digest" member. */
char *csm_report_json_digest(struct cJSON *report);

/* The largest JSON report verify and diff read. */
#define CSM_REPORT_CAP (64 * 1024 * 1024)

/* What verify concludes of one report; the command picks the exit code. */
enum csm_report_state {
    CSM_REPORT_INTACT,     /* its digest matches, it agrees with itself, it is signed as asked */
    CSM_REPORT_CHANGED,    /* modified, inconsistent, or not signed by the key asked for */
    CSM_REPORT_UNREADABLE, /* cannot be read, or has no digest to verify */
};

/* What verify finds in one report. */
struct csm_report_check {
    const char *path;
    char *error;                /* unreadable: nothing else is set */
    const char *digest;         /* "intact", "modified", "missing" */
    char *recorded, *computed;
    const char *signature;      /* "unsigned", "valid", "invalid", "other-key", "missing" (--key, unsigned) */
    char *signer;               /* the fingerprint the signature names */
    char **problems;            /* where the report contradicts itself */
    size_t n_results;
    enum csm_report_state state;
    int code; /* the command's exit code for the state, which verify's JSON shows */
};
/* Verifies the JSON report at path (at most cap bytes) as verify does: its
 * digest, its signature (with trusted: that it is signed with that key; may
 * be NULL) and the report against itself, its exit_code against codes.
 * With keep, the parsed report (without its digest and signature) is handed
 * over when it could be read, NULL otherwise. */
void csm_report_check(const char *path, size_t cap, const struct csm_key *trusted, const csm_verdict_codes codes,
                      struct csm_report_check *v, struct cJSON **keep);
void csm_report_check_clear(struct csm_report_check *v);

/* verify's findings, one report at a time (format "text" or "json"): the
 * text as each comes (an unreadable report's error is the caller's to
 * print), the JSON at the end, with the exit code of the whole. */
struct csm_verify_writer;
struct csm_verify_writer *csm_verify_writer_new(const char *format, const struct csm_key *trusted, FILE *out);
void csm_verify_writer_add(struct csm_verify_writer *w, const struct csm_report_check *v);
/* Writes what is left and frees w. */
void csm_verify_writer_finish(struct csm_verify_writer *w, int exit_code);

/* csm-precheck diff: what changed per check between two reports, written
 * to out (format "text" or "json"). Returns 1 when a check newly fails or
 * its waiver lapsed, 0 when none does, a negative errno when a report
 * cannot be read (*why says which; nothing is written). */
int csm_report_diff(const char *old_path, const char *new_path, const char *format, FILE *out, char **why);

/* Writes to path atomically: a temporary file in the same directory,
 * fsync, rename. Returns 0 or -errno. */
int csm_report_save(const struct csm_report *rep, const struct csm_renderer *r, const char *path);
/* The same for any writer: writer(f, data) returns 0 or -errno. */
int csm_file_save(const char *path, int (*writer)(FILE *f, const void *data), const void *data);

/* The HTML report's Content Security Policy: nothing is fetched, nothing runs. */
#define CSM_HTML_CSP "default-src 'none'; style-src 'unsafe-inline'"
/* Escapes text for HTML; paths and other words that are not plain letters
 * break only between their pieces (before a '/'), never inside one. */
void csm_html_text(FILE *f, const char *s);
/* Escapes text for HTML as it is, for an attribute or SVG text. */
void csm_html_escape(FILE *f, const char *s);
