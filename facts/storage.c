/* Which disk holds each filesystem the system mounts.
 *
 * Live, the kernel knows: each fstab source is resolved to a device and
 * walked down through device-mapper and md to partitions (sysfs). Offline,
 * only names are left: tags are looked up on --disk, device paths are
 * compared with the one that holds "/". */
#include <errno.h>
#include <fnmatch.h>
#include <libmount.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "facts/internal.h"
#include "lib/util.h"

const char *csm_where_name(enum csm_where w)
{
    static const char *const names[] = { "system disk", "other disk", "missing", "unknown", "removable" };
    return names[w];
}

/* Filesystems that live on a block device of this system. */
static bool on_block_device(const struct csm_fstab_entry *e)
{
    return !e->pseudo && !e->net && !e->bind && !streq(e->source, "none");
}

/* Optical and removable drives: Debian's installer writes
 * "/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0" on every CD install.
 * With noauto nothing waits for them at boot, and no image holds them. */
static bool removable_noauto(const struct csm_fstab_entry *e)
{
    static const char *const devices[] = { "/dev/sr[0-9]*", "/dev/scd[0-9]*", "/dev/cdrom*", "/dev/cdrw*",
                                           "/dev/dvd*",     "/dev/dvdrw*",    "/dev/fd[0-9]*", "/dev/floppy*",
                                           "/dev/disk/by-id/usb-*" };
    if (!e->noauto)
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
        if (fnmatch(devices[i], e->source, 0) == 0)
            return true;
    for (const char *t = e->fstype; *t; t += strcspn(t, ",") + (t[strcspn(t, ",")] == ',')) {
        size_t n = strcspn(t, ",");
        if ((n == 7 && strncmp(t, "iso9660", 7) == 0) || (n == 3 && strncmp(t, "udf", 3) == 0))
            return true;
    }
    return false;
}

static struct csm_volume *add_volume(struct csm_storage *st, const struct csm_fstab_entry *e, const char *mp,
                                     const char *source, const char *fstype)
{
    st->v = xrealloc(st->v, (st->n + 1) * sizeof(*st->v));
    struct csm_volume *v = &st->v[st->n++];
    *v = (struct csm_volume){
        .fstab = e,
        .mountpoint = xstrdup(mp),
        .source = xstrdup(source),
        .fstype = xstrdup(fstype),
        .where = CSM_WHERE_UNKNOWN,
    };
    return v;
}

static void add_extent(struct csm_volume *v, const char *disk, size_t partno, const char *device)
{
    v->ext = xrealloc(v->ext, (v->n_ext + 1) * sizeof(*v->ext));
    v->ext[v->n_ext++] = (struct csm_extent){ xstrdup(disk), partno, device ? xstrdup(device) : NULL };
}

static void set_why(struct csm_volume *v, enum csm_where w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_why(struct csm_volume *v, enum csm_where w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(v->why);
    v->why = xvasprintf(fmt, ap);
    va_end(ap);
    v->where = w;
}

/* "/dev/nvme0n1p2" -> ("nvme0n1", 2); "/dev/sda" -> ("sda", 0). False for
 * names that are not kernel disk or partition names. */
bool csm_split_device(const char *path, char **disk, size_t *partno)
{
    static const char *const p_style[] = { "nvme", "mmcblk", "loop", "nbd", "md" };
    static const char *const plain[] = { "sd", "hd", "vd", "xvd" };
    if (!startswith(path, "/dev/"))
        return false;
    const char *name = path + 5;
    if (strchr(name, '/'))
        return false;
    size_t len = strlen(name), digits = 0;
    while (digits < len && name[len - 1 - digits] >= '0' && name[len - 1 - digits] <= '9')
        digits++;
    for (size_t i = 0; i < ARRAY_SIZE(p_style); i++) {
        if (!startswith(name, p_style[i]))
            continue;
        const char *p = strrchr(name, 'p');
        bool has_part = p && p > name + strlen(p_style[i]) && p[1] && strspn(p + 1, "0123456789") == strlen(p + 1);
        *disk = has_part ? xstrndup(name, (size_t)(p - name)) : xstrdup(name);
        *partno = has_part ? strtoul(p + 1, NULL, 10) : 0;
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
        if (!startswith(name, plain[i]) || len == strlen(plain[i]))
            continue;
        *disk = xstrndup(name, len - digits);
        *partno = digits ? strtoul(name + len - digits, NULL, 10) : 0;
        return true;
    }
    return false;
}

/* Device-mapper (LVM, LUKS) or md: the disks under it are not in its name. */
static bool is_lvm_or_md(const char *source)
{
    _cleanup_free_ char *vg = NULL, *lv = NULL;
    return startswith(source, "/dev/mapper/") || startswith(source, "/dev/md") ||
           csm_lvm_split_name(source, &vg, &lv);
}

static void classify_live(struct csm_volume *v, char **system_disks)
{
    bool all = v->n_ext > 0;
    for (size_t i = 0; i < v->n_ext; i++)
        if (!strv_contains(system_disks, v->ext[i].disk))
            all = false;
    if (all) {
        v->where = CSM_WHERE_SYSTEM;
    } else {
        char *disks = NULL;
        for (size_t i = 0; i < v->n_ext; i++)
            if (!strv_contains(system_disks, v->ext[i].disk)) {
                char *d = xasprintf("%s%s%s", disks ? disks : "", disks ? ", " : "", v->ext[i].disk);
                free(disks);
                disks = d;
            }
        set_why(v, CSM_WHERE_OTHER, "on %s, not the system disk", disks);
        free(disks);
    }
}

static void resolve_live(struct csm_volume *v, dev_t mounted_dev)
{
    const struct csm_fstab_entry *e = v->fstab;
    dev_t dev = mounted_dev;

    if (!dev) {
        char *device = e && e->tag ? csm_live_tag_device(e->tag, e->tag_value) : xstrdup(v->source);
        dev = csm_live_block_device(device);
        if (!dev) {
            set_why(v, CSM_WHERE_MISSING, "%s does not exist on this system", v->source);
            free(device);
            return;
        }
        v->device = device;
    }
    int r = csm_live_extents(dev, &v->ext, &v->n_ext);
    if (r < 0 || !v->n_ext) {
        set_why(v, CSM_WHERE_UNKNOWN, "the disks under %s cannot be read from sysfs: %s", v->source,
                csm_strerror(r < 0 ? r : -ENODEV));
        return;
    }
    if (!v->device)
        v->device = xstrdup(v->ext[0].device);
    v->fs_uuid = csm_live_fs_uuid(v->device);
}

/* The device a mount point is mounted from, 0 when not mounted or not a
 * block device (btrfs reports anonymous numbers: fall back to the source). */
static dev_t mounted_device(struct libmnt_table *tb, const char *target, const char **source, const char **fstype)
{
    struct libmnt_fs *fs = tb ? mnt_table_find_target(tb, target, MNT_ITER_BACKWARD) : NULL;
    if (!fs)
        return 0;
    *source = mnt_fs_get_srcpath(fs) ? mnt_fs_get_srcpath(fs) : mnt_fs_get_source(fs);
    *fstype = mnt_fs_get_fstype(fs);
    dev_t dev = mnt_fs_get_devno(fs);
    if (major(dev) != 0)
        return dev;
    return *source ? csm_live_block_device(*source) : 0;
}

static void storage_live(struct csm_storage *st, const struct csm_fstab *fstab)
{
    struct libmnt_table *tb = NULL;
    int r = csm_live_mounts(&tb);
    if (r < 0) {
        FACT_FAIL(st, r, "cannot read /proc/self/mountinfo: %s", csm_strerror(r));
        return;
    }
    for (size_t i = 0; i < fstab->n; i++)
        if (on_block_device(&fstab->e[i])) {
            struct csm_volume *v = add_volume(st, &fstab->e[i], fstab->e[i].swap ? "swap" : fstab->e[i].target,
                                              fstab->e[i].source, fstab->e[i].fstype);
            if (removable_noauto(&fstab->e[i]))
                set_why(v, CSM_WHERE_REMOVABLE, "an optical or removable drive, noauto: not mounted at boot");
        }

    static const char *const essential[] = { "/", "/boot" };
    for (size_t i = 0; i < ARRAY_SIZE(essential); i++) {
        const char *src = NULL, *type = NULL;
        dev_t dev = mounted_device(tb, essential[i], &src, &type);
        struct csm_volume *v = (struct csm_volume *)csm_storage_find(st, essential[i]);
        if (!v && (i == 0 || dev))
            v = add_volume(st, NULL, essential[i], src ? src : "unknown", type ? type : "unknown");
        if (!v)
            continue;
        if (!dev && i == 0) {
            FACT_FAIL(st, -ENODEV, "the root filesystem (%s, %s) is not on a block device: a container?",
                      src ? src : "unknown", type ? type : "unknown");
            goto done;
        }
        /* What is mounted is the truth for / and /boot. */
        resolve_live(v, dev);
        for (size_t k = 0; k < v->n_ext; k++)
            if (!strv_contains(st->system_disks, v->ext[k].disk))
                strv_push(&st->system_disks, xstrdup(v->ext[k].disk));
    }
    if (!st->system_disks) {
        FACT_FAIL(st, -ENODEV, "the disk under / was not found in sysfs");
        goto done;
    }
    /* The disk to image: the one that boots (/boot's, else /'s). */
    const struct csm_volume *boot = csm_storage_find(st, "/boot");
    const struct csm_volume *root = csm_storage_find(st, "/");
    const struct csm_volume *src = boot && boot->n_ext ? boot : root;
    st->disk_path = xasprintf("/dev/%s", src->ext[0].disk);

    for (size_t i = 0; i < st->n; i++) {
        struct csm_volume *v = &st->v[i];
        if (!v->n_ext && v->where == CSM_WHERE_UNKNOWN && !v->why)
            resolve_live(v, 0);
        if (v->n_ext)
            classify_live(v, st->system_disks);
    }
done:
    mnt_unref_table(tb);
}

/* An LV named in fstab, placed through the LVM metadata on the disk: each
 * PV its segments use is a partition of the disk, or on another disk. */
static bool place_lvm(struct csm_volume *v, const struct csm_disk *disk)
{
    _cleanup_free_ char *vg = NULL, *lv = NULL;
    if (!csm_lvm_split_name(v->source, &vg, &lv))
        return false;
    const struct csm_lvm_pv *meta = NULL;
    size_t unread = 0;
    for (size_t i = 0; i < disk->n_parts; i++) {
        if (disk->parts[i].lvm && !disk->parts[i].lvm_pv)
            unread++;
        if (!meta && disk->parts[i].lvm_pv && streq(disk->parts[i].lvm_pv->vg, vg))
            meta = disk->parts[i].lvm_pv;
    }
    if (!meta && !unread) {
        set_why(v, CSM_WHERE_OTHER, "volume group %s is not on %s", vg, disk->path);
        return true;
    }
    const struct csm_lvm_lv *l = meta ? csm_lvm_find_lv(meta, lv) : NULL;
    if (!meta || !l) {
        if (meta)
            set_why(v, CSM_WHERE_MISSING, "volume group %s on %s has no logical volume %s", vg, disk->path, lv);
        return meta != NULL;
    }
    bool elsewhere = false;
    for (size_t k = 0; l->pvs && l->pvs[k]; k++) {
        const struct csm_partition *p = NULL;
        for (size_t i = 0; i < disk->n_parts && !p; i++)
            if (disk->parts[i].lvm_pv && streq(disk->parts[i].lvm_pv->pv_uuid, l->pvs[k]))
                p = &disk->parts[i];
        if (p) {
            add_extent(v, disk->path, p->partno, p->device);
            continue;
        }
        /* Name the other PV by the device it had, else by its UUID. */
        const char *dev = NULL;
        for (size_t i = 0; meta->vg_pvs && meta->vg_pvs[i]; i++)
            if (streq(meta->vg_pvs[i], l->pvs[k]) && meta->pv_devices[i][0])
                dev = meta->pv_devices[i];
        _cleanup_free_ char *name = dev ? xstrdup(dev) : xasprintf("PV %s", l->pvs[k]);
        add_extent(v, name, 0, NULL);
        elsewhere = true;
    }
    if (elsewhere)
        set_why(v, CSM_WHERE_OTHER, "%s/%s also uses physical volumes that are not on %s", vg, lv, disk->path);
    else
        v->where = v->n_ext ? CSM_WHERE_SYSTEM : CSM_WHERE_UNKNOWN;
    if (!v->n_ext)
        set_why(v, CSM_WHERE_UNKNOWN, "%s/%s uses no physical volume", vg, lv);
    return true;
}

static void resolve_offline(struct csm_volume *v, const struct csm_disk *disk, const char *root_disk)
{
    const struct csm_fstab_entry *e = v->fstab;
    char *dname = NULL;
    size_t partno = 0;

    if (e->tag && !disk) {
        set_why(v, CSM_WHERE_UNKNOWN, "no --disk given to look for %s=%s", e->tag, e->tag_value);
    } else if (e->tag) {
        const struct csm_partition *p = csm_disk_find_tag(disk, e->tag, e->tag_value);
        if (p) {
            add_extent(v, disk->path, p->partno, p->device);
            v->fs_uuid = p->uuid ? xstrdup(p->uuid) : NULL;
            v->where = CSM_WHERE_SYSTEM;
        } else if (streq(e->tag, "UUID") && disk->whole_uuid && strcasecmp(disk->whole_uuid, e->tag_value) == 0) {
            add_extent(v, disk->path, 0, NULL);
            v->fs_uuid = xstrdup(disk->whole_uuid);
            v->where = CSM_WHERE_SYSTEM;
        } else {
            set_why(v, CSM_WHERE_OTHER, "%s=%s is not on %s", e->tag, e->tag_value, disk->path);
        }
    } else if (csm_split_device(e->source, &dname, &partno)) {
        if (!root_disk) {
            set_why(v, CSM_WHERE_UNKNOWN, "the disk / is on is not named in fstab, so %s cannot be placed",
                    e->source);
        } else if (!streq(dname, root_disk)) {
            add_extent(v, dname, partno, e->source);
            set_why(v, CSM_WHERE_OTHER, "on %s, while / is on %s", dname, root_disk);
        } else if (disk && partno && !csm_disk_partition(disk, partno)) {
            set_why(v, CSM_WHERE_MISSING, "%s has no partition %zu", disk->path, partno);
        } else {
            const struct csm_partition *p = disk ? csm_disk_partition(disk, partno) : NULL;
            add_extent(v, disk ? disk->path : dname, partno, p ? p->device : NULL);
            if (p && p->uuid)
                v->fs_uuid = xstrdup(p->uuid);
            v->where = CSM_WHERE_SYSTEM;
        }
    } else if (disk && place_lvm(v, disk)) {
        /* placed from the volume group's metadata on the disk */
    } else if (is_lvm_or_md(e->source)) {
        bool pv = false;
        for (size_t i = 0; disk && i < disk->n_parts; i++)
            pv |= disk->parts[i].lvm || (disk->parts[i].fstype && streq(disk->parts[i].fstype, "linux_raid_member"));
        if (disk && !pv)
            set_why(v, CSM_WHERE_OTHER, "%s has no LVM or RAID member partition, so %s is on another disk",
                    disk->path, e->source);
        else
            set_why(v, CSM_WHERE_UNKNOWN, "%s is an LVM or RAID volume: the disks under it are not visible offline",
                    e->source);
    } else {
        set_why(v, CSM_WHERE_UNKNOWN, "%s is not a name this tool can place on a disk", e->source);
    }
    free(dname);
}

static void storage_root(struct csm_scan *s, struct csm_storage *st, const struct csm_fstab *fstab)
{
    /* --disk, or the guest disk of an image whose tree is read */
    const struct csm_disk *disk = s->opts->disk || csm_scan_has(s, CSM_HAS_IMAGE) ? csm_facts_disk(s) : NULL;
    const struct csm_fstab_entry *rootent = csm_fstab_find(fstab, "/");
    char *root_disk = NULL;
    size_t partno;

    if (disk && disk->err) {
        FACT_FAIL(st, disk->err, "%s", disk->why);
        disk = NULL;
    }
    if (rootent && !rootent->tag)
        csm_split_device(rootent->source, &root_disk, &partno);
    for (size_t i = 0; i < fstab->n; i++) {
        const struct csm_fstab_entry *e = &fstab->e[i];
        if (!on_block_device(e))
            continue;
        struct csm_volume *v = add_volume(st, e, e->swap ? "swap" : e->target, e->source, e->fstype);
        if (removable_noauto(e))
            set_why(v, CSM_WHERE_REMOVABLE, "an optical or removable drive, noauto: not mounted at boot");
        else
            resolve_offline(v, disk, root_disk);
    }
    if (disk) {
        strv_push(&st->system_disks, xstrdup(disk->path));
        st->disk_path = xstrdup(disk->path);
    } else if (root_disk) {
        strv_push(&st->system_disks, xstrdup(root_disk));
    }
    free(root_disk);
}

static void *gather_storage(struct csm_scan *s)
{
    struct csm_storage *st = xcalloc(1, sizeof(*st));
    const struct csm_fstab *fstab = csm_facts_fstab(s);
    if (csm_scan_live(s))
        storage_live(st, fstab);
    else
        storage_root(s, st, fstab);
    return st;
}

static void storage_fact_free(void *fact)
{
    csm_storage_free(fact);
}

static const struct csm_fact_desc storage_fact = { "storage", gather_storage, storage_fact_free };

const struct csm_storage *csm_facts_storage(struct csm_scan *s)
{
    return csm_fact_get(s, &storage_fact);
}

int csm_facts_device_exists(struct csm_scan *s, const char *spec)
{
    if (!csm_scan_live(s))
        return -EOPNOTSUPP;
    const char *eq = strchr(spec, '=');
    _cleanup_free_ char *tag = eq && !startswith(spec, "/") ? xstrndup(spec, (size_t)(eq - spec)) : NULL;
    _cleanup_free_ char *dev = tag ? csm_live_tag_device(tag, eq + 1) : xstrdup(spec);
    return csm_live_block_device(dev) != 0;
}

const struct csm_volume *csm_storage_find(const struct csm_storage *st, const char *mountpoint)
{
    for (size_t i = 0; i < st->n; i++)
        if (streq(st->v[i].mountpoint, mountpoint))
            return &st->v[i];
    return NULL;
}

void csm_extents_free(struct csm_extent *ext, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ext[i].disk);
        free(ext[i].device);
    }
    free(ext);
}

void csm_storage_free(struct csm_storage *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++) {
        struct csm_volume *v = &st->v[i];
        free(v->mountpoint);
        free(v->source);
        free(v->fstype);
        free(v->device);
        free(v->fs_uuid);
        free(v->why);
        csm_extents_free(v->ext, v->n_ext);
    }
    free(st->v);
    strv_free(st->system_disks);
    free(st->disk_path);
    free(st->why);
    free(st);
}
