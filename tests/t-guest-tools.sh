# software.guest-tools: one fixture tree per product family. Proprietary
# tools that replace drivers fail (param.blocking); distribution packages
# that stay inactive on KVM warn.
. "$CSM_SRC/tests/lib.sh"
R=$T/root
gt() { q '.results[] | select(.id=="software.guest-tools") | .'"$1"; }
fresh() { rm -rf "$R"; readytree "$R" "${1:-debian}"; }
pkg() { printf 'Package: %s\nStatus: install ok installed\nVersion: %s\n\n' "$1" "$2" >>"$R/var/lib/dpkg/status"; }
unit() { mkdir -p "$R/lib/systemd/system"; printf '[Unit]\n' >"$R/lib/systemd/system/$1"; }
file() { mkdir -p "$(dirname "$R$1")"; printf '#!/bin/sh\n' >"$R$1"; }
KV=6.1.0-13-amd64

fresh
scan clean --root "$R"
assert_status software.guest-tools pass none
assert_contains "$(gt 'evidence[].value')" "/lib/modules/*/{extra,misc,updates,weak-updates}" "pass lists where it looked"

# VMware Tools, installer-based: blocker, its own uninstaller in the commands.
fresh
file /usr/bin/vmware-uninstall-tools.pl
file /etc/vmware-tools/locations
file /lib/modules/$KV/misc/vmhgfs.ko
mkdir -p "$R/lib/modules/$KV/kernel/drivers/scsi"
touch "$R/lib/modules/$KV/kernel/drivers/scsi/vmw_pvscsi.ko"
printf '# modules\nvmxnet\nvirtio_blk\n' >"$R/etc/initramfs-tools/modules" 2>/dev/null ||
    { mkdir -p "$R/etc/initramfs-tools"; printf '# modules\nvmxnet\nvirtio_blk\n' >"$R/etc/initramfs-tools/modules"; }
scan vmware --root "$R"
assert_status software.guest-tools fail conflicting
assert_exit 2
assert_eq "VMware Tools (installer-based)" "$(gt 'evidence[0].label')" "the product is named"
assert_contains "$(gt 'evidence[].source')" "/lib/modules/$KV/misc/vmhgfs.ko" "out-of-tree module"
assert_contains "$(gt 'evidence[].source')" "/etc/initramfs-tools/modules:2" "forced into the initramfs, file:line"
assert_not_contains "$(gt 'evidence[].source')" "vmw_pvscsi" "in-tree drivers are not guest tools"
assert_contains "$(gt 'remediation.commands[]')" "/usr/bin/vmware-uninstall-tools.pl" "uninstaller command"
assert_contains "$(gt 'remediation.commands[]')" "update-initramfs -u -k all" "initramfs rebuild"

# open-vm-tools from the distribution: a warning, with the purge command.
fresh
pkg open-vm-tools 2:12.2.0-1
unit open-vm-tools.service
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -s /lib/systemd/system/open-vm-tools.service "$R/etc/systemd/system/multi-user.target.wants/"
mkdir -p "$R/etc/vmware-tools" # open-vm-tools has this directory too: not an installer
scan open-vm-tools --root "$R"
assert_status software.guest-tools warn inactive
assert_exit 1
assert_contains "$(gt 'evidence[].value')" "package: package open-vm-tools 2:12.2.0-1" "package evidence"
assert_contains "$(gt 'evidence[].value')" "service: open-vm-tools.service (enabled)" "unit evidence"
assert_eq "apt-get -y purge open-vm-tools" "$(gt 'remediation.commands | join("|")')" "purge command"

# VirtualBox Guest Additions from the installer: blocker.
fresh
file /opt/VBoxGuestAdditions-7.0.10/uninstall.sh
unit vboxadd.service
mkdir -p "$R/lib/modules/$KV/updates/dkms"
touch "$R/lib/modules/$KV/updates/dkms/vboxguest.ko.xz" "$R/lib/modules/$KV/updates/dkms/vboxsf.ko"
mkdir -p "$R/etc/modules-load.d"
printf 'vboxsf\n' >"$R/etc/modules-load.d/vbox.conf"
scan vbox --root "$R"
assert_status software.guest-tools fail conflicting
assert_contains "$(gt 'evidence[].source')" "/lib/modules/$KV/updates/dkms/vboxguest.ko.xz" "compressed module"
assert_contains "$(gt 'evidence[].source')" "/etc/modules-load.d/vbox.conf:1" "loaded at boot"
assert_contains "$(gt 'remediation.commands[]')" "/opt/VBoxGuestAdditions-7.0.10/uninstall.sh" "vbox uninstaller"

# VirtualBox guest utilities from the distribution: a warning.
fresh
pkg virtualbox-guest-utils 7.0.10-dfsg-1
scan vbox-pkg --root "$R"
assert_status software.guest-tools warn inactive
assert_contains "$(gt 'classes // empty')$(gt 'evidence[0].label')" "VirtualBox guest utilities" "named"

# Citrix xe-guest-utilities on RHEL (no package database: files and units).
fresh rhel
file /usr/sbin/xe-daemon
unit xe-linux-distribution.service
mkdir -p "$R/etc/dracut.conf.d"
printf 'add_drivers+=" xen-vbd xen_vnif "\n' >"$R/etc/dracut.conf.d/xen.conf"
mkdir -p "$R/lib/modules/3.10.0-1160.el7.x86_64/extra/xenpv"
touch "$R/lib/modules/3.10.0-1160.el7.x86_64/extra/xenpv/xen-vbd.ko"
scan xen --root "$R"
assert_status software.guest-tools fail conflicting
assert_contains "$(gt 'evidence[].label')" "Citrix/XenServer guest tools (xe-guest-utilities)" "xe tools named"
assert_contains "$(gt 'evidence[].label')" "Xen PV drivers built outside the kernel (kmod-xenpv)" "xen pv named"
assert_contains "$(gt 'evidence[].source')" "/etc/dracut.conf.d/xen.conf:1" "dracut add_drivers"
assert_contains "$(gt 'remediation.commands[]')" "dracut -f --regenerate-all" "dracut rebuild"

# Parallels Tools.
fresh
file /usr/lib/parallels-tools/install
mkdir -p "$R/lib/modules/$KV/extra"
touch "$R/lib/modules/$KV/extra/prl_eth.ko"
scan parallels --root "$R"
assert_status software.guest-tools fail conflicting
assert_contains "$(gt 'remediation.commands[]')" "/usr/lib/parallels-tools/install -r" "parallels uninstaller"

# Hyper-V daemons: inactive on KVM.
fresh
pkg hyperv-daemons 6.1.55-1
unit hv-kvp-daemon.service
scan hyperv --root "$R"
assert_status software.guest-tools warn inactive

# The rules decide: a site may block on every class, or on none.
fresh
pkg open-vm-tools 2:12.2.0-1
mkdir -p "$T/site"
printf '[software.guest-tools]\nparam.blocking = open-vm-tools\n' >"$T/site/gt.rules"
scan site --root "$R" --rules "$T/site"
assert_status software.guest-tools fail conflicting
fresh
file /usr/bin/vmware-uninstall-tools.pl
printf '[software.guest-tools]\nparam.blocking =\n' >"$T/site/gt.rules"
scan site-none --root "$R" --rules "$T/site"
assert_status software.guest-tools warn inactive

# Hostile: a binary or huge module list is an error if nothing else is found.
fresh
mkdir -p "$R/etc/initramfs-tools"
printf 'vmxnet\0\1\2' >"$R/etc/initramfs-tools/modules"
scan binary --root "$R"
assert_status software.guest-tools error
assert_contains "$(gt reason)" "/etc/initramfs-tools/modules" "reason names the file"
head -c 3M /dev/zero | tr '\0' 'a' >"$R/etc/initramfs-tools/modules"
scan huge --root "$R"
assert_status software.guest-tools error
# A module tree looping on itself ends.
rm "$R/etc/initramfs-tools/modules"
mkdir -p "$R/lib/modules/$KV/updates"
ln -s .. "$R/lib/modules/$KV/updates/loop"
ln -s / "$R/lib/modules/$KV/updates/root"
scan loop --root "$R"
assert_status software.guest-tools pass none
# A guest-tools module inside the default kernel's real initramfs (made by
# cpio and gzip): found by reading the archive to its end.
fresh
IR_MODS="virtio virtio_ring virtio_blk virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio_net vboxguest" \
    mkkernel "$R" "$KV"
scan initramfs --root "$R"
assert_status software.guest-tools fail conflicting
assert_contains "$(gt 'evidence[] | select(.problem) | .value')" "module vboxguest inside the initramfs" "the module in the initramfs"
assert_contains "$(gt 'evidence[] | select(.problem) | .source')" "/boot/initrd.img-$KV: usr/lib/modules/$KV/kernel/misc/vboxguest.ko" "the member"
assert_status drivers.virtio-initramfs pass
done_testing
