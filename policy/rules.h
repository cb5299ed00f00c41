/* The rule set: what each check's verdict means, as data.
 *
 * Rule files are INI-like ("[check.id]" sections of "key = value" lines,
 * '#' comments, also after a value from a '#' that follows a space, a
 * trailing '\' continues a line). They are read in layers,
 * later files overriding earlier ones: the shipped set (compiled in), its
 * profile directory, then a site's --rules DIR and DIR/<profile>.
 * Scalar keys (title, severity, enabled, message, hint) are replaced by a
 * later assignment; list keys (command, reference, param.*) accumulate, and
 * an empty assignment clears them, as in systemd unit files. message, hint
 * and command may be qualified by an outcome or a status: "message.gpt",
 * "command.fail". Texts use {placeholders} that a check fills in.
 * "follows = other.check" gives a check the severity a site gives the other
 * one, unless the site sets its own. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum csm_severity {
    CSM_SEV_INFO,
    CSM_SEV_WARNING,
    CSM_SEV_BLOCKER,
};

const char *csm_severity_name(enum csm_severity s);

/* One source file of the shipped rule set, embedded at build time. */
struct csm_rules_file {
    const char *path;
    const char *data;
    size_t size;
};
extern const struct csm_rules_file csm_rules_builtin[];

struct csm_rule_value {
    char *key;     /* "severity", "message.gpt", "param.unstable", ... */
    char **values; /* one element for scalars */
    char *origin;  /* "file:line" of the assignment in force */
    bool site;     /* set or changed by a site's --rules file */
    char **shipped; /* with site: the shipped values it replaced (NULL: none) */
};

/* The settings of one section ([check.id], [plan], [ruleset], [profile]). */
struct csm_rule {
    char *id;
    bool enabled;
    enum csm_severity severity;
    struct csm_rule_value *values;
    size_t n_values;
};

struct csm_ruleset;

/* What a section may contain: the loader refuses anything else, so a typo in
 * a site file is an error with its position, not a silently ignored line. */
struct csm_rules_section {
    const char *id;
    const char *const *params; /* names allowed as param.<name>, NULL-terminated; NULL: none */
    const char *const *vars;   /* placeholders its texts may use, NULL-terminated; NULL: none */
    bool is_check;      /* has title, severity, enabled */
};

/* Reports a defect of a rule file: "file:line:col: message". */
typedef void (*csm_rules_errfn)(const char *file, unsigned line, unsigned col, const char *msg, void *data);

/* Loads the shipped set for profile, then site_dir (may be NULL). Returns
 * -EINVAL after reporting every defect through errfn, -ENOENT for an unknown
 * profile (check csm_ruleset_profiles() first to tell it from a missing
 * site_dir), other negative errno when site_dir cannot be read. */
int csm_ruleset_load(const struct csm_rules_section *sections, size_t n_sections, const char *profile,
                     const char *site_dir, csm_rules_errfn errfn, void *data, struct csm_ruleset **out);
void csm_ruleset_free(struct csm_ruleset *rs);

/* Profiles the shipped set (and a site dir) defines, sorted. */
char **csm_ruleset_profiles(const char *site_dir);

/* Placeholders every text may use, whatever the section. */
#define CSM_RULES_GLOBAL_VARS "root host profile family id reason"
/* The families a command may be limited to: "command = [debian] update-grub". */
#define CSM_RULES_FAMILIES "debian rhel suse"

const struct csm_rule *csm_ruleset_get(const struct csm_ruleset *rs, const char *section);
const char *csm_ruleset_version(const struct csm_ruleset *rs);
const char *csm_ruleset_profile(const struct csm_ruleset *rs);
char *const *csm_ruleset_files(const struct csm_ruleset *rs);
/* SHA-256 of each file as loaded (parallel to the files), and of the whole
 * set: every file in load order, each as "<length>\n<content>". NULL when
 * libcrypto cannot be loaded. */
char *const *csm_ruleset_file_digests(const struct csm_ruleset *rs);
const char *csm_ruleset_digest(const struct csm_ruleset *rs);
/* Every section, in the order first seen. */
size_t csm_ruleset_count(const struct csm_ruleset *rs);
const struct csm_rule *csm_ruleset_at(const struct csm_ruleset *rs, size_t i);

/* The first of key.outcome, key.status, key that is set; NULL when none. */
char *const *csm_rule_lookup(const struct csm_rule *rule, const char *key, const char *status,
                             const char *outcome);
const struct csm_rule_value *csm_rule_find(const struct csm_rule *rule, const char *key);
const char *csm_rule_scalar(const struct csm_rule *rule, const char *key);
/* A parameter's list (param.<name>); never NULL for a declared parameter. */
char *const *csm_rule_param(const struct csm_rule *rule, const char *name);
