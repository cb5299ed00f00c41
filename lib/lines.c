#include "lib/lines.h"

#include <string.h>

#include "lib/ini.h"
#include "lib/util.h"

char *csm_line_cut(char **cursor)
{
    char *line = *cursor;
    if (!line || !*line)
        return NULL;
    char *nl = strchr(line, '\n');
    if (nl)
        *nl++ = '\0';
    *cursor = nl ? nl : line + strlen(line);
    return line;
}

bool csm_line_next(const char **cursor, struct csm_line *l)
{
    const char *p = *cursor;
    if (!p || !*p)
        return false;
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    *cursor = nl ? nl + 1 : p + len;
    if (len && p[len - 1] == '\r')
        len--;
    l->p = p;
    l->len = len;
    l->no++;
    return true;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- INI ---- */

struct ini_parse {
    csm_ini_fn fn;
    void *data;
    unsigned bad;
};

static int ini_token(struct csm_ini_token *t, void *data)
{
    struct ini_parse *p = data;
    if (t->kind == CSM_INI_SECTION)
        return 0;
    char *key = t->key ? strstrip(t->key) : NULL;
    if (t->kind == CSM_INI_UNCLOSED || !t->value || !*key) {
        p->bad++;
        return 0;
    }
    return p->fn(t->section, key, strstrip(t->value), t->line, p->data);
}

unsigned csm_ini_parse(const char *text, csm_ini_fn fn, void *data)
{
    struct ini_parse p = { fn, data, 0 };
    csm_ini_tokenize(text, CSM_INI_ANY_SPACE, ini_token, &p);
    return p.bad;
}

/* ---- udev rules ---- */

static const char *const udev_ops[] = { "==", "!=", "+=", "-=", ":=", "=" };

static void rule_clear(struct csm_udev_rule *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->t[i].key);
        free(r->t[i].op);
        free(r->t[i].value);
    }
    free(r->t);
    *r = (struct csm_udev_rule){ 0 };
}

/* KEY or KEY{attr}: letters, digits, '_' and one brace group. */
static size_t udev_key_len(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
           s[n] == '_')
        n++;
    if (n && s[n] == '{') {
        const char *end = strchr(s + n, '}');
        if (!end)
            return 0;
        n = (size_t)(end - s) + 1;
    }
    return n;
}

/* Reads one KEY op "value" at *s; false (rule marked bad) on anything else. */
static bool udev_token(const char **s, struct csm_udev_rule *r)
{
    const char *p = *s;
    size_t klen = udev_key_len(p);
    if (!klen)
        return false;
    const char *o = p + klen;
    while (blank(*o))
        o++;
    const char *op = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(udev_ops) && !op; i++)
        if (startswith(o, udev_ops[i]))
            op = udev_ops[i];
    if (!op)
        return false;
    const char *v = o + strlen(op);
    while (blank(*v))
        v++;
    if (*v != '"')
        return false;
    const char *end = v + 1;
    while (*end && *end != '"')
        end += end[0] == '\\' && end[1] ? 2 : 1;
    if (*end != '"')
        return false;
    r->t = xrealloc(r->t, (r->n + 1) * sizeof(*r->t));
    r->t[r->n++] = (struct csm_udev_token){ xstrndup(p, klen), xstrdup(op), xstrndup(v + 1, (size_t)(end - v - 1)) };
    *s = end + 1;
    return true;
}

static void udev_rule_text(const char *text, unsigned line, csm_udev_fn fn, void *data)
{
    struct csm_udev_rule r = { .line = line };
    const char *s = text;
    for (;;) {
        while (blank(*s) || *s == ',')
            s++;
        if (!*s || *s == '#')
            break;
        if (!udev_token(&s, &r)) {
            r.bad = true;
            break;
        }
    }
    if (r.n)
        fn(&r, data);
    rule_clear(&r);
}

void csm_udev_parse(const char *text, csm_udev_fn fn, void *data)
{
    const char *cur = text;
    struct csm_line l = { 0 };
    char *rule = NULL;
    size_t len = 0;
    unsigned start = 0;

    while (csm_line_next(&cur, &l)) {
        bool cont = l.len && l.p[l.len - 1] == '\\';
        size_t n = cont ? l.len - 1 : l.len;
        if (!rule)
            start = l.no;
        rule = xrealloc(rule, len + n + 2);
        memcpy(rule + len, l.p, n);
        len += n;
        rule[len] = '\0';
        /* A rule file of continuations alone must not grow without end. */
        if (cont && len < 64 * 1024)
            continue;
        udev_rule_text(rule, start, fn, data);
        free(rule);
        rule = NULL;
        len = 0;
    }
    if (rule)
        udev_rule_text(rule, start, fn, data);
    free(rule);
}

const char *csm_udev_get(const struct csm_udev_rule *rule, const char *key, const char *ops)
{
    for (size_t i = 0; i < rule->n; i++) {
        if (!streq(rule->t[i].key, key))
            continue;
        _cleanup_free_ char *list = xstrdup(ops);
        for (char *save = NULL, *o = strtok_r(list, "|", &save); o; o = strtok_r(NULL, "|", &save))
            if (streq(o, rule->t[i].op))
                return rule->t[i].value;
    }
    return NULL;
}
