/* fstab.other-disks, fstab.device-names, fstab.network-mounts, fstab.crypttab */
#include <errno.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

/* A missing fstab mounts nothing: the checks pass on that, with the fact
 * as evidence; an unreadable one is an error. One without entries (not
 * even /) establishes nothing about the disks: an error when need_entries. */
static const struct csm_fstab *fstab_or_report(struct csm_scan *s, struct csm_result *r, bool need_entries)
{
    const struct csm_fstab *f = csm_facts_fstab(s);
    if (f->err == -ENOENT) {
        csm_result_evidence(r, "fstab", "%s does not exist", f->path);
        csm_result_set(r, CSM_PASS, "no-fstab");
        return NULL;
    }
    if (f->err) {
        csm_result_error(r, "%s", f->why);
        return NULL;
    }
    for (size_t i = 0; i < f->n_bad; i++) {
        struct csm_evidence *e = csm_result_evidence(r, "unparsed line", "%s",
                                                     i < strv_length(f->bad_text) ? f->bad_text[i] : "?");
        csm_evidence_source(e, "%s:%u", f->path, f->bad_lines[i]);
        csm_evidence_note(e, "not an fstab entry: mount and systemd skip it too");
    }
    if (need_entries && !f->n) {
        csm_result_evidence(r, "fstab", "%s has no entries%s", f->path,
                            f->unconfigured ? " (\"# UNCONFIGURED FSTAB\", as debootstrap leaves it)" : "");
        csm_result_error(r, "%s has no entries, not even /: %s", f->path,
                         f->unconfigured ? "the tree was never configured as an installed system"
                                         : "what the system mounts at boot is not written there");
        return NULL;
    }
    return f;
}

static struct csm_evidence *entry_row(struct csm_result *r, const struct csm_fstab_entry *e)
{
    struct csm_evidence *ev =
        csm_result_evidence(r, e->swap ? "swap" : e->target, "%s %s %s %s", e->source, e->target, e->fstype, e->options);
    csm_evidence_source(ev, "/etc/fstab:%u", e->line);
    return ev;
}

static bool soft(const struct csm_fstab_entry *e)
{
    return e->nofail || e->noauto;
}

void csm_check_fstab_other_disks(struct csm_scan *s, struct csm_result *r)
{
    if (!fstab_or_report(s, r, true))
        return;
    const struct csm_storage *st = csm_facts_storage(s);
    if (st->err && csm_scan_live(s)) {
        csm_result_error(r, "%s", st->why);
        return;
    }
    unsigned hard = 0, softn = 0, unknown = 0;
    _cleanup_strv_ char **unplaced = NULL;
    for (size_t i = 0; i < st->n; i++) {
        const struct csm_volume *v = &st->v[i];
        if (!v->fstab)
            continue;
        struct csm_evidence *ev = entry_row(r, v->fstab);
        if (v->where == CSM_WHERE_SYSTEM) {
            csm_evidence_note(ev, "on the system disk");
            continue;
        }
        if (v->where == CSM_WHERE_REMOVABLE) {
            csm_evidence_note(ev, "%s", v->why);
            continue;
        }
        if (v->where == CSM_WHERE_UNKNOWN) {
            csm_evidence_note(ev, "%s", v->why);
            strv_push(&unplaced, xstrdup(v->fstab->swap ? "swap" : v->fstab->target));
            unknown++;
            continue;
        }
        csm_evidence_problem(ev, "%s%s", v->why, soft(v->fstab) ? " (nofail/noauto: boot goes on without it)" : "");
        csm_result_list(r, "entries", "%s", v->fstab->target);
        for (size_t k = 0; k < v->n_ext; k++)
            csm_result_list(r, "disks", "%s", v->ext[k].disk);
        soft(v->fstab) ? softn++ : hard++;
    }
    csm_result_var(r, "count", "%u", hard + softn);
    if (hard)
        csm_result_set(r, CSM_FAIL, "other-disk");
    else if (softn)
        csm_result_set(r, CSM_WARN, "other-disk-nofail");
    else if (unknown) {
        _cleanup_free_ char *list = strv_join(unplaced, ", ");
        if (!csm_scan_has(s, CSM_HAS_DISK))
            csm_result_skip(r, "no-disk", "no --disk given: %u /etc/fstab %s (%s) cannot be placed on a disk from the "
                            "tree alone", unknown, plural(unknown, "entry", "entries"), list);
        else
            csm_result_error(r, "%u /etc/fstab %s (%s) cannot be placed on a disk (see the evidence)", unknown,
                             plural(unknown, "entry", "entries"), list);
    }
    else
        csm_result_set(r, CSM_PASS, NULL);
}

void csm_check_fstab_device_names(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_fstab *f = fstab_or_report(s, r, true);
    if (!f)
        return;
    const struct csm_storage *st = csm_facts_storage(s);
    char *const *unstable = csm_check_param(r, "unstable");
    unsigned hard = 0, softn = 0;

    for (size_t i = 0; i < f->n; i++) {
        const struct csm_fstab_entry *e = &f->e[i];
        if (e->pseudo || e->net || e->bind)
            continue;
        struct csm_evidence *ev = entry_row(r, e);
        const struct csm_volume *v = NULL;
        for (size_t k = 0; k < st->n && !v; k++)
            v = st->v[k].fstab == e ? &st->v[k] : NULL;
        if (v && v->where == CSM_WHERE_REMOVABLE) {
            csm_evidence_note(ev, "%s", v->why);
            continue;
        }
        if (!csm_name_matches(unstable, e->source)) {
            csm_evidence_note(ev, "%s", e->tag ? "stable name" : "not a kernel disk name");
            continue;
        }
        csm_evidence_problem(ev, "kernel device name: disks are renamed (vda, vdb) after the move");
        csm_result_list(r, "entries", "%s", e->source);
        /* The exact replacement, where the filesystem's UUID is known. */
        for (size_t k = 0; k < st->n; k++)
            if (st->v[k].fstab == e && st->v[k].fs_uuid) {
                csm_result_list(r, "device", "%s", e->source);
                csm_result_list(r, "uuid", "%s", st->v[k].fs_uuid);
            }
        soft(e) ? softn++ : hard++;
    }
    csm_result_var(r, "count", "%u", hard + softn);
    /* Declare the lists even when empty, so commands expand to nothing. */
    csm_vars_push(&r->vars, "device", NULL);
    csm_vars_push(&r->vars, "uuid", NULL);
    csm_result_set(r, hard ? CSM_FAIL : softn ? CSM_WARN : CSM_PASS, hard || softn ? "device-name" : NULL);
}

void csm_check_fstab_network_mounts(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_fstab *f = fstab_or_report(s, r, false);
    if (!f)
        return;
    char *const *types = csm_check_param(r, "types");
    unsigned bad = 0, seen = 0;

    for (size_t i = 0; i < f->n; i++) {
        const struct csm_fstab_entry *e = &f->e[i];
        if (!e->net && !csm_name_matches(types, e->fstype))
            continue;
        seen++;
        struct csm_evidence *ev = entry_row(r, e);
        if (e->nofail || e->netdev || e->noauto) {
            csm_evidence_note(ev, "%s: boot does not wait for it", e->nofail ? "nofail" : e->netdev ? "_netdev" : "noauto");
            continue;
        }
        csm_evidence_problem(ev, "neither nofail nor _netdev: boot fails if the server is unreachable from the cloud");
        csm_result_list(r, "entries", "%s", e->target);
        bad++;
    }
    if (!seen)
        csm_result_evidence(r, "network mounts", "none in /etc/fstab");
    csm_result_var(r, "count", "%u", bad);
    csm_result_set(r, bad ? CSM_FAIL : CSM_PASS, bad ? "blocking" : seen ? "safe" : "none");
}

/* fstab.crypttab: systemd opens every /etc/crypttab entry at boot and
 * waits for its device (unless nofail or noauto). A kernel name (sdb2)
 * moves with the disks; a volume on a disk that is not migrated never
 * comes. */
static const struct csm_partition *luks_partition(const struct csm_disk *d, const struct csm_crypttab_entry *e,
                                                  const char *root_disk)
{
    if (!d || d->err)
        return NULL;
    if (e->tag)
        return csm_disk_find_tag(d, e->tag, e->tag_value);
    for (size_t i = 0; i < d->n_parts; i++)
        if (d->parts[i].device && streq(d->parts[i].device, e->device))
            return &d->parts[i];
    /* A tree's --disk has no kernel name: sdaN is its partition N when
     * fstab mounts / from sda. */
    _cleanup_free_ char *dname = NULL;
    size_t partno = 0;
    if (root_disk && csm_split_device(e->device, &dname, &partno) && partno && streq(dname, root_disk))
        return csm_disk_partition(d, partno);
    return NULL;
}

/* The kernel name of the disk / is on, when fstab names it so ("sda"). */
static char *root_disk_name(struct csm_scan *s)
{
    const struct csm_fstab *f = csm_facts_fstab(s);
    const struct csm_fstab_entry *root = f->err ? NULL : csm_fstab_find(f, "/");
    char *dname = NULL;
    size_t partno;
    if (root && !root->tag && !csm_split_device(root->source, &dname, &partno))
        dname = NULL;
    return dname;
}

static bool disk_has_lvm(const struct csm_disk *d)
{
    for (size_t i = 0; d && !d->err && i < d->n_parts; i++)
        if (d->parts[i].lvm)
            return true;
    return false;
}

void csm_check_fstab_crypttab(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_crypttab *ct = csm_facts_crypttab(s);
    if (ct->err == -ENOENT) {
        csm_result_evidence(r, "crypttab", "%s does not exist", ct->path);
        csm_result_set(r, CSM_PASS, "no-crypttab");
        return;
    }
    if (ct->err) {
        csm_result_error(r, "%s", ct->why);
        return;
    }
    for (size_t i = 0; i < ct->n_bad; i++) {
        struct csm_evidence *e = csm_result_evidence(r, "unparsed line", "fewer than two fields");
        csm_evidence_source(e, "%s:%u", ct->path, ct->bad_lines[i]);
        csm_evidence_note(e, "not a crypttab entry: systemd skips it too");
    }
    const struct csm_disk *d = csm_scan_has(s, CSM_HAS_DISK) ? csm_facts_disk(s) : NULL;
    _cleanup_free_ char *root_disk = root_disk_name(s);
    char *const *unstable = csm_check_param(r, "unstable");
    unsigned names_hard = 0, names_soft = 0, other_hard = 0, other_soft = 0, unknown = 0;
    _cleanup_strv_ char **unplaced = NULL;

    for (size_t i = 0; i < ct->n; i++) {
        const struct csm_crypttab_entry *e = &ct->e[i];
        bool soft = e->nofail || e->noauto;
        struct csm_evidence *ev = csm_result_evidence(r, e->name, "%s %s %s %s", e->name, e->device,
                                                      *e->keyfile ? e->keyfile : "-", e->options);
        csm_evidence_source(ev, "%s:%u", ct->path, e->line);
        const struct csm_partition *p = luks_partition(d, e, root_disk);
        _cleanup_free_ char *dname = NULL;
        size_t partno = 0;
        if (!e->tag && csm_name_matches(unstable, e->device)) {
            bool other = root_disk && csm_split_device(e->device, &dname, &partno) && !streq(dname, root_disk);
            csm_evidence_problem(ev, "kernel device name: disks are renamed (vda, vdb) after the move%s%s%s%s%s",
                                 other ? "; on " : "", other ? dname : "", other ? ", while / is on " : "",
                                 other ? root_disk : "", soft ? " (nofail/noauto: boot goes on without it)" : "");
            csm_result_list(r, "entries", "%s", e->name);
            if (p && p->uuid) {
                csm_result_list(r, "device", "%s", e->device);
                csm_result_list(r, "uuid", "%s", p->uuid);
            }
            soft ? names_soft++ : names_hard++;
            continue;
        }
        if (!e->tag) {
            csm_evidence_note(ev, "not a kernel disk name");
            continue;
        }
        if (p) {
            csm_evidence_note(ev, "on the system disk (partition %zu)", p->partno);
            continue;
        }
        if (!d || d->err || disk_has_lvm(d)) {
            csm_evidence_note(ev, "%s", !d ? "cannot be placed on a disk from the tree alone"
                                    : d->err ? d->why
                                             : "not a partition of the system disk: perhaps a logical volume on it");
            strv_push(&unplaced, xstrdup(e->name));
            unknown++;
            continue;
        }
        csm_evidence_problem(ev, "not on the system disk: its disk is not in the image%s",
                             soft ? " (nofail/noauto: boot goes on without it)" : "");
        csm_result_list(r, "entries", "%s", e->name);
        soft ? other_soft++ : other_hard++;
    }
    if (!ct->n)
        csm_result_evidence(r, "crypttab", "%s has no entries", ct->path);
    csm_result_var(r, "count", "%u", names_hard + names_soft + other_hard + other_soft);
    csm_vars_push(&r->vars, "device", NULL);
    csm_vars_push(&r->vars, "uuid", NULL);
    if (names_hard)
        csm_result_set(r, CSM_FAIL, "device-name");
    else if (other_hard)
        csm_result_set(r, CSM_FAIL, "other-disk");
    else if (names_soft)
        csm_result_set(r, CSM_WARN, "device-name");
    else if (other_soft)
        csm_result_set(r, CSM_WARN, "other-disk-nofail");
    else if (unknown) {
        _cleanup_free_ char *list = strv_join(unplaced, ", ");
        if (!d)
            csm_result_skip(r, "no-disk", "no --disk given: %u /etc/crypttab %s (%s) cannot be placed on a disk from "
                            "the tree alone", unknown, plural(unknown, "entry", "entries"), list);
        else
            csm_result_error(r, "%u /etc/crypttab %s (%s) cannot be placed on the system disk (see the evidence)",
                             unknown, plural(unknown, "entry", "entries"), list);
    } else
        csm_result_set(r, CSM_PASS, NULL);
}
