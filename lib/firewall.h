/* The saved rules of the firewalls a Linux server boots with, read as
 * text, and what they decide for a new inbound TCP connection to a port
 * (SSH's, after the move) on the system's NIC from an address that is not
 * known beforehand:
 *   firewalld  a zone's XML (/etc/firewalld/zones/Z.xml, which replaces
 *              /usr/lib/firewalld/zones/Z.xml), its services and ports,
 *              rich rules and target (firewalld.c)
 *   iptables   iptables-save files (/etc/sysconfig/iptables,
 *              /etc/iptables/rules.v4): chains, policies, jumps (iptables.c)
 *   ufw        the rule tuples of /etc/ufw/user.rules and the default
 *              policy (iptables.c)
 *   nftables   /etc/nftables.conf, /etc/sysconfig/nftables.conf and what
 *              they include: every base chain on the input hook (nftables.c)
 * None of them is a full implementation: a match that cannot be judged
 * without the packet's source (an address, a set, a MAC) makes the answer
 * CSM_FW_SOME rather than a guess. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum csm_fw_verdict {
    CSM_FW_UNKNOWN,
    CSM_FW_ACCEPT, /* accepted whatever the source */
    CSM_FW_SOME,   /* accepted from some sources only, or dropped from some */
    CSM_FW_DROP,   /* dropped or rejected whatever the source */
};
const char *csm_fw_verdict_name(enum csm_fw_verdict v);

/* What decided, for the evidence. */
struct csm_fw_decision {
    enum csm_fw_verdict v;
    char *source; /* "file:line" of the rule or policy that decided */
    char *what;   /* the rule as written, or "policy DROP" */
    char *some;   /* for CSM_FW_SOME: the rule that makes the difference, "file:line: text" */
};
void csm_fw_decision_clear(struct csm_fw_decision *d);

/* Does a port list entry cover this port? "22", "ssh", "1000-2000",
 * "1000:2000", "22,80". Service names: ssh only. */
bool csm_fw_port_in(const char *list, unsigned port);

/* ---- firewalld ---- */
struct csm_fw_rich {
    unsigned line;
    char *source;  /* <source address=...>, NULL: any */
    char *service; /* <service name=...> */
    char *port;    /* "22/tcp" */
    char *action;  /* "accept", "drop", "reject", NULL (log or audit only) */
    int priority;
};
struct csm_fw_zone {
    char *target;      /* "default" when not set; "ACCEPT", "DROP", "%%REJECT%%" */
    char **services;   /* names */
    unsigned *service_lines;
    char **ports;      /* "22/tcp", "1000-2000/udp" */
    unsigned *port_lines;
    char **interfaces;
    char **sources;
    struct csm_fw_rich *rich;
    size_t n_rich;
};
/* 0, or -EBADMSG when the text is not a zone (zone.why-like text in *why). */
int csm_fw_zone_parse(const char *text, struct csm_fw_zone *z, char **why);
void csm_fw_zone_clear(struct csm_fw_zone *z);
/* The ports of a firewalld service file (<service><port .../></service>): "22/tcp". */
int csm_fw_service_parse(const char *text, char ***ports);

/* The ports of a service named in a zone: NULL when not known. The
 * default knows ssh (22/tcp). */
typedef char **(*csm_fw_service_fn)(void *data, const char *service);
/* What a zone does with a new TCP connection to port. file names the zone
 * file for the evidence. */
void csm_fw_zone_decide(const struct csm_fw_zone *z, const char *file, unsigned port, csm_fw_service_fn services,
                        void *data, struct csm_fw_decision *d);

/* ---- iptables-save, the filter table ---- */
struct csm_ipt;
/* Adds the filter table of one file (several files add their chains). */
void csm_ipt_parse(struct csm_ipt **t, const char *file, const char *text);
void csm_ipt_free(struct csm_ipt *t);
/* false when the text holds no filter table at all. */
bool csm_ipt_has_filter(const struct csm_ipt *t);
void csm_ipt_decide(const struct csm_ipt *t, const char *chain, unsigned port, struct csm_fw_decision *d);

/* ---- ufw: "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in" ---- */
struct csm_ufw_rule {
    char *action; /* allow, deny, reject, limit (a _log suffix removed) */
    char *proto;  /* tcp, udp, any */
    char *dport;  /* "22", "any", "22,80", "1000:2000" */
    char *src;    /* "0.0.0.0/0", "::/0", an address */
    char *app;    /* "OpenSSH", NULL */
    char *dir;    /* "in", "out", "in_eth0" */
    unsigned line;
};
void csm_ufw_parse(const char *text, struct csm_ufw_rule **r, size_t *n);
void csm_ufw_free(struct csm_ufw_rule *r, size_t n);
/* policy: DEFAULT_INPUT_POLICY of /etc/default/ufw ("DROP", "ACCEPT", "REJECT"). */
void csm_ufw_decide(const struct csm_ufw_rule *r, size_t n, const char *file, const char *policy,
                    const char *policy_source, unsigned port, struct csm_fw_decision *d);

/* ---- nftables ---- */
struct csm_nft;
/* Reads one file's text; include "..." names are handed to fn (relative
 * ones already made absolute against the including file's directory),
 * which returns the files they name, sorted, with their texts. */
typedef int (*csm_nft_include_fn)(void *data, const char *pattern, char ***paths, char ***texts);
void csm_nft_parse(struct csm_nft **n, const char *file, const char *text, csm_nft_include_fn fn, void *data);
void csm_nft_free(struct csm_nft *n);
/* How many base chains hook input (ip and inet tables: IPv4). */
size_t csm_nft_input_chains(const struct csm_nft *n);
/* Every base chain on the input hook must accept. */
void csm_nft_decide(const struct csm_nft *n, unsigned port, struct csm_fw_decision *d);
/* Lines nft would refuse or this reader does not know, and files that could not be read. */
unsigned csm_nft_unknown(const struct csm_nft *n, const char **first);
char **csm_nft_errors(const struct csm_nft *n);
