# The reference system passes every check, in every format.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
scan ready --root "$T/root" --disk "$T/disk.img" --target-disk-size 1G
assert_exit 0
assert_eq ready "$(q .verdict)" "verdict"
ids=(disk.partition-table boot.efi boot.grub-root boot.resume fstab.other-disks fstab.device-names
    fstab.network-mounts fstab.crypttab accounts.shadow disk.layout disk.capacity os.release
    boot.default-kernel drivers.virtio-kernel drivers.virtio-initramfs drivers.initramfs-tooling
    software.cloud-init software.guest-tools network.mac-binding network.interface-names system.selinux
    software.rsync online.data-disks storage.lvm-filter system.sshd system.firewall system.apparmor)
for id in "${ids[@]}"; do
    assert_status "$id" pass
done
# A tree's free space would be the host's: not read.
assert_status disk.free-space skip no-counters
assert_eq "$((${#ids[@]} + 1))" "$(q .summary.total)" "every check reported"
assert_eq root "$(q .target.mode)" "target mode"
assert_eq testhost "$(q .host.hostname)" "hostname from the tree"

# The plan: MBR + / + swap, the copy stops after the swap partition.
assert_eq true "$(q .plan.available)" "plan available"
assert_eq partial "$(q .plan.copy.mode)" "partial copy"
assert_eq $((2048 + 48 * 2048 - 1)) "$(q .plan.copy.last_sector)" "last sector is the end of the swap partition"
assert_eq $(((2048 + 48 * 2048) * 512)) "$(q .plan.copy.bytes)" "bytes to copy"
assert_eq 1 "$(q .plan.min_target_gib)" "minimum target size"
assert_contains "$(q '.plan.commands[]')" "dd if=$T/disk.img of=/mnt/export/testhost-system.raw bs=1M count=49 conv=sparse" "dd command"
assert_eq "holds /" "$(q '.plan.partitions[0].why')" "partition 1 holds /"

run_csm --root "$T/root" --disk "$T/disk.img"
assert_exit 0
assert_contains "$out" "READY" "text verdict"
assert_not_contains "$out" $'\033[' "no colour when not on a terminal"
done_testing
