/* software.cloud-init, software.guest-tools, software.rsync (seeds 003, 004). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

/* Records a problem: its evidence, its text in {problems}, and the first
 * outcome. */
static void unreadable(struct csm_result *r, char *const *errors)
{
    for (size_t i = 0; errors && errors[i]; i++)
        csm_evidence_problem(csm_result_evidence(r, "unreadable", "%s", errors[i]), "cannot be read");
}

/* ---- software.rsync ---- */

/* Installed, with its program, and at least param.min-version (the agent's
 * incremental sync needs rsync 3.1): the version is the package's upstream
 * one, compared in its package manager's order (dpkg without epoch and
 * revision, rpm's VERSION). */
void csm_check_software_rsync(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_packages *pk = csm_facts_packages(s);
    const struct csm_package *p = pk->err ? NULL : csm_package_find(pk, "rsync");
    _cleanup_strv_ char **errors = NULL;
    _cleanup_free_ char *prog = csm_facts_program(s, "rsync", &errors);
    char *const *minv = csm_check_param(r, "min-version");
    const char *min = minv && minv[0] ? minv[0] : "3.1";

    _cleanup_free_ char *where = p ? csm_package_source(pk, p) : NULL;
    if (p)
        csm_evidence_source(csm_result_evidence(r, "package", "rsync %s", p->version), "%s", where);
    else if (!pk->err)
        csm_evidence_source(csm_result_evidence(r, "package", "no rsync entry"), "%s", pk->db);
    else
        csm_result_evidence(r, "package database", "%s", pk->why);
    for (size_t i = 0; pk->notes && pk->notes[i]; i++)
        csm_result_evidence(r, "package database", "%s", pk->notes[i]);
    if (prog)
        csm_evidence_source(csm_result_evidence(r, "program", "%s", prog), "%s", prog);
    csm_result_var(r, "path", "%s", prog ? prog : "(not in the usual bin directories)");
    csm_result_var(r, "version", "%s", p ? p->upstream : "unknown");
    csm_result_var(r, "min_version", "%s", min);
    if (!prog && errors) {
        unreadable(r, errors);
        csm_result_error(r, "whether rsync is installed cannot be told: %s", errors[0]);
        return;
    }
    if (!prog) {
        csm_evidence_problem(csm_result_evidence(r, "program", "no rsync in /usr/bin, /bin, /usr/sbin, /sbin, "
                                                              "/usr/local/bin, /usr/local/sbin"),
                             "the online migration agent copies the system with rsync");
        csm_result_set(r, CSM_FAIL, p ? "no-program" : "missing");
        return;
    }
    if (!p) {
        if (pk->err && !csm_tree_absent(pk->err))
            csm_result_error(r, "rsync is there (%s), but its version cannot be told: %s", prog, pk->why);
        else
            csm_result_error(r, "rsync is there (%s), but %s: its version cannot be told", prog,
                             pk->err ? "no package database can be read" : "no package of the database installed it");
        csm_result_set(r, CSM_ERROR, "unknown-version");
        return;
    }
    if (!csm_package_at_least(pk, p, min)) {
        struct csm_evidence *e = csm_result_evidence(r, "version", "%s", p->upstream);
        csm_evidence_source(e, "%s", where);
        csm_evidence_problem(e, "older than %s: the agent's incremental sync needs a newer rsync", min);
        csm_result_set(r, CSM_FAIL, "old");
        return;
    }
    csm_result_set(r, CSM_PASS, "installed");
}

/* ---- software.cloud-init ---- */

/* Whether anything of cloud-init is there: a package entry, its program,
 * its units. */
static bool ci_installed(struct csm_scan *s, struct csm_result *r, const struct csm_cloudinit *ci)
{
    const struct csm_packages *pk = csm_facts_packages(s);
    bool units = false;
    _cleanup_free_ char *where = ci->pkg ? csm_package_source(pk, ci->pkg) : NULL;
    if (ci->pkg)
        csm_evidence_source(csm_result_evidence(r, "package", "cloud-init %s", ci->pkg->version), "%s", where);
    else if (ci->pkg_db)
        csm_evidence_source(csm_result_evidence(r, "package", "no cloud-init entry"), "%s", pk->db);
    if (ci->program)
        csm_evidence_source(csm_result_evidence(r, "program", "%s", ci->program), "%s", ci->program);
    if (ci->config)
        csm_evidence_source(csm_result_evidence(r, "configuration", "%s", ci->config), "%s", ci->config);
    for (size_t i = 0; i < ARRAY_SIZE(ci->units); i++)
        units |= ci->units[i].state != CSM_UNIT_ABSENT;
    csm_result_var(r, "version", "%s", ci->pkg ? ci->pkg->version : "unknown");
    return ci->pkg || ci->program || units;
}

/* Enabled when the first stages (cloud-init-local, cloud-init, or the
 * target that pulls them in) are; the later stages do nothing without
 * them. Disabled by the marker file, the kernel command line, or masks. */
static void ci_enabled(struct csm_result *r, const struct csm_cloudinit *ci, const char **outcome)
{
    bool enabled = false, masked = false;
    for (size_t i = 0; i < ARRAY_SIZE(ci->units); i++) {
        const struct csm_unit_status *u = &ci->units[i];
        if (u->state == CSM_UNIT_ABSENT)
            continue;
        struct csm_evidence *e = csm_result_evidence(r, csm_cloudinit_units[i], "%s", csm_unit_state_name(u->state));
        if (u->source || u->file)
            csm_evidence_source(e, "%s", u->source ? u->source : u->file);
        if (u->state == CSM_UNIT_PRESET)
            csm_evidence_note(e, "no link in /etc/systemd/system; the distribution's preset enables it");
        enabled |= csm_cloudinit_first_stage(i) && (u->state == CSM_UNIT_ENABLED || u->state == CSM_UNIT_PRESET);
        masked |= u->state == CSM_UNIT_MASKED;
        if (u->state == CSM_UNIT_MASKED)
            csm_result_list(r, "masked", "%s", csm_cloudinit_units[i]);
    }
    if (ci->disabled_file) {
        struct csm_evidence *e = csm_result_evidence(r, "marker", "%s exists", ci->disabled_file);
        csm_evidence_source(e, "%s", ci->disabled_file);
        csm_result_problem(r, e, outcome, "disabled", "%s disables cloud-init at every boot", ci->disabled_file);
    }
    if (ci->cmdline_disabled) {
        struct csm_evidence *e = csm_result_evidence(r, "kernel command line", "cloud-init=disabled");
        csm_evidence_source(e, "%s", ci->cmdline_disabled);
        csm_result_problem(r, e, outcome, "disabled", "cloud-init=disabled on the kernel command line (%s)", ci->cmdline_disabled);
    }
    if (masked && !enabled)
        csm_result_problem(r, csm_result_evidence(r, "units", "masked"), outcome, "disabled",
                "the cloud-init units are masked");
    else if (!enabled)
        csm_result_problem(r, csm_result_evidence(r, "units", "none of the cloud-init units is enabled"), outcome, "not-enabled",
                "no cloud-init unit is started at boot");
}

static bool ds_offered(char *const *offered, const char *ds)
{
    for (size_t i = 0; offered && offered[i]; i++)
        if (strcasecmp(offered[i], ds) == 0)
            return true;
    return false;
}

static void ci_datasources(struct csm_result *r, const struct csm_cloudinit *ci, const char **outcome)
{
    char *const *offered = csm_check_param(r, "datasources");
    for (size_t i = 0; offered[i]; i++)
        csm_result_list(r, "datasources", "%s", offered[i]);
    if (!ci->datasources) {
        _cleanup_free_ char *files = strv_join(ci->cfg_files, ", ");
        struct csm_evidence *e = csm_result_evidence(r, "datasource_list", "not set: cloud-init tries every "
                                                                           "datasource it knows");
        if (*files)
            csm_evidence_note(e, "read %s", files);
        csm_result_var(r, "configured", "%s", "cloud-init's default");
        return;
    }
    _cleanup_free_ char *list = strv_join(ci->datasources, ", ");
    csm_result_var(r, "configured", "%s", *list ? list : "(empty)");
    struct csm_evidence *e = csm_result_evidence(r, "datasource_list", "[%s]", list);
    csm_evidence_source(e, "%s", ci->ds_source);
    for (size_t i = 0; ci->datasources[i]; i++)
        if (ds_offered(offered, ci->datasources[i])) {
            csm_evidence_note(e, "includes %s, which the target offers", ci->datasources[i]);
            return;
        }
    _cleanup_free_ char *want = strv_join((char **)offered, ", ");
    csm_result_problem(r, e, outcome, "no-datasource", "datasource_list [%s] at %s excludes every datasource the target offers (%s)",
            list, ci->ds_source, want);
}

void csm_check_software_cloud_init(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_cloudinit *ci = csm_facts_cloudinit(s);
    const char *outcome = NULL;

    bool installed = ci_installed(s, r, ci);
    if (!installed && ci->program_errors) {
        unreadable(r, ci->program_errors);
        csm_result_error(r, "whether cloud-init is installed cannot be told: %s", ci->program_errors[0]);
        return;
    }
    if (!installed) {
        csm_evidence_problem(csm_result_evidence(r, "cloud-init", "not installed"),
                             "no package entry, no cloud-init program, no cloud-init units");
        csm_result_list(r, "problems", "cloud-init is not installed");
        csm_result_set(r, CSM_FAIL, "missing");
        return;
    }
    /* The units start the program: a package entry or units without it
     * run nothing at boot. */
    if (!ci->program && ci->program_errors) {
        unreadable(r, ci->program_errors);
    } else if (!ci->program) {
        struct csm_evidence *e = csm_result_evidence(r, "program", "no cloud-init in /usr/bin, /bin, /usr/sbin, /sbin, "
                                                                 "/usr/local/bin, /usr/local/sbin");
        csm_result_problem(r, e, &outcome, "no-program", "the cloud-init program is missing (%s)",
                           ci->pkg ? "the package is recorded as installed" : "its units are there");
    }
    ci_enabled(r, ci, &outcome);
    ci_datasources(r, ci, &outcome);
    unreadable(r, ci->errors);
    for (size_t i = 0; ci->invalid && ci->invalid[i]; i++)
        csm_evidence_note(csm_result_evidence(r, "configuration", "%s", ci->invalid[i]),
                          "not valid YAML (tab indentation or an unterminated list): cloud-init ignores it too");
    if (outcome)
        csm_result_set(r, CSM_FAIL, outcome);
    else if (!ci->program)
        csm_result_error(r, "whether the cloud-init program is there cannot be told: %s", ci->program_errors[0]);
    else if (ci->errors)
        csm_result_error(r, "the cloud-init configuration cannot be read whole: %s", ci->errors[0]);
    else
        csm_result_set(r, CSM_PASS, "ok");
}

/* ---- software.guest-tools ---- */

/* Remediation placeholders: what a command can name safely. */
static void gt_remedies(struct csm_result *r, const struct csm_guest_tool *t, const struct csm_gt_evidence *e)
{
    if (e->kind == CSM_GT_PACKAGE) {
        _cleanup_strv_ char **w = csm_split_words(e->what);
        if (w && w[0] && w[1])
            csm_result_list(r, "package", "%s", w[1]);
    } else if (e->kind == CSM_GT_FILE && endswith(e->what, "vmware-uninstall-tools.pl")) {
        csm_result_list(r, "uninstaller", "%s", e->what);
    } else if (e->kind == CSM_GT_FILE && streq(t->cls, "virtualbox-additions") &&
               startswith(e->what, "/opt/VBoxGuestAdditions-")) {
        csm_result_list(r, "uninstaller", "%s/uninstall.sh", e->what);
    } else if (e->kind == CSM_GT_FILE && streq(e->what, "/usr/lib/parallels-tools")) {
        csm_result_list(r, "prl_installer", "%s/install", e->what);
    } else if (e->kind == CSM_GT_FORCED) {
        csm_result_list(r, "forced", "%s", e->source);
    } else if (e->kind == CSM_GT_MODULE) {
        csm_result_list(r, "module", "%s", e->source);
    }
}

void csm_check_software_guest_tools(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_guest_tools *gt = csm_facts_guest_tools(s);
    char *const *blocking = csm_check_param(r, "blocking");
    unsigned nblock = 0;

    for (size_t i = 0; i < gt->n; i++) {
        const struct csm_guest_tool *t = &gt->t[i];
        bool blocks = strv_contains((char **)blocking, t->cls);
        nblock += blocks;
        csm_result_list(r, "products", "%s", t->product);
        csm_result_list(r, "classes", "%s", t->cls);
        csm_result_list(r, blocks ? "blocking" : "inactive", "%s", t->product);
        for (size_t k = 0; k < t->n_ev; k++) {
            const struct csm_gt_evidence *e = &t->ev[k];
            struct csm_evidence *ev = csm_result_evidence(r, t->product, "%s: %s", csm_gt_kind_name(e->kind), e->what);
            csm_evidence_source(ev, "%s", e->source);
            csm_evidence_problem(ev, "%s (%s)",
                                 blocks ? "conflicts with the new platform's drivers"
                                        : "stays inactive on KVM; remove it after the move",
                                 t->cls);
            gt_remedies(r, t, e);
        }
    }
    /* Declared even when empty, so commands expand to nothing. */
    static const char *const lists[] = { "package", "uninstaller", "prl_installer", "forced", "module",
                                         "blocking", "inactive", "products" };
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
        csm_vars_push(&r->vars, lists[i], NULL);
    csm_result_var(r, "count", "%zu", gt->n);
    unreadable(r, gt->errors);
    if (!gt->n)
        for (size_t i = 0; gt->searched && gt->searched[i]; i++)
            csm_result_evidence(r, "searched", "%s", gt->searched[i]);

    if (nblock)
        csm_result_set(r, CSM_FAIL, "conflicting");
    else if (gt->n)
        csm_result_set(r, CSM_WARN, "inactive");
    else if (gt->errors)
        csm_result_error(r, "no guest tools found, but not everything could be read: %s", gt->errors[0]);
    else
        csm_result_set(r, CSM_PASS, "none");
}
