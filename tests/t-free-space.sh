# disk.free-space: live, statvfs of / and /boot against the rules'
# thresholds; offline, the counters in the superblocks of the filesystems
# fstab mounts on / and /boot, on --disk (ext4 made by mke2fs -d, XFS by
# mkfs.xfs); a --root tree without a disk is skipped (its filesystem would
# be the host's).
. "$CSM_SRC/tests/lib.sh"
readytree "$T/root"
scan tree --root "$T/root"
assert_status disk.free-space skip no-counters
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .reason')" "the host's filesystem" "says why"

run_csm --format json
printf '%s\n' "$out" >"$T/live.json"
J=$T/live.json
avail=$(df -B1 --output=avail / | tail -1 | tr -d ' ')
if [ "$avail" -gt $((1100 * 1024 * 1024)) ]; then
    assert_status disk.free-space pass ok
else
    assert_status disk.free-space fail low-space
fi
assert_eq "statvfs(/)" "$(q '.results[] | select(.id=="disk.free-space") | .evidence[0].source')" "the live source"

# Thresholds are parameters: one no filesystem meets.
mkdir -p "$T/rules"
printf '[disk.free-space]\nparam.root-free =\nparam.root-free = 1P\nparam.free-inodes =\nparam.free-inodes = 1000000000000\n' \
    >"$T/rules/site.rules"
run_csm --format json --rules "$T/rules"
printf '%s\n' "$out" >"$T/low.json"
J=$T/low.json
assert_status disk.free-space fail low-space
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .message')" "/ has" "names the mount"
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .remediation.commands | join("|")')" "apt-get clean" "Debian's command"
validate_json "$T/low.json"

# ---- offline: --root with --disk ----
need_cmd mkfs.xfs dumpe2fs
fs_of() { q '.results[] | select(.id=="disk.free-space") | .evidence[] | "\(.label) \(.value) [\(.source)]"'; }
good_system "$T/sys" "$T/disk.img"
scan disk --root "$T/sys" --disk "$T/disk.img"
# a 40 MiB / holding /boot too: less than the 1 GiB and 100 MiB it needs
assert_status disk.free-space fail low-space
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .message')" "/ has" "names /"
assert_contains "$(fs_of)" "[ext4 superblock, partition 1 of $T/disk.img (as last written)]" "the superblock's counters"
inodes=$(dumpe2fs -h "$T/root.fs" 2>/dev/null | sed -n 's/^Free inodes: *//p')
total=$(dumpe2fs -h "$T/root.fs" 2>/dev/null | sed -n 's/^Inode count: *//p')
assert_contains "$(fs_of)" "/ $inodes of $total inodes free" "the inode counts dumpe2fs reads"
mkdir -p "$T/small"
printf '[disk.free-space]\nparam.root-free =\nparam.root-free = 10M\nparam.boot-free =\nparam.boot-free = 1M\n' \
    >"$T/small/site.rules"
scan disk-small --root "$T/sys" --disk "$T/disk.img" --rules "$T/small"
assert_status disk.free-space pass ok
# The same / filled by a 30 MiB file (mke2fs -d): under the 10 MiB asked.
mkdir -p "$T/fill"
head -c $((30 * 1024 * 1024)) /dev/urandom >"$T/fill/big"
mke2fs -q -F -t ext4 -U "$ROOT_UUID" -L root -d "$T/fill" "$T/root.fs" >/dev/null
put_fs "$T/disk.img" "$T/root.fs" 2048
scan disk-full --root "$T/sys" --disk "$T/disk.img" --rules "$T/small"
assert_status disk.free-space fail low-space
# A /boot of its own (XFS, as RHEL makes it), read from its superblock.
mkdisk "$T/disk2.img" 400 'label: gpt\nstart=2048, size=40M, type=L\nsize=320M, type=L\n'
mkfs_img "$T/root2.fs" ext4 40 "$ROOT_UUID" root
put_fs "$T/disk2.img" "$T/root2.fs" 2048
truncate -s 320M "$T/boot.fs"
mkfs.xfs -q -m uuid="$BOOT_UUID" "$T/boot.fs"
put_fs "$T/disk2.img" "$T/boot.fs" $((2048 + 40 * 2048))
fstab "$T/sys" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$BOOT_UUID /boot xfs defaults 0 0"
printf '[disk.free-space]\nparam.root-free =\nparam.root-free = 10M\nparam.boot-free =\nparam.boot-free = 1G\n' \
    >"$T/small/site.rules"
scan disk-boot --root "$T/sys" --disk "$T/disk2.img" --rules "$T/small"
assert_status disk.free-space fail low-space
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .message')" "/boot has" "names /boot"
assert_not_contains "$(q '.results[] | select(.id=="disk.free-space") | .message')" "/ has" "/ has room"
assert_contains "$(fs_of)" "[xfs superblock, partition 2 of $T/disk2.img (as last written)]" "XFS's counters"
# / on an LVM volume: its superblock is not read, and the check says so.
fstab "$T/sys" "/dev/mapper/vg-root / ext4 defaults 0 1"
scan disk-lvm --root "$T/sys" --disk "$T/disk2.img"
assert_status disk.free-space skip no-counters
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .reason')" "LVM volumes are not read" "says why"
done_testing
