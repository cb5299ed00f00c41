# software.rsync: installed per the package database (dpkg, or the RPM
# database through librpm), its program there, and 3.1 or later; the
# online profile blocks without it and names the family's command.
. "$CSM_SRC/tests/lib.sh"
need_cmd rpmbuild rpm sqlite3 db5.3_load
R=$T/root
rsync_cmds() { q '.results[] | select(.id=="software.rsync") | .remediation.commands | join("|")'; }

readytree "$R"
scan deb-ok --root "$R"
assert_status software.rsync pass installed
assert_eq /var/lib/dpkg/status:5 "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].source')" "package evidence has file:line"

# Debian's version as dpkg orders it: the upstream part, without epoch and revision.
sed -i 's/^Version: 3.2.7-1$/Version: 1:3.0.9-4/' "$R/var/lib/dpkg/status"
scan deb-old --root "$R" --profile online
assert_status software.rsync fail old
assert_contains "$(q '.results[] | select(.id=="software.rsync") | .message')" "rsync 3.0.9 is installed" "the upstream version, not the epoch"
assert_eq "apt-get -y install --only-upgrade rsync" "$(rsync_cmds)" "debian: upgrade command"
assert_exit 2
sed -i 's/^Version: 1:3.0.9-4$/Version: 3.1.3-6/' "$R/var/lib/dpkg/status"
scan deb-31 --root "$R" --profile online
assert_status software.rsync pass installed

# The package entry alone is not rsync: its program must be there.
rm "$R/usr/bin/rsync"
scan deb-noprog --root "$R" --profile online
assert_status software.rsync fail no-program
assert_eq "apt-get -y install --reinstall rsync" "$(rsync_cmds)" "debian: reinstall"

# Debian without rsync: informational offline, a blocker online.
sed -i '/^Package: rsync$/,/^$/d' "$R/var/lib/dpkg/status"
scan deb-missing --root "$R"
assert_status software.rsync fail missing
assert_eq info "$(q '.results[] | select(.id=="software.rsync") | .severity')" "offline: informational"
assert_eq 0 "$rc" "offline verdict unaffected"
scan deb-missing-online --root "$R" --profile online
assert_status software.rsync fail missing
assert_eq blocker "$(q '.results[] | select(.id=="software.rsync") | .severity')" "online: blocker"
assert_exit 2
assert_eq "apt-get -y install rsync" "$(rsync_cmds)" "debian command"

# Installed by hand: there, but no database says which version: not a pass.
mkdir -p "$R/usr/local/bin"
touch "$R/usr/local/bin/rsync"
scan deb-local --root "$R" --profile online
assert_status software.rsync error unknown-version
assert_contains "$(q '.results[] | select(.id=="software.rsync") | .reason')" "no package of the database installed it" "says why"
assert_exit 3

# RHEL 9: the sqlite RPM database, read by librpm.
rm -rf "$R"
readytree "$R" rhel
scan rhel-ok --root "$R" --profile online
assert_status software.rsync pass installed
assert_match '^/var/lib/rpm/rpmdb.sqlite #[0-9]+$' "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].source')" \
    "evidence: the database and the header number"
assert_contains "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].value')" "rsync 3.2.3-19.el9" "rpm's version-release"
rm "$R/usr/bin/rsync"
scan rhel-noprog --root "$R" --profile online
assert_status software.rsync fail no-program
assert_eq "yum -y reinstall rsync" "$(rsync_cmds)" "rhel: reinstall"

# CentOS 7's Berkeley DB with an rsync too old (CentOS 6's 3.0.6), and one new enough (3.1.2).
rm -rf "$R"
readytree "$R" rhel
cat >"$R/usr/lib/os-release" <<'OS'
NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
OS
rm -rf "$R/var/lib/rpm"
rpmdb_sqlite "$T/el7" /var/lib/rpm "$(mkrpm rsync 3.0.6 12.el6 /usr/bin rsync '' x86_64)"
rpmdb_bdb "$T/el7/var/lib/rpm/rpmdb.sqlite" "$R/var/lib/rpm/Packages"
assert_eq "rsync-0:3.0.6-12.el6.x86_64" "$(rpm_qa "$R" /var/lib/rpm bdb_ro)" "rpm itself reads the Berkeley DB fixture"
scan el7-old --root "$R" --profile online
assert_status software.rsync fail old
assert_eq "/var/lib/rpm/Packages #1" "$(q '.results[] | select(.id=="software.rsync") | .evidence[0].source')" "bdb evidence"
assert_eq "yum -y update rsync" "$(rsync_cmds)" "rhel: update"
rm -rf "$T/el7" "$R/var/lib/rpm"
rpmdb_sqlite "$T/el7" /var/lib/rpm "$(mkrpm rsync 3.1.2 12.el7_9 /usr/bin rsync '' x86_64)"
rpmdb_bdb "$T/el7/var/lib/rpm/rpmdb.sqlite" "$R/var/lib/rpm/Packages"
scan el7-ok --root "$R" --profile online
assert_status software.rsync pass installed

# SUSE wording; and rsync absent from its database.
cat >"$R/usr/lib/os-release" <<'OS'
NAME="SLES"
VERSION_ID="15.5"
ID="sles"
ID_LIKE="suse"
OS
rm -rf "$R/var/lib/rpm" "$R/usr/bin/rsync"
rpmdb_sqlite "$R" /var/lib/rpm "$(mkrpm cloud-init 23.3 150100.8.71.1 /usr/bin cloud-init)"
scan suse-missing --root "$R" --profile online
assert_status software.rsync fail missing
assert_eq "zypper install rsync" "$(rsync_cmds)" "suse command"

# A directory where the program should be is not a program.
mkdir -p "$R/usr/bin/rsync"
scan dir --root "$R"
assert_status software.rsync fail missing

# The oldest version is a parameter of the rules.
readytree "$T/p"
mkdir -p "$T/rules"
printf '[software.rsync]\nparam.min-version =\nparam.min-version = 3.3\n' >"$T/rules/site.rules"
scan param --root "$T/p" --rules "$T/rules"
assert_status software.rsync fail old
assert_contains "$(q '.results[] | select(.id=="software.rsync") | .message')" "needs 3.3 or later" "the parameter is used"
done_testing
