/* The image part of the report model: what an image scan found, copied
 * from the facts so that the renderers need not know them. */
#include <stdlib.h>

#include "facts/facts.h"
#include "image/image.h"
#include "report/report.h"
#include "lib/util.h"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void copy_parts(struct csm_report_image *ri, const struct csm_image_facts *im)
{
    const struct csm_disk *d = im->disk;
    ri->parts = xcalloc(d->n_parts ? d->n_parts : 1, sizeof(*ri->parts));
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        const struct csm_image_part *ip = &im->parts[i];
        ri->parts[ri->n_parts++] = (struct csm_report_part){
            .partno = p->partno,
            .start = p->start,
            .end = p->end,
            .bytes = p->size * d->sector_size,
            .type = dup_or_null(p->type),
            .type_code = dup_or_null(p->type_code),
            .fstype = dup_or_null(p->fstype),
            .uuid = dup_or_null(p->uuid),
            .label = dup_or_null(p->label),
            .last_mounted = dup_or_null(ip->last_mounted),
            .use = ip->use,
            .use_why = dup_or_null(ip->use_why),
            .bootable = p->bootable,
            .past_end = ip->past_end,
        };
    }
}

struct csm_report_image *csm_report_image_build(struct csm_scan *s)
{
    const struct csm_image_facts *im = csm_facts_image(s);
    const struct csm_image_info *in = im->info;
    struct csm_report_image *ri = xcalloc(1, sizeof(*ri));
    ri->path = xstrdup(im->path);
    ri->role = csm_role_name(s->opts->role);
    if (!in)
        return ri;
    ri->format = xstrdup(in->format_name);
    ri->subformat = dup_or_null(in->subformat);
    ri->package = dup_or_null(in->package);
    ri->member = dup_or_null(in->member);
    ri->file_size = in->file_size;
    ri->virtual_size = in->virtual_size;
    ri->allocated = in->allocated;
    ri->allocated_known = in->allocated_known;
    ri->readable = im->disk != NULL;
    ri->unreadable_why = dup_or_null(im->disk_why);
    if (!im->disk)
        return ri;
    ri->label = dup_or_null(im->disk->label);
    ri->disk_id = dup_or_null(im->disk->disk_id);
    ri->whole_fstype = dup_or_null(im->disk->whole_fstype);
    ri->boot_code = im->disk->boot_code;
    ri->mbr_signature = im->disk->mbr_signature;
    copy_parts(ri, im);
    return ri;
}

void csm_report_image_free(struct csm_report_image *ri)
{
    if (!ri)
        return;
    for (size_t i = 0; i < ri->n_parts; i++) {
        struct csm_report_part *p = &ri->parts[i];
        free(p->type);
        free(p->type_code);
        free(p->fstype);
        free(p->uuid);
        free(p->label);
        free(p->last_mounted);
        free(p->use_why);
    }
    free(ri->parts);
    free(ri->path);
    free(ri->format);
    free(ri->subformat);
    free(ri->package);
    free(ri->member);
    free(ri->unreadable_why);
    free(ri->label);
    free(ri->disk_id);
    free(ri->whole_fstype);
    free(ri);
}
