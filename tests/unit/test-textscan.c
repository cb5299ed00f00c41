/* The line-oriented readers: YAML subset, INI, udev rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/ini.h"
#include "lib/lines.h"
#include "lib/util.h"
#include "lib/yaml.h"


/* Each node as "line path=value", "line path[]=value" for an item,
 * "line path={}" or "line path=[]" for a collection. */
static int collect(const struct csm_yaml_node *n, void *data)
{
    char ***out = data;
    _cleanup_free_ char *path = strv_join((char *const *)n->path, ".");
    const char *v = n->kind == CSM_YAML_MAPPING ? "{}" : n->kind == CSM_YAML_SEQUENCE ? "[]" : n->value;
    strv_pushf(out, "%u %s%s=%s", n->line, path, n->item ? "[]" : "", v);
    return 0;
}

static char **yaml(const char *text, int *r, struct csm_yaml_error *err)
{
    char **out = NULL;
    int rr = csm_yaml_scan(text, collect, &out, err);
    if (r)
        *r = rr;
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
    int r;
    char **n = yaml(text, &r, NULL);
    CHECK(r == 0);
    CHECK(strv_contains(n, "3 network.version=2"));
    CHECK(strv_contains(n, "6 network.ethernets.ens192.match={}"));
    CHECK(strv_contains(n, "7 network.ethernets.ens192.match.macaddress=00:50:56:aa:bb:cc"));
    CHECK(strv_contains(n, "8 network.ethernets.ens192.set-name=ens192"));
    CHECK(strv_contains(n, "9 network.ethernets.ens192.addresses=[]"));
    CHECK(strv_contains(n, "9 network.ethernets.ens192.addresses[]=10.0.0.5/24"));
    CHECK(strv_contains(n, "9 network.ethernets.ens192.addresses[]=10.0.0.6/24"));
    CHECK(strv_contains(n, "11 network.ethernets.ens192.routes.to=default"));
    CHECK(strv_contains(n, "12 network.ethernets.ens192.routes.via=10.0.0.1"));
    CHECK(strv_contains(n, "13 network.ethernets.eth1.dhcp4=yes"));
    CHECK(strv_contains(n, "13 network.ethernets.eth1.match={}"));
    CHECK(strv_contains(n, "13 network.ethernets.eth1.match.macaddress=52:54:00:00:00:01"));
    CHECK(strv_contains(n, "17 network.bonds.bond0.interfaces[]=eth1"));
    strv_free(n);
}

/* What a line-oriented reader cannot follow: block scalars, flow
 * collections over lines, anchors and aliases. */
static void test_yaml_full(void)
{
    const char *text = "network:\n"
                       "  ethernets:\n"
                       "    lan:\n"
                       "      match: &hw\n"
                       "        macaddress: >-\n"
                       "          52:54:00:12:34:56\n"
                       "      addresses:\n"
                       "        [10.0.0.1/24,\n"
                       "         10.0.0.2/24]\n"
                       "    lan2:\n"
                       "      match: *hw\n"
                       "      set-name: |\n"
                       "        eth1\n";
    int r;
    char **n = yaml(text, &r, NULL);
    CHECK(r == 0);
    CHECK(strv_contains(n, "5 network.ethernets.lan.match.macaddress=52:54:00:12:34:56"));
    CHECK(strv_contains(n, "8 network.ethernets.lan.addresses[]=10.0.0.1/24"));
    CHECK(strv_contains(n, "9 network.ethernets.lan.addresses[]=10.0.0.2/24"));
    CHECK(strv_contains(n, "11 network.ethernets.lan2.match={}"));
    /* The alias's node, with the line it was written on. */
    CHECK(strv_contains(n, "5 network.ethernets.lan2.match.macaddress=52:54:00:12:34:56"));
    CHECK(strv_contains(n, "12 network.ethernets.lan2.set-name=eth1\n"));
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
                       "   'Open\"Stack' ]\n";
    int r;
    char **n = yaml(text, &r, NULL);
    CHECK(r == 0);
    CHECK(strv_contains(n, "1 datasource_list=[]"));
    CHECK(strv_contains(n, "2 datasource_list[]=NoCloud"));
    CHECK(strv_contains(n, "3 datasource_list[]=ConfigDrive"));
    CHECK(strv_contains(n, "6 system_info.default_user.name=debian"));
    CHECK(strv_contains(n, "8 write_files.content=datasource_list: [ None ]\n# not a key\n"));
    CHECK(strv_contains(n, "11 write_files.path=/etc/x"));
    CHECK(strv_contains(n, "12 datasource_list=[]"));
    CHECK(strv_contains(n, "12 datasource_list[]=NoCloud"));
    CHECK(strv_contains(n, "13 datasource_list[]=Open\"Stack"));
    strv_free(n);
}

static void test_yaml_garbage(void)
{
    int r;
    struct csm_yaml_error err;
    char **n = yaml("a:\n\tb: 1\n", &r, &err);
    CHECK(r == -EBADMSG && err.line == 2 && err.what[0]);
    CHECK(n == NULL);
    n = yaml("k: v\nl: [unclosed\n", &r, &err);
    CHECK(r == -EBADMSG && n == NULL); /* nothing reported from a text that is not YAML */
    n = yaml("a: *nowhere\n", &r, &err);
    CHECK(r == -EBADMSG && strstr(err.what, "nowhere"));
    n = yaml("a: &x [1, *x]\n", &r, &err);
    CHECK(r == -EBADMSG && n == NULL);

    /* Deeper than the limit: refused, no crash. */
    char *deep = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&deep, &len);
    for (int i = 0; i < 100; i++)
        fprintf(f, "%*sk%d:\n", i, "", i);
    fclose(f);
    n = yaml(deep, &r, &err);
    CHECK(r == -E2BIG && n == NULL && strstr(err.what, "deep"));
    free(deep);

    /* Aliases of aliases: nine levels of ten would be 10^9 nodes. */
    f = open_memstream(&deep, &len);
    fprintf(f, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++)
        fprintf(f, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i - 1, i - 1,
                i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    fclose(f);
    n = yaml(deep, &r, &err);
    CHECK(r == -E2BIG && n == NULL && strstr(err.what, "aliases"));
    free(deep);

    /* Anchors past the cap: each alias would look through them all. */
    f = open_memstream(&deep, &len);
    for (int i = 0; i <= CSM_YAML_MAX_ANCHORS; i++)
        fprintf(f, "k%d: &a%d v\n", i, i);
    fclose(f);
    n = yaml(deep, &r, &err);
    CHECK(r == -E2BIG && n == NULL && strstr(err.what, "anchors"));
    free(deep);

    n = yaml("", &r, NULL);
    CHECK(r == 0 && n == NULL);
    n = yaml("---\nk: v\n...\n---\nk: w\n", &r, NULL);
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

/* Each token as "line:col kind text", columns 0-based. */
static int token_collect(struct csm_ini_token *t, void *data)
{
    if (t->kind == CSM_INI_SECTION)
        strv_pushf(data, "%u:%zu [%s] %zu:%s", t->line, t->col, t->name, t->rest_col, t->rest);
    else if (t->kind == CSM_INI_UNCLOSED)
        strv_pushf(data, "%u:%zu unclosed", t->line, t->col);
    else if (t->value)
        strv_pushf(data, "%u:%zu %s| %zu:%s| in %s", t->line, t->col, t->key, t->value_col, t->value, t->section);
    else
        strv_pushf(data, "%u:%zu %s| no value", t->line, t->col, t->key);
    return 0;
}

static void test_ini_tokens(void)
{
    char **t = NULL;
    const char *text = "  # c\n[ a ] x\nk  =  v \\\n  w\n\tbad key\n[open\n=v\r\nlast = \\";
    csm_ini_tokenize(text, CSM_INI_CONTINUE, token_collect, &t);
    CHECK(strv_length(t) == 6);
    CHECK(t && streq(t[0], "2:1 [ a ] 5: x"));
    CHECK(t && streq(t[1], "3:0 k  | 6:v    w| in  a "));
    CHECK(t && streq(t[2], "5:1 bad key| no value"));
    CHECK(t && streq(t[3], "6:5 unclosed"));
    CHECK(t && streq(t[4], "7:0 | 1:v| in  a "));
    CHECK(t && streq(t[5], "8:0 last | 7:| in  a "));
    strv_free(t);

    /* Without continuations a trailing '\' stays; any whitespace leads. */
    t = NULL;
    csm_ini_tokenize("\v[s]\nk=a\\\nj=b\n", CSM_INI_ANY_SPACE, token_collect, &t);
    CHECK(strv_length(t) == 3);
    CHECK(t && streq(t[1], "2:0 k| 2:a\\| in s"));
    CHECK(t && streq(t[2], "3:0 j| 2:b| in s"));
    strv_free(t);
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
    test_yaml_full();
    test_cloud_cfg();
    test_yaml_garbage();
    test_ini();
    test_ini_tokens();
    test_udev();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("test-textscan: all checks passed\n");
    return failures ? 1 : 0;
}
