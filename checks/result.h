/* The output model: one result per check. Checks fill in the facts of a
 * result (status, outcome, placeholders, evidence); the rule set turns them
 * into the texts every renderer prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy/rules.h"
#include "policy/template.h"

enum csm_status {
    CSM_PASS,
    CSM_WARN,
    CSM_FAIL,
    CSM_SKIP,   /* does not apply to this target, or needs an input not given */
    CSM_ERROR,  /* applies, but could not be established */
    CSM_WAIVED, /* failed (or warned, or erred), and a waiver accepts the risk */
    CSM_STATUS_COUNT,
};

const char *csm_status_name(enum csm_status s);

struct csm_evidence {
    char *label;
    char *value;
    char *source; /* "/etc/fstab:3", may be NULL */
    char *note;   /* may be NULL */
    bool problem; /* this item is (part of) why the check did not pass */
};

struct csm_check;
struct csm_waiver;

struct csm_result {
    const struct csm_check *check;
    const struct csm_rule *rule;
    enum csm_status status;
    char *outcome; /* stable key of what was found: "gpt", "nolabel", ... */
    char *reason;  /* skip and error: why the check could not decide */
    struct csm_vars vars;
    struct csm_evidence **evidence; /* each item stays where it is: checks keep pointers */
    size_t n_evidence;

    /* Set when a waiver applies: status is then CSM_WAIVED. */
    const struct csm_waiver *waiver;
    enum csm_status waived_status;

    /* Filled in from the rules by csm_result_render(). */
    enum csm_severity severity;
    char *title;
    char *message;
    char *hint;
    char **commands;
    char **references;
};

void csm_result_set(struct csm_result *r, enum csm_status st, const char *outcome);
void csm_result_skip(struct csm_result *r, const char *outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void csm_result_error(struct csm_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void csm_result_var(struct csm_result *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends to a list placeholder (created empty on first use). */
void csm_result_list(struct csm_result *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct csm_evidence *csm_result_evidence(struct csm_result *r, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void csm_evidence_source(struct csm_evidence *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csm_evidence_note(struct csm_evidence *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csm_evidence_problem(struct csm_evidence *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A problem found: marks the evidence with the text, adds the text to the
 * {problems} list, and sets *outcome to key when it is the first. */
void csm_result_problem(struct csm_result *r, struct csm_evidence *e, const char **outcome, const char *key,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Texts from the rule and the placeholders; globals supplies {root},
 * {host}, ... for every check. */
void csm_result_render(struct csm_result *r, const struct csm_vars *globals);
void csm_result_clear(struct csm_result *r);
