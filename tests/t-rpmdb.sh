# The RPM database of a tree, read by librpm from a private copy: each
# family's place and backend (RHEL 9 sqlite, CentOS 7 Berkeley DB, SUSE ndb
# in /usr/lib/sysimage/rpm), sqlite's write-ahead log, a tree with two
# databases; hostile databases refused with the reason and never a pass;
# nothing of the host read (traced) and no host package reported.
. "$CSM_SRC/tests/lib.sh"
need_cmd rpmbuild rpm rpmdb sqlite3 db5.3_load
R=$T/root
ev_of() { q ".results[] | select(.id==\"$1\") | .evidence[] | [.label, .value, .source // \"\"] | join(\" \")"; }

pkgs=("$(mkrpm rsync 3.2.3 19.el9 /usr/bin rsync '' x86_64)" "$(mkrpm cloud-init 23.4 1.el9 /usr/bin cloud-init)"
    "$(mkrpm open-vm-tools 12.3.5 1.el9 /usr/bin vmtoolsd 2 x86_64)")

# RHEL 9: sqlite in /var/lib/rpm.
readytree "$R" rhel
rm -rf "$R/var/lib/rpm"
rpmdb_sqlite "$R" /var/lib/rpm "${pkgs[@]}"
scan el9 --root "$R"
assert_contains "$(ev_of software.guest-tools)" "package open-vm-tools 2:12.3.5-1.el9 /var/lib/rpm/rpmdb.sqlite #" \
    "guest tools: the package from the sqlite database, with its epoch"
assert_status software.rsync pass installed
# The scan reads nothing of the host: the copy is private, librpm confined to it.
opened=$(outside_opens "$R")
assert_eq "" "$opened" "nothing outside the tree opened (sqlite)"
assert_eq "" "$(ls "${TMPDIR:-/tmp}" | grep '^csm-rpm\.' || true)" "the private copy is removed"

# The last transaction only in the write-ahead log (rpm had not checkpointed): read with it.
python3 - "$R/var/lib/rpm/rpmdb.sqlite" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("pragma journal_mode=wal")
c.execute("pragma wal_autocheckpoint=0")
hnum = c.execute("select hnum from Name where key = 'open-vm-tools'").fetchone()[0]
c.execute("delete from Packages where hnum = ?", (hnum,))
os._exit(0)
PY
scan wal --root "$R"
assert_not_contains "$(ev_of software.guest-tools)" "package open-vm-tools" "a package removed in the -wal is gone"

# CentOS 7: Berkeley DB Packages (read with bdb_ro).
readytree "$T/el7" rhel
rm -rf "$T/el7/var/lib/rpm"
rpmdb_sqlite "$T/src7" /var/lib/rpm "${pkgs[@]}"
rpmdb_bdb "$T/src7/var/lib/rpm/rpmdb.sqlite" "$T/el7/var/lib/rpm/Packages"
scan el7 --root "$T/el7"
assert_contains "$(ev_of software.guest-tools)" "package open-vm-tools 2:12.3.5-1.el9 /var/lib/rpm/Packages #" \
    "Berkeley DB: the package, by header number"
opened=$(outside_opens "$T/el7")
assert_eq "" "$opened" "nothing outside the tree opened (Berkeley DB)"

# SUSE 15 SP3+: ndb in /usr/lib/sysimage/rpm, /var/lib/rpm a link to it (when an ndb rpm can be built here).
if rpmdb_ndb "$T/src7" /var/lib/rpm "$T/sle/usr/lib/sysimage/rpm" >"$T/ndb.log" 2>&1; then
    readytree "$T/sle" rhel
    rm -rf "$T/sle/var/lib/rpm"
    ln -s ../../usr/lib/sysimage/rpm "$T/sle/var/lib/rpm"
    printf 'NAME="SLES"\nVERSION_ID="15.5"\nID="sles"\nID_LIKE="suse"\n' >"$T/sle/usr/lib/os-release"
    scan sle --root "$T/sle"
    assert_contains "$(ev_of software.guest-tools)" "package open-vm-tools 2:12.3.5-1.el9 /usr/lib/sysimage/rpm/Packages.db #" \
        "ndb: read through the container walker and librpm's headerImport"
    assert_status software.rsync pass installed
else
    ok "no ndb-capable rpm can be built here (no Debian source): the ndb case is skipped"
fi

# Two databases (a system converted to sqlite keeps its old Packages): the newer is read, the other named.
cp "$T/el7/var/lib/rpm/Packages" "$R/var/lib/rpm/Packages"
touch -d '2020-01-01' "$R/var/lib/rpm/Packages"
scan two --root "$R"
assert_contains "$(ev_of software.rsync)" "/var/lib/rpm/rpmdb.sqlite #" "the newer database is read"
rm "$R/var/lib/rpm/Packages"

# No host package: Debian's rpm keeps a database in ~/.rpmdb; the scan never sees it.
mkdir -p "$T/home"
HOME=$T/home rpm --initdb
HOME=$T/home rpm -i --justdb --nodeps --noscripts "$(mkrpm host-only-vmware-tools 1.0 1 /usr/bin x)" 2>/dev/null
HOME=$T/home run_csm --root "$R" --format json
assert_not_contains "$out" "host-only-vmware-tools" "no package of the host's ~/.rpmdb in the report"

# ---- hostile databases: refused with the reason, the checks that need them never pass ----
hostile() { # NAME: scans $R, expects software.rsync to be an error naming the database
    scan "$1" --root "$R" --profile online
    assert_status software.rsync error
    assert_contains "$(q '.results[] | select(.id=="software.rsync") | .reason')" "$2" "$1: the reason"
}
mkdir -p "$T/keep"
mv "$R/var/lib/rpm/rpmdb.sqlite" "$T/keep/"
rm -f "$R/var/lib/rpm/rpmdb.sqlite-"*
head -c 100000 /dev/urandom >"$R/var/lib/rpm/rpmdb.sqlite"
hostile garbage "cannot open Packages database in /var/lib/rpm"
sqlite3 "$T/forged.sqlite" "create table t (hnum integer, blob blob); create view Packages as select * from t;"
cp "$T/forged.sqlite" "$R/var/lib/rpm/rpmdb.sqlite"
hostile forged-schema "cannot open Packages database"
rm "$R/var/lib/rpm/rpmdb.sqlite"
truncate -s 600M "$R/var/lib/rpm/rpmdb.sqlite"
hostile huge "larger than"
rm "$R/var/lib/rpm/rpmdb.sqlite"
# A Packages file that is a symlink out of the tree: resolved inside it, where there is nothing.
ln -s /etc/passwd "$R/var/lib/rpm/Packages"
scan symlink --root "$R" --profile online
assert_status software.rsync error
assert_contains "$(q '.results[] | select(.id=="software.rsync") | .reason')" "/var/lib/rpm/Packages" "symlink: the tree's file, refused"
assert_not_contains "$(cat "$J")" "$(head -1 /etc/passwd | cut -d: -f1):x:0:0" "the host's /etc/passwd is not read"
opened=$(outside_opens "$R")
assert_eq "" "$opened" "nothing outside the tree opened (hostile)"
# Damaged headers: skipped, counted, the others read.
rm "$R/var/lib/rpm/Packages"
cp "$T/keep/rpmdb.sqlite" "$R/var/lib/rpm/"
sqlite3 "$R/var/lib/rpm/rpmdb.sqlite" "update Packages set blob = x'7fffffff7fffffff' || substr(blob, 9)
    where hnum = (select hnum from Name where key = 'cloud-init')"
scan damaged --root "$R"
assert_status software.rsync pass installed
assert_not_contains "$(ev_of software.cloud-init)" "package cloud-init" "the damaged header is not taken for a package"
done_testing
