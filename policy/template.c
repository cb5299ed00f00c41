#include "policy/template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static struct csm_var *vars_slot(struct csm_vars *vs, const char *name)
{
    for (size_t i = 0; i < vs->n; i++)
        if (streq(vs->v[i].name, name))
            return &vs->v[i];
    vs->v = xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
    struct csm_var *v = &vs->v[vs->n++];
    *v = (struct csm_var){ .name = xstrdup(name) };
    return v;
}

void csm_vars_set(struct csm_vars *vs, const char *name, const char *value)
{
    struct csm_var *v = vars_slot(vs, name);
    strv_free(v->values);
    v->values = NULL;
    v->list = false;
    strv_push(&v->values, xstrdup(value));
}

void csm_vars_push(struct csm_vars *vs, const char *name, const char *value)
{
    struct csm_var *v = vars_slot(vs, name);
    v->list = true;
    if (value)
        strv_push(&v->values, xstrdup(value));
}

const struct csm_var *csm_vars_get(const struct csm_vars *vs, const char *name)
{
    for (size_t i = 0; vs && i < vs->n; i++)
        if (streq(vs->v[i].name, name))
            return &vs->v[i];
    return NULL;
}

void csm_vars_clear(struct csm_vars *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        strv_free(vs->v[i].values);
    }
    free(vs->v);
    vs->v = NULL;
    vs->n = 0;
}

/* ":one|other}" of a plural placeholder: returns where the '}' is, or NULL
 * when the two forms are not there. */
static const char *plural_end(const char *colon)
{
    const char *bar = NULL, *q = colon + 1;
    for (; *q && *q != '}' && *q != '{'; q++)
        if (*q == '|')
            bar = bar ? colon : q; /* a second '|' is malformed */
    if (*q != '}' || !bar || bar == colon || bar == colon + 1 || bar + 1 == q)
        return NULL;
    return q;
}

int csm_template_scan(const char *tmpl, void (*fn)(const char *name, size_t col, void *data), void *data,
                      size_t *col)
{
    for (const char *p = tmpl; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (*p == '}')
            goto bad;
        if (*p != '{')
            continue;
        const char *end = p + 1;
        while (*end && (strchr("abcdefghijklmnopqrstuvwxyz0123456789_-.", *end)))
            end++;
        const char *name_end = end;
        if (*end == '*') /* {name*}: the whole list, space-separated */
            end++;
        else if (*end == ':' && end > p + 1) /* {count:one|other} */
            end = plural_end(end);
        if (!end || *end != '}' || end == p + 1 || end[-1] == '{')
            goto bad;
        char name[64];
        size_t n = (size_t)((*name_end == '*' ? name_end + 1 : name_end) - p - 1);
        if (n >= sizeof(name))
            goto bad;
        memcpy(name, p + 1, n);
        name[n] = '\0';
        if (fn)
            fn(name, (size_t)(p - tmpl), data);
        p = end;
        continue;
    bad:
        if (col)
            *col = (size_t)(p - tmpl);
        return -EINVAL;
    }
    return 0;
}

static const struct csm_var *lookup(const struct csm_vars *const *sets, size_t n_sets, const char *name)
{
    for (size_t i = 0; i < n_sets; i++) {
        const struct csm_var *v = csm_vars_get(sets[i], name);
        if (v)
            return v;
    }
    return NULL;
}

/* index < 0: prose (lists joined); otherwise the index-th element of each
 * list. Returns NULL if a value is missing or (for_shell) unsafe. */
static char *expand(const char *tmpl, const struct csm_vars *const *sets, size_t n_sets, long index,
                    bool for_shell)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    bool ok = true;

    if (!f)
        return NULL;
    for (const char *p = tmpl; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            fputc(*p++, f);
            continue;
        }
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            fputc(*p, f);
            continue;
        }
        _cleanup_free_ char *name = xstrndup(p + 1, (size_t)(end - p - 1));
        char *forms = strchr(name, ':');
        if (forms)
            *forms++ = '\0';
        bool whole = !forms && endswith(name, "*");
        if (whole)
            name[strlen(name) - 1] = '\0';
        const struct csm_var *v = lookup(sets, n_sets, name);
        p = end;
        if (!v) {
            ok = false;
            continue;
        }
        if (whole) {
            /* A command over an empty list would run on nothing, or on everything. */
            if (for_shell && !(v->values && v->values[0]))
                ok = false;
            for (size_t i = 0; v->values && v->values[i]; i++) {
                if (for_shell && !csm_shell_safe(v->values[i]))
                    ok = false;
                fprintf(f, "%s%s", i ? " " : "", v->values[i]);
            }
        } else if (forms) {
            /* The number and the noun that agrees with it: "1 entry", "3 entries". */
            const char *bar = strchrnul(forms, '|');
            const char *val = v->values && v->values[0] ? v->values[0] : "";
            if (for_shell && !csm_shell_safe(val))
                ok = false;
            if (streq(val, "1") || !*bar)
                fprintf(f, "%s %.*s", val, (int)(bar - forms), forms);
            else
                fprintf(f, "%s %s", val, bar + 1);
        } else if (index < 0 || !v->list) {
            _cleanup_free_ char *joined = strv_join(v->values, ", ");
            if (for_shell && !csm_shell_safe(joined))
                ok = false;
            fputs(joined, f);
        } else if ((size_t)index < strv_length(v->values)) {
            const char *val = v->values[index];
            if (for_shell && !csm_shell_safe(val))
                ok = false;
            fputs(val, f);
        } else {
            ok = false;
        }
    }
    fclose(f);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

char *csm_template_text(const char *tmpl, const struct csm_vars *const *sets, size_t n_sets)
{
    char *s = expand(tmpl, sets, n_sets, -1, false);
    return s ? s : xstrdup(tmpl);
}

struct list_len {
    const struct csm_vars *const *sets;
    size_t n_sets;
    long len; /* -1: no list named */
};

static void measure(const char *name, size_t col, void *data)
{
    struct list_len *l = data;
    (void)col;
    const struct csm_var *v = endswith(name, "*") ? NULL : lookup(l->sets, l->n_sets, name);
    if (v && v->list) {
        long n = (long)strv_length(v->values);
        if (l->len < 0 || n < l->len)
            l->len = n;
    }
}

void csm_template_commands(char *const *tmpls, const struct csm_vars *const *sets, size_t n_sets,
                           char ***out)
{
    for (size_t t = 0; tmpls && tmpls[t]; t++) {
        struct list_len l = { sets, n_sets, -1 };
        if (csm_template_scan(tmpls[t], measure, &l, NULL) < 0)
            continue;
        if (l.len < 0) {
            char *c = expand(tmpls[t], sets, n_sets, -1, true);
            if (c)
                strv_push(out, c);
            continue;
        }
        for (long i = 0; i < l.len; i++) {
            char *c = expand(tmpls[t], sets, n_sets, i, true);
            if (c && !strv_contains(*out, c))
                strv_push(out, c);
            else
                free(c);
        }
    }
}
