/* The migration plan: which disk, which partitions, how many bytes, and
 * the commands that export them (seed 004 §7-8). The numbers come from
 * the facts; the commands from the [plan] section of the rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "checks/plan.h"
#include "guest/guest.h"
#include "lib/util.h"

#define MIB (1024ULL * 1024)
#define GIB (1024ULL * MIB)

static const struct csm_export_part *required(const struct csm_export *ex, const struct csm_partition *p)
{
    for (size_t i = 0; i < ex->n; i++)
        if (ex->parts[i].part == p)
            return &ex->parts[i];
    return NULL;
}

static void plan_parts(struct csm_plan *plan, const struct csm_export *ex)
{
    const struct csm_disk *d = ex->disk;
    plan->parts = xcalloc(d->n_parts ? d->n_parts : 1, sizeof(*plan->parts));
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        const struct csm_export_part *req = required(ex, p);
        plan->parts[plan->n_parts++] = (struct csm_plan_part){
            .partno = p->partno,
            .device = p->device ? xstrdup(p->device) : NULL,
            .start = p->start,
            .end = p->end,
            .bytes = p->size * d->sector_size,
            .type = p->type ? xstrdup(p->type) : NULL,
            .fstype = p->fstype ? xstrdup(p->fstype) : NULL,
            .uuid = p->uuid ? xstrdup(p->uuid) : NULL,
            .mount = req && req->mount ? xstrdup(req->mount) : NULL,
            .required = req || (ex->whole && !p->container),
            .why = xstrdup(req ? req->why : ex->whole ? "copied with the whole disk" : "not needed to boot"),
        };
    }
}

static void plan_commands(struct csm_scan *s, struct csm_plan *plan)
{
    const struct csm_rule *rule = csm_ruleset_get(s->rules, "plan");
    struct csm_vars vars = { 0 };
    char **outdir = (char **)csm_rule_param(rule, "output-dir");
    char buf[32];

    csm_vars_set(&vars, "disk", plan->disk);
    csm_vars_set(&vars, "output_dir", outdir[0] ? outdir[0] : "/mnt/export");
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)plan->copy_bytes);
    csm_vars_set(&vars, "bytes", buf);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)((plan->copy_bytes + MIB - 1) / MIB));
    csm_vars_set(&vars, "count_mib", buf);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)plan->last_sector);
    csm_vars_set(&vars, "last_sector", buf);

    const struct csm_vars *sets[] = { &vars, &s->globals };
    char *const *cmds = csm_rule_lookup(rule, "command", NULL, plan->whole ? "whole" : "partial");
    csm_template_commands(cmds, sets, ARRAY_SIZE(sets), &plan->commands);
    char *const *notes = csm_rule_lookup(rule, "message", NULL, plan->whole ? "whole" : "partial");
    for (size_t i = 0; notes && notes[i]; i++)
        strv_push(&plan->notes, csm_template_text(notes[i], sets, ARRAY_SIZE(sets)));
    if (!plan->commands)
        strv_pushf(&plan->notes, "No export command is shown: the disk name %s holds characters unsafe in a shell",
                   plan->disk);
    csm_vars_clear(&vars);
}

/* ---- an image: what it holds and what its import lacks to boot ---- */

static void hold(struct csm_plan *plan, const char *mount, size_t partno, const char *where, const char *fstype)
{
    plan->holds = xrealloc(plan->holds, (plan->n_holds + 1) * sizeof(*plan->holds));
    plan->holds[plan->n_holds++] = (struct csm_plan_mount){ xstrdup(mount), partno, xstrdup(where),
                                                            fstype ? xstrdup(fstype) : NULL };
}

static void lack(struct csm_plan *plan, const char *item, const char *mount, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void lack(struct csm_plan *plan, const char *item, const char *mount, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    plan->missing = xrealloc(plan->missing, (plan->n_missing + 1) * sizeof(*plan->missing));
    plan->missing[plan->n_missing++] = (struct csm_plan_missing){ xstrdup(item), mount ? xstrdup(mount) : NULL, msg };
}

static const struct csm_plan_mount *held(const struct csm_plan *plan, const char *mount)
{
    for (size_t i = 0; i < plan->n_holds; i++)
        if (streq(plan->holds[i].mount, mount))
            return &plan->holds[i];
    return NULL;
}

static bool lacked(const struct csm_plan *plan, const char *mount)
{
    for (size_t i = 0; i < plan->n_missing; i++)
        if (plan->missing[i].mount && streq(plan->missing[i].mount, mount))
            return true;
    return false;
}

/* The mounts the guest's own fstab gives its filesystems (guest/), and
 * its swap from the storage facts, which place the fstab on the image's
 * disk as --root --disk does. */
static void image_holds(struct csm_scan *s, struct csm_plan *plan, const struct csm_guest *g)
{
    const struct csm_guest_fs *fs;
    size_t n = csm_guest_filesystems(g, &fs);
    for (size_t i = 0; i < n; i++)
        if (fs[i].mount && !fs[i].error)
            hold(plan, fs[i].mount, fs[i].partno, fs[i].where, fs[i].type);
    const struct csm_storage *st = csm_facts_storage(s);
    for (size_t i = 0; i < st->n; i++) {
        const struct csm_volume *v = &st->v[i];
        if (!streq(v->mountpoint, "swap") || v->where != CSM_WHERE_SYSTEM || !v->n_ext || !v->ext[0].partno ||
            held(plan, "swap"))
            continue;
        _cleanup_free_ char *where = xasprintf("partition %zu", v->ext[0].partno);
        hold(plan, "swap", v->ext[0].partno, where, "swap");
    }
}

/* Mounts the guest's fstab needs at boot (not noauto, not nofail) on a
 * filesystem this image does not hold: the import waits for them. */
static void image_lacks_mounts(struct csm_scan *s, struct csm_plan *plan, const struct csm_guest *g)
{
    char *const *errs = csm_guest_mount_errors(g);
    for (size_t i = 0; errs && errs[i]; i++) {
        _cleanup_free_ char *mount = xstrndup(errs[i], strcspn(errs[i], ":"));
        lack(plan, "mount", mount, "%s", errs[i]);
    }
    const struct csm_storage *st = csm_facts_storage(s);
    for (size_t i = 0; i < st->n; i++) {
        const struct csm_volume *v = &st->v[i];
        if (!v->fstab || v->fstab->noauto || v->fstab->nofail || held(plan, v->mountpoint) || lacked(plan, v->mountpoint))
            continue;
        if (v->where == CSM_WHERE_OTHER || v->where == CSM_WHERE_MISSING)
            lack(plan, "mount", v->mountpoint, "%s: %s, and fstab mounts it at boot", v->mountpoint,
                 v->why ? v->why : v->source);
    }
    if (!held(plan, "/"))
        lack(plan, "root", "/", "no filesystem of this image holds the guest's root");
}

/* A partition the table lists past the end of the image: the copy was
 * cut short. Without the guest's mounts, every such partition counts. */
static void image_lacks_partitions(const struct csm_image_facts *im, struct csm_plan *plan)
{
    for (size_t i = 0; i < im->disk->n_parts; i++) {
        const struct csm_partition *p = &im->disk->parts[i];
        if (!im->parts[i].past_end || p->container)
            continue;
        const struct csm_plan_part *pp = NULL;
        for (size_t k = 0; k < plan->n_parts; k++)
            if (plan->parts[k].partno == p->partno)
                pp = &plan->parts[k];
        if (!plan->guest_reason && !(pp && pp->required))
            continue;
        const char *mount = pp && pp->mount ? pp->mount : NULL;
        lack(plan, "partition", mount, "partition %zu%s%s%s ends past the end of the image: the copy was cut short "
             "before its last sector", p->partno, mount ? " (" : "", mount ? mount : "", mount ? ")" : "");
    }
}

/* The image's partitions, each with what it holds for the import. */
static void image_parts(struct csm_plan *plan, const struct csm_image_facts *im)
{
    const struct csm_disk *d = im->disk;
    plan->parts = xcalloc(d->n_parts ? d->n_parts : 1, sizeof(*plan->parts));
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        const struct csm_plan_mount *m = NULL;
        for (size_t k = 0; k < plan->n_holds && !m; k++)
            if (plan->holds[k].partno == p->partno)
                m = &plan->holds[k];
        char *why = m && streq(m->mount, "swap") ? xstrdup("swap in /etc/fstab")
                    : m                          ? xasprintf("holds %s", m->mount)
                    : plan->guest_reason && im->parts[i].use && im->parts[i].use_why
                        ? xasprintf("not read; looks like %s (%s)", im->parts[i].use, im->parts[i].use_why)
                    : plan->guest_reason ? xstrdup("not read")
                                         : xstrdup("not needed to boot");
        plan->parts[plan->n_parts++] = (struct csm_plan_part){
            .partno = p->partno,
            .start = p->start,
            .end = p->end,
            .bytes = p->size * d->sector_size,
            .type = p->type ? xstrdup(p->type) : NULL,
            .fstype = p->fstype ? xstrdup(p->fstype) : NULL,
            .uuid = p->uuid ? xstrdup(p->uuid) : NULL,
            .mount = m ? xstrdup(m->mount) : NULL,
            .required = m != NULL,
            .why = why,
        };
    }
}

/* Why the guest's filesystems were not read, or NULL when they were. */
static char *guest_unread(const struct csm_scan *s)
{
    if (csm_scan_has(s, CSM_HAS_TREE))
        return NULL;
    if (s->opts->file_only)
        return xstrdup("--file-only: the guest's filesystems were not read");
    if (s->opts->role == CSM_ROLE_DATA)
        return xstrdup("a data disk (--role data): its filesystems are not read");
    return xstrdup(s->no_tree ? s->no_tree : "the guest's filesystems were not read");
}

static void image_plan(struct csm_scan *s, struct csm_plan *plan)
{
    const struct csm_image_facts *im = csm_facts_image(s);
    plan->kind = CSM_PLAN_IMAGE;
    if (im->err || !im->disk) {
        plan->reason = xstrdup(im->disk_why ? im->disk_why : "the image's guest disk cannot be read");
        return;
    }
    const struct csm_disk *d = im->disk;
    uint64_t ss = d->sector_size ? d->sector_size : 512;
    plan->available = true;
    plan->disk = xstrdup(im->path);
    plan->disk_bytes = d->size;
    plan->sector_size = d->sector_size;
    plan->label = d->label ? xstrdup(d->label) : NULL;
    plan->whole = true;
    plan->whole_why = xstrdup("the image is the whole disk, already exported");
    plan->last_sector = d->size / ss ? d->size / ss - 1 : 0;
    plan->copy_bytes = plan->min_target_bytes = d->size;
    plan->min_target_gib = (d->size + GIB - 1) / GIB;
    plan->target_bytes = s->opts->target_disk_size;
    plan->mbr_signature = d->mbr_signature;
    plan->boot_code = d->boot_code;
    plan->guest_reason = guest_unread(s);
    if (!plan->guest_reason)
        image_holds(s, plan, csm_facts_guest(s)->guest);
    image_parts(plan, im);
    strv_pushf(&plan->notes, "No export command: the image is already exported; it is uploaded as it is");
    if (s->opts->role == CSM_ROLE_DATA)
        return; /* nothing on a data disk has to boot */
    if (!d->label)
        lack(plan, "partition-table", NULL, "no partition table: the image has no MBR to boot from");
    else if (!d->boot_code)
        lack(plan, "boot-code", NULL, "no boot code in the MBR (bytes 0-439 are zero): nothing starts the boot loader");
    if (!plan->guest_reason)
        image_lacks_mounts(s, plan, csm_facts_guest(s)->guest);
    else if (!d->n_parts && !d->whole_fstype)
        lack(plan, "root", "/", "the partition table lists no partition to hold the guest's root");
    image_lacks_partitions(im, plan);
}

void csm_plan_build(struct csm_scan *s, struct csm_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    if (csm_scan_has(s, CSM_HAS_IMAGE)) {
        image_plan(s, plan);
        return;
    }
    if (!csm_scan_has(s, CSM_HAS_DISK)) {
        plan->reason = xstrdup("no --disk given: the plan needs the disk that holds the tree");
        return;
    }
    const struct csm_export *ex = csm_facts_export(s);
    if (ex->err) {
        plan->reason = xstrdup(ex->why);
        return;
    }
    const struct csm_disk *d = ex->disk;
    plan->available = true;
    plan->disk = xstrdup(d->path);
    plan->disk_bytes = d->size;
    plan->sector_size = d->sector_size;
    plan->label = d->label ? xstrdup(d->label) : NULL;
    plan->whole = ex->whole;
    plan->whole_why = ex->whole_why ? xstrdup(ex->whole_why) : NULL;
    plan->last_sector = ex->last_sector;
    plan->copy_bytes = ex->copy_bytes;
    plan->min_target_bytes = ex->min_target_bytes;
    plan->min_target_gib = (ex->min_target_bytes + GIB - 1) / GIB;
    plan->target_bytes = s->opts->target_disk_size;
    plan_parts(plan, ex);
    plan_commands(s, plan);
    if (ex->left_out) {
        _cleanup_free_ char *list = strv_join(ex->left_out, ", ");
        strv_pushf(&plan->notes, "Not copied: %s (past the last partition the system needs; the imported "
                                 "partition table still lists it)", list);
    }
    if (csm_scan_live(s))
        strv_pushf(&plan->notes, "Copying a disk whose filesystems are mounted read-write can leave them "
                                 "inconsistent: stop services or boot a rescue system first, and check the image "
                                 "afterwards");
}

void csm_plan_clear(struct csm_plan *plan)
{
    for (size_t i = 0; i < plan->n_parts; i++) {
        free(plan->parts[i].device);
        free(plan->parts[i].type);
        free(plan->parts[i].fstype);
        free(plan->parts[i].uuid);
        free(plan->parts[i].mount);
        free(plan->parts[i].why);
    }
    free(plan->parts);
    free(plan->reason);
    free(plan->disk);
    free(plan->label);
    free(plan->whole_why);
    strv_free(plan->commands);
    strv_free(plan->notes);
    for (size_t i = 0; i < plan->n_holds; i++) {
        free(plan->holds[i].mount);
        free(plan->holds[i].where);
        free(plan->holds[i].fstype);
    }
    free(plan->holds);
    for (size_t i = 0; i < plan->n_missing; i++) {
        free(plan->missing[i].item);
        free(plan->missing[i].mount);
        free(plan->missing[i].message);
    }
    free(plan->missing);
    free(plan->guest_reason);
    memset(plan, 0, sizeof(*plan));
}
