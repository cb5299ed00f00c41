/* Free space and inodes of / and /boot: live, the tree's own counters
 * (statvfs of the running system); a --root tree has none (its free space
 * would be that of the host's filesystem it is stored on). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"

static void *gather(struct csm_scan *s)
{
    struct csm_space *sp = xcalloc(1, sizeof(*sp));
    if (!csm_scan_live(s)) {
        FACT_FAIL(sp, -EOPNOTSUPP, "a --root tree's free space would be that of the host's filesystem it is "
                                   "stored on: the system's own filesystems are not read");
        return sp;
    }
    /* live: the tree's own counters (statvfs of the host directory) */
    static const char *const mounts[] = { "/", "/boot" };
    struct csm_node_id root_id = { 0, 0 };
    for (size_t i = 0; i < ARRAY_SIZE(mounts); i++) {
        struct csm_tree_stat st;
        struct csm_tree_statfs v;
        int r = csm_tree_stat(s->root, mounts[i], true, &st);
        if (r == 0)
            r = csm_tree_statfs(s->root, mounts[i], &v);
        if (i == 0 && r < 0) {
            FACT_FAIL(sp, r, "statvfs(/): %s", csm_strerror(r));
            return sp;
        }
        if (i == 0)
            root_id = st.id;
        else if (r < 0 || st.id.fs == root_id.fs) /* /boot is on / */
            break;
        struct csm_fsspace *f = &sp->fs[sp->n++];
        f->mount = xstrdup(mounts[i]);
        f->free_bytes = v.blocks_avail * v.block_size;
        f->total_bytes = v.blocks * v.block_size;
        f->free_inodes = v.files_free;
        f->total_inodes = v.files;
        f->source = xasprintf("statvfs(%s)", mounts[i]);
    }
    return sp;
}

static void space_free(void *fact)
{
    struct csm_space *sp = fact;
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; i++) {
        free(sp->fs[i].mount);
        free(sp->fs[i].source);
    }
    free(sp->why);
    free(sp);
}

static const struct csm_fact_desc space_fact = { "space", gather, space_free };

const struct csm_space *csm_facts_space(struct csm_scan *s)
{
    return csm_fact_get(s, &space_fact);
}
