# Live mode on a real disk: a loop device with an MBR, /boot and / on two
# partitions, mounted in a private mount namespace and entered with chroot,
# so the scan's "running system" is that disk. The system disk is found
# through sysfs, read with libfdisk, and the plan names its partitions.
. "$CSM_SRC/tests/lib.sh"
need_root "loop devices and mounts"
need_cmd losetup unshare chroot mount ldd

mkdisk "$T/disk.img" 320 'label: dos\nsize=16M, type=83, bootable\nsize=240M, type=83\nsize=16M, type=83\n'
loop_attach -P "$T/disk.img" 2>/dev/null || skip_test "no loop device"
# Without udev the partitions may need a nudge and a moment to appear.
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -b "${LOOP}p3" ] && break
    partx -a "$LOOP" 2>/dev/null || blockdev --rereadpt "$LOOP" 2>/dev/null || true
    sleep 0.2
done
[ -b "${LOOP}p3" ] || skip_test "no partition devices for $LOOP"
mke2fs -q -F -t ext4 -U "$BOOT_UUID" "${LOOP}p1"
mke2fs -q -F -t ext4 -U "$ROOT_UUID" "${LOOP}p2"
mkswap -U "$SWAP_UUID" "${LOOP}p3" >/dev/null

M=$T/mnt
mkdir -p "$M"
cat >"$T/inner.sh" <<INNER
set -e
mount "${LOOP}p2" "$M"
mkdir -p "$M/boot" "$M/proc" "$M/sys" "$M/dev"
mount "${LOOP}p1" "$M/boot"
. "$CSM_SRC/tests/lib.sh" >/dev/null
mktree "$M"
fstab "$M" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$BOOT_UUID /boot ext4 defaults 0 2" "UUID=$SWAP_UUID none swap sw 0 0" "/dev/sdc1 /data ext4 defaults 0 2" "/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0"
grubcfg "$M" "UUID=$ROOT_UUID"
# The binary, what it links, and what it opens on first use (lib/dl.c).
lazy=\$(ldconfig -p | awk '/(libarchive\.so\.13|libkmod\.so\.2|libcrypto\.so\.3) / && /x86-64/ {print \$NF}')
for f in "$CSM" \$(ldd "$CSM" \$lazy | grep -oE '/[^ :]+') \$lazy; do
    mkdir -p "$M\$(dirname "\$f")"
    cp -L "\$f" "$M\$f"
done
mount -t proc proc "$M/proc"
mount --rbind /sys "$M/sys"
mount --rbind /dev "$M/dev"
chroot "$M" "$CSM" --no-site-rules --format json --target-disk-size 1G >"$T/live.json" || true
INNER
CSM_TEST_DIR=$T unshare -m --propagation private bash "$T/inner.sh"
J=$T/live.json
[ -s "$J" ] || { not_ok "no report from the chroot"; done_testing; }
validate_json "$J"
# The scan is of the fixture's disk and tree, but the host's name, firmware
# and kernel are still the host's.
# (disk.free-space: statvfs of the mounted fixture, whose free space
# depends on what the run wrote there)
GOLDEN_HOST=$(hostname)
GOLDEN_SUBST+=("$(uname -r)=<uname-r>" "re:\\b${LOOP#/dev/}(?![0-9])=<loop>")
GOLDEN_IGNORE=(boot.efi system.selinux disk.free-space)
golden live "$J"
dev=${LOOP#/dev/}
assert_eq live "$(q .target.mode)" "live mode"
assert_eq "$LOOP" "$(q .plan.system_disk.path)" "the system disk is the loop device"
assert_status disk.partition-table pass dos
assert_status disk.layout pass one-disk
assert_contains "$(q '.results[] | select(.id=="disk.layout") | .evidence[] | select(.label=="/") | .value')" "$dev partition 2" "/ on partition 2"
assert_contains "$(q '.results[] | select(.id=="disk.layout") | .evidence[] | select(.label=="/boot") | .value')" "$dev partition 1" "/boot on partition 1"
assert_status fstab.other-disks fail other-disk
assert_contains "$(q '.results[] | select(.id=="fstab.other-disks") | .evidence[] | select(.problem) | .note')" "/dev/sdc1 does not exist on this system" "a device that is not there"
assert_contains "$(q '.results[] | select(.id=="fstab.other-disks") | .evidence[] | select(.label=="/media/cdrom0") | .note')" \
    "an optical or removable drive, noauto" "live: the CD-ROM line is a note"
assert_status boot.grub-root pass
assert_eq "1 2 3" "$(q '[.plan.partitions[] | select(.required) | .number] | join(" ")')" "boot, root and swap are exported"
assert_eq "${LOOP}p1" "$(q '.plan.partitions[0].device')" "partition device names"
assert_eq partial "$(q .plan.copy.mode)" "the copy stops after the swap partition"
assert_eq $((2048 + 272 * 2048 - 1)) "$(q .plan.copy.last_sector)" "the last sector"
assert_contains "$(q '.plan.commands[0]')" "dd if=$LOOP of=/mnt/export/$(hostname)-system.raw bs=1M count=273" "the export command names the device"
assert_status disk.capacity pass fits
done_testing
