/* Guest tools of other hypervisors (seed 004 §4: VMware Tools, Xen tools,
 * VirtualBox Guest Additions and other low-level driver software conflict
 * with the new platform's drivers). Each product is recognised by what it
 * leaves in the tree: package database entries, installer files, service
 * units, kernel modules built outside the kernel tree, and modules that
 * the initramfs or the boot is configured to load. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"

#define MAX_DIR_ENTRIES 4096
#define MAX_MODULE_DEPTH 4   /* updates/dkms/vbox/x.ko */
#define MAX_MODULE_FILES 20000

struct product {
    const char *cls, *name;
    const char *packages[6];
    const char *files[7]; /* a '*' in the last component is a pattern */
    const char *units[5];
    const char *modules[10]; /* built outside the kernel: found in extra/, misc/, updates/ */
    const char *forced[8];   /* names that, configured to load, point at the product */
};

/* The class names are a public interface: the rules weigh them
 * (param.blocking of software.guest-tools). */
static const struct product products[] = {
    { "vmware-tools", "VMware Tools (installer-based)", { 0 },
      { "/usr/bin/vmware-uninstall-tools.pl", "/usr/local/bin/vmware-uninstall-tools.pl",
        "/etc/vmware-tools/locations", "/etc/vmware-tools/installer.sh", "/etc/init.d/vmware-tools" },
      { "vmware-tools.service", "vmware-tools-thinprint.service" },
      { "vmxnet", "vmxnet3", "vmhgfs", "vmblock", "vmsync", "vmmemctl", "vmci", "vsock", "pvscsi" },
      { "vmxnet", "vmhgfs", "vmblock", "vmsync", "vmmemctl", "pvscsi" } },
    { "open-vm-tools", "open-vm-tools", { "open-vm-tools", "open-vm-tools-desktop", "open-vm-tools-dkms" },
      { 0 }, { "open-vm-tools.service", "vmtoolsd.service", "vgauth.service" }, { 0 }, { 0 } },
    { "virtualbox-additions", "VirtualBox Guest Additions (installer-based)", { 0 },
      { "/opt/VBoxGuestAdditions-*", "/sbin/rcvboxadd", "/usr/sbin/rcvboxadd", "/etc/init.d/vboxadd" },
      { "vboxadd.service", "vboxadd-service.service", "vboxadd-x11.service" },
      { "vboxguest", "vboxsf", "vboxvideo" }, { "vboxguest", "vboxsf", "vboxvideo" } },
    { "virtualbox-packages", "VirtualBox guest utilities (distribution packages)",
      { "virtualbox-guest-utils", "virtualbox-guest-x11", "virtualbox-guest-dkms" }, { 0 },
      { "virtualbox-guest-utils.service" }, { 0 }, { 0 } },
    { "xen-tools", "Citrix/XenServer guest tools (xe-guest-utilities)", { "xe-guest-utilities" },
      { "/usr/sbin/xe-daemon", "/usr/sbin/xe-linux-distribution", "/etc/init.d/xe-linux-distribution" },
      { "xe-linux-distribution.service", "xe-daemon.service" }, { 0 }, { 0 } },
    { "xen-pv-drivers", "Xen PV drivers built outside the kernel (kmod-xenpv)", { 0 }, { 0 }, { 0 },
      { "xen_vbd", "xen_vnif", "xen_platform_pci", "xen_balloon" },
      { "xen_vbd", "xen_vnif", "xen_platform_pci", "xen_balloon" } },
    { "parallels-tools", "Parallels Tools", { 0 },
      { "/usr/lib/parallels-tools", "/usr/bin/prltoolsd", "/etc/init.d/prltoolsd" },
      { "prltoolsd.service", "prl-x11.service" },
      { "prl_mod", "prl_eth", "prl_tg", "prl_fs", "prl_vid", "prl_fs_freeze" },
      { "prl_mod", "prl_eth", "prl_tg", "prl_fs", "prl_vid" } },
    { "hyperv", "Hyper-V daemons", { "hyperv-daemons", "hypervkvpd", "hypervvssd", "hypervfcopyd" },
      { "/usr/sbin/hv_kvp_daemon", "/usr/sbin/hypervkvpd", "/usr/sbin/hv_vss_daemon" },
      { "hv-kvp-daemon.service", "hv-vss-daemon.service", "hypervkvpd.service", "hypervvssd.service" }, { 0 },
      { 0 } },
};

const char *csm_gt_kind_name(enum csm_gt_kind k)
{
    static const char *const names[] = { "package", "file", "service", "module", "forced module",
                                         "initramfs" };
    return names[k];
}

static struct csm_guest_tool *tool_of(struct csm_guest_tools *gt, const struct product *p)
{
    for (size_t i = 0; i < gt->n; i++)
        if (streq(gt->t[i].cls, p->cls))
            return &gt->t[i];
    gt->t = xrealloc(gt->t, (gt->n + 1) * sizeof(*gt->t));
    gt->t[gt->n] = (struct csm_guest_tool){ p->cls, p->name, NULL, 0 };
    return &gt->t[gt->n++];
}

static void add_evidence(struct csm_guest_tools *gt, const struct product *p, enum csm_gt_kind kind, char *what,
                         char *source)
{
    struct csm_guest_tool *t = tool_of(gt, p);
    t->ev = xrealloc(t->ev, (t->n_ev + 1) * sizeof(*t->ev));
    t->ev[t->n_ev++] = (struct csm_gt_evidence){ kind, what, source };
}

/* vboxguest.ko.xz -> vboxguest; NULL for a file that is not a module. */
static char *module_name(const char *file)
{
    return csm_is_module_file(file) ? csm_module_name(file) : NULL;
}

static const struct product *product_of_module(const char *name, bool forced)
{
    for (size_t i = 0; i < ARRAY_SIZE(products); i++) {
        const char *const *list = forced ? products[i].forced : products[i].modules;
        size_t n = forced ? ARRAY_SIZE(products[i].forced) : ARRAY_SIZE(products[i].modules);
        for (size_t k = 0; k < n && list[k]; k++)
            if (streq(list[k], name))
                return &products[i];
    }
    return NULL;
}

/* ---- packages, files, units ---- */

static void scan_packages(struct csm_scan *s, struct csm_guest_tools *gt)
{
    const struct csm_packages *pk = csm_facts_packages(s);
    if (pk->err && !csm_tree_absent(pk->err))
        strv_push(&gt->errors, xstrdup(pk->why));
    if (pk->err)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(products); i++)
        for (size_t k = 0; k < ARRAY_SIZE(products[i].packages) && products[i].packages[k]; k++) {
            const struct csm_package *p = csm_package_find(pk, products[i].packages[k]);
            if (p)
                add_evidence(gt, &products[i], CSM_GT_PACKAGE, xasprintf("package %s %s", p->name, p->version),
                             csm_package_source(pk, p));
        }
}

static void scan_pattern(struct csm_scan *s, struct csm_guest_tools *gt, const struct product *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!strchr(slash, '*')) {
        int r = csm_tree_probe(s->root, path, 0);
        csm_fact_unreadable(&gt->errors, path, r);
        if (r == 1)
            add_evidence(gt, p, CSM_GT_FILE, xstrdup(path), xstrdup(path));
        return;
    }
    _cleanup_free_ char *dir = xstrndup(path, (size_t)(slash - path));
    char **names = NULL;
    if (csm_fact_unreadable(&gt->errors, dir, csm_tree_list(s->root, dir, &names)) || !names)
        return;
    for (size_t i = 0; names && names[i] && i < MAX_DIR_ENTRIES; i++)
        if (fnmatch(slash + 1, names[i], 0) == 0) {
            char *full = xasprintf("%s/%s", dir, names[i]);
            add_evidence(gt, p, CSM_GT_FILE, full, xstrdup(full));
        }
    strv_free(names);
}

static void scan_files_units(struct csm_scan *s, struct csm_guest_tools *gt)
{
    for (size_t i = 0; i < ARRAY_SIZE(products); i++) {
        const struct product *p = &products[i];
        for (size_t k = 0; k < ARRAY_SIZE(p->files) && p->files[k]; k++)
            scan_pattern(s, gt, p, p->files[k]);
        for (size_t k = 0; k < ARRAY_SIZE(p->units) && p->units[k]; k++) {
            struct csm_unit_status st;
            csm_facts_unit_status(s, p->units[k], &st);
            if (st.state != CSM_UNIT_ABSENT)
                add_evidence(gt, p, CSM_GT_UNIT, xasprintf("%s (%s)", p->units[k], csm_unit_state_name(st.state)),
                             xstrdup(st.source ? st.source : st.file ? st.file : p->units[k]));
            else if (st.error)
                strv_pushf(&gt->errors, "%s: %s", p->units[k], st.error);
            csm_unit_status_clear(&st);
        }
    }
}

/* ---- kernel modules on disk ---- */

struct walk {
    struct csm_scan *s;
    struct csm_guest_tools *gt;
    size_t files;
};

static void walk_modules(struct walk *w, const char *dir, int depth)
{
    char **names = NULL;
    if (depth > MAX_MODULE_DEPTH || w->files > MAX_MODULE_FILES ||
        csm_fact_unreadable(&w->gt->errors, dir, csm_tree_list(w->s->root, dir, &names)) || !names)
        return;
    for (size_t i = 0; names && names[i] && i < MAX_DIR_ENTRIES; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
        _cleanup_free_ char *mod = module_name(names[i]);
        w->files++;
        if (!mod) {
            struct csm_tree_stat st;
            /* Not followed: weak-updates is links to other kernels' modules. */
            if (csm_tree_stat(w->s->root, path, false, &st) == 0 && S_ISDIR(st.mode))
                walk_modules(w, path, depth + 1);
            continue;
        }
        const struct product *p = product_of_module(mod, false);
        if (p)
            add_evidence(w->gt, p, CSM_GT_MODULE, xasprintf("module %s", mod), xstrdup(path));
    }
    strv_free(names);
}

static void scan_modules(struct csm_scan *s, struct csm_guest_tools *gt)
{
    static const char *const subdirs[] = { "extra", "misc", "updates", "weak-updates" };
    /* /lib is /usr/lib on merged systems: read one of them. */
    struct csm_tree_stat a, b;
    bool same = csm_tree_stat(s->root, "/lib/modules", true, &a) == 0 &&
                csm_tree_stat(s->root, "/usr/lib/modules", true, &b) == 0 && csm_node_id_eq(a.id, b.id);
    const char *bases[] = { "/lib/modules", same ? NULL : "/usr/lib/modules" };
    struct walk w = { s, gt, 0 };

    for (size_t bi = 0; bi < ARRAY_SIZE(bases) && bases[bi]; bi++) {
        char **kernels = NULL;
        strv_pushf(&gt->searched, "%s/*/{extra,misc,updates,weak-updates}", bases[bi]);
        if (csm_fact_unreadable(&gt->errors, bases[bi], csm_tree_list(s->root, bases[bi], &kernels)) || !kernels)
            continue;
        for (size_t k = 0; kernels && kernels[k] && k < 256; k++)
            for (size_t d = 0; d < ARRAY_SIZE(subdirs); d++) {
                _cleanup_free_ char *dir = xasprintf("%s/%s/%s", bases[bi], kernels[k], subdirs[d]);
                walk_modules(&w, dir, 0);
            }
        strv_free(kernels);
    }
}

/* ---- modules configured to load: initramfs and boot ---- */

static void push_module(char ***names, unsigned **lines, size_t *n, const char *word, unsigned line)
{
    _cleanup_free_ char *file = xasprintf("%s.ko", word);
    char *mod = module_name(file);
    if (!mod || !*mod) {
        free(mod);
        return;
    }
    strv_push(names, mod);
    *lines = xrealloc(*lines, (*n + 1) * sizeof(**lines));
    (*lines)[(*n)++] = line;
}

/* dracut: add_drivers+=" a b ", force_drivers="...", drivers="...". */
static void dracut_line(const char *s, unsigned no, char ***names, unsigned **lines, size_t *n)
{
    static const char *const keys[] = { "add_drivers", "force_drivers", "drivers" };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        size_t kl = strlen(keys[i]);
        if (strncmp(s, keys[i], kl) != 0)
            continue;
        const char *p = s + kl;
        if (*p == '+')
            p++;
        if (*p != '=')
            continue;
        _cleanup_strv_ char **words = csm_split_words(p + 1);
        for (size_t w = 0; words && words[w]; w++) {
            _cleanup_strv_ char **inner = csm_split_words(words[w]);
            for (size_t k = 0; inner && inner[k]; k++)
                push_module(names, lines, n, inner[k], no);
        }
        return;
    }
}

void csm_gt_parse_modules(const char *text, const char *kind, char ***names, unsigned **lines, size_t *n)
{
    const char *cur = text;
    struct csm_line l = { 0 };
    bool dracut = streq(kind, "dracut");
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (dracut) {
            dracut_line(s, l.no, names, lines, n);
            continue;
        }
        /* initramfs-tools, modules-load.d, /etc/modules: a name, maybe with options */
        s[strcspn(s, " \t")] = '\0';
        push_module(names, lines, n, s, l.no);
    }
}

static void scan_config_file(struct csm_scan *s, struct csm_guest_tools *gt, const char *path, const char *kind)
{
    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &buf, &len);
    if (csm_tree_absent(r))
        return;
    if (r < 0) {
        strv_pushf(&gt->errors, "%s: %s", path, csm_strerror(r));
        return;
    }
    char **names = NULL;
    unsigned *lines = NULL;
    size_t n = 0;
    csm_gt_parse_modules(buf, kind, &names, &lines, &n);
    free(buf);
    for (size_t i = 0; i < n; i++) {
        const struct product *p = product_of_module(names[i], true);
        if (p)
            add_evidence(gt, p, CSM_GT_FORCED,
                         xasprintf("module %s %s", names[i],
                                   streq(kind, "modules-load") ? "loaded at boot" : "forced into the initramfs"),
                         xasprintf("%s:%u", path, lines[i]));
    }
    strv_free(names);
    free(lines);
}

static void scan_config_dir(struct csm_scan *s, struct csm_guest_tools *gt, const char *dir, const char *kind)
{
    char **names = NULL;
    if (csm_fact_unreadable(&gt->errors, dir, csm_tree_list(s->root, dir, &names)) || !names)
        return;
    for (size_t i = 0; names && names[i] && i < MAX_DIR_ENTRIES; i++)
        if (endswith(names[i], ".conf")) {
            _cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
            scan_config_file(s, gt, path, kind);
        }
    strv_free(names);
}

static void scan_forced(struct csm_scan *s, struct csm_guest_tools *gt)
{
    scan_config_file(s, gt, "/etc/initramfs-tools/modules", "initramfs-tools");
    scan_config_file(s, gt, "/etc/dracut.conf", "dracut");
    scan_config_dir(s, gt, "/etc/dracut.conf.d", "dracut");
    scan_config_file(s, gt, "/etc/modules", "modules-load");
    scan_config_dir(s, gt, "/etc/modules-load.d", "modules-load");
    scan_config_dir(s, gt, "/usr/lib/modules-load.d", "modules-load");
    strv_push(&gt->searched, xstrdup("/etc/initramfs-tools/modules, /etc/dracut.conf{,.d}, /etc/modules, "
                                     "modules-load.d"));
}

/* Guest-tool modules inside the default kernel's initramfs. Absence is
 * only proven by reading the whole archive; the read the driver checks
 * began resumes where it stopped, so the image is still read once. */
static void scan_initramfs(struct csm_scan *s, struct csm_guest_tools *gt)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    if (ks->err || !ks->def)
        return;
    const struct csm_initramfs *ir = csm_facts_initramfs(s, ks->def, NULL, true);
    if (ir->err) {
        if (ir->err != -ENOENT)
            strv_pushf(&gt->errors, "%s: %s", ir->path ? ir->path : "the initramfs", ir->why);
        return;
    }
    strv_pushf(&gt->searched, "%s (the default kernel's initramfs)", ir->path);
    for (size_t i = 0; i < ir->n_modules; i++) {
        const struct product *p = product_of_module(ir->modules[i], true);
        if (p)
            add_evidence(gt, p, CSM_GT_INITRAMFS, xasprintf("module %s inside the initramfs", ir->modules[i]),
                         xasprintf("%s: %s", ir->path, ir->mod_paths[i]));
    }
}

static void *gather_guest_tools(struct csm_scan *s)
{
    struct csm_guest_tools *gt = xcalloc(1, sizeof(*gt));
    const struct csm_packages *pk = csm_facts_packages(s);
    strv_push(&gt->searched, xstrdup(pk->err ? "no package database (files, units and modules only)" : pk->db));
    scan_packages(s, gt);
    scan_files_units(s, gt);
    strv_push(&gt->searched, xstrdup("installer files, service units and init scripts"));
    scan_modules(s, gt);
    scan_forced(s, gt);
    scan_initramfs(s, gt);
    return gt;
}

static void guest_tools_fact_free(void *fact)
{
    csm_guest_tools_free(fact);
}

static const struct csm_fact_desc guest_tools_fact = { "guest_tools", gather_guest_tools, guest_tools_fact_free };

const struct csm_guest_tools *csm_facts_guest_tools(struct csm_scan *s)
{
    return csm_fact_get(s, &guest_tools_fact);
}

void csm_guest_tools_free(struct csm_guest_tools *gt)
{
    if (!gt)
        return;
    for (size_t i = 0; i < gt->n; i++) {
        for (size_t k = 0; k < gt->t[i].n_ev; k++) {
            free(gt->t[i].ev[k].what);
            free(gt->t[i].ev[k].source);
        }
        free(gt->t[i].ev);
    }
    free(gt->t);
    strv_free(gt->errors);
    strv_free(gt->searched);
    free(gt);
}
