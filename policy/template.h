/* Placeholders and the texts of rule files that use them.
 *
 * "{name}" is replaced by the value of name; "{{" and "}}" are literal
 * braces. A list value joins with ", " in prose; in a command template it
 * repeats the command once per element, lists of equal length in step
 * (the i-th device with the i-th UUID). Values put into commands must be
 * shell-safe (csm_shell_safe): one that is not drops that command, so a
 * hostile file cannot smuggle shell syntax into an admin's copy-paste. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct csm_var {
    char *name;
    char **values;
    bool list;
};

struct csm_vars {
    struct csm_var *v;
    size_t n;
};

void csm_vars_set(struct csm_vars *vs, const char *name, const char *value);
/* Appends to a list (created empty on first use, even with value NULL). */
void csm_vars_push(struct csm_vars *vs, const char *name, const char *value);
const struct csm_var *csm_vars_get(const struct csm_vars *vs, const char *name);
void csm_vars_clear(struct csm_vars *vs);

/* Lookups go through sets in order; the first that has the name wins. */
char *csm_template_text(const char *tmpl, const struct csm_vars *const *sets, size_t n_sets);
/* Appends the expansions of every template in tmpls to *out. */
void csm_template_commands(char *const *tmpls, const struct csm_vars *const *sets, size_t n_sets,
                           char ***out);

/* Calls fn for each placeholder of tmpl; returns -EINVAL and sets *col
 * (0-based) at a malformed brace. */
int csm_template_scan(const char *tmpl, void (*fn)(const char *name, size_t col, void *data), void *data,
                      size_t *col);
