/* The migration plan: which disk, which partitions, how many bytes, and
 * the commands that export them (seed 004 §7-8). The numbers come from
 * the facts; the commands from the [plan] section of the rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "checks/plan.h"
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

void csm_plan_build(struct csm_scan *s, struct csm_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    if (csm_scan_has(s, CSM_HAS_IMAGE)) {
        plan->reason = xstrdup("an image scan examines a disk already exported; the export plan is made on the "
                               "system it comes from (csm-precheck there, or --root with --disk)");
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
    memset(plan, 0, sizeof(*plan));
}
