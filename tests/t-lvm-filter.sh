# storage.lvm-filter: a system on LVM whose lvm.conf filter accepts only the
# old disk names (/dev/sd*) hides its physical volume on /dev/vda after the
# move; a devices file written by lvmdevices that names the disk by its
# device name pins the old disk. The PV and the devices file are made by
# the real pvcreate and lvmdevices on a loop device (nothing activated).
. "$CSM_SRC/tests/lib.sh"
need_root "loop devices for pvcreate"
need_cmd losetup lvm

LOOPS=()
lvm_do() { # as t-lvm.sh: LVM sees only this test's loop devices, its system directory a private one
    local filter="" d
    for d in "${LOOPS[@]}"; do filter+="\"a|^$d\$|\", "; done
    LVM_SYSTEM_DIR=$T/lvmsys "$@" -q --driverloaded n --config "devices { obtain_device_list_from_udev=0 filter=[ $filter\"r|.*|\" ] }
        activation { udev_sync=0 udev_rules=0 } global { activation=0 }" >"$T/lvm.log" 2>&1
}
mkdir -p "$T/lvmsys"
mkdisk "$T/disk.img" 128 'label: dos\nsize=16M, type=83, bootable\nsize=100M, type=8e\n'
mkfs_img "$T/boot.fs" ext4 16 "$BOOT_UUID"
put_fs "$T/disk.img" "$T/boot.fs" 2048
loop_attach -o $(((2048 + 16 * 2048) * 512)) --sizelimit $((100 * 1024 * 1024)) "$T/disk.img" || skip_test "no loop device"
LOOPS+=("$LOOP")
GOLDEN_SUBST+=("$LOOP=<loop>")
lvm_do lvm pvcreate --norestorefile --uuid CsmPvF-0000-0000-0000-0000-0000-000001 "$LOOP" || skip_test "pvcreate does not work here"
lvm_do lvm vgcreate vg-sys "$LOOP"
lvm_do lvm lvcreate -an -Zn -L 40M -n root vg-sys

R=$T/root
readytree "$R"
fstab "$R" "/dev/mapper/vg--sys-root / ext4 defaults 0 1" "UUID=$BOOT_UUID /boot ext4 defaults 0 2"
grubcfg "$R" "/dev/mapper/vg--sys-root rd.lvm.lv=vg-sys/root"
mkdir -p "$R/etc/lvm"
lvmconf() { printf 'config {\n\tchecks = 1\n}\ndevices {\n\tdir = "/dev"\n%s\n}\n' "$1" >"$R/etc/lvm/lvm.conf"; }

lvmconf '	# filter = [ "a|.*|" ]'
scan nofilter --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter pass ok
readytree "$T/plain"
scan nolvm --root "$T/plain"
assert_status storage.lvm-filter pass no-lvm

# Only the old names: the PV in partition 2 is /dev/vda2 after the move.
lvmconf '	filter = [ "a|^/dev/sd.*|", "r|.*|" ]'
scan sdonly --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter fail filter
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .message')" \
    'r|.*| rejects /dev/vda2, the physical volume'"'"'s name after the move' "names the pattern and the new name"
assert_eq "/etc/lvm/lvm.conf:6" "$(q '.results[] | select(.id=="storage.lvm-filter") | .evidence[] | select(.problem) | .source')" \
    "the filter's line"
assert_exit 2
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .remediation.commands | join("|")')" \
    "update-initramfs -u -k all" "rebuild the initramfs, which holds lvm.conf"
# Without --disk: no partition of /dev/vda is accepted.
scan sdonly-nodisk --root "$R"
assert_status storage.lvm-filter fail filter
# A filter that accepts the new names too, and lvmlocal.conf overriding lvm.conf.
lvmconf '	filter = [ "a|^/dev/sd.*|", "a|^/dev/vd.*|", "r|.*|" ]'
scan vd --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter pass ok
# The initramfs keeps its own copy of lvm.conf (what finds / at boot): the
# tree's is fixed, the image still has the old filter until it is rebuilt.
IR=$(cd "$R/boot" && ls initrd.img-* | head -1)
mkdir -p "$T/ir"
(cd "$T/ir" && gzip -dc "$R/boot/$IR" | cpio -idm --quiet)
mkdir -p "$T/ir/etc/lvm"
printf 'config {\n\tchecks = 1\n}\ndevices {\n\tdir = "/dev"\n\tfilter = [ "a|^/dev/sd.*|", "r|.*|" ]\n}\n' >"$T/ir/etc/lvm/lvm.conf"
cp "$R/boot/$IR" "$T/ir.orig"
mkinitramfs_fixture "$T/ir" "$R/boot/$IR" gzip
scan initramfs-old --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter fail filter
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .message')" "(the initramfs's lvm.conf)" "names the copy"
assert_eq "/boot/$IR:etc/lvm/lvm.conf:6" "$(q '.results[] | select(.id=="storage.lvm-filter") | .evidence[] | select(.problem) | .source')" \
    "the copy's line"
cp "$R/etc/lvm/lvm.conf" "$T/ir/etc/lvm/lvm.conf"
mkinitramfs_fixture "$T/ir" "$R/boot/$IR" gzip
scan initramfs-new --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter pass ok
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .evidence[].label')" "initramfs filter" "the copy was read"
mv "$T/ir.orig" "$R/boot/$IR"
printf 'devices {\n\tglobal_filter = [ "r|^/dev/vd|" ]\n}\n' >"$R/etc/lvm/lvmlocal.conf"
scan local --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter fail filter
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .evidence[] | select(.problem) | .source')" \
    "/etc/lvm/lvmlocal.conf:2" "global_filter of lvmlocal.conf"
rm "$R/etc/lvm/lvmlocal.conf"

# RHEL 9: the devices file, written by lvmdevices, used by default.
lvmconf '	# use_devicesfile = 1'
lvm_do lvm lvmdevices --devicesfile system.devices --adddev "$LOOP" --deviceidtype devname
mkdir -p "$R/etc/lvm/devices"
cp "$T/lvmsys/devices/system.devices" "$R/etc/lvm/devices/system.devices"
assert_contains "$(cat "$R/etc/lvm/devices/system.devices")" "IDTYPE=devname IDNAME=$LOOP" "lvmdevices wrote a devname entry"
scan devfile-debian --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter pass ok
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .evidence[].value')" "system.devices is there but not used" "Debian's LVM does not use it"
cat >"$R/usr/lib/os-release" <<'OS'
NAME="Red Hat Enterprise Linux"
VERSION_ID="9.4"
ID="rhel"
ID_LIKE="fedora"
OS
scan devfile-rhel9 --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter fail devices-file
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .message')" "names a disk by its devname" "says why"
assert_contains "$(q '.results[] | select(.id=="storage.lvm-filter") | .remediation.commands | join("|")')" \
    "mv /etc/lvm/devices/system.devices /etc/lvm/devices/system.devices.pre-migration|dracut -f --regenerate-all" \
    "RHEL's commands"
lvmconf '	use_devicesfile = 0'
scan devfile-off --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter pass ok
# A devices file by the LV's UUID (a PV on an LV) moves with the disk.
lvmconf '	use_devicesfile = 1'
sed -i 's/IDTYPE=devname IDNAME=[^ ]*/IDTYPE=lvmlv_uuid IDNAME=LVM-abc/' "$R/etc/lvm/devices/system.devices"
scan devfile-lvuuid --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter pass ok

# lvm.conf that cannot be parsed: not known.
printf 'devices {\n\tfilter = [ "a|.*|"\n' >"$R/etc/lvm/lvm.conf"
scan broken --root "$R" --disk "$T/disk.img"
assert_status storage.lvm-filter error
done_testing
