/* Software of the scanned system that the migration depends on: programs,
 * systemd units and their enablement, SELinux, cloud-init. Everything is
 * read from the tree's files; no package manager or systemctl is run. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"
#include "lib/yaml.h"

#define MAX_DIR_ENTRIES 4096 /* per directory: a hostile tree may hold millions */

static const char *const bin_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                         "/usr/bin",        "/sbin",           "/bin" };
static const char *const unit_dirs[] = { "/etc/systemd/system", "/usr/local/lib/systemd/system",
                                          "/usr/lib/systemd/system", "/lib/systemd/system" };
static const char *const preset_dirs[] = { "/etc/systemd/system-preset", "/usr/local/lib/systemd/system-preset",
                                            "/usr/lib/systemd/system-preset", "/lib/systemd/system-preset" };

/* The first of dirs/name that is a regular file; NULL when none is, with
 * what could not be looked at in *errors. */
static char *first_file(struct csm_scan *s, const char *const *dirs, size_t n, const char *name, char ***errors)
{
    char **why = NULL;
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dirs[i], name);
        int r = csm_tree_probe(s->root, path, S_IFREG);
        if (r == 1) {
            strv_free(why);
            return path;
        }
        csm_fact_unreadable(&why, path, r);
        free(path);
    }
    for (size_t i = 0; errors && why && why[i]; i++)
        strv_push(errors, xstrdup(why[i]));
    strv_free(why);
    return NULL;
}

char *csm_facts_program(struct csm_scan *s, const char *name, char ***errors)
{
    return first_file(s, bin_dirs, ARRAY_SIZE(bin_dirs), name, errors);
}

char *csm_facts_unit_file(struct csm_scan *s, const char *unit, char ***errors)
{
    return first_file(s, unit_dirs, ARRAY_SIZE(unit_dirs), unit, errors);
}

/* ---- unit links and presets ---- */

static void collect_links(struct csm_scan *s, struct csm_units *u, const char *dir)
{
    char **subs = NULL;
    if (csm_fact_unreadable(&u->errors, dir, csm_tree_list(s->root, dir, &subs)) || !subs)
        return;
    for (size_t i = 0; subs && subs[i] && i < MAX_DIR_ENTRIES; i++) {
        if (!endswith(subs[i], ".wants") && !endswith(subs[i], ".requires"))
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, subs[i]);
        char **names = NULL;
        if (csm_fact_unreadable(&u->errors, sub, csm_tree_list(s->root, sub, &names)) || !names)
            continue;
        for (size_t k = 0; names && names[k] && k < MAX_DIR_ENTRIES; k++) {
            u->links = xrealloc(u->links, (u->n_links + 1) * sizeof(*u->links));
            u->links[u->n_links++] = (struct csm_unit_link){ xstrdup(names[k]), xasprintf("%s/%s", sub, names[k]) };
        }
        strv_free(names);
    }
    strv_free(subs);
}

static int preset_line(struct csm_units *u, const char *file, const struct csm_line *l)
{
    _cleanup_free_ char *copy = xstrndup(l->p, l->len);
    _cleanup_strv_ char **w = csm_split_words(strstrip(copy));
    if (!w || !w[0] || !w[1] || w[0][0] == '#' || w[0][0] == ';')
        return 0;
    bool enable = streq(w[0], "enable");
    if (!enable && !streq(w[0], "disable"))
        return 0;
    u->presets = xrealloc(u->presets, (u->n_presets + 1) * sizeof(*u->presets));
    u->presets[u->n_presets++] = (struct csm_unit_preset){ xstrdup(file), l->no, enable, xstrdup(w[1]) };
    return 0;
}

/* Preset files are ordered by name over all directories; a name in an
 * earlier directory hides the same name in a later one. */
static void collect_presets(struct csm_scan *s, struct csm_units *u)
{
    char **names = NULL, **paths = NULL;
    for (size_t d = 0; d < ARRAY_SIZE(preset_dirs); d++) {
        char **list = NULL;
        if (csm_fact_unreadable(&u->errors, preset_dirs[d], csm_tree_list(s->root, preset_dirs[d], &list)) || !list)
            continue;
        for (size_t i = 0; list && list[i] && i < MAX_DIR_ENTRIES; i++)
            if (endswith(list[i], ".preset") && !strv_contains(names, list[i])) {
                strv_push(&names, xstrdup(list[i]));
                strv_pushf(&paths, "%s/%s", preset_dirs[d], list[i]);
            }
        strv_free(list);
    }
    size_t n = strv_length(names);
    for (size_t done = 0; done < n; done++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            if (names[i][0] && (best == SIZE_MAX || strcmp(names[i], names[best]) < 0))
                best = i;
        names[best][0] = '\0';
        char *buf;
        size_t len;
        int r = csm_tree_read_text(s->root, paths[best], CSM_CAP_CONFIG, &buf, &len);
        if (r < 0) {
            strv_pushf(&u->errors, "%s: %s", paths[best], csm_strerror(r));
            continue;
        }
        const char *cur = buf;
        struct csm_line l = { 0 };
        while (csm_line_next(&cur, &l))
            preset_line(u, paths[best], &l);
        free(buf);
    }
    strv_free(names);
    strv_free(paths);
}

static void *gather_units(struct csm_scan *s)
{
    struct csm_units *u = xcalloc(1, sizeof(*u));
    for (size_t i = 0; i < ARRAY_SIZE(unit_dirs); i++)
        collect_links(s, u, unit_dirs[i]);
    collect_presets(s, u);
    return u;
}

static void units_fact_free(void *fact)
{
    csm_units_free(fact);
}

static const struct csm_fact_desc units_fact = { "units", gather_units, units_fact_free };

const struct csm_units *csm_facts_units(struct csm_scan *s)
{
    return csm_fact_get(s, &units_fact);
}

void csm_units_free(struct csm_units *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n_links; i++) {
        free(u->links[i].unit);
        free(u->links[i].path);
    }
    for (size_t i = 0; i < u->n_presets; i++) {
        free(u->presets[i].file);
        free(u->presets[i].pattern);
    }
    free(u->links);
    free(u->presets);
    strv_free(u->errors);
    free(u);
}

const char *csm_unit_state_name(enum csm_unit_state st)
{
    static const char *const names[] = { "absent", "disabled", "enabled", "enabled by preset", "masked" };
    return names[st];
}

static bool masked(struct csm_scan *s, const char *unit, char **source, char ***errors)
{
    static const char *const dirs[] = { "/etc/systemd/system", "/run/systemd/system" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dirs[i], unit);
        _cleanup_free_ char *target = NULL;
        int r = csm_tree_readlink(s->root, path, &target);
        if (r == 0 && streq(target, "/dev/null")) {
            *source = xasprintf("%s -> /dev/null", path);
            return true;
        }
        if (r != -EINVAL) /* EINVAL: not a link */
            csm_fact_unreadable(errors, path, r);
    }
    return false;
}

/* SysV: /etc/init.d/NAME started by an /etc/rcN.d/S??NAME link. */
static void sysv_status(struct csm_scan *s, const char *unit, struct csm_unit_status *out, char ***errors)
{
    _cleanup_free_ char *name = xstrndup(unit, strcspn(unit, "."));
    _cleanup_free_ char *script = xasprintf("/etc/init.d/%s", name);
    int r = csm_tree_probe(s->root, script, S_IFREG);
    if (r != 1) {
        csm_fact_unreadable(errors, script, r);
        return;
    }
    out->file = xstrdup(script);
    out->state = CSM_UNIT_DISABLED;
    for (char lvl = '2'; lvl <= '5' && out->state != CSM_UNIT_ENABLED; lvl++) {
        char dir[] = "/etc/rcN.d";
        dir[7] = lvl;
        char **links = NULL;
        if (csm_fact_unreadable(errors, dir, csm_tree_list(s->root, dir, &links)) || !links)
            continue;
        for (size_t i = 0; links && links[i]; i++)
            if (links[i][0] == 'S' && strlen(links[i]) > 3 && streq(links[i] + 3, name)) {
                out->state = CSM_UNIT_ENABLED;
                out->source = xasprintf("%s/%s", dir, links[i]);
                break;
            }
        strv_free(links);
    }
}

void csm_facts_unit_status(struct csm_scan *s, const char *unit, struct csm_unit_status *out)
{
    *out = (struct csm_unit_status){ CSM_UNIT_ABSENT, NULL, NULL, NULL };
    char **errors = NULL;
    if (masked(s, unit, &out->source, &errors)) {
        out->state = CSM_UNIT_MASKED;
        strv_free(errors);
        return;
    }
    out->file = csm_facts_unit_file(s, unit, &errors);
    if (!out->file) {
        if (endswith(unit, ".service"))
            sysv_status(s, unit, out, &errors);
        goto done;
    }
    const struct csm_units *u = csm_facts_units(s);
    out->state = CSM_UNIT_DISABLED;
    for (size_t i = 0; i < u->n_links; i++)
        if (streq(u->links[i].unit, unit)) {
            out->state = CSM_UNIT_ENABLED;
            out->source = xstrdup(u->links[i].path);
            goto done;
        }
    /* Not enabled as far as could be read: an unreadable .wants directory
     * or preset file leaves that open. */
    for (size_t i = 0; u->errors && u->errors[i]; i++)
        strv_push(&errors, xstrdup(u->errors[i]));
    for (size_t i = 0; i < u->n_presets; i++)
        if (fnmatch(u->presets[i].pattern, unit, 0) == 0) {
            if (u->presets[i].enable) {
                out->state = CSM_UNIT_PRESET;
                out->source = xasprintf("%s:%u", u->presets[i].file, u->presets[i].line);
            }
            goto done;
        }
done:
    /* Only what leaves the state open matters: an enabled unit is enabled. */
    if (errors && out->state != CSM_UNIT_ENABLED && out->state != CSM_UNIT_MASKED)
        out->error = xstrdup(errors[0]);
    strv_free(errors);
}

void csm_unit_status_clear(struct csm_unit_status *st)
{
    free(st->file);
    free(st->source);
    free(st->error);
    *st = (struct csm_unit_status){ 0 };
}

/* ---- SELinux ---- */

#define SELINUX_CONFIG "/etc/selinux/config"

/* selinux=0 or enforcing=0 on the boot entries: the kernel ignores the
 * config then. */
static void selinux_cmdline(struct csm_scan *s, struct csm_selinux *se)
{
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    size_t with = 0, entries = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!b->e[i].kernel)
            continue;
        entries++;
        const char *v = csm_boot_arg(b->e[i].args, "selinux");
        if (v && streq(v, "0")) {
            with++;
            if (!se->cmdline) {
                se->cmdline = xstrdup("selinux=0");
                se->cmdline_source = xstrdup(b->e[i].source);
            }
        }
    }
    se->cmdline_all = entries && with == entries;
}

static void *gather_selinux(struct csm_scan *s)
{
    struct csm_selinux *se = xcalloc(1, sizeof(*se));
    se->live = csm_scan_live(s) ? csm_live_selinux() : -1;
    selinux_cmdline(s, se);

    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, SELINUX_CONFIG, CSM_CAP_CONFIG, &buf, &len);
    if (r == -ENOENT || r == -ENOTDIR)
        return se;
    if (r < 0) {
        FACT_FAIL(se, r, "cannot read %s: %s", SELINUX_CONFIG, csm_strerror(r));
        return se;
    }
    se->path = SELINUX_CONFIG;
    csm_kv_parse(buf, SELINUX_CONFIG, &se->kv);
    free(buf);
    se->mode = csm_kv_get(&se->kv, "SELINUX");
    se->type = csm_kv_get(&se->kv, "SELINUXTYPE");
    return se;
}

static void selinux_fact_free(void *fact)
{
    csm_selinux_free(fact);
}

static const struct csm_fact_desc selinux_fact = { "selinux", gather_selinux, selinux_fact_free };

const struct csm_selinux *csm_facts_selinux(struct csm_scan *s)
{
    return csm_fact_get(s, &selinux_fact);
}

void csm_selinux_free(struct csm_selinux *se)
{
    if (!se)
        return;
    csm_kv_clear(&se->kv);
    free(se->why);
    free(se->cmdline);
    free(se->cmdline_source);
    free(se);
}

/* ---- cloud-init ---- */

const char *const csm_cloudinit_units[5] = { "cloud-init-local.service", "cloud-init.service",
                                              "cloud-config.service", "cloud-final.service", "cloud-init.target" };

bool csm_cloudinit_first_stage(size_t i)
{
    return i < ARRAY_SIZE(csm_cloudinit_units) && (i < 2 || streq(csm_cloudinit_units[i], "cloud-init.target"));
}

struct ci_parse {
    struct csm_cloudinit *ci;
    const char *file;
    char **list; /* the list being read in this file */
    unsigned line;
    bool found;
    bool null; /* "datasource_list:" with nothing under it */
};

/* A key's node, then (for a list) one node per item, in either style. */
static int ci_node(const struct csm_yaml_node *n, void *data)
{
    struct ci_parse *p = data;
    if (csm_yaml_path_is(n, 1, "datasource_list")) {
        if (n->item) {
            strv_push(&p->list, xstrdup(n->value));
            return 0;
        }
        strv_free(p->list);
        p->list = NULL;
        if (n->kind == CSM_YAML_SEQUENCE)
            p->list = xcalloc(1, sizeof(char *));
        else if (*n->value) /* one name, not a list: cloud-init takes it as one */
            strv_push(&p->list, xstrdup(n->value));
        p->line = n->line;
        p->found = true;
        p->null = n->kind == CSM_YAML_SCALAR && !*n->value;
    } else if (csm_yaml_path_is(n, 2, "network", "config") && streq(n->value, "disabled")) {
        p->ci->network_disabled = true;
        free(p->ci->network_source);
        p->ci->network_source = xasprintf("%s:%u", p->file, n->line);
    }
    return 0;
}

int csm_cloudinit_parse(const char *text, const char *file, struct csm_cloudinit *ci)
{
    struct ci_parse p = { .ci = ci, .file = file };
    /* Not YAML (tabs for indentation, an unterminated flow collection):
     * cloud-init ignores a file it cannot load. */
    if (csm_yaml_scan(text, ci_node, &p, NULL) < 0) {
        strv_push(&ci->invalid, xstrdup(file));
        strv_free(p.list);
        return 0;
    }
    if (!p.found || p.null) { /* a null list leaves cloud-init's default */
        strv_free(p.list);
        return 0;
    }
    /* Later files win: the list of this one replaces what came before. */
    strv_free(ci->datasources);
    ci->datasources = p.list ? p.list : xcalloc(1, sizeof(char *));
    free(ci->ds_source);
    ci->ds_source = xasprintf("%s:%u", file, p.line);
    return 1;
}

static void ci_read(struct csm_scan *s, struct csm_cloudinit *ci, const char *path)
{
    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &buf, &len);
    if (csm_tree_absent(r))
        return;
    if (r < 0) {
        strv_pushf(&ci->errors, "%s: %s", path, csm_strerror(r));
        return;
    }
    strv_push(&ci->cfg_files, xstrdup(path));
    csm_cloudinit_parse(buf, path, ci);
    free(buf);
}

static void ci_cmdline(struct csm_scan *s, struct csm_cloudinit *ci)
{
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    for (size_t i = 0; i < b->n && !ci->cmdline_disabled; i++) {
        const char *v = csm_boot_arg(b->e[i].args, "cloud-init");
        if (v && streq(v, "disabled"))
            ci->cmdline_disabled = xstrdup(b->e[i].source);
    }
    static const char *const keys[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
    for (size_t i = 0; i < ARRAY_SIZE(keys) && !ci->cmdline_disabled; i++) {
        const struct csm_kv *kv = csm_kv_get(&b->defaults, keys[i]);
        _cleanup_strv_ char **args = kv ? csm_split_words(kv->value) : NULL;
        const char *v = csm_boot_arg(args, "cloud-init");
        if (v && streq(v, "disabled"))
            ci->cmdline_disabled = xasprintf("%s:%u", kv->file, kv->line);
    }
}

static void *gather_cloudinit(struct csm_scan *s)
{
    struct csm_cloudinit *ci = xcalloc(1, sizeof(*ci));
    const struct csm_packages *pk = csm_facts_packages(s);
    ci->pkg_db = !pk->err;
    ci->pkg = csm_package_find(pk, "cloud-init");
    ci->program = csm_facts_program(s, "cloud-init", &ci->program_errors);
    int r = csm_tree_probe(s->root, "/etc/cloud/cloud.cfg", S_IFREG);
    if (r == 1)
        ci->config = xstrdup("/etc/cloud/cloud.cfg");
    for (size_t i = 0; i < ARRAY_SIZE(csm_cloudinit_units); i++) {
        csm_facts_unit_status(s, csm_cloudinit_units[i], &ci->units[i]);
        if (ci->units[i].error)
            strv_pushf(&ci->errors, "%s: %s", csm_cloudinit_units[i], ci->units[i].error);
    }
    r = csm_tree_probe(s->root, "/etc/cloud/cloud-init.disabled", 0);
    if (r == 1)
        ci->disabled_file = xstrdup("/etc/cloud/cloud-init.disabled");
    csm_fact_unreadable(&ci->errors, "/etc/cloud/cloud-init.disabled", r);
    ci_cmdline(s, ci);

    ci_read(s, ci, "/etc/cloud/cloud.cfg");
    char **names = NULL;
    r = csm_tree_list(s->root, "/etc/cloud/cloud.cfg.d", &names);
    csm_fact_unreadable(&ci->errors, "/etc/cloud/cloud.cfg.d", r);
    if (r == 0)
        for (size_t i = 0; names && names[i] && i < MAX_DIR_ENTRIES; i++)
            if (endswith(names[i], ".cfg")) {
                _cleanup_free_ char *path = xasprintf("/etc/cloud/cloud.cfg.d/%s", names[i]);
                ci_read(s, ci, path);
            }
    strv_free(names);
    return ci;
}

static void cloudinit_fact_free(void *fact)
{
    csm_cloudinit_free(fact);
}

static const struct csm_fact_desc cloudinit_fact = { "cloudinit", gather_cloudinit, cloudinit_fact_free };

const struct csm_cloudinit *csm_facts_cloudinit(struct csm_scan *s)
{
    return csm_fact_get(s, &cloudinit_fact);
}

void csm_cloudinit_free(struct csm_cloudinit *ci)
{
    if (!ci)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(ci->units); i++)
        csm_unit_status_clear(&ci->units[i]);
    strv_free(ci->errors);
    free(ci->program);
    strv_free(ci->program_errors);
    free(ci->config);
    free(ci->disabled_file);
    free(ci->cmdline_disabled);
    strv_free(ci->cfg_files);
    strv_free(ci->datasources);
    free(ci->ds_source);
    free(ci->network_source);
    strv_free(ci->invalid);
    free(ci);
}
