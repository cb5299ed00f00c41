# software.rsync: installed per the package database or the program file;
# the online profile blocks without it and names the family's command.
. "$CSM_SRC/tests/lib.sh"
R=$T/root

readytree "$R"
scan deb-ok --root "$R"
assert_status software.rsync pass installed
assert_eq /var/lib/dpkg/status:5 "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].source')" "package evidence has file:line"

# Debian without rsync: informational offline, a blocker online.
sed -i '/^Package: rsync$/,/^$/d' "$R/var/lib/dpkg/status"
rm "$R/usr/bin/rsync"
scan deb-missing --root "$R"
assert_status software.rsync fail missing
assert_eq info "$(q '.results[] | select(.id=="software.rsync") | .severity')" "offline: informational"
assert_eq 0 "$rc" "offline verdict unaffected"
scan deb-missing-online --root "$R" --profile online
assert_status software.rsync fail missing
assert_eq blocker "$(q '.results[] | select(.id=="software.rsync") | .severity')" "online: blocker"
assert_exit 2
assert_eq "apt-get -y install rsync" "$(q '.results[] | select(.id=="software.rsync") | .remediation.commands | join("|")')" "debian command"

# Installed by hand: the program counts even without a package entry.
touch "$R/usr/local/bin/rsync" 2>/dev/null || { mkdir -p "$R/usr/local/bin"; touch "$R/usr/local/bin/rsync"; }
scan deb-local --root "$R"
assert_status software.rsync pass installed

# RHEL: no database the tool can read; the file decides.
rm -rf "$R"
readytree "$R" rhel
scan rhel-ok --root "$R"
assert_status software.rsync pass installed
rm "$R/usr/bin/rsync"
scan rhel-missing --root "$R" --profile online
assert_status software.rsync fail missing
assert_eq "yum -y install rsync" "$(q '.results[] | select(.id=="software.rsync") | .remediation.commands | join("|")')" "rhel command"

# SUSE wording.
cat >"$R/usr/lib/os-release" <<'OS'
NAME="SLES"
VERSION_ID="15.5"
ID="sles"
ID_LIKE="suse"
OS
scan suse-missing --root "$R" --profile online
assert_eq "zypper install rsync" "$(q '.results[] | select(.id=="software.rsync") | .remediation.commands | join("|")')" "suse command"

# A directory where the program should be is not a program.
mkdir -p "$R/usr/bin/rsync"
scan dir --root "$R"
assert_status software.rsync fail missing
done_testing
