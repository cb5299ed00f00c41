/* The firewall readers (src/firewall.c, iptables.c, nftables.c) on the
 * files the distributions ship and their usual edits: what each decides
 * for a new SSH connection from an unknown address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/firewall.h"
#include "lib/util.h"

static const char *verdict(enum csm_fw_verdict v)
{
    return csm_fw_verdict_name(v);
}

static void zone_case(const char *name, const char *xml, enum csm_fw_verdict want, const char *what_part)
{
    struct csm_fw_zone z;
    char *why = NULL;
    int r = csm_fw_zone_parse(xml, &z, &why);
    CHECK_MSG(r == 0, "%s: a zone (%s)", name, why ? why : "");
    if (r == 0) {
        struct csm_fw_decision d;
        csm_fw_zone_decide(&z, "/etc/firewalld/zones/public.xml", 22, NULL, NULL, &d);
        CHECK_MSG(d.v == want && d.what && strstr(d.what, what_part), "%s: %s by %s (%s)", name, verdict(d.v),
                  d.what ? d.what : "?", d.source ? d.source : "");
        csm_fw_decision_clear(&d);
        csm_fw_zone_clear(&z);
    }
    free(why);
}

static const char rhel_public[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <short>Public</short>\n"
    "  <description>For use in public areas. You do not trust the other computers on networks to not harm your "
    "computer. Only selected incoming connections are accepted.</description>\n"
    "  <service name=\"ssh\"/>\n  <service name=\"dhcpv6-client\"/>\n  <service name=\"cockpit\"/>\n"
    "  <forward/>\n</zone>\n";

static void ipt_case(const char *name, const char *text, enum csm_fw_verdict want, const char *source)
{
    struct csm_ipt *t = NULL;
    csm_ipt_parse(&t, "/etc/sysconfig/iptables", text);
    struct csm_fw_decision d;
    csm_ipt_decide(t, "INPUT", 22, &d);
    CHECK_MSG(d.v == want && streq(d.source, source), "%s: %s at %s (%s)", name, verdict(d.v), d.source, d.what);
    csm_fw_decision_clear(&d);
    csm_ipt_free(t);
}

static const char centos7[] = "# sample configuration for iptables service\n*filter\n:INPUT ACCEPT [0:0]\n"
                              ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                              "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n"
                              "-A INPUT -i lo -j ACCEPT\n"
                              "-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT\n"
                              "-A INPUT -j REJECT --reject-with icmp-host-prohibited\n"
                              "-A FORWARD -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";

static void nft_case(const char *name, const char *text, enum csm_fw_verdict want, const char *source)
{
    struct csm_nft *n = NULL;
    csm_nft_parse(&n, "/etc/nftables.conf", text, NULL, NULL);
    struct csm_fw_decision d;
    csm_nft_decide(n, 22, &d);
    CHECK_MSG(d.v == want && streq(d.source, source), "%s: %s at %s (%s; %s)", name, verdict(d.v), d.source, d.what,
              d.some ? d.some : "");
    csm_fw_decision_clear(&d);
    csm_nft_free(n);
}

int main(void)
{
    CHECK(csm_fw_port_in("22", 22) && csm_fw_port_in("ssh", 22) && csm_fw_port_in("20-30", 22) &&
          csm_fw_port_in("80,22", 22) && csm_fw_port_in("1:1024", 22) && !csm_fw_port_in("2222", 22) &&
          !csm_fw_port_in("80,443", 22) && !csm_fw_port_in("", 22));

    /* ---- firewalld ---- */
    zone_case("RHEL public", rhel_public, CSM_FW_ACCEPT, "service ssh");
    zone_case("ssh removed", "<zone><service name=\"dhcpv6-client\"/></zone>", CSM_FW_DROP, "target default");
    zone_case("drop zone", "<zone target=\"DROP\"><short>Drop</short></zone>", CSM_FW_DROP, "target DROP");
    zone_case("trusted", "<zone target=\"ACCEPT\"/>", CSM_FW_ACCEPT, "target ACCEPT");
    zone_case("port", "<zone><port protocol=\"tcp\" port=\"22\"/></zone>", CSM_FW_ACCEPT, "port 22/tcp");
    zone_case("udp port", "<zone><port protocol=\"udp\" port=\"22\"/></zone>", CSM_FW_DROP, "target");
    zone_case("rich reject beats the service",
              "<zone><service name=\"ssh\"/><rule><service name=\"ssh\"/><reject/></rule></zone>", CSM_FW_DROP,
              "rich rule: reject ssh");
    zone_case("rich accept from a network",
              "<zone><rule family=\"ipv4\"><source address=\"10.0.0.0/8\"/><service name=\"ssh\"/><accept/></rule>"
              "</zone>",
              CSM_FW_SOME, "target default");
    zone_case("entities and comments",
              "<!-- x --><zone target=\"&#68;ROP\"><!-- <service name=\"ssh\"/> --></zone>", CSM_FW_DROP,
              "target DROP");
    struct csm_fw_zone z;
    char *why = NULL;
    CHECK_MSG(csm_fw_zone_parse("<zone target=\"DROP\"", &z, &why) < 0 && why, "unterminated XML is refused");
    free(why);
    why = NULL;
    CHECK_MSG(csm_fw_zone_parse("<service><port port=\"22\"/></service>", &z, &why) < 0, "a service is not a zone");
    free(why);
    char **ports = NULL;
    CHECK(csm_fw_service_parse("<service><short>SSH</short><port protocol=\"tcp\" port=\"2222\"/></service>", &ports) ==
              0 &&
          ports && streq(ports[0], "2222/tcp"));
    strv_free(ports);

    /* ---- iptables-save ---- */
    ipt_case("CentOS 7 stock", centos7, CSM_FW_ACCEPT, "/etc/sysconfig/iptables:9");
    ipt_case("no SSH rule", "*filter\n:INPUT DROP [0:0]\n-A INPUT -m state --state ESTABLISHED -j ACCEPT\n"
                            "-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n",
             CSM_FW_DROP, "/etc/sysconfig/iptables:2");
    ipt_case("through a user chain",
             "*filter\n:INPUT DROP [0:0]\n:ssh-in - [0:0]\n-A INPUT -p tcp -j ssh-in\n"
             "-A ssh-in -p tcp -m multiport --dports 80,22 -j ACCEPT\nCOMMIT\n",
             CSM_FW_ACCEPT, "/etc/sysconfig/iptables:5");
    ipt_case("from one network only",
             "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n", CSM_FW_SOME,
             "/etc/sysconfig/iptables:2");
    ipt_case("negated port", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ! --dport 22 -j DROP\n"
                             "-A INPUT -p tcp --syn -j REJECT\nCOMMIT\n",
             CSM_FW_DROP, "/etc/sysconfig/iptables:4");
    ipt_case("nat table only", "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DROP\nCOMMIT\n", CSM_FW_ACCEPT, "");

    /* ---- ufw ---- */
    static const char user_rules[] = "*filter\n:ufw-user-input - [0:0]\n"
                                     "### RULES ###\n\n"
                                     "### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n"
                                     "-A ufw-user-input -p tcp --dport 80 -j ACCEPT\n\n"
                                     "### tuple ### allow tcp 22 0.0.0.0/0 any 192.0.2.0/24 in\n"
                                     "-A ufw-user-input -p tcp --dport 22 -s 192.0.2.0/24 -j ACCEPT\n\n"
                                     "### tuple ### limit any 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n"
                                     "-A ufw-user-input -p tcp --dport 22 -j ufw-user-limit-accept\n"
                                     "### END RULES ###\nCOMMIT\n";
    struct csm_ufw_rule *ur = NULL;
    size_t un = 0;
    csm_ufw_parse(user_rules, &ur, &un);
    CHECK_MSG(un == 3 && ur[2].app && streq(ur[2].app, "OpenSSH") && streq(ur[2].action, "limit"), "ufw: 3 tuples");
    struct csm_fw_decision d;
    csm_ufw_decide(ur, un, "/etc/ufw/user.rules", "DROP", "/etc/default/ufw:7", 22, &d);
    CHECK_MSG(d.v == CSM_FW_ACCEPT && streq(d.source, "/etc/ufw/user.rules:11"), "ufw limit OpenSSH: %s at %s",
              verdict(d.v), d.source);
    csm_fw_decision_clear(&d);
    csm_ufw_decide(ur, 2, "/etc/ufw/user.rules", "DROP", "/etc/default/ufw:7", 22, &d);
    CHECK_MSG(d.v == CSM_FW_SOME && streq(d.source, "/etc/default/ufw:7") && d.some, "ufw from one network: %s (%s)",
              verdict(d.v), d.some ? d.some : "");
    csm_fw_decision_clear(&d);
    csm_ufw_decide(ur, 1, "/etc/ufw/user.rules", "ACCEPT", "/etc/default/ufw:7", 22, &d);
    CHECK_MSG(d.v == CSM_FW_ACCEPT, "ufw policy ACCEPT");
    csm_fw_decision_clear(&d);
    csm_ufw_free(ur, un);

    /* ---- nftables ---- */
    nft_case("Debian's default", "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n"
                                 "\t\ttype filter hook input priority filter;\n\t}\n\tchain forward {\n"
                                 "\t\ttype filter hook forward priority filter;\n\t}\n}\n",
             CSM_FW_ACCEPT, "");
    static const char strict[] = "flush ruleset\ndefine ssh_port = 22\n"
                                 "table inet filter {\n  chain input {\n"
                                 "    type filter hook input priority 0; policy drop;\n"
                                 "    ct state established,related accept\n    iif lo accept\n"
                                 "    ip protocol icmp accept\n    tcp dport { 80, 443 } accept\n"
                                 "    tcp dport $ssh_port ct state new counter accept comment \"ssh\"\n  }\n}\n";
    nft_case("policy drop, ssh accepted", strict, CSM_FW_ACCEPT, "/etc/nftables.conf:10");
    nft_case("policy drop, no ssh",
             "table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n"
             "  ct state { established, related } accept\n  tcp dport 80 accept\n }\n}\n",
             CSM_FW_DROP, "/etc/nftables.conf:3");
    nft_case("a second table drops", "table inet a {\n chain in { type filter hook input priority 0; }\n}\n"
                                     "table ip b {\n chain in {\n  type filter hook input priority 10;\n"
                                     "  tcp dport 22 drop\n }\n}\n",
             CSM_FW_DROP, "/etc/nftables.conf:7");
    nft_case("ip6 table only", "table ip6 f {\n chain in { type filter hook input priority 0; policy drop; }\n}\n",
             CSM_FW_ACCEPT, "");
    nft_case("verdict map and jump",
             "table inet f {\n chain ssh { ip saddr 10.0.0.0/8 accept\n drop\n }\n"
             " chain in {\n  type filter hook input priority 0; policy drop;\n"
             "  ct state vmap { established : accept, related : accept, invalid : drop }\n"
             "  tcp dport vmap { 22 : jump ssh, 80 : accept }\n }\n}\n",
             CSM_FW_SOME, "/etc/nftables.conf:3");
    nft_case("add commands", "add table ip t\nadd chain ip t in { type filter hook input priority 0 ; policy drop ; }\n"
                             "add rule ip t in tcp dport ssh accept\ninsert rule ip t in iifname \"lo\" accept\n",
             CSM_FW_ACCEPT, "/etc/nftables.conf:3");
    nft_case("flush ruleset forgets", "table ip t {\n chain in { type filter hook input priority 0; policy drop; }\n}\n"
                                      "flush ruleset\n",
             CSM_FW_ACCEPT, "");
    struct csm_nft *n = NULL;
    csm_nft_parse(&n, "/etc/nftables.conf", "include \"/etc/nftables.d/*.nft\"\nbogus stuff here\n", NULL, NULL);
    const char *first;
    CHECK_MSG(csm_nft_unknown(n, &first) == 1 && streq(first, "/etc/nftables.conf:2") && csm_nft_errors(n),
              "an include not followed and an unknown command are reported");
    csm_nft_free(n);
    return failures ? 1 : 0;
}
