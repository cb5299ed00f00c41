# Offline LVM: an fstab that names /dev/mapper/vg-lv is placed on disks
# through the LVM metadata on --disk, made by the real pvcreate, vgcreate
# and lvcreate (without device-mapper: nothing is activated).
. "$CSM_SRC/tests/lib.sh"
need_root "loop devices for pvcreate"
need_cmd losetup pvcreate vgcreate lvcreate lvextend

# LVM sees only this test's loop devices, whatever else the machine has.
LOOPS=()
lvm_do() {
    local filter="" d
    for d in "${LOOPS[@]}"; do filter+="\"a|^$d\$|\", "; done
    "$@" -q --driverloaded n --config "devices { obtain_device_list_from_udev=0 filter=[ $filter\"r|.*|\" ] }
        activation { udev_sync=0 udev_rules=0 } global { activation=0 }" >/dev/null 2>&1
}
# A loop device over a byte range of an image (in $LOOP), detached at the end.
loop_range() { # image offset size
    loop_attach -o "$2" --sizelimit "$3" "$1" || skip_test "no loop device"
    LOOPS+=("$LOOP")
}

mkdisk "$T/disk.img" 128 'label: dos\nsize=16M, type=83, bootable\nsize=100M, type=8e\n'
mkfs_img "$T/boot.fs" ext4 16 "$BOOT_UUID"
put_fs "$T/disk.img" "$T/boot.fs" 2048
loop_range "$T/disk.img" $(((2048 + 16 * 2048) * 512)) $((100 * 1024 * 1024))
PV1=$LOOP
lvm_do pvcreate --norestorefile --uuid CsmPv1-0000-0000-0000-0000-0000-000001 "$PV1" || skip_test "pvcreate does not work here"
lvm_do vgcreate vg-sys "$PV1"
lvm_do lvcreate -an -Zn -L 40M -n root vg-sys
lvm_do lvcreate -an -Zn -L 8M -n swap vg-sys

R=$T/root
mktree "$R"
fstab "$R" "/dev/mapper/vg--sys-root / ext4 defaults 0 1" "UUID=$BOOT_UUID /boot ext4 defaults 0 2" \
    "/dev/vg-sys/swap none swap sw 0 0" "/dev/mapper/vgdata-srv /srv xfs defaults 0 2"
grubcfg "$R" "/dev/mapper/vg--sys-root rd.lvm.lv=vg-sys/root rd.lvm.lv=vg-sys/swap"

scan lvm --root "$R" --disk "$T/disk.img"
assert_status disk.layout pass one-disk
assert_contains "$(q '.results[] | select(.id=="disk.layout") | .evidence[] | select(.label=="/") | .value')" \
    "on $T/disk.img partition 2" "/ is on the PV in partition 2"
assert_status fstab.other-disks fail other-disk
assert_eq "volume group vgdata is not on $T/disk.img" \
    "$(q '.results[] | select(.id=="fstab.other-disks") | .evidence[] | select(.problem) | .note')" "a VG that is not on the disk"
assert_eq "1 2" "$(q '[.plan.partitions[] | select(.required) | .number] | join(" ")')" "/boot and the PV are exported"
assert_status boot.grub-root pass
assert_status boot.resume pass ok

# The root LV grows onto a second disk: the image of one disk is incomplete.
truncate -s 64M "$T/other.img"
loop_range "$T/other.img" 0 $((64 * 1024 * 1024))
PV2=$LOOP
lvm_do pvcreate --norestorefile --uuid CsmPv2-0000-0000-0000-0000-0000-000002 "$PV2"
lvm_do vgextend vg-sys "$PV2"
lvm_do lvextend -L +40M vg-sys/root "$PV2"
fstab "$R" "/dev/mapper/vg--sys-root / ext4 defaults 0 1" "UUID=$BOOT_UUID /boot ext4 defaults 0 2"
scan span --root "$R" --disk "$T/disk.img"
assert_status disk.layout fail spans
assert_contains "$(q '.results[] | select(.id=="disk.layout") | .message')" "/ spans 2 disks" "the span is named"
assert_contains "$(q '.results[] | select(.id=="disk.layout") | .evidence[] | select(.label=="/") | .value')" "$PV2" \
    "the other PV by the device it had"
assert_status fstab.other-disks fail other-disk

# An LV the volume group does not have.
fstab "$R" "/dev/mapper/vg--sys-gone / ext4 defaults 0 1"
scan gone --root "$R" --disk "$T/disk.img"
assert_status disk.layout fail root-elsewhere
done_testing
