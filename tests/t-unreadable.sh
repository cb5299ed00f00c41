# What cannot be read is not absent: a scan as a user who may not enter a
# directory (EACCES), or through a link loop (ELOOP), says "error" with the
# reason, where a missing file would fail. Each fact is asked the same way.
. "$CSM_SRC/tests/lib.sh"
need_root "files only root can read, and a scan as nobody"
need_cmd setpriv
R=$T/root
as_nobody() { # NAME: scans $R as nobody into $T/NAME.json
    set +e
    setpriv --reuid=65534 --regid=65534 --clear-groups "$CSM" --root "$R" --format json >"$T/$1.json" 2>"$T/$1.err"
    rc=$?
    set -e
    J=$T/$1.json
    validate_json "$J"
    golden "$1" "$J"
}
reason() { q ".results[] | select(.id==\"$1\") | .reason // \"\""; }

readytree "$R"
chmod 0755 "$T"

# /lib/modules that only root may enter: the kernel is there, its modules unknown.
chmod 0700 "$R/lib/modules"
as_nobody modules
for id in drivers.virtio-kernel drivers.virtio-initramfs drivers.initramfs-tooling; do
    assert_status "$id" error
    assert_contains "$(reason "$id")" "/lib/modules/6.1.0-13-amd64: Permission denied" "$id names the cause"
done
assert_status software.guest-tools error
assert_status boot.default-kernel pass bootcfg # its image in /boot is readable
assert_exit 3
chmod 0755 "$R/lib/modules"

# Program directories: rsync (without a package entry), cloud-init and the
# initramfs tools cannot be looked for.
sed -i '/^Package: rsync$/,/^$/d' "$R/var/lib/dpkg/status"
chmod 0700 "$R/usr/bin" "$R/usr/sbin"
as_nobody bins
assert_status software.rsync error
assert_contains "$(reason software.rsync)" "/rsync: Permission denied" "rsync: the cause"
assert_status software.cloud-init error
assert_contains "$(reason software.cloud-init)" "Permission denied" "cloud-init: the cause"
assert_status drivers.initramfs-tooling error
assert_contains "$(reason drivers.initramfs-tooling)" "Permission denied" "initramfs tools: the cause"
chmod 0755 "$R/usr/bin" "$R/usr/sbin"

# An EFI System Partition mounted for root only: no BIOS verdict from what was not seen.
mkdir -p "$R/boot/efi/EFI/debian"
chmod 0700 "$R/boot/efi"
as_nobody efi
assert_status boot.efi error
assert_contains "$(reason boot.efi)" "/boot/efi/EFI: Permission denied" "boot.efi: the cause"
rm -rf "$R/boot/efi"

# A link loop where rsync should be is not "rsync is missing".
rm "$R/usr/bin/rsync"
ln -s rsync.2 "$R/usr/bin/rsync"
ln -s rsync "$R/usr/bin/rsync.2"
scan loop --root "$R"
assert_status software.rsync error
assert_contains "$(reason software.rsync)" "/usr/bin/rsync: Too many levels of symbolic links" "the loop is named"
rm "$R/usr/bin/rsync" "$R/usr/bin/rsync.2"
scan gone --root "$R"
assert_status software.rsync fail missing
done_testing
