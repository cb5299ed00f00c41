# A real Debian installation tree: debootstrap with a kernel and
# initramfs-tools, whose postinst builds a real initramfs. The scan must find
# the virtio modules in it. Built once and cached (CSM_FIXTURE_CACHE, or the
# build directory); skipped without root or without the Debian mirror.
. "$CSM_SRC/tests/lib.sh"
need_root "debootstrap"
need_cmd debootstrap flock unshare timeout

debootstrap_fixture bookworm linux-image-amd64,initramfs-tools || skip_test "debootstrap failed (no network?)"
tree=$FIXTURE_TREE

ver=$(cd "$tree/lib/modules" && ls | head -1)
# The kernel and its initramfs are the mirror's of the day.
GOLDEN_SUBST+=("$ver=<kver>" "re:[0-9]+ members, [0-9]+ bytes read=<n> members, <n> bytes read")
scan debian --root "$tree"
assert_status os.release pass
assert_status boot.default-kernel pass link
assert_contains "$(q '.results[] | select(.id == "boot.default-kernel") | .message')" "/vmlinuz points at kernel $ver" "the default kernel is the installed one"
assert_status drivers.virtio-kernel pass available
assert_status drivers.virtio-initramfs pass present
assert_status drivers.initramfs-tooling pass present
# debootstrap leaves "# UNCONFIGURED FSTAB FOR BASE SYSTEM": no entry, not even /.
assert_status fstab.other-disks error
assert_contains "$(q '.results[] | select(.id == "fstab.other-disks") | .reason')" "never configured" \
    "the placeholder fstab establishes nothing"
ev=$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .evidence[] | [.value, .source // ""] | join(" ")')
for m in virtio_blk virtio_pci virtio_ring virtio; do
    assert_match "$m: in the initramfs /boot/initrd.img-$ver:usr/lib/modules/$ver/kernel/drivers/[a-z]+/$m.ko" "$ev" "real initramfs holds $m"
done
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .evidence[].source')" "/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko" "virtio_blk found through the real modules.dep"

# The same tree inside a 20 GiB qcow2 (written by mkfs.ext4 -d into an
# sfdisk-made disk, converted by qemu-img): --image reads the guest without
# mounting, and its system checks say what --root --disk says of the same
# disk, check by check.
need_cmd sfdisk mkfs.ext4 qemu-img
truncate -s 20G "$T/disk.raw"
printf 'label: dos\nlabel-id: 0x5eed2222\nstart=2048, type=83, bootable\n' | sfdisk -q "$T/disk.raw"
mkfs.ext4 -q -F -U "$ROOT_UUID" -L root -d "$tree" -E offset=1048576 "$T/disk.raw" 20970496k
printf '\xeb\x63\x90' | dd of="$T/disk.raw" conv=notrunc status=none # grub's boot code in the MBR
qemu-img convert -f raw -O qcow2 "$T/disk.raw" "$T/disk.qcow2"
sel='.results[] | select((.id | startswith("image.") | not) and .id != "disk.partition-table" and .id != "disk.capacity") | "\(.id) \(.status) \(.outcome // "")"'
scan debian-disk --root "$tree" --disk "$T/disk.raw"
q "$sel" >"$T/root.txt"
rm -f "$T/disk.raw"
scan debian-qcow2 --image "$T/disk.qcow2"
q "$sel" >"$T/image.txt"
rm -f "$T/disk.qcow2"
if diff -u "$T/root.txt" "$T/image.txt" >"$T/image.diff"; then
    ok "the tree in a qcow2: its $(wc -l <"$T/root.txt") system checks say what --root --disk says"
else
    not_ok "the tree in a qcow2 and --root --disk differ: $(cat "$T/image.diff")"
fi
assert_contains "$(q '.results[] | select(.id == "os.release") | .message')" "Debian GNU/Linux 12" "the guest's distribution"
assert_eq "$(cat "$tree/etc/hostname")" "$(q .host.hostname)" "the guest's hostname in the report"
# The image's plan: the MBR with its boot code and / on partition 1 (found
# by its content: the fstab is the placeholder), nothing missing to boot.
assert_eq "image true 0" "$(q '"\(.plan.kind) \(.plan.holds.boot_code) \(.plan.commands | length)"')" \
    "the image's plan: the MBR's boot code, no export command"
assert_eq "/ 1 ext4" "$(q '[.plan.holds.mounts[] | "\(.mount) \(.partition) \(.fstype)"] | join("|")')" \
    "the image's plan: / on partition 1"
assert_eq "" "$(q '[.plan.missing[].message] | join("|")')" "the image's plan: nothing missing"

# The same tree with virtio_blk taken out of its initramfs (rebuilt by cpio from
# the real one): the check fails and names the command.
need_cmd cpio gzip
work=$T/ir
mkdir -p "$work" "$T/copy/boot"
(cd "$work" && gzip -dc "$tree/boot/initrd.img-$ver" | cpio -id --quiet 2>/dev/null) || true
find "$work" -name 'virtio_blk.ko*' -delete
# Only what the driver checks read, not the whole 700 MB tree.
mkdir -p "$T/copy/usr/lib" "$T/copy/usr/sbin" "$T/copy/etc"
cp -a "$tree/usr/lib/modules" "$tree/usr/lib/os-release" "$T/copy/usr/lib/"
cp -a "$tree/usr/sbin/update-initramfs" "$T/copy/usr/sbin/"
cp -a "$tree/lib" "$tree/vmlinuz" "$T/copy/"
cp -a "$tree/etc/os-release" "$T/copy/etc/"
cp -a "$tree/boot/vmlinuz-$ver" "$tree/boot/config-$ver" "$T/copy/boot/"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/copy/boot/initrd.img-$ver"
scan debian-nvblk --root "$T/copy"
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .remediation.commands[]')" "update-initramfs -u -k $ver" "real tree: regeneration command"
done_testing
