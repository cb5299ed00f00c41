# boot.efi: the firmware (live) or the traces of each boot path (offline).
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mkfs.vfat

# BIOS: grub for i386-pc and grub-pc installed (the reference tree).
good_system "$T/bios" "$T/mbr.img"
scan bios --root "$T/bios" --disk "$T/mbr.img"
assert_status boot.efi pass bios
assert_contains "$(q '.results[] | select(.id=="boot.efi") | .evidence[].value')" "the MBR of $T/mbr.img carries boot code" "MBR boot code as evidence"

# EFI only: an ESP on a GPT disk, mounted at /boot/efi, an EFI tree, grub-efi.
E=$T/efi
mktree "$E"
rm -rf "$E/boot/grub/i386-pc"
printf 'Package: grub-efi-amd64\nStatus: install ok installed\nVersion: 2.06-13\n\n' >"$E/var/lib/dpkg/status"
mkdir -p "$E/boot/efi/EFI/debian" "$E/boot/grub/x86_64-efi"
fstab "$E" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=ABCD-1234 /boot/efi vfat umask=0077 0 1"
grubcfg "$E" "UUID=$ROOT_UUID"
mkdisk "$T/gpt.img" 64 'label: gpt\nsize=8M, type=U\nsize=40M, type=L\n'
mkfs_img "$T/esp.fs" vfat 8 ABCD-1234
put_fs "$T/gpt.img" "$T/esp.fs" 2048
mkfs_img "$T/root.fs" ext4 40 "$ROOT_UUID"
put_fs "$T/gpt.img" "$T/root.fs" $((2048 + 8 * 2048))
scan efi --root "$E" --disk "$T/gpt.img"
assert_status boot.efi fail efi
ev=$(q '.results[] | select(.id=="boot.efi") | .evidence[] | select(.problem) | .value')
assert_contains "$ev" "partition 1 of $T/gpt.img is an EFI System Partition" "ESP on the disk"
assert_contains "$ev" "/etc/fstab:3 mounts /boot/efi (vfat)" "fstab mount"
assert_contains "$ev" "/boot/efi/EFI holds debian" "EFI tree"
assert_contains "$ev" "package grub-efi-amd64 is installed" "grub-efi package"
assert_status fstab.other-disks pass

# Without the disk the tree alone still shows EFI.
scan efi-tree --root "$E"
assert_status boot.efi fail efi

# Both paths installed: a warning to verify the BIOS one.
mkdir -p "$E/boot/grub/i386-pc"
scan hybrid --root "$E"
assert_status boot.efi warn hybrid
assert_exit 1

# Online: EFI is informational.
rm -rf "$E/boot/grub/i386-pc"
scan efi-online --root "$E" --profile online
assert_eq info "$(q '.results[] | select(.id=="boot.efi") | .severity')" "online: informational"

# Live: decided by /sys/firmware/efi, whatever the tree holds.
scan live
expected=pass
[ -d /sys/firmware/efi ] && expected=fail
assert_status boot.efi "$expected"
assert_contains "$(q '.results[] | select(.id=="boot.efi") | .evidence[0].value')" "/sys/firmware/efi" "the firmware is the evidence"
done_testing
