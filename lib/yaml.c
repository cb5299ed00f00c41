#include "lib/yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "lib/util.h"

/* Aliases may stack collections further than the text does; past this the
 * walk stops rather than recursing on. */
#define MAX_LEVEL (2 * CSM_YAML_MAX_DEPTH)

/* A node of the loaded documents. An alias is the node it names, shared:
 * kids point into the documents, they are not copies. */
struct ynode {
    enum csm_yaml_kind kind;
    unsigned line;
    bool open; /* a collection whose end has not been read yet */
    char *value;
    struct ynode **kids; /* a mapping's: key, value, key, value... */
    size_t n;
};

struct anchor {
    char *name;
    struct ynode *node;
};

struct yload {
    struct ynode **all; /* every node, to free them */
    size_t n_all;
    struct ynode **docs;
    size_t n_docs;
    struct ynode *stack[CSM_YAML_MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;
    size_t n_anchors;
    size_t links; /* node references: nodes and aliases */
    struct csm_yaml_error *err;
};

static int fail(struct csm_yaml_error *err, int r, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct csm_yaml_error *err, int r, unsigned line, const char *fmt, ...)
{
    if (err) {
        err->line = line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->what, sizeof(err->what), fmt, ap);
        va_end(ap);
    }
    return r;
}

static void push_ptr(struct ynode ***v, size_t *n, struct ynode *x)
{
    /* Doubling at powers of two: amortised constant time per element. */
    if ((*n & (*n - 1)) == 0)
        *v = xrealloc(*v, (*n ? 2 * *n : 1) * sizeof(**v));
    (*v)[(*n)++] = x;
}

static int attach(struct yload *y, struct ynode *x, unsigned line)
{
    if (++y->links > CSM_YAML_MAX_NODES)
        return fail(y->err, -E2BIG, line, "more than %u nodes", CSM_YAML_MAX_NODES);
    if (!y->depth) {
        push_ptr(&y->docs, &y->n_docs, x);
        return 0;
    }
    struct ynode *top = y->stack[y->depth - 1];
    push_ptr(&top->kids, &top->n, x);
    return 0;
}

static struct ynode *new_node(struct yload *y, enum csm_yaml_kind kind, const yaml_event_t *ev)
{
    struct ynode *x = xcalloc(1, sizeof(*x));
    x->kind = kind;
    x->line = (unsigned)ev->start_mark.line + 1;
    if (kind == CSM_YAML_SCALAR)
        x->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
    push_ptr(&y->all, &y->n_all, x);
    return x;
}

/* Each alias looks its anchor up among all: their number is capped so that
 * the lookups stay linear in the text. */
static int add_anchor(struct yload *y, const yaml_char_t *name, struct ynode *x)
{
    if (!name)
        return 0;
    if (y->n_anchors == CSM_YAML_MAX_ANCHORS)
        return fail(y->err, -E2BIG, x->line, "more than %d anchors", CSM_YAML_MAX_ANCHORS);
    y->anchors = xrealloc(y->anchors, (y->n_anchors + 1) * sizeof(*y->anchors));
    y->anchors[y->n_anchors++] = (struct anchor){ xstrdup((const char *)name), x };
    return 0;
}

/* The latest node of that name: YAML lets an anchor be defined again. */
static int alias(struct yload *y, const yaml_event_t *ev)
{
    unsigned line = (unsigned)ev->start_mark.line + 1;
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = y->n_anchors; i-- > 0;) {
        if (!streq(y->anchors[i].name, name))
            continue;
        if (y->anchors[i].node->open) /* a node inside itself: no end to following it */
            return fail(y->err, -EBADMSG, line, "alias *%s inside its own anchor", name);
        return attach(y, y->anchors[i].node, line);
    }
    return fail(y->err, -EBADMSG, line, "alias *%s names no anchor", name);
}

static int open_collection(struct yload *y, const yaml_event_t *ev, enum csm_yaml_kind kind,
                           const yaml_char_t *anchor)
{
    unsigned line = (unsigned)ev->start_mark.line + 1;
    if (y->depth == CSM_YAML_MAX_DEPTH)
        return fail(y->err, -E2BIG, line, "nested more than %d deep", CSM_YAML_MAX_DEPTH);
    struct ynode *x = new_node(y, kind, ev);
    int r = attach(y, x, line);
    if (r < 0)
        return r;
    x->open = true;
    y->stack[y->depth++] = x;
    return add_anchor(y, anchor, x);
}

static int on_event(struct yload *y, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        struct ynode *x = new_node(y, CSM_YAML_SCALAR, ev);
        int r = attach(y, x, x->line);
        return r < 0 ? r : add_anchor(y, ev->data.scalar.anchor, x);
    }
    case YAML_SEQUENCE_START_EVENT:
        return open_collection(y, ev, CSM_YAML_SEQUENCE, ev->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return open_collection(y, ev, CSM_YAML_MAPPING, ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (y->depth)
            y->stack[--y->depth]->open = false;
        return 0;
    case YAML_ALIAS_EVENT:
        return alias(y, ev);
    default:
        return 0;
    }
}

static int parser_error(const yaml_parser_t *p, struct csm_yaml_error *err)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fail(err, -ENOMEM, 0, "out of memory");
    return fail(err, -EBADMSG, (unsigned)p->problem_mark.line + 1, "%s%s%s",
                p->problem ? p->problem : "not YAML", p->context ? " " : "", p->context ? p->context : "");
}

static int load(struct yload *y, const char *text)
{
    size_t len = strlen(text);
    if (len > CSM_YAML_MAX_BYTES)
        return fail(y->err, -E2BIG, 0, "larger than %u bytes", CSM_YAML_MAX_BYTES);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return fail(y->err, -ENOMEM, 0, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int r = 0;
    for (bool end = false; !end && r == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            r = parser_error(&p, y->err);
            break;
        }
        end = ev.type == YAML_STREAM_END_EVENT;
        r = on_event(y, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return r;
}

static void yload_free(struct yload *y)
{
    for (size_t i = 0; i < y->n_all; i++) {
        free(y->all[i]->value);
        free(y->all[i]->kids);
        free(y->all[i]);
    }
    for (size_t i = 0; i < y->n_anchors; i++)
        free(y->anchors[i].name);
    free(y->anchors);
    free(y->all);
    free(y->docs);
}

/* ---- the walk: once to count (fn NULL), then to report ---- */

struct ywalk {
    const char *path[MAX_LEVEL + 2]; /* NULL-terminated at each node's depth */
    csm_yaml_fn fn;
    void *data;
    size_t visits;
    bool stop;
};

static int walk(struct ywalk *w, const struct ynode *x, size_t depth, size_t level);

static int visit(struct ywalk *w, size_t level)
{
    return ++w->visits > CSM_YAML_MAX_VISITS || level > MAX_LEVEL ? -E2BIG : 0;
}

static void emit(struct ywalk *w, size_t depth, const struct ynode *v, unsigned line, bool item)
{
    if (!w->fn || w->stop)
        return;
    w->path[depth] = NULL;
    struct csm_yaml_node n = { line, depth, w->path, v->kind, v->kind == CSM_YAML_SCALAR ? v->value : "", item };
    if (w->fn(&n, w->data))
        w->stop = true;
}

static int walk_mapping(struct ywalk *w, const struct ynode *x, size_t depth, size_t level)
{
    for (size_t i = 0; i + 1 < x->n && !w->stop; i += 2) {
        const struct ynode *k = x->kids[i], *v = x->kids[i + 1];
        int r = visit(w, level);
        if (r < 0)
            return r;
        if (k->kind != CSM_YAML_SCALAR) /* a collection as a key: no name for the path */
            continue;
        w->path[depth] = k->value;
        emit(w, depth + 1, v, k->line, false);
        if (v->kind != CSM_YAML_SCALAR && (r = walk(w, v, depth + 1, level + 1)) < 0)
            return r;
    }
    return 0;
}

static int walk(struct ywalk *w, const struct ynode *x, size_t depth, size_t level)
{
    int r = visit(w, level);
    if (r < 0)
        return r;
    if (x->kind == CSM_YAML_MAPPING)
        return walk_mapping(w, x, depth, level);
    for (size_t i = 0; x->kind == CSM_YAML_SEQUENCE && i < x->n && !w->stop; i++) {
        const struct ynode *v = x->kids[i];
        if (v->kind == CSM_YAML_SCALAR) {
            if ((r = visit(w, level)) < 0)
                return r;
            emit(w, depth, v, v->line, true);
        } else if ((r = walk(w, v, depth, level + 1)) < 0) {
            return r;
        }
    }
    return 0;
}

static int walk_docs(const struct yload *y, csm_yaml_fn fn, void *data)
{
    struct ywalk w = { .fn = fn, .data = data };
    for (size_t i = 0; i < y->n_docs && !w.stop; i++) {
        int r = walk(&w, y->docs[i], 0, 0);
        if (r < 0)
            return w.visits > CSM_YAML_MAX_VISITS
                       ? fail(y->err, r, 0, "more than %u nodes once aliases are followed", CSM_YAML_MAX_VISITS)
                       : fail(y->err, r, 0, "nested more than %d deep once aliases are followed", MAX_LEVEL);
    }
    return 0;
}

int csm_yaml_scan(const char *text, csm_yaml_fn fn, void *data, struct csm_yaml_error *err)
{
    struct yload y = { .err = err };
    if (err)
        *err = (struct csm_yaml_error){ 0 };
    int r = load(&y, text);
    /* Counted first, so that a text past a cap reports nothing at all. */
    if (r == 0)
        r = walk_docs(&y, NULL, NULL);
    if (r == 0)
        r = walk_docs(&y, fn, data);
    yload_free(&y);
    return r;
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
