#include <fnmatch.h>
#include <stdlib.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "guest/guest.h"
#include "lib/util.h"

/* The [plan] section's parameters and the placeholders of its texts (file
 * scope: a compound literal in a function would not outlive the call). */
static const char *const *const plan_params = CSM_WORDS("output-dir");
static const char *const *const plan_vars = CSM_WORDS("disk", "output_dir", "host", "bytes", "count_mib", "last_sector");

const struct csm_check csm_checks[] = {
    {
        .id = "disk.partition-table",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "the system disk has an MBR (`dos`) label; GPT fails; no label (a whole-disk filesystem) fails",
        .needs = CSM_NEED_TREE | CSM_NEED_DISK,
        .run = csm_check_disk_partition_table,
        .vars = CSM_WORDS("disk", "size", "label", "disk_id", "fstype", "partnums"),
        .twin = "image.partition-table",
    },
    {
        .id = "boot.efi",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "the system boots BIOS, not EFI. Live: `/sys/firmware/efi`. Offline: an EFI System Partition, "
                   "`/boot/efi` in fstab, an `EFI/` tree, grub for EFI, against the BIOS traces (grub `i386-pc`, "
                   "MBR boot code)",
        .needs = 0,
        .run = csm_check_boot_efi,
        .vars = CSM_WORDS("signs", "file"),
    },
    {
        .id = "boot.grub-root",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "every boot entry (grub.cfg, legacy menu.lst, BLS entries with grubenv `$kernelopts`) and "
                   "`GRUB_CMDLINE_LINUX*` name `/` by `UUID=`/`LABEL=`/`PARTUUID=` that matches it; `/dev/sdX` "
                   "names fail; `GRUB_DISABLE_LINUX_UUID=true` fails, unless grub-mkconfig then still writes a "
                   "stable name (grub's `10_linux`: `root=PARTUUID=` with `GRUB_DISABLE_LINUX_PARTUUID=false` on "
                   "grub 2.06 and later, the `/dev/mapper` path of a device-mapper root)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_boot_grub_root,
        .params = CSM_WORDS("unstable"),
        .vars = CSM_WORDS("entries", "values", "root_uuid", "count", "files"),
    },
    {
        .id = "boot.resume",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "`resume=` and `rd.lvm.lv=` name devices that move with the system disk",
        .needs = CSM_NEED_TREE,
        .run = csm_check_boot_resume,
        .params = CSM_WORDS("unstable"),
        .vars = CSM_WORDS("values", "count"),
    },
    {
        .id = "storage.lvm-filter",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "on a system that uses LVM, `/etc/lvm/lvm.conf` and `lvmlocal.conf` `filter`/`global_filter` "
                   "accept the disk's names after the move (`/dev/vda2` and its by-path names; an `a|^/dev/sd.*|`, "
                   "`r|.*|` filter hides every PV), and with `use_devicesfile` (RHEL 9's default) "
                   "`/etc/lvm/devices/system.devices` names no disk by `sys_wwid`, `sys_serial` or `devname`; the "
                   "same for the copies in the default kernel's initramfs (`etc/lvm/lvm.conf`, `lvmlocal.conf`, "
                   "`etc/lvm/devices/`), which find `/` at boot",
        .needs = CSM_NEED_TREE,
        .run = csm_check_storage_lvm_filter,
        .vars = CSM_WORDS("pattern", "devices_file", "problems"),
    },
    {
        .id = "fstab.other-disks",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "no fstab entry mounts a filesystem from another disk (offline, LVM volumes are placed through "
                   "the PV metadata on `--disk`); `nofail`/`noauto` entries warn; optical and removable drives with "
                   "`noauto` (`/dev/sr0 ... udf,iso9660 user,noauto`) are a note; an fstab without entries "
                   "(debootstrap's `# UNCONFIGURED FSTAB`) is an error",
        .needs = CSM_NEED_TREE,
        .run = csm_check_fstab_other_disks,
        .vars = CSM_WORDS("entries", "count", "disks"),
    },
    {
        .id = "fstab.device-names",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "fstab names devices by UUID, LABEL, PARTUUID or `/dev/mapper`, not `/dev/sdX`, `/dev/hdX`, "
                   "`/dev/xvdX`, `/dev/vdX`, `/dev/nvmeXnY` (disks become `vda`, `vdb`)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_fstab_device_names,
        .params = CSM_WORDS("unstable"),
        .vars = CSM_WORDS("entries", "count", "device", "uuid"),
    },
    {
        .id = "fstab.network-mounts",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "NFS, CIFS and other network mounts have `nofail` or `_netdev`",
        .needs = CSM_NEED_TREE,
        .run = csm_check_fstab_network_mounts,
        .params = CSM_WORDS("types"),
        .vars = CSM_WORDS("entries", "count"),
    },
    {
        .id = "fstab.crypttab",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "every `/etc/crypttab` entry names its device by `UUID=`/`LABEL=`/`PARTUUID=` of a partition of "
                   "the system disk: a kernel name (`/dev/sdb2`) or a volume of another disk is a device systemd "
                   "waits for at boot (`nofail`/`noauto` entries warn); the fix names `UUID=` of the LUKS volume; "
                   "without `--disk` a UUID cannot be placed (skip)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_fstab_crypttab,
        .params = CSM_WORDS("unstable"),
        .vars = CSM_WORDS("entries", "count", "device", "uuid"),
    },
    {
        .id = "accounts.shadow",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "`/etc/shadow` is a regular file (not a link), owned by root, no looser than 0640, not immutable "
                   "or append-only, parseable, with a `root` entry (hashes are never reported)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_accounts_shadow,
        .vars = CSM_WORDS("path", "mode", "owner", "group", "problems"),
    },
    {
        .id = "disk.layout",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "which partitions hold `/`, `/boot`, `/home` and the other mounts, on which disk; `/` or `/boot` "
                   "spanning disks fails; a `--root` scan without `--disk` can fail on the names in fstab but never "
                   "passes (skip)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_disk_layout,
        .vars = CSM_WORDS("disk", "root", "boot", "problems"),
    },
    {
        .id = "disk.free-space",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "free space and inodes of `/` and `/boot` (live: statvfs) leave room to rebuild the initramfs "
                   "and install cloud-init and the drivers (`param.root-free` 1G, `param.boot-free` 100M, "
                   "`param.free-inodes`); a `--root` scan is skipped: the tree's filesystem would be the host's",
        .needs = CSM_NEED_TREE,
        .run = csm_check_disk_free_space,
        .params = CSM_WORDS("root-free", "boot-free", "free-inodes"),
        .vars = CSM_WORDS("root_free", "boot_free", "mounts", "problems"),
    },
    {
        .id = "disk.capacity",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "with `--target-disk-size`: what must be exported fits the target system disk",
        .needs = CSM_NEED_TREE | CSM_NEED_DISK | CSM_NEED_TARGET_SIZE,
        .run = csm_check_disk_capacity,
        .vars = CSM_WORDS("disk", "disk_size", "required", "target"),
        .twin = "image.size",
    },
    {
        .id = "os.release",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "the distribution and its family (Debian, RHEL, SUSE), which decides the wording of the fixes",
        .needs = CSM_NEED_TREE,
        .run = csm_check_os_release,
        .vars = CSM_WORDS("name", "version", "os_id", "family"),
    },
    {
        .id = "boot.default-kernel",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "which installed kernel boots by default (grub `set default`, `GRUB_DEFAULT`, grubenv "
                   "`saved_entry`, BLS, `/vmlinuz` links) and which others are installed",
        .needs = CSM_NEED_TREE,
        .run = csm_check_boot_default_kernel,
        .vars = CSM_WORDS("kernel", "kernels", "count", "source", "problem", "running"),
    },
    {
        .id = "drivers.virtio-kernel",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "`virtio_blk`, `virtio_pci`, `virtio_net` (and optionally `virtio_scsi`) are built into the "
                   "default kernel or present as modules (`modules.builtin`, `/boot/config-*`, `modules.dep` "
                   "through libkmod)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_drivers_virtio_kernel,
        .params = CSM_WORDS("modules", "optional"),
        .vars = CSM_WORDS("kernel", "found", "missing", "others"),
    },
    {
        .id = "drivers.virtio-initramfs",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "the ones that are modules are inside that kernel's initramfs, with their dependencies (early "
                   "microcode cpio + gzip/xz/zstd/lz4/bzip2/lzma cpio, read as a stream with libarchive in a child "
                   "process limited to 1 GiB of memory and 65 s of CPU; newc headers only, names and link targets "
                   "up to PATH_MAX, as the kernel unpacks them); the exact regeneration command",
        .needs = CSM_NEED_TREE,
        .run = csm_check_drivers_virtio_initramfs,
        .params = CSM_WORDS("modules", "optional"),
        .vars = CSM_WORDS("kernel", "initrd", "found", "missing", "add", "unavailable", "others"),
    },
    {
        .id = "drivers.initramfs-tooling",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "`update-initramfs`/`dracut`/`mkinitrd` and `modules.dep` exist for the default kernel",
        .needs = CSM_NEED_TREE,
        .run = csm_check_drivers_initramfs_tooling,
        .vars = CSM_WORDS("tools", "kernel"),
    },
    {
        .id = "software.cloud-init",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "cloud-init is installed, enabled at boot, not disabled, and its `datasource_list` leaves a "
                   "datasource the target offers",
        .needs = CSM_NEED_TREE,
        .run = csm_check_software_cloud_init,
        .params = CSM_WORDS("datasources"),
        .vars = CSM_WORDS("version", "configured", "datasources", "problems", "masked"),
    },
    {
        .id = "software.guest-tools",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "VMware Tools, open-vm-tools, VirtualBox Guest Additions, Xen/Citrix tools, Parallels tools, "
                   "Hyper-V daemons: packages, files, units, modules, modules forced into the initramfs",
        .needs = CSM_NEED_TREE,
        .run = csm_check_software_guest_tools,
        .params = CSM_WORDS("blocking"),
        .vars = CSM_WORDS("products", "classes", "blocking", "inactive", "count", "package", "uninstaller",
                          "prl_installer", "forced", "module"),
    },
    {
        .id = "network.mac-binding",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "nothing pins an interface to the old NIC's MAC (udev rules, ifcfg `HWADDR=`, netplan "
                   "`macaddress`, NetworkManager, systemd `.link`/`.network`)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_network_mac_binding,
        .vars = CSM_WORDS("entries", "macs", "count", "udev_file", "ifcfg_file", "nm_id"),
    },
    {
        .id = "network.interface-names",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "the configuration brings up `eth0` by DHCP with a DHCP client installed; other names and static "
                   "addresses are reported",
        .needs = CSM_NEED_TREE,
        .run = csm_check_network_interface_names,
        .params = CSM_WORDS("names", "physical"),
        .vars = CSM_WORDS("names", "missing", "static", "clients", "problems", "count"),
    },
    {
        .id = "system.selinux",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "SELinux mode (config, and live the kernel's); the agent needs it disabled",
        .needs = CSM_NEED_TREE,
        .run = csm_check_system_selinux,
        .vars = CSM_WORDS("mode", "config", "type", "live"),
    },
    {
        .id = "system.sshd",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "an SSH server is installed and starts at boot (`sshd.service`, `ssh.service`, `ssh.socket`), "
                   "and `sshd_config` as sshd reads it (Include in place, first value wins, Match overrides) lets "
                   "root in with the platform's key (`PermitRootLogin`, `PubkeyAuthentication`, "
                   "`AuthorizedKeysFile`) or its password reset (`PasswordAuthentication`)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_system_sshd,
        .vars = CSM_WORDS("config", "unit", "permit_root_login", "password_auth", "problems"),
    },
    {
        .id = "system.apparmor",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "AppArmor is off: the default kernel enables it (`/boot/config-*`), the package and "
                   "`apparmor.service` load its profiles, no `apparmor=0`/`security=`/`lsm=` on the boot entries; "
                   "live, the running kernel's view; the agent's copy needs it disabled, like SELinux",
        .needs = CSM_NEED_TREE,
        .run = csm_check_system_apparmor,
    },
    {
        .id = "system.firewall",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "firewalld (the default zone or the one bound to eth0), ufw, nftables or iptables that start at "
                   "boot accept new SSH connections on sshd's port from any address (a rule for some sources only "
                   "warns)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_system_firewall,
        .vars = CSM_WORDS("port", "firewalls", "problems", "zone", "ufw_port", "nft_file", "ipt_file"),
    },
    {
        .id = "software.rsync",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "rsync is installed (the agent copies with it), its program is there, and it is 3.1 or later "
                   "(`param.min-version`; the dpkg upstream version or rpm's VERSION, in that package manager's "
                   "order)",
        .needs = CSM_NEED_TREE,
        .run = csm_check_software_rsync,
        .params = CSM_WORDS("min-version"),
        .vars = CSM_WORDS("path", "version", "min_version"),
    },
    {
        .id = "online.data-disks",
        .group = CSM_CHECKS_SYSTEM,
        .summary = "with `--agent-config user.json`, every data disk mounted on the source is in its `DataDisks`",
        .needs = CSM_NEED_TREE,
        .run = csm_check_online_data_disks,
        .vars = CSM_WORDS("entries", "disks", "missing", "count", "config", "shape"),
    },
    {
        .id = "image.format",
        .group = CSM_CHECKS_IMAGE,
        .summary = "the format from the content, not the name: qcow2 (v2, v3), vmdk (monolithicSparse, "
                   "streamOptimized, descriptor and extents), vhd (fixed, dynamic), raw, a tar/tar.gz/gz package of "
                   "one; vhdx, vdi, iso and others are named and refused",
        .needs = CSM_NEED_IMAGE,
        .run = csm_check_image_format,
        .vars = CSM_WORDS("file", "format", "subformat", "package", "member", "named", "stem"),
    },
    {
        .id = "image.integrity",
        .group = CSM_CHECKS_IMAGE,
        .summary = "header fields in range, vhd checksums, L1/L2, grain and BAT entries inside the file, no "
                   "truncation, no backing or external data file, no encryption; for qcow2 what qemu checks when it "
                   "opens an image (every table's offset, alignment and size, empty ones too, snapshot L1 tables) "
                   "and what `qemu-img check` finds (references into the header, L1, refcount table or blocks; "
                   "refcounts lower than the references); each problem with its offset and field. Tables past the "
                   "validation budget (128 MiB of reading) make a warning (`partial`), never a pass",
        .needs = CSM_NEED_IMAGE,
        .run = csm_check_image_integrity,
        .vars = CSM_WORDS("file", "format", "problems", "count", "stem"),
    },
    {
        .id = "image.size",
        .group = CSM_CHECKS_IMAGE,
        .summary = "virtual size and allocated bytes; with `--target-disk-size`, the virtual size fits the target "
                   "disk of the `--role`",
        .needs = CSM_NEED_IMAGE,
        .run = csm_check_image_size,
        .vars = CSM_WORDS("file", "role_disk", "virtual", "file_size", "allocated", "target", "stem"),
    },
    {
        .id = "image.partition-table",
        .group = CSM_CHECKS_IMAGE,
        .summary = "the partition table inside the image (libfdisk): MBR with boot code and 0x55AA passes, GPT "
                   "fails offline",
        .needs = CSM_NEED_IMAGE,
        .run = csm_check_image_partition_table,
        .vars = CSM_WORDS("file", "size", "label", "disk_id", "fstype", "cut"),
    },
    {
        .id = "image.filesystems",
        .group = CSM_CHECKS_IMAGE,
        .summary = "each partition's filesystem, UUID and label (libblkid), which is `/`, the ESP, swap; an ext "
                   "journal that needs recovery (`needs-recovery`) or an XFS log not cleanly unmounted "
                   "(`dirty-log`), read without replaying it",
        .needs = CSM_NEED_IMAGE,
        .run = csm_check_image_filesystems,
        .vars = CSM_WORDS("file", "count", "filesystems", "root", "esp", "swap", "duplicates", "unclean"),
    },
    {
        .id = "image.bootable",
        .group = CSM_CHECKS_IMAGE,
        .summary = "the image holds the MBR, the root partition and what `/boot` needs",
        .needs = CSM_NEED_IMAGE,
        .run = csm_check_image_bootable,
        .vars = CSM_WORDS("file", "root", "boot", "problems", "table"),
    },
};
const size_t csm_n_checks = ARRAY_SIZE(csm_checks);

const char *csm_check_group_intro(enum csm_check_group g)
{
    static const char *const intros[CSM_CHECKS_GROUP_COUNT] = {
        "Checks of a system (the running one, or a tree with `--root`):",
        "Checks of an image file before its upload (`--image FILE`; `boot.efi` runs there too):",
    };
    return intros[g];
}

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
    sec[csm_n_checks] = (struct csm_rules_section){ "plan", plan_params, plan_vars, false };
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
