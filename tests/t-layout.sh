# disk.layout, disk.capacity and the migration plan: which partitions the
# image must hold (MBR + /, /boot, /home, swap ...), where the copy stops,
# and whether that fits the target disk (seed 004 §7-8, seed 000).
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mke2fs mkswap

BOOT=$BOOT_UUID HOME_UUID=44444444-5555-4666-8777-888888888888
R=$T/root
mktree "$R"
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$BOOT /boot ext4 defaults 0 2" \
    "UUID=$HOME_UUID /home ext4 defaults 0 2"
grubcfg "$R" "UUID=$ROOT_UUID"
# sda1 /boot, sda2 /, sda3 /home, then an extended partition with a
# logical data partition the system does not mount.
mkdisk "$T/disk.img" 128 'label: dos\nsize=8M, type=83, bootable\nsize=32M, type=83\nsize=16M, type=83\nsize=40M, type=5\nsize=30M, type=83\n'
mkfs_img "$T/boot.fs" ext4 8 "$BOOT"
mkfs_img "$T/root.fs" ext4 32 "$ROOT_UUID"
mkfs_img "$T/home.fs" ext4 16 "$HOME_UUID"
put_fs "$T/disk.img" "$T/boot.fs" 2048
put_fs "$T/disk.img" "$T/root.fs" $((2048 + 8 * 2048))
put_fs "$T/disk.img" "$T/home.fs" $((2048 + 40 * 2048))
end_home=$((2048 + 56 * 2048 - 1))

scan plan --root "$R" --disk "$T/disk.img" --target-disk-size 100M
assert_status disk.layout pass one-disk
assert_eq "/ /boot /home" "$(q '[.results[] | select(.id=="disk.layout") | .evidence[].label] | sort | join(" ")')" "every mount in the layout"
assert_eq partial "$(q .plan.copy.mode)" "partial copy"
assert_eq "$end_home" "$(q .plan.copy.last_sector)" "the copy ends with /home"
assert_eq "1 2 3" "$(q '[.plan.partitions[] | select(.required) | .number] | join(" ")')" "boot, root and home are required"
assert_eq false "$(q '.plan.partitions[] | select(.number==5) | .required')" "the logical data partition is not"
assert_contains "$(q '.plan.notes[]')" "Not copied: partition 5" "the left-out partition is named"
assert_eq "holds /boot" "$(q '.plan.partitions[0].why')" "why partition 1"
# The whole disk (128 MiB) does not fit 100M, the needed part (56 MiB) does.
assert_status disk.capacity warn partial
assert_exit 1

scan fits --root "$R" --disk "$T/disk.img" --target-disk-size 1G
assert_status disk.capacity pass fits

scan small --root "$R" --disk "$T/disk.img" --target-disk-size 50M
assert_status disk.capacity fail too-small
assert_contains "$(q '.results[] | select(.id=="disk.capacity") | .message')" "image file verification failed" "the platform error is named"
assert_exit 2

# Sizes: decimal units, and a bad size is a usage error.
scan decimal --root "$R" --disk "$T/disk.img" --target-disk-size 0.1GB
assert_status disk.capacity warn partial
run_csm --root "$R" --target-disk-size 12Q
assert_exit 64
assert_contains "$err" "--target-disk-size: invalid size '12Q'" "the option and value are named"

# /home on the last partition: the copy stops at its end, sda5 is mounted too.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$BOOT /boot ext4 defaults 0 2" \
    "UUID=$HOME_UUID /home ext4 defaults 0 2" "/dev/sda5 /srv ext4 defaults 0 2"
sed -i "s|UUID=$ROOT_UUID / |/dev/sda2 / |" "$R/etc/fstab"
scan all --root "$R" --disk "$T/disk.img"
assert_eq "1 2 3 5" "$(q '[.plan.partitions[] | select(.required) | .number] | join(" ")')" "/srv on sda5 is required too"
assert_eq "$((2048 + 56 * 2048 + 2048 + 30 * 2048 - 1))" "$(q .plan.copy.last_sector)" "the copy ends with sda5"

# Without --disk the names in fstab tell disks apart, but no disk was
# examined: nothing to pass on.
fstab "$R" "/dev/sda2 / ext4 defaults 0 1" "/dev/sda1 /boot ext4 defaults 0 2"
scan names-nodisk --root "$R"
assert_status disk.layout skip no-disk
assert_contains "$(q '.results[] | select(.id=="disk.layout") | .reason')" "/dev/sda2" "what fstab says is named"
fstab "$R" "/dev/sda2 / ext4 defaults 0 1" "/dev/sdb1 /boot ext4 defaults 0 2"
scan names-spans --root "$R"
assert_status disk.layout fail spans

# / not on the disk given.
fstab "$R" "UUID=$DATA_UUID / ext4 defaults 0 1"
scan wrongdisk --root "$R" --disk "$T/disk.img"
assert_status disk.layout fail root-elsewhere
done_testing
