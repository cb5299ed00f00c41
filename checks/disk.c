/* disk.partition-table, disk.layout, disk.capacity */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

struct csm_evidence *csm_partition_table_row(struct csm_result *r, const struct csm_disk *d)
{
    csm_result_var(r, "label", "%s", d->label ? d->label : "none");
    csm_result_var(r, "disk_id", "%s", d->disk_id ? d->disk_id : "");
    csm_result_var(r, "fstype", "%s", d->whole_fstype ? d->whole_fstype : "nothing");
    struct csm_evidence *e = csm_result_evidence(r, "partition table", "%s", d->label ? d->label : "none");
    if (d->disk_id)
        csm_evidence_note(e, "disk identifier %s", d->disk_id);
    return e;
}

/* The rule of both disk.partition-table and image.partition-table: an MBR
 * passes; GPT, another label or none fail, the label's row marked. */
void csm_judge_partition_table(struct csm_result *r, const struct csm_disk *d, struct csm_evidence *e)
{
    if (d->label && streq(d->label, "dos")) {
        csm_result_set(r, CSM_PASS, "dos");
    } else if (d->label && streq(d->label, "gpt")) {
        csm_evidence_problem(e, "GPT is not supported by the offline migration service");
        /* sgdisk --gpttombr takes at most four partitions: no command beyond that. */
        csm_vars_push(&r->vars, "partnums", NULL);
        if (d->n_parts && d->n_parts <= 4) {
            char nums[64] = "";
            for (size_t i = 0; i < d->n_parts; i++)
                snprintf(nums + strlen(nums), sizeof(nums) - strlen(nums), "%s%zu", i ? ":" : "", d->parts[i].partno);
            csm_vars_push(&r->vars, "partnums", nums);
        }
        csm_result_set(r, CSM_FAIL, "gpt");
    } else if (d->label) {
        csm_evidence_problem(e, "a %s label is neither MBR nor GPT", d->label);
        csm_result_set(r, CSM_FAIL, "other");
    } else {
        csm_evidence_problem(e, "no partition table%s%s: an image of it has no MBR", d->whole_fstype ? "; the whole disk holds " : "",
                             d->whole_fstype ? d->whole_fstype : "");
        csm_result_set(r, CSM_FAIL, "none");
    }
}

static void disk_evidence(struct csm_result *r, const struct csm_disk *d)
{
    char size[32];
    csm_format_size(d->size, size, sizeof(size));
    csm_result_var(r, "disk", "%s", d->path);
    csm_result_var(r, "size", "%s", size);
    csm_result_evidence(r, "disk", "%s (%s, %llu bytes, %lu-byte sectors)", d->path, size,
                        (unsigned long long)d->size, d->sector_size);
}

void csm_check_disk_partition_table(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_disk *d = csm_facts_disk(s);
    if (d->err) {
        csm_result_error(r, "%s", d->why);
        return;
    }
    disk_evidence(r, d);
    struct csm_evidence *e = csm_partition_table_row(r, d);
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        csm_result_evidence(r, "partition", "%zu: sectors %llu-%llu, %s%s%s", p->partno,
                            (unsigned long long)p->start, (unsigned long long)p->end, p->type ? p->type : "?",
                            p->fstype ? ", " : "", p->fstype ? p->fstype : "");
    }

    csm_judge_partition_table(r, d, e);
}

/* How to name what holds a mount: its device, else its partition number
 * on the disk (an image file has no device names), else as fstab says. */
static char *volume_name(const struct csm_volume *v)
{
    if (v->device)
        return xstrdup(v->device);
    if (v->n_ext == 1 && v->ext[0].partno)
        return xasprintf("partition %zu", v->ext[0].partno);
    return xstrdup(v->source);
}

static void layout_row(struct csm_result *r, const struct csm_volume *v)
{
    _cleanup_free_ char *disks = NULL;
    char **names = NULL;
    for (size_t k = 0; k < v->n_ext; k++) {
        if (v->ext[k].partno)
            strv_pushf(&names, "%s partition %zu", v->ext[k].disk, v->ext[k].partno);
        else
            strv_pushf(&names, "%s (whole disk)", v->ext[k].disk);
    }
    disks = names ? strv_join(names, " + ") : NULL;
    strv_free(names);
    struct csm_evidence *e = disks ? csm_result_evidence(r, v->mountpoint, "%s (%s) on %s", v->source, v->fstype, disks)
                                   : csm_result_evidence(r, v->mountpoint, "%s (%s)", v->source, v->fstype);
    if (!disks)
        csm_evidence_note(e, "%s", v->why ? v->why : "on an unknown disk");
    if (v->fstab)
        csm_evidence_source(e, "/etc/fstab:%u", v->fstab->line);
    else
        csm_evidence_source(e, "mounted");
}

/* The distinct disks under a volume. */
static size_t count_disks(const struct csm_volume *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_ext; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= streq(v->ext[i].disk, v->ext[j].disk);
        n += !seen;
    }
    return n;
}

void csm_check_disk_layout(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_storage *st = csm_facts_storage(s);
    if (st->err && csm_scan_live(s)) {
        csm_result_error(r, "%s", st->why);
        return;
    }
    const struct csm_fstab *f = csm_facts_fstab(s);
    if (f->err && f->err != -ENOENT && !csm_scan_live(s)) {
        csm_result_error(r, "%s", f->why);
        return;
    }
    for (size_t i = 0; i < st->n; i++)
        layout_row(r, &st->v[i]);

    const struct csm_volume *root = csm_storage_find(st, "/");
    const struct csm_volume *boot = csm_storage_find(st, "/boot");
    csm_result_var(r, "disk", "%s", st->disk_path ? st->disk_path : "unknown");
    _cleanup_free_ char *root_name = root ? volume_name(root) : xstrdup("unknown");
    _cleanup_free_ char *boot_name = boot ? volume_name(boot) : xstrdup(root_name);
    csm_result_var(r, "root", "%s", root_name);
    csm_result_var(r, "boot", "%s", boot_name);

    if (!root) {
        csm_result_error(r, "/etc/fstab has no entry for /: where the root filesystem lives is unknown");
        return;
    }
    if (root->where == CSM_WHERE_UNKNOWN) {
        if (!csm_scan_has(s, CSM_HAS_DISK))
            csm_result_skip(r, "no-disk", "no --disk given: / (%s) cannot be placed on a disk from the tree alone",
                            root->source);
        else
            csm_result_error(r, "%s", root->why);
        return;
    }
    if (root->where != CSM_WHERE_SYSTEM && count_disks(root) < 2) {
        csm_result_list(r, "problems", "/ is not on %s (%s)", st->disk_path ? st->disk_path : "the disk", root->why);
        csm_result_set(r, CSM_FAIL, "root-elsewhere");
        return;
    }
    if (count_disks(root) > 1)
        csm_result_list(r, "problems", "/ spans %zu disks", count_disks(root));
    if (boot && count_disks(boot) > 1)
        csm_result_list(r, "problems", "/boot spans %zu disks", count_disks(boot));
    if (boot && boot->n_ext && root->n_ext && !streq(boot->ext[0].disk, root->ext[0].disk))
        csm_result_list(r, "problems", "/boot is on %s but / on %s", boot->ext[0].disk, root->ext[0].disk);
    if (csm_vars_get(&r->vars, "problems"))
        csm_result_set(r, CSM_FAIL, "spans");
    else if (!st->disk_path) /* device names in fstab can tell disks apart, not show that one holds it all */
        csm_result_skip(r, "no-disk", "no --disk given: fstab names %s for /, but no disk was examined",
                        root->source);
    else
        csm_result_set(r, CSM_PASS, "one-disk");
}

void csm_check_disk_capacity(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_export *ex = csm_facts_export(s);
    if (ex->err) {
        csm_result_error(r, "%s", ex->why);
        return;
    }
    uint64_t target = s->opts->target_disk_size;
    char tsize[32], dsize[32], need[32];
    csm_format_size(target, tsize, sizeof(tsize));
    csm_format_size(ex->disk->size, dsize, sizeof(dsize));
    csm_format_size(ex->min_target_bytes, need, sizeof(need));
    csm_result_var(r, "disk", "%s", ex->disk->path);
    csm_result_var(r, "disk_size", "%s", dsize);
    csm_result_var(r, "required", "%s", need);
    csm_result_var(r, "target", "%s", tsize);
    csm_result_evidence(r, "target disk", "%s (%llu bytes)", tsize, (unsigned long long)target);
    csm_result_evidence(r, "source disk", "%s: %s (%llu bytes)", ex->disk->path, dsize,
                        (unsigned long long)ex->disk->size);
    struct csm_evidence *e = csm_result_evidence(r, "to export", "%s (%llu bytes, sectors 0-%llu)", need,
                                                 (unsigned long long)ex->min_target_bytes,
                                                 (unsigned long long)ex->last_sector);

    if (ex->disk->size <= target) {
        csm_result_set(r, CSM_PASS, "fits");
    } else if (ex->min_target_bytes <= target) {
        csm_evidence_note(e, "fits only as a partial copy");
        csm_result_set(r, CSM_WARN, "partial");
    } else {
        csm_evidence_problem(e, "larger than the target disk");
        csm_result_set(r, CSM_FAIL, "too-small");
    }
}

/* ---- disk.free-space ---- */

/* A parameter given as a size ("100M"); def when unset or not a size. */
static uint64_t size_param(struct csm_result *r, const char *name, uint64_t def)
{
    char *const *v = csm_check_param(r, name);
    uint64_t out;
    return v && v[0] && csm_parse_size(v[0], &out) == 0 ? out : def;
}

/* Room on / and /boot to rebuild the initramfs and install cloud-init and
 * the drivers before the move. */
void csm_check_disk_free_space(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_space *sp = csm_facts_space(s);
    if (sp->err == -EOPNOTSUPP) {
        csm_result_skip(r, "no-counters", "%s", sp->why);
        return;
    }
    if (sp->err) {
        csm_result_error(r, "%s", sp->why);
        return;
    }
    uint64_t root_min = size_param(r, "root-free", 1ULL << 30), boot_min = size_param(r, "boot-free", 100ULL << 20);
    uint64_t inodes_min = size_param(r, "free-inodes", 10000);
    const char *outcome = NULL;
    bool separate_boot = sp->n > 1;
    for (size_t i = 0; i < sp->n; i++) {
        const struct csm_fsspace *f = &sp->fs[i];
        bool boot = streq(f->mount, "/boot");
        /* without a /boot of its own, / holds the initramfs images too */
        uint64_t need = boot ? boot_min : separate_boot ? root_min : root_min + boot_min;
        char freeb[32], total[32], needb[32];
        csm_format_size(f->free_bytes, freeb, sizeof(freeb));
        csm_format_size(f->total_bytes, total, sizeof(total));
        csm_format_size(need, needb, sizeof(needb));
        struct csm_evidence *e = csm_result_evidence(r, f->mount, "%s free of %s", freeb, total);
        csm_evidence_source(e, "%s", f->source);
        csm_result_var(r, boot ? "boot_free" : "root_free", "%s", freeb);
        if (f->free_bytes < need) {
            csm_result_problem(r, e, &outcome, "low-space", "%s has %s free, less than %s", f->mount, freeb, needb);
            csm_result_list(r, "mounts", "%s", f->mount);
        }
        if (f->total_inodes) {
            struct csm_evidence *ie = csm_result_evidence(r, f->mount, "%llu of %llu inodes free",
                                                          (unsigned long long)f->free_inodes,
                                                          (unsigned long long)f->total_inodes);
            csm_evidence_source(ie, "%s", f->source);
            if (f->free_inodes < inodes_min)
                csm_result_problem(r, ie, &outcome, "low-inodes", "%s has %llu inodes free, less than %llu",
                                   f->mount, (unsigned long long)f->free_inodes, (unsigned long long)inodes_min);
        }
    }
    csm_result_set(r, outcome ? CSM_FAIL : CSM_PASS, outcome ? outcome : "ok");
}
