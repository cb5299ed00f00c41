/* boot.default-kernel, drivers.virtio-kernel, drivers.virtio-initramfs,
 * drivers.initramfs-tooling: will the kernel that boots after the move find
 * its virtio disk and NIC (seed 004 §5-6)? Each is decided for the default
 * kernel and reported for every other installed kernel. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

/* List placeholders exist even when empty, so no text shows a raw {name}. */
static void lists_init(struct csm_result *r, const char *names)
{
    _cleanup_strv_ char **v = csm_split_words(names);
    for (size_t i = 0; v && v[i]; i++)
        csm_vars_push(&r->vars, v[i], NULL);
}

static const char *how_outcome(enum csm_default_how how)
{
    static const char *const names[] = { "none", "bootcfg", "link", "only", "assumed" };
    return names[how];
}

static void kernel_evidence(struct csm_result *r, const struct csm_kernels *ks, const struct csm_kernel *k)
{
    struct csm_evidence *ev = csm_result_evidence(r, k == ks->def ? "default kernel" : "installed kernel", "%s",
                                                  k->version);
    csm_evidence_source(ev, "%s", k->image ? k->image : k->seen[0]);
    _cleanup_free_ char *parts = xasprintf("modules %s, initramfs %s", k->moddir ? k->moddir : "missing",
                                           k->initrd ? k->initrd : "missing");
    if (!k->image)
        csm_evidence_note(ev, "no kernel image in /boot (left-over modules): it cannot boot; %s", parts);
    else
        csm_evidence_note(ev, "%s", parts);
    csm_result_list(r, "kernels", "%s", k->version);
}

static void running_evidence(struct csm_result *r, const struct csm_kernels *ks)
{
    if (!ks->running)
        return;
    struct csm_evidence *ev = csm_result_evidence(r, "running kernel", "%s", ks->running);
    csm_evidence_source(ev, "uname -r");
    csm_result_var(r, "running", "%s", ks->running);
    if (ks->def_version && !streq(ks->running, ks->def_version))
        csm_evidence_note(ev, "not the default: the system boots %s next time", ks->def_version);
    else if (!csm_kernels_find(ks, ks->running))
        csm_evidence_note(ev, "no longer installed");
}

void csm_check_boot_default_kernel(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    lists_init(r, "kernels");
    for (size_t i = 0; i < ks->n; i++)
        kernel_evidence(r, ks, &ks->k[i]);
    for (size_t i = 0; ks->trail && ks->trail[i]; i++)
        csm_result_evidence(r, "default", "%s", ks->trail[i]);
    if (ks->def_problem)
        csm_evidence_problem(csm_result_evidence(r, "boot loader", "no usable default entry"), "%s",
                             ks->def_problem);
    running_evidence(r, ks);
    csm_result_var(r, "count", "%zu", ks->n);
    csm_result_var(r, "kernel", "%s", ks->def_version ? ks->def_version : "");
    csm_result_var(r, "source", "%s", ks->def_source ? ks->def_source : "");
    csm_result_var(r, "problem", "%s", ks->def_problem ? ks->def_problem : "");

    for (size_t i = 0; ks->errors && ks->errors[i]; i++)
        csm_evidence_note(csm_result_evidence(r, "unreadable", "%s", ks->errors[i]), "cannot be read");
    if (!ks->n && ks->errors) {
        csm_result_error(r, "which kernels are installed cannot be told: %s", ks->errors[0]);
    } else if (!ks->n) {
        csm_evidence_problem(csm_result_evidence(r, "searched", "/lib/modules, /usr/lib/modules, /boot/vmlinuz-*"),
                             "no kernel is installed");
        csm_result_set(r, CSM_FAIL, "none");
    } else if (!ks->def && ks->errors) {
        csm_result_error(r, "the default kernel %s was not found, and not everything could be read: %s",
                         ks->def_version ? ks->def_version : "", ks->errors[0]);
    } else if (!ks->def) {
        csm_evidence_problem(csm_result_evidence(r, "default kernel", "%s", ks->def_version), "not installed");
        csm_result_set(r, CSM_FAIL, "not-installed");
    } else if (!ks->def->image && ks->errors) {
        csm_result_error(r, "the image of kernel %s was not found, and not everything could be read: %s",
                         ks->def_version, ks->errors[0]);
    } else if (!ks->def->image) {
        csm_evidence_problem(csm_result_evidence(r, "default kernel", "%s", ks->def_version),
                             "no /boot/vmlinuz-%s", ks->def_version);
        csm_result_set(r, CSM_FAIL, "not-installed");
    } else {
        csm_result_set(r, ks->how == CSM_DEFAULT_NEWEST ? CSM_WARN : CSM_PASS, how_outcome(ks->how));
    }
}

/* ---- what the driver checks share ---- */

/* The kernel the driver checks are made for; NULL after reporting why not. */
static const struct csm_kernel *default_kernel(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    csm_result_var(r, "kernel", "%s", ks->def_version ? ks->def_version : "");
    if (!ks->n && ks->errors) {
        csm_result_error(r, "which kernels are installed cannot be told: %s", ks->errors[0]);
        return NULL;
    }
    if (!ks->n) {
        csm_result_skip(r, "no-kernel", "no kernel is installed in the tree (see boot.default-kernel)");
        return NULL;
    }
    if (!ks->def) {
        csm_result_error(r, "the default boot entry starts kernel %s, which is not installed (see boot.default-kernel)",
                         ks->def_version);
        return NULL;
    }
    csm_result_var(r, "kernel", "%s", ks->def->version);
    return ks->def;
}

static bool available(enum csm_mod_state st)
{
    return st == CSM_MOD_BUILTIN || st == CSM_MOD_MODULE;
}

static struct csm_evidence *module_evidence(struct csm_result *r, const struct csm_kernel *k,
                                            const struct csm_modinfo *m)
{
    struct csm_evidence *ev = csm_result_evidence(r, k->version, "%s: %s", m->name, csm_mod_state_name(m->state));
    if (m->path)
        csm_evidence_source(ev, "%s", m->path);
    else if (m->source)
        csm_evidence_source(ev, "%s", m->source);
    if (m->note)
        csm_evidence_note(ev, "%s", m->note);
    else if (m->path && m->source)
        csm_evidence_note(ev, "%s", m->source);
    return ev;
}

/* ---- drivers.virtio-kernel ---- */

struct kernel_tally {
    char **missing, **unknown;
};

static void tally_kernel(struct csm_scan *s, struct csm_result *r, const struct csm_kernel *k, char *const *mods,
                         bool optional, struct kernel_tally *t)
{
    for (size_t i = 0; mods && mods[i]; i++) {
        struct csm_modinfo m;
        csm_kernel_module(s, k, mods[i], &m);
        struct csm_evidence *ev = module_evidence(r, k, &m);
        if (optional && !available(m.state)) {
            csm_evidence_note(ev, "optional%s%s", m.note ? ": " : "", m.note ? m.note : "");
        } else if (m.state == CSM_MOD_UNKNOWN) {
            csm_evidence_problem(ev, "cannot tell: %s", m.note);
            strv_push(&t->unknown, xasprintf("%s: %s", mods[i], m.note));
        } else if (!available(m.state)) {
            ev->problem = true;
            strv_push(&t->missing, xstrdup(mods[i]));
        }
        csm_modinfo_clear(&m);
    }
}

void csm_check_drivers_virtio_kernel(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_kernel *def = default_kernel(s, r);
    if (!def)
        return;
    const struct csm_kernels *ks = csm_facts_kernels(s);
    char *const *mods = csm_check_param(r, "modules");
    char *const *opt = csm_check_param(r, "optional");
    struct kernel_tally t = { 0 };
    lists_init(r, "found missing others");

    tally_kernel(s, r, def, mods, false, &t);
    tally_kernel(s, r, def, opt, true, &t);
    for (size_t i = 0; mods[i]; i++) {
        _cleanup_free_ char *prefix = xasprintf("%s: ", mods[i]);
        bool unknown = false;
        for (size_t u = 0; t.unknown && t.unknown[u]; u++)
            unknown |= startswith(t.unknown[u], prefix);
        if (!strv_contains(t.missing, mods[i]) && !unknown)
            csm_result_list(r, "found", "%s", mods[i]);
    }
    for (size_t i = 0; t.missing && t.missing[i]; i++)
        csm_result_list(r, "missing", "%s", t.missing[i]);

    unsigned others = 0;
    for (size_t i = 0; i < ks->n; i++) {
        const struct csm_kernel *k = &ks->k[i];
        if (k == def || !k->image)
            continue;
        struct kernel_tally o = { 0 };
        tally_kernel(s, r, k, mods, false, &o);
        if (o.missing) {
            _cleanup_free_ char *list = strv_join(o.missing, " ");
            csm_result_list(r, "others", "%s (%s)", k->version, list);
            others++;
        }
        strv_free(o.missing);
        strv_free(o.unknown);
    }

    if (t.missing)
        csm_result_set(r, CSM_FAIL, "missing");
    else if (t.unknown)
        csm_result_error(r, "cannot tell whether kernel %s has %s", def->version, t.unknown[0]);
    else
        csm_result_set(r, others ? CSM_WARN : CSM_PASS, others ? "other-kernels" : "available");
    strv_free(t.missing);
    strv_free(t.unknown);
}

/* ---- drivers.virtio-initramfs ---- */

struct ir_need {
    char **need;        /* modules (and dependencies) that must be inside */
    char **need_by;     /* parallel: the required module that pulls it in */
    char **want;        /* need + optional modules: what the read looks for */
    char **unavailable; /* required, but the kernel has no such module */
    char **unknown;
    bool builtin_only;  /* every required module is built in */
};

static void need_push(struct ir_need *n, const char *name, const char *by)
{
    if (strv_contains(n->need, name))
        return;
    strv_push(&n->need, xstrdup(name));
    strv_push(&n->need_by, xstrdup(by));
    strv_push(&n->want, xstrdup(name));
}

static void ir_need_clear(struct ir_need *n)
{
    strv_free(n->need);
    strv_free(n->need_by);
    strv_free(n->want);
    strv_free(n->unavailable);
    strv_free(n->unknown);
}

/* What the initramfs of k must hold: every required module that is not
 * built in, with the modules it depends on. */
static void ir_needs(struct csm_scan *s, struct csm_result *r, const struct csm_kernel *k, char *const *mods,
                     char *const *opt, struct ir_need *n)
{
    n->builtin_only = true;
    for (size_t i = 0; mods && mods[i]; i++) {
        struct csm_modinfo m;
        csm_kernel_module(s, k, mods[i], &m);
        if (m.state == CSM_MOD_BUILTIN) {
            if (r)
                csm_evidence_note(module_evidence(r, k, &m), "built into the kernel: needs no initramfs");
        } else if (m.state == CSM_MOD_MODULE) {
            n->builtin_only = false;
            need_push(n, m.name, m.name);
            for (size_t d = 0; m.deps && m.deps[d]; d++)
                need_push(n, m.deps[d], m.name);
        } else if (m.state == CSM_MOD_UNKNOWN) {
            n->builtin_only = false;
            strv_push(&n->unknown, xasprintf("%s (%s)", mods[i], m.note));
        } else {
            n->builtin_only = false;
            strv_push(&n->unavailable, xstrdup(mods[i]));
        }
        csm_modinfo_clear(&m);
    }
    for (size_t i = 0; opt && opt[i]; i++) {
        struct csm_modinfo m;
        csm_kernel_module(s, k, opt[i], &m);
        if (m.state == CSM_MOD_MODULE)
            strv_push(&n->want, xstrdup(m.name));
        csm_modinfo_clear(&m);
    }
}

/* Which needed modules the initramfs lacks; adds evidence when r is set. */
static char **ir_missing(struct csm_result *r, const struct csm_kernel *k, const struct csm_initramfs *ir,
                         const struct ir_need *n, char ***tops)
{
    char **missing = NULL;
    for (size_t i = 0; n->need && n->need[i]; i++) {
        const char *path = NULL;
        bool in = csm_initramfs_has(ir, n->need[i], &path) == 1;
        bool dep = !streq(n->need[i], n->need_by[i]);
        if (r) {
            struct csm_evidence *ev = csm_result_evidence(r, k->version, "%s: %s", n->need[i],
                                                          in ? "in the initramfs" : "not in the initramfs");
            csm_evidence_source(ev, "%s%s%s", ir->path, in ? ":" : "", in ? path : "");
            if (dep)
                csm_evidence_note(ev, "needed by %s (modules.dep)", n->need_by[i]);
            ev->problem = !in;
        }
        if (in)
            continue;
        strv_push(&missing, xstrdup(n->need[i]));
        if (tops && !strv_contains(*tops, n->need_by[i]))
            strv_push(tops, xstrdup(n->need_by[i]));
    }
    return missing;
}

static void optional_evidence(struct csm_result *r, const struct csm_kernel *k, const struct csm_initramfs *ir,
                              const struct ir_need *n)
{
    for (size_t i = 0; n->want && n->want[i]; i++) {
        if (strv_contains(n->need, n->want[i]))
            continue;
        const char *path = NULL;
        int in = csm_initramfs_has(ir, n->want[i], &path);
        struct csm_evidence *ev = csm_result_evidence(r, k->version, "%s: %s", n->want[i],
                                                      in == 1 ? "in the initramfs" : "not in the initramfs");
        csm_evidence_source(ev, "%s%s%s", ir->path, in == 1 ? ":" : "", in == 1 ? path : "");
        csm_evidence_note(ev, "optional");
    }
}

static void initrd_vars(struct csm_scan *s, struct csm_result *r, const struct csm_kernel *k,
                        const struct csm_initramfs *ir)
{
    const char *fmt = csm_facts_osrel(s)->family == CSM_FAMILY_SUSE ? "/boot/initrd-%s" : "/boot/initramfs-%s.img";
    if (k->initrd)
        csm_result_var(r, "initrd", "%s", k->initrd);
    else
        csm_result_var(r, "initrd", fmt, k->version);
    struct csm_evidence *ev = csm_result_evidence(r, "initramfs", "%s", k->initrd ? k->initrd : "none");
    if (ir->segments) {
        _cleanup_free_ char *segs = strv_join(ir->segments, " + ");
        csm_evidence_note(ev, "%s; %llu members, %llu bytes read%s", segs, (unsigned long long)ir->entries,
                          (unsigned long long)ir->bytes, ir->complete ? " (to the end)" : " (stopped once found)");
    }
}

/* Another installed kernel: one line saying what its initramfs lacks. */
static bool other_kernel(struct csm_scan *s, struct csm_result *r, const struct csm_kernel *k, char *const *mods,
                         char *const *opt)
{
    struct ir_need n = { 0 };
    ir_needs(s, NULL, k, mods, opt, &n);
    const char *problem = NULL;
    _cleanup_strv_ char **missing = NULL;
    if (n.unknown)
        problem = "its modules cannot be told";
    else if (n.unavailable)
        problem = "the kernel lacks virtio drivers";
    else if (n.need) {
        const struct csm_initramfs *ir = csm_facts_initramfs(s, k, n.want, false);
        missing = ir->err ? NULL : ir_missing(NULL, k, ir, &n, NULL);
        problem = ir->err == -ENOENT ? "no initramfs" : ir->err ? ir->why : NULL;
        if (missing) {
            _cleanup_free_ char *list = strv_join(missing, " ");
            csm_result_list(r, "others", "%s (missing %s)", k->version, list);
        }
    }
    if (problem)
        csm_result_list(r, "others", "%s (%s)", k->version, problem);
    struct csm_evidence *ev = csm_result_evidence(r, k->version, "%s",
                                                  problem || missing ? "not ready" : "initramfs ready");
    if (problem || missing)
        csm_evidence_problem(ev, "%s", problem ? problem : "virtio modules missing from its initramfs");
    bool bad = problem || missing;
    ir_need_clear(&n);
    return bad;
}

static void initramfs_verdict(struct csm_result *r, const struct csm_kernel *def, const struct csm_initramfs *ir,
                              const struct ir_need *n, char **missing, unsigned others)
{
    if (n->unknown)
        csm_result_error(r, "cannot tell which modules kernel %s needs in its initramfs: %s", def->version,
                         n->unknown[0]);
    else if (n->builtin_only)
        csm_result_set(r, others ? CSM_WARN : CSM_PASS, others ? "other-kernels" : "builtin");
    else if (n->need && ir->err == -ENOENT)
        csm_result_set(r, CSM_FAIL, "no-initramfs");
    else if (n->need && ir->err)
        csm_result_error(r, "%s", ir->why);
    else if (missing)
        csm_result_set(r, CSM_FAIL, "missing");
    else if (n->unavailable)
        csm_result_set(r, CSM_FAIL, "unavailable");
    else
        csm_result_set(r, others ? CSM_WARN : CSM_PASS, others ? "other-kernels" : "present");
}

/* What dracut's configuration does with the drivers: a line that omits
 * one (the next rebuild, at a kernel update, leaves it out again unless a
 * conf.d file adds it) and hostonly, which keeps only the drivers of the
 * hardware dracut runs on. */
static void dracut_evidence(struct csm_scan *s, struct csm_result *r, const struct ir_need *n, char *const *missing)
{
    const struct csm_dracut *d = csm_facts_dracut(s);
    if (!d->conf.files)
        return;
    bool hostonly = csm_dracut_yes(&d->conf, "hostonly");
    const struct csm_dracut_var *ho = csm_dracut_get(&d->conf, "hostonly");
    if (ho) {
        struct csm_evidence *e = csm_result_evidence(r, "dracut", "hostonly=\"%s\"", ho->value);
        csm_evidence_source(e, "%s:%u", ho->file, ho->line);
        if (hostonly && missing)
            csm_evidence_note(e, "dracut puts in only the drivers of the hardware it runs on: an image built on "
                                 "the old hypervisor lacks virtio");
    }
    for (size_t i = 0; n->need && n->need[i]; i++) {
        const struct csm_dracut_word *why;
        enum csm_dracut_driver v = csm_dracut_driver(&d->conf, n->need[i], &why);
        if (v == CSM_DRACUT_DEFAULT)
            continue;
        struct csm_evidence *e = csm_result_evidence(r, "dracut", "%s: %s", n->need[i],
                                                     v == CSM_DRACUT_ADDED ? "added" : "omitted");
        csm_evidence_source(e, "%s:%u", why->file, why->line);
        if (v == CSM_DRACUT_OMITTED) {
            csm_evidence_problem(e, "every image dracut builds leaves it out%s",
                                 strv_contains(missing, n->need[i]) ? "" : " (this one still has it)");
        }
    }
    for (size_t i = 0; d->errors && d->errors[i]; i++)
        csm_evidence_problem(csm_result_evidence(r, "dracut", "%s", d->errors[i]), "cannot be read");
}

void csm_check_drivers_virtio_initramfs(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_kernel *def = default_kernel(s, r);
    if (!def)
        return;
    const struct csm_kernels *ks = csm_facts_kernels(s);
    char *const *mods = csm_check_param(r, "modules");
    char *const *opt = csm_check_param(r, "optional");
    struct ir_need n = { 0 };
    lists_init(r, "found missing add unavailable others");
    ir_needs(s, r, def, mods, opt, &n);

    const struct csm_initramfs *ir = csm_facts_initramfs(s, def, n.want, false);
    initrd_vars(s, r, def, ir);
    _cleanup_strv_ char **tops = NULL;
    _cleanup_strv_ char **missing = n.need && !ir->err ? ir_missing(r, def, ir, &n, &tops) : NULL;
    if (n.need && !ir->err)
        optional_evidence(r, def, ir, &n);
    for (size_t i = 0; n.need && n.need[i]; i++)
        if (!strv_contains(missing, n.need[i]))
            csm_result_list(r, "found", "%s", n.need[i]);
    for (size_t i = 0; missing && missing[i]; i++)
        csm_result_list(r, "missing", "%s", missing[i]);
    for (size_t i = 0; tops && tops[i]; i++)
        csm_result_list(r, "add", "%s", tops[i]);
    dracut_evidence(s, r, &n, missing);
    for (size_t i = 0; n.unavailable && n.unavailable[i]; i++) {
        csm_result_list(r, "unavailable", "%s", n.unavailable[i]);
        csm_evidence_problem(csm_result_evidence(r, def->version, "%s: not available to the kernel",
                                                 n.unavailable[i]),
                             "no initramfs can hold it (see drivers.virtio-kernel)");
    }

    unsigned others = 0;
    for (size_t i = 0; i < ks->n; i++)
        if (&ks->k[i] != def && ks->k[i].image)
            others += other_kernel(s, r, &ks->k[i], mods, opt);
    initramfs_verdict(r, def, ir, &n, missing, others);
    ir_need_clear(&n);
}

/* ---- drivers.initramfs-tooling ---- */

void csm_check_drivers_initramfs_tooling(struct csm_scan *s, struct csm_result *r)
{
    static const char *const tools[] = { "update-initramfs", "mkinitramfs", "dracut", "mkinitrd" };
    unsigned found = 0;
    _cleanup_strv_ char **errors = NULL;
    lists_init(r, "tools");
    for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
        _cleanup_free_ char *path = csm_facts_program(s, tools[i], &errors);
        struct csm_tree_stat st;
        if (!path || csm_tree_stat(s->root, path, true, &st) < 0 || !(st.mode & 0111))
            continue;
        csm_result_list(r, "tools", "%s", tools[i]);
        csm_result_evidence(r, "tool", "%s", path);
        found++;
    }
    if (!found && errors) {
        for (size_t i = 0; errors[i]; i++)
            csm_evidence_problem(csm_result_evidence(r, "unreadable", "%s", errors[i]), "cannot be read");
    } else if (!found) {
        csm_evidence_problem(csm_result_evidence(r, "tool", "none"),
                             "no update-initramfs, mkinitramfs, dracut or mkinitrd in /usr/sbin, /usr/bin, /sbin");
    }

    const struct csm_kernel *def = default_kernel(s, r);
    if (!def)
        return;
    int dep = 0;
    _cleanup_free_ char *dep_why = NULL;
    if (def->moddir) {
        _cleanup_free_ char *path = xasprintf("%s/modules.dep", def->moddir);
        struct csm_tree_stat st;
        int e = csm_tree_stat(s->root, path, true, &st);
        dep = e == 0 && S_ISREG(st.mode) && st.size > 0;
        struct csm_evidence *ev = csm_result_evidence(r, "modules.dep", "%s", path);
        if (e < 0 && !csm_tree_absent(e)) {
            dep = -1;
            dep_why = xasprintf("%s: %s", path, csm_strerror(e));
            csm_evidence_problem(ev, "cannot be read: %s", csm_strerror(e));
        } else if (!dep) {
            csm_evidence_problem(ev, "missing or empty: modprobe and the initramfs tools cannot find modules");
        }
    } else if (def->moddir_why) {
        dep = -1;
        dep_why = xstrdup(def->moddir_why);
        csm_evidence_problem(csm_result_evidence(r, "modules.dep", "/lib/modules/%s", def->version),
                             "%s", def->moddir_why);
    } else {
        csm_evidence_problem(csm_result_evidence(r, "modules.dep", "/lib/modules/%s", def->version),
                             "the default kernel has no module directory");
    }
    if (!found && errors)
        csm_result_error(r, "whether an initramfs tool is installed cannot be told: %s", errors[0]);
    else if (!found)
        csm_result_set(r, CSM_FAIL, "no-tool");
    else if (dep < 0)
        csm_result_error(r, "whether kernel %s has modules.dep cannot be told: %s", def->version, dep_why);
    else if (!dep)
        csm_result_set(r, CSM_FAIL, "no-modules-dep");
    else
        csm_result_set(r, CSM_PASS, "present");
}
