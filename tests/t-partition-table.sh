# disk.partition-table: MBR passes, GPT fails offline (not online), no
# label and a whole-disk filesystem fail; the disk is read by libfdisk.
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mke2fs

good_system "$T/root" "$T/mbr.img"
scan mbr --root "$T/root" --disk "$T/mbr.img"
assert_status disk.partition-table pass dos
assert_contains "$(q '.results[0].message')" "MBR (dos)" "MBR named"

mkdisk "$T/gpt.img" 64 'label: gpt\nsize=40M, type=L\nsize=8M, type=S\n'
put_fs "$T/gpt.img" "$T/root.fs" 2048
put_fs "$T/gpt.img" "$T/swap.fs" $((2048 + 40 * 2048))
scan gpt --root "$T/root" --disk "$T/gpt.img"
assert_status disk.partition-table fail gpt
assert_exit 2
assert_eq blocked "$(q .verdict)" "GPT blocks the offline profile"
assert_contains "$(q '.results[0].remediation.commands[]')" "sgdisk --gpttombr=1:2 $T/gpt.img" "conversion command with the partitions"
assert_contains "$(q '.results[0].remediation.commands[]')" "grub-install --target=i386-pc $T/gpt.img" "debian grub command"
assert_not_contains "$(q '.results[0].remediation.commands[]')" "grub2-install" "no RHEL command on Debian"
assert_eq whole-disk "$(q .plan.copy.mode)" "GPT: the whole disk is copied (backup table at the end)"

# The online agent copies files: GPT does not matter there.
scan gpt-online --root "$T/root" --disk "$T/gpt.img" --profile online
assert_status disk.partition-table fail gpt
assert_eq info "$(q '.results[0].severity')" "online: GPT is informational"
assert_eq ready "$(q .verdict)" "online: not blocked by GPT"
assert_exit 0

# Five partitions: no sgdisk --gpttombr command is offered (it takes four).
mkdisk "$T/gpt5.img" 64 'label: gpt\nsize=4M\nsize=4M\nsize=4M\nsize=4M\nsize=4M\n'
scan gpt5 --root "$T/root" --disk "$T/gpt5.img"
assert_not_contains "$(q '.results[0].remediation.commands[]')" "gpttombr" "no conversion beyond four partitions"

# No partition table: a filesystem on the whole disk.
mkfs_img "$T/bare.img" ext4 32 "$ROOT_UUID"
scan bare --root "$T/root" --disk "$T/bare.img"
assert_status disk.partition-table fail none
assert_contains "$(q '.results[0].message')" "ext4 on the whole disk" "the whole-disk filesystem is named"
assert_status disk.layout pass one-disk

# An all-zero disk: no label, nothing on it.
truncate -s 16M "$T/zero.img"
scan zero --root "$T/root" --disk "$T/zero.img"
assert_status disk.partition-table fail none
assert_status fstab.other-disks fail other-disk

# Not a disk at all (refused before the scan), and an empty file.
run_csm --root "$T/root" --disk "$T/root"
assert_exit 4 "a directory as --disk"
assert_contains "$err" "--disk $T/root: neither a block device nor a raw disk image file" "a directory is refused"
: >"$T/empty.img"
scan empty --root "$T/root" --disk "$T/empty.img"
assert_status disk.partition-table error
assert_exit 3
assert_eq incomplete "$(q .verdict)" "a blocker that could not be checked makes the verdict incomplete"

# Without --disk a tree does not show its partition table: skipped, not passed.
scan nodisk --root "$T/root"
assert_status disk.partition-table skip no-disk
assert_eq false "$(q .plan.available)" "no plan without a disk"
done_testing
