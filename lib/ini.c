#include "lib/ini.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

struct tokenizer {
    unsigned flags;
    char *section;
    csm_ini_token_fn fn;
    void *data;
};

static bool lead_space(const struct tokenizer *t, char c)
{
    if (c == ' ' || c == '\t')
        return true;
    /* strstrip's set, as the network readers always trimmed their lines */
    return (t->flags & CSM_INI_ANY_SPACE) && (c == '\n' || c == '\r' || c == '\v' || c == '\f');
}

static int section_token(struct tokenizer *t, struct csm_ini_token *tok, char *line, char *s)
{
    char *end = strchr(s, ']');
    if (!end) {
        tok->kind = CSM_INI_UNCLOSED;
        tok->col = (size_t)(s - line) + strlen(s);
        return t->fn(tok, t->data);
    }
    *end = '\0';
    free(t->section);
    t->section = xstrdup(s + 1);
    tok->kind = CSM_INI_SECTION;
    tok->section = t->section;
    tok->name = s + 1;
    tok->col = (size_t)(s + 1 - line);
    tok->rest = end + 1;
    tok->rest_col = (size_t)(end + 1 - line);
    return t->fn(tok, t->data);
}

static int logical_line(struct tokenizer *t, char *line, unsigned no)
{
    char *s = line;
    while (lead_space(t, *s))
        s++;
    if (!*s || *s == '#' || *s == ';')
        return 0;
    struct csm_ini_token tok = { .line = no, .section = t->section };
    if (*s == '[')
        return section_token(t, &tok, line, s);
    tok.kind = CSM_INI_ENTRY;
    tok.key = s;
    tok.col = (size_t)(s - line);
    char *eq = strchr(s, '=');
    if (eq) {
        *eq = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        tok.value = v;
        tok.value_col = (size_t)(v - line);
    }
    return t->fn(&tok, t->data);
}

/* One physical line cut in place: its '\n' and one '\r' before it gone. */
static char *physical_line(char **cur, size_t *len)
{
    char *p = *cur, *nl = strchr(p, '\n');
    if (nl)
        *nl = '\0';
    *cur = nl ? nl + 1 : NULL;
    *len = strlen(p);
    if (*len && p[*len - 1] == '\r')
        p[--*len] = '\0';
    return p;
}

int csm_ini_tokenize(const char *text, unsigned flags, csm_ini_token_fn fn, void *data)
{
    struct tokenizer t = { flags, xstrdup(""), fn, data };
    _cleanup_free_ char *copy = xstrdup(text);
    char *joined = NULL;
    size_t joined_len = 0;
    unsigned no = 0, start = 0;
    int r = 0;
    for (char *cur = copy; cur && !r;) {
        size_t len;
        char *p = physical_line(&cur, &len);
        no++;
        bool cont = (flags & CSM_INI_CONTINUE) && len && p[len - 1] == '\\';
        if (cont)
            p[--len] = '\0';
        if (!joined) {
            start = no;
            joined = xstrndup(p, len);
            joined_len = len;
        } else {
            joined = xrealloc(joined, joined_len + len + 2);
            joined[joined_len++] = ' ';
            memcpy(joined + joined_len, p, len + 1);
            joined_len += len;
        }
        if (cont && cur)
            continue;
        r = logical_line(&t, joined, start);
        free(joined);
        joined = NULL;
    }
    free(joined);
    free(t.section);
    return r;
}
