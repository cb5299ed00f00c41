#include "lib/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* Unquotes a shell word in place-copy; stops at an unquoted '#'
 * that starts a comment or at the end. */
static char *unquote(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    char q = 0;
    for (; *s; s++) {
        if (q) {
            if (*s == q)
                q = 0;
            else if (q == '"' && *s == '\\' && s[1] && strchr("\"\\$`", s[1]))
                *o++ = *++s;
            else
                *o++ = *s;
        } else if (*s == '\'' || *s == '"') {
            q = *s;
        } else if (*s == '\\' && s[1]) {
            *o++ = *++s;
        } else if (*s == '#' && (o == out || o[-1] == ' ')) {
            break;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    /* Trailing unquoted blanks are not part of the value. */
    while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
        *--o = '\0';
    return out;
}

static bool valid_key(const char *k, size_t n)
{
    if (!n || (k[0] >= '0' && k[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
              k[i] == '_'))
            return false;
    return true;
}

void csm_kv_parse(const char *text, const char *file, struct csm_kvs *out)
{
    unsigned line = 0;
    for (const char *cur = text, *next; cur && *cur; cur = next) {
        next = strchr(cur, '\n');
        size_t len = next ? (size_t)(next - cur) : strlen(cur);
        if (next)
            next++;
        line++;
        char *l = xstrndup(cur, len);
        char *s = strstrip(l);
        if (startswith(s, "export "))
            s = strstrip(s + 7);
        char *eq = strchr(s, '=');
        if (!*s || *s == '#') {
            free(l);
            continue;
        }
        if (!eq || !valid_key(s, (size_t)(eq - s))) {
            out->bad_lines++;
            free(l);
            continue;
        }
        out->kv = xrealloc(out->kv, (out->n + 1) * sizeof(*out->kv));
        out->kv[out->n++] = (struct csm_kv){
            .key = xstrndup(s, (size_t)(eq - s)),
            .value = unquote(eq + 1),
            .file = file,
            .line = line,
        };
        free(l);
    }
}

const struct csm_kv *csm_kv_get(const struct csm_kvs *kvs, const char *key)
{
    for (size_t i = kvs->n; i > 0; i--)
        if (streq(kvs->kv[i - 1].key, key))
            return &kvs->kv[i - 1];
    return NULL;
}

void csm_kv_clear(struct csm_kvs *kvs)
{
    for (size_t i = 0; i < kvs->n; i++) {
        free(kvs->kv[i].key);
        free(kvs->kv[i].value);
    }
    free(kvs->kv);
    *kvs = (struct csm_kvs){ 0 };
}

char **csm_split_words(const char *s)
{
    char **v = NULL;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char *w = xmalloc(strlen(s) + 1), *o = w;
        char q = 0;
        for (; *s && (q || (*s != ' ' && *s != '\t')); s++) {
            if (q && *s == q)
                q = 0;
            else if (!q && (*s == '"' || *s == '\''))
                q = *s;
            else
                *o++ = *s;
        }
        *o = '\0';
        strv_push(&v, w);
    }
    return v;
}
