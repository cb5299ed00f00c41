/* system.selinux: online migration wants SELINUX=disabled (seed 003): files
 * copied by the agent carry no labels, and an enforcing target refuses
 * logins until the tree is relabelled. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* ---- system.sshd ---- */

static bool word_in(const char *value, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(value, words[i]) == 0)
            return true;
    return false;
}

/* The value of a keyword for root, with its evidence (*ev). */
static const char *sshd_setting(struct csm_result *r, const struct csm_sshd *sd, const char *key, const char *label,
                                struct csm_evidence **ev)
{
    const struct csm_sshd_directive *d, *cond;
    const char *v = csm_sshd_value(sd, key, "root", &d, &cond);
    struct csm_evidence *e = csm_result_evidence(r, label, "%s", v ? v : "");
    if (d)
        csm_evidence_source(e, "%s:%u", d->file, d->line);
    else
        csm_evidence_note(e, "sshd's default");
    if (cond)
        csm_evidence_note(e, "a Match block (%s:%u) sets %s for some connections only", cond->file, cond->line,
                          cond->value);
    if (ev)
        *ev = e;
    return v;
}

/* An SSH server starts at boot, and its configuration lets the platform in
 * for root: with the key it injects, or with the password it resets. */
void csm_check_system_sshd(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_sshd *sd = csm_facts_sshd(s);
    const struct csm_packages *pk = csm_facts_packages(s);
    if (sd->pkg) {
        _cleanup_free_ char *where = csm_package_source(pk, sd->pkg);
        csm_evidence_source(csm_result_evidence(r, "package", "%s %s", sd->pkg->name, sd->pkg->version), "%s",
                            where);
    }
    if (sd->program)
        csm_evidence_source(csm_result_evidence(r, "program", "%s", sd->program), "%s", sd->program);
    csm_result_var(r, "config", "%s", sd->config ? sd->config : "/etc/ssh/sshd_config");
    csm_result_var(r, "unit", "%s", sd->unit_name ? sd->unit_name : "sshd.service");
    if (!sd->program && !sd->pkg) {
        if (sd->errors) {
            csm_result_error(r, "whether an SSH server is installed cannot be told: %s", sd->errors[0]);
            return;
        }
        csm_evidence_problem(csm_result_evidence(r, "program", "no sshd in the bin and sbin directories"),
                             "nobody can log in after the move");
        csm_result_set(r, CSM_FAIL, "missing");
        return;
    }
    const char *outcome = NULL;
    if (sd->unit_name) {
        struct csm_evidence *e = csm_result_evidence(r, sd->unit_name, "%s", csm_unit_state_name(sd->unit.state));
        if (sd->unit.source || sd->unit.file)
            csm_evidence_source(e, "%s", sd->unit.source ? sd->unit.source : sd->unit.file);
        if (sd->unit.state == CSM_UNIT_DISABLED || sd->unit.state == CSM_UNIT_MASKED)
            csm_result_problem(r, e, &outcome, "disabled", "%s is %s: sshd does not start at boot", sd->unit_name,
                               csm_unit_state_name(sd->unit.state));
    } else {
        csm_result_problem(r, csm_result_evidence(r, "unit", "no sshd.service, ssh.service or ssh.socket"),
                           &outcome, "disabled", "no unit starts sshd at boot");
    }
    if (sd->err) {
        csm_result_error(r, "%s", sd->why);
        return;
    }
    for (size_t i = 0; sd->cfg.errors && sd->cfg.errors[i]; i++)
        csm_evidence_problem(csm_result_evidence(r, "Include", "%s", sd->cfg.errors[i]), "cannot be read");
    if (!sd->config)
        csm_result_evidence(r, "configuration", "no sshd_config: sshd's defaults");

    static const char *const root_key[] = { "yes", "prohibit-password", "without-password", NULL };
    static const char *const yes[] = { "yes", NULL };
    struct csm_evidence *prl_ev, *pub_ev;
    const char *prl = sshd_setting(r, sd, "permitrootlogin", "PermitRootLogin", &prl_ev);
    const char *pw = sshd_setting(r, sd, "passwordauthentication", "PasswordAuthentication", NULL);
    const char *kbd = sshd_setting(r, sd, "kbdinteractiveauthentication", "KbdInteractiveAuthentication", NULL);
    const char *pam = sshd_setting(r, sd, "usepam", "UsePAM", NULL);
    const char *pub = sshd_setting(r, sd, "pubkeyauthentication", "PubkeyAuthentication", &pub_ev);
    const char *akf = sshd_setting(r, sd, "authorizedkeysfile", "AuthorizedKeysFile", NULL);
    csm_result_var(r, "permit_root_login", "%s", prl);
    csm_result_var(r, "password_auth", "%s", pw);
    bool key = word_in(prl, root_key) && word_in(pub, yes) && strcasecmp(akf, "none") != 0;
    bool password = word_in(prl, yes) && (word_in(pw, yes) || (word_in(kbd, yes) && word_in(pam, yes)));
    if (sd->cfg.errors) {
        csm_result_error(r, "%s: the configuration in force is not known", sd->cfg.errors[0]);
        return;
    }
    if (!key && !password) {
        bool root_off = strcasecmp(prl, "no") == 0;
        csm_result_problem(r, root_off ? prl_ev : pub_ev, &outcome, root_off ? "root-login-off" : "no-login",
                           root_off ? "PermitRootLogin no: root cannot log in with a key or a password"
                                    : "neither a key (PubkeyAuthentication, AuthorizedKeysFile) nor a password "
                                      "(PasswordAuthentication) lets root in");
    }
    csm_result_set(r, outcome ? CSM_FAIL : CSM_PASS, outcome ? outcome : key && password ? "ok" : key ? "key-only"
                                                                                                 : "password-only");
}

/* ---- system.firewall ---- */

/* No firewall that starts at boot drops new SSH connections (to sshd's
 * port) from an address it cannot know before the move. */
void csm_check_system_firewall(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_firewall *fw = csm_facts_firewall(s);
    const char *outcome = NULL;
    const struct csm_fw_found *unknown = NULL;
    bool any = false;
    csm_result_var(r, "port", "%u", fw->port);
    csm_evidence_source(csm_result_evidence(r, "SSH port", "%u", fw->port), "%s", fw->port_source);
    for (size_t i = 0; i < fw->n; i++) {
        const struct csm_fw_found *f = &fw->fw[i];
        if (!f->enabled) {
            struct csm_evidence *e = csm_result_evidence(r, f->name, "installed, not started at boot");
            if (f->problem)
                csm_evidence_note(e, "%s", f->problem);
            continue;
        }
        any = true;
        csm_result_list(r, "firewalls", "%s", f->name);
        struct csm_evidence *e = csm_result_evidence(r, f->name, "starts at boot");
        csm_evidence_source(e, "%s", f->enabled_by);
        if (f->detail)
            csm_evidence_note(e, "%s", f->detail);
        if (f->problem) {
            csm_evidence_problem(csm_result_evidence(r, f->name, "cannot be judged"), "%s", f->problem);
            if (!unknown)
                unknown = f;
            continue;
        }
        struct csm_evidence *d = csm_result_evidence(r, f->name, "SSH (tcp/%u) %s by %s", fw->port,
                                                     csm_fw_verdict_name(f->d.v), f->d.what ? f->d.what : "?");
        if (f->d.source && *f->d.source)
            csm_evidence_source(d, "%s", f->d.source);
        if (f->d.v == CSM_FW_DROP)
            csm_result_problem(r, d, &outcome, "drops-ssh", "%s drops new SSH connections (%s)", f->name,
                               f->d.what ? f->d.what : "");
        else if (f->d.v == CSM_FW_SOME)
            csm_result_problem(r, d, &outcome, "some-sources", "%s accepts SSH from some addresses only (%s)",
                               f->name, f->d.some ? f->d.some : "");
        if (f->d.v == CSM_FW_DROP || f->d.v == CSM_FW_SOME) {
            /* the fix of each firewall: its own list, empty for the others */
            static const char *const fix_var[] = { "zone_file", "ufw_port", "nft_file", "ipt_file" };
            if (f->kind == CSM_FW_UFW)
                csm_result_list(r, fix_var[f->kind], "%u", fw->port);
            else if (f->kind == CSM_FW_FIREWALLD && f->config && strrchr(f->config, '/')) {
                _cleanup_free_ char *zone = xstrdup(strrchr(f->config, '/') + 1);
                if (endswith(zone, ".xml"))
                    zone[strlen(zone) - 4] = '\0';
                csm_result_list(r, "zone", "%s", zone);
            } else if (f->config)
                csm_result_list(r, fix_var[f->kind], "%s", f->config);
        }
    }
    if (outcome) {
        csm_result_set(r, CSM_FAIL, outcome);
    } else if (unknown) {
        csm_result_error(r, "%s starts at boot, but its rules cannot be judged: %s", unknown->name, unknown->problem);
    } else if (!any) {
        if (!fw->n)
            csm_result_evidence(r, "firewall", "no firewalld, ufw, nftables or iptables service is installed");
        csm_result_set(r, CSM_PASS, "none");
    } else {
        csm_result_set(r, CSM_PASS, "allows");
    }
}

/* ---- system.apparmor ---- */

/* The agent's copy wants AppArmor off, as SELinux: its profiles confine
 * what the copied services may do on the target before they are relabelled
 * or reloaded. On means: a kernel that enables it and the service that
 * loads the profiles. */
void csm_check_system_apparmor(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_apparmor *aa = csm_facts_apparmor(s);
    const struct csm_packages *pk = csm_facts_packages(s);
    if (aa->live >= 0)
        csm_evidence_source(csm_result_evidence(r, "running kernel", "%s", aa->live ? "enabled" : "not enabled"),
                            "/sys/module/apparmor/parameters/enabled");
    if (aa->kernel_source)
        csm_result_evidence(r, "kernel", "%s", aa->kernel_source);
    if (aa->pkg) {
        _cleanup_free_ char *where = csm_package_source(pk, aa->pkg);
        csm_evidence_source(csm_result_evidence(r, "package", "%s %s", aa->pkg->name, aa->pkg->version), "%s", where);
    }
    struct csm_evidence *unit = NULL;
    if (aa->unit.state != CSM_UNIT_ABSENT) {
        unit = csm_result_evidence(r, "apparmor.service", "%s", csm_unit_state_name(aa->unit.state));
        if (aa->unit.source || aa->unit.file)
            csm_evidence_source(unit, "%s", aa->unit.source ? aa->unit.source : aa->unit.file);
    }
    struct csm_evidence *cl = NULL;
    if (aa->cmdline) {
        cl = csm_result_evidence(r, "kernel command line", "%s%s", aa->cmdline,
                                 aa->cmdline_all ? " on every boot entry" : " on some boot entries");
        csm_evidence_source(cl, "%s", aa->cmdline_source);
    }
    bool service = aa->unit.state == CSM_UNIT_ENABLED || aa->unit.state == CSM_UNIT_PRESET;
    if (aa->live == 1) {
        csm_result_set(r, CSM_FAIL, "enabled");
        return;
    }
    if (aa->live == 0) {
        csm_result_set(r, CSM_PASS, "disabled");
        return;
    }
    if (!aa->pkg && aa->unit.state == CSM_UNIT_ABSENT) {
        csm_result_set(r, CSM_PASS, "not-installed");
        return;
    }
    bool off_cmdline = aa->cmdline && aa->cmdline_all && !aa->cmdline_on;
    if (off_cmdline || aa->kernel == -1 || (aa->kernel == 0 && !(aa->cmdline_on && aa->cmdline_all)) || !service) {
        csm_result_set(r, CSM_PASS, "disabled");
        return;
    }
    if (aa->errors) {
        csm_result_error(r, "whether AppArmor starts cannot be told: %s", aa->errors[0]);
        return;
    }
    if (aa->kernel == -2 && !aa->cmdline_on) {
        csm_result_error(r, "the default kernel's configuration (/boot/config-<version>) is not there: whether it "
                            "enables AppArmor cannot be told");
        return;
    }
    if (unit)
        csm_evidence_problem(unit, "loads the AppArmor profiles at boot");
    csm_result_set(r, CSM_FAIL, "enabled");
}
