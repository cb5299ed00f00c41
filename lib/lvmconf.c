#include "lib/lvmconf.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kv.h"
#include "lib/lines.h"
#include "lib/util.h"

#define LVM_MAX_DEPTH 32

struct lex {
    const char *p;
    unsigned line;
};

static void skip_space(struct lex *x)
{
    for (;;) {
        if (*x->p == '\n') {
            x->line++;
            x->p++;
        } else if (*x->p == ' ' || *x->p == '\t' || *x->p == '\r') {
            x->p++;
        } else if (*x->p == '#') {
            x->p += strcspn(x->p, "\n");
        } else {
            return;
        }
    }
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '/' || c == '.' || c == '@' || c == '+';
}

/* A "string" (escapes \" and \\) or a number; NULL at anything else. */
static char *value(struct lex *x)
{
    if (*x->p == '"') {
        const char *s = ++x->p;
        char *out = xmalloc(strlen(s) + 1), *o = out;
        for (; *x->p && *x->p != '"'; x->p++) {
            if (*x->p == '\\' && x->p[1])
                x->p++;
            if (*x->p == '\n')
                x->line++;
            *o++ = *x->p;
        }
        if (*x->p != '"') {
            free(out);
            return NULL;
        }
        x->p++;
        *o = '\0';
        return out;
    }
    size_t k = strspn(x->p, "+-0123456789.eE");
    if (!k)
        return NULL;
    char *v = xstrndup(x->p, k);
    x->p += k;
    return v;
}

static void set(struct csm_lvmconf *c, const char *path, char **values, bool array, unsigned line)
{
    c->s = xrealloc(c->s, (c->n + 1) * sizeof(*c->s));
    c->s[c->n++] = (struct csm_lvm_setting){ xstrdup(path), values, array, line };
}

static bool fail(struct csm_lvmconf *c, const struct lex *x, const char *why)
{
    if (!c->error)
        c->error = xasprintf("line %u: %s", x->line, why);
    return false;
}

/* Statements until the end of the text (depth 0) or a "}". */
static bool statements(struct csm_lvmconf *c, struct lex *x, const char *prefix, unsigned depth)
{
    for (;;) {
        skip_space(x);
        if (!*x->p)
            return depth == 0 || fail(c, x, "a section does not end");
        if (*x->p == '}') {
            if (depth == 0)
                return fail(c, x, "'}' without a section");
            x->p++;
            return true;
        }
        size_t k = 0;
        while (ident_char(x->p[k]))
            k++;
        if (!k)
            return fail(c, x, "a name was expected");
        _cleanup_free_ char *name = xstrndup(x->p, k);
        _cleanup_free_ char *path = *prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
        x->p += k;
        skip_space(x);
        unsigned line = x->line;
        if (*x->p == '{') {
            if (depth >= LVM_MAX_DEPTH)
                return fail(c, x, "sections nested too deep");
            x->p++;
            if (!statements(c, x, path, depth + 1))
                return false;
            continue;
        }
        if (*x->p != '=')
            return fail(c, x, "'=' or '{' was expected");
        x->p++;
        skip_space(x);
        char **vals = NULL;
        bool array = *x->p == '[';
        if (array) {
            x->p++;
            for (;;) {
                skip_space(x);
                if (*x->p == ']') {
                    x->p++;
                    break;
                }
                char *v = value(x);
                if (!v) {
                    strv_free(vals);
                    return fail(c, x, "a string or a number was expected in the array");
                }
                strv_push(&vals, v);
                skip_space(x);
                if (*x->p == ',')
                    x->p++;
            }
        } else {
            char *v = value(x);
            if (!v)
                return fail(c, x, "a string, a number or an array was expected");
            strv_push(&vals, v);
        }
        set(c, path, vals, array, line);
    }
}

void csm_lvmconf_parse(const char *text, struct csm_lvmconf *c)
{
    struct lex x = { text, 1 };
    statements(c, &x, "", 0);
}

void csm_lvmconf_clear(struct csm_lvmconf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->s[i].path);
        strv_free(c->s[i].values);
    }
    free(c->s);
    free(c->error);
    *c = (struct csm_lvmconf){ 0 };
}

const struct csm_lvm_setting *csm_lvmconf_get(const struct csm_lvmconf *c, const char *path)
{
    for (size_t i = c->n; i > 0; i--)
        if (streq(c->s[i - 1].path, path))
            return &c->s[i - 1];
    return NULL;
}

/* The regex of "a|re|": false when the pattern is not of that form. */
static bool split_pattern(const char *p, bool *accept, char **re)
{
    size_t n = strlen(p);
    if (n < 3 || (p[0] != 'a' && p[0] != 'r') || p[n - 1] != p[1])
        return false;
    *accept = p[0] == 'a';
    *re = xstrndup(p + 2, n - 3);
    return true;
}

enum csm_lvm_filter csm_lvm_filter_eval(char *const *patterns, char *const *names, size_t *which)
{
    size_t np = strv_length(patterns);
    regex_t *rx = np ? xcalloc(np, sizeof(*rx)) : NULL;
    bool *acc = np ? xcalloc(np, sizeof(*acc)) : NULL;
    enum csm_lvm_filter res = CSM_LVM_UNMATCHED;
    size_t compiled = 0;
    *which = 0;
    for (; compiled < np; compiled++) {
        _cleanup_free_ char *re = NULL;
        if (!split_pattern(patterns[compiled], &acc[compiled], &re) ||
            regcomp(&rx[compiled], re, REG_EXTENDED | REG_NOSUB) != 0) {
            *which = compiled;
            res = CSM_LVM_BAD;
            goto out;
        }
    }
    bool rejected = false;
    for (size_t n = 0; names && names[n]; n++)
        for (size_t i = 0; i < np; i++) {
            if (regexec(&rx[i], names[n], 0, NULL, 0) != 0)
                continue;
            if (acc[i]) {
                *which = i;
                res = CSM_LVM_ACCEPTED;
                goto out;
            }
            if (!rejected)
                *which = i;
            rejected = true;
            break; /* this name's first match rejects it; another name may still be accepted */
        }
    if (rejected)
        res = CSM_LVM_REJECTED;
out:
    for (size_t i = 0; i < compiled; i++)
        regfree(&rx[i]);
    free(rx);
    free(acc);
    return res;
}

/* ---- the devices file ---- */

void csm_lvm_devices_parse(const char *text, struct csm_lvm_devices *out)
{
    const char *cur = text;
    struct csm_line l = { 0 };
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (!*s || *s == '#')
            continue;
        _cleanup_strv_ char **w = csm_split_words(s);
        struct csm_lvm_device d = { .line = l.no };
        bool any = false;
        for (size_t i = 0; w && w[i]; i++) {
            char *eq = strchr(w[i], '=');
            if (!eq)
                continue;
            *eq = '\0';
            char **slot = streq(w[i], "IDTYPE") ? &d.idtype : streq(w[i], "IDNAME") ? &d.idname
                          : streq(w[i], "DEVNAME") ? &d.devname : streq(w[i], "PVID") ? &d.pvid
                          : streq(w[i], "PART") ? &d.part : NULL;
            if (streq(w[i], "VERSION")) {
                free(out->version);
                out->version = xstrdup(eq + 1);
                any = true;
            } else if (streq(w[i], "SYSTEMID") || streq(w[i], "HASH")) {
                any = true;
            } else if (slot) {
                free(*slot);
                *slot = xstrdup(eq + 1);
                any = true;
            }
        }
        if (d.idtype || d.pvid) {
            out->d = xrealloc(out->d, (out->n + 1) * sizeof(*out->d));
            out->d[out->n++] = d;
        } else {
            free(d.idname);
            free(d.devname);
            free(d.part);
            out->bad_lines += !any;
        }
    }
}

void csm_lvm_devices_clear(struct csm_lvm_devices *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->d[i].idtype);
        free(d->d[i].idname);
        free(d->d[i].devname);
        free(d->d[i].pvid);
        free(d->d[i].part);
    }
    free(d->d);
    free(d->version);
    *d = (struct csm_lvm_devices){ 0 };
}

bool csm_lvm_idtype_hardware(const char *idtype)
{
    return idtype && (streq(idtype, "sys_wwid") || streq(idtype, "sys_serial") || streq(idtype, "devname") ||
                      streq(idtype, "wwid_naa") || streq(idtype, "wwid_eui") || streq(idtype, "wwid_t10"));
}
