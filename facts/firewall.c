/* The firewalls a system starts at boot, and what their saved rules do
 * with a new connection to the SSH port after the move (src/firewall.h):
 * firewalld (its default zone, or the zone that binds eth0), ufw
 * (ENABLED=yes, its user rules and default policy), nftables.service (the
 * file it loads, with its includes) and iptables.service or
 * netfilter-persistent (iptables-save files). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/internal.h"
#include "lib/util.h"

static const char *const fw_names[] = { "firewalld", "ufw", "nftables", "iptables" };

/* Reads a text file of the tree; NULL when absent, and why set when it cannot be read. */
static char *read_text(struct csm_scan *s, const char *path, char **why)
{
    char *text;
    int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &text, NULL);
    if (r < 0) {
        if (!csm_tree_absent(r) && !*why)
            *why = xasprintf("%s: %s", path, csm_strerror(r));
        return NULL;
    }
    return text;
}

/* The reason a firewall cannot be judged (NULL: none): what a later step
 * finds replaces what an earlier one said. */
static void set_problem(struct csm_fw_found *f, char *why)
{
    free(f->problem);
    f->problem = why;
}

/* Enabled at boot by a unit; *installed when its unit file is there. */
static bool unit_enabled(struct csm_scan *s, const char *unit, struct csm_fw_found *f, bool *installed)
{
    struct csm_unit_status st;
    csm_facts_unit_status(s, unit, &st);
    bool on = st.state == CSM_UNIT_ENABLED || st.state == CSM_UNIT_PRESET;
    *installed |= st.state != CSM_UNIT_ABSENT;
    if (on && !f->enabled_by)
        f->enabled_by = xstrdup(st.source ? st.source : unit);
    if (st.error && !f->problem && !on)
        set_problem(f, xasprintf("%s: %s", unit, st.error));
    csm_unit_status_clear(&st);
    return on;
}

/* ---- firewalld ---- */

struct services {
    struct csm_scan *s;
};

/* A service's ports: /etc/firewalld/services replaces /usr/lib/firewalld/services. */
static char **service_ports(void *data, const char *name)
{
    struct services *sv = data;
    static const char *const dirs[] = { "/etc/firewalld/services", "/usr/lib/firewalld/services" };
    if (strchr(name, '/'))
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s.xml", dirs[i], name);
        _cleanup_free_ char *why = NULL;
        _cleanup_free_ char *text = read_text(sv->s, path, &why);
        char **ports = NULL;
        if (text && csm_fw_service_parse(text, &ports) == 0)
            return ports ? ports : xcalloc(1, sizeof(char *));
    }
    return NULL;
}

/* The zone file of a zone: /etc/firewalld/zones replaces /usr/lib/firewalld/zones. */
static char *zone_text(struct csm_scan *s, const char *zone, char **path, char **why)
{
    static const char *const dirs[] = { "/etc/firewalld/zones", "/usr/lib/firewalld/zones" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        free(*path);
        *path = xasprintf("%s/%s.xml", dirs[i], zone);
        char *text = read_text(s, *path, why);
        if (text || *why)
            return text;
    }
    return NULL;
}

/* The zone that binds eth0 in /etc/firewalld/zones, or NULL. */
static char *zone_of_eth0(struct csm_scan *s)
{
    char **names = NULL;
    char *found = NULL;
    if (csm_tree_list(s->root, "/etc/firewalld/zones", &names) < 0)
        return NULL;
    for (size_t i = 0; names && names[i] && !found; i++) {
        if (!endswith(names[i], ".xml"))
            continue;
        _cleanup_free_ char *path = xasprintf("/etc/firewalld/zones/%s", names[i]);
        _cleanup_free_ char *why = NULL;
        _cleanup_free_ char *text = read_text(s, path, &why);
        struct csm_fw_zone z;
        _cleanup_free_ char *zwhy = NULL;
        if (text && csm_fw_zone_parse(text, &z, &zwhy) == 0) {
            if (strv_contains(z.interfaces, "eth0"))
                found = xstrndup(names[i], strlen(names[i]) - 4);
            csm_fw_zone_clear(&z);
        }
    }
    strv_free(names);
    return found;
}

static void firewalld(struct csm_scan *s, struct csm_firewall *fw, struct csm_fw_found *f, bool *installed)
{
    f->enabled = unit_enabled(s, "firewalld.service", f, installed);
    if (!f->enabled)
        return;
    char *why = NULL;
    _cleanup_free_ char *conf = read_text(s, "/etc/firewalld/firewalld.conf", &why);
    struct csm_kvs kv = { 0 };
    if (conf)
        csm_kv_parse(conf, "/etc/firewalld/firewalld.conf", &kv);
    const struct csm_kv *dz = csm_kv_get(&kv, "DefaultZone");
    _cleanup_free_ char *bound = zone_of_eth0(s);
    const char *zone = bound ? bound : dz && dz->value[0] ? dz->value : "public";
    if (bound)
        f->detail = xasprintf("zone %s binds eth0", zone);
    else if (dz)
        f->detail = xasprintf("default zone %s (/etc/firewalld/firewalld.conf:%u)", zone, dz->line);
    else
        f->detail = xasprintf("default zone %s (firewalld's own default)", zone);
    char *path = NULL;
    _cleanup_free_ char *text = why ? NULL : zone_text(s, zone, &path, &why);
    struct csm_fw_zone z;
    char *zwhy = NULL;
    if (why) {
        set_problem(f, why);
        why = NULL;
    } else if (!text) {
        set_problem(f,
                    xasprintf("no zone file for zone %s in /etc/firewalld/zones or /usr/lib/firewalld/zones", zone));
    } else if (csm_fw_zone_parse(text, &z, &zwhy) < 0) {
        set_problem(f, xasprintf("%s: %s", path, zwhy));
    } else {
        struct services sv = { s };
        csm_fw_zone_decide(&z, path, fw->port, service_ports, &sv, &f->d);
        f->config = xstrdup(path);
        csm_fw_zone_clear(&z);
    }
    free(zwhy);
    free(path);
    free(why);
    csm_kv_clear(&kv);
}

/* ---- ufw ---- */

static void ufw(struct csm_scan *s, struct csm_firewall *fw, struct csm_fw_found *f, bool *installed)
{
    char *why = NULL;
    _cleanup_free_ char *conf = read_text(s, "/etc/ufw/ufw.conf", &why);
    unit_enabled(s, "ufw.service", f, installed);
    if (!conf) {
        set_problem(f, why);
        *installed |= why != NULL;
        return;
    }
    *installed = true;
    struct csm_kvs kv = { 0 };
    csm_kv_parse(conf, "/etc/ufw/ufw.conf", &kv);
    const struct csm_kv *en = csm_kv_get(&kv, "ENABLED");
    f->enabled = en && strcasecmp(en->value, "yes") == 0;
    if (f->enabled) {
        free(f->enabled_by);
        f->enabled_by = xasprintf("/etc/ufw/ufw.conf:%u ENABLED=%s", en->line, en->value);
    }
    csm_kv_clear(&kv);
    if (!f->enabled)
        return;
    _cleanup_free_ char *defaults = read_text(s, "/etc/default/ufw", &why);
    csm_kv_parse(defaults ? defaults : "", "/etc/default/ufw", &kv);
    const struct csm_kv *pol = csm_kv_get(&kv, "DEFAULT_INPUT_POLICY");
    _cleanup_free_ char *pol_src = pol ? xasprintf("/etc/default/ufw:%u", pol->line) : xstrdup("ufw's default");
    _cleanup_free_ char *rules = read_text(s, "/etc/ufw/user.rules", &why);
    if (why) {
        set_problem(f, why);
    } else {
        struct csm_ufw_rule *r = NULL;
        size_t n = 0;
        csm_ufw_parse(rules ? rules : "", &r, &n);
        csm_ufw_decide(r, n, "/etc/ufw/user.rules", pol ? pol->value : "DROP", pol_src, fw->port, &f->d);
        csm_ufw_free(r, n);
        f->config = xstrdup("/etc/ufw/user.rules");
    }
    csm_kv_clear(&kv);
}

/* ---- nftables ---- */

static int nft_include(void *data, const char *pattern, char ***paths, char ***texts)
{
    return csm_facts_glob_texts(data, pattern, paths, texts);
}

static void nftables(struct csm_scan *s, struct csm_firewall *fw, struct csm_fw_found *f, bool *installed)
{
    f->enabled = unit_enabled(s, "nftables.service", f, installed);
    if (!f->enabled)
        return;
    /* the file the distribution's unit loads */
    static const char *const files[] = { "/etc/sysconfig/nftables.conf", "/etc/nftables.conf" };
    enum csm_family fam = csm_facts_osrel(s)->family;
    char *why = NULL;
    for (size_t k = 0; k < ARRAY_SIZE(files) && !f->config && !why; k++) {
        const char *path = files[fam == CSM_FAMILY_DEBIAN ? ARRAY_SIZE(files) - 1 - k : k];
        _cleanup_free_ char *text = read_text(s, path, &why);
        if (!text)
            continue;
        struct csm_nft *n = NULL;
        csm_nft_parse(&n, path, text, nft_include, s);
        char **errs = csm_nft_errors(n);
        if (errs)
            why = xstrdup(errs[0]);
        else
            csm_nft_decide(n, fw->port, &f->d);
        f->config = xstrdup(path);
        csm_nft_free(n);
    }
    if (why)
        set_problem(f, why);
    else if (!f->config)
        set_problem(f, xstrdup("nftables.service is enabled, but neither /etc/nftables.conf nor "
                               "/etc/sysconfig/nftables.conf is there"));
}

/* ---- iptables ---- */

static void iptables(struct csm_scan *s, struct csm_firewall *fw, struct csm_fw_found *f, bool *installed)
{
    static const struct {
        const char *unit, *file;
    } units[] = { { "iptables.service", "/etc/sysconfig/iptables" },
                  { "netfilter-persistent.service", "/etc/iptables/rules.v4" } };
    for (size_t i = 0; i < ARRAY_SIZE(units) && !f->enabled; i++) {
        if (!unit_enabled(s, units[i].unit, f, installed))
            continue;
        f->enabled = true;
        char *why = NULL;
        _cleanup_free_ char *text = read_text(s, units[i].file, &why);
        if (why) {
            set_problem(f, why);
            return;
        }
        struct csm_ipt *t = NULL;
        csm_ipt_parse(&t, units[i].file, text ? text : "");
        csm_ipt_decide(t, "INPUT", fw->port, &f->d);
        f->config = xstrdup(units[i].file);
        if (!text)
            f->detail = xasprintf("%s is not there: nothing is loaded", units[i].file);
        csm_ipt_free(t);
    }
}

static void *gather(struct csm_scan *s)
{
    struct csm_firewall *fw = xcalloc(1, sizeof(*fw));
    /* the port sshd listens on after the move */
    const struct csm_sshd *sd = csm_facts_sshd(s);
    const struct csm_sshd_directive *d, *cond;
    const char *port = csm_sshd_value(sd, "port", NULL, &d, &cond);
    char *end;
    unsigned long p = strtoul(port ? port : "22", &end, 10);
    fw->port = *end || p == 0 || p > 65535 ? 22 : (unsigned)p;
    fw->port_source = d ? xasprintf("%s:%u", d->file, d->line) : xstrdup("sshd's default");

    void (*const read[])(struct csm_scan *, struct csm_firewall *, struct csm_fw_found *, bool *) = {
        firewalld, ufw, nftables, iptables
    };
    for (size_t k = 0; k < CSM_FW_KINDS; k++) {
        struct csm_fw_found f = { .kind = (enum csm_fw_kind)k, .name = fw_names[k] };
        bool installed = false;
        read[k](s, fw, &f, &installed);
        if (installed || f.enabled)
            fw->fw[fw->n++] = f;
        else {
            free(f.enabled_by);
            free(f.problem);
        }
    }
    return fw;
}

static void firewall_free(void *fact)
{
    struct csm_firewall *fw = fact;
    if (!fw)
        return;
    for (size_t i = 0; i < fw->n; i++) {
        free(fw->fw[i].enabled_by);
        free(fw->fw[i].config);
        free(fw->fw[i].detail);
        free(fw->fw[i].problem);
        csm_fw_decision_clear(&fw->fw[i].d);
    }
    free(fw->port_source);
    strv_free(fw->errors);
    free(fw);
}

static const struct csm_fact_desc firewall_fact = { "firewall", gather, firewall_free };

const struct csm_firewall *csm_facts_firewall(struct csm_scan *s)
{
    return csm_fact_get(s, &firewall_fact);
}
