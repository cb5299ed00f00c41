# system.sshd: an SSH server is installed and starts at boot, and its
# configuration, read as sshd reads it, lets root in with the platform's key
# or its password reset.
. "$CSM_SRC/tests/lib.sh"
R=$T/root
msg() { q '.results[] | select(.id=="system.sshd") | .message'; }
ev() { q '.results[] | select(.id=="system.sshd") | .evidence[] | [.label, .value, .source // "", .note // ""] | join(" ")'; }

readytree "$R"
scan stock --root "$R"
assert_status system.sshd pass key-only
assert_contains "$(ev)" "PermitRootLogin prohibit-password  sshd's default" "the default, said so"
assert_contains "$(ev)" "ssh.service enabled /etc/systemd/system/multi-user.target.wants/ssh.service" "the unit link"

# A drop-in included at the top wins over the main file (first value wins).
printf 'PermitRootLogin yes\n' >"$R/etc/ssh/sshd_config.d/50-cloud.conf"
printf 'PermitRootLogin no\nPasswordAuthentication no\n' >>"$R/etc/ssh/sshd_config"
scan dropin --root "$R"
assert_status system.sshd pass key-only
assert_contains "$(ev)" "PermitRootLogin yes /etc/ssh/sshd_config.d/50-cloud.conf:1" "the drop-in's value, with its line"

# PermitRootLogin no in the drop-in: neither the key nor the password lets root in.
printf 'PermitRootLogin no\n' >"$R/etc/ssh/sshd_config.d/50-cloud.conf"
scan rootoff --root "$R"
assert_status system.sshd fail root-login-off
assert_eq warning "$(q '.results[] | select(.id=="system.sshd") | .severity')" "a warning"
assert_exit 1

# A Match block that applies to root overrides; one on the address is only a condition.
printf 'PermitRootLogin no\nMatch User root\n  PermitRootLogin prohibit-password\n' >"$R/etc/ssh/sshd_config.d/50-cloud.conf"
scan match --root "$R"
assert_status system.sshd pass key-only
printf 'PermitRootLogin yes\nMatch Address 10.0.0.0/8\n  PermitRootLogin no\n' >"$R/etc/ssh/sshd_config.d/50-cloud.conf"
scan maybe --root "$R"
assert_status system.sshd pass
assert_contains "$(ev)" "a Match block (/etc/ssh/sshd_config.d/50-cloud.conf:3) sets no for some connections only" "the condition"

# No key login and no password: no way in.
printf 'PubkeyAuthentication no\nPasswordAuthentication no\nPermitRootLogin yes\n' >"$R/etc/ssh/sshd_config.d/50-cloud.conf"
scan nologin --root "$R"
assert_status system.sshd fail no-login
printf 'AuthorizedKeysFile none\nPasswordAuthentication no\nPermitRootLogin yes\n' >"$R/etc/ssh/sshd_config.d/50-cloud.conf"
scan nokeys --root "$R"
assert_status system.sshd fail no-login

# An Include that cannot be read: not known, never a pass.
rm "$R/etc/ssh/sshd_config.d/50-cloud.conf"
mkdir "$R/etc/ssh/sshd_config.d/60-dir.conf"
mkfifo "$R/etc/ssh/sshd_config.d/70-fifo.conf"
scan unreadable --root "$R"
assert_status system.sshd error
rm -rf "$R/etc/ssh/sshd_config.d/60-dir.conf" "$R/etc/ssh/sshd_config.d/70-fifo.conf"
sed -i '/^PermitRootLogin no$/d; /^PasswordAuthentication no$/d' "$R/etc/ssh/sshd_config"

# Not enabled at boot.
rm "$R/etc/systemd/system/multi-user.target.wants/ssh.service"
scan disabled --root "$R"
assert_status system.sshd fail disabled
assert_contains "$(q '.results[] | select(.id=="system.sshd") | .remediation.commands | join("|")')" "systemctl enable ssh.service" "enable command"
# Socket activation counts (Ubuntu 22.10+).
printf '[Socket]\nListenStream=22\n' >"$R/lib/systemd/system/ssh.socket"
mkdir -p "$R/etc/systemd/system/sockets.target.wants"
ln -s /lib/systemd/system/ssh.socket "$R/etc/systemd/system/sockets.target.wants/ssh.socket"
scan socket --root "$R"
assert_status system.sshd pass

# Not installed at all.
rm -rf "$R/usr/sbin/sshd" "$R/lib/systemd/system/ssh."*
sed -i '/^Package: openssh-server$/,/^$/d' "$R/var/lib/dpkg/status"
scan missing --root "$R"
assert_status system.sshd fail missing
assert_contains "$(q '.results[] | select(.id=="system.sshd") | .remediation.commands | join("|")')" "apt-get -y install openssh-server" "install command"

# RHEL: sshd.service and the RPM package.
readytree "$T/rh" rhel
scan rhel --root "$T/rh"
assert_status system.sshd pass key-only
assert_contains "$(ev)" "package openssh-server 8.7p1-38.el9 /var/lib/rpm/rpmdb.sqlite #" "the RPM package"
# SUSE keeps the distribution's sshd_config in /usr/etc when /etc has none.
mkdir -p "$T/rh/usr/etc/ssh"
mv "$T/rh/etc/ssh/sshd_config" "$T/rh/usr/etc/ssh/sshd_config"
printf 'PermitRootLogin no\n' >>"$T/rh/usr/etc/ssh/sshd_config"
scan suse-usr --root "$T/rh"
assert_status system.sshd fail root-login-off
assert_contains "$(ev)" "/usr/etc/ssh/sshd_config:5" "the vendor file's line"
done_testing
