/* The line-oriented readers: YAML subset, INI, udev rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/lines.h"
#include "lib/util.h"
#include "lib/yaml.h"


/* Each node as "line path=value" or "line path[]=value". */
static int collect(const struct csm_yaml_node *n, void *data)
{
    char ***out = data;
    _cleanup_free_ char *path = strv_join((char *const *)n->path, ".");
    strv_pushf(out, "%u %s%s=%s", n->line, path, n->item ? "[]" : "", n->value);
    return 0;
}

static char **yaml(const char *text, unsigned *skipped)
{
    char **out = NULL;
    unsigned s = csm_yaml_scan(text, collect, &out);
    if (skipped)
        *skipped = s;
    return out;
}

static void test_netplan(void)
{
    const char *text = "# netplan\n"
                       "network:\n"
                       "  version: 2\n"
                       "  ethernets:\n"
                       "    ens192:   # the VMware NIC\n"
                       "      match:\n"
                       "        macaddress: \"00:50:56:aa:bb:cc\"\n"
                       "      set-name: ens192\n"
                       "      addresses: [10.0.0.5/24, '10.0.0.6/24']\n"
                       "      routes:\n"
                       "      - to: default\n"
                       "        via: 10.0.0.1\n"
                       "    eth1: {dhcp4: yes, match: {macaddress: 52:54:00:00:00:01}}\n"
                       "  bonds:\n"
                       "    bond0:\n"
                       "      interfaces:\n"
                       "        - eth1\n";
    char **n = yaml(text, NULL);
    CHECK(strv_contains(n, "3 network.version=2"));
    CHECK(strv_contains(n, "7 network.ethernets.ens192.match.macaddress=00:50:56:aa:bb:cc"));
    CHECK(strv_contains(n, "8 network.ethernets.ens192.set-name=ens192"));
    CHECK(strv_contains(n, "9 network.ethernets.ens192.addresses=[10.0.0.5/24, '10.0.0.6/24']"));
    CHECK(strv_contains(n, "11 network.ethernets.ens192.routes.to=default"));
    CHECK(strv_contains(n, "12 network.ethernets.ens192.routes.via=10.0.0.1"));
    CHECK(strv_contains(n, "13 network.ethernets.eth1.dhcp4=yes"));
    CHECK(strv_contains(n, "13 network.ethernets.eth1.match={macaddress: 52:54:00:00:00:01}"));
    CHECK(strv_contains(n, "13 network.ethernets.eth1.match.macaddress=52:54:00:00:00:01"));
    CHECK(strv_contains(n, "17 network.bonds.bond0.interfaces[]=eth1"));
    strv_free(n);
}

static void test_cloud_cfg(void)
{
    const char *text = "datasource_list:\n"
                       "- NoCloud\n"
                       "- 'ConfigDrive'   # comment\n"
                       "system_info:\n"
                       "  default_user:\n"
                       "    name: debian\n"
                       "write_files:\n"
                       "  - content: |\n"
                       "      datasource_list: [ None ]\n"
                       "      # not a key\n"
                       "    path: /etc/x\n"
                       "datasource_list: [ NoCloud,\n"
                       "   OpenStack ]\n";
    char **n = yaml(text, NULL);
    CHECK(strv_contains(n, "2 datasource_list[]=NoCloud"));
    CHECK(strv_contains(n, "3 datasource_list[]=ConfigDrive"));
    CHECK(strv_contains(n, "6 system_info.default_user.name=debian"));
    CHECK(!strv_contains(n, "9 datasource_list=[ None ]"));
    CHECK(strv_contains(n, "11 write_files.path=/etc/x"));
    CHECK(strv_contains(n, "12 datasource_list=[ NoCloud, OpenStack ]"));
    strv_free(n);

    char **l = csm_yaml_flow_list("[ NoCloud, 'Config,Drive', \"Open\\\"Stack\" ]");
    CHECK(strv_length(l) == 3);
    CHECK(l && streq(l[1], "Config,Drive"));
    CHECK(l && streq(l[2], "Open\"Stack"));
    strv_free(l);
    l = csm_yaml_flow_list("[]");
    CHECK(l && strv_length(l) == 0);
    strv_free(l);
    CHECK(csm_yaml_flow_list("NoCloud") == NULL);
    l = csm_yaml_flow_list("[");
    CHECK(l && strv_length(l) == 0);
    strv_free(l);
}

static void test_yaml_garbage(void)
{
    unsigned skipped;
    char **n = yaml("a:\n\tb: 1\n[unclosed: {\n- - - x\n: nokey\n\"q: 1\n'\n", &skipped);
    CHECK(skipped >= 2);
    strv_free(n);

    /* Deeper than the limit: counted, no crash. */
    char *deep = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&deep, &len);
    for (int i = 0; i < 100; i++)
        fprintf(f, "%*sk%d:\n", i, "", i);
    fclose(f);
    n = yaml(deep, &skipped);
    CHECK(skipped == 100 - CSM_YAML_MAX_DEPTH);
    strv_free(n);
    free(deep);

    n = yaml("", NULL);
    CHECK(n == NULL);
    n = yaml("---\nk: v\n...\n---\nk: w\n", NULL);
    CHECK(strv_contains(n, "2 k=v") && strv_contains(n, "5 k=w"));
    strv_free(n);
}

static int ini_collect(const char *section, const char *key, const char *value, unsigned line, void *data)
{
    strv_pushf(data, "%u [%s] %s=%s", line, section, key, value);
    return 0;
}

static void test_ini(void)
{
    char **rows = NULL;
    unsigned bad = csm_ini_parse("# c\nx=1\n[Match]\nMACAddress = 00:11:22:33:44:55 \n; c\n[Link\nnonsense\n"
                                 "[Link]\nName=eth1\r\n",
                                 ini_collect, &rows);
    CHECK(bad == 2);
    CHECK(strv_contains(rows, "2 [] x=1"));
    CHECK(strv_contains(rows, "4 [Match] MACAddress=00:11:22:33:44:55"));
    CHECK(strv_contains(rows, "9 [Link] Name=eth1"));
    strv_free(rows);
}

static int udev_collect(const struct csm_udev_rule *r, void *data)
{
    const char *mac = csm_udev_get(r, "ATTR{address}", "==");
    const char *name = csm_udev_get(r, "NAME", "=|:=");
    strv_pushf(data, "%u %s %s%s", r->line, mac ? mac : "-", name ? name : "-", r->bad ? " bad" : "");
    return 0;
}

static void test_udev(void)
{
    char **rows = NULL;
    csm_udev_parse("# PCI device 0x15ad:0x07b0 (vmxnet3)\n"
                   "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"00:50:56:aa:bb:cc\", "
                   "ATTR{dev_id}==\"0x0\", ATTR{type}==\"1\", KERNEL==\"eth*\", NAME=\"eth0\"\n"
                   "SUBSYSTEM==\"net\", \\\n  ATTR{address}==\"00:50:56:aa:bb:cd\", NAME:=\"eth1\"\n"
                   "garbage \"here\n"
                   "KERNEL==\"x\", oops\n",
                   udev_collect, &rows);
    CHECK(strv_contains(rows, "2 00:50:56:aa:bb:cc eth0"));
    CHECK(strv_contains(rows, "3 00:50:56:aa:bb:cd eth1"));
    CHECK(strv_contains(rows, "6 - - bad"));
    CHECK(strv_length(rows) == 3);
    strv_free(rows);
}

int main(void)
{
    test_netplan();
    test_cloud_cfg();
    test_yaml_garbage();
    test_ini();
    test_udev();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("test-textscan: all checks passed\n");
    return failures ? 1 : 0;
}
