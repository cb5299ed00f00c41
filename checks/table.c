#include <fnmatch.h>
#include <stdlib.h>

#include "checks/checks.h"
#include "lib/util.h"

/* Placeholders of the plan's texts (the [plan] section). */
#define PLAN_VARS "disk output_dir host bytes count_mib last_sector"

const struct csm_check csm_checks[] = {
    { "disk.partition-table", "", "disk size label disk_id fstype partnums", CSM_NEEDS_DISK,
      csm_check_disk_partition_table },
    { "boot.efi", "", "signs file", CSM_ALSO_IMAGE, csm_check_boot_efi },
    { "boot.grub-root", "unstable", "entries values root_uuid count files", 0, csm_check_boot_grub_root },
    { "boot.resume", "unstable", "values count", 0, csm_check_boot_resume },
    { "storage.lvm-filter", "", "pattern devices_file problems", 0, csm_check_storage_lvm_filter },
    { "fstab.other-disks", "", "entries count disks", 0, csm_check_fstab_other_disks },
    { "fstab.device-names", "unstable", "entries count device uuid", 0, csm_check_fstab_device_names },
    { "fstab.network-mounts", "types", "entries count", 0, csm_check_fstab_network_mounts },
    { "accounts.shadow", "", "path mode owner group problems", 0, csm_check_accounts_shadow },
    { "disk.layout", "", "disk root boot problems", 0, csm_check_disk_layout },
    { "disk.free-space", "root-free boot-free free-inodes", "root_free boot_free mounts problems", 0,
      csm_check_disk_free_space },
    { "disk.capacity", "", "disk disk_size required target", CSM_NEEDS_DISK | CSM_NEEDS_TARGET_SIZE,
      csm_check_disk_capacity },
    { "os.release", "", "name version os_id family", 0, csm_check_os_release },
    { "boot.default-kernel", "", "kernel kernels count source problem running", 0, csm_check_boot_default_kernel },
    { "drivers.virtio-kernel", "modules optional", "kernel found missing others", 0,
      csm_check_drivers_virtio_kernel },
    { "drivers.virtio-initramfs", "modules optional", "kernel initrd found missing add unavailable others", 0,
      csm_check_drivers_virtio_initramfs },
    { "drivers.initramfs-tooling", "", "tools kernel", 0, csm_check_drivers_initramfs_tooling },
    { "software.cloud-init", "datasources", "version configured datasources problems masked", 0,
      csm_check_software_cloud_init },
    { "software.guest-tools", "blocking",
      "products classes blocking inactive count package uninstaller prl_installer forced module", 0,
      csm_check_software_guest_tools },
    { "network.mac-binding", "", "entries macs count udev_file ifcfg_file nm_id", 0, csm_check_network_mac_binding },
    { "network.interface-names", "names physical", "names missing static clients problems count", 0,
      csm_check_network_interface_names },
    { "system.selinux", "", "mode config type live", 0, csm_check_system_selinux },
    { "system.sshd", "", "config unit permit_root_login password_auth problems", 0, csm_check_system_sshd },
    { "system.apparmor", "", "", 0, csm_check_system_apparmor },
    { "system.firewall", "", "port firewalls problems zone ufw_port nft_file ipt_file", 0, csm_check_system_firewall },
    { "software.rsync", "min-version", "path version min_version", 0, csm_check_software_rsync },
    { "online.data-disks", "", "entries disks missing count config shape", 0, csm_check_online_data_disks },
    { "image.format", "", "file format subformat package member named stem", CSM_NEEDS_IMAGE, csm_check_image_format },
    { "image.integrity", "", "file format problems count stem", CSM_NEEDS_IMAGE, csm_check_image_integrity },
    { "image.size", "", "file role_disk virtual file_size allocated target stem",
      CSM_NEEDS_IMAGE, csm_check_image_size },
    { "image.partition-table", "", "file size label disk_id fstype cut",
      CSM_NEEDS_IMAGE, csm_check_image_partition_table },
    { "image.filesystems", "", "file count filesystems root esp swap duplicates",
      CSM_NEEDS_IMAGE, csm_check_image_filesystems },
    { "image.bootable", "", "file root boot problems table", CSM_NEEDS_IMAGE, csm_check_image_bootable },
};
const size_t csm_n_checks = ARRAY_SIZE(csm_checks);

const struct csm_check *csm_check_find(const char *id)
{
    for (size_t i = 0; i < csm_n_checks; i++)
        if (streq(csm_checks[i].id, id))
            return &csm_checks[i];
    return NULL;
}

struct csm_rules_section *csm_checks_sections(size_t *n)
{
    struct csm_rules_section *sec = xcalloc(csm_n_checks + 1, sizeof(*sec));
    for (size_t i = 0; i < csm_n_checks; i++)
        sec[i] = (struct csm_rules_section){ csm_checks[i].id, csm_checks[i].params, csm_checks[i].vars, true };
    sec[csm_n_checks] = (struct csm_rules_section){ "plan", "output-dir", PLAN_VARS, false };
    *n = csm_n_checks + 1;
    return sec;
}

char *const *csm_check_param(const struct csm_result *r, const char *name)
{
    return csm_rule_param(r->rule, name);
}

bool csm_name_matches(char *const *patterns, const char *name)
{
    for (size_t i = 0; patterns && patterns[i]; i++)
        if (fnmatch(patterns[i], name, 0) == 0)
            return true;
    return false;
}

unsigned csm_check_scope(const struct csm_check *c)
{
    if (c->needs & CSM_NEEDS_IMAGE)
        return CSM_SCOPE_IMAGE;
    return CSM_SCOPE_SYSTEM | (c->needs & CSM_ALSO_IMAGE ? CSM_SCOPE_IMAGE : 0);
}

unsigned csm_scan_scope(const struct csm_scan *s)
{
    return s->mode == CSM_MODE_IMAGE ? CSM_SCOPE_IMAGE : CSM_SCOPE_SYSTEM;
}

const char *csm_scope_name(unsigned scope)
{
    static const char *const names[] = { "", "system", "image", "system image" };
    return names[scope & 3];
}

static void run_one(struct csm_scan *s, const struct csm_check *c, struct csm_result *r)
{
    r->check = c;
    r->rule = csm_ruleset_get(s->rules, c->id);
    const struct csm_rule_value *en = csm_rule_find(r->rule, "enabled");

    if (!r->rule->enabled)
        csm_result_skip(r, "disabled", "disabled by the rules (%s)", en ? en->origin : "rules");
    else if ((c->needs & CSM_NEEDS_DISK) && !csm_scan_live(s) && !s->opts->disk)
        csm_result_skip(r, "no-disk", "no --disk given: the disk that holds %s cannot be examined from its tree",
                        s->opts->root);
    else if ((c->needs & CSM_NEEDS_TARGET_SIZE) && !s->opts->target_disk_size)
        csm_result_skip(r, "no-target-size", "no --target-disk-size given: nothing to compare the disk with");
    else
        c->run(s, r);
}

struct csm_result *csm_checks_run(struct csm_scan *s, size_t *n)
{
    struct csm_result *results = xcalloc(csm_n_checks, sizeof(*results));
    *n = 0;
    for (size_t i = 0; i < csm_n_checks; i++) {
        if (!(csm_check_scope(&csm_checks[i]) & csm_scan_scope(s)))
            continue;
        run_one(s, &csm_checks[i], &results[*n]);
        csm_result_render(&results[(*n)++], &s->globals);
    }
    return results;
}
