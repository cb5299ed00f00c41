/* Which kernel modules a kernel of the tree has: built in (modules.builtin,
 * /boot/config-<ver>) or a module file (modules.dep.bin through libkmod).
 *
 * libkmod takes paths and resolves them itself: given the tree's
 * /lib/modules/<ver>, a symlink there (or an index file that is one) would
 * lead it to the host's modules; given NULL it reads the host's uname()
 * and /etc/modprobe.d; and kmod_new() reads /proc/cmdline whatever it is
 * given. So the index is read from the tree with csm_tree_* (capped) into a
 * private directory, and libkmod runs in a child process that is chrooted
 * there when it may be (root), with an empty configuration list. It only
 * decodes the binary index: where a module lives is then looked up in the
 * tree with csm_tree_*, never by libkmod's own path handling. A crash of
 * libkmod on a hostile index costs that child, not the scan. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/dl.h"
#include "facts/internal.h"
#include "lib/hostfile.h"
#include "lib/private.h"
#include "lib/util.h"

#define KMOD_CHILD_SECONDS 20
#define CAP_DEP_DUMP (64 * 1024 * 1024)

struct kmod_entry {
    char *name;
    char *relpath; /* as modules.dep names it, relative to the module directory */
    char *deps;    /* the rest of its modules.dep line: paths of the modules it needs */
};

struct csm_kmods {
    char *dep_problem;     /* modules.dep.bin could not be used: why */
    char *dep_source;      /* the index that was read */
    struct kmod_entry *e;  /* sorted by name */
    size_t n;
    char *builtin_source;  /* modules.builtin, when read */
    char **builtin;        /* "name\tline", sorted */
    char *config;          /* /boot/config-<ver>, when read */
    char *other_problem;   /* modules.builtin or the config exists but could not be read: why */
};

char *csm_module_name(const char *name_or_path)
{
    const char *base = strrchr(name_or_path, '/');
    base = base ? base + 1 : name_or_path;
    char *n = xstrdup(base);
    char *ko = strstr(n, ".ko");
    if (ko && (ko[3] == '\0' || ko[3] == '.'))
        *ko = '\0';
    for (char *p = n; *p; p++)
        if (*p == '-')
            *p = '_';
    return n;
}

bool csm_is_module_file(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return endswith(base, ".ko") || endswith(base, ".ko.xz") || endswith(base, ".ko.zst") ||
           endswith(base, ".ko.gz");
}

const char *csm_mod_state_name(enum csm_mod_state st)
{
    static const char *const names[] = { "unknown", "absent", "built in", "module", "module file missing" };
    return names[st];
}

void csm_modinfo_clear(struct csm_modinfo *m)
{
    free(m->path);
    strv_free(m->deps);
    free(m->source);
    free(m->note);
    *m = (struct csm_modinfo){ 0 };
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct kmod_entry *)a)->name, ((const struct kmod_entry *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* kmod_dump_index(MODULES_DEP) prints "name path: dep dep ..." per module. */
static void parse_dep_dump(struct csm_kmods *km, char *text)
{
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *sp = strchr(line, ' ');
        char *colon = sp ? strchr(sp + 1, ':') : NULL;
        if (!sp || !colon)
            continue;
        *sp = *colon = '\0';
        km->e = xrealloc(km->e, (km->n + 1) * sizeof(*km->e));
        km->e[km->n++] = (struct kmod_entry){ csm_module_name(line), xstrdup(sp + 1), xstrdup(strstrip(colon + 1)) };
    }
    if (km->n)
        qsort(km->e, km->n, sizeof(*km->e), cmp_entry);
}

static void silent_log(void *data, int priority, const char *file, int line, const char *fn, const char *format,
                       va_list args)
{
    (void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

/* The child: libkmod decodes dir/modules.dep.bin into out. Never returns. */
static void __attribute__((noreturn)) kmod_child(const char *dir, int out)
{
    static const char *const no_config[] = { NULL };
    alarm(KMOD_CHILD_SECONDS);
    /* Confined to the copy when allowed to be; the path works either way. */
    if (chroot(dir) == 0 && chdir("/") == 0)
        dir = "/";
    struct kmod_ctx *ctx = csm_kmod.kmod_new(dir, no_config);
    if (!ctx)
        _exit(3);
    csm_kmod.kmod_set_log_fn(ctx, silent_log, NULL);
    int r = csm_kmod.kmod_dump_index(ctx, KMOD_INDEX_MODULES_DEP, out);
    _exit(r < 0 ? 4 : 0);
}

static char *run_kmod_child(const char *dir, int out, int *err)
{
    /* Loaded here: the child, chrooted into the copy, could not find it. */
    *err = csm_kmod_load();
    if (*err < 0)
        return xstrdup(csm_dl_error() ? csm_dl_error() : "libkmod.so.2 cannot be loaded");
    pid_t pid = fork();
    if (pid < 0) {
        *err = -errno;
        return xasprintf("cannot start the libkmod reader: %s", csm_strerror(*err));
    }
    if (pid == 0)
        kmod_child(dir, out);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            *err = -errno;
            return xasprintf("lost the libkmod reader: %s", csm_strerror(*err));
        }
    if (WIFSIGNALED(status)) {
        *err = -EBADMSG;
        return xasprintf("libkmod failed on it (%s)", strsignal(WTERMSIG(status)));
    }
    if (WEXITSTATUS(status) != 0) {
        *err = -EBADMSG;
        return xasprintf("libkmod cannot read it (status %d)", WEXITSTATUS(status));
    }
    return NULL;
}

/* Decodes an index already read from the tree; returns the dump or NULL
 * with *why set. */
static char *dump_dep_index(const char *index, size_t len, char **why)
{
    struct csm_private_dir *d;
    int err = csm_private_dir_new("kmod", &d);
    if (err < 0) {
        *why = xasprintf("cannot make a private directory for libkmod: %s", csm_strerror(err));
        return NULL;
    }
    char *dump = NULL;
    err = csm_private_write(d, "modules.dep.bin", index, len);
    int out = err < 0 ? err : csm_private_create(d, "dump", O_RDWR); /* inherited by the child */
    if (out < 0) {
        *why = xasprintf("cannot write the private copy of the index: %s", csm_strerror(out));
    } else if (!(*why = run_kmod_child(csm_private_dir_path(d), out, &err))) {
        if (lseek(out, 0, SEEK_SET) < 0 || (err = csm_fd_read(out, CAP_DEP_DUMP, &dump, NULL)) < 0)
            *why = xasprintf("cannot read libkmod's output: %s", csm_strerror(err ? err : -errno));
    }
    if (out >= 0)
        close(out);
    csm_private_dir_free(d);
    return dump;
}

static void load_dep(struct csm_scan *s, const struct csm_kernel *k, struct csm_kmods *km)
{
    _cleanup_free_ char *path = xasprintf("%s/modules.dep.bin", k->moddir);
    char *index;
    size_t len;
    int r = csm_tree_read(s->root, path, CSM_CAP_MODULES_INDEX, &index, &len);
    if (r < 0) {
        km->dep_problem = xasprintf("%s: %s", path, csm_strerror(r));
        return;
    }
    char *why = NULL;
    char *dump = dump_dep_index(index, len, &why);
    free(index);
    if (!dump) {
        km->dep_problem = xasprintf("%s: %s", path, why);
        free(why);
        return;
    }
    km->dep_source = xstrdup(path);
    parse_dep_dump(km, dump);
    free(dump);
}

static void load_builtin(struct csm_scan *s, const struct csm_kernel *k, struct csm_kmods *km)
{
    _cleanup_free_ char *path = xasprintf("%s/modules.builtin", k->moddir);
    char *buf;
    int r = csm_tree_read(s->root, path, CSM_CAP_MODULES_INDEX, &buf, NULL);
    if (r < 0) {
        if (!csm_tree_absent(r) && !km->other_problem)
            km->other_problem = xasprintf("%s: %s", path, csm_strerror(r));
        return;
    }
    km->builtin_source = xstrdup(path);
    unsigned lineno = 0;
    size_t n = 0;
    for (char *line = buf, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *l = strstrip(line);
        if (!*l)
            continue;
        _cleanup_free_ char *name = csm_module_name(l);
        strv_pushf(&km->builtin, "%s\t%u", name, lineno);
        n++;
    }
    free(buf);
    if (n)
        qsort(km->builtin, n, sizeof(char *), cmp_str);
}

/* One fact for every kernel: each kernel's modules are read on first use. */
struct kmods_fact {
    size_t n;
    struct csm_kmods **k; /* parallel to the kernels' k */
};

static void *gather_kmods(struct csm_scan *s)
{
    struct kmods_fact *kf = xcalloc(1, sizeof(*kf));
    kf->n = csm_facts_kernels(s)->n;
    kf->k = xcalloc(kf->n + 1, sizeof(*kf->k));
    return kf;
}

static void kmods_fact_free(void *fact)
{
    struct kmods_fact *kf = fact;
    for (size_t i = 0; i < kf->n; i++)
        csm_kmods_free(kf->k[i]);
    free(kf->k);
    free(kf);
}

static const struct csm_fact_desc kmods_fact = { "kmods", gather_kmods, kmods_fact_free };

static struct csm_kmods *kmods_of(struct csm_scan *s, const struct csm_kernel *k)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    struct kmods_fact *kf = csm_fact_get(s, &kmods_fact);
    size_t i = (size_t)(k - ks->k);
    if (kf->k[i])
        return kf->k[i];
    struct csm_kmods *km = kf->k[i] = xcalloc(1, sizeof(*km));
    if (k->moddir) {
        load_dep(s, k, km);
        load_builtin(s, k, km);
    } else {
        km->dep_problem = k->moddir_why ? xstrdup(k->moddir_why) : xasprintf("no /lib/modules/%s", k->version);
    }
    int r = k->config ? csm_tree_read(s->root, k->config, CSM_CAP_KERNEL_CONFIG, &km->config, NULL) : 0;
    if (r < 0 && !km->other_problem)
        km->other_problem = xasprintf("%s: %s", k->config, csm_strerror(r));
    else if (!k->config && k->config_why && !km->other_problem)
        km->other_problem = xstrdup(k->config_why);
    return km;
}

/* The Kconfig symbol that builds a module; the name in capitals otherwise. */
static char *config_symbol(const char *name)
{
    static const struct {
        const char *module, *symbol;
    } known[] = {
        { "virtio_scsi", "SCSI_VIRTIO" },       { "virtio_ring", "VIRTIO" },
        { "virtio_pci_modern_dev", "VIRTIO_PCI_LIB" }, { "virtio_pci_legacy_dev", "VIRTIO_PCI_LIB_LEGACY" },
        { "xen_blkfront", "XEN_BLKDEV_FRONTEND" }, { "xen_netfront", "XEN_NETDEV_FRONTEND" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (streq(name, known[i].module))
            return xasprintf("CONFIG_%s", known[i].symbol);
    char *sym = xasprintf("CONFIG_%s", name);
    for (char *p = sym + 7; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return sym;
}

/* 'y', 'm', 'n' ("is not set") or 0 when the config does not mention it. */
static char config_value(const char *config, const char *sym, unsigned *line_out)
{
    size_t n = strlen(sym);
    unsigned lineno = 0;
    for (const char *l = config; l && *l;) {
        lineno++;
        if (startswith(l, sym) && l[n] == '=' && (l[n + 1] == 'y' || l[n + 1] == 'm')) {
            *line_out = lineno;
            return l[n + 1];
        }
        if (startswith(l, "# ") && startswith(l + 2, sym) && startswith(l + 2 + n, " is not set")) {
            *line_out = lineno;
            return 'n';
        }
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    return 0;
}

static const char *builtin_line(const struct csm_kmods *km, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; km->builtin && km->builtin[i]; i++)
        if (strncmp(km->builtin[i], name, n) == 0 && km->builtin[i][n] == '\t')
            return km->builtin[i] + n + 1;
    return NULL;
}

static void fill_module(struct csm_scan *s, const struct csm_kernel *k, const struct kmod_entry *e,
                        struct csm_modinfo *out)
{
    out->path = e->relpath[0] == '/' ? xstrdup(e->relpath) : xasprintf("%s/%s", k->moddir, e->relpath);
    int present = csm_tree_probe(s->root, out->path, S_IFREG);
    out->state = present == 1 ? CSM_MOD_MODULE : present == 0 ? CSM_MOD_NOFILE : CSM_MOD_UNKNOWN;
    if (present < 0)
        out->note = xasprintf("%s: %s", out->path, csm_strerror(present));
    out->source = xasprintf("%s/modules.dep", k->moddir);
    _cleanup_strv_ char **deps = csm_split_words(e->deps);
    for (size_t i = 0; deps && deps[i]; i++)
        strv_push(&out->deps, csm_module_name(deps[i]));
}

int csm_kernel_module(struct csm_scan *s, const struct csm_kernel *k, const char *name, struct csm_modinfo *out)
{
    struct csm_kmods *km = kmods_of(s, k);
    _cleanup_free_ char *norm = csm_module_name(name);
    *out = (struct csm_modinfo){ .name = name };

    const char *bline = builtin_line(km, norm);
    if (bline) {
        out->state = CSM_MOD_BUILTIN;
        out->source = xasprintf("%s:%s", km->builtin_source, bline);
        return 0;
    }
    struct kmod_entry key = { .name = norm };
    const struct kmod_entry *e = km->n ? bsearch(&key, km->e, km->n, sizeof(*km->e), cmp_entry) : NULL;
    if (e) {
        fill_module(s, k, e, out);
        return out->state == CSM_MOD_UNKNOWN ? -ENODATA : 0;
    }
    _cleanup_free_ char *sym = config_symbol(norm);
    unsigned line = 0;
    char v = km->config ? config_value(km->config, sym, &line) : 0;
    if (v)
        out->source = xasprintf("%s:%u %s%s", k->config, line, sym, v == 'y' ? "=y" : v == 'm' ? "=m" : " is not set");
    if (v == 'y') {
        out->state = CSM_MOD_BUILTIN;
    } else if (v == 'n') {
        out->state = CSM_MOD_ABSENT;
    } else if (km->dep_source && (km->builtin_source || km->config)) {
        out->state = v == 'm' ? CSM_MOD_NOFILE : CSM_MOD_ABSENT;
        if (v == 'm')
            out->note = xasprintf("built as a module, but %s does not list it", km->dep_source);
        if (!out->source)
            out->source = xstrdup(km->dep_source);
    } else {
        out->state = CSM_MOD_UNKNOWN;
        out->note = km->dep_problem     ? xstrdup(km->dep_problem)
                    : km->other_problem ? xstrdup(km->other_problem)
                                        : xasprintf("neither %s/modules.builtin nor /boot/config-%s tells whether "
                                                    "it is built in",
                                                    k->moddir, k->version);
        return -ENODATA;
    }
    return 0;
}

void csm_kmods_free(struct csm_kmods *km)
{
    if (!km)
        return;
    for (size_t i = 0; i < km->n; i++) {
        free(km->e[i].name);
        free(km->e[i].relpath);
        free(km->e[i].deps);
    }
    free(km->e);
    free(km->dep_problem);
    free(km->dep_source);
    free(km->builtin_source);
    strv_free(km->builtin);
    free(km->config);
    free(km->other_problem);
    free(km);
}
