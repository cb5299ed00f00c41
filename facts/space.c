/* Free space and inodes of / and /boot: live, statvfs of the running
 * system; offline, the filesystems' own counters when the target has them
 * (none yet for a --root tree: it would be the host's filesystem). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

const struct csm_space *csm_facts_space(struct csm_scan *s)
{
    if (s->facts->space)
        return s->facts->space;
    struct csm_space *sp = s->facts->space = xcalloc(1, sizeof(*sp));
    if (!csm_scan_live(s)) {
        FACT_FAIL(sp, -EOPNOTSUPP, "a --root tree's free space would be that of the host's filesystem it is "
                                   "stored on: the system's own filesystems are not read");
        return sp;
    }
    int r = csm_live_space("/", &sp->fs[0], NULL, NULL);
    if (r < 0) {
        FACT_FAIL(sp, r, "statvfs(/): %s", csm_strerror(r));
        return sp;
    }
    sp->fs[0].mount = xstrdup("/");
    sp->n = 1;
    struct csm_fsspace boot = { 0 };
    bool same = true;
    if (csm_live_space("/boot", &boot, "/", &same) == 0 && !same) {
        boot.mount = xstrdup("/boot");
        sp->fs[sp->n++] = boot;
    } else {
        free(boot.source);
    }
    return sp;
}

void csm_space_free(struct csm_space *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; i++) {
        free(sp->fs[i].mount);
        free(sp->fs[i].source);
    }
    free(sp->why);
    free(sp);
}
