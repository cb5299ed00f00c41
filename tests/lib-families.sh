# Sourced (after tests/lib.sh) by the tests of whole systems of each
# family, laid out as the distribution lays out its files: the package
# database (dpkg; rpm's sqlite, Berkeley DB or ndb, made by rpmbuild and
# rpm --root), the kernels and their initramfs names, the boot loader (BLS
# on RHEL 9, grub2 menus on CentOS 7 and SUSE, grub on Ubuntu), the network
# (NetworkManager keyfiles, ifcfg, wicked's ifcfg, netplan), the SSH server,
# the firewall each ships enabled, AppArmor where it is on by default.
#   family_tree DIR rhel9|centos7|sles15|ubuntu2204
# The tree is ready to move; the tests then break one thing at a time.

fam_os() { # DIR NAME VERSION_ID ID ID_LIKE PRETTY
    mkdir -p "$1/usr/lib" "$1/etc"
    printf 'NAME="%s"\nVERSION_ID="%s"\nID="%s"\nID_LIKE="%s"\nPRETTY_NAME="%s"\n' "$2" "$3" "$4" "$5" "$6" \
        >"$1/usr/lib/os-release"
    ln -sf ../usr/lib/os-release "$1/etc/os-release"
}

fam_unit() { # DIR UNIT [TARGET]: a unit file, enabled at boot
    local d=$1 unit=$2 target=${3:-multi-user.target}
    mkdir -p "$d/usr/lib/systemd/system" "$d/etc/systemd/system/$target.wants"
    printf '[Unit]\nDescription=%s\n[Install]\nWantedBy=%s\n' "$unit" "$target" >"$d/usr/lib/systemd/system/$unit"
    ln -sf "/usr/lib/systemd/system/$unit" "$d/etc/systemd/system/$target.wants/$unit"
}

fam_prog() { # DIR PATH...
    local d=$1 p
    shift
    for p in "$@"; do
        mkdir -p "$d/$(dirname "$p")"
        printf '#!/bin/sh\n' >"$d/$p"
        chmod 0755 "$d/$p"
    done
}

# RHEL's public zone and ssh service, as firewalld ships them.
fam_firewalld() { # DIR
    local d=$1
    mkdir -p "$d/usr/lib/firewalld/zones" "$d/usr/lib/firewalld/services" "$d/etc/firewalld/zones"
    cat >"$d/usr/lib/firewalld/zones/public.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <description>For use in public areas. You do not trust the other computers on networks to not harm your computer. Only selected incoming connections are accepted.</description>
  <service name="ssh"/>
  <service name="dhcpv6-client"/>
  <service name="cockpit"/>
  <forward/>
</zone>
XML
    printf '<?xml version="1.0" encoding="utf-8"?>\n<service>\n  <short>SSH</short>\n  <port protocol="tcp" port="22"/>\n</service>\n' \
        >"$d/usr/lib/firewalld/services/ssh.xml"
    printf '# firewalld config file\n\nDefaultZone=public\nCleanupOnExit=yes\nFirewallBackend=nftables\n' \
        >"$d/etc/firewalld/firewalld.conf"
    fam_unit "$d" firewalld.service
    fam_prog "$d" usr/sbin/firewalld
}

fam_sshd() { # DIR UNIT
    local d=$1
    mkdir -p "$d/etc/ssh/sshd_config.d"
    printf '#\t$OpenBSD: sshd_config,v 1.104 2021/07/02 05:11:21 dtucker Exp $\n\nInclude /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\nAuthorizedKeysFile\t.ssh/authorized_keys\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nSubsystem\tsftp\t/usr/libexec/openssh/sftp-server\n' \
        >"$d/etc/ssh/sshd_config"
    fam_unit "$d" "$2"
    fam_prog "$d" usr/sbin/sshd
}

fam_cloud_init() { # DIR
    local d=$1 u
    mkdir -p "$d/etc/cloud" "$d/etc/systemd/system/cloud-init.target.wants"
    printf 'users:\n  - default\ndisable_root: true\n' >"$d/etc/cloud/cloud.cfg"
    for u in cloud-init-local cloud-init cloud-config cloud-final; do
        mkdir -p "$d/usr/lib/systemd/system"
        printf '[Unit]\nDescription=%s\n' "$u" >"$d/usr/lib/systemd/system/$u.service"
        ln -sf "/usr/lib/systemd/system/$u.service" "$d/etc/systemd/system/cloud-init.target.wants/$u.service"
    done
    fam_prog "$d" usr/bin/cloud-init
}

fam_accounts() { # DIR
    local d=$1
    echo "$(basename "$d")" >"$d/etc/hostname"
    echo "0123456789abcdef0123456789abcdef" >"$d/etc/machine-id"
    printf 'root:x:0:0:root:/root:/bin/bash\n' >"$d/etc/passwd"
    printf 'root:x:0:\nshadow:x:42:\n' >"$d/etc/group"
    printf 'root:$6$abc$def:19700:0:99999:7:::\n' >"$d/etc/shadow"
    chown 0:0 "$d/etc/shadow"
    chmod 0000 "$d/etc/shadow"
}

# An rpm database of these packages (NAME=VERSION-RELEASE[:EPOCH]), in the
# backend and place of the family. Usage: fam_rpmdb DIR sqlite|bdb|ndb DBPATH SPEC...
fam_rpmdb() {
    local d=$1 kind=$2 dbpath=$3 spec name ver rel ep rpms=()
    shift 3
    for spec in "$@"; do
        name=${spec%%=*}
        ver=${spec#*=}
        ep=
        [[ $ver == *:* ]] && ep=${ver##*:} && ver=${ver%:*}
        rel=${ver#*-}
        ver=${ver%%-*}
        rpms+=("$(mkrpm "$name" "$ver" "$rel" /usr/share/doc "$name" "$ep" x86_64)")
    done
    case $kind in
    sqlite) rpmdb_sqlite "$d" "$dbpath" "${rpms[@]}" ;;
    bdb)
        rpmdb_sqlite "$T/.fam-src" /var/lib/rpm "${rpms[@]}"
        rpmdb_bdb "$T/.fam-src/var/lib/rpm/rpmdb.sqlite" "$d$dbpath/Packages"
        rm -rf "$T/.fam-src"
        ;;
    ndb)
        rpmdb_sqlite "$T/.fam-src" /var/lib/rpm "${rpms[@]}"
        rpmdb_ndb "$T/.fam-src" /var/lib/rpm "$d$dbpath" >"$T/.fam-ndb.log" 2>&1 || {
            # no ndb-capable rpm here: SLE 15 up to SP2's Berkeley DB, in the same place
            rpmdb_bdb "$T/.fam-src/var/lib/rpm/rpmdb.sqlite" "$d$dbpath/Packages"
        }
        rm -rf "$T/.fam-src"
        ;;
    esac
}

family_tree() {
    local d=$1 fam=$2 k
    mkdir -p "$d"/{etc/default,boot,usr/lib,var/lib}
    fam_accounts "$d"
    fam_cloud_init "$d"
    fam_prog "$d" usr/bin/rsync
    case $fam in
    rhel9)
        fam_os "$d" "Red Hat Enterprise Linux" 9.4 rhel "fedora" "Red Hat Enterprise Linux 9.4 (Plow)"
        fam_rpmdb "$d" sqlite /var/lib/rpm rsync=3.2.3-19.el9 cloud-init=23.4-7.el9 openssh-server=8.7p1-38.el9 \
            NetworkManager=1.46.0-4.el9:1 kernel-core=5.14.0-427.el9 kernel-core=5.14.0-427.13.1.el9_4 \
            firewalld=1.3.4-1.el9 grub2-pc=2.06-77.el9:1 lvm2=2.03.23-2.el9:9
        mkdir -p "$d/boot/grub2/i386-pc" "$d/boot/loader/entries"
        fam_prog "$d" usr/bin/dracut usr/sbin/NetworkManager
        for k in 5.14.0-427.el9.x86_64 5.14.0-427.13.1.el9_4.x86_64; do
            IR_NAME=initramfs-VER.img mkkernel "$d" "$k"
            printf 'title Red Hat Enterprise Linux (%s) 9.4 (Plow)\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img $tuned_initrd\noptions root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M rd.lvm.lv=rhel/root net.ifnames=0 $tuned_params\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class rhel\n' \
                "$k" "$k" "$k" "$k" >"$d/boot/loader/entries/0123456789abcdef0123456789abcdef-$k.conf"
        done
        printf 'set default="${saved_entry}"\nload_env -f ${config_directory}/grubenv\ninsmod blscfg\nblscfg\n' \
            >"$d/boot/grub2/grub.cfg"
        printf '# GRUB Environment Block\nsaved_entry=\nboot_success=1\n' >"$d/boot/grub2/grubenv"
        printf 'GRUB_TIMEOUT=5\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M rd.lvm.lv=rhel/root net.ifnames=0"\nGRUB_ENABLE_BLSCFG=true\n' \
            >"$d/etc/default/grub"
        mkdir -p "$d/etc/sysconfig"
        printf '# UPDATEDEFAULT specifies if kernel-install should make\n# new kernels the default\nUPDATEDEFAULT=yes\n\n# DEFAULTKERNEL specifies the default kernel package type\nDEFAULTKERNEL=kernel-core\n' \
            >"$d/etc/sysconfig/kernel"
        mkdir -p "$d/etc/selinux"
        printf 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' >"$d/etc/selinux/config"
        fstab "$d" "/dev/mapper/rhel-root / xfs defaults 0 0" "UUID=$BOOT_UUID /boot xfs defaults 0 0"
        mkdir -p "$d/etc/lvm" "$d/etc/NetworkManager/system-connections"
        printf 'config {\n\tchecks = 1\n}\ndevices {\n\t# use_devicesfile = 1\n}\n' >"$d/etc/lvm/lvm.conf"
        printf '[connection]\nid=System eth0\nuuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\ntype=ethernet\ninterface-name=eth0\n\n[ethernet]\n\n[ipv4]\nmethod=auto\n\n[ipv6]\naddr-gen-mode=eui64\nmethod=auto\n' \
            >"$d/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection"
        chmod 0600 "$d/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection"
        fam_unit "$d" NetworkManager.service
        fam_sshd "$d" sshd.service
        fam_firewalld "$d"
        ;;
    centos7)
        fam_os "$d" "CentOS Linux" 7 centos "rhel fedora" "CentOS Linux 7 (Core)"
        fam_rpmdb "$d" bdb /var/lib/rpm rsync=3.1.2-12.el7_9 cloud-init=19.4-7.el7.centos.6 \
            openssh-server=7.4p1-23.el7_9 dhclient=4.2.5-83.el7.centos.2:12 kernel=3.10.0-1160.el7 \
            iptables-services=1.4.21-35.el7 grub2-pc=2.02-0.87.el7.centos.14:1
        mkdir -p "$d/boot/grub2/i386-pc"
        fam_prog "$d" usr/bin/dracut usr/sbin/dhclient
        k=3.10.0-1160.el7.x86_64
        IR_NAME=initramfs-VER.img mkkernel "$d" "$k"
        cat >"$d/boot/grub2/grub.cfg" <<CFG
set default="\${saved_entry}"
menuentry 'CentOS Linux ($k) 7 (Core)' --class centos --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-$k-advanced-$ROOT_UUID' {
	load_video
	insmod xfs
	linux16 /vmlinuz-$k root=UUID=$ROOT_UUID ro crashkernel=auto rhgb quiet net.ifnames=0 LANG=en_US.UTF-8
	initrd16 /initramfs-$k.img
}
menuentry 'CentOS Linux (0-rescue-0123456789abcdef0123456789abcdef) 7 (Core)' --class centos \$menuentry_id_option 'gnulinux-0-rescue-advanced-$ROOT_UUID' {
	linux16 /vmlinuz-0-rescue-0123456789abcdef0123456789abcdef root=UUID=$ROOT_UUID ro crashkernel=auto rhgb quiet
	initrd16 /initramfs-0-rescue-0123456789abcdef0123456789abcdef.img
}
CFG
        printf '# GRUB Environment Block\nsaved_entry=CentOS Linux (%s) 7 (Core)\n' "$k" >"$d/boot/grub2/grubenv"
        printf 'GRUB_TIMEOUT=5\nGRUB_DEFAULT=saved\nGRUB_DISABLE_SUBMENU=true\nGRUB_CMDLINE_LINUX="crashkernel=auto rhgb quiet net.ifnames=0"\n' \
            >"$d/etc/default/grub"
        mkdir -p "$d/etc/sysconfig/network-scripts" "$d/etc/selinux"
        printf 'UPDATEDEFAULT=yes\nDEFAULTKERNEL=kernel\n' >"$d/etc/sysconfig/kernel"
        printf 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' >"$d/etc/selinux/config"
        printf 'DEVICE="eth0"\nBOOTPROTO="dhcp"\nONBOOT="yes"\nTYPE="Ethernet"\nPERSISTENT_DHCLIENT="yes"\n' \
            >"$d/etc/sysconfig/network-scripts/ifcfg-eth0"
        fstab "$d" "UUID=$ROOT_UUID / xfs defaults 0 0"
        cat >"$d/etc/sysconfig/iptables" <<'IPT'
# sample configuration for iptables service
# you can edit this manually or use system-config-firewall
# please do not ask us to add additional ports/services to this default configuration
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
IPT
        fam_unit "$d" iptables.service basic.target
        fam_sshd "$d" sshd.service
        ;;
    sles15)
        fam_os "$d" "SLES" 15.5 sles "suse" "SUSE Linux Enterprise Server 15 SP5"
        mkdir -p "$d/usr/lib/sysimage/rpm" "$d/var/lib"
        ln -s ../../usr/lib/sysimage/rpm "$d/var/lib/rpm"
        fam_rpmdb "$d" ndb /usr/lib/sysimage/rpm rsync=3.2.3-150400.3.8.1 cloud-init=23.3-150100.8.71.1 \
            openssh-server=8.4p1-150300.3.30.1 wicked=0.6.73-150500.3.18.1 \
            kernel-default=5.14.21-150500.55.39.1 apparmor-parser=3.1.7-150500.11.3.1 grub2-i386-pc=2.06-150500.29.19.1
        mkdir -p "$d/boot/grub2/i386-pc"
        fam_prog "$d" usr/bin/dracut usr/sbin/wicked
        k=5.14.21-150500.55.39-default
        IR_NAME=initrd-VER mkkernel "$d" "$k"
        ln -s "vmlinuz-$k" "$d/boot/vmlinuz"
        ln -s "initrd-$k" "$d/boot/initrd"
        printf 'CONFIG_SECURITY_APPARMOR=y\nCONFIG_LSM="integrity,apparmor"\n' >>"$d/boot/config-$k"
        cat >"$d/boot/grub2/grub.cfg" <<CFG
set default="\${saved_entry}"
menuentry 'SLES 15-SP5' --class sles --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-$ROOT_UUID' {
	insmod ext2
	linux	/boot/vmlinuz-$k root=UUID=$ROOT_UUID \${extra_cmdline} splash=silent mitigations=auto quiet security=apparmor
	initrd	/boot/initrd-$k
}
CFG
        printf '# GRUB Environment Block\nsaved_entry=SLES 15-SP5\n' >"$d/boot/grub2/grubenv"
        printf 'GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX_DEFAULT="splash=silent mitigations=auto quiet security=apparmor"\n' \
            >"$d/etc/default/grub"
        mkdir -p "$d/etc/sysconfig/network"
        printf '## Path:\tSystem/Bootloader\nLOADER_TYPE="grub2"\nSECURE_BOOT="no"\nTRUSTED_BOOT="no"\nUPDATE_NVRAM="yes"\n' \
            >"$d/etc/sysconfig/bootloader"
        printf "BOOTPROTO='dhcp'\nSTARTMODE='auto'\nDHCLIENT_SET_HOSTNAME='yes'\n" >"$d/etc/sysconfig/network/ifcfg-eth0"
        printf "STARTMODE='auto'\nBOOTPROTO='static'\nIPADDR='127.0.0.1/8'\n" >"$d/etc/sysconfig/network/ifcfg-lo"
        printf '## Path: System/Kernel\nMODULES_LOADED_ON_BOOT=""\n' >"$d/etc/sysconfig/kernel"
        fstab "$d" "UUID=$ROOT_UUID / ext4 defaults 0 1"
        fam_unit "$d" wicked.service
        fam_unit "$d" apparmor.service
        fam_sshd "$d" sshd.service
        fam_firewalld "$d"
        ;;
    ubuntu2204)
        fam_os "$d" "Ubuntu" 22.04 ubuntu "debian" "Ubuntu 22.04.4 LTS"
        mkdir -p "$d/var/lib/dpkg" "$d/boot/grub/i386-pc"
        printf 'Package: %s\nStatus: install ok installed\nVersion: %s\n\n' grub-pc 2.06-2ubuntu7.2 \
            rsync 3.2.7-0ubuntu0.22.04.2 cloud-init 23.4.4-0ubuntu0~22.04.1 openssh-server 1:8.9p1-3ubuntu0.6 \
            ufw 0.36.1-4ubuntu0.1 apparmor 3.0.4-2ubuntu2.3 netplan.io 0.106.1-7ubuntu0.22.04.2 \
            linux-image-5.15.0-101-generic 5.15.0-101.111 >"$d/var/lib/dpkg/status"
        fam_prog "$d" usr/sbin/update-initramfs usr/lib/systemd/systemd-networkd
        ln -s usr/lib "$d/lib"
        k=5.15.0-101-generic
        IR_NAME=initrd.img-VER mkkernel "$d" "$k"
        printf 'CONFIG_SECURITY_APPARMOR=y\nCONFIG_LSM="landlock,lockdown,yama,integrity,apparmor"\n' >>"$d/boot/config-$k"
        ln -s "boot/vmlinuz-$k" "$d/vmlinuz"
        mkdir -p "$d/boot/grub"
        cat >"$d/boot/grub/grub.cfg" <<CFG
set default="0"
menuentry 'Ubuntu' --class ubuntu --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-$ROOT_UUID' {
	insmod ext2
	linux	/boot/vmlinuz-$k root=UUID=$ROOT_UUID ro console=tty1 console=ttyS0 net.ifnames=0
	initrd	/boot/initrd.img-$k
}
CFG
        mkdir -p "$d/etc/default/grub.d" "$d/etc/netplan" "$d/etc/ufw"
        printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=""\n' >"$d/etc/default/grub"
        printf 'GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0 net.ifnames=0"\n' \
            >"$d/etc/default/grub.d/50-cloudimg-settings.cfg"
        printf 'network:\n    ethernets:\n        eth0:\n            dhcp4: true\n    version: 2\n' \
            >"$d/etc/netplan/50-cloud-init.yaml"
        printf '# /etc/ufw/ufw.conf\n#\n\n# Set to yes to start on boot.\nENABLED=no\n\nLOGLEVEL=low\n' >"$d/etc/ufw/ufw.conf"
        printf 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n' >"$d/etc/default/ufw"
        fstab "$d" "UUID=$ROOT_UUID / ext4 discard,errors=remount-ro 0 1"
        fam_unit "$d" ufw.service
        fam_unit "$d" systemd-networkd.service
        fam_unit "$d" apparmor.service sysinit.target
        fam_sshd "$d" ssh.service
        ;;
    esac
}
