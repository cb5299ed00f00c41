# Makes the package databases test-rpmdb.c reads, in CSM_TEST_DIR (which
# the test removes): each in DIR/<name>/ with the list rpm itself prints
# (DIR/<name>.qa) where rpm can read it.
#   el9       sqlite, as RHEL 9 (7 packages, one with an epoch)
#   el7       Berkeley DB Packages, as CentOS 7, from the same headers
#   sle       ndb Packages.db, as SUSE 15 SP3+ (only when the ndb rpm can be built: sle.skip otherwise)
#   home      a database in $HOME/.rpmdb, where Debian's rpm looks by default: never read
#   garbage, empty, lone-table, view, wal   hostile and odd sqlite files
#   damaged   sqlite with header 2 randomised and header 3 claiming 2^31 tags
#   ndb-*     ndb containers with a slot past the end, overlapping slots, a bad checksum
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-rpm.sh"
need_cmd rpmbuild rpm rpmdb sqlite3 db5.3_load

d=$T
pk=()
pk+=("$(mkrpm cloud-init 23.4 1.el9 /usr/bin cloud-init)")
pk+=("$(mkrpm open-vm-tools 12.3.5 1.el9 /usr/bin vmtoolsd '' x86_64)")
pk+=("$(mkrpm rsync 3.2.3 19.el9 /usr/bin rsync '' x86_64)")
pk+=("$(mkrpm openssh-server 8.7p1 38.el9 /usr/sbin sshd '' x86_64)")
pk+=("$(mkrpm kernel-core 5.14.0 427.13.1.el9_4 /lib/modules/5.14.0-427.13.1.el9_4.x86_64 vmlinuz '' x86_64)")
pk+=("$(mkrpm kernel-core 5.14.0 427.el9 /lib/modules/5.14.0-427.el9.x86_64 vmlinuz '' x86_64)")
pk+=("$(mkrpm shadow-utils 4.9 8.el9 /usr/sbin useradd 2 x86_64)")
rpmdb_sqlite "$d/el9-root" /var/lib/rpm "${pk[@]}"
rpm_qa "$d/el9-root" /var/lib/rpm >"$d/el9.qa"
mkdir -p "$d/el9"
cp "$d/el9-root/var/lib/rpm/rpmdb.sqlite" "$d/el9/"

rpmdb_bdb "$d/el9/rpmdb.sqlite" "$d/el7-root/var/lib/rpm/Packages"
rpm_qa "$d/el7-root" /var/lib/rpm bdb_ro >"$d/el7.qa"
mkdir -p "$d/el7"
cp "$d/el7-root/var/lib/rpm/Packages" "$d/el7/"

if rpmdb_ndb "$d/el9-root" /var/lib/rpm "$d/sle-db" >"$d/sle.log" 2>&1; then
    mkdir -p "$d/sle"
    cp "$d/sle-db/Packages.db" "$d/sle/"
    HOME=$T "$RPM_NDB/rpm" --dbpath "$d/sle-db" --define '_db_backend ndb' -qa \
        --qf '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n' 2>/dev/null | LC_ALL=C sort >"$d/sle.qa"
    # The same container, damaged three ways (offsets from its own slots).
    python3 - "$d/sle/Packages.db" "$d" <<'PY'
import os, struct, sys, zlib
src, out = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
npages = struct.unpack_from("<I", data, 12)[0]
slots = [o for o in range(32, npages * 4096, 16) if struct.unpack_from("<I", data, o + 8)[0]]
def write(name, buf):
    os.makedirs(f"{out}/{name}", exist_ok=True)
    open(f"{out}/{name}/Packages.db", "wb").write(buf)
b = bytearray(data); struct.pack_into("<I", b, slots[0] + 8, 0x7fffffff); write("ndb-past-end", b)
b = bytearray(data); struct.pack_into("<I", b, slots[1] + 8, struct.unpack_from("<I", b, slots[0] + 8)[0]); write("ndb-overlap", b)
b = bytearray(data); off = struct.unpack_from("<I", b, slots[2] + 8)[0] * 16; b[off + 40] ^= 0xff; write("ndb-checksum", b)
write("ndb-truncated", data[: npages * 4096 + 100])
write("ndb-garbage", b"RpmP" + os.urandom(5000))
PY
else
    touch "$d/sle.skip"
fi

# Debian's own default database, in $HOME: the reader must never see it.
mkdir -p "$d/home"
HOME=$d/home rpm --initdb
HOME=$d/home rpm -i --justdb --nodeps --noscripts --notriggers "$(mkrpm host-only-package 1.0 1 /usr/bin hostonly)" \
    2>/dev/null

mkdir -p "$d/garbage" "$d/empty" "$d/lone-table" "$d/view" "$d/damaged" "$d/wal"
head -c 100000 /dev/urandom >"$d/garbage/rpmdb.sqlite"
: >"$d/empty/rpmdb.sqlite"
sqlite3 "$d/lone-table/rpmdb.sqlite" "create table Packages (hnum integer primary key, blob blob not null);
    insert into Packages select hnum, blob from (select 1 as hnum, x'00' as blob);"
sqlite3 "$d/view/rpmdb.sqlite" "create table t (hnum integer, blob blob); create view Packages as select * from t;"
cp "$d/el9/rpmdb.sqlite" "$d/damaged/"
sqlite3 "$d/damaged/rpmdb.sqlite" "update Packages set blob = substr(blob, 1, 16) || randomblob(length(blob) - 16) where hnum = 2;
    update Packages set blob = x'7fffffff7fffffff' || substr(blob, 9) where hnum = 3;"
# The last transaction only in the write-ahead log: a package removed there.
cp "$d/el9/rpmdb.sqlite" "$d/wal/"
python3 - "$d/wal/rpmdb.sqlite" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("pragma journal_mode=wal")
c.execute("pragma wal_autocheckpoint=0")
c.execute("delete from Packages where hnum = 1")
os._exit(0)  # no checkpoint at close: the deletion stays in -wal
PY
rm -f "$d/wal/rpmdb.sqlite-shm"
