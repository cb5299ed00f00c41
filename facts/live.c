#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts/internal.h"
#include "lib/util.h"

#define MAX_STACK_DEPTH 8 /* dm on md on partitions is 3; anything deeper is a loop */

int csm_live_mounts(struct libmnt_table **tb)
{
    *tb = mnt_new_table_from_file("/proc/self/mountinfo");
    return *tb ? 0 : -errno ? -errno : -ENOENT;
}

static char *read_sysfs(const char *dir, const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char buf[256];
    char *r = fgets(buf, sizeof(buf), f) ? xstrdup(strstrip(buf)) : NULL;
    fclose(f);
    return r;
}

static void push_extent(struct csm_extent **ext, size_t *n, const char *disk, size_t partno, const char *dev)
{
    for (size_t i = 0; i < *n; i++)
        if (streq((*ext)[i].disk, disk) && (*ext)[i].partno == partno)
            return;
    *ext = xrealloc(*ext, (*n + 1) * sizeof(**ext));
    (*ext)[(*n)++] = (struct csm_extent){ xstrdup(disk), partno, xasprintf("/dev/%s", dev) };
}

static int walk(const char *sysdir, struct csm_extent **ext, size_t *n, int depth)
{
    if (depth > MAX_STACK_DEPTH)
        return -ELOOP;

    char *partno = read_sysfs(sysdir, "partition");
    if (partno) {
        /* .../block/sda/sda2: the disk is the parent directory. */
        char parent[PATH_MAX];
        snprintf(parent, sizeof(parent), "%s", sysdir);
        char *slash = strrchr(parent, '/');
        if (slash)
            *slash = '\0';
        const char *disk = strrchr(parent, '/');
        const char *name = strrchr(sysdir, '/');
        push_extent(ext, n, disk ? disk + 1 : parent, (size_t)strtoul(partno, NULL, 10), name ? name + 1 : sysdir);
        free(partno);
        return 0;
    }

    _cleanup_free_ char *slaves = xasprintf("%s/slaves", sysdir);
    DIR *d = opendir(slaves);
    bool any = false;
    int r = 0;
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) && r >= 0) {
            if (de->d_name[0] == '.')
                continue;
            char real[PATH_MAX];
            _cleanup_free_ char *sub = xasprintf("%s/%s", slaves, de->d_name);
            if (!realpath(sub, real))
                continue;
            any = true;
            r = walk(real, ext, n, depth + 1);
        }
        closedir(d);
    }
    if (!any) {
        const char *name = strrchr(sysdir, '/');
        push_extent(ext, n, name ? name + 1 : sysdir, 0, name ? name + 1 : sysdir);
    }
    return r;
}

int csm_live_extents(dev_t dev, struct csm_extent **ext, size_t *n)
{
    char link[64], real[PATH_MAX];
    snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
    if (!realpath(link, real))
        return -errno;
    *ext = NULL;
    *n = 0;
    return walk(real, ext, n, 0);
}

char *csm_live_tag_device(const char *tag, const char *value)
{
    /* No cache file: a stale cache would name a device that is gone. */
    char *dev = blkid_evaluate_tag(tag, value, NULL);
    char *r = dev ? xstrdup(dev) : NULL;
    free(dev);
    return r;
}

dev_t csm_live_block_device(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISBLK(st.st_mode) ? st.st_rdev : 0;
}

char *csm_live_hostname(void)
{
    char h[256] = "";
    return gethostname(h, sizeof(h) - 1) == 0 ? xstrdup(h) : NULL;
}

char *csm_live_fs_uuid(const char *device)
{
    blkid_probe pr = blkid_new_probe_from_filename(device);
    char *uuid = NULL;
    if (!pr)
        return NULL;
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID);
    const char *v;
    if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
        uuid = xstrdup(v);
    blkid_free_probe(pr);
    return uuid;
}

int csm_live_efi_booted(void)
{
    if (access("/sys/firmware/efi", F_OK) == 0)
        return 1;
    return errno == ENOENT ? 0 : -1;
}

char *csm_live_kernel_release(void)
{
    struct utsname u;
    return uname(&u) == 0 ? xstrdup(u.release) : NULL;
}

int csm_live_selinux(void)
{
    FILE *f = fopen("/sys/fs/selinux/enforce", "re");
    if (!f)
        return errno == ENOENT ? -2 : -1;
    int c = fgetc(f);
    fclose(f);
    return c == '1' ? 1 : c == '0' ? 0 : -2;
}

int csm_live_apparmor(void)
{
    FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    int c = fgetc(f);
    fclose(f);
    return c == 'Y' ? 1 : c == 'N' ? 0 : -1;
}
