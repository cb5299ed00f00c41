#include "lib/yaml.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "lib/lines.h"
#include "lib/util.h"

/* A flow collection may run over several lines; past these it is garbage. */
#define FLOW_MAX_LINES 256
#define FLOW_MAX_BYTES (64 * 1024)

struct frame {
    unsigned indent;
    char *key;
};

struct yscan {
    struct frame st[CSM_YAML_MAX_DEPTH];
    size_t n;
    const char *path[CSM_YAML_MAX_DEPTH + 2];
    bool in_block; /* inside a block scalar: skip lines indented past block_indent */
    unsigned block_indent;
    csm_yaml_fn fn;
    void *data;
    unsigned skipped;
    bool stop;
};

static void pop_to(struct yscan *y, unsigned indent, bool inclusive)
{
    while (y->n && (y->st[y->n - 1].indent > indent || (inclusive && y->st[y->n - 1].indent == indent)))
        free(y->st[--y->n].key);
}

static void emit(struct yscan *y, const char *extra_key, const char *value, bool item, unsigned line)
{
    size_t d = 0;
    for (; d < y->n; d++)
        y->path[d] = y->st[d].key;
    if (extra_key)
        y->path[d++] = extra_key;
    y->path[d] = NULL;
    struct csm_yaml_node n = { line, d, y->path, value, item };
    if (!y->stop && y->fn(&n, y->data))
        y->stop = true;
}

/* Unquotes a scalar; plain scalars are returned as they are. */
static char *unquote(const char *s, size_t len)
{
    if (len < 1 || (s[0] != '"' && s[0] != '\''))
        return xstrndup(s, len);
    char q = s[0];
    char *out = xmalloc(len + 1), *o = out;
    for (size_t i = 1; i < len; i++) {
        if (s[i] == q && q == '\'' && i + 1 < len && s[i + 1] == '\'') {
            *o++ = '\'';
            i++;
        } else if (s[i] == q) {
            break;
        } else if (q == '"' && s[i] == '\\' && i + 1 < len) {
            *o++ = s[++i];
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Where a quoted scalar that starts at s ends (one past the closing quote). */
static size_t quoted_len(const char *s)
{
    char q = s[0];
    size_t i = 1;
    for (; s[i]; i++) {
        if (q == '"' && s[i] == '\\' && s[i + 1])
            i++;
        else if (s[i] == q && q == '\'' && s[i + 1] == '\'')
            i++;
        else if (s[i] == q)
            return i + 1;
    }
    return i;
}

/* Cuts a comment: '#' at the start or after a blank, outside quotes. */
static void cut_comment(char *s)
{
    for (char *p = s; *p; p++) {
        if (*p == '"' || *p == '\'') {
            p += quoted_len(p) - 1;
            if (!*p)
                return;
        } else if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            return;
        }
    }
}

/* Open brackets minus closed ones, outside quotes. */
static int flow_balance(const char *s)
{
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\'') {
            p += quoted_len(p) - 1;
            if (!*p)
                break;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if (*p == ']' || *p == '}') {
            depth--;
        }
    }
    return depth;
}

/* The key of "key: value" (plain or quoted); *value points after ": ".
 * Returns NULL when the content is not a mapping entry. */
static char *split_key(char *s, char **value)
{
    if (*s == '[' || *s == '{' || *s == '?' || *s == '|' || *s == '>')
        return NULL;
    char *colon;
    if (*s == '"' || *s == '\'') {
        size_t ql = quoted_len(s);
        colon = s + ql;
        while (*colon == ' ')
            colon++;
        if (*colon != ':' || (colon[1] && colon[1] != ' ' && colon[1] != '\t'))
            return NULL;
        char *key = unquote(s, ql);
        *value = colon + 1;
        return key;
    }
    for (colon = s; (colon = strchr(colon, ':')); colon++)
        if (!colon[1] || colon[1] == ' ' || colon[1] == '\t')
            break;
    if (!colon || colon == s)
        return NULL;
    char *end = colon;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *value = colon + 1;
    return xstrndup(s, (size_t)(end - s));
}

/* Drops anchors (&a) and tags (!!str) in front of a value. */
static char *skip_props(char *v)
{
    for (;;) {
        v = strstrip(v);
        if (*v != '&' && *v != '!')
            return v;
        char *sp = strpbrk(v, " \t");
        if (!sp)
            return v + strlen(v);
        v = sp;
    }
}

/* Splits the inside of a flow collection at top-level commas. */
static char **flow_split(const char *s, size_t len)
{
    char **out = NULL;
    size_t start = 0;
    int depth = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ',';
        if (i < len && (c == '"' || c == '\'')) {
            _cleanup_free_ char *rest = xstrndup(s + i, len - i);
            i += quoted_len(rest) - 1;
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            depth--;
        else if (c == ',' && depth <= 0) {
            _cleanup_free_ char *item = xstrndup(s + start, i - start);
            char *t = strstrip(item);
            if (*t)
                strv_push(&out, xstrdup(t));
            start = i + 1;
        }
    }
    return out;
}

/* "{a: 1, b: {c: 2}}": emits a child node per entry, nested maps too, with
 * the parent's frame on the stack. */
static void emit_flow_map(struct yscan *y, const char *v, unsigned line, int level)
{
    size_t len = strlen(v);
    size_t inner = len - 1 - (len >= 2 && v[len - 1] == '}');
    _cleanup_strv_ char **parts = flow_split(v + 1, inner);
    for (size_t i = 0; parts && parts[i] && !y->stop; i++) {
        char *value = NULL;
        char *key = split_key(parts[i], &value);
        if (!key)
            continue;
        char *val = skip_props(value);
        _cleanup_free_ char *uq = *val == '[' || *val == '{' ? xstrdup(val) : unquote(val, strlen(val));
        emit(y, key, uq, false, line);
        if (*val == '{' && level < 8 && y->n < CSM_YAML_MAX_DEPTH) {
            y->st[y->n++] = (struct frame){ UINT_MAX, key };
            emit_flow_map(y, val, line, level + 1);
            y->n--;
        }
        free(key);
    }
}

static void key_line(struct yscan *y, char *key, char *value, unsigned indent, unsigned line)
{
    pop_to(y, indent, true);
    char *v = skip_props(value);
    if (*v == '|' || *v == '>') {
        y->in_block = true;
        y->block_indent = indent;
        v = "";
    }
    if (y->n == CSM_YAML_MAX_DEPTH) {
        y->skipped++;
        free(key);
        return;
    }
    _cleanup_free_ char *uq = *v == '[' || *v == '{' ? xstrdup(v) : unquote(v, strlen(v));
    emit(y, key, uq, false, line);
    y->st[y->n++] = (struct frame){ indent, key };
    if (*v == '{')
        emit_flow_map(y, v, line, 0);
}

/* One logical line: its content (comment cut, flow continuations joined). */
static void content_line(struct yscan *y, char *s, unsigned indent, unsigned line)
{
    bool item = false;
    unsigned dash_indent = indent;
    while (s[0] == '-' && (s[1] == ' ' || s[1] == '\t' || s[1] == '\0')) {
        item = true;
        char *c = s + 1;
        while (*c == ' ' || *c == '\t')
            c++;
        indent += (unsigned)(c - s);
        s = c;
    }
    char *value = NULL;
    char *key = split_key(s, &value);
    if (item) {
        pop_to(y, dash_indent, false);
        if (!key) {
            char *v = skip_props(s);
            _cleanup_free_ char *uq = *v == '[' || *v == '{' ? xstrdup(v) : unquote(v, strlen(v));
            emit(y, NULL, uq, true, line);
            return;
        }
    }
    if (key)
        key_line(y, key, value, indent, line);
    /* else: the continuation of a multi-line plain scalar */
}

static unsigned indent_of(const struct csm_line *l, bool *tab)
{
    unsigned i = 0;
    while (i < l->len && l->p[i] == ' ')
        i++;
    *tab = i < l->len && l->p[i] == '\t';
    return i;
}

static bool is_blank(const struct csm_line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->p[i] != ' ' && l->p[i] != '\t')
            return false;
    return true;
}

/* Joins the lines of a flow collection that is not closed on its line. */
static char *join_flow(struct yscan *y, char *s, const char **cur, struct csm_line *l)
{
    size_t lines = 0;
    while (flow_balance(s) > 0) {
        if (++lines > FLOW_MAX_LINES || strlen(s) > FLOW_MAX_BYTES || !csm_line_next(cur, l)) {
            y->skipped++;
            return s; /* unterminated: keep what there is */
        }
        _cleanup_free_ char *next = xstrndup(l->p, l->len);
        cut_comment(next);
        char *joined = xasprintf("%s %s", s, strstrip(next));
        free(s);
        s = joined;
    }
    return s;
}

unsigned csm_yaml_scan(const char *text, csm_yaml_fn fn, void *data)
{
    struct yscan y = { .fn = fn, .data = data };
    const char *cur = text;
    struct csm_line l = { 0 };

    while (!y.stop && csm_line_next(&cur, &l)) {
        bool tab;
        unsigned indent = indent_of(&l, &tab);
        if (is_blank(&l))
            continue;
        if (y.in_block && indent > y.block_indent)
            continue;
        y.in_block = false;
        if (tab) {
            y.skipped++;
            continue;
        }
        char *s = xstrndup(l.p + indent, l.len - indent);
        cut_comment(s);
        char *t = strstrip(s);
        unsigned line = l.no;
        if (!*t || *t == '%') {
            free(s);
            continue;
        }
        if (indent == 0 && (startswith(t, "---") || startswith(t, "..."))) {
            pop_to(&y, 0, true); /* a new document */
            free(s);
            continue;
        }
        if (flow_balance(t) > 0) {
            char *joined = join_flow(&y, xstrdup(t), &cur, &l);
            content_line(&y, joined, indent, line);
            free(joined);
        } else {
            content_line(&y, t, indent, line);
        }
        free(s);
    }
    pop_to(&y, 0, true);
    return y.skipped;
}

char **csm_yaml_flow_list(const char *value)
{
    if (!value || value[0] != '[')
        return NULL;
    size_t len = strlen(value);
    size_t inner = len - 1 - (len >= 2 && value[len - 1] == ']');
    char **parts = flow_split(value + 1, inner);
    char **out = NULL;
    for (size_t i = 0; parts && parts[i]; i++)
        strv_push(&out, unquote(parts[i], strlen(parts[i])));
    strv_free(parts);
    /* "[]" is an empty list, not "no list". */
    return out ? out : xcalloc(1, sizeof(char *));
}

bool csm_yaml_true(const char *value)
{
    static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y" };
    for (size_t i = 0; value && i < ARRAY_SIZE(yes); i++)
        if (streq(value, yes[i]))
            return true;
    return false;
}

bool csm_yaml_path_is(const struct csm_yaml_node *n, size_t depth, ...)
{
    if (n->depth != depth)
        return false;
    va_list ap;
    va_start(ap, depth);
    bool ok = true;
    for (size_t i = 0; i < depth && ok; i++) {
        const char *want = va_arg(ap, const char *);
        ok = !want || streq(want, n->path[i]);
    }
    va_end(ap);
    return ok;
}
