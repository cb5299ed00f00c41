# system.firewall: the firewalls a system starts at boot, judged on their
# saved rules for a new SSH connection after the move. The rules are made by
# the real tools, run in a copy of the suite's Debian tree where they are
# installed (tests/lib-chroot.sh), in a private network and mount namespace
# so that nothing of the host changes: firewall-offline-cmd writes zones, ufw
# its user rules, iptables-save prints what iptables loaded, nft -c checks a
# ruleset.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-chroot.sh"
need_root "chroot and namespaces"
need_cmd unshare chroot
chroot_fixture bookworm-firewalls ufw firewalld nftables iptables || skip_test "the firewalls cannot be installed (no network?)"
C=$CHROOT_TREE
R=$T/root
fw() { q '.results[] | select(.id=="system.firewall") | .evidence[] | [.label, .value, .source // ""] | join(" ")'; }
# Runs a tool of the chroot with DIR bound over its /etc/DIR, in new namespaces.
tool() { # etc-dir command...
    local dir=$1
    shift
    unshare -n -m sh -c 'mount --bind "$1" "$2/etc/$3" && shift 3 && chroot "$@"' sh "$T/$dir" "$C" "$dir" "$C" "$@"
}
enable() { # unit
    mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
    cp "$C/lib/systemd/system/$1" "$R/lib/systemd/system/$1"
    ln -sf "/lib/systemd/system/$1" "$R/etc/systemd/system/multi-user.target.wants/$1"
}

readytree "$R"
scan none --root "$R"
assert_status system.firewall pass none

# firewalld with RHEL's public zone as firewalld ships it: ssh is allowed.
mkdir -p "$R/usr/lib" "$R/etc"
cp -a "$C/usr/lib/firewalld" "$R/usr/lib/"
cp -a "$C/etc/firewalld" "$T/firewalld"
cp -a "$T/firewalld" "$R/etc/"
enable firewalld.service
scan firewalld --root "$R"
assert_status system.firewall pass allows
assert_contains "$(fw)" "firewalld SSH (tcp/22) accepted by service ssh /usr/lib/firewalld/zones/public.xml:" "the shipped zone allows ssh"
# ssh removed from the default zone by firewall-offline-cmd.
tool firewalld firewall-offline-cmd --remove-service=ssh >/dev/null
rm -rf "$R/etc/firewalld" && cp -a "$T/firewalld" "$R/etc/"
scan no-ssh --root "$R"
assert_status system.firewall fail drops-ssh
assert_contains "$(fw)" "dropped by target default /etc/firewalld/zones/public.xml" "the zone of /etc replaces the shipped one"
assert_contains "$(q '.results[] | select(.id=="system.firewall") | .remediation.commands | join("|")')" \
    "firewall-offline-cmd --zone=public --add-port=22/tcp" "the fix names the zone"
assert_exit 1
# ssh from one network only: the addresses change with the move.
tool firewalld firewall-offline-cmd --zone=public --add-rich-rule='rule family=ipv4 source address=10.0.0.0/8 service name=ssh accept' >/dev/null
rm -rf "$R/etc/firewalld" && cp -a "$T/firewalld" "$R/etc/"
scan rich --root "$R"
assert_status system.firewall fail some-sources
# sshd on another port: the firewall is judged for it.
tool firewalld firewall-offline-cmd --zone=public --add-port=2222/tcp >/dev/null
rm -rf "$R/etc/firewalld" && cp -a "$T/firewalld" "$R/etc/"
printf 'Port 2222\n' >"$R/etc/ssh/sshd_config.d/10-port.conf"
scan port --root "$R"
assert_status system.firewall pass allows
assert_contains "$(fw)" "SSH port 2222 /etc/ssh/sshd_config.d/10-port.conf:1" "sshd's port"
rm "$R/etc/ssh/sshd_config.d/10-port.conf"
# Installed but not started at boot: nothing to judge.
rm "$R/etc/systemd/system/multi-user.target.wants/firewalld.service"
scan fwd-off --root "$R"
assert_status system.firewall pass none

# ufw, enabled, default policy DROP (Debian's), a rule for another port only.
cp -a "$C/etc/ufw" "$T/ufw"
tool ufw ufw allow 2222/tcp >/dev/null
tool ufw ufw --force enable >/dev/null
cp -a "$T/ufw" "$R/etc/"
mkdir -p "$R/etc/default" && cp "$C/etc/default/ufw" "$R/etc/default/ufw"
scan ufw --root "$R"
assert_status system.firewall fail drops-ssh
assert_contains "$(fw)" 'ufw SSH (tcp/22) dropped by DEFAULT_INPUT_POLICY=DROP /etc/default/ufw:' "the default policy decides"
assert_contains "$(q '.results[] | select(.id=="system.firewall") | .remediation.commands | join("|")')" "ufw allow 22/tcp" "ufw's fix"
# (changed while disabled: this kernel may lack what ufw needs to load the rules)
tool ufw ufw --force disable >/dev/null
tool ufw ufw allow from any to any port 22 proto tcp >/dev/null
sed -i 's/^ENABLED=no/ENABLED=yes/' "$T/ufw/ufw.conf"
rm -rf "$R/etc/ufw" && cp -a "$T/ufw" "$R/etc/"
scan ufw-allow --root "$R"
assert_status system.firewall pass allows
rm -rf "$R/etc/ufw"

# nftables: Debian's shipped configuration accepts everything.
enable nftables.service
cp "$C/etc/nftables.conf" "$R/etc/nftables.conf"
scan nft-stock --root "$R"
assert_status system.firewall pass allows
# A ruleset nft itself accepts, with policy drop and no rule for SSH, in an included file.
mkdir -p "$R/etc/nftables.d"
cat >"$R/etc/nftables.d/filter.nft" <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport { 80, 443 } accept
	}
}
NFT
printf '#!/usr/sbin/nft -f\nflush ruleset\ninclude "/etc/nftables.d/*.nft"\n' >"$R/etc/nftables.conf"
assert_eq 0 "$(unshare -n chroot "$C" nft -c -f - <"$R/etc/nftables.d/filter.nft" >/dev/null 2>&1; echo $?)" "nft accepts the ruleset"
scan nft-drop --root "$R"
assert_status system.firewall fail drops-ssh
assert_contains "$(fw)" "nftables SSH (tcp/22) dropped by policy drop of chain inet filter input /etc/nftables.d/filter.nft:3" \
    "the included file's policy"
sed -i 's/tcp dport { 80, 443 } accept/tcp dport { 22, 80, 443 } accept/' "$R/etc/nftables.d/filter.nft"
scan nft-ok --root "$R"
assert_status system.firewall pass allows
rm -f "$R/etc/systemd/system/multi-user.target.wants/nftables.service"

# iptables: what iptables-save prints, loaded by netfilter-persistent (Debian) or iptables.service (RHEL).
unshare -n chroot "$C" sh -c 'iptables -P INPUT DROP && iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT &&
    iptables -A INPUT -i lo -j ACCEPT && iptables -A INPUT -p tcp --dport 80 -j ACCEPT && iptables-save' >"$T/rules.v4"
mkdir -p "$R/etc/iptables"
cp "$T/rules.v4" "$R/etc/iptables/rules.v4"
printf '[Unit]\nDescription=netfilter persistent configuration\n' >"$R/lib/systemd/system/netfilter-persistent.service"
ln -sf /lib/systemd/system/netfilter-persistent.service "$R/etc/systemd/system/multi-user.target.wants/"
scan ipt-drop --root "$R"
assert_status system.firewall fail drops-ssh
assert_contains "$(fw)" "iptables SSH (tcp/22) dropped by policy DROP of INPUT /etc/iptables/rules.v4:" "the chain's policy"
assert_contains "$(q '.results[] | select(.id=="system.firewall") | .remediation.commands | join("|")')" \
    "iptables -I INPUT -p tcp --dport 22 -j ACCEPT && iptables-save > /etc/iptables/rules.v4" "iptables' fix"
unshare -n chroot "$C" sh -c 'iptables -P INPUT DROP && iptables -A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT &&
    iptables -A INPUT -j REJECT --reject-with icmp-host-prohibited && iptables-save' >"$R/etc/iptables/rules.v4"
scan ipt-ok --root "$R"
assert_status system.firewall pass allows

# A ruleset that cannot be read: never a pass.
rm "$R/etc/iptables/rules.v4"
mkfifo "$R/etc/iptables/rules.v4"
scan ipt-fifo --root "$R"
assert_status system.firewall error
done_testing
