/* The guest's filesystems, its root, its mounts and path resolution
 * across them (guest.h). */
#include <ctype.h>
#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/lvm.h"
#include "guest.h"
#include "lib/util.h"
#include "tree/backend.h"

#define MAX_LVS 64
#define MAX_FDS 64
#define FSTAB_CAP (1u << 20)

struct mount {
    const char *path; /* "/boot" */
    size_t fs;
};

struct csm_guest {
    struct csm_image *img;
    struct csm_fs_source disk;
    struct csm_fs_source *psrc; /* one per partition */
    size_t n_parts;
    struct csm_guest_part *parts;
    struct csm_fs_source *fsrc; /* one per filesystem: the reader child's sources */
    struct csm_guest_fs *fs;
    size_t n_fs;
    struct csm_lvm_vg **vgs;
    size_t n_vgs;
    struct csm_fs_child *child;
    size_t root; /* index into fs; meaningful when !root_why */
    char *root_why;
    struct csm_tree *tree; /* NULL when no root was found, or given away */
    char **mount_errors;
};

/* ---- the guest disk as a block source ---- */

static int image_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    int r = csm_image_read(ctx, buf, len, off);
    return r < 0 ? r : 0;
}

/* ---- finding the filesystems ---- */

static struct csm_guest_fs *add_fs(struct csm_guest *g, size_t partno, const char *where)
{
    struct csm_guest_fs *f = &g->fs[g->n_fs++];
    *f = (struct csm_guest_fs){ .where = xstrdup(where), .partno = partno };
    return f;
}

/* A PV's partition: read its label and the group's metadata. */
struct pv_found {
    size_t part;
    struct csm_lvm_label label;
    struct csm_lvm_vg *vg;
};

static void find_lvs(struct csm_guest *g, struct pv_found *pv, size_t n_pv)
{
    /* one group per name: the copy with the highest seqno */
    for (size_t i = 0; i < n_pv; i++) {
        struct csm_lvm_vg *vg = pv[i].vg;
        if (!vg)
            continue;
        bool newest = true;
        for (size_t j = 0; j < n_pv; j++)
            if (j != i && pv[j].vg && !strcmp(pv[j].vg->name, vg->name) &&
                (pv[j].vg->seqno > vg->seqno || (pv[j].vg->seqno == vg->seqno && j < i)))
                newest = false;
        if (!newest)
            continue;
        const struct csm_fs_source **pvs = xcalloc(vg->n_pvs ? vg->n_pvs : 1, sizeof(*pvs));
        for (size_t k = 0; k < vg->n_pvs; k++)
            for (size_t j = 0; j < n_pv; j++)
                if (!strcmp(pv[j].label.pv_uuid, vg->pvs[k].id))
                    pvs[k] = &g->psrc[pv[j].part];
        for (size_t l = 0; l < vg->n_lvs && g->n_fs < g->n_parts + MAX_LVS; l++) {
            const struct csm_lvm_volume *lv = &vg->lvs[l];
            if (!lv->visible)
                continue;
            char *where = xasprintf("LV %s/%s", vg->name, lv->name);
            struct csm_guest_fs *f = add_fs(g, g->parts[pv[i].part].partno, where);
            free(where);
            f->vg = xstrdup(vg->name);
            f->lv = xstrdup(lv->name);
            char *why = NULL;
            struct csm_fs_source *src = &g->fsrc[f - g->fs];
            if (csm_lvm_map(vg, lv->name, pvs, src, &why) < 0) {
                f->error = why;
                continue;
            }
            const char *type = csm_fs_probe(src);
            f->type = xstrdup(type ? type : "unknown");
            if (!type)
                f->error = xstrdup("holds no filesystem this tool reads without mounting");
        }
        free(pvs);
        g->vgs[g->n_vgs++] = vg;
        for (size_t j = 0; j < n_pv; j++)
            if (pv[j].vg == vg)
                pv[j].vg = NULL;
    }
    for (size_t j = 0; j < n_pv; j++)
        csm_lvm_vg_free(pv[j].vg);
}

static void find_filesystems(struct csm_guest *g)
{
    struct pv_found *pv = xcalloc(g->n_parts ? g->n_parts : 1, sizeof(*pv));
    size_t n_pv = 0;
    for (size_t i = 0; i < g->n_parts; i++) {
        struct csm_fs_source *ps = &g->psrc[i];
        const char *type = csm_fs_probe(ps);
        char where[64];
        snprintf(where, sizeof(where), "partition %zu", g->parts[i].partno);
        if (type) {
            struct csm_guest_fs *f = add_fs(g, g->parts[i].partno, where);
            f->type = xstrdup(type);
            csm_fs_source_range(&g->disk, g->parts[i].offset, g->parts[i].size, &g->fsrc[f - g->fs]);
            continue;
        }
        struct csm_lvm_label label;
        struct csm_lvm_vg *vg = NULL;
        char *why = NULL;
        int r = csm_lvm_read(ps, &label, &vg, &why);
        if (r == 0) {
            pv[n_pv++] = (struct pv_found){ i, label, vg };
        } else if (r != -ENOENT && r != -ENODATA) {
            struct csm_guest_fs *f = add_fs(g, g->parts[i].partno, where);
            f->type = xstrdup("LVM2_member");
            f->error = xasprintf("its LVM metadata cannot be read: %s", why ? why : csm_strerror(r));
        } else if (g->parts[i].fstype && *g->parts[i].fstype && strcmp(g->parts[i].fstype, "swap") &&
                   strcmp(g->parts[i].fstype, "LVM2_member")) {
            /* a filesystem libblkid knows and no reader of this build reads (btrfs) */
            struct csm_guest_fs *f = add_fs(g, g->parts[i].partno, where);
            f->type = xstrdup(g->parts[i].fstype);
            f->error = xasprintf("%s cannot be read without mounting", g->parts[i].fstype);
        }
        free(why);
    }
    find_lvs(g, pv, n_pv);
    free(pv);
}

/* ---- lookups inside one filesystem, for finding the root ---- */

/* A path of plain names (no links followed) inside one filesystem. */
static int fs_walk(struct csm_fsreader *fs, const char *path, struct csm_fs_stat *st)
{
    int r = csm_fs_stat(fs, fs->root, st);
    for (const char *p = path; r == 0 && *p;) {
        while (*p == '/')
            p++;
        const char *e = strchrnul(p, '/');
        if (e == p)
            break;
        if (!S_ISDIR(st->mode))
            return -ENOTDIR;
        r = csm_fs_lookup(fs, st->node, p, (size_t)(e - p), st);
        p = e;
    }
    return r;
}

static int fs_read_small(struct csm_fsreader *fs, const struct csm_fs_stat *st, size_t cap, char **out)
{
    if (!S_ISREG(st->mode))
        return -EMEDIUMTYPE;
    if (st->size > cap)
        return -EFBIG;
    char *buf = xmalloc((size_t)st->size + 1);
    ssize_t n = csm_fs_pread(fs, st->node, buf, (size_t)st->size, 0);
    if (n < 0) {
        free(buf);
        return (int)n;
    }
    buf[n] = '\0';
    *out = buf;
    return (int)n;
}

/* The UUID grub's root= names, from any filesystem's grub.cfg; NULL when none says. */
static char *grub_root_uuid(struct csm_guest *g)
{
    static const char *const cfgs[] = { "boot/grub/grub.cfg", "boot/grub2/grub.cfg", "grub/grub.cfg",
                                        "grub2/grub.cfg" };
    for (size_t i = 0; i < g->n_fs; i++) {
        if (!g->fs[i].fs)
            continue;
        for (size_t c = 0; c < sizeof(cfgs) / sizeof(*cfgs); c++) {
            struct csm_fs_stat st;
            char *text = NULL;
            if (fs_walk(g->fs[i].fs, cfgs[c], &st) < 0 || fs_read_small(g->fs[i].fs, &st, 4u << 20, &text) < 0)
                continue;
            char *p = strstr(text, "root=UUID=");
            if (p) {
                p += strlen("root=UUID=");
                size_t n = strspn(p, "0123456789abcdefABCDEF-");
                char *u = xstrndup(p, n);
                free(text);
                return u;
            }
            free(text);
        }
    }
    return NULL;
}

static void find_root(struct csm_guest *g)
{
    size_t cand[16], n = 0;
    for (size_t i = 0; i < g->n_fs && n < 16; i++) {
        struct csm_fs_stat st;
        if (g->fs[i].fs && fs_walk(g->fs[i].fs, "etc/fstab", &st) == 0 &&
            fs_walk(g->fs[i].fs, "etc/os-release", &st) == 0)
            cand[n++] = i;
    }
    if (n == 1) {
        g->root = cand[0];
        return;
    }
    if (n == 0) {
        char **unread = NULL;
        for (size_t i = 0; i < g->n_fs; i++)
            if (g->fs[i].error)
                strv_pushf(&unread, "%s%s%s%s: %s", g->fs[i].where, g->fs[i].type ? " (" : "",
                           g->fs[i].type ? g->fs[i].type : "", g->fs[i].type ? ")" : "", g->fs[i].error);
        char *list = unread ? strv_join(unread, "; ") : NULL;
        g->root_why = list ? xasprintf("no filesystem this tool read holds /etc/fstab and /etc/os-release; not "
                                       "read: %s", list)
                           : xstrdup("no filesystem of the image holds /etc/fstab and /etc/os-release");
        free(list);
        strv_free(unread);
        return;
    }
    char *uuid = grub_root_uuid(g);
    for (size_t k = 0; uuid && k < n; k++)
        if (!strcasecmp(g->fs[cand[k]].fs->info.uuid, uuid)) {
            g->root = cand[k];
            free(uuid);
            return;
        }
    g->root_why = xasprintf("%zu filesystems hold /etc/fstab and /etc/os-release and grub's root= %s%s", n,
                            uuid ? "names none of them: UUID=" : "does not tell which", uuid ? uuid : "");
    free(uuid);
}

/* ---- the guest's mounts, from its fstab ---- */

/* "/dev/mapper/vg--a-root" -> vg "vg-a", lv "root" (device-mapper doubles
 * the dashes of each name). */
static bool split_mapper(const char *name, char *vg, char *lv, size_t cap)
{
    size_t o = 0;
    const char *p = name;
    for (; *p; p++) {
        if (*p == '-' && p[1] == '-') {
            p++;
        } else if (*p == '-') {
            break;
        }
        if (o + 1 >= cap)
            return false;
        vg[o++] = *p;
    }
    vg[o] = '\0';
    if (*p != '-' || !o)
        return false;
    o = 0;
    for (p++; *p; p++) {
        if (*p == '-' && p[1] == '-')
            p++;
        if (o + 1 >= cap)
            return false;
        lv[o++] = *p;
    }
    lv[o] = '\0';
    return o > 0;
}

static const struct csm_guest_part *part_of(const struct csm_guest *g, size_t partno)
{
    for (size_t i = 0; i < g->n_parts; i++)
        if (g->parts[i].partno == partno)
            return &g->parts[i];
    return NULL;
}

/* The filesystem a fstab source names; -1 when none. */
static ssize_t find_source(const struct csm_guest *g, const char *tag, const char *value, const char *dev)
{
    char vg[256], lv[256];
    const char *name = NULL;
    if (!tag && dev) {
        if (startswith(dev, "/dev/disk/by-uuid/"))
            tag = "UUID", value = dev + strlen("/dev/disk/by-uuid/");
        else if (startswith(dev, "/dev/disk/by-label/"))
            tag = "LABEL", value = dev + strlen("/dev/disk/by-label/");
        else if (startswith(dev, "/dev/disk/by-partuuid/"))
            tag = "PARTUUID", value = dev + strlen("/dev/disk/by-partuuid/");
        else if (startswith(dev, "/dev/mapper/") && split_mapper(dev + strlen("/dev/mapper/"), vg, lv, sizeof(vg)))
            name = lv;
        else if (startswith(dev, "/dev/") && sscanf(dev, "/dev/%255[^/]/%255[^/]", vg, lv) == 2)
            name = lv;
    }
    for (size_t i = 0; i < g->n_fs; i++) {
        const struct csm_guest_fs *f = &g->fs[i];
        const struct csm_guest_part *p = f->lv ? NULL : part_of(g, f->partno);
        if (name) {
            if (f->lv && !strcmp(f->vg, vg) && !strcmp(f->lv, lv))
                return (ssize_t)i;
            continue;
        }
        if (!tag || !value)
            continue;
        if (!strcmp(tag, "UUID") && f->fs && !strcasecmp(f->fs->info.uuid, value))
            return (ssize_t)i;
        if (!strcmp(tag, "LABEL") && f->fs && !strcmp(f->fs->info.label, value))
            return (ssize_t)i;
        if (!strcmp(tag, "PARTUUID") && p && p->partuuid && !strcasecmp(p->partuuid, value))
            return (ssize_t)i;
        if (!strcmp(tag, "PARTLABEL") && p && p->partlabel && !strcmp(p->partlabel, value))
            return (ssize_t)i;
    }
    return -1;
}

static int cmp_mount(const void *a, const void *b)
{
    const struct mount *x = a, *y = b;
    return strlen(x->path) < strlen(y->path) ? -1 : strlen(x->path) > strlen(y->path);
}

static void find_mounts(struct csm_guest *g)
{
    static const char *const wanted[] = { "/boot", "/boot/efi", "/usr", "/var" };
    char *text = NULL;
    size_t len = 0;
    int r = csm_tree_read(g->tree, "/etc/fstab", FSTAB_CAP, &text, &len);
    if (r < 0) {
        strv_pushf(&g->mount_errors, "/etc/fstab: %s", csm_strerror(r));
        return;
    }
    struct libmnt_table *tb = mnt_new_table();
    FILE *f = fmemopen(text, len ? len : 1, "r");
    if (tb && f)
        mnt_table_parse_stream(tb, f, "/etc/fstab");
    if (f)
        fclose(f);
    struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
    struct libmnt_fs *e;
    struct mount m[sizeof(wanted) / sizeof(*wanted)];
    size_t n = 0;
    while (tb && it && mnt_table_next_fs(tb, it, &e) == 0) {
        const char *target = mnt_fs_get_target(e);
        const char *want = NULL;
        for (size_t w = 0; target && w < sizeof(wanted) / sizeof(*wanted); w++)
            if (!strcmp(target, wanted[w]))
                want = wanted[w];
        bool dup = false;
        for (size_t k = 0; want && k < n; k++)
            dup |= m[k].path == want;
        if (!want || dup)
            continue;
        const char *tag = NULL, *value = NULL;
        if (mnt_fs_get_tag(e, &tag, &value) < 0)
            tag = value = NULL;
        const char *src = mnt_fs_get_source(e);
        ssize_t i = find_source(g, tag, value, tag ? NULL : src);
        if (i < 0)
            strv_pushf(&g->mount_errors, "%s: %s names no filesystem of this image", target, src ? src : "?");
        else if (!g->fs[i].fs)
            strv_pushf(&g->mount_errors, "%s: %s%s%s%s cannot be read: %s", target, g->fs[i].where,
                       g->fs[i].type ? " (" : "", g->fs[i].type ? g->fs[i].type : "", g->fs[i].type ? ")" : "",
                       g->fs[i].error);
        else if ((size_t)i != g->root)
            m[n++] = (struct mount){ want, (size_t)i };
    }
    mnt_free_iter(it);
    mnt_unref_table(tb);
    free(text);
    /* outer mounts first: /boot/efi is a directory of /boot */
    qsort(m, n, sizeof(*m), cmp_mount);
    for (size_t k = 0; k < n; k++) {
        r = csm_tree_mount(g->tree, m[k].path, csm_guest_backend(g->fs[m[k].fs].fs, m[k].fs + 1));
        if (r < 0) {
            strv_pushf(&g->mount_errors, "%s: %s cannot be mounted there: %s", m[k].path, g->fs[m[k].fs].where,
                       csm_strerror(r));
            continue;
        }
        free(g->fs[m[k].fs].mount);
        g->fs[m[k].fs].mount = xstrdup(m[k].path);
    }
}

/* ---- open and free ---- */

int csm_guest_open(struct csm_image *img, const struct csm_guest_part *parts, size_t n_parts,
                   const struct csm_fs_limits *limits, struct csm_guest **out)
{
    const struct csm_image_info *info = csm_image_info(img);
    if (!info->readable)
        return -ENODEV;
    if (csm_image_streamed(img))
        return -ESPIPE;
    struct csm_guest *g = xcalloc(1, sizeof(*g));
    g->img = img;
    g->disk = (struct csm_fs_source){ image_read, img, info->virtual_size, NULL };
    g->n_parts = n_parts;
    g->parts = xcalloc(n_parts ? n_parts : 1, sizeof(*g->parts));
    g->psrc = xcalloc(n_parts ? n_parts : 1, sizeof(*g->psrc));
    for (size_t i = 0; i < n_parts; i++) {
        g->parts[i] = parts[i];
        g->parts[i].partuuid = parts[i].partuuid ? xstrdup(parts[i].partuuid) : NULL;
        g->parts[i].partlabel = parts[i].partlabel ? xstrdup(parts[i].partlabel) : NULL;
        g->parts[i].fstype = parts[i].fstype ? xstrdup(parts[i].fstype) : NULL;
        csm_fs_source_range(&g->disk, parts[i].offset, parts[i].size, &g->psrc[i]);
    }
    size_t cap = n_parts + MAX_LVS;
    g->fs = xcalloc(cap, sizeof(*g->fs));
    g->fsrc = xcalloc(cap, sizeof(*g->fsrc));
    g->vgs = xcalloc(n_parts ? n_parts : 1, sizeof(*g->vgs));
    find_filesystems(g);

    /* one reader child for every filesystem: the sources (and the image
     * descriptors under them) are all it has */
    int fds[MAX_FDS];
    size_t n_fds = csm_image_fds(img, fds, MAX_FDS);
    int r = g->n_fs ? csm_fs_child_start(g->fsrc, g->n_fs, fds, n_fds, limits, &g->child) : 0;
    for (size_t i = 0; i < g->n_fs; i++) {
        struct csm_guest_fs *f = &g->fs[i];
        if (f->error)
            continue;
        char *why = NULL;
        int o = r < 0 ? r : csm_fs_child_open(g->child, i, f->type, &f->fs, &why);
        if (o < 0) {
            f->error = why ? why : xstrdup(csm_strerror(o));
            f->fs = NULL;
        } else {
            free(why);
        }
    }
    find_root(g);
    if (!g->root_why) {
        g->fs[g->root].mount = xstrdup("/");
        g->tree = csm_tree_new();
        csm_tree_mount(g->tree, "/", csm_guest_backend(g->fs[g->root].fs, g->root + 1));
        find_mounts(g);
    }
    *out = g;
    return 0;
}

void csm_guest_free(struct csm_guest *g)
{
    if (!g)
        return;
    csm_tree_free(g->tree); /* before the readers it reads through */
    for (size_t i = 0; i < g->n_fs; i++) {
        struct csm_guest_fs *f = &g->fs[i];
        csm_fs_close(f->fs);
        free(f->where);
        free(f->vg);
        free(f->lv);
        free(f->type);
        free(f->mount);
        free(f->error);
    }
    csm_fs_child_free(g->child);
    for (size_t i = 0; i < g->n_fs; i++)
        csm_fs_source_free(&g->fsrc[i]);
    for (size_t i = 0; i < g->n_parts; i++) {
        csm_fs_source_free(&g->psrc[i]);
        free((char *)g->parts[i].partuuid);
        free((char *)g->parts[i].partlabel);
        free((char *)g->parts[i].fstype);
    }
    for (size_t i = 0; i < g->n_vgs; i++)
        csm_lvm_vg_free(g->vgs[i]);
    strv_free(g->mount_errors);
    free(g->vgs);
    free(g->fs);
    free(g->fsrc);
    free(g->psrc);
    free(g->parts);
    free(g->root_why);
    free(g);
}

size_t csm_guest_filesystems(const struct csm_guest *g, const struct csm_guest_fs **out)
{
    *out = g->fs;
    return g->n_fs;
}

const char *csm_guest_root_why(const struct csm_guest *g) { return g->root_why; }
char *const *csm_guest_mount_errors(const struct csm_guest *g) { return g->mount_errors; }

struct csm_tree *csm_guest_tree(const struct csm_guest *g) { return g->tree; }

const char *csm_guest_failure(const struct csm_guest *g) { return g->child ? csm_fs_child_failure(g->child) : NULL; }

struct csm_tree *csm_guest_take_tree(struct csm_guest *g)
{
    struct csm_tree *t = g->tree;
    g->tree = NULL;
    return t;
}

