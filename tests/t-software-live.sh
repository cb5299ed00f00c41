# The software and network checks on the running system (a Debian VM in
# CI). Only what is certain is asserted: each expectation is computed here
# from the system itself, and a live scan agrees with a --root / scan on
# what is read from files.
. "$CSM_SRC/tests/lib.sh"
need_root "a live scan reads /etc/shadow and the disks"
need_cmd dpkg-query

scan live
assert_eq live "$(q .target.mode)" "live mode"
scan tree --root /
L=$T/live.json

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
on_path() {
    local d
    for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do [ -f "$d/$1" ] && return 0; done
    return 1
}

# rsync: the package database or the program.
if installed rsync || on_path rsync; then want=pass; else want=fail; fi
assert_eq "$want" "$(q '.results[] | select(.id=="software.rsync") | .status' "$L")" "rsync as dpkg and PATH say"

# SELinux: a Debian VM without SELinux reports the running kernel's state.
if [ ! -e /etc/selinux/config ] && [ ! -e /sys/fs/selinux/enforce ]; then
    assert_eq pass/not-installed "$(q '.results[] | select(.id=="system.selinux") | "\(.status)/\(.outcome)"' "$L")" \
        "no SELinux here"
    assert_eq "/sys/fs/selinux (absent)" \
        "$(q '.results[] | select(.id=="system.selinux") | .evidence[] | select(.label=="running kernel") | .source' "$L")" \
        "live mode looked at the running kernel"
    assert_eq 0 "$(q '[.results[] | select(.id=="system.selinux") | .evidence[] | select(.label=="running kernel")] | length')" \
        "--root / does not look at the running kernel"
fi

# cloud-init absent by every sign: missing.
if ! installed cloud-init && ! on_path cloud-init && ! ls /lib/systemd/system/cloud-init* >/dev/null 2>&1 &&
    ! ls /etc/init.d/cloud-init >/dev/null 2>&1; then
    assert_eq fail/missing "$(q '.results[] | select(.id=="software.cloud-init") | "\(.status)/\(.outcome)"' "$L")" \
        "cloud-init not installed"
fi

# What comes from files is the same live and as a tree.
for id in software.cloud-init software.guest-tools network.mac-binding network.interface-names software.rsync; do
    assert_eq "$(q ".results[] | select(.id==\"$id\") | .status" "$L")" "$(status_of "$id")" "$id: live and --root / agree"
done
# Every check that could not decide says why.
assert_eq "" "$(q '.results[] | select((.status=="error" or .status=="skip") and (.reason // "") == "") | .id' "$L")" \
    "no error or skip without a reason"
done_testing
