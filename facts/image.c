/* An image file: opened by the block layer (image/), its guest disk given
 * to the same libfdisk/libblkid probe as a real disk through a sparse copy
 * of the few ranges the libraries read. Which partition holds / is told
 * from the outside only: where an ext filesystem was last mounted, labels,
 * LVM; nothing inside a filesystem is read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image/guest.h"
#include "image/image.h"
#include "facts/internal.h"
#include "lib/util.h"

static bool linux_fs(const char *t)
{
    static const char *const fs[] = { "ext2", "ext3", "ext4", "xfs", "btrfs", "reiserfs", "jfs", "f2fs" };
    for (size_t i = 0; t && i < ARRAY_SIZE(fs); i++)
        if (streq(t, fs[i]))
            return true;
    return false;
}

/* ext2/3/4 record the directory they were last mounted on in the
 * superblock (s_last_mounted, 64 bytes at 0x88): "/" for the root. */
static char *ext_last_mounted(int fd, const struct csm_disk *d, const struct csm_partition *p)
{
    char buf[65];
    if (!p->fstype || !startswith(p->fstype, "ext"))
        return NULL;
    off_t at = (off_t)(p->start * d->sector_size + 1024 + 0x88);
    if (pread(fd, buf, 64, at) != 64 || !buf[0])
        return NULL;
    buf[64] = '\0';
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 32 || (unsigned char)*c > 126)
            return NULL;
    return xstrdup(buf);
}

static bool label_is(const char *label, const char *const *names, size_t n)
{
    for (size_t i = 0; label && i < n; i++)
        if (strcasecmp(label, names[i]) == 0)
            return true;
    return false;
}

static void set_use(struct csm_image_part *ip, const char *use, char *why)
{
    ip->use = use;
    free(ip->use_why);
    ip->use_why = why;
}

/* /boot first: a small ext or xfs /boot must not be taken for /. */
static void find_boot(struct csm_image_facts *im)
{
    static const char *const labels[] = { "boot", "/boot" };
    const struct csm_disk *d = im->disk;
    for (size_t i = 0; i < d->n_parts && im->boot < 0; i++) {
        const struct csm_partition *p = &d->parts[i];
        struct csm_image_part *ip = &im->parts[i];
        if (ip->last_mounted && streq(ip->last_mounted, "/boot")) {
            set_use(ip, "/boot", xstrdup("last mounted on /boot"));
            im->boot = (int)i;
        } else if (linux_fs(p->fstype) && label_is(p->label, labels, ARRAY_SIZE(labels))) {
            set_use(ip, "/boot", xasprintf("labelled %s", p->label));
            im->boot = (int)i;
        }
    }
}

static void find_root(struct csm_image_facts *im)
{
    static const char *const labels[] = { "root", "/", "rootfs", "cloudimg-rootfs", "img-rootfs", "ROOT-A" };
    const struct csm_disk *d = im->disk;
    int only = -1, largest = -1, n_linux = 0;
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        struct csm_image_part *ip = &im->parts[i];
        if ((int)i == im->boot)
            continue;
        if (ip->last_mounted && streq(ip->last_mounted, "/")) {
            set_use(ip, "/", xstrdup("last mounted on /"));
            im->root = (int)i;
            return;
        }
        if (linux_fs(p->fstype) && label_is(p->label, labels, ARRAY_SIZE(labels)) && im->root < 0) {
            set_use(ip, "/", xasprintf("labelled %s", p->label));
            im->root = (int)i;
        }
        if (linux_fs(p->fstype)) {
            n_linux++;
            only = (int)i;
            if (largest < 0 || p->size > d->parts[largest].size)
                largest = (int)i;
        }
    }
    if (im->root >= 0 || im->lvm >= 0 || !n_linux)
        return;
    im->root = n_linux == 1 ? only : largest;
    set_use(&im->parts[im->root], "/", xstrdup(n_linux == 1 ? "the only Linux filesystem"
                                                            : "the largest Linux filesystem"));
}

static void classify(struct csm_image_facts *im, int fd)
{
    struct csm_disk *d = im->disk;
    im->parts = xcalloc(d->n_parts ? d->n_parts : 1, sizeof(*im->parts));
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        struct csm_image_part *ip = &im->parts[i];
        ip->last_mounted = ext_last_mounted(fd, d, p);
        ip->past_end = d->nsectors && p->end >= d->nsectors;
        if (p->esp)
            set_use(ip, "EFI", xstrdup("EFI System Partition type"));
        else if (p->fstype && streq(p->fstype, "swap"))
            set_use(ip, "swap", xstrdup("swap signature"));
        else if (p->lvm) {
            set_use(ip, "LVM", xstrdup("LVM physical volume"));
            if (im->lvm < 0)
                im->lvm = (int)i;
        }
    }
    find_boot(im);
    find_root(im);
}

static void probe_guest(struct csm_image_facts *im)
{
    struct csm_image_guest *g = NULL;
    int r = csm_image_guest_open(im->img, &g);
    if (r < 0) {
        im->disk_why = xasprintf("the guest disk cannot be read: %s", r == -ENODEV
                                     ? (im->info->unreadable_why ? im->info->unreadable_why
                                                                 : "the image's metadata does not allow it")
                                     : csm_strerror(r));
        return;
    }
    struct csm_disk_source src = { csm_image_guest_prefetch, g };
    int fd = csm_image_guest_fd(g);
    im->disk = csm_disk_probe_fd(fd, im->path, &src);
    im->blank = csm_image_guest_head_blank(g);
    if (im->disk->err) {
        im->disk_why = xstrdup(im->disk->why);
    } else {
        classify(im, fd);
    }
    im->read_errors = strv_copy(csm_image_guest_errors(g));
    im->fetched = csm_image_guest_fetched(g);
    csm_image_guest_free(g);
    if (im->disk->err) {
        csm_disk_free(im->disk);
        im->disk = NULL;
    }
}

static void image_progress(void *data, uint64_t done, uint64_t total)
{
    const struct csm_scan *s = data;
    s->opts->progress(s->opts->image, done, total);
}

static void *gather_image(struct csm_scan *s)
{
    struct csm_image_facts *im = xcalloc(1, sizeof(*im));
    im->root = im->boot = im->lvm = -1;
    im->path = s->opts->image;
    if (!im->path) {
        FACT_FAIL(im, -EINVAL, "no --image given");
        return im;
    }
    struct csm_image_opts o = { .quick = s->opts->quick };
    if (s->opts->progress) {
        o.progress = image_progress;
        o.progress_data = s;
    }
    int r = csm_image_open(im->path, &o, &im->img);
    if (r < 0) {
        FACT_FAIL(im, r, "cannot open %s: %s", im->path, csm_strerror(r));
        return im;
    }
    im->info = csm_image_info(im->img);
    if (im->info->readable)
        probe_guest(im);
    else
        im->disk_why = xstrdup(im->info->unreadable_why ? im->info->unreadable_why
                                                        : "the file is not an image whose guest disk can be read");
    return im;
}

static void image_fact_free(void *fact)
{
    csm_image_facts_free(fact);
}

static const struct csm_fact_desc image_fact = { "image", gather_image, image_fact_free };

const struct csm_image_facts *csm_facts_image(struct csm_scan *s)
{
    return csm_fact_get(s, &image_fact);
}

void csm_image_facts_free(struct csm_image_facts *im)
{
    if (!im)
        return;
    for (size_t i = 0; im->disk && i < im->disk->n_parts; i++) {
        free(im->parts[i].last_mounted);
        free(im->parts[i].use_why);
    }
    free(im->parts);
    csm_disk_free(im->disk);
    csm_image_free(im->img);
    strv_free(im->read_errors);
    free(im->disk_why);
    free(im->why);
    free(im);
}
