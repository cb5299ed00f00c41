/* The network configuration and the online agent's user.json.
 * Part of facts/facts.h, which includes every domain. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "facts/target.h"

/* ---- network configuration (facts/netcfg.c) ---- */
enum csm_net_source {
    CSM_NET_UDEV,     /* udev rules: 70-persistent-net.rules */
    CSM_NET_IFCFG,    /* /etc/sysconfig/network-scripts, /etc/sysconfig/network */
    CSM_NET_NETPLAN,  /* /etc/netplan */
    CSM_NET_NM,       /* NetworkManager keyfiles */
    CSM_NET_LINK,     /* systemd .link */
    CSM_NET_NETWORKD, /* systemd .network */
    CSM_NET_IFUPDOWN, /* /etc/network/interfaces */
};
const char *csm_net_source_name(enum csm_net_source src);

enum csm_net_method {
    CSM_NET_NONE,   /* says nothing about addresses (a .link, a udev rule) */
    CSM_NET_DHCP,
    CSM_NET_STATIC,
    CSM_NET_MANUAL, /* up without an address: bond or bridge member */
    CSM_NET_LOOPBACK,
};
const char *csm_net_method_name(enum csm_net_method m);

/* One interface configuration: a stanza, a file, a rule. */
struct csm_netif {
    enum csm_net_source src;
    char *file;
    unsigned line;     /* where it starts */
    char *id;          /* netplan id, NM connection id: for messages */
    char *name;        /* the interface name it applies to; may be a glob; NULL: any/by hardware */
    unsigned name_line;
    char *match_mac;   /* applies only to the NIC with this address */
    unsigned match_line;
    char *set_mac;     /* writes this address onto the NIC */
    unsigned set_line;
    char *rename;      /* renames the NIC it matches to this */
    unsigned rename_line;
    enum csm_net_method method;
    unsigned method_line;
    char *address;     /* the first static address */
    unsigned address_line;
    char *match_other; /* applies only to NICs of a type or driver: "Type=wlan" */
    bool virt;         /* a bond, bridge, VLAN, ...: not a NIC */
    char *down;        /* not brought up at boot: "ONBOOT=no", "STARTMODE=manual", "autoconnect=false" */
    unsigned down_line;
};
struct csm_netcfg {
    struct csm_netif *i;
    size_t n;
    char **files;  /* every file read */
    char **errors; /* "file: why" for files that exist but cannot be read */
    unsigned skipped; /* unreadable lines, all files together */
    char *nm_no_auto_default; /* "file:line no-auto-default=*": NetworkManager makes no automatic profile */
    char *wicked_xml;         /* wicked's native configuration (/etc/wicked/ifconfig/NAME.xml), not read */
};
const struct csm_netcfg *csm_facts_netcfg(struct csm_scan *s);
/* The parsers, on one file's text (used by the fact, the tests, the fuzzers). */
void csm_netcfg_parse(struct csm_netcfg *nc, enum csm_net_source src, const char *file, const char *text);
void csm_netcfg_free(struct csm_netcfg *nc);

/* ---- the online agent's user.json, --agent-config (facts/agent.c) ---- */
struct csm_agent_disk {
    char *value;   /* the path as written */
    char *field;   /* the object field it came from, NULL for a plain string */
};
struct csm_agent_config {
    int err;
    char *why;      /* "user.json:3:14: expected ..." */
    char *path;
    bool has_datadisks; /* the key is there */
    char *key_path;     /* where: "DataDisks", "Client.DataDisks" */
    char *shape;        /* "list of strings", "list of objects (field MountPoint)", ... */
    struct csm_agent_disk *d;
    size_t n;
    char **ignored;     /* entries that name no path */
};
/* NULL when no --agent-config was given. */
const struct csm_agent_config *csm_facts_agent_config(struct csm_scan *s);
/* Parses the text of a user.json (also for the tests and the fuzzer); text[len]
 * is a NUL byte. */
void csm_agent_config_parse(struct csm_agent_config *ac, const char *text, size_t len);
void csm_agent_config_free(struct csm_agent_config *ac);
