/* storage.lvm-filter: after the move the disks are /dev/vd* (virtio-blk)
 * or /dev/sd* (virtio-scsi), with new by-path and by-id names: an LVM
 * filter that accepts only the old names, or a devices file that pins the
 * old disks by their WWID, serial or name, hides every physical volume,
 * and the system does not find its root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

/* The names udev gives partition n of the first disk of a bus. */
static char **names_of(const char *bus, size_t n, const char *pv_uuid)
{
    char **v = NULL;
    if (streq(bus, "virtio-blk")) {
        strv_pushf(&v, "/dev/vda%zu", n);
        strv_pushf(&v, "/dev/block/252:%zu", n);
        strv_pushf(&v, "/dev/disk/by-path/pci-0000:00:05.0-part%zu", n);
        strv_pushf(&v, "/dev/disk/by-path/virtio-pci-0000:00:05.0-part%zu", n);
    } else {
        strv_pushf(&v, "/dev/sda%zu", n);
        strv_pushf(&v, "/dev/block/8:%zu", n);
        strv_pushf(&v, "/dev/disk/by-path/pci-0000:00:05.0-scsi-0:0:0:0-part%zu", n);
        strv_pushf(&v, "/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-0-part%zu", n);
    }
    if (pv_uuid)
        strv_pushf(&v, "/dev/disk/by-id/lvm-pv-uuid-%s", pv_uuid);
    return v;
}

/* Is partition n accepted by both filters under a bus's names? On
 * refusal *pattern is the pattern that rejects (or is bad). */
static bool accepted(const struct csm_lvmcfg *lc, const char *bus, size_t n, const char *pv_uuid,
                     const char **pattern, const char **file, unsigned *line)
{
    _cleanup_strv_ char **names = names_of(bus, n, pv_uuid);
    const struct csm_lvm_setting *f[] = { lc->global_filter, lc->filter };
    const char *files[] = { lc->global_filter_file, lc->filter_file };
    for (size_t i = 0; i < 2; i++) {
        size_t which;
        if (!f[i])
            continue;
        enum csm_lvm_filter v = csm_lvm_filter_eval(f[i]->values, names, &which);
        if (v == CSM_LVM_REJECTED || v == CSM_LVM_BAD) {
            *pattern = f[i]->values[which];
            *file = files[i];
            *line = f[i]->line;
            return false;
        }
    }
    return true;
}

struct pvs {
    size_t part[16];
    const char *uuid[16];
    size_t n;
};

/* The filters and the devices file of one configuration (the tree's, or
 * the initramfs's copy: in labels, "initramfs "). */
static void judge(struct csm_result *r, const struct csm_lvmcfg *lc, const char *in, const struct pvs *p,
                  const char **outcome)
{
    const struct csm_lvm_setting *f[] = { lc->global_filter, lc->filter };
    const char *fname[] = { "global_filter", "filter" };
    const char *ffile[] = { lc->global_filter_file, lc->filter_file };
    for (size_t i = 0; i < 2; i++)
        if (f[i]) {
            _cleanup_free_ char *list = f[i]->values ? strv_join(f[i]->values, ", ") : xstrdup("");
            _cleanup_free_ char *label = xasprintf("%s%s", in, fname[i]);
            csm_evidence_source(csm_result_evidence(r, label, "[ %s ]", list), "%s:%u", ffile[i], f[i]->line);
        }
    if (lc->filter || lc->global_filter) {
        bool any = false;
        const char *pattern = NULL, *file = NULL;
        unsigned line = 0;
        size_t tries = p->n ? p->n : 8;
        for (size_t k = 0; k < tries; k++) {
            size_t part = p->n ? p->part[k] : k + 1;
            const char *uuid = p->n ? p->uuid[k] : NULL;
            bool ok = accepted(lc, "virtio-blk", part, uuid, &pattern, &file, &line);
            if (p->n && !ok) {
                struct csm_evidence *e = csm_result_evidence(r, "after the move", "/dev/vda%zu", part);
                csm_evidence_source(e, "%s:%u", file, line);
                csm_result_problem(r, e, outcome, "filter", "%s rejects /dev/vda%zu, the physical volume's name "
                                   "after the move%s", pattern, part, *in ? " (the initramfs's lvm.conf)" : "");
                csm_result_list(r, "pattern", "%s", pattern);
            }
            any |= ok;
        }
        if (!p->n && !any) {
            struct csm_evidence *e = csm_result_evidence(r, "after the move", "/dev/vda1 ... /dev/vda8");
            csm_evidence_source(e, "%s:%u", file, line);
            csm_result_problem(r, e, outcome, "filter", "%s rejects every partition of /dev/vda, the disk's name "
                               "after the move%s", pattern, *in ? " (the initramfs's lvm.conf)" : "");
            csm_result_list(r, "pattern", "%s", pattern);
        }
    }
    _cleanup_free_ char *ulabel = xasprintf("%suse_devicesfile", in);
    struct csm_evidence *u = csm_result_evidence(r, ulabel, "%d", lc->use_devicesfile);
    if (lc->use_source && strchr(lc->use_source, ':') && lc->use_source[0] == '/')
        csm_evidence_source(u, "%s", lc->use_source);
    else if (lc->use_source)
        csm_evidence_note(u, "%s", lc->use_source);
    _cleanup_free_ char *dlabel = xasprintf("%sdevices file", in);
    if (lc->has_devices) {
        size_t pinned = 0;
        for (size_t i = 0; i < lc->devices.n; i++) {
            const struct csm_lvm_device *dv = &lc->devices.d[i];
            struct csm_evidence *e = csm_result_evidence(r, dlabel, "IDTYPE=%s IDNAME=%s%s%s",
                                                         dv->idtype ? dv->idtype : "?", dv->idname ? dv->idname : "?",
                                                         dv->devname ? " DEVNAME=" : "", dv->devname ? dv->devname : "");
            csm_evidence_source(e, "%s:%u", lc->devices_path, dv->line);
            if (lc->use_devicesfile && csm_lvm_idtype_hardware(dv->idtype)) {
                pinned++;
                csm_result_problem(r, e, outcome, "devices-file", "%s names a disk by its %s, which changes with "
                                   "the move", lc->devices_path, dv->idtype);
            }
        }
        if (!lc->use_devicesfile && lc->devices.n)
            csm_result_evidence(r, dlabel, "%s is there but not used (use_devicesfile=0)", lc->devices_path);
        if (pinned && !*in)
            csm_result_var(r, "devices_file", "%s", lc->devices_path);
    } else if (lc->use_devicesfile) {
        csm_result_evidence(r, dlabel, "%s is not there: LVM does not filter by it", lc->devices_path);
    }
}

void csm_check_storage_lvm_filter(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_lvmcfg *lc = csm_facts_lvmcfg(s);
    if (!lc->uses_lvm) {
        csm_result_evidence(r, "LVM", "neither /etc/fstab, the boot entries nor the disk use LVM");
        csm_result_set(r, CSM_PASS, "no-lvm");
        return;
    }
    csm_result_evidence(r, "LVM", "%s", lc->uses_lvm);
    const struct csm_lvmcfg *ir = lc->initramfs;
    if (lc->errors || (ir && ir->errors)) {
        csm_result_error(r, "LVM's configuration cannot be read: %s", lc->errors ? lc->errors[0] : ir->errors[0]);
        return;
    }
    const char *outcome = NULL;
    /* the physical volumes: those of --disk, else any partition of the new disk */
    struct pvs p = { .n = 0 };
    const struct csm_disk *d = csm_facts_disk(s);
    for (size_t i = 0; !d->err && i < d->n_parts && p.n < ARRAY_SIZE(p.part); i++)
        if (d->parts[i].lvm) {
            p.uuid[p.n] = d->parts[i].lvm_pv ? d->parts[i].lvm_pv->pv_uuid : NULL;
            p.part[p.n++] = d->parts[i].partno;
        }
    judge(r, lc, "", &p, &outcome);
    if (ir)
        judge(r, ir, "initramfs ", &p, &outcome);
    else if (lc->initramfs_why)
        csm_evidence_note(csm_result_evidence(r, "initramfs", "its copy of lvm.conf not looked at"), "%s",
                          lc->initramfs_why);
    csm_result_set(r, outcome ? CSM_FAIL : CSM_PASS, outcome ? outcome : "ok");
}
