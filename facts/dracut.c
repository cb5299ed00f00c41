/* dracut's configuration in the tree, in the order dracut reads it. */
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"

static void read_one(struct csm_scan *s, struct csm_dracut *d, const char *path)
{
    char *text;
    int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &text, NULL);
    if (csm_fact_unreadable(&d->errors, path, r) || r < 0)
        return;
    csm_dracut_conf_parse(&d->conf, path, text);
    free(text);
}

static void *gather(struct csm_scan *s)
{
    struct csm_dracut *d = xcalloc(1, sizeof(*d));
    read_one(s, d, CSM_DRACUT_CONF);
    char **etc = NULL, **lib = NULL;
    csm_fact_unreadable(&d->errors, CSM_DRACUT_CONF_D, csm_tree_list(s->root, CSM_DRACUT_CONF_D, &etc));
    csm_fact_unreadable(&d->errors, CSM_DRACUT_LIB_CONF_D, csm_tree_list(s->root, CSM_DRACUT_LIB_CONF_D, &lib));
    _cleanup_strv_ char **order = csm_dracut_conf_order(etc, lib);
    for (size_t i = 0; order && order[i]; i++)
        read_one(s, d, order[i]);
    strv_free(etc);
    strv_free(lib);
    return d;
}

static void dracut_free(void *fact)
{
    struct csm_dracut *d = fact;
    if (!d)
        return;
    strv_free(d->errors);
    csm_dracut_conf_clear(&d->conf);
    free(d);
}

static const struct csm_fact_desc dracut_fact = { "dracut", gather, dracut_free };

const struct csm_dracut *csm_facts_dracut(struct csm_scan *s)
{
    return csm_fact_get(s, &dracut_fact);
}
