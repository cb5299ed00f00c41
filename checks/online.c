/* online.data-disks: the online agent copies a data disk to a target data
 * disk only when user.json lists it in DataDisks; otherwise everything goes
 * to the target's system disk, which overflows (seeds 001, 003). */
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

static bool is_data(const struct csm_volume *v)
{
    return v->where == CSM_WHERE_OTHER && !streq(v->mountpoint, "swap");
}

static const char *disk_of(const struct csm_volume *v)
{
    return v->n_ext ? v->ext[0].disk : v->device ? v->device : v->source;
}

/* Does a DataDisks entry name this volume: its mount point, source,
 * device, partition or disk? */
static bool names_volume(const char *entry, const struct csm_volume *v)
{
    size_t n = strlen(entry);
    while (n > 1 && entry[n - 1] == '/')
        n--;
    _cleanup_free_ char *e = xstrndup(entry, n);
    if (streq(e, v->mountpoint) || streq(e, v->source) || (v->device && streq(e, v->device)))
        return true;
    /* The disk of a partition named by device: /dev/sdb for /dev/sdb1, /dev/nvme1n1 for /dev/nvme1n1p2. */
    const char *src = v->device ? v->device : v->source;
    if (startswith(e, "/dev/") && startswith(src, e)) {
        const char *rest = src + strlen(e);
        if (*rest == 'p')
            rest++;
        if (*rest && strspn(rest, "0123456789") == strlen(rest))
            return true;
    }
    for (size_t i = 0; i < v->n_ext; i++) {
        const struct csm_extent *x = &v->ext[i];
        _cleanup_free_ char *dev = xasprintf("/dev/%s", x->disk);
        if (streq(e, x->disk) || streq(e, dev) || (x->device && streq(e, x->device)))
            return true;
    }
    return false;
}

static bool agent_lists(const struct csm_agent_config *ac, const struct csm_volume *v, const char **which)
{
    for (size_t i = 0; i < ac->n; i++)
        if (names_volume(ac->d[i].value, v)) {
            *which = ac->d[i].value;
            return true;
        }
    return false;
}

static void agent_evidence(struct csm_result *r, const struct csm_agent_config *ac)
{
    csm_result_var(r, "config", "%s", ac->path);
    csm_result_var(r, "shape", "%s", ac->shape);
    struct csm_evidence *e = csm_result_evidence(r, "DataDisks", "%s", ac->shape);
    csm_evidence_source(e, "%s", ac->path);
    if (ac->key_path)
        csm_evidence_note(e, "read from the field %s", ac->key_path);
    for (size_t i = 0; i < ac->n; i++)
        csm_evidence_source(csm_result_evidence(r, "DataDisks entry", "%s%s%s", ac->d[i].value,
                                                ac->d[i].field ? " from " : "", ac->d[i].field ? ac->d[i].field : ""),
                            "%s", ac->path);
    for (size_t i = 0; ac->ignored && ac->ignored[i]; i++)
        csm_evidence_note(csm_result_evidence(r, "DataDisks entry", "ignored"), "%s", ac->ignored[i]);
}

void csm_check_online_data_disks(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_storage *st = csm_facts_storage(s);
    const struct csm_agent_config *ac = csm_facts_agent_config(s);
    unsigned data = 0, unknown = 0, missing = 0;

    if (st->err && csm_scan_live(s)) {
        csm_result_error(r, "%s", st->why);
        return;
    }
    if (ac && ac->err) {
        csm_result_error(r, "%s", ac->why);
        return;
    }
    if (ac)
        agent_evidence(r, ac);
    csm_vars_push(&r->vars, "missing", NULL);
    for (size_t i = 0; i < st->n; i++) {
        const struct csm_volume *v = &st->v[i];
        if (streq(v->mountpoint, "swap"))
            continue;
        /* / and /boot are the system disk by definition, wherever it is. */
        if (v->where == CSM_WHERE_UNKNOWN && !streq(v->mountpoint, "/") && !streq(v->mountpoint, "/boot")) {
            csm_evidence_note(csm_result_evidence(r, v->mountpoint, "%s", v->source), "%s", v->why);
            unknown++;
            continue;
        }
        if (!is_data(v))
            continue;
        data++;
        csm_result_list(r, "entries", "%s", v->mountpoint);
        csm_result_list(r, "disks", "%s", disk_of(v));
        struct csm_evidence *e = csm_result_evidence(r, v->mountpoint, "%s on %s", v->source, disk_of(v));
        if (v->fstab)
            csm_evidence_source(e, "/etc/fstab:%u", v->fstab->line);
        const char *which = NULL;
        if (!ac) {
            csm_evidence_note(e, "a data disk: DataDisks needs \"%s\"", v->mountpoint);
        } else if (agent_lists(ac, v, &which)) {
            csm_evidence_note(e, "listed in DataDisks as %s", which);
        } else {
            csm_evidence_problem(e, "not in DataDisks: its data would go to the target's system disk");
            csm_result_list(r, "missing", "%s", v->mountpoint);
            missing++;
        }
    }
    csm_result_var(r, "count", "%u", data);
    csm_result_var(r, "config", "%s", ac ? ac->path : "user.json");
    if (!data && unknown && !csm_scan_has(s, CSM_HAS_DISK))
        csm_result_skip(r, "no-disk", "no --disk given: %u %s cannot be placed on a disk from the tree alone", unknown,
                        plural(unknown, "filesystem", "filesystems"));
    else if (!data && unknown)
        csm_result_error(r, "%u %s cannot be placed on a disk (see the evidence)", unknown,
                         plural(unknown, "filesystem", "filesystems"));
    else if (!data) {
        csm_result_evidence(r, "filesystems", "%zu in /etc/fstab and mounted, none on a data disk", st->n);
        csm_result_set(r, CSM_PASS, "no-data-disks");
    }
    else if (!ac)
        csm_result_set(r, CSM_WARN, "no-config");
    else if (missing)
        csm_result_set(r, CSM_FAIL, "missing");
    else
        csm_result_set(r, CSM_PASS, "listed");
}
