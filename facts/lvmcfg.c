/* LVM's configuration in the tree: lvm.conf and lvmlocal.conf (the
 * filters, use_devicesfile, the devices file's name) and the devices file
 * itself; and whether the system uses LVM at all. The same from the copies
 * in the default kernel's initramfs, which is what finds the root volume
 * at boot (dracut's and initramfs-tools' lvm modules copy lvm.conf). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"

#define LVM_CONF "/etc/lvm/lvm.conf"
#define LVM_LOCAL "/etc/lvm/lvmlocal.conf"

static void parse_conf(struct csm_lvmcfg *lc, const char *path, const char *text, struct csm_lvmconf *c)
{
    csm_lvmconf_parse(text, c);
    if (c->error)
        strv_pushf(&lc->errors, "%s: %s", path, c->error);
}

static bool read_conf(struct csm_scan *s, struct csm_lvmcfg *lc, const char *path, struct csm_lvmconf *c)
{
    char *text;
    int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &text, NULL);
    if (csm_fact_unreadable(&lc->errors, path, r) || r < 0)
        return false;
    parse_conf(lc, path, text, c);
    free(text);
    return true;
}

/* A setting of lvmlocal.conf, else of lvm.conf. */
static const struct csm_lvm_setting *setting(const struct csm_lvmcfg *lc, const char *path, const char **file)
{
    const struct csm_lvm_setting *v = csm_lvmconf_get(&lc->local, path);
    *file = lc->names[1];
    if (!v) {
        v = csm_lvmconf_get(&lc->conf, path);
        *file = lc->names[0];
    }
    return v;
}

/* LVM 2.03.12 and later take use_devicesfile's default from the build:
 * RHEL 9 and Fedora 34 on build theirs with 1, the others with 0. */
static int default_devicesfile(struct csm_scan *s, char **why)
{
    const struct csm_osrel *o = csm_facts_osrel(s);
    int major = o->version_id ? atoi(o->version_id) : 0;
    bool fedora = o->id && streq(o->id, "fedora");
    if ((o->family == CSM_FAMILY_RHEL && !fedora && major >= 9) || (fedora && major >= 34)) {
        *why = xasprintf("not set: %s %s's LVM uses the devices file by default", o->id ? o->id : "", o->version_id);
        return 1;
    }
    *why = xstrdup("not set: this distribution's LVM does not use a devices file by default");
    return 0;
}

/* What says the system is on LVM: an fstab entry, or root= or rd.lvm.lv=
 * on a boot entry. */
static char *uses_lvm(struct csm_scan *s)
{
    const struct csm_fstab *f = csm_facts_fstab(s);
    for (size_t i = 0; i < f->n; i++) {
        char *vg, *lv;
        if (f->e[i].source && csm_lvm_split_name(f->e[i].source, &vg, &lv)) {
            free(vg);
            free(lv);
            return xasprintf("%s:%u %s", f->path ? f->path : "/etc/fstab", f->e[i].line, f->e[i].source);
        }
    }
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    for (size_t i = 0; i < b->n; i++) {
        const char *lv = csm_boot_arg(b->e[i].args, "rd.lvm.lv");
        if (lv)
            return xasprintf("%s rd.lvm.lv=%s", b->e[i].source, lv);
    }
    const struct csm_disk *d = csm_facts_disk(s);
    for (size_t i = 0; !d->err && i < d->n_parts; i++)
        if (d->parts[i].lvm)
            return xasprintf("partition %zu of %s is an LVM physical volume", d->parts[i].partno, d->path);
    return NULL;
}

/* What lvm.conf and lvmlocal.conf, once read, put in force. */
static void settings(struct csm_scan *s, struct csm_lvmcfg *lc)
{
    lc->filter = setting(lc, "devices/filter", &lc->filter_file);
    lc->global_filter = setting(lc, "devices/global_filter", &lc->global_filter_file);
    const char *file;
    const struct csm_lvm_setting *use = setting(lc, "devices/use_devicesfile", &file);
    if (use && use->values) {
        lc->use_devicesfile = atoi(use->values[0]) != 0;
        lc->use_source = xasprintf("%s:%u", file, use->line);
    } else {
        lc->use_devicesfile = default_devicesfile(s, &lc->use_source);
    }
}

static const char *devices_base(const struct csm_lvmcfg *lc)
{
    const char *file;
    const struct csm_lvm_setting *name = setting(lc, "devices/devicesfile", &file);
    return name && name->values && !strchr(name->values[0], '/') ? name->values[0] : "system.devices";
}

/* The copies in the default kernel's initramfs (read to its end), when it
 * has lvm.conf or a devices file. */
static struct csm_lvmcfg *from_initramfs(struct csm_scan *s, char **why)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    if (!ks->def)
        return NULL;
    const struct csm_initramfs *ir = csm_facts_initramfs(s, ks->def, NULL, true);
    if (ir->err) {
        if (ir->err != -ENOENT)
            *why = xstrdup(ir->why);
        return NULL;
    }
    const char *text[3] = { NULL, NULL, NULL };
    static const char *const want[] = { "etc/lvm/lvm.conf", "etc/lvm/lvmlocal.conf", "etc/lvm/devices/" };
    for (size_t i = 0; ir->kept_paths && ir->kept_paths[i]; i++) {
        const char *m = ir->kept_paths[i];
        while (*m == '.' || *m == '/')
            m++;
        for (size_t k = 0; k < ARRAY_SIZE(want); k++)
            if (k < 2 ? streq(m, want[k]) : startswith(m, want[k]))
                text[k] = ir->kept_texts[i];
    }
    if (!text[0] && !text[1] && !text[2])
        return NULL;
    struct csm_lvmcfg *lc = xcalloc(1, sizeof(*lc));
    lc->initramfs = NULL;
    lc->names[0] = lc->own[0] = xasprintf("%s:etc/lvm/lvm.conf", ir->path);
    lc->names[1] = lc->own[1] = xasprintf("%s:etc/lvm/lvmlocal.conf", ir->path);
    if (text[0]) {
        lc->has_conf = true;
        parse_conf(lc, lc->names[0], text[0], &lc->conf);
    }
    if (text[1]) {
        lc->has_local = true;
        parse_conf(lc, lc->names[1], text[1], &lc->local);
    }
    settings(s, lc);
    lc->devices_path = xasprintf("%s:etc/lvm/devices/%s", ir->path, devices_base(lc));
    if (text[2]) {
        lc->has_devices = true;
        csm_lvm_devices_parse(text[2], &lc->devices);
    }
    return lc;
}

static void *gather(struct csm_scan *s)
{
    struct csm_lvmcfg *lc = xcalloc(1, sizeof(*lc));
    lc->names[0] = LVM_CONF;
    lc->names[1] = LVM_LOCAL;
    lc->has_conf = read_conf(s, lc, LVM_CONF, &lc->conf);
    lc->has_local = read_conf(s, lc, LVM_LOCAL, &lc->local);
    settings(s, lc);
    lc->devices_path = xasprintf("/etc/lvm/devices/%s", devices_base(lc));
    char *text;
    int r = csm_tree_read_text(s->root, lc->devices_path, CSM_CAP_CONFIG, &text, NULL);
    if (!csm_fact_unreadable(&lc->errors, lc->devices_path, r) && r == 0) {
        lc->has_devices = true;
        csm_lvm_devices_parse(text, &lc->devices);
        free(text);
    }
    lc->uses_lvm = uses_lvm(s);
    if (lc->uses_lvm)
        lc->initramfs = from_initramfs(s, &lc->initramfs_why);
    return lc;
}

static void lvmcfg_free(void *fact)
{
    struct csm_lvmcfg *lc = fact;
    if (!lc)
        return;
    strv_free(lc->errors);
    csm_lvmconf_clear(&lc->conf);
    csm_lvmconf_clear(&lc->local);
    free(lc->use_source);
    free(lc->devices_path);
    csm_lvm_devices_clear(&lc->devices);
    free(lc->uses_lvm);
    lvmcfg_free(lc->initramfs);
    free(lc->initramfs_why);
    free(lc->own[0]);
    free(lc->own[1]);
    free(lc);
}

static const struct csm_fact_desc lvmcfg_fact = { "lvmcfg", gather, lvmcfg_free };

const struct csm_lvmcfg *csm_facts_lvmcfg(struct csm_scan *s)
{
    return csm_fact_get(s, &lvmcfg_fact);
}
