# fstab.other-disks, fstab.device-names, fstab.network-mounts, and fstab
# files that are broken.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
od='.results[] | select(.id=="fstab.other-disks")'
dn='.results[] | select(.id=="fstab.device-names")'
nm='.results[] | select(.id=="fstab.network-mounts")'

# A data disk by UUID that is not on the system disk.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" \
    "UUID=$DATA_UUID /data xfs defaults 0 2"
scan other --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks fail other-disk
assert_eq "/etc/fstab:4" "$(q "$od | .evidence[] | select(.problem) | .source")" "the data disk's line"
assert_contains "$(q "$od | .message")" "/data" "the mount point is named"
assert_eq blocked "$(q .verdict)" "a data disk in fstab blocks"

# nofail: boot goes on without it; a warning.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" \
    "UUID=$DATA_UUID /data xfs defaults,nofail 0 2"
scan nofail --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks warn other-disk-nofail
assert_exit 1

# The line Debian's installer writes on every CD install: an optical drive,
# noauto, is a note, not an error and not another disk. With auto it is not.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" \
    "/dev/sr0        /media/cdrom0   udf,iso9660 user,noauto     0       0" \
    "/dev/disk/by-id/usb-Kingston_0123-0:0-part1 /media/usb vfat noauto,user 0 0"
scan cdrom --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks pass
assert_exit 0
assert_contains "$(q "$od | .evidence[] | select(.source==\"/etc/fstab:4\") | .note")" "an optical or removable drive, noauto" \
    "the CD-ROM line is a note"
assert_eq 0 "$(q "[$od | .evidence[] | select(.problem)] | length")" "nothing is marked"
assert_status online.data-disks pass no-data-disks
scan cdrom-online --root "$R" --disk "$T/disk.img" --profile online
assert_status online.data-disks pass no-data-disks
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "/dev/sr0 /media/cdrom0 udf,iso9660 user 0 0"
scan cdrom-auto --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks error

# debootstrap's placeholder fstab holds no entry, not even /: nothing about
# the disks is established by it.
printf '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n' >"$R/etc/fstab"
scan unconfigured --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks error
assert_contains "$(q "$od | .reason")" "never configured" "the placeholder is named"
assert_status fstab.device-names error
assert_status fstab.network-mounts pass none
printf '# comments only\n\n' >"$R/etc/fstab"
scan empty --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks error
assert_contains "$(q "$od | .reason")" "has no entries, not even /" "an empty fstab"

# Without --disk, a UUID cannot be placed: skipped, not passed.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" \
    "UUID=$DATA_UUID /data xfs defaults,nofail 0 2"
scan nodisk --root "$R"
assert_status fstab.other-disks skip no-disk

# Device names: another disk by name, and names that will change.
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "/dev/sda2 none swap sw 0 0" "/dev/sdb1 /srv ext4 defaults 0 2"
scan names --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks fail other-disk
assert_contains "$(q "$od | .evidence[] | select(.problem) | .note")" "on sdb, while / is on sda" "sdb is another disk"
assert_status fstab.device-names fail device-name
cmds=$(q "$dn | .remediation.commands[]")
assert_contains "$cmds" "sed -i 's|^/dev/sda1\\([[:space:]]\\)|UUID=$ROOT_UUID\\1|' /etc/fstab" "exact fix for /dev/sda1"
assert_contains "$cmds" "UUID=$SWAP_UUID" "exact fix for the swap"
assert_not_contains "$cmds" "/dev/sdb1" "no UUID known for the other disk: no command"
assert_eq 3 "$(q "[$dn | .evidence[] | select(.problem)] | length")" "three entries by device name"
# the same names without --disk still tell sdb from sda
scan names-nodisk --root "$R"
assert_status fstab.other-disks fail other-disk
assert_status fstab.device-names fail device-name

# A site that pins devices by /dev/disk/by-id is told too (param), LVM is stable.
fstab "$R" "/dev/mapper/vg-root / ext4 defaults 0 1" "/dev/disk/by-id/ata-X-part2 none swap sw 0 0"
scan byid --root "$R" --disk "$T/disk.img"
assert_status fstab.device-names fail device-name
assert_eq "/dev/disk/by-id/ata-X-part2" "$(q "$dn | .evidence[] | select(.problem) | .value" | cut -d' ' -f1)" "by-id is unstable"
assert_status fstab.other-disks fail other-disk # the disk has no LVM PV: vg-root is elsewhere

# Network mounts: without nofail/_netdev they block boot (a warning).
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" \
    "nas:/export /mnt/nas nfs defaults 0 0" "//srv/share /mnt/smb cifs credentials=/root/c,_netdev 0 0" \
    "tmpfs /tmp tmpfs defaults 0 0" "/srv /var/www none bind 0 0"
scan net --root "$R" --disk "$T/disk.img"
assert_status fstab.network-mounts fail blocking
assert_eq warning "$(q "$nm | .severity")" "a warning"
assert_eq "/mnt/nas" "$(q "$nm | .message" | grep -o '/mnt/nas')" "the NFS mount is named"
assert_eq 1 "$(q "[$nm | .evidence[] | select(.problem)] | length")" "cifs with _netdev is fine"
assert_status fstab.other-disks pass
assert_status fstab.device-names pass
assert_exit 1
assert_eq warnings "$(q .verdict)" "warnings only"

# No fstab: nothing is mounted from it.
rm "$R/etc/fstab"
scan nofstab --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks pass no-fstab
assert_status fstab.device-names pass no-fstab

# Broken files: binary, unparseable lines, unreadable.
random_bytes 2000 >"$R/etc/fstab"
printf '\0' >>"$R/etc/fstab"
scan binary --root "$R" --disk "$T/disk.img"
assert_status fstab.other-disks error
assert_contains "$(q "$od | .reason")" "binary data" "binary fstab named"
printf 'UUID=%s / ext4 defaults 0 1\nthis-is-not-an-entry\n/dev/sda2\n' "$ROOT_UUID" >"$R/etc/fstab"
scan garbage --root "$R" --disk "$T/disk.img"
assert_contains "$(q "$od | .evidence[].label")" "unparsed line" "unparseable lines are listed"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    good_system "$T/r2" "$T/d2.img"
    chmod 0600 "$T/r2/etc/fstab"
    chmod 0755 "$T" "$T/r2" "$T/r2/etc"
    chmod 0644 "$T/d2.img"
    set +e
    setpriv --reuid=65534 --regid=65534 --clear-groups "$CSM" --no-site-rules --root "$T/r2" --disk "$T/d2.img" --format json >"$T/unreadable.json"
    rc=$?
    set -e
    J=$T/unreadable.json
    golden unreadable "$J"
    assert_status fstab.other-disks error
    assert_contains "$(q "$od | .reason")" "Permission denied" "unreadable fstab is an error, not a pass"
    assert_status accounts.shadow error
    assert_contains "$(q '.results[] | select(.id=="accounts.shadow") | .reason')" "(run as root)" "the fix is named"
    assert_exit 3
fi
done_testing
