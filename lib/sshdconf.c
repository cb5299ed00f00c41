#include "lib/sshdconf.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kv.h"
#include "lib/lines.h"
#include "lib/util.h"

#define SSHD_MAX_DEPTH 16 /* sshd's own limit of nested Include */
#define SSHD_MAX_FILES 256 /* files that include themselves twice would grow without end */
#define SSHD_MAX_DIRECTIVES 65536

struct parser {
    struct csm_sshd_config *c;
    csm_sshd_include_fn include;
    void *data;
};

static char *lower(char *s)
{
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

static void bad_line(struct csm_sshd_config *c, const char *file, unsigned line)
{
    if (!c->bad_lines++)
        c->bad_first = xasprintf("%s:%u", file, line);
}

static void parse_file(struct parser *ps, const char *file, const char *text, int match, unsigned depth);

static void do_include(struct parser *ps, const char *file, unsigned line, const char *args, int match,
                       unsigned depth)
{
    struct csm_sshd_config *c = ps->c;
    if (depth >= SSHD_MAX_DEPTH) {
        strv_pushf(&c->errors, "%s:%u: Include nested more than %d deep", file, line, SSHD_MAX_DEPTH);
        return;
    }
    _cleanup_strv_ char **pats = csm_split_words(args);
    for (size_t i = 0; pats && pats[i]; i++) {
        if (!ps->include) {
            strv_pushf(&c->errors, "%s:%u: Include %s is not followed", file, line, pats[i]);
            continue;
        }
        if (strv_length(c->files) >= SSHD_MAX_FILES) {
            strv_pushf(&c->errors, "%s:%u: more than %d files included: the rest are not read", file, line,
                       SSHD_MAX_FILES);
            return;
        }
        /* relative to /etc/ssh, as sshd resolves them */
        _cleanup_free_ char *pat = pats[i][0] == '/' ? xstrdup(pats[i]) : xasprintf("/etc/ssh/%s", pats[i]);
        char **paths = NULL, **texts = NULL;
        int r = ps->include(ps->data, pat, &paths, &texts);
        if (r < 0) {
            strv_pushf(&c->errors, "%s:%u: Include %s: %s", file, line, pat, csm_strerror(r));
        } else {
            for (size_t k = 0; paths && paths[k] && strv_length(c->files) < SSHD_MAX_FILES; k++)
                parse_file(ps, paths[k], texts[k] ? texts[k] : "", match, depth + 1);
        }
        strv_free(paths);
        strv_free(texts);
    }
}

static void parse_file(struct parser *ps, const char *file, const char *text, int match, unsigned depth)
{
    struct csm_sshd_config *c = ps->c;
    strv_push(&c->files, xstrdup(file));
    const char *cur = text;
    struct csm_line l = { 0 };
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (!*s || *s == '#')
            continue;
        size_t k = strcspn(s, " \t=");
        if (!k) {
            bad_line(c, file, l.no);
            continue;
        }
        char *rest = s + k;
        rest += strspn(rest, " \t");
        if (*rest == '=')
            rest++;
        rest += strspn(rest, " \t");
        s[k] = '\0';
        /* a comment after the arguments */
        for (char *h = rest; (h = strchr(h, '#')); h++)
            if (h == rest || h[-1] == ' ' || h[-1] == '\t') {
                *h = '\0';
                break;
            }
        rest = strstrip(rest);
        lower(s);
        if (streq(s, "match")) {
            c->m = xrealloc(c->m, (c->n_match + 1) * sizeof(*c->m));
            c->m[c->n_match] = (struct csm_sshd_match){ xstrdup(rest), xstrdup(file), l.no };
            match = (int)c->n_match++;
            continue;
        }
        if (streq(s, "include")) {
            do_include(ps, file, l.no, rest, match, depth);
            continue;
        }
        if (!*rest) {
            bad_line(c, file, l.no);
            continue;
        }
        if (c->n >= SSHD_MAX_DIRECTIVES)
            continue;
        const char *key = streq(s, "challengeresponseauthentication") ? "kbdinteractiveauthentication" : s;
        c->d = xrealloc(c->d, (c->n + 1) * sizeof(*c->d));
        c->d[c->n++] = (struct csm_sshd_directive){ xstrdup(key), xstrdup(rest), xstrdup(file), l.no, match };
    }
}

void csm_sshd_parse(struct csm_sshd_config *c, const char *file, const char *text, csm_sshd_include_fn include,
                    void *data)
{
    struct parser ps = { c, include, data };
    parse_file(&ps, file, text, -1, 0);
}

void csm_sshd_clear(struct csm_sshd_config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->d[i].key);
        free(c->d[i].value);
        free(c->d[i].file);
    }
    for (size_t i = 0; i < c->n_match; i++) {
        free(c->m[i].criteria);
        free(c->m[i].file);
    }
    free(c->d);
    free(c->m);
    strv_free(c->files);
    strv_free(c->errors);
    free(c->bad_first);
    *c = (struct csm_sshd_config){ 0 };
}

/* OpenSSH's pattern lists: "a,b*,!c"; a negated pattern that matches
 * decides no, else any pattern that matches decides yes. */
static bool pattern_list(const char *list, const char *name)
{
    bool yes = false;
    _cleanup_free_ char *copy = xstrdup(list);
    for (char *save = NULL, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        bool neg = *p == '!';
        if (fnmatch(neg ? p + 1 : p, name, 0) == 0) {
            if (neg)
                return false;
            yes = true;
        }
    }
    return yes;
}

enum csm_sshd_applies csm_sshd_match_applies(const struct csm_sshd_config *c, size_t i, const char *user)
{
    /* a user that no User pattern names, but "*" matches */
    const char *who = user ? user : "\x7f";
    _cleanup_strv_ char **w = csm_split_words(c->m[i].criteria);
    enum csm_sshd_applies res = CSM_SSHD_YES;
    for (size_t k = 0; w && w[k]; k++) {
        lower(w[k]);
        if (streq(w[k], "all"))
            continue;
        if (!w[k + 1])
            return CSM_SSHD_MAYBE; /* a criterion without its value: sshd refuses the file */
        const char *arg = w[++k];
        if (streq(w[k - 1], "user")) {
            if (!pattern_list(arg, who))
                return CSM_SSHD_NO;
        } else {
            res = CSM_SSHD_MAYBE; /* Group, Host, Address, LocalAddress, LocalPort, RDomain */
        }
    }
    return res;
}

const struct csm_sshd_directive *csm_sshd_effective(const struct csm_sshd_config *c, const char *key,
                                                    const char *user, const struct csm_sshd_directive **conditional)
{
    const struct csm_sshd_directive *global = NULL, *maybe = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const struct csm_sshd_directive *d = &c->d[i];
        if (!streq(d->key, key))
            continue;
        if (d->match < 0) {
            if (!global)
                global = d;
            continue;
        }
        enum csm_sshd_applies a = csm_sshd_match_applies(c, (size_t)d->match, user);
        if (a == CSM_SSHD_YES) {
            if (conditional)
                *conditional = maybe;
            return d;
        }
        if (a == CSM_SSHD_MAYBE && !maybe)
            maybe = d;
    }
    if (conditional)
        *conditional = maybe;
    return global;
}

const char *csm_sshd_default(const char *key)
{
    static const char *const defaults[][2] = {
        { "permitrootlogin", "prohibit-password" },
        { "passwordauthentication", "yes" },
        { "kbdinteractiveauthentication", "yes" },
        { "pubkeyauthentication", "yes" },
        { "authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2" },
        { "usepam", "no" },
        { "port", "22" },
        { "permitemptypasswords", "no" },
        { "authenticationmethods", "any" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
        if (streq(defaults[i][0], key))
            return defaults[i][1];
    return NULL;
}
