/* How the scanned system configures its network interfaces, from every
 * place a distribution keeps it: udev rules, ifcfg files, netplan,
 * NetworkManager keyfiles, systemd .link/.network files and ifupdown's
 * /etc/network/interfaces. Each stanza becomes one csm_netif with the
 * lines of what it says: which NIC it applies to (a name, a MAC address),
 * what it renames or re-addresses, and how it gets an IPv4 address.
 *
 * systemd's own .network files in /usr/lib are left out: they are the
 * distribution's defaults for containers and Wi-Fi, not the admin's. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"
#include "lib/yaml.h"

#define MAX_DIR_ENTRIES 1024
#define MAX_SOURCE_DEPTH 4 /* ifupdown "source" nesting */

const char *csm_net_source_name(enum csm_net_source src)
{
    static const char *const names[] = { "udev rule", "ifcfg", "netplan", "NetworkManager",
                                         "systemd .link", "systemd .network", "ifupdown" };
    return names[src];
}

const char *csm_net_method_name(enum csm_net_method m)
{
    static const char *const names[] = { "none", "dhcp", "static", "manual", "loopback" };
    return names[m];
}

static struct csm_netif *add_if(struct csm_netcfg *nc, enum csm_net_source src, const char *file, unsigned line)
{
    nc->i = xrealloc(nc->i, (nc->n + 1) * sizeof(*nc->i));
    struct csm_netif *i = &nc->i[nc->n++];
    *i = (struct csm_netif){ .src = src, .file = xstrdup(file), .line = line };
    return i;
}

static void set_str(char **field, unsigned *line_field, const char *value, unsigned line)
{
    free(*field);
    *field = xstrdup(value);
    if (line_field)
        *line_field = line;
}

static bool virtual_name(const char *name)
{
    static const char *const prefixes[] = { "bond", "br", "team", "virbr", "docker", "vlan", "wg",
                                             "tun",  "tap", "veth", "lo",    "dummy" };
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
        if (startswith(name, prefixes[i]))
            return true;
    return false;
}

/* "preserve", "random", ... are policies, not addresses. */
static bool is_mac(const char *v)
{
    return v && strlen(v) >= 11 && (strchr(v, ':') || strchr(v, '-') || strchr(v, ';'));
}

/* ---- udev rules ---- */

static int udev_rule(const struct csm_udev_rule *r, void *data)
{
    struct csm_netcfg *nc = ((void **)data)[0];
    const char *file = ((void **)data)[1];
    const char *mac = csm_udev_get(r, "ATTR{address}", "==");
    if (!mac)
        mac = csm_udev_get(r, "ATTRS{address}", "==");
    if (!mac)
        return 0;
    struct csm_netif *i = add_if(nc, CSM_NET_UDEV, file, r->line);
    set_str(&i->match_mac, &i->match_line, mac, r->line);
    const char *name = csm_udev_get(r, "NAME", "=|:=");
    if (name)
        set_str(&i->rename, &i->rename_line, name, r->line);
    const char *kernel = csm_udev_get(r, "KERNEL", "==");
    if (kernel)
        set_str(&i->name, &i->name_line, kernel, r->line);
    return 0;
}

/* ---- ifcfg (RHEL, SUSE) ---- */

static const char *kv_val(const struct csm_kvs *kv, const char *key, unsigned *line)
{
    const struct csm_kv *e = csm_kv_get(kv, key);
    if (e && line)
        *line = e->line;
    return e && *e->value ? e->value : NULL;
}

static void parse_ifcfg(struct csm_netcfg *nc, const char *file, const char *text)
{
    struct csm_kvs kv = { 0 };
    csm_kv_parse(text, file, &kv);
    nc->skipped += kv.bad_lines;
    struct csm_netif *i = add_if(nc, CSM_NET_IFCFG, file, 1);
    unsigned line = 0;
    const char *base = strrchr(file, '/');
    const char *dev = kv_val(&kv, "DEVICE", &line);
    if (dev)
        set_str(&i->name, &i->name_line, dev, line);
    else if (base && startswith(base + 1, "ifcfg-"))
        set_str(&i->name, &i->name_line, base + 7, 1);
    const char *v;
    if ((v = kv_val(&kv, "NAME", NULL)))
        i->id = xstrdup(v);
    if ((v = kv_val(&kv, "HWADDR", &line)))
        set_str(&i->match_mac, &i->match_line, v, line);
    if ((v = kv_val(&kv, "MACADDR", &line)) || (v = kv_val(&kv, "LLADDR", &line)))
        set_str(&i->set_mac, &i->set_line, v, line);
    static const char *const addr_keys[] = { "IPADDR", "IPADDR0", "IPADDR_0", "IPADDR1" };
    for (size_t k = 0; k < ARRAY_SIZE(addr_keys) && !i->address; k++)
        if ((v = kv_val(&kv, addr_keys[k], &line)))
            set_str(&i->address, &i->address_line, v, line);
    const char *type = kv_val(&kv, "TYPE", NULL);
    i->virt = (type && strcasecmp(type, "Ethernet") != 0 && strcasecmp(type, "Wireless") != 0) ||
              (i->name && virtual_name(i->name));
    const char *proto = kv_val(&kv, "BOOTPROTO", &line);
    if (kv_val(&kv, "MASTER", NULL) || kv_val(&kv, "BRIDGE", NULL)) {
        i->method = CSM_NET_MANUAL;
        i->method_line = line;
    } else if (proto && (startswith(proto, "dhcp") || streq(proto, "bootp"))) {
        i->method = CSM_NET_DHCP;
        i->method_line = line;
    } else if (i->address) {
        i->method = CSM_NET_STATIC;
        i->method_line = i->address_line;
    } else {
        i->method = CSM_NET_MANUAL;
        i->method_line = proto ? line : 1;
    }
    if (i->name && streq(i->name, "lo"))
        i->method = CSM_NET_LOOPBACK;
    /* RHEL: ONBOOT (a missing one is yes, for NetworkManager's ifcfg-rh as
     * for the network scripts); SUSE (wicked): STARTMODE, up at boot when
     * auto, hotplug, nfsroot or ifplugd */
    if ((v = kv_val(&kv, "ONBOOT", &line)) && (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0))
        set_str(&i->down, &i->down_line, "ONBOOT=no", line);
    if ((v = kv_val(&kv, "STARTMODE", &line)) && (streq(v, "manual") || streq(v, "off")))
    {
        _cleanup_free_ char *sm = xasprintf("STARTMODE=%s", v);
        set_str(&i->down, &i->down_line, sm, line);
    }
    csm_kv_clear(&kv);
}

/* ---- netplan ---- */

static unsigned count_lines(const char *text)
{
    unsigned n = 0;
    for (const char *c = text; *c; c++)
        n += *c == '\n' || !c[1];
    return n;
}

struct np_if {
    char *sec, *id;
    size_t idx;
    bool has_match, dhcp4;
    char *match_name;
    unsigned match_name_line;
};

struct np_parse {
    struct csm_netcfg *nc;
    const char *file;
    struct np_if *ifs;
    size_t n;
};

static struct np_if *np_get(struct np_parse *p, const char *sec, const char *id, unsigned line)
{
    for (size_t k = 0; k < p->n; k++)
        if (streq(p->ifs[k].sec, sec) && streq(p->ifs[k].id, id))
            return &p->ifs[k];
    struct csm_netif *i = add_if(p->nc, CSM_NET_NETPLAN, p->file, line);
    i->id = xstrdup(id);
    i->virt = !streq(sec, "ethernets") && !streq(sec, "wifis");
    if (streq(sec, "wifis"))
        i->match_other = xstrdup("wifis");
    p->ifs = xrealloc(p->ifs, (p->n + 1) * sizeof(*p->ifs));
    p->ifs[p->n] = (struct np_if){ xstrdup(sec), xstrdup(id), p->nc->n - 1, false, false, NULL, 0 };
    return &p->ifs[p->n++];
}

/* "addresses" is a list: its first item, in either style, arrives first. */
static void np_address(struct csm_netif *i, const char *value, unsigned line)
{
    if (!i->address && *value)
        set_str(&i->address, &i->address_line, value, line);
}

static int np_node(const struct csm_yaml_node *n, void *data)
{
    struct np_parse *p = data;
    if (n->depth < 3 || !streq(n->path[0], "network"))
        return 0;
    struct np_if *f = np_get(p, n->path[1], n->path[2], n->line);
    struct csm_netif *i = &p->nc->i[f->idx];
    if (n->depth == 3)
        return 0;
    const char *key = n->path[3];
    if (n->depth == 4 && streq(key, "dhcp4") && csm_yaml_true(n->value)) {
        f->dhcp4 = true;
        i->method_line = n->line;
    } else if (n->depth == 4 && streq(key, "addresses")) {
        np_address(i, n->value, n->line);
    } else if (n->depth == 4 && streq(key, "set-name") && *n->value) {
        set_str(&i->rename, &i->rename_line, n->value, n->line);
    } else if (n->depth == 4 && streq(key, "macaddress") && is_mac(n->value)) {
        set_str(&i->set_mac, &i->set_line, n->value, n->line);
    } else if (streq(key, "match")) {
        f->has_match = true;
        if (n->depth != 5)
            return 0;
        if (streq(n->path[4], "macaddress") && *n->value)
            set_str(&i->match_mac, &i->match_line, n->value, n->line);
        else if (streq(n->path[4], "name") && *n->value)
            set_str(&f->match_name, &f->match_name_line, n->value, n->line);
        else if (*n->value && !i->match_other)
            i->match_other = xasprintf("%s: %s", n->path[4], n->value);
    }
    return 0;
}

static void np_finish(struct np_parse *p)
{
    for (size_t k = 0; k < p->n; k++) {
        struct np_if *f = &p->ifs[k];
        struct csm_netif *i = &p->nc->i[f->idx];
        if (!f->has_match)
            set_str(&i->name, &i->name_line, f->id, i->line);
        else if (f->match_name)
            set_str(&i->name, &i->name_line, f->match_name, f->match_name_line);
        if (f->dhcp4)
            i->method = CSM_NET_DHCP;
        else if (i->address) {
            i->method = CSM_NET_STATIC;
            i->method_line = i->address_line;
        } else {
            i->method = CSM_NET_MANUAL;
            i->method_line = i->line;
        }
        free(f->sec);
        free(f->id);
        free(f->match_name);
    }
    free(p->ifs);
}

static void parse_netplan(struct csm_netcfg *nc, const char *file, const char *text)
{
    struct np_parse p = { nc, file, NULL, 0 };
    /* netplan refuses a file that is not YAML as a whole: so are its lines. */
    if (csm_yaml_scan(text, np_node, &p, NULL) < 0)
        nc->skipped += count_lines(text);
    np_finish(&p);
}

/* ---- INI: NetworkManager keyfiles, systemd .link and .network ---- */

struct ini_parse {
    struct csm_netif *i;
    bool has_match; /* .network: a [Match] section with any key */
};

static void first_word(char **field, unsigned *line_field, const char *value, unsigned line)
{
    _cleanup_strv_ char **w = csm_split_words(value);
    if (w && w[0])
        set_str(field, line_field, w[0], line);
}

static int nm_key(const char *sec, const char *key, const char *value, unsigned line, void *data)
{
    struct csm_netif *i = ((struct ini_parse *)data)->i;
    bool eth = streq(sec, "ethernet") || streq(sec, "802-3-ethernet") || streq(sec, "wifi") ||
               streq(sec, "802-11-wireless");
    if (streq(sec, "connection") && streq(key, "id")) {
        free(i->id);
        i->id = xstrdup(value);
    } else if (streq(sec, "connection") && streq(key, "interface-name") && *value) {
        set_str(&i->name, &i->name_line, value, line);
    } else if (streq(sec, "connection") && streq(key, "type")) {
        i->virt = !streq(value, "ethernet") && !streq(value, "802-3-ethernet") && !streq(value, "wifi") &&
                  !streq(value, "802-11-wireless");
        if (!streq(value, "ethernet") && !streq(value, "802-3-ethernet") && !i->match_other)
            i->match_other = xasprintf("type=%s", value);
    } else if (streq(sec, "connection") && streq(key, "autoconnect") && (streq(value, "false") || streq(value, "0"))) {
        set_str(&i->down, &i->down_line, "autoconnect=false", line);
    } else if (streq(sec, "connection") && (streq(key, "master") || streq(key, "controller")) && *value) {
        i->method = CSM_NET_MANUAL;
        i->method_line = line;
    } else if (eth && streq(key, "mac-address") && *value) {
        set_str(&i->match_mac, &i->match_line, value, line);
    } else if (eth && streq(key, "cloned-mac-address") && is_mac(value)) {
        set_str(&i->set_mac, &i->set_line, value, line);
    } else if (streq(sec, "ipv4") && streq(key, "method") && i->method != CSM_NET_MANUAL) {
        i->method = streq(value, "auto") ? CSM_NET_DHCP : streq(value, "manual") ? CSM_NET_STATIC : CSM_NET_NONE;
        i->method_line = line;
    } else if (streq(sec, "ipv4") && (startswith(key, "address") || startswith(key, "addresses")) && !i->address) {
        set_str(&i->address, &i->address_line, value, line);
        i->address[strcspn(i->address, ",;")] = '\0';
    }
    return 0;
}

static int link_key(const char *sec, const char *key, const char *value, unsigned line, void *data)
{
    struct csm_netif *i = ((struct ini_parse *)data)->i;
    if (streq(sec, "Match") && (streq(key, "MACAddress") || streq(key, "PermanentMACAddress")) && *value)
        first_word(&i->match_mac, &i->match_line, value, line);
    else if (streq(sec, "Match") && streq(key, "OriginalName") && *value)
        set_str(&i->name, &i->name_line, value, line);
    else if (streq(sec, "Link") && streq(key, "Name") && *value)
        set_str(&i->rename, &i->rename_line, value, line);
    else if (streq(sec, "Link") && streq(key, "MACAddress") && is_mac(value))
        set_str(&i->set_mac, &i->set_line, value, line);
    return 0;
}

static int network_key(const char *sec, const char *key, const char *value, unsigned line, void *data)
{
    struct ini_parse *p = data;
    struct csm_netif *i = p->i;
    if (streq(sec, "Match")) {
        p->has_match = true;
        if ((streq(key, "MACAddress") || streq(key, "PermanentMACAddress")) && *value)
            first_word(&i->match_mac, &i->match_line, value, line);
        else if (streq(key, "Name") && *value)
            set_str(&i->name, &i->name_line, value, line);
        else if (*value && !i->match_other)
            i->match_other = xasprintf("%s=%s", key, value);
    } else if (streq(sec, "Network") && streq(key, "DHCP")) {
        if (csm_yaml_true(value) || streq(value, "ipv4") || streq(value, "both")) {
            i->method = CSM_NET_DHCP;
            i->method_line = line;
        }
    } else if (streq(sec, "Network") && (streq(key, "Bond") || streq(key, "Bridge") || streq(key, "VRF"))) {
        if (i->method != CSM_NET_DHCP) {
            i->method = CSM_NET_MANUAL;
            i->method_line = line;
        }
    } else if ((streq(sec, "Network") || streq(sec, "Address")) && streq(key, "Address") && !i->address) {
        set_str(&i->address, &i->address_line, value, line);
    }
    return 0;
}

static void parse_ini(struct csm_netcfg *nc, enum csm_net_source src, const char *file, const char *text)
{
    struct csm_netif *i = add_if(nc, src, file, 1);
    /* NetworkManager's default for an Ethernet profile is DHCP. */
    i->method = src == CSM_NET_NM ? CSM_NET_DHCP : CSM_NET_NONE;
    i->method_line = 1;
    struct ini_parse p = { i, false };
    size_t idx = nc->n - 1;
    nc->skipped += csm_ini_parse(text, src == CSM_NET_NM ? nm_key : src == CSM_NET_LINK ? link_key : network_key,
                                 &p);
    i = &nc->i[idx];
    if (i->method == CSM_NET_NONE && i->address && src != CSM_NET_LINK) {
        i->method = CSM_NET_STATIC;
        i->method_line = i->address_line;
    }
    if (i->name && strpbrk(i->name, " \t") && !strpbrk(i->name, "*?["))
        i->name[strcspn(i->name, " \t")] = '\0'; /* Name=eth0 eth1: the first is enough to report */
    i->virt = i->virt || (i->name && virtual_name(i->name));
}

/* ---- ifupdown: /etc/network/interfaces ---- */

struct ifu_parse {
    struct csm_netcfg *nc;
    const char *file;
    long cur; /* index of the open iface stanza, -1 when none */
    char ***sources;
};

static void ifu_iface(struct ifu_parse *p, char **w, unsigned line)
{
    p->cur = -1;
    if (!w[1] || !w[2] || !streq(w[2], "inet"))
        return; /* inet6 and others: IPv4 is what the target's DHCP gives */
    struct csm_netif *i = add_if(p->nc, CSM_NET_IFUPDOWN, p->file, line);
    p->cur = (long)p->nc->n - 1;
    set_str(&i->name, &i->name_line, w[1], line);
    const char *m = w[3] ? w[3] : "";
    i->method = streq(m, "dhcp") || streq(m, "bootp") ? CSM_NET_DHCP
                : streq(m, "static")                 ? CSM_NET_STATIC
                : streq(m, "loopback")               ? CSM_NET_LOOPBACK
                                                     : CSM_NET_MANUAL;
    i->method_line = line;
    i->virt = virtual_name(w[1]) || strchr(w[1], ':') != NULL;
}

static void ifu_line(struct ifu_parse *p, char **w, unsigned line)
{
    if (streq(w[0], "iface")) {
        ifu_iface(p, w, line);
    } else if (streq(w[0], "source") || streq(w[0], "source-directory")) {
        p->cur = -1;
        if (p->sources && w[1])
            strv_pushf(p->sources, "%s %s", w[0], w[1]);
    } else if (streq(w[0], "auto") || startswith(w[0], "allow-") || streq(w[0], "mapping")) {
        p->cur = -1;
    } else if (p->cur >= 0 && w[1]) {
        struct csm_netif *i = &p->nc->i[p->cur];
        if (streq(w[0], "address") && !i->address)
            set_str(&i->address, &i->address_line, w[1], line);
        else if (streq(w[0], "hwaddress"))
            set_str(&i->set_mac, &i->set_line, w[2] && streq(w[1], "ether") ? w[2] : w[1], line);
    }
}

static void parse_ifupdown(struct csm_netcfg *nc, const char *file, const char *text, char ***sources)
{
    struct ifu_parse p = { nc, file, -1, sources };
    const char *cur = text;
    struct csm_line l = { 0 };
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (!*s || *s == '#')
            continue;
        _cleanup_strv_ char **w = csm_split_words(s);
        if (w && w[0])
            ifu_line(&p, w, l.no);
    }
}

void csm_netcfg_parse(struct csm_netcfg *nc, enum csm_net_source src, const char *file, const char *text)
{
    switch (src) {
    case CSM_NET_UDEV: {
        void *ctx[2] = { nc, (void *)file };
        csm_udev_parse(text, udev_rule, ctx);
        break;
    }
    case CSM_NET_IFCFG:
        parse_ifcfg(nc, file, text);
        break;
    case CSM_NET_NETPLAN:
        parse_netplan(nc, file, text);
        break;
    case CSM_NET_NM:
    case CSM_NET_LINK:
    case CSM_NET_NETWORKD:
        parse_ini(nc, src, file, text);
        break;
    case CSM_NET_IFUPDOWN:
        parse_ifupdown(nc, file, text, NULL);
        break;
    }
}

/* ---- reading the tree ---- */

static char *read_text(struct csm_scan *s, struct csm_netcfg *nc, const char *path)
{
    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, path, CSM_CAP_CONFIG, &buf, &len);
    if (r == -ENOENT || r == -ENOTDIR || r == -EISDIR)
        return NULL;
    if (r < 0) {
        strv_pushf(&nc->errors, "%s: %s", path, csm_strerror(r));
        return NULL;
    }
    strv_push(&nc->files, xstrdup(path));
    return buf;
}

static void read_one(struct csm_scan *s, struct csm_netcfg *nc, enum csm_net_source src, const char *path)
{
    char *buf = read_text(s, nc, path);
    if (buf)
        csm_netcfg_parse(nc, src, path, buf);
    free(buf);
}

static bool wanted(enum csm_net_source src, const char *name)
{
    static const char *const backups[] = { "~", ".bak", ".orig", ".rpmnew", ".rpmorig", ".rpmsave", ".dpkg-old",
                                           ".dpkg-dist", ".swp" };
    for (size_t i = 0; i < ARRAY_SIZE(backups); i++)
        if (endswith(name, backups[i]))
            return false;
    switch (src) {
    case CSM_NET_UDEV:
        return endswith(name, ".rules");
    case CSM_NET_IFCFG:
        return startswith(name, "ifcfg-") && !streq(name, "ifcfg-lo");
    case CSM_NET_NETPLAN:
        return endswith(name, ".yaml") || endswith(name, ".yml");
    case CSM_NET_LINK:
        return endswith(name, ".link");
    case CSM_NET_NETWORKD:
        return endswith(name, ".network");
    default:
        return name[0] != '.';
    }
}

/* Every wanted file of the directories, a name in an earlier directory
 * hiding the same name in a later one (as netplan and NetworkManager do). */
static void read_dirs(struct csm_scan *s, struct csm_netcfg *nc, enum csm_net_source src, const char *const *dirs,
                      size_t n_dirs)
{
    char **seen = NULL;
    for (size_t d = 0; d < n_dirs; d++) {
        char **names = NULL;
        if (csm_fact_unreadable(&nc->errors, dirs[d], csm_tree_list(s->root, dirs[d], &names)) || !names)
            continue;
        for (size_t i = 0; names && names[i] && i < MAX_DIR_ENTRIES; i++) {
            if (!wanted(src, names[i]) || strv_contains(seen, names[i]))
                continue;
            strv_push(&seen, xstrdup(names[i]));
            _cleanup_free_ char *path = xasprintf("%s/%s", dirs[d], names[i]);
            read_one(s, nc, src, path);
        }
        strv_free(names);
    }
    strv_free(seen);
}

static void read_interfaces(struct csm_scan *s, struct csm_netcfg *nc, const char *path, int depth);

/* "source FILE-OR-PATTERN" and "source-directory DIR". */
static void follow_source(struct csm_scan *s, struct csm_netcfg *nc, const char *directive, int depth)
{
    const char *arg = strchr(directive, ' ') + 1;
    bool is_dir = startswith(directive, "source-directory");
    _cleanup_free_ char *pattern = is_dir ? xasprintf("%s/*", arg) : xstrdup(arg);
    if (pattern[0] != '/') {
        char *abs = xasprintf("/etc/network/%s", pattern);
        free(pattern);
        pattern = abs;
    }
    char *slash = strrchr(pattern, '/');
    if (!strpbrk(slash, "*?[")) {
        read_interfaces(s, nc, pattern, depth + 1);
        return;
    }
    _cleanup_free_ char *dir = xstrndup(pattern, (size_t)(slash - pattern));
    char **names = NULL;
    if (csm_fact_unreadable(&nc->errors, *dir ? dir : "/", csm_tree_list(s->root, *dir ? dir : "/", &names)) ||
        !names)
        return;
    for (size_t i = 0; names && names[i] && i < MAX_DIR_ENTRIES; i++) {
        /* source-directory takes only names of letters, digits, '_' and '-'. */
        if (fnmatch(slash + 1, names[i], FNM_PERIOD) != 0 ||
            (is_dir && strspn(names[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                           strlen(names[i])))
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
        read_interfaces(s, nc, path, depth + 1);
    }
    strv_free(names);
}

static void read_interfaces(struct csm_scan *s, struct csm_netcfg *nc, const char *path, int depth)
{
    if (depth > MAX_SOURCE_DEPTH || strv_contains(nc->files, path))
        return;
    char *buf = read_text(s, nc, path);
    if (!buf)
        return;
    char **sources = NULL;
    parse_ifupdown(nc, path, buf, &sources);
    free(buf);
    for (size_t i = 0; sources && sources[i]; i++)
        follow_source(s, nc, sources[i], depth);
    strv_free(sources);
}

static void nm_conf(struct csm_scan *s, struct csm_netcfg *nc);

static void *gather_netcfg(struct csm_scan *s)
{
    struct csm_netcfg *nc = xcalloc(1, sizeof(*nc));
    static const char *const udev[] = { "/etc/udev/rules.d" };
    static const char *const ifcfg[] = { "/etc/sysconfig/network-scripts", "/etc/sysconfig/network" };
    static const char *const netplan[] = { "/etc/netplan", "/lib/netplan", "/usr/lib/netplan" };
    static const char *const nm[] = { "/etc/NetworkManager/system-connections",
                                      "/usr/lib/NetworkManager/system-connections" };
    static const char *const networkd[] = { "/etc/systemd/network" };

    read_dirs(s, nc, CSM_NET_UDEV, udev, ARRAY_SIZE(udev));
    for (size_t i = 0; i < ARRAY_SIZE(ifcfg); i++) /* two families, not overrides */
        read_dirs(s, nc, CSM_NET_IFCFG, &ifcfg[i], 1);
    read_dirs(s, nc, CSM_NET_NETPLAN, netplan, ARRAY_SIZE(netplan));
    read_dirs(s, nc, CSM_NET_NM, nm, ARRAY_SIZE(nm));
    read_dirs(s, nc, CSM_NET_LINK, networkd, ARRAY_SIZE(networkd));
    read_dirs(s, nc, CSM_NET_NETWORKD, networkd, ARRAY_SIZE(networkd));
    read_interfaces(s, nc, "/etc/network/interfaces", 0);
    nm_conf(s, nc);
    return nc;
}

static void netcfg_fact_free(void *fact)
{
    csm_netcfg_free(fact);
}

static const struct csm_fact_desc netcfg_fact = { "netcfg", gather_netcfg, netcfg_fact_free };

const struct csm_netcfg *csm_facts_netcfg(struct csm_scan *s)
{
    return csm_fact_get(s, &netcfg_fact);
}

/* NetworkManager's no-auto-default=* in [main] of NetworkManager.conf or a
 * conf.d file (read after it, /etc after /usr/lib; the last setting wins). */
struct nm_main {
    char *value;
    unsigned line;
};

static int nm_main_key(const char *section, const char *key, const char *value, unsigned line, void *data)
{
    struct nm_main *m = data;
    if (streq(section, "main") && streq(key, "no-auto-default")) {
        free(m->value);
        m->value = xstrdup(value);
        m->line = line;
    }
    return 0;
}

static void nm_conf(struct csm_scan *s, struct csm_netcfg *nc)
{
    static const char *const dirs[] = { "/usr/lib/NetworkManager/conf.d", "/etc/NetworkManager/conf.d" };
    char **files = NULL;
    strv_push(&files, xstrdup("/etc/NetworkManager/NetworkManager.conf"));
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        char **names = NULL;
        if (csm_fact_unreadable(&nc->errors, dirs[i], csm_tree_list(s->root, dirs[i], &names)))
            continue;
        for (size_t k = 0; names && names[k]; k++)
            if (endswith(names[k], ".conf"))
                strv_pushf(&files, "%s/%s", dirs[i], names[k]);
        strv_free(names);
    }
    for (size_t i = 0; files[i]; i++) {
        char *text = read_text(s, nc, files[i]);
        if (!text)
            continue;
        struct nm_main m = { NULL, 0 };
        csm_ini_parse(text, nm_main_key, &m);
        if (m.value) {
            free(nc->nm_no_auto_default);
            nc->nm_no_auto_default = streq(m.value, "*") ? xasprintf("%s:%u no-auto-default=*", files[i], m.line)
                                                          : NULL;
        }
        free(m.value);
        free(text);
    }
    strv_free(files);
    char **xml = NULL;
    if (csm_tree_list(s->root, "/etc/wicked/ifconfig", &xml) == 0)
        for (size_t k = 0; xml && xml[k] && !nc->wicked_xml; k++)
            if (endswith(xml[k], ".xml"))
                nc->wicked_xml = xasprintf("/etc/wicked/ifconfig/%s", xml[k]);
    strv_free(xml);
}

void csm_netcfg_free(struct csm_netcfg *nc)
{
    if (!nc)
        return;
    for (size_t k = 0; k < nc->n; k++) {
        struct csm_netif *i = &nc->i[k];
        free(i->file);
        free(i->id);
        free(i->name);
        free(i->match_mac);
        free(i->set_mac);
        free(i->rename);
        free(i->address);
        free(i->match_other);
        free(i->down);
    }
    free(nc->i);
    strv_free(nc->files);
    strv_free(nc->errors);
    free(nc->nm_no_auto_default);
    free(nc->wicked_xml);
    free(nc);
}
