#include <fnmatch.h>
#include <stdlib.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "guest/guest.h"
#include "lib/util.h"

/* Placeholders of the plan's texts (the [plan] section). */
#define PLAN_VARS "disk output_dir host bytes count_mib last_sector"

const struct csm_check csm_checks[] = {
    { .id = "disk.partition-table", .needs = CSM_NEED_TREE | CSM_NEED_DISK, .run = csm_check_disk_partition_table,
      .params = "", .vars = "disk size label disk_id fstype partnums", .twin = "image.partition-table" },
    { .id = "boot.efi", .needs = 0, .run = csm_check_boot_efi,
      .params = "", .vars = "signs file" },
    { .id = "boot.grub-root", .needs = CSM_NEED_TREE, .run = csm_check_boot_grub_root,
      .params = "unstable", .vars = "entries values root_uuid count files" },
    { .id = "boot.resume", .needs = CSM_NEED_TREE, .run = csm_check_boot_resume,
      .params = "unstable", .vars = "values count" },
    { .id = "storage.lvm-filter", .needs = CSM_NEED_TREE, .run = csm_check_storage_lvm_filter,
      .params = "", .vars = "pattern devices_file problems" },
    { .id = "fstab.other-disks", .needs = CSM_NEED_TREE, .run = csm_check_fstab_other_disks,
      .params = "", .vars = "entries count disks" },
    { .id = "fstab.device-names", .needs = CSM_NEED_TREE, .run = csm_check_fstab_device_names,
      .params = "unstable", .vars = "entries count device uuid" },
    { .id = "fstab.network-mounts", .needs = CSM_NEED_TREE, .run = csm_check_fstab_network_mounts,
      .params = "types", .vars = "entries count" },
    { .id = "fstab.crypttab", .needs = CSM_NEED_TREE, .run = csm_check_fstab_crypttab,
      .params = "unstable", .vars = "entries count device uuid" },
    { .id = "accounts.shadow", .needs = CSM_NEED_TREE, .run = csm_check_accounts_shadow,
      .params = "", .vars = "path mode owner group problems" },
    { .id = "disk.layout", .needs = CSM_NEED_TREE, .run = csm_check_disk_layout,
      .params = "", .vars = "disk root boot problems" },
    { .id = "disk.free-space", .needs = CSM_NEED_TREE, .run = csm_check_disk_free_space,
      .params = "root-free boot-free free-inodes", .vars = "root_free boot_free mounts problems" },
    { .id = "disk.capacity", .needs = CSM_NEED_TREE | CSM_NEED_DISK | CSM_NEED_TARGET_SIZE, .run = csm_check_disk_capacity,
      .params = "", .vars = "disk disk_size required target", .twin = "image.size" },
    { .id = "os.release", .needs = CSM_NEED_TREE, .run = csm_check_os_release,
      .params = "", .vars = "name version os_id family" },
    { .id = "boot.default-kernel", .needs = CSM_NEED_TREE, .run = csm_check_boot_default_kernel,
      .params = "", .vars = "kernel kernels count source problem running" },
    { .id = "drivers.virtio-kernel", .needs = CSM_NEED_TREE, .run = csm_check_drivers_virtio_kernel,
      .params = "modules optional", .vars = "kernel found missing others" },
    { .id = "drivers.virtio-initramfs", .needs = CSM_NEED_TREE, .run = csm_check_drivers_virtio_initramfs,
      .params = "modules optional", .vars = "kernel initrd found missing add unavailable others" },
    { .id = "drivers.initramfs-tooling", .needs = CSM_NEED_TREE, .run = csm_check_drivers_initramfs_tooling,
      .params = "", .vars = "tools kernel" },
    { .id = "software.cloud-init", .needs = CSM_NEED_TREE, .run = csm_check_software_cloud_init,
      .params = "datasources", .vars = "version configured datasources problems masked" },
    { .id = "software.guest-tools", .needs = CSM_NEED_TREE, .run = csm_check_software_guest_tools,
      .params = "blocking", .vars = "products classes blocking inactive count package uninstaller prl_installer forced module" },
    { .id = "network.mac-binding", .needs = CSM_NEED_TREE, .run = csm_check_network_mac_binding,
      .params = "", .vars = "entries macs count udev_file ifcfg_file nm_id" },
    { .id = "network.interface-names", .needs = CSM_NEED_TREE, .run = csm_check_network_interface_names,
      .params = "names physical", .vars = "names missing static clients problems count" },
    { .id = "system.selinux", .needs = CSM_NEED_TREE, .run = csm_check_system_selinux,
      .params = "", .vars = "mode config type live" },
    { .id = "system.sshd", .needs = CSM_NEED_TREE, .run = csm_check_system_sshd,
      .params = "", .vars = "config unit permit_root_login password_auth problems" },
    { .id = "system.apparmor", .needs = CSM_NEED_TREE, .run = csm_check_system_apparmor,
      .params = "", .vars = "" },
    { .id = "system.firewall", .needs = CSM_NEED_TREE, .run = csm_check_system_firewall,
      .params = "", .vars = "port firewalls problems zone ufw_port nft_file ipt_file" },
    { .id = "software.rsync", .needs = CSM_NEED_TREE, .run = csm_check_software_rsync,
      .params = "min-version", .vars = "path version min_version" },
    { .id = "online.data-disks", .needs = CSM_NEED_TREE, .run = csm_check_online_data_disks,
      .params = "", .vars = "entries disks missing count config shape" },
    { .id = "image.format", .needs = CSM_NEED_IMAGE, .run = csm_check_image_format,
      .params = "", .vars = "file format subformat package member named stem" },
    { .id = "image.integrity", .needs = CSM_NEED_IMAGE, .run = csm_check_image_integrity,
      .params = "", .vars = "file format problems count stem" },
    { .id = "image.size", .needs = CSM_NEED_IMAGE, .run = csm_check_image_size,
      .params = "", .vars = "file role_disk virtual file_size allocated target stem" },
    { .id = "image.partition-table", .needs = CSM_NEED_IMAGE, .run = csm_check_image_partition_table,
      .params = "", .vars = "file size label disk_id fstype cut" },
    { .id = "image.filesystems", .needs = CSM_NEED_IMAGE, .run = csm_check_image_filesystems,
      .params = "", .vars = "file count filesystems root esp swap duplicates unclean" },
    { .id = "image.bootable", .needs = CSM_NEED_IMAGE, .run = csm_check_image_bootable,
      .params = "", .vars = "file root boot problems table" },
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
    if (c->needs & CSM_NEED_IMAGE)
        return CSM_SCOPE_IMAGE;
    return c->needs & CSM_NEED_TREE ? CSM_SCOPE_SYSTEM : CSM_SCOPE_SYSTEM | CSM_SCOPE_IMAGE;
}

bool csm_check_applies(const struct csm_check *c, unsigned has)
{
    unsigned kind = c->needs & (CSM_NEED_TREE | CSM_NEED_IMAGE);
    return (has & kind) == kind;
}

const char *csm_scope_name(unsigned scope)
{
    static const char *const names[] = { "", "system", "image", "system image" };
    return names[scope & 3];
}

/* The guest's reader child gone during the scan (a crash, a limit): every
 * read since failed, so what a check that needs the tree decided from
 * then on may rest on files it could not read (a unit not found is not a
 * unit disabled). It says why it cannot decide instead. */
static void guest_gone(struct csm_scan *s, const struct csm_check *c, struct csm_result *r)
{
    if (!(c->needs & CSM_NEED_TREE) || !csm_scan_has(s, CSM_HAS_IMAGE) || !csm_scan_has(s, CSM_HAS_TREE) ||
        r->status == CSM_SKIP)
        return;
    const char *why = csm_guest_failure(csm_facts_guest(s)->guest);
    if (!why)
        return;
    const struct csm_rule *rule = r->rule;
    csm_result_clear(r);
    r->check = c;
    r->rule = rule;
    csm_result_error(r, "the guest's filesystems stopped being readable during the scan: %s", why);
}

static void run_one(struct csm_scan *s, const struct csm_check *c, struct csm_result *r)
{
    r->check = c;
    r->rule = csm_ruleset_get(s->rules, c->id);
    const struct csm_rule_value *en = csm_rule_find(r->rule, "enabled");

    if (!r->rule->enabled)
        csm_result_skip(r, "disabled", "disabled by the rules (%s)", en ? en->origin : "rules");
    else if (c->twin && csm_scan_has(s, CSM_HAS_IMAGE)) /* one result per fact */
        csm_result_skip(r, "image-twin", "%s reports this of the image file", c->twin);
    else if ((c->needs & CSM_NEED_TREE) && !csm_scan_has(s, CSM_HAS_TREE) && s->no_tree_skip)
        csm_result_skip(r, "no-random-access", "%s", s->no_tree);
    else if ((c->needs & CSM_NEED_TREE) && !csm_scan_has(s, CSM_HAS_TREE))
        csm_result_error(r, "%s", s->no_tree);
    else if ((c->needs & CSM_NEED_DISK) && !csm_scan_has(s, CSM_HAS_DISK))
        csm_result_skip(r, "no-disk", "no --disk given: the disk that holds %s cannot be examined from its tree",
                        s->opts->root);
    else if ((c->needs & CSM_NEED_TARGET_SIZE) && !s->opts->target_disk_size)
        csm_result_skip(r, "no-target-size", "no --target-disk-size given: nothing to compare the disk with");
    else
        c->run(s, r);
    guest_gone(s, c, r);
}

struct csm_result *csm_checks_run(struct csm_scan *s, size_t *n)
{
    struct csm_result *results = xcalloc(csm_n_checks, sizeof(*results));
    *n = 0;
    for (size_t i = 0; i < csm_n_checks; i++) {
        /* An image whose guest tree could not be read lists the checks
         * that need it, saying why they could not run (s->no_tree). */
        unsigned has = s->target.has | (s->no_tree ? CSM_HAS_TREE : 0);
        if (!csm_check_applies(&csm_checks[i], has))
            continue;
        run_one(s, &csm_checks[i], &results[*n]);
        csm_result_render(&results[(*n)++], &s->globals);
    }
    return results;
}
