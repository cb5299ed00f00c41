/* The system itself: os-release, its identity, /etc/shadow, SELinux,
 * AppArmor, the SSH server and the firewalls.
 * Part of facts/facts.h, which includes every domain. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "facts/software.h"
#include "facts/target.h"
#include "lib/firewall.h"
#include "lib/kv.h"
#include "lib/sshdconf.h"

/* ---- os-release ---- */
enum csm_family {
    CSM_FAMILY_UNKNOWN,
    CSM_FAMILY_DEBIAN, /* Debian, Ubuntu, ... */
    CSM_FAMILY_RHEL,   /* RHEL, CentOS, Rocky, Alma, Fedora, Oracle, Amazon */
    CSM_FAMILY_SUSE,
};

struct csm_osrel {
    int err;
    char *why;
    char *path;
    struct csm_kvs kv;
    const char *id, *id_like, *name, *version_id, *pretty;
    enum csm_family family;
};
const struct csm_osrel *csm_facts_osrel(struct csm_scan *s);
const char *csm_family_name(enum csm_family f);

/* ---- the host's identity (hostname, machine-id) ---- */
struct csm_identity {
    char *hostname;   /* never NULL; "unknown" when not found */
    char *machine_id; /* NULL when not found */
    char **errors;    /* /etc/hostname or /etc/machine-id exist but were not read: why */
};
const struct csm_identity *csm_facts_identity(struct csm_scan *s);

/* ---- /etc/shadow, as a file ---- */
struct csm_shadow {
    int err; /* could not be examined at all */
    char *why;
    bool is_symlink;
    char *link_target;
    bool is_regular;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    char *owner, *group; /* names from the tree's own passwd/group */
    int attr_err;        /* FS_IOC_GETFLAGS failure, 0 when flags are known */
    bool immutable, append_only;
    int read_err;        /* could not be read (not root, ...) */
    unsigned n_entries;
    unsigned bad_line;   /* first malformed line, 0 if none */
    unsigned root_line;  /* line of the root entry, 0 if none */
    char *root_pw_kind;  /* "hash (yescrypt)", "locked", "empty", ... never the hash */
    bool readonly_fs;    /* live: the filesystem is mounted read-only */
};
const struct csm_shadow *csm_facts_shadow(struct csm_scan *s);

/* ---- SELinux (facts/software.c) ---- */
struct csm_selinux {
    int err; /* the config exists but cannot be read */
    char *why;
    const char *path;  /* /etc/selinux/config, NULL when absent */
    struct csm_kvs kv;
    const struct csm_kv *mode; /* SELINUX= */
    const struct csm_kv *type; /* SELINUXTYPE= */
    char *cmdline;        /* "selinux=0" or "enforcing=0" on a boot entry */
    char *cmdline_source;
    bool cmdline_all;     /* every boot entry carries it */
    int live;             /* live: 1 enforcing, 0 permissive, -2 not in the kernel; -1 unknown/offline */
};
const struct csm_selinux *csm_facts_selinux(struct csm_scan *s);

/* ---- the SSH server (facts/sshd.c): installed, enabled, configured ---- */
struct csm_sshd {
    int err;  /* the configuration exists but cannot be read */
    char *why;
    const struct csm_package *pkg; /* openssh-server (dpkg, rpm), openssh (SUSE), or NULL */
    char *program;                 /* /usr/sbin/sshd */
    char **errors;                 /* places that could not be looked at */
    struct csm_unit_status unit;   /* the best of sshd.service, ssh.service, ssh.socket */
    const char *unit_name;
    char *config;                  /* /etc/ssh/sshd_config (SUSE: /usr/etc/ssh/sshd_config), NULL when absent */
    struct csm_sshd_config cfg;
};
const struct csm_sshd *csm_facts_sshd(struct csm_scan *s);
/* The value in force for a connection of user: its directive (NULL: the
 * default), and the value. */
const char *csm_sshd_value(const struct csm_sshd *sd, const char *key, const char *user,
                           const struct csm_sshd_directive **d, const struct csm_sshd_directive **cond);

/* ---- the firewalls enabled at boot (facts/firewall.c) ---- */
enum csm_fw_kind { CSM_FW_FIREWALLD, CSM_FW_UFW, CSM_FW_NFTABLES, CSM_FW_IPTABLES };
#define CSM_FW_KINDS 4
struct csm_fw_found {
    enum csm_fw_kind kind;
    const char *name;            /* "firewalld", "ufw", "nftables", "iptables" */
    bool enabled;                /* starts at boot */
    char *enabled_by;            /* the unit link, or ufw.conf:line */
    char *config;                /* what decided: the zone file, user.rules, nftables.conf */
    char *detail;                /* "default zone public (/etc/firewalld/firewalld.conf:6)" */
    struct csm_fw_decision d;    /* for new TCP connections to the SSH port */
    char *problem;               /* the configuration cannot be read or judged: why */
};
struct csm_firewall {
    unsigned port;               /* sshd's (the first Port), 22 by default */
    char *port_source;
    struct csm_fw_found fw[CSM_FW_KINDS];
    size_t n;                    /* the ones installed (a unit or their configuration is there) */
    char **errors;
};
const struct csm_firewall *csm_facts_firewall(struct csm_scan *s);

/* ---- AppArmor (facts/apparmor.c) ---- */
struct csm_apparmor {
    int kernel;         /* the default kernel: 1 built with AppArmor and on by default, 0 built with it but
                           off by default, -1 without it, -2 not known (no config) */
    char *kernel_source; /* /boot/config-<ver>:N CONFIG_... */
    const struct csm_package *pkg; /* apparmor, apparmor-parser */
    struct csm_unit_status unit;   /* apparmor.service */
    char *cmdline;        /* apparmor=0, security=selinux, lsm=... without apparmor; or apparmor=1 */
    char *cmdline_source;
    bool cmdline_all;     /* every boot entry carries it */
    bool cmdline_on;      /* it turns AppArmor on rather than off */
    int live;             /* live: 1 enabled in the running kernel, 0 not, -1 not known or offline */
    char **errors;
};
const struct csm_apparmor *csm_facts_apparmor(struct csm_scan *s);
