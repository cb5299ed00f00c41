/* network.mac-binding, network.interface-names: after the move the system
 * has one virtio NIC with a new MAC address, named eth0, and gets its
 * address by DHCP (seed 004 §6). */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

static const char *if_label(const struct csm_netif *i)
{
    return i->name ? i->name : i->id ? i->id : "(any interface)";
}

static void unreadable(struct csm_result *r, const struct csm_netcfg *nc)
{
    for (size_t i = 0; nc->errors && nc->errors[i]; i++)
        csm_evidence_problem(csm_result_evidence(r, "unreadable", "%s", nc->errors[i]), "cannot be read");
    if (nc->skipped)
        csm_result_evidence(r, "configuration", "%u %s could not be read and %s skipped", nc->skipped,
                            plural(nc->skipped, "line", "lines"), plural(nc->skipped, "was", "were"));
}

static void searched(struct csm_result *r, const struct csm_netcfg *nc)
{
    _cleanup_free_ char *files = strv_join(nc->files, ", ");
    csm_result_evidence(r, "read", "%s", *files ? files : "no network configuration file");
}

static bool cloud_init_network(struct csm_scan *s);

/* ---- network.mac-binding ---- */

static void mac_remedies(struct csm_result *r, const struct csm_netif *i)
{
    if (i->src == CSM_NET_UDEV && !strv_contains(csm_vars_get(&r->vars, "udev_file")->values, i->file))
        csm_result_list(r, "udev_file", "%s", i->file);
    else if (i->src == CSM_NET_IFCFG)
        csm_result_list(r, "ifcfg_file", "%s", i->file);
    else if (i->src == CSM_NET_NM && i->id && i->match_mac)
        csm_result_list(r, "nm_id", "%s", i->id);
}

void csm_check_network_mac_binding(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_netcfg *nc = csm_facts_netcfg(s);
    unsigned pinned = 0, cloned = 0, rewritten = 0;
    /* cloud-init writes its network files anew for a new instance's NIC. */
    bool ci = cloud_init_network(s);
    static const char *const lists[] = { "udev_file", "ifcfg_file", "nm_id", "entries", "macs" };
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
        csm_vars_push(&r->vars, lists[i], NULL);

    for (size_t k = 0; k < nc->n; k++) {
        const struct csm_netif *i = &nc->i[k];
        if (i->match_mac) {
            struct csm_evidence *e = csm_result_evidence(r, csm_net_source_name(i->src), "%s matches MAC %s%s%s",
                                                         if_label(i), i->match_mac, i->rename ? ", named " : "",
                                                         i->rename ? i->rename : "");
            csm_evidence_source(e, "%s:%u", i->file, i->match_line);
            csm_result_list(r, "entries", "%s:%u", i->file, i->match_line);
            csm_result_list(r, "macs", "%s", i->match_mac);
            if (ci && strstr(i->file, "cloud-init")) {
                csm_evidence_problem(e, "written by cloud-init, which writes it again for the new NIC at the first "
                                        "boot on the target");
                rewritten++;
            } else {
                csm_evidence_problem(e, "the virtio NIC has another MAC address: this configuration will not apply "
                                        "to it");
                pinned++;
            }
        }
        if (i->set_mac) {
            struct csm_evidence *e =
                csm_result_evidence(r, csm_net_source_name(i->src), "%s sets MAC %s", if_label(i), i->set_mac);
            csm_evidence_source(e, "%s:%u", i->file, i->set_line);
            csm_evidence_problem(e, "writes the old address onto the new NIC: the cloud network drops frames from "
                                    "addresses it did not assign");
            csm_result_list(r, "entries", "%s:%u", i->file, i->set_line);
            csm_result_list(r, "macs", "%s", i->set_mac);
            cloned++;
        }
        if (i->match_mac || i->set_mac)
            mac_remedies(r, i);
    }
    csm_result_var(r, "count", "%u", pinned + cloned + rewritten);
    unreadable(r, nc);
    if (!pinned && !cloned && !rewritten)
        searched(r, nc);
    if (pinned)
        csm_result_set(r, CSM_FAIL, "pinned");
    else if (cloned)
        csm_result_set(r, CSM_WARN, "cloned");
    else if (rewritten)
        csm_result_set(r, CSM_WARN, "cloud-init");
    else if (nc->errors)
        csm_result_error(r, "no MAC binding found, but not every file could be read: %s", nc->errors[0]);
    else
        csm_result_set(r, CSM_PASS, "none");
}

/* ---- network.interface-names ---- */

struct names {
    struct csm_result *r;
    char *const *provided; /* what the target has: eth0 */
    char *const *physical; /* globs of NIC names */
    bool dhcp;             /* a DHCP configuration reaches a provided NIC */
    bool dhcp_literal;     /* ... only through a name written out ("eth0") */
    bool profile_down;     /* a NetworkManager profile (keyfile or ifcfg) reaches a provided NIC but is not
                              brought up at boot: NetworkManager then makes no automatic profile for it */
    unsigned static_provided, static_other, other_names;
    char **fails, **warns; /* outcome keys seen */
};

/* The outcome reported when several apply: the most consequential. */
static const char *const priority[] = { "no-dhcp-client", "no-eth0", "static", "predictable", "other-names",
                                        "static-other" };

static const char *worst(char *const *keys)
{
    for (size_t i = 0; i < ARRAY_SIZE(priority); i++)
        if (strv_contains(keys, priority[i]))
            return priority[i];
    return NULL;
}

static void note(struct names *n, struct csm_evidence *e, bool fail, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void note(struct names *n, struct csm_evidence *e, bool fail, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    csm_evidence_problem(e, "%s", msg);
    csm_result_list(n->r, "problems", "%s", msg);
    char ***keys = fail ? &n->fails : &n->warns;
    if (!strv_contains(*keys, key))
        strv_push(keys, xstrdup(key));
}

/* eth0.100 and eth0:1 live on eth0. */
static char *base_name(const char *name)
{
    return xstrndup(name, strcspn(name, ".:"));
}

static bool is_glob(const char *name)
{
    return strpbrk(name, "*?[") != NULL;
}

/* Does one name (a glob, or a name with a VLAN or alias suffix) reach a
 * NIC the target provides? */
static bool name_reaches(const struct names *n, const char *name, bool *literal)
{
    if (is_glob(name)) {
        for (size_t k = 0; n->provided[k]; k++)
            if (fnmatch(name, n->provided[k], 0) == 0)
                return true;
        return false;
    }
    _cleanup_free_ char *base = base_name(name);
    *literal = true;
    return strv_contains((char **)n->provided, base);
}

/* Does the configuration reach a NIC the target provides? A name may be
 * a list ("Name=en* eth*" in a .network file). */
static bool reaches_provided(const struct names *n, const struct csm_netif *i, bool *literal)
{
    *literal = false;
    if (!i->name)
        return !i->match_mac && !i->match_other;
    if (i->match_mac)
        return false;
    _cleanup_strv_ char **names = csm_split_words(i->name);
    for (size_t k = 0; names && names[k]; k++) {
        bool lit = false;
        if (name_reaches(n, names[k], &lit)) {
            *literal = lit;
            return true;
        }
    }
    return false;
}

static void one_config(struct names *n, const struct csm_netif *i)
{
    if (i->src == CSM_NET_UDEV || i->src == CSM_NET_LINK || i->method == CSM_NET_NONE ||
        i->method == CSM_NET_LOOPBACK)
        return;
    bool literal;
    bool reach = reaches_provided(n, i, &literal);
    struct csm_evidence *e = csm_result_evidence(n->r, csm_net_source_name(i->src), "%s: %s%s%s", if_label(i),
                                                 csm_net_method_name(i->method), i->address ? " " : "",
                                                 i->address ? i->address : "");
    if (i->down) {
        /* a configuration that is not brought up at boot brings nothing up */
        csm_evidence_source(e, "%s:%u", i->file, i->down_line);
        csm_evidence_note(e, "not brought up at boot (%s)", i->down);
        if (reach && (i->src == CSM_NET_NM || i->src == CSM_NET_IFCFG))
            n->profile_down = true;
        return;
    }
    csm_evidence_source(e, "%s:%u", i->file, i->method == CSM_NET_STATIC && i->address_line ? i->address_line
                                                                                              : i->method_line);
    _cleanup_free_ char *base = i->name ? base_name(i->name) : NULL;
    bool nic = base && !is_glob(base) && !i->virt && csm_name_matches(n->physical, base);

    if (reach && i->method == CSM_NET_DHCP) {
        n->dhcp = true;
        n->dhcp_literal |= literal;
        csm_evidence_note(e, "reaches the target's NIC");
    } else if (reach && i->method == CSM_NET_STATIC) {
        n->static_provided++;
        csm_result_list(n->r, "static", "%s", i->address ? i->address : if_label(i));
        note(n, e, true, "static", "static address %s on %s: the target assigns addresses by DHCP",
             i->address ? i->address : "?", if_label(i));
    } else if (nic && !reach) {
        n->other_names++;
        csm_result_list(n->r, "missing", "%s", base);
        note(n, e, false, "other-names", "%s will not exist on the target (it has %s)", base, n->provided[0]);
    } else if (i->method == CSM_NET_STATIC) {
        n->static_other++;
        csm_result_list(n->r, "static", "%s", i->address ? i->address : if_label(i));
        note(n, e, false, "static-other", "static address %s on %s will not be reachable on the target's network",
             i->address ? i->address : "?", if_label(i));
    } else if (i->match_mac) {
        csm_evidence_note(e, "bound to a MAC address (see network.mac-binding)");
    }
}

static const char *const dhcp_programs[] = { "dhclient", "dhcpcd", "udhcpc", "NetworkManager", "wicked" };
static const char *const dhcp_paths[] = { "/lib/systemd/systemd-networkd", "/usr/lib/systemd/systemd-networkd",
                                          "/usr/lib/wicked/bin/wickedd-dhcp4" };

static bool dhcp_clients(struct csm_scan *s, struct csm_result *r, char ***errors)
{
    bool any = false;
    for (size_t i = 0; i < ARRAY_SIZE(dhcp_programs); i++) {
        _cleanup_free_ char *p = csm_facts_program(s, dhcp_programs[i], errors);
        if (p) {
            csm_evidence_source(csm_result_evidence(r, "DHCP client", "%s", dhcp_programs[i]), "%s", p);
            csm_result_list(r, "clients", "%s", dhcp_programs[i]);
            any = true;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(dhcp_paths); i++) {
        const char *name = strrchr(dhcp_paths[i], '/') + 1;
        const struct csm_var *seen = csm_vars_get(&r->vars, "clients");
        if (seen && strv_contains(seen->values, name))
            continue;
        int found = csm_tree_probe(s->root, dhcp_paths[i], 0);
        csm_fact_unreadable(errors, dhcp_paths[i], found);
        if (found == 1) {
            csm_evidence_source(csm_result_evidence(r, "DHCP client", "%s", name), "%s", dhcp_paths[i]);
            csm_result_list(r, "clients", "%s", name);
            any = true;
        }
    }
    return any;
}

/* NetworkManager brings up every Ethernet NIC without a profile by DHCP. */
static bool nm_auto(struct csm_scan *s, struct csm_result *r, char ***errors)
{
    struct csm_unit_status st;
    csm_facts_unit_status(s, "NetworkManager.service", &st);
    bool on = st.state == CSM_UNIT_ENABLED || st.state == CSM_UNIT_PRESET;
    if (st.error)
        strv_pushf(errors, "NetworkManager.service: %s", st.error);
    const char *no_auto = csm_facts_netcfg(s)->nm_no_auto_default;
    if (on && no_auto) {
        struct csm_evidence *e = csm_result_evidence(r, "NetworkManager", "enabled, no automatic profile");
        csm_evidence_source(e, "%s", no_auto);
        csm_unit_status_clear(&st);
        return false;
    }
    if (on) {
        struct csm_evidence *e = csm_result_evidence(r, "NetworkManager", "enabled");
        csm_evidence_source(e, "%s", st.source ? st.source : "NetworkManager.service");
        csm_evidence_note(e, "configures any Ethernet NIC without a profile by DHCP");
    }
    csm_unit_status_clear(&st);
    return on;
}

/* Without net.ifnames=0 a systemd system names the virtio NIC by its slot. */
static bool predictable(struct csm_scan *s, struct csm_result *r, char ***errors)
{
    static const char *const rules[] = { "/usr/lib/udev/rules.d/80-net-setup-link.rules",
                                         "/lib/udev/rules.d/80-net-setup-link.rules" };
    const char *rule = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(rules) && !rule; i++) {
        int found = csm_tree_probe(s->root, rules[i], 0);
        csm_fact_unreadable(errors, rules[i], found);
        if (found == 1)
            rule = rules[i];
    }
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    const char *without = NULL;
    for (size_t i = 0; i < b->n && rule; i++) {
        const char *v = csm_boot_arg(b->e[i].args, "net.ifnames");
        if (b->e[i].kernel && !(v && streq(v, "0")) && !without)
            without = b->e[i].source;
    }
    if (!rule || !without)
        return false;
    struct csm_evidence *e = csm_result_evidence(r, "naming", "predictable interface names (%s)", rule);
    csm_evidence_source(e, "%s", without);
    return true;
}

/* cloud-init writes a network configuration for the NIC it finds at the
 * first boot on the target, unless told not to. */
static bool cloud_init_network(struct csm_scan *s)
{
    const struct csm_cloudinit *ci = csm_facts_cloudinit(s);
    bool enabled = false;
    for (size_t i = 0; i < ARRAY_SIZE(ci->units); i++)
        enabled |= csm_cloudinit_first_stage(i) && (ci->units[i].state == CSM_UNIT_ENABLED || ci->units[i].state == CSM_UNIT_PRESET);
    return enabled && !ci->disabled_file && !ci->cmdline_disabled && !ci->network_disabled;
}

void csm_check_network_interface_names(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_netcfg *nc = csm_facts_netcfg(s);
    struct names n = { .r = r, .provided = csm_check_param(r, "names"), .physical = csm_check_param(r, "physical") };
    static const char *const lists[] = { "missing", "static", "clients", "problems" };
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
        csm_vars_push(&r->vars, lists[i], NULL);
    if (!n.provided[0]) {
        csm_result_error(r, "the rules name no interface the target provides (param.names is empty)");
        return;
    }
    csm_result_var(r, "names", "%s", n.provided[0]);

    for (size_t k = 0; k < nc->n; k++)
        one_config(&n, &nc->i[k]);
    /* What could not be looked at: the configuration files, and the
     * programs and units absence is concluded from. */
    _cleanup_strv_ char **errors = strv_copy(nc->errors);
    bool client = dhcp_clients(s, r, &errors);
    if (!n.dhcp && !n.profile_down && nm_auto(s, r, &errors))
        n.dhcp = true;
    if (!client && strv_length(errors) > strv_length(nc->errors)) {
        csm_evidence_problem(csm_result_evidence(r, "DHCP client", "cannot be told"), "%s",
                             errors[strv_length(nc->errors)]);
    } else if (!client) {
        struct csm_evidence *e = csm_result_evidence(r, "DHCP client", "none");
        note(&n, e, true, "no-dhcp-client", "no DHCP client (dhclient, dhcpcd, udhcpc, NetworkManager, "
                                            "systemd-networkd, wicked) is installed");
    }
    if (!n.dhcp) {
        bool ci = cloud_init_network(s);
        struct csm_evidence *e = csm_result_evidence(r, n.provided[0], "no DHCP configuration reaches it");
        note(&n, e, !ci, "no-eth0", "no configuration brings up %s by DHCP%s", n.provided[0],
             ci ? " (cloud-init may write a configuration at the first boot)" : "");
    } else if (n.dhcp_literal && predictable(s, r, &errors)) {
        struct csm_evidence *e = r->evidence[r->n_evidence - 1];
        note(&n, e, false, "predictable",
             "the kernel command line lacks net.ifnames=0: the virtio NIC will be named by its slot (ens3, "
             "enp0s3), not %s", n.provided[0]);
    }
    unreadable(r, nc);
    if (!nc->n)
        searched(r, nc);
    if (nc->wicked_xml)
        csm_evidence_note(csm_result_evidence(r, "wicked", "native configuration %s", nc->wicked_xml),
                          "wicked's XML configuration is not read; its ifcfg files are");
    csm_result_var(r, "count", "%u", n.other_names + n.static_provided + n.static_other);

    if (n.fails)
        csm_result_set(r, CSM_FAIL, worst(n.fails));
    else if (n.warns)
        csm_result_set(r, CSM_WARN, worst(n.warns));
    else if (nc->errors)
        csm_result_error(r, "not every network configuration file could be read: %s", nc->errors[0]);
    else if (errors)
        csm_result_error(r, "not everything the network needs at boot could be looked at: %s", errors[0]);
    else
        csm_result_set(r, CSM_PASS, "ok");
    strv_free(n.fails);
    strv_free(n.warns);
}
