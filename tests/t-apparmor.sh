# system.apparmor: on when the default kernel enables it (Debian 12's config:
# CONFIG_SECURITY_APPARMOR=y in CONFIG_LSM) and apparmor.service loads its
# profiles at boot; off with apparmor=0 on every boot entry, without the
# service, or with a kernel that lacks it. Informational offline, a
# warning online (the agent's copy needs it off, as SELinux). Live: the
# running kernel's view (this host's may have no AppArmor at all).
. "$CSM_SRC/tests/lib.sh"
R=$T/root
readytree "$R"
ver=6.1.0-13-amd64
scan none --root "$R"
assert_status system.apparmor pass not-installed

# Debian 12's kernel and package, the service enabled at boot.
printf 'CONFIG_SECURITY_APPARMOR=y\nCONFIG_DEFAULT_SECURITY_APPARMOR=y\nCONFIG_LSM="landlock,lockdown,yama,loadpin,safesetid,integrity,apparmor,selinux,smack,tomoyo,bpf"\n' \
    >>"$R/boot/config-$ver"
printf 'Package: apparmor\nStatus: install ok installed\nVersion: 3.0.8-3\n\n' >>"$R/var/lib/dpkg/status"
mkdir -p "$R/etc/systemd/system/sysinit.target.wants"
printf '[Unit]\nDescription=Load AppArmor profiles\n' >"$R/lib/systemd/system/apparmor.service"
ln -s /lib/systemd/system/apparmor.service "$R/etc/systemd/system/sysinit.target.wants/apparmor.service"
scan on --root "$R"
assert_status system.apparmor fail enabled
assert_eq info "$(q '.results[] | select(.id=="system.apparmor") | .severity')" "offline: informational"
assert_exit 0
scan on-online --root "$R" --profile online
assert_eq warning "$(q '.results[] | select(.id=="system.apparmor") | .severity')" "online: a warning"
assert_exit 1
assert_contains "$(q '.results[] | select(.id=="system.apparmor") | .remediation.commands | join("|")')" \
    "systemctl disable --now apparmor.service|sed -i 's/^GRUB_CMDLINE_LINUX=\"/GRUB_CMDLINE_LINUX=\"apparmor=0 /' /etc/default/grub|update-grub" \
    "Debian's commands"

# apparmor=0 on the boot entry: off.
sed -i "s|root=UUID=$ROOT_UUID ro quiet|root=UUID=$ROOT_UUID ro quiet apparmor=0|" "$R/boot/grub/grub.cfg"
scan cmdline --root "$R"
assert_status system.apparmor pass disabled
assert_contains "$(q '.results[] | select(.id=="system.apparmor") | .evidence[].value')" "apparmor=0 on every boot entry" "says why"
# security=selinux leaves it out too.
sed -i 's/ apparmor=0/ security=selinux/' "$R/boot/grub/grub.cfg"
scan security --root "$R"
assert_status system.apparmor pass disabled
sed -i 's/ security=selinux//' "$R/boot/grub/grub.cfg"

# A kernel built without it.
sed -i '/APPARMOR/d; /CONFIG_LSM/d' "$R/boot/config-$ver"
scan nokernel --root "$R"
assert_status system.apparmor pass disabled
# No kernel configuration at all: cannot be told.
rm "$R/boot/config-$ver"
scan noconfig --root "$R"
assert_status system.apparmor error

# The service not enabled: no profiles are loaded.
printf 'CONFIG_SECURITY_APPARMOR=y\nCONFIG_DEFAULT_SECURITY_APPARMOR=y\n' >"$R/boot/config-$ver"
rm "$R/etc/systemd/system/sysinit.target.wants/apparmor.service"
scan noservice --root "$R"
assert_status system.apparmor pass disabled

# Live: the running kernel decides (/sys/module/apparmor).
run_csm --format json
printf '%s\n' "$out" >"$T/live.json"
live=$(q '.results[] | select(.id=="system.apparmor") | .status + " " + (.outcome // "")' "$T/live.json")
if [ -e /sys/module/apparmor/parameters/enabled ] && [ "$(cat /sys/module/apparmor/parameters/enabled)" = Y ]; then
    assert_eq "fail enabled" "$live" "live: the running kernel enforces AppArmor"
else
    assert_match "^pass (disabled|not-installed)$" "$live" "live: this kernel has no AppArmor"
fi
done_testing
