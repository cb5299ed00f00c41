# The servers people migrate, each laid out as its distribution lays out its
# files (tests/lib-families.sh): RHEL 9, CentOS 7, SUSE 15 and Ubuntu 22.04.
# Each is ready as made (informational findings aside: SELinux enforcing,
# AppArmor on); then each defect, one at a time, is named by its check, and
# the fix is worded for the family.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-families.sh"
need_cmd rpmbuild rpm rpmdb sqlite3 db5.3_load

# The checks that did not pass (info ones aside), as "id:status:outcome".
not_passed() {
    q '[.results[] | select(.status != "pass" and .status != "skip" and .severity != "info") |
        "\(.id):\(.status):\(.outcome // "")"] | sort | join(" ")'
}
cmds_of() { q ".results[] | select(.id==\"$1\") | .remediation.commands | join(\"|\")"; }
ready() { # NAME
    scan "$1" --root "$T/$1"
    assert_eq "" "$(not_passed)" "$1: nothing but informational findings"
    assert_eq ready "$(q .verdict)" "$1: ready"
    assert_exit 0 "$1: exit 0"
}

# ---- RHEL 9 ----
family_tree "$T/rhel9" rhel9
ready rhel9
assert_eq "rhel" "$(q '.results[] | select(.id=="os.release") | .evidence[] | select(.label=="family") | .value')" "RHEL family"
assert_contains "$(q '.results[] | select(.id=="boot.default-kernel") | .message')" "5.14.0-427.13.1.el9_4.x86_64" \
    "grubby's default: the update (rpm's order), not the GA kernel (strverscmp's)"
assert_contains "$(q '.results[] | select(.id=="boot.default-kernel") | .evidence[].value')" \
    "UPDATEDEFAULT=yes DEFAULTKERNEL=kernel-core (/etc/sysconfig/kernel:3)" "/etc/sysconfig/kernel in the evidence"
assert_status system.selinux fail enforcing
assert_status storage.lvm-filter pass ok
# RHEL 9's installer writes a devices file naming the disk by its WWID: it does not survive the move.
mkdir -p "$T/rhel9/etc/lvm/devices"
printf '# LVM uses devices listed in this file.\nVERSION=1.1.2\nIDTYPE=sys_wwid IDNAME=naa.600508b1001c5c5b DEVNAME=/dev/sda2 PVID=ii41PCWLYQKJxGynyvvMMDPgzmyf3kse PART=2\n' \
    >"$T/rhel9/etc/lvm/devices/system.devices"
scan rhel9-devices --root "$T/rhel9"
assert_eq "storage.lvm-filter:fail:devices-file" "$(not_passed)" "rhel9: the devices file, and only it"
assert_contains "$(cmds_of storage.lvm-filter)" "dracut -f --regenerate-all" "rhel9: dracut"
rm -rf "$T/rhel9/etc/lvm/devices"
# ssh taken out of the public zone (/etc/firewalld/zones replaces the shipped zone).
sed '/service name="ssh"/d' "$T/rhel9/usr/lib/firewalld/zones/public.xml" >"$T/rhel9/etc/firewalld/zones/public.xml"
scan rhel9-firewall --root "$T/rhel9"
assert_eq "system.firewall:fail:drops-ssh" "$(not_passed)" "rhel9: the firewall, and only it"
rm "$T/rhel9/etc/firewalld/zones/public.xml"
# NetworkManager: eth0's profile not brought up at boot (NetworkManager then
# makes no automatic profile for eth0 either); no profile at all (its
# automatic DHCP profile); no profile and no-auto-default=*.
nmc=$T/rhel9/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection
sed -i 's/^type=ethernet$/type=ethernet\nautoconnect=false/' "$nmc"
scan rhel9-autoconnect --root "$T/rhel9"
assert_eq "network.interface-names:warn:no-eth0" "$(not_passed)" "rhel9: autoconnect=false, and only it"
assert_contains "$(q '.results[] | select(.id=="network.interface-names") | .evidence[] | select(.note != null) | "\(.source) \(.note)"')" \
    "cloud-init-eth0.nmconnection:5 not brought up at boot (autoconnect=false)" "rhel9: the line that says so"
mv "$nmc" "$T/nm-profile"
scan rhel9-nm-auto --root "$T/rhel9"
assert_status network.interface-names pass ok
assert_contains "$(q '.results[] | select(.id=="network.interface-names") | .evidence[].note')" \
    "configures any Ethernet NIC without a profile by DHCP" "rhel9: NetworkManager's automatic profile"
mkdir -p "$T/rhel9/etc/NetworkManager/conf.d"
printf '[main]\nno-auto-default=*\n' >"$T/rhel9/etc/NetworkManager/conf.d/00-no-auto.conf"
scan rhel9-no-auto --root "$T/rhel9"
assert_eq "network.interface-names:warn:no-eth0" "$(not_passed)" "rhel9: no profile and no-auto-default=*"
assert_contains "$(q '.results[] | select(.id=="network.interface-names") | .evidence[].source')" \
    "/etc/NetworkManager/conf.d/00-no-auto.conf:2 no-auto-default=*" "rhel9: where NetworkManager is told so"
rm -r "$T/rhel9/etc/NetworkManager/conf.d"
sed '/^autoconnect=false$/d' "$T/nm-profile" >"$nmc"
rm "$T/nm-profile"
# The initramfs of the default kernel without virtio: dracut's command, for that kernel.
IR_MODS=e1000 IR_NAME=initramfs-VER.img mkkernel "$T/rhel9" 5.14.0-427.13.1.el9_4.x86_64
scan rhel9-virtio --root "$T/rhel9"
assert_eq "drivers.virtio-initramfs:fail:missing" "$(not_passed)" "rhel9: the initramfs, and only it"
assert_contains "$(cmds_of drivers.virtio-initramfs)" \
    'dracut -f --add-drivers "virtio_blk virtio_pci" /boot/initramfs-5.14.0-427.13.1.el9_4.x86_64.img 5.14.0-427.13.1.el9_4.x86_64' \
    "rhel9: the dracut command"

# ---- CentOS 7 ----
family_tree "$T/centos7" centos7
ready centos7
assert_eq "rhel" "$(q '.results[] | select(.id=="os.release") | .evidence[] | select(.label=="family") | .value')" "CentOS: RHEL family"
assert_contains "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].source')" "/var/lib/rpm/Packages #" \
    "centos7: the Berkeley DB"
scan centos7-online --root "$T/centos7" --profile online
assert_eq "system.selinux:fail:enforcing" "$(not_passed)" "centos7 online: SELinux only (rsync 3.1.2 will do)"
# rsync 3.0.9 (CentOS 6's era): the online agent's incremental sync needs 3.1.
rm -rf "$T/centos7/var/lib/rpm"
fam_rpmdb "$T/centos7" bdb /var/lib/rpm rsync=3.0.9-18.el7 cloud-init=19.4-7.el7.centos.6 openssh-server=7.4p1-23.el7_9 \
    dhclient=4.2.5-83.el7.centos.2:12 kernel=3.10.0-1160.el7 grub2-pc=2.02-0.87.el7.centos.14:1
scan centos7-rsync --root "$T/centos7" --profile online
assert_status software.rsync fail old
assert_eq "yum -y update rsync" "$(cmds_of software.rsync)" "centos7: yum"
# ifcfg-eth0 with ONBOOT=no: eth0 stays down at boot.
sed -i 's/^ONBOOT="yes"$/ONBOOT="no"/' "$T/centos7/etc/sysconfig/network-scripts/ifcfg-eth0"
scan centos7-onboot --root "$T/centos7"
assert_eq "network.interface-names:warn:no-eth0" "$(not_passed)" "centos7: ONBOOT=no, and only it"
assert_contains "$(q '.results[] | select(.id=="network.interface-names") | .evidence[].note')" \
    "not brought up at boot (ONBOOT=no)" "centos7: says why"
sed -i 's/^ONBOOT="no"$/ONBOOT="yes"/' "$T/centos7/etc/sysconfig/network-scripts/ifcfg-eth0"
# iptables without the SSH rule.
sed -i '/--dport 22/d' "$T/centos7/etc/sysconfig/iptables"
scan centos7-firewall --root "$T/centos7"
assert_eq "system.firewall:fail:drops-ssh" "$(not_passed)" "centos7: the firewall, and only it"
assert_contains "$(cmds_of system.firewall)" "iptables-save > /etc/sysconfig/iptables" "centos7: iptables' file"

# ---- SUSE 15 ----
family_tree "$T/sles15" sles15
ready sles15
assert_eq "suse" "$(q '.results[] | select(.id=="os.release") | .evidence[] | select(.label=="family") | .value')" "SLES: SUSE family"
assert_match "/usr/lib/sysimage/rpm/Packages(\.db)? #" "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].source')" \
    "sles15: the database in /usr/lib/sysimage/rpm"
assert_status system.apparmor fail enabled
assert_contains "$(q '.results[] | select(.id=="boot.efi") | .evidence[].value')" "LOADER_TYPE=grub2" "sles15: the bootloader's sysconfig"
assert_contains "$(q '.results[] | select(.id=="drivers.virtio-initramfs") | .message')" "/boot/initrd-5.14.21-150500.55.39-default" \
    "sles15: initrd-<ver>"
scan sles15-online --root "$T/sles15" --profile online
assert_eq "system.apparmor:fail:enabled" "$(not_passed)" "sles15 online: AppArmor is a warning"
assert_contains "$(cmds_of system.apparmor)" "grub2-mkconfig -o /boot/grub2/grub.cfg" "sles15: grub2-mkconfig"
# wicked's STARTMODE=manual: eth0 does not come up at boot.
sed -i "s/STARTMODE='auto'/STARTMODE='manual'/" "$T/sles15/etc/sysconfig/network/ifcfg-eth0"
scan sles15-startmode --root "$T/sles15"
# (a warning: cloud-init may write a network configuration at the first boot)
assert_eq "network.interface-names:warn:no-eth0" "$(not_passed)" "sles15: eth0 not up at boot, and only that"
assert_contains "$(q '.results[] | select(.id=="network.interface-names") | .evidence[].note')" "not brought up at boot (STARTMODE=manual)" \
    "sles15: says why"
sed -i "s/STARTMODE='manual'/STARTMODE='auto'/" "$T/sles15/etc/sysconfig/network/ifcfg-eth0"
IR_MODS=- IR_NAME=initrd-VER mkkernel "$T/sles15" 5.14.21-150500.55.39-default
scan sles15-virtio --root "$T/sles15"
assert_eq "drivers.virtio-initramfs:fail:missing" "$(not_passed)" "sles15: the initramfs, and only it"
assert_contains "$(cmds_of drivers.virtio-initramfs)" "/boot/initrd-5.14.21-150500.55.39-default 5.14.21-150500.55.39-default" \
    "sles15: dracut with initrd-<ver>"

# ---- Ubuntu 22.04 ----
family_tree "$T/ubuntu2204" ubuntu2204
ready ubuntu2204
assert_eq "debian" "$(q '.results[] | select(.id=="os.release") | .evidence[] | select(.label=="family") | .value')" "Ubuntu: Debian family"
assert_status system.apparmor fail enabled
assert_status system.firewall pass none
# The installer's netplan, next to cloud-init's: eth0 matched by the old MAC.
printf 'network:\n    ethernets:\n        eth0:\n            dhcp4: true\n            match:\n                macaddress: 52:54:00:12:34:56\n            set-name: eth0\n    version: 2\n' \
    >"$T/ubuntu2204/etc/netplan/00-installer-config.yaml"
scan ubuntu-mac --root "$T/ubuntu2204"
assert_eq "network.mac-binding:fail:pinned" "$(not_passed)" "ubuntu: the MAC binding, and only it"
rm "$T/ubuntu2204/etc/netplan/00-installer-config.yaml"
# ufw enabled with its default DROP policy and no SSH rule.
sed -i 's/^ENABLED=no/ENABLED=yes/' "$T/ubuntu2204/etc/ufw/ufw.conf"
scan ubuntu-ufw --root "$T/ubuntu2204"
assert_eq "system.firewall:fail:drops-ssh" "$(not_passed)" "ubuntu: ufw, and only it"
assert_eq "ufw allow 22/tcp" "$(cmds_of system.firewall)" "ubuntu: ufw's command"
sed -i 's/^ENABLED=yes/ENABLED=no/' "$T/ubuntu2204/etc/ufw/ufw.conf"
# PermitRootLogin no in a drop-in, as some hardening guides write it.
printf 'PermitRootLogin no\n' >"$T/ubuntu2204/etc/ssh/sshd_config.d/90-hardening.conf"
scan ubuntu-sshd --root "$T/ubuntu2204"
assert_eq "system.sshd:fail:root-login-off" "$(not_passed)" "ubuntu: sshd, and only it"
assert_contains "$(cmds_of system.sshd)" "grep -rn -i '^[[:space:]]*PermitRootLogin' /etc/ssh/sshd_config /etc/ssh/sshd_config.d" "ubuntu: where to look"
done_testing
