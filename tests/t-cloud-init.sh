# software.cloud-init: installed, enabled at boot, and allowed a datasource
# the target offers.
. "$CSM_SRC/tests/lib.sh"
R=$T/root
ci() { q '.results[] | select(.id=="software.cloud-init") | .'"$1"; }
fresh() { rm -rf "$R"; readytree "$R" "${1:-debian}"; }

fresh
scan ok --root "$R"
assert_status software.cloud-init pass ok
assert_contains "$(ci 'evidence[] | select(.label=="package") | .source')" "/var/lib/dpkg/status:" "package evidence"
assert_contains "$(ci 'evidence[] | select(.label=="cloud-init.service") | .source')" \
    "/etc/systemd/system/cloud-init.target.wants/cloud-init.service" "the wants link is the evidence"

# Not installed at all.
sed -i '/^Package: cloud-init$/,/^$/d' "$R/var/lib/dpkg/status"
rm -rf "$R/usr/bin/cloud-init" "$R"/lib/systemd/system/cloud-* "$R/etc/cloud"
scan missing --root "$R"
assert_status software.cloud-init fail missing
assert_exit 2
assert_contains "$(ci 'remediation.commands[]')" "apt-get -y install cloud-init" "install command"
scan missing-online --root "$R" --profile online
assert_eq warning "$(ci severity)" "online: a warning"

# Recorded as installed, its units in place, but the program is gone: nothing runs at boot.
fresh
rm "$R/usr/bin/cloud-init"
scan no-program --root "$R"
assert_status software.cloud-init fail no-program
assert_contains "$(ci message)" "cloud-init 22.4.2-1 is recorded as installed, but its program is gone" "the message"
assert_contains "$(ci 'evidence[] | select(.problem) | .value')" "no cloud-init in /usr/bin" "where it was looked for"
assert_contains "$(ci 'remediation.commands[]')" "apt-get -y install --reinstall cloud-init" "reinstall command"

# Disabled three ways.
fresh
touch "$R/etc/cloud/cloud-init.disabled"
scan marker --root "$R"
assert_status software.cloud-init fail disabled
assert_contains "$(ci 'remediation.commands[]')" "rm -f /etc/cloud/cloud-init.disabled" "marker command"
fresh
grubcfg "$R" "UUID=$ROOT_UUID cloud-init=disabled"
scan cmdline --root "$R"
assert_status software.cloud-init fail disabled
assert_contains "$(ci 'evidence[] | select(.label=="kernel command line") | .source')" "/boot/grub/grub.cfg:" "cmdline evidence"
fresh
echo 'GRUB_CMDLINE_LINUX="quiet cloud-init=disabled"' >"$R/etc/default/grub"
scan defaults --root "$R"
assert_status software.cloud-init fail disabled
fresh
rm -rf "$R/etc/systemd/system/cloud-init.target.wants"
for u in cloud-init-local cloud-init cloud-config cloud-final; do ln -s /dev/null "$R/etc/systemd/system/$u.service"; done
scan masked --root "$R"
assert_status software.cloud-init fail disabled
assert_contains "$(ci 'remediation.commands[]')" "systemctl unmask cloud-init-local.service" "unmask command"

# Installed, not enabled; then enabled by the distribution's preset.
fresh
rm -rf "$R/etc/systemd/system/cloud-init.target.wants"
scan not-enabled --root "$R"
assert_status software.cloud-init fail not-enabled
mkdir -p "$R/lib/systemd/system-preset"
printf '# defaults\nenable cloud-*.service\ndisable *\n' >"$R/lib/systemd/system-preset/90-default.preset"
scan preset --root "$R"
assert_status software.cloud-init pass ok
assert_eq /lib/systemd/system-preset/90-default.preset:2 \
    "$(ci 'evidence[] | select(.label=="cloud-init.service") | .source')" "preset file:line"
# An earlier preset file that disables wins.
printf 'disable cloud-init*\n' >"$R/lib/systemd/system-preset/10-site.preset"
scan preset-disabled --root "$R"
assert_status software.cloud-init fail not-enabled

# SysV: an rc link starts it.
fresh rhel
rm -rf "$R/etc/systemd/system/cloud-init.target.wants" "$R"/lib/systemd/system/cloud-*
mkdir -p "$R/etc/init.d" "$R/etc/rc3.d"
touch "$R/etc/init.d/cloud-init"
ln -s ../init.d/cloud-init "$R/etc/rc3.d/S50cloud-init"
scan sysv --root "$R"
assert_status software.cloud-init pass ok

# datasource_list: later files win; the target's datasources are a parameter.
fresh
printf 'datasource_list: [ NoCloud, None ]\n' >"$R/etc/cloud/cloud.cfg"
scan ds-ok --root "$R"
assert_status software.cloud-init pass ok
mkdir -p "$R/etc/cloud/cloud.cfg.d"
printf '# set by the installer\ndatasource_list:\n  - Ec2\n  - None\n' >"$R/etc/cloud/cloud.cfg.d/90_dpkg.cfg"
scan ds-excluded --root "$R"
assert_status software.cloud-init fail no-datasource
assert_eq /etc/cloud/cloud.cfg.d/90_dpkg.cfg:2 "$(ci 'evidence[] | select(.label=="datasource_list") | .source')" \
    "the list in force, with its line"
printf 'datasource_list: [ ConfigDrive ]\n' >"$R/etc/cloud/cloud.cfg.d/99_site.cfg"
scan ds-later --root "$R"
assert_status software.cloud-init pass ok
mkdir -p "$T/site"
printf '[software.cloud-init]\nparam.datasources =\nparam.datasources = Ec2\n' >"$T/site/ds.rules"
rm "$R/etc/cloud/cloud.cfg.d/99_site.cfg"
scan ds-site --root "$R" --rules "$T/site"
assert_status software.cloud-init pass ok
printf 'datasource_list: []\n' >"$R/etc/cloud/cloud.cfg.d/99_site.cfg"
scan ds-empty --root "$R"
assert_status software.cloud-init fail no-datasource

# Hostile configuration: a binary file is an error, garbage YAML is skipped.
fresh
mkdir -p "$R/etc/cloud/cloud.cfg.d"
printf 'datasource_list: [NoCloud]\0\377\n' >"$R/etc/cloud/cloud.cfg.d/50-bin.cfg"
scan ds-binary --root "$R"
assert_status software.cloud-init error
assert_contains "$(ci reason)" "50-bin.cfg" "the reason names the file"
rm "$R/etc/cloud/cloud.cfg.d/50-bin.cfg"
printf '\tdatasource_list: [None]\n[[[{{{\n- - -\n: :\n' >"$R/etc/cloud/cloud.cfg.d/50-garbage.cfg"
scan ds-garbage --root "$R"
assert_status software.cloud-init pass ok
done_testing
