/* Installed kernels and the one the boot loader starts by default. Every
 * driver check is made for that kernel and reported for the others. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/util.h"
#include "lib/version.h"

#define MAX_KERNELS 256

static const char *const module_roots[] = { "/lib/modules", "/usr/lib/modules" };
static const char *const image_prefixes[] = { "vmlinuz-", "vmlinux-", "kernel-", "bzImage-", "Image-" };

/* A release string as kernels name themselves; anything else in a file
 * name of the tree is not taken for a version (and never reaches a command). */
static bool valid_version(const char *v)
{
    size_t n = strlen(v);
    if (!n || n > 128 || v[0] == '.' || v[0] == '-')
        return false;
    for (; *v; v++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~-", *v))
            return false;
    return true;
}

char *csm_kernel_version_of(const char *image_path)
{
    const char *base = strrchr(image_path, '/');
    base = base ? base + 1 : image_path;
    if (image_path[0] == '(' && !strchr(image_path, '/'))
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(image_prefixes); i++)
        if (startswith(base, image_prefixes[i]) && valid_version(base + strlen(image_prefixes[i])))
            return xstrdup(base + strlen(image_prefixes[i]));
    return NULL;
}

static struct csm_kernel *kernel_get(struct csm_kernels *ks, const char *version, bool create)
{
    for (size_t i = 0; i < ks->n; i++)
        if (streq(ks->k[i].version, version))
            return &ks->k[i];
    if (!create || ks->n == MAX_KERNELS || !valid_version(version))
        return NULL;
    ks->k = xrealloc(ks->k, (ks->n + 1) * sizeof(*ks->k));
    struct csm_kernel *k = &ks->k[ks->n++];
    *k = (struct csm_kernel){ .version = xstrdup(version) };
    return k;
}

const struct csm_kernel *csm_kernels_find(const struct csm_kernels *ks, const char *version)
{
    return kernel_get((struct csm_kernels *)ks, version, false);
}

/* 1 a directory, 0 not (absent, or another type), -errno cannot be told. */
static int is_dir(struct csm_scan *s, const char *path, struct csm_tree_stat *st)
{
    int e = csm_tree_stat(s->root, path, true, st);
    return e < 0 ? (csm_tree_absent(e) ? 0 : e) : S_ISDIR(st->mode);
}

/* /lib/modules/<ver>: with merged /usr, /lib/modules and /usr/lib/modules
 * are one directory, seen once. */
static void find_module_dirs(struct csm_scan *s, struct csm_kernels *ks)
{
    struct csm_node_id seen = { 0, 0 };
    for (size_t r = 0; r < ARRAY_SIZE(module_roots); r++) {
        struct csm_tree_stat st;
        int d = is_dir(s, module_roots[r], &st);
        csm_fact_unreadable(&ks->errors, module_roots[r], d);
        if (d != 1 || csm_node_id_eq(st.id, seen))
            continue;
        seen = st.id;
        char **names = NULL;
        if (csm_fact_unreadable(&ks->errors, module_roots[r], csm_tree_list(s->root, module_roots[r], &names)))
            continue;
        for (size_t i = 0; names && names[i]; i++) {
            _cleanup_free_ char *dir = xasprintf("%s/%s", module_roots[r], names[i]);
            struct csm_tree_stat dst;
            if (is_dir(s, dir, &dst) != 1)
                continue;
            struct csm_kernel *k = kernel_get(ks, names[i], true);
            if (!k || k->moddir)
                continue;
            k->moddir = xstrdup(dir);
            strv_push(&k->seen, xstrdup(dir));
        }
        strv_free(names);
    }
}

static bool is_initrd_name(const char *name, const char *ver)
{
    char buf[256];
    static const char *const forms[] = { "initrd.img-%s", "initramfs-%s.img", "initrd-%s", "initrd-%s.img" };
    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        snprintf(buf, sizeof(buf), forms[i], ver);
        if (streq(name, buf))
            return true;
    }
    return false;
}

/* A regular file of /boot whose name was listed; an error that leaves it
 * open is noted in *why. */
static bool boot_file(struct csm_scan *s, const char *path, char **why)
{
    int r = csm_tree_probe(s->root, path, S_IFREG);
    if (r < 0 && !*why)
        *why = xasprintf("%s: %s", path, csm_strerror(r));
    return r == 1;
}

static void find_boot_files(struct csm_scan *s, struct csm_kernels *ks)
{
    char **names = NULL;
    if (csm_fact_unreadable(&ks->errors, "/boot", csm_tree_list(s->root, "/boot", &names)))
        return;
    for (size_t i = 0; names && names[i]; i++) {
        _cleanup_free_ char *path = xasprintf("/boot/%s", names[i]);
        _cleanup_free_ char *ver = csm_kernel_version_of(names[i]);
        _cleanup_free_ char *why = NULL;
        /* RHEL's rescue kernel carries a generic initramfs of its own. */
        if (!ver || strstr(ver, "-rescue-") || endswith(ver, ".old"))
            continue;
        if (!boot_file(s, path, &why)) {
            if (why)
                strv_push(&ks->errors, xstrdup(why));
            continue;
        }
        struct csm_kernel *k = kernel_get(ks, ver, true);
        if (!k || k->image)
            continue;
        k->image = xstrdup(path);
        strv_push(&k->seen, xstrdup(path));
    }
    for (size_t i = 0; names && names[i]; i++)
        for (size_t j = 0; j < ks->n; j++) {
            struct csm_kernel *k = &ks->k[j];
            _cleanup_free_ char *path = xasprintf("/boot/%s", names[i]);
            if (!k->config && startswith(names[i], "config-") && streq(names[i] + 7, k->version) &&
                boot_file(s, path, &k->config_why))
                k->config = xstrdup(path);
            else if (!k->initrd && is_initrd_name(names[i], k->version) && boot_file(s, path, &k->initrd_why))
                k->initrd = xstrdup(path);
        }
    strv_free(names);
}

/* A kernel seen in /boot whose module directory was not listed: look for
 * it by name, so an unreadable /lib/modules is told from a missing one. */
static void probe_module_dirs(struct csm_scan *s, struct csm_kernels *ks)
{
    for (size_t i = 0; i < ks->n; i++) {
        struct csm_kernel *k = &ks->k[i];
        for (size_t r = 0; r < ARRAY_SIZE(module_roots) && !k->moddir; r++) {
            _cleanup_free_ char *dir = xasprintf("%s/%s", module_roots[r], k->version);
            struct csm_tree_stat st;
            int d = is_dir(s, dir, &st);
            if (d == 1) {
                k->moddir = xstrdup(dir);
                strv_push(&k->seen, xstrdup(dir));
            } else if (d < 0 && !k->moddir_why) {
                k->moddir_why = xasprintf("%s: %s", dir, csm_strerror(d));
            }
        }
        if (k->moddir) {
            free(k->moddir_why);
            k->moddir_why = NULL;
        }
    }
}

/* How the system orders its kernels: the RPM families as rpm and grubby do
 * (5.14.0-427.el9 is older than 5.14.0-427.13.1.el9_4; strverscmp says
 * the opposite), the others as strverscmp. Set for the scan's sorts. */
static bool rpm_order;

static int version_cmp(const char *a, const char *b)
{
    return rpm_order ? csm_rpm_evrcmp(a, b) : strverscmp(a, b);
}

static int cmp_newest_first(const void *a, const void *b)
{
    return version_cmp(((const struct csm_kernel *)b)->version, ((const struct csm_kernel *)a)->version);
}

/* The version a /vmlinuz-style link points at, or NULL; a link that is
 * there but cannot be read is noted in the kernels' errors. */
static char *link_version(struct csm_scan *s, struct csm_kernels *ks, const char *link)
{
    char *target = NULL;
    int r = csm_tree_readlink(s->root, link, &target);
    if (r == -EINVAL) /* not a link */
        return NULL;
    if (r < 0) {
        csm_fact_unreadable(&ks->errors, link, r);
        return NULL;
    }
    char *ver = csm_kernel_version_of(target);
    free(target);
    return ver;
}

/* ---- the boot loader's default entry ---- */

struct candidate {
    const struct csm_boot_entry *e;
    unsigned index0;           /* top-level index in grub's menu */
    const char *title0, *id0;  /* top-level title and id */
};

static bool component_matches(const char *want, unsigned index, const char *title, const char *id)
{
    char *end;
    unsigned long n = strtoul(want, &end, 10);
    if (*want && !*end)
        return n == index;
    return (id && streq(want, id)) || (title && streq(want, title));
}

/* grubby and RHEL's blscfg: entry ids (<machine-id>-<version>) in rpm's
 * name-version-release order, newest first. */
static int cmp_bls_newest(const void *a, const void *b)
{
    const char *x = (*(struct csm_boot_entry *const *)b)->bls_id, *y = (*(struct csm_boot_entry *const *)a)->bls_id;
    return rpm_order ? csm_rpm_nvrcmp(x, y) : strverscmp(x, y);
}

/* BLS entries in the order grub's blscfg and systemd-boot list them. */
static const struct csm_boot_entry **bls_sorted(const struct csm_bootcfg *b, size_t *n)
{
    const struct csm_boot_entry **v = xcalloc(b->n + 1, sizeof(*v));
    *n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].bls_id)
            v[(*n)++] = &b->e[i];
    qsort(v, *n, sizeof(*v), cmp_bls_newest);
    return v;
}

/* grub's menu of one file, as (entry, top-level position) pairs. */
static struct candidate *menu_of(const struct csm_bootcfg *b, const char *file, size_t *n)
{
    size_t nbls = 0;
    const struct csm_boot_entry **bls = bls_sorted(b, &nbls);
    bool with_bls = b->blscfg_file && streq(b->blscfg_file, file);
    struct candidate *c = xcalloc(b->n + 1, sizeof(*c));
    *n = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct csm_boot_entry *e = &b->e[i];
        if (!e->menu_depth || !streq(e->file, file))
            continue;
        unsigned idx = e->menu[0].index;
        if (with_bls && idx >= b->blscfg_at)
            idx += (unsigned)nbls;
        c[(*n)++] = (struct candidate){ e, idx, e->menu[0].title, e->menu[0].id };
    }
    for (size_t i = 0; with_bls && i < nbls; i++)
        c[(*n)++] = (struct candidate){ bls[i], b->blscfg_at + (unsigned)i, bls[i]->title, bls[i]->bls_id };
    free(bls);
    return c;
}

static const struct csm_boot_entry *menu_lookup(const struct csm_bootcfg *b, const char *file, const char *value)
{
    _cleanup_free_ char *copy = xstrdup(value);
    char *parts[16];
    size_t np = 0;
    for (char *save = NULL, *p = strtok_r(copy, ">", &save); p && np < ARRAY_SIZE(parts);
         p = strtok_r(NULL, ">", &save))
        parts[np++] = p;
    if (!np)
        parts[np++] = "0";

    size_t n;
    struct candidate *c = menu_of(b, file, &n);
    const struct csm_boot_entry *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        const struct csm_boot_entry *e = c[i].e;
        size_t depth = e->bls_id ? 1 : e->menu_depth;
        if (depth != np || !component_matches(parts[0], c[i].index0, c[i].title0, c[i].id0))
            continue;
        bool all = true;
        for (size_t k = 1; k < np && all; k++)
            all = component_matches(parts[k], e->menu[k].index, e->menu[k].title, e->menu[k].id);
        if (all)
            found = e;
    }
    free(c);
    return found;
}

/* The grub configuration that holds the menu: the first file read that has
 * menu entries or pulls in the BLS entries. */
static const char *primary_grub_file(const struct csm_bootcfg *b)
{
    for (size_t f = 0; b->files && b->files[f]; f++) {
        if (b->blscfg_file && streq(b->blscfg_file, b->files[f]))
            return b->files[f];
        for (size_t i = 0; i < b->n; i++)
            if (b->e[i].menu_depth && streq(b->e[i].file, b->files[f]))
                return b->files[f];
    }
    return NULL;
}

static const struct csm_boot_default *default_of(const struct csm_bootcfg *b, const char *file)
{
    for (size_t i = 0; i < b->n_dflt; i++)
        if (streq(b->dflt[i].file, file))
            return &b->dflt[i];
    return NULL;
}

/* "${saved_entry}" and grubenv: the value grub ends up with. */
static char *grub_default_value(const struct csm_bootcfg *b, const char *file, struct csm_kernels *ks)
{
    const struct csm_boot_default *d = default_of(b, file);
    if (!d) {
        strv_pushf(&ks->trail, "%s sets no default: grub starts the first entry", file);
        return xstrdup("0");
    }
    strv_pushf(&ks->trail, "set default=\"%s\" (%s)", d->value, d->source);
    if (!strstr(d->value, "saved_entry")) {
        if (d->value[0] == '$') {
            ks->def_problem = xasprintf("grub's default comes from %s (%s), which only grub itself evaluates",
                                        d->value, d->source);
            return NULL;
        }
        return xstrdup(d->value[0] ? d->value : "0");
    }
    const struct csm_kv *kv = csm_kv_get(&b->grubenv, "saved_entry");
    if (!kv || !kv->value[0]) {
        strv_pushf(&ks->trail, "grubenv has no saved_entry: grub starts the first entry");
        return xstrdup("0");
    }
    strv_pushf(&ks->trail, "saved_entry=%s (%s:%u)", kv->value, kv->file, kv->line);
    return xstrdup(kv->value);
}

/* The kernel version an entry boots; a bare "vmlinuz" is a link in /boot or /. */
static char *entry_version(struct csm_scan *s, struct csm_kernels *ks, const struct csm_boot_entry *e)
{
    if (!e->kernel)
        return NULL;
    char *ver = csm_kernel_version_of(e->kernel);
    if (ver)
        return ver;
    const char *base = strrchr(e->kernel, '/');
    base = base ? base + 1 : e->kernel;
    if (!streq(base, "vmlinuz") && !streq(base, "vmlinux"))
        return NULL;
    _cleanup_free_ char *in_boot = xasprintf("/boot/%s", base);
    ver = link_version(s, ks, in_boot);
    if (!ver) {
        _cleanup_free_ char *top = xasprintf("/%s", base);
        ver = link_version(s, ks, top);
    }
    return ver;
}

static void take_entry(struct csm_scan *s, struct csm_kernels *ks, const struct csm_boot_entry *e)
{
    strv_pushf(&ks->trail, "menu entry '%s' (%s)", e->title ? e->title : "", e->source);
    ks->def_version = entry_version(s, ks, e);
    if (!ks->def_version) {
        ks->def_problem = xasprintf("the default entry '%s' (%s) starts %s, not a Linux kernel this tool can name",
                                    e->title ? e->title : "", e->source, e->kernel ? e->kernel : "nothing");
        return;
    }
    ks->how = CSM_DEFAULT_BOOTCFG;
    ks->def_source = xstrdup(e->source);
}

static void default_from_grub(struct csm_scan *s, struct csm_kernels *ks, const struct csm_bootcfg *b,
                              const char *file)
{
    _cleanup_free_ char *value = grub_default_value(b, file, ks);
    if (!value)
        return;
    const struct csm_boot_entry *e = menu_lookup(b, file, value);
    if (!e) {
        ks->def_problem = xasprintf("grub's default \"%s\" names no Linux menu entry of %s", value, file);
        return;
    }
    take_entry(s, ks, e);
}

/* Without grub: systemd-boot's loader.conf default, else the entry it lists first. */
static void default_from_bls(struct csm_scan *s, struct csm_kernels *ks, const struct csm_bootcfg *b)
{
    size_t n;
    const struct csm_boot_entry **bls = bls_sorted(b, &n);
    const struct csm_boot_entry *e = n ? bls[0] : NULL;
    if (b->loader_default) {
        strv_pushf(&ks->trail, "default %s (%s)", b->loader_default, b->loader_default_source);
        e = NULL;
        for (size_t i = 0; i < n && !e; i++) {
            _cleanup_free_ char *conf = xasprintf("%s.conf", bls[i]->bls_id);
            if (fnmatch(b->loader_default, bls[i]->bls_id, 0) == 0 || fnmatch(b->loader_default, conf, 0) == 0)
                e = bls[i];
        }
    } else if (e) {
        strv_pushf(&ks->trail, "no loader.conf default: the first BLS entry in version order");
    }
    free(bls);
    if (e)
        take_entry(s, ks, e);
    else
        ks->def_problem = xasprintf("loader.conf's default \"%s\" matches no BLS entry", b->loader_default);
}

static void default_fallback(struct csm_scan *s, struct csm_kernels *ks)
{
    static const char *const links[] = { "/vmlinuz", "/boot/vmlinuz" };
    for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
        char *ver = link_version(s, ks, links[i]);
        if (ver && csm_kernels_find(ks, ver)) {
            ks->how = CSM_DEFAULT_LINK;
            ks->def_version = ver;
            ks->def_source = xstrdup(links[i]);
            strv_pushf(&ks->trail, "%s points at vmlinuz-%s", links[i], ver);
            return;
        }
        free(ver);
    }
    size_t bootable = 0;
    const struct csm_kernel *newest = NULL;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->k[i].image && bootable++ == 0)
            newest = &ks->k[i];
    if (!newest && ks->n)
        newest = &ks->k[0];
    if (!newest)
        return;
    ks->how = bootable > 1 ? CSM_DEFAULT_NEWEST : CSM_DEFAULT_ONLY;
    ks->def_version = xstrdup(newest->version);
    ks->def_source = xstrdup(newest->seen[0]);
    if (bootable > 1)
        strv_pushf(&ks->trail, "assumed: the newest of %zu kernels (grub-mkconfig lists it first)", bootable);
    else
        strv_push(&ks->trail, xstrdup("the only kernel installed"));
}

/* RHEL's /etc/sysconfig/kernel decides whether a kernel installed later
 * becomes the default (grubby --make-default): worth saying, not the default. */
static void sysconfig_kernel(struct csm_scan *s, struct csm_kernels *ks)
{
    char *text;
    if (csm_tree_read_text(s->root, "/etc/sysconfig/kernel", CSM_CAP_CONFIG, &text, NULL) < 0)
        return;
    struct csm_kvs kv = { 0 };
    csm_kv_parse(text, "/etc/sysconfig/kernel", &kv);
    const struct csm_kv *u = csm_kv_get(&kv, "UPDATEDEFAULT"), *d = csm_kv_get(&kv, "DEFAULTKERNEL");
    if (u || d)
        strv_pushf(&ks->trail, "%s%s%s%s (/etc/sysconfig/kernel:%u): %s", u ? "UPDATEDEFAULT=" : "",
                   u ? u->value : "", d ? (u ? " DEFAULTKERNEL=" : "DEFAULTKERNEL=") : "", d ? d->value : "",
                   (u ? u : d)->line,
                   u && streq(u->value, "yes") ? "a kernel installed later becomes the default"
                                               : "a kernel installed later does not become the default");
    csm_kv_clear(&kv);
    free(text);
}

static void find_default(struct csm_scan *s, struct csm_kernels *ks)
{
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    const struct csm_kv *gd = csm_kv_get(&b->defaults, "GRUB_DEFAULT");
    const char *file = primary_grub_file(b);
    bool any_bls = false;
    for (size_t i = 0; i < b->n; i++)
        any_bls |= b->e[i].bls_id != NULL;

    if (gd)
        strv_pushf(&ks->trail, "GRUB_DEFAULT=%s (%s:%u)", gd->value, gd->file, gd->line);
    if (file)
        default_from_grub(s, ks, b, file);
    else if (any_bls)
        default_from_bls(s, ks, b);
    else if (ks->n)
        ks->def_problem = xstrdup("no boot loader configuration names a default entry");

    if (ks->how == CSM_DEFAULT_NONE && ks->n)
        default_fallback(s, ks);
    sysconfig_kernel(s, ks);
    if (ks->def_version)
        ks->def = csm_kernels_find(ks, ks->def_version);
}

static void *gather_kernels(struct csm_scan *s)
{
    struct csm_kernels *ks = xcalloc(1, sizeof(*ks));

    enum csm_family fam = csm_facts_osrel(s)->family;
    rpm_order = fam == CSM_FAMILY_RHEL || fam == CSM_FAMILY_SUSE;
    find_module_dirs(s, ks);
    find_boot_files(s, ks);
    probe_module_dirs(s, ks);
    if (ks->n)
        qsort(ks->k, ks->n, sizeof(*ks->k), cmp_newest_first);
    if (csm_scan_live(s))
        ks->running = csm_live_kernel_release();
    find_default(s, ks);
    return ks;
}

static void kernels_fact_free(void *fact)
{
    csm_kernels_free(fact);
}

static const struct csm_fact_desc kernels_fact = { "kernels", gather_kernels, kernels_fact_free };

const struct csm_kernels *csm_facts_kernels(struct csm_scan *s)
{
    return csm_fact_get(s, &kernels_fact);
}

void csm_kernels_free(struct csm_kernels *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->k[i].version);
        free(ks->k[i].image);
        free(ks->k[i].moddir);
        free(ks->k[i].config);
        free(ks->k[i].initrd);
        free(ks->k[i].moddir_why);
        free(ks->k[i].config_why);
        free(ks->k[i].initrd_why);
        strv_free(ks->k[i].seen);
    }
    free(ks->k);
    free(ks->why);
    strv_free(ks->errors);
    free(ks->def_version);
    free(ks->def_source);
    strv_free(ks->trail);
    free(ks->def_problem);
    free(ks->running);
    free(ks);
}
