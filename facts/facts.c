#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>

#include "facts/internal.h"
#include "lib/util.h"

bool csm_fact_unreadable(char ***errors, const char *path, int err)
{
    if (err >= 0 || csm_tree_absent(err))
        return false;
    _cleanup_free_ char *why = xasprintf("%s: %s", path, csm_strerror(err));
    if (!strv_contains(*errors, why))
        strv_push(errors, xstrdup(why));
    return true;
}

#define MAX_GLOBBED 256

int csm_facts_glob_texts(struct csm_scan *s, const char *pattern, char ***paths, char ***texts)
{
    const char *slash = strrchr(pattern, '/');
    if (!slash)
        return 0;
    _cleanup_free_ char *dir = xstrndup(pattern, (size_t)(slash - pattern));
    const char *base = slash + 1;
    char **names = NULL;
    if (!strpbrk(base, "*?[")) {
        strv_push(&names, xstrdup(base));
    } else {
        int r = csm_tree_list(s->root, *dir ? dir : "/", &names);
        if (r < 0)
            return csm_tree_absent(r) ? 0 : r; /* sshd reads nothing from a directory that is not there */
    }
    int err = 0;
    for (size_t i = 0; names && names[i] && i < MAX_GLOBBED; i++) {
        if (fnmatch(base, names[i], FNM_PERIOD) != 0)
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
        char *text;
        int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &text, NULL);
        if (r == -EISDIR || csm_tree_absent(r))
            continue;
        if (r < 0) {
            if (!err)
                err = r;
            continue;
        }
        strv_push(paths, xstrdup(path));
        strv_push(texts, text);
    }
    strv_free(names);
    return err;
}

void *csm_fact_get(struct csm_scan *s, const struct csm_fact_desc *desc)
{
    struct csm_facts *f = s->facts;
    for (size_t i = 0; i < f->n_slots; i++)
        if (f->slots[i].desc == desc)
            return f->slots[i].fact;
    /* Gathered before it is added: a fact may ask for others meanwhile. */
    void *fact = desc->gather(s);
    f->slots = xrealloc(f->slots, (f->n_slots + 1) * sizeof(*f->slots));
    f->slots[f->n_slots++] = (struct csm_fact_slot){ desc, fact };
    return fact;
}

struct csm_facts *csm_facts_new(void)
{
    return xcalloc(1, sizeof(struct csm_facts));
}

void csm_facts_free(struct csm_facts *f)
{
    if (!f)
        return;
    /* Last gathered, first freed: a fact is gathered after those it reads
     * through (the guest after the image it reads, the tree's facts after
     * the guest), so it goes before them. */
    for (size_t i = f->n_slots; i-- > 0;)
        f->slots[i].desc->free(f->slots[i].fact);
    free(f->slots);
    free(f);
}
