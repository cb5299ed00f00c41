/* system.selinux: online migration wants SELINUX=disabled (seed 003): files
 * copied by the agent carry no labels, and an enforcing target refuses
 * logins until the tree is relabelled. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

static const char *live_name(int live)
{
    return live == 1 ? "enforcing" : live == 0 ? "permissive" : "disabled";
}

static void live_evidence(struct csm_result *r, const struct csm_selinux *se)
{
    if (se->live == -1)
        return;
    struct csm_evidence *e = csm_result_evidence(r, "running kernel", "%s",
                                                 se->live == -2 ? "SELinux is not enabled" : live_name(se->live));
    csm_evidence_source(e, "%s", se->live == -2 ? "/sys/fs/selinux (absent)" : "/sys/fs/selinux/enforce");
    csm_result_var(r, "live", "%s", live_name(se->live));
}

void csm_check_system_selinux(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_selinux *se = csm_facts_selinux(s);
    if (se->err) {
        csm_result_error(r, "%s", se->why);
        return;
    }
    csm_result_var(r, "config", "%s", "/etc/selinux/config");
    csm_result_var(r, "live", "%s", "unknown");
    live_evidence(r, se);
    if (se->cmdline)
        csm_evidence_source(csm_result_evidence(r, "kernel command line", "%s%s", se->cmdline,
                                                se->cmdline_all ? " on every boot entry" : " on some boot entries"),
                            "%s", se->cmdline_source);

    if (!se->path) {
        csm_result_evidence(r, "configuration", "/etc/selinux/config does not exist");
        csm_result_var(r, "mode", "%s", se->live >= 0 ? live_name(se->live) : "not installed");
        if (se->live >= 0)
            csm_result_set(r, CSM_FAIL, se->live == 1 ? "enforcing" : "permissive");
        else
            csm_result_set(r, CSM_PASS, "not-installed");
        return;
    }
    if (!se->mode) {
        csm_result_error(r, "/etc/selinux/config has no SELINUX= line: the mode cannot be told");
        return;
    }
    char mode[32];
    snprintf(mode, sizeof(mode), "%s", se->mode->value);
    for (char *c = mode; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    csm_result_var(r, "mode", "%s", mode);
    if (se->type)
        csm_result_var(r, "type", "%s", se->type->value);
    struct csm_evidence *e = csm_result_evidence(r, "SELINUX", "%s", se->mode->value);
    csm_evidence_source(e, "%s:%u", se->mode->file, se->mode->line);

    if (streq(mode, "disabled")) {
        if (se->live >= 0) {
            csm_evidence_problem(e, "disabled in the file, but the running kernel is %s until the next boot",
                                 live_name(se->live));
            csm_result_set(r, CSM_WARN, "reboot-pending");
        } else {
            csm_result_set(r, CSM_PASS, "disabled");
        }
    } else if (!streq(mode, "enforcing") && !streq(mode, "permissive")) {
        csm_result_error(r, "/etc/selinux/config:%u: SELINUX=%s is not enforcing, permissive or disabled",
                         se->mode->line, se->mode->value);
    } else if (se->cmdline_all) {
        csm_evidence_problem(e, "%s in the file; every boot entry overrides it with %s", mode, se->cmdline);
        csm_result_set(r, CSM_WARN, "disabled-cmdline");
    } else {
        csm_evidence_problem(e, "SELinux is %s", mode);
        csm_result_set(r, CSM_FAIL, mode);
    }
}
