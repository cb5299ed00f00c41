/* LVM's configuration: lvm.conf and lvmlocal.conf (lvm.conf(5): sections
 * `name { ... }`, `key = value` where a value is a number, a "string" or
 * an array [ "a", "b" ], '#' comments), the device filters in it, and the
 * devices file /etc/lvm/devices/system.devices (lvmdevices(8)).
 *
 * A filter is a list of patterns "a|regex|" (accept) or "r|regex|"
 * (reject), any delimiter after the letter; for each name a device has
 * (/dev/vda2, /dev/disk/by-uuid/..., ...), the first pattern that matches
 * decides; a device is accepted when one of its names is accepted, rejected
 * when a name is rejected and none accepted, and accepted when no pattern
 * matches any of its names. The regexes are POSIX extended, close to LVM's
 * own matcher. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct csm_lvm_setting {
    char *path;    /* "devices/filter", "devices/use_devicesfile" */
    char **values; /* the strings or numbers, in order; one for a scalar */
    bool array;
    unsigned line;
};

struct csm_lvmconf {
    struct csm_lvm_setting *s;
    size_t n;
    char *error; /* the first syntax error, "line N: why"; what precedes it is kept */
};

void csm_lvmconf_parse(const char *text, struct csm_lvmconf *c);
void csm_lvmconf_clear(struct csm_lvmconf *c);
/* The setting of this path (the last one when it is set twice), or NULL. */
const struct csm_lvm_setting *csm_lvmconf_get(const struct csm_lvmconf *c, const char *path);

enum csm_lvm_filter {
    CSM_LVM_ACCEPTED, /* by a pattern */
    CSM_LVM_REJECTED,
    CSM_LVM_UNMATCHED, /* no pattern matches: accepted */
    CSM_LVM_BAD,       /* a pattern that is not a|..| or r|..| or whose regex does not compile */
};
/* Judges a device, known by its names (NULL-terminated), against a
 * filter's patterns. *which is the index of the deciding (or bad) pattern. */
enum csm_lvm_filter csm_lvm_filter_eval(char *const *patterns, char *const *names, size_t *which);

/* ---- /etc/lvm/devices/system.devices ---- */
struct csm_lvm_device {
    char *idtype; /* sys_wwid, sys_serial, mpath_uuid, crypt_uuid, lvmlv_uuid, md_uuid, loop_file, devname */
    char *idname;
    char *devname;
    char *pvid; /* the PV's UUID without dashes */
    char *part;
    unsigned line;
};
struct csm_lvm_devices {
    char *version;
    struct csm_lvm_device *d;
    size_t n;
    unsigned bad_lines;
};
void csm_lvm_devices_parse(const char *text, struct csm_lvm_devices *out);
void csm_lvm_devices_clear(struct csm_lvm_devices *d);
/* Does this IDTYPE name the hardware (a WWID, a serial, a device name)
 * rather than the content (a UUID of an LV, an md, a LUKS or mpath map)?
 * Those change when the disk moves to other hardware. */
bool csm_lvm_idtype_hardware(const char *idtype);
