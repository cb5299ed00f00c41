/* Which checks run on which target follows from what the target has and
 * what each check's row needs, not from a mode: the running system, a
 * tree (with or without its disk) and an image file each run the checks
 * they always ran, and an image whose filesystems give it a tree and a
 * disk runs every system check as well as the image's own. */
#include "check.h"
#include "checks/checks.h"
#include "lib/util.h"

static unsigned count(unsigned has, unsigned scope)
{
    unsigned n = 0;
    for (size_t i = 0; i < csm_n_checks; i++)
        if (csm_check_applies(&csm_checks[i], has) && (csm_check_scope(&csm_checks[i]) & scope))
            n++;
    return n;
}

int main(void)
{
    const unsigned live = CSM_HAS_TREE | CSM_HAS_DISK | CSM_HAS_KERNEL, root = CSM_HAS_TREE,
                   image = CSM_HAS_IMAGE, guest = CSM_HAS_IMAGE | CSM_HAS_TREE | CSM_HAS_DISK;
    unsigned system = count(live, CSM_SCOPE_SYSTEM), images = 0;
    for (size_t i = 0; i < csm_n_checks; i++) {
        const struct csm_check *c = &csm_checks[i];
        bool sys = csm_check_scope(c) & CSM_SCOPE_SYSTEM, img = csm_check_scope(c) & CSM_SCOPE_IMAGE;
        images += img;
        CHECK_MSG(csm_check_applies(c, live) == sys, "%s: the running system runs it iff it is a system check",
                  c->id);
        CHECK_MSG(csm_check_applies(c, root) == sys, "%s: a tree without its disk lists it iff it is a system check",
                  c->id);
        CHECK_MSG(csm_check_applies(c, image) == img, "%s: an image file runs it iff it is an image check", c->id);
        CHECK_MSG(csm_check_applies(c, guest), "%s: an image with a tree and a disk runs it", c->id);
        CHECK_MSG(!(c->needs & CSM_NEED_DISK) || (c->needs & CSM_NEED_TREE),
                  "%s: a check of the system's disk is a system check", c->id);
    }
    CHECK(system > 15);
    CHECK(images >= 6);
    CHECK(count(guest, CSM_SCOPE_SYSTEM | CSM_SCOPE_IMAGE) == csm_n_checks);
    CHECK(streq(csm_target_mode(live), "live") && streq(csm_target_mode(root), "root") &&
          streq(csm_target_mode(root | CSM_HAS_DISK), "root") && streq(csm_target_mode(image), "image") &&
          streq(csm_target_mode(guest), "image"));
    return failures ? 1 : 0;
}
