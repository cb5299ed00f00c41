# network.interface-names: the target has eth0 only, by DHCP.
. "$CSM_SRC/tests/lib.sh"
R=$T/root
ifn() { q '.results[] | select(.id=="network.interface-names") | .'"$1"; }
fresh() { rm -rf "$R"; readytree "$R" "${1:-debian}"; }
ifaces() { printf '%s\n' "$@" >"$R/etc/network/interfaces"; }
no_cloud_init() { rm -rf "$R/etc/systemd/system/cloud-init.target.wants"; }

fresh
scan ok --root "$R"
assert_status network.interface-names pass ok
assert_eq /etc/network/interfaces:5 "$(ifn 'evidence[] | select(.label=="ifupdown") | .source')" "the dhcp stanza"

# Configured for the VMware NIC name only.
ifaces 'auto lo' 'iface lo inet loopback' 'allow-hotplug ens192' 'iface ens192 inet dhcp'
scan ens192-ci --root "$R"
assert_status network.interface-names warn no-eth0
assert_contains "$(ifn message)" "cloud-init may write a configuration" "cloud-init softens it"
no_cloud_init
scan ens192 --root "$R"
assert_status network.interface-names fail no-eth0
assert_exit 2
assert_contains "$(ifn 'evidence[] | select(.problem) | .note')" "ens192 will not exist on the target" "names the missing NIC"
mkdir -p "$R/etc/cloud/cloud.cfg.d"

# Static address on eth0.
fresh
ifaces 'auto eth0' 'iface eth0 inet static' '    address 192.168.10.5/24' '    gateway 192.168.10.1'
scan static --root "$R"
assert_status network.interface-names fail static
assert_eq /etc/network/interfaces:3 "$(ifn 'evidence[] | select(.label=="ifupdown") | .source')" "the address line"

# eth0 by DHCP plus leftovers: warnings.
fresh
ifaces 'auto eth0' 'iface eth0 inet dhcp' 'auto eth1' 'iface eth1 inet static' '  address 10.1.1.5' \
    'auto bond0' 'iface bond0 inet static' '  address 10.2.2.2'
scan leftovers --root "$R"
assert_status network.interface-names warn other-names
assert_contains "$(ifn 'evidence[].note')" "static address 10.2.2.2 on bond0" "static on a bond"
assert_exit 1

# No DHCP client.
fresh
rm "$R/usr/sbin/dhclient"
sed -i '/^Package: isc-dhcp-client$/,/^$/d' "$R/var/lib/dpkg/status"
scan no-client --root "$R"
assert_status network.interface-names fail no-dhcp-client
assert_contains "$(ifn 'remediation.commands[]')" "apt-get -y install isc-dhcp-client" "client command"

# netplan with a name pattern; predictable names matter only for literal names.
fresh
rm "$R/etc/network/interfaces"
mkdir -p "$R/etc/netplan" "$R/lib/udev/rules.d"
touch "$R/lib/udev/rules.d/80-net-setup-link.rules"
printf 'network:\n  ethernets:\n    all:\n      match: {name: "e*"}\n      dhcp4: yes\n' >"$R/etc/netplan/01.yaml"
scan netplan-glob --root "$R"
assert_status network.interface-names pass ok
printf 'network:\n  ethernets:\n    eth0:\n      dhcp4: yes\n' >"$R/etc/netplan/01.yaml"
scan predictable --root "$R"
assert_status network.interface-names warn predictable
assert_contains "$(ifn 'remediation.commands[]')" "net.ifnames=0" "ifnames command"
grubcfg "$R" "UUID=$ROOT_UUID net.ifnames=0 biosdevname=0"
scan ifnames0 --root "$R"
assert_status network.interface-names pass ok

# NetworkManager: a profile without interface-name, and auto-default.
fresh rhel
rm -rf "$R/etc/sysconfig/network-scripts"
mkdir -p "$R/etc/NetworkManager/system-connections" "$R/usr/lib/systemd/system" \
    "$R/etc/systemd/system/multi-user.target.wants"
no_cloud_init
scan rhel-nothing --root "$R"
assert_status network.interface-names fail no-eth0
printf '[Unit]\n' >"$R/usr/lib/systemd/system/NetworkManager.service"
touch "$R/usr/sbin/NetworkManager"
ln -s /usr/lib/systemd/system/NetworkManager.service "$R/etc/systemd/system/multi-user.target.wants/"
scan nm-auto --root "$R"
assert_status network.interface-names pass ok
printf '[connection]\nid=ens192\ntype=ethernet\ninterface-name=ens192\n[ipv4]\nmethod=manual\naddress1=10.0.0.5/24,10.0.0.1\n' \
    >"$R/etc/NetworkManager/system-connections/ens192.nmconnection"
scan nm-ens192 --root "$R"
assert_status network.interface-names warn other-names
assert_contains "$(ifn 'evidence[].value')" "ens192: static 10.0.0.5/24" "keyfile address"

# RHEL ifcfg under the old name, static.
fresh rhel
no_cloud_init
rm "$R/etc/sysconfig/network-scripts/ifcfg-eth0"
printf 'TYPE=Ethernet\nBOOTPROTO=none\nDEVICE=ens192\nIPADDR=10.0.0.5\nPREFIX=24\n' \
    >"$R/etc/sysconfig/network-scripts/ifcfg-ens192"
scan ifcfg-ens192 --root "$R"
assert_status network.interface-names fail no-eth0
assert_contains "$(ifn 'remediation.commands[]')" "" "commands render"

# systemd-networkd: a .network for the old name; another for any NIC.
fresh
rm "$R/etc/network/interfaces"
no_cloud_init
mkdir -p "$R/etc/systemd/network"
printf '[Match]\nName=ens192\n[Network]\nAddress=10.0.0.5/24\n' >"$R/etc/systemd/network/10-old.network"
scan networkd-old --root "$R"
assert_status network.interface-names fail no-eth0
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=ipv4\n' >"$R/etc/systemd/network/20-dhcp.network"
scan networkd-any --root "$R"
assert_status network.interface-names warn other-names

# ifupdown "source" directives are followed, inside the tree.
fresh
mkdir -p "$R/etc/network/interfaces.d"
ifaces 'source /etc/network/interfaces.d/*' 'source-directory interfaces.d'
printf 'auto eth0\niface eth0 inet dhcp\n' >"$R/etc/network/interfaces.d/eth0"
printf 'iface eth9 inet dhcp\n' >"$R/etc/network/interfaces.d/.hidden"
scan source --root "$R"
assert_status network.interface-names pass ok
assert_contains "$(ifn 'evidence[].source')" "/etc/network/interfaces.d/eth0:2" "sourced file"
ifaces 'source /etc/network/interfaces' 'source ../../../../etc/network/interfaces'
scan source-loop --root "$R"
assert_status network.interface-names warn no-eth0
done_testing
