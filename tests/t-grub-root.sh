# boot.grub-root: every boot entry, and what the next grub-mkconfig writes,
# names / by a stable name that is the root filesystem's.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root

grubcfg "$R" "/dev/sda1" "UUID=$ROOT_UUID"
scan devname --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail device-name
r='.results[] | select(.id=="boot.grub-root")'
assert_eq "/boot/grub/grub.cfg:4" "$(q "$r | .evidence[] | select(.problem) | .source")" "the offending line"
assert_contains "$(q "$r | .message")" "root=/dev/sda1" "the value is named"
assert_eq "update-grub" "$(q "$r | .remediation.commands | join(\";\")")" "Debian: update-grub"
assert_contains "$(q "$r | .evidence[] | select(.problem|not) | .note")" "matches the root filesystem" "the UUID entry is verified against the disk"

grubcfg "$R" "UUID=deadbeef-0000-4000-8000-000000000000"
scan mismatch --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail mismatch

grubcfg "$R" "LABEL=root" "PARTUUID=$(sfdisk --disk-id "$T/disk.img" | sed 's/^0x//')-01" "/dev/mapper/vg-root"
scan labels --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root pass

# /etc/default/grub: what grub-mkconfig will write next time.
grubcfg "$R" "UUID=$ROOT_UUID"
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="root=/dev/vda1 console=ttyS0"\n' >"$R/etc/default/grub"
scan defaults --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail device-name
assert_eq "/etc/default/grub:2" "$(q "$r | .evidence[] | select(.problem) | .source")" "the defaults line"

printf 'GRUB_DISABLE_LINUX_UUID=true\n' >"$R/etc/default/grub"
mkdir -p "$R/etc/default/grub.d"
scan disable --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail disable-uuid
assert_contains "$(q "$r | .remediation.commands[]")" "GRUB_DISABLE_LINUX_UUID=false" "the sed command"
# Debian 13: GRUB_DISABLE_LINUX_PARTUUID=false makes grub 2.06 and later
# write root=PARTUUID=, which is stable (grub's 10_linux); not before 2.06.
partuuid=$(sfdisk --disk-id "$T/disk.img" | sed 's/^0x//')-01
grubcfg "$R" "PARTUUID=$partuuid"
printf 'GRUB_DISABLE_LINUX_UUID=true\nGRUB_DISABLE_LINUX_PARTUUID=false\n' >"$R/etc/default/grub"
scan partuuid --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root pass
assert_contains "$(q "$r | .evidence[] | select(.label==\"GRUB_DISABLE_LINUX_UUID\") | .note")" \
    "writes root=PARTUUID=$partuuid" "the evidence says what grub writes"
sed -i 's/^Version: 2.06-13$/Version: 2.04-20/' "$R/var/lib/dpkg/status"
scan partuuid-old --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail disable-uuid
sed -i 's/^Version: 2.04-20$/Version: 2.06-13/' "$R/var/lib/dpkg/status"
printf 'GRUB_DISABLE_LINUX_UUID=true\nGRUB_DISABLE_LINUX_PARTUUID=true\n' >"$R/etc/default/grub"
scan partuuid-off --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail disable-uuid
# An LVM root is named by its /dev/mapper path whatever the setting.
cp "$R/etc/fstab" "$T/fstab.saved"
fstab "$R" "/dev/mapper/vg-root / ext4 defaults 0 1"
grubcfg "$R" "/dev/mapper/vg-root"
scan lvm-root --root "$R"
assert_status boot.grub-root pass
cp "$T/fstab.saved" "$R/etc/fstab"
grubcfg "$R" "UUID=$ROOT_UUID"
printf 'GRUB_DISABLE_LINUX_UUID=true\n' >"$R/etc/default/grub"
# a drop-in that sets it back wins, as grub-mkconfig reads them after
printf 'GRUB_DISABLE_LINUX_UUID=false\n' >"$R/etc/default/grub.d/90-uuid.cfg"
scan dropin --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root pass
rm -rf "$R/etc/default/grub" "$R/etc/default/grub.d"

# No boot loader configuration at all.
rm -f "$R/boot/grub/grub.cfg"
scan none --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail none

# grub legacy (CentOS 6): title/kernel in menu.lst.
printf 'default=0\ntitle CentOS (2.6.32)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32 ro root=/dev/sda1 rhgb\n\tinitrd /initramfs-2.6.32.img\n' >"$R/boot/grub/menu.lst"
scan legacy --root "$R" --disk "$T/disk.img"
assert_status boot.grub-root fail device-name
assert_eq "CentOS (2.6.32)" "$(q "$r | .evidence[] | select(.problem) | .label")" "the legacy title"
rm -f "$R/boot/grub/menu.lst"

# RHEL: BLS entries whose options come from grubenv's kernelopts, and a
# grub.cfg that only says blscfg. Remediation speaks RHEL.
H=$T/rhel
mktree "$H" rhel
fstab "$H" "/dev/mapper/rl-root / xfs defaults 0 0" "UUID=$BOOT_UUID /boot xfs defaults 0 0"
GRUBDIR=boot/grub2 grubcfg "$H"
printf '# GRUB Environment Block\nkernelopts=root=/dev/sda2 ro crashkernel=auto resume=/dev/mapper/rl-swap rd.lvm.lv=rl/root\nsaved_entry=abc-5.14.0\n####\n' >"$H/boot/grub2/grubenv"
printf 'title Rocky Linux (5.14.0)\nversion 5.14.0\nlinux /vmlinuz-5.14.0\ninitrd /initramfs-5.14.0.img\noptions $kernelopts\n' >"$H/boot/loader/entries/abc-5.14.0.conf"
scan bls --root "$H"
assert_status boot.grub-root fail device-name
assert_eq "/boot/loader/entries/abc-5.14.0.conf:3" "$(q "$r | .evidence[] | select(.problem) | .source")" "the BLS entry"
assert_eq "grub2-mkconfig -o /boot/grub2/grub.cfg" "$(q "$r | .remediation.commands | join(\";\")")" "RHEL: grub2-mkconfig"
sed -i 's|root=/dev/sda2|root=/dev/mapper/rl-root|' "$H/boot/grub2/grubenv"
scan bls-ok --root "$H"
assert_status boot.grub-root pass
assert_status boot.resume fail dangling   # rl-swap is not used by fstab
done_testing
