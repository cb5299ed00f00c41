/* The catalogue of checks (--list-checks): one model, the check table with
 * the rules in force, rendered as a text table, JSON, the README's
 * markdown tables or the man page's troff list. The documents are made
 * from it, so that they cannot drift from the table. */
#pragma once

#include <stdio.h>

#include "policy/rules.h"

struct csm_checklist {
    /* The profile asked for, with a site's rules: the text and JSON lists. */
    const struct csm_ruleset *rules;
    /* Every shipped profile's own rules, in the order of
     * csm_ruleset_profiles(NULL): the documents' severity columns. */
    const struct csm_ruleset *const *shipped;
    size_t n_shipped;
};

struct csm_checklist_renderer {
    const char *name;
    bool shipped; /* needs the shipped profiles (the documents) */
    int (*write)(const struct csm_checklist *cl, FILE *f);
};

/* The renderer of --format NAME; NULL for a name that lists nothing of
 * its own (a scan's format: the text table serves it). */
const struct csm_checklist_renderer *csm_checklist_renderer_find(const char *name);
