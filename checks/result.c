#include "checks/result.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "lib/util.h"

const char *csm_status_name(enum csm_status s)
{
    static const char *const names[] = { "pass", "warn", "fail", "skip", "error", "waived" };
    return names[s];
}

/* Replaces *dst by the formatted text. */
#define SET_FORMATTED(dst, fmt)                                                                                \
    do {                                                                                                       \
        va_list ap;                                                                                            \
        va_start(ap, fmt);                                                                                     \
        free(dst);                                                                                             \
        (dst) = xvasprintf(fmt, ap);                                                                           \
        va_end(ap);                                                                                            \
    } while (0)

static void set_outcome(struct csm_result *r, const char *outcome)
{
    free(r->outcome);
    r->outcome = outcome ? xstrdup(outcome) : NULL;
}

void csm_result_set(struct csm_result *r, enum csm_status st, const char *outcome)
{
    r->status = st;
    set_outcome(r, outcome);
}

void csm_result_skip(struct csm_result *r, const char *outcome, const char *fmt, ...)
{
    SET_FORMATTED(r->reason, fmt);
    csm_result_set(r, CSM_SKIP, outcome);
}

void csm_result_error(struct csm_result *r, const char *fmt, ...)
{
    SET_FORMATTED(r->reason, fmt);
    csm_result_set(r, CSM_ERROR, NULL);
}

void csm_result_var(struct csm_result *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *v = xvasprintf(fmt, ap);
    va_end(ap);
    csm_vars_set(&r->vars, name, v);
}

void csm_result_list(struct csm_result *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *v = xvasprintf(fmt, ap);
    va_end(ap);
    csm_vars_push(&r->vars, name, v);
}

struct csm_evidence *csm_result_evidence(struct csm_result *r, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->evidence = xrealloc(r->evidence, (r->n_evidence + 1) * sizeof(*r->evidence));
    struct csm_evidence *e = r->evidence[r->n_evidence++] = xmalloc(sizeof(*e));
    *e = (struct csm_evidence){ .label = xstrdup(label), .value = xvasprintf(fmt, ap) };
    va_end(ap);
    return e;
}


void csm_evidence_source(struct csm_evidence *e, const char *fmt, ...)
{
    SET_FORMATTED(e->source, fmt);
}

void csm_evidence_note(struct csm_evidence *e, const char *fmt, ...)
{
    SET_FORMATTED(e->note, fmt);
}

void csm_evidence_problem(struct csm_evidence *e, const char *fmt, ...)
{
    SET_FORMATTED(e->note, fmt);
    e->problem = true;
}

void csm_result_problem(struct csm_result *r, struct csm_evidence *e, const char **outcome, const char *key,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    csm_evidence_problem(e, "%s", msg);
    csm_vars_push(&r->vars, "problems", msg);
    if (!*outcome)
        *outcome = key;
}

/* A text that starts with a value (a reason, a {placeholder}) starts a
 * sentence all the same: its first word is capitalized when it is a plain
 * lower-case word; a name (eth0, cloud-init, /etc/fstab) stays as it is. */
static char *capitalize(char *s)
{
    size_t n = 0;
    while (s[n] >= 'a' && s[n] <= 'z')
        n++;
    if (n && (!s[n] || strchr(" ,:;", s[n])))
        s[0] = (char)(s[0] - 'a' + 'A');
    return s;
}

static char *render_text(const struct csm_result *r, const char *key, const struct csm_vars *const *sets,
                         size_t n_sets)
{
    char *const *t = csm_rule_lookup(r->rule, key, csm_status_name(r->status), r->outcome);
    if (!t || !t[0])
        return NULL;
    char *s = csm_template_text(t[0], sets, n_sets);
    return t[0][0] == '{' ? capitalize(s) : s;
}

/* skip and error have no generic message: the reason is the message,
 * unless the rules word it for that status or outcome. */
static char *render_reason(const struct csm_result *r, const struct csm_vars *const *sets, size_t n_sets)
{
    const char *quals[] = { r->outcome, csm_status_name(r->status) };
    for (size_t i = 0; i < ARRAY_SIZE(quals); i++) {
        if (!quals[i])
            continue;
        _cleanup_free_ char *key = xasprintf("message.%s", quals[i]);
        const char *t = csm_rule_scalar(r->rule, key);
        if (t) {
            char *s = csm_template_text(t, sets, n_sets);
            return t[0] == '{' ? capitalize(s) : s;
        }
    }
    if (!r->reason)
        return xstrdup(r->title);
    /* The reason is a phrase ("no --disk given: ..."); the message a sentence. */
    size_t n = strlen(r->reason);
    bool stop = n && strchr(".!?", r->reason[n - 1]);
    return capitalize(xasprintf("%s%s", r->reason, stop ? "" : "."));
}

/* "[debian,suse] update-grub": a command for some distribution families
 * only. Without a known family every variant is shown. */
static char **commands_for_family(char *const *cmds, const char *family)
{
    char **out = NULL;
    for (size_t i = 0; cmds && cmds[i]; i++) {
        const char *c = cmds[i];
        if (c[0] != '[') {
            strv_push(&out, xstrdup(c));
            continue;
        }
        const char *end = strchr(c, ']');
        if (!end)
            continue;
        _cleanup_free_ char *list = xstrndup(c + 1, (size_t)(end - c - 1));
        bool match = streq(family, "unknown");
        for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save))
            match |= streq(strstrip(f), family);
        if (match)
            strv_push(&out, xstrdup(end + 1 + strspn(end + 1, " \t")));
    }
    return out;
}

void csm_result_render(struct csm_result *r, const struct csm_vars *globals)
{
    struct csm_vars extra = { 0 };
    csm_vars_set(&extra, "id", r->check->id);
    csm_vars_set(&extra, "reason", r->reason ? r->reason : "");
    const struct csm_vars *sets[] = { &r->vars, &extra, globals };

    r->severity = r->rule->severity;
    r->title = xstrdup(csm_rule_scalar(r->rule, "title"));
    if (r->status == CSM_SKIP || r->status == CSM_ERROR)
        r->message = render_reason(r, sets, ARRAY_SIZE(sets));
    else
        r->message = render_text(r, "message", sets, ARRAY_SIZE(sets));
    if (!r->message)
        r->message = xstrdup(r->title);
    if (r->status != CSM_PASS) {
        r->hint = render_text(r, "hint", sets, ARRAY_SIZE(sets));
        const struct csm_var *family = csm_vars_get(globals, "family");
        char **cmds = commands_for_family(
            csm_rule_lookup(r->rule, "command", csm_status_name(r->status), r->outcome),
            family ? family->values[0] : "unknown");
        if (r->status == CSM_FAIL || r->status == CSM_WARN)
            csm_template_commands(cmds, sets, ARRAY_SIZE(sets), &r->commands);
        strv_free(cmds);
    }
    const struct csm_rule_value *refs = csm_rule_find(r->rule, "reference");
    r->references = refs ? strv_copy(refs->values) : NULL;
    csm_vars_clear(&extra);
}

void csm_result_clear(struct csm_result *r)
{
    free(r->outcome);
    free(r->reason);
    csm_vars_clear(&r->vars);
    for (size_t i = 0; i < r->n_evidence; i++) {
        free(r->evidence[i]->label);
        free(r->evidence[i]->value);
        free(r->evidence[i]->source);
        free(r->evidence[i]->note);
        free(r->evidence[i]);
    }
    free(r->evidence);
    free(r->title);
    free(r->message);
    free(r->hint);
    strv_free(r->commands);
    strv_free(r->references);
    memset(r, 0, sizeof(*r));
}
