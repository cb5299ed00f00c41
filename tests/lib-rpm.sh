# Sourced (after tests/lib.sh) by the tests that need RPM package
# databases, made by the real tools: packages built with rpmbuild,
# installed with rpm --root --justdb into a sqlite rpmdb (RHEL 9), the same
# headers loaded into a Berkeley DB Packages file by db5.3_load (CentOS 7,
# RHEL 8, which no Debian tool writes), and into an ndb Packages.db (SUSE
# 15 SP3+) by an rpm built from Debian's source with the ndb backend, which
# Debian's rpm lacks (cached like the debootstrap tree).
#
# Debian's rpm keeps its own database in ~/.rpmdb (rpmbuild and rpm -qp
# create it): every call runs with HOME=$T and names --dbpath.

RPM_SPEC=$T/.rpm/fixture.spec
RPMS=$T/.rpm/rpms

# Builds a package that installs one file (empty but for its name).
# Usage: mkrpm NAME VERSION RELEASE DIR FILE [EPOCH] [ARCH]  -> its path on stdout
mkrpm() {
    local name=$1 ver=$2 rel=$3 dir=$4 file=$5 epoch=${6:-} arch=${7:-noarch}
    mkdir -p "$RPMS" "$T/.rpm/top"
    if [ ! -f "$RPM_SPEC" ]; then
        cat >"$RPM_SPEC" <<'SPEC'
Name: %{pname}
Version: %{pver}
Release: %{prel}
Summary: fixture package %{pname}
License: MIT
BuildArch: %{parch}
%if 0%{?pepoch}
Epoch: %{pepoch}
%endif
%description
A package made by the test suite.
%install
mkdir -p %{buildroot}%{pdir}
echo %{pname} >%{buildroot}%{pdir}/%{pfile}
%files
%{pdir}/%{pfile}
SPEC
    fi
    HOME=$T rpmbuild -bb --quiet --define "_topdir $T/.rpm/top" --define "_rpmdir $RPMS" \
        --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
        --define "pname $name" --define "pver $ver" --define "prel $rel" --define "pdir $dir" \
        --define "pfile $file" --define "parch $arch" ${epoch:+--define "pepoch $epoch"} "$RPM_SPEC" \
        >"$T/.rpm/build.log" 2>&1 || {
        cat "$T/.rpm/build.log" >&2
        return 1
    }
    echo "$RPMS/$name-$ver-$rel.$arch.rpm"
}

# Installs packages into a tree's sqlite database, as RHEL 9 keeps it
# (rpmdb.sqlite, -shm, an empty -wal, .rpm.lock).
# Usage: rpmdb_sqlite ROOT DBPATH RPM...
rpmdb_sqlite() {
    local root=$1 dbpath=$2
    shift 2
    mkdir -p "$root$dbpath"
    HOME=$T rpm --root "$root" --dbpath "$dbpath" --initdb
    [ $# -eq 0 ] && return 0
    # Debian's rpm says it should not be used to install packages: not an error
    HOME=$T rpm --root "$root" --dbpath "$dbpath" -i --justdb --nodeps --noscripts --notriggers "$@" \
        2> >(grep -v -e 'use Alien instead' -e 'assuming you know what you are doing' >&2)
}

# The packages of a database as rpm lists them, sorted: name-epoch:version-release.arch
# Usage: rpm_qa ROOT DBPATH [BACKEND]
rpm_qa() {
    HOME=$T rpm --root "$1" --dbpath "$2" ${3:+--define "_db_backend $3"} -qa \
        --qf '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n' 2>/dev/null | LC_ALL=C sort
}

# A Berkeley DB Packages file (hash, as rpm 4.11-4.14 write it) holding the
# headers of a sqlite database: key the header number (native 32-bit),
# value the header blob, and bdb's key-0 record that real ones carry.
# Usage: rpmdb_bdb SQLITE OUT
rpmdb_bdb() {
    local src=$1 out=$2
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    {
        printf 'VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n'
        printf ' 00000000\n 07000000\n'
        sqlite3 "$src" "select printf(' %02x%02x%02x%02x', hnum & 255, (hnum >> 8) & 255, (hnum >> 16) & 255,
                        (hnum >> 24) & 255) || char(10) || ' ' || lower(hex(blob)) from Packages order by hnum"
        echo DATA=END
    } | db5.3_load "$out"
}

# An rpm with the ndb backend, built once from Debian's source package of
# the rpm installed here (apt-get source through private lists: the
# machine's apt configuration is not touched), cached in
# CSM_FIXTURE_CACHE. Sets RPM_NDB to the directory of its rpm and rpmdb;
# fails when the source cannot be had.
rpm_ndb_tool() {
    local cache=${CSM_FIXTURE_CACHE:-$CSM_BUILD/fixtures} v dir w url
    v=$(dpkg-query -W -f='${source:Version}' rpm)
    dir=$cache/rpm-ndb-$v
    mkdir -p "$cache"
    exec 8>"$cache/rpm-ndb.lock"
    flock 8
    if [ ! -x "$dir/rpmdb" ]; then
        w=$cache/rpm-ndb.tmp
        rm -rf "$w"
        mkdir -p "$w/lists/partial" "$w/cache/archives/partial"
        url=$(sed -n 's/^URIs: *\(http[^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
        echo "deb-src ${url:-http://deb.debian.org/debian} bookworm main" >"$w/sources.list"
        local o=(-o Dir::Etc::SourceList="$w/sources.list" -o Dir::Etc::SourceParts=- -o Dir::State::Lists="$w/lists"
            -o Dir::Cache="$w/cache")
        if ! (cd "$w" && apt-get "${o[@]}" -qq update && apt-get "${o[@]}" -qq source --download-only "rpm=$v" &&
            dpkg-source -x rpm_*.dsc src) >"$w/fetch.log" 2>&1; then
            tail -3 "$w/fetch.log" >&2
            rm -rf "$w"
            flock -u 8
            return 1
        fi
        # Debian's patches change configure.ac: autoreconf. Only what rpm and
        # rpmdb need, linked statically (no installation, no rpath).
        if ! (cd "$w/src" && autoreconf -fi && ./configure -q --prefix=/usr --sysconfdir=/etc --enable-static \
            --disable-shared --enable-ndb --enable-bdb-ro --enable-sqlite=yes --disable-python --disable-plugins \
            --disable-nls --disable-openmp --with-crypto=openssl --without-selinux --without-cap --without-acl \
            --without-audit --without-archive --without-readline --without-imaevm --without-fsverity \
            --enable-libelf=no --enable-zstd=no --with-vendor=debian &&
            make -C misc && make -C rpmio && make -C lib tagtbl.C && make -j"$(nproc)" -C lib librpm.la &&
            make -j"$(nproc)" rpm rpmdb) \
            >"$w/build.log" 2>&1; then
            tail -20 "$w/build.log" >&2
            rm -rf "$w"
            flock -u 8
            return 1
        fi
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$w/src/rpm" "$w/src/rpmdb" "$dir/"
        rm -rf "$w"
    fi
    flock -u 8
    RPM_NDB=$dir
}

# An ndb database (Packages.db, Index.db) holding the headers of a sqlite
# one, imported by the ndb-capable rpmdb. Usage: rpmdb_ndb SQLITE_ROOT SQLITE_DBPATH OUTDIR
rpmdb_ndb() {
    local root=$1 dbpath=$2 out=$3
    rpm_ndb_tool || return 1
    mkdir -p "$out"
    HOME=$T rpmdb --root "$root" --dbpath "$dbpath" --exportdb >"$T/.rpm/export.hdrs"
    HOME=$T "$RPM_NDB/rpmdb" --dbpath "$out" --define '_db_backend ndb' --importdb <"$T/.rpm/export.hdrs"
}
