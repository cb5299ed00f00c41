#include "report/checklist.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "lib/util.h"

static int write_text(const struct csm_checklist *cl, FILE *f)
{
    int w = 2;
    for (size_t i = 0; i < csm_n_checks; i++)
        if ((int)strlen(csm_checks[i].id) > w)
            w = (int)strlen(csm_checks[i].id);
    fprintf(f, "%-*s  %-8s  %-7s  %s\n", w, "ID", "SEVERITY", "ENABLED", "TITLE");
    for (size_t i = 0; i < csm_n_checks; i++) {
        const struct csm_rule *rule = csm_ruleset_get(cl->rules, csm_checks[i].id);
        fprintf(f, "%-*s  %-8s  %-7s  %s\n", w, csm_checks[i].id, csm_severity_name(rule->severity),
                rule->enabled ? "yes" : "no", csm_rule_scalar(rule, "title"));
    }
    return 0;
}

static cJSON *check_json(const struct csm_check *c, const struct csm_rule *rule)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "severity", csm_severity_name(rule->severity));
    cJSON_AddBoolToObject(o, "enabled", rule->enabled);
    cJSON_AddStringToObject(o, "scope", csm_scope_name(csm_check_scope(c)));
    cJSON_AddStringToObject(o, "title", csm_rule_scalar(rule, "title"));
    cJSON *params = cJSON_AddObjectToObject(o, "params");
    for (size_t k = 0; c->params && c->params[k]; k++) {
        cJSON *vals = cJSON_AddArrayToObject(params, c->params[k]);
        char *const *v = csm_rule_param(rule, c->params[k]);
        for (size_t j = 0; v[j]; j++)
            cJSON_AddItemToArray(vals, cJSON_CreateString(v[j]));
    }
    return o;
}

static int write_json(const struct csm_checklist *cl, FILE *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "profile", csm_ruleset_profile(cl->rules));
    cJSON_AddStringToObject(o, "ruleset_version", csm_ruleset_version(cl->rules));
    cJSON *arr = cJSON_AddArrayToObject(o, "checks");
    for (size_t i = 0; i < csm_n_checks; i++)
        cJSON_AddItemToArray(arr, check_json(&csm_checks[i], csm_ruleset_get(cl->rules, csm_checks[i].id)));
    char *s = cJSON_Print(o);
    fprintf(f, "%s\n", s);
    free(s);
    cJSON_Delete(o);
    return 0;
}

/* A profile's column: the shipped severity, or "disabled". */
static const char *shipped_severity(const struct csm_ruleset *rs, const char *id)
{
    const struct csm_rule *rule = csm_ruleset_get(rs, id);
    return rule->enabled ? csm_severity_name(rule->severity) : "disabled";
}

/* A table cell: '|' would end it. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void md_group(const struct csm_checklist *cl, enum csm_check_group g, FILE *f)
{
    fprintf(f, "%s\n\n| id | what it establishes |", csm_check_group_intro(g));
    for (size_t p = 0; p < cl->n_shipped; p++)
        fprintf(f, " %s |", csm_ruleset_profile(cl->shipped[p]));
    fputs("\n|---|---|", f);
    for (size_t p = 0; p < cl->n_shipped; p++)
        fputs("---|", f);
    fputc('\n', f);
    for (size_t i = 0; i < csm_n_checks; i++) {
        const struct csm_check *c = &csm_checks[i];
        if (c->group != g)
            continue;
        fprintf(f, "| `%s` | ", c->id);
        md_cell(f, c->summary);
        fputs(" |", f);
        for (size_t p = 0; p < cl->n_shipped; p++)
            fprintf(f, " %s |", shipped_severity(cl->shipped[p], c->id));
        fputc('\n', f);
    }
}

/* The README's tables, one per group. */
static int write_markdown(const struct csm_checklist *cl, FILE *f)
{
    for (int g = 0; g < CSM_CHECKS_GROUP_COUNT; g++) {
        if (g)
            fputc('\n', f);
        md_group(cl, g, f);
    }
    return 0;
}

/* Markdown's `code` spans as troff text: the marks go, a '-' in them is
 * a minus (an option, a path), a backslash is printed as one; a sentence
 * starts with a capital and ends with a period. */
static void man_text(FILE *f, const char *s, bool sentence)
{
    bool code = false;
    for (const char *p = s; *p; p++) {
        if (*p == '`')
            code = !code;
        else if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-' && code)
            fputs("\\-", f);
        else if (p == s && (*p == '.' || *p == '\''))
            fprintf(f, "\\&%c", *p);
        else
            fputc(sentence && p == s ? toupper((unsigned char)*p) : *p, f);
    }
    if (sentence && *s && s[strlen(s) - 1] != '.')
        fputc('.', f);
    fputc('\n', f);
}

/* The man page's list: a paragraph per group, a tagged paragraph per check. */
static int write_man(const struct csm_checklist *cl, FILE *f)
{
    (void)cl;
    for (int g = 0; g < CSM_CHECKS_GROUP_COUNT; g++) {
        fputs(".PP\n", f);
        man_text(f, csm_check_group_intro(g), false);
        for (size_t i = 0; i < csm_n_checks; i++) {
            if (csm_checks[i].group != (enum csm_check_group)g)
                continue;
            fprintf(f, ".TP\n.B %s\n", csm_checks[i].id);
            man_text(f, csm_checks[i].summary, true);
        }
    }
    return 0;
}

static const struct csm_checklist_renderer renderers[] = {
    { "text", false, write_text },
    { "json", false, write_json },
    { "markdown", true, write_markdown },
    { "man", true, write_man },
};

const struct csm_checklist_renderer *csm_checklist_renderer_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(renderers); i++)
        if (streq(renderers[i].name, name))
            return &renderers[i];
    return NULL;
}
