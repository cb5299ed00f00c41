/* What is installed and started: packages, programs and systemd units,
 * cloud-init, guest tools of other hypervisors.
 * Part of facts/facts.h, which includes every domain. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts/target.h"

/* ---- installed packages: dpkg's status file, or the RPM database read
 * by librpm from a private copy (facts/rpmdb.h) ---- */
struct csm_package {
    char *name;
    char *version;  /* as the package manager writes it: dpkg "1:3.2.7-1", rpm "[E:]V-R" */
    char *upstream; /* the software's own version: dpkg without epoch and revision, rpm's VERSION */
    unsigned line;  /* dpkg: where its stanza starts; rpm: its header number */
};

enum csm_pkg_kind { CSM_PKG_DPKG, CSM_PKG_RPM };

struct csm_packages {
    int err; /* no readable database: callers fall back to files */
    char *why;
    enum csm_pkg_kind kind;
    char *db;       /* the file read, in the tree */
    char **notes;   /* other databases found and not read; headers librpm skipped */
    struct csm_package *p;
    size_t n;
};
const struct csm_packages *csm_facts_packages(struct csm_scan *s);
/* The installed version, or NULL. */
const char *csm_package_version(const struct csm_packages *pk, const char *name);
/* The installed package, or NULL (the newest, when several are installed). */
const struct csm_package *csm_package_find(const struct csm_packages *pk, const char *name);
/* Where a package's entry is, for the evidence: "/var/lib/dpkg/status:12",
 * "/var/lib/rpm/rpmdb.sqlite #12". */
char *csm_package_source(const struct csm_packages *pk, const struct csm_package *p);
/* Does the package's upstream version reach min (in its package manager's order)? */
bool csm_package_at_least(const struct csm_packages *pk, const struct csm_package *p, const char *min);

/* ---- programs and systemd units in the tree (facts/software.c) ---- */
/* The path of a program in the tree's bin and sbin directories, or NULL;
 * then what could not be looked at ("path: why") is added to *errors
 * (errors may be NULL): absent is not the same as unreadable. */
char *csm_facts_program(struct csm_scan *s, const char *name, char ***errors);
/* The path of a unit file in /etc, /usr/lib or /lib systemd/system, or NULL. */
char *csm_facts_unit_file(struct csm_scan *s, const char *unit, char ***errors);

struct csm_unit_link {
    char *unit;
    char *path; /* /etc/systemd/system/multi-user.target.wants/cloud-init.service */
};
struct csm_unit_preset {
    char *file;
    unsigned line;
    bool enable;
    char *pattern;
};
struct csm_units {
    struct csm_unit_link *links; /* *.wants/ and *.requires/ in /etc, /usr/lib, /lib */
    size_t n_links;
    struct csm_unit_preset *presets; /* in the order systemd consults them */
    size_t n_presets;
    char **errors;
};
const struct csm_units *csm_facts_units(struct csm_scan *s);

enum csm_unit_state {
    CSM_UNIT_ABSENT,   /* no unit file, no init script */
    CSM_UNIT_DISABLED, /* installed, nothing pulls it in */
    CSM_UNIT_ENABLED,  /* a .wants/.requires link or an rc?.d/S* script */
    CSM_UNIT_PRESET,   /* no link, but the presets enable it */
    CSM_UNIT_MASKED,   /* linked to /dev/null */
};
struct csm_unit_status {
    enum csm_unit_state state;
    char *file;   /* the unit file or init script */
    char *source; /* the link, the preset file:line, the mask */
    char *error;  /* what could not be read, so the state may be wrong ("path: why"); NULL */
};
/* unit is "name.service" or "name.target"; for a service without a unit
 * file the SysV script /etc/init.d/name is looked at too. */
void csm_facts_unit_status(struct csm_scan *s, const char *unit, struct csm_unit_status *out);
void csm_unit_status_clear(struct csm_unit_status *st);
const char *csm_unit_state_name(enum csm_unit_state st);

/* ---- cloud-init (facts/software.c) ---- */
struct csm_cloudinit {
    char **errors;                  /* files that exist but cannot be read */
    const struct csm_package *pkg;  /* from the package database, or NULL */
    bool pkg_db;                    /* a package database was read */
    char *program;                  /* /usr/bin/cloud-init */
    char **program_errors;          /* no program found, but these places could not be looked at */
    char *config;                   /* /etc/cloud/cloud.cfg, when it exists */
    struct csm_unit_status units[5]; /* CSM_CLOUDINIT_UNITS, in boot order */
    char *disabled_file;            /* /etc/cloud/cloud-init.disabled */
    char *cmdline_disabled;         /* the boot entry with cloud-init=disabled */
    char **cfg_files;               /* cloud.cfg, then cloud.cfg.d/NAME.cfg, in the order read */
    char **datasources;             /* datasource_list in force, NULL when none is set */
    char *ds_source;                /* its file:line */
    bool network_disabled;          /* network: {config: disabled} */
    char *network_source;
    char **invalid;                 /* files cloud-init cannot parse either: it ignores them */
};
extern const char *const csm_cloudinit_units[5];
/* Whether units[i] is one of the first stages, which the later ones need. */
bool csm_cloudinit_first_stage(size_t i);
const struct csm_cloudinit *csm_facts_cloudinit(struct csm_scan *s);
/* The datasource_list of one cloud-init YAML file: 1 found, 0 not. */
int csm_cloudinit_parse(const char *text, const char *file, struct csm_cloudinit *ci);

/* ---- guest tools of other hypervisors (facts/guesttools.c) ---- */
enum csm_gt_kind {
    CSM_GT_PACKAGE,   /* package database entry */
    CSM_GT_FILE,      /* installer files, programs */
    CSM_GT_UNIT,      /* service unit or init script */
    CSM_GT_MODULE,    /* kernel module in extra/, misc/, updates/ */
    CSM_GT_FORCED,    /* module configured into the initramfs or to load at boot */
    CSM_GT_INITRAMFS, /* module inside an initramfs image */
};
const char *csm_gt_kind_name(enum csm_gt_kind k);

struct csm_gt_evidence {
    enum csm_gt_kind kind;
    char *what;   /* "package open-vm-tools 2:12.2.0", "/lib/modules/5.10.0/misc/vboxguest.ko" */
    char *source; /* file:line, or the path */
};
struct csm_guest_tool {
    const char *cls;     /* stable class the rules weigh: "vmware-tools", "open-vm-tools", ... */
    const char *product; /* "VMware Tools (installer)" */
    struct csm_gt_evidence *ev;
    size_t n_ev;
};
struct csm_guest_tools {
    struct csm_guest_tool *t;
    size_t n;
    char **errors;   /* what exists but could not be read */
    char **searched; /* where was looked, for the evidence of a pass */
};
const struct csm_guest_tools *csm_facts_guest_tools(struct csm_scan *s);
/* The module names (without .ko) a config file forces into the initramfs
 * or loads at boot, each with its line. kind: "initramfs-tools", "dracut",
 * "modules-load". */
void csm_gt_parse_modules(const char *text, const char *kind, char ***names, unsigned **lines, size_t *n);
