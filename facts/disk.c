/* The system disk: its label and partitions through libfdisk, the
 * filesystem in each partition through libblkid, both on one read-only
 * descriptor. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdisk.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "facts/internal.h"
#include "lib/util.h"

#define GUID_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GUID_BIOS_BOOT "21686148-6449-6E6F-744E-656564454649"
#define GUID_LINUX_LVM "E6D6D379-F507-44C2-A23C-238F2A3DF928"

struct fs_probe {
    char *type, *uuid, *label;
};

static char *probe_value(blkid_probe pr, const char *name)
{
    const char *v;
    return blkid_probe_lookup_value(pr, name, &v, NULL) == 0 ? xstrdup(v) : NULL;
}

static void probe_fs(int fd, uint64_t offset, uint64_t size, struct fs_probe *out)
{
    blkid_probe pr = blkid_new_probe();
    if (!pr)
        return;
    if (blkid_probe_set_device(pr, fd, (blkid_loff_t)offset, (blkid_loff_t)size) == 0) {
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
        blkid_probe_enable_partitions(pr, 0);
        if (blkid_do_safeprobe(pr) == 0) {
            out->type = probe_value(pr, "TYPE");
            out->uuid = probe_value(pr, "UUID");
            out->label = probe_value(pr, "LABEL");
        }
    }
    blkid_free_probe(pr);
}

static char *partition_device(const char *disk, size_t partno)
{
    size_t n = strlen(disk);
    bool digit = n && disk[n - 1] >= '0' && disk[n - 1] <= '9';
    return xasprintf("%s%s%zu", disk, digit ? "p" : "", partno);
}

static void read_mbr(struct csm_disk *d, int fd)
{
    unsigned char mbr[512];
    if (pread(fd, mbr, sizeof(mbr), 0) != (ssize_t)sizeof(mbr))
        return;
    for (size_t i = 0; i < 440; i++)
        if (mbr[i]) {
            d->boot_code = true;
            break;
        }
    d->mbr_signature = mbr[510] == 0x55 && mbr[511] == 0xAA;
}

static void fill_partition(struct csm_disk *d, int fd, struct fdisk_partition *pa, bool gpt)
{
    struct csm_partition p = { 0 };
    struct fdisk_parttype *t = fdisk_partition_get_type(pa);

    p.partno = fdisk_partition_get_partno(pa) + 1;
    p.start = fdisk_partition_get_start(pa);
    p.end = fdisk_partition_get_end(pa);
    p.size = fdisk_partition_get_size(pa);
    p.container = fdisk_partition_is_container(pa);
    p.bootable = fdisk_partition_is_bootable(pa) == 1;
    if (!d->is_file)
        p.device = partition_device(d->path, p.partno);
    if (t) {
        p.type = xstrdup(fdisk_parttype_get_name(t) ? fdisk_parttype_get_name(t) : "unknown");
        p.type_code = gpt ? xstrdup(fdisk_parttype_get_string(t))
                          : xasprintf("0x%02x", fdisk_parttype_get_code(t));
    }
    if (gpt) {
        if (fdisk_partition_get_uuid(pa))
            p.partuuid = xstrdup(fdisk_partition_get_uuid(pa));
        if (fdisk_partition_get_name(pa) && *fdisk_partition_get_name(pa))
            p.partlabel = xstrdup(fdisk_partition_get_name(pa));
    } else if (d->disk_id && startswith(d->disk_id, "0x")) {
        /* What the kernel and blkid call an MBR partition's PARTUUID. */
        p.partuuid = xasprintf("%s-%02zx", d->disk_id + 2, p.partno);
    }
    if (p.type_code) {
        p.esp = gpt ? strcasecmp(p.type_code, GUID_ESP) == 0 : streq(p.type_code, "0xef");
        p.bios_boot = gpt && strcasecmp(p.type_code, GUID_BIOS_BOOT) == 0;
        p.lvm = gpt ? strcasecmp(p.type_code, GUID_LINUX_LVM) == 0 : streq(p.type_code, "0x8e");
    }
    uint64_t off = p.start * d->sector_size, len = p.size * d->sector_size;
    /* A partition cut by a short copy: probe what is left of it. */
    if (off < d->size && len > d->size - off)
        len = d->size - off;
    if (!p.container && p.size && off < d->size) {
        struct fs_probe fs = { 0 };
        if (d->src && d->src->prefetch)
            d->src->prefetch(d->src->data, off, len);
        probe_fs(fd, off, len, &fs);
        p.fstype = fs.type;
        p.uuid = fs.uuid;
        p.label = fs.label;
        if (p.fstype && streq(p.fstype, "LVM2_member")) {
            p.lvm = true;
            p.lvm_pv = csm_lvm_pv_read(fd, p.start * d->sector_size, p.size * d->sector_size);
        }
    }
    d->parts = xrealloc(d->parts, (d->n_parts + 1) * sizeof(*d->parts));
    d->parts[d->n_parts++] = p;
}

static void read_label(struct csm_disk *d, int fd)
{
    struct fdisk_context *cxt = fdisk_new_context();
    struct fdisk_table *tb = NULL;
    struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
    struct fdisk_partition *pa;

    if (!cxt || !it) {
        FACT_FAIL(d, -ENOMEM, "cannot set up libfdisk");
        goto done;
    }
    int r = fdisk_assign_device_by_fd(cxt, fd, d->path, 1);
    if (r < 0) {
        FACT_FAIL(d, r, "cannot read the partition table of %s with libfdisk: %s", d->path, csm_strerror(r));
        goto done;
    }
    d->sector_size = fdisk_get_sector_size(cxt);
    d->nsectors = fdisk_get_nsectors(cxt);
    if (fdisk_has_label(cxt)) {
        bool gpt = fdisk_is_label(cxt, GPT);
        char *id = NULL;
        d->label = xstrdup(fdisk_label_get_name(fdisk_get_label(cxt, NULL)));
        if (fdisk_get_disklabel_id(cxt, &id) == 0 && id)
            d->disk_id = id;
        if (fdisk_get_partitions(cxt, &tb) == 0)
            while (fdisk_table_next_partition(tb, it, &pa) == 0)
                fill_partition(d, fd, pa, gpt);
    } else {
        struct fs_probe fs = { 0 };
        if (d->src && d->src->prefetch)
            d->src->prefetch(d->src->data, 0, d->size);
        probe_fs(fd, 0, 0, &fs);
        d->whole_fstype = fs.type;
        d->whole_uuid = fs.uuid;
        free(fs.label);
    }
    fdisk_deassign_device(cxt, 1);
done:
    fdisk_free_iter(it);
    fdisk_unref_table(tb);
    fdisk_unref_context(cxt);
}

struct csm_disk *csm_disk_probe_fd(int fd, const char *name, const struct csm_disk_source *src)
{
    struct csm_disk *d = xcalloc(1, sizeof(*d));
    struct stat st;
    d->path = xstrdup(name);
    d->src = src;

    if (fstat(fd, &st) < 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))) {
        FACT_FAIL(d, -EMEDIUMTYPE, "%s is neither a block device nor a disk image file", name);
        return d;
    }
    d->is_file = S_ISREG(st.st_mode);
    if (d->is_file)
        d->size = (uint64_t)st.st_size;
    else if (ioctl(fd, BLKGETSIZE64, &d->size) < 0)
        d->size = 0;
    if (d->size < 512) {
        FACT_FAIL(d, -ENOSPC, "%s is empty or smaller than one sector", name);
        return d;
    }
    read_mbr(d, fd);
    read_label(d, fd);
    d->src = NULL;
    return d;
}

struct csm_disk *csm_disk_probe(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        struct csm_disk *d = xcalloc(1, sizeof(*d));
        d->path = xstrdup(path);
        FACT_FAIL(d, -errno, "cannot open %s: %s%s", path, csm_strerror(-errno),
                  errno == EACCES && geteuid() != 0 ? " (run as root)" : "");
        return d;
    }
    struct csm_disk *d = csm_disk_probe_fd(fd, path, NULL);
    close(fd);
    return d;
}

/* The image's guest disk belongs to the image's facts: only a disk probed
 * here, or a failure made here, is this fact's own. */
struct disk_fact {
    const struct csm_disk *disk;
    struct csm_disk *owned;
};

static struct csm_disk *disk_failed(const char *path, int err, const char *why)
{
    struct csm_disk *d = xcalloc(1, sizeof(*d));
    d->path = path ? xstrdup(path) : NULL;
    FACT_FAIL(d, err, "%s", why);
    return d;
}

static struct csm_disk *probe_disk(struct csm_scan *s)
{
    if (csm_scan_has(s, CSM_HAS_IMAGE)) {
        const struct csm_image_facts *im = csm_facts_image(s);
        return disk_failed(im->path, -ENODEV, im->disk_why ? im->disk_why : "the image's guest disk cannot be read");
    }
    if (s->opts->disk)
        return csm_disk_probe(s->opts->disk);
    if (csm_scan_live(s)) {
        const struct csm_storage *st = csm_facts_storage(s);
        if (st->disk_path)
            return csm_disk_probe(st->disk_path);
        return disk_failed(NULL, st->err ? st->err : -ENODEV, st->why ? st->why : "the system disk was not found");
    }
    return disk_failed(NULL, -ENODEV, "no --disk given: a directory tree does not show its disk's partition table");
}

static void *gather_disk(struct csm_scan *s)
{
    struct disk_fact *df = xcalloc(1, sizeof(*df));
    const struct csm_image_facts *im = csm_scan_has(s, CSM_HAS_IMAGE) ? csm_facts_image(s) : NULL;
    df->disk = im && im->disk ? im->disk : (df->owned = probe_disk(s));
    return df;
}

static void disk_fact_free(void *fact)
{
    struct disk_fact *df = fact;
    csm_disk_free(df->owned);
    free(df);
}

static const struct csm_fact_desc disk_fact = { "disk", gather_disk, disk_fact_free };

const struct csm_disk *csm_facts_disk(struct csm_scan *s)
{
    return ((struct disk_fact *)csm_fact_get(s, &disk_fact))->disk;
}

const struct csm_partition *csm_disk_find_tag(const struct csm_disk *d, const char *tag, const char *value)
{
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        const char *have = streq(tag, "UUID")        ? p->uuid
                           : streq(tag, "LABEL")     ? p->label
                           : streq(tag, "PARTUUID")  ? p->partuuid
                           : streq(tag, "PARTLABEL") ? p->partlabel
                                                     : NULL;
        /* UUIDs are compared without regard to case, as blkid and udev do. */
        if (have && (streq(tag, "LABEL") || streq(tag, "PARTLABEL") ? streq(have, value)
                                                                     : strcasecmp(have, value) == 0))
            return p;
    }
    return NULL;
}

const struct csm_partition *csm_disk_partition(const struct csm_disk *d, size_t partno)
{
    for (size_t i = 0; i < d->n_parts; i++)
        if (d->parts[i].partno == partno)
            return &d->parts[i];
    return NULL;
}

void csm_disk_free(struct csm_disk *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_parts; i++) {
        struct csm_partition *p = &d->parts[i];
        free(p->device);
        free(p->type);
        free(p->type_code);
        free(p->partuuid);
        free(p->partlabel);
        free(p->fstype);
        free(p->uuid);
        free(p->label);
        csm_lvm_pv_free(p->lvm_pv);
    }
    free(d->parts);
    free(d->path);
    free(d->why);
    free(d->label);
    free(d->disk_id);
    free(d->whole_fstype);
    free(d->whole_uuid);
    free(d);
}
