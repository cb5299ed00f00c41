/* The span of the system disk an image must hold: the MBR and every
 * partition the system mounts at boot (/, /boot, /home, /var, swap ...).
 * A copy may stop at the end of the last of them (seed 004 §7-8). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"

/* Is an extent (disk name "sda" live, or the --disk path) on this disk? */
static bool on_disk(const struct csm_extent *x, const struct csm_disk *d)
{
    if (streq(x->disk, d->path))
        return true;
    return startswith(d->path, "/dev/") && streq(x->disk, d->path + 5);
}

static bool needed_at_boot(const struct csm_volume *v)
{
    static const char *const always[] = { "/", "/boot", "/home" };
    for (size_t i = 0; i < ARRAY_SIZE(always); i++)
        if (streq(v->mountpoint, always[i]))
            return true;
    return v->fstab && !v->fstab->noauto;
}

static void require(struct csm_export *ex, const struct csm_partition *p, const char *why, const char *mount)
{
    for (size_t i = 0; i < ex->n; i++)
        if (ex->parts[i].part == p)
            return;
    ex->parts = xrealloc(ex->parts, (ex->n + 1) * sizeof(*ex->parts));
    ex->parts[ex->n++] = (struct csm_export_part){ p, xstrdup(why), mount };
    if (p->end > ex->last_sector)
        ex->last_sector = p->end;
}

static void whole_disk(struct csm_export *ex, const char *why)
{
    if (!ex->whole)
        ex->whole_why = xstrdup(why);
    ex->whole = true;
}

static void *gather_export(struct csm_scan *s)
{
    struct csm_export *ex = xcalloc(1, sizeof(*ex));
    const struct csm_disk *d = csm_facts_disk(s);
    const struct csm_storage *st = csm_facts_storage(s);

    if (d->err) {
        FACT_FAIL(ex, d->err, "%s", d->why);
        return ex;
    }
    ex->disk = d;
    for (size_t i = 0; i < st->n; i++) {
        const struct csm_volume *v = &st->v[i];
        if (v->where != CSM_WHERE_SYSTEM || !needed_at_boot(v))
            continue;
        for (size_t k = 0; k < v->n_ext; k++) {
            if (!on_disk(&v->ext[k], d))
                continue;
            const struct csm_partition *p = csm_disk_partition(d, v->ext[k].partno);
            _cleanup_free_ char *why = streq(v->mountpoint, "swap") ? xasprintf("swap in /etc/fstab")
                                                                      : xasprintf("holds %s", v->mountpoint);
            if (p)
                require(ex, p, why, v->mountpoint);
            else
                whole_disk(ex, "a filesystem spans the whole disk");
        }
    }
    if (!d->label)
        whole_disk(ex, "the disk has no partition table");
    else if (streq(d->label, "gpt"))
        whole_disk(ex, "a GPT disk keeps its backup table in the last sectors");
    else if (!ex->n)
        whole_disk(ex, "no partition of this disk could be tied to a mount point");

    uint64_t ss = d->sector_size ? d->sector_size : 512;
    if (!ex->whole && (ex->last_sector + 1) * ss >= d->size)
        whole_disk(ex, "the last needed partition ends at the end of the disk");
    if (ex->whole) {
        ex->last_sector = d->size / ss - 1;
        ex->copy_bytes = d->size;
    } else {
        ex->copy_bytes = (ex->last_sector + 1) * ss;
        for (size_t i = 0; i < d->n_parts; i++)
            if (d->parts[i].end > ex->last_sector && !d->parts[i].container) {
                if (d->parts[i].device)
                    strv_pushf(&ex->left_out, "%s", d->parts[i].device);
                else
                    strv_pushf(&ex->left_out, "partition %zu", d->parts[i].partno);
            }
    }
    ex->min_target_bytes = ex->copy_bytes;
    return ex;
}

static void export_fact_free(void *fact)
{
    csm_export_free(fact);
}

static const struct csm_fact_desc export_fact = { "export", gather_export, export_fact_free };

const struct csm_export *csm_facts_export(struct csm_scan *s)
{
    return csm_fact_get(s, &export_fact);
}

void csm_export_free(struct csm_export *ex)
{
    if (!ex)
        return;
    for (size_t i = 0; i < ex->n; i++)
        free(ex->parts[i].why);
    free(ex->parts);
    free(ex->whole_why);
    free(ex->why);
    strv_free(ex->left_out);
    free(ex);
}
