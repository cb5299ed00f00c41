#include "lib/dracutconf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/kv.h"
#include "lib/lines.h"
#include "lib/util.h"

static struct csm_dracut_var *var_of(struct csm_dracut_conf *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (streq(c->v[i].name, name))
            return &c->v[i];
    c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
    c->v[c->n] = (struct csm_dracut_var){ .name = xstrdup(name), .value = xstrdup("") };
    return &c->v[c->n++];
}

static void clear_words(struct csm_dracut_var *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->w[i].word);
        free(v->w[i].file);
    }
    free(v->w);
    v->w = NULL;
    v->n = 0;
}

static void assign(struct csm_dracut_var *v, const char *value, bool append, const char *file, unsigned line)
{
    if (!append)
        clear_words(v);
    char *nv = append ? xasprintf("%s%s", v->value, value) : xstrdup(value);
    free(v->value);
    v->value = nv;
    free(v->file);
    v->file = xstrdup(file);
    v->line = line;
    for (const char *p = value; *p;) {
        p += strspn(p, " \t\n");
        size_t k = strcspn(p, " \t\n");
        if (!k)
            break;
        v->w = xrealloc(v->w, (v->n + 1) * sizeof(*v->w));
        v->w[v->n++] = (struct csm_dracut_word){ xstrndup(p, k), xstrdup(file), line };
        p += k;
    }
}

void csm_dracut_conf_parse(struct csm_dracut_conf *c, const char *file, const char *text)
{
    strv_push(&c->files, xstrdup(file));
    const char *cur = text;
    struct csm_line l = { 0 };
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (!*s || *s == '#')
            continue;
        /* name+=value is name=value appended: the shell-style reader of
         * kv.c unquotes the value either way */
        char *eq = strchr(s, '=');
        bool append = eq && eq > s && eq[-1] == '+';
        if (append)
            memmove(eq - 1, eq, strlen(eq) + 1);
        struct csm_kvs kv = { 0 };
        csm_kv_parse(s, file, &kv);
        if (kv.n == 1 && !kv.bad_lines)
            assign(var_of(c, kv.kv[0].key), kv.kv[0].value, append, file, l.no);
        else if (!c->bad_lines++)
            c->bad_first = xasprintf("%s:%u", file, l.no);
        csm_kv_clear(&kv);
    }
}

const struct csm_dracut_var *csm_dracut_get(const struct csm_dracut_conf *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (streq(c->v[i].name, name))
            return &c->v[i];
    return NULL;
}

bool csm_dracut_yes(const struct csm_dracut_conf *c, const char *name)
{
    const struct csm_dracut_var *v = csm_dracut_get(c, name);
    return v && v->n == 1 && streq(v->w[0].word, "yes");
}

/* Module names compare with '-' and '_' alike, and without ".ko". */
static bool same_module(const char *a, const char *b)
{
    size_t la = strlen(a) - (endswith(a, ".ko") ? 3 : 0), lb = strlen(b) - (endswith(b, ".ko") ? 3 : 0);
    if (la != lb)
        return false;
    for (size_t i = 0; i < la; i++)
        if ((a[i] == '-' ? '_' : a[i]) != (b[i] == '-' ? '_' : b[i]))
            return false;
    return true;
}

static const struct csm_dracut_word *listed(const struct csm_dracut_conf *c, const char *var, const char *module)
{
    const struct csm_dracut_var *v = csm_dracut_get(c, var);
    for (size_t i = 0; v && i < v->n; i++)
        if (same_module(v->w[i].word, module))
            return &v->w[i];
    return NULL;
}

enum csm_dracut_driver csm_dracut_driver(const struct csm_dracut_conf *c, const char *module,
                                         const struct csm_dracut_word **why)
{
    static const char *const adders[] = { "add_drivers", "force_drivers", "drivers" };
    for (size_t i = 0; i < ARRAY_SIZE(adders); i++)
        if ((*why = listed(c, adders[i], module)))
            return CSM_DRACUT_ADDED;
    if ((*why = listed(c, "omit_drivers", module)))
        return CSM_DRACUT_OMITTED;
    return CSM_DRACUT_DEFAULT;
}

void csm_dracut_conf_clear(struct csm_dracut_conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        clear_words(&c->v[i]);
        free(c->v[i].name);
        free(c->v[i].value);
        free(c->v[i].file);
    }
    free(c->v);
    strv_free(c->files);
    free(c->bad_first);
    *c = (struct csm_dracut_conf){ 0 };
}

static int cmp_version(const void *a, const void *b)
{
    const char *x = strrchr(*(char *const *)a, '/') + 1, *y = strrchr(*(char *const *)b, '/') + 1;
    return strverscmp(x, y);
}

char **csm_dracut_conf_order(char *const *etc_names, char *const *lib_names)
{
    char **paths = NULL;
    for (size_t i = 0; etc_names && etc_names[i]; i++)
        if (endswith(etc_names[i], ".conf") && !strchr(etc_names[i], '/'))
            strv_pushf(&paths, "%s/%s", CSM_DRACUT_CONF_D, etc_names[i]);
    for (size_t i = 0; lib_names && lib_names[i]; i++)
        if (endswith(lib_names[i], ".conf") && !strchr(lib_names[i], '/') && !strv_contains(etc_names, lib_names[i]))
            strv_pushf(&paths, "%s/%s", CSM_DRACUT_LIB_CONF_D, lib_names[i]);
    if (paths)
        qsort(paths, strv_length(paths), sizeof(char *), cmp_version);
    return paths;
}
