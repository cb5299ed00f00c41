# boot.resume: resume= and rd.lvm.lv= must name devices that move with the
# system disk, or the initramfs waits for them.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
r='.results[] | select(.id=="boot.resume")'

scan none --root "$R" --disk "$T/disk.img"
assert_status boot.resume pass none

grubcfg "$R" "UUID=$ROOT_UUID resume=UUID=$SWAP_UUID"
scan swap --root "$R" --disk "$T/disk.img"
assert_status boot.resume pass ok
assert_contains "$(q "$r | .evidence[0].note")" "system disk's swap" "the swap on the system disk"

grubcfg "$R" "UUID=$ROOT_UUID resume=/dev/sda2"
scan devname --root "$R" --disk "$T/disk.img"
assert_status boot.resume fail dangling
assert_contains "$(q "$r | .message")" "resume=/dev/sda2" "named in the message"
assert_eq "update-grub;update-initramfs -u -k all" "$(q "$r | .remediation.commands | join(\";\")")" "Debian commands"

grubcfg "$R" "UUID=$ROOT_UUID resume=UUID=$DATA_UUID"
scan other --root "$R" --disk "$T/disk.img"
assert_status boot.resume fail dangling

# The resume file of initramfs-tools is not a kernel argument; /etc/default/grub is.
grubcfg "$R" "UUID=$ROOT_UUID"
printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet resume=/dev/xvdb1"\n' >"$R/etc/default/grub"
scan defaults --root "$R" --disk "$T/disk.img"
assert_status boot.resume fail dangling
assert_eq "/etc/default/grub:1" "$(q "$r | .evidence[0].source")" "the defaults line"
rm "$R/etc/default/grub"

# rd.lvm.lv: fine when fstab uses the volume, dangling otherwise.
fstab "$R" "/dev/mapper/vg--sys-root / ext4 defaults 0 1"
grubcfg "$R" "/dev/mapper/vg--sys-root rd.lvm.lv=vg-sys/root rd.lvm.lv=vg-sys/old"
scan lvm --root "$R"
assert_status boot.resume fail dangling
assert_eq "rd.lvm.lv=vg-sys/old" "$(q "$r | .evidence[] | select(.problem) | .value")" "only the unused volume"
assert_eq "used by /etc/fstab" "$(q "$r | .evidence[0].note")" "the root volume is used by fstab"
done_testing
