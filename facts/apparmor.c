/* AppArmor: whether the system boots with it, offline from what would turn
 * it on (a kernel built with it and on by default, the apparmor package
 * and its service, which loads the profiles) and off (apparmor=0,
 * security= or lsm= without it on every boot entry); live, the running
 * kernel's view as well. */
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"

/* The value of CONFIG_sym in a kernel config ("y", "m", a "string"), or NULL. */
static char *config_value(const char *config, const char *sym, unsigned *line)
{
    size_t n = strlen(sym);
    unsigned no = 0;
    for (const char *l = config; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        no++;
        if (startswith(l, sym) && l[n] == '=') {
            *line = no;
            size_t k = strcspn(l + n + 1, "\n");
            char *v = xstrndup(l + n + 1, k);
            if (v[0] == '"' && k >= 2 && v[k - 1] == '"') {
                memmove(v, v + 1, k - 2);
                v[k - 2] = '\0';
            }
            return v;
        }
    }
    return NULL;
}

static void kernel_config(struct csm_scan *s, struct csm_apparmor *aa)
{
    aa->kernel = -2;
    const struct csm_kernels *ks = csm_facts_kernels(s);
    const struct csm_kernel *k = ks->def ? ks->def : ks->n ? &ks->k[0] : NULL;
    if (!k || !k->config)
        return;
    char *config;
    int r = csm_tree_read(s->root, k->config, CSM_CAP_KERNEL_CONFIG, &config, NULL);
    if (csm_fact_unreadable(&aa->errors, k->config, r) || r < 0)
        return;
    unsigned line = 0, lsm_line = 0, def_line = 0;
    _cleanup_free_ char *built = config_value(config, "CONFIG_SECURITY_APPARMOR", &line);
    _cleanup_free_ char *lsm = config_value(config, "CONFIG_LSM", &lsm_line);
    _cleanup_free_ char *def = config_value(config, "CONFIG_DEFAULT_SECURITY_APPARMOR", &def_line);
    if (!built || !streq(built, "y")) {
        aa->kernel = -1;
        aa->kernel_source = xasprintf("%s: CONFIG_SECURITY_APPARMOR is not set", k->config);
    } else if (lsm) {
        _cleanup_strv_ char **w = NULL;
        for (char *save = NULL, *p = strtok_r(lsm, ",", &save); p; p = strtok_r(NULL, ",", &save))
            strv_push(&w, xstrdup(p));
        aa->kernel = strv_contains(w, "apparmor");
        aa->kernel_source = xasprintf("%s:%u CONFIG_LSM%s lists apparmor", k->config, lsm_line,
                                      aa->kernel ? "" : " no longer");
    } else {
        aa->kernel = def && streq(def, "y");
        aa->kernel_source = xasprintf("%s:%u CONFIG_SECURITY_APPARMOR=y%s", k->config, line,
                                      aa->kernel ? ", the default security module" : "");
    }
    free(config);
}

/* What a boot entry's command line says: 1 on, 0 off, -1 nothing. */
static int cmdline_says(char *const *args, const char **what)
{
    const char *v = csm_boot_arg(args, "apparmor");
    if (v) {
        *what = streq(v, "0") ? "apparmor=0" : "apparmor=1";
        return !streq(v, "0");
    }
    if ((v = csm_boot_arg(args, "security"))) {
        *what = streq(v, "apparmor") ? "security=apparmor" : "security=";
        return streq(v, "apparmor");
    }
    if ((v = csm_boot_arg(args, "lsm"))) {
        *what = "lsm=";
        return strstr(v, "apparmor") != NULL;
    }
    return -1;
}

static void cmdline(struct csm_scan *s, struct csm_apparmor *aa)
{
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    size_t with = 0, entries = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!b->e[i].kernel)
            continue;
        entries++;
        const char *what = NULL;
        int says = cmdline_says(b->e[i].args, &what);
        if (says < 0)
            continue;
        with++;
        if (!aa->cmdline) {
            aa->cmdline_on = says == 1;
            const char *v = streq(what, "security=") ? csm_boot_arg(b->e[i].args, "security")
                            : streq(what, "lsm=")    ? csm_boot_arg(b->e[i].args, "lsm")
                                                     : NULL;
            aa->cmdline = v ? xasprintf("%s%s", what, v) : xstrdup(what);
            aa->cmdline_source = xstrdup(b->e[i].source);
        }
    }
    aa->cmdline_all = entries && with == entries;
}

static void *gather(struct csm_scan *s)
{
    struct csm_apparmor *aa = xcalloc(1, sizeof(*aa));
    aa->live = csm_scan_live(s) ? csm_live_apparmor() : -1;
    kernel_config(s, aa);
    const struct csm_packages *pk = csm_facts_packages(s);
    static const char *const pkgs[] = { "apparmor", "apparmor-parser" };
    for (size_t i = 0; !pk->err && i < ARRAY_SIZE(pkgs) && !aa->pkg; i++)
        aa->pkg = csm_package_find(pk, pkgs[i]);
    csm_facts_unit_status(s, "apparmor.service", &aa->unit);
    if (aa->unit.error)
        strv_pushf(&aa->errors, "apparmor.service: %s", aa->unit.error);
    cmdline(s, aa);
    return aa;
}

static void apparmor_free(void *fact)
{
    struct csm_apparmor *aa = fact;
    if (!aa)
        return;
    free(aa->kernel_source);
    csm_unit_status_clear(&aa->unit);
    free(aa->cmdline);
    free(aa->cmdline_source);
    strv_free(aa->errors);
    free(aa);
}

static const struct csm_fact_desc apparmor_fact = { "apparmor", gather, apparmor_free };

const struct csm_apparmor *csm_facts_apparmor(struct csm_scan *s)
{
    return csm_fact_get(s, &apparmor_fact);
}
