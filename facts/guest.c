/* The guest's tree inside an image (guest/): its filesystems read in the
 * reader child, its root and mounts. Image mode only. */
#include <errno.h>
#include <stdlib.h>

#include "guest/guest.h"
#include "internal.h"
#include "lib/util.h"

static void *gather(struct csm_scan *s)
{
    struct csm_guest_facts *gf = xcalloc(1, sizeof(*gf));
    const struct csm_image_facts *im = csm_facts_image(s);
    if (im->err || !im->img || !im->disk) {
        FACT_FAIL(gf, -ENODEV, "%s", im->disk_why ? im->disk_why : "the image's guest disk cannot be read");
        return gf;
    }
    const struct csm_disk *d = im->disk;
    struct csm_guest_part *parts = xcalloc(d->n_parts + 1, sizeof(*parts));
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        parts[i] = (struct csm_guest_part){ p->partno, p->start * d->sector_size, p->size * d->sector_size,
                                            p->partuuid, p->partlabel, p->fstype };
    }
    int r = csm_guest_open(im->img, parts, d->n_parts, NULL, &gf->guest);
    free(parts);
    if (r == -ESPIPE)
        FACT_FAIL(gf, r, "%s is a compressed stream (%s) without random access: its filesystems are not read",
                  im->path, im->info->package ? im->info->package : "package");
    else if (r < 0)
        FACT_FAIL(gf, r, "the guest's filesystems cannot be read: %s", csm_strerror(r));
    return gf;
}

static void guest_facts_free(void *fact)
{
    struct csm_guest_facts *gf = fact;
    if (!gf)
        return;
    csm_guest_free(gf->guest);
    free(gf->why);
    free(gf);
}

static const struct csm_fact_desc guest_fact = { "guest", gather, guest_facts_free };

const struct csm_guest_facts *csm_facts_guest(struct csm_scan *s)
{
    return csm_fact_get(s, &guest_fact);
}
